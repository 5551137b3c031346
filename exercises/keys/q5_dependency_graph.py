"""Key for q5_dependency_graph: the hand-written dependency graph of
f(x) = log(x^2) sin x + 1/x, and a function drawing any such graph. Instructor only: never
released.

Q5.1 (q5-graph-check): the recorded nodes and edges are compared, up to renaming the nodes,
with the graph of the key's own adlab.trace of f (adlab.checks.compare_graph, in the grader's
process): all or nothing, as the visible check (the same comparison) already is. The feedback
says which nodes differ (an operation reading other operations than in f) and draws f's graph
(operations only, no values or factors).

Q5.2 (q5-draw-check): the DOT source of draw(nodes, edges) for the student's own graph and for
a hidden random graph (names n100..n999, one node reading the same value twice) must have one
node statement per node whose label shows its operation, and exactly the given edges, with
multiplicity and direction.
"""

import re
from collections import Counter

from adlab.autograde.key import BadAnswer, Verdict, every

OPS = ["sin", "cos", "exp", "log", "tanh", "mul", "add", "sub"]
BINARY = {"mul", "add", "sub"}


def inputs(rng):
    """Another graph for draw: 5 to 7 nodes named n100..n999 in shuffled order; the first is
    the input, each later node reads one or two earlier ones, and one mul reads one value twice."""
    n = int(rng.integers(5, 8))
    names = [f"n{int(k)}" for k in rng.choice(900, size=n, replace=False) + 100]
    nodes = {names[0]: "input"}
    edges = []
    twice = int(rng.integers(2, n))            # this node is a mul of one value by itself
    for i in range(1, n):
        if i == twice:
            op, args = "mul", [int(rng.integers(0, i))] * 2
        else:
            op = str(rng.choice(OPS))
            k = 2 if op in BINARY else 1
            args = [int(a) for a in rng.choice(i, size=min(k, i), replace=False)]
            if op in BINARY and len(args) == 1:
                args = args * 2
        nodes[names[i]] = op
        edges += [[names[j], names[i]] for j in args]
    order = rng.permutation(len(edges))
    return {"q5-other-graph": [nodes, [edges[int(k)] for k in order]]}


# -- Q5.1 ----------------------------------------------------------------------------------


def _f(x):
    import adlab

    return adlab.log(x ** 2) * adlab.sin(x) + 1 / x


def _f_graph():
    """f's graph from the key's own trace, as (nodes, edges) named v0 .. v6."""
    import adlab
    from adlab.checks import trace_graph_data

    return trace_graph_data(adlab.trace(_f, 2.0))


def _svg(nodes, edges):
    """A plain drawing (names and operations, no values) of a graph, as inline SVG."""
    import graphviz

    g = graphviz.Digraph(graph_attr={"rankdir": "LR", "size": "8,4"},
                         node_attr={"shape": "box", "style": "rounded", "fontname": "Helvetica"})
    for name, op in nodes.items():
        g.node(name, f"{name}: {op}")
    for a, b in edges:
        g.edge(a, b)
    try:
        svg = g.pipe(format="svg").decode("utf-8")
    except Exception:                       # no Graphviz binary: the DOT text instead
        import html

        return f"<pre>{html.escape(g.source)}</pre>"
    return svg[svg.find("<svg"):]


def _reads(nodes, edges):
    """Counter of (operation, sorted operations of its arguments) over the nodes."""
    into = {b: [] for b in nodes}
    for a, b in edges:
        into[b].append(nodes[a])
    return Counter((nodes[b], tuple(sorted(into[b]))) for b in nodes)


def _graph_answer(data):
    if not isinstance(data, dict) or not isinstance(data.get("nodes"), dict) \
            or not isinstance(data.get("edges"), list):
        raise BadAnswer("nodes should be a dict from name to operation and edges a list of "
                        "(from, to) pairs")
    nodes = {str(k): v for k, v in data["nodes"].items()}
    edges = [tuple(str(end) for end in e) if isinstance(e, list) else e for e in data["edges"]]
    return nodes, edges


