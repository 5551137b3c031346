"""The JAX-style surface: pytrees, has_aux, keyword arguments, vmap, custom rules,
stop_gradient, checkpoint and check_grads, each against closed forms or central
differences, and against the same computation done another way."""

from __future__ import annotations

import math
import tracemalloc
import warnings

import numpy as np
import pytest

import adlab

from oracles import central_grad

RNG = np.random.default_rng(20261202)


def loss(params, x):
    return adlab.sum(adlab.tanh(params["W"] @ x + params["b"]) ** 2)


def _params():
    return {"W": RNG.standard_normal((2, 3)), "b": RNG.standard_normal(2)}


# -- pytrees -------------------------------------------------------------------------------


def test_grad_of_a_dict_of_parameters_is_a_dict_of_gradients():
    params, x = _params(), RNG.standard_normal(3)
    g = adlab.grad(loss)(params, x)
    assert set(g) == {"W", "b"} and g["W"].shape == (2, 3) and g["b"].shape == (2,)
    t = np.tanh(params["W"] @ x + params["b"])
    d = 2 * t * (1 - t ** 2)
    np.testing.assert_allclose(g["b"], d, rtol=1e-13)
    np.testing.assert_allclose(g["W"], np.outer(d, x), rtol=1e-13)


def test_nested_tuples_lists_and_dicts_as_arguments_and_outputs():
    tree = (np.array([1.0, 2.0]), [3.0, {"z": np.array([[0.5]])}])

    def f(t):
        a, (b, d) = t
        return (a * b).sum() + adlab.sin(d["z"]).sum() * b

    g = adlab.grad(f)(tree)
    assert isinstance(g, tuple) and isinstance(g[1], list) and isinstance(g[1][1], dict)
    np.testing.assert_allclose(g[0], [3.0, 3.0])
    assert g[1][0] == pytest.approx(3.0 + math.sin(0.5), rel=1e-15)
    np.testing.assert_allclose(g[1][1]["z"], [[3.0 * math.cos(0.5)]], rtol=1e-15)
    out, tangent = adlab.jvp(lambda t: {"y": f(t), "a2": t[0] * 2.0}, (tree,),
                             ((np.ones(2), [0.0, {"z": np.zeros((1, 1))}]),))
    assert set(out) == {"y", "a2"} and tangent["y"] == pytest.approx(6.0)
    np.testing.assert_array_equal(tangent["a2"], [2.0, 2.0])


def test_vjp_and_jacobians_with_pytree_outputs():
    def f(x):
        return {"s": adlab.sin(x), "p": (x.prod(), x * 2.0)}

    x = np.array([0.3, 0.7])
    out, pull = adlab.vjp(f, x)
    (ct,) = pull({"s": np.ones(2), "p": (1.0, np.zeros(2))})
    np.testing.assert_allclose(ct, np.cos(x) + x[::-1], rtol=1e-14)
    for jac in (adlab.jacfwd, adlab.jacrev):
        J = jac(f)(x)
        np.testing.assert_allclose(J["s"], np.diag(np.cos(x)), rtol=1e-14)
        np.testing.assert_allclose(J["p"][0], x[::-1], rtol=1e-14)
        np.testing.assert_allclose(J["p"][1], 2 * np.eye(2))
    with pytest.raises(ValueError, match="cotangent"):
        pull({"s": np.ones(2)})


def test_jacobians_with_respect_to_a_dict_and_several_arguments():
    params, x = _params(), RNG.standard_normal(3)
    Jf = adlab.jacfwd(lambda p, v: adlab.tanh(p["W"] @ v + p["b"]), argnums=(0, 1))(params, x)
    Jr = adlab.jacrev(lambda p, v: adlab.tanh(p["W"] @ v + p["b"]), argnums=(0, 1))(params, x)
    assert Jf[0]["W"].shape == (2, 2, 3) and Jf[1].shape == (2, 3)
    for a, b in ((Jf[0]["W"], Jr[0]["W"]), (Jf[0]["b"], Jr[0]["b"]), (Jf[1], Jr[1])):
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-15)
    t = np.tanh(params["W"] @ x + params["b"])
    np.testing.assert_allclose(Jr[1], (1 - t ** 2)[:, None] * params["W"], rtol=1e-13)


