"""Dependency graphs of evaluation traces, drawn with Graphviz.

`trace_graph(trace)` turns a `Trace` (see `adlab.traces`) into a
`graphviz.Digraph`: one node per row (inputs v_{1-n} .. v_0, then the
operations v_1 .. v_l, numbered as in the trace tables) and one edge per
argument that is a row, labelled with the local partial derivative
∂v_i/∂v_j at the traced point. Constants are not nodes: a node shows its
operation's symbol (×, ln), or, where the operation has a constant argument,
the operation as the trace table writes it (v₀^2 for x ** 2, v₀ × 3, 1 / v₀). The nodes can also show
every row's tangent (a forward sweep) or adjoint (a reverse sweep), and one
row and some edges can be highlighted and only the values a sweep has reached
so far shown (``reveal``), to step through a sweep on a slide or in
`adlab.widgets.stepper`. `Trace.graph()` calls this function.

The `graphviz` Python package is imported only when a graph is built, so
``import adlab`` does not need it. The returned graph displays itself in
Jupyter; where Graphviz's `dot` program is missing it shows how to install
it and the DOT source instead of a traceback.
"""

from __future__ import annotations

import numbers
import pathlib

from .tables import adjoint_name, input_name, number, operation, primal_name, tangent_name
from .traces import Const

SHOWS = ("primal", "tangent", "adjoint")
RANKDIRS = ("LR", "RL", "TB", "BT")

MISSING_DOT = (
    "Graphviz's `dot` program is missing, so this graph cannot be drawn: install it with "
    "`apt-get install graphviz` (Debian, Ubuntu), `brew install graphviz` (macOS) or "
    "`conda install graphviz` (on Colab it is already there), then run this again."
)

FONT = "Helvetica"
_INPUT_FILL = "#dbe9f6"  # light blue
_OUTPUT_FILL = "#fde3c8"  # light orange
_HIGHLIGHT_FILL = "#fff3a3"  # light yellow
_HIGHLIGHT_PEN = "#d62728"  # red
_NOTE_ID = "omitted"
_SAVE_FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf"}
_SOURCE_SUFFIXES = (".dot", ".gv")

_graph_class = None  # the Digraph subclass, made on first use


def node_id(index: int) -> str:
    """The Graphviz id of row v_index: v_m1 for v₋₁, v_0, v_5."""
    return f"v_{index}".replace("-", "m")


