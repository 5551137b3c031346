"""adlab: automatic differentiation you can read, for teaching.

Reverse mode with a PyTorch-like `Tensor` (``backward``, ``.grad``,
``detach``, ``no_grad``), JAX-like transforms (`grad`, `jvp`, `vjp`,
`jacfwd`, `jacrev`, `hessian`, `vmap`, `custom_vjp`, ...) and true forward
mode, all driven by one table of primitives (`adlab.primitives.PRIMITIVES`).
`trace` records one evaluation as a table of rows that renders as trace
tables and graphs. The numpy and PyTorch names a student brings work too
(``adlab.concatenate`` and ``adlab.cat``, ``axis=`` and ``dim=``); where
adlab differs from them, docs/differences.md says so.

``import adlab`` needs numpy only; plotting, graphs and widgets load their
libraries when first used.
"""

import numpy as _np

from . import autograd
from .primitives import (
    PRIMITIVES,
    abs,
    add,
    amax,
    amin,
    arccos,
    arcsin,
    arctan,
    arctan2,
    argmax,
    array,
    argmin,
    astype,
    broadcast_to,
    cat,
    ceil,
    clamp,
    clip,
    concatenate,
    copy,
    cos,
    cosh,
    cumsum,
    diag,
    diagonal,
    div,
    dot,
    einsum,
    exp,
    expand_dims,
    expm1,
    flatten,
    floor,
    inner,
    log,
    log1p,
    log2,
    log10,
    log_softmax,
    logsumexp,
    matmul,
    max,
    maximum,
    mean,
    min,
    minimum,
    mm,
    mod,
    moveaxis,
    mul,
    neg,
    norm,
    outer,
    power,
    prod,
    ravel,
    relu,
    repeat,
    repeat_interleave,
    reshape,
    roll,
    round_ as round,  # noqa: A004 - mirrors numpy and torch
    sigmoid,
    sign,
    sin,
    sinh,
    softmax,
    sqrt,
    square,
    squeeze,
    stack,
    std,
    stop_gradient,
    sub,
    sum_ as sum,  # noqa: A004 - mirrors numpy and torch
    swapaxes,
    tan,
    tanh,
    tensordot,
    tile,
    trace,
    transpose,
    unbroadcast,
    unsqueeze,
    var,
    vdot,
    where,
)
from .batching import vmap
from .custom import checkpoint, custom_jvp, custom_vjp
from .forward import Dual
from .gradcheck import check_grads
from .pytrees import tree_flatten, tree_leaves, tree_map, tree_structure, tree_unflatten
from .tensor import (
    Tensor,
    arange,
    as_tensor,
    empty,
    enable_grad,
    eye,
    from_numpy,
    full,
    full_like,
    is_grad_enabled,
    linspace,
    manual_seed,
    no_grad,
    normal,
    ones,
    ones_like,
    rand,
    randn,
    set_grad_enabled,
    tensor,
    zeros,
    zeros_like,
)
from .traces import Trace
from .transforms import (elementwise_grad, grad, hessian, jacfwd, jacobian, jacrev, jvp,
                         value_and_grad, vjp)

# numpy's and PyTorch's other names for the same operations
asin = arcsin
acos = arccos
atan = arctan
atan2 = arctan2
absolute = abs
subtract, multiply, divide, true_divide, pow, negative = sub, mul, div, div, power, neg
remainder = mod
detach = stop_gradient
asarray = array
# numpy's constants and float types, for code written with `import numpy as np`
pi, e, inf, nan, newaxis = _np.pi, _np.e, _np.inf, _np.nan, None
float16, float32, float64 = _np.float16, _np.float32, _np.float64

__version__ = "0.1.0"

__all__ = [
    "abs", "absolute", "acos", "add", "amax", "amin", "arange", "arccos", "arcsin", "arctan",
    "arctan2", "argmax", "argmin", "array", "as_tensor", "asarray", "asin", "astype", "atan",
    "atan2", "autograd", "broadcast_to", "cat", "ceil", "check_grads", "checkpoint", "clamp",
    "clip", "concatenate", "copy", "cos", "cosh", "cumsum", "custom_jvp", "custom_vjp",
    "detach", "diag", "diagonal", "div", "divide", "dot", "Dual", "e", "einsum",
    "elementwise_grad", "empty", "enable_grad", "exp", "expand_dims", "expm1", "eye", "flatten",
    "float16", "float32", "float64", "floor", "from_numpy", "full", "full_like", "grad",
    "hessian", "inf", "inner", "is_grad_enabled", "jacfwd", "jacobian", "jacrev", "jvp",
    "linspace", "log", "log10", "log1p", "log2", "log_softmax", "logsumexp", "manual_seed",
    "matmul", "max", "maximum", "mean", "min", "minimum", "mm", "mod", "moveaxis", "mul",
    "multiply", "nan", "neg", "negative", "newaxis", "no_grad", "norm", "normal", "ones",
    "ones_like", "outer", "pi", "pow", "power", "PRIMITIVES", "prod", "rand", "randn", "ravel",
    "relu", "remainder", "repeat", "repeat_interleave", "reshape", "roll", "round",
    "set_grad_enabled", "sigmoid", "sign", "sin", "sinh", "softmax", "sqrt", "square",
    "squeeze", "stack", "std", "stop_gradient", "sub", "subtract", "sum", "swapaxes", "tan",
    "tanh", "Tensor", "tensor", "tensordot", "tile", "Trace", "trace", "transpose",
    "tree_flatten", "tree_leaves", "tree_map", "tree_structure", "tree_unflatten",
    "true_divide", "unbroadcast", "unsqueeze", "value_and_grad", "var", "vdot", "vjp", "vmap",
    "where", "zeros", "zeros_like",
]
