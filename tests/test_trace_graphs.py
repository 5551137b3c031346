"""Dependency graphs of traces (adlab.graphs): DOT source, partials, sweeps, size, rendering."""

from __future__ import annotations

import math
import re
import shutil
import subprocess
import sys
import time

import numpy as np
import pytest

import adlab
from adlab.graphs import MISSING_DOT, node_id, trace_graph
from adlab.traces import trace

import graphviz  # noqa: E402  (make test installs the package and the dot program)


def test_dot_program_is_installed():
    """make test installs Graphviz; the rendering tests below rely on it."""
    assert shutil.which("dot") is not None

EDGE = re.compile(r"^\t(\S+) -> (\S+)(?: \[(.*)\])?$")
NODE = re.compile(r"^\t(\S+) \[label=")


def nodes_of(g):
    return [m.group(1) for line in g.body if (m := NODE.match(line.rstrip("\n")))]


def edges_of(g):
    """(tail id, head id, label or None) for every edge line, in order."""
    out = []
    for line in g.body:
        m = EDGE.match(line.rstrip("\n"))
        if m:
            label = re.search(r'label=("[^"]*"|\S+)', m.group(3) or "")
            out.append((m.group(1), m.group(2), label and label.group(1).strip('"')))
    return out


def node_line(g, index):
    start = f"\t{node_id(index)} ["
    lines = [line for line in g.body if line.startswith(start)]
    assert len(lines) == 1
    return lines[0]


def as_float(label):
    return float(label.replace("−", "-"))


def baydin(x1, x2):
    return adlab.log(x1) + x1 * x2 - adlab.sin(x2)


# -- golden ---------------------------------------------------------------------

# f(x1, x2) = x1 x2 + sin(x1) at (2, 3), checked by hand:
#   v₋₁ = x₁ = 2, v₀ = x₂ = 3 (inputs: ellipses, blue fill)
#   v₁ = v₋₁ × v₀ = 6;  ∂v₁/∂v₋₁ = v₀ = 3,  ∂v₁/∂v₀ = v₋₁ = 2
#   v₂ = sin v₋₁ = sin 2 = 0.909297 -> 0.9093;  ∂v₂/∂v₋₁ = cos 2 = −0.416147 -> −0.4161
#   v₃ = v₁ + v₂ = 6.909297 -> 6.909 (the output y: orange fill, double border);
#   ∂v₃/∂v₁ = ∂v₃/∂v₂ = 1
GOLDEN = """\
// adlab trace of small
digraph {
	graph [bgcolor=white fontname=Helvetica fontsize=12 nodesep=0.3 rankdir=LR ranksep=0.45 size="8.5,100"]
	node [color="#444444" fillcolor=white fontname=Helvetica fontsize=12 shape=box style="rounded,filled"]
	edge [arrowsize=0.7 color="#666666" fontcolor="#1f4e99" fontname=Helvetica fontsize=12]
	v_m1 [label="x₁\\nv₋₁ = 2" fillcolor="#dbe9f6" shape=ellipse style=filled]
	v_0 [label="x₂\\nv₀ = 3" fillcolor="#dbe9f6" shape=ellipse style=filled]
	v_1 [label="×\\nv₁ = 6"]
	v_2 [label="sin\\nv₂ = 0.9093"]
	v_3 [label="+\\ny = v₃ = 6.909" fillcolor="#fde3c8" peripheries=2]
	v_m1 -> v_1 [label=3]
	v_0 -> v_1 [label=2]
	v_m1 -> v_2 [label="−0.4161"]
	v_1 -> v_3 [label=1]
	v_2 -> v_3 [label=1]
}
"""


def small(x1, x2):
    return x1 * x2 + adlab.sin(x1)


def test_golden_source():
    t = trace(small, 2.0, 3.0)
    g = trace_graph(t)
    assert g.source == GOLDEN
    assert t.graph().source == GOLDEN
    assert isinstance(g, graphviz.Digraph)


