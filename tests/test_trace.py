"""Evaluation traces and trace tables: published values, golden text, agreement with the core."""

from __future__ import annotations

import dataclasses
import math
import re
import time

import numpy as np
import pytest

import adlab
from adlab import PRIMITIVES
from adlab.traces import trace  # also adlab.trace
from oracles import baydin  # one operation a line, numbered as Baydin et al.'s Table 2




def eq5(x1, x2):
    return x1 * x2 + x2 - adlab.log(x1)


def r4(v):
    return [round(float(x), 4) for x in v]


def test_baydin_rows_primals_tangents_adjoints():
    t = trace(baydin, 2.0, 5.0)
    assert t.input_names == ("x1", "x2")
    assert [r.index for r in t.rows] == [-1, 0, 1, 2, 3, 4, 5]
    assert [r.prim and r.prim.name for r in t.rows] == [None, None, "log", "mul", "sin", "add", "sub"]
    assert t.row(2).args == (-1, 0) and t.row(5).args == (4, 3)
    assert r4(r.value for r in t.rows) == [2, 5, 0.6931, 10, -0.9589, 10.6931, 11.6521]
    tangents = t.forward({"x1": 1.0})
    assert r4(tangents.values) == [1, 0, 0.5, 5, 0, 5.5, 5.5]
    adjoints = t.reverse()
    assert adjoints.gradient == (5.5, pytest.approx(1.716338, abs=5e-7))
    # the accumulations: v0 feeds v2 and v3, v-1 feeds v1 and v2
    accumulations = [(s.target, s.source) for s in adjoints.steps if not s.first]
    assert accumulations == [(0, 2), (-1, 1)]


def test_baydin_tables_show_the_published_numbers():
    t = trace(baydin, 2.0, 5.0)
    primal = t.table("primal").text()
    for s in ["v₋₁ = x₁", "| 2", "ln(2) = 0.6931", "2 × 5 = 10", "sin(5) = −0.9589",
              "0.6931 + 10 = 10.69", "10.69 − (−0.9589) = 11.65", "y = v₅"]:
        assert s in primal, s
    forward = t.table("forward").text()
    for s in ["1 × 0.5 = 0.5", "1 × 5 + 0 × 2 = 5", "0 × 0.2837 = 0", "0.5 + 5 = 5.5",
              "5.5 − 0 = 5.5", "ẏ = v̇₅"]:
        assert s in forward, s
    reverse = t.table("reverse").text()
    for s in ["v̄₀ = v̄₀ + v̄₂ ∂v₂/∂v₀", "∂v₂/∂v₀ = v₋₁", "−0.2837 + 1 × 2 = 1.716",
              "v̄₋₁ = v̄₋₁ + v̄₁ ∂v₁/∂v₋₁", "5 + 1 × 0.5 = 5.5", "x̄₁ = v̄₋₁", "x̄₂ = v̄₀"]:
        assert s in reverse, s
    md = t.table("reverse").markdown()
    assert "$-0.2837 + 1 \\times 2 = 1.716$" in md
    assert "$\\bar{x}_{1} = \\bar{v}_{-1}$ |  | $5.5$" in md


def test_seed_equation_5_has_the_right_signs():
    t = trace(eq5, 3.0, -4.0)
    assert round(t.output.value, 2) == -17.10
    assert t.reverse().gradient == (pytest.approx(-4 - 1 / 3), pytest.approx(4.0))
    assert t.forward({"x2": 1.0})[t.output.index] == pytest.approx(4.0)
    text = t.table("reverse").text()
    assert "(−16) − 1.099 = −17.1" in text and "y = v₄" in text
    assert "−0.3333 + 1 × (−4) = −4.333" in text and "1 + 1 × 3 = 4" in text
    assert "17.1" not in text.replace("−17.1", "")  # never the seed's +17.10


GOLDEN_MARKDOWN = r"""| Forward primal trace | Value | Forward tangent trace | Value |
|---|---|---|---|
| $v_{-1} = x_{1}$ | $3$ | $\dot{v}_{-1} = \dot{x}_{1}$ | $1$ |
| $v_{0} = x_{2}$ | $-2$ | $\dot{v}_{0} = \dot{x}_{2}$ | $0$ |
| $v_{1} = v_{-1} \times v_{0}$ | $3 \times (-2) = -6$ | $\dot{v}_{1} = \dot{v}_{-1} \times v_{0} + \dot{v}_{0} \times v_{-1}$ | $1 \times (-2) + 0 \times 3 = -2$ |
| $v_{2} = \exp v_{1}$ | $\exp (-6) = 0.002479$ | $\dot{v}_{2} = \dot{v}_{1} \times \exp v_{1}$ | $(-2) \times 0.002479 = -0.004958$ |
| $y = v_{2}$ | $0.002479$ | $\dot{y} = \dot{v}_{2}$ | $-0.004958$ |
"""

