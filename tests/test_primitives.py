"""Every primitive in the table, in both modes, against central differences.

For each case the forward-mode JVP is compared with central differences in
float64, and the two modes with each other through <u, J v> = <J^T u, v>.
A case list covers every entry of `adlab.PRIMITIVES`; adding a primitive
without a case fails `test_every_primitive_has_cases`.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import adlab
from adlab import primitives as P

from oracles import central_jvp

RNG_SEED = 20261122

# Each case: (primitive name, function of the arguments, list of argument
# shapes, domain of the arguments). Domains keep points away from poles and
# kinks, where central differences are not an oracle.
POS = "positive"
ANY = "any"
AWAY0 = "away from zero"
TANSAFE = "within (-1.2, 1.2)"

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
        ("relu", adlab.relu, [shape], AWAY0),
        ("sigmoid", adlab.sigmoid, [shape], ANY),
        ("norm", adlab.norm, [shape], AWAY0),
        ("pow", lambda x: x ** 3, [shape], ANY),
        ("pow", lambda x: x ** 0.5, [shape], POS),
        ("pow", lambda x: 2.0 ** x, [shape], ANY),
    ]
CASES += [
    ("sum", lambda x: x.sum(), [(2, 3)], ANY),
    ("sum", lambda x: x.sum(axis=0), [(2, 3)], ANY),
    ("sum", lambda x: x.sum(axis=(0, 2), keepdims=True), [(2, 3, 4)], ANY),
    ("sum", lambda x: adlab.sum(x, axis=-1), [(2, 3)], ANY),
    ("mean", lambda x: x.mean(), [(2, 3)], ANY),
    ("mean", lambda x: x.mean(axis=1), [(2, 3)], ANY),
    ("mean", lambda x: x.mean(axis=0, keepdims=True), [(4, 3)], ANY),
    ("dot", adlab.dot, [(4,), (4,)], ANY),
    ("outer", adlab.outer, [(3,), (4,)], ANY),
    ("outer", adlab.outer, [(1,), (2,)], ANY),
    ("matmul", lambda a, b: a @ b, [(2, 3), (3, 4)], ANY),
    ("matmul", lambda a, b: a @ b, [(3,), (3, 4)], ANY),
    ("matmul", lambda a, b: a @ b, [(2, 3), (3,)], ANY),
    ("matmul", lambda a, b: a @ b, [(3,), (3,)], ANY),
    ("matmul", lambda a, b: a @ b, [(5, 2, 3), (3, 4)], ANY),
    ("matmul", lambda a, b: a @ b, [(2, 3), (5, 3, 4)], ANY),
    ("matmul", lambda a, b: a @ b, [(5, 2, 3), (3,)], ANY),
    ("matmul", lambda a, b: a @ b, [(3,), (5, 3, 4)], ANY),
    ("reshape", lambda x: x.reshape(3, 2), [(2, 3)], ANY),
    ("reshape", lambda x: x.reshape(-1), [(2, 3)], ANY),
    ("transpose", lambda x: x.T, [(2, 3)], ANY),
    ("transpose", lambda x: x.transpose(1, 2, 0), [(2, 3, 4)], ANY),
    ("getitem", lambda x: x[1], [(3,)], ANY),
    ("getitem", lambda x: x[1:, ::2], [(3, 4)], ANY),
    ("getitem", lambda x: x[np.array([0, 2, 0, 0])], [(3,)], ANY),
    ("getitem", lambda x: x[:, 1], [(2, 3)], ANY),
    ("index_add", lambda g: P.index_add(g, (np.array([0, 2, 0]),), (4,)), [(3,)], ANY),
    ("broadcast_to", lambda x: adlab.broadcast_to(x, (2, 3)), [(3,)], ANY),
    ("broadcast_to", lambda x: adlab.broadcast_to(x, (4, 2, 3)), [(2, 1)], ANY),
]


def _point(shape, domain, rng):
    v = rng.standard_normal(shape) if shape else float(rng.standard_normal())
    if domain == POS:
        v = np.abs(v) + 0.5 if shape else abs(v) + 0.5
    elif domain == AWAY0:
        v = np.sign(v) * (np.abs(v) + 0.3) if shape else math.copysign(abs(v) + 0.3, v)
    elif domain == TANSAFE:
        v = np.tanh(v) * 1.2 if shape else math.tanh(v) * 1.2
    return v


def _random(shape, rng):
    return rng.standard_normal(shape) if shape else float(rng.standard_normal())


def _case_id(case):
    name, _, shapes, _ = case
    return f"{name}-" + "-".join("x".join(map(str, s)) or "scalar" for s in shapes)


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) + f"-{i}" for i, c in enumerate(CASES)])
def test_jvp_matches_central_differences(case):
    name, fn, shapes, domain = case
    rng = np.random.default_rng(RNG_SEED + len(name))
    args = [_point(s, domain, rng) for s in shapes]
    tangents = [_random(s, rng) for s in shapes]
    out, tangent_out = adlab.jvp(fn, tuple(args), tuple(tangents))
    np.testing.assert_allclose(np.asarray(out), np.asarray(fn(*args)), rtol=1e-12)
    expected = central_jvp(fn, args, tangents)
    np.testing.assert_allclose(np.asarray(tangent_out), expected, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) + f"-{i}" for i, c in enumerate(CASES)])
def test_vjp_agrees_with_jvp(case):
    """<u, J v> from forward mode equals <J^T u, v> from reverse mode."""
    name, fn, shapes, domain = case
    rng = np.random.default_rng(RNG_SEED + 7 * len(name))
    args = [_point(s, domain, rng) for s in shapes]
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


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) + f"-{i}" for i, c in enumerate(CASES)])
def test_eager_backward_matches_vjp(case):
    """The PyTorch-style path gives the same cotangents as the functional one."""
    name, fn, shapes, domain = case
    rng = np.random.default_rng(RNG_SEED + 13 * len(name))
    args = [_point(s, domain, rng) for s in shapes]
    out, vjp_fn = adlab.vjp(fn, *args)
    u = _random(np.shape(out), rng)
    expected = vjp_fn(u)
    tensors = [adlab.tensor(a, requires_grad=True) for a in args]
    y = fn(*tensors)
    y.backward(gradient=u)
    for t, e in zip(tensors, expected):
        np.testing.assert_allclose(np.asarray(t.grad.numpy()), np.asarray(e), rtol=1e-12, atol=1e-14)


def test_every_primitive_has_cases():
    covered = {c[0] for c in CASES}
    assert covered == set(adlab.PRIMITIVES), set(adlab.PRIMITIVES) ^ covered


def test_every_primitive_is_fully_declared():
    for name, prim in adlab.PRIMITIVES.items():
        assert prim.name == name
        assert prim.symbol and prim.text and prim.latex
        assert len(prim.jvp) == len(prim.vjp) >= 1
        # templates take one slot per argument
        assert prim.text.format(*["a"] * prim.arity)
        assert prim.latex.format(*["a"] * prim.arity)


FLOAT = st.floats(min_value=-3.0, max_value=3.0, allow_nan=False)
UNARY = {
    "exp": (adlab.exp, math.exp, math.exp),
    "sin": (adlab.sin, math.sin, math.cos),
    "cos": (adlab.cos, math.cos, lambda x: -math.sin(x)),
    "tanh": (adlab.tanh, math.tanh, lambda x: 1 - math.tanh(x) ** 2),
    "sigmoid": (adlab.sigmoid, lambda x: 1 / (1 + math.exp(-x)),
                lambda x: math.exp(-x) / (1 + math.exp(-x)) ** 2),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@settings(max_examples=40, deadline=None)
@given(x=FLOAT)
def test_scalar_fast_path_against_closed_forms(name, x):
    fn, value, derivative = UNARY[name]
    assert adlab.grad(fn)(x) == pytest.approx(derivative(x), rel=1e-12, abs=1e-14)
    assert adlab.jvp(fn, (x,), (1.0,))[1] == pytest.approx(derivative(x), rel=1e-12, abs=1e-14)
    assert fn(x) == pytest.approx(value(x), rel=1e-12, abs=1e-15)


@settings(max_examples=40, deadline=None)
@given(x=st.floats(min_value=0.1, max_value=5.0), y=st.floats(min_value=-2.0, max_value=2.0))
def test_log_and_pow_closed_forms(x, y):
    gx, gy = adlab.grad(lambda a, b: a ** b, argnums=(0, 1))(x, y)
    assert gx == pytest.approx(y * x ** (y - 1), rel=1e-12)
    assert gy == pytest.approx(math.log(x) * x ** y, rel=1e-12, abs=1e-15)
    assert adlab.grad(adlab.log)(x) == pytest.approx(1 / x, rel=1e-14)


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
    y = np.sin(x) * np.ones(2)
    assert isinstance(y, adlab.Tensor)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.cos([0.5, 1.0]))
    with pytest.raises(TypeError, match="floor"):
        np.floor(x)


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
    with pytest.raises(ValueError, match="outer"):
        adlab.outer(a, b.reshape(10, 20))
    assert np.getbufsize() == before
