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


# -- closed-form gradients of every preset, curvature from SymPy, messages, the widget ----------

GRADIENTS = {
    "x^2 + 10*y^2": lambda x, y: (2 * x, 20 * y),
    "(1 - x)^2 + 100*(y - x^2)^2": lambda x, y: (-2 * (1 - x) - 400 * x * (y - x * x),
                                                 200 * (y - x * x)),
    "(x^2 + y - 11)^2 + (x + y^2 - 7)^2": lambda x, y: (
        4 * x * (x * x + y - 11) + 2 * (x + y * y - 7), 2 * (x * x + y - 11) + 4 * y * (x + y * y - 7)),
    "x^2 - y^2 + y^4/2": lambda x, y: (2 * x, -2 * y + 2 * y ** 3),
}


def test_every_preset_has_a_closed_form_gradient_here():
    assert {p.formula for p in PRESETS.values()} == set(GRADIENTS)


@pytest.mark.parametrize("name", list(PRESETS))
def test_ad_field_and_path_gradients_of_every_preset(name):
    p = PRESETS[name]
    r = gradient_descent(p.formula, p.start, p.lr, p.steps, box=p.box)
    gx, gy = GRADIENTS[p.formula](r.AX, r.AY)
    scale = np.max(np.hypot(gx, gy))
    np.testing.assert_allclose(r.GX, gx, rtol=1e-12, atol=1e-13 * scale)
    np.testing.assert_allclose(r.GY, gy, rtol=1e-12, atol=1e-13 * scale)
    assert r.AX.shape == r.AY.shape == (15, 15)
    (x0, x1), (y0, y1) = p.box
    assert x0 < r.AX.min() and r.AX.max() < x1 and y0 < r.AY.min() and r.AY.max() < y1
    # the path: each step is x_k - lr * (closed-form gradient at x_k)
    gxs, gys = GRADIENTS[p.formula](r.path[:, 0], r.path[:, 1])
    np.testing.assert_allclose(r.gradients[:, 0], gxs, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(r.gradients[:, 1], gys, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(r.path[1:], r.path[:-1] - p.lr * r.gradients[:-1], rtol=1e-14,
                               atol=1e-15)
    np.testing.assert_allclose(r.grad_norms, np.hypot(gxs, gys), rtol=1e-12, atol=1e-12)


def test_rosenbrock_path_against_an_independent_loop():
    p = PRESETS["Rosenbrock"]
    r = gradient_descent(p.formula, p.start, p.lr, p.steps, box=p.box)
    x, y = p.start
    for k in range(p.steps + 1):
        assert r.path[k] == pytest.approx((x, y), rel=1e-12)
        assert r.values[k] == pytest.approx((1 - x) ** 2 + 100 * (y - x * x) ** 2, rel=1e-12)
        gx, gy = GRADIENTS[p.formula](x, y)
        x, y = x - p.lr * gx, y - p.lr * gy
    assert r.steps_taken == p.steps and not r.diverged


@pytest.mark.parametrize("name", list(PRESETS))
def test_curvature_at_the_start_against_sympy(name):
    import sympy

    p = PRESETS[name]
    r = gradient_descent(p.formula, p.start, p.lr, 1, box=p.box)
    x, y = sympy.symbols("x y", real=True)
    f = sympy.sympify(p.formula.replace("^", "**"), locals={"x": x, "y": y})
    H = sympy.hessian(f, (x, y)).subs({x: sympy.nsimplify(p.start[0]), y: sympy.nsimplify(p.start[1])})
    largest = max(float(sympy.re(v)) for v in H.eigenvals())
    assert r.curvature == pytest.approx(largest, rel=1e-12, abs=1e-12)
    assert r.lr_limit == (pytest.approx(2 / largest, rel=1e-12) if largest > 0 else np.inf)


def test_bowl_closed_form_with_values_and_norms():
    lr, x0, y0 = 0.07, 2.5, 1.5
    r = gradient_descent("x^2 + 10*y^2", (x0, y0), lr, 40)
    k = np.arange(41)
    xs, ys = x0 * (1 - 2 * lr) ** k, y0 * (1 - 20 * lr) ** k
    np.testing.assert_allclose(r.path[:, 0], xs, rtol=1e-12)
    np.testing.assert_allclose(r.path[:, 1], ys, rtol=1e-12)
    np.testing.assert_allclose(r.values, xs ** 2 + 10 * ys ** 2, rtol=1e-12)
    np.testing.assert_allclose(r.grad_norms, np.hypot(2 * xs, 20 * ys), rtol=1e-12)
    assert r.final == pytest.approx((xs[-1], ys[-1]), rel=1e-12)
    assert r.final_value == pytest.approx(xs[-1] ** 2 + 10 * ys[-1] ** 2, rel=1e-12)
    assert r.final_grad_norm == pytest.approx(np.hypot(2 * xs[-1], 20 * ys[-1]), rel=1e-12)
    np.testing.assert_allclose(r.Z, r.X ** 2 + 10 * r.Y ** 2, rtol=1e-14)


def test_divergence_on_the_bowl_names_the_step_and_the_stable_rate():
    # y_k = 1.5 (1 - 20 * 0.2)^k = 1.5 (-3)^k leaves ESCAPE = 1000 half-widths (3000) at k = 7
    from adlab.widgets.descent import ESCAPE

    r = gradient_descent("x^2 + 10*y^2", (2.5, 1.5), 0.2, 40)
    k = next(k for k in range(40) if 1.5 * 3 ** k > ESCAPE * 3.0)
    assert k == 7 and r.steps_taken == k and r.diverged and len(r.path) == k + 1
    np.testing.assert_allclose(r.path[:, 1], 1.5 * (-3.0) ** np.arange(k + 1), rtol=1e-12)
    assert r.message.startswith("diverged after 7 steps: the learning rate 0.2 is too large")
    assert "2/L = 0.1" in r.message and "try below 0.1" in r.message
    # just below the limit it converges (slowly: |1 - 20 lr| = 0.98)
    assert not gradient_descent("x^2 + 10*y^2", (2.5, 1.5), 0.099, 40).diverged


def test_other_ways_a_path_can_stop():
    r = gradient_descent("x^2 - y^2", (1.0, 0.5), 0.1, 200)  # unbounded below: y_k = 0.5 * 1.2^k
    assert r.diverged and "no minimum in that direction" in r.message
    assert r.steps_taken == next(k for k in range(200) if 0.5 * 1.2 ** k > 3000)
    r = gradient_descent("sqrt(x) + y^2", (0.3, 0.5), 0.5, 10)  # x_1 = 0.3 - 0.5/(2 sqrt 0.3) < 0
    assert r.steps_taken == 1 and "not defined at (-0.1564, 0)" in r.message
    assert r.path[1, 0] == pytest.approx(0.3 - 0.25 / np.sqrt(0.3), rel=1e-14)


def test_a_python_function_and_more_bad_input():
    import adlab

    def bowl(x, y):
        return x * x + 10.0 * adlab.cos(y)

    r = gradient_descent(bowl, (1.0, 0.5), 0.01, 5)
    assert r.formula == "bowl"
    np.testing.assert_allclose(r.GY, -10 * np.sin(r.AY), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(r.GX, 2 * r.AX, rtol=1e-12, atol=1e-14)
    with pytest.raises(ValueError, match="unknown name 'z'.*the variables are x, y"):
        gradient_descent("x + z", (0.0, 0.0), 0.1, 5)
    with pytest.raises(ValueError, match="not defined at the start"):
        gradient_descent("log(x) + y", (-1.0, 0.0), 0.1, 5)
    with pytest.raises(ValueError, match="steps must be a whole number"):
        gradient_descent("x + y", (0.0, 0.0), 0.1, 2.5)
    with pytest.raises(ValueError, match="start must be a point"):
        gradient_descent("x + y", 1.0, 0.1, 5)
    with pytest.raises(ValueError, match="box"):
        gradient_descent("x + y", (0.0, 0.0), 0.1, 5, box=((1, -1), (0, 1)))
    with pytest.raises(TypeError, match="must be a formula"):
        gradient_descent(3.0, (0.0, 0.0), 0.1, 5)


def test_widget_shows_numbers_messages_and_recovers():
    e = descent_explorer()
    assert e.message.value == "" and bytes(e.image.value).startswith(b"\x89PNG")
    e.controls["lr"].value = 0.05
    e.controls["steps"].value = 30
    xk, yk = 2.5 * 0.9 ** 30, 0.0  # 1 - 20 * 0.05 = 0: y reaches 0 in one step
    assert f"({xk:.4g}, {yk:.4g})" in e.html.value
    assert f"f = {xk ** 2:.4g}" in e.html.value and f"|∇f| = {2 * xk:.4g}" in e.html.value
    assert "2/L = 0.1" in e.html.value and "after 30 of 30 steps" in e.html.value
    picture = bytes(e.image.value)
    e.controls["lr"].value = 0.2  # too large: reported in the message pane, the plot still drawn
    assert "diverged after" in e.message.value and "try below 0.1" in e.message.value
    assert bytes(e.image.value) != picture
    e.controls["formula"].value = "x^2 + 10*y^2 +"  # a syntax error: message, last picture kept
    assert "syntax error" in e.message.value and e.controls["preset"].value == "custom"
    kept = bytes(e.image.value)
    e.controls["x0"].value = 1.0
    assert bytes(e.image.value) == kept
    e.controls["formula"].value = "x^2 + y^2"
    e.controls["lr"].value = 0.1
    assert e.message.value == "" and f"f = {(1.0 * 0.8 ** 30) ** 2 + (1.5 * 0.8 ** 30) ** 2:.4g}" \
        in e.html.value
    e.controls["preset"].value = "Rosenbrock"  # a preset sets formula, box, start, lr and steps
    q = PRESETS["Rosenbrock"]
    assert e.controls["formula"].value == q.formula and e.controls["steps"].value == q.steps
    assert (e.controls["x0"].value, e.controls["y0"].value) == q.start
    assert (e.controls["x0"].min, e.controls["x0"].max) == q.box[0]
    assert e.message.value == "" and f"after {q.steps} of {q.steps} steps" in e.html.value


def test_static_fallback_and_redraw_time():
    import statistics

    e = descent_explorer()
    static = e._repr_mimebundle_()["text/html"]
    assert "static view" in static and "data:image/png;base64," in static
    for name, p in PRESETS.items():
        e.controls["preset"].value = name
        times = []
        for i in range(20):
            e.controls["lr"].value = p.lr * (0.5 + 0.05 * i)
            times.append(e.last_render_seconds)
        print(f"descent redraw median ({name}, 20 moves of lr): {1000 * statistics.median(times):.1f} ms")


# -- presets: every control set, one picture, what a browser's sliders send back; the picture ----

def _other_presets(name):
    """The presets to come from when choosing NAME (every other one, and 'custom')."""
    return [q for q in list(PRESETS) + ["custom"] if q != name]


@pytest.mark.parametrize("name", list(PRESETS))
def test_a_preset_sets_every_control_and_draws_once(name):
    p = PRESETS[name]
    for before in _other_presets(name):
        e = descent_explorer()
        if before == "custom":
            e.controls["formula"].value = "x^2 + y^2 + x*y"
            e.controls["x0"].value, e.controls["y0"].value = -0.5, 0.7
        else:
            e.controls["preset"].value = before
        assert e.controls["preset"].value == before
        draws = e.plot.draws
        e.controls["preset"].value = name
        assert e.plot.draws == draws + 1, f"{before} -> {name}: {e.plot.draws - draws} draws"
        c = e.controls
        assert (c["formula"].value, c["lr"].value, c["steps"].value) == (p.formula, p.lr, p.steps)
        assert (c["x0"].value, c["y0"].value) == p.start
        assert ((c["x0"].min, c["x0"].max), (c["y0"].min, c["y0"].max)) == p.box
        assert e.last_error is None and e.message.value == ""
        # the picture and the table are of the preset's run, from the preset's start
        r = gradient_descent(p.formula, p.start, p.lr, p.steps, box=p.box)
        np.testing.assert_array_equal(e.plot.path.get_xydata(), r.path)
        assert e.plot.key == (p.formula, p.box, r.X.shape)
        assert f"<td>({p.start[0]:.4g}, {p.start[1]:.4g})</td>" in e.html.value
        assert f"$\\eta$ = {p.lr:.4g} " in e.html.value
        assert f"after {p.steps} of {p.steps} steps" in e.html.value


def test_the_saddle_preset_starts_just_off_the_saddle_and_leaves_it():
    e = descent_explorer()
    e.controls["preset"].value = "saddle and two minima"
    assert e.controls["y0"].value == 0.01
    x, y = e.plot.path.get_xydata()[-1]
    # f = x^2 - y^2 + y^4/2: the saddle is (0, 0), the minima (0, 1) and (0, -1) with f = -1/2;
    # from y = 0.01 > 0 the path goes to (0, 1); from y = 0 it would stop at the saddle
    assert abs(x) < 1e-4 and abs(y - 1) < 1e-4
    assert "f = -0.5</td>" in e.html.value
    stuck = gradient_descent("x^2 - y^2 + y^4/2", (1.8, 0.0), 0.05, 120)
    assert stuck.final[1] == 0.0 and abs(stuck.final[0]) < 1e-4


def _snap(value, lo, step):
    """What a browser slider does to a value: the nearest lo + k * step."""
    return lo + round((value - lo) / step) * step


@pytest.mark.parametrize("name", list(PRESETS))
def test_preset_values_are_on_the_browser_sliders_grids(name):
    # a browser's slider snaps the value it is sent to its grid and sends the result back:
    # a start or learning rate off the grid would be changed (0.01 to 0.00, 0.05 to 0.0501)
    p = PRESETS[name]
    e = descent_explorer()
    e.controls["preset"].value = name
    c = e.controls
    for key, value in (("x0", p.start[0]), ("y0", p.start[1])):
        assert _snap(value, c[key].min, c[key].step) == pytest.approx(value, abs=1e-12)
    exponent = np.log10(p.lr)
    assert _snap(exponent, c["lr"].min, c["lr"].step) == pytest.approx(exponent, abs=1e-12)
    assert c["lr"].min <= -3.95 and c["lr"].max >= -0.05  # lr from about 1e-4 to 1
    assert c["steps"].min <= p.steps <= c["steps"].max


def test_a_browser_rounding_echo_draws_nothing_and_a_real_move_draws_once():
    e = descent_explorer()
    e.controls["preset"].value = "saddle and two minima"
    draws, html_before = e.plot.draws, e.html.value
    # what the browser sends back for 0.01 on a -2..2 slider with step 0.01, and for 0.05
    e.controls["y0"].value = 201 * 0.25 * 4 / 100 - 2
    assert e.controls["y0"].value != 0.01
    e.controls["lr"].value = 10 ** np.log10(0.05)
    assert e.plot.draws == draws and e.html.value == html_before
    e.controls["y0"].value = -0.01  # a real move: one picture, the path to the other minimum
    assert e.plot.draws == draws + 1
    x, y = e.plot.path.get_xydata()[-1]
    assert abs(x) < 1e-4 and abs(y + 1) < 1e-4


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_view_draws_contours_down_into_its_valleys(name):
    from adlab.widgets.descent import new_plot

    p = PRESETS[name]
    r = gradient_descent(p.formula, p.start, p.lr, p.steps, box=p.box)
    plot = new_plot()
    plot.update(r)
    plot.png()
    drawn = [level for level, path in zip(plot.contours.levels, plot.contours.get_paths())
             if len(path.vertices) > 0]
    assert len(drawn) >= 12, f"{name}: {len(drawn)} contour lines"
    # lines in the lowest tenth of f's range too: the valley floor and the minima are drawn
    lo, hi = np.nanmin(r.Z), np.nanmax(r.Z)
    assert sum(level < lo + 0.1 * (hi - lo) for level in drawn) >= 6, name
    # and every line is within the box
    for path in plot.contours.get_paths():
        if len(path.vertices):
            assert np.all(path.vertices.min(axis=0) >= (p.box[0][0] - 1e-9, p.box[1][0] - 1e-9))
            assert np.all(path.vertices.max(axis=0) <= (p.box[0][1] + 1e-9, p.box[1][1] + 1e-9))


def test_contour_levels_are_log_spaced_above_the_minimum():
    from adlab.widgets.descent import LEVELS, contour_levels

    X, Y = np.meshgrid(np.linspace(-2, 2, 81), np.linspace(-1, 3, 81))
    Z = (1 - X) ** 2 + 100 * (Y - X ** 2) ** 2
    levels = contour_levels(Z)
    assert len(levels) == LEVELS and levels[0] > Z.min()
    ratios = np.diff(np.log(levels - Z.min()))
    np.testing.assert_allclose(ratios, ratios[0], rtol=1e-9)
    assert levels[-1] == pytest.approx(Z.min() + np.quantile(Z[Z > Z.min()] - Z.min(), 0.98))
    Z[0, :5] = np.nan  # undefined points are left out, not spread into every level
    with_nan = contour_levels(Z)
    assert len(with_nan) == LEVELS and np.all(np.isfinite(with_nan))
    np.testing.assert_array_equal(with_nan, contour_levels(Z[np.isfinite(Z)]))
    assert contour_levels(np.full((5, 5), 3.0)).size == 0  # a constant: no lines
    assert contour_levels(np.full((5, 5), np.nan)).size == 0
    shifted = contour_levels(Z - 7.5)  # below zero too: spacing is of f - min f
    np.testing.assert_allclose(shifted, contour_levels(Z) - 7.5, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", list(PRESETS))
def test_picture_has_titles_is_wide_enough_and_its_text_is_readable(name):
    from adlab.widgets._base import MIN_TEXT_PX, MIN_WIDTH_PX, png_size, smallest_text_px

    e = descent_explorer()
    e.controls["preset"].value = name
    width, height = png_size(bytes(e.image.value))
    assert width >= MIN_WIDTH_PX and height > 0
    fig = e.plot.fig
    assert all(ax.get_title() for ax in fig.axes), [ax.get_title() for ax in fig.axes]
    assert smallest_text_px(fig) >= MIN_TEXT_PX
    # nothing drawn outside the picture: the panels with their labels and titles, the legend
    renderer = fig.canvas.get_renderer()
    for box in [ax.get_tightbbox(renderer) for ax in fig.axes] + \
            [fig.legends[0].get_window_extent(renderer)]:
        assert box.x0 >= 0 and box.y0 >= 0 and box.x1 <= width and box.y1 <= height, box


def test_the_table_shows_four_significant_digits():
    import re

    for name in PRESETS:
        e = descent_explorer()
        e.controls["preset"].value = name
        table = e.html.value.split("<table", 1)[1]
        numbers = re.findall(r"-?\d+(?:\.\d+)?(?:e[-+]\d+)?", table)
        assert numbers
        for n in numbers:
            digits = re.sub(r"e.*$", "", n).replace("-", "").replace(".", "").lstrip("0")
            assert len(digits) <= 4, (name, n)
    e = descent_explorer(lr=0.05, steps=30)  # x_30 = 2.5 * 0.9^30 = 0.1059622...
    assert "(0.106, 0)" in e.html.value


def _states(slider):
    """Record (min, max, value) of a slider after each change of one of them: what a browser
    is sent, one message per change (outside hold_sync)."""
    seen = []
    slider.observe(lambda change: seen.append((slider.min, slider.max, slider.value)),
                   names=["min", "max", "value"])
    return seen


@pytest.mark.parametrize("name", list(PRESETS))
def test_no_state_a_browser_sees_during_a_preset_clamps_or_snaps_a_start(name):
    # a browser clamps a slider's value to its range and snaps it to min + k * step; with
    # each state the start sliders pass through valid, it never changes a value it is sent
    p = PRESETS[name]
    for before in _other_presets(name):
        if before == "custom":
            continue
        e = descent_explorer(preset=before)
        seen = {key: _states(e.controls[key]) for key in ("x0", "y0")}
        values = {key: [] for key in ("x0", "y0")}
        for key in values:
            e.controls[key].observe(lambda change, key=key: values[key].append(change["new"]),
                                    names="value")
        e.controls["preset"].value = name
        for key, axis in (("x0", 0), ("y0", 1)):
            # the value goes straight to the new start: never clamped on the way
            assert values[key] in ([p.start[axis]], []), (before, name, key, values[key])
            step = e.controls[key].step
            assert seen[key][-1] == (*p.box[axis], p.start[axis]), (before, key, seen[key])
            for lo, hi, value in seen[key]:
                assert lo <= value <= hi, (before, name, key, seen[key])
                assert abs(_snap(value, lo, step) - value) < 1e-9, (before, name, key, seen[key])


def test_sliders_a_preset_sets_send_values_only_when_let_go():
    # with continuous_update, a browser sends back its own rounding of every value it is
    # sent (1.8 as 1.7999999999999998), which can arrive after the next preset's value
    e = descent_explorer()
    assert not any(e.controls[key].continuous_update for key in ("lr", "x0", "y0"))
    assert e.controls["steps"].step == 1  # whole numbers: no rounding to send back
