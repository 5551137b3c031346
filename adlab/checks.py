"""Checks a student's hand-written dependency graph against adlab's trace of the same function.

The exercises (exercises/source, Q5) ask for a graph written as plain data:
``nodes``, a dict from a node name the student chooses to the operation it
performs (an adlab primitive name such as ``"log"``, or ``"input"``), and
``edges``, a list of ``(from, to)`` pairs. `compare_graph` says whether some
renaming of those nodes turns them into the rows of ``adlab.trace(f, ...)`` and
their dependencies, and if not, what differs, in words a student can act on.
Constants (the 2 in ``x ** 2``) are not nodes, as in the trace.
"""

from __future__ import annotations

from collections import Counter

INPUT = "input"


def trace_graph_data(trace) -> tuple[dict, list]:
    """A trace's dependency graph as ``(nodes, edges)`` in the exercises' format.

    Args:
        trace: an `adlab.Trace`.
    Returns:
        ``nodes`` maps ``"v0"``, ``"v1"``, ... (``"v-1"`` for earlier inputs) to
        the primitive's name or ``"input"``; ``edges`` lists ``(argument, row)``
        pairs, one per argument that is a row (x * x gives two).
    """
    nodes = {}
    edges = []
    for row in trace.rows:
        name = f"v{row.index}"
        nodes[name] = INPUT if row.is_input else row.prim.name
        edges.extend((f"v{a}", name) for a in row.arg_rows)
    return nodes, edges


def _validate(nodes, edges) -> list[str]:
    from .primitives import PRIMITIVES

    problems = []
    if not isinstance(nodes, dict):
        return [f"nodes must be a dict from node name to operation, got {type(nodes).__name__}."]
    if not isinstance(edges, (list, tuple, set)):
        return [f"edges must be a list of (from, to) pairs, got {type(edges).__name__}."]
    known = sorted(PRIMITIVES) + [INPUT]
    for name, op in nodes.items():
        if op not in known:
            problems.append(f"node {name!r} has operation {op!r}, which is not one of: "
                            f"{', '.join(known)}.")
    for e in edges:
        if not (isinstance(e, (tuple, list)) and len(e) == 2):
            problems.append(f"edge {e!r} is not a (from, to) pair.")
            continue
        for end in e:
            if end not in nodes:
                problems.append(f"edge {tuple(e)!r} uses {end!r}, which is not in nodes.")
    return problems


def compare_graph(nodes: dict, edges, trace) -> list[str]:
    """Differences between a hand-written dependency graph and a trace's, up to renaming.

    Args:
        nodes: dict from node name to operation name (``"input"`` for inputs).
        edges: iterable of ``(from, to)`` node-name pairs.
        trace: the `adlab.Trace` to compare with.
    Returns:
        A list of sentences describing what differs; empty when a renaming of
        the nodes makes the two graphs identical (operations and edges, with
        multiplicity).
    """
    problems = _validate(nodes, edges)
    if problems:
        return problems
    want_nodes, want_edges = trace_graph_data(trace)
    have_edges = [tuple(e) for e in edges]

    want_ops = Counter(want_nodes.values())
    have_ops = Counter(nodes.values())
    for op in sorted(set(want_ops) | set(have_ops)):
        if want_ops[op] != have_ops[op]:
            problems.append(f"the trace has {want_ops[op]} {op!r} node(s), your graph has "
                            f"{have_ops[op]}.")
    if len(want_edges) != len(have_edges):
        problems.append(f"the trace has {len(want_edges)} edges, your graph has {len(have_edges)}.")
    if problems:
        return problems

    mapping = _isomorphism(want_nodes, want_edges, nodes, have_edges)
    if mapping is None:
        problems.append(
            "the operations and the number of edges agree, but no renaming of your nodes "
            "gives the trace's edges: check which value each operation reads "
            "(print adlab.trace(f, x) to see the rows).")
    return problems


