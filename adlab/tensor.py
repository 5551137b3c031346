"""Reverse mode: the `Tensor` node, its recording, and backpropagation.

A `Tensor` is one node of a computation graph: its primal value, the
primitive that made it and the arguments it was made from. Level 0 holds the
eager, PyTorch-like tensors created with `adlab.tensor`; `grad`, `vjp` and
`jacrev` wrap their inputs in tensors of a fresh level of their own.

`backward_pass` walks a graph iteratively (no recursion, so chains of a
million operations are fine), in a deterministic order, and applies each
primitive's VJP rules from the table.
"""

from __future__ import annotations

import contextlib
import gc
import heapq
import itertools
import operator

import numpy as np

from . import errors
from ._dispatch import EMPTY, Box, apply, evaluate, grad_mode, raw, register, shape_of
from .arraymethods import ArrayMethods
from . import primitives as P
from .primitives import unbroadcast


_sequence = itertools.count()


def _operator(prim, reflected=False):
    """The Tensor operator for binary `prim`: ``x op y``, or ``y op x`` if `reflected`.

    When the other operand is a number, an array or a tensor of the same
    level, the result is recorded at once; anything else (a box of another
    level) goes through `apply`, which finds the box of the highest level.
    The shortcut takes about 8% off the scalar chain of benchmarks/bench_core.py.
    """
    def op(self, other):
        args = (other, self) if reflected else (self, other)
        t = type(other)
        if t in _PLAIN_TYPES or (t is Tensor and other._level == self._level):
            return _record(self, prim, args, EMPTY)
        return apply(prim, args)

    op.__name__ = f"__{'r' if reflected else ''}{prim.name}__"
    op.__doc__ = prim.text.format(*(("y", "x") if reflected else ("x", "y")))
    return op


_PLAIN_TYPES = (float, int, np.ndarray)


