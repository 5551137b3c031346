"""Explorer 5: what a full Jacobian costs in forward mode and in reverse mode.

For f: R^n -> R^m, forward mode needs one JVP per input (n passes, one
column each) and reverse mode one VJP per output (m passes, one row each).
`jacobian_cost(n, m)` measures both on a fixed family of functions: the
passes, the primitive operations each mode performs (counted by tracing
`jacfwd(f)` and `jacrev(f)`), the wall time, and, over a sweep of n, where
the two costs cross. `cost_explorer` is the interactive view over it.
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


def family(n: int, m: int, seed: int = 0):
    """f(x) = tanh(W x) * sum(x), with W an m x n matrix drawn from `seed`: R^n -> R^m."""
    W = np.random.default_rng(seed).standard_normal((m, n)) / np.sqrt(n)

    def f(x):
        return P.tanh(P.matmul(W, x)) * P.sum_(x)

    return f, W


def _check(n, m):
    for name, v in (("n", n), ("m", m)):
        if not isinstance(v, (int, np.integer)) or not 1 <= v <= MAX_SIZE:
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


@functools.lru_cache(maxsize=4096)
def operation_counts(n: int, m: int, seed: int = 0) -> tuple:
    """(forward, reverse) primitive operations for the full Jacobian of `family(n, m)`."""
    f, _ = family(n, m, seed)
    x = np.linspace(0.1, 1.0, n)
    return (trace(jacobian_by_passes(f, "forward"), x).count(),
            trace(jacobian_by_passes(f, "reverse"), x).count())


@dataclass(frozen=True)
class JacobianCost:
    """Forward against reverse mode for one (n, m), and a sweep over n.

    Attributes:
        n, m: inputs and outputs.
        forward_passes, reverse_passes: JVPs (n) and VJPs (m) for the full Jacobian.
        forward_ops, reverse_ops: primitive operations each mode performed.
        forward_seconds, reverse_seconds: median wall time of jacfwd and jacrev.
        max_difference: largest |J_forward - J_reverse|.
        jacobian: the Jacobian (m x n), from reverse mode.
        sweep_n, sweep_forward, sweep_reverse: operation counts for n = 1..n_max at this m.
        crossing: the smallest n of the sweep where reverse mode is no costlier
            than forward mode (None if it never is).
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
    crossing: int | None

    @property
    def cheaper(self) -> str:
        """The mode with fewer operations ("forward", "reverse" or "equal")."""
        if self.forward_ops == self.reverse_ops:
            return "equal"
        return "forward" if self.forward_ops < self.reverse_ops else "reverse"


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
    x = np.linspace(0.1, 1.0, n)
    J_forward = jacobian_by_passes(f, "forward")(x)
    J_reverse = jacobian_by_passes(f, "reverse")(x)
    forward_ops, reverse_ops = operation_counts(n, m, seed)
    sweep = [operation_counts(k, m, seed) for k in range(1, n_max + 1)]
    crossing = next((k for k, (fo, ro) in enumerate(sweep, 1) if ro <= fo), None)
    return JacobianCost(
        n, m, n, m, forward_ops, reverse_ops,
        _median_seconds(jacobian_by_passes(f, "forward"), x, repeats),
        _median_seconds(jacobian_by_passes(f, "reverse"), x, repeats),
        float(np.max(np.abs(J_forward - J_reverse))), J_reverse,
        tuple(range(1, n_max + 1)), tuple(s[0] for s in sweep), tuple(s[1] for s in sweep),
        crossing,
    )


def report_html(r: JacobianCost) -> str:
    """The comparison as an HTML table with one sentence of explanation."""
    why = {"forward": f"n = {r.n} inputs is fewer than m = {r.m} outputs: one column per input",
           "reverse": f"m = {r.m} outputs is fewer than n = {r.n} inputs: one row per output",
           "equal": "both modes cost the same here"}[r.cheaper]
    rows = (f"<tr><td>forward (jacfwd)</td><td>{r.forward_passes} JVPs</td>"
            f"<td>{r.forward_ops}</td><td>{1e3 * r.forward_seconds:.2f} ms</td></tr>"
            f"<tr><td>reverse (jacrev)</td><td>{r.reverse_passes} VJPs</td>"
            f"<td>{r.reverse_ops}</td><td>{1e3 * r.reverse_seconds:.2f} ms</td></tr>")
    return (f"<p class='adlab-point'>f: R^{r.n} → R^{r.m}, f(x) = tanh(W x) · sum(x)</p>"
            f"<table><tr><th>mode</th><th>passes</th><th>operations</th><th>time</th></tr>"
            f"{rows}</table><p>Cheaper by operations: <b>{r.cheaper}</b> ({html.escape(why)}). "
            f"The two Jacobians agree to {r.max_difference:.1e}.</p>")


class CostPlot:
    """Operation counts of both modes against n; artists made once and updated."""

    def __init__(self, ax):
        self.ax = ax
        (self.forward,) = ax.plot([1], [1], "o-", markersize=3, color="#1f77b4", label="forward: n JVPs")
        (self.reverse,) = ax.plot([1], [1], "s-", markersize=3, color="#ff7f0e", label="reverse: m VJPs")
        self.current = ax.axvline(1, color="#555555", linestyle=":", label="current n")
        self.cross = ax.axvline(1, color="#2ca02c", linestyle="--", label="costs cross")
        ax.set_xlabel("n (inputs)")
        ax.set_ylabel("primitive operations")
        ax.legend(loc="upper left", fontsize=8)

    def update(self, r: JacobianCost):
        self.forward.set_data(r.sweep_n, r.sweep_forward)
        self.reverse.set_data(r.sweep_n, r.sweep_reverse)
        self.current.set_xdata([r.n, r.n])
        self.cross.set_visible(r.crossing is not None)
        if r.crossing is not None:
            self.cross.set_xdata([r.crossing, r.crossing])
        top = max(max(r.sweep_forward), max(r.sweep_reverse))
        self.ax.set_xlim(0.5, r.sweep_n[-1] + 0.5)
        self.ax.set_ylim(0, 1.05 * top)
        self.ax.set_title(f"full Jacobian, m = {r.m} outputs", fontsize=10)


def cost_explorer(n: int = 5, m: int = 10, n_max: int = 20):
    """Sliders for n inputs and m outputs comparing jacfwd and jacrev.

    Args:
        n, m: starting sizes.
        n_max: the largest n of the slider and the sweep.
    Returns:
        An `Explorer`; display it in a notebook.
    """
    import ipywidgets as w

    from ._base import Explorer, figure, png

    controls = {
        "n": w.IntSlider(value=n, min=1, max=n_max, description="n inputs"),
        "m": w.IntSlider(value=m, min=1, max=n_max, description="m outputs",
                          continuous_update=False),  # a new m re-traces the sweep
    }
    fig = figure(5.6, 3.2, margins=(0.13, 0.97, 0.15, 0.9))
    plot = CostPlot(fig.add_subplot())

    def render(n, m):
        r = jacobian_cost(n, m, n_max=n_max, repeats=1)
        plot.update(r)
        return {"html": report_html(r), "png": png(fig)}

    return Explorer("Forward or reverse mode: the cost of a Jacobian", controls, render)
