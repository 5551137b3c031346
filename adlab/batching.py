"""vmap: a function written for one example, applied to a whole batch in one pass.

`vmap(f, in_axes, out_axes)` moves each mapped argument's batch axis to the
front and wraps it in a `BatchTracer` of a fresh level. Every primitive that
meets a BatchTracer runs once for the whole batch through its batching rule
(`adlab.batchrules`, named in the primitive's entry); a primitive without a
rule runs once per example and the results are stacked. Nothing is
differentiated here: vmap is a transform of its own, which nests with the
others (``vmap(grad(f))`` gives per-example gradients), and `jacfwd` and
`jacrev` use it to push all the basis directions through one pass.
"""

from __future__ import annotations

import functools

import numpy as np

from . import errors
from ._dispatch import apply, new_level, raw, register, shape_of, strip
from .arraymethods import ArrayMethods
from .pytrees import tree_flatten, tree_unflatten


class BatchTracer(ArrayMethods):
    """A batch of values inside `vmap`: `value` holds them along its first axis.

    Its `shape` is the shape of one example, as the function being mapped sees it.
    """

    __slots__ = ("_level", "value")
    _batched = True
    _kind = "a batched value inside adlab.vmap"

    def _leaving(self, what):
        return errors.AdlabTypeError(
            f"vmap: {what} of a batched value: it holds one value per example, and the "
            f"function is run once for the whole batch. Keep it an adlab value (adlab.sin, "
            f"adlab.where, ...) and return it; vmap stacks the results."
        )

    def __init__(self, level, value):
        self._level = level
        self.value = value

    def _primal_value(self):
        return self.value

    def _restrip(self):
        return BatchTracer(self._level, strip(self.value))

    @property
    def shape(self) -> tuple:
        """The shape of one example."""
        return shape_of(self.value)[1:]

    def __bool__(self):
        raise errors.AdlabTypeError(
            "vmap: Python control flow (if, while, and, or) on a batched value: each example "
            "may take a different branch. Compute both branches and pick per example with "
            "adlab.where(condition, a, b)."
        )

    def __array__(self, dtype=None, copy=None):
        raise errors.AdlabTypeError(
            "vmap: a batched value cannot become a numpy array inside the mapped function; "
            "use adlab operations on it. (A numpy array indexed with it, a[i], does this: "
            "make the array an adlab tensor first, adlab.tensor(a)[i].)"
        )

    def __repr__(self):
        body = np.array2string(np.asarray(raw(self.value)), separator=", ")
        return f"Batched<level {self._level}>({body})"


def _loop(prim, vals, batched, params):
    """A primitive without a batching rule: once per example, results stacked."""
    from .primitives import getitem, stack

    size = next(shape_of(v)[0] for v, b in zip(vals, batched) if b)
    if size == 0:
        example = [np.zeros(shape_of(v)[1:], dtype=np.result_type(raw(v), 0.0)) if b else raw(v)
                   for v, b in zip(vals, batched)]
        with np.errstate(all="ignore"):
            one = apply(prim, tuple(example), params)
        return np.zeros((0,) + shape_of(one), dtype=np.result_type(raw(one), 0.0))
    results = [apply(prim, tuple(getitem(v, k) if b else v for v, b in zip(vals, batched)), params)
               for k in range(size)]
    return stack(results)


def _process(top, prim, args, params):
    """Processor for batch tracers: the primitive's batching rule, or a loop over the batch."""
    level = top._level
    vals, batched = [], []
    for a in args:
        if type(a) is BatchTracer and a._level == level:
            vals.append(a.value)
            batched.append(True)
        else:
            vals.append(a)
            batched.append(False)
    out = NotImplemented
    if prim.batch is not None:
        out = prim.batch(prim, tuple(vals), tuple(batched), **params)
    if out is NotImplemented:
        out = _loop(prim, vals, batched, params)
    return BatchTracer(level, out)


register(BatchTracer, _process)


def _axes_of_leaves(spec, tree, where):
    """One axis (an int or None) per leaf of `tree`, from `spec`: an int or None for all,
    or a tuple, list or dict matching the tree's structure down to where it is an int or None."""
    out = []
    stack = [(spec, tree)]
    while stack:
        s, t = stack.pop()
        if s is None or isinstance(s, (int, np.integer)):
            out.extend([None if s is None else int(s)] * len(tree_flatten(t)[0]))
        elif isinstance(s, (tuple, list)) and isinstance(t, (tuple, list)) and len(s) == len(t):
            stack.extend(reversed(list(zip(s, t))))
        elif isinstance(s, dict) and isinstance(t, dict) and set(s) == set(t):
            keys = tree_flatten(t)[1].meta
            stack.extend(reversed([(s[k], t[k]) for k in keys]))
        else:
            raise errors.AdlabValueError(
                f"vmap: {where}={spec!r} does not fit the structure of the arguments; give an "
                f"int or None for all, or one entry per argument (a tuple of the same length)."
            )
    return out


