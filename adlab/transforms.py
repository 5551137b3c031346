"""Function transforms with JAX semantics: grad, value_and_grad, jvp, vjp, jacfwd, jacrev, hessian.

Each call takes a fresh level, so transforms nest to any order
(``grad(grad(grad(f)))``, ``jacfwd(jacrev(f))``). Reverse-mode transforms wrap
their inputs in level-tagged `Tensor` nodes and run `backward_pass`; forward-mode
transforms wrap them in `Dual` boxes. Results come back as plain numpy values
when the inputs were plain values, and as tensors when they were tensors.
"""

from __future__ import annotations

import functools

import numpy as np

from . import errors
from ._dispatch import Box, new_level, raw, shape_of
from .forward import Dual
from .primitives import index_add, reshape, transpose
from .tensor import Tensor, backward_pass, without_collector


def _argnums(argnums, nargs, where):
    single = isinstance(argnums, int)
    nums = (argnums,) if single else tuple(argnums)
    for i in nums:
        if not isinstance(i, int) or not -nargs <= i < nargs:
            raise errors.AdlabValueError(
                f"{where}: argnums={argnums!r} does not fit a call with {nargs} positional "
                f"argument(s); use indices from 0 to {nargs - 1}."
            )
    return single, tuple(i % nargs for i in nums)


def _as_input(x, where, i):
    """Validate a differentiated argument; lists become float arrays."""
    if type(x) is float:
        return x
    if isinstance(x, (list, tuple)):
        x = np.asarray(x)
    errors.check_float(raw(x), where, f"argument {i}")
    return x


def _like(value, template):
    """Give `value` the kind of `template`: a tensor when the input was an eager tensor."""
    if type(template) is Tensor and template._level == 0 and not isinstance(value, Box):
        return Tensor(value)
    return value


def _zeros_like(x):
    if type(x) is float:
        return 0.0
    v = raw(x)
    return 0.0 if np.ndim(v) == 0 and not isinstance(v, np.ndarray) else np.zeros(np.shape(v))


def _unit(shape, k):
    """The k-th standard basis element of an array of `shape` (a float for shape ())."""
    if shape == ():
        return 1.0
    e = np.zeros(int(np.prod(shape)))
    e[k] = 1.0
    return e.reshape(shape)


def _stack(values):
    """Stack equal-shaped values along a new first axis, keeping derivatives of boxes."""
    if not any(isinstance(v, Box) for v in values):
        return np.stack([np.asarray(v, dtype=float) for v in values])
    shape = (len(values),) + shape_of(values[0])
    total = None
    for k, v in enumerate(values):
        part = index_add(v, (k,), shape)
        total = part if total is None else total + part
    return total


def _reverse(f, args, nums, where):
    """Run f on level-tagged inputs; return (level, leaves, output)."""
    level = new_level()
    args = list(args)
    leaves = []
    for i in nums:
        x = _as_input(args[i], where, i)
        leaf = Tensor(x, level=level, requires_grad=True)
        args[i] = leaf
        leaves.append(leaf)
    return level, leaves, without_collector(f, *args)


def vjp(f, *primals):
    """Reverse mode: evaluate f and return (out, vjp_fn).

    Args:
        f: function of the primals returning one array-like value.
        primals: the points (floats, arrays or tensors).
    Returns:
        out: f(*primals).
        vjp_fn: maps a cotangent of out's shape to a tuple with one cotangent
            per primal (u^T J for each input). It can be called many times.
    """
    _, nums = _argnums(tuple(range(len(primals))), len(primals), "vjp")
    level, leaves, out = _reverse(f, primals, nums, "vjp")
    tracked = type(out) is Tensor and out._level == level
    out_value = out._value if tracked else out

    def vjp_fn(cotangent):
        ct = raw(cotangent) if isinstance(cotangent, Tensor) and cotangent._level == 0 else cotangent
        if shape_of(ct) != shape_of(out_value):
            raise errors.AdlabValueError(
                f"vjp: the cotangent has shape {shape_of(ct)} but the output has shape "
                f"{shape_of(out_value)}; pass one of the output's shape."
            )
        found = {id(leaf): g for leaf, g in backward_pass(out, ct, level)} if tracked else {}
        return tuple(
            _like(found[id(leaf)] if id(leaf) in found else _zeros_like(p), p)
            for leaf, p in zip(leaves, primals)
        )

    return _like(out_value, primals[0] if primals else None), vjp_fn


def value_and_grad(f, argnums=0):
    """Return a function computing (f(*args), gradient of f with respect to args[argnums]).

    Args:
        f: function returning a single number (shape ()).
        argnums: an int, or a tuple of ints for several gradients.
    """

    checked = {}  # number of arguments -> (single, nums)

    @functools.wraps(f)
    def value_and_grad_f(*args):
        key = len(args)
        if key not in checked:
            checked[key] = _argnums(argnums, key, "grad")
        single, nums = checked[key]
        level, leaves, out = _reverse(f, args, nums, "grad")
        tracked = type(out) is Tensor and out._level == level
        out_value = out._value if tracked else out
        if shape_of(out_value) != ():
            raise errors.AdlabValueError(
                f"grad: the function must return a single number, but it returned shape "
                f"{shape_of(out_value)}. Reduce it (e.g. .sum()), or use adlab.jacrev for "
                f"the full Jacobian or adlab.vjp with a cotangent."
            )
        found = {}
        if tracked:
            found = {id(leaf): g for leaf, g in backward_pass(out, 1.0, level)}
        grads = []
        for leaf, i in zip(leaves, nums):
            g = found.get(id(leaf))
            grads.append(_like(_zeros_like(args[i]) if g is None else g, args[i]))
        return _like(out_value, args[nums[0]]), grads[0] if single else tuple(grads)

    return value_and_grad_f


