"""Fill-in trace tables: Baydin-style primal, tangent and adjoint tables with blanks to type into.

`worksheet(f, *point, mode=...)` traces f once (`adlab.trace`) and lays out the
table a student fills in, as plain data: one `Line` per value to find, with
the line as the course's tables write it (``v̄₀ = v̄₀ + v̄₂ ∂v₂/∂v₀``), the rule
it uses, in words, and the value it should hold. Every value comes from the
trace (`Trace.forward`, `Trace.reverse`) and every formula from the trace's
tables (`adlab.tables`), which read the primitives' own partial displays; this
module never computes a derivative itself.

Modes and lines:

* ``primal``: one line per row, v_i = φ_i(...); the inputs are given.
* ``forward`` (``tangent``): one line per row, v̇_i, for a seed direction
  (default: the first input); the inputs' tangents are the seed and given.
* ``reverse`` (``adjoint``), seed ȳ = 1: either ``lines="steps"`` (the default),
  Baydin et al.'s Table 3, one line per contribution of the sweep, so a variable
  read by several operations has one line per use, the later ones accumulating
  (v̄_j = v̄_j + v̄_i ∂v_i/∂v_j), then x̄_k = v̄_k; or ``lines="variables"``, one
  line per v̄_i with its whole sum over the operations that read v_i.

`Worksheet.check(entries)` marks what a student typed, cell by cell, with a
tolerance: right or wrong, and for a wrong cell the rule it should use, in the
course's notation (v_i, v̇_i, v̄_i), and what the number points to where that
can be told: a wrong sign, a missing contribution of a fan-out (``v₀ is read
by 3 operations (v₁, v₃, v₅), add all three``), ``=`` where ``+=`` belongs, or a
value that follows from a wrong earlier cell. No message states an expected
value; `Worksheet.solution` is adlab's own table, for after the work.

numpy only; `adlab.widgets.fill_in` is the ipywidgets view.
"""

from __future__ import annotations

import html
import itertools
import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from .errors import AdlabTypeError, AdlabValueError
from .tables import (Cell, TraceTable, adjoint_name, input_name, number, operation,
                     partial_formula, partial_symbol, primal_name, tangent_name)
from .traces import Trace, trace

MODES = ("primal", "forward", "reverse")
_ALIASES = {"tangent": "forward", "adjoint": "reverse"}
LAYOUTS = ("steps", "variables")
# a typed value counts as right within this relative distance (four significant
# digits, as adlab.quiz) or this absolute distance
RTOL = 5e-4
ATOL = 1e-12
_RIGHT, _WRONG, _EMPTY, _UNREADABLE = "right", "wrong", "empty", "unreadable"
_COLOURS = {_RIGHT: "#1b6e1b", _WRONG: "#a61b1b", _UNREADABLE: "#8a5a00", _EMPTY: "#555555"}
_ALL = {2: "both", 3: "all three", 4: "all four", 5: "all five", 6: "all six"}
_ORDINAL = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", 6: "sixth"}


@dataclass(frozen=True)
class Line:
    """One value of a fill-in table.

    Attributes:
        number: the line's position, 1 for the first (the ``#`` column).
        key: a short name for the line, unique in its table: ``v2`` (primal),
            ``v2_dot`` (tangent), ``v2_bar`` (adjoint), ``v0_bar[2]`` (v̄₀ after
            its second contribution, in a table by steps), ``x1_bar``.
        kind: ``input``, ``operation`` (primal and tangent lines), ``seed``,
            ``first`` or ``accumulate`` (contributions of the reverse sweep),
            ``adjoint`` (a whole v̄_i, in a table by variables) or ``gradient``.
        row: i of the variable v_i the line gives a value of.
        label: the line as the table shows it (a `adlab.tables.Cell`).
        rule: the rule the line uses, in words, e.g. ``v̄₀ = v̄₁ ∂v₁/∂v₀ + ...:
            v₀ is read by 3 operations (v₁, v₃, v₅), add all three``.
        value: the value the line should hold (from the trace).
        given: True for what the question gives (the inputs, the seed).
        depends: how the value follows from earlier lines, ((line number,
            factor), ...): value = the sum of factor times that line's value;
            None where it is not a linear combination (primal lines).
        parts: the separate terms of the value where a line adds several
            (a fan-out's contributions, a chain rule's terms), as ((what,
            value), ...), used to say which ones a wrong value is missing.
        title: how messages name the line: ``v̇₅`` in a table by variables,
            ``line 8 (v̄₀ = v̄₀ + v̄₂ ∂v₂/∂v₀)`` in a table by steps.
    """

    number: int
    key: str
    kind: str
    row: int
    label: Cell
    rule: str
    value: float
    given: bool = False
    depends: tuple | None = None
    parts: tuple = ()
    title: str = ""


