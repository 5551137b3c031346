"""Explorer 5 (forward vs reverse cost): passes, Jacobians against central differences, op counts."""

from __future__ import annotations

import numpy as np
import pytest

from adlab.widgets.cost import cost_explorer, family, jacobian_cost, operation_counts


@pytest.mark.parametrize("n, m", [(1, 1), (3, 7), (8, 2)])
def test_passes_and_jacobians(n, m):
    r = jacobian_cost(n, m)
    assert (r.forward_passes, r.reverse_passes) == (n, m)
    assert r.jacobian.shape == (m, n) and r.max_difference < 1e-13
    f, W = family(n, m)
    x = np.linspace(0.1, 1.0, n)
    fd = np.empty((m, n))
    for k in range(n):
        e = np.zeros(n)
        e[k] = 1e-6
        fd[:, k] = (np.tanh(W @ (x + e)) * (x + e).sum() - np.tanh(W @ (x - e)) * (x - e).sum()) / 2e-6
    np.testing.assert_allclose(r.jacobian, fd, rtol=1e-6, atol=1e-8)


def test_forward_cost_grows_with_n_reverse_does_not():
    forward = [operation_counts(n, 6)[0] for n in range(1, 11)]
    reverse = [operation_counts(n, 6)[1] for n in range(2, 11)]
    steps = np.diff(forward)
    assert len(set(steps.tolist())) == 1 and steps[0] > 0  # linear in n
    assert len(set(reverse)) == 1  # flat in n (beyond n = 1)
    assert jacobian_cost(2, 20).cheaper == "forward"
    assert jacobian_cost(20, 2).cheaper == "reverse"
    r = jacobian_cost(4, 6)
    assert r.crossing is not None and r.sweep_reverse[r.crossing - 1] <= r.sweep_forward[r.crossing - 1]
    assert r.sweep_reverse[r.crossing - 2] > r.sweep_forward[r.crossing - 2]


def test_bad_sizes_and_the_widget():
    with pytest.raises(ValueError, match="n must be a whole number"):
        jacobian_cost(0, 3)
    e = cost_explorer(n=3, m=8)
    assert "R^3 → R^8" in e.html.value and "forward" in e.html.value
    e.controls["n"].value = 18
    assert "R^18 → R^8" in e.html.value and "<b>reverse</b>" in e.html.value
    times = []
    for n in (4, 5, 6, 7, 9):
        e.controls["n"].value = n
        times.append(e.last_render_seconds)
    print(f"cost explorer redraw median: {1000 * sorted(times)[2]:.1f} ms")
