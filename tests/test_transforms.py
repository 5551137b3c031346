"""JAX-style transforms: published values, higher order, Jacobians and nesting."""

from __future__ import annotations

import math

import numpy as np
import pytest

import adlab

from oracles import central_grad


def baydin(x1, x2):
    return adlab.log(x1) + x1 * x2 - adlab.sin(x2)


def eq5(x1, x2):
    return x1 * x2 + x2 - adlab.log(x1)


def test_baydin_published_values():
    y, (g1, g2) = adlab.value_and_grad(baydin, argnums=(0, 1))(2.0, 5.0)
    assert y == pytest.approx(11.652071, abs=5e-7)
    assert g1 == pytest.approx(5.5, abs=1e-12)
    assert g2 == pytest.approx(1.716338, abs=5e-7)
    # closed forms: 1/x1 + x2 and x1 - cos x2
    assert g1 == pytest.approx(1 / 2 + 5, rel=1e-15)
    assert g2 == pytest.approx(2 - math.cos(5), rel=1e-15)


def test_baydin_forward_mode_one_pass_per_input():
    y, d1 = adlab.jvp(baydin, (2.0, 5.0), (1.0, 0.0))
    _, d2 = adlab.jvp(baydin, (2.0, 5.0), (0.0, 1.0))
    assert y == pytest.approx(11.652071, abs=5e-7)
    assert d1 == pytest.approx(5.5, rel=1e-15)
    assert d2 == pytest.approx(1.716338, abs=5e-7)


def test_baydin_eager_tensors():
    x1 = adlab.tensor(2.0, requires_grad=True)
    x2 = adlab.tensor(5.0, requires_grad=True)
    y = baydin(x1, x2)
    y.backward()
    assert (y.item(), x1.grad.item()) == (pytest.approx(11.652071, abs=5e-7), 5.5)
    assert x2.grad.item() == pytest.approx(1.716338, abs=5e-7)


def test_seed_equation_5_correct_signs():
    """The seed's Tables 2 and 3 got these signs wrong; see shared/seeds/README.md."""
    y, (g1, g2) = adlab.value_and_grad(eq5, argnums=(0, 1))(3.0, -4.0)
    assert y == pytest.approx(-17.099, abs=5e-4)
    assert y == pytest.approx(-12 - 4 - math.log(3), rel=1e-15)
    assert g1 == pytest.approx(-4.333, abs=5e-4)
    assert g1 == pytest.approx(-4 - 1 / 3, rel=1e-15)
    assert g2 == pytest.approx(4.0, rel=1e-15)


def test_second_derivative_of_sin_is_minus_sin():
    xs = np.linspace(-3, 3, 13)
    d2 = adlab.grad(adlab.grad(adlab.sin))
    for x in xs:
        assert d2(float(x)) == pytest.approx(-math.sin(x), abs=1e-15)
    d4 = adlab.grad(adlab.grad(d2))
    assert d4(0.9) == pytest.approx(math.sin(0.9), rel=1e-14)


def test_nested_forward_and_mixed_orders_agree():
    f = lambda x: adlab.exp(adlab.sin(x)) * x  # noqa: E731
    x = 0.4
    ddf_rr = adlab.grad(adlab.grad(f))(x)
    ddf_ff = adlab.jvp(lambda v: adlab.jvp(f, (v,), (1.0,))[1], (x,), (1.0,))[1]
    ddf_fr = adlab.jvp(adlab.grad(f), (x,), (1.0,))[1]
    ddf_rf = adlab.grad(lambda v: adlab.jvp(f, (v,), (1.0,))[1])(x)
    s, c = math.sin(x), math.cos(x)
    exact = math.exp(s) * (2 * c + x * (c * c - s))
    for value in (ddf_rr, ddf_ff, ddf_fr, ddf_rf):
        assert value == pytest.approx(exact, rel=1e-13)


def test_no_perturbation_confusion():
    # d/dx [x * d/dy (x + y)] = 1, not 2 (Siskind and Pearlmutter's example)
    inner = lambda x: adlab.grad(lambda y: x + y)(1.0)  # noqa: E731
    assert adlab.grad(lambda x: x * inner(x))(1.0) == 1.0
    inner_f = lambda x: adlab.jvp(lambda y: x + y, (1.0,), (1.0,))[1]  # noqa: E731
    assert adlab.jvp(lambda x: x * inner_f(x), (1.0,), (1.0,))[1] == 1.0


def rosenbrock(x):
    return (100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2).sum()


def rosenbrock_hessian(x):
    n = len(x)
    H = np.zeros((n, n))
    for i in range(n - 1):
        H[i, i] += 1200 * x[i] ** 2 - 400 * x[i + 1] + 2
        H[i, i + 1] += -400 * x[i]
        H[i + 1, i] += -400 * x[i]
        H[i + 1, i + 1] += 200
    return H


