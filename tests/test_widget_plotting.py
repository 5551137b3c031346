"""Explorer 3 (a function and its derivative): AD against closed forms, the tangent line, the widget."""

from __future__ import annotations

import math
import statistics

import numpy as np
import pytest

import adlab
from adlab.errors import AdlabValueError
from adlab.expressions import parse
from adlab.widgets.plotting import (PRESETS, break_at, function_and_derivative, function_explorer,
                                    jumps, y_limits)

from oracles import central_jvp

CASES = [("sin(x)", np.sin, np.cos, 1e-14), ("x^3", lambda x: x ** 3, lambda x: 3 * x ** 2, 1e-14),
         ("exp(x)", np.exp, np.exp, 1e-14), ("tanh(x)", np.tanh, lambda x: 1 - np.tanh(x) ** 2, 1e-13)]


@pytest.mark.parametrize("formula, f, df, rel", CASES)
def test_derivative_on_the_grid(formula, f, df, rel):
    r = function_and_derivative(formula, -3.0, 3.0, 0.5, n=1001)
    np.testing.assert_allclose(r.values, f(r.xs), rtol=1e-14, atol=1e-300)
    np.testing.assert_allclose(r.derivatives, df(r.xs), rtol=rel, atol=1e-300)
    assert r.f0 == pytest.approx(f(0.5), rel=1e-14) and r.slope == pytest.approx(df(0.5), rel=1e-14)


def test_sin_without_writing_cos():
    for f in ("sin(x)", parse("sin(x)"), lambda x: adlab.sin(x)):
        r = function_and_derivative(f, -2 * math.pi, 2 * math.pi, 1.0, n=2001)
        np.testing.assert_allclose(r.derivatives, np.cos(r.xs), rtol=1e-14, atol=1e-300)
        assert r.slope == pytest.approx(math.cos(1.0), rel=1e-14)


def test_any_formula_against_central_differences():
    text = "x^2 * sin(x) + exp(-x^2) / (1 + x^2)"
    expr = parse(text)
    r = function_and_derivative(text, -2.5, 2.0, -0.3, n=301)
    fd = central_jvp(expr, (r.xs,), (np.ones_like(r.xs),))
    np.testing.assert_allclose(r.derivatives, fd, rtol=1e-7, atol=1e-9)
    assert r.slope == pytest.approx(float(central_jvp(expr, (-0.3,), (1.0,))), rel=1e-8)


def test_tangent_line_touches_with_the_right_slope():
    r = function_and_derivative("x^2 * sin(x)", -2.0, 2.0, 0.7)
    assert r.f0 == pytest.approx(0.49 * math.sin(0.7), rel=1e-14)
    assert r.slope == pytest.approx(1.4 * math.sin(0.7) + 0.49 * math.cos(0.7), rel=1e-14)
    assert r.tangent_line(0.7) == r.f0  # it touches f at x0
    i = np.argmin(np.abs(r.xs - 0.7))
    assert r.tangent[i] == pytest.approx(r.f0 + r.slope * (r.xs[i] - 0.7), rel=1e-14)
    assert np.diff(r.tangent) == pytest.approx(r.slope * np.diff(r.xs), rel=1e-12)
    assert (r.tangent_line(2.0) - r.tangent_line(-2.0)) / 4.0 == pytest.approx(r.slope, rel=1e-14)


def test_tangent_is_a_second_order_approximation():
    """f(x0 + h) - tangent(x0 + h) = f''(x0) h^2 / 2 + O(h^3): for sin at 1, -sin(1) h^2 / 2."""
    r = function_and_derivative("sin(x)", -2.0, 2.0, 1.0)
    for h in (1e-2, 1e-3):
        gap = math.sin(1.0 + h) - float(r.tangent_line(1.0 + h))
        assert gap / h ** 2 == pytest.approx(-math.sin(1.0) / 2, rel=2 * h)


def test_a_constant_has_derivative_zero():
    r = function_and_derivative("3", 0.0, 1.0, 0.5, n=5)
    assert r.values.tolist() == [3.0] * 5 and r.derivatives.tolist() == [0.0] * 5
    assert r.slope == 0.0 and r.tangent.tolist() == [3.0] * 5


def test_undefined_points_are_counted_and_the_record_is_read_only():
    r = function_and_derivative("log(x)", -1.0, 1.0, 0.5, n=200)
    assert r.undefined == int(np.sum(r.xs <= 0)) == 100
    assert np.isnan(r.values[:100]).all() and np.isfinite(r.values[100:]).all()
    for arr in (r.xs, r.values, r.derivatives, r.tangent):
        assert not arr.flags.writeable


