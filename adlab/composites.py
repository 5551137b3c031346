"""Everyday operations built from the primitives, with no derivative rules of their own.

Each is a few lines over the table in `adlab.primitives` (getitem, concatenate,
where, index_add, ...), so its derivative, its batching under vmap and its
rows in a trace come from those primitives. Names follow numpy and PyTorch
(``flip``, ``split``, ``tril``, ``gather``, ``sort``, ``topk``, ...); where the
two libraries disagree, the docstring says which form is which.
"""

from __future__ import annotations

import builtins
import math
import operator

import numpy as np

from . import primitives as P
from ._dispatch import Box, raw, shape_of, strip
from .errors import AdlabTypeError, AdlabValueError


def _axis(x, axis, where):
    n = len(shape_of(x))
    a = operator.index(axis)
    if not -builtins.max(n, 1) <= a < builtins.max(n, 1):
        raise AdlabValueError(f"{where}: axis {a} is out of range for shape {shape_of(x)}.")
    return a % builtins.max(n, 1)


def _take(x, axis, part):
    return P.getitem(x, P._axis_slice(len(shape_of(x)), axis, part))


def flip(x, axis=None, *, dims=None):
    """x with the order of its entries reversed along `axis` (all axes when None)."""
    axes = dims if dims is not None else axis
    n = len(shape_of(x))
    if axes is None:
        axes = tuple(range(n))
    elif isinstance(axes, (int, np.integer)):
        axes = (axes,)
    index = [slice(None)] * n
    for a in axes:
        index[_axis(x, a, "flip")] = slice(None, None, -1)
    return P.getitem(x, tuple(index))


def split(x, split_size_or_sections, dim=0, *, axis=None):
    """PyTorch's split: pieces of `split_size_or_sections` entries along `dim` (the last one
    shorter), or of the sizes in a list. (numpy's split counts sections: see array_split.)"""
    a = _axis(x, dim if axis is None else axis, "split")
    n = shape_of(x)[a]
    if isinstance(split_size_or_sections, (int, np.integer)):
        size = operator.index(split_size_or_sections)
        if size <= 0:
            raise AdlabValueError(f"split: the size of a piece must be positive, got {size}.")
        sizes = [builtins.min(size, n - s) for s in range(0, n, size)]
    else:
        sizes = [operator.index(s) for s in split_size_or_sections]
        if sum(sizes) != n:
            raise AdlabValueError(f"split: sizes {sizes} add up to {sum(sizes)}, not {n}.")
    return tuple(_pieces(x, a, sizes))


def _pieces(x, axis, sizes):
    """x cut along `axis` into consecutive pieces of the given sizes."""
    out, start = [], 0
    for size in sizes:
        out.append(_take(x, axis, slice(start, start + size)))
        start += size
    return out


def chunk(x, chunks, dim=0):
    """PyTorch's chunk: `chunks` pieces of (nearly) equal size along `dim`."""
    n = shape_of(x)[_axis(x, dim, "chunk")]
    return split(x, builtins.max(1, math.ceil(n / operator.index(chunks))), dim)


