"""Primitive records and the one function that applies them.

Every differentiable operation in adlab is a `Primitive` (declared once, in
`adlab.primitives`). `apply(prim, args, params)` evaluates it:

* on plain values (Python floats, numpy arrays) it computes the primal value,
  through a Python-float fast path where the primitive has one;
* when some argument is a *box* (an eager `Tensor`, a reverse-mode node made
  by `grad`, a forward-mode `Dual`, a trace record), the box with the highest
  level handles the call. It unwraps its own level, calls `apply` again on
  what is inside (so lower levels see the call too) and wraps the result.

Levels give each transformation its own tag, so nested transforms
(`grad(grad(f))`, `jacfwd(jacrev(f))`) never confuse their derivatives.
Level 0 belongs to eager tensors made with `adlab.tensor`; every call of a
transform takes a fresh, higher level.
"""

from __future__ import annotations

import functools
import itertools
import threading
from dataclasses import dataclass
from typing import Callable

import numpy as np

EMPTY: dict = {}

_levels = itertools.count(1)


def new_level() -> int:
    """Return a fresh level, higher than every level handed out before."""
    return next(_levels)


class _GradMode(threading.local):
    """Whether eager tensors record graphs: one flag per thread, as in PyTorch."""

    enabled = True


grad_mode = _GradMode()


class _Switches:
    """How many threads have recording switched off (a plain object: fast to read).

    Recording reads the per-thread flag only when some thread switched it
    off, which keeps the common case (nobody did) as fast as a global flag.
    """

    off = 0


switches = _Switches()
_switch_lock = threading.Lock()


def set_mode(enabled: bool) -> None:
    """Switch recording of eager tensors on or off in this thread."""
    enabled = bool(enabled)
    with _switch_lock:
        if grad_mode.enabled and not enabled:
            switches.off += 1
        elif not grad_mode.enabled and enabled:
            switches.off -= 1
        grad_mode.enabled = enabled


class Variadic:
    """The rules of a primitive that takes any number of arguments (concatenate, einsum).

    ``rules[i]`` is `rule` with the argument's position i bound as its first
    argument, so forward and reverse mode index it as they index a tuple.
    """

    __slots__ = ("rule",)

    def __init__(self, rule: Callable):
        self.rule = rule

    def __getitem__(self, i: int) -> Callable:
        return functools.partial(self.rule, i)


@dataclass(frozen=True, eq=False)
class Primitive:
    """One differentiable operation and everything adlab knows about it.

    Attributes:
        name: identifier, as in ``adlab.<name>``.
        symbol: short label for graph nodes (``"×"``, ``"ln"``).
        text: plain-text template over argument names (``"{0} × {1}"``).
        latex: LaTeX template over argument names (``"{0} \\times {1}"``).
        impl: numpy implementation ``impl(*values, **params)``.
        jvp: one rule per argument, ``rule(t, ans, *args, **params)``: the
            tangent of the output contributed by tangent ``t`` of that argument
            (a `Variadic` for primitives of any number of arguments).
        vjp: one rule per argument, ``rule(g, ans, *args, **params)``: the
            cotangent of that argument given cotangent ``g`` of the output.
        fast: optional Python-float implementation of the same value.
        partials: for display only, one (text, LaTeX) template per argument
            for the local partial derivative d out / d arg, over argument
            names ``{0}, {1}`` and the output name ``{out}``; empty for
            operations whose partials are Jacobians rather than numbers.
        batch: the rule of `adlab.vmap`, ``rule(args, batched, **params)``:
            the primitive applied to arguments of which those flagged in
            `batched` carry a leading batch axis, giving an output with a
            leading batch axis. None: vmap loops over the batch instead.
        nondiff: positions of arguments that carry no derivative (the
            condition of `where`): never differentiated, shown as constants.

    Templates (text, latex) use ``{0}, {1}, ...`` for the arguments, or
    ``{*}`` for all of them joined by commas (primitives of any arity).
    """

    name: str
    symbol: str
    text: str
    latex: str
    impl: Callable
    jvp: tuple
    vjp: tuple
    fast: Callable | None = None
    partials: tuple = ()
    batch: Callable | None = None
    nondiff: tuple = ()

    @property
    def arity(self) -> int | None:
        """Number of arguments, or None for a primitive of any number (`Variadic`)."""
        return None if isinstance(self.vjp, Variadic) else len(self.vjp)

    def render(self, template: str, args) -> str:
        """Fill `template` (this primitive's text or latex) with argument strings."""
        if "{*}" in template:
            return template.replace("{*}", ", ".join(args))
        return template.format(*args)

    def __repr__(self) -> str:
        return f"<primitive {self.name}>"


