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
    arccosh,
    arcsin,
    arcsinh,
    arctan,
    arctan2,
    arctanh,
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
    det,
    diag,
    diagonal,
    div,
    dot,
    einsum,
    exp,
    exp2,
    expand_dims,
    expm1,
    flatten,
    floor,
    hypot,
    inner,
    inv,
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
    permute,
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
    solve,
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
from . import linalg, nn
from . import pytrees as tree_util  # JAX's name for the pytree functions
from .batching import vmap
from .composites import (
    all,
    allclose,
    any,
    append,
    argsort,
    array_split,
    atleast_1d,
    atleast_2d,
    atleast_3d,
    bmm,
    chunk,
    column_stack,
    conj,
    conjugate,
    deg2rad,
    degrees,
    diff,
    equal,
    fabs,
    flip,
    fliplr,
    flipud,
    floor_divide,
    gather,
    hstack,
    imag,
    index_select,
    is_tensor,
    isclose,
    isfinite,
    isinf,
    isnan,
    logaddexp,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    masked_fill,
    mv,
    ndim,
    nonzero,
    numel,
    rad2deg,
    radians,
    real,
    reciprocal,
    rsqrt,
    shape,
    sort,
    split,
    take,
    take_along_axis,
    topk,
    tril,
    triu,
    unbind,
    vstack,
)
from .custom import checkpoint, custom_jvp, custom_vjp
from .forward import Dual
from .gradcheck import check_grads
from .pytrees import tree_flatten, tree_leaves, tree_map, tree_structure, tree_unflatten
from .tensor import (
    Tensor,
    device,
    inference_mode,
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
    rand_like,
    randint,
    randn,
    randn_like,
    randperm,
    set_grad_enabled,
    tensor,
    zeros,
    zeros_like,
)
from .traces import Trace
from .transforms import (elementwise_grad, grad, hessian, jacfwd, jacobian, jacrev, jvp,
                         linearize, value_and_grad, vjp)

# numpy's and PyTorch's other names for the same operations
asin, acos, atan, atan2 = arcsin, arccos, arctan, arctan2
asinh, acosh, atanh = arcsinh, arccosh, arctanh
absolute = abs
subtract, multiply, divide, true_divide, pow, negative = sub, mul, div, div, power, neg
remainder = mod
detach = stop_gradient
asarray = array
# numpy's constants and types, for code written with `import numpy as np`, and
# PyTorch's names of the same types (torch.float is float32, torch.long int64);
# the builtin-shadowing ones (float, int, bool) are left out of __all__
pi, e, inf, nan, newaxis = _np.pi, _np.e, _np.inf, _np.nan, None
float16, float32, float64 = _np.float16, _np.float32, _np.float64
int8, int16, int32, int64, uint8 = _np.int8, _np.int16, _np.int32, _np.int64, _np.uint8
half, double, long = _np.float16, _np.float64, _np.int64
float, int, bool = _np.float32, _np.int32, _np.bool_  # noqa: A001 - PyTorch's names


class cuda:
    """PyTorch's torch.cuda, for code that asks: adlab computes on the CPU."""

    @staticmethod
    def is_available() -> bool:
        return False

__version__ = "0.1.0"

__all__ = [
    "abs", "absolute", "acos", "acosh", "add", "all", "allclose", "amax", "amin", "any",
    "append", "arange", "arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctan2",
    "arctanh", "argmax", "argmin", "argsort", "array", "array_split", "as_tensor", "asarray",
    "asin", "asinh", "astype", "atan", "atan2", "atanh", "atleast_1d", "atleast_2d",
    "atleast_3d", "autograd", "bmm", "broadcast_to", "cat", "ceil", "check_grads", "checkpoint",
    "chunk", "clamp", "clip", "column_stack", "concatenate", "conj", "conjugate", "copy", "cos",
    "cosh", "cuda", "cumsum", "custom_jvp", "custom_vjp", "deg2rad", "degrees", "det", "detach",
    "device", "diag", "diagonal", "diff", "div", "divide", "dot", "double", "Dual", "e",
    "einsum", "elementwise_grad", "empty", "enable_grad", "equal", "exp", "exp2", "expand_dims",
    "expm1", "eye", "fabs", "flatten", "flip", "fliplr", "flipud", "float16", "float32",
    "float64", "floor", "floor_divide", "from_numpy", "full", "full_like", "gather", "grad",
    "half", "hessian", "hstack", "hypot", "imag", "index_select", "inf", "inference_mode",
    "inner", "int16", "int32", "int64", "int8", "inv", "is_grad_enabled", "is_tensor",
    "isclose", "isfinite", "isinf", "isnan", "jacfwd", "jacobian", "jacrev", "jvp", "linalg",
    "linearize", "linspace", "log", "log10", "log1p", "log2", "log_softmax", "logaddexp",
    "logical_and", "logical_not", "logical_or", "logical_xor", "logsumexp", "long",
    "manual_seed", "masked_fill", "matmul", "max", "maximum", "mean", "min", "minimum", "mm",
    "mod", "moveaxis", "mul", "multiply", "mv", "nan", "ndim", "neg", "negative", "newaxis",
    "nn", "no_grad", "nonzero", "norm", "normal", "numel", "ones", "ones_like", "outer",
    "permute", "pi", "pow", "power", "PRIMITIVES", "prod", "rad2deg", "radians", "rand",
    "rand_like", "randint", "randn", "randn_like", "randperm", "ravel", "real", "reciprocal",
    "relu", "remainder", "repeat", "repeat_interleave", "reshape", "roll", "round", "rsqrt",
    "set_grad_enabled", "shape", "sigmoid", "sign", "sin", "sinh", "softmax", "solve", "sort",
    "split", "sqrt", "square", "squeeze", "stack", "std", "stop_gradient", "sub", "subtract",
    "sum", "swapaxes", "take", "take_along_axis", "tan", "tanh", "Tensor", "tensor",
    "tensordot", "tile", "topk", "Trace", "trace", "transpose", "tree_flatten", "tree_leaves",
    "tree_map", "tree_structure", "tree_unflatten", "tree_util", "tril", "triu", "true_divide",
    "uint8", "unbind", "unbroadcast", "unsqueeze", "value_and_grad", "var", "vdot", "vjp",
    "vmap", "vstack", "where", "zeros", "zeros_like",
]
