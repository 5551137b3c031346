"""Explorer 4: gradient descent on a function of two variables, with gradients from AD.

`gradient_descent(f, start, lr, steps)` runs x_{k+1} = x_k - lr * grad f(x_k)
from a starting point, with each gradient from reverse-mode AD, and returns
the picture's data as one frozen record: f on a grid for the contour plot, a
coarse field of AD gradients for the arrows (one reverse pass over the whole
grid: for a formula applied entry by entry, the gradient of the sum over the
grid is the field of gradients), the path with f and the gradient norm at
each point, and the curvature at the start (the largest eigenvalue L of the
Hessian, by forward-over-reverse AD) that bounds a stable learning rate,
lr < 2 / L. A path that blows up is stopped and reported in `message`, not
raised. `descent_explorer` is the interactive view over it.
"""

from __future__ import annotations

import functools
import html
import io
import math
from dataclasses import dataclass

import numpy as np

from .. import transforms
from ..errors import AdlabTypeError, AdlabValueError
from ..expressions import Expression, parse


@dataclass(frozen=True)
class Preset:
    """A function to explore, with a box to draw and a start that shows something."""

    formula: str
    box: tuple
    start: tuple
    lr: float
    steps: int


PRESETS = {
    "bowl x² + 10 y²": Preset("x^2 + 10*y^2", ((-3.0, 3.0), (-3.0, 3.0)), (2.5, 1.5), 0.08, 40),
    "Rosenbrock": Preset("(1 - x)^2 + 100*(y - x^2)^2", ((-2.0, 2.0), (-1.0, 3.0)),
                         (-1.2, 1.0), 0.001, 400),
    "Himmelblau": Preset("(x^2 + y - 11)^2 + (x + y^2 - 7)^2", ((-5.0, 5.0), (-5.0, 5.0)),
                         (0.0, 0.0), 0.01, 60),
    "saddle and two minima": Preset("x^2 - y^2 + y^4/2", ((-2.0, 2.0), (-2.0, 2.0)),
                                    (1.8, 0.01), 0.05, 120),
}
DEFAULT_BOX = ((-3.0, 3.0), (-3.0, 3.0))
ESCAPE = 1000.0  # a path farther than this many half-widths of the box from its centre diverged
MAX_STEPS = 100_000
GRID = 81  # points per side of the contour grid
ARROWS = 15  # arrows per side of the gradient field


@dataclass(frozen=True)
class GradientDescent:
    """A gradient-descent run and the data to draw it.

    Attributes:
        formula: the formula's text (or the function's name).
        start, lr, steps: the starting point, learning rate and steps asked for.
        box: ((xmin, xmax), (ymin, ymax)), the region of the grids.
        X, Y, Z: the contour grid (each GRID x GRID) and f on it (nan where undefined).
        AX, AY, GX, GY: the arrow grid and the AD gradient (df/dx, df/dy) there.
        path: the points x_0 .. x_k, shape (k + 1, 2).
        values: f at each point of the path.
        gradients: the AD gradient at each point of the path, shape (k + 1, 2).
        grad_norms: the gradient's Euclidean norm at each point.
        steps_taken: k, the updates made (less than `steps` when the path diverged).
        diverged: True when the run was stopped because it blew up.
        message: why it stopped early and what to try, or None.
        curvature: the largest Hessian eigenvalue L at the start (nan if undefined).
        lr_limit: 2 / L, the largest stable learning rate for the local quadratic
            model at the start (inf when L <= 0: no curvature bound there).
    """

    formula: str
    start: tuple
    lr: float
    steps: int
    box: tuple
    X: np.ndarray
    Y: np.ndarray
    Z: np.ndarray
    AX: np.ndarray
    AY: np.ndarray
    GX: np.ndarray
    GY: np.ndarray
    path: np.ndarray
    values: np.ndarray
    gradients: np.ndarray
    grad_norms: np.ndarray
    steps_taken: int
    diverged: bool
    message: str | None
    curvature: float
    lr_limit: float

    @property
    def final(self) -> tuple:
        """The last point reached, (x, y)."""
        return float(self.path[-1, 0]), float(self.path[-1, 1])

    @property
    def final_value(self) -> float:
        """f at the last point."""
        return float(self.values[-1])

    @property
    def final_grad_norm(self) -> float:
        """The gradient norm at the last point."""
        return float(self.grad_norms[-1])


