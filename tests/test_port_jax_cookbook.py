"""JAX's "The Autodiff Cookbook" and its custom-derivatives tutorial, run on adlab.

A port, in our own words, of the examples of the JAX documentation
(https://jax.readthedocs.io): "The Autodiff Cookbook" (notebooks/autodiff_cookbook, by
Alex Wiltschko and Matthew Johnson), "Custom derivative rules for JAX-transformable Python
functions" (notebooks/Custom_derivative_rules_for_Python_code), and the stop_gradient,
per-example-gradient and has_aux examples of "Advanced automatic differentiation" and
"Automatic differentiation" (JAX 101).

The translation is mechanical: ``jax.numpy`` becomes adlab inside the functions being
differentiated and numpy outside them; ``jax.random`` keys become numpy's default_rng;
``jax.test_util.check_grads`` is ``adlab.check_grads``; ``jax.lax.while_loop`` is a Python
while loop. ``jit`` is left out (adlab compiles nothing), and so is the cookbook's section
on complex numbers (adlab is real). The cookbook prints; here each printed number is
checked against a closed form, central differences, or another mode.
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np
import pytest

from adlab import (check_grads, custom_jvp, custom_vjp, grad, hessian, jacfwd, jacrev, jvp,
                   stop_gradient, value_and_grad, vjp, vmap)

import adlab as jnp  # the cookbook's jax.numpy, inside differentiated functions


# -- the cookbook's set-up: logistic regression ---------------------------------------------


def sigmoid(x):
    return 0.5 * (jnp.tanh(x / 2) + 1)


def predict(W, b, inputs):
    """Outputs probabilities of the label being true."""
    return sigmoid(jnp.dot(inputs, W) + b)


# a toy dataset
inputs = np.array([[0.52, 1.12, 0.77],
                   [0.88, -1.08, 0.15],
                   [0.52, 0.06, -1.30],
                   [0.74, -2.49, 1.39]])
targets = np.array([True, True, False, True])


def loss(W, b):
    """Training loss: the negative log-likelihood of the training examples."""
    preds = predict(W, b, inputs)
    label_probs = preds * targets + (1 - preds) * (1 - targets)
    return -jnp.sum(jnp.log(label_probs))


def _params(seed=0):
    # key, W_key, b_key = random.split(key, 3); W = random.normal(W_key, (3,));
    # b = random.normal(b_key, ())
    rng = np.random.default_rng(seed)
    return rng.normal(size=(3,)), rng.normal(size=())


def _probs(W, b):
    z = inputs @ W + b
    return 1 / (1 + np.exp(-z))


def _loss_grads(W, b):
    """Closed forms: dL/dW = sum_i (p_i - t_i) x_i and dL/db = sum_i (p_i - t_i)."""
    r = _probs(W, b) - targets
    return inputs.T @ r, r.sum()


# -- Gradients -------------------------------------------------------------------------------


def test_cookbook_grad_of_tanh_and_its_higher_derivatives():
    """Cookbook, "Gradients": grad(jnp.tanh)(2.0), grad(grad(jnp.tanh))(2.0), and the third."""
    grad_tanh = grad(jnp.tanh)
    t = math.tanh(2.0)
    s2 = 1 - t ** 2  # sech^2
    assert grad_tanh(2.0) == pytest.approx(s2, rel=1e-14)  # the cookbook prints 0.070650816
    assert grad(grad(jnp.tanh))(2.0) == pytest.approx(-2 * t * s2, rel=1e-14)  # -0.13621868
    assert grad(grad(grad(jnp.tanh)))(2.0) == pytest.approx(
        -2 * s2 ** 2 + 4 * t ** 2 * s2, rel=1e-13)  # 0.25265405


def test_cookbook_grad_with_argnums():
    """Cookbook: grad(loss, argnums=0), grad(loss, 0), grad(loss), grad(loss, 1), grad(loss, (0, 1))
    give the closed forms dL/dW = sum_i (p_i - t_i) x_i and dL/db = sum_i (p_i - t_i)."""
    W, b = _params()
    W_closed, b_closed = _loss_grads(W, b)

    # differentiate `loss` with respect to the first positional argument:
    W_grad = grad(loss, argnums=0)(W, b)
    np.testing.assert_allclose(W_grad, W_closed, rtol=1e-13)
    # since argnums=0 is the default, this does the same thing:
    np.testing.assert_array_equal(grad(loss, 0)(W, b), W_grad)
    np.testing.assert_array_equal(grad(loss)(W, b), W_grad)
    # but we can choose different values too, and drop the keyword:
    b_grad = grad(loss, 1)(W, b)
    assert b_grad == pytest.approx(b_closed, rel=1e-13)
    # including tuple values
    W_grad, b_grad = grad(loss, (0, 1))(W, b)
    np.testing.assert_allclose(W_grad, W_closed, rtol=1e-13)
    assert b_grad == pytest.approx(b_closed, rel=1e-13)
    assert np.shape(b_grad) == ()


def test_cookbook_grad_with_a_dict_of_parameters():
    """Cookbook, "Differentiating with respect to nested lists, tuples, and dicts"."""
    W, b = _params()

    def loss2(params_dict):
        preds = predict(params_dict['W'], params_dict['b'], inputs)
        label_probs = preds * targets + (1 - preds) * (1 - targets)
        return -jnp.sum(jnp.log(label_probs))

    g = grad(loss2)({'W': W, 'b': b})
    assert isinstance(g, dict) and set(g) == {'W', 'b'}
    W_closed, b_closed = _loss_grads(W, b)
    np.testing.assert_allclose(g['W'], W_closed, rtol=1e-13)
    assert g['b'] == pytest.approx(b_closed, rel=1e-13)


def test_cookbook_value_and_grad():
    """Cookbook, "Evaluate a function and its gradient using value_and_grad"."""
    W, b = _params()
    loss_value, Wb_grad = value_and_grad(loss, (0, 1))(W, b)
    assert np.allclose(loss_value, loss(W, b))
    z = inputs @ W + b
    assert loss_value == pytest.approx(float(np.sum(np.log1p(np.exp(-np.where(targets, z, -z))))),
                                       rel=1e-13)
    W_closed, b_closed = _loss_grads(W, b)
    np.testing.assert_allclose(Wb_grad[0], W_closed, rtol=1e-13)
    assert Wb_grad[1] == pytest.approx(b_closed, rel=1e-13)


def test_cookbook_checking_against_numerical_differences():
    """Cookbook, "Checking against numerical differences": b, then W along a unit vector."""
    W, b = _params()
    rng = np.random.default_rng(1)

    # step size for finite differences
    eps = 1e-4
    # check b_grad with scalar finite differences
    b_grad_numerical = (loss(W, b + eps / 2.) - loss(W, b - eps / 2.)) / eps
    b_grad_autodiff = grad(loss, 1)(W, b)
    assert b_grad_autodiff == pytest.approx(b_grad_numerical, rel=1e-7)

    # check W_grad with finite differences in a random direction
    vec = rng.normal(size=W.shape)
    unitvec = vec / np.sqrt(np.vdot(vec, vec))
    W_grad_numerical = (loss(W + eps / 2. * unitvec, b) - loss(W - eps / 2. * unitvec, b)) / eps
    W_dirderiv_autodiff = np.vdot(grad(loss)(W, b), unitvec)
    assert W_dirderiv_autodiff == pytest.approx(W_grad_numerical, rel=1e-7)

    # JAX provides a simple convenience function that does essentially the same thing
    check_grads(loss, (W, b), order=2)  # check up to 2nd order derivatives


def test_check_grads_order_2_on_a_function_of_one_array():
    """check_grads(f, (x,), order=2) passes for a smooth f, and raises for a wrong rule."""
    x = np.array([0.3, -1.2, 2.0])
    check_grads(lambda x: jnp.sum(jnp.tanh(x) ** 2 * jnp.exp(-x)), (x,), order=2)

    @custom_jvp
    def wrong_sin(x):
        return jnp.sin(x)

    @wrong_sin.defjvp
    def wrong_sin_jvp(primals, tangents):
        (x,), (t,) = primals, tangents
        return wrong_sin(x), 1.1 * jnp.cos(x) * t  # 10% off

    with pytest.raises(AssertionError):
        check_grads(wrong_sin, (x,), order=1)


# -- Hessian-vector products ---------------------------------------------------------------


def _f_hvp(X):
    return jnp.sum(jnp.tanh(X) ** 2)


def _hvp_closed(X, V):
    """f(X) = sum(tanh(X)^2) has a diagonal Hessian: 2 sech^4 - 4 tanh^2 sech^2 on it."""
    t = np.tanh(X)
    s2 = 1 - t ** 2
    return (2 * s2 ** 2 - 4 * t ** 2 * s2) * V


def test_cookbook_hvp_by_grad_of_grad():
    """Cookbook, "Hessian-vector products with grad-of-grad": grad of <grad f(x), v>."""
    def hvp(f, x, v):
        return grad(lambda x: jnp.vdot(grad(f)(x), v))(x)

    rng = np.random.default_rng(2)
    X, V = rng.normal(size=(30, 40)), rng.normal(size=(30, 40))
    np.testing.assert_allclose(hvp(_f_hvp, X, V), _hvp_closed(X, V), rtol=1e-12, atol=1e-14)


def test_cookbook_hvp_forward_over_reverse_and_other_compositions():
    """Cookbook, "Hessian-vector products using both forward- and reverse-mode".

    Forward over reverse (jvp of grad), reverse over forward (grad of jvp), reverse over
    reverse (grad of vdot of grad), and the naive full Hessian tensordot V: all equal.
    """
    def hvp(f, primals, tangents):
        return jvp(grad(f), primals, tangents)[1]

    # reverse-over-forward
    def hvp_revfwd(f, primals, tangents):
        g = lambda primals: jvp(f, primals, tangents)[1]  # noqa: E731
        return grad(g)(primals)

    # reverse-over-reverse, only vjps
    def hvp_revrev(f, primals, tangents):
        x, = primals
        v, = tangents
        return grad(lambda x: jnp.vdot(grad(f)(x), v))(x)

    rng = np.random.default_rng(3)
    X = rng.normal(size=(30, 40))
    V = rng.normal(size=(30, 40))

    ans1 = hvp(_f_hvp, (X,), (V,))
    ans2 = np.tensordot(hessian(_f_hvp)(X), V, 2)
    assert np.allclose(ans1, ans2, 1e-4, 1e-4)
    np.testing.assert_allclose(ans1, _hvp_closed(X, V), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(ans2, _hvp_closed(X, V), rtol=1e-12, atol=1e-14)
    revfwd = hvp_revfwd(_f_hvp, (X,), (V,))
    assert isinstance(revfwd, tuple) and len(revfwd) == 1  # grad of a tuple is a tuple
    np.testing.assert_allclose(revfwd[0], ans1, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(hvp_revrev(_f_hvp, (X,), (V,)), ans1, rtol=1e-12, atol=1e-14)


# -- Jacobians and Hessians using jacfwd and jacrev ----------------------------------------


def _predict_jacobian(W, b):
    p = _probs(W, b)
    return (p * (1 - p))[:, None] * inputs


def test_cookbook_jacfwd_and_jacrev_on_predict():
    """Cookbook, "Jacobians and Hessians using jacfwd and jacrev": both give shape (4, 3)."""
    W, b = _params()
    # isolate the function from the weight matrix to the predictions
    f = lambda W: predict(W, b, inputs)  # noqa: E731

    J = jacfwd(f)(W)
    assert J.shape == (4, 3)  # "jacfwd result, with shape (4, 3)"
    np.testing.assert_allclose(J, _predict_jacobian(W, b), rtol=1e-13)
    J = jacrev(f)(W)
    assert J.shape == (4, 3)
    np.testing.assert_allclose(J, _predict_jacobian(W, b), rtol=1e-13)


def test_cookbook_jacrev_of_a_dict():
    """Cookbook: jacrev(predict_dict)({'W': W, 'b': b}, inputs) is a dict of Jacobians."""
    W, b = _params()

    def predict_dict(params, inputs):
        return predict(params['W'], params['b'], inputs)

    J_dict = jacrev(predict_dict)({'W': W, 'b': b}, inputs)
    assert set(J_dict) == {'W', 'b'}
    p = _probs(W, b)
    np.testing.assert_allclose(J_dict['W'], _predict_jacobian(W, b), rtol=1e-13)
    np.testing.assert_allclose(J_dict['b'], p * (1 - p), rtol=1e-13)
    assert J_dict['b'].shape == (4,)
    J_fwd = jacfwd(predict_dict)({'W': W, 'b': b}, inputs)
    for k, v in J_dict.items():
        np.testing.assert_allclose(J_fwd[k], v, rtol=1e-13)


def test_cookbook_hessian_is_jacfwd_of_jacrev():
    """Cookbook: def hessian(f): return jacfwd(jacrev(f)); H has shape (4, 3, 3)."""
    W, b = _params()

    def hessian_(f):
        return jacfwd(jacrev(f))

    f = lambda W: predict(W, b, inputs)  # noqa: E731
    H = hessian_(f)(W)
    assert H.shape == (4, 3, 3)  # "hessian, with shape (4, 3, 3)"
    p = _probs(W, b)
    closed = (p * (1 - p) * (1 - 2 * p))[:, None, None] * inputs[:, :, None] * inputs[:, None, :]
    np.testing.assert_allclose(H, closed, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(hessian(f)(W), H, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(jacrev(jacrev(f))(W), H, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(jacfwd(jacfwd(f))(W), H, rtol=1e-12, atol=1e-15)

    # and of the loss: sum_i p_i (1 - p_i) x_i x_i^T
    H_loss = hessian(loss)(W, b)
    np.testing.assert_allclose(H_loss, (inputs.T * (p * (1 - p))) @ inputs, rtol=1e-12)


# -- How it's made: jvp and vjp --------------------------------------------------------------


def test_cookbook_jvp_is_the_jacobian_times_v():
    """Cookbook, "Jacobian-Vector products (JVPs, aka forward-mode autodiff)"."""
    W, b = _params()
    f = lambda W: predict(W, b, inputs)  # noqa: E731
    v = np.random.default_rng(4).normal(size=W.shape)
    # push forward the vector `v` along `f` evaluated at `W`
    y, u = jvp(f, (W,), (v,))
    np.testing.assert_allclose(y, _probs(W, b), rtol=1e-14)
    np.testing.assert_allclose(u, _predict_jacobian(W, b) @ v, rtol=1e-13)


def test_cookbook_vjp_is_the_covector_times_the_jacobian():
    """Cookbook, "Vector-Jacobian products (VJPs, aka reverse-mode autodiff)"."""
    W, b = _params()
    f = lambda W: predict(W, b, inputs)  # noqa: E731
    y_bar = np.random.default_rng(5).normal(size=(4,))
    y, vjp_fun = vjp(f, W)
    x_bar, = vjp_fun(y_bar)
    np.testing.assert_allclose(y, _probs(W, b), rtol=1e-14)
    np.testing.assert_allclose(x_bar, y_bar @ _predict_jacobian(W, b), rtol=1e-13)


def test_cookbook_vector_valued_gradients_with_vjps():
    """Cookbook, "Vector-valued gradients with VJPs": vgrad(lambda x: 3*x**2, ones((2, 2)))."""
    def vgrad(f, x):
        y, vjp_fn = vjp(f, x)
        return vjp_fn(np.ones(y.shape))[0]

    np.testing.assert_array_equal(vgrad(lambda x: 3 * x ** 2, np.ones((2, 2))),
                                  [[6.0, 6.0], [6.0, 6.0]])


# -- Composing VJPs, JVPs, and vmap -------------------------------------------------------


def test_cookbook_matrix_jacobian_products_loop_and_vmap():
    """Cookbook, "Jacobian-Matrix and Matrix-Jacobian products": vmap(vjp_fun)(M) = the loop."""
    W, b = _params()
    f = lambda W: predict(W, b, inputs)  # noqa: E731
    y = f(W)

    # pull back the covectors `m_i` along `f`, evaluated at `W`, for all `i`
    def loop_mjp(f, x, M):
        y, vjp_fun = vjp(f, x)
        return np.vstack([vjp_fun(mi) for mi in M])

    def vmap_mjp(f, x, M):
        y, vjp_fun = vjp(f, x)
        outs, = vmap(vjp_fun)(M)
        return outs

    num_covecs = 128
    U = np.random.default_rng(0).normal(size=(num_covecs,) + y.shape)
    loop_vs = loop_mjp(f, W, M=U)
    vmap_vs = vmap_mjp(f, W, M=U)
    assert np.allclose(loop_vs, vmap_vs), \
        'Vmap and non-vmapped Matrix-Jacobian Products should be identical'
    np.testing.assert_allclose(vmap_vs, U @ _predict_jacobian(W, b), rtol=1e-12)


def test_cookbook_jacobian_matrix_products_loop_and_vmap():
    """Cookbook: vmap(lambda s: jvp(f, (W,), (s,))[1])(S) = the loop of jvps."""
    W, b = _params()
    f = lambda W: predict(W, b, inputs)  # noqa: E731

    def loop_jmp(f, W, M):
        # jvp immediately returns the primal and tangent values as a tuple,
        # so we'll compute and select the tangents in a list comprehension
        return np.vstack([jvp(f, (W,), (mi,))[1] for mi in M])

    def vmap_jmp(f, W, M):
        _jvp = lambda s: jvp(f, (W,), (s,))[1]  # noqa: E731
        return vmap(_jvp)(M)

    num_vecs = 128
    S = np.random.default_rng(0).normal(size=(num_vecs,) + W.shape)
    loop_vs = loop_jmp(f, W, M=S)
    vmap_vs = vmap_jmp(f, W, M=S)
    assert np.allclose(loop_vs, vmap_vs, atol=1e-4, rtol=1e-4), \
        'Vmap and non-vmapped Jacobian-Matrix products should be identical'
    np.testing.assert_allclose(vmap_vs, S @ _predict_jacobian(W, b).T, rtol=1e-12)


def test_cookbook_our_jacrev_and_our_jacfwd():
    """Cookbook, "The implementation of jacfwd and jacrev": vmap over the Euclidean basis."""
    W, b = _params()
    f = lambda W: predict(W, b, inputs)  # noqa: E731

    def our_jacrev(f):
        def jacfun(x):
            y, vjp_fun = vjp(f, x)
            # use vmap to do a matrix-Jacobian product; here the matrix is the Euclidean
            # basis, so we get all entries in the Jacobian at once
            J, = vmap(vjp_fun, in_axes=0)(np.eye(len(y)))
            return J
        return jacfun

    assert np.allclose(jacrev(f)(W), our_jacrev(f)(W)), 'Incorrect reverse-mode Jacobian results!'

    def our_jacfwd(f):
        def jacfun(x):
            _jvp = lambda s: jvp(f, (x,), (s,))[1]  # noqa: E731
            Jt = vmap(_jvp, in_axes=1)(np.eye(len(x)))
            return np.transpose(Jt)
        return jacfun

    assert np.allclose(jacfwd(f)(W), our_jacfwd(f)(W)), 'Incorrect forward-mode Jacobian results!'
    np.testing.assert_allclose(our_jacfwd(f)(W), _predict_jacobian(W, b), rtol=1e-13)


# -- vmap to batch: per-example gradients ------------------------------------------------


def test_per_example_gradients_with_vmap_of_grad():
    """Per-example gradients, vmap(grad(loss), in_axes=(None, 0, 0)) ("Automatic vectorization").

    One example's loss; mapped over the examples and not over the parameters, it gives one
    gradient per example, (p_i - t_i) x_i, whose sum is the cookbook's full gradient.
    """
    W, b = _params()

    def example_loss(params, x, t):
        p = predict(params['W'], params['b'], x)
        return -jnp.log(p * t + (1 - p) * (1 - t))

    params = {'W': W, 'b': b}
    per_example = vmap(grad(example_loss), in_axes=(None, 0, 0))(params, inputs, targets)
    r = _probs(W, b) - targets
    assert per_example['W'].shape == (4, 3) and per_example['b'].shape == (4,)
    np.testing.assert_allclose(per_example['W'], r[:, None] * inputs, rtol=1e-13)
    np.testing.assert_allclose(per_example['b'], r, rtol=1e-13)
    full = grad(loss, (0, 1))(W, b)
    np.testing.assert_allclose(per_example['W'].sum(0), full[0], rtol=1e-12)
    assert per_example['b'].sum() == pytest.approx(full[1], rel=1e-12)


# -- stop_gradient and has_aux -------------------------------------------------------------


def test_stop_gradient_td0_update():
    """"Advanced automatic differentiation", stop_gradient: the TD(0) update is [1.2, 2.4, -1.2].

    The target r_t + v(s_t) is treated as a constant, so the gradient of the loss is
    -(target - v(s_tm1)) * s_tm1; without stop_gradient it would also go through v(s_t).
    """
    # value function and initial parameters
    value_fn = lambda theta, state: jnp.dot(theta, state)  # noqa: E731
    theta = np.array([0.1, -0.1, 0.])

    # an example transition
    s_tm1 = np.array([1., 2., -1.])
    r_t = np.array(1.)
    s_t = np.array([2., 1., 0.])

    def td_loss(theta, s_tm1, r_t, s_t):
        v_tm1 = value_fn(theta, s_tm1)
        target = r_t + value_fn(theta, s_t)
        return -0.5 * ((stop_gradient(target) - v_tm1) ** 2)

    td_update = grad(td_loss)
    delta_theta = td_update(theta, s_tm1, r_t, s_t)
    np.testing.assert_allclose(delta_theta, [1.2, 2.4, -1.2], rtol=1e-14)

    # per-example gradients of a batch of transitions: vmap over all but theta
    perex_grads = vmap(grad(td_loss), in_axes=(None, 0, 0, 0))
    batched_s_tm1 = np.stack([s_tm1, s_tm1])
    batched_r_t = np.stack([r_t, r_t])
    batched_s_t = np.stack([s_t, s_t])
    np.testing.assert_allclose(perex_grads(theta, batched_s_tm1, batched_r_t, batched_s_t),
                               [[1.2, 2.4, -1.2], [1.2, 2.4, -1.2]], rtol=1e-14)


def test_stop_gradient_straight_through_estimator():
    """"Advanced automatic differentiation": the straight-through estimator of round.

    f(x) = round(x) has derivative 0 almost everywhere; x - stop_gradient(x) +
    stop_gradient(f(x)) has f's value and the identity's derivative.
    """
    def f(x):
        return jnp.round(x)  # non-differentiable

    def straight_through_f(x):
        # create an exactly-zero expression with Sterbenz lemma that has
        # an exactly-one gradient
        zero = x - stop_gradient(x)
        return zero + stop_gradient(f(x))

    assert f(3.2) == 3.0
    assert straight_through_f(3.2) == 3.0
    assert grad(f)(3.2) == 0.0
    assert grad(straight_through_f)(3.2) == 1.0


def test_grad_with_has_aux():
    """JAX's "Automatic differentiation" tutorial, has_aux: grad returns (gradient, aux)."""
    W, b = _params()

    def loss_and_preds(W, b):
        preds = predict(W, b, inputs)
        label_probs = preds * targets + (1 - preds) * (1 - targets)
        return -jnp.sum(jnp.log(label_probs)), preds

    W_grad, preds = grad(loss_and_preds, has_aux=True)(W, b)
    np.testing.assert_allclose(W_grad, _loss_grads(W, b)[0], rtol=1e-13)
    np.testing.assert_allclose(preds, _probs(W, b), rtol=1e-14)
    (value, preds2), (gW, gb) = value_and_grad(loss_and_preds, (0, 1), has_aux=True)(W, b)
    assert value == pytest.approx(float(loss(W, b)), rel=1e-15)
    np.testing.assert_array_equal(preds2, preds)
    assert gb == pytest.approx(_loss_grads(W, b)[1], rel=1e-13)


