"""Explorer 1: finite differences, symbolic differentiation and AD side by side.

`derivative_methods(f, x, h)` computes, at one point, the forward and central
finite-difference estimates with step h, the SymPy derivative and the AD
derivative, and each estimate's error over a sweep of step sizes: the V of
truncation error (falling with h) against round-off error (growing as h
shrinks), with the best h of each difference formula. `derivative_explorer`
is the interactive view over it.
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
    "x² sin x + 1/x": "x^2 * sin(x) + 1/x",
    "log(x²) sin x + 1/x": "log(x^2) * sin(x) + 1/x",
    "exp x": "exp(x)",
    "sin x": "sin(x)",
    "tanh(10 x)": "tanh(10*x)",
    "√(1 + x²)": "sqrt(1 + x^2)",
}
H_SWEEP = np.logspace(-16, 0, 129)
ERROR_FLOOR = 1e-18  # errors of exactly zero are drawn here on the log scale


@dataclass(frozen=True)
class DerivativeMethods:
    """The four estimates of f'(x) and the error sweep over h.

    Attributes:
        formula: the formula's text (or the function's name).
        x, h: the point and the finite-difference step.
        value: f(x).
        forward, central, ad: f'(x) by (f(x+h)-f(x))/h, (f(x+h)-f(x-h))/2h and AD.
        symbolic: f'(x) from SymPy's derivative (None for a Python function).
        formula_latex, derivative_latex: SymPy's LaTeX of f and f' (or None).
        reference: the value errors are measured against (symbolic, else AD).
        errors: absolute error of each method, by name.
        hs: the swept steps; forward_errors, central_errors: errors at each.
        best_forward_h, best_central_h: the steps with the smallest errors.
    """

    formula: str
    x: float
    h: float
    value: float
    forward: float
    central: float
    ad: float
    symbolic: float | None
    formula_latex: str | None
    derivative_latex: str | None
    reference: float
    errors: dict
    hs: np.ndarray
    forward_errors: np.ndarray
    central_errors: np.ndarray
    best_forward_h: float
    best_central_h: float


@functools.lru_cache(maxsize=64)
def _symbolic(text: str):
    """Parse once per formula: (Expression, SymPy derivative, LaTeX of f, LaTeX of f')."""
    import sympy

    expr = parse(text)
    if len(expr.variables) > 1:
        raise AdlabValueError(
            f"{text!r} has variables {', '.join(expr.variables)}; this explorer needs a function "
            f"of one variable, e.g. x^2 * sin(x)."
        )
    f = expr.sympy()
    (sym,) = expr.symbols() or (sympy.Symbol("x", real=True),)
    df = sympy.diff(f, sym)
    return expr, sym, df, sympy.latex(f), sympy.latex(df)


def _as_function(f):
    """(callable, text, symbolic parts or None) for a formula, an Expression or a function."""
    if isinstance(f, str):
        expr, sym, df, lf, ldf = _symbolic(f)
        return (expr if expr.variables else (lambda x: expr())), f, (sym, df, lf, ldf)
    if isinstance(f, Expression):
        return _as_function(f.text)
    if callable(f):
        return f, getattr(f, "__name__", "f"), None
    raise AdlabTypeError(
        f"derivative_methods: f must be a formula (text), a parsed Expression or a function "
        f"built from adlab operations, got {type(f).__name__}."
    )


def derivative_methods(f, x: float, h: float = 1e-6, hs=H_SWEEP) -> DerivativeMethods:
    """Compare finite differences, symbolic differentiation and AD at one point.

    Args:
        f: a formula such as ``"x^2 * sin(x)"``, an `Expression`, or a function
            of one float built from adlab operations.
        x: the point.
        h: the finite-difference step (> 0).
        hs: the steps of the error sweep.
    Returns:
        A `DerivativeMethods` record.
    Raises:
        AdlabValueError: h is not positive, or f or f' is not finite at x.
    """
    x, h = float(x), float(h)
    if not h > 0:
        raise AdlabValueError(f"derivative_methods: the step h must be positive, got {h}.")
    fn, name, symbolic_parts = _as_function(f)
    value = float(fn(x))
    ad = float(transforms.grad(fn)(x))
    if not (math.isfinite(value) and math.isfinite(ad)):
        raise AdlabValueError(
            f"f(x) = {name} is not defined at x = {x:g} (f = {value}, f' = {ad}); move x away "
            f"from this point."
        )
    symbolic = formula_latex = derivative_latex = None
    if symbolic_parts is not None:
        sym, df, formula_latex, derivative_latex = symbolic_parts
        symbolic = float(df.evalf(30, subs={sym: x}))
    reference = symbolic if symbolic is not None and math.isfinite(symbolic) else ad
    forward = (fn(x + h) - value) / h
    central = (fn(x + h) - fn(x - h)) / (2 * h)
    hs = np.asarray(hs, dtype=float)
    xs = np.full_like(hs, x)
    with np.errstate(all="ignore"):  # large steps may leave f's domain: those errors are nan
        fx_plus, fx_minus = np.asarray(fn(xs + hs), float), np.asarray(fn(xs - hs), float)
        forward_errors = np.abs((fx_plus - value) / hs - reference)
        central_errors = np.abs((fx_plus - fx_minus) / (2 * hs) - reference)
    errors = {"forward": abs(float(forward) - reference), "central": abs(float(central) - reference),
              "AD": abs(ad - reference)}
    if symbolic is not None:
        errors["symbolic"] = abs(symbolic - reference)
    return DerivativeMethods(
        name, x, h, value, float(forward), float(central), ad, symbolic, formula_latex,
        derivative_latex, reference, errors, hs, forward_errors, central_errors,
        float(hs[np.nanargmin(forward_errors)]), float(hs[np.nanargmin(central_errors)]),
    )


# -- view ------------------------------------------------------------------------


def _fmt(v):
    return "—" if v is None else f"{v:.12g}"


def _err(v):
    return "0" if v == 0 else f"{v:.2e}"


def report_html(r: DerivativeMethods) -> str:
    """The record as an HTML table (with LaTeX of f and f' where SymPy gave them)."""
    head = (f"<p>$f(x) = {r.formula_latex}$, &nbsp; $f'(x) = {r.derivative_latex}$</p>"
            if r.formula_latex else f"<p>f = {html.escape(r.formula)}</p>")
    rows = [("forward difference", r.forward, r.errors["forward"]),
            ("central difference", r.central, r.errors["central"]),
            ("symbolic (SymPy)", r.symbolic, r.errors.get("symbolic")),
            ("automatic (adlab)", r.ad, r.errors["AD"])]
    body = "".join(f"<tr><td>{m}</td><td>{_fmt(v)}</td><td>{'—' if e is None else _err(e)}</td></tr>"
                   for m, v, e in rows)
    return (f"{head}<p class='adlab-point'>x = {r.x:.4f}, h = {r.h:.1e}, f(x) = {r.value:.10g}</p>"
            f"<table class='adlab-methods'><tr><th>method</th><th>f'(x)</th><th>error</th></tr>"
            f"{body}</table><p>best h: forward {r.best_forward_h:.1e}, central "
            f"{r.best_central_h:.1e}</p>")


class ErrorPlot:
    """The log-log error plot: the V of each difference formula, the chosen h, AD's error.

    Artists are made once and their data updated on each redraw.
    """

    def __init__(self, ax):
        self.ax = ax
        floor = ERROR_FLOOR
        one = np.array([1e-8, 1e-4])
        (self.forward,) = ax.loglog(one, one, label="forward difference", color="#1f77b4")
        (self.central,) = ax.loglog(one, one, label="central difference", color="#ff7f0e")
        self.ad = ax.axhline(1.0, color="#2ca02c", label="AD")
        self.h = ax.axvline(1e-6, color="#555555", linestyle=":", label="chosen h")
        (self.best_forward,) = ax.plot([1e-8], [1e-8], "v", color="#1f77b4")
        (self.best_central,) = ax.plot([1e-5], [1e-8], "v", color="#ff7f0e")
        ax.set_xlabel("step h")
        ax.set_ylabel("|error| in f'(x)")
        ax.set_xlim(H_SWEEP[0], H_SWEEP[-1])
        ax.set_ylim(floor / 2, 1e2)
        ax.legend(loc="lower right", fontsize=8)

    def update(self, r: DerivativeMethods):
        floor = ERROR_FLOOR
        self.forward.set_data(r.hs, np.maximum(r.forward_errors, floor))
        self.central.set_data(r.hs, np.maximum(r.central_errors, floor))
        ad = max(r.errors["AD"], floor)
        self.ad.set_ydata([ad, ad])
        self.h.set_xdata([r.h, r.h])
        self.best_forward.set_data([r.best_forward_h], [max(np.nanmin(r.forward_errors), floor)])
        self.best_central.set_data([r.best_central_h], [max(np.nanmin(r.central_errors), floor)])


def derivative_explorer(formula: str = "x^2 * sin(x) + 1/x", x: float = 1.0, log10_h: float = -6.0):
    """Sliders for x and log10(h) comparing finite differences, SymPy and AD.

    Args:
        formula: the starting formula (a preset or any text `adlab.expressions.parse` reads).
        x: the starting point.
        log10_h: the starting step, as a power of ten.
    Returns:
        An `Explorer`; display it in a notebook.
    """
    import ipywidgets as w

    from ._base import Explorer, figure, png

    preset = next((k for k, v in PRESETS.items() if v == formula), "custom")
    controls = {
        "preset": w.Dropdown(options=list(PRESETS) + ["custom"], value=preset, description="preset"),
        "formula": w.Text(value=formula, description="f(x) =", continuous_update=False),
        "x": w.FloatSlider(value=x, min=-4.0, max=4.0, step=0.05, description="x"),
        "log10_h": w.FloatSlider(value=log10_h, min=-16.0, max=0.0, step=0.25,
                                 description="log10 h"),
    }

    def preset_chosen(change):
        if change["new"] in PRESETS:
            controls["formula"].value = PRESETS[change["new"]]

    controls["preset"].observe(preset_chosen, names="value")
    fig = figure(5.6, 3.4)
    plot = ErrorPlot(fig.add_subplot())

    def render(preset, formula, x, log10_h):
        r = derivative_methods(formula, x, 10.0 ** log10_h)
        plot.update(r)
        return {"html": report_html(r), "png": png(fig)}

    return Explorer("Derivative methods: finite differences, symbolic, AD", controls, render)
