"""Explorer 2 (expression swell): counts by hand, linear AD traces, values against SymPy, the widget."""

from __future__ import annotations

import statistics
import subprocess
import sys

import numpy as np
import pytest
import sympy

import adlab
from adlab.widgets.swell import (FAMILIES, LATEX_LIMIT, MAX_DEPTH, expression_swell,
                                 nested_function, shown_latex, swell_explorer, swell_expressions)

X = sympy.Symbol("x", real=True)


def test_depth_one_is_x_with_derivative_one():
    x, f1, d1, s1 = swell_expressions(1)
    assert f1 == X and d1 == 1 and s1 == 1
    t = expression_swell(max_depth=1)
    assert t.depths == (1,)
    for field in ("function_ops", "derivative_ops", "simplified_ops", "shared_ops",
                  "trace_ops", "grad_trace_ops"):
        assert getattr(t, field) == (0,), field  # nothing to compute for x and for 1
    for family in FAMILIES:
        assert expression_swell(1, family).derivative_ops == (0,)


def test_logistic_map_by_hand():
    x, f2, d2, _ = swell_expressions(2)
    assert sympy.expand(f2 - 4 * x * (1 - x)) == 0
    assert sympy.expand(d2 - (4 - 8 * x)) == 0
    x, f3, d3, _ = swell_expressions(3)
    l2 = 4 * x * (1 - x)
    assert sympy.expand(f3 - 4 * l2 * (1 - l2)) == 0
    assert sympy.expand(d3 - sympy.diff(4 * l2 * (1 - l2), x)) == 0


def test_logistic_counts_depths_two_and_three_by_hand():
    t = expression_swell(max_depth=3)
    # depth 2: f = 4x(1 - x): two products and a subtraction; f' = 4 - 8x: a subtraction, a product
    assert t.function_ops[1] == sympy.count_ops(4 * X * (1 - X)) == 3
    assert t.derivative_ops[1] == sympy.count_ops(4 - 8 * X) == 2
    # depth 3: f = 16x(1 - x)(1 - 4x(1 - x)); f' by the product rule, written out by hand
    g = 1 - 4 * X * (1 - X)
    hand_f = 16 * X * (1 - X) * g
    hand_df = 16 * (1 - X) * g - 16 * X * g + 16 * X * (1 - X) * (8 * X - 4)
    _, f3, d3, s3 = swell_expressions(3)
    assert f3 == hand_f
    assert t.function_ops[2] == sympy.count_ops(hand_f) == 8
    assert sympy.expand(d3 - hand_df) == 0
    assert t.derivative_ops[2] == sympy.count_ops(hand_df) == 21
    # factored: -16 (2x - 1)(8x^2 - 8x + 1) = -256x^3 + 384x^2 - 160x + 16
    assert sympy.expand(s3 - (-256 * X**3 + 384 * X**2 - 160 * X + 16)) == 0
    hand_factored = sympy.Mul(-1, 16, 2 * X - 1, 8 * X**2 - 8 * X + 1, evaluate=False)
    assert t.simplified_ops[2] == sympy.count_ops(hand_factored) == 10
    # a trace records 4*l, 1 - l and their product once per step
    assert t.trace_ops == (0, 3, 6)


def test_simplify_and_expand_normal_forms():
    cubic = -256 * X**3 + 384 * X**2 - 160 * X + 16
    for form in ("simplify", "expand"):
        t = expression_swell(3, "logistic", form)
        assert sympy.expand(swell_expressions(3, "logistic", form)[3] - cubic) == 0
        assert t.simplified_ops[2] == sympy.count_ops(cubic)
        assert t.derivative_ops == expression_swell(3).derivative_ops


def test_counts_ad_linear_symbolic_faster():
    t = expression_swell(max_depth=6)
    assert t.depths == (1, 2, 3, 4, 5, 6)
    assert t.function_ops[0] == 0 and t.derivative_ops[0] == 0  # f_1 = x, f_1' = 1
    # each logistic step is 3 operations (1 - l, 4 l, times); its gradient adds 5 per step
    assert np.diff(t.trace_ops).tolist() == [3] * 5
    assert len(set(np.diff(t.grad_trace_ops).tolist())) == 1
    d = t.derivative_ops
    assert all(b > 2 * a for a, b in zip(d[2:], d[3:]))  # more than doubles per level
    assert t.derivative_ops[-1] > 10 * t.grad_trace_ops[-1]


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_every_family_ad_linear_symbolic_superlinear(family):
    t = expression_swell(6, family)
    assert len(set(np.diff(t.trace_ops))) == 1 and t.trace_ops[1] > 0
    assert len(set(np.diff(t.grad_trace_ops))) == 1 and t.grad_trace_ops[1] > 0
    second = np.diff(t.derivative_ops, 2)
    assert (second > 0).all(), t.derivative_ops  # the differences keep growing
    assert t.derivative_ops[-1] > t.grad_trace_ops[-1]
    assert all(s <= d for s, d in zip(t.shared_ops, t.derivative_ops))


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_trace_counts_match_the_recurrence(family):
    """The trace has one row per operation of the step, independent of the point."""
    t = expression_swell(4, family)
    for d in (2, 3, 4):
        f = nested_function(d, family)
        assert adlab.trace(f, 0.71).count() == t.trace_ops[d - 1]
        assert adlab.trace(adlab.grad(f), 0.71).count() == t.grad_trace_ops[d - 1]


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_shared_count_rebuilds_the_derivative(family):
    """sympy.cse's pieces, substituted back, give the derivative; the count adds them once each."""
    x, _, derivative, _ = swell_expressions(4, family)
    replacements, (reduced,) = sympy.cse(derivative)
    for symbol, value in reversed(replacements):
        reduced = reduced.subs(symbol, value)
    assert sympy.expand(reduced - derivative) == 0
    expected = sum(sympy.count_ops(v) for _, v in replacements) + sympy.count_ops(
        sympy.cse(derivative)[1][0])
    assert expression_swell(4, family).shared_ops[3] == expected


