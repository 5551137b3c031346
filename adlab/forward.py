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
        p = np.array2string(np.asarray(raw(self.primal)), separator=", ")
        t = np.array2string(np.asarray(raw(self.tangent)), separator=", ")
        return f"Dual<level {self._level}>(primal={p}, tangent={t})"


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
