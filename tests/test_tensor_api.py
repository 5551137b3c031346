"""The PyTorch-style tensor API, following the d2l autograd chapter case by case."""

from __future__ import annotations

import numpy as np
import pytest

import adlab


def test_simple_function_gradient_is_4x():
    x = adlab.arange(4.0)
    x.requires_grad_(True)
    assert x.grad is None
    y = 2 * adlab.dot(x, x)
    assert y.item() == 28.0
    y.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 4.0, 8.0, 12.0])
    assert (x.grad == 4 * x).all()


def test_gradients_accumulate_unless_zeroed():
    x = adlab.arange(4.0, requires_grad=True)
    (2 * adlab.dot(x, x)).backward()
    x.sum().backward()  # without zeroing: accumulates onto 4x
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 5.0, 9.0, 13.0])
    x.grad.zero_()
    x.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 1.0, 1.0, 1.0])


def test_zeroing_one_grad_leaves_others_alone():
    a = adlab.tensor([1.0, 2.0], requires_grad=True)
    b = adlab.tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward()  # both receive the same cotangent
    a.grad.zero_()
    np.testing.assert_array_equal(b.grad.numpy(), [1.0, 1.0])


def test_non_scalar_backward_with_gradient_equals_sum():
    x = adlab.arange(4.0, requires_grad=True)
    y = x * x
    y.backward(gradient=adlab.ones(len(y)))
    g1 = x.grad.numpy().copy()
    x.grad.zero_()
    (x * x).sum().backward()
    np.testing.assert_array_equal(g1, x.grad.numpy())
    np.testing.assert_array_equal(g1, [0.0, 2.0, 4.0, 6.0])


def test_backward_twice_raises_then_retain_graph_accumulates():
    x = adlab.tensor(3.0, requires_grad=True)
    y = x * x
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph"):
        y.backward()
    x.grad = None
    y = x * x
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.item() == 12.0  # 6 + 6


def test_create_graph_gives_second_derivative():
    x = adlab.tensor(0.7, requires_grad=True)
    y = adlab.sin(x) * x
    y.backward(create_graph=True)
    g = x.grad
    assert g.requires_grad
    assert g.item() == pytest.approx(np.cos(0.7) * 0.7 + np.sin(0.7), rel=1e-14)
    x.grad = None
    g.backward()
    assert x.grad.item() == pytest.approx(-np.sin(0.7) * 0.7 + 2 * np.cos(0.7), rel=1e-14)


def test_no_grad_and_in_place_update():
    w = adlab.tensor([1.0, -2.0], requires_grad=True)
    loss = (w * w).sum()
    loss.backward()
    with pytest.raises(RuntimeError, match="no_grad"):
        w -= 0.1 * w.grad
    with adlab.no_grad():
        assert not adlab.is_grad_enabled()
        v = w * 2
        assert not v.requires_grad
        w -= 0.1 * w.grad
    assert adlab.is_grad_enabled()
    assert w.requires_grad and w.is_leaf
    np.testing.assert_allclose(w.detach().numpy(), [0.8, -1.6])


def test_grad_fn_leaf_and_repr():
    x = adlab.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    assert x.is_leaf and not y.is_leaf
    assert y.grad_fn == "mul" and x.grad_fn is None
    assert repr(x) == "tensor([1., 2.], requires_grad=True)"
    assert repr(y) == "tensor([2., 4.], grad_fn=<mul>)"
    assert repr(adlab.tensor(3.0)) == "tensor(3.)"


def test_tensor_attributes():
    x = adlab.tensor(np.arange(6.0).reshape(2, 3))
    assert x.shape == (2, 3) and x.ndim == 2 and x.size == 6 and len(x) == 2
    assert x.T.shape == (3, 2)
    assert x.sum().item() == 15.0
    assert [row.sum().item() for row in x] == [3.0, 12.0]
    assert f"{adlab.tensor(2.0) / 3:.3f}" == "0.667"
    assert float(adlab.tensor(2.5)) == 2.5
    assert x.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]


def test_broadcast_gradients_are_summed_to_the_input_shape():
    w = adlab.tensor(np.ones((3, 2)), requires_grad=True)
    b = adlab.tensor([1.0, 2.0], requires_grad=True)
    x = adlab.tensor(np.arange(6.0).reshape(2, 3))
    y = (x @ w + b).sum()
    y.backward()
    assert b.grad.shape == (2,)
    np.testing.assert_array_equal(b.grad.numpy(), [2.0, 2.0])
    np.testing.assert_array_equal(w.grad.numpy(), np.repeat([[3.0], [5.0], [7.0]], 2, axis=1))


def test_constants_record_nothing():
    x = adlab.tensor([1.0, 2.0])
    y = x * 3
    assert not y.requires_grad and y.is_leaf
    with pytest.raises(RuntimeError, match="requires_grad=True"):
        y.sum().backward()


def _buffers_shared(*arrays):
    return [np.shares_memory(p, q) for i, p in enumerate(arrays) for q in arrays[i + 1:]]


