"""Operators, array methods and the numpy protocols shared by every box type.

Each method dispatches to a primitive through `adlab.primitives`; none of
them differentiates anything itself. Methods carry both numpy's names and
arguments (``sum(axis=, keepdims=)``, ``astype``, ``size``) and PyTorch's
(``sum(dim=, keepdim=)``, ``float()``, ``size()``, ``t()``, ``unsqueeze``).

Comparisons return values computed on the primal (booleans carry no
derivative), so Python control flow such as ``while y.norm() < 1000`` works
on boxes. numpy functions called on a box (``np.sin(x)``, ``np.sum(x)``)
come back to the matching adlab operation; those with no adlab counterpart
run on the plain values when no derivative would be lost, and raise an error
naming the fix when one would.
"""

from __future__ import annotations

import operator

import numpy as np

from . import errors
from . import primitives as P
from ._dispatch import Box, apply, raw, shape_of, strip

# numpy ufuncs that map onto a primitive, read off the table
_UFUNCS = {p.impl: p for p in P.PRIMITIVES.values() if isinstance(p.impl, np.ufunc)}
_COMPARISONS = {np.less: operator.lt, np.less_equal: operator.le, np.greater: operator.gt,
                np.greater_equal: operator.ge, np.equal: operator.eq, np.not_equal: operator.ne}
# ufuncs whose results are truth values: computed on the primal values, no derivative lost
_TRUTH = {np.isnan, np.isinf, np.isfinite, np.signbit, np.logical_and, np.logical_or,
          np.logical_xor, np.logical_not}


class _Size(int):
    """numpy's ``size`` (the number of entries) that is also PyTorch's ``size()`` method."""

    def __new__(cls, shape):
        obj = int.__new__(cls, int(np.prod(shape)) if shape else 1)
        obj.shape = shape
        return obj

    def __call__(self, dim=None):
        """PyTorch's ``x.size()``: the shape, or the length of axis `dim`."""
        return self.shape if dim is None else self.shape[dim]


def compare(a, b, op):
    """a op b on the primal values: plain booleans, batched under vmap."""
    sa, sb = strip(a), strip(b)
    if isinstance(sa, Box) or isinstance(sb, Box):
        return apply(P.CONSTANT, (sa, sb), {"fn": op})
    return op(raw(sa), raw(sb))


def _carries_derivative(x) -> bool:
    return isinstance(x, Box) and x._carries_derivative()


def _leaves(x):
    from .pytrees import tree_leaves

    return tree_leaves(x)


