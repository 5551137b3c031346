"""Derivative rules written by the user: custom_jvp, custom_vjp, and checkpoint.

`custom_jvp` and `custom_vjp` (JAX's API) give a function a derivative rule
of its own: to make it stable where the automatic one overflows (logsumexp),
to clip or replace a derivative, or to differentiate through a solver
without going through its iterations. Each call of a decorated function
becomes one `Primitive`, made at run time over the leaves of its arguments
(which may be pytrees), so every transform, trace and table treats it as one
operation:

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
from ._dispatch import Box, Primitive, Variadic, apply, raw, shape_of
from .primitives import _zeros  # zeros of x's shape: batched under vmap, one example's shape
from .pytrees import tree_flatten, tree_flatten_up_to, tree_unflatten


def _check_kwargs(name, kwargs):
    if kwargs:
        raise errors.AdlabTypeError(
            f"{name}: pass the arguments positionally (keyword arguments are not "
            f"differentiated); bind constants with functools.partial or nondiff_argnums."
        )


def _check_out(name, out):
    if isinstance(out, (tuple, list, dict)) or out is None:
        raise errors.AdlabTypeError(
            f"{name}: the function returned {errors._describe(out)}; a function with a custom "
            f"rule returns one number or array."
        )
    return out


def _check_linear(name, pull, ans):
    """Forward mode transposes bwd, which is right only if bwd is linear in its cotangent
    (as a true VJP is): test bwd(2u) = 2 bwd(u) at u = 1, and refuse otherwise."""
    one = np.ones(np.shape(raw(ans)))
    a, b = raw(pull(one)), raw(pull(2.0 * one))
    if not np.allclose(np.asarray(b, float), 2.0 * np.asarray(a, float), rtol=1e-7, atol=1e-12,
                       equal_nan=True):
        raise errors.AdlabTypeError(
            f"{name}: forward mode (jvp, jacfwd, hessian) of a custom_vjp function transposes its "
            f"bwd, but this bwd is not linear in the cotangent (bwd(2g) is not 2 bwd(g)), so no "
            f"forward-mode derivative follows from it (JAX refuses too). Use reverse mode, or "
            f"give the function a custom_jvp rule."
        )




class _Call:
    """One call's arguments: the constants (nondiff_argnums), and the others as leaves."""

    def __init__(self, args, nondiff):
        self.nondiff = nondiff
        self.static = tuple(args[i] for i in nondiff)
        dynamic = tuple(a for i, a in enumerate(args) if i not in nondiff)
        self.leaves, self.treedef = tree_flatten(dynamic)

    def dynamic(self, leaves):
        """The differentiated arguments rebuilt from `leaves`, as a tuple."""
        return tree_unflatten(self.treedef, list(leaves))

    def args(self, leaves):
        """All the arguments, in order, with the differentiated ones rebuilt from `leaves`."""
        dynamic = iter(self.dynamic(leaves))
        static = iter(self.static)
        n = len(self.static) + len(self.treedef.children)
        return tuple(next(static) if i in self.nondiff else next(dynamic) for i in range(n))

    def leaves_of(self, tree, what):
        """The leaves of a tuple in the structure of the differentiated arguments."""
        return tree_flatten_up_to(self.treedef, tuple(tree), what)

    def boxed(self):
        return any(isinstance(x, Box) for x in self.leaves)