GOLDEN_LATEX = r"""\begin{tabular}{lll}
\hline
\textbf{Reverse adjoint trace} & \textbf{Local partial} & \textbf{Value} \\
\hline
$\bar{v}_{2} = \bar{y}$ &  & $1$ \\
$\bar{v}_{1} = \bar{v}_{2} \frac{\partial v_{2}}{\partial v_{1}}$ & $\frac{\partial v_{2}}{\partial v_{1}} = \exp v_{1}$ & $1 \times 0.002479 = 0.002479$ \\
$\bar{v}_{-1} = \bar{v}_{1} \frac{\partial v_{1}}{\partial v_{-1}}$ & $\frac{\partial v_{1}}{\partial v_{-1}} = v_{0}$ & $0.002479 \times (-2) = -0.004958$ \\
$\bar{v}_{0} = \bar{v}_{1} \frac{\partial v_{1}}{\partial v_{0}}$ & $\frac{\partial v_{1}}{\partial v_{0}} = v_{-1}$ & $0.002479 \times 3 = 0.007436$ \\
$\bar{x}_{1} = \bar{v}_{-1}$ &  & $-0.004958$ \\
$\bar{x}_{2} = \bar{v}_{0}$ &  & $0.007436$ \\
\hline
\end{tabular}
"""


def test_golden_markdown_and_latex():
    """Checked by hand: y = exp(x1 x2) at (3, -2); dy/dx1 = x2 e^-6 = -0.004958, dy/dx2 = 3 e^-6."""
    t = trace(lambda x1, x2: adlab.exp(x1 * x2), 3.0, -2.0)
    assert t.table("forward").markdown() == GOLDEN_MARKDOWN
    assert t.table("adjoint").latex() == GOLDEN_LATEX
    assert math.isclose(-2 * math.exp(-6), -0.004958, abs_tol=5e-7)
    html = t.table("adjoint").html()
    assert html.startswith('<table class="adlab-trace adlab-adjoint">')
    assert "<td>v̄₋₁ = v̄₁ ∂v₁/∂v₋₁</td>" in html


def test_digits_are_configurable():
    t = trace(baydin, 2.0, 5.0)
    assert "11.652071" in t.table("primal", digits=8).text()
    assert "| 12" in t.table("primal", digits=2).text()


def _random_function(seed):
    rng = np.random.default_rng(seed)
    ops = [lambda a, b: a * b, lambda a, b: a + adlab.sin(b), lambda a, b: a / (2.0 + adlab.tanh(b)),
           lambda a, b: adlab.exp(a * 0.3) - b]
    picks = [(int(rng.integers(4)), int(rng.integers(10)), int(rng.integers(10))) for _ in range(12)]

    def f(x1, x2, x3):
        vals = [x1, x2, x3]
        for op, i, j in picks:
            vals.append(ops[op](vals[i % len(vals)], vals[j % len(vals)]))
        return vals[-1] + vals[-4]

    return f


@pytest.mark.parametrize("seed", range(8))
def test_sweeps_agree_with_jvp_and_vjp(seed):
    f = _random_function(seed)
    x = tuple(np.random.default_rng(seed).uniform(-1, 1, 3))
    t = trace(f, *x)
    direction = tuple(np.random.default_rng(seed + 50).standard_normal(3))
    _, jv = adlab.jvp(f, x, direction)
    assert t.forward(direction)[t.output.index] == pytest.approx(jv, rel=1e-13, abs=1e-14)
    _, vjp_fn = adlab.vjp(f, *x)
    assert t.reverse().gradient == pytest.approx(vjp_fn(1.0), rel=1e-13, abs=1e-14)
    # structure: each row after the inputs is one primitive whose arguments come earlier
    assert len(t) == t.n + t.count()
    for row in t.rows[t.n:]:
        assert all(a < row.index for a in row.arg_rows)


def test_array_inputs():
    W = np.arange(6.0).reshape(2, 3) / 10

    def loss(x, b):
        return (adlab.tanh(W @ x + b) ** 2).sum()

    x, b = np.array([1.0, -1.0, 0.5]), np.array([0.1, 0.2])
    t = trace(loss, x, b)
    assert t.row(1).shape == (2,) and t.output.shape == ()
    gx, gb = t.reverse().gradient
    ex, eb = adlab.grad(loss, argnums=(0, 1))(x, b)
    np.testing.assert_allclose(gx, ex, rtol=1e-14)
    np.testing.assert_allclose(gb, eb, rtol=1e-14)
    text = t.table("reverse").text()
    assert "[1, −1, 0.5]" in text  # small arrays show their values
    big = trace(lambda v: adlab.sin(v).sum(), np.ones((10, 10))).table("primal").text()
    assert "⟨10×10 array⟩" in big
    tangent = t.forward({"x": np.array([1.0, 0.0, 0.0])})
    _, jv = adlab.jvp(lambda v: loss(v, b), (x,), (np.array([1.0, 0.0, 0.0]),))
    assert tangent[t.output.index] == pytest.approx(jv)