def _isomorphism(a_nodes, a_edges, b_nodes, b_edges):
    """A mapping from graph a's nodes to graph b's that preserves operations and edges, or None.

    Iterative backtracking over a's nodes in order; candidates must agree in
    operation, in-degree and out-degree, and every edge between already mapped
    nodes must appear as often in both graphs.
    """
    def degrees(edges):
        ins, outs = Counter(), Counter()
        for u, v in edges:
            outs[u] += 1
            ins[v] += 1
        return ins, outs

    a_in, a_out = degrees(a_edges)
    b_in, b_out = degrees(b_edges)
    a_count, b_count = Counter(a_edges), Counter(b_edges)
    order = list(a_nodes)
    candidates = [[b for b in b_nodes
                   if b_nodes[b] == a_nodes[a] and b_in[b] == a_in[a] and b_out[b] == a_out[a]]
                  for a in order]

    def consistent(mapping, a):
        b = mapping[a]
        for other, b_other in mapping.items():
            if a_count[(a, other)] != b_count[(b, b_other)]:
                return False
            if a_count[(other, a)] != b_count[(b_other, b)]:
                return False
        return True

    mapping: dict = {}
    used: set = set()
    stack = [0]  # stack[k] = next candidate to try for order[k]
    while stack:
        k = len(stack) - 1
        a = order[k]
        if a in mapping:
            used.discard(mapping.pop(a))
        i = stack[k]
        placed = False
        while i < len(candidates[k]):
            b = candidates[k][i]
            i += 1
            if b in used:
                continue
            mapping[a] = b
            if consistent(mapping, a):
                used.add(b)
                placed = True
                break
            del mapping[a]
        stack[k] = i
        if not placed:
            stack.pop()
            continue
        if len(stack) == len(order):
            return dict(mapping)
        stack.append(0)
    return None


class Comparison:
    """A Markdown table of a student's values beside adlab's, row by row (see `side_by_side`)."""

    def __init__(self, symbol: str, yours, adlab_values, start: int = 0, digits: int = 6):
        self.symbol = symbol
        self.yours = list(yours)
        self.adlab_values = list(adlab_values)
        self.digits = digits
        self.start = start

    @property
    def agree(self) -> bool:
        """True when both lists have the same length and agree to 1e-9 (relative or absolute)."""
        import numpy as np

        if len(self.yours) != len(self.adlab_values):
            return False
        try:
            return all(bool(np.allclose(a, b, rtol=1e-9, atol=1e-9))
                       for a, b in zip(self.yours, self.adlab_values))
        except (TypeError, ValueError):
            return False

    def markdown(self) -> str:
        """The table as Markdown: i, your value, adlab's value, and a mark where they differ."""
        import numpy as np

        def fmt(v):
            try:
                return f"{float(v):.{self.digits}g}"
            except (TypeError, ValueError):
                return "" if v is None else str(v)

        lines = [f"| i | your {self.symbol}_i | adlab's {self.symbol}_i | |", "|---|---|---|---|"]
        for k in range(max(len(self.yours), len(self.adlab_values))):
            a = self.yours[k] if k < len(self.yours) else None
            b = self.adlab_values[k] if k < len(self.adlab_values) else None
            try:
                same = a is not None and b is not None and bool(np.allclose(a, b, rtol=1e-9,
                                                                            atol=1e-9))
            except (TypeError, ValueError):
                same = False
            lines.append(f"| {self.start + k} | {fmt(a)} | {fmt(b)} | {'' if same else 'differs'} |")
        return "\n".join(lines)

    def _repr_markdown_(self):
        return self.markdown()


def side_by_side(symbol: str, yours, trace_values, start: int = 0) -> Comparison:
    """Compare a student's list of per-row values with a trace's (tangents or adjoints).

    Args:
        symbol: what the values are, for the header (``"v̇"`` or ``"v̄"``).
        yours: the student's values, one per row of the trace in order.
        trace_values: adlab's values, e.g. ``trace.forward().values``.
        start: the index i of the first row (0 for one input, 1 - n for n).
    Returns:
        A `Comparison`, shown as a Markdown table in Jupyter; ``.agree`` says
        whether every row matches.
    """
    return Comparison(symbol, yours, trace_values, start)