def check_graph(answers):
    import adlab
    from adlab.checks import compare_graph

    nodes, edges = _graph_answer(answers.get("q5-graph"))
    f_nodes, f_edges = _f_graph()
    html = ("<p>f's dependency graph, from adlab's trace of f (its rows v0 .. v6 in the order "
            "Python evaluates them):</p>" + _svg(f_nodes, f_edges))
    problems = compare_graph(nodes, edges, adlab.trace(_f, 2.0))
    if not problems:
        return Verdict(1.0, "your graph is f's dependency graph (up to the names of the "
                            "nodes): 7 nodes, 8 edges, x read by three operations", html)
    if not all(p.startswith(("the trace has", "the operations")) for p in problems):
        return Verdict(0.0, "your graph is not well formed:\n" + "\n".join(problems), html)
    mine, theirs = _reads(nodes, edges), _reads(f_nodes, f_edges)
    right = sum((mine & theirs).values())
    wrong = sorted(f"{op!r} reading {list(args) or 'nothing'}"
                   for (op, args) in (mine - theirs).elements())
    lacking = sorted(f"{op!r} reading {list(args) or 'nothing'}"
                     for (op, args) in (theirs - mine).elements())
    notes = []
    if wrong:
        notes.append("your graph has " + "; ".join(wrong) + ", which f has not")
    if lacking:
        notes.append("f has " + "; ".join(lacking) + ", which your graph has not")
    if sum(op == "input" for op in nodes.values()) > 1:
        notes.append("f has one input node, x, read by three operations; constants such as "
                     "the 2 in x ** 2 are not nodes")
    if any(nodes.get(b) == "input" for a, b in edges):
        notes.append("an edge ends at an input: edges go from a value to the operation that "
                     "reads it")
    return Verdict(0.0, f"your graph is not f's graph ({right} of {len(f_nodes)} nodes of f "
                        f"appear in it, performing the right operation on the right values): "
                   + "; ".join(notes or problems), html)


# -- Q5.2 ----------------------------------------------------------------------------------

_NAME = r'(?:"((?:[^"\\]|\\.)*)"|([^\s\[\]";{}-][^\s\[\];{}]*))'
_EDGE = re.compile(rf"^{_NAME}\s*->\s*{_NAME}\s*(\[.*\])?\s*;?\s*$", re.S)
_NODE = re.compile(rf"^{_NAME}\s*(\[.*\])?\s*;?\s*$", re.S)


def _name(quoted, bare):
    return bare if bare is not None else re.sub(r"\\(.)", r"\1", quoted)


def _parse(source):
    """(node name -> attribute text, list of (from, to)) from a graphviz Digraph's source."""
    nodes, edges = {}, []
    for stmt in re.split(r"\n(?=[\t}])", source):
        stmt = stmt.strip()
        m = _EDGE.match(stmt)
        if m:
            edges.append((_name(m[1], m[2]), _name(m[3], m[4])))
            continue
        m = _NODE.match(stmt)
        if m and (m[1] is not None or m[2] not in ("graph", "node", "edge")):
            nodes[_name(m[1], m[2])] = m[3] or ""
    return nodes, edges


def _drawn(source, nodes, edges, what):
    if not isinstance(source, str):
        raise BadAnswer(f"{what}: draw did not return a graphviz.Digraph")
    drawn_nodes, drawn_edges = _parse(source)
    want = Counter((str(a), str(b)) for a, b in edges)
    have = Counter(drawn_edges)
    if sum(have.values()) != sum(want.values()):
        return Verdict(0.0, f"{what}: {sum(have.values())} edges are drawn for "
                            f"{sum(want.values())} pairs in edges (one edge per pair, a pair "
                            f"listed twice drawn twice)")
    if have != want:
        a, b = next(iter(want - have))
        turned = " (it is drawn the wrong way round)" if have[(b, a)] else ""
        return Verdict(0.0, f"{what}: the edge from {a!r} to {b!r} is not drawn{turned}")
    for name, op in nodes.items():
        if str(op) not in drawn_nodes.get(name, ""):
            return Verdict(0.0, f"{what}: the label of the node {name!r} does not show its "
                                f"operation {op!r}")
    return Verdict(1.0, f"{what}: every node is drawn with its operation, every edge once")


def check_draw(answers):
    nodes, edges = _graph_answer(answers.get("q5-graph"))
    if not all(isinstance(e, tuple) and len(e) == 2 for e in edges):
        raise BadAnswer("edges should be a list of (from, to) pairs")
    other_nodes, other_edges = answers.inputs["q5-other-graph"]
    return every([_drawn(answers.get("q5-draw-visible"), nodes, edges, "your graph"),
                  _drawn(answers.get("q5-draw-hidden"), other_nodes, other_edges,
                         "another graph, with a value read twice")],
                 "draw draws every node with its operation and every edge, for your graph and "
                 "for another one")


CHECKS = {"q5-graph-check": check_graph, "q5-draw-check": check_draw}