# -- Custom derivative rules ---------------------------------------------------------------


def test_custom_jvp_log1pexp():
    """Custom derivatives tutorial: log1pexp's automatic derivative is nan at 100, the rule's 1."""
    def log1pexp_naive(x):
        return jnp.log(1. + jnp.exp(x))

    assert log1pexp_naive(3.) == pytest.approx(math.log1p(math.exp(3.)), rel=1e-15)  # 3.0485873
    # in JAX's default float32, exp(100.) overflows and the derivative is inf / inf = nan
    with np.errstate(over="ignore", invalid="ignore"):
        assert np.isnan(grad(log1pexp_naive)(np.float32(100.)))

    @custom_jvp
    def log1pexp(x):
        return jnp.log(1. + jnp.exp(x))

    @log1pexp.defjvp
    def log1pexp_jvp(primals, tangents):
        x, = primals
        x_dot, = tangents
        ans = log1pexp(x)
        ans_dot = (1 - 1 / (1 + jnp.exp(x))) * x_dot
        return ans, ans_dot

    with np.errstate(over="ignore"):
        assert grad(log1pexp)(np.float32(100.)) == 1.0
        assert grad(log1pexp)(100.) == 1.0
    assert grad(log1pexp)(3.) == pytest.approx(1 / (1 + math.exp(-3.)), rel=1e-15)
    # vmap(jit(grad(log1pexp)))(jnp.arange(3.)) without the jit: the sigmoid of 0, 1, 2
    np.testing.assert_allclose(vmap(grad(log1pexp))(np.arange(3.)),
                               1 / (1 + np.exp(-np.arange(3.))), rtol=1e-15)
    # and the other modes follow the rule too
    assert jvp(log1pexp, (3.,), (1.,))[1] == pytest.approx(1 / (1 + math.exp(-3.)), rel=1e-15)
    s = 1 / (1 + math.exp(-3.))
    assert grad(grad(log1pexp))(3.) == pytest.approx(s * (1 - s), rel=1e-12)


