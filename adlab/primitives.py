"""The table of primitives: every differentiable operation, declared once.

Each entry gives the name, the display symbol, a plain-text and a LaTeX
template, the numpy value, one JVP rule and one VJP rule per argument, and
(where it pays) a Python-float version of the value. The line of maths above
each entry is the rule being written.

Rules receive the argument tangent ``t`` (JVP) or the output cotangent ``g``
(VJP), the primal output ``ans`` and the primal arguments. They are written
with adlab's own operations, so they work on plain values and on boxes alike;
that is what makes derivatives of derivatives work. Broadcasting is not the
rules' business: the machinery broadcasts tangents to the output's shape and
undoes broadcasting of cotangents with `unbroadcast`.

Forward mode, reverse mode, traces, graph labels and the parametrised tests
all read `PRIMITIVES`; adding an operation is one `defprim` call.
"""

from __future__ import annotations

import builtins
import math
import operator

import numpy as np

from ._dispatch import EMPTY, Box, Primitive, apply, raw, shape_of
from .errors import AdlabValueError

PRIMITIVES: dict[str, Primitive] = {}


def defprim(name, symbol, text, latex, impl, jvp, vjp, fast=None, partials=()):
    """Declare a primitive and add it to `PRIMITIVES`; returns the record."""
    prim = Primitive(name, symbol, text, latex, impl, tuple(jvp), tuple(vjp), fast,
                     tuple(partials))
    PRIMITIVES[name] = prim
    return prim


# -- constants used inside rules (no derivative flows through them) ----------


def _const(fn, *xs):
    """Evaluate `fn` on the plain primal values of `xs`, as a float or array."""
    r = fn(*[raw(x) for x in xs])
    if isinstance(r, (bool, np.bool_)):
        return 1.0 if r else 0.0
    if isinstance(r, np.ndarray) and r.dtype == bool:
        return r.astype(float)
    return r


def _count(shape):
    return math.prod(shape)


def _keepdims_shape(shape, axis):
    if axis is None:
        return (1,) * len(shape)
    axes = {a % len(shape) for a in axis}
    return tuple(1 if i in axes else d for i, d in enumerate(shape))


def _spread(g, x, axis, keepdims):
    """Cotangent g of a reduction of x over `axis`, spread back over x's shape."""
    if axis is not None and not keepdims:  # put back the reduced axes, as length 1
        g = reshape(g, _keepdims_shape(shape_of(x), axis))
    return broadcast_to(g, shape_of(x))


def _swap_last(x):
    n = len(shape_of(x))
    return transpose(x, tuple(range(n - 2)) + (n - 1, n - 2))


def _matmul_vjp_left(g, ans, a, b):
    na, nb = len(shape_of(a)), len(shape_of(b))
    if nb == 1:
        if na == 1:
            return g * b
        if na == 2:
            return outer(g, b)  # A @ b: A_bar = g b^T
        return _expand_last(g) * b
    if na == 1:
        return _squeeze_last(matmul(b, _expand_last(g)))
    return matmul(g, _swap_last(b))


def _matmul_vjp_right(g, ans, a, b):
    na, nb = len(shape_of(a)), len(shape_of(b))
    if na == 1:
        if nb == 1:
            return g * a
        if nb == 2:
            return outer(a, g)  # a @ B: B_bar = a g^T
        return _expand_last(a) * reshape(g, shape_of(g)[:-1] + (1,) + shape_of(g)[-1:])
    if nb == 1:
        return _squeeze_last(matmul(_swap_last(a), _expand_last(g)))
    return matmul(_swap_last(a), g)


def _expand_last(x):
    return reshape(x, shape_of(x) + (1,))


def _squeeze_last(x):
    return reshape(x, shape_of(x)[:-1])


def _index_add_impl(g, index, shape):
    out = np.zeros(shape, dtype=np.result_type(g, float))
    np.add.at(out, index, g)
    return out


