"""The ``adlab trace`` command: real values in its tables and summary, graphs, and bad input."""

from __future__ import annotations

import math
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import adlab
from adlab.cli import main
from adlab.expressions import parse

BAYDIN = "ln(x1) + x1*x2 - sin(x2)"
AT = ["--at", "x1=2", "x2=5"]
X1, X2 = 2.0, 5.0


def f(x1, x2):
    return math.log(x1) + x1 * x2 - math.sin(x2)


Y = f(X1, X2)
DY_DX1 = X2 + 1 / X1  # closed forms of the partial derivatives
DY_DX2 = X1 - math.cos(X2)
SUMMARY = re.compile(r"^(?:% )?Summary: y = (\S+) at x1 = (\S+), x2 = (\S+); "
                     r"dy/dx1 = (\S+), dy/dx2 = (\S+)$", re.M)


def run(capsys, *argv):
    """main(argv) in this process: (exit status, stdout, stderr)."""
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def g(x, digits=4):
    return format(x, f".{digits}g")


def central(fun, x, h=1e-5):
    return (fun(x + h) - fun(x - h)) / (2 * h)


def test_the_reference_values_are_baydins():
    # the closed forms, central differences and the paper's numbers agree
    assert (round(Y, 6), round(DY_DX1, 6), round(DY_DX2, 6)) == (11.652071, 5.5, 1.716338)
    assert DY_DX1 == pytest.approx(central(lambda x: f(x, X2), X1), rel=1e-9)
    assert DY_DX2 == pytest.approx(central(lambda x: f(X1, x), X2), rel=1e-9)


def test_default_prints_tables_2_and_3_and_the_summary(capsys):
    status, out, err = run(capsys, "trace", BAYDIN, *AT)
    assert status == 0 and err == ""
    assert "### Forward mode, in the format of Baydin et al. (2018), Table 2" in out
    assert ("### Reverse mode, in the format of Baydin et al. (2018), Table 3: primal and "
            "adjoint traces, output adjoint seed 1, the adjoint lines in the order the sweep "
            "runs them (the paper prints them bottom to top)") in out
    assert out.index("Table 2") < out.index("Table 3") < out.index("Summary:")
    # the numbers in the tables, formatted from the closed forms at 4 digits
    assert g(Y) == "11.65"
    assert f"| $y = v_{{5}}$ | ${g(Y)}$ |" in out
    assert f"| $\\dot{{y}} = \\dot{{v}}_{{5}}$ | ${g(DY_DX1)}$ |" in out  # seed x1
    assert f"| $\\bar{{x}}_{{1}} = \\bar{{v}}_{{-1}}$ |  | ${g(DY_DX1)}$ |" in out
    assert f"| $\\bar{{x}}_{{2}} = \\bar{{v}}_{{0}}$ |  | ${g(DY_DX2)}$ |" in out
    assert f"$10.69 - ({g(math.sin(X2))}) = {g(Y)}$" in out  # v_5 = v_4 - v_3
    # the summary line
    (line,) = SUMMARY.findall(out)
    assert line == (g(Y), "2", "5", g(DY_DX1), g(DY_DX2)) == ("11.65", "2", "5", "5.5", "1.716")