@functools.lru_cache(maxsize=64)
def _parse_xy(text: str) -> Expression:
    return parse(text, variables=("x", "y"))


def _as_function(f):
    """(function of x and y, name, cache key) for a formula, an Expression or a function."""
    if isinstance(f, str):
        return _parse_xy(f), f.strip(), f.strip()
    if isinstance(f, Expression):
        return _as_function(f.text)
    if callable(f):
        return f, getattr(f, "__name__", "f"), f
    raise AdlabTypeError(
        f"gradient_descent: f must be a formula in x and y (text), a parsed Expression or a "
        f"function of two values built from adlab operations, got {type(f).__name__}."
    )


def _check_box(box):
    try:
        (x0, x1), (y0, y1) = box
        box = ((float(x0), float(x1)), (float(y0), float(y1)))
    except (TypeError, ValueError):
        raise AdlabValueError(
            f"gradient_descent: box must be ((xmin, xmax), (ymin, ymax)), got {box!r}."
        ) from None
    for lo, hi in box:
        if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
            raise AdlabValueError(
                f"gradient_descent: box {box} needs finite limits with min < max on each axis."
            )
    return box


def _field(fn, X, Y):
    """f on the grid and its gradient there, vectorised: one reverse pass over the sum."""
    from ..primitives import sum_

    Z = np.broadcast_to(np.asarray(fn(X, Y), dtype=float), X.shape)
    GX, GY = transforms.grad(lambda x, y: sum_(fn(x, y)), argnums=(0, 1))(X, Y)
    GX = np.broadcast_to(np.asarray(GX, dtype=float), X.shape)
    GY = np.broadcast_to(np.asarray(GY, dtype=float), X.shape)
    return Z, GX, GY


@functools.lru_cache(maxsize=32)
def _grids(key, fn, box, grid, arrows):
    """Contour grid and arrow field for one function and box (cached: sliders reuse them)."""
    (x0, x1), (y0, y1) = box
    X, Y = np.meshgrid(np.linspace(x0, x1, grid), np.linspace(y0, y1, grid))
    with np.errstate(all="ignore"):
        Z = _field(fn, X, Y)[0].copy()
        Z[~np.isfinite(Z)] = np.nan
        # arrows at cell centres, so none sits exactly on the box's edge
        ax_ = x0 + (np.arange(arrows) + 0.5) * (x1 - x0) / arrows
        ay_ = y0 + (np.arange(arrows) + 0.5) * (y1 - y0) / arrows
        AX, AY = np.meshgrid(ax_, ay_)
        _, GX, GY = _field(fn, AX, AY)
    arrays = [X, Y, Z, AX, AY, np.array(GX), np.array(GY)]
    for a in arrays:
        a.flags.writeable = False
    return tuple(arrays)


def curvature(f, point) -> float:
    """The largest eigenvalue of f's Hessian at a point (forward over reverse AD).

    Args:
        f: a formula in x and y, an `Expression` or a function of two adlab values.
        point: (x, y).
    Returns:
        The largest Hessian eigenvalue, or nan where the Hessian is not finite.
    """
    fn = _as_function(f)[0]
    with np.errstate(all="ignore"):
        H = np.asarray(transforms.hessian(lambda v: fn(v[0], v[1]))(
            np.array([float(point[0]), float(point[1])])), dtype=float)
    if H.shape != (2, 2) or not np.all(np.isfinite(H)):
        return math.nan
    return float(np.linalg.eigvalsh((H + H.T) / 2)[-1])


