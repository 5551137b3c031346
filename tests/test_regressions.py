"""Regressions: places where adlab once gave a wrong number without a word, or crashed.

Each test is named after what it guards and checks a closed form, PyTorch's
or JAX's documented behaviour (written out here), or central differences.
tests/test_torch_oracle.py checks the same points against PyTorch itself
where it is installed.
"""

from __future__ import annotations

import math
import threading
import warnings

import numpy as np
import pytest

import adlab

from oracles import central_grad


# -- 1. silent wrong results ------------------------------------------------------------


def test_polynomial_derivative_at_zero_is_its_linear_coefficient():
    poly = lambda x: sum(c * x ** k for k, c in enumerate([1.0, 2.0, 3.0]))  # noqa: E731
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no 0 * inf inside the rule either
        assert adlab.grad(poly)(0.0) == 2.0
        assert adlab.grad(adlab.grad(poly))(0.0) == 6.0
        assert adlab.grad(poly)(np.float32(0.0)) == 2.0
        x = adlab.tensor(0.0, requires_grad=True)
        poly(x).backward()
        assert x.grad.item() == 2.0
        assert adlab.jvp(poly, (0.0,), (1.0,))[1] == 2.0


def test_second_derivative_of_x_to_the_first_power_at_zero_is_zero():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert adlab.grad(adlab.grad(lambda x: x ** 1))(0.0) == 0.0
        assert adlab.grad(adlab.grad(lambda x: x ** 2))(0.0) == 2.0
        assert adlab.grad(adlab.grad(adlab.grad(lambda x: x ** 2)))(0.0) == 0.0
        np.testing.assert_array_equal(adlab.hessian(lambda v: (v ** 1).sum())(np.zeros(2)),
                                      np.zeros((2, 2)))


def test_derivative_of_zero_to_the_power_y_is_zero_for_nonnegative_y():
    # PyTorch: d/dy 0^y = 0 where y >= 0; -inf at y < 0 (0^y = inf there)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert adlab.grad(lambda y: 0.0 ** y)(2.0) == 0.0
        assert adlab.grad(lambda y: 0.0 ** y)(0.0) == 0.0
        assert adlab.grad(lambda x, y: x ** y, argnums=1)(0.0, 0.5) == 0.0
    assert adlab.grad(lambda y: 2.0 ** y)(3.0) == pytest.approx(8 * math.log(2), rel=1e-15)


def test_derivative_of_relu_to_the_power_p_with_a_zero_entry():
    x = np.array([0.0, 1.0, 2.0, 0.5])
    p = 1.5
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = adlab.grad(lambda q: (adlab.relu(x) ** q).sum())(p)
    nz = x[x > 0]
    assert got == pytest.approx(float(np.sum(nz ** p * np.log(nz))), rel=1e-14)
    # and by eager tensors, and in forward mode
    q = adlab.tensor(p, requires_grad=True)
    (adlab.relu(adlab.tensor(x)) ** q).sum().backward()
    assert q.grad.item() == pytest.approx(got, rel=1e-14)
    assert adlab.jvp(lambda q: (adlab.relu(x) ** q).sum(), (p,), (1.0,))[1] == pytest.approx(got)


def test_grad_data_zero_resets_the_gradient():
    w = adlab.tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()
    w.grad.data.zero_()
    (w * 3.0).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [3.0, 3.0])  # not [5, 7]
    s = adlab.tensor(2.0, requires_grad=True)  # a scalar as well
    (s * s).backward()
    s.grad.data.zero_()
    (s * 5.0).backward()
    assert s.grad.item() == 5.0


def test_data_update_is_a_gradient_descent_step():
    p = adlab.tensor([1.0, -2.0], requires_grad=True)
    (p * p).sum().backward()
    p.data -= 0.1 * p.grad
    assert p.requires_grad and p.is_leaf
    np.testing.assert_allclose(p.detach().numpy(), [0.8, -1.6])
    s = adlab.tensor(3.0, requires_grad=True)
    (s * s).backward()
    s.data -= 0.25 * s.grad  # 3 - 0.25 * 6
    assert s.item() == 1.5