def test_custom_jvp_defjvps():
    """Custom derivatives tutorial: the same rule with defjvps, one function per argument."""
    @custom_jvp
    def log1pexp(x):
        return jnp.log(1. + jnp.exp(x))

    log1pexp.defjvps(lambda t, ans, x: (1 - 1 / (1 + jnp.exp(x))) * t)

    with np.errstate(over="ignore"):
        assert grad(log1pexp)(100.) == 1.0
    assert grad(log1pexp)(3.) == pytest.approx(1 / (1 + math.exp(-3.)), rel=1e-15)


def test_custom_jvp_x_over_one_plus_sqrt_x():
    """Custom derivatives tutorial: f(x) = x / (1 + sqrt(x)) at 0, nan automatically, 1 by rule."""
    def f_naive(x):
        return x / (1 + jnp.sqrt(x))

    with np.errstate(divide="ignore", invalid="ignore"):
        assert np.isnan(grad(f_naive)(0.))  # JAX prints nan

    @custom_jvp
    def f(x):
        return x / (1 + jnp.sqrt(x))

    @f.defjvp
    def f_jvp(primals, tangents):
        x, = primals
        x_dot, = tangents
        ans = f(x)
        ans_dot = ((jnp.sqrt(x) + 2) / (2 * (jnp.sqrt(x) + 1) ** 2)) * x_dot
        return ans, ans_dot

    assert grad(f)(0.) == 1.0
    assert grad(f)(4.) == pytest.approx(4 / 18, rel=1e-15)