def gradient_descent(f, start, lr: float, steps: int, box=DEFAULT_BOX, grid: int = GRID,
                     arrows: int = ARROWS) -> GradientDescent:
    """Run gradient descent x_{k+1} = x_k - lr * grad f(x_k) with AD gradients.

    Args:
        f: a formula in x and y such as ``"x^2 + 10*y^2"``, an `Expression`, or a
            function of two adlab values (it must also accept numpy arrays, entry
            by entry, for the grids).
        start: the starting point (x, y).
        lr: the learning rate (step size), > 0.
        steps: the number of updates, >= 0.
        box: ((xmin, xmax), (ymin, ymax)), the region of the contour grid and arrows;
            a path farther than ESCAPE half-widths from its centre counts as diverged.
        grid: contour grid points per side.
        arrows: gradient arrows per side.
    Returns:
        A `GradientDescent` record. When the path diverges (a non-finite value or
        a point far outside the box) it stops there and `message` says why and
        which learning rate to try; nothing is raised.
    Raises:
        AdlabValueError: lr, steps, start or box is invalid, the formula cannot be
            read, or f is not defined at the start.
    """
    fn, name, key = _as_function(f)
    lr = float(lr)
    if not (math.isfinite(lr) and lr > 0):
        raise AdlabValueError(
            f"gradient_descent: the learning rate must be a positive number, got {lr}; try 0.01."
        )
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or not (
            0 <= steps <= MAX_STEPS):
        raise AdlabValueError(
            f"gradient_descent: steps must be a whole number from 0 to {MAX_STEPS}, got {steps!r}."
        )
    steps = int(steps)
    try:
        x, y = (float(v) for v in start)
    except (TypeError, ValueError):
        raise AdlabValueError(
            f"gradient_descent: start must be a point (x, y) of two numbers, got {start!r}."
        ) from None
    if not (math.isfinite(x) and math.isfinite(y)):
        raise AdlabValueError(f"gradient_descent: the start ({x}, {y}) must be finite numbers.")
    box = _check_box(box)
    (bx0, bx1), (by0, by1) = box
    cx, cy, hx, hy = (bx0 + bx1) / 2, (by0 + by1) / 2, (bx1 - bx0) / 2, (by1 - by0) / 2

    value_and_grad = transforms.value_and_grad(fn, argnums=(0, 1))
    L = curvature(fn, (x, y))
    limit = 2.0 / L if L > 0 else math.inf
    points, values, grads = [(x, y)], [], []
    message = None
    with np.errstate(all="ignore"):
        for k in range(steps + 1):
            x, y = points[-1]
            v, (gx, gy) = value_and_grad(x, y)
            v, gx, gy = float(v), float(gx), float(gy)
            values.append(v)
            grads.append((gx, gy))
            finite = math.isfinite(v) and math.isfinite(gx) and math.isfinite(gy)
            if k == 0 and not finite:
                raise AdlabValueError(
                    f"f = {name} is not defined at the start ({x:g}, {y:g}) (f = {v}, "
                    f"gradient = ({gx}, {gy})); move the start."
                )
            escaped = max(abs(x - cx) / hx, abs(y - cy) / hy) > ESCAPE
            if not finite or escaped:
                message = _divergence(name, points, values, lr, limit, finite)
                break
            if k == steps:
                break
            points.append((x - lr * gx, y - lr * gy))
    path = np.array(points, dtype=float)
    gradients = np.array(grads, dtype=float)
    X, Y, Z, AX, AY, GX, GY = _grids(key, fn, box, int(grid), int(arrows))
    return GradientDescent(
        name, (float(path[0, 0]), float(path[0, 1])), lr, steps, box, X, Y, Z, AX, AY, GX, GY,
        path, np.array(values, dtype=float), gradients, np.hypot(gradients[:, 0], gradients[:, 1]),
        len(points) - 1, message is not None, message, L, limit,
    )


def _limit_hint(lr, limit):
    if math.isfinite(limit) and limit < lr:
        return (f"the curvature at the start allows steps up to 2/L = {limit:.3g}; "
                f"try below {limit:.3g}")
    return f"try a smaller one, e.g. {lr / 4:.3g}"


