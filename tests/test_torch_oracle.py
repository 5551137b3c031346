"""adlab's derivatives against PyTorch's, in float64: PyTorch is the oracle.

Why PyTorch: its derivative formulas (ATen's tools/autograd/derivatives.yaml)
are written and tested independently of adlab, by another team, for another
code base, so agreement is evidence and not a restatement of adlab's own
rules; in float64 both compute the same formulas up to rounding, so the
comparisons here hold to rtol 1e-10, where central differences (the oracle
of tests/test_primitives.py) only reach about 1e-6; and at the points where a
function has no derivative (ties, kinks, zeros of sqrt, norm, std, atan2 and
pow) PyTorch's choice is the convention adlab promises to follow, so the
expected value there is whatever PyTorch computes, not a number copied here.

What is checked, each against torch.autograd on float64 tensors:

1. every entry of `adlab.PRIMITIVES` (a case table; a primitive without a
   case fails `test_every_primitive_has_a_torch_case`): the value, the
   vector-Jacobian product with one random cotangent by `adlab.vjp` and by
   eager tensors (``backward(gradient=...)``), and the Hessian-vector product
   of <f, u> by grad of grad, by jvp of grad and by eager double backward
   (``adlab.autograd.grad(..., create_graph=True)``), against
   ``torch.autograd.grad(..., create_graph=True)``; the same cases with
   float32 inputs keep float32 in the values and in ``.grad``, as PyTorch;
2. the points where adlab follows PyTorch's conventions (ties, bounds, zeros);
3. random straight-line programs mixing many primitives, with values used
   more than once, written once against a module ``m`` that is either adlab
   or torch (adlab takes PyTorch's names): gradients by eager tensors and
   `adlab.grad`, Jacobians by `adlab.jacrev` and `adlab.jacfwd`, and
   Hessian-vector products.

Random points come from numpy's default_rng with fixed seeds, away from kinks,
poles and jumps except in part 2, where the kinks are the point.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

torch = pytest.importorskip(
    "torch",
    reason="PyTorch is not installed: make test installs its CPU wheel where the machine has it")

import adlab  # noqa: E402
from adlab import primitives as P  # noqa: E402
from oracles import (ABOVE1, ANY, AWAY0, CLIPSAFE, POS, STEPSAFE, STEPSAFE_1,  # noqa: E402
                     TANSAFE, UNIT, WELL, point)

# torch.func.jvp loads torch's forward-mode decompositions, which call torch.jit.script (deprecated)
pytestmark = pytest.mark.filterwarnings(
    "ignore:`torch.jit.script` is deprecated:DeprecationWarning")

F64 = torch.float64
RTOL, ATOL = 1e-10, 1e-12
SEED = 20261202


# -- helpers ---------------------------------------------------------------------------------


def _t(v, dtype=F64, requires_grad=False):
    """A torch tensor of v's values (a 0-d tensor for a number)."""
    return torch.tensor(np.asarray(v), dtype=dtype, requires_grad=requires_grad)


def _np(v):
    """Plain numpy values of an adlab result, a torch tensor or a number."""
    if isinstance(v, torch.Tensor):
        return v.detach().numpy(force=True)  # force: torch's ZeroTensor (a known-zero gradient)
    if isinstance(v, adlab.Tensor):
        return v.detach().numpy()
    return np.asarray(v)


def _close(got, want, rtol=RTOL, atol=ATOL, what=""):
    got, want = _np(got), _np(want)
    assert got.shape == want.shape, f"{what}: shape {got.shape}, torch {want.shape}"
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, err_msg=what)


def torch_vjp(fn, args, u, dtype=F64):
    """(fn(*args), u^T J) by torch.autograd."""
    xs = [_t(a, dtype, requires_grad=True) for a in args]
    out = fn(*xs)
    grads = torch.autograd.grad(out, xs, grad_outputs=_t(u, out.dtype), allow_unused=True,
                                materialize_grads=True)
    return out, grads


def torch_hvp(fn, args, u, vs):
    """The gradient of <grad <fn, u>, v>: H v for the scalar <fn(x), u>, by double backward."""
    xs = [_t(a, requires_grad=True) for a in args]
    s = (fn(*xs) * _t(u)).sum()
    gs = torch.autograd.grad(s, xs, create_graph=True, allow_unused=True, materialize_grads=True)
    h = sum((g * _t(v)).sum() for g, v in zip(gs, vs))
    if not h.requires_grad:  # <f, u> is linear: its gradient is a constant
        return tuple(torch.zeros_like(x) for x in xs)
    return torch.autograd.grad(h, xs, allow_unused=True, materialize_grads=True)


def adlab_hvps(fn, args, u, vs):
    """H v of <fn(x), u> by adlab three ways: reverse over reverse and forward over reverse
    with the transforms, and eager double backward (``adlab.autograd.grad`` with
    ``create_graph=True``, written as `torch_hvp` is)."""
    every = tuple(range(len(args)))
    grad_s = adlab.grad(lambda *xs: adlab.sum(fn(*xs) * u), argnums=every)
    by_rev = adlab.grad(lambda *xs: sum(adlab.sum(g * v) for g, v in zip(grad_s(*xs), vs)),
                        argnums=every)(*args)
    by_fwd = adlab.jvp(grad_s, tuple(args), tuple(vs))[1]
    return by_rev, by_fwd, _eager_hvp(fn, args, u, vs)


def _eager_hvp(fn, args, u, vs):
    xs = [adlab.tensor(a, requires_grad=True) for a in args]
    s = adlab.sum(fn(*xs) * u)
    gs = adlab.autograd.grad(s, xs, create_graph=True, allow_unused=True)
    h = sum(adlab.sum(g * v) for g, v in zip(gs, vs) if g is not None)
    if not isinstance(h, adlab.Tensor) or not h.requires_grad:  # <f, u> is linear
        return tuple(np.zeros(np.shape(a)) for a in args)
    hv = adlab.autograd.grad(h, xs, allow_unused=True)
    return tuple(np.zeros(np.shape(a)) if g is None else g for g, a in zip(hv, args))


HVP_ROUTES = ("grad of grad", "jvp of grad", "eager autograd.grad, create_graph=True")


# -- points (tests/oracles.py: away from poles, kinks and jumps) ------------------------------

_point = point


def _random(shape, rng):
    v = rng.standard_normal(shape)
    return float(v) if shape == () else v


# -- the case table: each primitive, written in adlab and in torch ------------------------------


@dataclass(frozen=True)
class Case:
    name: str          # the primitive of adlab.PRIMITIVES it exercises
    ad: object         # the function in adlab
    th: object         # the same function in torch
    shapes: tuple      # one shape per argument
    domain: object = ANY  # one domain for all arguments, or a tuple of one per argument

    @property
    def id(self):
        return f"{self.name}-" + "-".join("x".join(map(str, s)) or "scalar" for s in self.shapes)

    def args(self, rng):
        domains = self.domain if isinstance(self.domain, tuple) else \
            (self.domain,) * len(self.shapes)
        return [_point(s, d, rng) for s, d in zip(self.shapes, domains)]


def _idx(*values):
    return np.array(values), torch.tensor(values)


I_0200, TI_0200 = _idx(0, 2, 0, 0)
I_01, TI_01 = _idx(0, 1)
I_10, TI_10 = _idx(1, 0)
I_020, TI_020 = _idx(0, 2, 0)
TREPS = torch.tensor([1, 2, 0])

