"""Trace tables in Markdown, LaTeX, HTML and plain text, generated from a `Trace`.

Kinds: ``primal`` (the forward primal trace), ``tangent``, ``adjoint``,
``forward`` (primal beside tangent, in the format of Baydin et al.'s Table 2)
and ``reverse`` (primal beside adjoint, in the format of their Table 3). Every
line shows a symbolic step and the same step with numbers, e.g.
``v_2 = v_{-1} × v_0 | 2 × 5 = 10``.

Order of the lines. The primal and tangent lines follow the trace's rows:
inputs v_{1-n} .. v_0, then v_1 .. v_l in the order the function ran them.
The adjoint lines follow the reverse sweep: v̄_l = ȳ, then the rows from last
to first and, for each row, its arguments in argument order, one line per
contribution (the first one to v̄_j reads v̄_j = v̄_i ∂v_i/∂v_j, each further
one v̄_j = v̄_j + v̄_i ∂v_i/∂v_j), then x̄_k = v̄_k for the inputs in order.
For Baydin's f(x1, x2) = ln x1 + x1 x2 − sin x2 numbered as the paper numbers
it (f written one operation per line in the paper's order, as in notebook 07,
or any trace after `Trace.by_level`) the primal and tangent lines are the
paper's Table 2 line for line, and the adjoint lines are the paper's Table 3
read as it runs: the paper prints its adjoint column bottom to top (v̄_5 = ȳ
at the bottom), this table top to bottom (v̄_5 = ȳ first), and it ends with
x̄_1 then x̄_2. The Local partial column is this table's own: the paper writes
the partial inside the adjoint's line. ``html(highlight=k)`` marks one line as the current step
of a sweep (see `adlab.widgets.stepper`).

This module reads the trace's records and the primitives' display fields
only; the numbers come from `Trace.forward` and `Trace.reverse`.
"""

from __future__ import annotations

import html
import numbers
import re

import numpy as np

from .traces import Const

KINDS = ("primal", "tangent", "adjoint", "forward", "reverse")
_SUB = str.maketrans("-0123456789", "₋₀₁₂₃₄₅₆₇₈₉")
_SMALL = 6  # arrays up to this size show their values
# the current line of html(highlight=...): the graphs' highlight colours
_CURRENT_STYLE = "background:#fff3a3;font-weight:bold"
_CURRENT_RULE = ";box-shadow:inset 3px 0 0 #d62728"  # on the first marked cell


class Cell:
    """One table cell as LaTeX (for Markdown and LaTeX) and as Unicode text (HTML, text)."""

    __slots__ = ("latex", "text")

    def __init__(self, latex: str, text: str):
        self.latex, self.text = latex, text

    def __add__(self, other: "Cell") -> "Cell":
        return Cell(self.latex + other.latex, self.text + other.text)


def _cell(latex, text=None):
    return Cell(latex, latex if text is None else text)


# -- names and numbers ----------------------------------------------------------


def _var(prefix_latex: str, prefix_text: str, i: int) -> Cell:
    return Cell(f"{prefix_latex}_{{{i}}}", prefix_text + str(i).translate(_SUB))


def primal_name(i):
    return _var("v", "v", i)


def tangent_name(i):
    return _var("\\dot{v}", "v̇", i)


def adjoint_name(i):
    return _var("\\bar{v}", "v̄", i)


def input_name(name: str, mark: str = "") -> Cell:
    """x1 -> x_{1} / x₁, with a dot or bar mark for tangents and adjoints."""
    m = re.fullmatch(r"([A-Za-z]+)_?(\d+)", name)
    base, sub = (m.group(1), m.group(2)) if m else (name, "")
    base_latex = base if len(base) == 1 else f"\\mathrm{{{base}}}"
    if mark:
        base_latex = f"\\{mark}{{{base_latex}}}"
    text = base + {"dot": "\u0307", "bar": "\u0304", "": ""}[mark] + sub.translate(_SUB)
    return Cell(base_latex + (f"_{{{sub}}}" if sub else ""), text)