def trace_graph(trace, show="primal", seed=None, highlight=None, digits=4, max_nodes=150,
                rankdir="LR", reveal=None, highlight_edges=(), edge_labels=True):
    """The dependency graph of a trace, as a `graphviz.Digraph`.

    Args:
        trace: an `adlab.Trace`.
        show: what each node shows besides its value: ``"primal"`` (the value
            only), ``"tangent"`` (also v̇_i from ``trace.forward(seed)``) or
            ``"adjoint"`` (also v̄_i from ``trace.reverse(seed)``, seed 1 by
            default).
        seed: the tangent seed (a dict by input name, default: the first
            input) or the output adjoint; ignored for ``"primal"``.
        highlight: the index i of a row v_i to draw emphasised, or None.
        digits: significant digits of values and partials (default 4).
        max_nodes: largest number of rows drawn in full. A longer trace keeps
            its first and last max_nodes // 2 rows and replaces the rest by
            one note node.
        rankdir: Graphviz layout direction, ``"LR"`` (default), ``"TB"``,
            ``"RL"`` or ``"BT"``.
        reveal: None (default: every tangent or adjoint is shown), or the
            number k of sweep lines done so far, to step through a sweep:
            the other nodes show ``?`` in place of their tangent or adjoint.
            The lines are those of the trace tables: for ``"tangent"`` one
            per row in row order (inputs first), so the first k rows are
            known; for ``"adjoint"`` the output's seed ȳ, then one per
            `Step` of the reverse sweep, so after k >= 1 lines a node shows
            its adjoint as accumulated by the first k - 1 steps. A k at or
            past the sweep's length shows every value. Needs ``show`` to be
            ``"tangent"`` or ``"adjoint"``.
        highlight_edges: (tail, head) pairs of row indices, edges v_tail -> v_head
            (v_tail an argument of v_head) to draw emphasised, e.g. the edge
            a reverse-sweep step propagates along (default: none).
        edge_labels: label each edge with its local partial (default True); False
            draws the graph alone, for a question whose answer the partials are.
    Returns:
        A `graphviz.Digraph` (subclass) whose ``source`` is the DOT text.
        It displays in Jupyter, renders with ``pipe(format="svg")`` and
        writes files with ``save("graph.svg")`` (or ``.png``, ``.pdf``,
        ``.dot``/``.gv`` for the source).
    Raises:
        ValueError: an unknown `show` or `rankdir`, a highlight that is not a
            drawn row, a highlighted edge that is not a drawn edge, a reveal
            that is not a whole number >= 0 (or given with ``"primal"``), or
            digits or max_nodes below 1 or 2.
    """
    if show not in SHOWS:
        raise ValueError(f"graph: show must be one of {SHOWS}, got {show!r}.")
    if rankdir not in RANKDIRS:
        raise ValueError(f"graph: rankdir must be one of {RANKDIRS}, got {rankdir!r}.")
    if not isinstance(digits, int) or digits < 1:
        raise ValueError(f"graph: digits must be a whole number >= 1, got {digits!r}.")
    if not isinstance(max_nodes, int) or max_nodes < 2:
        raise ValueError(f"graph: max_nodes must be a whole number >= 2, got {max_nodes!r}.")

    rows = trace.rows
    first, last = rows[0].index, rows[-1].index
    if len(rows) > max_nodes:
        half = max_nodes // 2
        omitted = range(rows[half].index, rows[-half].index)  # indices of the rows left out
    else:
        omitted = range(0)
    _check_highlight(highlight, first, last, omitted)
    edges = _check_edges(trace, highlight_edges, omitted)

    if show == "tangent":
        sweep, sweep_name = trace.forward(seed), tangent_name
    elif show == "adjoint":
        sweep, sweep_name = trace.reverse(1.0 if seed is None else seed), adjoint_name
    else:
        sweep, sweep_name = None, None
    known = _revealed(trace, show, sweep, reveal)

    outputs = {}
    for k, i in enumerate(trace.outputs):
        outputs.setdefault(i, "y" if len(trace.outputs) == 1 else input_name(f"y{k + 1}").text)

    g = _make_class()(
        comment=f"adlab trace of {trace.function}",
        # at most 8.5 inches (816 px) wide: a wider drawing is scaled down to fit beside
        # JupyterLab's file browser on a 1280 px screen
        graph_attr={"rankdir": rankdir, "fontname": FONT, "fontsize": "12",
                    "bgcolor": "white", "nodesep": "0.3", "ranksep": "0.45", "size": "8.5,100"},
        node_attr={"shape": "box", "style": "rounded,filled", "fillcolor": "white",
                   "color": "#444444", "fontname": FONT, "fontsize": "12"},
        edge_attr={"fontname": FONT, "fontsize": "12", "color": "#666666",
                   "fontcolor": "#1f4e99", "arrowsize": "0.7"},
    )

    # nodes, in row order, with the note node where the omitted rows were
    for row in rows:
        if row.index in omitted:
            if row.index == omitted.start:
                g.node(_NOTE_ID, _note_label(trace, omitted, outputs), shape="note",
                       style="filled", fillcolor="#f2f2f2", fontcolor="#555555")
            continue
        lines = [input_name(row.name).text if row.is_input else operation_label(trace, row, digits)]
        value = f"{primal_name(row.index).text} = {number(row.value, digits).text}"
        if row.index in outputs:
            value = f"{outputs[row.index]} = {value}"
        lines.append(value)
        if sweep is not None:
            shown = (number(sweep[row.index], digits).text if known is None
                     else number(known[row.index], digits).text if row.index in known else "?")
            lines.append(f"{sweep_name(row.index).text} = {shown}")
        attrs = {}
        if row.is_input:
            attrs.update(shape="ellipse", style="filled", fillcolor=_INPUT_FILL)
        if row.index in outputs:
            attrs.update(peripheries="2", fillcolor=_OUTPUT_FILL)
        if row.index == highlight:
            attrs.update(fillcolor=_HIGHLIGHT_FILL, color=_HIGHLIGHT_PEN, penwidth="3",
                         fontname=FONT + " Bold")
        g.node(node_id(row.index), _label(lines), **attrs)

    # edges, in row order then argument order; edges to or from omitted rows
    # go to or from the note node, once per kept row
    into_note, out_of_note = set(), set()
    for row in rows:
        kept = row.index not in omitted
        for k, a in enumerate(row.args):
            if not isinstance(a, int):
                continue  # a constant: not a node
            if kept and a not in omitted:
                p = trace.partial(row.index, k)
                attrs = {} if p is None or not edge_labels else {"label": number(p, digits).text}
                if (a, row.index) in edges:
                    attrs.update(color=_HIGHLIGHT_PEN, fontcolor=_HIGHLIGHT_PEN, penwidth="2.5")
                g.edge(node_id(a), node_id(row.index), **attrs)
            elif kept:
                if row.index not in out_of_note:
                    out_of_note.add(row.index)
                    g.edge(_NOTE_ID, node_id(row.index), style="dashed")
            elif a not in omitted and a not in into_note:
                into_note.add(a)
                g.edge(node_id(a), _NOTE_ID, style="dashed")
    return g


