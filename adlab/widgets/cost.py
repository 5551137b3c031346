"""Explorer 5: what a full Jacobian costs in forward mode and in reverse mode.

For f: R^n -> R^m, forward mode needs one JVP per input (n passes, one
column each) and reverse mode one VJP per output (m passes, one row each).
`jacobian_cost(n, m)` measures both on a fixed family of functions: the
passes, the primitive operations each mode performs (counted by tracing the
Jacobian built one pass at a time, `jacobian_by_passes`), what one pass
costs, the wall time, and, over a sweep of n, where the two cost curves
cross. `cost_explorer` is the interactive view over it.
"""

from __future__ import annotations

import functools
import html
import time
from dataclasses import dataclass

import numpy as np

from .. import primitives as P
from .. import transforms
from ..errors import AdlabValueError
from ..traces import trace

MAX_SIZE = 40
TIMING_REPEATS = 5  # runs of each mode per redraw; the median is shown


def family(n: int, m: int, seed: int = 0):
    """f(x) = tanh(W x) * sum(x), with W an m x n matrix drawn from `seed`: R^n -> R^m."""
    W = np.random.default_rng(seed).standard_normal((m, n)) / np.sqrt(n)

    def f(x):
        return P.tanh(P.matmul(W, x)) * P.sum_(x)

    return f, W


