"""micrograd's own tests and HIPS autograd's README examples, run on adlab.

1. micrograd (Andrej Karpathy, https://github.com/karpathy/micrograd), test/test_engine.py:
   test_sanity_check, test_more_ops and test_unary_tensor_fns. Each builds one expression
   twice, with micrograd's ``Value`` and with PyTorch, and compares values and gradients.
   Here both halves run on adlab: ``Value`` is a thin shim making an adlab scalar tensor
   that requires grad, and the PyTorch half runs unchanged with ``import adlab as torch``.
   The numbers are also checked against micrograd itself (installed in .venv) and against
   the ones micrograd's README prints.
2. HIPS autograd (Maclaurin, Duvenaud, Johnson and Townsend,
   https://github.com/HIPS/autograd), README.md: the tanh example with finite differences and
   its higher derivatives through ``elementwise_grad``, and the tutorial's logistic regression
   trained by gradient descent.

Written in our own words; the expressions are micrograd's and autograd's.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import adlab
import adlab as torch


class Value:
    """micrograd's Value(data) as an adlab scalar tensor that requires grad.

    ``.data`` (the value), ``.grad`` (filled by ``backward()``), ``relu()``, ``**``, ``+=``
    and friends are the tensor's own. ``Value.tanh`` and ``Value.exp`` are the unbound methods
    test_unary_tensor_fns passes around.
    """

    def __new__(cls, data):
        return adlab.tensor(data, requires_grad=True)

    tanh = adlab.Tensor.tanh
    exp = adlab.Tensor.exp


# -- micrograd: test/test_engine.py ------------------------------------------------------------


def _sanity_check(Value):
    x = Value(-4.0)
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    return x, y


def _more_ops(Value):
    a = Value(-4.0)
    b = Value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    return a, b, g


def test_micrograd_sanity_check():
    """micrograd test_engine.py, test_sanity_check: y = h + q + q x at x = -4."""
    xmg, ymg = _sanity_check(Value)

    x = torch.Tensor([-4.0]).double()
    x.requires_grad = True
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    xpt, ypt = x, y

    # forward pass went well
    assert ymg.data == ypt.data.item()
    # backward pass went well
    assert xmg.grad == xpt.grad.item()

    # z = 3x + 2 = -10 < 0 at x = -4, so y = (3x + 2)^2 + (3x^2 + 2x)(1 + x):
    # y = 100 - 120 = -20 and dy/dx = 6(3x + 2) + (6x + 2)(1 + x) + 3x^2 + 2x = 46
    assert ypt.data.item() == -20.0
    assert xpt.grad.item() == 46.0


def test_micrograd_more_ops():
    """micrograd test_engine.py, test_more_ops: g = f / 2 + 10 / f with in-place updates."""
    amg, bmg, gmg = _more_ops(Value)

    a = torch.Tensor([-4.0]).double()
    b = torch.Tensor([2.0]).double()
    a.requires_grad = True
    b.requires_grad = True
    c = a + b
    d = a * b + b**3
    c = c + c + 1
    c = c + 1 + c + (-a)
    d = d + d * 2 + (b + a).relu()
    d = d + 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g = g + 10.0 / f
    g.backward()
    apt, bpt, gpt = a, b, g

    tol = 1e-6
    # forward pass went well
    assert abs(gmg.data - gpt.data.item()) < tol
    # backward pass went well
    assert abs(amg.grad - apt.grad.item()) < tol
    assert abs(bmg.grad - bpt.grad.item()) < tol

    # micrograd's README prints 24.7041, 138.8338 and 645.5773 for g, dg/da and dg/db
    assert f"{gpt.data.item():.4f}" == "24.7041"
    assert f"{apt.grad.item():.4f}" == "138.8338"
    assert f"{bpt.grad.item():.4f}" == "645.5773"


def test_micrograd_unary_tensor_fns():
    """micrograd test_engine.py, test_unary_tensor_fns: tanh and exp at -1, 0.123 and 2."""
    def test_unary_tensor_fn(value_fn, tensor_fn, xs, tol=1e-6):
        for x in xs:
            xv = Value(x)
            yv = value_fn(xv)
            yv.backward()

            xt = torch.Tensor([x]).double()
            xt.requires_grad = True
            yt = tensor_fn(xt)
            yt.backward()

            # forward pass went well
            assert abs(yv.data - yt.data.item()) < tol
            # backward pass went well
            assert abs(xv.grad - xt.grad.item()) < tol
            # and both are right
            if tensor_fn is torch.Tensor.tanh:
                assert xt.grad.item() == pytest.approx(1 - math.tanh(x) ** 2, rel=1e-14)
            else:
                assert xt.grad.item() == pytest.approx(math.exp(x), rel=1e-14)

    test_unary_tensor_fn(Value.tanh, torch.Tensor.tanh, [-1., .123, 2.])
    test_unary_tensor_fn(Value.exp, torch.Tensor.exp, [-1., .123, 2.])


def test_micrograd_itself_agrees():
    """The same two expressions with micrograd's own Value: the same values and gradients."""
    engine = pytest.importorskip("micrograd.engine")

    xmg, ymg = _sanity_check(engine.Value)
    xad, yad = _sanity_check(Value)
    assert ymg.data == yad.item() and xmg.grad == xad.grad.item()

    amg, bmg, gmg = _more_ops(engine.Value)
    aad, bad, gad = _more_ops(Value)
    assert gad.item() == pytest.approx(gmg.data, rel=1e-14)
    assert aad.grad.item() == pytest.approx(amg.grad, rel=1e-14)
    assert bad.grad.item() == pytest.approx(bmg.grad, rel=1e-14)


