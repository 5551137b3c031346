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

from . import composites as C
from . import errors
from . import primitives as P
from ._dispatch import shape_of


_NOT_GIVEN = getattr(np, "_NoValue", object())  # what numpy passes for an option left out


def _no_options(name, **options):
    used = [k for k, v in options.items() if v is not None and v is not _NOT_GIVEN]
    if used:
        raise errors.AdlabValueError(
            f"numpy.{name}: adlab values do not take {', '.join(k + '=' for k in used)}; "
            f"leave it out (or convert the result afterwards, e.g. .astype(...))."
        )


def _reduction(name, fn):
    def call(a, axis=None, dtype=None, out=None, keepdims=False, initial=_NOT_GIVEN,
             where=_NOT_GIVEN):
        _no_options(name, dtype=dtype, out=out, initial=initial, where=where)
        return fn(a, axis, bool(keepdims) if keepdims is not _NOT_GIVEN else False)
    return call


def _variance(fn, name):
    def call(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=_NOT_GIVEN,
             mean=_NOT_GIVEN, correction=_NOT_GIVEN):
        _no_options(name, dtype=dtype, out=out, where=where, mean=mean)
        if correction is not _NOT_GIVEN:
            ddof = correction
        return fn(a, axis, bool(keepdims) if keepdims is not _NOT_GIVEN else False, ddof)
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
    _no_options("hstack", dtype=dtype)
    return C.hstack(tup)


def _vstack(tup, dtype=None, casting=None):
    _no_options("vstack", dtype=dtype)
    return C.vstack(tup)


def _where(condition, *xy):
    if not xy:
        raise errors.AdlabValueError(
            "numpy.where with one argument gives indices, which carry no derivative: call it "
            "on the plain values (x.detach().numpy()).")
    return P.where(condition, *xy)


def _clip(a, a_min=None, a_max=None, out=None, *, min=None, max=None):  # noqa: A002
    _no_options("clip", out=out)
    return P.clip(a, a_min, a_max, min=min, max=max)


def _einsum(subscripts, *operands, out=None, dtype=None, order="K", casting="safe",
            optimize=False):
    _no_options("einsum", out=out, dtype=dtype)
    return P.einsum(subscripts, *operands)


def _norm(x, ord=None, axis=None, keepdims=False):
    matrix = len(shape_of(x)) == 2 and (axis is None or (isinstance(axis, tuple) and len(axis) == 2))
    if ord not in (None, "fro") and matrix:
        raise errors.AdlabValueError(
            f"numpy.linalg.norm: adlab computes vector norms; numpy's matrix norm ord={ord!r} is "
            f"not one of them. Use ord=None (Frobenius) or adlab.norm(x.ravel(), ord).")
    return P.norm(x, ord, axis, keepdims)


def _trace(a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    _no_options("trace", dtype=dtype, out=out)
    return P.trace(a, offset=offset, axis1=axis1, axis2=axis2)


def _size(a, axis=None):
    return shape_of(a)[axis] if axis is not None else C.numel(a)


def _np_split(ary, indices_or_sections, axis=0):
    """numpy's split: into n equal sections, or at the given indices."""
    n = shape_of(ary)[axis]
    if isinstance(indices_or_sections, (int, np.integer)):
        k = int(indices_or_sections)
        if n % k:
            raise errors.AdlabValueError(
                f"numpy.split: {n} entries do not split into {k} equal sections; use array_split.")
        return list(C.split(ary, n // k, axis))
    return C.array_split(ary, indices_or_sections, axis)


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
    np.outer: lambda a, b, out=None: _no_options("outer", out=out) or P.outer(a, b),
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
    np.round: lambda a, decimals=0, out=None: _no_options("round", out=out) or P.round_(a, decimals),
    np.around: lambda a, decimals=0, out=None: _no_options("around", out=out) or P.round_(a, decimals),
    np.linalg.norm: _norm,
    np.linalg.inv: P.inv,
    np.linalg.solve: P.solve,
    np.linalg.det: P.det,
    np.diff: lambda a, n=1, axis=-1: C.diff(a, n, axis),
    np.atleast_1d: C.atleast_1d,
    np.atleast_2d: C.atleast_2d,
    np.column_stack: C.column_stack,
    np.append: lambda arr, values, axis=None: C.append(arr, values, axis),
    np.real: C.real,
    np.imag: C.imag,
    np.flip: lambda m, axis=None: C.flip(m, axis),
    np.tril: lambda m, k=0: C.tril(m, k),
    np.triu: lambda m, k=0: C.triu(m, k),
    np.take: lambda a, indices, axis=None, out=None, mode="raise": (
        _no_options("take", out=out) or C.take(a, indices, axis)),
    np.take_along_axis: lambda arr, indices, axis: C.take_along_axis(arr, indices, axis),
    np.split: lambda ary, indices_or_sections, axis=0: _np_split(ary, indices_or_sections, axis),
    np.array_split: lambda ary, indices_or_sections, axis=0: C.array_split(ary, indices_or_sections,
                                                                            axis),
    np.sort: lambda a, axis=-1, kind=None, order=None: C.sort(a, axis),
    np.shape: C.shape,
    np.ndim: C.ndim,
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
