"""Explorer 6: the trace stepper, one line of a forward or reverse sweep at a time.

`trace_steps(f, point, mode)` traces f once at the point and lists the steps
of one sweep in order, as plain data:

* forward mode (tangents): one step per row v_{1-n} .. v_l, the seeds of the
  inputs first, then each operation's tangent by the chain rule;
* reverse mode (adjoints): the output's seed v̄_l = ȳ, then one step per
  contribution of the reverse sweep (`Adjoints.steps`), an accumulation into
  a variable used more than once being its own step, then x̄_i = v̄_i.

Each step knows its table line (symbolic and with numbers, as in
`Trace.table`), the graph node and edges to highlight, the values known so
far and a sentence saying what happens. `stepper_explorer` is the view: the
dependency graph with the current node highlighted and the values not yet
reached shown as ``?``, beside the trace table with the current line marked,
and a slider (with Previous/Next buttons) to walk through the sweep.

The rows are numbered the same way in every sentence, graph node and table
line: inputs v_{1-n} .. v_0, then the operations v_1 .. v_l. A function (pass
it itself: ``stepper_explorer(f, point=(2.0, 5.0))``) is numbered as
``adlab.trace(f, ...)`` numbers it, in the order f runs its operations, so
the stepper matches that function's tables. A formula typed as text is
numbered in rounds (`adlab.traces.Trace.by_level`), as ``adlab trace`` numbers
it: ``ln(x1) + x1*x2 - sin(x2)`` gets Baydin et al.'s v_1 = ln, v_2 = ×,
v_3 = sin, v_4 = +, v_5 = −, the numbering of notebook 07's f.
"""

from __future__ import annotations

import functools
import html
import inspect
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np

from ..errors import AdlabTypeError, AdlabValueError
from ..expressions import Expression, parse
from ..tables import (TraceTable, adjoint_name, input_name, number, operation, primal_name,
                      tangent_name)
from ..traces import Trace, trace
from ._base import Explorer

MODES = ("forward", "reverse")
MAX_ROWS = 150  # longest trace the stepper draws (a graph per step)
DEFAULT_FORMULA = "ln(x1) + x1*x2 - sin(x2)"
DIGITS = 4
_REVERSE_COLUMNS = (2, 3, 4)  # the adjoint half of a "reverse" table
TEXT_COLUMN_PX = 260  # the heading beside the graph, at least this wide
# the trace table's rows without a notebook's tall padding (scoped to the stepper)
_TABLE_STYLE = ("<style>.adlab-stepper-table table.adlab-trace th, "
                ".adlab-stepper-table table.adlab-trace td "
                "{padding: 0.15em 0.6em; line-height: 1.3;}</style>")
_WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven",
          8: "eight", 9: "nine", 10: "ten"}


@dataclass(frozen=True)
class SweepStep:
    """One step of a sweep, with what to show for it.

    Attributes:
        number: position in `TraceSteps.steps` (0 = first).
        kind: ``"input"`` (a forward seed), ``"operation"`` (a forward chain
            rule), ``"seed"`` (ȳ in reverse), ``"first"`` (a first
            contribution to an adjoint), ``"accumulate"`` (a further
            contribution) or ``"gradient"`` (x̄_i = v̄_i).
        row: index i of the row v_i whose tangent or adjoint this step sets
            (the graph node to highlight).
        source: for reverse contributions, the row whose adjoint is propagated.
        line: the line of `TraceSteps.table` (0 = first under the header).
        columns: the table columns of that line to mark.
        symbolic: the step as in the table, e.g. ``v̄₀ = v̄₀ + v̄₂ ∂v₂/∂v₀``.
        partial: the local partial, e.g. ``∂v₂/∂v₀ = v₋₁`` ("" if none).
        numeric: the step with numbers, e.g. ``−0.2837 + 1 × 2 = 1.716``.
        value: the tangent or adjoint of `row` after this step.
        edges: (tail, head) graph edges the step works along.
        reveal: sweep lines done after this step (``trace_graph(reveal=...)``).
        known: row index -> tangent or adjoint known after this step.
        description: the step in words.
    """

    number: int
    kind: str
    row: int
    source: int | None
    line: int
    columns: tuple
    symbolic: str
    partial: str
    numeric: str
    value: Any
    edges: tuple
    reveal: int
    known: Mapping
    description: str


