"""Every primitive in the table, in both modes, against central differences.

For each case the forward-mode JVP is compared with central differences in
float64; the two modes with each other through <u, J v> = <J^T u, v>; the
eager PyTorch-style path with the functional one; second derivatives
(forward over forward) with second central differences, and reverse over
forward with them; float32 inputs keep float32 everywhere; `vmap` (each
primitive's batching rule, and the rules of its rules) against a loop over
the examples; and an evaluation trace's sweeps against jvp and vjp. A case
list covers every entry of `adlab.PRIMITIVES`; adding a primitive without a
case fails `test_every_primitive_has_cases`.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import adlab
from adlab import primitives as P

from oracles import (ABOVE1, ANY, AWAY0, CLIPSAFE, POS, STEPSAFE, STEPSAFE_1, TANSAFE,
                     UNIT, WELL, central_jvp, point)

RNG_SEED = 20261122

# Each case: (primitive name, function of the arguments, list of argument
# shapes, domain of the arguments: one for all, or a tuple with one per
# argument). Domains keep points away from poles, kinks and jumps, where
# central differences are not an oracle.
# domains (tests/oracles.py) keep points away from poles, kinks and jumps
BINARY_SHAPES = [((), ()), ((3,), (3,)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((), (2, 3)),
                 ((4, 1, 3), (2, 1))]
UNARY_SHAPES = [(), (3,), (2, 3)]

CASES = []
for shapes in BINARY_SHAPES:
    CASES += [
        ("add", lambda x, y: x + y, shapes, ANY),
        ("sub", lambda x, y: x - y, shapes, ANY),
        ("mul", lambda x, y: x * y, shapes, ANY),
        ("truediv", lambda x, y: x / y, shapes, AWAY0),
        ("pow", lambda x, y: x ** y, shapes, POS),
        ("maximum", adlab.maximum, shapes, ANY),
        ("minimum", adlab.minimum, shapes, ANY),
        ("arctan2", adlab.arctan2, shapes, AWAY0),
        ("mod", lambda x, y: x % y, shapes, (ANY, AWAY0)),
        ("hypot", adlab.hypot, shapes, AWAY0),
        ("where", lambda x, y: adlab.where(x > 0, x, y), shapes, AWAY0),
    ]
for shape in UNARY_SHAPES:
    CASES += [
        ("neg", lambda x: -x, [shape], ANY),
        ("exp", adlab.exp, [shape], ANY),
        ("log", adlab.log, [shape], POS),
        ("sin", adlab.sin, [shape], ANY),
        ("cos", adlab.cos, [shape], ANY),
        ("tan", adlab.tan, [shape], TANSAFE),
        ("tanh", adlab.tanh, [shape], ANY),
        ("sqrt", adlab.sqrt, [shape], POS),
        ("abs", adlab.abs, [shape], AWAY0),
        ("sign", lambda x: adlab.sign(x) * x, [shape], AWAY0),
        ("square", adlab.square, [shape], ANY),
        ("log1p", adlab.log1p, [shape], POS),
        ("expm1", adlab.expm1, [shape], ANY),
        ("log2", adlab.log2, [shape], POS),
        ("log10", adlab.log10, [shape], POS),
        ("sinh", adlab.sinh, [shape], ANY),
        ("cosh", adlab.cosh, [shape], ANY),
        ("arcsin", adlab.arcsin, [shape], UNIT),
        ("arccos", adlab.arccos, [shape], UNIT),
        ("arctan", adlab.arctan, [shape], ANY),
        ("arcsinh", adlab.arcsinh, [shape], ANY),
        ("arccosh", adlab.arccosh, [shape], ABOVE1),
        ("arctanh", adlab.arctanh, [shape], UNIT),
        ("exp2", adlab.exp2, [shape], ANY),
        ("relu", adlab.relu, [shape], AWAY0),
        ("sigmoid", adlab.sigmoid, [shape], ANY),
        ("clip", lambda x: adlab.clip(x, -0.5, 0.5), [shape], CLIPSAFE),
        ("clip", lambda x: adlab.clamp(x, min=0.5), [shape], CLIPSAFE),
        ("copy", adlab.copy, [shape], ANY),
        ("round", lambda x: adlab.round(x) * x, [shape], STEPSAFE),
        ("round", lambda x: adlab.round(x, 1) * x, [shape], STEPSAFE_1),
        ("floor", lambda x: adlab.floor(x) * x, [shape], STEPSAFE),
        ("ceil", lambda x: adlab.ceil(x) + x, [shape], STEPSAFE),
        ("astype", lambda x: adlab.astype(adlab.astype(x, np.longdouble), np.float64), [shape], ANY),
        ("norm", adlab.norm, [shape], AWAY0),
        ("pow", lambda x: x ** 3, [shape], ANY),
        ("pow", lambda x: x ** 0.5, [shape], POS),
        ("pow", lambda x: 2.0 ** x, [shape], ANY),
    ]
CASES += [
    ("clip", lambda x, lo, hi: adlab.clip(x, lo, hi), [(4,), (4,), (4,)], CLIPSAFE),
    ("sum", lambda x: x.sum(), [(2, 3)], ANY),
    ("sum", lambda x: x.sum(axis=0), [(2, 3)], ANY),
    ("sum", lambda x: x.sum(axis=(0, 2), keepdims=True), [(2, 3, 4)], ANY),
    ("sum", lambda x: adlab.sum(x, dim=-1, keepdim=True), [(2, 3)], ANY),
    ("mean", lambda x: x.mean(), [(2, 3)], ANY),
    ("mean", lambda x: x.mean(axis=1), [(2, 3)], ANY),
    ("mean", lambda x: x.mean(axis=0, keepdims=True), [(4, 3)], ANY),
    ("prod", lambda x: x.prod(), [(2, 3)], ANY),
    ("prod", lambda x: x.prod(axis=1), [(2, 3)], ANY),
    ("prod", lambda x: adlab.prod(x, axis=(0, 2), keepdims=True), [(2, 3, 2)], ANY),
    ("prod", lambda x: adlab.prod(x), [()], ANY),
    ("max", lambda x: x.max(), [(2, 3)], ANY),
    ("max", lambda x: x.max(axis=0), [(2, 3)], ANY),
    ("max", lambda x: adlab.amax(x, dim=1, keepdim=True), [(3, 4)], ANY),
    ("min", lambda x: x.min(), [(2, 3)], ANY),
    ("min", lambda x: adlab.min(x, axis=1), [(2, 3)], ANY),
    ("var", lambda x: x.var(), [(2, 3)], ANY),
    ("var", lambda x: x.var(axis=0, ddof=1), [(4, 3)], ANY),
    ("var", lambda x: adlab.var(x, dim=1, correction=1, keepdim=True), [(2, 5)], ANY),
    ("std", lambda x: x.std(), [(2, 3)], ANY),
    ("std", lambda x: x.std(axis=1, ddof=1), [(3, 4)], ANY),
    ("logsumexp", lambda x: adlab.logsumexp(x), [(2, 3)], ANY),
    ("logsumexp", lambda x: adlab.logsumexp(x, axis=1, keepdims=True), [(2, 3)], ANY),
    ("logsumexp", lambda x: adlab.logsumexp(x * 100.0, axis=0), [(3, 2)], ANY),
    ("norm", lambda x: adlab.norm(x, axis=1), [(2, 3)], AWAY0),
    ("softmax", lambda x: adlab.softmax(x), [(2, 3)], ANY),
    ("softmax", lambda x: adlab.softmax(x, axis=0), [(2, 3)], ANY),
    ("softmax", lambda x: adlab.softmax(x * 50.0, dim=1), [(2, 3)], ANY),
    ("log_softmax", lambda x: adlab.log_softmax(x), [(2, 3)], ANY),
    ("log_softmax", lambda x: adlab.log_softmax(x, axis=0), [(3,)], ANY),
    ("cumsum", lambda x: adlab.cumsum(x), [(2, 3)], ANY),
    ("cumsum", lambda x: adlab.cumsum(x, axis=1), [(2, 3)], ANY),
    ("cumsum", lambda x: adlab.cumsum(x, dim=0), [(3, 2)], ANY),
    ("dot", adlab.dot, [(4,), (4,)], ANY),
    ("dot", adlab.vdot, [(2, 2), (4,)], ANY),
    ("outer", adlab.outer, [(3,), (4,)], ANY),
    ("outer", adlab.outer, [(1,), (2,)], ANY),
    ("outer", adlab.outer, [(2, 2), (3,)], ANY),
    ("matmul", lambda a, b: a @ b, [(2, 3), (3, 4)], ANY),
    ("matmul", lambda a, b: a @ b, [(3,), (3, 4)], ANY),
    ("matmul", lambda a, b: a @ b, [(2, 3), (3,)], ANY),
    ("matmul", lambda a, b: a @ b, [(3,), (3,)], ANY),
    ("matmul", lambda a, b: a @ b, [(5, 2, 3), (3, 4)], ANY),
    ("matmul", lambda a, b: a @ b, [(2, 3), (5, 3, 4)], ANY),
    ("matmul", lambda a, b: a @ b, [(5, 2, 3), (3,)], ANY),
    ("matmul", lambda a, b: a @ b, [(3,), (5, 3, 4)], ANY),
    ("matmul", lambda a, b: adlab.dot(a, b), [(3,), (3, 2)], ANY),
    ("matmul", lambda a, b: adlab.mm(a, b), [(2, 3), (3, 2)], ANY),
    ("inv", adlab.inv, [(3, 3)], WELL),
    ("inv", lambda a: adlab.inv(a) @ a.T, [(2, 2)], WELL),
    ("solve", adlab.solve, [(3, 3), (3,)], (WELL, ANY)),
    ("solve", adlab.solve, [(3, 3), (3, 2)], (WELL, ANY)),
    ("det", adlab.det, [(3, 3)], WELL),
    ("det", lambda a: adlab.det(a * 2.0), [(2, 2)], ANY),
    ("tensordot", lambda a, b: adlab.tensordot(a, b, axes=1), [(3, 4), (4, 2)], ANY),
    ("tensordot", lambda a, b: adlab.tensordot(a, b, axes=([1, 0], [0, 1])), [(3, 4), (4, 3)], ANY),
    ("tensordot", lambda a, b: adlab.tensordot(a, b, axes=0), [(2,), (3,)], ANY),
    ("tensordot", lambda a, b: adlab.dot(a, b), [(2, 3, 4), (5, 4, 2)], ANY),
    ("einsum", lambda a, b: adlab.einsum("ij,jk->ik", a, b), [(2, 3), (3, 4)], ANY),
    ("einsum", lambda a: adlab.einsum("ii->", a), [(3, 3)], ANY),
    ("einsum", lambda a: adlab.einsum("ii->i", a), [(3, 3)], ANY),
    ("einsum", lambda a: adlab.einsum("ij->", a), [(2, 3)], ANY),
    ("einsum", lambda a: adlab.einsum("ij", a), [(2, 3)], ANY),
    ("einsum", lambda a, b: adlab.einsum("i,i", a, b), [(3,), (3,)], ANY),
    ("einsum", lambda a, b: adlab.einsum("bij,bjk->bik", a, b), [(2, 2, 3), (2, 3, 2)], ANY),
    ("einsum", lambda a, b: adlab.einsum("...ij,jk->...ik", a, b), [(2, 2, 3), (3, 2)], ANY),
    ("einsum", lambda a, b, c: adlab.einsum("i,ij,j->", a, b, c), [(2,), (2, 3), (3,)], ANY),
    ("reshape", lambda x: x.reshape(3, 2), [(2, 3)], ANY),
    ("reshape", lambda x: x.reshape(-1), [(2, 3)], ANY),
    ("squeeze", lambda x: x.squeeze(), [(2, 1, 3)], ANY),
    ("squeeze", lambda x: adlab.squeeze(x, dim=0), [(1, 3)], ANY),
    ("expand_dims", lambda x: adlab.unsqueeze(x, 1), [(2, 3)], ANY),
    ("expand_dims", lambda x: adlab.expand_dims(x, (0, -1)), [(3,)], ANY),
    ("flatten", lambda x: adlab.flatten(x), [(2, 3)], ANY),
    ("flatten", lambda x: adlab.flatten(x, 1), [(2, 3, 2)], ANY),
    ("flatten", lambda x: adlab.ravel(x), [(3, 2)], ANY),
    ("transpose", lambda x: x.T, [(2, 3)], ANY),
    ("transpose", lambda x: x.transpose(1, 2, 0), [(2, 3, 4)], ANY),
    ("transpose", lambda x: adlab.swapaxes(x, 0, 2), [(2, 3, 4)], ANY),
    ("transpose", lambda x: adlab.moveaxis(x, 0, -1), [(2, 3, 4)], ANY),
    ("getitem", lambda x: x[1], [(3,)], ANY),
    ("getitem", lambda x: x[1:, ::2], [(3, 4)], ANY),
    ("getitem", lambda x: x[np.array([0, 2, 0, 0])], [(3,)], ANY),
    ("getitem", lambda x: x[:, 1], [(2, 3)], ANY),
    ("getitem", lambda x: P.getitem(x, None), [()], ANY),
    ("getitem", lambda x: x[..., None, 0], [(2, 3)], ANY),
    ("getitem", lambda x: x[np.array([0, 1]), :, np.array([1, 0])], [(2, 2, 3)], ANY),
    ("where", lambda x: adlab.max(x, dim=1)[0], [(2, 3)], ANY),
    ("index_add", lambda g: P.index_add(g, (np.array([0, 2, 0]),), (4,)), [(3,)], ANY),
    ("take", lambda x: P.take_at(x, np.array([2, 0, 2]), 0), [(3,)], ANY),
    ("take", lambda x: P.take_at(x, np.array([[1, 0], [2, 2]]), 1), [(2, 3)], ANY),
    ("take", lambda x: P.take_at(x, 1, 0), [(3, 2)], ANY),
    ("put_add", lambda g: P.put_add(g, np.array([0, 2, 0]), 0, 4), [(3,)], ANY),
    ("put_add", lambda g: P.put_add(g, np.array([[1], [0]]), 1, 3), [(2, 2, 1)], ANY),
    ("broadcast_to", lambda x: adlab.broadcast_to(x, (2, 3)), [(3,)], ANY),
    ("broadcast_to", lambda x: adlab.broadcast_to(x, (4, 2, 3)), [(2, 1)], ANY),
    ("broadcast_to", lambda x: adlab.broadcast_to(x, (2, 2, 3)), [(3,)], ANY),
    ("concatenate", lambda a, b: adlab.concatenate([a, b]), [(2, 3), (4, 3)], ANY),
    ("concatenate", lambda a, b, c: adlab.cat([a, b, c], dim=1), [(2, 1), (2, 3), (2, 2)], ANY),
    ("concatenate", lambda a, b: adlab.concatenate([a, b], axis=None), [(2, 2), (3,)], ANY),
    ("stack", lambda a, b: adlab.stack([a, b]), [(3,), (3,)], ANY),
    ("stack", lambda a, b, c: adlab.stack([a, b, c], axis=-1), [(2, 2), (2, 2), (2, 2)], ANY),
    ("repeat", lambda x: adlab.repeat(x, 2, axis=1), [(2, 3)], ANY),
    ("repeat", lambda x: adlab.repeat(x, [1, 2, 0], axis=1), [(2, 3)], ANY),
    ("repeat", lambda x: adlab.repeat(x, 3), [(2,)], ANY),
    ("tile", lambda x: adlab.tile(x, (2, 1, 2)), [(2, 3)], ANY),
    ("tile", lambda x: adlab.tile(x, 3), [(3,)], ANY),
    ("roll", lambda x: adlab.roll(x, 2), [(5,)], ANY),
    ("roll", lambda x: adlab.roll(x, (1, -1), axis=(0, 1)), [(2, 3)], ANY),
    ("roll", lambda x: adlab.roll(x, 1), [(2, 3)], ANY),
    ("trace", lambda x: adlab.trace(x), [(3, 3)], ANY),
    ("trace", lambda x: adlab.trace(x, offset=1), [(3, 4)], ANY),
    ("trace", lambda x: adlab.trace(x, axis1=1, axis2=2), [(2, 3, 3)], ANY),
    ("trace", lambda x: adlab.trace(x, offset=-1), [(4, 3)], ANY),
    ("diag", lambda x: adlab.diag(x), [(3,)], ANY),
    ("diag", lambda x: adlab.diag(x, -1), [(2,)], ANY),
    ("diag", lambda x: adlab.diag(x, 1), [(3, 4)], ANY),
    ("diag", lambda x: adlab.diagonal(x), [(4, 3)], ANY),
]
# defined by their derivative rather than a formula: checked against closed forms below
RULE_CASES = {"stop_gradient"}


_point = point


def _args(case, rng):
    _, _, shapes, domain = case
    domains = domain if isinstance(domain, tuple) else (domain,) * len(shapes)
    return [_point(s, d, rng) for s, d in zip(shapes, domains)]


def _random(shape, rng):
    return rng.standard_normal(shape) if shape else float(rng.standard_normal())


def _case_id(case):
    name, _, shapes, _ = case
    return f"{name}-" + "-".join("x".join(map(str, s)) or "scalar" for s in shapes)


IDS = [_case_id(c) + f"-{i}" for i, c in enumerate(CASES)]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_jvp_matches_central_differences(case):
    name, fn, shapes, domain = case
    rng = np.random.default_rng(RNG_SEED + len(name))
    args = _args(case, rng)
    tangents = [_random(s, rng) for s in shapes]
    out, tangent_out = adlab.jvp(fn, tuple(args), tuple(tangents))
    np.testing.assert_allclose(np.asarray(out), np.asarray(fn(*args)), rtol=1e-12)
    expected = central_jvp(fn, args, tangents)
    np.testing.assert_allclose(np.asarray(tangent_out), expected, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_vjp_agrees_with_jvp(case):
    """<u, J v> from forward mode equals <J^T u, v> from reverse mode."""
    name, fn, shapes, domain = case
    rng = np.random.default_rng(RNG_SEED + 7 * len(name))
    args = _args(case, rng)
    tangents = [_random(s, rng) for s in shapes]
    out, jv = adlab.jvp(fn, tuple(args), tuple(tangents))
    u = _random(np.shape(out), rng)
    out2, vjp_fn = adlab.vjp(fn, *args)
    cotangents = vjp_fn(u)
    assert len(cotangents) == len(args)
    for c, a in zip(cotangents, args):
        assert np.shape(c) == np.shape(a)  # broadcasting undone
    lhs = float(np.sum(np.asarray(u) * np.asarray(jv)))
    rhs = sum(float(np.sum(np.asarray(c) * np.asarray(t))) for c, t in zip(cotangents, tangents))
    assert lhs == pytest.approx(rhs, rel=1e-10, abs=1e-10)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_eager_backward_matches_vjp(case):
    """The PyTorch-style path gives the same cotangents as the functional one."""
    name, fn, shapes, domain = case
    rng = np.random.default_rng(RNG_SEED + 13 * len(name))
    args = _args(case, rng)
    out, vjp_fn = adlab.vjp(fn, *args)
    u = _random(np.shape(out), rng)
    expected = vjp_fn(u)
    tensors = [adlab.tensor(a, requires_grad=True) for a in args]
    y = fn(*tensors)
    y.backward(gradient=u)
    for t, e in zip(tensors, expected):
        np.testing.assert_allclose(np.asarray(t.grad.numpy()), np.asarray(e), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_second_derivatives(case):
    """d^2/de^2 f(x + e t) by forward over forward against second central differences,
    and reverse over forward against it (<u, second derivative>)."""
    name, fn, shapes, domain = case
    rng = np.random.default_rng(RNG_SEED + 17 * len(name))
    args = _args(case, rng)
    ts = tuple(_random(s, rng) for s in shapes)

    def along(*a):
        return adlab.jvp(fn, a, ts)[1]

    _, d2 = adlab.jvp(along, tuple(args), ts)
    h = 1e-4
    plus = [np.asarray(a) + h * np.asarray(t) for a, t in zip(args, ts)]
    minus = [np.asarray(a) - h * np.asarray(t) for a, t in zip(args, ts)]
    plus = [float(p) if np.ndim(a) == 0 else p for p, a in zip(plus, args)]
    minus = [float(m) if np.ndim(a) == 0 else m for m, a in zip(minus, args)]
    f0, fp, fm = (np.asarray(fn(*a), dtype=float) for a in (args, plus, minus))
    scale = 1.0 + np.max(np.abs(f0))
    np.testing.assert_allclose(np.asarray(d2), (fp - 2 * f0 + fm) / h ** 2, rtol=1e-4,
                               atol=2e-4 * scale)
    u = _random(np.shape(d2), rng)
    _, pull = adlab.vjp(along, *args)
    rev = sum(float(np.sum(np.asarray(c) * np.asarray(t))) for c, t in zip(pull(u), ts))
    assert rev == pytest.approx(float(np.sum(np.asarray(u) * np.asarray(d2))), rel=1e-9, abs=1e-9)


FLOAT32_CASES = [(c, i) for c, i in zip(CASES, IDS) if c[0] != "astype"]  # astype: see test_astype


@pytest.mark.parametrize("case", [c for c, _ in FLOAT32_CASES], ids=[i for _, i in FLOAT32_CASES])
def test_float32_stays_float32(case):
    """float32 inputs give float32 values, tangents and cotangents, close to the float64 ones."""
    name, fn, shapes, domain = case
    rng = np.random.default_rng(RNG_SEED + 19 * len(name))
    args64 = _args(case, rng)
    args = [np.float32(a) if np.ndim(a) == 0 else np.asarray(a, np.float32) for a in args64]
    ts = tuple(np.float32(_random(s, rng)) if not s else _random(s, rng).astype(np.float32)
               for s in shapes)
    out, jv = adlab.jvp(fn, tuple(args), ts)
    assert np.result_type(out) == np.float32 and np.result_type(jv) == np.float32
    u = np.asarray(_random(np.shape(out), rng), np.float32)
    _, vjp_fn = adlab.vjp(fn, *args)
    for c in vjp_fn(u):
        assert np.result_type(c) == np.float32, (np.result_type(c), c)
    _, jv64 = adlab.jvp(fn, tuple(args64), tuple(np.float64(t) if not s else t.astype(float)
                                                 for t, s in zip(ts, shapes)))
    np.testing.assert_allclose(np.asarray(jv, float), np.asarray(jv64), rtol=2e-3, atol=2e-3)
    tensors = [adlab.tensor(a, requires_grad=True) for a in args]
    fn(*tensors).backward(gradient=u)
    for t in tensors:
        assert t.grad.dtype == np.float32


BATCH = 3


# where vmap loops over the examples instead of a batching rule: diag has no rule, and
# numpy moves the batch axis of an index whose arrays are separated by a slice
LOOPED = {"diag", "getitem", "solve"}


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_vmap_matches_a_loop_over_examples(case, monkeypatch):
    """vmap of the primitive, of its JVP and of its VJP, with every argument batched or only
    the first, against the same functions run example by example; the batching rules run
    (not vmap's loop) except where listed in LOOPED."""
    name, fn, shapes, domain = case
    looped = []
    loop = adlab.batching._loop
    monkeypatch.setattr(adlab.batching, "_loop",
                        lambda prim, *a: looped.append(prim.name) or loop(prim, *a))
    rng = np.random.default_rng(RNG_SEED + 23 * len(name))
    examples = [_args(case, rng) for _ in range(BATCH)]
    tangents = [_random(s, rng) for s in shapes]
    for mapped in (tuple(range(len(shapes))), (0,)):
        in_axes = tuple(0 if k in mapped else None for k in range(len(shapes)))
        batched = [np.stack([np.asarray(ex[k]) for ex in examples]) if k in mapped
                   else examples[0][k] for k in range(len(shapes))]

        def one(k, f):
            return f(*[examples[k][i] if i in mapped else examples[0][i]
                       for i in range(len(shapes))])

        def jv(*a):
            return adlab.jvp(fn, a, tuple(tangents))[1]

        for f in (fn, jv):
            got = adlab.vmap(f, in_axes=in_axes)(*batched)
            want = np.stack([np.asarray(one(k, f)) for k in range(BATCH)])
            np.testing.assert_allclose(np.asarray(got), want, rtol=1e-12, atol=1e-12)
        u = _random(np.shape(fn(*examples[0])), rng)

        def pull(*a):
            return adlab.vjp(fn, *a)[1](u)

        got = adlab.vmap(pull, in_axes=in_axes)(*batched)
        for i in range(len(shapes)):
            want = np.stack([np.asarray(one(k, pull)[i]) for k in range(BATCH)])
            if i not in mapped:  # the cotangent of an unmapped argument, per example
                assert np.shape(got[i]) == (BATCH,) + np.shape(examples[0][i])
            np.testing.assert_allclose(np.asarray(got[i]), want, rtol=1e-12, atol=1e-12)
    assert set(looped) <= LOOPED, looped


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_trace_sweeps_match_jvp_and_vjp(case):
    """An evaluation trace of the case: its forward and reverse sweeps give jvp and vjp,
    and its tables render."""
    name, fn, shapes, domain = case
    rng = np.random.default_rng(RNG_SEED + 29 * len(name))
    args = _args(case, rng)
    tangents = [_random(s, rng) for s in shapes]
    t = adlab.trace(fn, *args)
    assert name in {row.prim.name for row in t.rows if row.prim is not None}
    _, jv = adlab.jvp(fn, tuple(args), tuple(tangents))
    sweep = t.forward(tangents)
    np.testing.assert_allclose(np.asarray(sweep[t.outputs[0]]), np.asarray(jv), rtol=1e-12,
                               atol=1e-13)
    u = _random(np.shape(jv), rng)
    adj = t.reverse(u)
    for c, e in zip(adj.gradient, adlab.vjp(fn, *args)[1](u)):
        np.testing.assert_allclose(np.asarray(c), np.asarray(e), rtol=1e-12, atol=1e-13)
    assert t.table("reverse").markdown().count("\n") >= len(t.rows)


def test_every_primitive_has_cases():
    covered = {c[0] for c in CASES} | RULE_CASES
    assert covered == set(adlab.PRIMITIVES), set(adlab.PRIMITIVES) ^ covered


def test_every_primitive_is_fully_declared():
    for name, prim in adlab.PRIMITIVES.items():
        assert prim.name == name
        assert prim.symbol and prim.text and prim.latex
        n = prim.arity if prim.arity is not None else 3
        assert prim.arity is None or len(prim.jvp) == len(prim.vjp) >= 1
        # templates take one slot per argument
        assert prim.render(prim.text, ["a"] * n)
        assert prim.render(prim.latex, ["a"] * n)
        assert not prim.partials or len(prim.partials) == prim.arity
        assert prim.batch is not None or name in ("diag", "solve"), f"{name} has no batching rule"


def test_stop_gradient_has_no_derivative_in_any_mode():
    f = lambda x: x * adlab.stop_gradient(x)  # noqa: E731 - d/dx = x, not 2x
    assert adlab.grad(f)(3.0) == 3.0
    assert adlab.jvp(f, (3.0,), (1.0,)) == (9.0, 3.0)
    np.testing.assert_array_equal(adlab.jacfwd(f)(np.array([1.0, 2.0])), np.diag([1.0, 2.0]))
    np.testing.assert_array_equal(adlab.jacrev(f)(np.array([1.0, 2.0])), np.diag([1.0, 2.0]))
    assert adlab.grad(adlab.grad(lambda x: adlab.stop_gradient(x) * x ** 2))(2.0) == 4.0
    x = adlab.tensor(3.0, requires_grad=True)
    y = adlab.stop_gradient(x)
    assert not y.requires_grad and y.item() == 3.0
    t = adlab.trace(f, 3.0)
    assert [r.prim.name for r in t.rows[1:]] == ["stop_gradient", "mul"]
    assert t.reverse().gradient == (3.0,)
    assert adlab.vmap(adlab.grad(f))(np.array([1.0, 2.0])).tolist() == [1.0, 2.0]


FLOAT = st.floats(min_value=-3.0, max_value=3.0, allow_nan=False)
UNARY = {
    "exp": (adlab.exp, math.exp, math.exp),
    "sin": (adlab.sin, math.sin, math.cos),
    "cos": (adlab.cos, math.cos, lambda x: -math.sin(x)),
    "tanh": (adlab.tanh, math.tanh, lambda x: 1 - math.tanh(x) ** 2),
    "sigmoid": (adlab.sigmoid, lambda x: 1 / (1 + math.exp(-x)),
                lambda x: math.exp(-x) / (1 + math.exp(-x)) ** 2),
    "sinh": (adlab.sinh, math.sinh, math.cosh),
    "cosh": (adlab.cosh, math.cosh, math.sinh),
    "arctan": (adlab.arctan, math.atan, lambda x: 1 / (1 + x * x)),
    "expm1": (adlab.expm1, math.expm1, math.exp),
    "square": (adlab.square, lambda x: x * x, lambda x: 2 * x),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@settings(max_examples=40, deadline=None)
@given(x=FLOAT)
def test_scalar_fast_path_against_closed_forms(name, x):
    fn, value, derivative = UNARY[name]
    assert adlab.grad(fn)(x) == pytest.approx(derivative(x), rel=1e-12, abs=1e-14)
    assert adlab.jvp(fn, (x,), (1.0,))[1] == pytest.approx(derivative(x), rel=1e-12, abs=1e-14)
    assert fn(x) == pytest.approx(value(x), rel=1e-12, abs=1e-15)


UNIT_FLOAT = st.floats(min_value=-0.95, max_value=0.95)
POS_FLOAT = st.floats(min_value=0.05, max_value=20.0)


@settings(max_examples=40, deadline=None)
@given(u=UNIT_FLOAT, p=POS_FLOAT)
def test_inverse_trig_and_logs_closed_forms(u, p):
    assert adlab.grad(adlab.arcsin)(u) == pytest.approx(1 / math.sqrt(1 - u * u), rel=1e-12)
    assert adlab.grad(adlab.arccos)(u) == pytest.approx(-1 / math.sqrt(1 - u * u), rel=1e-12)
    assert adlab.grad(adlab.log1p)(p) == pytest.approx(1 / (1 + p), rel=1e-12)
    assert adlab.grad(adlab.log2)(p) == pytest.approx(1 / (p * math.log(2)), rel=1e-12)
    assert adlab.grad(adlab.log10)(p) == pytest.approx(1 / (p * math.log(10)), rel=1e-12)
    gy, gx = adlab.grad(adlab.arctan2, argnums=(0, 1))(u, p)
    assert (gy, gx) == (pytest.approx(p / (u * u + p * p), rel=1e-12),
                        pytest.approx(-u / (u * u + p * p), rel=1e-12))
    gx, gy = adlab.grad(lambda a, b: a % b, argnums=(0, 1))(p, 0.7)
    assert (gx, gy) == (1.0, -math.floor(p / 0.7))


@settings(max_examples=40, deadline=None)
@given(x=st.floats(min_value=0.1, max_value=5.0), y=st.floats(min_value=-2.0, max_value=2.0))
def test_log_and_pow_closed_forms(x, y):
    gx, gy = adlab.grad(lambda a, b: a ** b, argnums=(0, 1))(x, y)
    assert gx == pytest.approx(y * x ** (y - 1), rel=1e-12)
    assert gy == pytest.approx(math.log(x) * x ** y, rel=1e-12, abs=1e-15)
    assert adlab.grad(adlab.log)(x) == pytest.approx(1 / x, rel=1e-14)


@st.composite
def broadcast_pair(draw):
    """Two shapes numpy broadcasts together: a base shape, each axis kept, set to 1 or dropped."""
    base = draw(st.lists(st.integers(1, 3), min_size=0, max_size=3))
    out = []
    for _ in range(2):
        shape = [d if draw(st.booleans()) else 1 for d in base]
        drop = draw(st.integers(0, len(shape)))
        out.append(tuple(shape[drop:]))
    return out


ELEMENTWISE = [("add", lambda x, y: x + y), ("mul", lambda x, y: x * y),
               ("truediv", lambda x, y: x / (1.5 + y * y)), ("maximum", adlab.maximum),
               ("minimum", adlab.minimum), ("arctan2", lambda x, y: adlab.arctan2(x, 2.0 + y * y)),
               ("where", lambda x, y: adlab.where(x > 0, x, y))]


@pytest.mark.parametrize("name, fn", ELEMENTWISE, ids=[n for n, _ in ELEMENTWISE])
@settings(max_examples=25, deadline=None)
@given(shapes=broadcast_pair(), seed=st.integers(0, 10 ** 6))
def test_random_broadcasting_shapes(name, fn, shapes, seed):
    """Random broadcast-compatible shapes: cotangents summed back to each argument's shape."""
    rng = np.random.default_rng(seed)
    args = [_point(s, AWAY0, rng) for s in shapes]
    ts = [_random(s, rng) for s in shapes]
    out, jv = adlab.jvp(fn, tuple(args), tuple(ts))
    np.testing.assert_allclose(np.asarray(jv), central_jvp(fn, args, ts), rtol=1e-6, atol=1e-7)
    u = _random(np.shape(out), rng)
    cts = adlab.vjp(fn, *args)[1](u)
    assert [np.shape(c) for c in cts] == [np.shape(a) for a in args]
    rhs = sum(float(np.sum(np.asarray(c) * np.asarray(t))) for c, t in zip(cts, ts))
    assert float(np.sum(u * np.asarray(jv))) == pytest.approx(rhs, rel=1e-10, abs=1e-10)


def test_scalar_and_array_paths_agree():
    """The Python-float fast path and numpy give the same numbers."""
    xs = [0.3, -1.7, 2.5]
    f = lambda x: adlab.sin(x) * adlab.exp(x) / (1.0 + x * x) + adlab.tanh(x) ** 2  # noqa: E731
    scalar = [adlab.grad(f)(x) for x in xs]
    vector = adlab.grad(lambda v: f(v).sum())(np.array(xs))
    np.testing.assert_allclose(scalar, vector, rtol=1e-14)
    assert all(type(s) is float for s in scalar)


def test_plain_values_in_plain_values_out():
    assert type(adlab.sin(1.0)) is float
    assert isinstance(adlab.sin(np.ones(3)), np.ndarray)
    assert type(adlab.grad(adlab.sin)(1.0)) is float


def test_numpy_ufuncs_on_tensors_dispatch_to_the_table():
    x = adlab.tensor([0.5, 1.0], requires_grad=True)
    y = np.sin(x) * np.ones(2) + np.arctan2(x, 2.0) + np.square(x)
    assert isinstance(y, adlab.Tensor)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.cos([0.5, 1.0]) + 2.0 / (4.0 + x.detach().numpy() ** 2)
                               + 2 * np.array([0.5, 1.0]))
    with pytest.raises(TypeError, match="numpy.cbrt cannot follow derivatives"):
        np.cbrt(x)  # no adlab primitive: an error, not a derivative of 0
    np.testing.assert_allclose(np.cbrt(adlab.tensor([8.0, 27.0])), [2.0, 3.0])  # no derivative lost
    assert np.floor(x).tolist() == [0.0, 1.0] and np.floor(x).requires_grad  # derivative 0


def test_outer_matches_numpy_and_restores_the_buffer_size():
    rng = np.random.default_rng(5)
    a, b = rng.standard_normal(300), rng.standard_normal(200)
    before = np.getbufsize()
    np.testing.assert_array_equal(adlab.outer(a, b), np.outer(a, b))
    np.testing.assert_array_equal(adlab.tensor(a).outer(b).numpy(), np.outer(a, b))
    np.testing.assert_array_equal(adlab.outer(np.arange(3), np.arange(2)), [[0, 0], [0, 1], [0, 2]])
    small = adlab.outer(a[:40], b[:30])  # small enough for numpy's own outer product
    assert small.shape == (40, 30) and small.dtype == np.float64
    np.testing.assert_array_equal(small, np.outer(a[:40], b[:30]))
    assert np.getbufsize() == before
    m = b.reshape(10, 20)
    np.testing.assert_array_equal(adlab.outer(a, m), np.outer(a, m))  # numpy flattens
    assert np.getbufsize() == before


NUMPY_RULES = [
    (np.dot, adlab.dot, [(3,), (3,)]), (np.dot, adlab.dot, [(2, 3), (3,)]),
    (np.dot, adlab.dot, [(3,), (3, 2)]), (np.dot, adlab.dot, [(2, 3), (3, 4)]),
    (np.dot, adlab.dot, [(), (3,)]), (np.dot, adlab.dot, [(2, 3, 4), (5, 4, 2)]),
    (np.dot, adlab.dot, [(2, 3, 4), (4,)]), (np.outer, adlab.outer, [(2, 2), (3,)]),
    (np.outer, adlab.outer, [(), (3,)]), (np.inner, adlab.inner, [(2, 3), (4, 3)]),
    (np.vdot, adlab.vdot, [(2, 3), (3, 2)]),
]


@pytest.mark.parametrize("np_fn, fn, shapes", NUMPY_RULES)
def test_dot_and_outer_follow_numpy(np_fn, fn, shapes):
    rng = np.random.default_rng(11)
    args = [_random(s, rng) for s in shapes]
    np.testing.assert_allclose(fn(*args), np_fn(*args), rtol=1e-13)
    ts = [_random(s, rng) for s in shapes]
    _, jv = adlab.jvp(fn, tuple(args), tuple(ts))
    np.testing.assert_allclose(jv, central_jvp(fn, args, ts), rtol=1e-6, atol=1e-7)