def test_edge_labels_false_draws_the_same_graph_without_the_partials():
    t = trace(small, 2.0, 3.0)
    plain = trace_graph(t, edge_labels=False)
    assert nodes_of(plain) == nodes_of(trace_graph(t))
    assert edges_of(plain) == [(a, b, None) for a, b, _ in edges_of(trace_graph(t))]
    # only the edge lines change
    assert [ln for ln in plain.body if " -> " not in ln] == \
        [ln for ln in trace_graph(t).body if " -> " not in ln]


def test_golden_numbers_match_the_trace():
    t = trace(small, 2.0, 3.0)
    assert t.partial(2, 0) == pytest.approx(math.cos(2.0))
    assert t.row(3).value == pytest.approx(6.0 + math.sin(2.0))


# -- structure on random functions ----------------------------------------------

UNARY = [adlab.sin, adlab.cos, adlab.tanh, adlab.sigmoid, lambda v: -v, lambda v: v * v,
         lambda v: v * 2.5, lambda v: v ** 2.0, lambda v: adlab.exp(adlab.tanh(v))]
BINARY = [lambda a, b: a + b, lambda a, b: a - b, lambda a, b: a * b,
          lambda a, b: a / (1.5 + adlab.sin(b))]


def random_function(seed, n_inputs=3, n_ops=20):
    rng = np.random.default_rng(seed)
    plan = []
    for k in range(n_ops):
        size = n_inputs + k
        if rng.random() < 0.4:
            plan.append((UNARY[rng.integers(len(UNARY))], int(rng.integers(size)), None))
        else:
            plan.append((BINARY[rng.integers(len(BINARY))], int(rng.integers(size)),
                         int(rng.integers(size))))

    def f(*xs):
        vals = list(xs)
        for op, i, j in plan:
            vals.append(op(vals[i]) if j is None else op(vals[i], vals[j]))
        return vals[-1]

    point = rng.uniform(-1.5, 1.5, n_inputs)
    return f, [float(x) for x in point]


def central_partial(row, k, trace_, h=1e-6):
    """∂ prim / ∂ argument k by central differences of the primitive's own numpy impl."""
    vals = [trace_.row(a).value if isinstance(a, int) else a.value for a in row.args]
    up, down = list(vals), list(vals)
    up[k] = vals[k] + h
    down[k] = vals[k] - h
    return (float(row.prim.impl(*up, **row.params))
            - float(row.prim.impl(*down, **row.params))) / (2 * h)


@pytest.mark.parametrize("seed", range(8))
def test_random_structure_and_partials(seed):
    f, point = random_function(seed)
    t = trace(f, *point)
    g = trace_graph(t, digits=12)

    assert nodes_of(g) == [node_id(r.index) for r in t.rows]
    edges = edges_of(g)
    assert len(edges) == sum(len(r.arg_rows) for r in t.rows)

    expected = [(a, r, k) for r in t.rows for k, a in enumerate(r.args) if isinstance(a, int)]
    for (tail, head, label), (a, row, k) in zip(edges, expected):
        assert (tail, head) == (node_id(a), node_id(row.index))
        assert label is not None
        assert as_float(label) == pytest.approx(central_partial(row, k, t), rel=1e-5, abs=1e-7)


def test_same_argument_twice_gives_two_edges():
    t = trace(lambda x: x * x, 3.0)
    assert edges_of(trace_graph(t)) == [("v_0", "v_1", "3"), ("v_0", "v_1", "3")]


def test_constants_are_not_nodes():
    t = trace(lambda x: 2.5 * x + 1.0, 2.0)
    g = trace_graph(t)
    assert nodes_of(g) == ["v_0", "v_1", "v_2"]
    assert edges_of(g) == [("v_0", "v_1", "2.5"), ("v_1", "v_2", "1")]


