"""Explorer 2 (expression swell): counts by hand, linear AD traces, values against SymPy."""

from __future__ import annotations

import numpy as np
import pytest
import sympy

import adlab
from adlab.widgets.swell import (FAMILIES, expression_swell, nested_function, swell_explorer,
                                 swell_expressions)


def test_logistic_map_by_hand():
    x, f2, d2, _ = swell_expressions(2)
    assert sympy.expand(f2 - 4 * x * (1 - x)) == 0
    assert sympy.expand(d2 - (4 - 8 * x)) == 0
    x, f3, d3, _ = swell_expressions(3)
    l2 = 4 * x * (1 - x)
    assert sympy.expand(f3 - 4 * l2 * (1 - l2)) == 0
    assert sympy.expand(d3 - sympy.diff(4 * l2 * (1 - l2), x)) == 0


def test_counts_ad_linear_symbolic_faster():
    t = expression_swell(max_depth=6)
    assert t.depths == (1, 2, 3, 4, 5, 6)
    assert t.function_ops[0] == 0 and t.derivative_ops[0] == 0  # f_1 = x, f_1' = 1
    # each logistic step is 3 operations (1 - l, 4 l, times); its gradient adds 5 per step
    assert np.diff(t.trace_ops).tolist() == [3] * 5
    assert len(set(np.diff(t.grad_trace_ops).tolist())) == 1
    d = t.derivative_ops
    assert all(b > 2 * a for a, b in zip(d[2:], d[3:]))  # more than doubles per level
    assert t.derivative_ops[-1] > 10 * t.grad_trace_ops[-1]


@pytest.mark.parametrize("family", sorted(FAMILIES))
@pytest.mark.parametrize("depth", [1, 3, 5])
def test_ad_derivative_matches_sympy(family, depth):
    x, _, derivative, _ = swell_expressions(depth, family)
    f = nested_function(depth, family)
    for point in (0.1, 0.37, 0.8):
        exact = float(derivative.subs(x, point).evalf(30))
        assert adlab.grad(f)(point) == pytest.approx(exact, rel=1e-12, abs=1e-12)


def test_widget_moves_with_depth():
    e = swell_explorer(depth=2)
    first = e.html.value
    e.controls["depth"].value = 4
    assert e.html.value != first and e.message.value == ""
    assert bytes(e.image.value).startswith(b"\x89PNG")
    print(f"swell redraw: {1000 * e.last_render_seconds:.1f} ms")