def number(v, digits: int, wrap_negative: bool = False) -> Cell:
    """A value with `digits` significant digits; small arrays in full, large ones by shape."""
    if isinstance(v, np.ndarray) and v.ndim > 0:
        if v.size <= _SMALL:
            items = [number(x, digits) for x in v.ravel()]
            body = ", ".join(c.text for c in items)
            latex = ", ".join(c.latex for c in items)
            if v.ndim > 1:
                return Cell(f"\\text{{{v.shape}}}\\,[{latex}]", f"{v.shape} [{body}]")
            return Cell(f"[{latex}]", f"[{body}]")
        shape_latex = " \\times ".join(map(str, v.shape))
        shape_text = "×".join(map(str, v.shape))
        return Cell(f"\\langle {shape_latex} \\text{{ array}}\\rangle", f"⟨{shape_text} array⟩")
    x = float(v)
    s = f"{x:.{digits}g}"
    if "e" in s:
        mant, exp = s.split("e")
        latex, text = f"{mant} \\times 10^{{{int(exp)}}}", f"{mant}e{int(exp)}"
    else:
        latex, text = s, s
    text = text.replace("-", "−")
    if x < 0 and wrap_negative:
        return Cell(f"({latex})", f"({text})")
    return Cell(latex, text)


def _arg_cell(trace, a, digits, numeric):
    if isinstance(a, Const):
        return number(a.value, digits, wrap_negative=True)
    if numeric:
        return number(trace.row(a).value, digits, wrap_negative=True)
    return primal_name(a)


def operation(trace, row, digits, numeric=False) -> Cell:
    """The right-hand side of v_i = op(args), symbolic or with the arguments' values."""
    args = [_arg_cell(trace, a, digits, numeric) for a in row.args]
    latex = row.prim.render(row.prim.latex, [c.latex for c in args])
    text = row.prim.render(row.prim.text, [c.text for c in args])
    return Cell(latex, text)


def _needs_parens(s: str) -> bool:
    """Whether a partial's text or LaTeX needs brackets as the right factor of a product."""
    core = s.strip()
    return (any(op in core for op in ("+", " - ", " − ", " / "))
            or core.startswith(("-", "−")))


def partial_formula(trace, row, k) -> Cell | None:
    """∂v_i/∂(argument k) as the primitive displays it, with the argument names filled in.

    The primitive's entry is a (text, LaTeX) template or a builder that also
    gets the values of constant arguments (see adlab/primitives.py: 2 v₀ for
    v₀², −1 / v₀² for 1 / v₀). A negative constant is written without
    brackets where it stands alone or in front (−2, not (−2)), and a minus
    applied to one is resolved (2 / ..., not −(−2) / ...). None where the
    primitive shows no partials (its partials are Jacobians).
    """
    if not row.prim.partials:
        return None
    entry = row.prim.partials[k]
    args = [_arg_cell(trace, a, 4, False) for a in row.args]
    texts, latexes = [c.text for c in args], [c.latex for c in args]
    if callable(entry):
        text, latex = entry(texts, latexes, [_scalar_constant(a) for a in row.args])
    else:
        text_t, latex_t = entry
        out = primal_name(row.index)
        text, latex = text_t.format(*texts, out=out.text), latex_t.format(*latexes, out=out.latex)
    return _tidy_signs(Cell(latex, text))


def _scalar_constant(a):
    """The value of a scalar constant argument as a float; None for a row or an array."""
    if isinstance(a, Const) and np.ndim(a.value) == 0:
        return float(a.value)
    return None


_NUM = r"(\d[\d.]*(?:e−?\d+)?)"  # a number as the text shows it, without its sign
_NUM_LATEX = r"(\d[\d.]*(?: \\times 10\^\{-?\d+\})?)"