def test_micrograd_in_place_update_of_a_tensor_that_requires_grad():
    """What test_more_ops relies on: ``c += c + 1`` where c requires grad and is not a leaf
    goes on recording (micrograd rebinds the name; PyTorch adds in place), so the gradient
    takes in both the old c and the new one: c = 2 (a * 1) + 1 has dc/da = 2."""
    a = Value(3.0)
    c = a * 1.0
    c += c + 1
    c.backward()
    assert c.item() == 7.0
    assert a.grad.item() == 2.0


# -- HIPS autograd: README.md --------------------------------------------------------------------


import adlab as anp  # noqa: E402  - HIPS autograd's "import autograd.numpy as np"
from adlab import grad  # noqa: E402


def tanh(x):  # define a function
    y = anp.exp(-2.0 * x)
    return (1.0 - y) / (1.0 + y)


def test_autograd_readme_tanh_and_finite_differences():
    """autograd README: grad(tanh)(1.0) is 0.41997434161402603; finite differences
    0.41997434264973155; then grad(grad(tanh)) and grad(grad(grad(tanh)))."""
    grad_tanh = grad(tanh)  # obtain its gradient function
    assert grad_tanh(1.0) == pytest.approx(0.41997434161402603, rel=1e-15)  # at x = 1.0
    # compare to finite differences
    assert (tanh(1.0001) - tanh(0.9999)) / 0.0002 == pytest.approx(0.41997434264973155, rel=1e-9)
    assert grad_tanh(1.0) == pytest.approx(1 - math.tanh(1.0) ** 2, rel=1e-15)

    # "we can continue to differentiate as many times as we like"
    t = math.tanh(1.0)
    assert grad(grad(tanh))(1.0) == pytest.approx(-2 * t * (1 - t ** 2), rel=1e-13)
    assert grad(grad(grad(tanh)))(1.0) == pytest.approx(
        -2 * (1 - t ** 2) ** 2 + 4 * t ** 2 * (1 - t ** 2), rel=1e-12)


def _tanh_derivatives(n):
    """The first n derivatives of tanh, from SymPy, as numpy functions."""
    sympy = pytest.importorskip("sympy")
    s = sympy.Symbol("x")
    expr, out = sympy.tanh(s), []
    for _ in range(n):
        expr = sympy.diff(expr, s)
        out.append(sympy.lambdify(s, expr, "numpy"))
    return out