@dataclass(frozen=True)
class TraceSteps:
    """One sweep through one trace, step by step.

    Attributes:
        formula: the formula's text, or for a function its name and
            parameters (``f(x1, x2)``).
        point: the input values, in the order of `names`.
        names: the input names.
        trace: the `Trace`.
        mode: ``"forward"`` or ``"reverse"``.
        seed: the tangent seed (one value per input) or the output adjoint ȳ.
        table: the `TraceTable` the steps' lines refer to (kind ``forward``
            or ``reverse``).
        steps: the `SweepStep`s in order.
        result: ẏ for forward mode; the gradient (x̄_1, .., x̄_n) for reverse.
        is_function: True when the steps trace a Python function rather than
            a formula.
    """

    formula: str
    point: tuple
    names: tuple
    trace: Trace
    mode: str
    seed: Any
    table: TraceTable
    steps: tuple
    result: Any
    is_function: bool = False

    def __len__(self) -> int:
        return len(self.steps)


# -- the point ------------------------------------------------------------------------


def _number(text: str, where: str) -> float:
    """A finite float from text such as ``2``, ``-1.5``, ``pi/4`` (read by `parse`, never eval)."""
    try:
        expr = parse(text)
    except AdlabValueError as exc:
        raise AdlabValueError(f"point: cannot read {text.strip()!r} ({where}) as a number: "
                              f"{exc}") from None
    if expr.variables:
        raise AdlabValueError(f"point: {text.strip()!r} ({where}) is not a number; use digits, "
                              f"pi, e and arithmetic, e.g. 2 or pi/4.")
    with np.errstate(all="ignore"):
        value = float(expr())
    if not math.isfinite(value):
        raise AdlabValueError(f"point: {text.strip()!r} ({where}) is {value}; give a finite "
                              f"number.")
    return value


def parse_point(text: str, variables) -> tuple:
    """Read a point such as ``"x1=2, x2=5"`` (or ``"2, 5"`` in variable order) safely.

    Args:
        text: entries separated by commas or semicolons, each ``name=value``
            or just ``value``; values may be arithmetic (``pi/4``, ``-1e-3``).
        variables: the variable names, in call order.
    Returns:
        The values as a tuple of floats, in the order of `variables`.
    Raises:
        AdlabValueError: an entry that is not a number, an unknown, repeated
            or missing name, or the wrong number of values.
    """
    if not isinstance(text, str):
        raise AdlabTypeError(f"point: expected text such as 'x1=2, x2=5', got "
                             f"{type(text).__name__}.")
    variables = tuple(variables)
    example = ", ".join(f"{v}=1" for v in variables) or "x=1"
    entries = [e.strip() for e in re.split(r"[,;]", text) if e.strip()]
    if not entries:
        raise AdlabValueError(f"point: the point is empty; type e.g. {example}.")
    named = [("=" in e) for e in entries]
    if any(named) and not all(named):
        raise AdlabValueError(f"point: give every value with its name or none of them, "
                              f"e.g. {example}.")
    if not any(named):
        if len(entries) != len(variables):
            raise AdlabValueError(
                f"point: {len(entries)} value(s) for {len(variables)} variable(s) "
                f"({', '.join(variables) or 'none'}); type e.g. {example}.")
        return tuple(_number(e, v) for e, v in zip(entries, variables))
    values = {}
    for e in entries:
        name, value = (s.strip() for s in e.split("=", 1))
        if name not in variables:
            raise AdlabValueError(
                f"point: {name!r} is not a variable of the formula; its variables are "
                f"{', '.join(variables) or '(none)'}; type e.g. {example}.")
        if name in values:
            raise AdlabValueError(f"point: {name} is given twice.")
        values[name] = _number(value, name)
    missing = [v for v in variables if v not in values]
    if missing:
        raise AdlabValueError(f"point: no value for {', '.join(missing)}; type e.g. {example}.")
    return tuple(values[v] for v in variables)


