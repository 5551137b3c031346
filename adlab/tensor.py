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
import math
import operator
import threading
import weakref

import numpy as np

from . import _dispatch as _dispatch_module
from . import errors
from ._dispatch import (EMPTY, Box, apply, evaluate, grad_mode, raw, register, set_mode, shape_of,
                        switches)
from .arraymethods import ArrayMethods
from . import primitives as P
from .primitives import unbroadcast

# one backward pass at a time: passes share the cotangent slots of the nodes they
# walk and the .grad of the leaves they reach (re-entrant: a custom rule may call grad)
_backward_lock = threading.RLock()

# non-leaf tensors whose .grad backward fills (retain_grad), by id
_retained: dict = {}


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
    op.__doc__ = prim.render(prim.text, ("y", "x") if reflected else ("x", "y"))
    return op


_PLAIN_TYPES = (float, int, np.ndarray)


class GradFn(str):
    """The name of the primitive that made a tensor, walkable as PyTorch's grad_fn."""

    def __new__(cls, node):
        obj = str.__new__(cls, node._prim.name)
        obj._node = node
        return obj

    def name(self) -> str:
        return str(self)

    @property
    def next_functions(self) -> tuple:
        """One (grad_fn, 0) pair per argument: the argument's grad_fn, "AccumulateGrad" for a
        leaf that requires grad, None for a constant."""
        out = []
        for a in self._node._args or ():
            if type(a) is Tensor and a._level == self._node._level and a._rg:
                out.append((a.grad_fn if a._prim is not None else "AccumulateGrad", 0))
            else:
                out.append((None, 0))
        return tuple(out)


def _keep_history(t):
    """A graph node about to take a value that no operation computed (an in-place change
    through .data, .detach() or under no_grad): its operation moves to a new node that keeps
    the value it computed, and t becomes the identity of that node. Derivatives then flow as
    if the value had not changed, and the rules keep the values they were recorded with, as
    PyTorch's .data semantics give."""
    old = Tensor(t._value, t._prim, t._args, t._params, t._level, True, t._vals)
    old._seq = t._seq - 0.5  # after its arguments, before t (creation order is the walk's order)
    t._prim, t._args, t._vals, t._params = P.COPY, (old,), (old._value,), EMPTY