def _dot_impl(a, b):
    if np.ndim(a) != 1 or np.ndim(b) != 1:
        raise AdlabValueError(
            f"dot: expects two 1-D vectors (as torch.dot does), got shapes "
            f"{np.shape(a)} and {np.shape(b)}. For matrices use a @ b (matmul)."
        )
    return np.dot(a, b)


_UFUNC_BUFFER = 8192  # numpy's default ufunc buffer size, in elements


def _outer_impl(a, b):
    if np.ndim(a) != 1 or np.ndim(b) != 1:
        raise AdlabValueError(
            f"outer: expects two 1-D vectors (as torch.outer does), got shapes "
            f"{np.shape(a)} and {np.shape(b)}. Flatten them first, e.g. x.reshape(-1)."
        )
    shape = (np.shape(a)[0], np.shape(b)[0])
    if shape[0] * shape[1] <= _UFUNC_BUFFER:
        return np.multiply.outer(a, b)  # small: numpy's own outer is fastest (10 x 10: 2.5x)
    out = np.empty(shape, dtype=np.result_type(a, b))
    # numpy's ufunc buffer (8192 elements by default) is longer than a row here,
    # so numpy would copy the broadcast column into it block by block; a buffer
    # of 16 lets the multiply run straight along each row, at about the speed of
    # writing the array (2.3x faster for 1000 x 1000; benchmarks/README.md).
    old = np.setbufsize(16)
    try:
        np.multiply(np.reshape(a, (-1, 1)), b, out=out)
    finally:
        np.setbufsize(old)
    return out


def _relu_fast(x):
    return 0.0 if x <= 0 else x  # nan stays nan, as with np.maximum