def operation_label(trace, row, digits: int = 4) -> str:
    """The operation a node shows: its symbol, or, with a constant argument, the whole operation.

    ``×`` for v₋₁ × v₀ and ``ln`` for ln v₋₁ (the edges show the arguments);
    where an argument is a constant, which has no node or edge, the operation
    as the trace table writes it, so the constant shows: ``v₀^2`` for x ** 2,
    ``v₀ × 3``, ``1 / v₀``, ``hypot(v₀, 3)``.
    """
    if not any(isinstance(a, Const) for a in row.args):
        return row.prim.symbol
    return operation(trace, row, digits).text


def _check_highlight(highlight, first, last, omitted):
    if highlight is None:
        return
    if isinstance(highlight, bool) or not isinstance(highlight, numbers.Integral) or not (
            first <= highlight <= last):
        raise ValueError(
            f"graph: highlight={highlight!r} is not a row of the trace; give an index from "
            f"{first} to {last} (v_i of the trace table)."
        )
    if highlight in omitted:
        raise ValueError(
            f"graph: row {highlight} is among the rows left out of this large trace "
            f"({omitted.start} .. {omitted.stop - 1}); pass max_nodes={last - first + 1} to "
            f"draw every row."
        )


def _check_edges(trace, pairs, omitted) -> set:
    """The highlighted edges as a set of (tail, head) row indices, checked against the trace."""
    out = set()
    for pair in pairs:
        try:
            tail, head = pair
        except (TypeError, ValueError):
            raise ValueError(f"graph: highlight_edges takes (tail, head) pairs of row indices, "
                             f"got {pair!r}.") from None
        ok = all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in pair)
        if not ok or not (trace.rows[0].index <= head <= trace.rows[-1].index) or (
                tail not in trace.row(head).arg_rows):
            raise ValueError(
                f"graph: highlight_edges: {pair!r} is not an edge of the trace; give (j, i) with "
                f"v_j an argument of v_i."
            )
        if tail in omitted or head in omitted:
            raise ValueError(f"graph: the edge {pair!r} touches rows left out of this large "
                             f"trace; pass a larger max_nodes to draw it.")
        out.add((int(tail), int(head)))
    return out