@dataclass(frozen=True)
class Mark:
    """The verdict on one cell.

    Attributes:
        line: the `Line`.
        entry: what was typed or given (None for nothing).
        value: the number read from it, or None.
        status: ``right``, ``wrong``, ``empty`` (a blank left blank) or
            ``unreadable`` (not a number).
        why: for a wrong or unreadable cell, what is wrong, in a sentence.
        hint: the same in a few words, for a table's mark column (``wrong sign``).
    """

    line: Line
    entry: object
    value: float | None
    status: str
    why: str = ""
    hint: str = ""

    @property
    def correct(self) -> bool:
        return self.status == _RIGHT

    @property
    def short(self) -> str:
        """A few words for the mark column: right, wrong sign, not a number, ..."""
        if self.status == _RIGHT:
            return "right"
        if self.status == _EMPTY:
            return "blank"
        return self.hint or self.status

    @property
    def message(self) -> str:
        """One sentence or two: the cell's verdict and, unless right, the rule to use."""
        line = self.line
        if self.status == _RIGHT:
            return f"{line.title} is right: {line.rule}."
        if self.status == _EMPTY:
            return f"{line.title} is not filled in yet. Rule: {line.rule}."
        if self.status == _UNREADABLE:
            return f"{line.title}: {self.why}"
        yours = _fmt(self.value)
        return f"{line.title} = {yours} is wrong: {self.why} Rule: {line.rule}."


class Marking:
    """The marks of one set of entries on a `Worksheet`.

    Attributes:
        sheet: the `Worksheet`.
        marks: one `Mark` per blank and per line that has an entry, in line order.
    """

    def __init__(self, sheet, marks):
        self.sheet = sheet
        self.marks = tuple(marks)

    def __iter__(self):
        return iter(self.marks)

    def __len__(self):
        return len(self.marks)

    def __getitem__(self, key):
        """The mark of a line, by its key (``"v0_bar"``) or number (an int)."""
        line = self.sheet.line(key)
        for m in self.marks:
            if m.line.number == line.number:
                return m
        raise KeyError(f"line {line.number} ({line.key}) has no entry and is not a blank")

    @property
    def right(self) -> tuple:
        return tuple(m for m in self.marks if m.status == _RIGHT)

    @property
    def wrong(self) -> tuple:
        """The marks that are not right: wrong, unreadable or left blank."""
        return tuple(m for m in self.marks if m.status != _RIGHT)

    @property
    def all_right(self) -> bool:
        return bool(self.marks) and not self.wrong

    @property
    def score(self) -> float:
        """The share of the marked cells that are right, 0 to 1."""
        return len(self.right) / len(self.marks) if self.marks else 0.0

    def report(self, what: str = "") -> str:
        """The marks in words: how many are right, then each cell that is not, with its rule."""
        name = f"{what}: " if what else ""
        n, bad = len(self.marks), self.wrong
        unit = "value" if self.sheet.layout == "variables" else "line"
        if not bad:
            return f"{name}all {n} {unit}s are right."
        head = (f"{name}{len(bad)} of {n} {unit}s {'is' if len(bad) == 1 else 'are'} not right "
                f"yet.")
        return "\n".join([head] + [f"- {m.message}" for m in bad])

    def __repr__(self):
        return self.report()

    def html(self) -> str:
        """The table with the entries and a mark for each, then the messages of the wrong ones."""
        return self.sheet.html(marking=self)

    def _repr_html_(self):
        return self.html()