def test_has_aux_in_every_transform():
    f = lambda x: ((x ** 2).sum(), {"norm": adlab.norm(x)})  # noqa: E731
    x = np.array([3.0, 4.0])
    g, aux = adlab.grad(f, has_aux=True)(x)
    np.testing.assert_array_equal(g, [6.0, 8.0])
    assert aux["norm"] == 5.0 and type(aux["norm"]) is not adlab.Tensor
    (v, aux2), g2 = adlab.value_and_grad(f, has_aux=True)(x)
    assert v == 25.0 and aux2["norm"] == 5.0
    out, pull, aux3 = adlab.vjp(f, x, has_aux=True)
    assert out == 25.0 and aux3["norm"] == 5.0 and pull(1.0)[0].tolist() == [6.0, 8.0]
    y, t, aux4 = adlab.jvp(f, (x,), (np.array([1.0, 0.0]),), has_aux=True)
    assert (y, t, aux4["norm"]) == (25.0, 6.0, 5.0)
    for jac in (adlab.jacfwd, adlab.jacrev):
        J, aux5 = jac(f, has_aux=True)(x)
        assert J.tolist() == [6.0, 8.0] and aux5["norm"] == 5.0
    H, aux6 = adlab.hessian(f, has_aux=True)(x)
    np.testing.assert_array_equal(H, 2 * np.eye(2))
    with pytest.raises(TypeError, match="has_aux=True.*pair"):
        adlab.grad(lambda x: x ** 2, has_aux=True)(1.0)


def test_keyword_arguments_pass_through_undifferentiated():
    f = lambda x, scale=1.0, shift=0.0: ((x * scale + shift) ** 2).sum()  # noqa: E731
    x = np.array([1.0, 2.0])
    np.testing.assert_array_equal(adlab.grad(f)(x, scale=3.0, shift=1.0), 2 * (3 * x + 1) * 3)
    np.testing.assert_array_equal(adlab.jacrev(f)(x, scale=2.0), 8 * x)
    np.testing.assert_array_equal(adlab.jacfwd(f)(x, scale=2.0), 8 * x)
    np.testing.assert_array_equal(adlab.hessian(f)(x, scale=2.0), 8 * np.eye(2))


# -- vmap --------------------------------------------------------------------------------------


def test_vmap_in_axes_and_out_axes():
    W = RNG.standard_normal((2, 3))
    xs = RNG.standard_normal((4, 3))
    out = adlab.vmap(lambda W, x: adlab.tanh(W @ x), in_axes=(None, 0))(W, xs)
    np.testing.assert_allclose(out, np.tanh(xs @ W.T), rtol=1e-14)
    out = adlab.vmap(lambda W, x: adlab.tanh(W @ x), in_axes=(None, 1), out_axes=1)(W, xs.T)
    np.testing.assert_allclose(out, np.tanh(W @ xs.T), rtol=1e-14)
    a, b = adlab.vmap(lambda x: (x.sum(), x * 2.0), out_axes=(0, 1))(np.ones((4, 2)))
    assert a.shape == (4,) and b.shape == (2, 4)
    d = adlab.vmap(lambda p: p["u"] * p["v"], in_axes=({"u": 0, "v": None},))(
        {"u": np.arange(3.0), "v": 2.0})
    np.testing.assert_array_equal(d, [0.0, 2.0, 4.0])
    np.testing.assert_array_equal(adlab.vmap(lambda x: 5.0)(np.ones(3)), [5.0, 5.0, 5.0])


