"""Explorer 3: a function, its derivative by AD and the tangent line, plotted without writing f'.

`function_and_derivative(f, a, b, x0)` evaluates f and f' on a grid of [a, b]
in one vectorised forward-mode pass (``adlab.jvp`` with a tangent of ones,
valid for functions that act elementwise), and the tangent line at x0. Typing
``sin(x)`` draws cos without anyone writing cos, as in the d2l.ai calculus
chapter. `function_explorer` is the interactive view over it.
"""

from __future__ import annotations

import functools
import html
import math
from dataclasses import dataclass

import numpy as np

from .. import transforms
from ..errors import AdlabTypeError, AdlabValueError
from ..expressions import Expression, parse

PRESETS = {
    "sin x": "sin(x)",
    "x³": "x^3",
    "exp x": "exp(x)",
    "tanh x": "tanh(x)",
    "x² sin x": "x^2 * sin(x)",
    "sigmoid x": "sigmoid(x)",
    "log x": "log(x)",
    "1/x": "1/x",
}
MAX_POINTS = 100_000


@dataclass(frozen=True)
class FunctionAndDerivative:
    """f and f' on a grid, and the tangent line at x0 (arrays are read-only).

    Attributes:
        formula: the formula's text (or the function's name).
        xs: n equally spaced points from a to b.
        values: f(xs); derivatives: f'(xs) by forward-mode AD (nan where undefined).
        x0: the point of tangency; f0, slope: f(x0) and f'(x0) (AD at the single point x0).
        tangent: the tangent line f(x0) + f'(x0) (xs - x0) on the grid.
        a, b: the interval.
        undefined: how many grid points have f or f' not finite (gaps in a plot).
    """

    formula: str
    xs: np.ndarray
    values: np.ndarray
    derivatives: np.ndarray
    x0: float
    f0: float
    slope: float
    tangent: np.ndarray
    a: float
    b: float
    undefined: int

    def tangent_line(self, x):
        """The tangent line at x0, y = f(x0) + f'(x0) (x - x0), at x (a float or an array)."""
        return self.f0 + self.slope * (np.asarray(x, dtype=float) - self.x0)


@functools.lru_cache(maxsize=64)
def _parsed(text: str) -> Expression:
    expr = parse(text)
    if len(expr.variables) > 1:
        raise AdlabValueError(
            f"{text!r} has variables {', '.join(expr.variables)}; this explorer plots a function "
            f"of one variable, e.g. x^2 * sin(x).")
    return expr


def _as_function(f):
    """(callable of one argument, display name) for a formula, an Expression or a function."""
    if isinstance(f, Expression):
        f = f.text
    if isinstance(f, str):
        expr = _parsed(f)
        if not expr.variables:  # a constant: 0*x keeps the grid's shape and a zero derivative
            return (lambda x: expr() + 0.0 * x), f
        return expr, f
    if callable(f):
        return f, getattr(f, "__name__", "f")
    raise AdlabTypeError(
        f"function_and_derivative: f must be a formula (text), a parsed Expression or a "
        f"function built from adlab operations, got {type(f).__name__}.")


def _check_interval(a, b, x0, n=2):
    """Validated floats (a, b, x0) and int n, or an AdlabValueError saying what to change."""
    try:
        a, b, x0 = float(a), float(b), float(x0)
    except (TypeError, ValueError):
        raise AdlabValueError(
            f"function_and_derivative: a, b and x0 must be numbers, got a = {a!r}, b = {b!r}, "
            f"x0 = {x0!r}.") from None
    if not all(math.isfinite(v) for v in (a, b, x0)):
        raise AdlabValueError(
            f"function_and_derivative: a, b and x0 must be finite, got a = {a}, b = {b}, "
            f"x0 = {x0}.")
    if not a < b:
        raise AdlabValueError(
            f"function_and_derivative: the interval needs a < b, got a = {a:g}, b = {b:g}; "
            f"swap them or widen the interval.")
    if not a <= x0 <= b:
        raise AdlabValueError(
            f"function_and_derivative: x0 = {x0:g} is outside the interval [{a:g}, {b:g}]; "
            f"choose x0 between a and b.")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 2 <= n <= MAX_POINTS:
        raise AdlabValueError(
            f"function_and_derivative: n must be a whole number of grid points from 2 to "
            f"{MAX_POINTS}, got {n!r}.")
    return a, b, x0, int(n)