def test_changes_through_detach_and_data_reach_the_tensor():
    w = adlab.tensor([1.0, 2.0], requires_grad=True)
    d = w.detach()
    d.add_(1.0)
    np.testing.assert_array_equal(w.detach().numpy(), [2.0, 3.0])
    w.data.mul_(2.0)
    np.testing.assert_array_equal(d.numpy(), [4.0, 6.0])  # and back to the detached copy
    with adlab.no_grad():
        w += 1.0
    np.testing.assert_array_equal(d.numpy(), [5.0, 7.0])
    s = adlab.tensor(1.0, requires_grad=True)
    s.detach().fill_(4.0)
    assert s.item() == 4.0


def test_a_graph_node_changed_through_data_keeps_its_derivative_as_in_pytorch():
    # PyTorch's .data semantics: the value changes, the derivative flows as if it had not
    w = adlab.tensor([1.0, 2.0], requires_grad=True)
    h = w * 2.0
    h.data.mul_(3.0)  # h is now 6 w
    (h * h).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [24.0, 48.0])  # 2 h dh/dw = 2 (6 w) 2
    x = adlab.tensor([1.0, 2.0], requires_grad=True)
    y = adlab.exp(x)  # its VJP needs the value exp computed, which the node keeps
    y.detach().zero_()
    assert y.tolist() == [0.0, 0.0]
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.exp([1.0, 2.0]), rtol=1e-15)
    # a leaf changed in place keeps the values its graph recorded: the gradient is right
    w = adlab.tensor(3.0, requires_grad=True)
    z = w * w
    with adlab.no_grad():
        w -= 1.0
    z.backward()
    assert w.grad.item() == 6.0  # d(w^2)/dw at the w that computed z


def test_changes_through_a_view_reach_the_tensor():
    W = adlab.ones(2, 3, requires_grad=True)
    with adlab.no_grad():
        W[:, 0].zero_()
        W[1].mul_(5.0)
    np.testing.assert_array_equal(W.detach().numpy(), [[0, 1, 1], [0, 5, 5]])
    x = adlab.zeros(4)
    x.view(2, 2)[0].fill_(7.0)
    assert x.tolist() == [7.0, 7.0, 0.0, 0.0]
    z = adlab.zeros(2, 3)
    z.T[0].fill_(1.0)
    assert z.tolist() == [[1.0, 0.0, 0.0], [1.0, 0.0, 0.0]]
    r = z[1]
    r[2] = 4.0
    assert z.tolist() == [[1.0, 0.0, 0.0], [1.0, 0.0, 4.0]]
    a = adlab.arange(6.0)
    a.reshape(2, 3)[:, 1] += 10.0
    assert a.tolist() == [0.0, 11.0, 2.0, 3.0, 14.0, 5.0]
    c = adlab.arange(3.0)[np.array([0, 2])]  # advanced indexing copies, as numpy and PyTorch
    c.zero_()
    assert adlab.arange(3.0).tolist() == [0.0, 1.0, 2.0]


def test_no_grad_as_a_decorator_on_a_recursive_function():
    @adlab.no_grad()
    def depth(n):
        return 0 if n == 0 else 1 + depth(n - 1)

    depth(5)
    assert adlab.is_grad_enabled()
    x = adlab.tensor(3.0, requires_grad=True)
    (x * x).backward()
    assert x.grad.item() == 6.0


def test_no_grad_in_one_thread_leaves_other_threads_recording():
    inside = threading.Event()
    done = threading.Event()
    seen = {}

    def quiet():
        with adlab.no_grad():
            seen["off"] = adlab.is_grad_enabled()
            inside.set()
            done.wait(5)

    t = threading.Thread(target=quiet)
    t.start()
    inside.wait(5)
    x = adlab.tensor(3.0, requires_grad=True)
    (x ** 2 + x ** 3).backward()  # 2x + 3x^2 = 33
    done.set()
    t.join()
    assert seen["off"] is False
    assert x.grad.item() == 33.0
    assert adlab.is_grad_enabled()


