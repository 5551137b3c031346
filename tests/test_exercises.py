"""The exercises (exercises/source) as nbgrader assignments: their form, and grading round trips.

The round trips run nbgrader's own command line on a temporary copy of the
course, as an instructor would: generate the student version, put submissions
in submitted/, autograde, generate feedback. Each assignment gets three
students: the reference solution (full marks), the unmodified release (zero)
and plausible wrong answers (the cells they touch lose points, the rest keep
theirs). A separate course checks that broken, looping, deleting, tampering
and kernel-killing notebooks do not stop the grading of the others.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

from adlab.course import setup_source

ROOT = Path(__file__).resolve().parents[1]
EXERCISES = ROOT / "exercises"
SOURCE = EXERCISES / "source"
ASSIGNMENTS = sorted(p.name for p in SOURCE.iterdir() if p.is_dir())
BIN = Path(sys.executable).parent

# Written answers graded by hand: the assignments whose question asks why or when.
WRITTEN = {"q1_second_derivative", "q2_backward_twice", "q3_control_flow",
           "q8_forward_or_reverse"}

# Plausible wrong answers: assignment -> {solution cell id: wrong code}. Every
# test cell listed in LOSES must lose points; every other test cell keeps full marks.
WRONG = {
    "q1_second_derivative": {
        "q1-counts": '''
def operation_counts(f, x):
    first = adlab.grad(f)
    return tuple(adlab.trace(g, x).count() for g in (f, first, first))  # f'' never built
''',
        "q1-time": '''
import time

def seconds_per_call(f, x, repeat=200):
    start = time.perf_counter()
    for _ in range(repeat):
        f(x)
    return time.perf_counter() - start  # the total, not one call
''',
    },
    "q2_backward_twice": {
        "q2-retain": '''
def gradient_after_two_backwards(x0):
    x = adlab.tensor(x0, requires_grad=True)
    y = 2 * adlab.dot(x, x)
    y.backward(retain_graph=True)
    x.grad.zero_()                      # drops the accumulation asked for
    y.backward()
    return x.grad.numpy()

def gradient_of_second_call(x0):
    x = adlab.tensor(x0, requires_grad=True)
    y = 2 * adlab.dot(x, x)
    y.backward(retain_graph=True)
    x.grad.zero_()
    y.backward()
    return x.grad.numpy()
''',
    },
    "q3_control_flow": {
        "q3-code": '''
def gradient_of_sum(a0):
    # central differences instead of AD
    a0 = np.asarray(a0, dtype=float)
    g = np.zeros_like(a0)
    h = 1e-6
    for i in np.ndindex(a0.shape):
        e = np.zeros_like(a0)
        e[i] = h
        g[i] = (f(adlab.tensor(a0 + e)).numpy().sum()
                - f(adlab.tensor(a0 - e)).numpy().sum()) / (2 * h)
    return g

def jacobian(a0):
    return gradient_of_sum(a0)          # a gradient is not the Jacobian

def weighted_gradient(a0, v):
    a = adlab.tensor(a0, requires_grad=True)
    f(a).backward(gradient=v)
    return a.grad.numpy()
''',
    },
    "q4_sin_derivative": {
        "q4-code": '''
import matplotlib.pyplot as plt

def sin_and_derivative(xs):
    h = 1e-5                             # a difference quotient, not AD
    ys = adlab.sin(adlab.tensor(xs)).numpy()
    dys = (np.sin(xs + h) - np.sin(xs - h)) / (2 * h)
    return ys, dys

def plot_sin_and_derivative(xs):
    ys, dys = sin_and_derivative(xs)
    fig, ax = plt.subplots()
    ax.plot(xs, ys, label="sin")
    ax.plot(xs, dys, label="derivative by AD")
    ax.legend()
    return fig
''',
    },
    "q5_dependency_graph": {
        "q5-graph": '''
nodes = {"x": "input", "square": "pow", "log": "log", "sin": "sin", "product": "mul",
         "reciprocal": "truediv", "f": "add"}
# a chain: sin reads log instead of x
edges = [("x", "square"), ("square", "log"), ("log", "sin"), ("log", "product"),
         ("sin", "product"), ("x", "reciprocal"), ("product", "f"), ("reciprocal", "f")]
''',
    },
    "q6_chain_rule": {
        "q6-code": '''
import math

def primals(x):
    v1 = x ** 2
    v2 = math.log(v1)
    v3 = math.sin(x)
    return [x, v1, v2, v3, v2 * v3, 1 / x, v2 * v3 + 1 / x]

def edge_factors(x):
    v0, v1, v2, v3, v4, v5, v6 = primals(x)
    return {(0, 1): 2 * v0, (1, 2): 1 / v1, (0, 3): math.cos(v0), (2, 4): v3, (3, 4): v2,
            (0, 5): 1 / v0 ** 2, (4, 6): 1.0, (5, 6): 1.0}   # sign of d(1/x)/dx
''',
        "q6-dfdx-code": '''
def dfdx(x):
    e = edge_factors(x)
    # only the path through log(x^2) and the one through 1/x: sin's path is missing
    return (e[(0, 1)] * e[(1, 2)] * e[(2, 4)] * e[(4, 6)]
            + e[(0, 5)] * e[(5, 6)])
''',
    },
    "q7_forward_and_reverse": {
        "q7-code": '''
import math

def tangents(x):
    v0, v1 = x, x ** 2
    v2, v3 = math.log(v1), math.sin(v0)
    d0 = 1.0
    d1 = 2 * v0 * d0
    d2 = d1 / v1
    d3 = math.cos(v0) * d0
    d4 = d2 * v3 + v2 * d3
    d5 = d0 / v0 ** 2                    # wrong sign
    return [d0, d1, d2, d3, d4, d5, d4 + d5]

def adjoints(x):
    v0, v1 = x, x ** 2
    v2, v3 = math.log(v1), math.sin(v0)
    b6 = b5 = b4 = 1.0
    b3, b2 = b4 * v2, b4 * v3
    b1 = b2 / v1
    b0 = b1 * 2 * v0                     # only one of the three contributions to v0
    return [b0, b1, b2, b3, b4, b5, b6]
''',
    },
    "q8_forward_or_reverse": {
        "q8-passes": '''
def passes(n, m):
    return {"forward": n, "reverse": m}

def choose_mode(n, m):
    return "reverse" if n <= m else "forward"   # the wrong way round
''',
        "q8-jac": '''
def jacobian_by_columns(f, x):
    x = np.asarray(x, dtype=float)
    cols = [np.asarray(adlab.jvp(f, (x,), (e,))[1]) for e in np.eye(x.size)]
    return np.stack(cols, axis=1), len(cols)

def jacobian_by_rows(f, x):
    return jacobian_by_columns(f, x)      # columns again: n passes, f run n times
''',
    },
}

LOSES = {
    "q1_second_derivative": {"q1-counts-check", "q1-counts-hidden", "q1-time-check"},
    "q2_backward_twice": {"q2-retain-check"},
    "q3_control_flow": {"q3-sum-check", "q3-jacobian-check"},
    "q4_sin_derivative": {"q4-values-check"},
    "q5_dependency_graph": {"q5-graph-check"},
    "q6_chain_rule": {"q6-factors-check", "q6-dfdx-check"},
    "q7_forward_and_reverse": {"q7-tangents-check", "q7-adjoints-check"},
    "q8_forward_or_reverse": {"q8-passes-check", "q8-rows-check"},
}


# -- helpers -------------------------------------------------------------------


def _nb(assignment: str):
    return nbformat.read(SOURCE / assignment / f"{assignment}.ipynb", as_version=4)


def _meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def _env(extra: dict | None = None) -> dict:
    env = dict(os.environ)
    # nbgrader runs `alembic` from PATH; the kernel must be this environment's python3
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env.pop("JUPYTER_CONFIG_DIR", None)
    env.update(extra or {})
    return env


def nbgrader(course: Path, *args: str, env: dict | None = None, timeout: float = 300):
    """Run `nbgrader ARGS` in COURSE; returns the CompletedProcess (output in .stdout)."""
    return subprocess.run([str(BIN / "nbgrader"), *args], cwd=course, env=env or _env(),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=timeout)


def _copy_course(dest: Path) -> Path:
    dest.mkdir(parents=True)
    shutil.copy(EXERCISES / "nbgrader_config.py", dest)
    shutil.copytree(SOURCE, dest / "source")
    return dest


def _submit(course: Path, student: str, assignment: str, nb) -> None:
    folder = course / "submitted" / student / assignment
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / f"{assignment}.ipynb")
    (folder / "timestamp.txt").write_text("2026-11-22 09:00:00.000000 UTC")


def _with_code(nb, replacements: dict):
    """A copy of NB whose solution cells with the given ids hold the given code."""
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    found = set()
    for cell in nb.cells:
        gid = _meta(cell).get("grade_id")
        if gid in replacements:
            cell.source = replacements[gid].strip("\n")
            found.add(gid)
    assert found == set(replacements), f"no cells {set(replacements) - found}"
    return nb


def _scores(course: Path, assignment: str) -> dict:
    """{student: {grade_id: (score, max_score)}} plus '_code' totals, from the gradebook."""
    from nbgrader.api import Gradebook

    out = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for sub in gb.assignment_submissions(assignment):
            nb = gb.find_submission_notebook(assignment, assignment, sub.student.id)
            grades = {g.name: (g.score, g.max_score) for g in nb.grades}
            grades["_code"] = (sub.code_score, sub.max_code_score)
            grades["_written"] = (sub.written_score, sub.max_written_score)
            out[sub.student.id] = grades
    return out


def _round_trip(base: Path, assignment: str) -> dict:
    course = _copy_course(base / assignment)
    log = []
    r = nbgrader(course, "generate_assignment", assignment, "--force")
    log.append(r.stdout)
    release = nbformat.read(course / "release" / assignment / f"{assignment}.ipynb", 4)
    _submit(course, "reference", assignment, _nb(assignment))
    _submit(course, "unchanged", assignment, release)
    _submit(course, "wrong", assignment, _with_code(_nb(assignment), WRONG[assignment]))
    for step in (["autograde", assignment, "--force"],
                 ["generate_feedback", assignment, "--force"]):
        r = nbgrader(course, *step)
        log.append(r.stdout)
    return {"course": course, "log": "\n".join(log), "scores": _scores(course, assignment)}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Every assignment generated, autograded for three students and given feedback."""
    base = tmp_path_factory.mktemp("courses")
    with ThreadPoolExecutor(max_workers=max(2, min(4, os.cpu_count() or 2))) as pool:
        results = dict(zip(ASSIGNMENTS, pool.map(lambda a: _round_trip(base, a), ASSIGNMENTS)))
    return results