def array_split(x, indices_or_sections, axis=0):
    """numpy's array_split: that many pieces along `axis` (the first ones one longer), or
    the pieces between the given indices."""
    a = _axis(x, axis, "array_split")
    n = shape_of(x)[a]
    if isinstance(indices_or_sections, (int, np.integer)):
        k = operator.index(indices_or_sections)
        sizes = [n // k + (1 if i < n % k else 0) for i in range(k)]
    else:
        cuts = [0] + [builtins.min(builtins.max(int(i), 0), n) for i in indices_or_sections] + [n]
        sizes = [builtins.max(b - c, 0) for c, b in zip(cuts[:-1], cuts[1:])]
    return _pieces(x, a, sizes)


def unbind(x, dim=0):
    """The slices of x along `dim`, as a tuple."""
    a = _axis(x, dim, "unbind")
    return tuple(_take(x, a, i) for i in range(shape_of(x)[a]))


def hstack(arrays):
    """numpy's hstack: vectors joined end to end, matrices side by side."""
    arrays = [P.reshape(a, (1,)) if not shape_of(a) else a for a in arrays]
    return P.concatenate(arrays, 0 if len(shape_of(arrays[0])) == 1 else 1)


def vstack(arrays):
    """numpy's vstack: rows stacked (vectors become rows)."""
    arrays = [P.reshape(a, (1, -1)) if len(shape_of(a)) < 2 else a for a in arrays]
    return P.concatenate(arrays, 0)


def _triangle(x, k, lower):
    shape = shape_of(x)
    if len(shape) < 2:
        raise AdlabValueError(f"{'tril' if lower else 'triu'}: needs a matrix, got shape {shape}.")
    rows, cols = np.indices(shape[-2:])
    keep = (cols - rows <= k) if lower else (cols - rows >= k)
    return P.where(keep, x, 0.0)


def tril(x, k=0, *, diagonal=None):
    """The lower triangle of x (entries on and below diagonal `k`), zeros above."""
    return _triangle(x, k if diagonal is None else diagonal, True)


def triu(x, k=0, *, diagonal=None):
    """The upper triangle of x (entries on and above diagonal `k`), zeros below."""
    return _triangle(x, k if diagonal is None else diagonal, False)


def bmm(a, b):
    """PyTorch's batched matrix product of (B, n, k) and (B, k, m)."""
    if len(shape_of(a)) != 3 or len(shape_of(b)) != 3:
        raise AdlabValueError(
            f"bmm: takes two stacks of matrices (3 axes each), got shapes {shape_of(a)} and "
            f"{shape_of(b)}; use matmul (@) for other shapes.")
    return P.matmul(a, b)


def mv(a, v):
    """PyTorch's matrix-vector product."""
    if len(shape_of(a)) != 2 or len(shape_of(v)) != 1:
        raise AdlabValueError(
            f"mv: takes a matrix and a vector, got shapes {shape_of(a)} and {shape_of(v)}.")
    return P.matmul(a, v)


def _index_array(index, op):
    v = strip(index)
    if isinstance(v, Box):
        raise AdlabTypeError(
            f"{op}: indices that differ from example to example under vmap are not supported "
            f"here; index with x[i] (adlab.take_at), or loop over the examples.")
    v = np.asarray(raw(v))
    if v.dtype.kind not in "iub":
        raise AdlabTypeError(f"{op}: indices must be integers, got dtype {v.dtype}.")
    return v


def take_along_axis(x, indices, axis):
    """numpy's take_along_axis: x's entries at `indices` along `axis` (the derivative goes to
    each entry taken)."""
    a = _axis(x, axis, "take_along_axis")
    idx = _index_array(indices, "take_along_axis")
    grids = list(np.indices(idx.shape, sparse=True))
    grids[a] = idx
    return P.getitem(x, tuple(grids))


def gather(x, dim, index):
    """PyTorch's gather: out[i][j] = x[i][index[i][j]] along `dim`."""
    return take_along_axis(x, index, dim)


def index_select(x, dim, index):
    """PyTorch's index_select: the slices of x at `index` along `dim`."""
    return _take(x, _axis(x, dim, "index_select"), _index_array(index, "index_select"))


def take(x, indices, axis=None):
    """numpy's take: entries of x (flattened when axis is None) at `indices`."""
    idx = _index_array(indices, "take")
    if axis is None:
        return P.getitem(P.ravel(x), idx)
    return _take(x, _axis(x, axis, "take"), idx)


def _order(x, axis, descending, op):
    a = _axis(x, axis, op)
    v = strip(x)
    if isinstance(v, Box):
        raise AdlabTypeError(f"{op}: sorting under vmap is not supported; loop over the examples.")
    v = raw(v)
    return np.argsort(-v if descending else v, axis=a, kind="stable")


def argsort(x, axis=-1, *, dim=None, descending=False, stable=True):
    """The order that sorts x along `axis` (no derivative; ties keep their order, so
    `stable` is accepted for PyTorch's sake); `descending` as PyTorch."""
    return P._like_input(_order(x, axis if dim is None else dim, descending, "argsort"), x)


def sort(x, axis=-1, *, dim=None, descending=False, stable=True):
    """x sorted along `axis`; each value keeps its derivative.

    numpy's ``sort(x, axis)`` gives the values; PyTorch's ``sort(x, dim=d)`` (the
    keyword) gives (values, indices), as its Tensor.sort method does.
    """
    order = P._like_input(_order(x, axis if dim is None else dim, descending, "sort"), x)
    values = take_along_axis(x, order, axis if dim is None else dim)
    if dim is None:
        return values
    return P.ValuesIndices((values, order))


def topk(x, k, dim=-1, largest=True, sorted=True):  # noqa: A002 - PyTorch's names
    """PyTorch's topk: the k largest (or smallest) entries along `dim`, as (values, indices),
    always in sorted order (`sorted` is accepted for PyTorch's sake)."""
    a = _axis(x, dim, "topk")
    order = _order(x, a, largest, "topk")
    idx = np.take(order, np.arange(operator.index(k)), axis=a)
    return P.ValuesIndices((take_along_axis(x, idx, a), P._like_input(idx, x)))


def logaddexp(x, y):
    """ln(e^x + e^y), computed without overflow (a logsumexp of the pair)."""
    both = np.broadcast_shapes(shape_of(x), shape_of(y))
    return P.logsumexp(P.stack([P.broadcast_to(x, both), P.broadcast_to(y, both)]), axis=0)


def reciprocal(x):
    """1 / x."""
    return P.div(1.0, x)


def rsqrt(x):
    """1 / sqrt(x)."""
    return P.div(1.0, P.sqrt(x))


def logical_and(x, y):
    """Elementwise `and` of truth values (no derivative)."""
    return P._like_input(P._values_of(np.logical_and, x, y), x)


def logical_or(x, y):
    """Elementwise `or` of truth values (no derivative)."""
    return P._like_input(P._values_of(np.logical_or, x, y), x)


def logical_xor(x, y):
    """Elementwise exclusive `or` of truth values (no derivative)."""
    return P._like_input(P._values_of(np.logical_xor, x, y), x)


def logical_not(x):
    """Elementwise `not` of truth values (no derivative)."""
    return P._like_input(P._values_of(np.logical_not, x), x)


def isnan(x):
    """Where x is nan (no derivative)."""
    return P._like_input(P._values_of(np.isnan, x), x)


def isinf(x):
    """Where x is infinite (no derivative)."""
    return P._like_input(P._values_of(np.isinf, x), x)


def isfinite(x):
    """Where x is finite (no derivative)."""
    return P._like_input(P._values_of(np.isfinite, x), x)


def masked_fill(x, mask, value):
    """PyTorch's masked_fill: `value` where `mask` holds, x elsewhere."""
    return P.where(mask, value, x)


def all(x, axis=None, *, dim=None):  # noqa: A001 - numpy's and PyTorch's name
    """Whether every entry is nonzero, over `axis` (no derivative)."""
    return P.truth_reduction(P.ALL, x, axis if dim is None else dim)


def any(x, axis=None, *, dim=None):  # noqa: A001
    """Whether some entry is nonzero, over `axis` (no derivative)."""
    return P.truth_reduction(P.ANY, x, axis if dim is None else dim)


def _one_bool(x, y, op):
    """The values of x and y for a yes-or-no answer about the whole arrays (not under vmap)."""
    if isinstance(strip(x), Box) or isinstance(strip(y), Box):
        raise AdlabTypeError(
            f"{op}: one yes-or-no answer for whole arrays cannot be batched by vmap; use "
            f"adlab.isclose and adlab.all, which give one answer per example.")
    return raw(x), raw(y)


def allclose(x, y, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether x and y agree entrywise within the tolerances (a Python bool)."""
    a, b = _one_bool(x, y, "allclose")
    return bool(np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan))


def isclose(x, y, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Where x and y agree within the tolerances (no derivative)."""
    return P._like_input(P._values_of(
        lambda a, b: np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan), x, y), x)


def equal(x, y):
    """Whether x and y have the same shape and entries (PyTorch's equal; a Python bool)."""
    a, b = _one_bool(x, y, "equal")
    return bool(np.array_equal(a, b))


def nonzero(x, *, as_tuple=False):
    """The indices of the nonzero entries (no derivative): numpy's tuple of index arrays
    with as_tuple=True, else PyTorch's (count, ndim) array."""
    v, _ = _one_bool(x, 0.0, "nonzero")
    idx = np.nonzero(v)
    return idx if as_tuple else P._like_input(np.stack(idx, axis=-1), x)


def numel(x):
    """The number of entries of x."""
    return math.prod(shape_of(x))


def shape(x):
    """The shape of x."""
    return shape_of(x)


def ndim(x):
    """The number of axes of x."""
    return len(shape_of(x))


def is_tensor(x):
    """Whether x is an adlab tensor."""
    from .tensor import Tensor

    return isinstance(x, Tensor)


def floor_divide(x, y):
    """floor(x / y): its derivative is 0 (flat between the jumps)."""
    return P.floor(P.div(x, y))


class _At:
    """JAX's ``x.at[index]``: a new array with the entries at `index` set, added to or read."""

    __slots__ = ("x",)

    def __init__(self, x):
        self.x = x

    def __getitem__(self, index):
        return _AtIndex(self.x, P._index_param(index))


class _AtIndex:
    __slots__ = ("x", "index")

    def __init__(self, x, index):
        self.x, self.index = x, index

    def _spread(self, v):
        part = shape_of(P.getitem(self.x, self.index))
        return P.index_add(P.broadcast_to(v, part), self.index, shape_of(self.x))

    def get(self):
        """x[index]."""
        return P.getitem(self.x, self.index)

    def set(self, v):
        """x with the entries at index replaced by v (the indices should be distinct)."""
        part = shape_of(P.getitem(self.x, self.index))
        hit = P.index_add(np.ones(part), self.index, shape_of(self.x)) != 0  # a constant mask
        return P.where(hit, self._spread(v), self.x)

    def add(self, v):
        """x with v added at index (repeated indices add up)."""
        return self.x + self._spread(v)


def fabs(x):
    """Elementwise |x| (numpy's fabs)."""
    return P.abs(x)


_DEG = math.pi / 180.0


def deg2rad(x):
    """Degrees to radians."""
    return x * _DEG


def rad2deg(x):
    """Radians to degrees."""
    return x * (1.0 / _DEG)


radians, degrees = deg2rad, rad2deg


def diff(x, n=1, axis=-1):
    """numpy's diff: differences of neighbours along `axis`, n times."""
    a = _axis(x, axis, "diff")
    for _ in range(operator.index(n)):
        k = shape_of(x)[a]
        x = _take(x, a, slice(1, k)) - _take(x, a, slice(0, k - 1))
    return x


def atleast_1d(x):
    return P.reshape(x, (1,)) if not shape_of(x) else x


def atleast_2d(x):
    s = shape_of(x)
    return P.reshape(x, (1,) * (2 - len(s)) + s) if len(s) < 2 else x


def atleast_3d(x):
    s = shape_of(x)
    if len(s) >= 3:
        return x
    return P.reshape(x, {0: (1, 1, 1), 1: (1,) + s + (1,), 2: s + (1,)}[len(s)])


def column_stack(arrays):
    """numpy's column_stack: vectors as the columns of a matrix."""
    return P.concatenate([P.reshape(a, (-1, 1)) if len(shape_of(a)) < 2 else a for a in arrays], 1)


def flipud(x):
    return flip(x, 0)


def fliplr(x):
    return flip(x, 1)


def append(x, values, axis=None):
    """numpy's append: x and values joined (flattened when axis is None)."""
    if axis is None:
        return P.concatenate([P.ravel(x), P.ravel(values)])
    return P.concatenate([x, values], axis)


def real(x):
    """The real part: x itself, as adlab's values are real."""
    return x


def imag(x):
    """The imaginary part: zeros, as adlab's values are real (no derivative)."""
    return P._zeros(x)


conj = conjugate = real


__all__ = [
    "flip", "split", "chunk", "array_split", "unbind", "hstack", "vstack", "tril", "triu", "bmm",
    "mv", "take_along_axis", "gather", "index_select", "take", "argsort", "sort", "topk",
    "logaddexp", "reciprocal", "rsqrt", "logical_and", "logical_or", "logical_xor",
    "logical_not", "isnan", "isinf", "isfinite", "masked_fill", "all", "any", "allclose",
    "isclose", "equal", "nonzero", "numel", "shape", "ndim", "is_tensor", "floor_divide", "fabs",
    "deg2rad", "rad2deg", "radians", "degrees", "diff", "atleast_1d", "atleast_2d", "atleast_3d",
    "column_stack", "flipud", "fliplr", "append", "real", "imag", "conj", "conjugate",
]