def format_point(values, variables) -> str:
    """The text ``parse_point`` reads back: ``x1=2, x2=5``."""
    return ", ".join(f"{v}={float(x):g}" for v, x in zip(variables, values))


# -- the data function ------------------------------------------------------------------


@functools.lru_cache(maxsize=64)
def _parse(text: str) -> Expression:
    return parse(text)


def _function(f):
    """(callable, formula text, input names or None) for a formula, an Expression or a function."""
    if isinstance(f, str):
        expr = _parse(f)
        return expr, expr.text, expr.variables
    if isinstance(f, Expression):
        return f, f.text, f.variables
    if callable(f):
        try:
            names = tuple(p.name for p in inspect.signature(f).parameters.values()
                          if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD))
        except (TypeError, ValueError):
            names = None
        name = getattr(f, "__name__", "f")
        if name == "<lambda>":
            name = "f"
        return f, f"{name}({', '.join(names or ('...',))})", names
    raise AdlabTypeError(
        f"trace_steps: f must be a formula (text), a parsed Expression or a function built "
        f"from adlab operations, got {type(f).__name__}.")


def _point(point, names):
    """The point as a tuple of floats (from numbers, a dict by name or text)."""
    if isinstance(point, str):
        if names is None:
            raise AdlabValueError("trace_steps: give the point as numbers for this function.")
        return parse_point(point, names)
    if isinstance(point, Mapping):
        if names is None:
            raise AdlabValueError("trace_steps: give the point as numbers for this function.")
        return parse_point(", ".join(f"{k}={float(v)!r}" for k, v in point.items()), names)
    if isinstance(point, (int, float, np.number)):
        point = (point,)
    try:
        values = tuple(float(x) for x in point)
    except (TypeError, ValueError):
        raise AdlabValueError(f"trace_steps: the point must be numbers, one per input, e.g. "
                              f"(2.0, 5.0); got {point!r}.") from None
    bad = [x for x in values if not math.isfinite(x)]
    if bad:
        raise AdlabValueError(f"trace_steps: the point has {bad[0]}; give finite numbers.")
    return values


def _words(n: int) -> str:
    return _WORDS.get(n, str(n))


def _is_zero(v) -> bool:
    return bool(np.all(np.asarray(v) == 0))


def _definition(t: Trace, i: int) -> str:
    """``v₅ = v₃ − v₄`` for an operation row, ``v₋₁ = x₁`` for an input."""
    row = t.row(i)
    rhs = input_name(row.name).text if row.is_input else operation(t, row, DIGITS).text
    return f"{primal_name(i).text} = {rhs}"


def _unit_direction(t: Trace, seed) -> str | None:
    """The input name k if the seed is e_k (so the tangent is ∂/∂x_k), else None."""
    ones = [k for k, s in enumerate(seed) if np.ndim(s) == 0 and float(s) == 1.0]
    zeros = [k for k, s in enumerate(seed) if _is_zero(s)]
    if len(ones) == 1 and len(ones) + len(zeros) == len(seed):
        return t.input_names[ones[0]]
    return None


