"""Function transforms with JAX semantics: grad, value_and_grad, jvp, vjp, jacfwd, jacrev, hessian.

Each call takes a fresh level, so transforms nest to any order
(``grad(grad(grad(f)))``, ``jacfwd(jacrev(f))``). Reverse-mode transforms wrap
their inputs in level-tagged `Tensor` nodes and run `backward_pass`; forward-mode
transforms wrap them in `Dual` boxes. Arguments and results may be pytrees
(tuples, lists, dicts; `adlab.pytrees`); keyword arguments pass through to f
undifferentiated; ``has_aux=True`` lets f return (value, auxiliary data).
`jacfwd` and `jacrev` push every basis direction through one pass with
`adlab.vmap`.

Results come back as plain numpy values when the inputs were plain values,
and as tensors when they were tensors, with the inputs' dtype (float32 stays
float32), as arrays of their own (never a view of an input, a cotangent or
each other).
"""

from __future__ import annotations

import functools
import operator

import numpy as np

from . import errors
from ._dispatch import EMPTY, Box, new_level, raw, shape_of
from .batching import vmap
from .forward import Dual
from .pytrees import LEAF, tree_flatten, tree_flatten_up_to, tree_map, tree_unflatten
from .tensor import Tensor, backward_pass, without_collector


# -- arguments ------------------------------------------------------------------------


def _argnums(argnums, nargs, where):
    single = not isinstance(argnums, (tuple, list))
    nums = (argnums,) if single else tuple(argnums)
    out = []
    for i in nums:
        try:
            k = operator.index(i)
        except TypeError:
            k = None
        if k is None or not -nargs <= k < nargs:
            raise errors.AdlabValueError(
                f"{where}: argnums={argnums!r} does not fit a call with {nargs} positional "
                f"argument(s); use indices from 0 to {nargs - 1}."
            )
        out.append(k % nargs)
    if len(set(out)) != len(out):
        raise errors.AdlabValueError(
            f"{where}: argnums={argnums!r} names the same argument more than once; give each "
            f"argument once (as torch.func.grad requires), e.g. argnums=(0, 1)."
        )
    return single, tuple(out)


def _flatten(x):
    """tree_flatten with a fast path for a single array or number."""
    if isinstance(x, (tuple, list, dict)) or x is None:
        return tree_flatten(x)
    return [x], LEAF


def _unflatten(treedef, leaves):
    if treedef is LEAF:
        return leaves[0]
    return tree_unflatten(treedef, leaves)


def _as_input(x, where, i):
    """Validate a leaf to differentiate."""
    if type(x) is float:
        return x
    errors.check_float(raw(x), where, f"argument {i}")
    return x


def _dtype(x):
    v = raw(x)
    return v.dtype if isinstance(v, (np.ndarray, np.generic)) else np.dtype(np.float64)


def _zeros_like(x):
    if type(x) is float:
        return 0.0
    v = raw(x)
    if isinstance(v, np.ndarray):
        return np.zeros(v.shape, dtype=_dtype(v))
    if isinstance(v, np.generic):
        return v.dtype.type(0)
    return 0.0


def _like(value, template):
    """Give `value` the kind of `template`: a tensor when the input was an eager tensor."""
    if type(template) is Tensor and template._level == 0 and not isinstance(value, Box):
        return Tensor(value)
    return value


def _result(g, x, taken):
    """A derivative for input leaf x: x's dtype, a Python float for a float, an array of its own."""
    if type(x) is float and type(g) is float:
        return g
    if g is None:
        return _like(_zeros_like(x), x)
    if isinstance(g, Box):
        dtype = _dtype(x)
        if dtype.kind == "f" and np.result_type(raw(g)) != dtype:
            from .primitives import astype

            g = astype(g, dtype)  # a derivative in the input's dtype, at every order
        return _like(g, x)
    if type(x) is float:
        return _like(float(g), x)
    dtype = _dtype(x)
    if isinstance(g, np.ndarray):
        if g.dtype != dtype or g.base is not None or not g.flags.writeable or id(g) in taken:
            g = np.array(g, dtype=dtype)
        taken.add(id(g))
    elif np.ndim(g) == 0 and not isinstance(raw(x), np.ndarray):
        g = dtype.type(g)
    else:
        g = np.array(g, dtype=dtype)
    return _like(g, x)


