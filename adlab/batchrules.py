"""Batching rules for `adlab.vmap`: each primitive on arguments with a leading batch axis.

A rule ``rule(prim, args, batched, **params)`` gets the primitive, its
arguments one level below vmap's (those flagged in `batched` carry the batch
as their first axis, the others are the same for every example) and the
primitive's parameters, which describe one example. It returns the result for
the whole batch, batch axis first, usually by applying the same primitive once
with shifted axes; or NotImplemented, and vmap then loops over the batch.

The rules are shared by families of primitives (elementwise, reductions,
shape changes) and named in each primitive's entry in `adlab.primitives`.
"""

from __future__ import annotations

import numpy as np

from ._dispatch import apply, shape_of


def _primitives():
    """adlab.primitives (imported when a rule first runs: it imports this module)."""
    from . import primitives

    return primitives


def _rank(a, b) -> int:
    """Axes of one example of argument a (b: whether a carries the batch axis)."""
    return len(shape_of(a)) - (1 if b else 0)


def _size(args, batched) -> int:
    for a, b in zip(args, batched):
        if b:
            return shape_of(a)[0]
    raise AssertionError("a batching rule was called with no batched argument")


def _lift(a, rank):
    """A batched value whose examples have fewer than `rank` axes, given leading 1s after the batch axis."""
    s = shape_of(a)
    k = len(s) - 1
    if k >= rank:
        return a
    return _primitives().reshape(a, s[:1] + (1,) * (rank - k) + s[1:])


def _spread(a, b, size):
    """An argument as a batched one: unbatched values are broadcast over the batch."""
    return a if b else _primitives().broadcast_to(a, (size,) + shape_of(a))


def elementwise(prim, args, batched, **params):
    """Broadcasting operations: align the examples' axes, then apply once."""
    rank = max(_rank(a, b) for a, b in zip(args, batched))
    aligned = tuple(_lift(a, rank) if b else a for a, b in zip(args, batched))
    return apply(prim, aligned, params)


def reduction(prim, args, batched, axis=None, keepdims=False, **params):
    """Reductions over `axis`: the same axes, one further along."""
    rank = _rank(args[0], True)
    axes = tuple(range(1, rank + 1)) if axis is None else tuple(a % rank + 1 for a in axis)
    return apply(prim, args, {"axis": axes, "keepdims": keepdims, **params})


def arg_reduction(prim, args, batched, axis=None, keepdims=False):
    """argmax and argmin: over one axis one further along, or over each example flattened."""
    if axis is None:
        x = args[0]
        flat = _primitives().reshape(x, (shape_of(x)[0], -1))
        out = apply(prim, (flat,), {"axis": (1,), "keepdims": False})
        if keepdims:
            out = _primitives().reshape(out, shape_of(out) + (1,) * _rank(x, True))
        return out
    rank = _rank(args[0], True)
    return apply(prim, args, {"axis": (axis[0] % rank + 1,), "keepdims": keepdims})


def along_axis(prim, args, batched, axis, **params):
    """Operations along one axis (softmax, cumsum): that axis, one further along."""
    rank = _rank(args[0], True)
    return apply(prim, args, {"axis": axis % rank + 1, **params})


def reshaping(prim, args, batched, shape):
    """reshape, squeeze, expand_dims, flatten: the batch axis stays in front."""
    return apply(prim, args, {"shape": (shape_of(args[0])[0],) + tuple(shape)})


def broadcasting(prim, args, batched, shape):
    x = _lift(args[0], len(shape))
    return apply(prim, (x,), {"shape": (shape_of(x)[0],) + tuple(shape)})


def transposing(prim, args, batched, axes=None):
    rank = _rank(args[0], True)
    if axes is None:
        new = (0,) + tuple(range(rank, 0, -1))
    else:
        new = (0,) + tuple(a % rank + 1 for a in axes)
    return apply(prim, args, {"axes": new})


def _batch_index(index):
    """`index` with the batch axis in front, or None where numpy would move the batch axis.

    numpy moves the axes of advanced indices (arrays) to the front when they
    are separated by slices; then the rule cannot just prepend a slice.
    """
    parts = index if isinstance(index, tuple) else (index,)
    if any(isinstance(p, np.ndarray) for p in parts):
        advanced = [i for i, p in enumerate(parts)
                    if isinstance(p, (np.ndarray, int, np.integer, bool, np.bool_))]
        if advanced != list(range(advanced[0], advanced[-1] + 1)):
            return None
    return (slice(None),) + parts


def indexing(prim, args, batched, index):
    new = _batch_index(index)
    if new is None:
        return NotImplemented
    return apply(prim, args, {"index": new})


def scattering(prim, args, batched, index, shape):
    new = _batch_index(index)
    if new is None:
        return NotImplemented
    return apply(prim, args, {"index": new, "shape": (shape_of(args[0])[0],) + tuple(shape)})


