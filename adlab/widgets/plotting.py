"""Explorer 3: a function and its derivative computed by AD, with a tangent line.

`function_and_derivative(f, a, b, x0)` evaluates f on a grid and its
derivative by forward-mode AD in one pass (the d2l example: plot sin and its
derivative without writing cos), and the tangent line at x0.
`function_explorer` is the interactive view over it.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

import numpy as np

from .. import transforms
from ..errors import AdlabTypeError, AdlabValueError
from ..expressions import Expression, parse


@dataclass(frozen=True)
class FunctionAndDerivative:
    """f and f' on a grid, and the tangent line at x0.

    Attributes:
        formula: the formula's text (or the function's name).
        xs: the grid over [a, b]; values, derivatives: f and f' there.
        x0, f0, slope: the point, f(x0) and f'(x0).
        tangent: f(x0) + f'(x0) (xs - x0), the tangent line on the grid.
    """

    formula: str
    xs: np.ndarray
    values: np.ndarray
    derivatives: np.ndarray
    x0: float
    f0: float
    slope: float
    tangent: np.ndarray


def _one_variable(f):
    if isinstance(f, str):
        f = parse(f)
    if isinstance(f, Expression):
        if len(f.variables) > 1:
            raise AdlabValueError(
                f"{f.text!r} has variables {', '.join(f.variables)}; give a function of one "
                f"variable, e.g. sin(x)."
            )
        expr = f
        return (expr if expr.variables else (lambda x: expr() + 0.0 * x)), expr.text
    if callable(f):
        return f, getattr(f, "__name__", "f")
    raise AdlabTypeError(
        f"function_and_derivative: f must be a formula (text), an Expression or a function of "
        f"adlab operations, got {type(f).__name__}."
    )


def function_and_derivative(f, a: float, b: float, x0: float, n: int = 200):
    """f and f' on [a, b] by AD, and the tangent line at x0.

    The derivative on the grid is one forward-mode pass with tangent 1 at every
    grid point, which gives f'(x) entry by entry because f acts on each entry
    separately (an elementwise function, as every formula here is).

    Args:
        f: a formula such as ``"sin(x)"``, an `Expression`, or an elementwise
            function of adlab operations.
        a, b: the interval, a < b.
        x0: the tangent point, in [a, b].
        n: grid points.
    Returns:
        A `FunctionAndDerivative` record.
    Raises:
        AdlabValueError: a bad interval or point, or f not defined at x0.
    """
    a, b, x0 = float(a), float(b), float(x0)
    if not (math.isfinite(a) and math.isfinite(b) and a < b):
        raise AdlabValueError(f"function_and_derivative: need a < b, got a = {a}, b = {b}.")
    if not a <= x0 <= b:
        raise AdlabValueError(
            f"function_and_derivative: x0 = {x0} is outside [{a}, {b}]; pick a point inside.")
    fn, name = _one_variable(f)
    xs = np.linspace(a, b, int(n))
    with np.errstate(all="ignore"):  # points outside f's domain are drawn as gaps
        values, derivatives = transforms.jvp(fn, (xs,), (np.ones_like(xs),))
    f0, slope = transforms.value_and_grad(fn)(x0)
    if not (math.isfinite(f0) and math.isfinite(slope)):
        raise AdlabValueError(
            f"f(x) = {name} is not defined at x0 = {x0:g} (f = {f0}, f' = {slope}); move x0.")
    values = np.broadcast_to(np.asarray(values, float), xs.shape)
    derivatives = np.broadcast_to(np.asarray(derivatives, float), xs.shape)
    return FunctionAndDerivative(name, xs, values, derivatives, x0, float(f0), float(slope),
                                 f0 + slope * (xs - x0))


def report_html(r: FunctionAndDerivative) -> str:
    """The point, value and slope as HTML."""
    return (f"<p class='adlab-point'>f(x) = {html.escape(r.formula)}: at x0 = {r.x0:.4f}, "
            f"f(x0) = {r.f0:.6g}, f'(x0) = {r.slope:.6g} (by AD)</p>")


class FunctionPlot:
    """f, f' and the tangent line; artists made once and updated."""

    def __init__(self, ax):
        self.ax = ax
        (self.f,) = ax.plot([0, 1], [0, 1], color="#1f77b4", label="f(x)")
        (self.df,) = ax.plot([0, 1], [0, 1], color="#ff7f0e", linestyle="--", label="f'(x) by AD")
        (self.tangent,) = ax.plot([0, 1], [0, 1], color="#2ca02c", linewidth=1, label="tangent at x0")
        (self.point,) = ax.plot([0], [0], "o", color="#2ca02c")
        ax.axhline(0.0, color="#bbbbbb", linewidth=0.8)
        ax.set_xlabel("x")
        ax.legend(loc="upper right", fontsize=8)

    def update(self, r: FunctionAndDerivative):
        self.f.set_data(r.xs, r.values)
        self.df.set_data(r.xs, r.derivatives)
        self.tangent.set_data(r.xs, r.tangent)
        self.point.set_data([r.x0], [r.f0])
        finite = np.concatenate([r.values[np.isfinite(r.values)],
                                 r.derivatives[np.isfinite(r.derivatives)]])
        lo, hi = (np.percentile(finite, [1, 99]) if finite.size else (-1.0, 1.0))
        pad = 0.1 * (hi - lo) or 1.0
        self.ax.set_xlim(r.xs[0], r.xs[-1])
        self.ax.set_ylim(lo - pad, hi + pad)


def function_explorer(formula: str = "sin(x)", a: float = -2 * math.pi, b: float = 2 * math.pi,
                      x0: float = 1.0):
    """Plot f and its AD derivative over [a, b], with a slider for the tangent point.

    Args:
        formula: the starting formula in x.
        a, b: the interval.
        x0: the starting tangent point.
    Returns:
        An `Explorer`; display it in a notebook.
    """
    import ipywidgets as w

    from ._base import Explorer, figure, png

    controls = {
        "formula": w.Text(value=formula, description="f(x) =", continuous_update=False),
        "x0": w.FloatSlider(value=x0, min=a, max=b, step=(b - a) / 200, description="x0"),
    }
    fig = figure(5.6, 3.2, margins=(0.1, 0.97, 0.15, 0.96))
    plot = FunctionPlot(fig.add_subplot())

    def render(formula, x0):
        r = function_and_derivative(formula, a, b, x0)
        plot.update(r)
        return {"html": report_html(r), "png": png(fig)}

    return Explorer("A function and its derivative by AD", controls, render)