def test_bad_intervals_and_points():
    with pytest.raises(AdlabValueError, match="a < b"):
        function_and_derivative("x", 1.0, 1.0, 1.0)
    with pytest.raises(AdlabValueError, match="a < b.*swap"):
        function_and_derivative("x", 2.0, 1.0, 1.5)
    with pytest.raises(AdlabValueError, match="outside.*choose x0 between a and b"):
        function_and_derivative("x", 0.0, 1.0, 2.0)
    with pytest.raises(AdlabValueError, match="finite"):
        function_and_derivative("x", 0.0, math.inf, 0.5)
    with pytest.raises(AdlabValueError, match="grid points"):
        function_and_derivative("x", 0.0, 1.0, 0.5, n=1)
    with pytest.raises(AdlabValueError, match="a < b"):
        function_explorer(a=1.0, b=0.0)


def test_points_where_f_is_not_defined():
    with pytest.raises(AdlabValueError, match="not defined at x0 = 0"):
        function_and_derivative("1/x", -1.0, 1.0, 0.0)
    with pytest.raises(AdlabValueError, match="not defined at x0 = -1.*domain"):
        function_and_derivative("log(x)", -2.0, 2.0, -1.0)
    with pytest.raises(AdlabValueError, match="no derivative at x0 = 0"):
        function_and_derivative("sqrt(x)", 0.0, 1.0, 0.0)
    with pytest.raises(AdlabValueError, match="not defined anywhere on the grid"):
        function_and_derivative("sqrt(0.25 - (x - 0.5)^2)", 0.0, 1.0, 0.5, n=2)


def test_bad_formulas():
    with pytest.raises(AdlabValueError, match="syntax error"):
        function_and_derivative("sin(x", 0.0, 1.0, 0.5)
    with pytest.raises(AdlabValueError, match="unknown function 'foo'"):
        function_and_derivative("foo(x)", 0.0, 1.0, 0.5)
    with pytest.raises(AdlabValueError, match="variables x, y.*one variable"):
        function_and_derivative("x * y", 0.0, 1.0, 0.5)
    with pytest.raises(AdlabValueError, match="empty"):
        function_and_derivative("  ", 0.0, 1.0, 0.5)
    with pytest.raises(AdlabValueError, match="act elementwise"):
        function_and_derivative(lambda v: adlab.sum(v * v), 0.0, 1.0, 0.5)
    with pytest.raises(TypeError, match="formula"):
        function_and_derivative(3.0, 0.0, 1.0, 0.5)


def test_poles_break_the_line():
    """tan has 4 poles in [-2 pi, 2 pi] (at odd multiples of pi/2); sin has none."""
    r = function_and_derivative("tan(x)", -2 * math.pi, 2 * math.pi, 1.0)
    lo, hi = y_limits(r.values, r.derivatives)
    breaks = jumps(r.values, hi - lo, r.derivatives)
    poles = (np.arange(-3, 4, 2) * math.pi / 2)
    assert breaks.sum() == 4
    for k in np.flatnonzero(breaks):  # each break straddles a pole
        assert ((r.xs[k] < poles) & (poles < r.xs[k + 1])).sum() == 1
    xs, ys = break_at(r.xs, r.values, breaks)
    assert xs.size == r.xs.size + 4 and np.isnan(ys).sum() == 4
    s = function_and_derivative("sin(x)", -2 * math.pi, 2 * math.pi, 1.0)
    assert not jumps(s.values, 2.0, s.derivatives).any()
    assert y_limits(s.values, s.derivatives) == pytest.approx((-1.16, 1.16), abs=1e-3)


def test_every_preset_works():
    for text in PRESETS.values():
        r = function_and_derivative(text, 0.5, 3.0, 1.0)
        fd = central_jvp(parse(text), (r.xs,), (np.ones_like(r.xs),))
        np.testing.assert_allclose(r.derivatives, fd, rtol=1e-6, atol=1e-8)


