"""Answers to q5_dependency_graph for tests/test_exercises.py: written differently, and wrong."""

# -- written differently: must score full marks ------------------------------------------

DIFFERENT = {
    # other node names, the nodes listed from the output back, the edges in another order and
    # given as lists; draw adds the edges first and labels the nodes afterwards
    "q5-graph": '''
nodes = {"out": "add", "inv": "truediv", "prod": "mul", "s": "sin", "l": "log",
         "sq": "pow", "t": "input"}
edges = [["inv", "out"], ["prod", "out"], ["t", "inv"], ["s", "prod"], ["l", "prod"],
         ["t", "s"], ["sq", "l"], ["t", "sq"]]
''',
    "q5-draw": '''
import graphviz

def draw(nodes, edges):
    g = graphviz.Digraph()
    for a, b in edges:
        g.edge(str(a), str(b))
    for name in nodes:
        g.node(str(name), label=f"{name}: {nodes[name]}")
    return g
''',
}

# -- plausible wrong answers: (what, {solution cell: code}, test cells that must lose points) --

WRONG = [
    ("a chain: sin reads log(x^2) instead of x", {"q5-graph": '''
nodes = {"x": "input", "square": "pow", "log": "log", "sin": "sin", "product": "mul",
         "reciprocal": "truediv", "f": "add"}
edges = [("x", "square"), ("square", "log"), ("log", "sin"), ("log", "product"),
         ("sin", "product"), ("x", "reciprocal"), ("product", "f"), ("reciprocal", "f")]
'''}, {"q5-graph-check"}),
    ("the constant 2 of x ** 2 as a node", {"q5-graph": '''
nodes = {"x": "input", "two": "input", "square": "pow", "log": "log", "sin": "sin",
         "product": "mul", "reciprocal": "truediv", "f": "add"}
edges = [("x", "square"), ("two", "square"), ("square", "log"), ("x", "sin"),
         ("log", "product"), ("sin", "product"), ("x", "reciprocal"), ("product", "f"),
         ("reciprocal", "f")]
'''}, {"q5-graph-check"}),
    ("no fan-out: one input node per use of x", {"q5-graph": '''
nodes = {"x1": "input", "x2": "input", "x3": "input", "square": "pow", "log": "log",
         "sin": "sin", "product": "mul", "reciprocal": "truediv", "f": "add"}
edges = [("x1", "square"), ("square", "log"), ("x2", "sin"), ("log", "product"),
         ("sin", "product"), ("x3", "reciprocal"), ("product", "f"), ("reciprocal", "f")]
'''}, {"q5-graph-check"}),
    ("a missing path: 1/x does not read x", {"q5-graph": '''
nodes = {"x": "input", "square": "pow", "log": "log", "sin": "sin", "product": "mul",
         "reciprocal": "truediv", "f": "add"}
edges = [("x", "square"), ("square", "log"), ("x", "sin"), ("log", "product"),
         ("sin", "product"), ("product", "f"), ("reciprocal", "f")]
'''}, {"q5-graph-check"}),
    ("every edge the wrong way round (to, from)", {"q5-graph": '''
nodes = {"x": "input", "square": "pow", "log": "log", "sin": "sin", "product": "mul",
         "reciprocal": "truediv", "f": "add"}
edges = [("square", "x"), ("log", "square"), ("sin", "x"), ("product", "log"),
         ("product", "sin"), ("reciprocal", "x"), ("f", "product"), ("f", "reciprocal")]
'''}, {"q5-graph-check"}),
    ("x ** 2 as a mul reading x twice", {"q5-graph": '''
nodes = {"x": "input", "square": "mul", "log": "log", "sin": "sin", "product": "mul",
         "reciprocal": "truediv", "f": "add"}
edges = [("x", "square"), ("x", "square"), ("square", "log"), ("x", "sin"),
         ("log", "product"), ("sin", "product"), ("x", "reciprocal"), ("product", "f"),
         ("reciprocal", "f")]
'''}, {"q5-graph-check"}),
    ("draw keeps only the first edge into each node", {"q5-draw": '''
import graphviz

def draw(nodes, edges):
    g = graphviz.Digraph()
    for name, op in nodes.items():
        g.node(name, f"{name}\\n{op}")
    seen = set()
    for a, b in edges:
        if b not in seen:
            g.edge(a, b)
            seen.add(b)
    return g
'''}, {"q5-draw-check"}),
    ("draw draws a set of edges: a value read twice gets one edge", {"q5-draw": '''
import graphviz

def draw(nodes, edges):
    g = graphviz.Digraph()
    for name, op in nodes.items():
        g.node(name, f"{name}\\n{op}")
    for a, b in sorted(set(map(tuple, edges))):
        g.edge(a, b)
    return g
'''}, {"q5-draw-check"}),
    ("draw draws the edges backwards", {"q5-draw": '''
import graphviz

def draw(nodes, edges):
    g = graphviz.Digraph()
    for name, op in nodes.items():
        g.node(name, f"{name}\\n{op}")
    for a, b in edges:
        g.edge(b, a)
    return g
'''}, {"q5-draw-check"}),
    ("draw labels the nodes with their names only", {"q5-draw": '''
import graphviz

def draw(nodes, edges):
    g = graphviz.Digraph()
    for name in nodes:
        g.node(name)
    for a, b in edges:
        g.edge(a, b)
    return g
'''}, {"q5-draw-check"}),
]
