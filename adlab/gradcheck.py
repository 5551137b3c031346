"""check_grads: a function's derivatives in both modes against central differences.

As ``jax.test_util.check_grads``: forward mode is checked by comparing a JVP
along a random direction with central differences along it; reverse mode by
the identity <u, J v> = <J^T u, v>, with J v from central differences; and
``order=2`` repeats both checks on the derivative functions themselves
(second derivatives), and so on. A mismatch raises AssertionError with the
numbers, so it can be used in tests and in "check yourself" cells alike.
"""

from __future__ import annotations

import numpy as np

from ._dispatch import raw
from .pytrees import tree_flatten, tree_unflatten
from . import errors


def _float64(x):
    v = raw(x)
    return float(v) if np.ndim(v) == 0 and not isinstance(v, np.ndarray) else np.asarray(v, np.float64)


def _leaves(out):
    return [np.asarray(raw(o), dtype=np.float64) for o in tree_flatten(out)[0]]


def _shifted(args, tangents, step):
    """The point args + step * tangents in float64, Python floats staying floats."""
    out = []
    for a, t in zip(args, tangents):
        a = _float64(a)
        v = a + step * t
        out.append(float(v) if type(a) is float else v)
    return out


def _numerical_jvp(f, args, tangents, eps):
    plus, minus = _shifted(args, tangents, eps), _shifted(args, tangents, -eps)
    return [(p - m) / (2 * eps) for p, m in zip(_leaves(f(*plus)), _leaves(f(*minus)))]


def _random_like(x, rng):
    v = raw(x)
    if np.ndim(v) == 0 and not isinstance(v, np.ndarray):
        return float(rng.standard_normal())
    return rng.standard_normal(np.shape(v))


def _compare(what, got, want, atol, rtol, order):
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    err = np.abs(got - want)
    bound = atol + rtol * np.abs(want)
    if not np.all(err <= bound) or not np.all(np.isfinite(got) == np.isfinite(want)):
        raise AssertionError(
            f"check_grads: {what} (order {order}) disagrees with central differences: "
            f"got {got!r}, expected {want!r} (largest error {np.max(err, initial=0.0):.3g}, "
            f"allowed {atol:.1g} + {rtol:.1g} x |expected|)."
        )


def _check_fwd(f, args, eps, atol, rtol, rng, order):
    from .transforms import jvp

    tangents = [_random_like(a, rng) for a in args]
    _, t_out = jvp(f, tuple(args), tuple(tangents))
    numeric = _numerical_jvp(f, args, tangents, eps)
    for got, want in zip(_leaves(t_out), numeric):
        _compare("forward mode (jvp)", got, want, atol, rtol, order)
    return tangents


def _check_rev(f, args, eps, atol, rtol, rng, order):
    from .transforms import vjp

    out, vjp_fn = vjp(f, *args)
    out_leaves, treedef = tree_flatten(out)
    cts = [_random_like(o, rng) for o in out_leaves]
    ct_tree = tree_unflatten(treedef, cts)
    pulled = vjp_fn(ct_tree)
    tangents = [_random_like(a, rng) for a in args]
    numeric = _numerical_jvp(f, args, tangents, eps)
    lhs = sum(float(np.sum(np.asarray(c, np.float64) * n)) for c, n in zip(cts, numeric))
    rhs = sum(float(np.sum(_leaves(p)[0] * np.asarray(t, np.float64)))
              for p, t in zip(pulled, tangents))
    _compare("reverse mode (vjp): <u, J v> against <J^T u, v>", rhs, lhs, atol, rtol, order)
    return ct_tree


def check_grads(f, args, order=2, modes=("fwd", "rev"), eps=None, atol=None, rtol=None,
                seed=0):
    """Check f's derivatives up to `order` in the given modes against central differences.

    Args:
        f: a function of the arrays or numbers in `args`.
        args: a tuple of the point's arguments.
        order: how many times to differentiate (2: first and second derivatives).
        modes: "fwd" (jvp), "rev" (vjp), or both.
        eps: the central-difference step (default 1e-6 in float64, 1e-3 in float32).
        atol, rtol: tolerances (default 1e-5 in float64, 2e-2 in float32).
        seed: seed of the random directions.
    Raises:
        AssertionError naming the mode, the order and the numbers when they disagree.
    """
    if isinstance(modes, str):
        modes = (modes,)
    unknown = set(modes) - {"fwd", "rev"}
    if unknown:
        raise errors.AdlabValueError(f"check_grads: modes are 'fwd' and 'rev', got {sorted(unknown)}.")
    leaves, treedef = tree_flatten(tuple(args))  # pytree arguments: checked leaf by leaf

    def flat(*xs):
        return f(*tree_unflatten(treedef, list(xs)))

    # the central differences run in float64; the tolerances follow the inputs' precision
    bits = min((np.finfo(np.result_type(raw(a))).bits for a in leaves
                if np.result_type(raw(a)).kind == "f"), default=64)
    eps = eps if eps is not None else {16: 1e-2, 32: 1e-3}.get(bits, 1e-6)
    tol = {16: 5e-2, 32: 2e-2}.get(bits, 1e-5)
    atol = atol if atol is not None else tol
    rtol = rtol if rtol is not None else tol
    rng = np.random.default_rng(seed)
    _check(flat, tuple(leaves), order, modes, eps, atol, rtol, rng, 1)


def _check(f, args, order, modes, eps, atol, rtol, rng, level):
    from .transforms import jvp, vjp

    if "fwd" in modes:
        tangents = _check_fwd(f, args, eps, atol, rtol, rng, level)
        if order > 1:
            def f_jvp(*xs, tangents=tuple(tangents)):
                return jvp(f, xs, tangents)[1]

            _check(f_jvp, args, order - 1, modes, eps, atol, rtol, rng, level + 1)
    if "rev" in modes:
        ct = _check_rev(f, args, eps, atol, rtol, rng, level)
        if order > 1:
            def f_vjp(*xs, ct=ct):
                return vjp(f, *xs)[1](ct)

            _check(f_vjp, args, order - 1, modes, eps, atol, rtol, rng, level + 1)


__all__ = ["check_grads"]
