"""Explorer 2: expression swell, symbolic derivatives against AD traces as a function nests deeper.

A nested function f_d is built by repeating one step d - 1 times from
l_1 = x (by default Baydin et al. 2018's logistic map l_{n+1} = 4 l_n (1 - l_n)).
`expression_swell(max_depth, family)` counts, for each depth d, the operations
in SymPy's expressions for f_d and its derivative (as differentiated,
factored, and with common subexpressions shared) and the operations adlab
records when it traces f_d and grad f_d. SymPy's expression tree repeats every
copy of a shared subexpression, so the differentiated expression swells far
faster than the depth; an AD trace records each operation once and grows by
a constant number of rows per depth. `swell_explorer` is the interactive view.
"""

from __future__ import annotations

import functools
import html
from dataclasses import dataclass

import numpy as np

from .. import primitives, transforms
from ..errors import AdlabValueError
from ..traces import trace


@dataclass(frozen=True)
class Family:
    """One way of nesting a function deeper.

    Attributes:
        name: the key of `FAMILIES`.
        label: a short description for menus.
        recurrence: the definition in LaTeX.
        step: ``step(l, x, n, sin) -> l_{n+1}`` from l_n; ``sin`` is SymPy's or adlab's.
    """

    name: str
    label: str
    recurrence: str
    step: object


FAMILIES = {
    "logistic": Family(
        "logistic", "logistic map (Baydin et al. 2018)",
        r"l_1 = x,\quad l_{n+1} = 4\,l_n\,(1 - l_n),\quad f_d = l_d",
        lambda l, x, n, sin: 4 * l * (1 - l)),
    "sin": Family(
        "sin", "repeated l sin(l)",
        r"l_1 = x,\quad l_{n+1} = l_n \sin(l_n),\quad f_d = l_d",
        lambda l, x, n, sin: sin(l) * l),
    "product": Family(
        "product", "product rule chain x sin(x) sin(2x) ...",
        r"f_d = x \prod_{k=1}^{d-1} \sin(k x)",
        lambda l, x, n, sin: l * sin(n * x)),
}
NORMAL_FORMS = ("factor", "simplify", "expand")
PARTICIPLES = {"factor": "factored", "simplify": "simplified", "expand": "expanded"}
MAX_DEPTH = 7
TRACE_POINT = 0.3
LATEX_LIMIT = 700  # longer LaTeX is shown with deep subexpressions elided
MIN_SHARE = 30  # below this many characters a term is elided whole


@dataclass(frozen=True)
class SwellTable:
    """Operation counts per depth d = 1 .. max_depth (tuples of ints, index d - 1).

    Attributes:
        family: the key of `FAMILIES`; recurrence: its definition in LaTeX.
        normal_form: the SymPy function that gave `simplified_ops` ("factor", ...).
        depths: 1 .. max_depth.
        function_ops: sympy.count_ops of f_d.
        derivative_ops: sympy.count_ops of sympy.diff(f_d, x), unsimplified.
        simplified_ops: sympy.count_ops of the derivative put in `normal_form`.
        shared_ops: operations of the derivative after sympy.cse (each common
            subexpression counted once, as a trace would).
        trace_ops: rows adlab records for f_d: ``adlab.trace(f_d, 0.3).count()``.
        grad_trace_ops: rows for grad f_d: ``adlab.trace(adlab.grad(f_d), 0.3).count()``
            (0 where the derivative is a constant, as at depth 1).
    """

    family: str
    recurrence: str
    normal_form: str
    depths: tuple
    function_ops: tuple
    derivative_ops: tuple
    simplified_ops: tuple
    shared_ops: tuple
    trace_ops: tuple
    grad_trace_ops: tuple

    def at(self, depth: int) -> dict:
        """The counts at one depth, by field name."""
        i = depth - 1
        return {name: getattr(self, name)[i] for name in COUNT_FIELDS}


COUNT_FIELDS = ("function_ops", "derivative_ops", "simplified_ops", "shared_ops",
                "trace_ops", "grad_trace_ops")