def grad(f, argnums=0):
    """Return the gradient function of scalar-valued f (reverse mode).

    Args:
        f: function returning a single number.
        argnums: which positional argument(s) to differentiate (int or tuple).
    Returns:
        A function with f's arguments returning df/dx (a tuple for tuple argnums).
    """

    value_and_grad_f = value_and_grad(f, argnums)

    @functools.wraps(f)
    def grad_f(*args):
        return value_and_grad_f(*args)[1]

    return grad_f


def jvp(f, primals, tangents):
    """Forward mode: f's value and its directional derivative J(primals) @ tangents.

    Args:
        f: function of len(primals) arguments.
        primals: tuple of points.
        tangents: tuple of tangents, each of its primal's shape.
    Returns:
        (f(*primals), J t), computed in one forward pass.
    """
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise errors.AdlabTypeError(
            "jvp: primals and tangents must be tuples, e.g. adlab.jvp(f, (x,), (1.0,))."
        )
    if len(primals) != len(tangents):
        raise errors.AdlabValueError(
            f"jvp: got {len(primals)} primal(s) but {len(tangents)} tangent(s); give one "
            f"tangent per primal."
        )
    level = new_level()
    duals = []
    for i, (p, t) in enumerate(zip(primals, tangents)):
        p = _as_input(p, "jvp", i)
        t = raw(t) if isinstance(t, Tensor) and t._level == 0 else t
        if isinstance(t, (list, tuple)):
            t = np.asarray(t, dtype=float)
        if type(t) is int:
            t = float(t)
        if shape_of(t) != shape_of(p):
            raise errors.AdlabValueError(
                f"jvp: tangent {i} has shape {shape_of(t)} but primal {i} has shape "
                f"{shape_of(p)}; each tangent must have its primal's shape."
            )
        duals.append(Dual(level, p, t))
    out = f(*duals)
    if type(out) is Dual and out._level == level:
        primal_out, tangent_out = out.primal, out.tangent
    else:
        primal_out, tangent_out = out, _zeros_like(out)
    template = primals[0] if primals else None
    return _like(primal_out, template), _like(tangent_out, template)


def jacfwd(f, argnums=0):
    """Jacobian of f by forward mode: one JVP per input direction (a column each).

    Returns a function giving an array of shape out.shape + x.shape
    (a tuple of such arrays for tuple argnums).
    """

    @functools.wraps(f)
    def jac(*args):
        single, nums = _argnums(argnums, len(args), "jacfwd")
        result = []
        for i in nums:
            x = _as_input(args[i], "jacfwd", i)
            xshape = shape_of(x)

            def f_i(xi, i=i):
                return f(*args[:i], xi, *args[i + 1:])

            cols = [jvp(f_i, (x,), (_unit(xshape, k),))[1]
                    for k in range(int(np.prod(xshape)))]
            out_shape = shape_of(cols[0])
            if xshape == ():
                J = cols[0]
            else:
                stacked = _stack(cols)  # (n,) + out_shape
                n_out = len(out_shape)
                J = reshape(transpose(stacked, tuple(range(1, n_out + 1)) + (0,)),
                            out_shape + xshape)
            result.append(_like(J, args[i]))
        return result[0] if single else tuple(result)

    return jac


def jacrev(f, argnums=0):
    """Jacobian of f by reverse mode: one VJP per output entry (a row each).

    Returns a function giving an array of shape out.shape + x.shape
    (a tuple of such arrays for tuple argnums).
    """

    @functools.wraps(f)
    def jac(*args):
        single, nums = _argnums(argnums, len(args), "jacrev")
        level, leaves, out = _reverse(f, args, nums, "jacrev")
        tracked = type(out) is Tensor and out._level == level
        out_value = out._value if tracked else out
        out_shape = shape_of(out_value)
        rows = {id(leaf): [] for leaf in leaves}
        for j in range(int(np.prod(out_shape))):
            found = {id(leaf): g for leaf, g in
                     backward_pass(out, _unit(out_shape, j), level)} if tracked else {}
            for leaf, i in zip(leaves, nums):
                rows[id(leaf)].append(found[id(leaf)] if id(leaf) in found
                                      else _zeros_like(args[i]))
        result = []
        for leaf, i in zip(leaves, nums):
            r = rows[id(leaf)]
            J = r[0] if out_shape == () else reshape(_stack(r), out_shape + shape_of(leaf._value))
            result.append(_like(J, args[i]))
        return result[0] if single else tuple(result)

    return jac


def hessian(f, argnums=0):
    """Hessian of scalar f: forward over reverse, ``jacfwd(jacrev(f))``."""
    return jacfwd(jacrev(f, argnums), argnums)
