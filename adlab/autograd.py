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
            result.append(g)
        else:
            dtype = np.result_type(raw(t._value))
            result.append(Tensor(float(g) if type(t._value) is float else
                                 np.array(g, dtype=dtype if dtype.kind == "f" else float)))
    return tuple(result)


__all__ = ["grad"]