def _frozen(v):
    v = np.array(v, dtype=float)
    v.setflags(write=False)
    return v


def function_and_derivative(f, a: float, b: float, x0: float, n: int = 200) -> FunctionAndDerivative:
    """f and f' on [a, b] by AD, and the tangent line at x0.

    f' on the grid comes from one forward-mode pass over the whole array,
    ``adlab.jvp(f, (xs,), (ones,))``: the Jacobian-vector product with a
    tangent of ones. For a function acting elementwise (each f(xs)[i] depends
    only on xs[i]; every formula does) the Jacobian is diagonal and this
    product is exactly f'(xs). For a function mixing entries (a sum, a
    cumulative sum, a matrix product) it is not the derivative; use a
    Python function only if it acts elementwise.

    Args:
        f: a formula such as ``"sin(x)"``, an `Expression`, or an elementwise
            function of one argument built from adlab operations.
        a, b: the interval (a < b).
        x0: the point of tangency, in [a, b].
        n: the number of grid points.
    Returns:
        A `FunctionAndDerivative` record.
    Raises:
        AdlabValueError: a bad formula (syntax error, unknown name or function,
            more than one variable), a < b not holding, x0 outside [a, b], f or
            f' not defined at x0, f not defined anywhere on the grid, or f
            returning a value of the wrong shape.
    """
    a, b, x0, n = _check_interval(a, b, x0, n)
    fn, name = _as_function(f)
    xs = np.linspace(a, b, n)
    with np.errstate(all="ignore"):  # nan and inf are reported below, not warned about
        try:
            values, derivatives = transforms.jvp(fn, (xs,), (np.ones_like(xs),))
            value, slope = transforms.jvp(fn, (x0,), (1.0,))
        except (ArithmeticError, FloatingPointError) as exc:
            raise AdlabValueError(
                f"f(x) = {name} cannot be evaluated on [{a:g}, {b:g}] ({exc}); change the "
                f"formula or the interval.") from None
    values, derivatives = np.asarray(values, dtype=float), np.asarray(derivatives, dtype=float)
    if values.shape != xs.shape or derivatives.shape != xs.shape:
        raise AdlabValueError(
            f"function_and_derivative: f = {name} returned shape {values.shape} for {n} points; "
            f"f must act elementwise (one output per input), like sin or x**2.")
    value, slope = float(np.asarray(value)), float(np.asarray(slope))
    if not math.isfinite(value):
        raise AdlabValueError(
            f"f(x) = {name} is not defined at x0 = {x0:g} (f(x0) = {value}); move x0 into "
            f"f's domain.")
    if not math.isfinite(slope):
        raise AdlabValueError(
            f"f(x) = {name} has no derivative at x0 = {x0:g} (f'(x0) = {slope}); move x0 to a "
            f"point where f is smooth.")
    defined = np.isfinite(values) & np.isfinite(derivatives)
    if not defined.any():
        raise AdlabValueError(
            f"f(x) = {name} is not defined anywhere on the grid of [{a:g}, {b:g}]; choose an "
            f"interval inside its domain.")
    tangent = value + slope * (xs - x0)
    return FunctionAndDerivative(name, _frozen(xs), _frozen(values), _frozen(derivatives), x0,
                                 value, slope, _frozen(tangent), a, b, int(n - defined.sum()))


# -- view ------------------------------------------------------------------------


def _robust_range(values, poles=False):
    """(lo, hi) of the finite values; from percentiles when a few outliers dominate or f has poles."""
    v = np.asarray(values, dtype=float).ravel()
    v = v[np.isfinite(v)]
    if v.size == 0:
        return None
    lo, hi = float(v.min()), float(v.max())
    if poles:
        return tuple(float(p) for p in np.percentile(v, [5, 95]))
    p_lo, p_hi = (float(p) for p in np.percentile(v, [2, 98]))
    if hi - lo > 10 * (p_hi - p_lo) and p_hi > p_lo:
        lo, hi = p_lo, p_hi
    return lo, hi