def _forward_steps(t: Trace, table: TraceTable, tangents) -> list:
    steps, known = [], {}
    direction = _unit_direction(t, tangents.seed)
    outputs = set(t.outputs)
    for k, row in enumerate(t.rows):
        i = row.index
        value = tangents[i]
        known[i] = value
        cells = table.rows[k]
        symbolic, numeric = cells[2].text, cells[3].text
        dot = tangent_name(i).text
        if row.is_input:
            x = input_name(row.name).text
            kind, edges = "input", ()
            words = f"the seed gives input {x} the tangent {number(value, DIGITS).text}"
            if direction is not None:
                words += (f" ({x} is the direction we differentiate along)"
                          if row.name == direction else f" ({x} is held fixed)")
            description = f"{symbolic} = {numeric}: {words}."
        else:
            kind = "operation"
            args = sorted(set(row.arg_rows), key=row.arg_rows.index)
            edges = tuple((a, i) for a in args)
            arg_dots = ", ".join(tangent_name(a).text for a in args)
            if not args:
                words = "the operation has no traced argument, so its tangent is 0"
            elif len(args) == 1:
                words = (f"chain rule through {_definition(t, i)}: the argument's tangent "
                         f"{arg_dots} (from an earlier step) times the local partial")
            else:
                words = (f"chain rule through {_definition(t, i)}: each argument's tangent "
                         f"({arg_dots}, from earlier steps) times its local partial, summed")
            description = f"{symbolic}: {words}. With numbers: {numeric}."
        if i in outputs:
            what = (f"∂y/∂{input_name(direction).text}" if direction is not None
                    else "the derivative of y along the seed")
            description += (f" {primal_name(i).text} is the output, so ẏ = {dot} = "
                            f"{number(value, DIGITS).text} is {what}.")
        steps.append(SweepStep(k, kind, i, None, k, tuple(range(len(table.header))), symbolic,
                               "", numeric, value, edges, k + 1, MappingProxyType(dict(known)),
                               description))
    return steps


def _reverse_steps(t: Trace, table: TraceTable, adjoints) -> list:
    steps, known = [], {}
    out = t.output.index
    cols = _REVERSE_COLUMNS
    seed_cells = table.rows[0]
    known[out] = adjoints.seed
    ybar = number(adjoints.seed, DIGITS).text
    steps.append(SweepStep(
        0, "seed", out, None, 0, cols, seed_cells[2].text, "", seed_cells[4].text,
        adjoints.seed, (), 1, MappingProxyType(dict(known)),
        f"{seed_cells[2].text} = {ybar}: the reverse sweep starts at the output "
        f"y = {primal_name(out).text} with the seed ȳ = {ybar}; every other adjoint is still "
        f"unknown."))
    uses: dict = {}
    for s in adjoints.steps:
        uses.setdefault(s.target, []).append(s.source)
    count: dict = {}
    started = set()
    for j, s in enumerate(adjoints.steps):
        line = 1 + j
        cells = table.rows[line]
        symbolic, partial, numeric = cells[2].text, cells[3].text, cells[4].text
        known[s.target] = s.total
        count[s.target] = count.get(s.target, 0) + 1
        m, n = count[s.target], len(uses[s.target])
        tv, sv = primal_name(s.target).text, primal_name(s.source).text
        tbar, sbar = adjoint_name(s.target).text, adjoint_name(s.source).text
        sources = sorted(set(uses[s.target]))
        names = ", ".join(primal_name(x).text for x in sources)
        feeds = (f"feeds {_words(n)} operations ({names})" if len(sources) == n
                 else f"is used {_words(n)} times (by {names})")
        words = []
        if s.source not in started:
            started.add(s.source)
            if s.source in uses:
                words.append(f"{sbar} is complete (every operation using {sv} comes after it "
                             f"in the trace and has been swept), so it flows back to the "
                             f"arguments of {_definition(t, s.source)}")
            else:
                words.append(f"{sbar} flows back to the arguments of "
                             f"{_definition(t, s.source)}")
        partial_words = (f"the local partial {partial}" if partial else "the local partial")
        if s.first:
            kind = "first"
            words.append(f"{tv} is argument {s.position + 1} of {sv}, so {tbar} receives {sbar} "
                         f"times {partial_words}")
            if n > 1:
                words.append(f"{tv} {feeds}, so this is the first of {_words(n)} contributions")
        else:
            kind = "accumulate"
            words.append(f"{tv} {feeds}, so its adjoint accumulates: contribution {m} of "
                         f"{n}, {sbar} times {partial_words}, is added")
        if m == n:
            words.append(f"{tbar} is now final")
        description = f"{symbolic}: " + "; ".join(words) + f". With numbers: {numeric}."
        steps.append(SweepStep(
            line, kind, s.target, s.source, line, cols, symbolic, partial, numeric, s.total,
            ((s.target, s.source),), line + 1, MappingProxyType(dict(known)), description))
    everything = MappingProxyType({r.index: adjoints[r.index] for r in t.rows})
    start = 1 + len(adjoints.steps)
    for m, i in enumerate(t.inputs):
        line = start + m
        cells = table.rows[line]
        x = input_name(t.row(i).name).text
        value = adjoints[i]
        what = f"∂y/∂{x}" if _is_zero(np.asarray(adjoints.seed) - 1) else f"ȳ ∂y/∂{x}"
        description = (f"{cells[2].text} = {cells[4].text}: the sweep is done; the adjoint of "
                       f"input {x} is {what}.")
        if i not in uses:
            description += f" y does not depend on {x}, so nothing flowed back to it."
        steps.append(SweepStep(line, "gradient", i, None, line, cols, cells[2].text, "",
                               cells[4].text, value, (), line + 1, everything, description))
    return steps