def _split_aux(out, has_aux, where):
    if not has_aux:
        return out, None
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise errors.AdlabTypeError(
            f"{where}: with has_aux=True the function must return a pair (output, aux); it "
            f"returned {errors._describe(out)}."
        )
    return out[0], out[1]


def _check_leaf(o, where):
    """Raise unless output leaf `o` is a number, an array or an adlab value that is not a truth value."""
    numeric = isinstance(o, (Box, float, int, np.ndarray, np.number, np.bool_))
    if numeric and not isinstance(o, (bool, np.bool_)) and np.result_type(raw(o)).kind != "b":
        return
    if numeric:
        raise errors.AdlabTypeError(
            f"{where}: the function returned a truth value (a comparison such as x == 1.0), "
            f"which has no derivative; return the number you want to differentiate."
        )
    raise errors.AdlabTypeError(
        f"{where}: the function returned {errors._describe(o)}; it must return numbers or "
        f"arrays computed from its inputs with adlab operations (adlab.sin, +, *, ...)."
    )


def _check_tree(out, where):
    """The leaves of a function's output, each a number, an array or an adlab value."""
    if out is None:
        raise errors.AdlabTypeError(
            f"{where}: the function returned None; return the value computed from its inputs "
            f"(a missing return statement?)."
        )
    leaves, treedef = _flatten(out)
    for o in leaves:
        _check_leaf(o, where)
    return leaves, treedef


def _strip_level(tree, level):
    """The primal values of a tree's boxes of `level` (auxiliary data carries no derivative)."""
    leaves, treedef = tree_flatten(tree)
    out = []
    for o in leaves:
        if isinstance(o, Box) and o._level == level:
            o = o._primal_value()
        out.append(o)
    return tree_unflatten(treedef, out)


def _reverse(f, args, kwargs, nums, where):
    """Run f on level-tagged inputs; return (level, parts, output).

    parts: for each differentiated argument, (treedef, the boxed leaves, the given leaves).
    """
    level = new_level()
    args = list(args)
    parts = []
    for i in nums:
        x = args[i]
        if isinstance(x, (tuple, list, dict)) or x is None:
            leaves, treedef = tree_flatten(x)
            boxed = [Tensor(_as_input(v, where, i), None, None, EMPTY, level, True) for v in leaves]
            args[i] = tree_unflatten(treedef, boxed)
        else:  # one array or number: no tree to build
            leaves, treedef = (x,), LEAF
            boxed = (Tensor(x if type(x) is float else _as_input(x, where, i), None, None, EMPTY,
                            level, True),)
            args[i] = boxed[0]
        parts.append((treedef, boxed, leaves))
    return level, parts, without_collector(_call, f, args, kwargs)


def _call(f, args, kwargs):
    return f(*args, **kwargs)


def _tracked(o, level):
    return type(o) is Tensor and o._level == level


def _value(o, level):
    return o._value if _tracked(o, level) else o


# -- reverse mode ---------------------------------------------------------------------