def _divergence(name, points, values, lr, limit, finite):
    """The message for a path stopped at its last point."""
    k = len(points) - 1
    x, y = points[-1]
    v = values[-1]
    steps = f"{k} step{'s' if k != 1 else ''}"
    if not finite and math.isnan(v) and math.isfinite(x) and math.isfinite(y):
        return (f"stopped after {steps}: f = {name} is not defined at ({x:.4g}, {y:.4g}), "
                f"where the path left f's domain; try a smaller learning rate than {lr:g} or "
                f"another start.")
    if math.isfinite(v) and v < values[0]:
        return (f"diverged after {steps}: f keeps decreasing (f = {v:.3g} at ({x:.3g}, {y:.3g})): "
                f"this function has no minimum in that direction, whatever the learning rate; "
                f"move the start or change the function.")
    return (f"diverged after {steps}: the learning rate {lr:g} is too large for this function "
            f"(f grew from {values[0]:.3g} to {v:.3g}); {_limit_hint(lr, limit)}.")


# -- view ------------------------------------------------------------------------


DIGITS = 4  # significant digits of the numbers in the text pane


def _num(v, digits=DIGITS):
    """A number with `digits` significant digits; inf and nan as words."""
    return f"{v:.{digits}g}" if math.isfinite(v) else str(v)


def report_html(r: GradientDescent) -> str:
    """The run's numbers as HTML: the update rule, the final point, f and the gradient norm."""
    fx, fy = r.final
    if math.isfinite(r.curvature):
        bound = (f"largest Hessian eigenvalue at the start L = {_num(r.curvature)}, "
                 + (f"so steps are stable there for lr &lt; 2/L = {_num(r.lr_limit)}"
                    if math.isfinite(r.lr_limit) else "no curvature bound on lr there"))
    else:
        bound = "the Hessian is not defined at the start"
    status = "stopped early (see the message)" if r.diverged else "done"
    return (f"<p>$x_{{k+1}} = x_k - \\eta\\,\\nabla f(x_k)$ with $\\eta$ = {r.lr:.4g} on "
            f"f = {html.escape(r.formula)}</p>"
            f"<table class='adlab-descent'>"
            f"<tr><td>start</td><td>({_num(r.start[0])}, {_num(r.start[1])})</td>"
            f"<td>f = {_num(float(r.values[0]))}</td></tr>"
            f"<tr><td>after {r.steps_taken} of {r.steps} steps ({status})</td>"
            f"<td>({_num(fx)}, {_num(fy)})</td><td>f = {_num(r.final_value)}</td></tr>"
            f"<tr><td>gradient norm</td><td colspan='2'>|∇f| = {_num(r.final_grad_norm)}"
            f"</td></tr></table><p>{bound}.</p>")


def _power_label(v, _pos=None):
    """Tick label of a power of ten without mathtext: 0.01, 1, 100, 1e-05, 1e+06."""
    return f"{v:g}"


LEVELS = 16  # contour lines in a picture


def contour_levels(Z, count: int = LEVELS) -> np.ndarray:
    """Contour levels for f on a grid, spaced evenly in log(f - min f).

    Valleys and bowls (Rosenbrock's f spans 0 to 2500 in its box, with the
    minimum in a narrow curved valley) get lines near the bottom as well as on
    the walls; evenly spaced or quantile levels leave the valley empty. The
    levels run from min f plus a thousandth of the spread (or the 1 % quantile
    of f - min f, if larger) to the 98 % quantile, so a few huge values at the
    box's corners do not take every line. nan entries are ignored; fewer than
    two finite distinct values give no levels.
    """
    finite = np.asarray(Z, dtype=float)
    finite = finite[np.isfinite(finite)]
    if finite.size < 2:
        return np.array([])
    lowest = float(finite.min())
    above = finite - lowest
    above = above[above > 0]
    if above.size == 0:
        return np.array([])
    top = float(np.quantile(above, 0.98))
    bottom = max(float(np.quantile(above, 0.01)), 1e-3 * top)
    if not top > bottom:
        return np.unique(lowest + np.array([bottom, top]))
    return np.unique(lowest + np.geomspace(bottom, top, count))