def test_the_formula_is_numbered_as_the_paper_and_the_one_operation_per_line_f(capsys):
    """Baydin et al.'s Table 2: v1 = ln, v2 = x, v3 = sin, v4 = +, v5 = -; Table 3's adjoint
    lines in the order they run (the paper prints them bottom to top)."""
    status, out, _ = run(capsys, "trace", BAYDIN, *AT, "--format", "text", "--table", "reverse")
    assert status == 0
    lines = out.splitlines()[3:]  # after the title, a blank line and the header
    primal = [line.split("|")[0].strip() for line in lines[:7]]
    assert primal == ["v₋₁ = x₁", "v₀ = x₂", "v₁ = ln(v₋₁)", "v₂ = v₋₁ × v₀", "v₃ = sin(v₀)",
                      "v₄ = v₁ + v₂", "v₅ = v₄ − v₃"]
    adjoint = [line.split("|")[2].strip() for line in lines[:11]]
    assert adjoint == ["v̄₅ = ȳ", "v̄₄ = v̄₅ ∂v₅/∂v₄", "v̄₃ = v̄₅ ∂v₅/∂v₃", "v̄₁ = v̄₄ ∂v₄/∂v₁",
                       "v̄₂ = v̄₄ ∂v₄/∂v₂", "v̄₀ = v̄₃ ∂v₃/∂v₀", "v̄₋₁ = v̄₂ ∂v₂/∂v₋₁",
                       "v̄₀ = v̄₀ + v̄₂ ∂v₂/∂v₀", "v̄₋₁ = v̄₋₁ + v̄₁ ∂v₁/∂v₋₁", "x̄₁ = v̄₋₁",
                       "x̄₂ = v̄₀"]

    def paper_order(x1, x2):  # notebook 07's f
        v1 = adlab.log(x1)
        v2 = x1 * x2
        v3 = adlab.sin(x2)
        v4 = v1 + v2
        return v4 - v3

    expected = adlab.trace(paper_order, X1, X2).table("reverse").text()
    assert expected in out
    # the adjoint values: the paper's, and central differences for the inputs
    assert "−0.2837 + 1 × 2 = 1.716" in out and "5 + 1 × 0.5 = 5.5" in out
    assert DY_DX1 == pytest.approx(central(lambda x: f(x, X2), X1), rel=1e-9)


def test_summary_at_more_digits_matches_closed_forms_and_differences(capsys):
    status, out, _ = run(capsys, "trace", BAYDIN, *AT, "--digits", "10", "--table", "primal")
    assert status == 0
    (y, _, _, d1, d2), = SUMMARY.findall(out)
    assert (y, d1, d2) == (g(Y, 10), g(DY_DX1, 10), g(DY_DX2, 10))
    assert float(y) == pytest.approx(11.652071, abs=5e-7)
    assert float(d1) == pytest.approx(central(lambda x: f(x, X2), X1), rel=1e-8)
    assert float(d2) == pytest.approx(central(lambda x: f(X1, x), X2), rel=1e-8)
    assert float(d2) == pytest.approx(1.716338, abs=5e-7)


def test_seed_chooses_the_forward_direction(capsys):
    status, out, _ = run(capsys, "trace", BAYDIN, *AT, "--seed", "x2", "--table", "forward")
    assert status == 0
    assert "derivatives by x2" in out
    assert f"| $\\dot{{y}} = \\dot{{v}}_{{5}}$ | ${g(DY_DX2)}$ |" in out
    assert "| $\\dot{v}_{0} = \\dot{x}_{2}$ | $1$ |" in out
    assert "Reverse mode" not in out


def test_inputs_are_numbered_in_the_order_of_at(capsys):
    status, out, _ = run(capsys, "trace", BAYDIN, "--at", "x2=5", "x1=2", "--format", "text",
                         "--table", "primal")
    assert status == 0
    assert re.search(r"^v₋₁ = x₂ +\| 5$", out, re.M)
    assert re.search(r"^v₀ = x₁ +\| 2$", out, re.M)
    assert (f"Summary: y = {g(Y)} at x2 = 5, x1 = 2; dy/dx2 = {g(DY_DX2)}, "
            f"dy/dx1 = {g(DY_DX1)}") in out


def test_latex_format(capsys):
    status, out, _ = run(capsys, "trace", BAYDIN, *AT, "--format", "latex")
    assert status == 0
    assert out.count("\\begin{tabular}") == 2 and out.count("\\end{tabular}") == 2
    assert "$v_{2} = v_{-1} \\times v_{0}$ & $2 \\times 5 = 10$" in out
    assert f"$\\bar{{x}}_{{2}} = \\bar{{v}}_{{0}}$ &  & ${g(DY_DX2)}$ \\\\" in out
    # the titles and the summary are LaTeX comments, so the output pastes whole
    assert "% Forward mode" in out and "% Reverse mode" in out
    assert "% Summary: y = 11.65" in out
    assert "###" not in out


