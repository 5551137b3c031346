"""Explorer 4 (gradient descent): closed-form paths and gradients, divergence, the widget."""

from __future__ import annotations

import numpy as np
import pytest

from adlab.widgets.descent import PRESETS, descent_explorer, gradient_descent


@pytest.mark.parametrize("lr", [0.01, 0.04, 0.09])
def test_path_on_the_bowl_matches_the_closed_form(lr):
    r = gradient_descent("x^2 + 10*y^2", (1.5, -0.8), lr, 25)
    k = np.arange(26)
    np.testing.assert_allclose(r.path[:, 0], 1.5 * (1 - 2 * lr) ** k, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(r.path[:, 1], -0.8 * (1 - 20 * lr) ** k, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(r.values, r.path[:, 0] ** 2 + 10 * r.path[:, 1] ** 2, rtol=1e-12)
    assert not r.diverged and r.message is None
    assert r.lr_limit == pytest.approx(2 / 20)  # largest Hessian eigenvalue of the bowl is 20


def test_gradient_field_against_closed_forms():
    r = gradient_descent("(1 - x)^2 + 100*(y - x^2)^2", (-1.0, 1.0), 1e-4, 3)
    gx = -2 * (1 - r.AX) - 400 * r.AX * (r.AY - r.AX ** 2)
    gy = 200 * (r.AY - r.AX ** 2)
    np.testing.assert_allclose(r.GX, gx, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(r.GY, gy, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(r.Z, (1 - r.X) ** 2 + 100 * (r.Y - r.X ** 2) ** 2, rtol=1e-12)


def test_divergence_is_reported_not_raised():
    r = gradient_descent("x^2 + 10*y^2", (1.0, 1.0), 0.2, 50)
    assert r.diverged and r.steps_taken < 50
    assert "diverged" in r.message and "0.2" in r.message and "0.1" in r.message


def test_every_preset_descends():
    for preset in PRESETS.values():
        r = gradient_descent(preset.formula, preset.start, preset.lr, preset.steps, box=preset.box)
        assert r.values[-1] < r.values[0], preset


def test_bad_input():
    with pytest.raises(ValueError, match="unknown function"):
        gradient_descent("foo(x) + y", (0.0, 0.0), 0.1, 5)
    with pytest.raises(ValueError):
        gradient_descent("x^2 + y^2", (0.0, 0.0), -0.1, 5)
    e = descent_explorer()
    e.controls["formula"].value = "x^2 + (y"
    assert "syntax error" in e.message.value
    e.controls["formula"].value = "x^2 + y^2"
    assert e.message.value == ""
    times = []
    for lr in (0.01, 0.02, 0.03, 0.05, 0.08):
        e.controls["lr"].value = lr
        times.append(e.last_render_seconds)
    print(f"descent redraw median: {1000 * sorted(times)[2]:.1f} ms")
