"""PyTorch's torch.autograd.grad for adlab's eager tensors.

``adlab.autograd.grad(outputs, inputs)`` returns the gradients of `outputs`
with respect to `inputs` (leaves or intermediate tensors) without touching
any ``.grad``; with ``create_graph=True`` the gradients are themselves
recorded, so that they can be differentiated again.
"""

from __future__ import annotations

import numpy as np

from . import errors
from ._dispatch import Box, raw
from .tensor import Tensor, _backward_lock, _free, _seed, backward_pass


def _as_tuple(x, what):
    if isinstance(x, Tensor):
        return (x,)
    if isinstance(x, (tuple, list)) and all(isinstance(t, Tensor) for t in x):
        return tuple(x)
    raise errors.AdlabTypeError(
        f"autograd.grad: {what} must be a tensor or a sequence of tensors, got "
        f"{errors._describe(x)}."
    )


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=False):
    """Gradients of `outputs` with respect to `inputs`, as a tuple (one per input).

    Args:
        outputs: a tensor or a sequence of tensors to differentiate.
        inputs: a tensor or a sequence of tensors (leaves or not).
        grad_outputs: one cotangent per output (default: 1 for one-element outputs).
        retain_graph: keep the graph for another backward pass (default: create_graph).
        create_graph: record the gradient computation, for higher derivatives.
        allow_unused: give None for an input the outputs do not depend on
            (else that raises an error, as in PyTorch).
    """
    outputs = _as_tuple(outputs, "outputs")
    inputs = _as_tuple(inputs, "inputs")
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    elif isinstance(grad_outputs, (Tensor, np.ndarray, float)):
        grad_outputs = (grad_outputs,)
    if len(grad_outputs) != len(outputs):
        raise errors.AdlabValueError(
            f"autograd.grad: {len(grad_outputs)} grad_outputs for {len(outputs)} outputs; give "
            f"one per output."
        )
    roots = []
    for k, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if out._level != 0 or not out.requires_grad:
            raise RuntimeError(
                f"autograd.grad: output {k} does not require grad and has no graph; compute it "
                f"from tensors made with requires_grad=True."
            )
        roots.append((out, _seed(out, g, create_graph, "autograd.grad")))
    for k, t in enumerate(inputs):
        if not t.requires_grad:
            raise RuntimeError(
                f"autograd.grad: input {k} does not require grad; differentiate with respect to "
                f"tensors made with requires_grad=True (or computed from them)."
            )
    if retain_graph is None:
        retain_graph = create_graph
    wanted = {id(t): None for t in inputs}
    order = []
    with _backward_lock:
        backward_pass(roots, None, 0, unwrap=not create_graph, visited=order, wanted=wanted)
        if not retain_graph:
            _free(order)
    result = []
    for k, t in enumerate(inputs):
        g = wanted[id(t)]
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    f"autograd.grad: input {k} was not used to compute the outputs; pass "
                    f"allow_unused=True to get None for it."
                )
            result.append(None)
        elif isinstance(g, Box):
            dtype = np.result_type(raw(t._value), 0.0)
            if np.result_type(raw(g)) != dtype:
                from .primitives import astype

                g = astype(g, dtype)  # the gradient in the input's dtype, as PyTorch
            result.append(g)
        else:
            dtype = np.result_type(raw(t._value))
            result.append(Tensor(float(g) if type(t._value) is float else
                                 np.array(g, dtype=dtype if dtype.kind == "f" else float)))
    return tuple(result)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False):
    """PyTorch's autograd.backward: ``t.backward(g)`` for each tensor and its gradient."""
    tensors = _as_tuple(tensors, "tensors")
    if grad_tensors is None or isinstance(grad_tensors, (Tensor, np.ndarray, float)):
        grad_tensors = (grad_tensors,) * len(tensors) if grad_tensors is None else (grad_tensors,)
    if len(grad_tensors) != len(tensors):
        raise errors.AdlabValueError(
            f"autograd.backward: {len(grad_tensors)} grad_tensors for {len(tensors)} tensors; "
            f"give one per tensor (None for a one-element tensor).")
    for k, (t, g) in enumerate(zip(tensors, grad_tensors)):
        keep = retain_graph if k == len(tensors) - 1 else True
        t.backward(g, retain_graph=keep, create_graph=create_graph)


def _eager(x):
    """A plain value as an eager tensor, so that forward and backward can use its methods."""
    return x if isinstance(x, Box) else Tensor(x)


def _plain(x):
    """An eager tensor without a graph back to its plain value."""
    if type(x) is Tensor and x._level == 0 and x._prim is None and not x._rg:
        return x._value
    return x


class _Context:
    """The ``ctx`` of an autograd.Function: what forward saves for backward."""

    def __init__(self, n_inputs):
        self.saved_tensors = ()
        self.needs_input_grad = (True,) * n_inputs

    def save_for_backward(self, *values):
        self.saved_tensors = values


class Function:
    """PyTorch's autograd.Function, on adlab's custom_vjp.

    Subclass it with two static methods, ``forward(ctx, *inputs)`` (written
    with adlab operations) and ``backward(ctx, *grad_outputs)`` (returning one
    gradient per input, or None), and call ``MyFunction.apply(x, ...)``.
    forward runs again when the backward pass needs ctx (adlab keeps no
    saved state between the two), so it should not have side effects.
    """

    @staticmethod
    def forward(ctx, *args):
        raise NotImplementedError("autograd.Function: define a static method forward(ctx, ...).")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("autograd.Function: define a static method backward(ctx, g).")

    @classmethod
    def apply(cls, *args):
        from .custom import custom_vjp

        def fun(*xs):
            return _plain(cls.forward(_Context(len(xs)), *map(_eager, xs)))

        def fwd(*xs):
            ctx = _Context(len(xs))
            return _plain(cls.forward(ctx, *map(_eager, xs))), ctx

        def bwd(ctx, g):
            grads = cls.backward(ctx, _eager(g))
            grads = tuple(grads) if isinstance(grads, (tuple, list)) else (grads,)
            return tuple(None if v is None else _plain(v) for v in grads)

        fun.__name__ = cls.__name__
        rule = custom_vjp(fun)
        rule.defvjp(fwd, bwd)
        return rule(*args)


__all__ = ["grad", "backward", "Function"]