def test_autograd_readme_six_derivatives_with_elementwise_grad():
    """autograd README: egrad(tanh), egrad(egrad(tanh)), ... up to the sixth derivative."""
    from adlab import elementwise_grad as egrad  # autograd: for functions that vectorize

    x = np.linspace(-7, 7, 200)
    f = tanh
    for k, exact in enumerate(_tanh_derivatives(6), start=1):
        f = egrad(f)
        np.testing.assert_allclose(f(x), exact(x), rtol=1e-9, atol=1e-12, err_msg=f"order {k}")


def test_autograd_readme_six_derivatives_with_egrad_from_vjp():
    """The same six derivatives with elementwise_grad written as autograd defines it:
    the VJP of the function against a cotangent of ones."""
    def egrad(fun):
        def gradfun(x):
            ans, vjp_fn = adlab.vjp(fun, x)
            return vjp_fn(np.ones(np.shape(ans)))[0]
        return gradfun

    x = np.linspace(-7, 7, 200)
    f = tanh
    for k, exact in enumerate(_tanh_derivatives(6), start=1):
        f = egrad(f)
        np.testing.assert_allclose(f(x), exact(x), rtol=1e-9, atol=1e-12, err_msg=f"order {k}")
    # JAX's spelling of the same: vmap of nested grads on one number
    g = adlab.vmap(grad(grad(grad(tanh))))
    np.testing.assert_allclose(g(x), _tanh_derivatives(3)[2](x), rtol=1e-9, atol=1e-12)


def test_autograd_readme_logistic_regression():
    """autograd README tutorial: logistic regression trained by 100 gradient steps of 0.01."""
    def sigmoid(x):
        return 0.5 * (anp.tanh(x / 2.) + 1)

    def logistic_predictions(weights, inputs):
        # outputs probability of a label being true according to logistic model
        return sigmoid(anp.dot(inputs, weights))

    def training_loss(weights):
        # training loss is the negative log-likelihood of the training labels
        preds = logistic_predictions(weights, inputs)
        label_probabilities = preds * targets + (1 - preds) * (1 - targets)
        return -anp.sum(anp.log(label_probabilities))

    # build a toy dataset
    inputs = np.array([[0.52, 1.12, 0.77],
                       [0.88, -1.08, 0.15],
                       [0.52, 0.06, -1.30],
                       [0.74, -2.49, 1.39]])
    targets = np.array([True, True, False, True])

    # define a function that returns gradients of training loss using autograd
    training_gradient_fun = grad(training_loss)

    # optimize weights using gradient descent
    weights = np.array([0.0, 0.0, 0.0])
    initial = training_loss(weights)
    assert initial == pytest.approx(4 * math.log(2), rel=1e-15)  # every prediction is 1/2
    g0 = training_gradient_fun(weights)
    np.testing.assert_allclose(g0, inputs.T @ (0.5 - targets), rtol=1e-14)
    losses = [initial]
    for i in range(100):
        weights -= training_gradient_fun(weights) * 0.01
        losses.append(training_loss(weights))
    assert all(nxt < prev for prev, nxt in zip(losses, losses[1:]))
    assert losses[-1] == pytest.approx(1.0673, abs=1e-4)  # from 4 log 2 = 2.7726

    # HIPS autograd itself, where installed, takes the same 100 steps
    autograd = pytest.importorskip("autograd")
    hips_np = pytest.importorskip("autograd.numpy")

    def hips_loss(weights):
        preds = 0.5 * (hips_np.tanh(hips_np.dot(inputs, weights) / 2.) + 1)
        label_probabilities = preds * targets + (1 - preds) * (1 - targets)
        return -hips_np.sum(hips_np.log(label_probabilities))

    hips_weights = np.array([0.0, 0.0, 0.0])
    for i in range(100):
        hips_weights -= autograd.grad(hips_loss)(hips_weights) * 0.01
    np.testing.assert_allclose(weights, hips_weights, rtol=1e-12)