@pytest.mark.parametrize("n", [2, 3, 5])
def test_hessian_of_rosenbrock(n):
    x = np.random.default_rng(n).uniform(-1.5, 1.5, n)
    H = rosenbrock_hessian(x)
    np.testing.assert_allclose(adlab.hessian(rosenbrock)(x), H, rtol=1e-12, atol=1e-10)
    np.testing.assert_allclose(adlab.jacrev(adlab.jacrev(rosenbrock))(x), H, rtol=1e-12, atol=1e-10)
    np.testing.assert_allclose(adlab.jacfwd(adlab.jacfwd(rosenbrock))(x), H, rtol=1e-12, atol=1e-10)
    np.testing.assert_allclose(adlab.jacrev(adlab.jacfwd(rosenbrock))(x), H, rtol=1e-12, atol=1e-10)
    g = adlab.grad(rosenbrock)(x)
    np.testing.assert_allclose(g, central_grad(rosenbrock, x), rtol=1e-6, atol=1e-6)


def test_jacobians_of_a_vector_function():
    A = np.random.default_rng(1).standard_normal((4, 3))

    def f(x):
        return adlab.tanh(A @ x) * x.sum()

    x = np.array([0.3, -0.2, 0.5])
    Jf, Jr = adlab.jacfwd(f)(x), adlab.jacrev(f)(x)
    assert Jf.shape == Jr.shape == (4, 3)
    np.testing.assert_allclose(Jf, Jr, rtol=1e-13)
    u = np.tanh(A @ x)
    exact = (1 - u ** 2)[:, None] * A * x.sum() + u[:, None]
    np.testing.assert_allclose(Jf, exact, rtol=1e-13)


def test_jacobian_shapes_follow_out_then_in():
    f = lambda X: (X * X).sum(axis=0)  # noqa: E731  (2,3) -> (3,)
    X = np.arange(6.0).reshape(2, 3)
    J = adlab.jacrev(f)(X)
    assert J.shape == (3, 2, 3)
    np.testing.assert_allclose(J, adlab.jacfwd(f)(X))
    assert J[1, 1, 1] == 2 * X[1, 1] and J[1, 0, 2] == 0.0


def test_argnums_and_vjp_many_calls():
    f = lambda x, y, z: x * y + adlab.sin(z)  # noqa: E731
    gy, gz = adlab.grad(f, argnums=(1, 2))(2.0, 3.0, 0.5)
    assert (gy, gz) == (2.0, pytest.approx(math.cos(0.5)))
    out, vjp_fn = adlab.vjp(lambda x: x * x, np.array([1.0, 2.0]))
    np.testing.assert_array_equal(vjp_fn(np.array([1.0, 0.0]))[0], [2.0, 0.0])
    np.testing.assert_array_equal(vjp_fn(np.array([0.0, 1.0]))[0], [0.0, 4.0])


def test_function_that_ignores_its_input_has_zero_gradient():
    assert adlab.grad(lambda x: 3.0)(2.0) == 0.0
    np.testing.assert_array_equal(adlab.grad(lambda x: 1.0)(np.ones(3)), np.zeros(3))
    assert adlab.jvp(lambda x: 5.0, (1.0,), (1.0,)) == (5.0, 0.0)


def test_transforms_of_eager_tensors_return_tensors():
    x = adlab.tensor(1.5, requires_grad=True)
    g = adlab.grad(lambda v: v * v * v)(x)
    assert isinstance(g, adlab.Tensor) and g.item() == pytest.approx(6.75)
    g.backward()  # d/dx 3x^2 = 6x
    assert x.grad.item() == pytest.approx(9.0)


def test_hessian_through_matrix_vector_products():
    """The matmul VJP for A @ x is an outer product; its own rules give second derivatives."""
    rng = np.random.default_rng(11)
    W0, x0 = rng.standard_normal((3, 4)), rng.standard_normal(4)

    def f(W, x):
        return adlab.sum(adlab.tanh(W @ x) ** 2) + adlab.sum(adlab.sin(x @ W.T))

    def grad_W(W):  # closed form of df/dW
        u = np.tanh(W @ x0)
        return np.outer(2 * u * (1 - u ** 2) + np.cos(x0 @ W.T), x0)

    for H in (adlab.hessian(f)(W0, x0), adlab.jacfwd(adlab.jacrev(f))(W0, x0),
              adlab.jacrev(adlab.grad(f))(W0, x0)):
        assert np.shape(H) == (3, 4, 3, 4)
        for k in range(12):
            E = np.zeros(12)
            E[k] = 1e-6
            E = E.reshape(3, 4)
            column = (grad_W(W0 + E) - grad_W(W0 - E)) / 2e-6
            np.testing.assert_allclose(np.asarray(H)[..., k // 4, k % 4], column,
                                       rtol=1e-6, atol=1e-8)
