"""Explorer 5 (forward vs reverse cost): passes, Jacobians against central differences,
operation counts against a count by hand, the text against n, m and the counts, the picture."""

from __future__ import annotations

import html
import re
from collections import Counter

import numpy as np
import pytest

import adlab
from adlab.traces import trace
from adlab.widgets import _base
from adlab.widgets.cost import (CostPlot, cost_explorer, family, jacobian_by_passes,
                                jacobian_cost, operation_counts, pass_counts, report_html)


def by_hand(n, m):
    """The primitive operations of each mode for f(x) = tanh(W x) * sum(x), counted by hand
    from the primitives' JVP and VJP rules (only operations on values that depend on x;
    W e_k and sum(e_k) act on constants).

    f itself: matmul, tanh, sum, mul (4).
    One JVP evaluates f again (4), then the tangent of tanh, (1 - t*t) * (W e_k): mul, sub,
    mul; and of t * s, dt * s + t * sum(e_k): mul, mul, add. 10 in all.
    Reverse mode evaluates f once (4); one VJP: ybar * s and t * ybar (mul, mul); the
    cotangent of s, sum(t * ybar) made an n-vector: sum, reshape, broadcast_to (no
    broadcast_to when n = 1); through tanh, (ybar * s) * (1 - t*t): mul, sub, mul; through
    matmul: reshape, matmul (by W^T), reshape; the two cotangents of x added: add.
    12 in all (11 when n = 1). Each mode stacks its columns or rows once at the end.
    """
    forward = Counter(matmul=n, tanh=n, sum=n, mul=5 * n, sub=n, add=n, stack=1)
    reverse = Counter(matmul=1 + m, tanh=1, sum=1 + m, mul=1 + 4 * m, sub=m, add=m,
                      reshape=3 * m, broadcast_to=m if n > 1 else 0, stack=1)
    return +forward, +reverse