def test_table_all_prints_every_kind_as_the_library_renders_it(capsys):
    status, out, _ = run(capsys, "trace", BAYDIN, *AT, "--table", "all", "--format", "text",
                         "--seed", "x2")
    assert status == 0
    expr = parse(BAYDIN)
    t = adlab.trace(expr, X1, X2, names=expr.variables).by_level()
    for kind in ("primal", "tangent", "adjoint", "forward", "reverse"):
        seed = {"x2": 1.0} if kind in ("tangent", "forward") else None
        assert t.table(kind, seed=seed, digits=4).text() in out, kind
    titles = ["Forward primal trace\n", "Forward tangent trace:", "Reverse adjoint trace:",
              "Forward mode", "Reverse mode"]
    positions = [out.index(title) for title in titles]
    assert positions == sorted(positions)
    assert out.count("Summary:") == 1


def test_a_value_may_be_a_constant_formula(capsys):
    status, out, _ = run(capsys, "trace", "x^2 * sin(x)", "--at", "x=pi/4", "--table", "primal")
    assert status == 0
    x = math.pi / 4
    assert f"Summary: y = {g(x * x * math.sin(x))} at x = {g(x)}; " \
           f"dy/dx = {g(2 * x * math.sin(x) + x * x * math.cos(x))}" in out


def test_an_input_missing_from_the_formula_gets_derivative_0(capsys):
    status, out, err = run(capsys, "trace", "3*x", "--at", "x=2", "z=7", "--table", "primal")
    assert status == 0
    assert "Summary: y = 6 at x = 2, z = 7; dy/dx = 3, dy/dz = 0" in out
    assert err == "adlab trace: note: z not in the formula; it is an input whose derivative is 0.\n"


def test_log_of_a_negative_number_is_nan_with_a_warning(capsys):
    status, out, err = run(capsys, "trace", "ln(x) + x", "--at", "x=-1", "--table", "reverse")
    assert status == 0
    assert "Summary: y = nan at x = -1; dy/dx = 0" in out  # 1/x + 1 is still finite
    assert "warning: invalid value encountered in log" in err
    assert "Traceback" not in err and err.count("\n") == 1


# -- graphs -----------------------------------------------------------------------

def test_graph_svg_has_one_node_per_row(capsys, tmp_path):
    # make test installs Graphviz; a missing dot is a failure here, never a skip
    assert shutil.which("dot"), "Graphviz's dot is missing: run make test, which installs it"
    path = tmp_path / "out.svg"
    status, _, err = run(capsys, "trace", BAYDIN, *AT, "--graph", str(path), "--show",
                         "adjoint")
    assert status == 0 and f"wrote {path}" in err
    svg = path.read_text(encoding="utf-8")
    assert "<svg" in svg
    titles = re.findall(r'<g id="node\d+" class="node">\s*<title>([^<]*)</title>', svg)
    assert sorted(titles) == sorted(["v_m1", "v_0", "v_1", "v_2", "v_3", "v_4", "v_5"])
    assert f"v̄₀ = {g(DY_DX2)}" in svg  # --show adjoint: the adjoints in the nodes


def test_dot_source_needs_no_graphviz_but_svg_does(capsys, tmp_path, monkeypatch):
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    status, out, err = run(capsys, "trace", BAYDIN, *AT, "--graph", str(tmp_path / "g.dot"))
    assert status == 0 and "Summary:" in out
    source = (tmp_path / "g.dot").read_text(encoding="utf-8")
    assert "digraph" in source
    assert sorted(set(re.findall(r"^\s*(v_m?\d+) \[", source, re.M))) == sorted(
        ["v_m1", "v_0", "v_1", "v_2", "v_3", "v_4", "v_5"])

    status, out, err = run(capsys, "trace", BAYDIN, *AT, "--graph", str(tmp_path / "g.svg"))
    assert status == 2 and out == ""
    assert "dot program is missing" in err and "apt-get install graphviz" in err
    assert f"--graph {tmp_path / 'g.dot'}" in err  # the way out
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "g.svg").exists()


# -- bad input ---------------------------------------------------------------------