def trace_steps(f, point, mode: str = "forward", seed=None) -> TraceSteps:
    """Trace f at a point and list the steps of its forward or reverse sweep.

    Args:
        f: a formula such as ``"ln(x1) + x1*x2 - sin(x2)"``, an `Expression`,
            or a function of floats built from adlab operations.
        point: the input values: numbers (one per input, in the formula's
            variable order), a dict by name, or text such as ``"x1=2, x2=5"``.
        mode: ``"forward"`` (tangents) or ``"reverse"`` (adjoints).
        seed: forward: the input to differentiate along (a name such as
            ``"x2"``), a dict by name or one tangent per input (default: the
            first input); reverse: the output adjoint ȳ (default 1).
    Returns:
        A `TraceSteps` record.
    Raises:
        AdlabValueError: an unknown mode, a bad point or seed, a function
            with no inputs or a trace longer than `MAX_ROWS`, or f not
            defined at the point (named by the first row that is not finite).
    """
    if mode not in MODES:
        raise AdlabValueError(f"trace_steps: mode must be one of {', '.join(MODES)}, got "
                              f"{mode!r}.")
    fn, text, names = _function(f)
    is_function = not isinstance(f, (str, Expression))
    if names is not None and not names and not is_function:
        raise AdlabValueError(f"{text!r} has no variables, so there is nothing to "
                              f"differentiate; use one, e.g. x1*x2 + sin(x1).")
    values = _point(point, names)
    if isinstance(f, (str, Expression)) and len(values) != len(names):
        raise AdlabValueError(f"trace_steps: {len(values)} value(s) for the variables "
                              f"{', '.join(names)} of {text!r}; give one per variable.")
    with np.errstate(all="ignore"):  # values that are not finite are reported below
        given = names[:len(values)] if names and len(names) >= len(values) else None
        t = trace(fn, *values, names=given)
    if not is_function:  # a typed formula is numbered in rounds, as Baydin et al.
        t = t.by_level()
    if len(t.rows) > MAX_ROWS:
        raise AdlabValueError(
            f"the trace of {text!r} has {len(t.rows)} rows; the stepper draws at most "
            f"{MAX_ROWS}. Step through a shorter formula.")
    for row in t.rows:
        if not np.all(np.isfinite(row.value)):
            at = ", ".join(f"{n}={v:g}" for n, v in zip(t.input_names, values))
            raise AdlabValueError(
                f"{text} is not defined at {at}: {_definition(t, row.index)} gives "
                f"{number(row.value, DIGITS).text}; choose another point.")
    with np.errstate(all="ignore"):
        if mode == "forward":
            if isinstance(seed, str):
                if seed not in t.input_names:
                    raise AdlabValueError(
                        f"trace_steps: the seed {seed!r} is not an input; the inputs are "
                        f"{', '.join(t.input_names)}.")
                seed = {seed: 1.0}
            sweep = t.forward(seed)
            table = TraceTable(t, "forward", seed=sweep.seed, digits=DIGITS)
            steps = _forward_steps(t, table, sweep)
            return TraceSteps(text, values, t.input_names, t, mode, sweep.seed, table,
                              tuple(steps), sweep[t.output.index], is_function)
        ybar = 1.0 if seed is None else seed
        sweep = t.reverse(ybar)
        table = TraceTable(t, "reverse", seed=ybar, digits=DIGITS)
        steps = _reverse_steps(t, table, sweep)
    return TraceSteps(text, values, t.input_names, t, mode, sweep.seed, table, tuple(steps),
                      sweep.gradient, is_function)