def _check(depth, family, normal_form="factor", what="depth"):
    if family not in FAMILIES:
        raise AdlabValueError(
            f"expression_swell: unknown family {family!r}; choose one of "
            f"{', '.join(map(repr, FAMILIES))}.")
    if normal_form not in NORMAL_FORMS:
        raise AdlabValueError(
            f"expression_swell: unknown normal form {normal_form!r}; choose one of "
            f"{', '.join(map(repr, NORMAL_FORMS))}.")
    if isinstance(depth, bool) or not isinstance(depth, (int, np.integer)) \
            or not 1 <= depth <= MAX_DEPTH:
        raise AdlabValueError(
            f"expression_swell: {what} must be a whole number from 1 to {MAX_DEPTH}, got "
            f"{depth!r}; SymPy's expressions double in size with each level, so deeper "
            f"ones take minutes.")
    return int(depth)


def nested_function(depth: int, family: str = "logistic"):
    """f_d as a Python function of adlab operations (each l_n computed once and reused).

    Args:
        depth: d, from 1 to `MAX_DEPTH`.
        family: a key of `FAMILIES`.
    Returns:
        A function of one float (or array) returning f_d(x).
    """
    depth = _check(depth, family)
    step = FAMILIES[family].step

    def f(x):
        value = x
        for n in range(1, depth):
            value = step(value, x, n, primitives.sin)
        return value

    f.__name__ = f"f_{depth}"
    return f


@functools.lru_cache(maxsize=None)
def _sympy_function(depth, family):
    import sympy

    if depth == 1:
        return sympy.Symbol("x", real=True)
    x = _sympy_function(1, family)
    return FAMILIES[family].step(_sympy_function(depth - 1, family), x, depth - 1, sympy.sin)


@functools.lru_cache(maxsize=None)
def _chain_derivative(depth, family):
    """f_d' by the chain rule as a product, step'(l_{d-1}) ... step'(l_1), or None when the
    step uses x itself (the "product" family), so that f_d' is not such a product."""
    import sympy

    if depth == 1:
        return sympy.Integer(1)
    inner = _chain_derivative(depth - 1, family)
    if inner is None:
        return None
    x, l = _sympy_function(1, family), sympy.Dummy("l")
    step = FAMILIES[family].step(l, x, depth - 1, sympy.sin)
    if sympy.diff(step, x) != 0:
        return None
    return sympy.diff(step, l).subs(l, _sympy_function(depth - 1, family)) * inner


def _normal_form(df, depth, family, normal_form):
    """The derivative df of f_d in normal form.

    sympy.factor returns the same expression for any two equal polynomials in the
    same generators (x, sin x, cos(x sin x), ...), and factoring the chain-rule
    product, which is already factored, is 20 to 30 times faster than factoring
    sympy.diff's sum (0.03 s against 0.9 s at depth 6), so factor takes that route
    where it exists; the tests check both give the same expression.
    """
    import sympy

    if normal_form == "factor":
        chain = _chain_derivative(depth, family)
        if chain is not None:
            return sympy.factor(chain)
    return getattr(sympy, normal_form)(df)


@functools.lru_cache(maxsize=None)
def swell_expressions(depth: int, family: str = "logistic", normal_form: str = "factor"):
    """SymPy's f_d, its derivative as sympy.diff returns it, and that derivative in normal form.

    Args:
        depth: d, from 1 to `MAX_DEPTH`.
        family: a key of `FAMILIES`.
        normal_form: "factor" (default; fast), "simplify" (slow beyond depth 5
            except for the logistic map) or "expand".
    Returns:
        (x, f_d, f_d', normal form of f_d'), SymPy objects (cached).
    """
    import sympy

    depth = _check(depth, family, normal_form)
    x = _sympy_function(1, family)
    f = _sympy_function(depth, family)
    df = sympy.diff(f, x)
    return x, f, df, _normal_form(df, depth, family, normal_form)


def _shared_count(expr) -> int:
    """count_ops after common-subexpression elimination: each shared piece counted once."""
    import sympy

    replacements, (reduced,) = sympy.cse(expr)
    return sum(sympy.count_ops(v) for _, v in replacements) + sympy.count_ops(reduced)