def vjp(f, *primals, has_aux=False):
    """Reverse mode: evaluate f and return (out, vjp_fn), or (out, vjp_fn, aux).

    Args:
        f: function of the primals returning an array-like value or a pytree of them.
        primals: the points (floats, arrays, tensors or pytrees of them).
        has_aux: f returns (output, aux); aux is returned as it is.
    Returns:
        out: f(*primals).
        vjp_fn: maps a cotangent of out's structure and shapes to a tuple with one
            cotangent per primal (u^T J for each input). It can be called many times.
    """
    _, nums = _argnums(tuple(range(len(primals))), len(primals), "vjp")
    level, parts, out = _reverse(f, primals, {}, nums, "vjp")
    out, aux = _split_aux(out, has_aux, "vjp")
    out_leaves, out_def = _check_tree(out, "vjp")
    values = [_value(o, level) for o in out_leaves]
    template = next(iter(parts[0][2]), None) if parts else None

    def vjp_fn(cotangent):
        try:
            cts = [cotangent] if out_def is LEAF else \
                tree_flatten_up_to(out_def, cotangent, "vjp: the cotangent")
        except ValueError as exc:
            raise errors.AdlabValueError(
                f"{exc} Give one cotangent per output, in the output's structure.") from None
        roots = []
        for o, v, ct in zip(out_leaves, values, cts):
            ct = raw(ct) if isinstance(ct, Tensor) and ct._level == 0 else ct
            if isinstance(ct, (list, tuple)):
                ct = np.asarray(ct, dtype=float)
            if shape_of(ct) != shape_of(v):
                raise errors.AdlabValueError(
                    f"vjp: the cotangent has shape {shape_of(ct)} but the output has shape "
                    f"{shape_of(v)}; pass one of the output's shape."
                )
            if _tracked(o, level):
                roots.append((o, ct))
        found = {id(leaf): g for leaf, g in backward_pass(roots, None, level)} if roots else {}
        taken = {id(c) for c in cts}
        taken.update(id(x) for _, _, leaves in parts for x in leaves)
        return tuple(_unflatten(treedef, [_result(found.get(id(b)), x, taken)
                                          for b, x in zip(boxed, leaves)])
                     for treedef, boxed, leaves in parts)

    primal_out = _unflatten(out_def, [_like(v, template) for v in values])
    if has_aux:
        return primal_out, vjp_fn, _strip_level(aux, level)
    return primal_out, vjp_fn


def value_and_grad(f, argnums=0, has_aux=False, *, argnum=None):
    """Return a function computing (f(*args), gradient of f with respect to args[argnums]).

    Args:
        f: function returning a single number (shape ()), or (number, aux) with has_aux.
        argnums: an int, or a tuple of ints for several gradients.
        has_aux: f returns (value, aux); the result is then ((value, aux), gradient).
    Keyword arguments of the call pass through to f and are not differentiated.
    """

    argnums = argnums if argnum is None else argnum  # HIPS autograd's name
    checked = {}  # number of arguments -> (single, nums)

    @functools.wraps(f)
    def value_and_grad_f(*args, **kwargs):
        key = len(args)
        if key not in checked:
            checked[key] = _argnums(argnums, key, "grad")
        single, nums = checked[key]
        level, parts, out = _reverse(f, args, kwargs, nums, "grad")
        aux = None
        if has_aux:
            out, aux = _split_aux(out, has_aux, "grad")
        tracked = type(out) is Tensor and out._level == level
        out_value = out._value if tracked else out
        if type(out_value) is not float:
            _check_scalar(out, out_value)
        found = {}
        if tracked:  # the graph of this call's level is its own: no lock needed
            seed = 1.0 if type(out_value) is float else _one(out_value)
            for leaf, g in backward_pass(out, seed, level, shared=False):
                found[id(leaf)] = g
        taken = set()
        grads = []
        for treedef, boxed, leaves in parts:
            gs = [_result(found.get(id(b)), x, taken) for b, x in zip(boxed, leaves)]
            grads.append(gs[0] if treedef is LEAF else tree_unflatten(treedef, gs))
        first = parts[0][2]
        value = out_value if type(out_value) is float else _like(out_value, first[0] if first else None)
        g = grads[0] if single else tuple(grads)
        if has_aux:
            return (value, _strip_level(aux, level)), g
        return value, g

    return value_and_grad_f


def _one(value):
    """1 in the dtype of `value` (a float32 output gets a float32 seed)."""
    dtype = np.result_type(raw(value))
    return dtype.type(1) if dtype.kind == "f" else 1.0


def _check_scalar(out, out_value):
    if isinstance(out, (tuple, list, dict, str)) or out is None:
        hint = (" (use has_aux=True if the rest is auxiliary data)"
                if isinstance(out, (tuple, list)) else "")
        raise errors.AdlabTypeError(
            f"grad: the function must return a single number, but it returned "
            f"{errors._describe(out)}{hint}. Return the value computed from the inputs "
            f"with adlab operations."
        )
    _check_leaf(out, "grad")
    if shape_of(out_value) != ():
        raise errors.AdlabValueError(
            f"grad: the function must return a single number, but it returned shape "
            f"{shape_of(out_value)}. Reduce it (e.g. .sum()), or use adlab.jacrev for "
            f"the full Jacobian or adlab.vjp with a cotangent."
        )


