"""Explorer 7: a fill-in trace table, typed into and marked cell by cell.

`adlab.fillin.worksheet` is the data: the lines of a primal, tangent or adjoint
table (Baydin et al.'s Tables 2 and 3) traced from the function, which of them
are blanks, and the marking of what a student types. `fill_in` is the view: the
primal trace with its values, then the table's lines with a text box in each
blank. A value typed into a box is marked as soon as it is entered (Enter, or
leaving the box): right, or wrong with the rule the cell should use and, where
the number tells, what went wrong (a wrong sign, a missing contribution of a
fan-out, ``=`` where ``+=`` belongs, a value that follows from a wrong earlier
cell). Text that is not a number is said so beside its box; the other boxes
keep working. A toggle shows adlab's own table, for after the work.

Displayed where no widget front end runs (exported HTML, slides), the view
shows the blank table.
"""

from __future__ import annotations

import html

from ..errors import AdlabTypeError, AdlabValueError
from ..expressions import Expression
from ..fillin import ATOL, RTOL, Marking, Worksheet, worksheet
from ..traces import Trace
from ._base import Explorer

DEFAULT_FORMULA = "ln(x1) + x1*x2 - sin(x2)"
_GREEN, _RED, _AMBER = "#1b6e1b", "#a61b1b", "#8a5a00"
# the primal trace's rows without a notebook's tall padding (scoped to this view), as the stepper
_TABLE_STYLE = ("<style>.adlab-fillin-primal table.adlab-trace th, "
                ".adlab-fillin-primal table.adlab-trace td "
                "{padding: 0.15em 0.6em; line-height: 1.3;}</style>")
_LABEL_WIDTH = "16em"
_BOX_WIDTH = "8em"


def _fixed(widget, width):
    """WIDGET at WIDTH, never shrunk or grown by its row (so that the boxes line up)."""
    widget.layout.width = width
    widget.layout.flex = f"0 0 {width}"
    return widget


def _sheet(f, point, mode, blanks, seed, lines, digits, rtol, atol) -> Worksheet:
    """The worksheet of f at the point: a formula (text), an Expression, a function or a Trace."""
    from .stepper import _function, _point

    if isinstance(f, Trace):
        if point is not None:
            raise AdlabValueError("fill_in: a Trace already has its point; leave point out.")
        return worksheet(f, mode=mode, seed=seed, lines=lines, blanks=blanks, digits=digits,
                         rtol=rtol, atol=atol)
    if not (isinstance(f, (str, Expression)) or callable(f)):
        raise AdlabTypeError(f"fill_in: f must be a formula such as {DEFAULT_FORMULA!r}, a "
                             f"function built from adlab operations or a Trace, got "
                             f"{type(f).__name__}.")
    fn, _, names = _function(f)
    if point is None:
        raise AdlabValueError("fill_in: give the point, e.g. fill_in(f, (2.0, 5.0)).")
    values = _point(point, names)
    source = fn if isinstance(f, (str, Expression)) else f
    return worksheet(source, *values, mode=mode, seed=seed, lines=lines, blanks=blanks,
                     digits=digits, rtol=rtol, atol=atol)


def mark_html(mark) -> str:
    """What the pane beside a box says about its value: right, or what is wrong and the rule."""
    if mark is None or mark.status == "empty":
        return ""
    if mark.status == "right":
        return (f'<span class="adlab-fillin-mark adlab-fillin-right" style="color:{_GREEN}">'
                f"<b>right</b></span>")
    if mark.status == "unreadable":
        return (f'<span class="adlab-fillin-mark adlab-fillin-unreadable" style="color:{_AMBER}">'
                f"{html.escape(mark.why)}</span>")
    return (f'<span class="adlab-fillin-mark adlab-fillin-wrong" style="color:{_RED}">'
            f"<b>wrong</b>: {html.escape(mark.why)}</span><br>"
            f'<span class="adlab-fillin-rule" style="color:#444">Rule: '
            f"{html.escape(mark.line.rule)}.</span>")


def summary_html(marking: Marking) -> str:
    """One line: how many blanks are right, and what to do next."""
    n = len(marking.sheet.blanks)
    right = sum(1 for m in marking.marks if m.correct and m.line.number in marking.sheet.blanks)
    done = sum(1 for m in marking.marks if m.status != "empty"
               and m.line.number in marking.sheet.blanks)
    if n and right == n:
        text = f"All {n} blanks are right."
    elif done == 0:
        text = (f"{n} blanks to fill in: type a value in each box (a number such as -0.2837, or "
                f"1/3, cos(5)), then press Enter.")
    else:
        text = f"{right} of {n} blanks right so far."
    return f'<p class="adlab-fillin-summary" style="margin:0.3em 0">{html.escape(text)}</p>'