class Box:
    """Base class of every value that carries derivative information.

    Subclasses set ``_level`` and register a processor with `register`.
    ``__array_ufunc__`` is defined by `adlab.arraymethods.ArrayMethods` so that
    numpy hands mixed expressions back to adlab.
    """

    __slots__ = ()
    _level = -1
    _batched = False  # True for the batch boxes of adlab.vmap


_processors: dict[type, Callable] = {}


def _no_view(result, base, kind, param):
    return result


# set by adlab.tensor: marks the eager result of a shape operation or of basic
# indexing as a view of its argument, so that in-place changes reach the argument
mark_view: Callable = _no_view


def register(box_type: type, processor: Callable) -> None:
    """Make `apply` route calls whose top box is a `box_type` to `processor`.

    ``processor(box, prim, args, params)`` gets the top box and must return
    the result of applying `prim` at that box's level.
    """
    _processors[box_type] = processor


def apply(prim: Primitive, args: tuple, params: dict = EMPTY):
    """Apply `prim` to `args` (plain values or boxes) with keyword `params`.

    Returns a plain value when no argument is a box, else a box of the
    highest level found among the arguments.
    """
    top = None
    for a in args:
        if isinstance(a, Box) and (top is None or a._level > top._level):
            top = a
    if top is None:
        return evaluate(prim, args, params)
    return _processors[type(top)](top, prim, args, params)


def evaluate(prim: Primitive, args: tuple, params: dict = EMPTY):
    """Compute `prim` on plain values, with numpy's floating-point semantics.

    Python scalars take the primitive's `fast` path when it has one (falling
    back to numpy where Python raises or returns a complex). An argument that
    is a list or tuple holding adlab values is stacked into one value and the
    primitive applied to that, so ``mean([x, x + 2])`` is recorded. A result
    that is neither a numpy array nor a scalar (a torch tensor among the
    arguments) goes to `errors.foreign_result`: its values become a numpy
    array, or, if torch was following its derivatives, an error naming the
    operation is raised. Other failures of the numpy
    function are re-raised by `errors.explain` with the operation, the
    shapes and a fix.
    """
    fast = prim.fast
    if fast is not None:
        for a in args:
            t = type(a)
            if t is not float and t is not int:
                break
        else:
            try:
                r = fast(*args)
            except (ArithmeticError, ValueError):
                pass  # numpy gives inf or nan with a warning; Python raises
            else:
                if type(r) is not complex:
                    return r
            r = prim.impl(*[np.float64(a) for a in args])
            return float(r)
    try:
        r = prim.impl(*args, **params)
    except Exception as exc:  # re-raised with the operation named
        if any(isinstance(a, (list, tuple)) and _holds_box(a) for a in args):
            # a list of adlab values, e.g. mean([x, x + 2]): stacked, then applied
            from .primitives import array

            return apply(prim, tuple(array(a) if isinstance(a, (list, tuple)) else a
                                     for a in args), params)
        from .errors import explain

        raise explain(prim, args, params, exc) from exc
    if type(r) is not np.ndarray and not isinstance(r, _PLAIN):
        from .errors import foreign_result

        r = foreign_result(prim, args, r)
    return r


_PLAIN = (float, int, np.generic)


def _holds_box(seq) -> bool:
    """Whether a (nested) list or tuple holds an adlab value."""
    stack = [seq]
    while stack:
        for v in stack.pop():
            if isinstance(v, Box):
                return True
            if isinstance(v, (list, tuple)):
                stack.append(v)
    return False


def raw(x):
    """Strip every box: the plain primal value underneath `x`."""
    while isinstance(x, Box):
        x = x._primal_value()
    return x


def strip(x):
    """Strip the derivative boxes of `x`, keeping any `adlab.vmap` batch boxes.

    What the rules treat as a constant (a sign, a mask) must stay batched
    under vmap while losing its derivatives.
    """
    while isinstance(x, Box):
        if x._batched:
            return x._restrip()
        x = x._primal_value()
    return x


def shape_of(x) -> tuple:
    """Shape of a plain value or a box (``()`` for Python scalars)."""
    t = type(x)
    if t is np.ndarray:
        return x.shape
    if t is float or t is int or t is bool:
        return ()
    if isinstance(x, Box):
        return x.shape
    if (t is list or t is tuple) and x and _holds_box(x):
        return (len(x),) + shape_of(x[0])  # a list of adlab values: numpy cannot look inside
    return np.shape(x)