class Tensor(ArrayMethods):
    """An array with PyTorch-style automatic differentiation.

    Create one with `adlab.tensor`. Operations on tensors that require grad
    record a graph; ``backward()`` fills ``.grad`` of the leaves.
    """

    __slots__ = ("_value", "_prim", "_args", "_vals", "_params", "_level", "_seq", "_ct",
                 "requires_grad", "grad", "__weakref__")

    def __init__(self, value, prim=None, args=None, params=EMPTY, level=0,
                 requires_grad=False, vals=None):
        self._value = value
        self._prim = prim
        self._args = args  # the arguments as given (nodes and constants)
        self._vals = vals  # the same, one level down (the values the rules need)
        self._params = params
        self._level = level
        self._seq = next(_sequence)  # creation order: a topological order of any graph
        self.requires_grad = requires_grad
        self.grad = None
        self._ct = None  # the cotangent gathered so far, only during a backward pass

    def _primal_value(self):
        return self._value

    # operators, each its primitive (see _operator); the others come from ArrayMethods
    __add__, __radd__ = _operator(P.ADD), _operator(P.ADD, True)
    __sub__, __rsub__ = _operator(P.SUB), _operator(P.SUB, True)
    __mul__, __rmul__ = _operator(P.MUL), _operator(P.MUL, True)
    __truediv__, __rtruediv__ = _operator(P.DIV), _operator(P.DIV, True)
    __pow__, __rpow__ = _operator(P.POW), _operator(P.POW, True)
    __matmul__, __rmatmul__ = _operator(P.MATMUL), _operator(P.MATMUL, True)

    def __neg__(self):
        return _record(self, P.NEG, (self,), EMPTY)

    # -- PyTorch-style API -------------------------------------------------

    @property
    def is_leaf(self) -> bool:
        """True for tensors made by the user rather than by an operation."""
        return self._prim is None

    @property
    def grad_fn(self):
        """Name of the primitive that made this tensor (None for leaves)."""
        return None if self._prim is None else self._prim.name

    @property
    def data(self):
        """The primal value as a tensor that does not require grad."""
        return Tensor(self._value)

    def requires_grad_(self, requires_grad: bool = True):
        """Set `requires_grad` on a leaf in place; returns self."""
        if self._prim is not None:
            raise RuntimeError(
                "requires_grad_: only leaf tensors (made with adlab.tensor) can change "
                "requires_grad; this one was made by " f"'{self._prim.name}'. Use .detach() first."
            )
        if requires_grad:
            errors.check_float(self._value, "requires_grad_")
        self.requires_grad = bool(requires_grad)
        return self

    def backward(self, gradient=None, retain_graph=None, create_graph=False):
        """Accumulate d(self)/d(leaf) into ``leaf.grad`` for every leaf that requires grad.

        Args:
            gradient: cotangent of the same shape as self; may be omitted only
                when self holds a single number.
            retain_graph: keep the graph so that backward can run through it
                again (default: the value of `create_graph`).
            create_graph: record the backward computation itself, so that the
                gradients can be differentiated again.
        """
        if self._level != 0:
            raise RuntimeError(
                "backward: call it on tensors made with adlab.tensor; inside adlab.grad "
                "or adlab.vjp, return the value and let the transform differentiate it."
            )
        if not self.requires_grad:
            raise RuntimeError(
                "backward: this tensor does not require grad and has no graph: none of "
                "the tensors it was computed from has requires_grad=True. Create the "
                "inputs with adlab.tensor(..., requires_grad=True)."
            )
        if gradient is None:
            if shape_of(self._value) != ():
                raise RuntimeError(
                    f"backward: the output has shape {shape_of(self._value)}, so the gradient "
                    "is a Jacobian, not a vector. Call y.backward(gradient=v) with v of the "
                    "same shape (v = ones gives the gradient of y.sum()), or reduce first: "
                    "y.sum().backward()."
                )
            seed = 1.0
        else:
            seed = gradient if create_graph and isinstance(gradient, Box) else raw(gradient)
            if isinstance(seed, (list, tuple)):
                seed = np.asarray(seed, dtype=float)
            if shape_of(seed) != shape_of(self._value):
                raise errors.AdlabValueError(
                    f"backward: gradient has shape {shape_of(seed)} but the tensor has shape "
                    f"{shape_of(self._value)}; pass a gradient of the tensor's shape."
                )
        if retain_graph is None:
            retain_graph = create_graph
        order = []
        without_collector(_fill_grads, self, seed, not create_graph, order)
        if not retain_graph:
            for node in order:
                if node._prim is not None:
                    node._args = node._vals = None

    def detach(self):
        """A new tensor with the same values and no graph."""
        return Tensor(raw(self))

    def zero_(self):
        """Set every entry to zero in place (as ``x.grad.zero_()``); returns self."""
        _check_in_place(self, "zero_")
        v = self._value
        self._value = 0.0 if type(v) in (float, int) else np.zeros_like(v)
        return self

    def item(self) -> float:
        """The value of a one-element tensor as a Python number."""
        v = raw(self)
        if np.size(v) != 1:
            raise ValueError(
                f"item: only one-element tensors can be converted to a number; this one has "
                f"shape {np.shape(v)}. Index or reduce it first (x[0], x.sum())."
            )
        return v.item() if hasattr(v, "item") else v

    def numpy(self) -> np.ndarray:
        """The values as a numpy array (detach first if it requires grad)."""
        if self.requires_grad:
            raise RuntimeError(
                "numpy: this tensor requires grad, so its values are part of a graph. "
                "Use tensor.detach().numpy() to take the values alone."
            )
        return np.asarray(self._value)

    def tolist(self):
        """The values as (nested) Python lists."""
        return np.asarray(raw(self)).tolist()

    def __array__(self, dtype=None, copy=None):
        if self.requires_grad:
            raise TypeError(
                "this tensor requires grad: converting it to a numpy array would drop its "
                "derivatives. Use adlab operations, or tensor.detach().numpy() for the values."
            )
        return np.asarray(self._value, dtype=dtype)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    # in-place arithmetic, as in PyTorch's `with no_grad(): w -= lr * w.grad`
    def _in_place(self, fn, other, name):
        _check_in_place(self, name)
        result = fn(self, other)
        if isinstance(result, Tensor) and result._prim is not None:
            return result  # the result is part of a graph: rebind the name to it
        self._value = raw(result)
        return self

    def __iadd__(self, other):
        return self._in_place(ArrayMethods.__add__, other, "+=")

    def __isub__(self, other):
        return self._in_place(ArrayMethods.__sub__, other, "-=")

    def __imul__(self, other):
        return self._in_place(ArrayMethods.__mul__, other, "*=")

    def __itruediv__(self, other):
        return self._in_place(ArrayMethods.__truediv__, other, "/=")

    def __repr__(self):
        body = np.array2string(np.asarray(raw(self)), separator=", ", prefix="tensor(")
        if self._level != 0:
            return f"Traced<level {self._level}>({body})"
        if self._prim is not None and self.requires_grad:
            return f"tensor({body}, grad_fn=<{self._prim.name}>)"
        if self.requires_grad:
            return f"tensor({body}, requires_grad=True)"
        return f"tensor({body})"