def plain(html_text):
    """The text a student reads, without tags."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", html_text)))


@pytest.mark.parametrize("n, m", [(1, 1), (3, 7), (8, 2)])
def test_passes_and_jacobians(n, m):
    r = jacobian_cost(n, m)
    assert (r.forward_passes, r.reverse_passes) == (n, m)
    assert r.jacobian.shape == (m, n) and r.max_difference < 1e-13
    f, W = family(n, m)
    x = np.linspace(0.1, 1.0, n)
    fd = np.empty((m, n))
    for k in range(n):
        e = np.zeros(n)
        e[k] = 1e-6
        fd[:, k] = (np.tanh(W @ (x + e)) * (x + e).sum() - np.tanh(W @ (x - e)) * (x - e).sum()) / 2e-6
    np.testing.assert_allclose(r.jacobian, fd, rtol=1e-6, atol=1e-8)


def test_jacobian_by_passes_on_another_function():
    g = lambda x: adlab.sin(x[0] * x[1]) + x ** 2        # R^2 -> R^2
    x = np.array([0.3, -1.2])
    want = np.array([[np.cos(x[0] * x[1]) * x[1] + 2 * x[0], np.cos(x[0] * x[1]) * x[0]],
                     [np.cos(x[0] * x[1]) * x[1], np.cos(x[0] * x[1]) * x[0] + 2 * x[1]]])
    for mode in ("forward", "reverse"):
        np.testing.assert_allclose(jacobian_by_passes(g, mode)(x), want, rtol=1e-13)


GRID = [(n, m) for n in (1, 2, 3, 7, 12, 13, 20) for m in (1, 2, 5, 11, 12, 13, 20)]


@pytest.mark.parametrize("n, m", GRID)
def test_operation_counts_match_the_count_by_hand(n, m):
    forward, reverse = by_hand(n, m)
    f, _ = family(n, m)
    x = np.linspace(0.1, 1.0, n)
    for mode, want in (("forward", forward), ("reverse", reverse)):
        rows = trace(jacobian_by_passes(f, mode), x).rows
        assert Counter(r.prim.name for r in rows if r.prim is not None) == want, mode
    assert operation_counts(n, m) == (sum(forward.values()), sum(reverse.values()))
    assert pass_counts(n, m) == (4, 10, 11 if n == 1 else 12)


def test_the_sentences_follow_n_and_m_and_the_counts():
    for n, m in GRID:
        r = jacobian_cost(n, m, repeats=1)
        text = plain(report_html(r))
        fo, ro = (sum(c.values()) for c in by_hand(n, m))
        assert (r.forward_ops, r.reverse_ops) == (fo, ro)
        # the passes: words from n and m only
        if n < m:
            said = f"n = {n} is less than m = {m} (fewer inputs than outputs), so forward mode makes fewer passes"
        elif n > m:
            said = f"n = {n} is more than m = {m} (fewer outputs than inputs), so reverse mode makes fewer passes"
        else:
            said = f"n = m = {n}: as many inputs as outputs, so both modes make {n} pass"
        assert said in text, (n, m, text)
        assert text.count(" is less than ") + text.count(" is more than ") == (n != m)
        # the operations: the cheaper mode, the counts and the difference, from the counts
        if fo < ro:
            said = f"Forward mode is cheaper: {fo} operations against {ro}, {ro - fo} fewer"
        elif ro < fo:
            said = f"Reverse mode is cheaper: {ro} operations against {fo}, {fo - ro} fewer"
        else:
            said = f"Both modes cost the same: {fo} operations each"
        assert said in text, (n, m, text)
        ratio = max(fo, ro) / min(fo, ro)
        if ratio >= 2:
            assert f"{ratio:.1f} times as many" in text
        else:
            assert f"{100 * (ratio - 1):.2g} % more" in text
        agree = (fo < ro) == (n < m) and (fo > ro) == (n > m)
        assert ("the mode with fewer passes does fewer operations" in text) == (agree and n != m)
        # how the counts add up, and the times shown beside their verdict
        vjp = 11 if n == 1 else 12
        assert f"Forward mode: {n} × 10 + 1 = {fo}" in text
        assert f"Reverse mode: 4 + {m} × {vjp} + 1 = {ro}" in text
        times = re.search(r"forward (\d+\.\d\d) ms, reverse (\d+\.\d\d) ms: ([a-z ]+)\.", text)
        tf, tr = float(times[1]), float(times[2])
        assert times[3] == ("the same time" if tf == tr else
                            "forward mode was faster" if tf < tr else "reverse mode was faster")
        assert f"{1e3 * r.forward_seconds:.2f} ms" in text and f"{1e3 * r.reverse_seconds:.2f} ms" in text


def test_the_old_wrong_sentence_is_gone():
    text = plain(report_html(jacobian_cost(13, 12, repeats=1)))
    assert "n = 13 is more than m = 12" in text
    assert "fewer than m" not in text and "is fewer than" not in text
    assert "Forward mode is cheaper: 131 operations against 149, 18 fewer" in text
    assert "Here fewer passes is not enough: one JVP costs 10 operations, one VJP 12" in text


def crossing_by_hand(m):
    """Where 10 n + 1 (forward) meets the reverse count, segments between whole n: on
    1..2 the reverse count goes from 11 m + 5 to 12 m + 5; from n = 2 on it is 12 m + 5."""
    d1, d2 = (11 * m + 5) - 11, (12 * m + 5) - 21
    if d2 <= 0:
        return 1 + d1 / (d1 - d2)
    n = (12 * m + 4) / 10
    return n if n <= 20 else None


@pytest.mark.parametrize("m", range(1, 21))
def test_the_crossing_is_where_the_drawn_curves_meet(m):
    r = jacobian_cost(min(m, 20), m, repeats=1)
    want = crossing_by_hand(m)
    if want is None:
        assert r.crossing is None
    else:
        assert r.crossing == pytest.approx(want, abs=1e-12)
    plot = CostPlot()
    plot.update(r)
    assert plot.cross.get_visible() == (want is not None)
    if want is None:
        return
    xs, forward = plot.forward.get_data()
    _, reverse = plot.reverse.get_data()
    at = plot.cross.get_xdata()[0]
    assert at == pytest.approx(want, abs=1e-12)
    # both drawn curves pass through the same height at the dashed line
    assert np.interp(at, xs, forward) == pytest.approx(np.interp(at, xs, reverse), abs=1e-9)
    below, above = int(np.floor(at)), int(np.ceil(at))
    d = np.asarray(reverse) - np.asarray(forward)
    assert d[below - 1] >= 0 >= d[above - 1] and (d[below - 2] > 0 if below >= 2 else True)
    labels = [t.get_text() for t in plot.ax.get_legend().get_texts()]
    assert f"cross at n = {int(want) if want == int(want) else f'{want:.1f}'}" in labels


def test_twelve_outputs_cross_at_fourteen_point_eight():
    r = jacobian_cost(13, 12, repeats=1)
    assert r.crossing == pytest.approx(14.8)
    text = plain(report_html(r))
    assert ("cross at n = 14.8: forward mode is cheaper for n up to 14, and reverse mode "
            "from n = 15 on") in text
    r = jacobian_cost(3, 3, repeats=1)   # 10 n + 1 = 41 at n = 4: a tie on a whole n
    assert r.crossing == 4.0
    assert "cheaper for n up to 3, both cost the same at n = 4, and reverse mode from n = 5" \
        in plain(report_html(r))
    assert "do not cross for n up to 20: forward mode is cheaper for every n" in \
        plain(report_html(jacobian_cost(3, 18, repeats=1)))


@pytest.mark.parametrize("n, m, n_max", [(3, 12, 20), (13, 12, 20), (1, 1, 20), (20, 2, 20),
                                          (7, 20, 20), (1, 1, 1), (2, 1, 2), (2, 3, 3)])
def test_integer_axes_have_integer_ticks(n, m, n_max):
    plot = CostPlot()
    plot.update(jacobian_cost(n, m, n_max=n_max, repeats=1))
    plot.fig.canvas.draw()
    for axis, (lo, hi) in ((plot.ax.xaxis, plot.ax.get_xlim()), (plot.ax.yaxis, plot.ax.get_ylim())):
        ticks = [t for t in axis.get_majorticklocs() if lo <= t <= hi]
        assert len(ticks) >= (min(3, n_max) if axis is plot.ax.xaxis else 3)
        assert all(t == int(t) for t in ticks), ticks
        labels = [t.get_text() for t in axis.get_ticklabels() if t.get_text()]
        assert labels and all(re.fullmatch(r"[0-9]+", s) for s in labels), labels


@pytest.mark.parametrize("n, m", [(3, 12), (20, 20), (1, 1)])
def test_picture_has_a_title_is_wide_and_readable_and_nothing_is_cut_off(n, m):
    e = cost_explorer(n=n, m=m)
    fig = e.plot.fig
    outputs = "1 output" if m == 1 else f"{m} outputs"
    assert e.plot.ax.get_title() == f"Full Jacobian, m = {outputs}: operations against n"
    legend = [t.get_text() for t in e.plot.ax.get_legend().get_texts()]
    assert legend[:3] == ["forward: n JVPs", "reverse: 1 VJP" if m == 1 else f"reverse: {m} VJPs",
                          f"your n = {n}"]
    width, height = _base.png_size(bytes(e.image.value))
    assert width >= _base.MIN_WIDTH_PX and height > 0
    assert _base.smallest_text_px(fig) >= _base.MIN_TEXT_PX
    box = fig.bbox
    renderer = fig.canvas.get_renderer()
    for artist in [e.plot.ax.title, e.plot.ax.xaxis.label, e.plot.ax.yaxis.label,
                   e.plot.ax.get_legend()]:
        ext = artist.get_window_extent(renderer)
        assert box.x0 <= ext.x0 and ext.x1 <= box.x1 and box.y0 <= ext.y0 and ext.y1 <= box.y1
    # the legend sits beside the axes, over no curve
    assert e.plot.ax.get_legend().get_window_extent(renderer).x0 > \
        e.plot.ax.get_window_extent(renderer).x1


def test_the_notebook_call_and_continuous_sliders():
    e = cost_explorer(n=3, m=12)           # notebooks/04_forward_mode.ipynb
    assert all(c.continuous_update for c in e.controls.values())
    text = plain(e.html.value)
    assert "R<sup>3</sup> → R<sup>12</sup>" in e.html.value and "n = 3 is less than m = 12" in text
    assert "Forward mode is cheaper: 31 operations against 149" in text
    before = bytes(e.image.value)
    e.controls["m"].value = 2
    assert e.last_error is None
    assert "n = 3 is more than m = 2" in plain(e.html.value)
    assert "Reverse mode is cheaper: 29 operations against 31, 2 fewer" in plain(e.html.value)
    assert bytes(e.image.value) != before
    assert e.plot.ax.get_title() == "Full Jacobian, m = 2 outputs: operations against n"
    e.controls["n"].value = 18
    assert "R<sup>18</sup> → R<sup>2</sup>" in e.html.value
    assert list(e.plot.current.get_xdata()) == [18, 18]


def test_bad_sizes():
    with pytest.raises(ValueError, match="jacobian_cost: n must be a whole number from 1 to 40, got 0"):
        jacobian_cost(0, 3)
    with pytest.raises(ValueError, match="m must be a whole number"):
        jacobian_cost(3, 2.5)
    with pytest.raises(ValueError, match="n must be a whole number"):
        jacobian_cost(True, 3)
    with pytest.raises(ValueError, match="cost_explorer: n_max must be a whole number from 1 to 40, got 50"):
        cost_explorer(n_max=50)
    with pytest.raises(ValueError, match=r"cost_explorer: m must be a whole number from 1 to n_max = 20, got 25"):
        cost_explorer(m=25)