def test_custom_jvp_and_custom_vjp_of_two_arguments():
    """Custom derivatives tutorial: f(x, y) = sin(x) * y with a custom_jvp and a custom_vjp."""
    @custom_jvp
    def f(x, y):
        return jnp.sin(x) * y

    @f.defjvp
    def f_jvp(primals, tangents):
        x, y = primals
        x_dot, y_dot = tangents
        primal_out = f(x, y)
        tangent_out = jnp.cos(x) * x_dot * y + jnp.sin(x) * y_dot
        return primal_out, tangent_out

    assert f(2., 3.) == pytest.approx(3 * math.sin(2.), rel=1e-15)
    y, y_dot = jvp(f, (2., 3.), (1., 0.))
    assert y == pytest.approx(3 * math.sin(2.), rel=1e-15)
    assert y_dot == pytest.approx(3 * math.cos(2.), rel=1e-15)
    assert grad(f)(2., 3.) == pytest.approx(3 * math.cos(2.), rel=1e-15)  # -1.2484405

    @custom_vjp
    def g(x, y):
        return jnp.sin(x) * y

    def g_fwd(x, y):
        # returns primal output and residuals to be used in backward pass by g_bwd
        return g(x, y), (jnp.cos(x), jnp.sin(x), y)

    def g_bwd(res, gr):
        cos_x, sin_x, y = res  # gets residuals computed in g_fwd
        return (cos_x * gr * y, sin_x * gr)

    g.defvjp(g_fwd, g_bwd)
    assert grad(g)(2., 3.) == pytest.approx(3 * math.cos(2.), rel=1e-15)
    gx, gy = grad(g, (0, 1))(2., 3.)
    assert (gx, gy) == (pytest.approx(3 * math.cos(2.)), pytest.approx(math.sin(2.)))