def test_vmap_errors_name_the_problem():
    with pytest.raises(ValueError, match="different sizes"):
        adlab.vmap(lambda a, b: a + b)(np.ones(3), np.ones(4))
    with pytest.raises(ValueError, match="in_axes has 1 entries"):
        adlab.vmap(lambda a, b: a + b, in_axes=(0,))(np.ones(3), np.ones(3))
    with pytest.raises(ValueError, match="axis 1 of an argument of shape \\(3,\\)"):
        adlab.vmap(lambda a: a, in_axes=1)(np.ones(3))
    with pytest.raises(TypeError, match="adlab.where"):
        adlab.vmap(lambda a: a if a > 0 else -a)(np.ones(3))


def test_per_example_gradients_and_nested_vmap():
    w, X = RNG.standard_normal(3), RNG.standard_normal((5, 3))
    per = adlab.vmap(adlab.grad(lambda w, x: adlab.tanh(w @ x) ** 2), in_axes=(None, 0))(w, X)
    t = np.tanh(X @ w)
    np.testing.assert_allclose(per, (2 * t * (1 - t ** 2))[:, None] * X, rtol=1e-13)
    outer = adlab.vmap(adlab.vmap(lambda a, b: a * b, in_axes=(None, 0)), in_axes=(0, None))
    np.testing.assert_allclose(outer(np.arange(3.0), np.arange(4.0)), np.outer(np.arange(3.0), np.arange(4.0)))
    g = adlab.grad(lambda w: adlab.vmap(lambda x: adlab.sin(w @ x))(X).sum())(w)
    np.testing.assert_allclose(g, (np.cos(X @ w)[:, None] * X).sum(0), rtol=1e-13)


def test_jacobians_are_one_batched_pass():
    """jacfwd and jacrev push all basis directions through vmap: the function runs once."""
    calls = []

    def f(x):
        calls.append(1)
        return adlab.tanh(x) * x.sum()

    x = RNG.standard_normal(6)
    Jf, Jr = adlab.jacfwd(f)(x), adlab.jacrev(f)(x)
    assert len(calls) == 2
    t = np.tanh(x)
    want = np.diag((1 - t ** 2) * x.sum()) + t[:, None]
    np.testing.assert_allclose(Jf, want, rtol=1e-13)
    np.testing.assert_allclose(Jr, want, rtol=1e-13)


# -- custom rules, stop_gradient, checkpoint ------------------------------------------------


@adlab.custom_vjp
def lse(x):
    m = adlab.stop_gradient(x.max())
    return m + adlab.log(adlab.exp(x - m).sum())


def _lse_fwd(x):
    y = lse(x)
    return y, (x, y)


def _lse_bwd(res, g):
    x, y = res
    return (g * adlab.exp(x - y),)


lse.defvjp(_lse_fwd, _lse_bwd)


