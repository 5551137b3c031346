"""numpy functions called on adlab values, sent to the matching adlab operation.

numpy hands a call such as ``np.sum(t)`` or ``np.concatenate([a, t])`` to
adlab when an argument is an adlab value (numpy's ``__array_function__``
protocol). `FUNCTIONS` maps each numpy function that has an adlab counterpart
to it, taking numpy's arguments; numpy options adlab does not have (``out=``,
``dtype=``, ``where=``) raise an error that says so. `VALUE_ONLY` lists
functions whose results carry no derivative (shapes, comparisons, argmax),
which run on the plain values. Any other function runs on the plain values
only when no derivative would be lost.
"""

from __future__ import annotations

import numpy as np

from . import errors
from . import primitives as P
from ._dispatch import shape_of


def _no_options(name, **options):
    used = [k for k, v in options.items() if v is not None and v is not np._NoValue]
    if used:
        raise errors.AdlabValueError(
            f"numpy.{name}: adlab values do not take {', '.join(k + '=' for k in used)}; "
            f"leave it out (or convert the result afterwards, e.g. .astype(...))."
        )


def _reduction(name, fn):
    def call(a, axis=None, dtype=None, out=None, keepdims=False, initial=np._NoValue,
             where=np._NoValue):
        _no_options(name, dtype=dtype, out=out, initial=initial, where=where)
        return fn(a, axis, bool(keepdims) if keepdims is not np._NoValue else False)
    return call


def _variance(fn, name):
    def call(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=np._NoValue,
             mean=np._NoValue, correction=np._NoValue):
        _no_options(name, dtype=dtype, out=out, where=where, mean=mean)
        if correction is not np._NoValue:
            ddof = correction
        return fn(a, axis, bool(keepdims) if keepdims is not np._NoValue else False, ddof)
    return call


def _cumsum(a, axis=None, dtype=None, out=None):
    _no_options("cumsum", dtype=dtype, out=out)
    return P.cumsum(a, axis)


def _reshape(a, *args, **kwargs):
    shape = args[0] if args else kwargs.get("shape", kwargs.get("newshape"))
    return P.reshape(a, shape)


def _transpose(a, axes=None):
    return P.transpose(a, axes)


def _squeeze(a, axis=None):
    return P.squeeze(a, axis)


def _concatenate(arrays, axis=0, out=None, dtype=None, casting=None):
    _no_options("concatenate", out=out, dtype=dtype)
    return P.concatenate(list(arrays), axis)


def _stack(arrays, axis=0, out=None, dtype=None, casting=None):
    _no_options("stack", out=out, dtype=dtype)
    return P.stack(list(arrays), axis)


def _hstack(tup, dtype=None, casting=None):
    arrays = [P.reshape(a, (1,)) if not shape_of(a) else a for a in tup]
    return P.concatenate(arrays, 0 if len(shape_of(arrays[0])) == 1 else 1)


def _vstack(tup, dtype=None, casting=None):
    arrays = [P.reshape(a, (1, -1)) if len(shape_of(a)) < 2 else a for a in tup]
    return P.concatenate(arrays, 0)


def _where(condition, *xy):
    if not xy:
        raise errors.AdlabValueError(
            "numpy.where with one argument gives indices, which carry no derivative: call it "
            "on the plain values (x.detach().numpy()).")
    return P.where(condition, *xy)


def _clip(a, a_min=None, a_max=None, out=None, **kwargs):
    _no_options("clip", out=out)
    return P.clip(a, kwargs.get("min", a_min), kwargs.get("max", a_max))


def _einsum(subscripts, *operands, out=None, dtype=None, order="K", casting="safe",
            optimize=False):
    _no_options("einsum", out=out, dtype=dtype)
    return P.einsum(subscripts, *operands)


def _norm(x, ord=None, axis=None, keepdims=False):
    if ord not in (None, 2, "fro") or (ord == 2 and axis is None and len(shape_of(x)) > 1):
        raise errors.AdlabValueError(
            f"numpy.linalg.norm: adlab has the Euclidean (Frobenius) norm only, not ord={ord!r}.")
    return P.norm(x, axis, keepdims)


def _trace(a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    _no_options("trace", dtype=dtype, out=out)
    return P.trace(a, offset=offset, axis1=axis1, axis2=axis2)


def _shape(a):
    return shape_of(a)


def _ndim(a):
    return len(shape_of(a))


def _size(a, axis=None):
    s = shape_of(a)
    return s[axis] if axis is not None else int(np.prod(s)) if s else 1


FUNCTIONS = {
    np.sum: _reduction("sum", P.sum_),
    np.mean: _reduction("mean", P.mean),
    np.prod: _reduction("prod", P.prod),
    np.max: _reduction("max", P.amax),
    np.amax: _reduction("amax", P.amax),
    np.min: _reduction("min", P.amin),
    np.amin: _reduction("amin", P.amin),
    np.var: _variance(P.var, "var"),
    np.std: _variance(P.std, "std"),
    np.cumsum: _cumsum,
    np.dot: P.dot,
    np.vdot: P.vdot,
    np.inner: P.inner,
    np.outer: lambda a, b, out=None: P.outer(a, b),
    np.tensordot: P.tensordot,
    np.einsum: _einsum,
    np.trace: _trace,
    np.diag: P.diag,
    np.reshape: _reshape,
    np.transpose: _transpose,
    np.squeeze: _squeeze,
    np.expand_dims: P.expand_dims,
    np.ravel: lambda a, order="C": P.ravel(a),
    np.swapaxes: P.swapaxes,
    np.moveaxis: P.moveaxis,
    np.broadcast_to: lambda array, shape, subok=False: P.broadcast_to(array, shape),
    np.concatenate: _concatenate,
    np.stack: _stack,
    np.hstack: _hstack,
    np.vstack: _vstack,
    np.where: _where,
    np.clip: _clip,
    np.repeat: P.repeat,
    np.tile: P.tile,
    np.roll: P.roll,
    np.copy: lambda a, order="K", subok=False: P.copy(a),
    np.round: lambda a, decimals=0, out=None: P.round_(a, decimals),
    np.around: lambda a, decimals=0, out=None: P.round_(a, decimals),
    np.linalg.norm: _norm,
    np.shape: _shape,
    np.ndim: _ndim,
    np.size: _size,
}
if hasattr(np, "concat"):  # numpy 2's name
    FUNCTIONS[np.concat] = _concatenate

# results without derivatives: computed on the plain values whatever the arguments carry
VALUE_ONLY = {
    np.argmax, np.argmin, np.argsort, np.allclose, np.isclose, np.array_equal,
    np.array_equiv, np.zeros_like, np.ones_like, np.empty_like, np.full_like, np.nonzero,
    np.count_nonzero, np.searchsorted, np.iscomplexobj, np.isrealobj, np.may_share_memory,
    np.shares_memory,
}
