"""adlab.checks (hand-written graphs and tables against a trace) and adlab.grading (feedback filter)."""

from __future__ import annotations

import random

import nbformat
import numpy as np
import pytest

import adlab
from adlab.checks import compare_graph, side_by_side, trace_graph_data


def f(x):
    return adlab.log(x ** 2) * adlab.sin(x) + 1 / x


NODES = {"x": "input", "sq": "pow", "lg": "log", "s": "sin", "m": "mul", "r": "truediv",
         "out": "add"}
EDGES = [("x", "sq"), ("sq", "lg"), ("x", "s"), ("lg", "m"), ("s", "m"), ("x", "r"),
         ("m", "out"), ("r", "out")]


def test_trace_graph_data_follows_the_rows():
    nodes, edges = trace_graph_data(adlab.trace(f, 2.0))
    assert nodes == {"v0": "input", "v1": "pow", "v2": "log", "v3": "sin", "v4": "mul",
                     "v5": "truediv", "v6": "add"}
    assert edges == [("v0", "v1"), ("v1", "v2"), ("v0", "v3"), ("v2", "v4"), ("v3", "v4"),
                     ("v0", "v5"), ("v4", "v6"), ("v5", "v6")]


def test_a_renamed_graph_in_any_order_matches():
    edges = list(reversed(EDGES))
    assert compare_graph(NODES, edges, adlab.trace(f, 2.0)) == []
    assert compare_graph(NODES, [list(e) for e in EDGES], adlab.trace(f, -0.5)) == []


def test_a_chain_in_place_of_fan_out_is_found():
    wrong = [e if e != ("x", "s") else ("lg", "s") for e in EDGES]
    problems = compare_graph(NODES, wrong, adlab.trace(f, 2.0))
    assert len(problems) == 1 and "no renaming" in problems[0]


def test_missing_edges_and_wrong_operations_are_named():
    problems = compare_graph(NODES, EDGES[:-1], adlab.trace(f, 2.0))
    assert problems == ["the trace has 8 edges, your graph has 7."]
    nodes = dict(NODES, r="pow")
    problems = compare_graph(nodes, EDGES, adlab.trace(f, 2.0))
    assert "the trace has 1 'pow' node(s), your graph has 2." in problems
    assert "the trace has 1 'truediv' node(s), your graph has 0." in problems


def test_bad_input_gets_sentences_not_tracebacks():
    assert "not one of" in compare_graph(dict(NODES, sq="cube"), EDGES, adlab.trace(f, 2.0))[0]
    assert "not in nodes" in compare_graph(NODES, EDGES + [("x", "y")], adlab.trace(f, 2.0))[0]
    assert "must be a dict" in compare_graph([("x", "input")], EDGES, adlab.trace(f, 2.0))[0]
    assert "not a (from, to) pair" in compare_graph(NODES, EDGES + ["x"], adlab.trace(f, 2.0))[0]


def test_repeated_arguments_count_as_two_edges():
    t = adlab.trace(lambda x: x * x, 3.0)
    assert compare_graph({"x": "input", "y": "mul"}, [("x", "y"), ("x", "y")], t) == []
    assert compare_graph({"x": "input", "y": "mul"}, [("x", "y")], t) != []


def _random_program(rng: random.Random, n_ops: int):
    unary = [adlab.sin, adlab.exp, adlab.tanh, adlab.cos]
    binary = [lambda a, b: a * b, lambda a, b: a + b, lambda a, b: a - b]

    def program(x, y):
        pool = [x, y]
        for _ in range(n_ops):
            if rng.random() < 0.5:
                pool.append(rng.choice(unary)(rng.choice(pool)))
            else:
                pool.append(rng.choice(binary)(rng.choice(pool), rng.choice(pool)))
        return pool[-1]

    return program


@pytest.mark.parametrize("seed", range(20))
def test_random_programs_match_themselves_under_any_renaming(seed):
    rng = random.Random(seed)
    program = _random_program(random.Random(seed), 12)
    t = adlab.trace(program, 0.3, 0.7)
    nodes, edges = trace_graph_data(t)
    labels = [f"n{k}" for k in range(len(nodes))]
    rng.shuffle(labels)
    rename = dict(zip(nodes, labels))
    renamed_nodes = {rename[k]: v for k, v in nodes.items()}
    renamed_edges = [(rename[a], rename[b]) for a, b in edges]
    rng.shuffle(renamed_edges)
    assert compare_graph(renamed_nodes, renamed_edges, t) == []