class Worksheet:
    """A fill-in table: its lines, which of them are blanks, and the checking of entries.

    Build one with `worksheet`. Attributes: ``trace``, ``mode``, ``layout``
    (``steps`` or ``variables``), ``seed``, ``lines`` (the `Line`s in order),
    ``blanks`` (the numbers of the blank lines), ``digits``, ``rtol``, ``atol``.
    """

    def __init__(self, t: Trace, mode, layout, seed, lines, blanks, digits, rtol, atol):
        self.trace, self.mode, self.layout, self.seed = t, mode, layout, seed
        self.lines = tuple(lines)
        self.blanks = tuple(sorted(blanks))
        self.digits, self.rtol, self.atol = digits, float(rtol), float(atol)
        self._by_key = {ln.key: ln for ln in self.lines}
        self._by_row = {}
        if layout == "variables":
            self._by_row = {ln.row: ln for ln in self.lines}

    def __len__(self):
        return len(self.lines)

    # -- lookup -------------------------------------------------------------------

    def line(self, key) -> Line:
        """A line by its key (``"v0_bar"``) or its number (1 = first)."""
        if isinstance(key, str):
            if key in self._by_key:
                return self._by_key[key]
            raise AdlabValueError(f"fill-in: no line {key!r}; the lines are "
                                  f"{', '.join(self._by_key)}.")
        if isinstance(key, numbers.Integral) and not isinstance(key, bool):
            if 1 <= key <= len(self.lines):
                return self.lines[key - 1]
            raise AdlabValueError(f"fill-in: no line {key}; the lines are numbered 1 to "
                                  f"{len(self.lines)}.")
        raise AdlabTypeError(f"fill-in: a line is named by its key or its number, got "
                             f"{type(key).__name__}.")

    @property
    def keys(self) -> tuple:
        return tuple(ln.key for ln in self.lines)

    @property
    def blank_lines(self) -> tuple:
        return tuple(self.lines[n - 1] for n in self.blanks)

    def values(self) -> dict:
        """Every line's value by key (the answers: for a key or a test, not for a student)."""
        return {ln.key: ln.value for ln in self.lines}

    def solution(self):
        """adlab's own table of the same sweep (`adlab.tables.TraceTable`), for after the work."""
        seed = self.seed if self.mode != "primal" else None
        return TraceTable(self.trace, self.mode, seed=seed, digits=self.digits)

    # -- checking -----------------------------------------------------------------

    def entries(self, entries) -> dict:
        """ENTRIES as {line number: entry}.

        Args:
            entries: a list with one entry per line, in line order (None for a
                line left out), or one per blank; or a dict from line key
                (``"v0_bar"``) to entry, or, in a table by variables, from row
                index i of v_i to entry. An entry is a number or text such as
                ``"-0.25"``, ``"1/3"`` or ``"cos(2)"``.
        Raises:
            AdlabValueError: a list of the wrong length, or an unknown key.
        """
        if isinstance(entries, Mapping):
            out = {}
            for k, v in entries.items():
                if isinstance(k, numbers.Integral) and not isinstance(k, bool):
                    if self.layout != "variables":
                        raise AdlabValueError(
                            f"fill-in: give the lines of a table by steps by their keys "
                            f"({', '.join(self.keys)}) or as a list in line order, not by "
                            f"row number ({k}).")
                    if k not in self._by_row:
                        raise AdlabValueError(
                            f"fill-in: the trace has no row v{k}; its rows are "
                            f"v{self.trace.rows[0].index} to v{self.trace.rows[-1].index}.")
                    out[self._by_row[k].number] = v
                else:
                    out[self.line(str(k)).number] = v
            return out
        if isinstance(entries, (str, bytes)) or not hasattr(entries, "__len__"):
            raise AdlabTypeError(f"fill-in: give the entries as a list (one per line, in "
                                 f"order) or a dict by line key, got {type(entries).__name__}.")
        items = list(entries)
        if len(items) == len(self.lines):
            return {ln.number: v for ln, v in zip(self.lines, items)}
        if self.blanks and len(items) == len(self.blanks):
            return dict(zip(self.blanks, items))
        blanks = (f" or one per blank ({len(self.blanks)})"
                  if len(self.blanks) != len(self.lines) else "")
        raise AdlabValueError(
            f"fill-in: {len(items)} entries, but the table has {len(self.lines)} lines: give "
            f"one per line, in order, with None for a line you leave out{blanks}.")

    def check(self, entries, rtol: float | None = None, atol: float | None = None) -> Marking:
        """Mark ENTRIES cell by cell (see `entries` for their form).

        Every blank is marked (``empty`` if it has no entry) and so is every
        other line that has one. A value is right within ``max(atol, rtol *
        |value|)`` of the line's value (the sheet's tolerances unless given).
        Returns:
            A `Marking`.
        """
        rtol = self.rtol if rtol is None else float(rtol)
        atol = self.atol if atol is None else float(atol)
        given = self.entries(entries)
        read: dict = {}
        problems: dict = {}
        for n, entry in given.items():
            if _is_blank(entry):
                continue
            try:
                read[n] = read_entry(entry)
            except ValueError as exc:
                problems[n] = str(exc)
        # the values each later line builds on: the student's where readable, else the table's
        # own for the lines the question gives
        known = {ln.number: read.get(ln.number, ln.value if ln.given else None)
                 for ln in self.lines}
        marks = []
        for ln in self.lines:
            n = ln.number
            if n not in self.blanks and (n not in given or _is_blank(given[n])):
                continue
            entry = given.get(n)
            if n in problems:
                marks.append(Mark(ln, entry, None, _UNREADABLE, problems[n], "not a number"))
            elif n not in read:
                marks.append(Mark(ln, entry, None, _EMPTY))
            elif _close(read[n], ln.value, rtol, atol):
                marks.append(Mark(ln, entry, read[n], _RIGHT))
            else:
                short, why = self._diagnose(ln, read[n], known, rtol, atol)
                marks.append(Mark(ln, entry, read[n], _WRONG, why, short))
        return Marking(self, marks)

    def check_rows(self, values, rtol: float | None = None, atol: float | None = None) -> Marking:
        """Mark a list of values given by row, v_{1-n} first, as ``tangents(x)`` or
        ``adjoints(x)`` return them (a table by variables only).

        Raises:
            AdlabValueError: a table by steps, or a list whose length is not the number of rows.
        """
        if self.layout != "variables":
            raise AdlabValueError("fill-in: check_rows is for a table by variables (one line "
                                  "per v_i); this one is by steps.")
        if isinstance(values, (str, bytes, Mapping)) or not hasattr(values, "__len__"):
            raise AdlabTypeError(f"fill-in: check_rows takes a list of values, one per row, got "
                                 f"{type(values).__name__}.")
        values = list(values)
        rows = [r.index for r in self.trace.rows]
        if len(values) != len(rows):
            raise AdlabValueError(
                f"fill-in: {len(values)} values, but the trace has {len(rows)} rows, "
                f"{primal_name(rows[0]).text} to {primal_name(rows[-1]).text}: give one per row.")
        return self.check(dict(zip(rows, values)), rtol, atol)

    def _diagnose(self, ln: Line, got: float, known: dict, rtol, atol) -> tuple:
        """(a few words, a sentence): why GOT is wrong for line LN, as far as the number tells."""
        close = lambda a, b: _close(a, b, rtol, atol)  # noqa: E731
        if ln.depends:
            deps = [(known.get(n), f) for n, f in ln.depends]
            wrong_before = [n for n, _ in ln.depends if known.get(n) is not None
                            and not _close(known[n], self.lines[n - 1].value, rtol, atol)]
            if wrong_before and all(v is not None for v, _ in deps):
                implied = sum(v * f for v, f in deps)
                if close(got, implied):
                    names = " and ".join(self.lines[n - 1].title
                                         for n in dict.fromkeys(wrong_before))
                    return ("follows from a wrong value",
                            f"it follows from your {names}, which is wrong: the rule is applied "
                            f"right here, so correct that value first.")
        if ln.kind == "accumulate":
            before = self.lines[ln.depends[0][0] - 1].value
            if close(got, ln.value - before):
                return ("= instead of +=",
                        f"this is the new contribution alone, but {_name(ln)} already holds "
                        f"the earlier contribution(s): add to it (v̄ = v̄ + ..., += in code, "
                        f"not =).")
            if close(got, before):
                return ("contribution not added",
                        f"this is {_name(ln)} before this line: add this line's contribution.")
        if ln.kind == "first" and ln.parts and close(got, ln.parts[0][1]):
            return ("not only the first contribution",
                    f"this is {_name(ln)} with all its contributions, but this line holds only "
                    f"the first; the others are added in the lines that follow.")
        if ln.kind == "gradient":
            for what, value in ln.parts:
                if close(got, value):
                    return ("taken before the last contribution",
                            f"this is {what}, before every contribution to it was added: take "
                            f"the value after the last one.")
        if ln.kind in ("adjoint", "operation") and len(ln.parts) >= 2:
            missing = _missing_parts(ln.parts, got, close)
            if missing is not None:
                return _missing_words(ln, *missing)
        if ln.value != 0 and close(-got, ln.value):
            return "wrong sign", "the size is right but the sign is wrong."
        if rtol < 1e-6 and _close(got, ln.value, 1e-5, atol):
            return ("not exact", "it is close but not exact: a difference quotient or a rounded "
                                 "value? Compute it by the rule.")
        if rtol >= 1e-6 and _close(got, ln.value, min(50 * rtol, 5e-2), atol):
            digits = max(1, round(math.log10(5 / rtol)))      # rounding to d digits: 5e-d
            return ("too few digits", f"it is close but not within {rtol:.0e} of the value: give "
                                      f"at least {digits} significant digits.")
        return "wrong", "the value does not follow from the rule."

    # -- rendering --------------------------------------------------------------------

    def _value_cell(self, ln: Line, marking: Marking | None):
        """(text, mark) for a line's value cell: the given value, the entry or ``?``."""
        mark = None
        if marking is not None:
            mark = next((m for m in marking.marks if m.line.number == ln.number), None)
        if mark is not None:
            if mark.value is not None:
                return _fmt(mark.value), mark
            if mark.entry is not None and not _is_blank(mark.entry):
                return str(mark.entry), mark
            return "?", mark
        if ln.number in self.blanks:
            return "?", None
        return number(ln.value, self.digits).text, None

    def _halves(self):
        """The primal lines beside the fill-in lines (as TraceTable does for its tables)."""
        if self.mode == "primal":
            return [], self.lines
        primal = TraceTable(self.trace, "primal", digits=self.digits).rows
        return primal, self.lines

    def html(self, marking: Marking | None = None, messages: bool = True) -> str:
        """The table in HTML (Unicode text, no MathJax): blanks as ``?``, or with the
        entries of MARKING and a mark column, then (unless MESSAGES is False) the messages
        of the cells that are not right."""
        primal, lines = self._halves()
        header = []
        if primal:
            header += ["Forward primal trace", "Value"]
        header += ["#", self._title(), "Value"]
        if marking is not None:
            header.append("Mark")
        rows = []
        for k in range(max(len(primal), len(lines))):
            cells = []
            if primal:
                p = primal[k] if k < len(primal) else None
                cells += ([html.escape(p[0].text), html.escape(p[1].text)] if p else ["", ""])
            if k < len(lines):
                ln = lines[k]
                text, mark = self._value_cell(ln, marking)
                style = ""
                if ln.number in self.blanks or mark is not None:
                    colour = _COLOURS.get(mark.status) if mark else None
                    style = (f' style="border:1px solid #999;min-width:4em;'
                             f'{f"color:{colour};" if colour else ""}"')
                cells += [str(ln.number), html.escape(ln.label.text),
                          f'<span class="adlab-fillin-value"{style}>{html.escape(text)}</span>']
                if marking is not None:
                    cells.append(_mark_html(mark) if mark else "")
            else:
                cells += ["", "", ""] + ([""] if marking is not None else [])
            rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
        head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
        out = (f'<table class="adlab-trace adlab-fillin adlab-{self.mode}">'
               f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")
        if marking is not None and marking.wrong and messages:
            items = "".join(f'<li style="color:{_COLOURS[m.status]}">{html.escape(m.message)}'
                            f"</li>" for m in marking.wrong)
            out += f'<ul class="adlab-fillin-messages">{items}</ul>'
        return out

    def markdown(self) -> str:
        """The blank table as Markdown with inline LaTeX (blanks as ?)."""
        primal, lines = self._halves()
        header = (["Forward primal trace", "Value"] if primal else []) + ["#", self._title(),
                                                                        "Value"]

        def cell(c: Cell):
            return "$" + c.latex.replace("|", "\\vert ") + "$" if c.latex else ""

        out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        for k in range(max(len(primal), len(lines))):
            cells = []
            if primal:
                p = primal[k] if k < len(primal) else None
                cells += [cell(p[0]), cell(p[1])] if p else ["", ""]
            if k < len(lines):
                ln = lines[k]
                value = "?" if ln.number in self.blanks else cell(number(ln.value, self.digits))
                cells += [str(ln.number), cell(ln.label), value]
            else:
                cells += ["", "", ""]
            out.append("| " + " | ".join(cells) + " |")
        return "\n".join(out) + "\n"

    def text(self) -> str:
        """The blank table as plain text, one line per row."""
        def value(ln):
            return "?" if ln.number in self.blanks else number(ln.value, self.digits).text

        return "\n".join(f"{ln.number:>2}  {ln.label.text}  =  {value(ln)}"
                         for ln in self.lines) + "\n"

    def _title(self) -> str:
        return {"primal": "Forward primal trace", "forward": "Forward tangent trace",
                "reverse": "Reverse adjoint trace"}[self.mode]

    def _repr_markdown_(self):
        return self.markdown()

    def __repr__(self):
        return self.text()


# -- building the lines ----------------------------------------------------------------


def worksheet(f, *point, mode: str = "reverse", seed=None, lines: str | None = None,
              blanks="all", digits: int = 4, rtol: float = RTOL, atol: float = ATOL,
              names=None) -> Worksheet:
    """A fill-in table for one sweep of f at a point.

    Args:
        f: a function built from adlab operations (traced as ``adlab.trace(f,
            *point)``, numbered in the order it runs), a formula as text such as
            ``"ln(x1) + x1*x2 - sin(x2)"`` (numbered in rounds, as Baydin et
            al. and ``adlab trace`` number it), or a `Trace` (then no point).
        point: the input values.
        mode: ``primal``, ``forward`` (or ``tangent``) or ``reverse`` (or ``adjoint``).
        seed: forward: the input to differentiate along (a name), a dict by
            name or one tangent per input (default: the first input); reverse:
            ȳ (default 1).
        lines: reverse only: ``steps`` (default; Baydin et al.'s Table 3, one
            line per contribution) or ``variables`` (one line per v̄_i).
        blanks: which values the student types: ``"all"`` (every line the
            question does not give), ``"fan-out"`` (the lines of variables read
            by more than one operation, and for tangents the lines with more
            than one term), or an iterable of line numbers and keys.
        digits: significant digits of the values shown.
        rtol, atol: the default tolerances of `Worksheet.check`.
        names: the input names (default: f's parameter names).
    Returns:
        A `Worksheet`; it displays as the blank table.
    Raises:
        AdlabValueError: an unknown mode, layout, seed or blank; a trace with an
            array value (fill-in tables are for scalars); a value that is not finite.
    """
    mode = _ALIASES.get(mode, mode)
    if mode not in MODES:
        raise AdlabValueError(f"fill-in: mode must be one of {', '.join(MODES)} (or tangent, "
                              f"adjoint), got {mode!r}.")
    layout = lines or ("steps" if mode == "reverse" else "variables")
    if layout not in LAYOUTS:
        raise AdlabValueError(f"fill-in: lines must be one of {', '.join(LAYOUTS)}, got "
                              f"{layout!r}.")
    if layout == "steps" and mode != "reverse":
        raise AdlabValueError("fill-in: lines='steps' is for the reverse sweep; a primal or "
                              "tangent table has one line per variable.")
    t = _trace_of(f, point, names)
    for row in t.rows:
        if row.shape != ():
            raise AdlabValueError(
                f"fill-in: {primal_name(row.index).text} is an array of shape {row.shape}; "
                f"fill-in tables are for scalar traces (one number per cell).")
        if not math.isfinite(float(row.value)):
            raise AdlabValueError(
                f"fill-in: {primal_name(row.index).text} is {float(row.value)} at this point; "
                f"choose a point where f is defined.")
    if mode == "primal":
        built, used_seed = _primal_lines(t, digits), None
    elif mode == "forward":
        if isinstance(seed, str):
            if seed not in t.input_names:
                raise AdlabValueError(f"fill-in: the seed {seed!r} is not an input; the inputs "
                                      f"are {', '.join(t.input_names)}.")
            seed = {seed: 1.0}
        sweep = t.forward(seed)
        built, used_seed = _forward_lines(t, sweep, digits), sweep.seed
    else:
        ybar = 1.0 if seed is None else seed
        sweep = t.reverse(ybar)
        builder = _step_lines if layout == "steps" else _variable_lines
        built, used_seed = builder(t, sweep, digits), sweep.seed
    for ln in built:
        if not math.isfinite(ln.value):
            raise AdlabValueError(f"fill-in: {ln.title} is {ln.value} at this point; choose a "
                                  f"point where f's derivative is defined.")
    chosen = _choose_blanks(t, built, blanks)
    return Worksheet(t, mode, layout, used_seed, built, chosen, digits, rtol, atol)


def _trace_of(f, point, names) -> Trace:
    if isinstance(f, Trace):
        if point:
            raise AdlabValueError("fill-in: a Trace already has its point; give no values.")
        return f
    from .expressions import Expression, parse

    if isinstance(f, str):
        f = parse(f)
    if isinstance(f, Expression):
        if len(point) != len(f.variables):
            raise AdlabValueError(f"fill-in: {len(point)} value(s) for the variables "
                                  f"{', '.join(f.variables)} of {f.text!r}; give one each.")
        with np.errstate(all="ignore"):
            return trace(f, *_floats(point), names=f.variables).by_level()
    if not callable(f):
        raise AdlabTypeError(f"fill-in: f must be a function built from adlab operations, a "
                             f"formula as text or a Trace, got {type(f).__name__}.")
    if not point:
        raise AdlabValueError("fill-in: give the point, one value per input of f.")
    with np.errstate(all="ignore"):
        return trace(f, *_floats(point), names=names)


def _floats(point) -> tuple:
    out = []
    for x in point:
        try:
            out.append(float(x) if np.ndim(x) == 0 else np.asarray(x, dtype=float))
        except (TypeError, ValueError):
            raise AdlabValueError(f"fill-in: the point must be numbers, got {x!r}.") from None
    return tuple(out)


def _definition(t: Trace, i: int) -> str:
    """``v₅ = 1 / v₀`` for an operation row, ``v₋₁ = x₁`` for an input."""
    row = t.row(i)
    rhs = input_name(row.name).text if row.is_input else operation(t, row, 4).text
    return f"{primal_name(i).text} = {rhs}"


def _names(rows) -> str:
    return ", ".join(primal_name(i).text for i in rows)


def _uses(adjoints) -> dict:
    """target row -> the steps of the sweep that add into its adjoint, in sweep order."""
    uses: dict = {}
    for s in adjoints.steps:
        uses.setdefault(s.target, []).append(s)
    return uses


def _readers(t: Trace, i: int, steps) -> str:
    """``v₀ is read by 3 operations (v₁, v₃, v₅), add all three`` and its variants."""
    n = len(steps)
    sources = sorted({s.source for s in steps})
    v = primal_name(i).text
    add = f"add {_ALL.get(n, f'all {n}')}"
    if len(sources) == n:
        return f"{v} is read by {n} operations ({_names(sources)}), {add}"
    return f"{v} is used {n} times (by {_names(sources)}), {add}"


def _primal_lines(t: Trace, digits) -> list:
    table = TraceTable(t, "primal", digits=digits)
    out = []
    for k, row in enumerate(t.rows):
        label = table.rows[k][0]
        name = primal_name(row.index).text
        if row.is_input:
            rule = f"{label.text}, an input: the question gives it"
        else:
            rule = label.text
        out.append(Line(k + 1, f"v{row.index}", "input" if row.is_input else "operation",
                        row.index, label, rule, float(row.value), row.is_input, None, (), name))
    return out


def _forward_lines(t: Trace, tangents, digits) -> list:
    table = TraceTable(t, "tangent", seed=tangents.seed, digits=digits)
    number_of = {row.index: k + 1 for k, row in enumerate(t.rows)}
    out = []
    for k, row in enumerate(t.rows):
        label = table.rows[k][0]
        name = tangent_name(row.index).text
        value = float(tangents[row.index])
        if row.is_input:
            rule = f"{label.text} = {number(value, digits).text}, the seed"
            out.append(Line(k + 1, f"v{row.index}_dot", "input", row.index, label, rule, value,
                            True, None, (), name))
            continue
        depends, parts = [], []
        for pos, a in enumerate(row.args):
            if not isinstance(a, int):
                continue
            p = t.partial(row.index, pos)
            depends.append((number_of[a], p))
            parts.append((f"the term of {tangent_name(a).text}", p * float(tangents[a])))
        rule = f"{label.text}, the chain rule through {_definition(t, row.index)}"
        if len(parts) > 1:
            rule += f": one term per argument, add {_ALL.get(len(parts), f'all {len(parts)}')}"
        out.append(Line(k + 1, f"v{row.index}_dot", "operation", row.index, label, rule, value,
                        False, tuple(depends), tuple(parts), name))
    return out


def _partials_words(t: Trace, steps) -> str:
    """``∂v₁/∂v₀ = 2 v₀, ∂v₃/∂v₀ = cos(v₀)``: the local partials of the steps, as the
    primitives display them (each once)."""
    seen, words = set(), []
    for s in steps:
        formula = partial_formula(t, t.row(s.source), s.position)
        if formula is None:
            continue
        text = f"{partial_symbol(s.source, s.target).text} = {formula.text}"
        if text not in seen:
            seen.add(text)
            words.append(text)
    return ", ".join(words)


def _step_lines(t: Trace, adjoints, digits) -> list:
    """Baydin et al.'s Table 3: the seed, one line per contribution, then x̄_k = v̄_k."""
    table = TraceTable(t, "adjoint", seed=adjoints.seed, digits=digits)
    uses = _uses(adjoints)
    out_row = t.output.index
    lines = []
    seed_value = float(adjoints.seed)
    seed_label = table.rows[0][0]
    lines.append(Line(1, f"v{out_row}_bar", "seed", out_row, seed_label,
                      f"{seed_label.text} = {number(seed_value, digits).text}, the seed of the "
                      f"reverse sweep", seed_value, True, None, (), "line 1"))
    last_line: dict = {out_row: 1}        # row -> the line holding its adjoint so far
    count: dict = {}
    totals: dict = {}                      # row -> [(line number, running total)]
    for j, s in enumerate(adjoints.steps):
        n = 2 + j
        label, pcell = table.rows[1 + j][0], table.rows[1 + j][1]
        steps = uses[s.target]
        count[s.target] = count.get(s.target, 0) + 1
        m, total_uses = count[s.target], len(steps)
        bar = adjoint_name(s.target).text
        key = f"v{s.target}_bar" if total_uses == 1 else f"v{s.target}_bar[{m}]"
        partial = f", with {pcell.text}" if pcell.text else ""
        source_line = last_line[s.source]
        title = f"line {n} ({label.text})"
        if s.first:
            depends = ((source_line, float(s.partial)),)
            if total_uses == 1:
                rule = (f"{label.text}{partial} ({primal_name(s.target).text} is read by "
                        f"{primal_name(s.source).text} only)")
                parts = ()
            else:
                rule = (f"{label.text}{partial}: {_readers(t, s.target, steps)}; this line "
                        f"holds the first contribution, the others are added in the lines "
                        f"that follow")
                parts = (("the whole", float(adjoints[s.target])),)
            kind = "first"
        else:
            depends = ((last_line[s.target], 1.0), (source_line, float(s.partial)))
            done = " and completes it" if m == total_uses else ""
            rule = (f"{label.text}{partial}: {_readers(t, s.target, steps)}; this line adds "
                    f"the {_ORDINAL.get(m, f'{m}th')} of {total_uses} contributions to the "
                    f"{bar} of line {last_line[s.target]}{done}")
            parts = ()
            kind = "accumulate"
        lines.append(Line(n, key, kind, s.target, label, rule, float(s.total), False, depends,
                          parts, title))
        last_line[s.target] = n
        totals.setdefault(s.target, []).append((n, float(s.total)))
    start = 2 + len(adjoints.steps)
    for m, i in enumerate(t.inputs):
        n = start + m
        label = table.rows[n - 1][0]
        name = t.row(i).name
        value = float(adjoints[i])
        runs = totals.get(i, [])
        if len(runs) > 1:
            rule = (f"{label.text}: the adjoint of input {input_name(name).text} after all "
                    f"{len(runs)} contributions, the {adjoint_name(i).text} of line {runs[-1][0]}")
            parts = tuple((f"the {adjoint_name(i).text} of line {ln}", v) for ln, v in runs[:-1])
        elif runs:
            rule = (f"{label.text}: the adjoint of input {input_name(name).text}, the "
                    f"{adjoint_name(i).text} of line {runs[-1][0]}")
            parts = ()
        else:
            rule = (f"{label.text} = 0: nothing reads {primal_name(i).text}, so y does not "
                    f"depend on {input_name(name).text}")
            parts = ()
        depends = ((last_line[i], 1.0),) if i in last_line else None
        key = f"{name}_bar" if f"{name}_bar" not in {ln.key for ln in lines} else f"{name}_bar_in"
        lines.append(Line(n, key, "gradient", i, label, rule, value, False, depends, parts,
                          f"line {n} ({label.text})"))
    return lines


def _variable_lines(t: Trace, adjoints, digits) -> list:
    """One line per v̄_i, from the output's down to the first input's (the sweep's order)."""
    uses = _uses(adjoints)
    out_row = t.output.index
    order = [out_row] + [r.index for r in reversed(t.rows) if r.index != out_row]
    number_of = {i: k + 1 for k, i in enumerate(order)}
    lines = []
    for k, i in enumerate(order):
        bar = adjoint_name(i)
        value = float(adjoints[i])
        steps = uses.get(i, [])
        if i == out_row:
            label = Cell(f"{bar.latex} = \\bar{{y}}", f"{bar.text} = ȳ")
            lines.append(Line(k + 1, f"v{i}_bar", "seed", i, label,
                              f"{label.text} = {number(value, digits).text}, the seed of the "
                              f"reverse sweep", value, True, None, (), bar.text))
            continue
        if not steps:
            label = Cell(f"{bar.latex} = 0", f"{bar.text} = 0")
            rule = (f"{label.text}: nothing reads {primal_name(i).text} (or nothing that "
                    f"reaches y), so no adjoint flows back to it")
            lines.append(Line(k + 1, f"v{i}_bar", "adjoint", i, label, rule, value, False, (),
                              (), bar.text))
            continue
        steps = sorted(steps, key=lambda s: (s.source, s.position))   # v̄₁ .. + v̄₃ .. + v̄₅ ..
        terms = [Cell(f"{adjoint_name(s.source).latex} "
                      f"{partial_symbol(s.source, s.target).latex}",
                      f"{adjoint_name(s.source).text} {partial_symbol(s.source, s.target).text}")
                 for s in steps]
        rhs = terms[0]
        for c in terms[1:]:
            rhs = Cell(f"{rhs.latex} + {c.latex}", f"{rhs.text} + {c.text}")
        label = Cell(f"{bar.latex} = {rhs.latex}", f"{bar.text} = {rhs.text}")
        partials = _partials_words(t, steps)
        with_partials = f", with {partials}" if partials else ""
        if len(steps) == 1:
            rule = (f"{label.text}{with_partials} ({primal_name(i).text} is read by "
                    f"{primal_name(steps[0].source).text} only)")
        else:
            rule = f"{label.text}{with_partials}: {_readers(t, i, steps)}"
        depends = tuple((number_of[s.source], float(s.partial)) for s in steps)
        parts = tuple((f"the contribution of {primal_name(s.source).text}",
                       float(s.contribution)) for s in steps)
        lines.append(Line(k + 1, f"v{i}_bar", "adjoint", i, label, rule, value, False, depends,
                          parts, bar.text))
    return lines


def _choose_blanks(t: Trace, lines, blanks) -> set:
    if isinstance(blanks, str):
        if blanks == "all":
            return {ln.number for ln in lines if not ln.given}
        if blanks == "fan-out":
            chosen = {ln.number for ln in lines if not ln.given and _is_fan_out(t, ln, lines)}
            if not chosen:
                raise AdlabValueError("fill-in: blanks='fan-out', but no variable of this trace "
                                      "is read by more than one operation; choose the blanks.")
            return chosen
        raise AdlabValueError(f"fill-in: blanks must be 'all', 'fan-out' or a list of line "
                              f"numbers and keys, got {blanks!r}.")
    if blanks is None:
        return set()
    by_key = {ln.key: ln.number for ln in lines}
    chosen = set()
    for b in blanks:
        if isinstance(b, str):
            if b not in by_key:
                raise AdlabValueError(f"fill-in: no line {b!r} for a blank; the lines are "
                                      f"{', '.join(by_key)}.")
            chosen.add(by_key[b])
        elif isinstance(b, numbers.Integral) and not isinstance(b, bool) and 1 <= b <= len(lines):
            chosen.add(int(b))
        else:
            raise AdlabValueError(f"fill-in: {b!r} is not a line; give numbers 1 to "
                                  f"{len(lines)} or keys such as {lines[-1].key!r}.")
    return chosen


def _is_fan_out(t: Trace, ln: Line, lines) -> bool:
    readers: dict = {}
    for row in t.rows:
        for a in row.arg_rows:
            readers[a] = readers.get(a, 0) + 1
    if ln.kind in ("first", "accumulate", "adjoint", "gradient"):
        return readers.get(ln.row, 0) > 1
    if ln.kind == "operation":
        if len(ln.parts) > 1:       # a tangent with several terms
            return True
        return any(readers.get(a, 0) > 1 for a in t.row(ln.row).arg_rows)
    return False


# -- reading and comparing -------------------------------------------------------------


def _is_blank(entry) -> bool:
    return entry is None or (isinstance(entry, str) and not entry.strip())


def read_entry(entry) -> float:
    """The number in one cell's entry: a number, or text such as ``-0.25``, ``1/3``, ``cos(2)``
    (read by `adlab.expressions.parse`, never eval).

    Raises:
        ValueError: the entry is not a finite number; the message says what to type.
    """
    from .quiz import _read_number

    if isinstance(entry, bool):
        raise ValueError(f"{entry!r} is not a number: type one such as 0.5 or -1/3.")
    if isinstance(entry, numbers.Real):
        value = float(entry)
    elif isinstance(entry, np.ndarray) and entry.shape == ():
        value = float(entry)
    elif isinstance(entry, str):
        value = _read_number(entry)
    else:
        raise ValueError(f"{type(entry).__name__} {entry!r:.40} is not a number: give one "
                         f"number per cell.")
    if not math.isfinite(value):
        raise ValueError(f"{value} is not a finite number.")
    return value


def _close(got, want, rtol, atol) -> bool:
    return abs(got - want) <= max(atol, rtol * abs(want))


def _missing_parts(parts, got, close):
    """(the parts GOT holds, the parts it lacks) when GOT is the sum of some but not all of
    them, else None."""
    n = len(parts)
    sizes = range(1, n) if n <= 6 else (1, n - 1)
    for size in sizes:
        for have in itertools.combinations(range(n), size):
            if close(got, sum(parts[k][1] for k in have)):
                lacking = [k for k in range(n) if k not in have]
                return [parts[k][0] for k in have], [parts[k][0] for k in lacking]
    return None


def _missing_words(ln: Line, have, lacking) -> tuple:
    def join(items):
        return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]

    verb = "is" if len(lacking) == 1 else "are"
    if ln.kind == "adjoint":
        return ("missing a contribution",
                f"it has only {join(have)}; {join(lacking)} {verb} missing.")
    return ("missing a term",
            f"it has only {join(have)}; {join(lacking)} {verb} missing (one term per "
            f"argument).")


def _name(ln: Line) -> str:
    return adjoint_name(ln.row).text


def _fmt(v) -> str:
    """A student's value as typed: 0.25, 1.716; all the digits where fewer would round it."""
    if v is None:
        return "?"
    short = f"{v:.6g}"
    return (short if float(short) == v else repr(float(v))).replace("-", "−")


def _mark_html(mark: Mark) -> str:
    colour = _COLOURS[mark.status]
    return (f'<span class="adlab-fillin-mark adlab-fillin-{mark.status}" '
            f'style="color:{colour}">{html.escape(mark.short)}</span>')


__all__ = ["Line", "Mark", "Marking", "Worksheet", "worksheet", "read_entry", "MODES", "LAYOUTS",
           "RTOL", "ATOL"]