class _Custom:
    """A function applied as one primitive, with rules that `_rules` makes for each call."""

    nondiff: tuple = ()

    def _missing(self):
        """A sentence for a function whose rule is not set yet, else None."""
        return None

    def _rules(self, call, name):
        raise NotImplementedError

    def __call__(self, *args, **kwargs):
        name = getattr(self.fun, "__name__", type(self).__name__)
        missing = self._missing()
        if missing:
            raise errors.AdlabTypeError(f"{name}: {missing}")
        _check_kwargs(name, kwargs)
        call = _Call(args, self.nondiff)
        if not call.boxed():
            return _check_out(name, self.fun(*args))

        def impl(*leaves):
            out = _check_out(name, self.fun(*call.args(leaves)))
            if isinstance(out, Box):  # run on plain arguments, it still met a box
                raise _ClosesOver(name)
            return out

        jvp_rule, vjp_rule = self._rules(call, name)
        label = getattr(self, "label", name)
        prim = Primitive(label, label, f"{name}({{*}})", f"\\operatorname{{{name}}}({{*}})",
                         impl, Variadic(_checked(jvp_rule, name, "JVP")),
                         Variadic(_checked(vjp_rule, name, "VJP")))
        try:
            return apply(prim, tuple(call.leaves))
        except _ClosesOver:
            return self._closure(args, name)

    def _closure(self, args, name):
        """What to do when the function closes over a value being differentiated."""
        raise errors.AdlabTypeError(
            f"{name}: the function uses a value that a transform is differentiating without "
            f"taking it as an argument (a closure); a custom rule cannot see its derivative. "
            f"Pass that value as an argument of {name}."
        )


class _ClosesOver(errors.AdlabTypeError):
    """The function of a custom rule returned a box although its arguments were plain."""


def _per_cotangent(pull):
    """A VJP rule for each argument from `pull(g, leaves)`, which gives every argument's
    cotangent at once: called for argument 0, 1, ... with the same g, it runs once."""
    last = [None, None]

    def rule(i, g, ans, *leaves):
        if last[0] is not g:
            last[0], last[1] = g, pull(g, leaves)
        return last[1][i]

    return rule


def _checked(rule, name, what):
    """A rule whose result must have the shape of the argument (VJP) or the output (JVP)."""
    def checked(i, g, ans, *leaves):
        out = rule(i, g, ans, *leaves)
        want = shape_of(leaves[i]) if what == "VJP" else shape_of(ans)
        if shape_of(out) != want:
            raise errors.AdlabValueError(
                f"{name}: the {what} rule gave shape {shape_of(out)} for "
                f"{'argument ' + str(i) if what == 'VJP' else 'the output'}, which has shape "
                f"{want}; return one of that shape."
            )
        return out
    return checked