class DescentPlot:
    """Contours, the negative-gradient field, the path; and |grad f| against the step.

    Contours, arrows, axes and legend of the left panel change only with the
    function or the box: they are drawn once into a saved background. A
    redraw restores it, draws the path on top, draws the right panel and
    encodes the pixels (`png`), about half the time of a full draw.
    """

    DPI = 100  # the resolution of `adlab.widgets._base.png`

    def __init__(self, fig):
        from matplotlib.lines import Line2D
        from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

        from ._base import TEXT_PT, style

        grid = fig.add_gridspec(1, 2, width_ratios=(1.3, 1.0), wspace=0.3)
        self.ax = ax = fig.add_subplot(grid[0])
        self.ax_norm = an = fig.add_subplot(grid[1])
        self.fig = fig
        fig.set_dpi(self.DPI)
        self.key = None
        self.draws = 0  # pictures made by `png`
        self.contours = None
        self.quiver = None
        self.background = None
        (self.path,) = ax.plot([0], [0], "-o", color="#d62728", ms=2.5, lw=1.2, zorder=4,
                               label="path x_k")
        (self.start,) = ax.plot([0], [0], "o", color="#2ca02c", ms=7, zorder=5, label="start")
        (self.end,) = ax.plot([0], [0], "*", color="black", ms=11, zorder=6, label="last point")
        arrow = Line2D([], [], color="#7f7f7f", marker=">", ms=5, lw=1.2,
                       label="-∇f (direction)")
        ax.set_xlabel("x")
        ax.set_ylabel("y")
        style(ax, "contours of f(x, y), path of descent")
        # the legend under both panels, in one row: it covers no contour and no curve
        fig.legend(handles=[self.path, self.start, self.end, arrow], loc="lower center",
                   bbox_to_anchor=(0.5, 0.0), ncol=4, fontsize=TEXT_PT, frameon=False,
                   handletextpad=0.4, columnspacing=1.6, borderaxespad=0.2)
        (self.norm,) = an.semilogy([0, 1], [1, 1], color="#d62728", lw=1.3)
        an.set_xlabel("step k")
        an.grid(True, which="major", alpha=0.3)
        # plain "1e-3" labels and no minor ticks: mathtext tick labels double the draw time
        an.yaxis.set_major_locator(LogLocator(base=10.0, numticks=6))
        an.yaxis.set_minor_locator(NullLocator())
        an.yaxis.set_major_formatter(FuncFormatter(_power_label))
        style(an, "gradient norm |∇f(x_k)|")
        for a in (ax, an):  # titles at a fixed height: not placed anew at every draw
            a.set_title(a.get_title(), fontsize=a.title.get_fontsize(), y=1.0)

    def _draw_field(self, r: GradientDescent):
        ax = self.ax
        if self.contours is not None:
            self.contours.remove()
            self.quiver.remove()
        levels = contour_levels(r.Z)
        if len(levels) >= 2:
            self.contours = ax.contour(r.X, r.Y, np.ma.masked_invalid(r.Z), levels=levels,
                                       cmap="viridis", linewidths=0.8, zorder=1)
        else:  # a constant function: no contour lines
            self.contours = ax.contour(r.X, r.Y, np.ma.masked_all(r.Z.shape), levels=[0.0])
        norm = np.hypot(r.GX, r.GY)
        with np.errstate(all="ignore"):
            U = np.where(norm > 0, -r.GX / norm, 0.0)
            V = np.where(norm > 0, -r.GY / norm, 0.0)
        (x0, x1), (y0, y1) = r.box
        cell = 0.42 * min((x1 - x0) / r.AX.shape[1], (y1 - y0) / r.AX.shape[0])
        self.quiver = ax.quiver(r.AX, r.AY, U * cell, V * cell, angles="xy", scale_units="xy",
                                scale=1.0, color="#7f7f7f", width=0.004, zorder=2)
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        self.background = None

    def update(self, r: GradientDescent):
        key = (r.formula, r.box, r.X.shape)
        if key != self.key:
            self._draw_field(r)
            self.key = key
        self.path.set_data(r.path[:, 0], r.path[:, 1])
        self.path.set_markersize(2.5 if r.steps_taken <= 80 else 0.0)  # long paths: a line
        self.start.set_data([r.path[0, 0]], [r.path[0, 1]])
        self.end.set_data([r.path[-1, 0]], [r.path[-1, 1]])
        an = self.ax_norm
        ks = np.arange(len(r.grad_norms))
        norms = np.where(np.isfinite(r.grad_norms), np.maximum(r.grad_norms, 1e-16), np.nan)
        self.norm.set_data(ks, norms)
        an.set_xlim(0, max(1, r.steps_taken))
        good = norms[np.isfinite(norms)]
        lo, hi = (good.min(), good.max()) if good.size else (1e-16, 1.0)
        an.set_ylim(lo / 3, hi * 3)

    def png(self) -> bytes:
        """The figure as PNG bytes: the saved background, the path and the right panel."""
        from PIL import Image

        canvas = self.fig.canvas
        self.draws += 1
        dynamic = (self.path, self.start, self.end)
        if self.background is None:
            for a in dynamic + (self.ax_norm,):
                a.set_visible(False)
            canvas.draw()
            self.background = canvas.copy_from_bbox(self.fig.bbox)
            for a in dynamic + (self.ax_norm,):
                a.set_visible(True)
        else:
            canvas.restore_region(self.background)
        for a in dynamic:
            self.ax.draw_artist(a)
        self.ax_norm.draw(canvas.get_renderer())
        buf = io.BytesIO()
        rgba = canvas.buffer_rgba()
        # the figure is opaque: RGB encodes about a fifth faster and smaller than RGBA
        Image.frombuffer("RGBA", (rgba.shape[1], rgba.shape[0]), rgba, "raw", "RGBA", 0, 1
                         ).convert("RGB").save(buf, format="png", compress_level=3)
        return buf.getvalue()