class ArrayMethods(Box):
    """Mixin: arithmetic operators, comparisons, array methods and numpy protocols for boxes."""

    __slots__ = ()

    # what a box is, for messages: which transform made it (set by each box type)
    _kind = "a value being differentiated"

    def _carries_derivative(self) -> bool:
        """Whether turning this box into plain numbers would lose a derivative."""
        return True

    @classmethod
    def _wrap_plain(cls, value, like):
        """A plain result (a comparison, an argmax) as the caller expects it; see Tensor."""
        return value

    def _leaving(self, what):
        return errors.AdlabTypeError(
            f"{what} of {self._kind}: it would become a plain number without its derivative, "
            f"and the derivative would silently come out as 0. Keep it an adlab value: use "
            f"adlab.sin, adlab.exp, ... instead of math.* or numpy on its values, and return "
            f"it from the function. If you want its value as a constant on purpose, use "
            f"adlab.stop_gradient(x)."
        )

    # -- numpy protocols ----------------------------------------------------

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if method == "__call__" and not kwargs:
            prim = _UFUNCS.get(ufunc)
            if prim is not None:
                return apply(prim, inputs)
            op = _COMPARISONS.get(ufunc)
            if op is not None and len(inputs) == 2:
                return type(self)._wrap_plain(compare(inputs[0], inputs[1], op), self)
            if ufunc in _TRUTH:
                return type(self)._wrap_plain(P._values_of(ufunc, *inputs), self)
            if ufunc is np.logaddexp:
                from .composites import logaddexp

                return logaddexp(*inputs)
            if ufunc is np.floor_divide:
                from .composites import floor_divide

                return floor_divide(*inputs)
        lost = [x for x in inputs + tuple(kwargs.get("out", ()) or ()) if _carries_derivative(x)]
        if lost:
            if method != "__call__":
                what = f"numpy.{ufunc.__name__}.{method}"
                fix = ("use the adlab operation instead (adlab.sum for add.reduce, adlab.outer "
                       "for multiply.outer)")
            elif kwargs:
                what = f"numpy.{ufunc.__name__} with {', '.join(k + '=' for k in kwargs)}"
                fix = f"call it without {', '.join(k + '=' for k in kwargs)} (adlab writes no arrays in place)"
            else:
                what = f"numpy.{ufunc.__name__}"
                fix = "build it from adlab operations"
            raise errors.AdlabTypeError(
                f"{what} cannot follow derivatives through {lost[0]._kind}; {fix}, or take "
                f"the plain values first with .detach().numpy()."
            )
        out = kwargs.get("out")
        if out is not None:
            kwargs = dict(kwargs, out=tuple(raw(o) for o in out))
        return getattr(ufunc, method)(*[raw(x) for x in inputs], **kwargs)

    def __array_function__(self, func, types, args, kwargs):
        from . import numpy_functions

        impl = numpy_functions.FUNCTIONS.get(func)
        if impl is not None:
            return impl(*args, **kwargs)
        if func in numpy_functions.VALUE_ONLY or not any(
                _carries_derivative(x) for x in _leaves((args, kwargs))):
            from .pytrees import tree_map

            return func(*tree_map(raw, args), **tree_map(raw, kwargs))
        raise errors.AdlabTypeError(
            f"numpy.{func.__name__} cannot follow derivatives through {self._kind}, and adlab "
            f"has no operation of that name. Build it from adlab operations, or take the "
            f"plain values first with .detach().numpy()."
        )

    # -- arithmetic -----------------------------------------------------------

    def __add__(self, other):
        return P.add(self, other)

    def __radd__(self, other):
        return P.add(other, self)

    def __sub__(self, other):
        return P.sub(self, other)

    def __rsub__(self, other):
        return P.sub(other, self)

    def __mul__(self, other):
        return P.mul(self, other)

    def __rmul__(self, other):
        return P.mul(other, self)

    def __truediv__(self, other):
        return P.div(self, other)

    def __rtruediv__(self, other):
        return P.div(other, self)

    def __pow__(self, other):
        return P.power(self, other)

    def __rpow__(self, other):
        return P.power(other, self)

    def __mod__(self, other):
        return P.mod(self, other)

    def __rmod__(self, other):
        return P.mod(other, self)

    def __matmul__(self, other):
        return P.matmul(self, other)

    def __rmatmul__(self, other):
        return P.matmul(other, self)

    def __neg__(self):
        return P.neg(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return P.abs(self)

    def __getitem__(self, index):
        return P.getitem(self, index)

    def __setitem__(self, index, value):
        raise errors.AdlabTypeError(
            f"x[...] = value: {self._kind} cannot be changed in place, because adlab records no "
            f"assignments. Build the new value instead: adlab.where(mask, value, x), "
            f"x.at[index].set(value), or adlab.stack / adlab.concatenate."
        )

    def __floordiv__(self, other):
        from .composites import floor_divide

        return floor_divide(self, other)

    def __rfloordiv__(self, other):
        from .composites import floor_divide

        return floor_divide(other, self)

    # -- truth values: masks, no derivative ---------------------------------------

    def __and__(self, other):
        return type(self)._wrap_plain(P._values_of(np.logical_and, self, other), self)

    __rand__ = __and__

    def __or__(self, other):
        return type(self)._wrap_plain(P._values_of(np.logical_or, self, other), self)

    __ror__ = __or__

    def __xor__(self, other):
        return type(self)._wrap_plain(P._values_of(np.logical_xor, self, other), self)

    __rxor__ = __xor__

    def __invert__(self):
        return type(self)._wrap_plain(P._values_of(np.logical_not, self), self)

    # -- comparisons give plain values, for Python control flow ---------------

    def __lt__(self, other):
        return type(self)._wrap_plain(compare(self, other, operator.lt), self)

    def __le__(self, other):
        return type(self)._wrap_plain(compare(self, other, operator.le), self)

    def __gt__(self, other):
        return type(self)._wrap_plain(compare(self, other, operator.gt), self)

    def __ge__(self, other):
        return type(self)._wrap_plain(compare(self, other, operator.ge), self)

    def __eq__(self, other):
        return type(self)._wrap_plain(compare(self, other, operator.eq), self)

    def __ne__(self, other):
        return type(self)._wrap_plain(compare(self, other, operator.ne), self)

    __hash__ = object.__hash__

    def __bool__(self):
        return bool(raw(self))

    def __len__(self):
        shape = self.shape
        if not shape:
            raise errors.AdlabTypeError(
                f"len() of {self._kind} of shape (): it has no first axis (use .item()).")
        return shape[0]

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def __format__(self, spec):
        value = raw(self)
        if np.ndim(value) == 0:
            return format(float(value), spec)
        return format(str(value), spec)

    # -- leaving adlab: an error inside a transform ------------------------------

    def __float__(self):
        raise self._leaving("float()")

    def __int__(self):
        raise self._leaving("int()")

    def __complex__(self):
        raise self._leaving("complex()")

    def item(self):
        """The value as a Python number (not inside a transform: it would lose the derivative)."""
        raise self._leaving(".item()")

    def tolist(self):
        """The values as nested lists (not inside a transform)."""
        raise self._leaving(".tolist()")

    # -- array attributes --------------------------------------------------------

    @property
    def shape(self) -> tuple:
        """The shape of the primal value."""
        return shape_of(self._primal_value())

    @property
    def ndim(self) -> int:
        """Number of axes."""
        return len(self.shape)

    @property
    def size(self) -> _Size:
        """Number of entries (numpy); call it, ``x.size()``, for the shape (PyTorch)."""
        return _Size(self.shape)

    def numel(self) -> int:
        """Number of entries (PyTorch)."""
        return int(np.prod(self.shape)) if self.shape else 1

    nelement = numel

    def dim(self) -> int:
        """Number of axes (PyTorch)."""
        return len(self.shape)

    @property
    def dtype(self):
        """numpy dtype of the primal value."""
        return np.result_type(raw(self))

    @property
    def T(self):
        """The transpose (axes reversed)."""
        return P.transpose(self)

    @property
    def mT(self):
        """The last two axes swapped (PyTorch's batched matrix transpose)."""
        return P.swapaxes(self, -2, -1)

    # -- reductions ---------------------------------------------------------------

    def sum(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        """Sum over `axis` / `dim` (all entries when None)."""
        return P.sum_(self, axis, keepdims, dim=dim, keepdim=keepdim)

    def mean(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        """Mean over `axis` / `dim` (all entries when None)."""
        return P.mean(self, axis, keepdims, dim=dim, keepdim=keepdim)

    def prod(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        """Product over `axis` / `dim`."""
        return P.prod(self, axis, keepdims, dim=dim, keepdim=keepdim)

    def max(self, *args, axis=None, keepdims=False, dim=None, keepdim=None):
        """Largest entry: ``max()``, ``max(axis=1)`` (values), ``max(1)`` or ``max(dim=1)``
        (PyTorch's values and indices), ``max(other)`` elementwise; see adlab.max."""
        return P.max(self, *args, axis=axis, keepdims=keepdims, dim=dim, keepdim=keepdim)

    def min(self, *args, axis=None, keepdims=False, dim=None, keepdim=None):
        """Smallest entry; see `max`."""
        return P.min(self, *args, axis=axis, keepdims=keepdims, dim=dim, keepdim=keepdim)

    def amax(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        return P.amax(self, axis, keepdims, dim=dim, keepdim=keepdim)

    def amin(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        return P.amin(self, axis, keepdims, dim=dim, keepdim=keepdim)

    def argmax(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        """Index of the largest entry (the first of ties); no derivative."""
        return P.argmax(self, axis, keepdims, dim=dim, keepdim=keepdim)

    def argmin(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        """Index of the smallest entry (the first of ties); no derivative."""
        return P.argmin(self, axis, keepdims, dim=dim, keepdim=keepdim)

    def var(self, axis=None, keepdims=False, ddof=0, *, dim=None, keepdim=None,
            correction=None, unbiased=None):
        """Variance (numpy's ddof, PyTorch's correction or unbiased)."""
        return P.var(self, axis, keepdims, ddof, dim=dim, keepdim=keepdim, correction=correction,
                     unbiased=unbiased)

    def std(self, axis=None, keepdims=False, ddof=0, *, dim=None, keepdim=None,
            correction=None, unbiased=None):
        """Standard deviation (numpy's ddof, PyTorch's correction or unbiased)."""
        return P.std(self, axis, keepdims, ddof, dim=dim, keepdim=keepdim, correction=correction,
                     unbiased=unbiased)

    def logsumexp(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        return P.logsumexp(self, axis, keepdims, dim=dim, keepdim=keepdim)

    def softmax(self, axis=-1, *, dim=None):
        return P.softmax(self, axis, dim=dim)

    def log_softmax(self, axis=-1, *, dim=None):
        return P.log_softmax(self, axis, dim=dim)

    def cumsum(self, axis=None, *, dim=None):
        return P.cumsum(self, axis, dim=dim)

    def norm(self, p=None, dim=None, keepdim=False, *, ord=None, axis=None, keepdims=None):
        """The norm of order p (Euclidean by default) over `dim` (all entries by default),
        as PyTorch's Tensor.norm; see adlab.norm."""
        return P.norm(self, ord, axis, False, p=p, dim=dim,
                      keepdim=keepdim if keepdims is None else keepdims)

    def all(self, axis=None, *, dim=None):
        """Whether every entry is nonzero (no derivative)."""
        return P.truth_reduction(P.ALL, self, axis if dim is None else dim)

    def any(self, axis=None, *, dim=None):
        """Whether some entry is nonzero (no derivative)."""
        return P.truth_reduction(P.ANY, self, axis if dim is None else dim)

    def eq(self, other):
        return self == other

    def ne(self, other):
        return self != other

    def lt(self, other):
        return self < other

    def le(self, other):
        return self <= other

    def gt(self, other):
        return self > other

    def ge(self, other):
        return self >= other

    def isnan(self):
        from .composites import isnan

        return isnan(self)

    def isinf(self):
        from .composites import isinf

        return isinf(self)

    def isfinite(self):
        from .composites import isfinite

        return isfinite(self)

    def nonzero(self, *, as_tuple=False):
        from .composites import nonzero

        return nonzero(self, as_tuple=as_tuple)

    def masked_fill(self, mask, value):
        """value where mask holds, self elsewhere (PyTorch)."""
        return P.where(mask, value, self)

    def logical_and(self, other):
        return self & other

    def logical_or(self, other):
        return self | other

    def logical_not(self):
        return ~self

    @property
    def at(self):
        """JAX's functional update: ``x.at[i].set(v)``, ``x.at[i].add(v)``, ``x.at[i].get()``."""
        from .composites import _At

        return _At(self)

    # -- shapes -------------------------------------------------------------------

    def reshape(self, *shape):
        """Same entries in a new shape."""
        return P.reshape(self, *shape)

    def view(self, *shape):
        """PyTorch's name for reshape."""
        return P.reshape(self, *shape)

    def transpose(self, *axes):
        """Axes reversed (no argument), permuted (numpy: all axes), or two exchanged (PyTorch)."""
        return P.transpose(self, *axes)

    def permute(self, *dims):
        """PyTorch's permutation of the axes."""
        return P.permute(self, *dims)

    def swapaxes(self, axis1, axis2):
        return P.swapaxes(self, axis1, axis2)

    def t(self):
        """PyTorch's transpose of a matrix (a vector is returned as it is)."""
        return P.transpose(self) if self.ndim == 2 else self

    def squeeze(self, axis=None, *, dim=None):
        return P.squeeze(self, axis, dim=dim)

    def unsqueeze(self, dim):
        return P.unsqueeze(self, dim)

    def expand_dims(self, axis):
        return P.expand_dims(self, axis)

    def flatten(self, start_dim=0, end_dim=-1):
        return P.flatten(self, start_dim, end_dim)

    def ravel(self):
        return P.ravel(self)

    def expand(self, *sizes):
        """PyTorch's broadcast to `sizes` (-1 keeps an axis)."""
        if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
            sizes = tuple(sizes[0])
        shape = self.shape
        lead = len(sizes) - len(shape)
        target = tuple(shape[i - lead] if s == -1 else s for i, s in enumerate(sizes))
        return P.broadcast_to(self, target)

    def expand_as(self, other):
        return P.broadcast_to(self, shape_of(other))

    def view_as(self, other):
        return P.reshape(self, shape_of(other))

    def repeat(self, *sizes):
        """PyTorch's Tensor.repeat: tile the tensor (numpy's repeat is adlab.repeat)."""
        if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
            sizes = tuple(sizes[0])
        return P.tile(self, sizes)

    def repeat_interleave(self, repeats, dim=None):
        return P.repeat(self, repeats, dim)

    def tile(self, reps):
        return P.tile(self, reps)

    def roll(self, shifts, axis=None, *, dims=None):
        return P.roll(self, shifts, axis, dims=dims)

    def flip(self, *dims):
        from .composites import flip

        if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
            dims = tuple(dims[0])
        return flip(self, dims if dims else None)

    def split(self, split_size_or_sections, dim=0):
        from .composites import split

        return split(self, split_size_or_sections, dim)

    def chunk(self, chunks, dim=0):
        from .composites import chunk

        return chunk(self, chunks, dim)

    def unbind(self, dim=0):
        from .composites import unbind

        return unbind(self, dim)

    def tril(self, diagonal=0):
        from .composites import tril

        return tril(self, diagonal)

    def triu(self, diagonal=0):
        from .composites import triu

        return triu(self, diagonal)

    def gather(self, dim, index):
        from .composites import gather

        return gather(self, dim, index)

    def index_select(self, dim, index):
        from .composites import index_select

        return index_select(self, dim, index)

    def sort(self, dim=-1, descending=False):
        """PyTorch's sort: (values, indices) along `dim`."""
        from .composites import sort

        return sort(self, dim=dim, descending=descending)

    def argsort(self, dim=-1, descending=False):
        from .composites import argsort

        return argsort(self, dim=dim, descending=descending)

    def topk(self, k, dim=-1, largest=True, sorted=True):  # noqa: A002
        from .composites import topk

        return topk(self, k, dim, largest, sorted)

    def trace(self, offset=0):
        """The sum of the diagonal."""
        return P.trace(self, offset=offset)

    def diag(self, k=0):
        return P.diag(self, k)

    def diagonal(self, offset=0):
        return P.diagonal(self, offset)

    # -- products -------------------------------------------------------------------

    def dot(self, other):
        """numpy's dot (the inner product for two vectors)."""
        return P.dot(self, other)

    def outer(self, other):
        """Outer product with another vector (the matrix of self[i] * other[j])."""
        return P.outer(self, other)

    def matmul(self, other):
        return P.matmul(self, other)

    def mm(self, other):
        return P.mm(self, other)

    def bmm(self, other):
        from .composites import bmm

        return bmm(self, other)

    def mv(self, other):
        from .composites import mv

        return mv(self, other)

    def add(self, other, alpha=1):
        """self + alpha * other (PyTorch's add; a new tensor)."""
        return P.add(self, other, alpha=alpha)

    def sub(self, other, alpha=1):
        """self - alpha * other (PyTorch's sub; a new tensor)."""
        return P.sub(self, other, alpha=alpha)

    def mul(self, other):
        return P.mul(self, other)

    def div(self, other):
        return P.div(self, other)

    def reciprocal(self):
        return P.div(1.0, self)

    def rsqrt(self):
        return P.div(1.0, P.sqrt(self))

    # -- elementwise -------------------------------------------------------------------

    def exp(self):
        return P.exp(self)

    def log(self):
        return P.log(self)

    def sin(self):
        return P.sin(self)

    def cos(self):
        return P.cos(self)

    def tan(self):
        return P.tan(self)

    def tanh(self):
        return P.tanh(self)

    def sqrt(self):
        return P.sqrt(self)

    def abs(self):
        return P.abs(self)

    def relu(self):
        return P.relu(self)

    def sigmoid(self):
        return P.sigmoid(self)

    def sign(self):
        return P.sign(self)

    def square(self):
        return P.square(self)

    def round(self, decimals=0):
        return P.round_(self, decimals)

    def floor(self):
        return P.floor(self)

    def ceil(self):
        return P.ceil(self)

    def log1p(self):
        return P.log1p(self)

    def expm1(self):
        return P.expm1(self)

    def log2(self):
        return P.log2(self)

    def log10(self):
        return P.log10(self)

    def sinh(self):
        return P.sinh(self)

    def cosh(self):
        return P.cosh(self)

    def arcsin(self):
        return P.arcsin(self)

    def arccos(self):
        return P.arccos(self)

    def arctan(self):
        return P.arctan(self)

    asin, acos, atan = arcsin, arccos, arctan

    def arcsinh(self):
        return P.arcsinh(self)

    def arccosh(self):
        return P.arccosh(self)

    def arctanh(self):
        return P.arctanh(self)

    asinh, acosh, atanh = arcsinh, arccosh, arctanh

    def maximum(self, other):
        return P.maximum(self, other)

    def minimum(self, other):
        return P.minimum(self, other)

    def pow(self, other):
        return P.power(self, other)

    def clip(self, min=None, max=None):  # noqa: A002 - numpy's and PyTorch's names
        return P.clip(self, min, max)

    def clamp(self, min=None, max=None):  # noqa: A002
        return P.clip(self, min, max)

    # -- types and copies ---------------------------------------------------------------

    def astype(self, dtype):
        """The values as `dtype` (differentiable between float types)."""
        return P.astype(self, dtype)

    def float(self):
        """As float32 (PyTorch's default float type)."""
        return P.astype(self, np.float32)

    def double(self):
        """As float64."""
        return P.astype(self, np.float64)

    def half(self):
        """As float16."""
        return P.astype(self, np.float16)

    def long(self):
        """As int64 (a constant: integers carry no derivative)."""
        return P.astype(self, np.int64)

    def int(self):
        return P.astype(self, np.int32)

    def bool(self):
        return P.astype(self, np.bool_)

    def type(self, dtype=None):
        """PyTorch's type: with a dtype, the values converted to it."""
        if dtype is None:
            return f"adlab.{type(self).__name__}[{self.dtype}]"
        return P.astype(self, dtype)

    def to(self, *args, **kwargs):
        """PyTorch's to(): a dtype converts; a device ("cpu") keeps the values as they are."""
        from .tensor import _check_device

        dtype = kwargs.get("dtype")
        _check_device(kwargs.get("device"))
        for a in args:
            if isinstance(a, str):
                _check_device(a)
            else:
                dtype = a
        return self if dtype is None else P.astype(self, dtype)

    def cpu(self):
        return self

    def contiguous(self):
        return self

    def clone(self):
        """A copy that keeps its derivatives."""
        return P.copy(self)

    def copy(self):
        return P.copy(self)