def _tidy_signs(c: Cell) -> Cell:
    """A partial with the brackets of a negative constant dropped where no sign is doubled.

    ``(−2)`` alone -> ``−2``; ``(−2) / x`` or ``(−2) x`` in front -> ``−2 / x``;
    ``−(−2) / x`` -> ``2 / x`` (text), and the same in LaTeX (``-\\frac{(-2)}{x}``
    -> ``\\frac{2}{x}``).
    """
    text, latex = c.text, c.latex
    text = re.sub(rf"(^|[\s(])−\(−{_NUM}\)", r"\1\2", text)
    text = re.sub(rf"^\(−{_NUM}\)(?= |$)", r"−\1", text)
    latex = re.sub(rf"-\\frac\{{\(-{_NUM_LATEX}\)\}}", r"\\frac{\1}", latex)
    latex = re.sub(rf"^\\frac\{{\(-{_NUM_LATEX}\)\}}", r"-\\frac{\1}", latex)
    latex = re.sub(rf"(^|[\s(])-\(-{_NUM_LATEX}\)", r"\1\2", latex)
    latex = re.sub(rf"^\(-{_NUM_LATEX}\)(?= |$)", r"-\1", latex)
    return Cell(latex, text)


def partial_symbol(i, j) -> Cell:
    return Cell(f"\\frac{{\\partial v_{{{i}}}}}{{\\partial v_{{{j}}}}}",
                f"∂{primal_name(i).text}/∂{primal_name(j).text}")


def _times(a: Cell, b: Cell) -> Cell:
    return Cell(f"{a.latex} \\times {b.latex}", f"{a.text} × {b.text}")


# -- the tables -------------------------------------------------------------------