FIGSIZE = (8.4, 4.2)  # inches at DPI 100: an 840 x 420 px picture
MARGINS = (0.09, 0.96, 0.24, 0.92)  # left, right, bottom (room for the legend), top
START_STEP = 0.01  # the start sliders' step: every preset's start is on this grid
LR_STEP = 0.05  # the learning-rate slider's step, in log10(lr)
LR_EXPONENTS = (-4.0, 0.0)  # its range, in log10(lr), before the shift of `lr_exponents`


def new_plot() -> DescentPlot:
    """A DescentPlot on its own figure, the size the explorer shows."""
    from ._base import figure

    return DescentPlot(figure(*FIGSIZE, margins=MARGINS))


def lr_exponents(lr: float) -> tuple:
    """(min, max) in log10 for the learning-rate slider, shifted so that lr is on its grid.

    A browser's slider snaps a value to min + k * step; 0.05 and 0.08 are not
    powers of 10 ** 0.05, so a fixed grid would turn them into 0.0501 and
    0.0794. The shift (under half a step) keeps the range about 1e-4 to 1.
    """
    lo, hi = LR_EXPONENTS
    try:
        e = math.log10(float(lr))
    except (TypeError, ValueError, OverflowError):  # not a positive number: the widget says so
        return lo, hi
    if not math.isfinite(e):
        return lo, hi
    shift = e - (lo + round((e - lo) / LR_STEP) * LR_STEP)
    return lo + shift, hi + shift


def _settle(v: float) -> float:
    """v to 12 significant digits: a browser slider sends back 0.009999999999999787 for 0.01."""
    return float(f"{float(v):.12g}")


def _set_range(slider, lo, hi):
    """Change a slider's min and max in an order the widget accepts."""
    if lo > slider.max:
        slider.max = hi
        slider.min = lo
    else:
        slider.min = lo
        slider.max = hi