def test_traces_are_frozen_plain_data():
    t = trace(lambda v: adlab.sin(v) * 2.0, np.array([1.0, 2.0]))
    with pytest.raises(dataclasses.FrozenInstanceError):
        t.rows[1].value = 3.0
    with pytest.raises(ValueError):
        t.rows[1].value[0] = 3.0  # read-only array
    assert t.row(2).args[1].value == 2.0  # a constant argument


def test_tracing_derivatives_counts_the_growth():
    f = lambda x: adlab.sin(x) * adlab.exp(x)  # noqa: E731
    sizes = [trace(g, 0.5).count() for g in (f, adlab.grad(f), adlab.grad(adlab.grad(f)))]
    assert sizes[0] == 3
    assert sizes[0] < sizes[1] < sizes[2]
    t2 = trace(adlab.grad(adlab.grad(f)), 0.5)
    assert t2.output.value == pytest.approx(2 * math.cos(0.5) * math.exp(0.5))


def test_default_names_and_explicit_names():
    assert trace(lambda a, b: a * b, 1.0, 2.0).input_names == ("a", "b")
    assert trace(lambda *xs: xs[0] * xs[1], 1.0, 2.0).input_names == ("x1", "x2")
    t = trace(lambda a, b: a * b, 1.0, 2.0, names=["u", "w"])
    assert "u = " not in t.table().text() and "v₋₁ = u" in t.table().text()


def test_trace_errors():
    with pytest.raises(ValueError, match="does not depend on its inputs"):
        trace(lambda x: 3.0, 1.0)
    with pytest.raises(TypeError, match="only floating-point"):
        trace(adlab.sin, 1)
    t = trace(baydin, 2.0, 5.0)
    with pytest.raises(ValueError, match="not inputs of the trace"):
        t.forward({"z": 1.0})
    with pytest.raises(ValueError, match="kind must be one of"):
        t.table("sideways")


def test_large_trace_tables_render_quickly():
    def chain(x):
        for _ in range(1500):
            x = adlab.sin(x) * 0.9 + 0.1
        return x

    t = trace(chain, 0.3)
    assert t.count() == 4500
    start = time.perf_counter()
    md = t.table("reverse").markdown()
    elapsed = time.perf_counter() - start
    print(f"reverse table of {t.count()} operations: {elapsed:.3f} s")
    assert md.count("\n") == 2 + len(t.table("reverse").rows)


# -- the display templates of the partials agree with the JVP rules -------------

_TEXT_TO_PY = [("−", "-"), ("×", "*"), ("^", "**"), ("ln(", "math.log("),
               ("cosh(", "math.cosh("), ("sinh(", "math.sinh("), ("tanh(", "math.tanh("),
               ("√(", "math.sqrt("), ("⌊", "math.floor("), ("⌋", ")"), ("≤", "<="),
               ("cos(", "math.cos("), ("sin(", "math.sin("), ("tan(", "math.tan("),
               ("exp(", "math.exp("), ("hypot(", "math.hypot("), ("σ(", "_sigmoid("),
               ("sign(", "_sign(")]
_SUPERSCRIPT = str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789")


def _sigmoid(v):
    return 1.0 / (1.0 + math.exp(-v))


NAMESPACE = {"math": math, "_sign": lambda v: math.copysign(1.0, v), "_sigmoid": _sigmoid}


def _text_to_python(expr):
    """A partial's text (our Unicode subset) as Python: −, ×, ^, x², ln(, √(, juxtaposition."""
    expr = re.sub(r"[⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+", lambda m: f"**({m.group(0).translate(_SUPERSCRIPT)})",
                  expr)
    for a, b in _TEXT_TO_PY:
        expr = expr.replace(a, b)
    while "math.math." in expr:  # cosh( became math.cosh(, then its cos( matched
        expr = expr.replace("math.math.", "math.")
    expr = expr.replace("math.ta_math.", "math.")  # never produced; guards the order above
    expr = re.sub(r"\[(.*?)\]", r"float(\1)", expr)  # Iverson brackets
    expr = re.sub(r"\) \(", ") * (", expr)  # juxtaposition is a product
    expr = re.sub(r"(\d|\)) (\(|math|_sigmoid|[a-z])", r"\1 * \2", expr)
    return expr


def _evaluate_template(template, args, out):
    expr = template.format(*[f"({a!r})" for a in args], out=f"({out!r})")
    return eval(_text_to_python(expr), NAMESPACE)  # test-only, our own templates