def _isomorphic_by_brute_force(nodes_a, edges_a, nodes_b, edges_b):
    """Independent check for small graphs: try every label-preserving bijection."""
    import itertools

    a = list(nodes_a)
    from collections import Counter

    target = Counter(edges_b)
    for perm in itertools.permutations(list(nodes_b)):
        m = dict(zip(a, perm))
        if all(nodes_a[k] == nodes_b[m[k]] for k in a) and \
                Counter((m[u], m[v]) for u, v in edges_a) == target:
            return True
    return False


def test_brute_force_agrees_on_small_graphs():
    rng = random.Random(5)
    matched = 0
    for _ in range(30):
        t = adlab.trace(_random_program(random.Random(rng.random()), 4), 0.1, 0.2)
        nodes, edges = trace_graph_data(t)
        moved = list(edges)
        i = rng.randrange(len(moved))
        moved[i] = (rng.choice(list(nodes)), moved[i][1])
        same = compare_graph(nodes, moved, t) == []
        assert same == _isomorphic_by_brute_force(nodes, moved, nodes, edges)
        matched += same
    assert 0 < matched < 30  # both outcomes were exercised


def test_side_by_side_marks_the_rows_that_differ():
    t = adlab.trace(f, 2.0)
    good = side_by_side("v̇", list(t.forward().values), t.forward().values)
    assert good.agree and "differs" not in good.markdown()
    bad = list(t.forward().values)
    bad[5] = -bad[5]
    table = side_by_side("v̇", bad, t.forward().values)
    assert not table.agree
    lines = table.markdown().splitlines()
    assert lines[0] == "| i | your v̇_i | adlab's v̇_i | |"
    assert [ln.split("|")[1].strip() for ln in lines if "differs" in ln] == ["5"]
    assert not side_by_side("v̄", [1.0], t.reverse().values).agree
    assert not side_by_side("v̄", ["a"] * 7, t.reverse().values).agree
    assert side_by_side("v̇", [1.0, 2.0], [1.0, 2.0], start=-1).markdown().splitlines()[2][:5] \
        == "| -1 "


def test_strip_hidden_replaces_each_region_with_one_line():
    from adlab.grading import HIDDEN_NOTE, strip_hidden

    src = "a = 1\n### BEGIN HIDDEN TESTS\nassert secret()\n### END HIDDEN TESTS\nb = 2"
    assert strip_hidden(src) == (f"a = 1\n{HIDDEN_NOTE}\nb = 2", True)
    assert strip_hidden("a = 1") == ("a = 1", False)


def test_hide_hidden_tests_touches_only_autograder_test_cells():
    from adlab.grading import HideHiddenTests

    hidden = "x = 1\n### BEGIN HIDDEN TESTS\nassert answer == 42, 'wrong'\n### END HIDDEN TESTS"
    test_cell = nbformat.v4.new_code_cell(hidden, metadata={"nbgrader": {
        "grade": True, "solution": False, "grade_id": "t", "points": 1}})
    test_cell.outputs = [nbformat.v4.new_output("error", ename="AssertionError", evalue="wrong",
                                                traceback=["frame 1", "assert answer == 42"])]
    solution = nbformat.v4.new_code_cell(hidden, metadata={"nbgrader": {
        "grade": False, "solution": True, "grade_id": "s"}})
    plain = nbformat.v4.new_code_cell(hidden)
    nb = nbformat.v4.new_notebook(cells=[test_cell, solution, plain])
    nb, _ = HideHiddenTests().preprocess(nb, {})
    assert "answer == 42" not in nb.cells[0].source
    assert nb.cells[0].outputs[0].traceback == ["AssertionError: wrong"]
    assert nb.cells[1].source == hidden and nb.cells[2].source == hidden


def test_import_adlab_loads_neither_checks_dependencies_nor_nbconvert():
    import subprocess
    import sys

    code = ("import sys, adlab; import adlab.checks; "
            "print(sorted(m for m in ('nbconvert', 'nbgrader', 'graphviz', 'sympy') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_values_are_compared_with_a_tolerance_not_exactly():
    t = adlab.trace(f, 2.0)
    close = [v * (1 + 1e-12) for v in t.reverse().values]
    assert side_by_side("v̄", close, t.reverse().values).agree
    assert np.isclose(t.reverse().values[0], 0.0823954, atol=1e-7)