def y_limits(values, derivatives, poles=False):
    """Plot limits that show f whole and f' as far as it stays on a comparable scale.

    Near a pole (1/x, tan x) a handful of grid values dwarf the rest; the range
    then comes from the 2nd and 98th percentiles, and from the 5th and 95th
    when f has poles (found by `jumps`). f' may widen the range
    by at most f's own span on each side, so a steep f' does not flatten f.
    """
    f_range, d_range = _robust_range(values, poles), _robust_range(derivatives, poles)
    if f_range is None:
        f_range = d_range or (-1.0, 1.0)
    lo, hi = f_range
    span = max(hi - lo, 1e-12)
    if d_range is not None:
        lo = max(min(lo, d_range[0]), lo - span)
        hi = min(max(hi, d_range[1]), hi + span)
    if hi - lo < 1e-12:
        lo, hi = lo - 1.0, hi + 1.0
    pad = 0.08 * (hi - lo)
    return lo - pad, hi + pad


def jumps(ys, span, slopes=None, near=None):
    """Where a sampled curve jumps between neighbouring grid points (a bool per step).

    With `slopes` (the derivative on the grid), a step is a jump when it is
    over a twentieth of the visible span and goes against the slope at both
    ends, which a smooth function cannot do. Without slopes (drawing f'), a
    jump is a change of sign by more than half the visible span, counted only
    where `near` (a bool per step, e.g. f's own jumps or gaps) allows.
    """
    dy = np.diff(ys)
    with np.errstate(invalid="ignore"):
        if slopes is not None:
            step = np.sign(dy)
            mask = (step * np.sign(slopes[:-1]) < 0) & (step * np.sign(slopes[1:]) < 0)
            return mask & (np.abs(dy) > 0.05 * span)
        mask = (np.sign(ys[:-1]) * np.sign(ys[1:]) < 0) & (np.abs(dy) > 0.5 * span)
    return mask if near is None else mask & near


def break_at(xs, ys, mask):
    """xs, ys with a nan inserted after each step where `mask` is true (the line breaks there)."""
    where = np.flatnonzero(mask) + 1
    if where.size == 0:
        return xs, ys
    return np.insert(xs, where, np.nan), np.insert(ys, where, np.nan)


@functools.lru_cache(maxsize=64)
def formula_latex(text: str):
    """SymPy's LaTeX of a formula, or None if SymPy cannot write it."""
    try:
        return __import__("sympy").latex(_parsed(text).sympy())
    except Exception:  # noqa: BLE001 - the plain text is shown instead
        return None


def report_html(r: FunctionAndDerivative) -> str:
    """f (in LaTeX when SymPy can write it), f(x0), f'(x0) and the tangent line."""
    tex = formula_latex(r.formula) if isinstance(r.formula, str) else None
    head = (f"<p>$f(x) = {tex}$</p>" if tex else f"<p>f = {html.escape(r.formula)}</p>")
    sign = "-" if r.slope < 0 else "+"
    if r.x0 > 0:
        shift = f"(x &minus; {r.x0:.4g})"
    elif r.x0 < 0:
        shift = f"(x + {-r.x0:.4g})"  # never "x - -2.82"
    else:
        shift = "x"
    return (f"{head}<p class='adlab-point'>at x0 = {r.x0:.3f}: &nbsp; f(x0) = {r.f0:.12g}, "
            f"&nbsp; f'(x0) = {r.slope:.12g} (by AD)</p>"
            f"<p>tangent line: y = {r.f0:.6g} {sign} {abs(r.slope):.6g} {shift}</p>"
            f"<p><small>f&prime; is computed by forward-mode AD over all {r.xs.size} grid points "
            f"at once (adlab.jvp with a tangent of ones); no formula for f&prime; was "
            f"written.</small></p>")