def grad(f, argnums=0, has_aux=False, *, argnum=None):
    """Return the gradient function of scalar-valued f (reverse mode).

    Args:
        f: function returning a single number (or (number, aux) with has_aux).
        argnums: which positional argument(s) to differentiate (int or tuple).
        has_aux: f returns (value, aux); the gradient function then returns (gradient, aux).
    Returns:
        A function with f's arguments returning df/dx (a tuple for tuple argnums),
        in the structure of each argument (a dict of gradients for a dict).
    """

    value_and_grad_f = value_and_grad(f, argnums if argnum is None else argnum, has_aux)

    @functools.wraps(f)
    def grad_f(*args, **kwargs):
        value, g = value_and_grad_f(*args, **kwargs)
        if has_aux:
            return g, value[1]
        return g

    return grad_f


# -- forward mode -------------------------------------------------------------------


def _tangent(p, t, i):
    """Tangent t for primal leaf p: a list becomes an array, an int a float, dtypes match."""
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
    if isinstance(t, np.ndarray) and t.dtype != _dtype(p) and _dtype(p).kind == "f":
        t = t.astype(_dtype(p))
    return t


def jvp(f, primals, tangents, has_aux=False):
    """Forward mode: f's value and its directional derivative J(primals) @ tangents.

    Args:
        f: function of len(primals) arguments.
        primals: tuple of points (each may be a pytree).
        tangents: tuple of tangents, in the primals' structure and shapes.
        has_aux: f returns (output, aux); aux is returned as a third result.
    Returns:
        (f(*primals), J t), computed in one forward pass, in the output's structure.
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
    args = []
    first = None
    for i, (p, t) in enumerate(zip(primals, tangents)):
        p_leaves, p_def = _flatten(p)
        try:
            t_leaves = [t] if p_def is LEAF else tree_flatten_up_to(p_def, t, f"jvp: tangent {i}")
        except ValueError as exc:
            raise errors.AdlabValueError(f"{exc} Give each tangent its primal's structure.") from None
        duals = []
        for pl, tl in zip(p_leaves, t_leaves):
            pl = _as_input(pl, "jvp", i)
            if first is None:
                first = pl
            duals.append(Dual(level, pl, _tangent(pl, tl, i)))
        args.append(_unflatten(p_def, duals))
    out = f(*args)
    out, aux = _split_aux(out, has_aux, "jvp")
    out_leaves, out_def = _check_tree(out, "jvp")
    primal_out, tangent_out = [], []
    for o in out_leaves:
        if type(o) is Dual and o._level == level:
            primal_out.append(_like(o.primal, first))
            t = _own(o.tangent, tangents)
            if type(first) is float and type(o.primal) is float and not isinstance(t, Box):
                t = float(t)  # a float in, a float out
            tangent_out.append(_like(t, first))
        else:
            primal_out.append(_like(o, first))
            tangent_out.append(_like(_zeros_like(o), first))
    result = (_unflatten(out_def, primal_out), _unflatten(out_def, tangent_out))
    if has_aux:
        return result + (_strip_level(aux, level),)
    return result


def _own(t, given):
    """A tangent that is one of the caller's own arrays (f = identity) as a copy."""
    if isinstance(t, np.ndarray) and (t.base is not None or not t.flags.writeable or
                                      any(t is g for g in given)):
        return np.array(t)
    return t


# -- Jacobians ----------------------------------------------------------------------


def _basis(values):
    """The standard basis of all of `values` stacked, split per value: arrays (N,) + shape."""
    sizes = [int(np.prod(shape_of(v))) for v in values]
    total = sum(sizes)
    out, start = [], 0
    for v, size in zip(values, sizes):
        dtype = _dtype(v) if _dtype(v).kind == "f" else np.dtype(np.float64)
        b = np.zeros((total, size), dtype=dtype)
        b[start:start + size] = np.eye(size, dtype=dtype)
        out.append(b.reshape((total,) + shape_of(v)))
        start += size
    return out, sizes