# -- the source notebooks ------------------------------------------------------------


def test_there_are_eight_assignments_one_notebook_each():
    assert [a[:3] for a in ASSIGNMENTS] == [f"q{i}_" for i in range(1, 9)]
    for a in ASSIGNMENTS:
        assert sorted(p.name for p in (SOURCE / a).iterdir()) == [f"{a}.ipynb"]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_source_notebook_is_a_valid_nbgrader_assignment(assignment):
    nb = _nb(assignment)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "python3"
    assert nb.cells[1].source == setup_source(), "the second cell is the Colab set-up cell"
    ids = [_meta(c).get("grade_id") for c in nb.cells]
    assert all(ids) and len(set(ids)) == len(ids), "every cell has a unique grade_id"
    kinds = {"tests": 0, "answers": 0, "written": 0, "hidden": 0}
    for cell in nb.cells:
        m = _meta(cell)
        assert m["schema_version"] == 3
        if cell.cell_type == "code":
            assert not cell.get("outputs") and cell.get("execution_count") is None
        if m["solution"] and cell.cell_type == "code":
            kinds["answers"] += 1
            assert "### BEGIN SOLUTION" in cell.source and "### END SOLUTION" in cell.source
            assert not m["locked"]
        elif m["solution"]:
            kinds["written"] += 1
            assert m["grade"] and m["points"] > 0
        elif m["grade"]:
            kinds["tests"] += 1
            assert m["locked"] and m["points"] > 0
            kinds["hidden"] += "### BEGIN HIDDEN TESTS" in cell.source
        else:
            assert m["locked"], "instructions and given code are read-only"
            assert "BEGIN SOLUTION" not in cell.source and "HIDDEN" not in cell.source
    assert kinds["answers"] >= 1 and kinds["tests"] >= kinds["answers"]
    assert kinds["hidden"] >= 1, "each assignment has hidden tests"
    assert (kinds["written"] >= 1) == (assignment in WRITTEN)