def test_array_rows_have_unlabelled_edges():
    t = trace(lambda x: adlab.sum(x * x) * 2.5, np.array([1.0, 2.0, 3.0]))
    g = trace_graph(t)
    assert edges_of(g) == [("v_0", "v_1", None), ("v_0", "v_1", None), ("v_1", "v_2", None),
                           ("v_2", "v_3", "2.5")]
    assert "v₀ = [1, 2, 3]" in node_line(g, 0)
    assert "v₁ = [1, 4, 9]" in node_line(g, 1)
    assert "⟨20 array⟩" in node_line(trace_graph(trace(lambda x: x * 2.0, np.ones(20))), 1)


# -- sweeps ---------------------------------------------------------------------


def test_baydin_adjoint_view():
    t = trace(baydin, 2.0, 5.0)
    g = trace_graph(t, show="adjoint")
    assert "x₁" in node_line(g, -1) and "v̄₋₁ = 5.5" in node_line(g, -1)
    assert "x₂" in node_line(g, 0) and "v̄₀ = 1.716" in node_line(g, 0)
    assert "v̄₅ = 1" in node_line(g, 5)
    assert "v̄₋₁ = 11" in node_line(trace_graph(t, show="adjoint", seed=2.0), -1)


def test_baydin_tangent_view():
    t = trace(baydin, 2.0, 5.0)
    g = t.graph(show="tangent", seed={"x1": 1.0})
    out = node_line(g, 5)
    assert "y = v₅ = 11.65" in out and "v̇₅ = 5.5" in out
    assert "v̇₋₁ = 1" in node_line(g, -1) and "v̇₀ = 0" in node_line(g, 0)
    assert "v̇₅ = 1.716" in node_line(t.graph(show="tangent", seed={"x2": 1.0}), 5)


def test_primal_view_shows_no_sweep():
    g = trace_graph(trace(baydin, 2.0, 5.0))
    assert "v̇" not in g.source and "v̄" not in g.source
    assert "ln\\nv₁ = 0.6931" in node_line(g, 1)


def test_bad_show_names_the_choices():
    t = trace(baydin, 2.0, 5.0)
    with pytest.raises(ValueError, match="primal.*tangent.*adjoint"):
        trace_graph(t, show="dual")
    with pytest.raises(ValueError, match="rankdir"):
        trace_graph(t, rankdir="sideways")


# -- highlight, layout, determinism ----------------------------------------------


def test_highlight():
    t = trace(baydin, 2.0, 5.0)
    g = trace_graph(t, highlight=2)
    assert "penwidth=3" in node_line(g, 2)
    assert sum("penwidth" in line for line in g.body) == 1
    assert "penwidth=3" in node_line(trace_graph(t, highlight=-1), -1)
    for bad in (6, -2, 1.0, True):
        with pytest.raises(ValueError, match="highlight"):
            trace_graph(t, highlight=bad)


def test_layout_options():
    t = trace(baydin, 2.0, 5.0)
    assert "rankdir=LR" in trace_graph(t).source
    assert "rankdir=TB" in trace_graph(t, rankdir="TB").source
    assert "fontname=Helvetica" in trace_graph(t).source
    assert "v₁ = 0.69314718" in trace_graph(t, digits=8).source


def test_deterministic_source():
    a = trace_graph(trace(baydin, 2.0, 5.0), show="adjoint", highlight=3).source
    b = trace_graph(trace(baydin, 2.0, 5.0), show="adjoint", highlight=3).source
    assert a == b
    f, point = random_function(3)
    assert trace(f, *point).graph().source == trace(f, *point).graph().source


# -- large traces ---------------------------------------------------------------


def damped(x):
    for _ in range(2500):
        x = adlab.sin(x) * 0.9
    return x