def _check_in_place(t, name):
    if t._level != 0 or (t.requires_grad and grad_mode.enabled):
        raise RuntimeError(
            f"{name}: a tensor that requires grad cannot be changed in place, because its "
            "graph would then describe values it no longer holds. Do it inside "
            "`with adlab.no_grad():` (as in a gradient-descent step), or on x.detach()."
        )


def _fill_grads(root, seed, unwrap, order):
    """Walk back from eager `root` and add each leaf's cotangent to its ``.grad``.

    `order` receives the nodes walked (see `backward_pass`).
    """
    leaves = _walk(root, seed, 0, unwrap, order)
    taken = None  # ids of arrays a leaf may not keep as its .grad (see _keep)
    for leaf, g in leaves:
        if leaf.requires_grad:
            keep = False
            if type(g) is np.ndarray:
                if taken is None:
                    taken = _graph_arrays(order, seed)
                keep = _keep(g, taken)
            _accumulate_grad(leaf, g, keep)


def _graph_arrays(order, seed):
    """Ids of the arrays no leaf may keep as its .grad: the caller's seed and the graph's values."""
    ids = {id(node._value) for node in order}
    ids.add(id(seed))
    return ids


def _keep(g, taken):
    """Whether a leaf may keep cotangent array g as its .grad without a copy.

    A cotangent that a VJP rule computed is a new array that only the
    backward pass holds, so the leaf can keep it (PyTorch does the same).
    Views (``base`` set), read-only arrays, the ids in `taken` (the seed and
    the graph's values) are copied. The first leaf to keep an array adds it to
    `taken`: an array reaching two leaves (``a + b`` hands both the same
    cotangent) is kept by one and copied for the other.
    """
    if g.base is not None or not g.flags.writeable or id(g) in taken:
        return False
    taken.add(id(g))
    return True


def _accumulate_grad(leaf, g, keep=False):
    """Add cotangent g to ``leaf.grad``; `keep` says g may be kept without a copy (see _keep)."""
    if isinstance(g, Box):
        leaf.grad = g if leaf.grad is None else leaf.grad + g
        return
    v = leaf._value
    if type(v) is float:
        g = float(g)
    else:
        dtype = np.result_type(v, float)
        g = np.asarray(g, dtype=dtype) if keep else np.array(g, dtype=dtype, copy=True)
    if leaf.grad is None:
        leaf.grad = Tensor(g)
    else:
        leaf.grad = Tensor(raw(leaf.grad) + g)


def _record(top, prim, args, params):
    """Processor for tensors: apply `prim` one level down and record a node."""
    level = top._level
    tracked = False
    boxed = False
    vals = []
    for a in args:
        if type(a) is Tensor and a._level == level:
            if a.requires_grad:
                tracked = True
            a = a._value
        if isinstance(a, Box):
            boxed = True
        vals.append(a)
    value = apply(prim, vals, params) if boxed else evaluate(prim, vals, params)
    if not tracked or (level == 0 and not grad_mode.enabled):
        return Tensor(value, level=level)
    return Tensor(value, prim, args, params, level, True, tuple(vals))


register(Tensor, _record)