def _check(n, m):
    """Raise a one-line error unless n and m are whole numbers from 1 to MAX_SIZE."""
    for name, v in (("n", n), ("m", m)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not 1 <= v <= MAX_SIZE:
            raise AdlabValueError(
                f"jacobian_cost: {name} must be a whole number from 1 to {MAX_SIZE}, got {v!r}.")


def jacobian_by_passes(f, mode: str):
    """f's Jacobian as the mode builds it one pass at a time: a JVP per input (forward,
    a column each) or a VJP per output (reverse, a row each).

    adlab.jacfwd and adlab.jacrev do the same arithmetic, but push all the
    passes through at once with vmap; this is the algorithm the explorer counts.
    """
    def jacobian(x):
        n = int(np.prod(np.shape(x)))
        if mode == "forward":
            cols = [transforms.jvp(f, (x,), (np.eye(n)[k],))[1] for k in range(n)]
            return P.stack(cols, axis=-1)
        out, pull = transforms.vjp(f, x)
        m = int(np.prod(np.shape(out)))
        return P.stack([pull(np.eye(m)[j])[0] for j in range(m)])
    return jacobian


def _point(n):
    """The point every count and time is taken at."""
    return np.linspace(0.1, 1.0, n)


@functools.lru_cache(maxsize=4096)
def operation_counts(n: int, m: int, seed: int = 0) -> tuple:
    """(forward, reverse) primitive operations for the full Jacobian of `family(n, m)`."""
    f, _ = family(n, m, seed)
    x = _point(n)
    return (trace(jacobian_by_passes(f, "forward"), x).count(),
            trace(jacobian_by_passes(f, "reverse"), x).count())


@functools.lru_cache(maxsize=4096)
def pass_counts(n: int, m: int, seed: int = 0) -> tuple:
    """(f, JVP, VJP): primitive operations of one evaluation of `family(n, m)`, of one
    forward pass (a JVP, which evaluates f again) and of one reverse pass (a VJP,
    after the one evaluation of f that all reverse passes share)."""
    f, _ = family(n, m, seed)
    x = _point(n)
    primal = trace(f, x).count()
    jvp = trace(lambda x: transforms.jvp(f, (x,), (np.eye(n)[0],))[1], x).count()
    vjp = trace(lambda x: transforms.vjp(f, x)[1](np.eye(m)[0])[0], x).count() - primal
    return primal, jvp, vjp


def crossing_point(ns, forward, reverse):
    """The first n where the two cost curves, drawn as straight segments between
    whole n, meet (interpolated), or None if they do not meet on the sweep."""
    d = np.asarray(reverse, dtype=float) - np.asarray(forward, dtype=float)
    for i in range(len(d)):
        if d[i] == 0:
            return float(ns[i])
        if i and d[i - 1] * d[i] < 0:
            return float(ns[i - 1] + (ns[i] - ns[i - 1]) * d[i - 1] / (d[i - 1] - d[i]))
    return None


@dataclass(frozen=True)
class JacobianCost:
    """Forward against reverse mode for one (n, m), and a sweep over n.

    Attributes:
        n, m: inputs and outputs.
        forward_passes, reverse_passes: JVPs (n) and VJPs (m) for the full Jacobian.
        forward_ops, reverse_ops: primitive operations each mode performed.
        forward_seconds, reverse_seconds: median wall time of building the Jacobian
            one pass at a time (`jacobian_by_passes`) in each mode.
        max_difference: largest |J_forward - J_reverse|.
        jacobian: the Jacobian (m x n), from reverse mode.
        sweep_n, sweep_forward, sweep_reverse: operation counts for n = 1..n_max at this m.
        crossing: the n where the two cost curves of the sweep meet, interpolated
            between whole n as the curves are drawn (None if they do not meet).
        primal_ops, jvp_ops, vjp_ops: operations of one evaluation of f, of one JVP
            and of one VJP (see `pass_counts`).
        repeats: how many runs of each mode the times are the median of.
    """

    n: int
    m: int
    forward_passes: int
    reverse_passes: int
    forward_ops: int
    reverse_ops: int
    forward_seconds: float
    reverse_seconds: float
    max_difference: float
    jacobian: np.ndarray
    sweep_n: tuple
    sweep_forward: tuple
    sweep_reverse: tuple
    crossing: float | None
    primal_ops: int = 0
    jvp_ops: int = 0
    vjp_ops: int = 0
    repeats: int = 1

    @property
    def cheaper(self) -> str:
        """The mode with fewer operations ("forward", "reverse" or "equal")."""
        if self.forward_ops == self.reverse_ops:
            return "equal"
        return "forward" if self.forward_ops < self.reverse_ops else "reverse"

    @property
    def fewer_passes(self) -> str:
        """The mode with fewer passes, from n and m alone ("forward", "reverse" or "equal")."""
        if self.n == self.m:
            return "equal"
        return "forward" if self.n < self.m else "reverse"


def _median_seconds(fn, x, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn(x)
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def jacobian_cost(n: int, m: int, seed: int = 0, n_max: int = 20, repeats: int = 3) -> JacobianCost:
    """Measure the full Jacobian of `family(n, m)` in both modes.

    Args:
        n, m: inputs and outputs, 1 to `MAX_SIZE`.
        seed: the seed of the family's matrix.
        n_max: the sweep runs over n = 1..n_max (operation counts only).
        repeats: timing repeats (the median is kept).
    Returns:
        A `JacobianCost` record.
    Raises:
        AdlabValueError: n or m out of range.
    """
    _check(n, m)
    _check(n_max, m)
    f, _ = family(n, m, seed)
    x = _point(n)
    J_forward = jacobian_by_passes(f, "forward")(x)
    J_reverse = jacobian_by_passes(f, "reverse")(x)
    forward_ops, reverse_ops = operation_counts(n, m, seed)
    sweep = [operation_counts(k, m, seed) for k in range(1, n_max + 1)]
    sweep_n = tuple(range(1, n_max + 1))
    sweep_forward = tuple(s[0] for s in sweep)
    sweep_reverse = tuple(s[1] for s in sweep)
    return JacobianCost(
        n, m, n, m, forward_ops, reverse_ops,
        _median_seconds(jacobian_by_passes(f, "forward"), x, repeats),
        _median_seconds(jacobian_by_passes(f, "reverse"), x, repeats),
        float(np.max(np.abs(J_forward - J_reverse))), J_reverse,
        sweep_n, sweep_forward, sweep_reverse,
        crossing_point(sweep_n, sweep_forward, sweep_reverse),
        *pass_counts(n, m, seed), repeats,
    )


# -- the text a student reads -------------------------------------------------

def _how_many_more(small, big) -> str:
    """How much bigger `big` is than `small`, in words: "4.8 times as many" or "12 % more"."""
    if big >= 2 * small:
        return f"{big / small:.1f} times as many"
    return f"{100 * (big - small) / small:.2g} % more"


def _count(k: int, word: str, plural: str = "") -> str:
    """k and a noun, plural unless k is 1: "1 JVP", "3 JVPs"."""
    return f"{k} {word}" if k == 1 else f"{k} {plural or word + 's'}"


def passes_sentence(r: JacobianCost) -> str:
    """What n against m says: which mode makes fewer passes (no operation counts)."""
    if r.n == r.m:
        return (f"n = m = {r.n}: as many inputs as outputs, so both modes make "
                f"{_count(r.n, 'pass', 'passes')}: {_count(r.n, 'JVP')} or {_count(r.m, 'VJP')}.")
    if r.n < r.m:
        return (f"n = {r.n} is less than m = {r.m} (fewer inputs than outputs), so forward "
                f"mode makes fewer passes: {_count(r.n, 'JVP')} against {_count(r.m, 'VJP')}.")
    return (f"n = {r.n} is more than m = {r.m} (fewer outputs than inputs), so reverse "
            f"mode makes fewer passes: {_count(r.m, 'VJP')} against {_count(r.n, 'JVP')}.")


def operations_sentence(r: JacobianCost) -> str:
    """What the operation counts say: which mode is cheaper, by how much, and why."""
    if r.cheaper == "equal":
        verdict = f"Both modes cost the same: {r.forward_ops} operations each."
    else:
        win, lose = ((("forward", r.forward_ops), ("reverse", r.reverse_ops))
                     if r.cheaper == "forward" else
                     (("reverse", r.reverse_ops), ("forward", r.forward_ops)))
        verdict = (f"{win[0].capitalize()} mode is cheaper: {win[1]} operations against "
                   f"{lose[1]}, {lose[1] - win[1]} fewer ({lose[0]} mode does "
                   f"{_how_many_more(win[1], lose[1])}).")
    per_pass = (f"one JVP costs {r.jvp_ops} operations, one VJP {r.vjp_ops}, and reverse mode "
                f"also evaluates f once first ({r.primal_ops}).")
    if r.cheaper == r.fewer_passes and r.cheaper != "equal":
        why = "Here the mode with fewer passes does fewer operations."
    elif r.fewer_passes == "equal":
        why = "With as many passes in each mode, the cost of a pass decides: " + per_pass
    elif r.cheaper == "equal":
        why = "The extra passes are balanced by cheaper passes: " + per_pass
    else:
        why = "Here fewer passes is not enough: " + per_pass
    return f"{verdict} {why}"


def _equation(terms: str, total: int, value: int) -> str:
    """"terms = total" if the arithmetic `value` of the terms is the total, else the total."""
    return f"{terms} = {total}" if value == total else str(total)


def counted_sentence(r: JacobianCost) -> str:
    """What the operation counts count, and how they add up from one pass."""
    fw = _equation(f"{r.n} × {r.jvp_ops} + 1", r.forward_ops, r.n * r.jvp_ops + 1)
    rv = _equation(f"{r.primal_ops} + {r.m} × {r.vjp_ops} + 1", r.reverse_ops,
                   r.primal_ops + r.m * r.vjp_ops + 1)
    return (f"The primitive operations (matmul, tanh, sum, mul, ...) applied to values "
            f"that depend on x, as adlab.trace records them while the Jacobian is built one "
            f"pass at a time. Forward mode: {fw} (each JVP evaluates f again, "
            f"{r.primal_ops} operations, and carries a tangent through it, "
            f"{r.jvp_ops - r.primal_ops} more). Reverse mode: {rv} (f once, then "
            f"{r.vjp_ops} for each VJP). The 1 stacks the columns or rows into J.")


def time_sentence(r: JacobianCost) -> str:
    """The measured times, and which mode they favour."""
    fw, rv = 1e3 * r.forward_seconds, 1e3 * r.reverse_seconds
    if f"{fw:.2f}" == f"{rv:.2f}":
        verdict = "the same time"
    elif fw < rv:
        verdict = "forward mode was faster"
    else:
        verdict = "reverse mode was faster"
    return (f"Wall clock in this kernel, median of {r.repeats} runs of each mode: forward {fw:.2f} ms, reverse {rv:.2f} ms: {verdict}. Times include "
            f"Python's overhead and vary from run to run; the operation counts do not.")


def format_n(x: float) -> str:
    """An n for the text and the legend: "4" for a whole n, "14.8" between whole n."""
    return str(int(round(x))) if abs(x - round(x)) < 1e-9 else f"{x:.1f}"


def sweep_sentence(r: JacobianCost) -> str:
    """Where the cost curves cross at this m, and which mode is cheaper on either side."""
    cheaper = {"forward": [], "reverse": [], "equal": []}
    for k, fo, ro in zip(r.sweep_n, r.sweep_forward, r.sweep_reverse):
        cheaper["forward" if fo < ro else "reverse" if ro < fo else "equal"].append(k)
    fwd, rev, eq = cheaper["forward"], cheaper["reverse"], cheaper["equal"]
    if r.crossing is None:
        mode = "forward" if fwd else "reverse"
        where = (f"At m = {r.m} the curves do not cross for n up to {r.sweep_n[-1]}: "
                 f"{mode} mode is cheaper for every n of the plot.")
    elif fwd and rev and max(fwd) < min(rev):
        tie = f", both cost the same at n = {eq[0]}" if eq == [max(fwd) + 1] else ""
        where = (f"At m = {r.m} the cost curves cross at n = {format_n(r.crossing)}: "
                 f"forward mode is cheaper for n up to {max(fwd)}{tie}, and reverse mode "
                 f"from n = {min(rev)} on.")
    else:
        where = f"At m = {r.m} the cost curves cross at n = {format_n(r.crossing)}."
    return where


RULE_OF_THUMB = ("Forward mode for fewer inputs than outputs, reverse mode for fewer outputs "
                 "than inputs, such as a gradient (m = 1).")


def _row(cells, tag="td"):
    """One table row, its cells spaced apart."""
    return "<tr>" + "".join(f"<{tag} style='padding:2px 18px 2px 0;text-align:left'>{c}</{tag}>"
                            for c in cells) + "</tr>"


def report_html(r: JacobianCost) -> str:
    """The comparison as an HTML table and short paragraphs of explanation."""
    table = (_row(["mode", "passes", "operations", "measured time"], "th")
             + _row(["forward mode", f"n = {_count(r.n, 'JVP')}, one column each",
                     r.forward_ops, f"{1e3 * r.forward_seconds:.2f} ms"])
             + _row(["reverse mode", f"m = {_count(r.m, 'VJP')}, one row each",
                     r.reverse_ops, f"{1e3 * r.reverse_seconds:.2f} ms"]))
    paragraphs = [("Passes", passes_sentence(r)), ("Operations", operations_sentence(r)),
                  ("What is counted", counted_sentence(r)), ("Measured time", time_sentence(r)),
                  ("Where the curves cross", sweep_sentence(r)), ("Rule of thumb", RULE_OF_THUMB),
                  ("Check", f"The two Jacobians agree; largest difference "
                            f"{r.max_difference:.1e}.")]
    text = "".join(f"<p><b>{h}.</b> {html.escape(s)}</p>" for h, s in paragraphs)
    return (f"<p class='adlab-point'>f: R<sup>{r.n}</sup> → R<sup>{r.m}</sup>, "
            f"f(x) = tanh(W x) · sum(x), W a fixed {r.m} × {r.n} matrix</p>"
            f"<table style='border-collapse:collapse'>{table}</table>{text}")


# -- the picture --------------------------------------------------------------

class CostPlot:
    """Operation counts of both modes against n, with the current n and the crossing.

    Artists are made once and updated; the legend (outside the axes, on the
    right) is remade at each update so that it lists only what is drawn.
    """

    def __init__(self):
        from matplotlib.ticker import MaxNLocator

        from ._base import figure

        self.fig = figure(8.0, 4.0, margins=(0.095, 0.68, 0.14, 0.9))
        self.ax = ax = self.fig.add_subplot()
        (self.forward,) = ax.plot([1], [1], "o-", markersize=4, color="#1f77b4")
        (self.reverse,) = ax.plot([1], [1], "s-", markersize=4, color="#ff7f0e")
        self.current = ax.axvline(1, color="#555555", linestyle=":")
        self.cross = ax.axvline(1, color="#2ca02c", linestyle="--")
        ax.set_xlabel("n (inputs)")
        ax.set_ylabel("primitive operations")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
        ax.yaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))

    def update(self, r: JacobianCost):
        """Draw the sweep of `r` (data and text; `png` renders it)."""
        from ._base import style

        self.forward.set_data(r.sweep_n, r.sweep_forward)
        self.reverse.set_data(r.sweep_n, r.sweep_reverse)
        self.current.set_xdata([r.n, r.n])
        self.cross.set_visible(r.crossing is not None)
        if r.crossing is not None:
            self.cross.set_xdata([r.crossing, r.crossing])
        labels = {self.forward: "forward: n JVPs", self.reverse: f"reverse: {_count(r.m, 'VJP')}",
                  self.current: f"your n = {r.n}"}
        if r.crossing is not None:
            labels[self.cross] = f"cross at n = {format_n(r.crossing)}"
        top = max(max(r.sweep_forward), max(r.sweep_reverse))
        self.ax.set_xlim(0.5, r.sweep_n[-1] + 0.5)
        self.ax.set_ylim(0, 1.05 * top)
        self.ax.legend(list(labels), list(labels.values()), loc="upper left",
                       bbox_to_anchor=(1.03, 1.0), borderaxespad=0.0, frameon=False)
        style(self.ax, f"Full Jacobian, m = {_count(r.m, 'output')}: operations against n")

    def png(self) -> bytes:
        """The figure as PNG bytes."""
        from ._base import png

        return png(self.fig)