@pytest.mark.parametrize("family", sorted(FAMILIES))
@pytest.mark.parametrize("depth", [1, 3, 5, 6])
def test_ad_derivative_matches_sympy(family, depth):
    x, _, derivative, simplified = swell_expressions(depth, family)
    f = nested_function(depth, family)
    for point in (0.1, 0.37, 0.8):
        at = {x: sympy.Rational(point)}  # the double's exact value, evaluated to 40 digits
        exact = float(derivative.evalf(40, subs=at))
        assert float(simplified.evalf(40, subs=at)) == pytest.approx(exact, rel=1e-15)
        assert adlab.grad(f)(point) == pytest.approx(exact, rel=1e-12, abs=1e-12)


def test_bad_arguments_say_what_to_change():
    with pytest.raises(ValueError, match="unknown family 'tan'.*'logistic'"):
        expression_swell(3, "tan")
    with pytest.raises(ValueError, match=f"from 1 to {MAX_DEPTH}"):
        expression_swell(0)
    with pytest.raises(ValueError, match=f"from 1 to {MAX_DEPTH}"):
        expression_swell(MAX_DEPTH + 1)
    with pytest.raises(ValueError, match="whole number"):
        expression_swell(2.5)
    with pytest.raises(ValueError, match="unknown normal form"):
        expression_swell(3, "logistic", "trigsimp")
    with pytest.raises(ValueError, match="depth must be from 1 to max_depth = 6"):
        swell_explorer(depth=7)


def _balanced(tex):
    return tex.count("{") == tex.count("}") and tex.count(r"\left") == tex.count(r"\right")


def test_long_latex_is_shortened_and_stays_well_formed():
    _, f, derivative, _ = swell_expressions(6)
    full = sympy.latex(derivative)
    assert len(full) > 5 * LATEX_LIMIT
    tex, note = shown_latex(derivative)
    assert len(tex) <= LATEX_LIMIT and r"\cdots" in tex and _balanced(tex)
    assert f"{len(full):,} characters" in note
    short = 4 - 8 * X
    assert shown_latex(short) == (sympy.latex(short), "")
    for family in FAMILIES:  # every family and normal form at the deepest level fits
        for part in swell_expressions(6, family)[1:]:
            tex, _ = shown_latex(part)
            assert 0 < len(tex) <= LATEX_LIMIT and _balanced(tex)


def test_widget_moves_with_depth():
    e = swell_explorer(depth=2)
    first = e.html.value
    assert "4 - 8 x" in first  # f_2' = 4 - 8x, in LaTeX
    e.controls["depth"].value = 3
    assert e.html.value != first and e.message.value == ""
    t = expression_swell(6)
    for count in t.at(3).values():
        assert f"<td style='text-align:right'>{count:,}</td>" in e.html.value
    assert bytes(e.image.value).startswith(b"\x89PNG")
    e.controls["family"].value = "product"
    assert r"\sin" in e.html.value and "Depth d = 3" in e.html.value
    times = []
    for k in range(20):
        e.controls["depth"].value = 1 + k % 6
        assert e.last_error is None
        times.append(e.last_render_seconds)
    print(f"swell redraw median of 20 depth moves: {1000 * statistics.median(times):.1f} ms")


def test_static_fallback_shows_the_first_depth():
    static = swell_explorer(depth=4)._repr_mimebundle_()["text/html"]
    assert "static view" in static and "depth d = 4" in static
    assert "data:image/png;base64," in static


def test_module_import_needs_neither_sympy_nor_matplotlib_nor_ipywidgets():
    code = ("import sys, adlab.widgets.swell, adlab.widgets.plotting; "
            "print(sorted(m for m in ('sympy', 'matplotlib', 'ipywidgets') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