def matmul(prim, args, batched):
    """x @ y with a batch axis on either or both: vectors become 1-row or 1-column matrices,
    the stacks are aligned, and the added axes are dropped after."""
    P = _primitives()
    (a, b), (ba, bb) = args, batched
    na, nb = _rank(a, ba), _rank(b, bb)
    if na == 1:  # a row vector (1, k)
        a = P.reshape(a, shape_of(a)[:-1] + (1,) + shape_of(a)[-1:])
    if nb == 1:  # a column vector (k, 1)
        b = P.reshape(b, shape_of(b) + (1,))
    stack = max(max(na, 2), max(nb, 2)) - 2
    # batched operands: stack axes aligned after the batch axis; unbatched ones align from the right
    if ba:
        a = _lift(a, stack + 2)
    if bb:
        b = _lift(b, stack + 2)
    out = apply(prim, (a, b), {})
    shape = shape_of(out)
    if na == 1 and nb == 1:
        return P.reshape(out, shape[:-2])
    if na == 1:
        return P.reshape(out, shape[:-2] + shape[-1:])
    if nb == 1:
        return P.reshape(out, shape[:-1])
    return out


def dot(prim, args, batched):
    P = _primitives()
    (a, b), (ba, bb) = args, batched
    if ba and bb:
        return P.sum_(P.mul(a, b), axis=-1)
    return P.matmul(a, b) if ba else P.matmul(b, a)


def outer(prim, args, batched):
    P = _primitives()
    (a, b), (_, bb) = args, batched
    col = P.reshape(a, shape_of(a) + (1,))  # (B, n, 1) or (n, 1)
    row = P.reshape(b, shape_of(b)[:-1] + (1,) + shape_of(b)[-1:]) if bb else b  # (B, 1, m)
    return P.mul(col, row)


def tensordot(prim, args, batched, axes):
    P = _primitives()
    (a, b), (ba, bb) = args, batched
    a_axes, b_axes = axes
    if ba and not bb:
        return apply(prim, args, {"axes": (tuple(i + 1 for i in a_axes), b_axes)})
    if bb and not ba:
        out = apply(prim, args, {"axes": (a_axes, tuple(j + 1 for j in b_axes))})
        free_a = len(shape_of(a)) - len(a_axes)
        return P.moveaxis(out, free_a, 0)
    spec = P._tensordot_subscripts(_rank(a, True), _rank(b, True), axes)
    return einsum(P.EINSUM, args, batched, subscripts=spec)


def einsum(prim, args, batched, subscripts):
    """A fresh letter for the batch axis, in front of the batched terms and the output."""
    letter = next(c for c in "ZYXWVUTSRQPONMLKJIHGFEDCBAzyxwvutsrqponmlkjihgfedcba"
                  if c not in subscripts)
    ins, out = subscripts.split("->")
    terms = [letter + t if b else t for t, b in zip(ins.split(","), batched)]
    return apply(prim, args, {"subscripts": ",".join(terms) + "->" + letter + out})


def joining(prim, args, batched, axis):
    """concatenate and stack: the axis one further along, unbatched parts broadcast over the batch."""
    size = _size(args, batched)
    parts = tuple(_spread(a, b, size) for a, b in zip(args, batched))
    return apply(prim, parts, {"axis": axis + 1})


def repeating(prim, args, batched, repeats, axis):
    return apply(prim, args, {"repeats": repeats, "axis": axis + 1})


def tiling(prim, args, batched, reps):
    rank = _rank(args[0], True)
    d = max(rank, len(reps))
    x = _lift(args[0], d)
    return apply(prim, (x,), {"reps": (1,) + (1,) * (d - len(reps)) + tuple(reps)})


def rolling(prim, args, batched, shift, axis):
    P = _primitives()
    x = args[0]
    rank = _rank(x, True)
    if axis is None:
        shape = shape_of(x)
        flat = P.reshape(x, (shape[0], -1))
        return P.reshape(apply(prim, (flat,), {"shift": shift, "axis": 1}), shape)
    new = tuple(a % rank + 1 for a in axis) if isinstance(axis, tuple) else axis % rank + 1
    return apply(prim, args, {"shift": shift, "axis": new})


def tracing(prim, args, batched, offset, axis1, axis2):
    return apply(prim, args, {"offset": offset, "axis1": axis1 + 1, "axis2": axis2 + 1})


def taking(prim, args, batched, axis):
    """take_at(x, i): x mapped, i shared: one axis further; i mapped, x shared: take with
    the whole batch of indices, then the batch axis to the front; both: a loop."""
    P = _primitives()
    (x, i), (bx, bi) = args, batched
    if bx and not bi:
        return apply(prim, (x, i), {"axis": axis + 1})
    if bi and not bx:
        out = apply(prim, (x, i), {"axis": axis})  # x.shape[:axis] + (B,) + ... : batch at axis
        return P.moveaxis(out, axis, 0) if axis else out
    return NotImplemented


def putting(prim, args, batched, axis, n):
    """put_add(g, i): g mapped, i shared: one axis further; otherwise a loop."""
    (g, i), (bg, bi) = args, batched
    if bg and not bi:
        return apply(prim, (g, i), {"axis": axis + 1, "n": n})
    return NotImplemented


def stacked(prim, args, batched):
    """Operations on the last axes that numpy applies to stacks (inv, det): the batch is
    one more stacking axis in front."""
    return apply(prim, args, {})


def looping(prim, args, batched, **params):
    """No rule: vmap runs the primitive once per example and stacks the results."""
    return NotImplemented