def test_custom_vjp_gives_a_stable_logsumexp_in_every_mode():
    big = np.array([1000.0, 1000.0, 999.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow anywhere
        g = adlab.grad(lse)(big)
        Jf = adlab.jacfwd(lse)(big)
    e = np.exp(big - big.max())
    np.testing.assert_allclose(g, e / e.sum(), rtol=1e-12)
    np.testing.assert_allclose(Jf, g, rtol=1e-12)
    x = np.array([0.1, -0.4, 0.8])
    s = np.exp(x) / np.exp(x).sum()
    np.testing.assert_allclose(adlab.hessian(lse)(x), np.diag(s) - np.outer(s, s), rtol=1e-13)
    np.testing.assert_allclose(adlab.vmap(adlab.grad(lse))(np.stack([x, big])),
                               np.stack([s, e / e.sum()]), rtol=1e-12)
    t = adlab.tensor(x, requires_grad=True)
    lse(t).backward()
    np.testing.assert_allclose(t.grad.numpy(), s, rtol=1e-14)
    tr = adlab.trace(lse, x)
    assert [r.prim.name for r in tr.rows[1:]] == ["lse"]
    np.testing.assert_allclose(tr.reverse().gradient[0], s, rtol=1e-14)


def test_custom_jvp_log1pexp_from_the_jax_tutorial():
    @adlab.custom_jvp
    def log1pexp(x):
        return adlab.log(1.0 + adlab.exp(x))

    @log1pexp.defjvp
    def _(primals, tangents):
        (x,), (t,) = primals, tangents
        return log1pexp(x), (1.0 - 1.0 / (1.0 + adlab.exp(x))) * t

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # exp(1000) overflows: the value is inf either way
        assert math.isnan(adlab.grad(lambda x: adlab.log(1.0 + adlab.exp(x)))(1000.0))
        assert adlab.grad(log1pexp)(1000.0) == 1.0
    assert adlab.jvp(log1pexp, (3.0,), (2.0,))[1] == pytest.approx(2 / (1 + math.exp(-3)))
    assert adlab.grad(adlab.grad(log1pexp))(0.0) == pytest.approx(0.25, rel=1e-15)
    np.testing.assert_allclose(adlab.jacrev(log1pexp)(np.array([0.0, 2.0])),
                               np.diag(1 / (1 + np.exp(-np.array([0.0, 2.0])))), rtol=1e-15)


def test_custom_vjp_with_nondiff_argnums_clips_a_gradient():
    @adlab.custom_vjp
    def clip_gradient(lo, hi, x):
        return x

    def fwd(lo, hi, x):
        return x, None

    def bwd(lo, hi, res, g):
        return (adlab.clip(g, lo, hi),)

    clip_gradient = adlab.custom_vjp(clip_gradient.fun, nondiff_argnums=(0, 1))
    clip_gradient.defvjp(fwd, bwd)
    f = lambda x: clip_gradient(-0.5, 0.5, x) * 3.0  # noqa: E731
    assert f(2.0) == 6.0
    assert adlab.grad(f)(2.0) == 0.5
    assert adlab.grad(lambda x: clip_gradient(-0.5, 0.5, x) * 0.2)(2.0) == pytest.approx(0.2)


def test_custom_rules_report_what_they_miss():
    @adlab.custom_vjp
    def f(x):
        return x * 2.0

    with pytest.raises(TypeError, match="defvjp"):
        adlab.grad(f)(1.0)
    f.defvjp(lambda x: (f(x), None), lambda res, g: g * 2.0)  # not a tuple
    with pytest.raises(TypeError, match="one cotangent per differentiated argument"):
        adlab.grad(f)(1.0)


def _chain_of_blocks(x, block, k):
    for _ in range(k):
        x = block(x)
    return adlab.sum(x)


def _block(x):
    for _ in range(8):
        x = adlab.tanh(x * 1.01 + 0.01)
    return x


def test_checkpoint_gives_the_same_gradient_with_less_memory():
    x = RNG.standard_normal(20_000)
    plain = adlab.grad(lambda v: _chain_of_blocks(v, _block, 6))
    saved = adlab.grad(lambda v: _chain_of_blocks(v, adlab.checkpoint(_block), 6))
    np.testing.assert_allclose(saved(x), plain(x), rtol=1e-14)

    def peak(fn):
        tracemalloc.start()
        fn(x)
        size = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return size

    p_plain, p_saved = peak(plain), peak(saved)
    # 48 stored arrays of 160 kB against 6 block inputs plus one block recomputed
    assert p_saved < 0.5 * p_plain, (p_saved, p_plain)
    np.testing.assert_allclose(adlab.jacfwd(adlab.checkpoint(_block))(x[:3]),
                               adlab.jacfwd(_block)(x[:3]), rtol=1e-14)


def test_stop_gradient_in_forward_and_reverse_mode():
    f = lambda x: adlab.stop_gradient(x ** 2) * x  # noqa: E731 - derivative x^2, not 3x^2
    assert adlab.grad(f)(2.0) == 4.0
    assert adlab.jvp(f, (2.0,), (1.0,))[1] == 4.0
    assert adlab.grad(adlab.grad(f))(2.0) == 0.0  # d/dx of (stop(x^2)) = 0


# -- check_grads ------------------------------------------------------------------------------


def test_check_grads_passes_right_rules_and_catches_a_wrong_one():
    adlab.check_grads(lambda x: adlab.sin(x) * x ** 2, (np.array([0.3, 1.0]),), order=2)
    adlab.check_grads(lambda x, y: adlab.arctan2(y, x) + x * y, (0.7, -0.2), order=3)
    adlab.check_grads(lse, (np.array([0.5, 1.5, -1.0]),), order=2, modes=("rev",))

    @adlab.custom_vjp
    def wrong(x):
        return adlab.sin(x)

    wrong.defvjp(lambda x: (wrong(x), x), lambda x, g: (g * adlab.sin(x),))  # should be cos
    with pytest.raises(AssertionError, match="reverse mode"):
        adlab.check_grads(wrong, (np.array([0.4]),), order=1, modes="rev")
    with pytest.raises(AssertionError, match="forward mode"):
        adlab.check_grads(wrong, (np.array([0.4]),), order=1, modes="fwd")


def test_check_grads_agrees_with_central_differences_on_float32():
    x = np.array([0.2, 0.9], dtype=np.float32)
    adlab.check_grads(lambda v: adlab.tanh(v) * v, (x,), order=2)
    g = adlab.grad(lambda v: (adlab.tanh(v) * v).sum())(x)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, central_grad(lambda v: (np.tanh(v) * v).sum(), x.astype(float)),
                               rtol=1e-5)


# -- what the review found -------------------------------------------------------------------


def test_vmap_with_an_index_that_differs_from_example_to_example():
    E = np.arange(8.0).reshape(4, 2)
    toks = np.array([3, 0, 1])
    np.testing.assert_array_equal(adlab.vmap(lambda t: adlab.tensor(E)[t])(toks), E[toks])
    g = adlab.grad(lambda E: adlab.sum(adlab.vmap(lambda t: E[t])(toks) ** 2))(E)
    want = np.zeros_like(E)
    np.add.at(want, toks, 2 * E[toks])
    np.testing.assert_array_equal(g, want)
    rng = np.random.default_rng(3)
    logits, labels = rng.standard_normal((3, 4)), np.array([1, 0, 3])
    logp = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    per = adlab.vmap(lambda l, k: adlab.log_softmax(l)[k])(logits, labels)
    np.testing.assert_allclose(per, logp[np.arange(3), labels], rtol=1e-14)
    g = adlab.grad(lambda L: -adlab.vmap(lambda l, k: adlab.log_softmax(l)[k])(L, labels).sum())(logits)
    np.testing.assert_allclose(g, np.exp(logp) - np.eye(4)[labels], rtol=1e-13, atol=1e-15)
    np.testing.assert_array_equal(adlab.vmap(lambda x: x[adlab.argmax(x)])(logits), logits.max(1))
    cols = adlab.vmap(lambda M, j: M[:, j], in_axes=(None, 0))(adlab.tensor(E), np.array([1, 0]))
    np.testing.assert_array_equal(cols, E.T[[1, 0]])
    with pytest.raises(ValueError, match="mapped index"):
        adlab.vmap(lambda M, j: M[j, j], in_axes=(None, 0))(adlab.tensor(np.eye(3)), np.array([0, 1]))
    with pytest.raises(TypeError, match=r"adlab.tensor\(a\)\[i\]"):
        adlab.vmap(lambda j: E[j])(toks)  # numpy indexing cannot see the batch


def test_checkpoint_of_a_function_that_closes_over_the_weights():
    rng = np.random.default_rng(4)
    W, h0 = rng.standard_normal((3, 3)), rng.standard_normal(3)

    def loss(W, layer):
        h = adlab.tanh(W @ h0)
        return adlab.sum(layer(lambda h: adlab.tanh(W @ h))(h))

    plain = adlab.grad(lambda W: loss(W, lambda f: f))(W)
    np.testing.assert_allclose(adlab.grad(lambda W: loss(W, adlab.checkpoint))(W), plain, rtol=1e-14)

    @adlab.custom_vjp
    def scale(x):
        return x * W0

    W0 = adlab.tensor(2.0, requires_grad=True)
    scale.defvjp(lambda x: (scale(x), None), lambda r, g: (g * 2.0,))
    with pytest.raises(TypeError, match="closure.*argument"):
        scale(adlab.tensor(1.0, requires_grad=True))


def test_custom_rules_with_wrong_shapes_or_a_nonlinear_bwd_are_errors():
    s = adlab.custom_vjp(lambda x: adlab.sum(x))
    s.defvjp(lambda x: (adlab.sum(x), None), lambda r, g: (g,))  # g, not g broadcast
    with pytest.raises(ValueError, match=r"VJP rule gave shape \(\) for argument 0, which has shape \(3,\)"):
        adlab.grad(s)(np.ones(3))
    clipped = adlab.custom_vjp(lambda x: x)
    clipped.defvjp(lambda x: (x, None), lambda r, g: (adlab.clip(g, -1.0, 1.0),))
    assert adlab.grad(lambda x: 5.0 * clipped(x))(2.0) == 1.0  # JAX's clip_gradient example
    with pytest.raises(TypeError, match="not linear in the cotangent"):
        adlab.jacfwd(lambda x: 5.0 * clipped(x))(2.0)


def test_float32_is_kept_by_nested_transforms():
    x32 = np.array([0.3, 1.2], np.float32)
    f = lambda x: adlab.sum(adlab.tanh(x))  # noqa: E731
    assert adlab.vmap(adlab.grad(f))(np.stack([x32, x32])).dtype == np.float32
    assert adlab.jacrev(adlab.grad(f))(x32).dtype == np.float32
    assert adlab.grad(adlab.grad(lambda v: adlab.tanh(v)))(np.float32(0.5)).dtype == np.float32
    t = adlab.tensor(x32, requires_grad=True)
    (g,) = adlab.autograd.grad(f(t), t, create_graph=True)
    assert g.dtype == np.float32
    f(t).backward(create_graph=True)
    assert t.grad.dtype == np.float32


def test_at_updates_linearize_and_tree_util():
    x = np.array([1.0, 2.0, 3.0])
    y = adlab.grad(lambda v: (v.at[1].set(10.0) * v).sum())(x)  # d/dv of v0^2 + 10 v1 + v2^2
    np.testing.assert_array_equal(y, [2.0, 10.0, 6.0])
    np.testing.assert_array_equal(adlab.tensor(x).at[np.array([0, 0])].add(1.0).numpy(), [3.0, 2.0, 3.0])
    out, f_jvp = adlab.linearize(adlab.sin, 0.5)
    assert out == pytest.approx(np.sin(0.5)) and f_jvp(2.0) == pytest.approx(2 * np.cos(0.5))
    assert adlab.tree_util.tree_map(lambda v: v * 2, {"a": 1.0, "b": (2.0,)}) == {"a": 2.0, "b": (4.0,)}


def test_vmap_outputs_of_their_own_and_out_axes_checked():
    X = np.ones((3, 2))
    out = adlab.vmap(lambda a: a)(X)
    assert out is not X and not np.shares_memory(out, X)
    with pytest.raises(ValueError, match="out_axes asks for axis 1"):
        adlab.vmap(lambda a: a.sum(), out_axes=1)(X)
    assert adlab.vmap(lambda a: a.shape[0])(X).dtype.kind == "i"
    with pytest.raises(TypeError, match="one value per example"):
        adlab.vmap(lambda a: float(a[0]))(X)


def test_check_grads_on_pytrees_and_float16():
    params = {"W": np.full((2, 3), 0.3), "b": np.zeros(2)}
    adlab.check_grads(lambda p, x: adlab.sum(adlab.tanh(p["W"] @ x + p["b"])), (params, np.ones(3)),
                      order=2)
    adlab.check_grads(lambda x: adlab.tanh(x) * x, (np.array([0.2, 0.9], np.float16),), order=2)
