"""Derivative rules written by the user: custom_jvp, custom_vjp, and checkpoint.

`custom_jvp` and `custom_vjp` (JAX's API) give a function a derivative rule
of its own: to make it stable where the automatic one overflows (logsumexp),
to clip or replace a derivative, or to differentiate through a solver
without going through its iterations. Each decorated function becomes a
`Primitive` made at run time, so every transform, trace and table treats it
as one operation:

* its value is the function itself, run on plain values;
* its JVP is the rule (custom_jvp), or, for custom_vjp, the transpose of the
  VJP rule (reverse mode over the rule, which is linear in the cotangent);
* its VJP is the rule (custom_vjp), or, for custom_jvp, the transpose of the
  JVP rule.

`checkpoint` uses the same machinery to trade memory for recomputation:
the function's inner operations are not recorded, and its VJP runs it again.
"""

from __future__ import annotations

import functools

import numpy as np

from . import errors
from ._dispatch import Box, Primitive, Variadic, apply, shape_of
from .pytrees import tree_flatten


def _plain(fn):
    """fn's value on plain arguments: the function itself, with any positional arguments."""
    def impl(*xs, **params):
        return fn(*xs, **params)
    return impl


def _check_args(name, args, kwargs):
    if kwargs:
        raise errors.AdlabTypeError(
            f"{name}: pass the arguments positionally (keyword arguments are not "
            f"differentiated); bind constants with functools.partial or nondiff_argnums."
        )
    for i, a in enumerate(args):
        if isinstance(a, (tuple, list, dict)):
            raise errors.AdlabTypeError(
                f"{name}: argument {i} is a {type(a).__name__}; a custom rule takes numbers "
                f"and arrays as separate arguments."
            )


def _check_out(name, out):
    if isinstance(out, (tuple, list, dict)) or out is None:
        raise errors.AdlabTypeError(
            f"{name}: the function returned {errors._describe(out)}; a function with a custom "
            f"rule returns one number or array."
        )
    return out


def _split_static(args, nondiff):
    static = tuple(args[i] for i in nondiff)
    dynamic = tuple(a for i, a in enumerate(args) if i not in nondiff)
    return static, dynamic


def _merge_static(static, dynamic, nondiff):
    out, s, d = [], iter(static), iter(dynamic)
    for i in range(len(static) + len(dynamic)):
        out.append(next(s) if i in nondiff else next(d))
    return tuple(out)


class custom_jvp:
    """A function with a forward-mode rule of its own (JAX's custom_jvp).

    Example::

        @adlab.custom_jvp
        def f(x):
            return adlab.log1p(adlab.exp(x))

        @f.defjvp
        def f_jvp(primals, tangents):
            (x,), (t,) = primals, tangents
            return f(x), adlab.sigmoid(x) * t

    The rule gets the primals and the tangents as tuples and returns (value,
    tangent); it must be linear in the tangents (reverse mode transposes it).
    `nondiff_argnums` lists arguments passed to the rule first, as constants.
    """

    def __init__(self, fun, nondiff_argnums=()):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.nondiff = tuple(nondiff_argnums)
        self.rule = None

    def defjvp(self, rule):
        """Set the rule ``rule(primals, tangents) -> (value, tangent)``; returns it."""
        self.rule = rule
        return rule

    def _jvp(self, static, xs, ts):
        args = static + (tuple(xs), tuple(ts))
        return self.rule(*args)

    def _primitive(self, static, n):
        fun, name = self.fun, getattr(self.fun, "__name__", "custom")

        def impl(*xs):
            return fun(*_merge_static(static, xs, self.nondiff))

        def jvp_rule(i, t, ans, *xs):
            ts = [_zeros_as(x) for x in xs]
            ts[i] = t
            return self._jvp(static, xs, ts)[1]

        def vjp_rule(i, g, ans, *xs):
            from .transforms import vjp

            ts = [_zeros_as(x) for x in xs]

            def tangent_of(ti):
                ts_i = list(ts)
                ts_i[i] = ti
                return self._jvp(static, xs, ts_i)[1]

            return vjp(tangent_of, ts[i])[1](g)[0]  # the JVP is linear in ti: its transpose

        return Primitive(name, name, f"{name}({{*}})", f"\\operatorname{{{name}}}({{*}})", impl,
                         Variadic(jvp_rule), Variadic(vjp_rule))

    def __call__(self, *args, **kwargs):
        name = getattr(self.fun, "__name__", "custom_jvp")
        if self.rule is None:
            raise errors.AdlabTypeError(
                f"{name}: custom_jvp function has no rule yet; define one with @{name}.defjvp.")
        _check_args(name, args, kwargs)
        static, xs = _split_static(args, self.nondiff)
        if not any(isinstance(x, Box) for x in xs):
            return _check_out(name, self.fun(*args))
        return apply(self._primitive(static, len(xs)), xs)