def test_grads_never_alias_each_other_the_seed_or_the_values():
    """.grad keeps a computed cotangent without a copy, but never a shared one."""
    rng = np.random.default_rng(3)
    a_val, b_val = rng.standard_normal(3), rng.standard_normal(3)
    v = rng.standard_normal(3)
    v_before = v.copy()
    a = adlab.tensor(a_val, requires_grad=True)
    b = adlab.tensor(b_val, requires_grad=True)
    (a + b).backward(gradient=v)  # add hands both leaves the caller's seed itself
    np.testing.assert_array_equal(a.grad.numpy(), v)
    np.testing.assert_array_equal(b.grad.numpy(), v)
    assert not any(_buffers_shared(a.grad.numpy(), b.grad.numpy(), v, a_val, b_val))
    a.grad.numpy()[:] = 0.0
    np.testing.assert_array_equal(b.grad.numpy(), v_before)
    np.testing.assert_array_equal(v, v_before)

    # one computed cotangent reaching two leaves: the first keeps it, the second a copy
    c = adlab.tensor(a_val, requires_grad=True)
    d = adlab.tensor(b_val, requires_grad=True)
    (adlab.sin(c + d) * 1.0).sum().backward()
    want = np.cos(a_val + b_val)
    np.testing.assert_allclose(c.grad.numpy(), want, rtol=1e-15)
    np.testing.assert_allclose(d.grad.numpy(), want, rtol=1e-15)
    assert not any(_buffers_shared(c.grad.numpy(), d.grad.numpy(), a_val, b_val))

    # a view of the seed (reshape) and a value of the graph are copied too
    m = adlab.tensor(rng.standard_normal((2, 3)), requires_grad=True)
    seed = rng.standard_normal(6)
    m.reshape(6).backward(gradient=seed)
    np.testing.assert_array_equal(m.grad.numpy().ravel(), seed)
    assert not np.shares_memory(m.grad.numpy(), seed)


def test_matrix_vector_gradient_is_the_outer_product():
    rng = np.random.default_rng(4)
    W_val, x_val, b_val = rng.standard_normal((5, 4)), rng.standard_normal(4), rng.standard_normal(5)
    W = adlab.tensor(W_val, requires_grad=True)
    b = adlab.tensor(b_val, requires_grad=True)
    y = adlab.sum(adlab.tanh(W @ x_val + b) ** 2)
    y.backward()
    h = np.tanh(W_val @ x_val + b_val)
    d = 2 * h * (1 - h ** 2)
    np.testing.assert_allclose(W.grad.numpy(), np.outer(d, x_val), rtol=1e-13)
    np.testing.assert_allclose(b.grad.numpy(), d, rtol=1e-13)
    assert not any(_buffers_shared(W.grad.numpy(), b.grad.numpy(), W_val, b_val))
    # x @ W (vector on the left) as well
    x = adlab.tensor(rng.standard_normal(5), requires_grad=True)
    V = adlab.tensor(W_val, requires_grad=True)
    (x @ V).sum().backward()
    np.testing.assert_allclose(V.grad.numpy(), np.outer(x.detach().numpy(), np.ones(4)))
    np.testing.assert_allclose(x.grad.numpy(), W_val.sum(axis=1))


OPERATORS = {
    "+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
    "/": lambda a, b: a / b, "**": lambda a, b: a ** b,
}


@pytest.mark.parametrize("name", sorted(OPERATORS))
def test_operators_between_levels_numbers_and_arrays(name):
    """Each operator, both ways round, with a number, an array, and a tensor of another level."""
    op = OPERATORS[name]
    h = 1e-6
    # d/dx op(x, 3) and d/dx op(3, x) at x = 2, eager, against central differences
    for f in (lambda x: op(x, 3.0), lambda x: op(3.0, x)):
        x = adlab.tensor(2.0, requires_grad=True)
        f(x).backward()
        assert x.grad.item() == pytest.approx((f(2.0 + h) - f(2.0 - h)) / (2 * h), rel=1e-6)
    # with an array on the other side: the gradient of the sum
    arr = np.array([0.5, 1.5, 2.5])
    for f in (lambda x: op(x, arr), lambda x: op(arr, x)):
        x = adlab.tensor(2.0, requires_grad=True)
        f(x).sum().backward()
        want = (np.sum(f(2.0 + h)) - np.sum(f(2.0 - h))) / (2 * h)
        assert x.grad.item() == pytest.approx(want, rel=1e-6)
    # an eager tensor c (level 0) inside adlab.grad (level 1): the derivative in x
    # belongs to grad, and what grad returns still depends on c through the graph
    for f in (lambda x, c: op(x, c), lambda x, c: op(c, x)):
        c = adlab.tensor(3.0, requires_grad=True)
        dfdx = adlab.grad(lambda x: f(x, c))(2.0)
        assert float(dfdx) == pytest.approx((f(2.0 + h, 3.0) - f(2.0 - h, 3.0)) / (2 * h),
                                            rel=1e-6)
        want = ((f(2.0 + h, 3.0 + h) - f(2.0 - h, 3.0 + h))
                - (f(2.0 + h, 3.0 - h) - f(2.0 - h, 3.0 - h))) / (4 * h * h)
        if name in "+-":  # df/dx is 1 or -1 whatever c is: a plain number, no graph
            assert type(dfdx) is float and want == pytest.approx(0.0, abs=1e-3)
        else:
            dfdx.backward()  # d/dc of df/dx
            assert c.grad.item() == pytest.approx(want, rel=1e-3)