def test_custom_vjp_clip_gradient():
    """Custom derivatives tutorial: clip_gradient, the identity whose cotangent is clipped.

    sin's derivative cos is clipped to [-0.75, 0.75] in vmap(grad(clip_sin))(t), t in [0, 10].
    """
    @custom_vjp
    def clip_gradient(lo, hi, x):
        return x  # identity function

    def clip_gradient_fwd(lo, hi, x):
        return x, (lo, hi)  # save bounds as residuals

    def clip_gradient_bwd(res, g):
        lo, hi = res
        return (None, None, jnp.clip(g, lo, hi))  # None: zero cotangents for lo and hi

    clip_gradient.defvjp(clip_gradient_fwd, clip_gradient_bwd)

    t = np.linspace(0, 10, 1000)
    np.testing.assert_allclose(vmap(grad(jnp.sin))(t), np.cos(t), rtol=1e-15)

    def clip_sin(x):
        x = clip_gradient(-0.75, 0.75, x)
        return jnp.sin(x)

    np.testing.assert_allclose(clip_sin(t), np.sin(t), rtol=1e-15)
    np.testing.assert_allclose(vmap(grad(clip_sin))(t), np.clip(np.cos(t), -0.75, 0.75),
                               rtol=1e-15)


def test_custom_vjp_clip_gradient_with_nondiff_argnums():
    """The tutorial's older clip_gradient: lo and hi as nondiff_argnums, passed to bwd first."""
    @partial(custom_vjp, nondiff_argnums=(0, 1))
    def clip_gradient(lo, hi, x):
        return x  # identity function

    def clip_gradient_fwd(lo, hi, x):
        return x, None  # no residual values to save

    def clip_gradient_bwd(lo, hi, _, g):
        return (jnp.clip(g, lo, hi),)

    clip_gradient.defvjp(clip_gradient_fwd, clip_gradient_bwd)

    def clip_sin(x):
        x = clip_gradient(-0.75, 0.75, x)
        return jnp.sin(x)

    t = np.linspace(0, 10, 200)
    np.testing.assert_allclose(vmap(grad(clip_sin))(t), np.clip(np.cos(t), -0.75, 0.75),
                               rtol=1e-15)