def test_widget_redraws_and_survives_bad_input():
    e = function_explorer()
    assert e.message.value == "" and r"\sin" in e.html.value
    assert f"f(x0) = {math.sin(1.0):.12g}" in e.html.value
    assert f"f'(x0) = {math.cos(1.0):.12g}" in e.html.value
    picture = bytes(e.image.value)
    assert picture.startswith(b"\x89PNG")
    e.controls["formula"].value = "sin(x"
    assert "syntax error" in e.message.value and bytes(e.image.value) == picture
    e.controls["formula"].value = "sinh(x)"
    assert "unknown function" in e.message.value
    e.controls["formula"].value = "log(x)"
    e.controls["x0"].value = -1.0
    assert "not defined at x0 = -1" in e.message.value
    e.controls["x0"].value = 2.0
    assert "not defined at 100 of 200 grid points" in e.message.value  # a note, not an error
    assert e.last_error is None and "f'(x0) = 0.5" in e.html.value
    e.controls["preset"].value = "x³"
    assert e.controls["formula"].value == "x^3" and "f'(x0) = 12" in e.html.value
    times = []
    for k in range(20):
        e.controls["x0"].value = round(-3.0 + 0.3 * k, 3)
        assert e.last_error is None
        times.append(e.last_render_seconds)
    print(f"function explorer redraw median of 20 x0 moves: {1000 * statistics.median(times):.1f} ms")


def test_static_fallback():
    static = function_explorer(x0=0.5)._repr_mimebundle_()["text/html"]
    assert "static view" in static and "x0 = 0.500" in static
    assert "data:image/png;base64," in static


def test_function_explorer_reads_as_a_student_expects():
    """Issue 15: signs, the table's x0 equals the slider's, the menu follows the formula,
    and the picture has a title, is wide and its text readable."""
    from adlab.widgets import function_explorer
    from adlab.widgets._base import MIN_TEXT_PX, MIN_WIDTH_PX, png_size

    ex = function_explorer("sin(x)", x0=-2.82)
    assert "(x + 2.82)" in ex.html.value and "- -" not in ex.html.value
    assert "at x0 = -2.820" in ex.html.value
    ex.controls["x0"].value = 0.0
    assert "at x0 = 0.000" in ex.html.value and "2.3 x</p>" not in ex.html.value
    ex.controls["formula"].value = "x**3 - x"
    assert ex.controls["preset"].value == "custom"
    name, text = next(iter(PRESETS.items()))
    ex.controls["formula"].value = text
    assert ex.controls["preset"].value == name
    width, _ = png_size(bytes(ex.image.value))
    assert width >= MIN_WIDTH_PX
    from adlab.widgets.plotting import FunctionPlot
    from adlab.widgets._base import figure, smallest_text_px

    fig = figure(8.4, 4.4, margins=(0.08, 0.98, 0.12, 0.9))
    plot = FunctionPlot(fig.add_subplot())
    assert plot.ax.get_title() and smallest_text_px(fig) >= MIN_TEXT_PX


@pytest.mark.parametrize("make", ["function", "derivative"])
def test_a_preset_change_draws_one_picture_and_shows_the_new_preset(make, monkeypatch):
    """A preset sets the formula box and the menu: two control changes, one picture, and the
    value shown is the new formula's derivative (against central differences)."""
    import re

    import adlab.widgets._base as base
    from adlab.widgets import derivative_explorer
    from adlab.widgets.derivatives import PRESETS as D_PRESETS

    drawn = []
    real_png = base.png
    monkeypatch.setattr(base, "png", lambda fig: drawn.append(1) or real_png(fig))
    if make == "function":
        e, presets, point, pattern = function_explorer(), PRESETS, "x0", r"f'\(x0\) = ([-\d.]+)"
    else:
        e, presets, point, pattern = (derivative_explorer(), D_PRESETS, "x",
                                      r"automatic \(adlab\)</td><td>([-\d.]+)")
    for name in [n for n in presets if n != e.controls["preset"].value][:3]:
        drawn.clear()
        e.controls["preset"].value = name
        assert len(drawn) == 1, (name, len(drawn))
        assert e.controls["formula"].value == presets[name]
        x = e.controls[point].value
        f = parse(presets[name])
        expected = (float(f(x + 1e-6)) - float(f(x - 1e-6))) / 2e-6
        shown = float(re.search(pattern, e.html.value).group(1))
        assert shown == pytest.approx(expected, rel=1e-6, abs=1e-8), name
    drawn.clear()
    e.controls["formula"].value = "x**3"  # typed: the menu moves to custom, one picture
    assert len(drawn) == 1 and e.controls["preset"].value == "custom"
    drawn.clear()
    e.controls["preset"].value = "custom"  # nothing that matters changed
    e.controls["formula"].value = "x**3"
    assert drawn == []