class custom_vjp:
    """A function with a reverse-mode rule of its own (JAX's custom_vjp).

    Example (a logsumexp whose gradient is the stable softmax)::

        @adlab.custom_vjp
        def lse(x):
            m = adlab.stop_gradient(x.max())
            return m + adlab.log(adlab.exp(x - m).sum())

        def lse_fwd(x):
            y = lse(x)
            return y, (x, y)          # value and residuals

        def lse_bwd(res, g):
            x, y = res
            return (g * adlab.exp(x - y),)   # one cotangent per argument

        lse.defvjp(lse_fwd, lse_bwd)

    `nondiff_argnums` lists arguments passed to bwd first, as constants.
    Forward mode transposes bwd (which is linear in its cotangent), so jvp,
    jacfwd and hessian work too. The residuals are recomputed from the
    arguments when the rule runs.
    """

    def __init__(self, fun, nondiff_argnums=()):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.nondiff = tuple(nondiff_argnums)
        self.fwd = self.bwd = None

    def defvjp(self, fwd, bwd):
        """Set ``fwd(*args) -> (value, residuals)`` and ``bwd(residuals, g) -> cotangents``."""
        self.fwd, self.bwd = fwd, bwd

    def _cotangents(self, static, xs, g):
        _, res = self.fwd(*_merge_static(static, xs, self.nondiff))
        cts = self.bwd(*static, res, g)
        name = getattr(self.fun, "__name__", "custom_vjp")
        if not isinstance(cts, (tuple, list)) or len(cts) != len(xs):
            raise errors.AdlabTypeError(
                f"{name}: bwd must return a tuple with one cotangent per differentiated "
                f"argument ({len(xs)}), e.g. (g * y,); it returned {errors._describe(cts)}."
            )
        return cts

    def _primitive(self, static, n):
        fun, name = self.fun, getattr(self.fun, "__name__", "custom")

        def impl(*xs):
            return fun(*_merge_static(static, xs, self.nondiff))

        def vjp_rule(i, g, ans, *xs):
            c = self._cotangents(static, xs, g)[i]
            return _zeros_as(xs[i]) if c is None else c

        def jvp_rule(i, t, ans, *xs):
            from .transforms import vjp

            def pulled(u):
                return vjp_rule(i, u, ans, *xs)

            return vjp(pulled, _zeros_as(ans))[1](t)[0]  # bwd is linear in u: its transpose

        return Primitive(name, name, f"{name}({{*}})", f"\\operatorname{{{name}}}({{*}})", impl,
                         Variadic(jvp_rule), Variadic(vjp_rule))

    def __call__(self, *args, **kwargs):
        name = getattr(self.fun, "__name__", "custom_vjp")
        if self.fwd is None:
            raise errors.AdlabTypeError(
                f"{name}: custom_vjp function has no rule yet; set one with "
                f"{name}.defvjp(fwd, bwd).")
        _check_args(name, args, kwargs)
        static, xs = _split_static(args, self.nondiff)
        if not any(isinstance(x, Box) for x in xs):
            return _check_out(name, self.fun(*args))
        return apply(self._primitive(static, len(xs)), xs)


def _zeros_as(x):
    from ._dispatch import raw

    v = raw(x)
    if isinstance(v, np.ndarray):
        return np.zeros(v.shape, dtype=v.dtype if v.dtype.kind == "f" else np.float64)
    return 0.0


def checkpoint(fun):
    """fun, recomputed in the backward pass instead of storing its intermediate values.

    Reverse mode records one node for the whole call, keeping only its
    arguments; its VJP runs fun again under `adlab.vjp`. Memory falls from
    every intermediate value of fun to its inputs, at the cost of a second
    forward pass of fun (Griewank and Walther's checkpointing). Forward mode
    differentiates fun directly.
    """
    name = getattr(fun, "__name__", "checkpoint")

    def impl(*xs):
        return _check_out(name, fun(*xs))

    def jvp_rule(i, t, ans, *xs):
        from .transforms import jvp

        ts = [_zeros_as(x) for x in xs]
        ts[i] = t
        return jvp(fun, tuple(xs), tuple(ts))[1]

    def vjp_rule(i, g, ans, *xs):
        from .transforms import vjp

        return vjp(fun, *xs)[1](g)[i]  # recompute fun's forward pass, then pull g back

    prim = Primitive(f"checkpoint({name})", "ckpt", f"{name}({{*}})",
                     f"\\operatorname{{{name}}}({{*}})", impl, Variadic(jvp_rule),
                     Variadic(vjp_rule))

    @functools.wraps(fun)
    def checkpointed(*args, **kwargs):
        _check_args(name, args, kwargs)
        if not any(isinstance(x, Box) for x in args):
            return fun(*args)
        return apply(prim, args)

    return checkpointed


__all__ = ["custom_jvp", "custom_vjp", "checkpoint"]