def without_collector(fn, *args):
    """Call fn(*args) with Python's cyclic garbage collector paused; return its result.

    Graphs of Tensor nodes hold no reference cycles, so the collector has
    nothing to find in them; left on while a graph is recorded or walked, it
    traverses the whole live graph again and again (about half the time of a
    10^6-op chain). It is switched back on afterwards, also after an error,
    unless it was off before.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        return fn(*args)
    finally:
        if collecting:
            gc.enable()


def backward_pass(root, seed, level, unwrap=True, visited=None):
    """Propagate cotangent `seed` from `root` back through the graph of `level`.

    Walks the nodes that `root` depends on without recursion (chains of a
    million operations are fine), each after every node that uses it: a heap
    hands out the waiting node created last, since a node is always created
    after its arguments. A node joins the heap when its first cotangent
    arrives and leaves it with the sum of all of them. Leaves have no rules
    to run, so they only gather their cotangents, outside the heap. The order
    depends only on the graph. The garbage collector is paused meanwhile
    (see `without_collector`).

    Args:
        root: the output node.
        seed: the cotangent of root (same shape as root's value).
        level: the level whose nodes are differentiated.
        unwrap: apply the VJP rules to the values one level down (True), or to
            the nodes themselves so that the backward pass is recorded too
            (eager ``create_graph=True``).
        visited: optional list; every node reached is appended, each after
            the nodes that use it (root first, leaves last).
    Returns:
        A list of (leaf, cotangent) pairs, leaves created first coming first.
    Raises:
        RuntimeError naming `retain_graph` if the walk reaches a node whose
        graph an earlier ``backward()`` freed.
    """
    return without_collector(_walk, root, seed, level, unwrap, visited)


def _walk(root, seed, level, unwrap, visited):
    """The walk of `backward_pass`, with the collector already paused."""
    root._ct = seed
    heap, leaves = [], []
    if root._prim is None:
        leaves.append(root)
    else:
        heap.append((-root._seq, root))
    pop, push = heapq.heappop, heapq.heappush
    try:
        while heap:
            node = pop(heap)[1]
            g = node._ct
            node._ct = None
            if visited is not None:
                visited.append(node)
            args = node._args
            if args is None:
                raise RuntimeError(errors.BACKWARD_TWICE)
            prim = node._prim
            if unwrap:
                vals, ans = node._vals, node._value
            else:
                vals, ans = args, node
            params = node._params
            rules = prim.vjp
            i = -1
            for a in args:
                i += 1
                if type(a) is Tensor and a._level == level and a.requires_grad:
                    # plain calls for one and two arguments: a call with *vals is slower
                    if params:
                        c = rules[i](g, ans, *vals, **params)
                    elif len(vals) == 2:
                        c = rules[i](g, ans, vals[0], vals[1])
                    elif len(vals) == 1:
                        c = rules[i](g, ans, vals[0])
                    else:
                        c = rules[i](g, ans, *vals)
                    if type(c) is not float:
                        c = unbroadcast(c, shape_of(a._value))
                    old = a._ct
                    if old is not None:
                        a._ct = old + c
                    else:
                        a._ct = c
                        if a._prim is None:
                            leaves.append(a)
                        else:
                            push(heap, (-a._seq, a))
    except BaseException:
        for _, node in heap:  # leave no cotangent behind for the next pass
            node._ct = None
        for leaf in leaves:
            leaf._ct = None
        raise
    leaves.sort(key=_by_sequence)
    if visited is not None:
        visited.extend(reversed(leaves))
    found = []
    for leaf in leaves:
        found.append((leaf, leaf._ct))
        leaf._ct = None
    return found


_by_sequence = operator.attrgetter("_seq")


class no_grad(contextlib.ContextDecorator):
    """Context manager (or decorator) in which eager tensors record no graph."""

    def __enter__(self):
        self._prev = grad_mode.enabled
        grad_mode.enabled = False
        return self

    def __exit__(self, *exc):
        grad_mode.enabled = self._prev
        return False


def is_grad_enabled() -> bool:
    """Whether eager operations currently record a graph."""
    return grad_mode.enabled


# -- creating tensors ---------------------------------------------------------


def tensor(data, requires_grad=False, dtype=None):
    """Make a leaf tensor from a number, a (nested) list or an array.

    Args:
        data: the values; Python floats stay Python floats (fast scalar path).
        requires_grad: record operations on it so that backward can fill `.grad`.
        dtype: optional numpy dtype, e.g. float.
    Returns:
        A `Tensor`.
    """
    value = errors.check_data(raw(data) if isinstance(data, Box) else data, "tensor", dtype)
    t = Tensor(value)
    if requires_grad:
        t.requires_grad_(True)
    return t


def arange(*args, requires_grad=False, dtype=None):
    """Evenly spaced values as numpy.arange gives them (``arange(4.0)``)."""
    return tensor(np.arange(*args, dtype=dtype), requires_grad=requires_grad)


def ones(*shape, requires_grad=False):
    """A tensor of ones (float) of the given shape."""
    return tensor(np.ones(_shape_arg(shape)), requires_grad=requires_grad)


def zeros(*shape, requires_grad=False):
    """A tensor of zeros (float) of the given shape."""
    return tensor(np.zeros(_shape_arg(shape)), requires_grad=requires_grad)


def randn(*shape, size=None, requires_grad=False, seed=None):
    """Standard normal samples; ``randn(2, 3)``, ``randn(size=())``. `seed` makes it repeatable."""
    rng = np.random.default_rng(seed)
    shape = _shape_arg(shape) if size is None else _shape_arg((size,))
    value = rng.standard_normal(shape)
    return tensor(float(value) if shape == () else value, requires_grad=requires_grad)


def _shape_arg(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(int(s) for s in shape)