def _grad_trace_count(f, derivative) -> int:
    if not derivative.free_symbols:  # a constant derivative: grad records no operation
        return 0
    return trace(transforms.grad(f), TRACE_POINT).count()


_COUNTED = set()  # the (depth, family, normal_form) whose counts are cached


@functools.lru_cache(maxsize=None)
def _counts(depth, family, normal_form):
    """The counts of one depth, in the order of COUNT_FIELDS (computed once, then cached)."""
    import sympy

    _, f, df, simple = swell_expressions(depth, family, normal_form)
    fn = nested_function(depth, family)
    counts = (sympy.count_ops(f), sympy.count_ops(df), sympy.count_ops(simple),
              _shared_count(df), trace(fn, TRACE_POINT).count(), _grad_trace_count(fn, df))
    _COUNTED.add((depth, family, normal_form))
    return counts


def is_counted(max_depth: int, family: str, normal_form: str = "factor") -> bool:
    """True if `expression_swell(max_depth, family, normal_form)` needs no new SymPy work."""
    return all((d, family, normal_form) in _COUNTED for d in range(1, max_depth + 1))


def clear_caches():
    """Forget every cached expression and count (for timing and for tests)."""
    for cached in (_sympy_function, _chain_derivative, swell_expressions, _counts,
                   expression_swell, _latex_parts):
        cached.cache_clear()
    _COUNTED.clear()


@functools.lru_cache(maxsize=32)
def expression_swell(max_depth: int = 6, family: str = "logistic",
                     normal_form: str = "factor") -> SwellTable:
    """Count operations of symbolic derivatives and of AD traces for depths 1 .. max_depth.

    Every count is cached per depth, so a second call (or a deeper one) only
    computes what is new. The default (depth 6, logistic) takes about 0.1 s
    the first time (depth 7, about 0.3 s).

    Args:
        max_depth: the deepest d, from 1 to `MAX_DEPTH`.
        family: "logistic" (l_{n+1} = 4 l_n (1 - l_n)), "sin" (l_{n+1} = l_n sin l_n)
            or "product" (f_d = x sin(x) sin(2x) ... sin((d-1)x)).
        normal_form: how the derivative is simplified: "factor" (default),
            "simplify" (sympy.simplify; too slow for the "sin" family beyond
            depth 4) or "expand".
    Returns:
        A `SwellTable`.
    Raises:
        AdlabValueError: an unknown family or normal form, or a depth out of range.
    """
    max_depth = _check(max_depth, family, normal_form, what="max_depth")
    rows = [_counts(d, family, normal_form) for d in range(1, max_depth + 1)]
    columns = tuple(tuple(int(r[k]) for r in rows) for k in range(len(COUNT_FIELDS)))
    return SwellTable(family, FAMILIES[family].recurrence, normal_form,
                      tuple(range(1, max_depth + 1)), *columns)


# -- view ------------------------------------------------------------------------

# legend labels in plain text (f stands for f_d): mathtext subscripts would be below 14 px
SERIES = (  # field, legend label, colour, line style, marker
    ("function_ops", "SymPy: f", "#7f7f7f", "-", "o"),
    ("derivative_ops", "SymPy: f\u2032 as differentiated", "#d62728", "-", "o"),
    ("simplified_ops", "SymPy: f\u2032 {participle}", "#ff7f0e", "-", "s"),
    ("shared_ops", "SymPy: f\u2032 after cse (shared)", "#9467bd", "--", "^"),
    ("trace_ops", "adlab: trace of f", "#1f77b4", "-", "D"),
    ("grad_trace_ops", "adlab: trace of grad f", "#2ca02c", "-", "D"),
)
PLOT_TITLES = {"logistic": "Logistic map", "sin": "Repeated l sin(l)",
               "product": "Product x sin(x) sin(2x) ..."}