def test_wrong_answers_target_real_cells():
    for a in ASSIGNMENTS:
        ids = {_meta(c)["grade_id"]: _meta(c) for c in _nb(a).cells}
        assert set(WRONG[a]) <= {i for i, m in ids.items() if m["solution"]}
        assert LOSES[a] <= {i for i, m in ids.items() if m["grade"] and not m["solution"]}


def test_config_uses_relative_paths_only_and_loads():
    text = (EXERCISES / "nbgrader_config.py").read_text()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            assert not node.value.startswith(("/", "~")) and ":\\" not in node.value
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(EXERCISES)).load_config()
    assert config.CourseDirectory.source_directory == "source"
    assert config.Execute.timeout > 0
    names = [p.__name__ for p in config.GenerateFeedback.preprocessors]
    assert names.index("GetGrades") < names.index("HideHiddenTests")


def test_only_the_sources_are_committed():
    tracked = subprocess.run(["git", "ls-files", "exercises"], cwd=ROOT, text=True,
                             stdout=subprocess.PIPE).stdout.split()
    if not tracked:  # not a git checkout (an sdist): nothing to check
        pytest.fail("tests must run in a git checkout of adlab")
    for path in tracked:
        assert path.startswith("exercises/source/") or path in (
            "exercises/nbgrader_config.py", "exercises/README.md"), path
    for made in ("release/q1/x.ipynb", "submitted/s/q1/x.ipynb", "autograded/s/q1/x.ipynb",
                 "feedback/s/q1/x.html", "gradebook.db", "grades.csv"):
        r = subprocess.run(["git", "check-ignore", "-q", f"exercises/{made}"], cwd=ROOT)
        assert r.returncode == 0, f"exercises/{made} is not git-ignored"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_reference_solution_runs_clean_in_a_fresh_kernel(assignment):
    """Quick form of the round trip: the source notebook, executed as is, raises nowhere."""
    from nbclient import NotebookClient

    nb = _nb(assignment)
    NotebookClient(nb, timeout=60, kernel_name="python3",
                   resources={"metadata": {"path": str(SOURCE / assignment)}}).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert errors == []