def test_large_trace_is_truncated():
    t = trace(damped, 1.0)
    assert len(t.rows) == 5001
    start = time.perf_counter()
    g = trace_graph(t)
    elapsed = time.perf_counter() - start
    print(f"\ntrace_graph of a {len(t.rows)}-row trace: {elapsed * 1000:.1f} ms")

    nodes = nodes_of(g)
    assert len(nodes) <= 150 + 1
    assert nodes[:75] == [node_id(i) for i in range(75)]
    assert nodes[75] == "omitted"
    assert nodes[76:] == [node_id(i) for i in range(4926, 5001)]
    note = next(line for line in g.body if line.startswith("\tomitted ["))
    assert "… 4,851 rows omitted (v₇₅ … v₄₉₂₅) …" in note
    edges = edges_of(g)
    assert ("v_74", "omitted", None) in edges and ("omitted", "v_4926", None) in edges
    assert len(edges) == 74 + 74 + 2
    assert "y = v₅₀₀₀" in node_line(g, 5000)
    assert "v̄₀" in node_line(trace_graph(t, show="adjoint"), 0)


def test_truncation_edges_are_deduplicated():
    def f(x, y):
        a = x * y
        for _ in range(30):
            a = adlab.sin(a) + x  # every omitted row uses x
        return a * y

    t = trace(f, 1.0, 2.0)
    g = trace_graph(t, max_nodes=10)
    nodes = nodes_of(g)
    assert len(nodes) == 11 and nodes[5] == "omitted"
    edges = edges_of(g)
    note_edges = [e for e in edges if "omitted" in e[:2]]
    assert len(note_edges) == len(set(note_edges))
    assert ("v_m1", "omitted", None) in edges
    assert [e for e in edges if e[1] == "omitted"] == [("v_3", "omitted", None),
                                                       ("v_m1", "omitted", None)]
    with pytest.raises(ValueError, match="max_nodes"):
        trace_graph(t, max_nodes=10, highlight=20)


# -- rendering ------------------------------------------------------------------


def test_pipe_svg():
    svg = trace_graph(trace(baydin, 2.0, 5.0), show="adjoint").pipe(format="svg").decode()
    assert "<svg" in svg
    assert "v₁ = 0.6931" in svg


def test_save_svg_png_and_source(tmp_path):
    g = trace_graph(trace(baydin, 2.0, 5.0))
    svg = tmp_path / "g.svg"
    assert g.save(svg) == str(svg)
    assert "<svg" in svg.read_text(encoding="utf-8")
    png = tmp_path / "sub" / "g.png"
    g.save(str(png))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    dot = tmp_path / "g.dot"
    g.save(dot)
    assert dot.read_text(encoding="utf-8") == g.source
    with pytest.raises(ValueError, match=r"\.svg"):
        g.save(tmp_path / "g.txt")


def test_graphviz_render_still_works(tmp_path):
    g = trace_graph(trace(baydin, 2.0, 5.0))
    out = g.render(tmp_path / "r", format="svg")
    assert out.endswith(".svg")
    assert (tmp_path / "r").read_text(encoding="utf-8") == g.source


def test_repr_mimebundle_renders():
    bundle = trace_graph(trace(baydin, 2.0, 5.0))._repr_mimebundle_()
    assert "<svg" in bundle["image/svg+xml"]


def test_missing_dot(tmp_path, monkeypatch):
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    g = trace_graph(trace(baydin, 2.0, 5.0))
    bundle = g._repr_mimebundle_()
    assert set(bundle) == {"text/markdown", "text/plain"}
    assert bundle["text/markdown"] == MISSING_DOT
    for hint in ("apt-get install graphviz", "brew install graphviz", "conda install graphviz",
                 "Colab"):
        assert hint in bundle["text/markdown"]
    assert "\n" not in bundle["text/markdown"]
    assert bundle["text/plain"] == g.source
    with pytest.raises(RuntimeError, match="apt-get install graphviz"):
        g.save(tmp_path / "g.svg")
    assert not (tmp_path / "g.svg").exists()
    g.save(tmp_path / "g.gv")  # the source needs no dot
    assert (tmp_path / "g.gv").read_text(encoding="utf-8") == g.source


def test_import_adlab_does_not_import_graphviz():
    code = ("import sys, adlab, adlab.graphs, adlab.traces; "
            "print('graphviz' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"