def descent_explorer(preset: str = "bowl x² + 10 y²", formula: str | None = None,
                     start=None, lr: float | None = None, steps: int | None = None):
    """Gradient descent on a function of x and y, with sliders for the learning rate and start.

    Args:
        preset: one of `PRESETS` (its box, start, learning rate and steps are the defaults).
        formula: a formula in x and y to use instead of the preset's.
        start, lr, steps: override the preset's starting point, learning rate and steps.
    Returns:
        An `Explorer`; display it in a notebook.
    """
    import ipywidgets as w

    from ._base import Explorer

    if preset not in PRESETS:
        raise AdlabValueError(
            f"descent_explorer: unknown preset {preset!r}; choose one of {', '.join(PRESETS)}."
        )
    p = PRESETS[preset]
    formula = p.formula if formula is None else formula
    start = p.start if start is None else start
    lr = p.lr if lr is None else lr
    steps = p.steps if steps is None else steps
    (bx0, bx1), (by0, by1) = p.box
    lr_lo, lr_hi = lr_exponents(lr)
    state = {"box": p.box, "busy": False, "explorer": None, "key": None, "out": None}
    controls = {
        "preset": w.Dropdown(options=list(PRESETS) + ["custom"],
                             value=preset if formula == p.formula else "custom",
                             description="preset"),
        "formula": w.Text(value=formula, description="f(x, y) =", continuous_update=False),
        "lr": w.FloatLogSlider(value=lr, base=10, min=lr_lo, max=lr_hi, step=LR_STEP,
                               description="learning rate", readout_format=".3g",
                               continuous_update=False),
        "steps": w.IntSlider(value=steps, min=0, max=500, step=1, description="steps"),
        "x0": w.FloatSlider(value=start[0], min=bx0, max=bx1, step=START_STEP,
                            description="start x", continuous_update=False),
        "y0": w.FloatSlider(value=start[1], min=by0, max=by1, step=START_STEP,
                            description="start y", continuous_update=False),
    }
    for c in controls.values():
        c.style.description_width = "100px"

    # A browser's slider rounds each value or range it is sent to its own grid (float
    # noise: 1.8 comes back as 1.7999999999999998) and, with continuous_update, sends
    # the result back; such an echo of the old value, arriving after a preset set the
    # new one, would undo it. So the sliders a preset sets send their value only when
    # the student lets go of them (or presses an arrow key), and `render` ignores noise.

    def move(slider, lo, hi, value):
        """Set a start slider's range and value so that no state the browser sees on the
        way clamps a value: widen the range to hold both views, set the value, then
        narrow it. (Every box has whole-number limits: the grid of step START_STEP,
        which every preset's start is on, stays the same.)"""
        slider.min, slider.max = min(lo, slider.min), max(hi, slider.max)
        slider.value = value
        slider.min, slider.max = lo, hi

    def preset_chosen(change):
        """Set every control the preset defines, then draw once."""
        if change["new"] not in PRESETS:
            return
        q = PRESETS[change["new"]]
        state["busy"] = True  # one redraw for the whole preset, not one per control
        try:
            state["box"] = q.box
            controls["formula"].value = q.formula
            move(controls["x0"], *q.box[0], q.start[0])
            move(controls["y0"], *q.box[1], q.start[1])
            with controls["lr"].hold_sync():  # its grid moves with the preset: lr_exponents
                _set_range(controls["lr"], *lr_exponents(q.lr))
                controls["lr"].value = q.lr
            controls["steps"].value = q.steps
        finally:
            state["busy"] = False
        state["explorer"].update()

    def formula_typed(change):
        name = controls["preset"].value
        if not state["busy"] and name in PRESETS and change["new"] != PRESETS[name].formula:
            state["busy"] = True
            try:
                controls["preset"].value = "custom"
            finally:
                state["busy"] = False

    controls["preset"].observe(preset_chosen, names="value")
    controls["formula"].observe(formula_typed, names="value")
    plot = new_plot()

    def render(preset, formula, lr, steps, x0, y0):
        """Run and draw; the last picture again while a preset is being set, or when
        nothing that matters changed (the preset's name, a browser's rounding echo)."""
        if state["busy"] and state["out"] is not None:
            return state["out"]
        key = (formula, _settle(lr), steps, _settle(x0), _settle(y0), state["box"])
        if key == state["key"]:
            return state["out"]
        r = gradient_descent(formula, (key[3], key[4]), key[1], steps, box=state["box"])
        plot.update(r)
        out = {"html": report_html(r), "png": plot.png(), "message": r.message}
        state["key"], state["out"] = key, out
        return out

    explorer = Explorer("Gradient descent with AD gradients", controls, render)
    explorer.plot = plot  # its `draws` counts the pictures made
    state["explorer"] = explorer
    return explorer
