"""Explorer 3 (a function and its derivative): AD against closed forms, the tangent line, the widget."""

from __future__ import annotations

import math

import numpy as np
import pytest

import adlab
from adlab.widgets.plotting import function_and_derivative, function_explorer

CASES = [("sin(x)", np.sin, np.cos), ("x^3", lambda x: x ** 3, lambda x: 3 * x ** 2),
         ("exp(x)", np.exp, np.exp), ("tanh(x)", np.tanh, lambda x: 1 - np.tanh(x) ** 2)]


@pytest.mark.parametrize("formula, f, df", CASES)
def test_derivative_on_the_grid(formula, f, df):
    r = function_and_derivative(formula, -3.0, 3.0, 0.5)
    np.testing.assert_allclose(r.values, f(r.xs), rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(r.derivatives, df(r.xs), rtol=1e-13, atol=1e-15)


def test_sin_without_writing_cos():
    r = function_and_derivative(lambda x: adlab.sin(x), -2 * math.pi, 2 * math.pi, 1.0)
    np.testing.assert_allclose(r.derivatives, np.cos(r.xs), rtol=1e-13, atol=1e-15)


def test_tangent_line_touches_with_the_right_slope():
    r = function_and_derivative("x^2 * sin(x)", -2.0, 2.0, 0.7)
    assert r.f0 == pytest.approx(0.49 * math.sin(0.7), rel=1e-14)
    assert r.slope == pytest.approx(1.4 * math.sin(0.7) + 0.49 * math.cos(0.7), rel=1e-14)
    i = np.argmin(np.abs(r.xs - 0.7))
    assert r.tangent[i] == pytest.approx(r.f0 + r.slope * (r.xs[i] - 0.7), rel=1e-14)
    assert np.diff(r.tangent) == pytest.approx(r.slope * np.diff(r.xs), rel=1e-12)


def test_bad_input():
    with pytest.raises(ValueError, match="a < b"):
        function_and_derivative("x", 1.0, 1.0, 1.0)
    with pytest.raises(ValueError, match="outside"):
        function_and_derivative("x", 0.0, 1.0, 2.0)
    with pytest.raises(ValueError, match="not defined at x0 = 0"), pytest.warns(RuntimeWarning):
        function_and_derivative("1/x", -1.0, 1.0, 0.0)
    e = function_explorer()
    e.controls["formula"].value = "sin(x"
    assert "syntax error" in e.message.value
    e.controls["formula"].value = "log(x)"
    e.controls["x0"].value = -1.0
    assert "not defined" in e.message.value
    e.controls["x0"].value = 2.0
    assert e.message.value == "" and "f'(x0) = 0.5" in e.html.value
    times = []
    for v in (0.5, 1.0, 1.5, 2.5, 3.0):
        e.controls["x0"].value = v
        times.append(e.last_render_seconds)
    print(f"function explorer redraw median: {1000 * sorted(times)[2]:.1f} ms")
