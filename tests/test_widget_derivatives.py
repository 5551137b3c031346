"""Explorer 1 (derivative methods): the data function, and the widget driven through its values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from adlab.widgets import derivative_explorer, derivative_methods
from adlab.widgets.derivatives import PRESETS, error_figure, report_html


def exact(x):
    return 2 * x * math.sin(x) + x * x * math.cos(x) - 1 / (x * x)


@pytest.mark.parametrize("x", [0.7, 1.0, 2.5, -1.3])
def test_four_methods_against_the_closed_form(x):
    r = derivative_methods("x^2 * sin(x) + 1/x", x, h=1e-5)
    assert r.value == pytest.approx(x * x * math.sin(x) + 1 / x, rel=1e-14)
    assert r.ad == pytest.approx(exact(x), rel=1e-14)
    assert r.symbolic == pytest.approx(exact(x), rel=1e-14)
    assert r.central == pytest.approx(exact(x), rel=1e-8)
    assert r.forward == pytest.approx(exact(x), rel=1e-3)
    assert r.errors["AD"] < 1e-13 * max(1.0, abs(exact(x)))
    assert r.errors["central"] < r.errors["forward"]
    assert "\\sin" in r.formula_latex and "\\cos" in r.derivative_latex


def test_the_v_shape_and_best_steps():
    """Truncation error falls with h, round-off grows as h shrinks: best h near eps^(1/2), eps^(1/3)."""
    r = derivative_methods("exp(x)", 1.0)
    assert 1e-9 <= r.best_forward_h <= 1e-7
    assert 1e-7 <= r.best_central_h <= 1e-4
    i_small, i_best, i_big = (np.searchsorted(r.hs, v) for v in (1e-14, r.best_forward_h, 1e-2))
    assert r.forward_errors[i_small] > 100 * r.forward_errors[i_best]
    assert r.forward_errors[i_big] > 100 * r.forward_errors[i_best]
    # truncation error of the forward difference is about h/2 f''(x) for large h
    assert r.forward_errors[i_big] == pytest.approx(r.hs[i_big] / 2 * math.e, rel=0.05)


def test_a_python_function_has_no_symbolic_column():
    import adlab

    r = derivative_methods(lambda x: adlab.sin(x) * x, 0.3)
    assert r.symbolic is None and r.formula_latex is None
    assert r.ad == pytest.approx(math.cos(0.3) * 0.3 + math.sin(0.3), rel=1e-14)


def test_errors_of_the_data_function():
    with pytest.raises(ValueError, match="not defined at x = 0"), pytest.warns(RuntimeWarning):
        derivative_methods("1/x", 0.0)
    with pytest.raises(ValueError, match="h must be positive"):
        derivative_methods("x", 1.0, h=0.0)
    with pytest.raises(ValueError, match="one variable"):
        derivative_methods("x*y", 1.0)
    with pytest.raises(ValueError, match="unknown function"):
        derivative_methods("foo(x)", 1.0)


def test_every_preset_works_at_the_default_point():
    for text in PRESETS.values():
        r = derivative_methods(text, 1.0)
        assert r.errors["AD"] <= 1e-12 * max(1.0, abs(r.reference))


def test_widget_redraws_and_survives_bad_input():
    e = derivative_explorer()
    assert "x = 1.00," in e.html.value and e.message.value == ""
    e.controls["x"].value = 1.5
    assert "x = 1.50," in e.html.value
    assert f"{exact(1.5):.12g}" in e.html.value
    picture = bytes(e.image.value)
    assert picture.startswith(b"\x89PNG")
    e.controls["formula"].value = "sin(x"  # a syntax error
    assert "syntax error" in e.message.value
    assert e.body.layout.display == "none"  # no stale formula, table or picture under it
    e.controls["formula"].value = "1/x"
    assert e.body.layout.display is None and "x = 1.50," in e.html.value
    e.controls["x"].value = 0.0  # division by zero at x
    assert "not defined at x = 0" in e.message.value and e.body.layout.display == "none"
    e.controls["x"].value = 0.5  # and it keeps working
    assert e.message.value == "" and "x = 0.50," in e.html.value
    assert e.body.layout.display is None
    e.controls["preset"].value = "exp x"
    assert e.controls["formula"].value == "exp(x)"
    assert "e^{x}" in e.html.value


def test_the_preset_menu_follows_the_typed_formula():
    e = derivative_explorer()
    assert e.controls["preset"].value == "x² sin x + 1/x"
    e.controls["formula"].value = "sin(x) + 1"
    assert e.controls["preset"].value == "custom" and e.controls["formula"].value == "sin(x) + 1"
    assert f"{math.cos(1.0):.12g}" in e.html.value
    e.controls["formula"].value = "exp(x)"  # the text of a preset selects that preset
    assert e.controls["preset"].value == "exp x"
    e.controls["formula"].value = "tanh(10*x)"
    assert e.controls["preset"].value == "tanh(10 x)"
    assert f"{10 / math.cosh(10.0) ** 2:.12g}" in e.html.value
    assert derivative_explorer("cos(x)").controls["preset"].value == "custom"


@pytest.mark.parametrize("slider", [0.15000000000000002, 0.15, 0.1499999999999999])
def test_the_table_shows_x_as_the_slider_does(slider):
    e = derivative_explorer("x^2")
    e.controls["x"].value = slider
    assert e.controls["x"].readout_format == ".2f"
    shown = format(e.controls["x"].value, e.controls["x"].readout_format)
    assert f"x = {shown}," in e.html.value and shown == "0.15"
    # and the numbers are computed at the x shown: f(0.15) = 0.0225, f'(0.15) = 0.3
    assert "f(x) = 0.0225<" in e.html.value and "<td>0.3</td>" in e.html.value


def test_x_that_shows_as_zero_is_zero():
    e = derivative_explorer("x^2 + x")
    e.controls["x"].value = 4e-17  # what a slider's float arithmetic can leave for 0.00
    assert "x = 0.00," in e.html.value and "f(x) = 0<" in e.html.value
    assert "<td>1</td>" in e.html.value  # f'(0) = 1 exactly, by SymPy and AD


def test_a_division_by_zero_in_the_formula_is_not_blamed_on_x():
    e = derivative_explorer()
    e.controls["formula"].value = "1/0*x"
    assert "divides by zero, whatever the variables are" in e.message.value
    assert "move x" not in e.message.value and e.body.layout.display == "none"
    e.controls["formula"].value = "x/(2 - 2)"
    assert "divides by zero" in e.message.value
    with pytest.raises(ValueError, match="divides by zero"):
        derivative_methods("1/0*x", 1.0)


def test_hostile_formulas_give_a_message_in_the_widget():
    e = derivative_explorer()
    for text in ("x + 1/9**9**9", "sin(" * 150 + "x" + ")" * 150, "x" + "**x" * 40,
                 "__import__('os')", "x × 2"):
        e.controls["formula"].value = text
        message = e.message.value
        assert "adlab-message" in message and "\n" not in message, text
        assert e.body.layout.display == "none", text
    e.controls["formula"].value = "sin(x)"
    assert e.message.value == "" and e.body.layout.display is None


EPS = np.finfo(float).eps


@pytest.mark.parametrize("x0", [0.5, 1.0, 2.0, -1.5])
def test_optimal_steps_of_exp_against_closed_forms(x0):
    """For exp, f = f'' = f''': h* = sqrt(2 eps) forward, (3 eps)^(1/3) central, at any x0."""
    r = derivative_methods("exp(x)", x0)
    assert r.second == pytest.approx(math.exp(x0), rel=1e-13)
    assert r.third == pytest.approx(math.exp(x0), rel=1e-13)
    assert r.optimal_h["forward"] == pytest.approx(math.sqrt(2 * EPS), rel=1e-12)
    assert r.optimal_h["central"] == pytest.approx((3 * EPS) ** (1 / 3), rel=1e-12)
    _check_errors_reached(r, "exp(x)", math.exp)


@pytest.mark.parametrize("x0", [0.7, 1.0, 2.0, -2.5])
def test_optimal_steps_of_sin_against_closed_forms(x0):
    """For sin: f'' = -sin, f''' = -cos: h* = sqrt(2 eps), (3 eps |tan x0|)^(1/3)."""
    r = derivative_methods("sin(x)", x0)
    assert r.second == pytest.approx(-math.sin(x0), rel=1e-13)
    assert r.third == pytest.approx(-math.cos(x0), rel=1e-13)
    assert r.optimal_h["forward"] == pytest.approx(math.sqrt(2 * EPS), rel=1e-12)
    assert r.optimal_h["central"] == pytest.approx((3 * EPS * abs(math.tan(x0))) ** (1 / 3),
                                                   rel=1e-12)
    _check_errors_reached(r, "sin(x)", math.cos)


def _check_errors_reached(r, text, derivative):
    """The error reached at h* is the formula's own error there, near the model's minimum."""
    from adlab.expressions import parse

    f = parse(text)
    exact_derivative = derivative(r.x)
    h = r.optimal_h["forward"]
    assert r.optimal_error["forward"] == pytest.approx(
        abs((f(r.x + h) - f(r.x)) / h - exact_derivative), rel=1e-6, abs=1e-15)
    h = r.optimal_h["central"]
    assert r.optimal_error["central"] == pytest.approx(
        abs((f(r.x + h) - f(r.x - h)) / (2 * h) - exact_derivative), rel=1e-6, abs=1e-15)
    # the model's minima, sqrt(2 eps |f f''|) and 1.5 eps |f| / h*, bound the errors reached
    model_forward = math.sqrt(2 * EPS * abs(r.value * r.second))
    model_central = 1.5 * EPS * abs(r.value) / r.optimal_h["central"]
    assert r.optimal_error["forward"] <= 3 * model_forward
    assert r.optimal_error["central"] <= 3 * model_central
    # and h* is within a factor of 30 of the best step of the sweep (round-off is noisy)
    assert 1 / 30 < r.optimal_h["forward"] / r.best_forward_h < 30


def test_no_optimal_step_where_the_model_has_no_minimum():
    r = derivative_methods("sin(x)", 0.0)  # f = f'' = 0: rounding and truncation both vanish
    assert r.optimal_h == {"forward": None, "central": None} and r.optimal_error == {}
    r = derivative_methods("x^2 + 1", 1.0)  # f''' = 0: the central difference is exact
    assert r.optimal_h["central"] is None
    assert r.optimal_h["forward"] == pytest.approx(math.sqrt(2 * EPS * 2.0 / 2.0), rel=1e-12)


def test_the_error_plot_draws_the_model_and_h_star():
    fig, plot = error_figure()
    r = derivative_methods("exp(x)", 1.0)
    plot.update(r)
    hs = plot.trunc1.get_xdata()
    np.testing.assert_allclose(plot.trunc1.get_ydata(), math.e / 2 * hs, rtol=1e-12)
    np.testing.assert_allclose(plot.trunc2.get_ydata(), math.e / 6 * hs ** 2, rtol=1e-12)
    np.testing.assert_allclose(plot.rounding.get_ydata(), EPS * math.e / hs, rtol=1e-12)
    x, y = plot.star_forward.get_data()
    assert x[0] == r.optimal_h["forward"] and y[0] == r.optimal_error["forward"]
    x, y = plot.star_central.get_data()
    assert x[0] == r.optimal_h["central"] and y[0] == r.optimal_error["central"]
    plot.update(derivative_methods("sin(x)", 0.0))
    assert not plot.star_forward.get_visible() and not plot.trunc1.get_visible()


def test_the_picture_is_readable():
    from adlab.widgets._base import MIN_TEXT_PX, MIN_WIDTH_PX, png, png_size, smallest_text_px

    fig, plot = error_figure()
    plot.update(derivative_methods("x^2 * sin(x) + 1/x", 1.0))
    assert plot.ax.get_title() == "Error of f'(x) against the step h"
    assert smallest_text_px(fig) >= MIN_TEXT_PX
    width, height = png_size(png(fig))
    assert width >= MIN_WIDTH_PX and height > 0
    e = derivative_explorer()
    assert png_size(bytes(e.image.value))[0] == width
    # the legend sits beside the axes, inside the picture
    renderer = fig.canvas.get_renderer()
    box = plot.ax.get_legend().get_window_extent(renderer)
    assert box.x0 > plot.ax.get_window_extent(renderer).x1 and box.x1 <= width


def test_the_report_shows_h_star_and_the_errors_reached():
    r = derivative_methods("exp(x)", 1.0)
    text = report_html(r)
    assert f"= {r.optimal_h['forward']:.1e}, error there {r.optimal_error['forward']:.2e}" in text
    assert f"= {r.optimal_h['central']:.1e}, error there {r.optimal_error['central']:.2e}" in text
    assert "x = 1," in text  # outside the explorer: up to 6 significant digits


def test_static_fallback_in_the_display_bundle():
    e = derivative_explorer(x=2.0)
    bundle = e._repr_mimebundle_()
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == e.widget.model_id
    static = bundle["text/html"]
    assert "x = 2.00," in static and "data:image/png;base64," in static
    assert "static view" in static


def test_every_explorer_carries_a_static_fallback():
    from adlab import widgets

    for make in (widgets.derivative_explorer, widgets.swell_explorer, widgets.function_explorer,
                 widgets.descent_explorer, widgets.cost_explorer, widgets.stepper_explorer):
        bundle = make()._repr_mimebundle_()
        static = bundle["text/html"]
        assert "adlab-explorer-static" in static and "static view" in static, make.__name__
        assert "data:image/png;base64," in static or "<svg" in static or "<table" in static
        assert "application/vnd.jupyter.widget-view+json" in bundle