ROW_LABELS = {
    "function_ops": "SymPy: f<sub>d</sub>",
    "derivative_ops": "SymPy: f<sub>d</sub>&prime; as sympy.diff returns it",
    "simplified_ops": "SymPy: f<sub>d</sub>&prime; after sympy.{normal_form}",
    "shared_ops": "SymPy: f<sub>d</sub>&prime; after sympy.cse (shared subexpressions once)",
    "trace_ops": "adlab: trace of f<sub>d</sub>",
    "grad_trace_ops": "adlab: trace of grad f<sub>d</sub> (forward and backward)",
}


def _fit(expr, budget, placeholder, latex):
    """expr with subexpressions replaced by the placeholder until its LaTeX is about `budget` long.

    The budget is shared among the arguments by water-filling: short
    arguments are kept whole and the long ones split what is left, so the
    outer structure stays visible and only the deepest parts are elided.
    """
    text = latex(expr)
    if len(text) <= budget or not expr.args:
        return expr
    if budget < 12:
        return placeholder
    args = list(expr.args)
    lengths = [len(latex(a)) for a in args]
    overhead = max(0, len(text) - sum(lengths))  # operators and brackets around the arguments
    remaining = budget - min(overhead, budget // 3)
    shares = [0.0] * len(args)
    pending = sorted(range(len(args)), key=lambda i: lengths[i])
    while pending:
        share = remaining / len(pending)
        if lengths[pending[0]] > share:
            for i in pending:
                shares[i] = share
            break
        i = pending.pop(0)
        shares[i] = lengths[i]
        remaining -= lengths[i]
    grouped = expr.is_Add or expr.is_Mul
    if grouped and min(shares) < MIN_SHARE:
        # too many long terms to show a piece of each: keep whole ones while they fit
        room, fitted = budget - min(overhead, budget // 3), []
        for a, n in zip(args, lengths):
            if n <= room:
                fitted.append(a)
                room -= n + 3
            elif placeholder not in fitted:
                fitted.append(placeholder)
                room -= 6
        if fitted == [placeholder]:  # no term fits whole: show part of the shortest one
            shortest = min(range(len(args)), key=lambda i: lengths[i])
            fitted = [_fit(args[shortest], room, placeholder, latex), placeholder]
    else:
        fitted = [_fit(a, shares[i], placeholder, latex) for i, a in enumerate(args)]
    if grouped:  # one \cdots stands for all the omitted terms or factors
        kept = [a for a in fitted if a != placeholder]
        fitted = kept + [placeholder] if len(kept) < len(fitted) else kept
        if len(fitted) == 1:
            return fitted[0]
    return expr.func(*fitted, evaluate=False)


def shown_latex(expr, limit: int = LATEX_LIMIT):
    """LaTeX of expr short enough to display, and a note when it was shortened.

    Long expressions keep their outer structure and have their deepest parts
    written as \\cdots, so the LaTeX stays well formed.

    Returns:
        (latex, note): note is "" when the full expression is shown.
    """
    import sympy

    full = sympy.latex(expr)
    if len(full) <= limit:
        return full, ""
    placeholder = sympy.Symbol(r"\cdots")
    budget = limit
    text = r"\cdots"
    for _ in range(20):  # the overhead of brackets is estimated; shrink until it fits
        candidate = sympy.latex(_fit(expr, budget, placeholder, sympy.latex))
        if len(candidate) <= limit:
            text = candidate
            break
        budget = int(budget * 0.9)
    return text, (f"shortened: the full LaTeX has {len(full):,} characters; "
                  f"\\(\\cdots\\) stands for the omitted subexpressions")


@functools.lru_cache(maxsize=128)
def _latex_parts(depth, family, normal_form):
    _, f, df, simple = swell_expressions(depth, family, normal_form)
    return shown_latex(f), shown_latex(df), shown_latex(simple)


# The formula area has a fixed height whatever the formulas, so that the table and the
# picture below it stay in place as the depth and the family change: each line is a box
# of fixed height that scrolls sideways (and down) when its formula is longer than it.
# The area's width is 0 with a minimum of 100 %: a long formula then does not widen the
# widget (flex items grow to their content), and the area fills the width it is given.
LINE_EM = {"heading": 2.2, "formula": 3.0, "note": 1.6}
LINE_STYLE = ("height:{h}em;width:100%;max-width:100%;box-sizing:border-box;overflow:auto;"
              "white-space:nowrap;line-height:1.5")
FORMULA_AREA_EM = LINE_EM["heading"] + 3 * (LINE_EM["formula"] + LINE_EM["note"])


def _line(kind, content, cls):
    """One line of the formula area: a box of the fixed height of its kind."""
    style = LINE_STYLE.format(h=LINE_EM[kind])
    return f"<div class='{cls}' style='{style}'>{content}</div>"


# ipywidgets sizes the text pane's content to its widest child; this lets it fill the
# explorer instead, so that the formula area spans the output and not the table alone
TEXT_STYLE = ("<style>.adlab-swell-text > .widget-htmlmath-content"
              "{flex:1 1 auto;min-width:0}</style>")


def formulas_html(table: SwellTable, depth: int) -> str:
    """The family, f_d, f_d' and its normal form at one depth, in a box of fixed height."""
    (lf, nf), (ldf, ndf), (ls, ns) = _latex_parts(depth, table.family, table.normal_form)
    lines = [_line("heading", f"{html.escape(FAMILIES[table.family].label)}: "
                              f"${table.recurrence}$. Depth d = {depth}.", "adlab-swell-heading")]
    named = [(f"f_{{{depth}}}(x)", lf, nf), (f"f_{{{depth}}}'(x)", ldf, ndf),
             (f"\\text{{{PARTICIPLES[table.normal_form]}: }} f_{{{depth}}}'(x)", ls, ns)]
    for lhs, tex, note in named:
        lines.append(_line("formula", f"$\\displaystyle {lhs} = {tex}$", "adlab-swell-formula"))
        lines.append(_line("note", f"<small>({html.escape(note)})</small>" if note else "&nbsp;",
                           "adlab-swell-note"))
    return (f"<div class='adlab-swell-formulas' style='height:{FORMULA_AREA_EM:g}em;"
            f"width:0;min-width:100%;overflow:hidden'>{''.join(lines)}</div>")


def report_html(table: SwellTable, depth: int) -> str:
    """The formulas at one depth (LaTeX, shortened when long) and the table of counts."""
    counts = table.at(depth)
    rows = "".join(
        f"<tr><td>{ROW_LABELS[k].format(normal_form=table.normal_form)}</td>"
        f"<td style='text-align:right'>{counts[k]:,}</td></tr>" for k in COUNT_FIELDS)
    return (TEXT_STYLE + formulas_html(table, depth)
            + f"<table class='adlab-swell'><tr><th>expression</th><th>operations</th></tr>"
            f"{rows}</table>"
            "<p><small>sympy.count_ops counts every copy of a repeated subexpression; "
            "a trace computes each l<sub>n</sub> once and reuses it.</small></p>")


def _integer_label(value, _pos=None) -> str:
    """A tick label of the count axis: a whole number with thousands separators."""
    return f"{int(round(value)):,}"


class SwellPlot:
    """Counts against depth on a symmetric-log y axis (0 at the bottom, log above 1),
    the legend outside the axes on the right.

    Artists are made once; a depth change only moves the marker.
    """

    def __init__(self):
        from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

        from ._base import figure

        self.fig = figure(8.2, 4.2, margins=(0.105, 0.63, 0.13, 0.9))
        self.ax = ax = self.fig.add_subplot()
        self.lines = {}
        for field, label, color, style, marker in SERIES:
            (self.lines[field],) = ax.plot([1], [1], style, color=color, marker=marker,
                                           markersize=5, label=label)
        (self.current,) = ax.plot([1], [1], "o", markersize=11, markerfacecolor="none",
                                  markeredgecolor="black", markeredgewidth=1.2, zorder=5)
        self.depth_line = ax.axvline(1, color="#555555", linestyle=":", linewidth=1)
        ax.set_yscale("symlog", linthresh=1.0, linscale=0.4)
        ax.yaxis.set_major_locator(FixedLocator([0, 1, 10, 100, 1000, 10000, 100000]))
        ax.yaxis.set_major_formatter(FuncFormatter(_integer_label))
        ax.yaxis.set_minor_locator(NullLocator())
        ax.set_xlabel("depth d")
        ax.set_ylabel("number of operations")
        ax.grid(True, which="major", alpha=0.3)
        self.legend = None
        self.key = None

    def update(self, table: SwellTable, depth: int):
        """Draw the counts of `table` and mark those at `depth`."""
        from ._base import style

        key = (table.family, table.normal_form, table.depths)
        if key != self.key:  # new data: lines, limits, legend, title
            for field, label, *_ in SERIES:
                line = self.lines[field]
                line.set_data(table.depths, getattr(table, field))
                line.set_label(label.format(participle=PARTICIPLES[table.normal_form]))
            top = max(max(getattr(table, f)) for f in COUNT_FIELDS)
            self.ax.set_ylim(0, max(10.0, top * 3.0))
            self.ax.set_xlim(0.7, table.depths[-1] + 0.3)
            self.ax.set_xticks(table.depths)
            self.legend = self.ax.legend(loc="upper left", bbox_to_anchor=(1.03, 1.0),
                                         borderaxespad=0.0, frameon=False)
            style(self.ax, f"{PLOT_TITLES[table.family]}: operations against depth d")
            self.key = key
        counts = table.at(depth)
        self.current.set_data([depth] * len(COUNT_FIELDS), [counts[f] for f in COUNT_FIELDS])
        self.depth_line.set_xdata([depth, depth])

    def png(self) -> bytes:
        """The figure as PNG bytes."""
        from ._base import png

        return png(self.fig)


BUSY_HTML = ("<div class='adlab-busy' style='color:#555;font-style:italic'>Computing SymPy's "
             "expressions for the {label}, depths 1 to {max_depth} (once; under a second)"
             "&hellip;</div>")


def swell_explorer(depth: int = 4, family: str = "logistic", max_depth: int = 6,
                   normal_form: str = "factor"):
    """A depth slider and a family menu showing how symbolic derivatives swell and AD traces do not.

    Args:
        depth: the starting depth d.
        family: the starting family (a key of `FAMILIES`).
        max_depth: the slider's largest depth (at most `MAX_DEPTH`; each new
            family computes its counts once, about a second for depth 6).
        normal_form: the SymPy simplification shown ("factor", "simplify" or "expand").
    Returns:
        An `Explorer`; display it in a notebook.
    Raises:
        AdlabValueError: a depth outside 1 .. max_depth, or an unknown family.
    """
    import ipywidgets as w

    from ._base import Explorer

    max_depth = _check(max_depth, family, normal_form, what="max_depth")
    if not 1 <= depth <= max_depth:
        raise AdlabValueError(
            f"swell_explorer: depth must be from 1 to max_depth = {max_depth}, got {depth!r}.")
    controls = {
        "family": w.Dropdown(options=[(f.label, k) for k, f in FAMILIES.items()], value=family,
                             description="family", layout=w.Layout(width="26em")),
        "depth": w.IntSlider(value=depth, min=1, max=max_depth, step=1, description="depth d"),
    }
    plot = SwellPlot()
    shown = {}  # the explorer, once made (render runs once before)

    def render(family, depth):
        explorer = shown.get("explorer")
        if explorer is not None and not is_counted(max_depth, family, normal_form):
            # a busy sign while SymPy works; Explorer.update clears it after the redraw
            explorer.message.value = BUSY_HTML.format(label=html.escape(FAMILIES[family].label),
                                                      max_depth=max_depth)
        table = expression_swell(max_depth, family, normal_form)
        plot.update(table, depth)
        return {"html": report_html(table, depth), "png": plot.png()}

    explorer = Explorer("Expression swell: symbolic derivatives against AD traces", controls,
                        render)
    # the busy sign's line is kept when empty, so that it moves nothing when it shows
    explorer.message.layout.min_height = "1.6em"
    explorer.html.add_class("adlab-swell-text")  # TEXT_STYLE widens it to the output's width
    explorer.plot = plot
    shown["explorer"] = explorer
    return explorer