# -- round trips ---------------------------------------------------------------


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_reference_solution_scores_full_marks(graded, assignment):
    scores = graded[assignment]["scores"]["reference"]
    code, max_code = scores["_code"]
    assert max_code > 0 and code == max_code, graded[assignment]["log"][-3000:]
    for gid, (score, top) in scores.items():
        if not gid.startswith("_") and top and gid not in _written_ids(assignment):
            assert score == top, gid


def _written_ids(assignment):
    return {_meta(c)["grade_id"] for c in _nb(assignment).cells
            if _meta(c)["solution"] and _meta(c)["grade"]}


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_unchanged_release_scores_zero(graded, assignment):
    scores = graded[assignment]["scores"]["unchanged"]
    assert scores["_code"][0] == 0 and scores["_code"][1] > 0
    assert scores["_written"][0] == 0


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_plausible_wrong_answers_lose_points_where_expected(graded, assignment):
    scores = graded[assignment]["scores"]["wrong"]
    for gid, (score, top) in scores.items():
        if gid.startswith("_") or gid in _written_ids(assignment):
            continue
        if gid in LOSES[assignment]:
            assert score < top, f"{gid}: the wrong answer kept {score} of {top}"
        else:
            assert score == top, f"{gid}: a correct part lost points ({score} of {top})"
    assert scores["_code"][0] < scores["_code"][1]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_shows_no_solutions_and_no_hidden_tests(graded, assignment):
    course = graded[assignment]["course"]
    release = nbformat.read(course / "release" / assignment / f"{assignment}.ipynb", 4)
    text = "\n".join(c.source for c in release.cells)
    for secret in ("BEGIN SOLUTION", "HIDDEN TESTS", *_hidden_lines(assignment)):
        assert secret not in text, secret
    assert "raise NotImplementedError()" in text
    if assignment in WRITTEN:
        assert "YOUR ANSWER HERE" in text