BAD = [
    (["x +", "--at", "x=1"], ["formula cannot be read", "syntax error"]),
    (["2x", "--at", "x=1"], ["syntax error", "2*x"]),
    (["__import__('os').system('true')", "--at", "x=1"], ["unknown function", "the functions are"]),
    (["x.real", "--at", "x=1"], ["'x.real' is not arithmetic"]),
    (["lambda: 1", "--at", "x=1"], ["'lambda: 1' is not arithmetic"]),
    (["foo(x)", "--at", "x=1"], ["unknown function 'foo'", "sin"]),
    ([BAYDIN, "--at", "x1=2"], ["variable x2 has no value", "--at x1=2 x2=VALUE"]),
    ([BAYDIN], ["variables x1, x2 have no value", "--at"]),
    ([BAYDIN, "--at", "x1=abc", "x2=5"], ["value of x1, 'abc', is not a number"]),
    ([BAYDIN, "--at", "x1=", "x2=5"], ["value of x1, '', is not a number"]),
    ([BAYDIN, "--at", "x1", "x2=5"], ["--at 'x1' has no '='", "NAME=VALUE"]),
    ([BAYDIN, "--at", "x1=2", "x1=3", "x2=5"], ["gives x1 twice"]),
    ([BAYDIN, "--at", "x1=2", "x2=5", "pi=3"], ["pi is a constant, not a variable"]),
    ([BAYDIN, *AT, "--seed", "x3"], ["--seed 'x3' is not an input", "x1, x2"]),
    ([BAYDIN, *AT, "--graph", "out.jpg"], ["suffix '.jpg'", ".svg", ".dot"]),
    ([BAYDIN, *AT, "--graph", "out"], ["cannot tell the format", ".svg"]),
    (["2 + 3"], ["has no variables"]),
    ([BAYDIN, *AT, "--table", "tangents"], ["--table: invalid choice: 'tangents'"]),
    ([BAYDIN, *AT, "--format", "html"], ["--format: invalid choice: 'html'"]),
    ([BAYDIN, *AT, "--digits", "0"], ["--digits: 0 is not between 1 and 17"]),
    ([BAYDIN, "x", *AT], ["unrecognized arguments", "Quote the formula"]),
    (["--at", "x=1"], ["required: expression"]),
]


@pytest.mark.parametrize("argv, words", BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_input_is_one_line_and_status_2(capsys, tmp_path, monkeypatch, argv, words):
    monkeypatch.chdir(tmp_path)  # nothing may be written
    status, out, err = run(capsys, "trace", *argv)
    assert status == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("adlab trace: error: "), err
    assert "Traceback" not in err
    for word in words:
        assert word in err, (word, err)
    assert list(tmp_path.iterdir()) == []


def test_no_command_and_help(capsys):
    status, out, err = run(capsys)
    assert status == 2 and "give a command" in err and err.count("\n") == 1
    status, out, _ = run(capsys, "trace", "--help")
    assert status == 0
    for option in ("--at NAME=VALUE", "--table", "--seed", "--format", "--digits", "--graph"):
        assert option in out


# -- as installed ----------------------------------------------------------------------


def test_console_script(tmp_path):
    script = Path(sys.executable).parent / "adlab"
    assert script.exists(), f"{script} is missing: run pip install -e . to install the command"
    done = subprocess.run([str(script), "trace", BAYDIN, *AT, "--table", "reverse"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert done.returncode == 0, done.stderr
    assert SUMMARY.findall(done.stdout) == [(g(Y), "2", "5", g(DY_DX1), g(DY_DX2))]


def test_python_m_adlab_rejects_code_and_stays_light(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "adlab", "trace", "__import__('os').system('touch pwned')",
         "--at", "x=1"], capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert done.returncode == 2
    assert done.stdout == "" and "Traceback" not in done.stderr
    assert done.stderr.startswith("adlab trace: error: the formula cannot be read: "
                                  "unknown function")
    assert not (tmp_path / "pwned").exists()
    code = "import sys, adlab.cli; print(sorted({'graphviz', 'sympy'} & set(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=60)
    assert done.stdout.strip() == "[]"