class custom_jvp(_Custom):
    """A function with a forward-mode rule of its own (JAX's custom_jvp).

    Example::

        @adlab.custom_jvp
        def f(x):
            return adlab.log1p(adlab.exp(x))

        @f.defjvp
        def f_jvp(primals, tangents):
            (x,), (t,) = primals, tangents
            return f(x), adlab.sigmoid(x) * t

    The rule gets the primals and the tangents as tuples (pytrees allowed) and
    returns (value, tangent); it must be linear in the tangents (reverse mode
    transposes it). `defjvps` takes one rule per argument instead,
    ``rule(t, ans, *primals)``. `nondiff_argnums` lists arguments passed to
    the rule first, as constants.
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

    def defjvps(self, *rules):
        """Set one rule per differentiated argument, ``rule(t, ans, *primals)`` (None: no
        derivative); the tangent is the sum of their contributions."""
        def rule(primals, tangents):
            ans = self.fun(*primals)
            out = None
            for r, t in zip(rules, tangents):
                if r is not None:
                    c = r(t, ans, *primals)
                    out = c if out is None else out + c
            return ans, (_zeros(ans) if out is None else out)

        self.rule = rule
        return rules

    def _missing(self):
        if self.rule is None:
            name = getattr(self.fun, "__name__", "f")
            return f"custom_jvp function has no rule yet; define one with @{name}.defjvp."
        return None

    def _rules(self, call, name):
        def tangent_along(i, t, leaves):
            ts = [_zeros(x) for x in leaves]
            ts[i] = t
            return self.rule(*call.static, call.dynamic(leaves), call.dynamic(ts))[1]

        def jvp_rule(i, t, ans, *leaves):
            return tangent_along(i, t, leaves)

        def pull(g, leaves):
            from .transforms import vjp

            def tangent(*ts):
                return self.rule(*call.static, call.dynamic(leaves), call.dynamic(ts))[1]

            # the JVP is linear in the tangents: its transpose pulls g back to every leaf
            return vjp(tangent, *[_zeros(x) for x in leaves])[1](g)

        return jvp_rule, _per_cotangent(pull)


class custom_vjp(_Custom):
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

    Arguments may be pytrees; bwd returns one cotangent per differentiated
    argument, in its structure. `nondiff_argnums` lists arguments passed to
    bwd first, as constants. Forward mode transposes bwd (which is linear in
    its cotangent), so jvp, jacfwd and hessian work too. The residuals are
    computed again from the arguments when the rule runs.
    """

    def __init__(self, fun, nondiff_argnums=()):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.nondiff = tuple(nondiff_argnums)
        self.fwd = self.bwd = None

    def defvjp(self, fwd, bwd):
        """Set ``fwd(*args) -> (value, residuals)`` and ``bwd(residuals, g) -> cotangents``."""
        self.fwd, self.bwd = fwd, bwd

    def _missing(self):
        if self.fwd is None:
            name = getattr(self.fun, "__name__", "f")
            return f"custom_vjp function has no rule yet; set one with {name}.defvjp(fwd, bwd)."
        return None

    def _rules(self, call, name):
        def cotangents(leaves, g):
            _, res = self.fwd(*call.args(leaves))
            cts = self.bwd(*call.static, res, g)
            n = len(call.treedef.children)
            if not isinstance(cts, (tuple, list)) or len(cts) != n:
                raise errors.AdlabTypeError(
                    f"{name}: bwd must return a tuple with one cotangent per differentiated "
                    f"argument ({n}), e.g. (g * y,); it returned {errors._describe(cts)}."
                )
            try:
                return call.leaves_of(cts, f"{name}: bwd's cotangents")
            except ValueError as exc:
                raise errors.AdlabTypeError(
                    f"{exc} Give each cotangent its argument's structure.") from None

        def pull(g, leaves):
            return [_zeros(x) if c is None else c for c, x in zip(cotangents(leaves, g), leaves)]

        vjp_rule = _per_cotangent(pull)

        def jvp_rule(i, t, ans, *leaves):
            from .transforms import vjp

            _check_linear(name, lambda u: vjp_rule(i, u, ans, *leaves), ans)
            # bwd is linear in its cotangent u: transposing it pushes t forward
            return vjp(lambda u: vjp_rule(i, u, ans, *leaves), _zeros(ans))[1](t)[0]

        return jvp_rule, vjp_rule


class _Checkpointed(_Custom):
    """A function whose reverse mode recomputes it instead of storing its intermediate values."""

    def __init__(self, fun):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.label = f"checkpoint({getattr(fun, '__name__', 'f')})"

    def _closure(self, args, name):
        # a function closing over a value being differentiated (the weights of a layer):
        # differentiated directly, storing its intermediate values after all
        return self.fun(*args)

    def _rules(self, call, name):
        def flat(*leaves):
            return self.fun(*call.args(leaves))

        def jvp_rule(i, t, ans, *leaves):
            from .transforms import jvp

            ts = [_zeros(x) for x in leaves]
            ts[i] = t
            return jvp(flat, tuple(leaves), tuple(ts))[1]

        def pull(g, leaves):
            from .transforms import vjp

            return vjp(flat, *leaves)[1](g)  # fun's forward pass again, then g pulled back

        return jvp_rule, _per_cotangent(pull)


def checkpoint(fun):
    """fun, recomputed in the backward pass instead of storing its intermediate values.

    Reverse mode records one node for the whole call, keeping only its
    arguments; in the backward pass that node runs fun again under
    `adlab.vjp`, once, and pulls the cotangent back to all of its arguments.
    Memory falls from every intermediate value of fun to its inputs, at the
    cost of a second forward pass of fun (Griewank and Walther's
    checkpointing). Forward mode differentiates fun directly.
    """
    return _Checkpointed(fun)


__all__ = ["custom_jvp", "custom_vjp", "checkpoint"]