def _move_in(x, axis):
    """x with its mapped `axis` (checked by the caller) moved to the front."""
    from .primitives import moveaxis

    if isinstance(x, list):
        x = np.asarray(x)
    n = len(shape_of(x))
    return moveaxis(x, axis, 0) if axis % n else x


def vmap(f, in_axes=0, out_axes=0):
    """Map f over a batch axis of its arguments, in one pass.

    Args:
        f: a function of one example, built from adlab operations.
        in_axes: the axis of each positional argument that holds the batch:
            an int (default 0) or None for all, or a tuple with one entry per
            argument (an int, None for an argument shared by every example, or
            a pytree of those for a pytree argument). Keyword arguments are
            mapped over their axis 0.
        out_axes: where the batch axis goes in each output (an int or None,
            or a tree of those); None only for outputs that are the same for
            every example.
    Returns:
        The batched function: f applied to every example, results stacked along
        out_axes.
    """

    @functools.wraps(f)
    def batched_f(*args, **kwargs):
        spec = in_axes
        if isinstance(spec, list):
            spec = tuple(spec)
        if isinstance(spec, tuple) and len(spec) != len(args):
            raise errors.AdlabValueError(
                f"vmap: in_axes has {len(spec)} entries but the function was called with "
                f"{len(args)} positional argument(s); give one entry per argument."
            )
        leaves, treedef = tree_flatten(args)
        axes = _axes_of_leaves(spec, args, "in_axes")
        kw_leaves, kw_def = tree_flatten(kwargs)
        sizes = {}
        for k, (x, a) in enumerate(zip(leaves, axes)):
            if a is not None:
                s = shape_of(x)
                if not -len(s) <= a < len(s):
                    raise errors.AdlabValueError(
                        f"vmap: in_axes asks for axis {a} of an argument of shape {s}; map over "
                        f"an axis it has, or give None to pass it unbatched."
                    )
                sizes.setdefault(s[a], []).append(f"argument leaf {k} (axis {a}, shape {s})")
        for x in kw_leaves:
            s = shape_of(x)
            if not s:
                raise errors.AdlabValueError(
                    "vmap: keyword arguments are mapped over their axis 0, but one has shape (); "
                    "pass it positionally with in_axes None, or bind it with functools.partial."
                )
            sizes.setdefault(s[0], []).append(f"a keyword argument (shape {s})")
        if not sizes:
            raise errors.AdlabValueError(
                "vmap: no argument is mapped (in_axes is None everywhere); map at least one.")
        if len(sizes) > 1:
            detail = "; ".join(f"size {n}: {', '.join(w)}" for n, w in sizes.items())
            raise errors.AdlabValueError(
                f"vmap: the mapped axes have different sizes ({detail}); they must agree.")
        size = next(iter(sizes))
        level = new_level()
        boxed = [x if a is None else BatchTracer(level, _move_in(x, a))
                 for x, a in zip(leaves, axes)]
        kw_boxed = [BatchTracer(level, _move_in(x, 0)) for x in kw_leaves]
        out = f(*tree_unflatten(treedef, boxed), **tree_unflatten(kw_def, kw_boxed))
        out_leaves, out_def = tree_flatten(out)
        out_spec = out_axes
        if isinstance(out_spec, list):
            out_spec = tuple(out_spec)
        out_ax = _axes_of_leaves(out_spec, out, "out_axes")
        given = {id(x) for x in leaves + kw_leaves}
        return tree_unflatten(out_def, [_move_out(o, a, level, size, given)
                                        for o, a in zip(out_leaves, out_ax)])

    return batched_f


def _move_out(o, axis, level, size, given):
    from .primitives import broadcast_to

    if type(o) is BatchTracer and o._level == level:
        if axis is None:
            raise errors.AdlabValueError(
                "vmap: out_axes is None for an output that differs from example to example; "
                "give the axis to stack it along."
            )
        v = o.value
        if id(v) in given:
            v = np.array(v)  # f returned its argument: an array of its own, not the caller's
        return _to_axis(v, axis)
    if o is None or isinstance(o, str):
        raise errors.AdlabTypeError(
            f"vmap: the function returned {errors._describe(o)}; return numbers or arrays "
            f"computed with adlab operations.")
    if axis is None:
        return o
    if isinstance(o, (list, float, int)):
        o = np.asarray(o)
    v = broadcast_to(o, (size,) + shape_of(o))  # the same for every example
    if isinstance(v, np.ndarray):
        v = np.array(v)  # a writable array of its own, not a broadcast view
    return _to_axis(v, axis)


def _to_axis(v, axis):
    """A batched output with its batch axis (now the first) moved to `axis`."""
    from .primitives import moveaxis

    n = len(shape_of(v))
    if not -n <= axis < n:
        raise errors.AdlabValueError(
            f"vmap: out_axes asks for axis {axis} of an output of {n - 1} axis(es) per example "
            f"(shape {shape_of(v)[1:]}); give an axis from {-n} to {n - 1}."
        )
    return moveaxis(v, 0, axis % n) if axis % n else v


__all__ = ["BatchTracer", "vmap"]