def test_set_grad_enabled_and_enable_grad():
    with adlab.no_grad():
        with adlab.enable_grad():
            assert adlab.is_grad_enabled()
        assert not adlab.is_grad_enabled()
    with adlab.set_grad_enabled(False):
        assert not adlab.is_grad_enabled()
    assert adlab.is_grad_enabled()
    adlab.set_grad_enabled(False)
    assert not adlab.is_grad_enabled()
    adlab.set_grad_enabled(True)
    assert adlab.is_grad_enabled()


def test_argnums_naming_an_argument_twice_is_an_error():
    with pytest.raises(ValueError, match=r"argnums=\(0, 0\).*more than once"):
        adlab.grad(lambda a: a * a, argnums=(0, 0))(3.0)
    with pytest.raises(ValueError, match="more than once"):
        adlab.jacrev(lambda a, b: a * b, argnums=(1, -1))(3.0, 2.0)


@pytest.mark.parametrize("f, what", [
    (lambda x: math.sin(x), "float()"),
    (lambda x: float(x) * 2.0, "float()"),
    (lambda x: np.sin(np.asarray(x)), "numpy array"),
    (lambda x: x.item(), ".item()"),
    (lambda x: np.float64(x), "numpy array"),
])
def test_leaving_adlab_inside_a_transform_is_an_error_not_a_zero(f, what):
    for transform in (adlab.grad, lambda f: (lambda x: adlab.jvp(f, (x,), (1.0,))[1]),
                      adlab.jacrev, adlab.jacfwd):
        with pytest.raises(TypeError) as info:
            transform(f)(1.0)
        msg = str(info.value)
        assert what in msg and "adlab.sin" in msg and "stop_gradient" in msg


@pytest.mark.parametrize("result, name", [(None, "None"), ("0.5", "str"),
                                          ((1.0, 2.0), "tuple")])
def test_returning_something_that_is_not_a_number_is_an_error(result, name):
    with pytest.raises(TypeError, match=f"grad: the function must return a single number.*{name}"):
        adlab.grad(lambda x: result)(1.0)
    with pytest.raises(TypeError, match=name):
        adlab.jacrev(lambda x: result)(1.0) if name != "tuple" else adlab.grad(lambda x: result)(1.0)


def test_a_constant_function_has_gradient_zero():
    assert adlab.grad(lambda x: 3.0)(1.0) == 0.0  # JAX gives 0 as well
    np.testing.assert_array_equal(adlab.grad(lambda x: 3.0)(np.ones(2)), [0.0, 0.0])


def test_tensor_copies_its_data():
    a = np.array([1.0, 2.0])
    t = adlab.tensor(a, requires_grad=True)
    y = (t * t).sum()
    a[:] = 10.0  # changing the source after the forward pass
    y.backward()
    np.testing.assert_array_equal(t.grad.numpy(), [2.0, 4.0])
    assert not np.shares_memory(t.detach().numpy(), a)


