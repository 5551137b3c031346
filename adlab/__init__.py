"""adlab: automatic differentiation you can read, for teaching.

Reverse mode with a PyTorch-like `Tensor` (``backward``, ``.grad``,
``detach``, ``no_grad``), JAX-like transforms (`grad`, `jvp`, `vjp`,
`jacfwd`, `jacrev`, `hessian`) and true forward mode, all driven by one
table of primitives (`adlab.primitives.PRIMITIVES`). `trace` records one
evaluation as a table of rows that renders as trace tables and graphs.

``import adlab`` needs numpy only; plotting, graphs and widgets load their
libraries when first used.
"""

from .primitives import (
    PRIMITIVES,
    abs,
    add,
    broadcast_to,
    cos,
    div,
    dot,
    exp,
    log,
    matmul,
    maximum,
    mean,
    mul,
    neg,
    norm,
    outer,
    power,
    relu,
    reshape,
    sigmoid,
    sin,
    sqrt,
    sub,
    sum_ as sum,  # noqa: A004 - mirrors numpy and torch
    tan,
    tanh,
    transpose,
    unbroadcast,
)
from .forward import Dual
from .tensor import Tensor, arange, is_grad_enabled, no_grad, ones, randn, tensor, zeros
from .traces import Trace, trace
from .transforms import grad, hessian, jacfwd, jacrev, jvp, value_and_grad, vjp

__version__ = "0.1.0"

__all__ = [
    "PRIMITIVES", "Dual", "Tensor", "abs", "add", "arange", "broadcast_to", "cos", "div",
    "dot", "exp", "grad", "hessian", "is_grad_enabled", "jacfwd", "jacrev", "jvp", "log",
    "matmul", "maximum", "mean", "mul", "neg", "no_grad", "norm", "ones", "outer", "power", "randn",
    "relu", "reshape", "sigmoid", "sin", "sqrt", "sub", "sum", "tan", "tanh", "tensor",
    "transpose", "unbroadcast", "value_and_grad", "vjp", "zeros", "Trace", "trace",
]