class FunctionPlot:
    """f, f', the tangent line at x0 and the point of tangency; artists made once, updated."""

    def __init__(self, ax):
        from ._base import TEXT_PT, style

        self.ax = ax
        ax.axhline(0.0, color="#999999", linewidth=0.8)
        (self.f,) = ax.plot([0, 1], [0, 1], color="#1f77b4", linewidth=2, label="f(x)")
        (self.df,) = ax.plot([0, 1], [0, 1], color="#ff7f0e", linewidth=1.6,
                             label="f'(x) by AD")
        (self.tangent,) = ax.plot([0, 1], [0, 1], "--", color="#2ca02c", linewidth=1.4,
                                  label="tangent at $x_0$")
        self.x0 = ax.axvline(0.0, color="#555555", linestyle=":", linewidth=1)
        (self.point,) = ax.plot([0], [0], "o", color="black", markersize=6, zorder=5)
        (self.slope_point,) = ax.plot([0], [0], "o", color="#ff7f0e", markersize=5, zorder=5,
                                      markeredgecolor="black", markeredgewidth=0.6)
        ax.set_xlabel("x")
        ax.grid(True, alpha=0.3)
        style(ax, "f, its derivative by AD, and the tangent at x0")
        ax.legend(loc="upper left", framealpha=0.9, fontsize=TEXT_PT)
        self.key = None

    def update(self, r: FunctionAndDerivative):
        key = (r.formula, r.a, r.b, r.xs.size)
        if key != self.key:  # the curves change only with the formula
            lo, hi = y_limits(r.values, r.derivatives)
            f_jumps = jumps(r.values, hi - lo, r.derivatives)
            if f_jumps.any():  # poles: the extremes near them would flatten the rest
                lo, hi = y_limits(r.values, r.derivatives, poles=True)
            gaps = ~np.isfinite(r.values)
            near = f_jumps | gaps[:-1] | gaps[1:]
            self.ax.set_xlim(r.a, r.b)
            self.ax.set_ylim(lo, hi)
            self.f.set_data(*break_at(r.xs, r.values, f_jumps))
            self.df.set_data(*break_at(r.xs, r.derivatives, jumps(r.derivatives, hi - lo, near=near)))
            self.key = key
        self.tangent.set_data([r.a, r.b], [r.tangent_line(r.a), r.tangent_line(r.b)])
        self.x0.set_xdata([r.x0, r.x0])
        self.point.set_data([r.x0], [r.f0])
        self.slope_point.set_data([r.x0], [r.slope])


def function_explorer(formula: str = "sin(x)", a: float = -2 * math.pi, b: float = 2 * math.pi,
                      x0: float = 1.0):
    """A formula box and an x0 slider: f, its derivative by AD and the tangent line at x0.

    Args:
        formula: the starting formula (any text `adlab.expressions.parse` reads).
        a, b: the plotted interval (a < b), also the slider's range.
        x0: the starting point of tangency, in [a, b].
    Returns:
        An `Explorer`; display it in a notebook.
    Raises:
        AdlabValueError: a >= b or x0 outside [a, b].
    """
    import ipywidgets as w

    from ._base import Explorer, figure, png

    a, b, x0, _ = _check_interval(a, b, x0)
    preset = next((k for k, v in PRESETS.items() if v == formula), "custom")
    controls = {
        "preset": w.Dropdown(options=list(PRESETS) + ["custom"], value=preset, description="preset"),
        "formula": w.Text(value=formula, description="f(x) =", continuous_update=False),
        "x0": w.FloatSlider(value=x0, min=a, max=b, step=(b - a) / 400, description="x0",
                            readout_format=".3f"),
    }

    def preset_chosen(change):
        if change["new"] in PRESETS:
            controls["formula"].value = PRESETS[change["new"]]

    def formula_typed(change):  # the menu names the preset the text is, or "custom"
        typed = " ".join(str(change["new"]).split())
        controls["preset"].value = next((k for k, v in PRESETS.items() if v == typed), "custom")

    controls["preset"].observe(preset_chosen, names="value")
    controls["formula"].observe(formula_typed, names="value")
    fig = figure(8.4, 4.4, margins=(0.08, 0.98, 0.12, 0.9))
    plot = FunctionPlot(fig.add_subplot())

    last = {}

    def render(preset, formula, x0):
        x0 = round(x0, 3)  # the point the slider shows (readout .3f), so the table agrees
        key = (formula, x0)
        if last.get("key") == key:  # a preset change redraws once, not once per control
            return last["out"]
        r = function_and_derivative(formula, a, b, x0)
        plot.update(r)
        note = (f"f or f' is not defined at {r.undefined} of {r.xs.size} grid points (gaps in "
                f"the curves)." if r.undefined else "")
        last.update(key=key, out={"html": report_html(r), "png": png(fig), "message": note})
        return last["out"]

    return Explorer("A function and its derivative by AD", controls, render)