def _sigmoid_impl(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # no overflow for large |x|


def _sigmoid_fast(x):
    return 0.5 * (1.0 + math.tanh(0.5 * x))


# -- the table ---------------------------------------------------------------

# d(x + y) = dx + dy
ADD = defprim(
    "add", "+", "{0} + {1}", "{0} + {1}", np.add,
    jvp=(lambda t, ans, x, y: t, lambda t, ans, x, y: t),
    vjp=(lambda g, ans, x, y: g, lambda g, ans, x, y: g),
    fast=operator.add,
    partials=(("1", "1"), ("1", "1")))

# d(x - y) = dx - dy
SUB = defprim(
    "sub", "−", "{0} − {1}", "{0} - {1}", np.subtract,
    jvp=(lambda t, ans, x, y: t, lambda t, ans, x, y: -t),
    vjp=(lambda g, ans, x, y: g, lambda g, ans, x, y: -g),
    fast=operator.sub,
    partials=(("1", "1"), ("−1", "-1")))

# d(-x) = -dx
NEG = defprim(
    "neg", "−", "−{0}", "-{0}", np.negative,
    jvp=(lambda t, ans, x: -t,),
    vjp=(lambda g, ans, x: -g,),
    fast=operator.neg,
    partials=(("−1", "-1"),))

# d(x y) = y dx + x dy
MUL = defprim(
    "mul", "×", "{0} × {1}", "{0} \\times {1}", np.multiply,
    jvp=(lambda t, ans, x, y: t * y, lambda t, ans, x, y: x * t),
    vjp=(lambda g, ans, x, y: g * y, lambda g, ans, x, y: x * g),
    fast=operator.mul,
    partials=(("{1}", "{1}"), ("{0}", "{0}")))

# d(x / y) = dx / y - (x / y) dy / y
DIV = defprim(
    "truediv", "÷", "{0} / {1}", "\\frac{{{0}}}{{{1}}}", np.true_divide,
    jvp=(lambda t, ans, x, y: div(t, y), lambda t, ans, x, y: -div(ans * t, y)),
    vjp=(lambda g, ans, x, y: div(g, y), lambda g, ans, x, y: -div(g * ans, y)),
    fast=operator.truediv,
    partials=(("1 / {1}", "\\frac{{1}}{{{1}}}"), ("−{out} / {1}", "-\\frac{{{out}}}{{{1}}}")))

# d(x^y) = y x^(y-1) dx + ln(x) x^y dy
POW = defprim(
    "pow", "^", "{0}^{1}", "{{{0}}}^{{{1}}}", np.power,
    jvp=(lambda t, ans, x, y: t * y * power(x, y - 1),
         lambda t, ans, x, y: t * ans * log(x)),
    vjp=(lambda g, ans, x, y: g * y * power(x, y - 1),
         lambda g, ans, x, y: g * ans * log(x)),
    fast=operator.pow,
    partials=(("{1} {0}^({1} − 1)", "{1} {0}^{{{1} - 1}}"), ("ln({0}) {out}", "\\ln({0})\\, {out}")))

# d exp(x) = exp(x) dx
EXP = defprim(
    "exp", "exp", "exp({0})", "\\exp {0}", np.exp,
    jvp=(lambda t, ans, x: t * ans,),
    vjp=(lambda g, ans, x: g * ans,),
    fast=math.exp,
    partials=(("{out}", "{out}"),))

# d ln(x) = dx / x
LOG = defprim(
    "log", "ln", "ln({0})", "\\ln {0}", np.log,
    jvp=(lambda t, ans, x: div(t, x),),
    vjp=(lambda g, ans, x: div(g, x),),
    fast=math.log,
    partials=(("1 / {0}", "\\frac{{1}}{{{0}}}"),))

# d sin(x) = cos(x) dx
SIN = defprim(
    "sin", "sin", "sin({0})", "\\sin {0}", np.sin,
    jvp=(lambda t, ans, x: t * cos(x),),
    vjp=(lambda g, ans, x: g * cos(x),),
    fast=math.sin,
    partials=(("cos({0})", "\\cos {0}"),))

# d cos(x) = -sin(x) dx
COS = defprim(
    "cos", "cos", "cos({0})", "\\cos {0}", np.cos,
    jvp=(lambda t, ans, x: -(t * sin(x)),),
    vjp=(lambda g, ans, x: -(g * sin(x)),),
    fast=math.cos,
    partials=(("−sin({0})", "-\\sin {0}"),))

# d tan(x) = (1 + tan(x)^2) dx
TAN = defprim(
    "tan", "tan", "tan({0})", "\\tan {0}", np.tan,
    jvp=(lambda t, ans, x: t * (1.0 + ans * ans),),
    vjp=(lambda g, ans, x: g * (1.0 + ans * ans),),
    fast=math.tan,
    partials=(("1 + {out}²", "1 + {out}^2"),))

# d tanh(x) = (1 - tanh(x)^2) dx
TANH = defprim(
    "tanh", "tanh", "tanh({0})", "\\tanh {0}", np.tanh,
    jvp=(lambda t, ans, x: t * (1.0 - ans * ans),),
    vjp=(lambda g, ans, x: g * (1.0 - ans * ans),),
    fast=math.tanh,
    partials=(("1 − {out}²", "1 - {out}^2"),))

# d sqrt(x) = dx / (2 sqrt(x))
SQRT = defprim(
    "sqrt", "√", "√{0}", "\\sqrt{{{0}}}", np.sqrt,
    jvp=(lambda t, ans, x: div(t, 2.0 * ans),),
    vjp=(lambda g, ans, x: div(g, 2.0 * ans),),
    fast=math.sqrt,
    partials=(("1 / (2 {out})", "\\frac{{1}}{{2 {out}}}"),))

# d |x| = sign(x) dx
ABS = defprim(
    "abs", "|·|", "|{0}|", "\\left|{0}\\right|", np.abs,
    jvp=(lambda t, ans, x: t * _const(np.sign, x),),
    vjp=(lambda g, ans, x: g * _const(np.sign, x),),
    fast=builtins.abs,
    partials=(("sign({0})", "\\operatorname{{sign}} {0}"),))

# d max(x, y) = [x > y] dx + [x < y] dy   (ties share the derivative equally)
MAXIMUM = defprim(
    "maximum", "max", "max({0}, {1})", "\\max({0}, {1})", np.maximum,
    jvp=(lambda t, ans, x, y: t * _const(lambda a, b: (a > b) + 0.5 * (a == b), x, y),
         lambda t, ans, x, y: t * _const(lambda a, b: (a < b) + 0.5 * (a == b), x, y)),
    vjp=(lambda g, ans, x, y: g * _const(lambda a, b: (a > b) + 0.5 * (a == b), x, y),
         lambda g, ans, x, y: g * _const(lambda a, b: (a < b) + 0.5 * (a == b), x, y)),
    partials=(("[{0} > {1}]", "[{0} > {1}]"), ("[{0} < {1}]", "[{0} < {1}]")))

# d relu(x) = [x > 0] dx
RELU = defprim(
    "relu", "relu", "relu({0})", "\\operatorname{{relu}} {0}",
    lambda x: np.maximum(x, 0.0),
    jvp=(lambda t, ans, x: t * _const(operator.gt, x, 0.0),),
    vjp=(lambda g, ans, x: g * _const(operator.gt, x, 0.0),),
    fast=_relu_fast,
    partials=(("[{0} > 0]", "[{0} > 0]"),))

# d sigmoid(x) = sigmoid(x) (1 - sigmoid(x)) dx
SIGMOID = defprim(
    "sigmoid", "σ", "σ({0})", "\\sigma({0})", _sigmoid_impl,
    jvp=(lambda t, ans, x: t * ans * (1.0 - ans),),
    vjp=(lambda g, ans, x: g * ans * (1.0 - ans),),
    fast=_sigmoid_fast,
    partials=(("{out} (1 − {out})", "{out} (1 - {out})"),))

# d sum(x) = sum(dx)
SUM = defprim(
    "sum", "Σ", "sum({0})", "\\sum {0}",
    lambda x, axis=None, keepdims=False: np.sum(x, axis=axis, keepdims=keepdims),
    jvp=(lambda t, ans, x, axis=None, keepdims=False: sum_(t, axis, keepdims),),
    vjp=(lambda g, ans, x, axis=None, keepdims=False: _spread(g, x, axis, keepdims),))

# d mean(x) = mean(dx)
MEAN = defprim(
    "mean", "mean", "mean({0})", "\\operatorname{{mean}} {0}",
    lambda x, axis=None, keepdims=False: np.mean(x, axis=axis, keepdims=keepdims),
    jvp=(lambda t, ans, x, axis=None, keepdims=False: mean(t, axis, keepdims),),
    vjp=(lambda g, ans, x, axis=None, keepdims=False: _spread(g, x, axis, keepdims)
        * (_count(shape_of(ans)) / _count(shape_of(x))),))

# d <x, y> = <dx, y> + <x, dy>
DOT = defprim(
    "dot", "·", "{0} · {1}", "{0} \\cdot {1}", _dot_impl,
    jvp=(lambda t, ans, x, y: dot(t, y), lambda t, ans, x, y: dot(x, t)),
    vjp=(lambda g, ans, x, y: g * y, lambda g, ans, x, y: g * x))

# d(a b^T) = da b^T + a db^T;  a_bar = G b,  b_bar = G^T a
OUTER = defprim(
    "outer", "⊗", "{0} ⊗ {1}", "{0} \\otimes {1}", _outer_impl,
    jvp=(lambda t, ans, a, b: outer(t, b), lambda t, ans, a, b: outer(a, t)),
    vjp=(lambda g, ans, a, b: matmul(g, b), lambda g, ans, a, b: matmul(a, g)))

# d(X Y) = dX Y + X dY
MATMUL = defprim(
    "matmul", "@", "{0} @ {1}", "{0} {1}", np.matmul,
    jvp=(lambda t, ans, x, y: matmul(t, y), lambda t, ans, x, y: matmul(x, t)),
    vjp=(_matmul_vjp_left, _matmul_vjp_right))

# d reshape(x) = reshape(dx)
RESHAPE = defprim(
    "reshape", "reshape", "reshape({0})", "\\operatorname{{reshape}} {0}",
    lambda x, shape: np.reshape(x, shape),
    jvp=(lambda t, ans, x, shape: reshape(t, shape),),
    vjp=(lambda g, ans, x, shape: reshape(g, shape_of(x)),))

# d transpose(x) = transpose(dx)
TRANSPOSE = defprim(
    "transpose", "ᵀ", "{0}ᵀ", "{0}^{{\\top}}",
    lambda x, axes=None: np.transpose(x, axes),
    jvp=(lambda t, ans, x, axes=None: transpose(t, axes),),
    vjp=(lambda g, ans, x, axes=None: transpose(
        g, None if axes is None else tuple(np.argsort(axes).tolist())),))

# d x[i] = dx[i]
GETITEM = defprim(
    "getitem", "[·]", "{0}[i]", "{0}_{{i}}",
    lambda x, index: x[index],
    jvp=(lambda t, ans, x, index: getitem(t, index),),
    vjp=(lambda g, ans, x, index: index_add(g, index, shape_of(x)),))

# d scatter(g) = scatter(dg): zeros of `shape` with g added at `index`
INDEX_ADD = defprim(
    "index_add", "scatter", "scatter({0})", "\\operatorname{{scatter}} {0}",
    _index_add_impl,
    jvp=(lambda t, ans, g, index, shape: index_add(t, index, shape),),
    vjp=(lambda c, ans, g, index, shape: getitem(c, index),))

# d ||x|| = <x, dx> / ||x||
NORM = defprim(
    "norm", "‖·‖", "‖{0}‖", "\\lVert {0} \\rVert",
    lambda x: np.sqrt(np.sum(np.square(x))),
    jvp=(lambda t, ans, x: div(sum_(x * t), ans),),
    vjp=(lambda g, ans, x: div(g * x, ans),),
    fast=builtins.abs)

# d broadcast(x) = broadcast(dx)
BROADCAST = defprim(
    "broadcast_to", "bcast", "broadcast({0})", "\\operatorname{{broadcast}} {0}",
    lambda x, shape: np.broadcast_to(x, shape),
    jvp=(lambda t, ans, x, shape: broadcast_to(t, shape),),
    vjp=(lambda g, ans, x, shape: unbroadcast(g, shape_of(x)),))


# -- public functions: each dispatches to its primitive ----------------------


def add(x, y):
    """x + y, broadcasting as numpy does."""
    return apply(ADD, (x, y))


def sub(x, y):
    """x - y."""
    return apply(SUB, (x, y))


def neg(x):
    """-x."""
    return apply(NEG, (x,))


def mul(x, y):
    """x * y (elementwise)."""
    return apply(MUL, (x, y))


def div(x, y):
    """x / y (elementwise true division; x / 0 is inf or nan, as in numpy)."""
    return apply(DIV, (x, y))


def power(x, y):
    """x ** y, for a constant or a differentiable exponent."""
    return apply(POW, (x, y))


def exp(x):
    """Elementwise e^x."""
    return apply(EXP, (x,))


def log(x):
    """Elementwise natural logarithm (nan below 0, with numpy's warning)."""
    return apply(LOG, (x,))


def sin(x):
    """Elementwise sine."""
    return apply(SIN, (x,))


def cos(x):
    """Elementwise cosine."""
    return apply(COS, (x,))


def tan(x):
    """Elementwise tangent."""
    return apply(TAN, (x,))


def tanh(x):
    """Elementwise hyperbolic tangent."""
    return apply(TANH, (x,))


def sqrt(x):
    """Elementwise square root."""
    return apply(SQRT, (x,))


def abs(x):  # noqa: A001 - mirrors numpy and torch
    """Elementwise absolute value."""
    return apply(ABS, (x,))


def maximum(x, y):
    """Elementwise maximum of x and y."""
    return apply(MAXIMUM, (x, y))


def relu(x):
    """Elementwise max(x, 0)."""
    return apply(RELU, (x,))


def sigmoid(x):
    """Elementwise logistic function 1 / (1 + e^-x)."""
    return apply(SIGMOID, (x,))


def _axis_param(axis):
    if axis is None:
        return None
    if isinstance(axis, int):
        return (axis,)
    return tuple(axis)


def sum_(x, axis=None, keepdims=False):
    """Sum of the entries of x, over `axis` (an int, a tuple, or None for all)."""
    return apply(SUM, (x,), {"axis": _axis_param(axis), "keepdims": bool(keepdims)})


def mean(x, axis=None, keepdims=False):
    """Mean of the entries of x, over `axis` (an int, a tuple, or None for all)."""
    return apply(MEAN, (x,), {"axis": _axis_param(axis), "keepdims": bool(keepdims)})


def dot(x, y):
    """Inner product of two 1-D vectors (use `@` for matrices)."""
    return apply(DOT, (x, y))


def outer(x, y):
    """Outer product of two 1-D vectors: the matrix of x[i] * y[j] (as torch.outer)."""
    return apply(OUTER, (x, y))


def matmul(x, y):
    """Matrix product x @ y with numpy's rules for 1-D and stacked operands."""
    return apply(MATMUL, (x, y))


def reshape(x, *shape):
    """x with a new shape of the same size (one entry may be -1)."""
    if len(shape) == 1 and not isinstance(shape[0], int):
        shape = shape[0]
    shape = tuple(int(d) for d in shape)
    if -1 in shape:
        try:
            shape = np.empty(shape_of(x), dtype=np.bool_).reshape(shape).shape
        except ValueError as exc:
            raise AdlabValueError(f"reshape: cannot turn shape {shape_of(x)} into {shape}: {exc}.") from exc
    if shape == shape_of(x):
        return x
    return apply(RESHAPE, (x,), {"shape": shape})


def transpose(x, axes=None):
    """x with its axes permuted (reversed when `axes` is None)."""
    if axes is not None:
        axes = tuple(int(a) for a in axes)
    return apply(TRANSPOSE, (x,), {"axes": axes})


def _index_param(index):
    if isinstance(index, tuple):
        return tuple(_index_param(i) for i in index)
    if isinstance(index, Box):
        return raw(index)
    if isinstance(index, list):
        return np.asarray(index)
    return index


def getitem(x, index):
    """x[index]; basic and integer-array indexing as in numpy."""
    return apply(GETITEM, (x,), {"index": _index_param(index)})


def index_add(g, index, shape):
    """An array of zeros of `shape` with g added at `index` (the VJP of x[index])."""
    return apply(INDEX_ADD, (g,), {"index": _index_param(index), "shape": tuple(shape)})


def norm(x):
    """Euclidean (Frobenius) norm of all entries of x."""
    return apply(NORM, (x,))


def broadcast_to(x, shape):
    """x broadcast to `shape` by numpy's rules."""
    shape = tuple(shape)
    if shape_of(x) == shape:
        return x
    return apply(BROADCAST, (x,), {"shape": shape})


def unbroadcast(g, shape):
    """Sum cotangent g down to `shape`, undoing numpy broadcasting.

    This is the one place where broadcasting is undone: reverse mode calls
    it on every cotangent whose shape differs from its argument's.
    """
    gshape = shape_of(g)
    shape = tuple(shape)
    if gshape == shape:
        return g
    lead = len(gshape) - len(shape)
    if lead < 0:
        return broadcast_to(g, shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, d in enumerate(shape) if d == 1 and gshape[lead + i] != 1
    )
    if axes:
        g = sum_(g, axis=axes)
    return reshape(g, shape)


__all__ = [
    "PRIMITIVES", "defprim", "add", "sub", "neg", "mul", "div", "power", "exp", "log",
    "sin", "cos", "tan", "tanh", "sqrt", "abs", "maximum", "relu", "sigmoid", "sum_",
    "mean", "dot", "outer", "matmul", "reshape", "transpose", "getitem", "index_add", "norm",
    "broadcast_to", "unbroadcast", "EMPTY",
]