class TraceTable:
    """A rendered trace table. Shows as Markdown in Jupyter.

    Args:
        trace: the `Trace`.
        kind: one of ``KINDS``.
        seed: the tangent seed (for tangent and forward tables; default: the
            first input's direction) or the output adjoint (adjoint and
            reverse; default 1).
        digits: significant digits of the numbers (default 4).
    Attributes:
        header: column titles; rows: lists of `Cell`s.
    """

    def __init__(self, trace, kind="primal", seed=None, digits=4):
        if kind not in KINDS:
            raise ValueError(f"table: kind must be one of {KINDS}, got {kind!r}.")
        self.trace, self.kind, self.digits = trace, kind, digits
        if kind in ("tangent", "forward"):
            self.sweep = trace.forward(seed)
        elif kind in ("adjoint", "reverse"):
            self.sweep = trace.reverse(1.0 if seed is None else seed)
        else:
            self.sweep = None
        build = {"primal": self._primal, "tangent": self._tangent, "adjoint": self._adjoint,
                 "forward": self._forward, "reverse": self._reverse}[kind]
        self.header, self.rows = build()

    # each builder returns (header, rows)

    def _primal_lines(self):
        t, d = self.trace, self.digits
        lines = []
        for row in t.rows:
            lhs = primal_name(row.index)
            if row.is_input:
                lines.append([_eq(lhs, input_name(row.name)), number(row.value, d)])
            else:
                numeric = operation(t, row, d, numeric=True)
                lines.append([_eq(lhs, operation(t, row, d)),
                              _eq(numeric, number(row.value, d))])
        for k, i in enumerate(t.outputs):
            y = Cell("y", "y") if len(t.outputs) == 1 else _var("y", "y", k + 1)
            lines.append([_eq(y, primal_name(i)), number(t.row(i).value, d)])
        return lines

    def _primal(self):
        return ["Forward primal trace", "Value"], self._primal_lines()

    def _tangent_lines(self):
        t, d, tan = self.trace, self.digits, self.sweep
        lines = []
        for row in t.rows:
            lhs = tangent_name(row.index)
            value = number(tan[row.index], d)
            if row.is_input:
                lines.append([_eq(lhs, input_name(row.name, "dot")), value])
                continue
            sym_terms, num_terms = [], []
            for k, a in enumerate(row.args):
                if not isinstance(a, int):
                    continue
                formula = partial_formula(t, row, k)
                p = t.partial(row.index, k)
                if formula is None:
                    sym_terms.append(_times(partial_symbol(row.index, a), tangent_name(a)))
                    continue
                sym_terms.append(_symbolic_term(tangent_name(a), formula))
                if p is not None:
                    num_terms.append(_term(number(tan[a], d, True), number(p, d, True),
                                           formula))
            sym = _join(sym_terms) if sym_terms else Cell("0", "0")
            num = value
            if num_terms and len(num_terms) == len(sym_terms):
                worked = _join(num_terms)
                if worked.text != value.text:  # not "17.7 = 17.7" for v̇_i = v̇_j
                    num = _eq(worked, value)
            lines.append([_eq(lhs, sym), num])
        for k, i in enumerate(t.outputs):
            y = Cell("\\dot{y}", "ẏ") if len(t.outputs) == 1 else _var("\\dot{y}", "ẏ", k + 1)
            lines.append([_eq(y, tangent_name(i)), number(tan[i], d)])
        return lines

    def _tangent(self):
        return ["Forward tangent trace", "Value"], self._tangent_lines()

    def _adjoint_lines(self):
        t, d, adj = self.trace, self.digits, self.sweep
        out = t.output.index
        lines = [[_eq(adjoint_name(out), Cell("\\bar{y}", "ȳ")), Cell("", ""),
                  number(adj.seed, d)]]
        for step in adj.steps:
            target, source = adjoint_name(step.target), adjoint_name(step.source)
            contrib = Cell(f"{source.latex} {partial_symbol(step.source, step.target).latex}",
                           f"{source.text} {partial_symbol(step.source, step.target).text}")
            rhs = contrib if step.first else _plus(target, contrib)
            row = t.row(step.source)
            formula = partial_formula(t, row, step.position)
            pcell = (_eq(partial_symbol(step.source, step.target), formula)
                     if formula is not None else Cell("", ""))
            total = number(step.total, d)
            if step.partial is not None:
                product = _times(number(adj[step.source], d, True), number(step.partial, d, True))
                if not step.first:
                    before = step.total - step.contribution
                    product = _plus(number(before, d), product)
                numeric = _eq(product, total)
            else:
                numeric = total
            lines.append([_eq(target, rhs), pcell, numeric])
        for i in t.inputs:
            lines.append([_eq(input_name(t.row(i).name, "bar"), adjoint_name(i)), Cell("", ""),
                          number(adj[i], d)])
        return lines

    def _adjoint(self):
        return ["Reverse adjoint trace", "Local partial", "Value"], self._adjoint_lines()

    def _forward(self):
        left, right = self._primal_lines(), self._tangent_lines()
        return (["Forward primal trace", "Value", "Forward tangent trace", "Value"],
                [a + b for a, b in zip(left, right)])

    def _reverse(self):
        left, right = self._primal_lines(), self._adjoint_lines()
        n = max(len(left), len(right))
        blank2, blank3 = [Cell("", "")] * 2, [Cell("", "")] * 3
        left += [blank2] * (n - len(left))
        right += [blank3] * (n - len(right))
        return (["Forward primal trace", "Value", "Reverse adjoint trace", "Local partial",
                 "Value"], [a + b for a, b in zip(left, right)])

    # -- output formats ---------------------------------------------------------

    def markdown(self) -> str:
        """A Markdown table whose cells are inline LaTeX ($...$)."""
        def cell(c):
            if not c.latex:
                return ""
            return "$" + c.latex.replace("|", "\\vert ") + "$"

        lines = ["| " + " | ".join(self.header) + " |",
                 "|" + "---|" * len(self.header)]
        lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in self.rows]
        return "\n".join(lines) + "\n"

    def latex(self) -> str:
        """A LaTeX tabular (booktabs-free; paste into slides or a paper)."""
        cols = "l" * len(self.header)
        out = [f"\\begin{{tabular}}{{{cols}}}", "\\hline",
               " & ".join(f"\\textbf{{{h}}}" for h in self.header) + " \\\\", "\\hline"]
        for row in self.rows:
            out.append(" & ".join(f"${c.latex}$" if c.latex else "" for c in row) + " \\\\")
        out += ["\\hline", "\\end{tabular}"]
        return "\n".join(out) + "\n"

    def html(self, highlight=None, columns=None) -> str:
        """An HTML table in Unicode text (no MathJax needed).

        Args:
            highlight: the position in `rows` (0 = the first line under the
                header) of a line to mark as the current one, or None. Its
                ``<tr>`` gets the class ``adlab-current`` and its marked cells
                the same class and an inline style (yellow fill, bold, a red
                rule left of the first), so it shows without a style sheet.
            columns: the column positions of the highlighted line to mark
                (default: all), e.g. ``(2, 3, 4)`` for the adjoint half of a
                ``reverse`` table.
        Raises:
            ValueError: a highlight or column that is not in the table.
        """
        marked = self._marked_cells(highlight, columns)
        head = "".join(f"<th>{html.escape(h)}</th>" for h in self.header)
        lines = []
        for i, row in enumerate(self.rows):
            if i != highlight:
                lines.append("<tr>" + "".join(f"<td>{html.escape(c.text)}</td>" for c in row)
                             + "</tr>")
                continue
            cells = "".join(
                f'<td class="adlab-current" style="{_CURRENT_STYLE}'
                f'{_CURRENT_RULE if k == min(marked) else ""}">{html.escape(c.text)}</td>'
                if k in marked else f"<td>{html.escape(c.text)}</td>"
                for k, c in enumerate(row))
            lines.append(f'<tr class="adlab-current">{cells}</tr>')
        body = "".join(lines)
        return (f'<table class="adlab-trace adlab-{self.kind}"><thead><tr>{head}</tr></thead>'
                f"<tbody>{body}</tbody></table>")

    def _marked_cells(self, highlight, columns) -> set:
        if highlight is None:
            return set()
        if isinstance(highlight, bool) or not isinstance(highlight, numbers.Integral) or not (
                0 <= highlight < len(self.rows)):
            raise ValueError(f"table: highlight={highlight!r} is not a line of this table; give "
                             f"0 .. {len(self.rows) - 1} (0 is the first line under the header).")
        width = len(self.header)
        if columns is None:
            return set(range(width))
        columns = set(columns)
        bad = [c for c in columns if isinstance(c, bool) or not isinstance(c, numbers.Integral)
               or not 0 <= c < width]
        if bad:
            raise ValueError(f"table: columns {sorted(map(repr, bad))} are not columns of this "
                             f"table; give positions 0 .. {width - 1}.")
        return columns

    def text(self) -> str:
        """Plain Unicode text with aligned columns."""
        rows = [self.header] + [[c.text for c in row] for row in self.rows]
        widths = [max(len(r[k]) for r in rows) for k in range(len(self.header))]
        return "\n".join(" | ".join(s.ljust(w) for s, w in zip(r, widths)).rstrip()
                         for r in rows) + "\n"

    def _repr_markdown_(self):
        return self.markdown()

    def __repr__(self):
        return self.text()


