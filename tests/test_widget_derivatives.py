"""Explorer 1 (derivative methods): the data function, and the widget driven through its values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from adlab.widgets import derivative_explorer, derivative_methods
from adlab.widgets.derivatives import PRESETS


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
    assert "x = 1.0000" in e.html.value and e.message.value == ""
    e.controls["x"].value = 1.5
    assert "x = 1.5000" in e.html.value
    assert f"{exact(1.5):.12g}" in e.html.value
    picture = bytes(e.image.value)
    assert picture.startswith(b"\x89PNG")
    e.controls["formula"].value = "sin(x"  # a syntax error
    assert "syntax error" in e.message.value
    assert "x = 1.5000" in e.html.value and bytes(e.image.value) == picture  # last picture kept
    e.controls["formula"].value = "1/x"
    e.controls["x"].value = 0.0  # division by zero at x
    assert "not defined at x = 0" in e.message.value
    e.controls["x"].value = 0.5  # and it keeps working
    assert e.message.value == "" and "x = 0.5000" in e.html.value
    e.controls["preset"].value = "exp x"
    assert e.controls["formula"].value == "exp(x)"
    assert "e^{x}" in e.html.value


def test_static_fallback_in_the_display_bundle():
    e = derivative_explorer(x=2.0)
    bundle = e._repr_mimebundle_()
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == e.widget.model_id
    static = bundle["text/html"]
    assert "x = 2.0000" in static and "data:image/png;base64," in static
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