def _blocks(stacked, sizes, shapes, lead_shape, axis_first):
    """Split a stacked Jacobian into one block per value of `shapes`.

    `stacked` has the basis axis first (axis_first) or last; each block is
    reshaped to lead_shape + shape (jacfwd: out + in; jacrev: out + in).
    """
    from .primitives import getitem, moveaxis, reshape

    if axis_first:
        stacked = moveaxis(stacked, 0, -1) if len(shape_of(stacked)) > 1 else stacked
    out, start = [], 0
    for size, shape in zip(sizes, shapes):
        part = getitem(stacked, (Ellipsis, slice(start, start + size)))
        out.append(reshape(part, tuple(lead_shape) + tuple(shape)))
        start += size
    return out


def _select(args, nums, leaves_per_arg):
    """args with the differentiated arguments rebuilt from new leaves."""
    def rebuild(flat):
        new = list(args)
        k = 0
        for i, (treedef, leaves) in zip(nums, leaves_per_arg):
            n = len(leaves)
            new[i] = _unflatten(treedef, list(flat[k:k + n]))
            k += n
        return new
    return rebuild


def _jacobian_tree(out_def, out_leaves, blocks_by_out, parts, single, templates):
    """out structure, each leaf holding (per argnum) the in structure of blocks."""
    results = []
    for o_blocks in blocks_by_out:
        per_arg, k = [], 0
        for treedef, leaves in parts:
            n = len(leaves)
            per_arg.append(_unflatten(treedef, [_like(_fresh(b, t), t) for b, t in
                                                zip(o_blocks[k:k + n], templates[k:k + n])]))
            k += n
        results.append(per_arg[0] if single else tuple(per_arg))
    return _unflatten(out_def, results)


def _fresh(b, template):
    """A Jacobian block as an array of its own (a Python float for a float input and output)."""
    if isinstance(b, np.ndarray):
        if b.ndim == 0 and type(template) is float:
            return float(b)
        if b.base is not None or not b.flags.writeable:
            return np.array(b)
    return b


def jacfwd(f, argnums=0, has_aux=False, *, argnum=None):
    """Jacobian of f by forward mode: one JVP per input direction (a column each), all
    pushed through one pass with `vmap`.

    Returns a function giving an array of shape out.shape + x.shape (a tuple
    of such for tuple argnums; pytrees of them for pytree inputs and outputs;
    (jacobian, aux) with has_aux). Keyword arguments pass through to f.
    """
    argnums = argnums if argnum is None else argnum

    @functools.wraps(f)
    def jac(*args, **kwargs):
        single, nums = _argnums(argnums, len(args), "jacfwd")
        parts = [_flatten(args[i])[::-1] for i in nums]  # (treedef, leaves)
        inputs = [_as_input(x, "jacfwd", i) for i, (_, leaves) in zip(nums, parts) for x in leaves]
        rebuild = _select(args, nums, parts)

        def f_flat(*xs):
            return f(*rebuild(xs), **kwargs)

        basis, sizes = _basis(inputs)
        if sum(sizes) == 0:
            out = f_flat(*inputs)
            out, aux = _split_aux(out, has_aux, "jacfwd")
            _check_tree(out, "jacfwd")
            tangents = None
        else:
            def push(*ts):
                res = jvp(f_flat, tuple(inputs), ts, has_aux=has_aux)
                return (res[1], res[2]) if has_aux else (res[1], None)

            out_axes = (0, None)
            tangents, aux = vmap(push, in_axes=0, out_axes=out_axes)(*basis)
            out = tangents
        out_leaves, out_def = _flatten(out)
        shapes = [shape_of(x) for x in inputs]
        blocks_by_out = []
        for o in out_leaves:
            _check_leaf(o, "jacfwd")
            if tangents is None:
                o_shape = shape_of(o)
                blocks = [np.zeros(o_shape + s, dtype=np.result_type(raw(o), 0.0)) for s in shapes]
            else:
                o_shape = shape_of(o)[1:]
                blocks = _blocks(o, sizes, shapes, o_shape, axis_first=True)
            blocks_by_out.append(blocks)
        J = _jacobian_tree(out_def, out_leaves, blocks_by_out, parts, single, inputs)
        return (J, aux) if has_aux else J

    return jac