class Tensor(ArrayMethods):
    """An array with PyTorch-style automatic differentiation.

    Create one with `adlab.tensor`. Operations on tensors that require grad
    record a graph; ``backward()`` fills ``.grad`` of the leaves.
    ``Tensor([1.0, 2.0])`` (PyTorch's legacy constructor) makes a leaf too.
    """

    __slots__ = ("_value", "_prim", "_args", "_vals", "_params", "_level", "_seq", "_ct",
                 "_rg", "grad", "_aliases", "_base", "__weakref__")

    def __init__(self, value, prim=None, args=None, params=EMPTY, level=0,
                 requires_grad=False, vals=None):
        if type(value) is list:  # Tensor([...]) from user code: floats, as PyTorch's
            value = errors.check_data(value, "Tensor", np.float64)
        self._value = value
        self._prim = prim
        self._args = args  # the arguments as given (nodes and constants)
        self._vals = vals  # the same, one level down (the values the rules need)
        self._params = params
        self._level = level
        self._seq = next(_sequence)  # creation order: a topological order of any graph
        self._rg = requires_grad  # requires_grad, read on every operation
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
        """The operation that made this tensor (None for leaves): its name, as a string, with
        PyTorch's ``next_functions`` (the operations of its arguments, for drawing the graph)."""
        return None if self._prim is None else GradFn(self)

    @property
    def data(self):
        """The values as a tensor that does not require grad and shares them with this one:
        changing it in place (``w.grad.data.zero_()``) changes this tensor too, as in PyTorch."""
        view = Tensor(self._value)
        _join(self, view)
        return view

    @data.setter
    def data(self, value):
        self._set_value(raw(value), "data")

    @property
    def _kind(self):
        if self._level:
            return "a value inside adlab.grad (or vjp, jacrev), which it is differentiating"
        return "a tensor that requires grad"

    def _carries_derivative(self) -> bool:
        return self._level != 0 or self._rg

    @classmethod
    def _wrap_plain(cls, value, like):
        if type(like) is Tensor and like._level == 0 and not isinstance(value, Box):
            return Tensor(value)  # comparisons of eager tensors are tensors, as in PyTorch
        return value

    @property
    def requires_grad(self) -> bool:
        """Whether operations on this tensor are recorded for backward."""
        return self._rg

    @requires_grad.setter
    def requires_grad(self, value):
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad: bool = True):
        """Set `requires_grad` on a leaf in place; returns self."""
        if self._prim is not None and bool(requires_grad) != self._rg:
            raise RuntimeError(
                "requires_grad: only leaf tensors (made with adlab.tensor) can change "
                "requires_grad; this one was made by " f"'{self._prim.name}'. For a copy "
                "without a graph use y.detach()."
            )
        if requires_grad:
            errors.check_float(self._value, "requires_grad")
        self._rg = bool(requires_grad)
        return self

    def retain_grad(self):
        """Make backward fill ``.grad`` of this non-leaf tensor too (its adjoint); returns None."""
        if self._prim is None:
            return None
        key = id(self)
        _retained[key] = weakref.ref(self, lambda _, key=key: _retained.pop(key, None))
        return None

    @property
    def retains_grad(self) -> bool:
        return id(self) in _retained and _retained[id(self)]() is self

    def backward(self, gradient=None, retain_graph=None, create_graph=False):
        """Accumulate d(self)/d(leaf) into ``leaf.grad`` for every leaf that requires grad.

        Args:
            gradient: cotangent of the same shape as self; may be omitted only
                when self holds a single number (shape (), (1,), (1, 1), ...).
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
        if not self._rg:
            raise RuntimeError(
                "backward: this tensor does not require grad and has no graph: none of "
                "the tensors it was computed from has requires_grad=True. Create the "
                "inputs with adlab.tensor(..., requires_grad=True)."
            )
        if gradient is None and type(self._value) is float:
            seed = 1.0
        else:
            seed = _seed(self, gradient, create_graph, "backward")
        order = []
        with _backward_lock:
            wanted = _retained_wanted() if _retained else None
            without_collector(_fill_grads, self, seed, not create_graph, order, wanted)
            if not (create_graph if retain_graph is None else retain_graph):
                _free(order)

    def detach(self):
        """A tensor with the same values and no graph. It shares the values: changing it in
        place changes this tensor too, as in PyTorch."""
        view = Tensor(self._value)
        _join(self, view)
        return view

    # -- in place --------------------------------------------------------------

    def _set_value(self, value, name):
        """Give this tensor and those sharing its values (data, detach) a new value, and
        write it into the tensor it is a view of (basic indexing, reshape, transpose)."""
        for t in _group(self):
            if t._prim is not None and t._args is not None and t._rg:
                _keep_history(t)
            t._value = value
            base = getattr(t, "_base", None)
            if base is not None:
                owner, kind, param = base
                owner._set_value(_write_back(owner._value, value, kind, param), name)

    def _in_place_value(self, result, name):
        """The result of an in-place operation in this tensor's shape and dtype."""
        new = raw(result)
        old = self._value
        if shape_of(new) != shape_of(old):
            raise errors.AdlabValueError(
                f"{name}: the result has shape {shape_of(new)}, but an in-place operation keeps "
                f"the tensor's shape {shape_of(old)}; assign a new tensor instead (x = x + y)."
            )
        if type(old) is float:
            return float(new)
        if isinstance(old, np.ndarray):
            if isinstance(new, np.ndarray) and new.dtype == old.dtype:
                return new
            return np.array(new, dtype=old.dtype)
        return np.asarray(new, dtype=np.result_type(old)).reshape(np.shape(old))[()]

    def _check_in_place(self, name):
        if self._level != 0:
            raise RuntimeError(
                f"{name}: a value inside a transform (adlab.grad, vjp, jacrev) cannot be changed "
                "in place: adlab records no assignments. Build the new value instead: "
                "adlab.where(mask, value, x), x.at[index].set(value), or adlab.stack."
            )
        if self._rg and grad_mode.enabled:
            what = ("a leaf tensor that requires grad" if self._prim is None else
                    "a tensor that requires grad (part of a graph)")
            raise RuntimeError(
                f"{name}: {what} cannot be changed in place, because its graph would then "
                "describe values it no longer holds. Do it inside `with adlab.no_grad():` "
                "(as in a gradient-descent step), on x.detach(), or build a new value: "
                "y = x + ..., adlab.where(mask, value, x), x.at[index].set(value)."
            )

    def _apply_in_place(self, fn, other, name):
        self._check_in_place(name)
        result = fn(self, other)
        if isinstance(result, Tensor) and result._prim is not None:
            raise RuntimeError(
                f"{name}: the result depends on a tensor that requires grad, so it cannot be "
                f"stored in place in a tensor that does not. Write y = y + ... instead."
            )
        self._set_value(self._in_place_value(result, name), name)
        return self

    def _augmented(self, fn, other, name):
        """x += y: in place where PyTorch works in place, else a new node the name rebinds to."""
        if self._level != 0 or (self._rg and grad_mode.enabled and self._prim is not None):
            return fn(self, other)  # loss += term: part of the graph
        self._check_in_place(name)
        result = fn(self, other)
        if isinstance(result, Tensor) and result._prim is not None:
            return result  # acc += w * x with w requiring grad: acc becomes a graph node
        self._set_value(self._in_place_value(result, name), name)
        return self

    def __iadd__(self, other):
        return self._augmented(ArrayMethods.__add__, other, "+=")

    def __isub__(self, other):
        return self._augmented(ArrayMethods.__sub__, other, "-=")

    def __imul__(self, other):
        return self._augmented(ArrayMethods.__mul__, other, "*=")

    def __itruediv__(self, other):
        return self._augmented(ArrayMethods.__truediv__, other, "/=")

    def __ipow__(self, other):
        return self._augmented(ArrayMethods.__pow__, other, "**=")

    def add_(self, other, alpha=1.0):
        """self += alpha * other, in place."""
        return self._apply_in_place(lambda a, b: a + alpha * b, other, "add_")

    def sub_(self, other, alpha=1.0):
        """self -= alpha * other, in place."""
        return self._apply_in_place(lambda a, b: a - alpha * b, other, "sub_")

    def mul_(self, other):
        return self._apply_in_place(ArrayMethods.__mul__, other, "mul_")

    def div_(self, other):
        return self._apply_in_place(ArrayMethods.__truediv__, other, "div_")

    def clamp_(self, min=None, max=None):  # noqa: A002 - PyTorch's names
        return self._apply_in_place(lambda a, _: P.clip(a, min, max), None, "clamp_")

    def zero_(self):
        """Set every entry to zero in place (as ``x.grad.zero_()``); returns self."""
        return self.fill_(0.0)

    def fill_(self, value):
        """Set every entry to `value` in place; returns self."""
        self._check_in_place("fill_")
        v = self._value
        new = float(value) if type(v) is float else np.full_like(v, raw(value))
        self._set_value(new, "fill_")
        return self

    def copy_(self, source):
        """Copy the values of `source` (broadcast to this shape) into this tensor; returns self."""
        self._check_in_place("copy_")
        src = raw(source)
        new = np.broadcast_to(np.asarray(src), shape_of(self._value))
        self._set_value(self._in_place_value(np.array(new), "copy_"), "copy_")
        return self

    def normal_(self, mean=0.0, std=1.0):
        """Fill with normal samples in place (from adlab's generator, see manual_seed)."""
        self._check_in_place("normal_")
        shape = shape_of(self._value)
        sample = _rng.generator.normal(mean, std, shape)
        self._set_value(self._in_place_value(sample if shape else float(sample), "normal_"),
                        "normal_")
        return self

    def uniform_(self, a=0.0, b=1.0):
        """Fill with uniform samples from [a, b) in place."""
        self._check_in_place("uniform_")
        shape = shape_of(self._value)
        sample = _rng.generator.uniform(a, b, shape)
        self._set_value(self._in_place_value(sample if shape else float(sample), "uniform_"),
                        "uniform_")
        return self

    def __setitem__(self, index, value):
        self._check_in_place("x[...] = value")
        if isinstance(value, Tensor) and value._carries_derivative():
            raise RuntimeError(
                "x[...] = value: the value requires grad, and adlab does not record "
                "assignments into a tensor. Build the result with adlab.where or "
                "adlab.concatenate instead."
            )
        old = self._value
        if not isinstance(old, np.ndarray):
            old = np.asarray(old)
        new = np.array(old, copy=True)
        new[P._index_param(index)] = raw(value)
        self._set_value(new if np.ndim(self._value) or isinstance(self._value, np.ndarray)
                        else float(new), "x[...] = value")

    # -- PyTorch's new_* constructors: this tensor's dtype ----------------------

    def new_zeros(self, *size, dtype=None, requires_grad=False):
        return zeros(*size, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_ones(self, *size, dtype=None, requires_grad=False):
        return ones(*size, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_full(self, size, fill_value, dtype=None, requires_grad=False):
        return full(size, fill_value, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_tensor(self, data, dtype=None, requires_grad=False):
        return tensor(data, dtype=dtype or self.dtype, requires_grad=requires_grad)

    # -- leaving adlab ------------------------------------------------------------

    def item(self) -> float:
        """The value of a one-element tensor as a Python number."""
        if self._level != 0:
            raise self._leaving(".item()")
        v = self._value
        if np.size(v) != 1:
            raise ValueError(
                f"item: only one-element tensors can be converted to a number; this one has "
                f"shape {np.shape(v)}. Index or reduce it first (x[0], x.sum())."
            )
        return v.item() if hasattr(v, "item") else v

    def numpy(self) -> np.ndarray:
        """The values as a numpy array (detach first if it requires grad)."""
        if self._level != 0:
            raise self._leaving(".numpy()")
        if self._rg:
            raise RuntimeError(
                "numpy: this tensor requires grad, so its values are part of a graph. "
                "Use tensor.detach().numpy() to take the values alone."
            )
        return np.asarray(self._value)

    def tolist(self):
        """The values as (nested) Python lists."""
        if self._level != 0:
            raise self._leaving(".tolist()")
        return np.asarray(self._value).tolist()

    def __array__(self, dtype=None, copy=None):
        if self._level != 0:
            raise self._leaving("Converting to a numpy array (np.array, np.asarray)")
        if self._rg:
            raise TypeError(
                "this tensor requires grad: converting it to a numpy array would drop its "
                "derivatives. Use adlab operations, or tensor.detach().numpy() for the values."
            )
        return np.asarray(self._value, dtype=dtype)

    def __float__(self):
        if self._level != 0:
            raise self._leaving("float()")
        return float(self.item())

    def __int__(self):
        if self._level != 0:
            raise self._leaving("int()")
        return int(self.item())

    def __index__(self):
        if self._level != 0 or np.result_type(self._value).kind not in "iub" or np.size(self._value) != 1:
            raise TypeError("only integer tensors of one element can be used as an index")
        return int(self.item())

    def __repr__(self):
        body = np.array2string(np.asarray(raw(self)), separator=", ", prefix="tensor(",
                               precision=4)  # as PyTorch prints
        if self._level != 0:
            depth, inner = 1, self._value  # how many nested adlab.grad calls hold this value
            while type(inner) is Tensor and inner._level != 0:
                depth, inner = depth + 1, inner._value
            if depth == 1:
                return f"Traced({body})"
            return f"Traced({body}, nested {depth} deep: a grad inside {depth - 1} other grad(s))"
        if self._prim is not None and self._rg:
            return f"tensor({body}, grad_fn=<{self._prim.name}>)"
        if self._rg:
            return f"tensor({body}, requires_grad=True)"
        return f"tensor({body})"


def _mark_view(result, base, kind, param):
    """Make the eager result of a shape operation or basic indexing a view of `base`."""
    if (type(result) is Tensor and result._prim is None and result._level == 0
            and type(base) is Tensor and base._level == 0 and result is not base):
        result._base = (base, kind, param)  # a view keeps its base alive, as in PyTorch
    return result


_dispatch_module.mark_view = _mark_view


def _write_back(base_value, value, kind, param):
    """base's new value when its view (made by `kind` with `param`) took `value`."""
    if kind == "reshape":
        return np.reshape(np.asarray(value), np.shape(base_value)).astype(
            np.result_type(base_value), copy=False)
    if kind == "transpose":
        back = None if param is None else tuple(np.argsort(param).tolist())
        return np.array(np.transpose(value, back), dtype=np.result_type(base_value))
    new = np.array(base_value, copy=True)
    new[param] = value
    return new if np.ndim(base_value) or isinstance(base_value, np.ndarray) else float(new)


def _group(t):
    """t and the live tensors that share its values (made by .data or .detach())."""
    aliases = getattr(t, "_aliases", None)
    if aliases is None:
        return (t,)
    return tuple(m for m in (r() for r in aliases) if m is not None)


def _join(t, view):
    """Make `view` share `t`'s values: an in-place change of either reaches the other."""
    aliases = getattr(t, "_aliases", None)
    if aliases is None:
        aliases = [weakref.ref(t)]
        t._aliases = aliases
    elif len(aliases) > 8:
        aliases[:] = [r for r in aliases if r() is not None]
    aliases.append(weakref.ref(view))
    view._aliases = aliases


def _seed(out, gradient, create_graph, where):
    """The cotangent a backward pass starts from: `gradient`, or 1 for a one-element output."""
    value = out._value
    if gradient is None:
        if type(value) is float:
            return 1.0
        shape = shape_of(value)
        if math.prod(shape) != 1:
            raise RuntimeError(
                f"{where}: the output has shape {shape}, so the gradient "
                "is a Jacobian, not a vector. Call y.backward(gradient=v) with v of the "
                "same shape (v = ones gives the gradient of y.sum()), or reduce first: "
                "y.sum().backward()."
            )
        dtype = np.result_type(value, 0.0)
        return np.ones(shape, dtype=dtype)[()] if shape == () else np.ones(shape, dtype=dtype)
    seed = gradient if create_graph and isinstance(gradient, Box) else raw(gradient)
    if isinstance(seed, (list, tuple)):
        seed = np.asarray(seed, dtype=float)
    if shape_of(seed) != shape_of(value):
        raise errors.AdlabValueError(
            f"{where}: gradient has shape {shape_of(seed)} but the tensor has shape "
            f"{shape_of(value)}; pass a gradient of the tensor's shape."
        )
    return seed


def _retained_wanted():
    """The retained non-leaf tensors (retain_grad) as a dict to collect their cotangents, or None."""
    if not _retained:
        return None
    return {key: None for key, ref in list(_retained.items()) if ref() is not None} or None


def _free(order):
    """Drop the values a finished backward pass no longer needs (unless retain_graph)."""
    for node in order:
        if node._prim is not None:
            node._args = node._vals = None


def _fill_grads(root, seed, unwrap, order, wanted=None):
    """Walk back from eager `root` and add each leaf's cotangent to its ``.grad``.

    `order` receives the nodes walked (see `backward_pass`); `wanted`, if
    given, the cotangents of the retained non-leaf tensors, which are added
    to their ``.grad`` too.
    """
    leaves = _walk(root, seed, 0, unwrap, order, wanted)
    taken = None  # ids of arrays a leaf may not keep as its .grad (see _keep)
    for leaf, g in leaves:
        if leaf._rg:
            keep = False
            if type(g) is np.ndarray:
                if taken is None:
                    taken = _graph_arrays(order, seed)
                keep = _keep(g, taken)
            _accumulate_grad(leaf, g, keep)
    if wanted:
        for node in order:
            g = wanted.get(id(node))
            if g is not None and node._prim is not None:
                _accumulate_grad(node, g, False)


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
    """Add cotangent g to ``leaf.grad``, in place; `keep` says g may be kept without a copy.

    ``.grad`` has the leaf's dtype (float32 stays float32). An existing
    ``.grad`` tensor is updated in place, so a reference to it stays current.
    """
    current = leaf.grad
    if current is None and type(g) is float and type(leaf._value) is float:
        leaf.grad = Tensor(g)  # the common case of a scalar leaf
        return
    if isinstance(g, Box):
        dtype = _grad_dtype(leaf._value)
        if np.result_type(raw(g)) != dtype:
            g = P.astype(g, dtype)  # create_graph: .grad in the leaf's dtype too
    if isinstance(g, Box) or (isinstance(current, Tensor) and current._prim is not None):
        leaf.grad = g if current is None else current + g  # create_graph: a graph of its own
        return
    v = leaf._value
    if type(v) is float:
        g = float(g)
    else:
        dtype = _grad_dtype(v)
        g = np.asarray(g, dtype=dtype) if keep else np.array(g, dtype=dtype, copy=True)
        if np.ndim(v) == 0 and not isinstance(v, np.ndarray):
            g = g[()] if isinstance(g, np.ndarray) else g
    if current is None:
        leaf.grad = Tensor(g)
    elif isinstance(current, Tensor):
        current._set_value(raw(current) + g, "grad")
    else:
        leaf.grad = Tensor(raw(current) + g)


def _grad_dtype(v):
    dtype = np.result_type(v)
    return dtype if dtype.kind == "f" else np.result_type(dtype, 0.0)


def _record(top, prim, args, params):
    """Processor for tensors: apply `prim` one level down and record a node."""
    level = top._level
    tracked = False
    boxed = False
    vals = []
    for a in args:
        if type(a) is Tensor and a._level == level:
            if a._rg:
                tracked = True
            a = a._value
        if isinstance(a, Box):
            boxed = True
        vals.append(a)
    value = apply(prim, vals, params) if boxed else evaluate(prim, vals, params)
    if not tracked or (level == 0 and switches.off and not grad_mode.enabled):
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


def backward_pass(root, seed, level, unwrap=True, visited=None, wanted=None, shared=True):
    """Propagate cotangent `seed` from `root` back through the graph of `level`.

    Walks the nodes that `root` depends on without recursion (chains of a
    million operations are fine), each after every node that uses it: a heap
    hands out the waiting node created last, since a node is always created
    after its arguments. A node joins the heap when its first cotangent
    arrives and leaves it with the sum of all of them. Leaves have no rules
    to run, so they only gather their cotangents, outside the heap. The order
    depends only on the graph. The garbage collector is paused meanwhile
    (see `without_collector`), and one pass runs at a time.

    Args:
        root: the output node, or a list of (node, seed) pairs for several
            outputs (then `seed` is ignored).
        seed: the cotangent of root (same shape as root's value).
        level: the level whose nodes are differentiated.
        unwrap: apply the VJP rules to the values one level down (True), or to
            the nodes themselves so that the backward pass is recorded too
            (eager ``create_graph=True``).
        visited: optional list; every node reached is appended, each after
            the nodes that use it (root first, leaves last).
        wanted: optional dict keyed by id(node); the total cotangent of each
            such node reached (leaf or not) is stored under its key.
        shared: whether the graph may be walked by another thread at once
            (eager tensors). A transform's level is its call's own, so it
            passes False and skips the lock.
    Returns:
        A list of (leaf, cotangent) pairs, leaves created first coming first.
    Raises:
        RuntimeError naming `retain_graph` if the walk reaches a node whose
        graph an earlier ``backward()`` freed.
    """
    more = ()
    if isinstance(root, list):
        (root, seed), more = root[0], root[1:]
    if not shared:
        return without_collector(_walk, root, seed, level, unwrap, visited, wanted, more)
    with _backward_lock:
        return without_collector(_walk, root, seed, level, unwrap, visited, wanted, more)


def _walk(root, seed, level, unwrap, visited, wanted=None, more=()):
    """The walk of `backward_pass`, with the collector already paused.

    `more` holds further (node, seed) pairs for several outputs.
    """
    heap, leaves = [], []
    root._ct = seed
    if root._prim is None:
        leaves.append(root)
    else:
        heap.append((-root._seq, root))
    for node, s in more:
        if node._ct is not None:  # the same node twice among the outputs
            node._ct = node._ct + s
            continue
        node._ct = s
        if node._prim is None:
            leaves.append(node)
        else:
            heap.append((-node._seq, node))
    if more:
        heapq.heapify(heap)
    pop, push = heapq.heappop, heapq.heappush
    try:
        while heap:
            node = pop(heap)[1]
            g = node._ct
            node._ct = None
            if visited is not None:
                visited.append(node)
            if wanted is not None and id(node) in wanted:
                wanted[id(node)] = g
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
                if type(a) is Tensor and a._level == level and a._rg:
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
        g = leaf._ct
        found.append((leaf, g))
        if wanted is not None and id(leaf) in wanted:
            wanted[id(leaf)] = g
        leaf._ct = None
    return found


_by_sequence = operator.attrgetter("_seq")


class _GradModeContext(contextlib.ContextDecorator):
    """Sets grad mode on entry and restores it on exit, in this thread only.

    As a decorator each call gets a context of its own, so a recursive or a
    threaded function restores exactly the mode it found.
    """

    _mode = False

    def __init__(self):
        self._prev = []

    def _recreate_cm(self):
        return type(self)()

    def __enter__(self):
        self._prev.append(grad_mode.enabled)
        set_mode(self._mode)
        return self

    def __exit__(self, *exc):
        set_mode(self._prev.pop())
        return False


class no_grad(_GradModeContext):
    """Context manager (or decorator, with or without parentheses) in which eager tensors
    record no graph (this thread)."""

    _mode = False

    def __new__(cls, func=None):
        if func is not None:  # @no_grad without parentheses
            return cls()(func)
        return super().__new__(cls)


class enable_grad(no_grad):
    """Context manager (or decorator) that records graphs again inside a no_grad block."""

    _mode = True


inference_mode = no_grad  # PyTorch's faster no_grad; here the same


class set_grad_enabled(_GradModeContext):
    """Switch recording on or off now (this thread); as a context manager, until its end."""

    def __init__(self, mode: bool):
        super().__init__()
        self._mode = bool(mode)
        self._prev.append(grad_mode.enabled)
        set_mode(self._mode)

    def _recreate_cm(self):
        return set_grad_enabled(self._mode)

    def __enter__(self):
        return self


def is_grad_enabled() -> bool:
    """Whether eager operations currently record a graph (in this thread)."""
    return grad_mode.enabled


# -- creating tensors ---------------------------------------------------------


class _Generator:
    """adlab's random generator, one for the process as PyTorch's default
    generator is; `manual_seed` replaces it, for every thread."""

    generator = np.random.default_rng()


_rng = _Generator()


class device(str):
    """PyTorch's device: adlab computes with numpy on the CPU, so "cpu" is the one there is."""

    def __new__(cls, name="cpu"):
        _check_device(name)
        return str.__new__(cls, str(name).split(":")[0])

    @property
    def type(self):
        return str(self)


def _check_device(dev):
    if dev is not None and str(dev).split(":")[0] != "cpu":
        raise errors.AdlabValueError(
            f"device {str(dev)!r}: adlab computes with numpy on the CPU; use 'cpu' (or leave "
            f"device= out). torch.cuda.is_available() is False here.")


def manual_seed(seed: int):
    """Make adlab's random tensors (randn, rand, normal) repeatable, as torch.manual_seed."""
    _rng.generator = np.random.default_rng(seed)


def tensor(data, requires_grad=False, dtype=None, device=None):
    """Make a leaf tensor from a number, a (nested) list or an array.

    The values are copied (as torch.tensor does): changing `data` later does
    not change the tensor. Float arrays keep their dtype (float32 stays float32).

    Args:
        data: the values; Python floats stay Python floats (fast scalar path).
        requires_grad: record operations on it so that backward can fill `.grad`.
        dtype: optional numpy dtype, e.g. float.
    Returns:
        A `Tensor`.
    """
    _check_device(device)
    value = errors.check_data(raw(data) if isinstance(data, Box) else data, "tensor", dtype)
    t = Tensor(value)
    if requires_grad:
        t.requires_grad_(True)
    return t


def as_tensor(data, dtype=None):
    """A tensor of `data` without copying where it can (PyTorch's as_tensor): a tensor is
    returned as it is, a float array of the right dtype is shared (see `from_numpy`)."""
    if isinstance(data, Tensor) and dtype is None:
        return data
    if type(data) is np.ndarray and data.dtype.kind == "f" and (dtype is None or data.dtype == dtype):
        return from_numpy(data)
    return tensor(data, dtype=dtype)


def from_numpy(array):
    """A tensor that shares a numpy array's memory (PyTorch's from_numpy): nothing is copied.

    adlab itself never writes into the array (an in-place operation gives the
    tensor a new one), but if you change the array afterwards the tensor's
    values change with it, and so does a gradient computed after the change,
    as in PyTorch. Use `adlab.tensor` for a copy of its own.
    """
    if type(array) is not np.ndarray:
        raise errors.AdlabTypeError(
            f"from_numpy: expects a numpy array, got {errors._describe(array)}; use "
            f"adlab.tensor for other data.")
    errors.check_data(array[:0] if array.ndim else array.reshape(1)[:0], "from_numpy")
    return Tensor(array)


def _shape_arg(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(operator.index(s) for s in shape[0])
    return tuple(operator.index(s) for s in shape)


def _made(value, dtype, requires_grad):
    if dtype is not None:
        value = np.asarray(value, dtype=dtype)
    return tensor(value, requires_grad=requires_grad)


def arange(*args, requires_grad=False, dtype=None, device=None):
    """Evenly spaced values as numpy.arange gives them (``arange(4.0)``)."""
    _check_device(device)
    return tensor(np.arange(*args, dtype=dtype), requires_grad=requires_grad)


def ones(*shape, dtype=None, requires_grad=False, device=None):
    """A tensor of ones (float64 unless `dtype` says otherwise) of the given shape."""
    _check_device(device)
    return _made(np.ones(_shape_arg(shape)), dtype, requires_grad)


def zeros(*shape, dtype=None, requires_grad=False, device=None):
    """A tensor of zeros (float64 unless `dtype` says otherwise) of the given shape."""
    _check_device(device)
    return _made(np.zeros(_shape_arg(shape)), dtype, requires_grad)


def empty(*shape, dtype=None, requires_grad=False, device=None):
    """A tensor of the given shape (filled with zeros here)."""
    _check_device(device)
    return zeros(*shape, dtype=dtype, requires_grad=requires_grad)


def full(shape, fill_value, dtype=None, requires_grad=False, device=None):
    """A tensor of `shape` filled with `fill_value`."""
    _check_device(device)
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    fill = raw(fill_value)  # an int fills an integer tensor, as in PyTorch
    return _made(np.full(shape, fill, dtype=dtype or np.result_type(fill)), None, requires_grad)


def _like(x, fill, dtype, requires_grad):
    v = raw(x)
    dtype = dtype or np.result_type(v)
    return tensor(np.full(np.shape(v), fill, dtype=dtype), requires_grad=requires_grad)


def zeros_like(x, dtype=None, requires_grad=False, device=None):
    """Zeros of x's shape and dtype."""
    _check_device(device)
    return _like(x, 0, dtype, requires_grad)


def ones_like(x, dtype=None, requires_grad=False, device=None):
    """Ones of x's shape and dtype."""
    _check_device(device)
    return _like(x, 1, dtype, requires_grad)


def full_like(x, fill_value, dtype=None, requires_grad=False, device=None):
    """`fill_value` in x's shape and dtype."""
    _check_device(device)
    return _like(x, raw(fill_value), dtype, requires_grad)


def linspace(start, stop, num=50, *, steps=None, dtype=None, requires_grad=False, device=None):
    """`num` (PyTorch: `steps`) evenly spaced values from start to stop, both included."""
    _check_device(device)
    n = steps if steps is not None else num
    return _made(np.linspace(raw(start), raw(stop), operator.index(n)), dtype, requires_grad)


def eye(n, m=None, dtype=None, requires_grad=False, device=None):
    """The n x m identity matrix (n x n by default)."""
    _check_device(device)
    return _made(np.eye(operator.index(n), None if m is None else operator.index(m)), dtype,
                 requires_grad)


def randn(*shape, size=None, requires_grad=False, seed=None, dtype=None, device=None):
    """Standard normal samples; ``randn(2, 3)``, ``randn(size=())``. `seed` makes it repeatable
    (else adlab's generator, see `manual_seed`)."""
    _check_device(device)
    rng = np.random.default_rng(seed) if seed is not None else _rng.generator
    shape = _shape_arg(shape) if size is None else _shape_arg((size,))
    value = rng.standard_normal(shape)
    if dtype is not None:
        return _made(value, dtype, requires_grad)
    return tensor(float(value) if shape == () else value, requires_grad=requires_grad)


def rand(*shape, requires_grad=False, dtype=None, device=None):
    """Uniform samples from [0, 1) of the given shape."""
    _check_device(device)
    shape = _shape_arg(shape)
    value = _rng.generator.random(shape)
    if dtype is not None:
        return _made(value, dtype, requires_grad)
    return tensor(float(value) if shape == () else value, requires_grad=requires_grad)


def normal(mean=0.0, std=1.0, size=None, *, requires_grad=False, dtype=None, device=None):
    """Normal samples with `mean` and `std` (numbers or arrays) of shape `size` (PyTorch's normal)."""
    _check_device(device)
    if size is not None:
        size = (size,) if isinstance(size, (int, np.integer)) else tuple(size)
    value = _rng.generator.normal(raw(mean), raw(std), size)
    if np.ndim(value) == 0 and dtype is None:
        value = float(value)
    return _made(value, dtype, requires_grad)


def randint(low, high=None, size=(), *, dtype=None, device=None):
    """Random integers from [low, high) (PyTorch's randint(low, high, size); numpy's high=None
    form too: randint(high, size=...))."""
    _check_device(device)
    if high is None:
        low, high = 0, low
    size = (size,) if isinstance(size, (int, np.integer)) else tuple(size)
    return tensor(_rng.generator.integers(low, high, size), dtype=dtype)


def randperm(n, *, dtype=None, device=None):
    """A random permutation of 0 .. n - 1."""
    _check_device(device)
    return tensor(_rng.generator.permutation(operator.index(n)), dtype=dtype)


def randn_like(x, dtype=None, requires_grad=False, device=None):
    """Standard normal samples of x's shape."""
    _check_device(device)
    return _made(_rng.generator.standard_normal(np.shape(raw(x))), dtype or np.result_type(raw(x)),
                 requires_grad)


def rand_like(x, dtype=None, requires_grad=False, device=None):
    """Uniform samples from [0, 1) of x's shape."""
    _check_device(device)
    return _made(_rng.generator.random(np.shape(raw(x))), dtype or np.result_type(raw(x)),
                 requires_grad)