def _hidden_lines(assignment):
    """The distinctive lines of the hidden regions (long enough not to occur elsewhere)."""
    lines = []
    for cell in _nb(assignment).cells:
        inside = False
        for line in cell.source.splitlines():
            if "BEGIN HIDDEN TESTS" in line:
                inside = True
            elif "END HIDDEN TESTS" in line:
                inside = False
            elif inside and len(line.strip()) > 25:
                lines.append(line.strip())
    assert lines
    return lines


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_feedback_hides_hidden_tests(graded, assignment):
    import html

    course = graded[assignment]["course"]
    for student in ("reference", "unchanged", "wrong"):
        page = course / "feedback" / student / assignment / f"{assignment}.html"
        text = html.unescape(re.sub(r"<[^>]+>", "", page.read_text()))
        assert "hidden tests ran here" in text
        for line in _hidden_lines(assignment):
            assert line not in text, f"{student}: {line}"
        # the autograded notebook (instructor only) still has them, so the filter was needed
    graded_nb = (course / "autograded" / "wrong" / assignment / f"{assignment}.ipynb").read_text()
    assert "BEGIN HIDDEN TESTS" in graded_nb


# -- hostile notebooks -------------------------------------------------------------------

HOSTILE = "q2_backward_twice"


def test_broken_slow_and_hostile_notebooks_do_not_stop_grading(tmp_path):
    course = _copy_course(tmp_path / "course")
    a = HOSTILE
    r = nbgrader(course, "generate_assignment", a, "--force")
    assert r.returncode == 0, r.stdout
    release = nbformat.read(course / "release" / a / f"{a}.ipynb", 4)
    source = _nb(a)
    solution = {_meta(c)["grade_id"]: c.source for c in source.cells if _meta(c)["solution"]
                and c.cell_type == "code"}
    students = {
        # raises at its first cell; the rest is right
        "a_raises": _with_code(source, {"q2-error": "raise RuntimeError('oops')"}),
        # never ends: the cell is interrupted after the timeout and the others still count
        "b_loops": _with_code(source, {"q2-error": "while True:\n    pass"}),
        # deletes what the tests use
        "c_deletes": _with_code(source, {"q2-retain": solution["q2-retain"] + "\ndel np, adlab"}),
        # kills its own kernel
        "d_kills": _with_code(release, {"q2-error": "import os\nos._exit(1)"}),
        # rewrites a test cell to pass; nbgrader restores the test from the gradebook
        "e_tampers": _tamper(release, "q2-retain-check"),
        "z_reference": source,
    }
    for name, nb in students.items():
        _submit(course, name, a, nb)
    r = nbgrader(course, "autograde", a, "--force", "--Execute.timeout=4")
    log = r.stdout
    assert "CellTimeoutError" in _autograded_text(course, "b_loops", a)
    scores = _scores(course, a)
    full = scores["z_reference"]["_code"][1]
    assert scores["z_reference"]["_code"][0] == full, log[-3000:]
    # the loop and the raise cost the one part (1 point) they broke
    assert scores["a_raises"]["q2-error-check"][0] == 0
    assert scores["a_raises"]["_code"][0] == full - 1
    assert scores["b_loops"]["q2-error-check"][0] == 0
    assert scores["b_loops"]["_code"][0] == full - 1
    # deleting np and adlab breaks the later checks, and only those
    assert scores["c_deletes"]["q2-error-check"][0] == 1
    assert scores["c_deletes"]["_code"][0] == 1
    # the tampered test was put back and fails on the unchanged stub
    assert scores["e_tampers"]["_code"][0] == 0
    # the kernel that died is reported and scores nothing; it did not stop the others
    assert scores["d_kills"]["_code"][0] == 0
    assert not (course / "autograded" / "d_kills" / a).exists()
    assert "error processing assignment 'q2_backward_twice' for student 'd_kills'" in log


def _tamper(nb, gid):
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    for cell in nb.cells:
        if _meta(cell).get("grade_id") == gid:
            cell.source = "pass  # all good"
    return nb


def test_grading_runs_kernels_without_transport_warnings(graded):
    """nbgrader_config.py puts kernels on Unix sockets: no unencrypted-TCP warning per notebook."""
    for assignment, result in graded.items():
        assert "[AutogradeApp | INFO] Autograding" in result["log"], assignment
        assert "without encryption" not in result["log"], assignment


def _autograded_text(course, student, assignment):
    return (course / "autograded" / student / assignment / f"{assignment}.ipynb").read_text()