def _revealed(trace, show, sweep, reveal):
    """Row index -> tangent or adjoint known after `reveal` sweep lines; None for all of them."""
    if reveal is None:
        return None
    if show == "primal":
        raise ValueError("graph: reveal steps through a sweep; pass show='tangent' or "
                         "show='adjoint' with it.")
    if isinstance(reveal, bool) or not isinstance(reveal, numbers.Integral) or reveal < 0:
        raise ValueError(f"graph: reveal must be a whole number >= 0 (sweep lines done), "
                         f"got {reveal!r}.")
    if show == "tangent":
        if reveal >= len(trace.rows):
            return None
        return {row.index: sweep[row.index] for row in trace.rows[:reveal]}
    if reveal > len(sweep.steps):
        return None
    known = {trace.output.index: sweep.seed} if reveal >= 1 else {}
    for step in sweep.steps[:max(reveal - 1, 0)]:
        known[step.target] = step.total
    return known


def _escape(text: str) -> str:
    """Text for a DOT string: backslashes doubled (quotes are escaped by graphviz)."""
    return text.replace("\\", "\\\\")


def _label(lines) -> str:
    """Centered lines of a plain-text DOT label, as a string graphviz never reads as HTML."""
    from graphviz import nohtml

    return nohtml("\\n".join(_escape(s) for s in lines))


def _note_label(trace, omitted, outputs) -> str:
    count = len(omitted)
    lines = [f"… {count:,} row{'s' if count != 1 else ''} omitted "
             f"({primal_name(omitted.start).text} … {primal_name(omitted.stop - 1).text}) …"]
    hidden = [name for i, name in outputs.items() if i in omitted]
    if hidden:
        lines.append("including output " + ", ".join(hidden))
    return _label(lines)


def _make_class():
    """The graphviz.Digraph subclass returned by trace_graph (made once, on first use)."""
    global _graph_class
    if _graph_class is not None:
        return _graph_class
    import graphviz
    from graphviz.backend import ExecutableNotFound

    class TraceGraph(graphviz.Digraph):
        """A `graphviz.Digraph` that explains a missing `dot` instead of raising, and saves images."""

        def _repr_mimebundle_(self, include=None, exclude=None, **kwargs):
            try:
                return super()._repr_mimebundle_(include, exclude, **kwargs)
            except ExecutableNotFound:
                return {"text/markdown": MISSING_DOT, "text/plain": self.source}

        def save(self, filename=None, directory=None, *, skip_existing=False):
            """Write the graph to a file chosen by its suffix.

            Args:
                filename: ``.svg``, ``.png`` or ``.pdf`` renders with `dot`;
                    ``.dot`` or ``.gv`` writes the DOT source (as
                    `graphviz.Digraph.save` does, which is also used when
                    no filename is given).
                directory: optional folder the filename is relative to.
                skip_existing: as in `graphviz.Digraph.save`.
            Returns:
                The path written, as a string.
            Raises:
                ValueError: another suffix.
                RuntimeError: Graphviz's `dot` program is missing (for images).
            """
            # graphviz's own render() saves its source through this method
            # (with skip_existing=None): that always writes the DOT source.
            if filename is None or skip_existing is None:
                return super().save(filename, directory=directory, skip_existing=skip_existing)
            path = pathlib.Path(filename)
            if directory is not None:
                path = pathlib.Path(directory) / path
            suffix = path.suffix.lower()
            if suffix in _SOURCE_SUFFIXES:
                return super().save(filename, directory=directory, skip_existing=skip_existing)
            if suffix not in _SAVE_FORMATS:
                allowed = ", ".join(list(_SAVE_FORMATS) + list(_SOURCE_SUFFIXES))
                raise ValueError(f"save: cannot tell the format of {str(path)!r}; end the "
                                 f"name with one of {allowed}.")
            if skip_existing and path.exists():
                return str(path)
            try:
                data = self.pipe(format=_SAVE_FORMATS[suffix])
            except ExecutableNotFound:
                raise RuntimeError(f"save: cannot write {str(path)!r}. {MISSING_DOT} "
                                   f"Or save the source with a .dot name.") from None
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            return str(path)

    _graph_class = TraceGraph
    return _graph_class
