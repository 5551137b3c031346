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


# -- the speed-up, the formula area, the picture and the busy sign ------------------------

def _uncached_counts(depth, family):
    """The counts of one depth straight from SymPy and adlab, sharing no cache with swell.py."""
    x = sympy.Symbol("x", real=True)
    f = x
    for n in range(1, depth):
        f = FAMILIES[family].step(f, x, n, sympy.sin)
    df = sympy.diff(f, x)
    replacements, (reduced,) = sympy.cse(df)
    shared = sum(sympy.count_ops(v) for _, v in replacements) + sympy.count_ops(reduced)
    fn = nested_function(depth, family)
    grad = adlab.trace(adlab.grad(fn), 0.3).count() if df.free_symbols else 0
    return (sympy.count_ops(f), sympy.count_ops(df), sympy.count_ops(sympy.factor(df)), shared,
            adlab.trace(fn, 0.3).count(), grad)


def test_cached_family_change_gives_the_numbers_computed_from_scratch():
    from adlab.widgets import swell

    swell.clear_caches()
    assert not swell.is_counted(6, "sin")
    e = swell_explorer(depth=5, family="logistic")
    assert swell.is_counted(6, "logistic") and not swell.is_counted(6, "sin")
    for family in ("sin", "product", "logistic", "sin"):   # fresh, fresh, cached, cached
        e.controls["family"].value = family
        assert e.last_error is None and swell.is_counted(6, family)
        t = expression_swell(6, family)
        for d in t.depths:
            assert tuple(t.at(d).values()) == _uncached_counts(d, family), (family, d)
        for count in t.at(5).values():
            assert f"<td style='text-align:right'>{count:,}</td>" in e.html.value


@pytest.mark.parametrize("family", ["logistic", "sin"])
def test_factoring_the_chain_rule_product_gives_sympys_factor_of_the_derivative(family):
    """The fast route (factor the product step'(l_{d-1}) ... step'(l_1)) is the same expression."""
    from adlab.widgets import swell

    for depth in range(1, MAX_DEPTH + 1):
        chain = swell._chain_derivative(depth, family)
        _, _, derivative, factored = swell_expressions(depth, family)
        if depth <= 4:   # expanding deeper ones takes long; the factored forms below agree
            assert sympy.expand(chain - derivative) == 0
        assert factored == sympy.factor(derivative), depth
    assert swell._chain_derivative(3, "product") is None   # sin(k x) uses x itself


def test_busy_sign_shows_while_a_new_family_is_computed():
    from adlab.widgets import swell

    e = swell_explorer(depth=3)
    swell.clear_caches()
    seen = []
    e.message.observe(lambda change: seen.append(change["new"]), names="value")
    e.controls["family"].value = "product"
    assert seen and "Computing SymPy's expressions for the product rule chain" in seen[0]
    assert "depths 1 to 6" in seen[0] and e.message.value == ""     # cleared after the redraw
    e.controls["family"].value = "logistic"
    seen.clear()
    e.controls["family"].value = "product"      # counted now: no busy sign
    assert not any("Computing" in s for s in seen) and e.message.value == ""
    assert e.message.layout.min_height == "1.6em"   # the sign's line is kept: nothing moves


def _formula_area(value):
    import re

    area = re.search(r"<div class='adlab-swell-formulas' style='([^']*)'>", value)
    lines = re.findall(r"<div class='(adlab-swell-[a-z]+)' style='([^']*)'>", value)
    return area[1], [(cls, style) for cls, style in lines if cls != "adlab-swell-formulas"]


def test_formula_area_has_a_fixed_size_and_scrolls_long_formulas():
    from adlab.widgets import swell

    e = swell_explorer(depth=1)
    layouts = set()
    for family in FAMILIES:
        e.controls["family"].value = family
        for depth in range(1, 7):
            e.controls["depth"].value = depth
            area, lines = _formula_area(e.html.value)
            layouts.add((area, tuple(lines)))
            assert [c for c, _ in lines] == ["adlab-swell-heading"] + [
                "adlab-swell-formula", "adlab-swell-note"] * 3
            heights = [float(s.split("height:")[1].split("em")[0]) for _, s in lines]
            assert sum(heights) == pytest.approx(float(area.split("height:")[1].split("em")[0]))
            for _, style in lines:   # long lines scroll inside their box rather than being cut
                assert "overflow:auto" in style and "white-space:nowrap" in style
            # the area does not widen the widget (width 0) but fills it (min-width 100 %)
            assert "width:0;min-width:100%" in area
    assert len(layouts) == 1   # the same boxes for every family and depth
    assert swell.FORMULA_AREA_EM == pytest.approx(2.2 + 3 * (3.0 + 1.6))
    assert "adlab-swell-text" in e.html._dom_classes and swell.TEXT_STYLE in e.html.value


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_picture_has_a_title_is_wide_and_readable(family):
    from adlab.widgets import _base, swell

    e = swell_explorer(depth=6, family=family)
    width, height = _base.png_size(bytes(e.image.value))
    assert width >= _base.MIN_WIDTH_PX and height > 0
    fig = e.plot.fig
    assert _base.smallest_text_px(fig) >= _base.MIN_TEXT_PX
    assert e.plot.ax.get_title() == f"{swell.PLOT_TITLES[family]}: operations against depth d"
    renderer = fig.canvas.get_renderer()
    box = fig.bbox
    legend = e.plot.ax.get_legend()
    for artist in (e.plot.ax.title, e.plot.ax.xaxis.label, e.plot.ax.yaxis.label, legend):
        ext = artist.get_window_extent(renderer)
        assert box.x0 <= ext.x0 and ext.x1 <= box.x1 and box.y0 <= ext.y0 and ext.y1 <= box.y1
    assert legend.get_window_extent(renderer).x0 > e.plot.ax.get_window_extent(renderer).x1
    assert len(legend.get_texts()) == 6
    # the count axis is labelled with whole numbers, no small superscripts
    labels = [t.get_text() for t in e.plot.ax.get_yticklabels() if t.get_text()]
    assert labels[:3] == ["0", "1", "10"] and all(s.replace(",", "").isdigit() for s in labels)
    t = expression_swell(6, family)
    top = max(max(getattr(t, f)) for f in swell.COUNT_FIELDS)
    assert e.plot.ax.get_ylim()[1] >= top