def _fixed_point_plain(f, a, x_guess):
    # jax.lax.while_loop(cond_fun, body_fun, (x_guess, f(a, x_guess))), as a Python loop
    def cond_fun(carry):
        x_prev, x = carry
        return jnp.abs(x_prev - x) > 1e-6

    def body_fun(carry):
        _, x = carry
        return x, f(a, x)

    carry = (x_guess, f(a, x_guess))
    while cond_fun(carry):
        carry = body_fun(carry)
    _, x_star = carry
    return x_star


def test_custom_vjp_implicit_differentiation_of_a_fixed_point():
    """Custom derivatives tutorial, "Implicit function differentiation of iterative
    implementations": Newton's sqrt(a) as a fixed point, differentiated by a custom_vjp that
    solves the adjoint fixed point instead of going through the iterations.
    """
    @partial(custom_vjp, nondiff_argnums=(0,))
    def fixed_point(f, a, x_guess):
        return _fixed_point_plain(f, a, x_guess)

    def fixed_point_fwd(f, a, x_init):
        x_star = fixed_point(f, a, x_init)
        return x_star, (a, x_star)

    def fixed_point_rev(f, res, x_star_bar):
        a, x_star = res
        _, vjp_a = vjp(lambda a: f(a, x_star), a)
        a_bar, = vjp_a(fixed_point(partial(rev_iter, f),
                                   (a, x_star, x_star_bar),
                                   x_star_bar))
        return a_bar, np.zeros_like(x_star)

    def rev_iter(f, packed, u):
        a, x_star, x_star_bar = packed
        _, vjp_x = vjp(lambda x: f(a, x), x_star)
        return x_star_bar + vjp_x(u)[0]

    fixed_point.defvjp(fixed_point_fwd, fixed_point_rev)

    def newton_sqrt(a):
        update = lambda a, x: 0.5 * (x + a / x)  # noqa: E731
        return fixed_point(update, a, a)

    assert newton_sqrt(2.) == pytest.approx(math.sqrt(2.), rel=1e-12)
    assert grad(newton_sqrt)(2.) == pytest.approx(0.5 / math.sqrt(2.), rel=1e-6)  # 0.35355338
    assert grad(grad(newton_sqrt))(2.) == pytest.approx(-0.25 * 2. ** -1.5, rel=1e-5)  # -0.0883883