def test_concurrent_backward_into_a_shared_leaf_loses_no_update():
    # the case: 4 threads x 20,000 calls (without the lock, about 143,000 of 160,000)
    w = adlab.tensor(1.0, requires_grad=True)
    v = adlab.tensor([1.0, 1.0], requires_grad=True)
    calls = 20_000

    def work():
        for k in range(calls):
            (w * 1.0).backward()
            if k % 10 == 0:
                (v * 1.0).sum().backward()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert w.grad.item() == 4 * calls
    np.testing.assert_array_equal(v.grad.numpy(), [4 * calls // 10, 4 * calls // 10])


def test_concurrent_vjp_calls_on_one_graph():
    _, pull = adlab.vjp(lambda x: adlab.sin(x) * x, np.linspace(0, 1, 5))
    want = pull(np.ones(5))[0]
    results = []

    def work():
        for _ in range(300):
            results.append(pull(np.ones(5))[0])

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 1200
    for r in results:
        np.testing.assert_array_equal(r, want)


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_low_precision_inputs_keep_their_dtype(dtype):
    x = np.array([0.5, 1.0, 1.5], dtype=dtype)
    f = lambda v: (adlab.tanh(v) * v + adlab.relu(v) ** 2).sum()  # noqa: E731
    assert np.result_type(f(x)) == dtype
    assert adlab.grad(f)(x).dtype == dtype
    assert adlab.jacfwd(lambda v: adlab.sin(v) * 2.0)(x).dtype == dtype
    assert adlab.jacrev(lambda v: adlab.sin(v) * 2.0)(x).dtype == dtype
    assert adlab.hessian(f)(x).dtype == dtype
    assert adlab.grad(f)(dtype(0.5)).dtype == dtype
    t = adlab.tensor(x, requires_grad=True)
    f(t).backward()
    assert t.grad.dtype == dtype and t.dtype == dtype
    exact = adlab.grad(f)(x.astype(np.float64))
    tol = 1e-5 if dtype == np.float32 else 5e-3
    np.testing.assert_allclose(adlab.grad(f)(x).astype(np.float64), exact, rtol=tol)


def test_astype_between_float_types_is_differentiable_and_casts_back():
    x = np.array([1.0, 2.0])
    g = adlab.grad(lambda v: (adlab.astype(v, np.float32) ** 2).sum())(x)
    assert g.dtype == np.float64 and g.tolist() == [2.0, 4.0]
    t = adlab.tensor(x, requires_grad=True)
    y = t.float()
    assert y.dtype == np.float32
    (y * y).sum().backward()
    assert t.grad.dtype == np.float64 and t.grad.tolist() == [2.0, 4.0]
    k = t.long()
    assert k.dtype == np.int64 and not k.requires_grad


# -- 2. crashes and unclear errors -------------------------------------------------------


def test_mean_of_nothing_is_nan_with_an_empty_gradient():
    with pytest.warns(RuntimeWarning, match="Mean of empty slice"):
        assert math.isnan(adlab.mean(np.zeros(0)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        g = adlab.grad(lambda x: adlab.mean(x))(np.zeros(0))
        assert g.shape == (0,)
        J = adlab.jacrev(lambda x: adlab.mean(x, axis=1))(np.zeros((3, 0)))
        assert J.shape == (3, 3, 0)
        x = adlab.tensor(np.zeros((2, 0)), requires_grad=True)
        adlab.mean(x, axis=1).sum().backward()
        assert x.grad.shape == (2, 0)


def test_jacobians_of_empty_inputs_and_outputs_are_empty():
    for jac in (adlab.jacfwd, adlab.jacrev):
        assert jac(lambda x: x * 2.0)(np.zeros(0)).shape == (0, 0)
        assert jac(lambda x: x.sum())(np.zeros(0)).shape == (0,)
        assert jac(lambda x: x[:0])(np.ones(3)).shape == (0, 3)


def test_indexing_a_scalar_tensor_with_none_and_ellipsis():
    t = adlab.tensor(2.0, requires_grad=True)
    assert t[None].shape == (1,) and t[...].shape == ()
    (t[None] * 3.0).sum().backward()
    assert t.grad.item() == 3.0
    assert adlab.grad(lambda x: (x[None] * x[...]).sum())(2.0) == 4.0


def test_hessian_with_several_argnums_is_nested_as_in_jax():
    f = lambda x, y: x * x * y + adlab.sin(y)  # noqa: E731
    H = adlab.hessian(f, argnums=(0, 1))(2.0, 3.0)
    # d2f/dx2 = 2y, d2f/dxdy = 2x, d2f/dy2 = -sin y
    assert H == ((6.0, 4.0), (4.0, pytest.approx(-math.sin(3.0), rel=1e-15)))
    assert type(H[0][0]) is float
    Hv = adlab.hessian(lambda a, b: (a.sum() * b.sum()) ** 2, argnums=(0, 1))(np.ones(2), np.ones(3))
    assert [[h.shape for h in row] for row in Hv] == [[(2, 2), (2, 3)], [(3, 2), (3, 3)]]


def test_jvp_of_a_function_returning_a_tuple():
    (a, b), (da, db) = adlab.jvp(lambda x: (x * 2.0, x * x), (3.0,), (1.0,))
    assert (a, b, da, db) == (6.0, 9.0, 2.0, 6.0)
    out, tan = adlab.jvp(lambda x: {"s": adlab.sin(x), "c": [adlab.cos(x)]}, (0.5,), (2.0,))
    assert tan == {"c": [pytest.approx(-2 * math.sin(0.5))], "s": pytest.approx(2 * math.cos(0.5))}


def test_numpy_integer_types_as_axis_and_argnums():
    x = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(adlab.sum(x, axis=np.int64(1)), [3.0, 12.0])
    np.testing.assert_array_equal(adlab.tensor(x).mean(axis=np.int32(0)).numpy(), [1.5, 2.5, 3.5])
    assert adlab.grad(lambda a, b: a * b, argnums=np.int64(1))(2.0, 3.0) == 2.0
    assert adlab.grad(lambda a, b: a * b, argnums=(np.int8(0), np.int16(1)))(2.0, 3.0) == (3.0, 2.0)
    np.testing.assert_array_equal(adlab.softmax(x, axis=np.int64(0)).shape, (2, 3))


def test_gradients_are_writable_arrays_of_their_own():
    x = np.array([1.0, 2.0])
    g = adlab.grad(lambda v: v.sum())(x)  # the VJP of sum is a broadcast view
    g += 1.0
    np.testing.assert_array_equal(g, [2.0, 2.0])
    u = np.array([3.0, 4.0])
    (r,) = adlab.vjp(lambda v: v, x)[1](u)
    assert r is not u and not np.shares_memory(r, u) and r.flags.writeable
    _, tangent = adlab.jvp(lambda v: v, (x,), (u,))
    assert not np.shares_memory(tangent, u)
    J = adlab.jacrev(lambda v: v * 1.0)(x)
    J[0, 0] = 5.0  # writable
    a, b = adlab.grad(lambda p, q: (p + q).sum(), argnums=(0, 1))(x, x)
    assert not np.shares_memory(a, b)


def test_adding_a_torch_tensor():
    torch = pytest.importorskip("torch", reason="PyTorch is not installed here")
    t = adlab.tensor([1.0, 2.0], requires_grad=True)
    y = (t + torch.tensor([1.0, 1.0], dtype=torch.float64)).sum()  # a constant: the right answer
    y.backward()
    np.testing.assert_array_equal(t.grad.numpy(), [1.0, 1.0])
    with pytest.raises(TypeError, match=r"add: .*torch.*requires grad.*detach"):
        t + torch.tensor([1.0, 1.0], requires_grad=True)
    assert adlab.tensor(torch.tensor([1.0, 2.0], requires_grad=True)).tolist() == [1.0, 2.0]


def test_comparisons_both_ways_round():
    a = np.array([1.0, 3.0])
    t = adlab.tensor([2.0, 2.0])
    assert (a < t).tolist() == [True, False] and (t < a).tolist() == [False, True]
    assert (a >= t).tolist() == [False, True] and (2.5 > t).tolist() == [True, True]
    assert isinstance(a < t, adlab.Tensor) and isinstance(t == t, adlab.Tensor)


def test_numpy_functions_on_tensors():
    t = adlab.tensor([1.0, 2.0, 3.0])
    assert np.sum(t).item() == 6.0 and np.mean(t).item() == 2.0
    np.testing.assert_array_equal(np.array(t), [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(np.sin(t).numpy(), np.sin([1.0, 2.0, 3.0]))
    w = adlab.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = np.sum(np.exp(w)) + np.concatenate([w, w]).max() + np.linalg.norm(w)
    y.backward()
    want = np.exp([1.0, 2.0, 3.0]) + np.array([0.0, 0.0, 1.0]) + np.array([1, 2, 3]) / np.sqrt(14)
    np.testing.assert_allclose(w.grad.numpy(), want, rtol=1e-14)
    with pytest.raises(TypeError, match="requires grad.*detach"):
        np.array(w)
    with pytest.raises(TypeError, match="numpy.median cannot follow derivatives"):
        np.median(w)
    assert np.median(t) == 2.0  # no derivative to lose
    assert np.shape(w) == (3,) and np.argmax(w) == 2 and np.allclose(w, [1, 2, 3])


def test_no_op_reductions_and_axes_out_of_range():
    with pytest.raises(ValueError, match=r"sum: axis 2 is out of range for an array of shape \(2, 3\)"):
        adlab.sum(np.ones((2, 3)), axis=2)
    with pytest.raises(ValueError, match="give axis= .* or dim="):
        adlab.sum(np.ones(2), axis=0, dim=0)
    with pytest.raises(ValueError, match=r"max: .*zero-size|max: failed"):
        adlab.amax(np.zeros(0))


# -- numerical helpers of the tests themselves ---------------------------------------------


def test_norm_and_std_at_zero_give_the_zero_subgradient_as_pytorch():
    z = np.zeros(3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(adlab.grad(adlab.norm)(z), z)
        np.testing.assert_array_equal(adlab.grad(lambda v: adlab.std(v))(np.ones(3)), z)
        np.testing.assert_array_equal(adlab.grad(lambda v: adlab.std(v, ddof=1))(np.ones(3)), z)
    x = np.array([3.0, 4.0])
    np.testing.assert_allclose(adlab.grad(adlab.norm)(x), x / 5.0, rtol=1e-15)
    np.testing.assert_allclose(adlab.grad(adlab.norm)(x), central_grad(adlab.norm, x), rtol=1e-8)


# -- what running HIPS autograd's own tests through a shim found ---------------------------


def test_complex_inputs_are_refused_rather_than_differentiated_wrongly():
    z = np.array([3 + 4j])
    for call in (lambda: adlab.grad(lambda v: adlab.sum(adlab.abs(v * v)))(z),
                 lambda: adlab.jvp(adlab.abs, (z,), (np.array([1.0]),)),
                 lambda: adlab.grad(adlab.sin)(1j)):
        with pytest.raises(TypeError, match="real numbers only.*real and imaginary"):
            call()
    with pytest.raises(TypeError, match="real numbers"):
        adlab.tensor(np.array([1j]))


def test_reductions_of_a_list_of_values_being_differentiated():
    assert adlab.grad(lambda x: adlab.mean([x, x + 2.0]))(0.0) == 1.0
    assert adlab.grad(lambda x: adlab.std((x, x * 3.0)))(1.0) == pytest.approx(1.0)
    assert adlab.grad(lambda x: adlab.norm([x, x + 2.0]))(1.0) == pytest.approx(4 / 10 ** 0.5)
    assert adlab.grad(lambda x: adlab.sum([[x, x], [x, 1.0]]))(2.0) == 3.0


def test_numpy_forms_the_shim_needed():
    assert adlab.transpose(np.ones((2, 3, 4)), axes=(2, 0, 1)).shape == (4, 2, 3)
    assert [a.shape for a in adlab.array_split(np.arange(4.0), [1, 3])] == [(1,), (2,), (1,)]
    assert [a.shape for a in np.array_split(adlab.arange(4.0), [1, 2])] == [(1,), (1,), (2,)]
    with pytest.raises(TypeError, match="records no assignments.*at\\[index\\]"):
        adlab.jvp(lambda x: x.__setitem__(0, 1.0), (np.ones(2),), (np.ones(2),))
    with pytest.raises(TypeError, match="truth value.*no derivative"):
        adlab.grad(lambda x: x == 1.0)(0.7)


def test_inverse_hyperbolic_functions_hypot_and_linear_algebra():
    assert adlab.grad(adlab.arcsinh)(0.5) == pytest.approx(1 / np.sqrt(1.25), rel=1e-15)
    assert adlab.grad(adlab.arccosh)(2.0) == pytest.approx(1 / np.sqrt(3.0), rel=1e-15)
    assert adlab.grad(adlab.arctanh)(0.5) == pytest.approx(1 / 0.75, rel=1e-15)
    assert adlab.grad(adlab.exp2)(3.0) == pytest.approx(8 * np.log(2), rel=1e-15)
    assert adlab.grad(adlab.hypot, argnums=(0, 1))(3.0, 4.0) == (pytest.approx(0.6), pytest.approx(0.8))
    assert adlab.grad(adlab.hypot, argnums=(0, 1))(0.0, 0.0) == (0.0, 0.0)
    A, b = np.array([[3.0, 1.0], [1.0, 2.0]]), np.array([1.0, 2.0])
    np.testing.assert_allclose(adlab.grad(adlab.det)(A), np.linalg.det(A) * np.linalg.inv(A).T,
                               rtol=1e-14)
    np.testing.assert_allclose(adlab.linalg.inv(A) @ A, np.eye(2), atol=1e-15)
    gA, gb = adlab.grad(lambda A, b: adlab.solve(A, b).sum(), argnums=(0, 1))(A, b)
    ainv_t_ones = np.linalg.solve(A.T, np.ones(2))
    np.testing.assert_allclose(gb, ainv_t_ones, rtol=1e-14)
    np.testing.assert_allclose(gA, -np.outer(ainv_t_ones, np.linalg.solve(A, b)), atol=1e-15)
    np.testing.assert_allclose(np.linalg.det(adlab.tensor(A)), 5.0)
    with pytest.raises(ValueError, match="inv: takes a square matrix"):
        adlab.inv(np.ones((2, 3)))


def test_numpy_names_built_from_the_primitives():
    x = np.array([1.0, 4.0, 9.0, 16.0])
    np.testing.assert_array_equal(adlab.diff(x), np.diff(x))
    np.testing.assert_array_equal(adlab.diff(x, 2), np.diff(x, 2))
    g = adlab.grad(lambda v: (adlab.diff(v) ** 2).sum())(x)
    d = np.diff(x)
    np.testing.assert_allclose(g, np.concatenate([[0.0], 2 * d]) - np.concatenate([2 * d, [0.0]]))
    assert adlab.atleast_2d(np.ones(3)).shape == (1, 3) and adlab.atleast_3d(np.ones(3)).shape == (1, 3, 1)
    assert adlab.column_stack([np.ones(2), np.zeros(2)]).shape == (2, 2)
    np.testing.assert_array_equal(adlab.fliplr(np.eye(2)), np.fliplr(np.eye(2)))
    np.testing.assert_array_equal(adlab.append(np.ones(2), [3.0]), [1.0, 1.0, 3.0])
    assert adlab.deg2rad(180.0) == pytest.approx(np.pi) and adlab.degrees(np.pi) == pytest.approx(180.0)
    assert adlab.real(2.0) == 2.0 and adlab.imag(np.ones(2)).tolist() == [0.0, 0.0]


# -- what a student sees when printing a value inside a transform -------------------------


def test_values_inside_grad_and_jvp_print_their_nesting_not_an_internal_counter():
    """Printed inside adlab.grad a value is Traced(2.) however many transforms ran before;
    inside grad of grad it says how deep it is. A Dual prints its primal and tangent."""
    seen = []

    def peek(x):
        seen.append(repr(x))
        return x * x

    for _ in range(3):  # each call takes a fresh internal level; the print does not change
        assert adlab.grad(peek)(2.0) == 4.0
    assert seen == ["Traced(2.)"] * 3
    seen.clear()
    assert adlab.grad(adlab.grad(peek))(2.0) == 2.0
    assert seen == ["Traced(2., nested 2 deep: a grad inside 1 other grad(s))"]
    seen.clear()
    primal, tangent = adlab.jvp(peek, (3.0,), (1.0,))
    assert (primal, tangent) == (9.0, 6.0)
    assert seen == ["Dual(primal=3.0, tangent=1.0)"]


def test_softplus_has_the_sigmoid_as_its_slope_at_zero_too():
    """softplus' = sigmoid everywhere; built from relu and abs it once gave 0 at 0 (the two
    conventions at the kink combined), so a logistic loss started at w = 0 had gradient 0."""
    softplus = adlab.nn.functional.softplus
    for x in (0.0, -3.0, 2.0, -800.0, 800.0):
        sigmoid = 0.5 * (1 + math.tanh(x / 2))  # without overflow at -800
        assert adlab.grad(softplus)(x) == pytest.approx(sigmoid, rel=1e-12, abs=1e-300)
    assert adlab.grad(adlab.grad(softplus))(0.0) == pytest.approx(0.25, rel=1e-12)
    assert softplus(0.0) == pytest.approx(math.log(2.0), rel=1e-15)
    assert adlab.grad(softplus)(0.0) == pytest.approx(central_grad(softplus, 0.0), rel=1e-8)