CASES = []
for shapes in [((), ()), ((3,), (3,)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((), (2, 3))]:
    CASES += [
        Case("add", lambda x, y: x + y, lambda x, y: x + y, shapes),
        Case("sub", lambda x, y: x - y, lambda x, y: x - y, shapes),
        Case("mul", lambda x, y: x * y, lambda x, y: x * y, shapes),
        Case("truediv", lambda x, y: x / y, lambda x, y: x / y, shapes, AWAY0),
        Case("pow", lambda x, y: x ** y, lambda x, y: x ** y, shapes, POS),
        Case("maximum", adlab.maximum, torch.maximum, shapes),
        Case("minimum", adlab.minimum, torch.minimum, shapes),
        Case("arctan2", adlab.arctan2, torch.atan2, shapes, AWAY0),
        Case("mod", lambda x, y: x % y, torch.remainder, shapes, (ANY, AWAY0)),
        Case("hypot", adlab.hypot, torch.hypot, shapes, AWAY0),
        Case("where", lambda x, y: adlab.where(x > 0, x, y), lambda x, y: torch.where(x > 0, x, y),
             shapes, AWAY0),
    ]
for shape in [(), (3,), (2, 3)]:
    s = (shape,)
    CASES += [
        Case("neg", lambda x: -x, lambda x: -x, s),
        Case("exp", adlab.exp, torch.exp, s),
        Case("log", adlab.log, torch.log, s, POS),
        Case("sin", adlab.sin, torch.sin, s),
        Case("cos", adlab.cos, torch.cos, s),
        Case("tan", adlab.tan, torch.tan, s, TANSAFE),
        Case("tanh", adlab.tanh, torch.tanh, s),
        Case("sqrt", adlab.sqrt, torch.sqrt, s, POS),
        Case("abs", adlab.abs, torch.abs, s, AWAY0),
        Case("sign", lambda x: adlab.sign(x) * x, lambda x: torch.sign(x) * x, s, AWAY0),
        Case("square", adlab.square, torch.square, s),
        Case("log1p", adlab.log1p, torch.log1p, s, POS),
        Case("expm1", adlab.expm1, torch.expm1, s),
        Case("log2", adlab.log2, torch.log2, s, POS),
        Case("log10", adlab.log10, torch.log10, s, POS),
        Case("sinh", adlab.sinh, torch.sinh, s),
        Case("cosh", adlab.cosh, torch.cosh, s),
        Case("arcsin", adlab.arcsin, torch.asin, s, UNIT),
        Case("arccos", adlab.arccos, torch.acos, s, UNIT),
        Case("arctan", adlab.arctan, torch.atan, s),
        Case("arcsinh", adlab.arcsinh, torch.asinh, s),
        Case("arccosh", adlab.arccosh, torch.acosh, s, ABOVE1),
        Case("arctanh", adlab.arctanh, torch.atanh, s, UNIT),
        Case("exp2", adlab.exp2, torch.exp2, s),
        Case("relu", adlab.relu, torch.relu, s, AWAY0),
        Case("sigmoid", adlab.sigmoid, torch.sigmoid, s),
        Case("clip", lambda x: adlab.clip(x, -0.5, 0.5), lambda x: torch.clamp(x, -0.5, 0.5), s,
             CLIPSAFE),
        Case("clip", lambda x: adlab.clamp(x, min=0.5), lambda x: torch.clamp(x, min=0.5), s,
             CLIPSAFE),
        Case("copy", adlab.copy, torch.clone, s),
        Case("astype", lambda x: adlab.astype(adlab.astype(x, np.float32), np.float64),
             lambda x: x.to(torch.float32).to(F64), s),
        Case("stop_gradient", lambda x: adlab.stop_gradient(x) * x, lambda x: x.detach() * x, s),
        Case("norm", adlab.norm, torch.linalg.vector_norm, s, AWAY0),
        Case("pow", lambda x: x ** 3, lambda x: x ** 3, s),
        Case("pow", lambda x: x ** 0.5, lambda x: x ** 0.5, s, POS),
        Case("pow", lambda x: 2.0 ** x, lambda x: 2.0 ** x, s),
    ]
    # the step functions (derivative 0), where this version of adlab has them
    for name, th in [("floor", torch.floor), ("ceil", torch.ceil), ("round", torch.round)]:
        if name in adlab.PRIMITIVES:
            ad = getattr(adlab, name)
            CASES.append(Case(name, lambda x, ad=ad: ad(x) * x, lambda x, th=th: th(x) * x, s,
                              STEPSAFE))
if "round" in adlab.PRIMITIVES:
    CASES.append(Case("round", lambda x: adlab.round(x, 1) * x,
                      lambda x: torch.round(x, decimals=1) * x, ((2, 3),), STEPSAFE_1))
CASES += [
    Case("clip", adlab.clip, torch.clamp, ((4,), (4,), (4,)), CLIPSAFE),
    Case("sum", lambda x: x.sum(), lambda x: x.sum(), ((2, 3),)),
    Case("sum", lambda x: x.sum(axis=0), lambda x: x.sum(0), ((2, 3),)),
    Case("sum", lambda x: x.sum(axis=(0, 2), keepdims=True),
         lambda x: x.sum(dim=(0, 2), keepdim=True), ((2, 3, 4),)),
    Case("sum", lambda x: adlab.sum(x, dim=-1, keepdim=True),
         lambda x: torch.sum(x, dim=-1, keepdim=True), ((2, 3),)),
    Case("mean", lambda x: x.mean(), lambda x: x.mean(), ((2, 3),)),
    Case("mean", lambda x: x.mean(axis=1), lambda x: x.mean(1), ((2, 3),)),
    Case("mean", lambda x: adlab.mean(x, axis=0, keepdims=True),
         lambda x: x.mean(0, keepdim=True), ((4, 3),)),
    Case("prod", lambda x: x.prod(), lambda x: x.prod(), ((2, 3),)),
    Case("prod", lambda x: x.prod(axis=1), lambda x: x.prod(1), ((2, 3),)),
    Case("prod", lambda x: adlab.prod(x, axis=(0, 2), keepdims=True),
         lambda x: x.prod(2, keepdim=True).prod(0, keepdim=True), ((2, 3, 2),)),
    Case("prod", adlab.prod, torch.prod, ((),)),
    Case("max", lambda x: x.max(), torch.amax, ((2, 3),)),
    Case("max", lambda x: adlab.max(x), torch.max, ((2, 3),)),
    Case("max", lambda x: x.max(axis=0), lambda x: torch.amax(x, 0), ((2, 3),)),
    Case("max", lambda x: adlab.amax(x, dim=1, keepdim=True),
         lambda x: torch.amax(x, dim=1, keepdim=True), ((3, 4),)),
    Case("min", lambda x: x.min(), torch.amin, ((2, 3),)),
    Case("min", lambda x: adlab.min(x, axis=1), lambda x: torch.amin(x, 1), ((2, 3),)),
    Case("where", lambda x: adlab.max(x, dim=1)[0], lambda x: torch.max(x, dim=1).values,
         ((2, 3),)),
    Case("where", lambda x: adlab.min(x, dim=0, keepdim=True).values,
         lambda x: torch.min(x, dim=0, keepdim=True).values, ((2, 3),)),
    Case("var", lambda x: x.var(), lambda x: torch.var(x, correction=0), ((2, 3),)),
    Case("var", lambda x: x.var(axis=0, ddof=1), lambda x: torch.var(x, 0, correction=1),
         ((4, 3),)),
    Case("var", lambda x: adlab.var(x, dim=1, correction=1, keepdim=True),
         lambda x: torch.var(x, dim=1, correction=1, keepdim=True), ((2, 5),)),
    Case("std", lambda x: x.std(), lambda x: torch.std(x, correction=0), ((2, 3),)),
    Case("std", lambda x: x.std(axis=1, ddof=1), lambda x: torch.std(x, 1, correction=1),
         ((3, 4),)),
    Case("std", lambda x: adlab.std(x, dim=0, unbiased=True), lambda x: torch.std(x, dim=0),
         ((3, 2),)),
    Case("logsumexp", adlab.logsumexp, lambda x: torch.logsumexp(x, dim=(0, 1)), ((2, 3),)),
    Case("logsumexp", lambda x: adlab.logsumexp(x, axis=1, keepdims=True),
         lambda x: torch.logsumexp(x, 1, keepdim=True), ((2, 3),)),
    Case("logsumexp", lambda x: adlab.logsumexp(x * 100.0, axis=0),
         lambda x: torch.logsumexp(x * 100.0, 0), ((3, 2),)),
    Case("norm", lambda x: adlab.norm(x, axis=1), lambda x: torch.linalg.vector_norm(x, dim=1),
         ((2, 3),), AWAY0),
    Case("softmax", adlab.softmax, lambda x: torch.softmax(x, -1), ((2, 3),)),
    Case("softmax", lambda x: adlab.softmax(x, axis=0), lambda x: torch.softmax(x, 0), ((2, 3),)),
    Case("softmax", lambda x: adlab.softmax(x * 50.0, dim=1), lambda x: torch.softmax(x * 50.0, 1),
         ((2, 3),)),
    Case("log_softmax", adlab.log_softmax, lambda x: torch.log_softmax(x, -1), ((2, 3),)),
    Case("log_softmax", lambda x: adlab.log_softmax(x, axis=0), lambda x: torch.log_softmax(x, 0),
         ((3,),)),
    Case("cumsum", adlab.cumsum, lambda x: torch.cumsum(x.flatten(), 0), ((2, 3),)),
    Case("cumsum", lambda x: adlab.cumsum(x, axis=1), lambda x: torch.cumsum(x, 1), ((2, 3),)),
    Case("cumsum", lambda x: adlab.cumsum(x, dim=0), lambda x: torch.cumsum(x, dim=0), ((3, 2),)),
    Case("dot", adlab.dot, torch.dot, ((4,), (4,))),
    Case("dot", adlab.vdot, lambda a, b: torch.dot(a.flatten(), b.flatten()), ((2, 2), (4,))),
    Case("outer", adlab.outer, torch.outer, ((3,), (4,))),
    Case("outer", adlab.outer, torch.outer, ((1,), (2,))),
    Case("outer", adlab.outer, lambda a, b: torch.outer(a.flatten(), b), ((2, 2), (3,))),
    Case("matmul", lambda a, b: a @ b, lambda a, b: a @ b, ((2, 3), (3, 4))),
    Case("matmul", lambda a, b: a @ b, lambda a, b: a @ b, ((3,), (3, 4))),
    Case("matmul", lambda a, b: a @ b, lambda a, b: a @ b, ((2, 3), (3,))),
    Case("matmul", lambda a, b: a @ b, lambda a, b: a @ b, ((3,), (3,))),
    Case("matmul", adlab.matmul, torch.matmul, ((5, 2, 3), (3, 4))),
    Case("matmul", adlab.matmul, torch.matmul, ((2, 3), (5, 3, 4))),
    Case("matmul", adlab.matmul, torch.matmul, ((5, 2, 3), (3,))),
    Case("matmul", adlab.matmul, torch.matmul, ((3,), (5, 3, 4))),
    Case("matmul", adlab.matmul, torch.matmul, ((2, 1, 2, 3), (4, 3, 2))),
    Case("matmul", adlab.dot, torch.matmul, ((3,), (3, 2))),
    Case("matmul", adlab.mm, torch.mm, ((2, 3), (3, 2))),
    Case("inv", adlab.inv, torch.linalg.inv, ((3, 3),), WELL),
    Case("solve", adlab.solve, torch.linalg.solve, ((3, 3), (3,)), (WELL, ANY)),
    Case("solve", adlab.solve, torch.linalg.solve, ((3, 3), (3, 2)), (WELL, ANY)),
    Case("det", adlab.det, torch.linalg.det, ((3, 3),), WELL),
    Case("tensordot", lambda a, b: adlab.tensordot(a, b, axes=1),
         lambda a, b: torch.tensordot(a, b, dims=1), ((3, 4), (4, 2))),
    Case("tensordot", lambda a, b: adlab.tensordot(a, b, axes=([1, 0], [0, 1])),
         lambda a, b: torch.tensordot(a, b, dims=([1, 0], [0, 1])), ((3, 4), (4, 3))),
    Case("tensordot", lambda a, b: adlab.tensordot(a, b, axes=0),
         lambda a, b: torch.tensordot(a, b, dims=0), ((2,), (3,))),
    Case("tensordot", adlab.dot, lambda a, b: torch.tensordot(a, b, dims=([2], [1])),
         ((2, 3, 4), (5, 4, 2))),
    Case("tensordot", adlab.inner, lambda a, b: torch.tensordot(a, b, dims=([1], [1])),
         ((2, 3), (4, 3))),
    Case("einsum", lambda a, b: adlab.einsum("ij,jk->ik", a, b),
         lambda a, b: torch.einsum("ij,jk->ik", a, b), ((2, 3), (3, 4))),
    Case("einsum", lambda a: adlab.einsum("ii->", a), lambda a: torch.einsum("ii->", a), ((3, 3),)),
    Case("einsum", lambda a: adlab.einsum("ii->i", a), lambda a: torch.einsum("ii->i", a),
         ((3, 3),)),
    Case("einsum", lambda a: adlab.einsum("ij->", a), lambda a: torch.einsum("ij->", a), ((2, 3),)),
    Case("einsum", lambda a: adlab.einsum("ij", a), lambda a: torch.einsum("ij", a), ((2, 3),)),
    Case("einsum", lambda a: adlab.einsum("ji", a), lambda a: torch.einsum("ji", a), ((2, 3),)),
    Case("einsum", lambda a, b: adlab.einsum("i,i", a, b), lambda a, b: torch.einsum("i,i", a, b),
         ((3,), (3,))),
    Case("einsum", lambda a, b: adlab.einsum("bij,bjk->bik", a, b),
         lambda a, b: torch.einsum("bij,bjk->bik", a, b), ((2, 2, 3), (2, 3, 2))),
    Case("einsum", lambda a, b: adlab.einsum("...ij,jk->...ik", a, b),
         lambda a, b: torch.einsum("...ij,jk->...ik", a, b), ((2, 2, 3), (3, 2))),
    Case("einsum", lambda a, b, c: adlab.einsum("i,ij,j->", a, b, c),
         lambda a, b, c: torch.einsum("i,ij,j->", a, b, c), ((2,), (2, 3), (3,))),
    Case("einsum", lambda a, b: adlab.einsum("ij,ij->i", a, b),
         lambda a, b: torch.einsum("ij,ij->i", a, b), ((2, 3), (2, 3))),
    Case("reshape", lambda x: x.reshape(3, 2), lambda x: x.reshape(3, 2), ((2, 3),)),
    Case("reshape", lambda x: adlab.reshape(x, -1), lambda x: torch.reshape(x, (-1,)), ((2, 3),)),
    Case("squeeze", lambda x: x.squeeze(), lambda x: x.squeeze(), ((2, 1, 3),)),
    Case("squeeze", lambda x: adlab.squeeze(x, dim=0), lambda x: torch.squeeze(x, 0), ((1, 3),)),
    Case("expand_dims", lambda x: adlab.unsqueeze(x, 1), lambda x: torch.unsqueeze(x, 1),
         ((2, 3),)),
    Case("expand_dims", lambda x: adlab.expand_dims(x, (0, -1)),
         lambda x: x.unsqueeze(0).unsqueeze(-1), ((3,),)),
    Case("flatten", adlab.flatten, torch.flatten, ((2, 3),)),
    Case("flatten", lambda x: adlab.flatten(x, 1), lambda x: torch.flatten(x, 1), ((2, 3, 2),)),
    Case("flatten", adlab.ravel, torch.ravel, ((3, 2),)),
    Case("transpose", lambda x: x.T, lambda x: x.T, ((2, 3),)),
    Case("transpose", lambda x: x.transpose(1, 2, 0), lambda x: x.permute(1, 2, 0), ((2, 3, 4),)),
    Case("transpose", lambda x: adlab.swapaxes(x, 0, 2), lambda x: torch.swapaxes(x, 0, 2),
         ((2, 3, 4),)),
    Case("transpose", lambda x: adlab.moveaxis(x, 0, -1), lambda x: torch.movedim(x, 0, -1),
         ((2, 3, 4),)),
    Case("getitem", lambda x: x[1], lambda x: x[1], ((3,),)),
    Case("getitem", lambda x: x[1:, ::2], lambda x: x[1:, ::2], ((3, 4),)),
    Case("getitem", lambda x: x[I_0200], lambda x: x[TI_0200], ((3,),)),
    Case("getitem", lambda x: x[:, 1], lambda x: x[:, 1], ((2, 3),)),
    Case("getitem", lambda x: P.getitem(x, None), lambda x: x[None], ((),)),
    Case("getitem", lambda x: x[..., None, 0], lambda x: x[..., None, 0], ((2, 3),)),
    Case("getitem", lambda x: x[I_01, :, I_10], lambda x: x[TI_01, :, TI_10], ((2, 2, 3),)),
    Case("getitem", lambda x: x[[2, 2, 0], 1:], lambda x: x[[2, 2, 0], 1:], ((3, 3),)),
    Case("index_add", lambda g: P.index_add(g, (I_020,), (4,)),
         lambda g: torch.zeros(4, dtype=g.dtype).index_add(0, TI_020, g), ((3,),)),
    Case("take", lambda x: P.take_at(x, I_020, 0), lambda x: torch.index_select(x, 0, TI_020),
         ((3,),)),
    Case("take", lambda x: P.take_at(x, I_020, 1), lambda x: torch.index_select(x, 1, TI_020),
         ((2, 3),)),
    Case("put_add", lambda g: P.put_add(g, I_020, 0, 4),
         lambda g: torch.zeros(4, dtype=g.dtype).index_add(0, TI_020, g), ((3,),)),
    Case("put_add", lambda g: P.put_add(g, I_020, 1, 4),
         lambda g: torch.zeros(2, 4, dtype=g.dtype).index_add(1, TI_020, g), ((2, 3),)),
    Case("broadcast_to", lambda x: adlab.broadcast_to(x, (2, 3)),
         lambda x: torch.broadcast_to(x, (2, 3)), ((3,),)),
    Case("broadcast_to", lambda x: adlab.broadcast_to(x, (4, 2, 3)),
         lambda x: torch.broadcast_to(x, (4, 2, 3)), ((2, 1),)),
    Case("broadcast_to", lambda x: adlab.broadcast_to(x, (2, 2, 3)),
         lambda x: torch.broadcast_to(x, (2, 2, 3)), ((3,),)),
    Case("concatenate", lambda a, b: adlab.concatenate([a, b]), lambda a, b: torch.cat([a, b]),
         ((2, 3), (4, 3))),
    Case("concatenate", lambda a, b, c: adlab.cat([a, b, c], dim=1),
         lambda a, b, c: torch.cat([a, b, c], dim=1), ((2, 1), (2, 3), (2, 2))),
    Case("concatenate", lambda a, b: adlab.concatenate([a, b], axis=None),
         lambda a, b: torch.cat([a.flatten(), b]), ((2, 2), (3,))),
    Case("stack", lambda a, b: adlab.stack([a, b]), lambda a, b: torch.stack([a, b]), ((3,), (3,))),
    Case("stack", lambda a, b, c: adlab.stack([a, b, c], axis=-1),
         lambda a, b, c: torch.stack([a, b, c], dim=-1), ((2, 2), (2, 2), (2, 2))),
    Case("repeat", lambda x: adlab.repeat(x, 2, axis=1),
         lambda x: torch.repeat_interleave(x, 2, dim=1), ((2, 3),)),
    Case("repeat", lambda x: adlab.repeat(x, [1, 2, 0], axis=1),
         lambda x: torch.repeat_interleave(x, TREPS, dim=1), ((2, 3),)),
    Case("repeat", lambda x: adlab.repeat(x, 3), lambda x: torch.repeat_interleave(x, 3), ((2,),)),
    Case("repeat", lambda x: adlab.repeat_interleave(x, 2), lambda x: torch.repeat_interleave(x, 2),
         ((2, 2),)),
    Case("tile", lambda x: adlab.tile(x, (2, 1, 2)), lambda x: torch.tile(x, (2, 1, 2)), ((2, 3),)),
    Case("tile", lambda x: adlab.tile(x, 3), lambda x: torch.tile(x, (3,)), ((3,),)),
    Case("tile", lambda x: adlab.tile(x, (2,)), lambda x: torch.tile(x, (2,)), ((2, 3),)),
    Case("roll", lambda x: adlab.roll(x, 2), lambda x: torch.roll(x, 2), ((5,),)),
    Case("roll", lambda x: adlab.roll(x, (1, -1), axis=(0, 1)),
         lambda x: torch.roll(x, (1, -1), (0, 1)), ((2, 3),)),
    Case("roll", lambda x: adlab.roll(x, 1), lambda x: torch.roll(x, 1), ((2, 3),)),
    Case("roll", lambda x: adlab.roll(x, -4, dims=1), lambda x: torch.roll(x, -4, dims=1),
         ((2, 3),)),
    Case("trace", adlab.trace, torch.trace, ((3, 3),)),
    Case("trace", lambda x: adlab.trace(x, offset=1), lambda x: torch.diagonal(x, 1).sum(),
         ((3, 4),)),
    Case("trace", lambda x: adlab.trace(x, axis1=1, axis2=2),
         lambda x: torch.diagonal(x, 0, 1, 2).sum(-1), ((2, 3, 3),)),
    Case("trace", lambda x: adlab.trace(x, offset=-1), lambda x: torch.diagonal(x, -1).sum(),
         ((4, 3),)),
    Case("diag", adlab.diag, torch.diag, ((3,),)),
    Case("diag", lambda x: adlab.diag(x, -1), lambda x: torch.diag(x, -1), ((2,),)),
    Case("diag", lambda x: adlab.diag(x, 1), lambda x: torch.diag(x, 1), ((3, 4),)),
    Case("diag", adlab.diagonal, torch.diagonal, ((4, 3),)),
]
IDS = [f"{c.id}-{i}" for i, c in enumerate(CASES)]


def _case_rng(i, salt):
    return np.random.default_rng([SEED, i, salt])


def test_every_primitive_has_a_torch_case():
    assert set(adlab.PRIMITIVES) - {c.name for c in CASES} == set()
    assert {c.name for c in CASES} <= set(adlab.PRIMITIVES)


@pytest.mark.parametrize("i", range(len(CASES)), ids=IDS)
def test_case_applies_the_primitive_it_is_named_after(i):
    """The table is honest: each case's evaluation trace has a row of its primitive."""
    case = CASES[i]
    args = case.args(_case_rng(i, 0))
    names = {row.prim.name for row in adlab.trace(case.ad, *args).rows if row.prim is not None}
    assert case.name in names


@pytest.mark.parametrize("i", range(len(CASES)), ids=IDS)
def test_value_and_vjp_match_torch(i):
    case = CASES[i]
    rng = _case_rng(i, 1)
    args = case.args(rng)
    out, vjp_fn = adlab.vjp(case.ad, *args)
    u = _random(np.shape(out), rng)
    want_out, want = torch_vjp(case.th, args, u)
    _close(out, want_out, what="value")
    got = vjp_fn(u)
    assert len(got) == len(args)
    for k, (g, w) in enumerate(zip(got, want)):
        _close(g, w, what=f"vjp, argument {k}")


@pytest.mark.parametrize("i", range(len(CASES)), ids=IDS)
def test_eager_backward_matches_torch(i):
    case = CASES[i]
    rng = _case_rng(i, 2)
    args = case.args(rng)
    xs = [adlab.tensor(a, requires_grad=True) for a in args]
    out = case.ad(*xs)
    u = _random(out.shape, rng)
    out.backward(gradient=u)
    want_out, want = torch_vjp(case.th, args, u)
    _close(out, want_out, what="value")
    for k, (x, w) in enumerate(zip(xs, want)):
        assert x.grad is not None, f"argument {k} got no .grad"
        _close(x.grad, w, what=f".grad of argument {k}")


@pytest.mark.parametrize("i", range(len(CASES)), ids=IDS)
def test_hessian_vector_product_matches_torch_double_backward(i):
    case = CASES[i]
    rng = _case_rng(i, 3)
    args = case.args(rng)
    u = _random(np.shape(case.ad(*args)), rng)
    vs = [_random(np.shape(a), rng) for a in args]
    want = torch_hvp(case.th, args, u, vs)
    for route, got in zip(HVP_ROUTES, adlab_hvps(case.ad, args, u, vs)):
        for k, w in enumerate(want):
            _close(got[k], w, rtol=1e-9, atol=1e-10, what=f"{route}, argument {k}")


def _torch_dtype_name(t):
    return str(t.dtype).removeprefix("torch.")


@pytest.mark.parametrize("i", range(len(CASES)), ids=IDS)
def test_float32_inputs_keep_float32_like_torch(i):
    """float32 in, float32 out: the value, the VJP and .grad have torch's dtype (and values)."""
    case = CASES[i]
    rng = _case_rng(i, 4)
    args = [np.asarray(a, dtype=np.float32) for a in case.args(rng)]
    xs = [adlab.tensor(a, requires_grad=True) for a in args]
    out = case.ad(*xs)
    u = np.asarray(_random(out.shape, rng), dtype=out.dtype)
    out.backward(gradient=u)
    want_out, want = torch_vjp(case.th, args, u, dtype=torch.float32)
    assert str(out.dtype) == _torch_dtype_name(want_out)
    _close(out, want_out, rtol=2e-5, atol=1e-5, what="value")
    for k, (x, w) in enumerate(zip(xs, want)):
        assert str(x.grad.dtype) == _torch_dtype_name(w) == "float32", f".grad of argument {k}"
        _close(x.grad, w, rtol=2e-4, atol=1e-4, what=f".grad of argument {k}")
    # the functional API too: float32 numpy in, float32 numpy out
    value, vjp_fn = adlab.vjp(case.ad, *args)
    assert str(np.result_type(value)) == _torch_dtype_name(want_out)
    for k, g in enumerate(vjp_fn(u)):
        assert np.result_type(g) == np.float32, f"vjp, argument {k}"


# -- the points where adlab follows PyTorch's conventions -----------------------------------------


def _torch_grad(fn, *values, create_graph=False):
    """The gradient of scalar fn at float64 values, and the inputs (to differentiate again)."""
    xs = [_t(v, requires_grad=True) for v in values]
    out = fn(*xs)
    return torch.autograd.grad(out, xs, create_graph=create_graph, allow_unused=True,
                               materialize_grads=True), xs


def _binary_close(ad, th, x, y, u):
    """ad(x, y) and its cotangents along u (by vjp and by .backward) against torch's th;
    returns torch's cotangents."""
    want_out, want = torch_vjp(th, [x, y], u)
    _close(ad(x, y), want_out)
    for k, g in enumerate(adlab.vjp(ad, x, y)[1](u)):
        _close(g, want[k], what=f"vjp, argument {k}")
    a, b = adlab.tensor(x, requires_grad=True), adlab.tensor(y, requires_grad=True)
    ad(a, b).backward(gradient=u)
    _close(a.grad, want[0], what=".grad of x")
    _close(b.grad, want[1], what=".grad of y")
    return want


def _jvp_close(ad, th, args, tangents, what="jvp"):
    """Forward mode against torch.func.jvp (forward-mode AD) at the same point and tangents."""
    want = torch.func.jvp(th, tuple(_t(a) for a in args), tuple(_t(t) for t in tangents))[1]
    _close(adlab.jvp(ad, tuple(args), tuple(tangents))[1], want, what=what)


def _first_order_as_torch(ad, th, x, rng):
    """ad at x against th: the value, the VJP (functional and eager) with one random
    cotangent u, and the JVP along one random tangent v; returns (u, v)."""
    out = ad(x)
    u = _random(np.shape(out), rng)
    want_out, (want,) = torch_vjp(th, [x], u)
    _close(out, want_out)
    _close(adlab.vjp(ad, x)[1](u)[0], want, what="vjp")
    t = adlab.tensor(x, requires_grad=True)
    ad(t).backward(gradient=u)
    _close(t.grad, want, what=".grad")
    v = _random(x.shape, rng)
    _jvp_close(ad, th, [x], [v])
    return u, v


def _poly(x):
    return sum(c * x ** k for k, c in enumerate([1.0, 2.0, 3.0]))


def test_polynomial_written_with_x_to_the_0_differentiates_at_zero_as_torch():
    (d1,), (x,) = _torch_grad(_poly, 0.0, create_graph=True)
    (d2,) = torch.autograd.grad(d1, x)
    assert d1.item() == 2.0 and d2.item() == 6.0  # torch itself: the polynomial's coefficients
    with np.errstate(all="raise"):  # no 0 * inf inside the rules either
        assert adlab.grad(_poly)(0.0) == d1.item()
        assert adlab.grad(adlab.grad(_poly))(0.0) == d2.item()
        assert adlab.jvp(_poly, (0.0,), (1.0,))[1] == d1.item()
        assert adlab.jvp(adlab.grad(_poly), (0.0,), (1.0,))[1] == d2.item()
        t = adlab.tensor(0.0, requires_grad=True)
        _poly(t).backward()
        assert t.grad.item() == d1.item()
        v = np.zeros(3)
        _close(adlab.grad(lambda v: adlab.sum(_poly(v)))(v),
               _torch_grad(lambda v: _poly(v).sum(), v)[0][0], what="grad, vector")


def test_second_derivative_of_x_to_the_first_power_at_zero_as_torch():
    f = lambda x: x ** 1  # noqa: E731
    (d1,), (x,) = _torch_grad(f, 0.0, create_graph=True)
    d2 = torch.autograd.grad(d1, x, allow_unused=True, materialize_grads=True)[0].item() \
        if d1.requires_grad else 0.0
    with np.errstate(all="raise"):
        assert adlab.grad(f)(0.0) == d1.item()
        assert adlab.grad(adlab.grad(f))(0.0) == d2
        assert adlab.jvp(adlab.grad(f), (0.0,), (1.0,))[1] == d2
        _close(adlab.hessian(lambda v: adlab.sum(v ** 1))(np.zeros(2)), np.full((2, 2), d2))


@pytest.mark.parametrize("y", [2.0, 0.0, 0.5, -1.0])
def test_derivative_of_zero_to_the_power_y_as_torch(y):
    want = _torch_grad(lambda y: torch.pow(0.0, y), y)[0][0].item()
    both = _torch_grad(lambda x, y: x ** y, 0.0, y)[0]
    with np.errstate(divide="ignore", invalid="ignore"):  # y < 0: 0 ** y is inf
        assert adlab.grad(lambda y: 0.0 ** y)(y) == want
        assert adlab.jvp(lambda y: 0.0 ** y, (y,), (1.0,))[1] == want
        t = adlab.tensor(y, requires_grad=True)
        (adlab.tensor(0.0) ** t).backward()
        assert t.grad.item() == want
        assert adlab.grad(lambda x, y: x ** y, argnums=1)(0.0, y) == both[1].item()
        if y >= 1.0:  # the derivative in x is finite there
            assert adlab.grad(lambda x, y: x ** y)(0.0, y) == both[0].item()


def test_derivative_of_relu_to_the_power_p_with_a_zero_entry_as_torch():
    x = np.array([0.0, 1.0, 2.0, 0.5, -1.0])
    p = 1.5
    (want_p,), _ = _torch_grad(lambda q: (torch.relu(_t(x)) ** q).sum(), p)
    (want_x, _), _ = _torch_grad(lambda v, q: (torch.relu(v) ** q).sum(), x, p)
    with np.errstate(all="raise"):
        assert adlab.grad(lambda q: adlab.sum(adlab.relu(x) ** q))(p) == pytest.approx(
            want_p.item(), rel=1e-14)
        assert adlab.jvp(lambda q: adlab.sum(adlab.relu(x) ** q), (p,), (1.0,))[1] == \
            pytest.approx(want_p.item(), rel=1e-14)
    q = adlab.tensor(p, requires_grad=True)
    v = adlab.tensor(x, requires_grad=True)
    (adlab.relu(v) ** q).sum().backward()
    assert q.grad.item() == pytest.approx(want_p.item(), rel=1e-14)
    _close(v.grad, want_x, what="d/dx")


TIES = np.array([[1.0, 3.0, 3.0, -2.0], [2.0, 2.0, 2.0, 0.0], [-1.0, 0.5, -1.0, -1.0]])


@pytest.mark.parametrize("ad, th", [
    (adlab.amax, torch.amax),
    (adlab.max, torch.max),
    (lambda x: x.max(), lambda x: x.max()),
    (adlab.amin, torch.amin),
    (adlab.min, torch.min),
    (lambda x: adlab.amax(x, axis=1), lambda x: torch.amax(x, dim=1)),
    (lambda x: adlab.amax(x, dim=0, keepdim=True), lambda x: torch.amax(x, dim=0, keepdim=True)),
    (lambda x: adlab.amin(x, axis=1, keepdims=True), lambda x: torch.amin(x, 1, keepdim=True)),
    (lambda x: x.min(axis=0), lambda x: torch.amin(x, 0)),
    (lambda x: adlab.amax(x, axis=(0, 1)), lambda x: torch.amax(x, dim=(0, 1))),
], ids=["amax", "max", "method max", "amin", "min", "amax axis 1", "amax dim 0 keepdim",
        "amin axis 1 keepdims", "method min axis 0", "amax both axes"])
def test_max_and_min_reductions_share_the_gradient_among_ties_as_torch(ad, th):
    _first_order_as_torch(ad, th, np.vstack([TIES, -TIES]), np.random.default_rng([SEED, 10]))


@pytest.mark.parametrize("which", ["max", "min"])
@pytest.mark.parametrize("dim, keepdim", [(1, False), (0, True), (-1, True)])
def test_max_with_dim_gives_values_and_indices_and_the_gradient_to_the_index_as_torch(
        which, dim, keepdim):
    rng = np.random.default_rng([SEED, 11, dim % 2, keepdim])
    x = np.vstack([TIES, -TIES])
    ad = lambda v: getattr(adlab, which)(v, dim=dim, keepdim=keepdim)  # noqa: E731
    th = lambda v: getattr(torch, which)(v, dim=dim, keepdim=keepdim)  # noqa: E731
    values, indices = th(_t(x))
    got = ad(x)
    _close(got[0], values, what="values")
    np.testing.assert_array_equal(_np(got.indices), indices.numpy())
    u = _random(tuple(values.shape), rng)
    _, (want,) = torch_vjp(lambda v: th(v).values, [x], u)
    _close(adlab.vjp(lambda v: ad(v).values, x)[1](u)[0], want, what="vjp")
    t = adlab.tensor(x, requires_grad=True)
    res = ad(t)
    np.testing.assert_array_equal(_np(res[1]), indices.numpy())
    res[0].backward(gradient=u)
    _close(t.grad, want, what=".grad")
    want_jac = torch.autograd.functional.jacobian(lambda v: th(v).values, _t(x))
    _close(adlab.jacrev(lambda v: ad(v)[0])(x), want_jac, what="jacrev")
    _close(adlab.jacfwd(lambda v: ad(v)[0])(x), want_jac, what="jacfwd")
    _jvp_close(lambda v: ad(v)[0], lambda v: th(v).values, [x], [_random(x.shape, rng)])


@pytest.mark.parametrize("ad, th", [(adlab.maximum, torch.maximum), (adlab.minimum, torch.minimum),
                                    (adlab.max, torch.max), (adlab.min, torch.min)],
                         ids=["maximum", "minimum", "max(x, y)", "min(x, y)"])
def test_maximum_and_minimum_of_equal_values_split_the_gradient_as_torch(ad, th):
    x = np.array([1.0, 2.0, -3.0, 0.0, 5.0])
    y = np.array([1.0, 1.0, -3.0, 0.0, 6.0])
    u = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    _binary_close(ad, th, x, y, u)
    _jvp_close(ad, th, [x, y], [u, -2.0 * u])
    # a scalar against itself: 1/2 + 1/2
    want_s, _ = _torch_grad(lambda s: th(s, s), 2.0)
    assert adlab.grad(lambda s: ad(s, s))(2.0) == want_s[0].item()


@pytest.mark.parametrize("lo, hi", [(-0.5, 0.5), (-1.0, None), (None, 1.0), (0.0, 0.0)])
def test_clamp_at_the_bounds_gives_the_gradient_to_x_as_torch(lo, hi):
    x = np.array([-1.0, -0.5, 0.0, 0.5, 1.0, 2.0])
    u = np.arange(1.0, 7.0)
    _, (want,) = torch_vjp(lambda v: torch.clamp(v, lo, hi), [x], u)
    _close(adlab.vjp(lambda v: adlab.clip(v, lo, hi), x)[1](u)[0], want, what="clip, vjp")
    t = adlab.tensor(x, requires_grad=True)
    adlab.clamp(t, min=lo, max=hi).backward(gradient=u)
    _close(t.grad, want, what="clamp, .grad")
    _close(adlab.jvp(lambda v: adlab.clip(v, lo, hi), (x,), (u,))[1],
           torch.func.jvp(lambda v: torch.clamp(v, lo, hi), (_t(x),), (_t(u),))[1], what="jvp")


def test_clamp_with_tensor_bounds_touching_x_as_torch():
    """x on a bound: the gradient goes to x, none to the bound (torch's clamp(Tensor, Tensor))."""
    x = np.array([-1.0, 0.0, 0.5, 1.0, 3.0, -2.0])
    lo = np.array([0.0, 0.0, 0.0, 0.0, 0.0, -3.0])
    hi = np.array([1.0, 1.0, 1.0, 1.0, 1.0, -1.0])
    u = np.arange(1.0, 7.0)
    want_out, want = torch_vjp(torch.clamp, [x, lo, hi], u)
    _close(adlab.clip(x, lo, hi), want_out)
    for k, g in enumerate(adlab.vjp(adlab.clip, x, lo, hi)[1](u)):
        _close(g, want[k], what=f"vjp, argument {k}")
    ts = [adlab.tensor(a, requires_grad=True) for a in (x, lo, hi)]
    adlab.clamp(*ts).backward(gradient=u)
    for k, t in enumerate(ts):
        _close(t.grad, want[k], what=f".grad of argument {k}")


@pytest.mark.parametrize("ad, th", [(adlab.abs, torch.abs), (adlab.relu, torch.relu),
                                    (adlab.sign, torch.sign)], ids=["abs", "relu", "sign"])
def test_abs_relu_and_sign_at_zero_as_torch(ad, th):
    x = np.array([0.0, -0.0, 1.5, -2.0])
    u = np.array([1.0, 2.0, 3.0, 4.0])
    want_out, (want,) = torch_vjp(th, [x], u)
    _close(ad(x), want_out)
    _close(adlab.vjp(ad, x)[1](u)[0], want, what="vjp")
    t = adlab.tensor(x, requires_grad=True)
    ad(t).backward(gradient=u)
    _close(t.grad, want, what=".grad")
    assert adlab.grad(ad)(0.0) == _torch_grad(th, 0.0)[0][0].item()
    assert adlab.jvp(ad, (0.0,), (1.0,))[1] == torch.func.jvp(th, (_t(0.0),), (_t(1.0),))[1].item()


def test_sqrt_at_zero_is_inf_as_torch():
    want = _torch_grad(torch.sqrt, 0.0)[0][0].item()
    assert want == np.inf
    with np.errstate(divide="ignore"):
        assert adlab.grad(adlab.sqrt)(0.0) == want
        t = adlab.tensor([0.0, 4.0], requires_grad=True)
        adlab.sqrt(t).sum().backward()
    _close(t.grad, _torch_grad(lambda v: torch.sqrt(v).sum(), np.array([0.0, 4.0]))[0][0])


@pytest.mark.parametrize("ad, th, x", [
    (adlab.norm, torch.linalg.vector_norm, np.zeros(3)),
    (adlab.norm, torch.norm, np.zeros((2, 2))),
    (lambda v: adlab.norm(v, axis=1), lambda v: torch.linalg.vector_norm(v, dim=1),
     np.array([[0.0, 0.0], [3.0, 4.0]])),
    (lambda v: adlab.std(v), lambda v: torch.std(v, correction=0), np.full(4, 2.5)),
    (lambda v: adlab.std(v, ddof=1), lambda v: torch.std(v), np.full(4, 2.5)),
    (lambda v: adlab.std(v, axis=1, correction=1), lambda v: torch.std(v, dim=1),
     np.array([[1.0, 1.0, 1.0], [1.0, 2.0, 4.0]])),
    (lambda v: adlab.std(v, axis=0), lambda v: torch.std(v, dim=0, correction=0),
     np.array([[1.0, 1.0], [1.0, 2.0]])),
], ids=["norm of zeros", "torch.norm of a zero matrix", "norm of a zero row",
        "std of a constant", "std ddof=1 of a constant", "std of a constant row",
        "std of a constant column"])
def test_norm_and_std_where_they_are_zero_as_torch(ad, th, x):
    with np.errstate(all="raise"):
        _first_order_as_torch(ad, th, x, np.random.default_rng([SEED, 12]))


def test_atan2_at_the_origin_as_torch():
    want = _torch_grad(torch.atan2, 0.0, 0.0)[0]
    with np.errstate(all="raise"):
        got = adlab.grad(adlab.arctan2, argnums=(0, 1))(0.0, 0.0)
    assert got == (want[0].item(), want[1].item())
    y = np.array([0.0, 1.0, 0.0])
    x = np.array([0.0, 0.0, -2.0])
    u = np.array([1.0, 2.0, 3.0])
    _, want = torch_vjp(torch.atan2, [y, x], u)
    ys, xs = adlab.tensor(y, requires_grad=True), adlab.tensor(x, requires_grad=True)
    adlab.atan2(ys, xs).backward(gradient=u)
    _close(ys.grad, want[0], what=".grad of y")
    _close(xs.grad, want[1], what=".grad of x")


@pytest.mark.parametrize("x, axis", [
    (np.array([2.0, 0.0, 3.0, -1.5]), None),
    (np.array([0.0, 2.0, 0.0, 3.0]), None),
    (np.array([0.0, 0.0, 0.0]), None),
    (np.array([[2.0, 0.0, 3.0], [0.0, 0.0, 4.0], [1.0, 2.0, 3.0]]), 1),
    (np.array([[2.0, 0.0, 3.0], [0.0, 0.0, 4.0], [1.0, 2.0, 3.0]]), 0),
], ids=["one zero", "two zeros", "all zeros", "rows with zeros", "columns with zeros"])
def test_prod_with_zeros_as_torch(x, axis):
    ad = lambda v: adlab.prod(v, axis=axis)  # noqa: E731
    th = (lambda v: torch.prod(v)) if axis is None else (lambda v: torch.prod(v, axis))
    with np.errstate(all="raise"):
        u, v = _first_order_as_torch(ad, th, x, np.random.default_rng([SEED, 13]))
        want_h = torch_hvp(th, [x], u, [v])[0]
        for route, got in zip(HVP_ROUTES, adlab_hvps(ad, [x], u, [v])):
            _close(got[0], want_h, what=route)


@pytest.mark.parametrize("ad", [lambda x, y: x % y, adlab.mod, adlab.remainder],
                         ids=["%", "mod", "remainder"])
def test_remainder_gradients_as_torch(ad):
    x = np.array([5.5, -5.5, 5.5, -5.5, 0.25, 7.0, 3.0])
    y = np.array([2.0, 2.0, -2.0, -2.0, 3.0, 0.75, 1.5])
    u = np.arange(1.0, 8.0)
    want = _binary_close(ad, torch.remainder, x, y, u)
    _jvp_close(ad, torch.remainder, [x, y], [u, u[::-1].copy()])
    # Python scalars take the fast path: the same numbers
    for k in range(len(x)):
        g = adlab.grad(ad, argnums=(0, 1))(float(x[k]), float(y[k]))
        assert g == (want[0][k].item() / u[k], want[1][k].item() / u[k])


@pytest.mark.parametrize("fn", ["var", "std"])
@pytest.mark.parametrize("correction", [0, 1])
@pytest.mark.parametrize("axis", [None, 0, 1])
def test_var_and_std_with_correction_0_and_1_as_torch(fn, correction, axis):
    rng = np.random.default_rng([SEED, 14, correction, 2 if axis is None else axis])
    x = rng.standard_normal((3, 4))
    th = lambda v: getattr(torch, fn)(v, dim=axis, correction=correction)  # noqa: E731
    spellings = [
        lambda v: getattr(adlab, fn)(v, axis=axis, ddof=correction),
        lambda v: getattr(adlab, fn)(v, dim=axis, correction=correction),
        lambda v: getattr(adlab, fn)(v, axis, unbiased=bool(correction)),
        lambda v: getattr(v, fn)(axis=axis, ddof=correction),
    ]
    u = _random(np.shape(spellings[0](x)), rng)
    want_out, (want,) = torch_vjp(th, [x], u)
    vs = [_random(x.shape, rng)]
    want_h = torch_hvp(th, [x], u, vs)[0]
    for k, ad in enumerate(spellings):
        _close(ad(x), want_out, what=f"spelling {k}: value")
        _close(adlab.vjp(ad, x)[1](u)[0], want, what=f"spelling {k}: vjp")
        t = adlab.tensor(x, requires_grad=True)
        ad(t).backward(gradient=u)
        _close(t.grad, want, what=f"spelling {k}: .grad")
    for route, got in zip(HVP_ROUTES, adlab_hvps(spellings[0], [x], u, vs)):
        _close(got[0], want_h, what=route)


def test_float32_scalars_and_second_derivatives_stay_float32_like_torch():
    x32 = np.array([0.3, -1.2, 2.0], dtype=np.float32)
    f = lambda m, v: (m.sin(v) * v ** 2 + m.exp(-v)).sum()  # noqa: E731
    xt = torch.tensor(x32, requires_grad=True)
    (g,) = torch.autograd.grad(f(torch, xt), xt, create_graph=True)
    (h,) = torch.autograd.grad(g.sum(), xt)
    t = adlab.tensor(x32, requires_grad=True)
    out = f(adlab, t)
    assert str(out.dtype) == _torch_dtype_name(f(torch, xt)) == "float32"
    out.backward()
    assert str(t.grad.dtype) == _torch_dtype_name(g) == "float32"
    _close(t.grad, g, rtol=1e-5, atol=1e-6)
    gg = adlab.grad(lambda v: adlab.sum(adlab.grad(lambda w: f(adlab, w))(v)))(x32)
    assert gg.dtype == np.float32 and str(h.dtype) == "torch.float32"
    _close(gg, h, rtol=1e-5, atol=1e-5)
    s = adlab.grad(lambda v: f(adlab, v))(np.float32(0.5))
    assert np.result_type(s) == np.float32


def test_float32_through_every_transform_stays_float32_like_torch_func():
    x32 = np.array([0.5, -1.0, 2.0], dtype=np.float32)
    t32 = torch.tensor(x32)
    f = lambda m, v: m.sin(v) * v ** 2  # noqa: E731
    s = lambda m, v: (m.sin(v) * v ** 2).sum()  # noqa: E731
    ones = np.ones(3, dtype=np.float32)
    pairs = [
        ("grad", adlab.grad(lambda v: s(adlab, v))(x32),
         torch.func.grad(lambda v: s(torch, v))(t32)),
        ("hessian", adlab.hessian(lambda v: s(adlab, v))(x32),
         torch.func.hessian(lambda v: s(torch, v))(t32)),
        ("jacrev", adlab.jacrev(lambda v: f(adlab, v))(x32),
         torch.func.jacrev(lambda v: f(torch, v))(t32)),
        ("jacfwd", adlab.jacfwd(lambda v: f(adlab, v))(x32),
         torch.func.jacfwd(lambda v: f(torch, v))(t32)),
        ("jvp", adlab.jvp(lambda v: f(adlab, v), (x32,), (ones,))[1],
         torch.func.jvp(lambda v: f(torch, v), (t32,), (torch.tensor(ones),))[1]),
        ("vjp", adlab.vjp(lambda v: f(adlab, v), x32)[1](ones)[0],
         torch.func.vjp(lambda v: f(torch, v), t32)[1](torch.tensor(ones))[0]),
    ]
    for name, got, want in pairs:
        assert str(np.result_type(got)) == _torch_dtype_name(want) == "float32", name
        _close(got, want, rtol=1e-5, atol=1e-5, what=name)
    # a float32 leaf times a float64 array: a float64 result (both promote), a float32 .grad
    t = adlab.tensor(x32, requires_grad=True)
    tt = torch.tensor(x32, requires_grad=True)
    c = np.array([1.0, 2.0, 3.0])
    y, yy = t * c, tt * _t(c)
    assert str(y.dtype) == _torch_dtype_name(yy)
    y.sum().backward()
    yy.sum().backward()
    assert str(t.grad.dtype) == _torch_dtype_name(tt.grad) == "float32"
    _close(t.grad, tt.grad)


# -- random programs, written once for adlab and for torch --------------------------------------


class _TorchOps:
    """torch under the names the programs use: adlab's own PyTorch-style names."""

    def __getattr__(self, name):
        return getattr(torch, name)

    @staticmethod
    def norm(x, dim=None, keepdim=False):
        return torch.linalg.vector_norm(x, dim=dim, keepdim=keepdim)

    @staticmethod
    def tensordot(a, b, axes):
        return torch.tensordot(a, b, dims=axes)


TORCH_OPS = _TorchOps()
SHAPE = (3, 4)
PERM = [3, 1, 0, 2]

# each op maps values of shape (3, 4) to a value of shape (3, 4), kept of moderate size
UNARY = {
    "sin": lambda m, a: m.sin(a),
    "cos*cosh": lambda m, a: m.cos(a) * m.cosh(m.tanh(a)),
    "tanh": lambda m, a: m.tanh(a),
    "sigmoid": lambda m, a: m.sigmoid(a),
    "exp(tanh)": lambda m, a: m.exp(m.tanh(a)),
    "log1p(a^2)": lambda m, a: m.log1p(a * a),
    "sqrt(1+a^2)": lambda m, a: m.sqrt(1.0 + m.square(a)),
    "log(1+a^2)/log2": lambda m, a: m.log2(1.0 + a * a) - m.log10(2.0 + a ** 2),
    "arctan": lambda m, a: m.arctan(a),
    "asin(tanh)": lambda m, a: m.asin(0.9 * m.tanh(a)) + m.acos(0.8 * m.tanh(a)),
    "sinh(tanh)": lambda m, a: m.sinh(m.tanh(a)) + m.expm1(0.5 * m.tanh(a)),
    "abs": lambda m, a: m.abs(a),
    "relu": lambda m, a: m.relu(a) - 0.5 * a,
    "softmax": lambda m, a: m.softmax(a, dim=1),
    "log_softmax": lambda m, a: m.log_softmax(a, dim=0) * 0.3,
    "cumsum": lambda m, a: m.cumsum(a, dim=1) * 0.5,
    "roll": lambda m, a: m.roll(a, 1, dims=1),
    "center": lambda m, a: a - m.mean(a, dim=1, keepdim=True),
    "normalize": lambda m, a: a / m.norm(a, dim=1, keepdim=True),
    "standardize": lambda m, a: (a - m.mean(a, dim=0, keepdim=True))
                                / (m.std(a, dim=0, keepdim=True, correction=1) + 1.0),
    "var": lambda m, a: a * m.var(a, dim=1, keepdim=True, correction=0),
    "logsumexp": lambda m, a: a - m.logsumexp(a, dim=1, keepdim=True),
    "amax": lambda m, a: a * m.amax(a, dim=0, keepdim=True) - m.amin(a, dim=1, keepdim=True),
    "max dim": lambda m, a: a - m.max(a, dim=1, keepdim=True)[0],
    "prod": lambda m, a: a * m.prod(m.tanh(a), dim=0, keepdim=True),
    "swap+reshape": lambda m, a: m.reshape(m.swapaxes(a, 0, 1), SHAPE),
    "permute cols": lambda m, a: a[:, PERM],
    "tile+slice": lambda m, a: m.tile(a, (1, 2))[:, 1:5],
    "repeat+slice": lambda m, a: m.repeat_interleave(a, 2, dim=1)[:, 1:5] * m.sum(a),
    "clamp": lambda m, a: m.clamp(a, -0.5, 0.5),
    "flatten+roll": lambda m, a: m.reshape(m.roll(m.flatten(a), 5), SHAPE),
    "diag": lambda m, a: a * m.diag(m.diag(a[:, :3])).sum(),
}
BINARY = {
    "add": lambda m, a, b: a + b,
    "sub": lambda m, a, b: a - 2.0 * b,
    "mul": lambda m, a, b: a * b,
    "div": lambda m, a, b: a / (1.5 + m.tanh(b)),
    "pow": lambda m, a, b: m.pow(1.0 + a * a, m.tanh(b)),
    "maximum": lambda m, a, b: m.maximum(a, b),
    "minimum": lambda m, a, b: m.minimum(a, b),
    "atan2": lambda m, a, b: m.atan2(a, b),
    "remainder": lambda m, a, b: m.remainder(a, 1.0 + m.abs(b)),
    "where": lambda m, a, b: m.where(a > b, a, 0.5 * b),
    "matmul": lambda m, a, b: m.tanh(m.matmul(m.matmul(a, b.T), a) / 4.0),
    "einsum": lambda m, a, b: m.tanh(m.einsum("ij,kj->ik", a, b) @ b / 4.0),
    "outer": lambda m, a, b: m.outer(b[:, 1], a[0]),
    "cat+slice": lambda m, a, b: m.cat([a, b], dim=1)[:, 2:6],
    "stack+amax": lambda m, a, b: m.amax(m.stack([a, b], dim=0), dim=0),
    "stack+sum": lambda m, a, b: m.sum(m.stack([a, b], dim=2), dim=2),
    "dot": lambda m, a, b: a * m.dot(a[0], b[1]),
    "tensordot": lambda m, a, b: m.tanh(m.tensordot(a, m.tensordot(b, a, axes=([0], [0])),
                                                     axes=([1], [0])) / 8.0),
    "squeeze": lambda m, a, b: m.squeeze(m.unsqueeze(a, 0) * m.unsqueeze(b, 0), 0),
    "trace": lambda m, a, b: a * m.trace(m.matmul(a, b.T)) / 10.0,
}
N_PROGRAMS, N_STEPS = 20, 9


def _make_programs():
    """Straight-line programs over two inputs x, y: (op, operand indices) per step.

    Every op of UNARY and BINARY appears in some program (dealt out in a shuffled
    order), the others are drawn at random; operands are drawn among all the values
    so far, so values are used more than once; the first steps read x and y.
    """
    rng = np.random.default_rng([SEED, 99])
    dealt = [str(n) for n in rng.permutation(sorted(UNARY) + sorted(BINARY))]
    programs = []
    for k in range(N_PROGRAMS):
        names = dealt[k::N_PROGRAMS]
        names += [str(rng.choice(sorted(UNARY) if rng.random() < 0.5 else sorted(BINARY)))
                  for _ in range(N_STEPS - len(names))]
        names = [str(n) for n in rng.permutation(names)]
        steps = []
        for n, name in enumerate(names, start=2):
            arity = 1 if name in UNARY else 2
            operands = tuple(int(rng.integers(n)) for _ in range(arity))
            if len(steps) < 2:  # x and y both reach the output
                operands = (len(steps),) + operands[1:]
            steps.append((name, operands))
        programs.append(steps)
    return programs


PROGRAMS = _make_programs()


def test_random_programs_use_every_op():
    used = {name for steps in PROGRAMS for name, _ in steps}
    assert used == set(UNARY) | set(BINARY), sorted(set(UNARY) | set(BINARY) - used)


def run_program(steps, m, x, y):
    """Run the program with module m (adlab or TORCH_OPS); every value reaches the output."""
    values = [x, y]
    for name, operands in steps:
        op = UNARY.get(name) or BINARY[name]
        values.append(op(m, *(values[k] for k in operands)))
    out = values[-1]
    for k, v in enumerate(values[2:-1]):
        out = out + (0.1 + 0.05 * k) * v
    return out


def _program_id(k):
    return f"p{k}: " + " ".join(name for name, _ in PROGRAMS[k])


def _program_args(k):
    rng = np.random.default_rng([SEED, 100, k])
    return rng.standard_normal(SHAPE), rng.standard_normal(SHAPE), rng.standard_normal(SHAPE)


@pytest.mark.parametrize("k", range(N_PROGRAMS), ids=_program_id)
def test_random_program_gradients_match_torch(k):
    steps = PROGRAMS[k]
    x, y, u = _program_args(k)
    f_ad = lambda a, b: run_program(steps, adlab, a, b)  # noqa: E731
    f_th = lambda a, b: run_program(steps, TORCH_OPS, a, b)  # noqa: E731
    want_out, want = torch_vjp(f_th, [x, y], u)
    _close(f_ad(x, y), want_out, what="value")
    got = adlab.grad(lambda a, b: adlab.sum(f_ad(a, b) * u), argnums=(0, 1))(x, y)
    for i in range(2):
        _close(got[i], want[i], what=f"grad, input {i}")
    ts = [adlab.tensor(x, requires_grad=True), adlab.tensor(y, requires_grad=True)]
    f_ad(*ts).backward(gradient=u)
    for i in range(2):
        _close(ts[i].grad, want[i], what=f".grad, input {i}")
    vs = [np.cos(x), np.sin(y)]
    want_h = torch_hvp(f_th, [x, y], u, vs)
    for route, got in zip(HVP_ROUTES, adlab_hvps(f_ad, [x, y], u, vs)):
        for i in range(2):
            _close(got[i], want_h[i], rtol=1e-9, atol=1e-10, what=f"{route}, input {i}")


@pytest.mark.parametrize("k", range(N_PROGRAMS), ids=_program_id)
def test_random_program_jacobians_match_torch(k):
    steps = PROGRAMS[k]
    x, y, _ = _program_args(k)
    f_ad = lambda a, b: run_program(steps, adlab, a, b)  # noqa: E731
    want = torch.autograd.functional.jacobian(lambda a, b: run_program(steps, TORCH_OPS, a, b),
                                              (_t(x), _t(y)))
    for name, jac in [("jacrev", adlab.jacrev), ("jacfwd", adlab.jacfwd)]:
        got = jac(f_ad, argnums=(0, 1))(x, y)
        for i in range(2):
            _close(got[i], want[i], what=f"{name}, input {i}")