# -- the view ---------------------------------------------------------------------------


def graph_svg(r: TraceSteps, k: int) -> str | None:
    """The graph at step k as an inline ``<svg>`` element, or None if Graphviz's dot is missing."""
    from graphviz.backend import ExecutableNotFound

    from ..graphs import trace_graph

    s = r.steps[k]
    g = trace_graph(r.trace, show="tangent" if r.mode == "forward" else "adjoint",
                    seed=r.seed, highlight=s.row, reveal=s.reveal, highlight_edges=s.edges,
                    digits=DIGITS)
    try:
        svg = g.pipe(format="svg").decode("utf-8")
    except ExecutableNotFound:
        return None
    return svg[svg.find("<svg"):]


def numbering(r: TraceSteps) -> str:
    """How the rows are numbered, e.g. ``Rows: inputs v₋₁, v₀, then operations v₁ … v₅ in
    the order f runs them.``"""
    t = r.trace
    inputs = [primal_name(i).text for i in t.inputs]
    first, last = t.rows[t.n].index, t.rows[-1].index
    ops = (primal_name(first).text if first == last
           else f"{primal_name(first).text} … {primal_name(last).text}")
    which = (f"inputs {', '.join(inputs)}" if len(inputs) <= 3
             else f"inputs {inputs[0]} … {inputs[-1]}")
    if len(inputs) == 1:
        which = f"input {inputs[0]}"
    if r.is_function:
        return f"Rows: {which}, then operations {ops} in the order f runs them."
    return (f"Rows: {which}, then operations {ops} in rounds, as Baydin et al. number them "
            f"(first those of the inputs alone).")


def step_html(r: TraceSteps, k: int, svg: str | None) -> str:
    """The page for step k: the step in words, the graph (or dot's install hint) with the
    heading beside it, the table."""
    from ..graphs import MISSING_DOT

    s = r.steps[k]
    at = ", ".join(f"{input_name(n).text} = {x:g}" for n, x in zip(r.names, r.point))
    if r.mode == "forward":
        seed = ", ".join(f"{input_name(n, 'dot').text} = {number(v, DIGITS).text}"
                         for n, v in zip(r.names, r.seed))
        sweep = f"forward sweep (tangents), seed {seed}"
    else:
        sweep = f"reverse sweep (adjoints), seed ȳ = {number(r.seed, DIGITS).text}"
    y = number(r.trace.output.value, DIGITS).text
    what = r.formula if r.is_function else f"f = {r.formula}"
    head = (f"<p style='margin:0'>{html.escape(what)} at "
            f"{html.escape(at)} (y = {html.escape(y)}); {html.escape(sweep)}. "
            f"{html.escape(numbering(r))}</p>")
    sentence = (f"<p class='adlab-step' style='font-size:110%;margin:0 0 0.5em 0'><b>Step "
                f"{k + 1} of {len(r.steps)}.</b> {html.escape(s.description)}</p>")
    if svg is None:
        picture = f"<p class='adlab-missing-dot'>{html.escape(MISSING_DOT)}</p>"
    else:  # grows to the full width where the heading beside it is hidden (a slide)
        picture = (f"<div class='adlab-graph' style='flex:1 1 auto;max-width:100%;"
                   f"overflow-x:auto'>{svg}</div>")
    # the step in words across the page, the graph with the heading beside it (below it on
    # a narrow page), then the table with tight rows: the view fits a 1280 x 800 screen
    parts = [
        f"<div class='adlab-stepper' style='font-family:sans-serif'>{_TABLE_STYLE}{sentence}",
        f"<div class='adlab-stepper-top' style='display:flex;flex-wrap:wrap;"
        f"align-items:flex-start;gap:0.5em 1em;margin-bottom:0.5em'>{picture}"
        # the column is the heading, hidden on a slide (adlab.slides): the graph grows
        f"<div class='adlab-stepper-head' style='flex:1 1 {TEXT_COLUMN_PX}px;"
        f"min-width:{TEXT_COLUMN_PX}px'>{head}</div></div>",
    ]
    parts.append(f"<div class='adlab-stepper-table'>"
                 f"{r.table.html(highlight=s.line, columns=s.columns)}</div>")
    parts.append("</div>")
    return "".join(parts)


