"""Forward mode: the `Dual` box, a primal value carried with its tangent.

Applying a primitive to duals computes the primal output one level down and
the output tangent from the primitive's JVP rules, one rule per argument that
carries a tangent (arguments without one contribute nothing). This is true
forward mode: nothing is recorded and nothing runs backwards.
"""

from __future__ import annotations

import numpy as np

from ._dispatch import apply, raw, register, shape_of
from .arraymethods import ArrayMethods
from .primitives import broadcast_to


class Dual(ArrayMethods):
    """A primal value with a tangent (x, x_dot) at one forward-mode level."""

    __slots__ = ("_level", "primal", "tangent")

    def __init__(self, level, primal, tangent):
        self._level = level
        self.primal = primal
        self.tangent = tangent

    def _primal_value(self):
        return self.primal

    _kind = "a value inside adlab.jvp (or jacfwd), which it is differentiating"

    def __array__(self, dtype=None, copy=None):
        raise self._leaving("Converting to a numpy array (np.array, np.asarray)")

    def __repr__(self):
        """``Dual(primal=..., tangent=...)``; nested forward modes name each tangent's level.

        Inside one `adlab.jvp` a value prints as ``Dual(primal=-17.1, tangent=4.0)``.
        Inside a jvp within a jvp (a second derivative) the value is a Dual whose
        primal and tangent are Duals of the outer jvp; then each tangent says
        which jvp it belongs to: ``tangent of nesting level 1`` is the outermost
        jvp's, ``tangent of nesting level 2`` the one inside it.
        """
        depth = _nesting_level(self)
        if depth == 1:
            return f"Dual(primal={_shown(self.primal)}, tangent={_shown(self.tangent)})"
        return (f"{_nested_repr(self)} (nested forward mode: nesting level 1 is the outermost "
                f"jvp, level {depth} the innermost)")


def _nesting_level(x) -> int:
    """How many Duals are nested in x: 0 for a plain value, 1 for a Dual of plain values."""
    if type(x) is not Dual:
        return 0
    return 1 + max(_nesting_level(x.primal), _nesting_level(x.tangent))


def _nested_repr(x) -> str:
    """A Dual inside nested forward modes, each tangent labelled with its nesting level."""
    if type(x) is not Dual:
        return _shown(x)
    return (f"Dual(primal={_nested_repr(x.primal)}, tangent of nesting level "
            f"{_nesting_level(x)}={_nested_repr(x.tangent)})")


def _shown(x) -> str:
    """A plain value as numpy prints it: 4.0, -17.09861228866811, [1.0, 2.0]."""
    v = np.asarray(raw(x))
    if v.ndim == 0:
        return str(v[()])
    return np.array2string(v, separator=", ")


def _push_forward(top, prim, args, params):
    """Processor for duals: primal by `apply` one level down, tangent by the JVP rules."""
    level = top._level
    primals = [a.primal if type(a) is Dual and a._level == level else a for a in args]
    ans = apply(prim, primals, params)
    tangent = None
    nondiff = prim.nondiff
    for i, a in enumerate(args):
        if type(a) is Dual and a._level == level and i not in nondiff:
            t = prim.jvp[i](a.tangent, ans, *primals, **params)
            tangent = t if tangent is None else tangent + t
    if tangent is None:  # only arguments that carry no derivative had tangents
        return ans
    out_shape = shape_of(ans)
    if shape_of(tangent) != out_shape:
        tangent = broadcast_to(tangent, out_shape)
    return Dual(level, ans, tangent)


register(Dual, _push_forward)
