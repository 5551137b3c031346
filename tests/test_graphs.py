"""Graph walks: random programs with fan-out, deep chains, order and memory."""

from __future__ import annotations

import gc
import sys
import tracemalloc

import numpy as np
import pytest

import adlab
from adlab.tensor import backward_pass

from oracles import central_grad

UNARY = [adlab.sin, adlab.tanh, adlab.cos, lambda v: v * v, lambda v: adlab.exp(adlab.tanh(v))]
BINARY = [lambda a, b: a + b, lambda a, b: a - b, lambda a, b: a * b,
          lambda a, b: a / (1.5 + adlab.sin(b))]


def random_program(seed, n_inputs=3, n_ops=25):
    """A random straight-line program whose values are reused many times (fan-out)."""
    rng = np.random.default_rng(seed)
    plan = []
    for k in range(n_ops):
        size = n_inputs + k
        if rng.random() < 0.4:
            plan.append((0, int(rng.integers(len(UNARY))), int(rng.integers(size)), None))
        else:
            plan.append((1, int(rng.integers(len(BINARY))), int(rng.integers(size)),
                         int(rng.integers(size))))

    def f(x):
        vals = [x[i] for i in range(n_inputs)]
        for kind, op, i, j in plan:
            vals.append(UNARY[op](vals[i]) if kind == 0 else BINARY[op](vals[i], vals[j]))
        return vals[-1] + vals[-2] * vals[-3]

    return f


@pytest.mark.parametrize("seed", range(12))
def test_random_programs_against_central_differences(seed):
    f = random_program(seed)
    x = np.random.default_rng(100 + seed).uniform(-1, 1, 3)
    g = adlab.grad(f)(x)
    np.testing.assert_allclose(g, central_grad(f, x), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(adlab.jacfwd(f)(x), g, rtol=1e-12, atol=1e-12)
    t = adlab.tensor(x, requires_grad=True)
    f(t).backward()
    np.testing.assert_allclose(t.grad.numpy(), g, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("seed", range(6))
def test_double_backward_on_random_programs_gives_hessian_vector_products(seed):
    # backward(create_graph=True) records the walk itself, with tensors as cotangents;
    # a second backward of <grad, v> is then H v, against two independent oracles.
    f = random_program(seed)
    x0 = np.random.default_rng(200 + seed).uniform(-1, 1, 3)
    v = np.array([0.3, -1.1, 0.7])
    x = adlab.tensor(x0, requires_grad=True)
    f(x).backward(create_graph=True)
    g = x.grad
    assert g.requires_grad
    x.grad = None
    (g * adlab.tensor(v)).sum().backward()
    hv = x.grad.numpy()
    H = adlab.hessian(f)(x0)  # forward over reverse, through the transforms
    np.testing.assert_allclose(hv, H @ v, rtol=1e-10, atol=1e-12)
    grad = adlab.grad(f)
    fd = (grad(x0 + 1e-5 * v) - grad(x0 - 1e-5 * v)) / 2e-5  # central differences of the gradient
    np.testing.assert_allclose(hv, fd, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("seed", range(6))
def test_backward_pass_visits_each_node_after_its_users(seed):
    f = random_program(seed, n_ops=40)
    x = adlab.tensor(np.random.default_rng(seed).uniform(-1, 1, 3), requires_grad=True)
    y = f(x)
    order = []
    leaves = backward_pass(y, np.ones(y.shape), 0, visited=order)
    position = {id(n): k for k, n in enumerate(order)}
    assert len(position) == len(order)  # each node once
    assert order[0] is y and order[-1] is x
    assert [leaf for leaf, _ in leaves] == [x]
    for node in order:
        assert node._ct is None  # no cotangent left behind
        for a in node._args or ():
            if isinstance(a, adlab.Tensor) and a.requires_grad:
                assert position[id(a)] > position[id(node)]
    # every node that y depends on is reached
    users = {id(n) for n in order}
    for node in order:
        for a in node._args or ():
            if isinstance(a, adlab.Tensor) and a.requires_grad:
                assert id(a) in users
    # deterministic: the same program gives the same sequence of operations
    again = []
    y2 = f(x)
    backward_pass(y2, np.ones(y2.shape), 0, visited=again)
    assert [n.grad_fn for n in again] == [n.grad_fn for n in order]


def test_backward_pass_leaves_no_cotangent_behind_after_an_error():
    x = adlab.tensor(2.0, requires_grad=True)
    a, b = x * 3.0, x * 4.0
    y = a + b + x  # x gets its first cotangent from y, before the walk fails at b
    with pytest.raises(RuntimeError, match="retain_graph"):
        b._args = None  # as if an earlier backward had freed this part
        y.backward()
    assert a._ct is None and b._ct is None and x._ct is None
    assert x.grad is None


def test_chain_of_a_million_operations():
    n = 1_000_000
    assert n > 100 * sys.getrecursionlimit()
    x = adlab.tensor(0.5, requires_grad=True)
    y = x
    for _ in range(n // 2):
        y = y * 0.999999 + 1e-7
    y.backward()
    assert x.grad.item() == pytest.approx(0.999999 ** (n // 2), rel=1e-9)
    del y  # freeing the chain must not recurse either


def test_functional_grad_of_a_deep_chain():
    def f(x):
        for _ in range(200_000):
            x = adlab.sin(x) * 0.5 + x * 0.5
        return x

    g = adlab.grad(f)(0.1)
    assert 0 < g <= 1.0


def test_memory_per_recorded_node_is_small():
    n = 100_000
    x = adlab.tensor(0.5, requires_grad=True)
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    y = x
    for _ in range(n):
        y = y * 1.0000001
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    per_node = (after - before) / n
    assert per_node < 1024, per_node
    y.backward()


def test_backward_pauses_the_garbage_collector_and_restores_it():
    x = adlab.tensor(2.0, requires_grad=True)
    y = x * x
    assert gc.isenabled()
    y.backward()
    assert gc.isenabled() and x.grad.item() == 4.0
    with pytest.raises(RuntimeError, match="retain_graph"):
        y.backward()  # the error leaves the collector on
    assert gc.isenabled()
    assert adlab.grad(lambda t: t * t * t)(2.0) == 12.0
    assert gc.isenabled()
    gc.disable()
    try:  # a collector switched off by the caller stays off
        z = adlab.tensor(3.0, requires_grad=True)
        (z * z).backward()
        assert not gc.isenabled() and z.grad.item() == 6.0
    finally:
        gc.enable()