POINTS = {1: (0.7,), 2: (1.3, 0.6), 3: (0.2, -0.5, 0.8)}
POINTS_OF = {"where": (1.0, 1.3, 0.6), "arccosh": (1.7,)}  # the condition: true; x > 1


def _latex_to_python(s):
    """Our templates' LaTeX subset (frac, ^{...}, cos, sin, ln, sign, brackets) as Python."""
    s = s.replace("\\,", " ").replace("\\left", "").replace("\\right", "")
    s = s.replace("\\operatorname{sign}", "_sign").replace("\\ln", "math.log")
    s = s.replace("\\sigma", "_sigmoid").replace("\\exp", "math.exp")
    s = re.sub(r"\\(tanh|tan)\^2 (\([^()]*\))", r"math.\1(\2)**2", s)
    s = s.replace("\\cosh", "math.cosh").replace("\\sinh", "math.sinh")
    s = s.replace("\\cos", "math.cos").replace("\\sin", "math.sin").replace("\\le", "<=")
    s = s.replace("\\lfloor", "math.floor(").replace("\\rfloor", ")")
    s = re.sub(r"math\.log (\d[\d.]*)", r"math.log(\1)", s)
    s = re.sub(r"(?<![\w\\])e\^\{([^{}]*)\}", r"math.exp(\1)", s)
    s = re.sub(r"\\sqrt\{([^{}]*)\}", r"math.sqrt(\1)", s)
    s = re.sub(r"\^\{([^{}]*)\}", r"**(\1)", s).replace("^2", "**2")  # powers first: v^{2}
    while "\\frac{" in s:  # our fractions are not nested
        done = re.sub(r"\\frac\{([^{}]*)\}\{([^{}]*)\}", r"((\1)/(\2))", s)
        assert done != s, s  # a fraction this helper cannot read: fail, never loop
        s = done
    s = re.sub(r"\[(.*?)\]", r"float(\1)", s)
    s = re.sub(r"(math\.\w+|_sign|_sigmoid) (\([^()]*\))", r"\1(\2)", s)  # \cos x -> math.cos(x)
    s = re.sub(r"(\d|\)) +(\(|math|_sign|_sigmoid|float)", r"\1 * \2", s)
    return s


def _filled(prim, k, args, out, constant=()):
    """Partial k of prim as (text, LaTeX) with the numbers `args` for the arguments' names.

    Arguments whose positions are in `constant` are passed to a builder as constants.
    """
    entry = prim.partials[k]
    texts = [f"({a!r})" for a in args]
    if callable(entry):
        constants = [float(a) if i in constant else None for i, a in enumerate(args)]
        return entry(texts, texts, constants)
    text, latex = entry
    return (text.format(*texts, out=f"({out!r})"), latex.format(*texts, out=f"({out!r})"))


@pytest.mark.parametrize("name", [n for n, p in PRIMITIVES.items() if p.partials])
def test_partial_templates_match_the_jvp_rules(name):
    """The text and LaTeX shown for each local partial evaluate to what the JVP rule computes,
    with every argument a row and, for the partials built from constant values (pow and
    truediv), with each other argument a constant too."""
    prim = PRIMITIVES[name]
    args = POINTS_OF.get(name, POINTS[prim.arity])
    out = float(prim.impl(*args))
    for k in range(len(prim.partials)):
        if not callable(prim.partials[k]) and not prim.partials[k][0]:
            # the condition of where: no derivative, no partial shown
            assert k in prim.nondiff and not prim.partials[k][1]
            continue
        rule = float(prim.jvp[k](1.0, out, *args))
        # the rule itself against an independent oracle, a central difference of the value
        # (stop_gradient's value is x, its derivative 0 by definition)
        def value_at(d):
            return float(prim.impl(*[a + d if j == k else a for j, a in enumerate(args)]))
        h = 1e-6
        central = 0.0 if name == "stop_gradient" else (value_at(h) - value_at(-h)) / (2 * h)
        assert rule == pytest.approx(central, rel=1e-6, abs=1e-9), (name, k, rule, central)
        others = [()] + ([(j,) for j in range(len(args)) if j != k]
                         if callable(prim.partials[k]) else [])
        for constant in others:
            text, latex = _filled(prim, k, args, out, constant)
            assert "{" not in text and "out" not in text, text
            assert eval(_text_to_python(text), NAMESPACE) == pytest.approx(rule, rel=1e-12), text
            assert eval(_latex_to_python(latex), NAMESPACE) == pytest.approx(rule, rel=1e-12), latex


def test_no_partial_is_written_with_the_operations_own_output():
    """A student reads ∂v_i/∂v_j in terms of the arguments: no template uses {out}."""
    for name, prim in PRIMITIVES.items():
        for entry in prim.partials:
            if not callable(entry):
                assert "{out}" not in entry[0] and "{out}" not in entry[1], name