def _eq(a: Cell, b: Cell) -> Cell:
    return Cell(f"{a.latex} = {b.latex}", f"{a.text} = {b.text}")


def _plus(a: Cell, b: Cell) -> Cell:
    if b.text.startswith("−"):
        return Cell(f"{a.latex} - {b.latex[1:]}", f"{a.text} − {b.text[1:]}")
    return Cell(f"{a.latex} + {b.latex}", f"{a.text} + {b.text}")


def _join(terms) -> Cell:
    out = terms[0]
    for t in terms[1:]:
        out = _plus(out, t)
    return out


def _symbolic_term(factor: Cell, formula: Cell) -> Cell:
    """factor times a partial's formula, a partial 1 / x written as a division (v̇ / x)."""
    for sign_text, sign_latex in (("", ""), ("−", "-")):
        if (formula.text.startswith(f"{sign_text}1 / ")
                and formula.latex.startswith(f"{sign_latex}\\frac{{1}}")):
            rest_text = formula.text[len(sign_text) + 4:]
            rest_latex = formula.latex[len(sign_latex) + len("\\frac{1}"):]
            return Cell(f"{sign_latex}\\frac{{{factor.latex}}}{rest_latex}",
                        f"{sign_text}{factor.text} / {rest_text}")
    return _term(factor, formula)


def _term(factor: Cell, partial: Cell, formula: Cell | None = None) -> Cell:
    """factor × partial, simplified when the partial's formula is 1 or −1."""
    shape = (formula or partial).text.strip()
    if shape == "1":
        return factor
    if shape in ("−1", "-1"):
        return Cell(f"-{factor.latex}", f"−{factor.text}")
    latex, text = partial.latex, partial.text
    if _needs_parens(latex) and not latex.startswith("("):
        latex = f"\\left({latex}\\right)"
    if _needs_parens(text) and not text.startswith("("):
        text = f"({text})"
    return _times(factor, Cell(latex, text))