def stepper_explorer(formula=DEFAULT_FORMULA, point=(2.0, 5.0), mode: str = "reverse",
                     step: int = 0):
    """Step through one trace forward (tangents) or backward (adjoints).

    The graph highlights the node the current step sets (and the edges it
    works along) and shows ``?`` for values the sweep has not reached; the
    trace table marks the current line; a sentence says what happens.

    Args:
        formula: the starting formula (any text `adlab.expressions.parse`
            reads), or a Python function of floats built from adlab
            operations, such as a notebook's f written one operation per
            line: the stepper then steps the very trace ``adlab.trace(f,
            *point)`` records, numbered as that trace's tables, and the
            formula box shows the function's name, read-only.
        point: the starting point: numbers in the formula's variable order
            (the function's parameter order), or text such as ``"x1=2, x2=5"``.
        mode: ``"forward"`` or ``"reverse"``.
        step: the starting step (0 = first).
    Returns:
        An `Explorer`; display it in a notebook. Its controls are
        ``formula``, ``point`` (text), ``mode``, ``seed`` (the forward
        direction) and ``step``; ``previous`` and ``next`` are the buttons.
    Raises:
        AdlabValueError: a formula, point or mode the stepper cannot use.
    """
    import ipywidgets as w

    if mode not in MODES:
        raise AdlabValueError(f"stepper_explorer: mode must be one of {', '.join(MODES)}, "
                              f"got {mode!r}.")
    function = None
    if isinstance(formula, (str, Expression)):
        expr = _parse(formula) if isinstance(formula, str) else formula
        first = trace_steps(expr, point, mode)
        formula_box = {"value": expr.text, "description": "f ="}
    elif callable(formula):
        function = formula
        first = trace_steps(function, point, mode)
        formula_box = {"value": first.formula, "description": "function", "disabled": True}
    else:
        raise AdlabTypeError(f"stepper_explorer: formula must be text such as {DEFAULT_FORMULA!r} "
                             f"or a function built from adlab operations, got "
                             f"{type(formula).__name__}.")
    names = first.names
    controls = {
        "formula": w.Text(continuous_update=False, **formula_box),
        "point": w.Text(value=format_point(first.point, names), description="point",
                        continuous_update=False),
        "mode": w.ToggleButtons(options=list(MODES), value=mode, description="sweep"),
        "seed": w.Dropdown(options=_seed_options(names), value=names[0], description="seed",
                           disabled=mode != "forward"),
        # numbered from 1, as the page says "Step 1 of 11"
        "step": w.IntSlider(value=min(max(int(step), 0), len(first) - 1) + 1, min=1,
                            max=len(first), description="step"),
    }
    previous = w.Button(description="Previous", tooltip="one step back")
    following = w.Button(description="Next", tooltip="one step on")
    state = {"busy": False, "names": names, "point": first.point, "sweep": None}
    svgs: dict = {}

    @functools.lru_cache(maxsize=32)
    def steps_of(source, values, mode, seed):
        return trace_steps(source, values, mode, seed=seed)

    def svg_of(r, key, k):
        if (key, k) not in svgs:
            if len(svgs) > 512:
                svgs.clear()
            svgs[(key, k)] = graph_svg(r, k)
        return svgs[(key, k)]

    def set_quietly(control, **traits):
        """Change a control from inside render (its own redraw is skipped)."""
        for name, value in traits.items():
            if getattr(control, name) != value:
                setattr(control, name, value)

    def render(formula, point, mode, seed, step):
        if state["busy"]:  # a control changed by the redraw below; it draws once, at the end
            return {}
        state["busy"] = True
        try:
            point_text, seed_choice = controls["point"].value, controls["seed"].value
            if function is None:
                expr = _parse(formula)
                if not expr.variables:
                    raise AdlabValueError(f"{expr.text!r} has no variables, so there is nothing "
                                          f"to differentiate; use one, e.g. x1*x2 + sin(x1).")
                variables = expr.variables
                if variables != state["names"]:  # the boxes follow, once the formula works
                    point_text = point_for(variables)
                    seed_choice = seed_choice if seed_choice in variables else variables[0]
                source, label = expr.text, expr.text
            else:  # the function's parameters are fixed
                source, variables, label = function, state["names"], formula
            values = parse_point(point_text, variables)
            seed = seed_choice if mode == "forward" else None
            key = (source, values, mode, seed)
            r = steps_of(*key)
            # the formula and the point worked: only now change the other controls
            if variables != state["names"]:
                set_quietly(controls["point"], value=point_text)
                set_quietly(controls["seed"], options=_seed_options(variables))
                set_quietly(controls["seed"], value=seed_choice)
                state["names"] = variables
            set_quietly(controls["seed"], disabled=mode != "forward")
            slider = controls["step"]
            if state["sweep"] is not None and state["sweep"] != (label, mode, seed):
                set_quietly(slider, value=1)  # a new sweep starts at its first step
            if slider.value > len(r):
                set_quietly(slider, value=len(r))
            set_quietly(slider, max=len(r))
            state["sweep"] = (label, mode, seed)
            state["point"] = values
            k = slider.value - 1
            return {"html": step_html(r, k, svg_of(r, key, k))}
        finally:
            state["busy"] = False

    def point_for(variables):
        """The point box's text for new variables: the box as it is if it names them all,
        else the known values, 1.0 for a new variable."""
        try:
            parse_point(controls["point"].value, variables)
            return controls["point"].value
        except AdlabValueError:
            old = dict(zip(state["names"], state["point"]))
            return format_point([old.get(v, 1.0) for v in variables], variables)

    def move(delta):
        slider = controls["step"]
        slider.value = min(max(slider.value + delta, slider.min), slider.max)

    previous.on_click(lambda _: move(-1))
    following.on_click(lambda _: move(+1))

    e = _StepperExplorer("Trace stepper: one sweep, step by step", controls, render)
    e.previous, e.next = previous, following
    box = e.widget.children[1]
    # three rows of controls rather than five: the view fits a 1280 x 800 screen
    box.children = (w.HBox([controls["formula"], controls["point"]]),
                    w.HBox([controls["mode"], controls["seed"]]),
                    w.HBox([previous, controls["step"], following]))
    return e


def _seed_options(variables):
    """Dropdown choices for the forward seed, naming every input's tangent when there are few:
    ("ẋ₁ = 1, ẋ₂ = 0", "x1"), ...; ("ẋ₁ = 1, others 0", "x1") for more than three inputs."""
    def text(v):
        one = f"{input_name(v, 'dot').text} = 1"
        if len(variables) > 3:
            return f"{one}, others 0"
        return ", ".join(one if u == v else f"{input_name(u, 'dot').text} = 0"
                         for u in variables)
    return [(text(v), v) for v in variables]


class _StepperExplorer(Explorer):
    """An `Explorer` whose caption names the seed of the sweep shown: the forward menu's
    tangents, or in reverse mode (where that menu is disabled and left out) the output
    adjoint ȳ = 1."""

    def _describe_controls(self):
        text = super()._describe_controls()
        if self.controls["mode"].value == "reverse":
            text = text.replace("sweep = reverse", "sweep = reverse, seed: ȳ = 1", 1)
        return text