def jacrev(f, argnums=0, has_aux=False, *, argnum=None):
    """Jacobian of f by reverse mode: one VJP per output entry (a row each), all pulled
    back through one pass with `vmap`.

    Returns a function giving an array of shape out.shape + x.shape (a tuple
    of such for tuple argnums; pytrees of them for pytree inputs and outputs;
    (jacobian, aux) with has_aux). Keyword arguments pass through to f.
    """
    argnums = argnums if argnum is None else argnum

    @functools.wraps(f)
    def jac(*args, **kwargs):
        single, nums = _argnums(argnums, len(args), "jacrev")
        level, rparts, out = _reverse(f, args, kwargs, nums, "jacrev")
        out, aux = _split_aux(out, has_aux, "jacrev")
        out_leaves, out_def = _check_tree(out, "jacrev")
        values = [_value(o, level) for o in out_leaves]
        boxed = [b for _, bs, _ in rparts for b in bs]
        inputs = [x for _, _, leaves in rparts for x in leaves]
        shapes = [shape_of(x) for x in inputs]
        in_sizes = [int(np.prod(s)) for s in shapes]
        tracked = [_tracked(o, level) for o in out_leaves]

        def pull(*cts):
            roots = [(o, ct) for o, ct, t in zip(out_leaves, cts, tracked) if t]
            found = {id(b): g for b, g in backward_pass(roots, None, level)} if roots else {}
            return tuple(found[id(b)] if id(b) in found else _zeros_like(x)
                         for b, x in zip(boxed, inputs))

        basis, out_sizes = _basis(values)
        total = sum(out_sizes)
        if total == 0 or sum(in_sizes) == 0:
            rows = None
        elif total == 1:  # one output number: a single pass, no batch
            rows = [_expand_first(r) for r in pull(*[b[0] for b in basis])]
        else:
            rows = vmap(pull)(*basis)
        blocks_by_out = []
        start = 0
        for v, size in zip(values, out_sizes):
            o_shape = shape_of(v)
            if rows is None:
                blocks = [np.zeros(o_shape + s, dtype=_dtype(x)) for s, x in zip(shapes, inputs)]
            else:
                from .primitives import getitem, reshape

                blocks = [reshape(getitem(r, slice(start, start + size)), o_shape + s)
                          for r, s in zip(rows, shapes)]
            blocks_by_out.append(blocks)
            start += size
        parts = [(treedef, leaves) for treedef, _, leaves in rparts]
        J = _jacobian_tree(out_def, out_leaves, blocks_by_out, parts, single, inputs)
        return (J, _strip_level(aux, level)) if has_aux else J

    return jac


def _expand_first(r):
    from .primitives import reshape

    return reshape(r, (1,) + shape_of(r))


def hessian(f, argnums=0, has_aux=False, *, argnum=None):
    """Hessian of scalar f: forward over reverse, ``jacfwd(jacrev(f))``.

    With tuple argnums the result is nested, H[i][j] = d^2 f / dx_i dx_j (as JAX).
    """
    argnums = argnums if argnum is None else argnum
    return jacfwd(jacrev(f, argnums, has_aux), argnums, has_aux)


def elementwise_grad(f, argnums=0, *, argnum=None):
    """HIPS autograd's elementwise_grad: the VJP of f with a cotangent of ones, which is
    the elementwise derivative when each output depends only on the same-place input."""
    argnums = argnums if argnum is None else argnum

    @functools.wraps(f)
    def egrad(*args, **kwargs):
        single, nums = _argnums(argnums, len(args), "elementwise_grad")

        def of_selected(*xs):
            new = list(args)
            for i, x in zip(nums, xs):
                new[i] = x
            return f(*new, **kwargs)

        out, pull = vjp(of_selected, *[args[i] for i in nums])
        from .pytrees import tree_map

        cts = pull(tree_map(lambda o: np.ones_like(raw(o)) if np.ndim(raw(o)) else 1.0, out))
        return cts[0] if single else cts

    return egrad


jacobian = jacrev  # HIPS autograd's name


def linearize(f, *primals):
    """JAX's linearize: (f(*primals), f_jvp) where f_jvp(*tangents) is J tangents.

    adlab keeps no linear program between calls: each f_jvp call is one more
    forward-mode pass of f at the same point.
    """
    out = jvp(f, primals, tree_map(_zeros_like, tuple(primals)))[0]

    def f_jvp(*tangents):
        return jvp(f, primals, tangents)[1]

    return out, f_jvp


