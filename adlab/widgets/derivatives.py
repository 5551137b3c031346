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
import itertools
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
EPS = float(np.finfo(float).eps)  # the spacing of floats near 1: relative rounding error
LATEX_LIMIT = 1500  # a longer LaTeX f' is described rather than shown (MathJax would crawl)
NODE_LIMIT = 1500  # SymPy f' with more nodes is not written in LaTeX at all (that takes seconds)
X_DECIMALS = 2  # the x slider's step is 0.05 and it shows x with 2 decimals


@dataclass(frozen=True)
class DerivativeMethods:
    """The four estimates of f'(x) and the error sweep over h.

    Attributes:
        formula: the formula's text (or the function's name).
        x, h: the point and the finite-difference step.
        value: f(x).
        forward, central, ad: f'(x) by (f(x+h)-f(x))/h, (f(x+h)-f(x-h))/2h and AD.
        symbolic: f'(x) from SymPy's derivative (None for a Python function).
        formula_latex, derivative_latex: SymPy's LaTeX of f and f' (None for a Python
            function; derivative_latex also None when f' has over NODE_LIMIT nodes).
        reference: the value errors are measured against (symbolic, else AD).
        errors: absolute error of each method, by name.
        hs: the swept steps; forward_errors, central_errors: errors at each.
        best_forward_h, best_central_h: the steps with the smallest errors.
        second, third: the second and third derivatives of f at x, by AD.
        optimal_h: the step each formula's error model says is best, by method:
            forward sqrt(2 eps |f| / |f''|), central (3 eps |f| / |f'''|)^(1/3)
            (None where the model has no minimum: a quantity is 0 or not finite).
        optimal_error: the error each formula actually reaches with that step.
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
    second: float
    third: float
    optimal_h: dict
    optimal_error: dict


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
    nodes = sum(1 for _ in itertools.islice(sympy.preorder_traversal(df), NODE_LIMIT + 1))
    return expr, sym, df, sympy.latex(f), sympy.latex(df) if nodes <= NODE_LIMIT else None


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
        symbolic = _symbolic_value(df, sym, x)
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
    second = float(transforms.grad(transforms.grad(fn))(x))
    third = float(transforms.grad(transforms.grad(transforms.grad(fn)))(x))
    optimal_h = optimal_steps(value, second, third)
    optimal_error = {}
    for method, step in optimal_h.items():
        if step is not None:
            estimate = ((fn(x + step) - value) / step if method == "forward"
                        else (fn(x + step) - fn(x - step)) / (2 * step))
            optimal_error[method] = abs(float(estimate) - reference)
    return DerivativeMethods(
        name, x, h, value, float(forward), float(central), ad, symbolic, formula_latex,
        derivative_latex, reference, errors, hs, forward_errors, central_errors,
        float(hs[np.nanargmin(forward_errors)]), float(hs[np.nanargmin(central_errors)]),
        second, third, optimal_h, optimal_error,
    )


def optimal_steps(value: float, second: float, third: float) -> dict:
    """The best step of each difference formula by its error model, from f, f'' and f''' at x.

    Forward: truncation |f''| h / 2 plus rounding eps |f| / h, least at
    h* = sqrt(2 eps |f| / |f''|). Central: |f'''| h^2 / 6 plus eps |f| / h,
    least at h* = (3 eps |f| / |f'''|)^(1/3). None where the model has no
    minimum (f, f'' or f''' zero or not finite at x).
    """
    def ratio(a, b):
        a, b = abs(a), abs(b)
        return a / b if a > 0 and b > 0 and math.isfinite(a) and math.isfinite(b) else None

    forward, central = ratio(value, second), ratio(value, third)
    return {"forward": None if forward is None else math.sqrt(2 * EPS * forward),
            "central": None if central is None else (3 * EPS * central) ** (1 / 3)}


def _symbolic_value(df, sym, x: float):
    """SymPy's f'(x) to 30 digits as a float; None where SymPy finds no real finite value.

    The float x goes in as an exact 30-digit number (xreplace, then evalf),
    which is far faster than evalf(subs=...) on large derivatives.
    """
    import sympy

    try:
        value = complex(df.xreplace({sym: sympy.Float(x, 30)}).evalf(30))
    except (TypeError, ValueError, ZeroDivisionError):  # zoo, nan, or not a number
        return None
    if value.imag != 0 or not math.isfinite(value.real):
        return None
    return value.real


# -- view ------------------------------------------------------------------------


def _fmt(v):
    return "—" if v is None else f"{v:.12g}"


def _err(v):
    return "0" if v == 0 else f"{v:.2e}"


def _optimal_html(r: DerivativeMethods) -> str:
    """The best steps by the error model (h*) and the errors reached there, as a sentence."""
    parts = []
    for method, rule, needs in (("forward", "&radic;(2&epsilon;|f| / |f&Prime;|)", "f&Prime;"),
                                ("central", "(3&epsilon;|f| / |f&#8244;|)<sup>1/3</sup>",
                                 "f&#8244;")):
        step = r.optimal_h[method]
        if step is None:
            parts.append(f"{method}: no h* (f or {needs} is 0 at x)")
        else:
            parts.append(f"{method} h* = {rule} = {step:.1e}, error there "
                         f"{_err(r.optimal_error[method])}")
    return "<p>" + "; ".join(parts) + f" (&epsilon; = {EPS:.1e})</p>"


def report_html(r: DerivativeMethods, x_decimals: int | None = None) -> str:
    """The record as an HTML table (with LaTeX of f and f' where SymPy gave them).

    x_decimals: show x with this many decimals (the explorer passes its
    slider's, so the two read the same); default: up to 6 significant digits.
    """
    if r.formula_latex and (r.derivative_latex is None
                            or len(r.derivative_latex) > LATEX_LIMIT):
        size = (f"over {NODE_LIMIT} terms" if r.derivative_latex is None
                else f"{len(r.derivative_latex)} characters of LaTeX")
        head = (f"<p>$f(x) = {r.formula_latex}$, &nbsp; f&prime;(x): SymPy's formula has "
                f"{size}, too long to show</p>")
    elif r.formula_latex:
        head = f"<p>$f(x) = {r.formula_latex}$, &nbsp; $f'(x) = {r.derivative_latex}$</p>"
    else:
        head = f"<p>f = {html.escape(r.formula)}</p>"
    x_text = f"{r.x:.{x_decimals}f}" if x_decimals is not None else f"{r.x:.6g}"
    rows = [("forward difference", r.forward, r.errors["forward"]),
            ("central difference", r.central, r.errors["central"]),
            ("symbolic (SymPy)", r.symbolic, r.errors.get("symbolic")),
            ("automatic (adlab)", r.ad, r.errors["AD"])]
    body = "".join(f"<tr><td>{m}</td><td>{_fmt(v)}</td><td>{'—' if e is None else _err(e)}</td></tr>"
                   for m, v, e in rows)
    return (f"{head}<p class='adlab-point'>x = {x_text}, h = {r.h:.1e}, f(x) = {r.value:.10g}</p>"
            f"<table class='adlab-methods'><tr><th>method</th><th>f'(x)</th><th>error</th></tr>"
            f"{body}</table><p>smallest error in the sweep at h: forward {r.best_forward_h:.1e}, "
            f"central {r.best_central_h:.1e}</p>{_optimal_html(r)}")


FORWARD, CENTRAL, AD_COLOUR, MODEL = "#1f77b4", "#ff7f0e", "#2ca02c", "#777777"


class ErrorPlot:
    """The log-log error plot: the V of each difference formula, its error model, h* and AD.

    The error model's lines, from f, f'' and f''' at x, have slope 1
    (forward truncation |f''| h / 2), 2 (central truncation |f'''| h^2 / 6)
    and -1 (rounding eps |f| / h); each V follows them and bottoms out near
    h*, marked with the error the formula reaches there. Artists are made
    once and their data updated on each redraw.
    """

    def __init__(self, ax):
        from ._base import style

        self.ax = ax
        one = np.array([1e-8, 1e-4])
        (self.forward,) = ax.loglog(one, one, label="forward difference", color=FORWARD)
        (self.central,) = ax.loglog(one, one, label="central difference", color=CENTRAL)
        self.ad = ax.axhline(1.0, color=AD_COLOUR, label="AD")
        self.h = ax.axvline(1e-6, color="#555555", linestyle=":", label="chosen h")
        (self.trunc1,) = ax.loglog(one, one, "--", color=FORWARD, linewidth=1, alpha=0.7,
                                   label="slope 1: |f''| h / 2")
        (self.trunc2,) = ax.loglog(one, one, "--", color=CENTRAL, linewidth=1, alpha=0.7,
                                   label="slope 2: |f'''| h² / 6")
        (self.rounding,) = ax.loglog(one, one, "--", color=MODEL, linewidth=1,
                                     label="slope −1: ε |f| / h")
        (self.star_forward,) = ax.plot([1e-8], [1e-8], "o", color=FORWARD, markersize=8,
                                       markeredgecolor="black", label="h* (forward, central)")
        (self.star_central,) = ax.plot([1e-5], [1e-8], "o", color=CENTRAL, markersize=8,
                                       markeredgecolor="black")
        ax.set_xlabel("step h")
        ax.set_ylabel("|error| in f'(x)")
        ax.set_xlim(H_SWEEP[0], H_SWEEP[-1])
        ax.set_ylim(ERROR_FLOOR / 2, 1e2)
        ax.set_xticks([1e-16, 1e-12, 1e-8, 1e-4, 1.0])
        ax.set_yticks([1e-18, 1e-14, 1e-10, 1e-6, 1e-2])
        ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)
        style(ax, "Error of f'(x) against the step h")

    def update(self, r: DerivativeMethods):
        """Redraw for a new record: the sweeps, the model lines and the h* points."""
        floor = ERROR_FLOOR
        self.forward.set_data(r.hs, np.maximum(r.forward_errors, floor))
        self.central.set_data(r.hs, np.maximum(r.central_errors, floor))
        ad = max(r.errors["AD"], floor)
        self.ad.set_ydata([ad, ad])
        self.h.set_xdata([r.h, r.h])
        for line, coefficient, power in ((self.trunc1, abs(r.second) / 2, 1),
                                         (self.trunc2, abs(r.third) / 6, 2),
                                         (self.rounding, EPS * abs(r.value), -1)):
            shown = coefficient > 0 and math.isfinite(coefficient)
            line.set_visible(shown)
            if shown:
                line.set_data(r.hs, coefficient * r.hs ** power)
        for point, method in ((self.star_forward, "forward"), (self.star_central, "central")):
            step = r.optimal_h[method]
            point.set_visible(step is not None)
            if step is not None:
                point.set_data([step], [max(r.optimal_error[method], floor)])


def error_figure():
    """(figure, ErrorPlot) as the explorer draws them: 880 x 440 px, the legend at the right."""
    from ._base import figure

    fig = figure(8.4, 4.4, margins=(0.11, 0.665, 0.13, 0.91))  # 840 px: fits an 848 px output area
    return fig, ErrorPlot(fig.add_subplot())


def derivative_explorer(formula: str = "x^2 * sin(x) + 1/x", x: float = 1.0, log10_h: float = -6.0):
    """Sliders for x and log10(h) comparing finite differences, SymPy and AD.

    Typing a formula moves the preset menu to the preset with that formula,
    or to "custom"; choosing a preset puts its formula in the box.

    Args:
        formula: the starting formula (a preset or any text `adlab.expressions.parse` reads).
        x: the starting point.
        log10_h: the starting step, as a power of ten.
    Returns:
        An `Explorer`; display it in a notebook.
    """
    import ipywidgets as w

    from ._base import Explorer, png

    controls = {
        "preset": w.Dropdown(options=list(PRESETS) + ["custom"], value=_preset_of(formula),
                             description="preset"),
        "formula": w.Text(value=formula, description="f(x) =", continuous_update=False),
        "x": w.FloatSlider(value=x, min=-4.0, max=4.0, step=0.05, description="x",
                           readout_format=f".{X_DECIMALS}f"),
        "log10_h": w.FloatSlider(value=log10_h, min=-16.0, max=0.0, step=0.25,
                                 description="log10 h"),
    }
    _link_preset(controls["preset"], controls["formula"])
    fig, plot = error_figure()
    last = {}

    def render(preset, formula, x, log10_h):
        # x as the slider shows it (its float may be 0.15000000000000002 or 4e-17 for 0)
        key = (formula, round(x, X_DECIMALS), log10_h)
        if last.get("key") != key:  # a preset change redraws once, not once per control
            r = derivative_methods(formula, key[1], 10.0 ** log10_h)
            plot.update(r)
            last.update(key=key, out={"html": report_html(r, X_DECIMALS), "png": png(fig)})
        return last["out"]

    return Explorer("Derivative methods: finite differences, symbolic, AD", controls, render)


def _preset_of(formula: str) -> str:
    """The preset menu's entry for a formula: the preset with that text, else "custom"."""
    text = " ".join(str(formula).split())
    return next((k for k, v in PRESETS.items() if v == text), "custom")


def _link_preset(menu, box):
    """Keep the preset menu and the formula box in step, whichever is changed."""
    def preset_chosen(change):
        if change["new"] in PRESETS:
            box.value = PRESETS[change["new"]]

    def formula_typed(change):
        menu.value = _preset_of(change["new"])

    menu.observe(preset_chosen, names="value")
    box.observe(formula_typed, names="value")