class FillInExplorer(Explorer):
    """The fill-in view: a text box per blank, a mark beside each (see `fill_in`).

    Attributes (beyond `Explorer`'s): ``sheet`` (the `adlab.fillin.Worksheet`),
    ``boxes`` and ``marks`` (line key -> the text box and the pane beside it),
    ``reveal`` (the toggle that shows adlab's table), ``last_marking``.
    """

    def __init__(self, sheet: Worksheet, title: str):
        import ipywidgets as w

        self.sheet = sheet
        self.last_marking = None
        self.boxes, self.marks = {}, {}
        rows = []
        for ln in sheet.lines:
            number = _fixed(w.HTML(value=f"<span style='color:#555'>{ln.number}</span>"),
                            "2.5em")
            label = _fixed(w.HTML(value=html.escape(ln.label.text)), _LABEL_WIDTH)
            if ln.number in sheet.blanks:
                box = _fixed(w.Text(value="", placeholder="?", continuous_update=False),
                             _BOX_WIDTH)
                self.boxes[ln.key] = box
                cell = box
            else:
                from ..tables import number as shown

                cell = _fixed(w.HTML(value=html.escape(shown(ln.value, sheet.digits).text)),
                              _BOX_WIDTH)
            mark = w.HTML(value="")
            mark.layout.flex = "1 1 0%"       # takes the rest of the row, its text wrapped
            mark.layout.min_width = "12em"
            self.marks[ln.key] = mark
            row = w.HBox([number, label, cell, mark])
            row.layout.align_items = "center"
            rows.append(row)
        self.reveal = w.ToggleButton(value=False, description="Show adlab's table",
                                     tooltip="adlab's own table of this sweep, every value "
                                             "filled in: look after you have tried")
        self.reveal.layout.width = "auto"
        by_key = {f"line{sheet.line(k).number}": box for k, box in self.boxes.items()}
        controls = dict(by_key, reveal=self.reveal)
        super().__init__(title, controls, self._render_marks)
        self.widget.add_class("adlab-fillin")
        parts = []
        if sheet.mode != "primal":
            primal = sheet.trace.table("primal", digits=sheet.digits).html()
            parts.append(w.HTML(value=f"{_TABLE_STYLE}<div class='adlab-fillin-primal'>{primal}"
                                      f"</div>"))
        heading = w.HTML(value=f"<b>{html.escape(sheet._title())}</b>")
        self.widget.children[1].children = tuple(parts + [heading, w.VBox(rows),
                                                           self.reveal])

    def _render_marks(self, reveal=False, **typed):
        entries = {ln.key: typed.get(f"line{ln.number}", "") for ln in self.sheet.blank_lines}
        marking = self.sheet.check(entries)
        self.last_marking = marking
        by_key = {m.line.key: m for m in marking.marks}
        for key, pane in self.marks.items():
            value = mark_html(by_key.get(key))
            if pane.value != value:
                pane.value = value
        out = summary_html(marking)
        if reveal:
            out += (f"<div class='adlab-fillin-solution'><p style='margin:0.3em 0'>adlab's own "
                    f"table:</p>{self.sheet.solution().html()}</div>")
        return {"html": out}

    def _describe_controls(self):
        from ..tables import input_name, number

        s = self.sheet
        if s.mode == "forward":
            seed = ", ".join(f"{input_name(n, 'dot').text} = {number(v, s.digits).text}"
                             for n, v in zip(s.trace.input_names, s.seed))
            sweep = f"forward sweep (tangents), seed {seed}"
        elif s.mode == "reverse":
            sweep = f"reverse sweep (adjoints), seed ȳ = {number(s.seed, s.digits).text}"
        else:
            sweep = "primal trace"
        at = ", ".join(f"{n}={float(s.trace.row(i).value):g}"
                       for n, i in zip(s.trace.input_names, s.trace.inputs))
        return f"{sweep} at {at}, {len(s.blanks)} blanks"

    def static_html(self) -> str:
        """The blank table, for places without widgets (it shows no answer)."""
        return (f"<div class='adlab-explorer-static adlab-fillin'><p><b>{html.escape(self.title)}"
                f"</b> (static view: {html.escape(self._describe_controls())})</p>"
                f"{self.sheet.html()}</div>")


def fill_in(f=DEFAULT_FORMULA, point=(2.0, 5.0), mode: str = "reverse", blanks="all", *,
            seed=None, lines: str | None = None, digits: int = 4, rtol: float = RTOL,
            atol: float = ATOL) -> FillInExplorer:
    """A trace table to fill in: a text box in each blank, each value marked as it is typed.

    Args:
        f: a formula such as ``"ln(x1) + x1*x2 - sin(x2)"`` (numbered as Baydin et
            al. number it), a function built from adlab operations (numbered in the
            order it runs, as ``adlab.trace`` does), or a `Trace` (then point=None).
        point: the input values: a number, numbers in the inputs' order, a dict
            by name, or text such as ``"x1=2, x2=5"``.
        mode: ``"primal"``, ``"forward"`` (tangents) or ``"reverse"`` (adjoints).
        blanks: ``"all"``, ``"fan-out"`` or a list of line numbers and keys (see
            `adlab.fillin.worksheet`).
        seed: the forward direction (an input's name, default the first input)
            or ȳ (default 1).
        lines: reverse only: ``"steps"`` (Baydin et al.'s Table 3, default) or
            ``"variables"`` (one line per v̄_i).
        digits: significant digits of the values shown.
        rtol, atol: how close a typed value must be (default: 4 significant digits).
    Returns:
        A `FillInExplorer`; display it in a notebook.
    Raises:
        AdlabValueError: an unknown mode, a bad point or seed, a trace with array values.
    """
    sheet = _sheet(f, point, mode, blanks, seed, lines, digits, rtol, atol)
    what = {"primal": "primal trace", "forward": "tangent table",
            "reverse": "adjoint table"}[sheet.mode]
    return FillInExplorer(sheet, f"Fill in the {what}")
