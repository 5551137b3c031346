"""Operators and array methods shared by every box type.

Each method dispatches to a primitive through `adlab.primitives`; none of
them differentiates anything itself. Comparisons return plain values (bools
or boolean arrays) computed on the primal, so Python control flow such as
``while y.norm() < 1000`` works on boxes.
"""

from __future__ import annotations

import numpy as np

from . import primitives as P
from ._dispatch import Box, raw, shape_of

# numpy ufuncs that map onto a primitive, read off the table
_UFUNCS = {p.impl: p for p in P.PRIMITIVES.values() if isinstance(p.impl, np.ufunc)}


class ArrayMethods(Box):
    """Mixin: arithmetic operators, comparisons and array methods for boxes."""

    __slots__ = ()

    # Let numpy hand mixed expressions (ndarray * box, np.sin(box)) to adlab.
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        prim = _UFUNCS.get(ufunc)
        if prim is None or method != "__call__" or kwargs:
            raise TypeError(
                f"numpy.{ufunc.__name__} cannot follow derivatives through an adlab value; "
                f"use the adlab function of the same name (adlab.sin, adlab.exp, ...) "
                f"or take the plain values first with .detach().numpy()."
            )
        from ._dispatch import apply

        return apply(prim, inputs)

    # arithmetic
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

    # comparisons give plain values, for Python control flow
    def __lt__(self, other):
        return raw(self) < raw(other)

    def __le__(self, other):
        return raw(self) <= raw(other)

    def __gt__(self, other):
        return raw(self) > raw(other)

    def __ge__(self, other):
        return raw(self) >= raw(other)

    def __eq__(self, other):
        return raw(self) == raw(other)

    def __ne__(self, other):
        return raw(self) != raw(other)

    __hash__ = object.__hash__

    def __bool__(self):
        return bool(raw(self))

    def __len__(self):
        shape = self.shape
        if not shape:
            raise TypeError("len() of a 0-d tensor: it has no first axis (use .item()).")
        return shape[0]

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def __format__(self, spec):
        value = raw(self)
        if np.ndim(value) == 0:
            return format(float(value), spec)
        return format(str(value), spec)

    # array attributes
    @property
    def shape(self) -> tuple:
        """The shape of the primal value."""
        return shape_of(self._primal_value())

    @property
    def ndim(self) -> int:
        """Number of axes."""
        return len(self.shape)

    @property
    def size(self) -> int:
        """Number of entries."""
        return int(np.prod(self.shape))

    @property
    def dtype(self):
        """numpy dtype of the primal value."""
        return np.result_type(raw(self))

    @property
    def T(self):
        """The transpose (axes reversed)."""
        return P.transpose(self)

    # array methods, each one primitive
    def sum(self, axis=None, keepdims=False):
        """Sum over `axis` (all entries when None)."""
        return P.sum_(self, axis, keepdims)

    def mean(self, axis=None, keepdims=False):
        """Mean over `axis` (all entries when None)."""
        return P.mean(self, axis, keepdims)

    def reshape(self, *shape):
        """Same entries in a new shape."""
        return P.reshape(self, *shape)

    def transpose(self, *axes):
        """Axes permuted (reversed when no axes are given)."""
        return P.transpose(self, axes if axes else None)

    def dot(self, other):
        """Inner product with another 1-D vector."""
        return P.dot(self, other)

    def outer(self, other):
        """Outer product with another 1-D vector (the matrix of self[i] * other[j])."""
        return P.outer(self, other)

    def norm(self):
        """Euclidean norm of all entries."""
        return P.norm(self)

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

    def maximum(self, other):
        return P.maximum(self, other)

    def pow(self, other):
        return P.power(self, other)