def cost_explorer(n: int = 5, m: int = 10, n_max: int = 20):
    """Sliders for n inputs and m outputs comparing forward and reverse mode.

    Args:
        n, m: starting sizes (1 to n_max).
        n_max: the largest n and m of the sliders and of the sweep (1 to `MAX_SIZE`).
    Returns:
        An `Explorer`; display it in a notebook.
    Raises:
        AdlabValueError: n_max, n or m out of range.
    """
    import ipywidgets as w

    from ._base import Explorer

    if isinstance(n_max, bool) or not isinstance(n_max, (int, np.integer)) \
            or not 1 <= n_max <= MAX_SIZE:
        raise AdlabValueError(
            f"cost_explorer: n_max must be a whole number from 1 to {MAX_SIZE}, got {n_max!r}.")
    for name, v in (("n", n), ("m", m)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not 1 <= v <= n_max:
            raise AdlabValueError(
                f"cost_explorer: {name} must be a whole number from 1 to n_max = {n_max}, "
                f"got {v!r}.")
    # a redraw takes well under 0.1 s (a new m traces the sweep once; counts are cached),
    # so both sliders redraw while they are dragged
    controls = {
        "n": w.IntSlider(value=n, min=1, max=n_max, description="n inputs",
                         continuous_update=True),
        "m": w.IntSlider(value=m, min=1, max=n_max, description="m outputs",
                         continuous_update=True),
    }
    plot = CostPlot()

    def render(n, m):
        r = jacobian_cost(n, m, n_max=n_max, repeats=TIMING_REPEATS)
        plot.update(r)
        return {"html": report_html(r), "png": plot.png()}

    explorer = Explorer("Forward or reverse mode: the cost of a Jacobian", controls, render)
    explorer.plot = plot
    return explorer
