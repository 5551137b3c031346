"""The table of primitives: every differentiable operation, declared once.

Each entry gives the name, the display symbol, a plain-text and a LaTeX
template, the numpy value, one JVP rule and one VJP rule per argument, the
rule that batches it under `adlab.vmap`, and (where it pays) a Python-float
version of the value. The line of maths above each entry is the rule being
written.

Rules receive the argument tangent ``t`` (JVP) or the output cotangent ``g``
(VJP), the primal output ``ans`` and the primal arguments. They are written
with adlab's own operations, so they work on plain values and on boxes alike;
that is what makes derivatives of derivatives work. Broadcasting is not the
rules' business: the machinery broadcasts tangents to the output's shape and
undoes broadcasting of cotangents with `unbroadcast`.

Where a rule would compute 0 * inf or 0 * log(0) at a point where the
derivative is a plain number (x ** 0 at x = 0, d/dy 0 ** y, the norm at 0),
it selects the value with `where` on a safe argument, so no nan leaks into
first or higher derivatives.

Forward mode, reverse mode, vmap, traces, graph labels and the parametrised
tests all read `PRIMITIVES`; adding an operation is one `defprim` call.
"""

from __future__ import annotations

import builtins
import functools
import math
import operator
import string

import numpy as np

from . import _dispatch as D
from . import batchrules as B
from ._dispatch import EMPTY, Box, Primitive, Variadic, _holds_box, apply, raw, shape_of, strip
from .errors import AdlabTypeError, AdlabValueError

PRIMITIVES: dict[str, Primitive] = {}


def defprim(name, symbol, text, latex, impl, jvp, vjp, fast=None, partials=(), batch=None,
            nondiff=()):
    """Declare a primitive and add it to `PRIMITIVES`; returns the record."""
    if not isinstance(jvp, Variadic):
        jvp, vjp = tuple(jvp), tuple(vjp)
    prim = Primitive(name, symbol, text, latex, impl, jvp, vjp, fast, tuple(partials), batch,
                     tuple(nondiff))
    PRIMITIVES[name] = prim
    return prim


# -- constants used inside rules (no derivative flows through them) ----------


def _float_like(r, xs):
    """A boolean or float result in the inputs' floating dtype (1.0 / 0.0 for scalars).

    A mask computed from float32 values is float32, so that multiplying by it
    keeps a float32 derivative float32.
    """
    if isinstance(r, (bool, np.bool_)):
        return 1.0 if r else 0.0
    if isinstance(r, (np.ndarray, np.generic)) and r.dtype.kind in "bf":
        floats = [x.dtype for x in xs if isinstance(x, (np.ndarray, np.floating))
                  and x.dtype.kind == "f"]
        if floats:
            dtype = np.result_type(*floats)
            if r.dtype != dtype:
                return r.astype(dtype)
        elif r.dtype.kind == "b":
            return r.astype(np.float64)
    return r


def _constant_impl(*xs, fn):
    return fn(*xs)


def _no_derivative(*args, **params):
    raise AdlabTypeError("constant: this value carries no derivative (an internal error if seen).")


# an internal operation: fn applied elementwise to values stripped of their
# derivatives (batched under vmap); not a differentiable primitive of the table
CONSTANT = Primitive("constant", "const", "const({*})", "\\operatorname{{const}}({*})",
                     _constant_impl, Variadic(_no_derivative), Variadic(_no_derivative),
                     batch=B.elementwise)


def _const(fn, *xs):
    """fn of the values of xs as a constant: no derivative flows through it.

    Booleans come back as 1.0 / 0.0 in the inputs' floating dtype. Under
    `adlab.vmap` the result stays batched (fn must then work elementwise).
    """
    vals, batched = _stripped(xs)
    if batched:  # batch boxes of vmap remain
        return apply(CONSTANT, vals, {"fn": lambda *v: _float_like(fn(*v), v)})
    return _float_like(fn(*vals), vals)


def _values_of(fn, *xs):
    """fn of the values of xs, as they come (booleans stay booleans): no derivative flows."""
    vals, batched = _stripped(xs)
    if batched:  # batch boxes of vmap remain
        return apply(CONSTANT, vals, {"fn": fn})
    return fn(*vals)


def _stripped(xs):
    """The values of xs without derivative boxes, and whether a batch box of vmap remains."""
    vals, batched = [], False
    for x in xs:
        if isinstance(x, Box):
            x = strip(x)
            batched = batched or isinstance(x, Box)
        vals.append(x)
    return vals, batched


def _is_zero(x):
    return _const(lambda v: v == 0, x)


def _zeros(x):
    """Zeros of x's shape and dtype, as a constant."""
    return _const(np.zeros_like, x)


def _ones(x):
    return _const(np.ones_like, x)


def _safe(x, where_bad, fill=1.0):
    """x with `fill` where the constant mask `where_bad` is 1 (a safe argument for a rule)."""
    if _none_set(where_bad):
        return x
    return where(where_bad, fill, x)


def _none_set(mask) -> bool:
    """True when a constant mask is plain and has no entry set (the common case, no where needed)."""
    if isinstance(mask, Box):
        return False
    return not np.any(mask)


def _count(shape):
    return math.prod(shape)


def _keepdims_shape(shape, axis):
    if axis is None:
        return (1,) * len(shape)
    axes = {a % len(shape) for a in axis} if shape else set()
    return tuple(1 if i in axes else d for i, d in enumerate(shape))


def _kd(v, x, axis, keepdims):
    """A reduction's result v of x, with the reduced axes put back as length 1."""
    if keepdims:
        return v
    return reshape(v, _keepdims_shape(shape_of(x), axis))


def _spread(g, x, axis, keepdims):
    """Cotangent g of a reduction of x over `axis`, spread back over x's shape."""
    return broadcast_to(_kd(g, x, axis, keepdims), shape_of(x))


def _reduced(x, ans):
    """Number of entries of x that each entry of the reduction `ans` combines."""
    n_out = _count(shape_of(ans))
    return _count(shape_of(x)) // n_out if n_out else 0


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


def _is_basic_index(index) -> bool:
    parts = index if isinstance(index, tuple) else (index,)
    return not any(isinstance(p, (np.ndarray, list)) for p in parts)


def _getitem_impl(x, index):
    if type(x) is not np.ndarray:
        x = np.asarray(x)
    return x[index]


def _index_add_impl(g, index, shape):
    out = np.zeros(shape, dtype=np.result_type(g, 0.0))
    if _is_basic_index(index):  # no repeated positions: a plain add
        out[index] += g
        return out
    np.add.at(out, index, g)
    return out


def _dot_impl(a, b):
    if np.ndim(a) != 1 or np.ndim(b) != 1:
        raise AdlabValueError(
            f"dot: the dot primitive takes two 1-D vectors, got shapes {np.shape(a)} and "
            f"{np.shape(b)}; adlab.dot sends other shapes to matmul or tensordot."
        )
    return np.dot(a, b)


_UFUNC_BUFFER = 8192  # numpy's default ufunc buffer size, in elements


def _outer_impl(a, b):
    if np.ndim(a) != 1 or np.ndim(b) != 1:
        raise AdlabValueError(
            f"outer: the outer primitive takes two 1-D vectors, got shapes {np.shape(a)} and "
            f"{np.shape(b)}; adlab.outer flattens its arguments first."
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


def _norm_impl(x, axis=None, keepdims=False):
    return np.sqrt(np.sum(np.square(x), axis=axis, keepdims=keepdims))


def _logsumexp_impl(x, axis=None, keepdims=False):
    x = np.asarray(x)
    if x.size == 0:
        return np.log(np.sum(np.exp(x), axis=axis, keepdims=keepdims))
    m = np.max(x, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0).astype(m.dtype, copy=False)
    out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    if not keepdims:
        out = np.squeeze(out, axis=tuple(range(x.ndim)) if axis is None else axis)
    return out[()] if out.ndim == 0 else out


def _softmax_impl(x, axis):
    x = np.asarray(x)
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _log_softmax_impl(x, axis):
    x = np.asarray(x)
    shifted = x - np.max(x, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def _axis_slice(ndim, axis, part):
    """An index taking `part` (a slice) along `axis` of an array of `ndim` axes."""
    return (slice(None),) * (axis % ndim) + (part,)


def _flip(x, axis):
    return getitem(x, _axis_slice(len(shape_of(x)), axis, slice(None, None, -1)))


def _cumprod_last(x):
    """Inclusive products along the last axis, by a doubling scan of multiplications.

    Written with adlab operations only (no division), so it is right where x
    has zeros and differentiable to any order.
    """
    shape = shape_of(x)
    k = shape[-1]
    d = 1
    while d < k:
        head = np.ones(shape[:-1] + (d,), dtype=np.result_type(raw(x), 0.0))
        x = x * concatenate([head, getitem(x, (Ellipsis, slice(0, k - d)))], axis=-1)
        d *= 2
    return x


def _exclusive_left(x):
    """Products of the entries before each one along the last axis (1 for the first)."""
    shape = shape_of(x)
    k = shape[-1]
    head = np.ones(shape[:-1] + (1,), dtype=np.result_type(raw(x), 0.0))
    return concatenate([head, getitem(_cumprod_last(x), (Ellipsis, slice(0, k - 1)))], axis=-1)


def _prod_others(x, axis):
    """For each entry of x, the product of the other entries it is reduced with."""
    shape = shape_of(x)
    n = len(shape)
    axes = tuple(range(n)) if axis is None else tuple(sorted(a % n for a in axis))
    if _count(shape) == 0:
        return _zeros(x)
    kept = tuple(i for i in range(n) if i not in axes)
    perm = kept + axes
    moved = transpose(x, perm) if perm != tuple(range(n)) else x
    k = _count(shape[a] for a in axes)
    flat = reshape(moved, tuple(shape[i] for i in kept) + (k,))
    left = _exclusive_left(flat)
    right = _flip(_exclusive_left(_flip(flat, -1)), -1)
    others = reshape(left * right, tuple(shape[i] for i in perm))
    if perm == tuple(range(n)):
        return others
    return transpose(others, tuple(np.argsort(perm).tolist()))


def _chooser_weights(x, ans, axis, keepdims):
    """Constant weights of max/min: 1/k on each of the k entries equal to the extreme."""
    hit = _const(np.equal, x, _kd(ans, x, axis, keepdims))
    return hit / sum_(hit, axis, keepdims=True)


def _centered(x, axis):
    return x - mean(x, axis, keepdims=True)


def _var_factor(x, ans, ddof):
    d = _reduced(x, ans) - ddof
    return 1.0 / d if d > 0 else math.nan


def _diag_mask(shape, offset, axis1, axis2):
    """Ones on the `offset` diagonal of the (axis1, axis2) plane, shaped to broadcast with x."""
    n1, n2 = shape[axis1], shape[axis2]
    mask_shape = [1] * len(shape)
    mask_shape[axis1], mask_shape[axis2] = n1, n2
    eye = np.eye(n1, n2, k=offset)
    if axis1 > axis2:
        eye = eye.T
    return eye.reshape(mask_shape)


def _trace_vjp(g, ans, x, offset, axis1, axis2):
    shape = shape_of(x)
    lo, hi = sorted((axis1, axis2))
    kept = [d for i, d in enumerate(shape) if i not in (lo, hi)]
    expand = list(kept)
    expand.insert(lo, 1)
    expand.insert(hi, 1)
    mask = _diag_mask(shape, offset, axis1, axis2).astype(np.result_type(raw(x), 0.0))
    return reshape(g, tuple(expand)) * mask


def _diag_positions(n_rows, n_cols, k):
    length = builtins.max(0, builtins.min(n_rows - builtins.max(0, -k), n_cols - builtins.max(0, k)))
    r = np.arange(length) + builtins.max(0, -k)
    return r, r + k


def _diag_vjp(g, ans, x, k):
    shape = shape_of(x)
    if len(shape) == 1:  # x built a matrix: its cotangent is the matrix's diagonal
        return diag(g, k)
    rows, cols = _diag_positions(shape[0], shape[1], k)
    return index_add(g, (rows, cols), shape)


def _tile_vjp(g, ans, x, reps):
    shape = shape_of(x)
    d = builtins.max(len(shape), len(reps))
    xs = (1,) * (d - len(shape)) + shape
    rs = (1,) * (d - len(reps)) + tuple(reps)
    split = tuple(v for pair in zip(rs, xs) for v in pair)
    summed = sum_(reshape(g, split), axis=tuple(range(0, 2 * d, 2)))
    return reshape(summed, shape)


def _repeat_vjp(g, ans, x, repeats, axis):
    n = shape_of(x)[axis]
    index = np.repeat(np.arange(n), repeats)
    return index_add(g, _axis_slice(len(shape_of(x)), axis, index), shape_of(x))


def _concat_vjp(i, g, ans, *xs, axis):
    sizes = [shape_of(x)[axis] for x in xs]
    start = sum(sizes[:i])
    return getitem(g, _axis_slice(len(shape_of(g)), axis, slice(start, start + sizes[i])))


def _stack_vjp(i, g, ans, *xs, axis):
    return getitem(g, _axis_slice(len(shape_of(g)), axis, i))


# -- einsum: subscripts, and the rules that permute them -------------------------

_LETTERS = string.ascii_letters


def _einsum_subscripts(subscripts, shapes):
    """Explicit 'ab,bc->ac' form of `subscripts` for operands of `shapes` (no '...')."""
    spec = subscripts.replace(" ", "")
    if "->" in spec:
        ins, out = spec.split("->")
    else:
        ins, out = spec, None
    terms = ins.split(",")
    if len(terms) != len(shapes):
        raise AdlabValueError(
            f"einsum: the subscripts {subscripts!r} name {len(terms)} operand(s) but "
            f"{len(shapes)} were given."
        )
    used = set(spec) - set(".,->")
    free = [c for c in _LETTERS if c not in used]
    ell_rank = 0
    for term, shape in zip(terms, shapes):
        if "..." in term:
            ell_rank = builtins.max(ell_rank, len(shape) - (len(term) - 3))
    ell = "".join(free[:ell_rank])
    explicit = []
    for term, shape in zip(terms, shapes):
        if "..." in term:
            k = len(shape) - (len(term) - 3)
            term = term.replace("...", ell[ell_rank - k:] if k else "")
        if len(term) != len(shape):
            raise AdlabValueError(
                f"einsum: the term {term!r} has {len(term)} letter(s) for an operand of shape "
                f"{shape}; give one letter per axis."
            )
        explicit.append(term)
    if out is None:
        counts = {}
        for c in "".join(explicit):
            counts[c] = counts.get(c, 0) + 1
        out = ell + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in ell))
    else:
        out = out.replace("...", ell)
    return ",".join(explicit) + "->" + out


def _einsum_jvp(i, t, ans, *xs, subscripts):
    args = list(xs)
    args[i] = t
    return apply(EINSUM, tuple(args), {"subscripts": subscripts})


def _einsum_vjp(i, g, ans, *xs, subscripts):
    ins, out = subscripts.split("->")
    terms = ins.split(",")
    target = terms[i]
    used = set(subscripts) - set(",->")
    free = iter(c for c in _LETTERS if c not in used)
    # repeated letters of the target (a diagonal, 'ii') get fresh letters tied by identities
    unique, deltas, seen = "", [], {}
    for c, size in zip(target, shape_of(xs[i])):
        if c in seen:
            fresh = next(free)
            unique += fresh
            deltas.append((c + fresh, np.eye(size, dtype=np.result_type(raw(g), 0.0))))
        else:
            seen[c] = size
            unique += c
    others = [(t, x) for k, (t, x) in enumerate(zip(terms, xs)) if k != i]
    have = set(out) | {c for t, _ in others for c in t} | {c for d, _ in deltas for c in d}
    # letters only the target has are summed over in the forward pass: broadcast back
    extras = [(c, np.ones(size, dtype=np.result_type(raw(g), 0.0)))
              for c, size in zip(unique, shape_of(xs[i])) if c not in have]
    parts = [(out, g)] + others + deltas + extras
    spec = ",".join(t for t, _ in parts) + "->" + unique
    return apply(EINSUM, tuple(x for _, x in parts), {"subscripts": spec})


def _tensordot_subscripts(na, nb, axes):
    """The einsum subscripts equal to tensordot over `axes` of operands of na and nb axes."""
    a_axes, b_axes = axes
    letters = iter(_LETTERS)
    a = [next(letters) for _ in range(na)]
    b = [next(letters) for _ in range(nb)]
    for p, q in zip(a_axes, b_axes):
        b[q] = a[p]
    out = [c for k, c in enumerate(a) if k not in a_axes] + \
          [c for k, c in enumerate(b) if k not in b_axes]
    return "".join(a) + "," + "".join(b) + "->" + "".join(out)


def _tensordot_jvp(i, t, ans, a, b, axes):
    args = [a, b]
    args[i] = t
    return apply(TENSORDOT, tuple(args), {"axes": axes})


def _tensordot_vjp(i, g, ans, a, b, axes):
    """The cotangent of argument i: the VJP of the einsum that tensordot is."""
    spec = _tensordot_subscripts(len(shape_of(a)), len(shape_of(b)), axes)
    return _einsum_vjp(i, g, ans, a, b, subscripts=spec)


# -- the pow rules: right at x = 0 ------------------------------------------------


def _pow_dx(t, ans, x, y):
    """t y x^(y-1), and 0 where y = 0 (x^0 is constant, even at x = 0)."""
    if type(y) in (float, int):
        if y != 0:
            return t * y * power(x, y - 1)
        return t * _zeros(x)
    y0 = _is_zero(y)
    if _none_set(y0):
        return t * y * power(x, y - 1)
    return t * where(y0, 0.0, y * power(x, where(y0, 1.0, y - 1)))


def _pow_dy(t, ans, x, y):
    """t x^y ln(x), and 0 where x = 0 and y >= 0 (as PyTorch), without ln(0)."""
    bad = _const(lambda a, b: (a == 0) & (b >= 0), x, y)
    if _none_set(bad):
        return t * ans * log(x)
    return t * where(bad, 0.0, ans * log(_safe(x, bad)))


# -- displays of local partials whose form depends on a constant argument --------
#
# A `partials` entry is a (text, LaTeX) template pair over the argument names
# {0}, {1}, ... or, where the form a student expects depends on the value of a
# constant argument (2 v for v^2, -1 / v^2 for 1 / v), one of the builders
# below: ``builder(texts, latexes, constants)`` gets each argument's name as
# shown (a constant already written as a number) and ``constants[k]``, the
# value of argument k where it is a scalar constant (None for a row of the
# trace or an array), and returns the (text, LaTeX) pair.

_SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def _shown(x) -> tuple:
    """A constant as (text, LaTeX) with up to 4 significant digits: 2, 0.5, −1.5."""
    s = f"{float(x):.4g}"
    if "e" in s:
        mant, exp = s.split("e")
        return f"{mant}e{int(exp)}".replace("-", "−"), f"{mant} \\times 10^{{{int(exp)}}}"
    return s.replace("-", "−"), s


def _power_shown(base_text, base_latex, e) -> tuple:
    """base^e for a constant e > 0 as (text, LaTeX): v for 1, v² for 2, v^1.5 for 1.5."""
    if e == 1:
        return base_text, base_latex
    text, latex = _shown(e)
    if float(e).is_integer() and e < 1000:
        return base_text + text.translate(_SUPERSCRIPTS), f"{base_latex}^{{{latex}}}"
    return f"{base_text}^{text}", f"{base_latex}^{{{latex}}}"


def _fraction_shown(num, den, negative=False) -> tuple:
    """num / den as (text, LaTeX), with a leading minus sign if `negative`."""
    sign_text, sign_latex = ("−", "-") if negative else ("", "")
    return (f"{sign_text}{num[0]} / {den[0]}",
            f"{sign_latex}\\frac{{{num[1]}}}{{{den[1]}}}")


def _pow_base_partial(texts, latexes, constants) -> tuple:
    """∂(x^c)/∂x as a student writes it: c x^(c−1) with c − 1 worked out.

    0 for c = 0, 1 for c = 1, 2 x for c = 2, 3 x² for c = 3, 2.5 x^1.5 for
    c = 2.5; a negative c − 1 becomes a fraction: −1 / x² for c = −1, 0.5 / x^0.5
    for c = 0.5. An exponent that is a row shows the rule itself, y x^(y − 1).
    """
    c = constants[1]
    base = (texts[0], latexes[0])
    if c is None:
        return (f"{texts[1]} {texts[0]}^({texts[1]} − 1)",
                f"{latexes[1]} {latexes[0]}^{{{latexes[1]} - 1}}")
    if c == 0 or c == 1:
        return _shown(c)
    factor = _shown(c)
    e = c - 1
    if e > 0:
        power = _power_shown(*base, e)
        return f"{factor[0]} {power[0]}", f"{factor[1]} {power[1]}"
    return _fraction_shown(_shown(abs(c)), _power_shown(*base, -e), negative=c < 0)


def _pow_exponent_partial(texts, latexes, constants) -> tuple:
    """∂(b^y)/∂y = b^y ln(b), written with the base: 2^v ln(2) for the constant 2."""
    b = constants[0]
    if b == 1:
        return "0", "0"
    if b is None:
        plain = (texts[0], latexes[0])
    else:
        plain = _shown(b)
    return (f"{texts[0]}^{texts[1]} ln({plain[0]})",
            f"{latexes[0]}^{{{latexes[1]}}} \\ln {plain[1]}")


def _div_numerator_partial(texts, latexes, constants) -> tuple:
    """∂(x / d)/∂x = 1 / d: 1 / v, 1 / 4, −1 / 4 for d = −4, 1 for d = 1."""
    d = constants[1]
    if d is None:
        return _fraction_shown(("1", "1"), (texts[1], latexes[1]))
    if d == 1:
        return "1", "1"
    return _fraction_shown(("1", "1"), _shown(abs(d)), negative=d < 0)


def _div_denominator_partial(texts, latexes, constants) -> tuple:
    """∂(n / x)/∂x = −n / x², written with the input x (not the output n / x).

    −1 / x² for the reciprocal 1 / x, −3 / x² for 3 / x, 2 / x² for −2 / x,
    −u / x² for a row u.
    """
    n = constants[0]
    square = _power_shown(texts[1], latexes[1], 2)
    if n is None:
        return _fraction_shown((texts[0], latexes[0]), square, negative=True)
    if n == 0:
        return "0", "0"
    return _fraction_shown(_shown(abs(n)), square, negative=n > 0)


# -- the table ---------------------------------------------------------------

E, R, A = B.elementwise, B.reduction, B.along_axis

# d(x + y) = dx + dy
ADD = defprim(
    "add", "+", "{0} + {1}", "{0} + {1}", np.add,
    jvp=(lambda t, ans, x, y: t, lambda t, ans, x, y: t),
    vjp=(lambda g, ans, x, y: g, lambda g, ans, x, y: g),
    fast=operator.add,
    partials=(("1", "1"), ("1", "1")), batch=E)

# d(x - y) = dx - dy
SUB = defprim(
    "sub", "−", "{0} − {1}", "{0} - {1}", np.subtract,
    jvp=(lambda t, ans, x, y: t, lambda t, ans, x, y: -t),
    vjp=(lambda g, ans, x, y: g, lambda g, ans, x, y: -g),
    fast=operator.sub,
    partials=(("1", "1"), ("−1", "-1")), batch=E)

# d(-x) = -dx
NEG = defprim(
    "neg", "−", "−{0}", "-{0}", np.negative,
    jvp=(lambda t, ans, x: -t,),
    vjp=(lambda g, ans, x: -g,),
    fast=operator.neg,
    partials=(("−1", "-1"),), batch=E)

# d(x y) = y dx + x dy
MUL = defprim(
    "mul", "×", "{0} × {1}", "{0} \\times {1}", np.multiply,
    jvp=(lambda t, ans, x, y: t * y, lambda t, ans, x, y: x * t),
    vjp=(lambda g, ans, x, y: g * y, lambda g, ans, x, y: x * g),
    fast=operator.mul,
    partials=(("{1}", "{1}"), ("{0}", "{0}")), batch=E)

# d(x / y) = dx / y - (x / y) dy / y
DIV = defprim(
    "truediv", "÷", "{0} / {1}", "\\frac{{{0}}}{{{1}}}", np.true_divide,
    jvp=(lambda t, ans, x, y: div(t, y), lambda t, ans, x, y: -div(ans * t, y)),
    vjp=(lambda g, ans, x, y: div(g, y), lambda g, ans, x, y: -div(g * ans, y)),
    fast=operator.truediv,
    partials=(_div_numerator_partial, _div_denominator_partial),
    batch=E)

# d(x^y) = y x^(y-1) dx + ln(x) x^y dy   (0 for y = 0, and for x = 0 with y >= 0, as PyTorch)
POW = defprim(
    "pow", "^", "{0}^{1}", "{{{0}}}^{{{1}}}", np.power,
    jvp=(_pow_dx, _pow_dy),
    vjp=(_pow_dx, _pow_dy),  # the partials times the cotangent, as times the tangent
    fast=operator.pow,
    partials=(_pow_base_partial, _pow_exponent_partial),
    batch=E)

def defelementwise(name, symbol, text, latex, impl, slopes, fast=None, partials=()):
    """Declare an elementwise function whose local partial with respect to argument k is
    ``slopes[k](ans, *args)``: its JVP rule for k is t * slope and its VJP rule g * slope."""
    def rules(slope):
        return (lambda t, ans, *args: t * slope(ans, *args),
                lambda g, ans, *args: g * slope(ans, *args))

    pairs = [rules(slope) for slope in slopes]
    return defprim(name, symbol, text, latex, impl, jvp=[j for j, _ in pairs],
                   vjp=[v for _, v in pairs], fast=fast, partials=partials, batch=E)


def defunary(name, symbol, text, latex, impl, slope, fast=None, partial=("", "")):
    """Declare an elementwise function of one argument whose local partial is
    ``slope(ans, x)``: its JVP is t * slope and its VJP g * slope."""
    return defprim(name, symbol, text, latex, impl,
                   jvp=(lambda t, ans, x: t * slope(ans, x),),
                   vjp=(lambda g, ans, x: g * slope(ans, x),),
                   fast=fast, partials=(partial,), batch=E)


def _flat(ans, x):
    """The slope of a step function between its jumps: 0, as a constant."""
    return _zeros(x)


# d exp(x) = exp(x) dx
EXP = defunary("exp", "exp", "exp({0})", "\\exp {0}", np.exp, lambda ans, x: ans,
               fast=math.exp, partial=("exp({0})", "\\exp {0}"))

# d ln(x) = dx / x   (written as a division: one operation in the trace of a gradient)
LOG = defprim(
    "log", "ln", "ln({0})", "\\ln {0}", np.log,
    jvp=(lambda t, ans, x: div(t, x),),
    vjp=(lambda g, ans, x: div(g, x),),
    fast=math.log,
    partials=(("1 / {0}", "\\frac{{1}}{{{0}}}"),), batch=E)

# d sin(x) = cos(x) dx
SIN = defunary("sin", "sin", "sin({0})", "\\sin {0}", np.sin, lambda ans, x: cos(x),
               fast=math.sin, partial=("cos({0})", "\\cos {0}"))

# d cos(x) = -sin(x) dx
COS = defunary("cos", "cos", "cos({0})", "\\cos {0}", np.cos, lambda ans, x: -sin(x),
               fast=math.cos, partial=("−sin({0})", "-\\sin {0}"))

# d tan(x) = (1 + tan(x)^2) dx
TAN = defunary("tan", "tan", "tan({0})", "\\tan {0}", np.tan, lambda ans, x: 1.0 + ans * ans,
               fast=math.tan, partial=("1 + tan({0})²", "1 + \\tan^2 {0}"))

# d tanh(x) = (1 - tanh(x)^2) dx
TANH = defunary("tanh", "tanh", "tanh({0})", "\\tanh {0}", np.tanh,
                lambda ans, x: 1.0 - ans * ans, fast=math.tanh,
                partial=("1 − tanh({0})²", "1 - \\tanh^2 {0}"))

# d sqrt(x) = dx / (2 sqrt(x))
SQRT = defprim(
    "sqrt", "√", "√{0}", "\\sqrt{{{0}}}", np.sqrt,
    jvp=(lambda t, ans, x: div(t, 2.0 * ans),),
    vjp=(lambda g, ans, x: div(g, 2.0 * ans),),
    fast=math.sqrt,
    partials=(("1 / (2 √{0})", "\\frac{{1}}{{2 \\sqrt{{{0}}}}}"),), batch=E)

# d |x| = sign(x) dx   (0 at x = 0, as PyTorch)
ABS = defunary("abs", "|·|", "|{0}|", "\\left|{0}\\right|", np.abs,
               lambda ans, x: _const(np.sign, x), fast=builtins.abs,
               partial=("sign({0})", "\\operatorname{{sign}} {0}"))

# d sign(x) = 0
SIGN = defunary("sign", "sign", "sign({0})", "\\operatorname{{sign}} {0}", np.sign, _flat,
                partial=("0", "0"))

# d round(x) = 0, d floor(x) = 0, d ceil(x) = 0   (flat between the jumps)
ROUND = defprim("round", "round", "round({0})", "\\operatorname{{round}} {0}",
                lambda x, decimals=0: np.round(x, decimals),
                jvp=(lambda t, ans, x, decimals=0: t * _zeros(x),),
                vjp=(lambda g, ans, x, decimals=0: g * _zeros(x),),
                partials=(("0", "0"),), batch=E)
FLOOR = defunary("floor", "⌊·⌋", "⌊{0}⌋", "\\lfloor {0} \\rfloor", np.floor, _flat,
                 partial=("0", "0"))
CEIL = defunary("ceil", "⌈·⌉", "⌈{0}⌉", "\\lceil {0} \\rceil", np.ceil, _flat,
                partial=("0", "0"))

# d x^2 = 2 x dx
SQUARE = defunary("square", "²", "{0}²", "{{{0}}}^2", np.square, lambda ans, x: 2.0 * x,
                  fast=lambda x: x * x, partial=("2 {0}", "2 {0}"))

# d ln(1 + x) = dx / (1 + x)
LOG1P = defunary("log1p", "ln1p", "ln(1 + {0})", "\\ln(1 + {0})", np.log1p,
                 lambda ans, x: div(1.0, 1.0 + x), fast=math.log1p,
                 partial=("1 / (1 + {0})", "\\frac{{1}}{{1 + {0}}}"))

# d (e^x - 1) = e^x dx
EXPM1 = defunary("expm1", "expm1", "exp({0}) − 1", "e^{{{0}}} - 1", np.expm1,
                 lambda ans, x: ans + 1.0, fast=math.expm1, partial=("exp({0})", "e^{{{0}}}"))

_LN2, _LN10 = math.log(2.0), math.log(10.0)

# d log2(x) = dx / (x ln 2)
LOG2 = defunary("log2", "log₂", "log2({0})", "\\log_2 {0}", np.log2,
                lambda ans, x: div(1.0, x * _LN2), fast=math.log2,
                partial=("1 / ({0} ln(2))", "\\frac{{1}}{{{0} \\ln 2}}"))

# d log10(x) = dx / (x ln 10)
LOG10 = defunary("log10", "log₁₀", "log10({0})", "\\log_{{10}} {0}", np.log10,
                 lambda ans, x: div(1.0, x * _LN10), fast=math.log10,
                 partial=("1 / ({0} ln(10))", "\\frac{{1}}{{{0} \\ln 10}}"))

# d sinh(x) = cosh(x) dx
SINH = defunary("sinh", "sinh", "sinh({0})", "\\sinh {0}", np.sinh, lambda ans, x: cosh(x),
                fast=math.sinh, partial=("cosh({0})", "\\cosh {0}"))

# d cosh(x) = sinh(x) dx
COSH = defunary("cosh", "cosh", "cosh({0})", "\\cosh {0}", np.cosh, lambda ans, x: sinh(x),
                fast=math.cosh, partial=("sinh({0})", "\\sinh {0}"))

# d arcsin(x) = dx / sqrt(1 - x^2)
ARCSIN = defunary("arcsin", "asin", "arcsin({0})", "\\arcsin {0}", np.arcsin,
                  lambda ans, x: div(1.0, sqrt(1.0 - x * x)), fast=math.asin,
                  partial=("1 / √(1 − {0}²)", "\\frac{{1}}{{\\sqrt{{1 - {0}^2}}}}"))

# d arccos(x) = -dx / sqrt(1 - x^2)
ARCCOS = defunary("arccos", "acos", "arccos({0})", "\\arccos {0}", np.arccos,
                  lambda ans, x: div(-1.0, sqrt(1.0 - x * x)), fast=math.acos,
                  partial=("−1 / √(1 − {0}²)", "-\\frac{{1}}{{\\sqrt{{1 - {0}^2}}}}"))

# d arctan(x) = dx / (1 + x^2)
ARCTAN = defunary("arctan", "atan", "arctan({0})", "\\arctan {0}", np.arctan,
                  lambda ans, x: div(1.0, 1.0 + x * x), fast=math.atan,
                  partial=("1 / (1 + {0}²)", "\\frac{{1}}{{1 + {0}^2}}"))


# d arcsinh(x) = dx / sqrt(x^2 + 1)
ARCSINH = defunary("arcsinh", "asinh", "arcsinh({0})", "\\operatorname{{arsinh}} {0}", np.arcsinh,
                   lambda ans, x: div(1.0, sqrt(x * x + 1.0)), fast=math.asinh,
                   partial=("1 / √({0}² + 1)", "\\frac{{1}}{{\\sqrt{{{0}^2 + 1}}}}"))

# d arccosh(x) = dx / sqrt(x^2 - 1)
ARCCOSH = defunary("arccosh", "acosh", "arccosh({0})", "\\operatorname{{arcosh}} {0}", np.arccosh,
                   lambda ans, x: div(1.0, sqrt(x * x - 1.0)), fast=math.acosh,
                   partial=("1 / √({0}² − 1)", "\\frac{{1}}{{\\sqrt{{{0}^2 - 1}}}}"))

# d arctanh(x) = dx / (1 - x^2)
ARCTANH = defunary("arctanh", "atanh", "arctanh({0})", "\\operatorname{{artanh}} {0}", np.arctanh,
                   lambda ans, x: div(1.0, 1.0 - x * x), fast=math.atanh,
                   partial=("1 / (1 − {0}²)", "\\frac{{1}}{{1 - {0}^2}}"))

# d 2^x = 2^x ln 2 dx
EXP2 = defunary("exp2", "exp2", "2^{0}", "2^{{{0}}}", np.exp2, lambda ans, x: ans * _LN2,
                fast=lambda x: 2.0 ** x, partial=("2^{0} ln(2)", "2^{{{0}}} \\ln 2"))


def _atan2_scale(y, x):
    """1 / (x^2 + y^2), and 0 at the origin (as PyTorch)."""
    r2 = x * x + y * y
    origin = _is_zero(r2)
    return where(origin, 0.0, div(1.0, _safe(r2, origin))) if not _none_set(origin) else div(1.0, r2)


# d atan2(y, x) = (x dy - y dx) / (x^2 + y^2)
ARCTAN2 = defelementwise(
    "arctan2", "atan2", "atan2({0}, {1})", "\\operatorname{{atan2}}({0}, {1})", np.arctan2,
    slopes=(lambda ans, y, x: x * _atan2_scale(y, x), lambda ans, y, x: -(y * _atan2_scale(y, x))),
    fast=math.atan2,
    partials=(("{1} / ({0}² + {1}²)", "\\frac{{{1}}}{{{0}^2 + {1}^2}}"),
              ("−{0} / ({0}² + {1}²)", "-\\frac{{{0}}}{{{0}^2 + {1}^2}}")))


def _hypot_scale(x, y, ans):
    """1 / hypot(x, y), and 0 at the origin (a subgradient, as the norm)."""
    zero = _is_zero(ans)
    if _none_set(zero):
        return div(1.0, ans)
    return where(zero, 0.0, div(1.0, _safe(ans, zero)))


# d hypot(x, y) = (x dx + y dy) / hypot(x, y)
HYPOT = defelementwise(
    "hypot", "hypot", "hypot({0}, {1})", "\\sqrt{{{0}^2 + {1}^2}}", np.hypot,
    slopes=(lambda ans, x, y: x * _hypot_scale(x, y, ans),
            lambda ans, x, y: y * _hypot_scale(x, y, ans)),
    fast=math.hypot,
    partials=(("{0} / hypot({0}, {1})", "\\frac{{{0}}}{{\\sqrt{{{0}^2 + {1}^2}}}}"),
              ("{1} / hypot({0}, {1})", "\\frac{{{1}}}{{\\sqrt{{{0}^2 + {1}^2}}}}")))

# d (x mod y) = dx - floor(x / y) dy   (numpy's remainder: the sign of y, as Python's %)
MOD = defelementwise(
    "mod", "mod", "{0} mod {1}", "{0} \\bmod {1}", np.remainder,
    slopes=(lambda ans, x, y: _ones(x), lambda ans, x, y: -_const(np.floor_divide, x, y)),
    fast=operator.mod,
    partials=(("1", "1"), ("−⌊{0} / {1}⌋", "-\\left\\lfloor \\frac{{{0}}}{{{1}}} \\right\\rfloor")))


def _larger(a, b):
    return (a > b) + 0.5 * (a == b)  # ties share the derivative equally


def _smaller(a, b):
    return (a < b) + 0.5 * (a == b)


# d max(x, y) = [x > y] dx + [x < y] dy   (ties share the derivative equally)
MAXIMUM = defelementwise(
    "maximum", "max", "max({0}, {1})", "\\max({0}, {1})", np.maximum,
    slopes=(lambda ans, x, y: _const(_larger, x, y), lambda ans, x, y: _const(_smaller, x, y)),
    partials=(("[{0} > {1}]", "[{0} > {1}]"), ("[{0} < {1}]", "[{0} < {1}]")))

# d min(x, y) = [x < y] dx + [x > y] dy   (ties share the derivative equally)
MINIMUM = defelementwise(
    "minimum", "min", "min({0}, {1})", "\\min({0}, {1})", np.minimum,
    slopes=(lambda ans, x, y: _const(_smaller, x, y), lambda ans, x, y: _const(_larger, x, y)),
    partials=(("[{0} < {1}]", "[{0} < {1}]"), ("[{0} > {1}]", "[{0} > {1}]")))

# d relu(x) = [x > 0] dx
RELU = defunary("relu", "relu", "relu({0})", "\\operatorname{{relu}} {0}",
                lambda x: np.maximum(x, 0.0), lambda ans, x: _const(operator.gt, x, 0.0),
                fast=_relu_fast, partial=("[{0} > 0]", "[{0} > 0]"))

# d sigmoid(x) = sigmoid(x) (1 - sigmoid(x)) dx
SIGMOID = defunary("sigmoid", "σ", "σ({0})", "\\sigma({0})", _sigmoid_impl,
                   lambda ans, x: ans * (1.0 - ans), fast=_sigmoid_fast,
                   partial=("σ({0}) (1 − σ({0}))", "\\sigma({0}) (1 - \\sigma({0}))"))

# d where(c, x, y) = where(c, dx, 0) + where(c, 0, dy)   (the condition c carries no derivative)
WHERE = defprim(
    "where", "where", "where({0}, {1}, {2})", "\\operatorname{{where}}({0}, {1}, {2})",
    lambda c, x, y: np.where(c, x, y),
    jvp=(_no_derivative, lambda t, ans, c, x, y: where(c, t, 0.0),
         lambda t, ans, c, x, y: where(c, 0.0, t)),
    vjp=(_no_derivative, lambda g, ans, c, x, y: where(c, g, 0.0),
         lambda g, ans, c, x, y: where(c, 0.0, g)),
    partials=(("", ""), ("[{0}]", "[{0}]"), ("1 − [{0}]", "1 - [{0}]")), batch=E,
    nondiff=(0,))


# d clip(x, lo, hi) = [lo <= x <= hi] dx + [x < lo] dlo + [x > hi] dhi   (x on the bounds, as
# PyTorch's clamp; with lo > hi the value is hi)
CLIP = defelementwise(
    "clip", "clip", "clip({0}, {1}, {2})", "\\operatorname{{clip}}({0}, {1}, {2})", np.clip,
    slopes=(lambda ans, x, lo, hi: _const(lambda a, l, h: (a >= l) & (a <= h), x, lo, hi),
            lambda ans, x, lo, hi: _const(lambda a, l, h: (a < l) & (l <= h), x, lo, hi),
            lambda ans, x, lo, hi: _const(lambda a, l, h: np.maximum(a, l) > h, x, lo, hi)),
    partials=(("[{1} ≤ {0} ≤ {2}]", "[{1} \\le {0} \\le {2}]"), ("[{0} < {1}]", "[{0} < {1}]"),
              ("[{0} > {2}]", "[{0} > {2}]")))

# d stop_gradient(x) = 0   (the value passes, its derivative does not)
STOP_GRADIENT = defunary("stop_gradient", "stop", "stop_gradient({0})",
                         "\\operatorname{{stop}}({0})", lambda x: x, _flat, partial=("0", "0"))

# d copy(x) = dx
COPY = defprim(
    "copy", "copy", "copy({0})", "\\operatorname{{copy}}({0})",
    lambda x: np.array(x, copy=True) if isinstance(x, np.ndarray) else x,
    jvp=(lambda t, ans, x: t,),
    vjp=(lambda g, ans, x: g,),
    partials=(("1", "1"),), batch=E)


def _dtype_of(x):
    """The numpy dtype of x's values (float64 for a Python float)."""
    v = raw(x)
    return v.dtype if isinstance(v, (np.ndarray, np.generic)) else np.asarray(v).dtype


def _astype_impl(x, dtype):
    return np.asarray(x).astype(dtype) if isinstance(x, np.ndarray) else np.dtype(dtype).type(x)


# d astype(x) = astype(dx): a float type to another, the cotangent cast back
ASTYPE = defprim(
    "astype", "cast", "cast({0})", "\\operatorname{{cast}}({0})",
    _astype_impl,
    jvp=(lambda t, ans, x, dtype: astype(t, dtype),),
    vjp=(lambda g, ans, x, dtype: astype(g, _dtype_of(x)),),
    batch=E)

# d sum(x) = sum(dx)
SUM = defprim(
    "sum", "Σ", "sum({0})", "\\sum {0}", np.sum,
    jvp=(lambda t, ans, x, axis=None, keepdims=False: sum_(t, axis, keepdims),),
    vjp=(lambda g, ans, x, axis=None, keepdims=False: _spread(g, x, axis, keepdims),),
    batch=R)


def _mean_vjp(g, ans, x, axis=None, keepdims=False):
    k = _reduced(x, ans)
    if k == 0:  # a mean over no entries (nan): nothing to send back
        return _zeros(x)
    return _spread(g, x, axis, keepdims) * (1.0 / k)


# d mean(x) = mean(dx)
MEAN = defprim(
    "mean", "mean", "mean({0})", "\\operatorname{{mean}} {0}", np.mean,
    jvp=(lambda t, ans, x, axis=None, keepdims=False: mean(t, axis, keepdims),),
    vjp=(_mean_vjp,), batch=R)

def defreduction(name, symbol, text, latex, impl, weight):
    """Declare a reduction over `axis` whose output depends on each reduced entry x_i
    with the local partial ``weight(x, ans, axis, keepdims, **params)`` (shaped like x):
    its JVP sums t * weight over the axes and its VJP spreads g back times weight."""
    return defprim(
        name, symbol, text, latex, impl,
        jvp=(lambda t, ans, x, axis=None, keepdims=False, **params:
             sum_(t * weight(x, ans, axis, keepdims, **params), axis, keepdims),),
        vjp=(lambda g, ans, x, axis=None, keepdims=False, **params:
             _spread(g, x, axis, keepdims) * weight(x, ans, axis, keepdims, **params),),
        batch=R)


# d prod(x) = sum over i of (product of the others) dx_i   (no division: right at zeros)
PROD = defreduction("prod", "Π", "prod({0})", "\\prod {0}", np.prod,
                    lambda x, ans, axis, keepdims: _prod_others(x, axis))

# d max(x) = mean of dx over the entries equal to the max (ties share it, as PyTorch's amax)
MAX = defreduction("max", "max", "max({0})", "\\max {0}", np.max, _chooser_weights)

# d min(x) = mean of dx over the entries equal to the min
MIN = defreduction("min", "min", "min({0})", "\\min {0}", np.min, _chooser_weights)

# d var(x) = 2 / (N - ddof) sum((x - mean(x)) dx)
VAR = defreduction("var", "var", "var({0})", "\\operatorname{{var}} {0}", np.var,
                   lambda x, ans, axis, keepdims, ddof=0:
                   _centered(x, axis) * (2.0 * _var_factor(x, ans, ddof)))


def _std_scale(x, ans, axis, keepdims, ddof):
    """1 / ((N - ddof) std), and 0 where std = 0 (as PyTorch: a subgradient)."""
    s = _kd(ans, x, axis, keepdims)
    flat = _is_zero(s)
    inv = div(1.0, _safe(s, flat))
    if not _none_set(flat):
        inv = where(flat, 0.0, inv)
    return inv * _var_factor(x, ans, ddof)


# d std(x) = sum((x - mean(x)) dx) / ((N - ddof) std(x))   (0 where std = 0)
STD = defreduction("std", "std", "std({0})", "\\operatorname{{std}} {0}", np.std,
                   lambda x, ans, axis, keepdims, ddof=0:
                   _centered(x, axis) * _std_scale(x, ans, axis, keepdims, ddof))

# d logsumexp(x) = sum(softmax(x) dx)
LOGSUMEXP = defreduction("logsumexp", "LSE", "logsumexp({0})",
                         "\\operatorname{{logsumexp}} {0}", _logsumexp_impl,
                         lambda x, ans, axis, keepdims: exp(x - _kd(ans, x, axis, keepdims)))


def _norm_scale(x, ans, axis, keepdims):
    """1 / ||x||, and 0 where ||x|| = 0 (a subgradient, as PyTorch; JAX gives nan)."""
    s = _kd(ans, x, axis, keepdims)
    zero = _is_zero(s)
    if _none_set(zero):
        return div(1.0, s)
    return where(zero, 0.0, div(1.0, _safe(s, zero)))


# d ||x|| = <x, dx> / ||x||   (0 at x = 0)
NORM = defreduction("norm", "‖·‖", "‖{0}‖", "\\lVert {0} \\rVert", _norm_impl,
                    lambda x, ans, axis, keepdims: x * _norm_scale(x, ans, axis, keepdims))

# d softmax(x) = s * (dx - sum(s dx)),  s = softmax(x)
SOFTMAX = defprim(
    "softmax", "softmax", "softmax({0})", "\\operatorname{{softmax}} {0}", _softmax_impl,
    jvp=(lambda t, ans, x, axis: ans * (t - sum_(ans * t, axis, keepdims=True)),),
    vjp=(lambda g, ans, x, axis: ans * (g - sum_(g * ans, axis, keepdims=True)),),
    batch=A)

# d log_softmax(x) = dx - sum(softmax(x) dx)
LOG_SOFTMAX = defprim(
    "log_softmax", "logsoftmax", "log_softmax({0})", "\\log \\operatorname{{softmax}} {0}",
    _log_softmax_impl,
    jvp=(lambda t, ans, x, axis: t - sum_(exp(ans) * t, axis, keepdims=True),),
    vjp=(lambda g, ans, x, axis: g - exp(ans) * sum_(g, axis, keepdims=True),),
    batch=A)

# d cumsum(x) = cumsum(dx); its transpose sums from the end
CUMSUM = defprim(
    "cumsum", "cumsum", "cumsum({0})", "\\operatorname{{cumsum}} {0}",
    lambda x, axis: np.cumsum(x, axis=axis),
    jvp=(lambda t, ans, x, axis: cumsum(t, axis),),
    vjp=(lambda g, ans, x, axis: _flip(cumsum(_flip(g, axis), axis), axis),),
    batch=A)

# d <x, y> = <dx, y> + <x, dy>
DOT = defprim(
    "dot", "·", "{0} · {1}", "{0} \\cdot {1}", _dot_impl,
    jvp=(lambda t, ans, x, y: dot(t, y), lambda t, ans, x, y: dot(x, t)),
    vjp=(lambda g, ans, x, y: g * y, lambda g, ans, x, y: g * x), batch=B.dot)

# d(a b^T) = da b^T + a db^T;  a_bar = G b,  b_bar = G^T a
OUTER = defprim(
    "outer", "⊗", "{0} ⊗ {1}", "{0} \\otimes {1}", _outer_impl,
    jvp=(lambda t, ans, a, b: outer(t, b), lambda t, ans, a, b: outer(a, t)),
    vjp=(lambda g, ans, a, b: matmul(g, b), lambda g, ans, a, b: matmul(a, g)), batch=B.outer)

# d(X Y) = dX Y + X dY
MATMUL = defprim(
    "matmul", "@", "{0} @ {1}", "{0} {1}", np.matmul,
    jvp=(lambda t, ans, x, y: matmul(t, y), lambda t, ans, x, y: matmul(x, t)),
    vjp=(_matmul_vjp_left, _matmul_vjp_right), batch=B.matmul)

# d tensordot(a, b) = tensordot(da, b) + tensordot(a, db); the VJPs are einsums
TENSORDOT = defprim(
    "tensordot", "⊙", "tensordot({0}, {1})", "{0} \\odot {1}",
    lambda a, b, axes: np.tensordot(a, b, axes=axes),
    jvp=(functools.partial(_tensordot_jvp, 0), functools.partial(_tensordot_jvp, 1)),
    vjp=(functools.partial(_tensordot_vjp, 0), functools.partial(_tensordot_vjp, 1)),
    batch=B.tensordot)

# d einsum(x_1, ..., x_k) = sum over i of einsum(..., dx_i, ...);  x_bar_i: the subscripts permuted
EINSUM = defprim(
    "einsum", "einsum", "einsum({*})", "\\operatorname{{einsum}}({*})",
    lambda *xs, subscripts: np.einsum(subscripts, *xs),
    jvp=Variadic(_einsum_jvp), vjp=Variadic(_einsum_vjp), batch=B.einsum)

# d reshape(x) = reshape(dx)
RESHAPE = defprim(
    "reshape", "reshape", "reshape({0})", "\\operatorname{{reshape}} {0}",
    lambda x, shape: np.reshape(x, shape),
    jvp=(lambda t, ans, x, shape: reshape(t, shape),),
    vjp=(lambda g, ans, x, shape: reshape(g, shape_of(x)),), batch=B.reshaping)


def _reshaping(name, symbol):
    """A primitive that only changes the shape (squeeze, expand_dims, flatten): reshape's rules."""
    prim = None

    def jvp(t, ans, x, shape):
        return apply(prim, (t,), {"shape": shape})

    def vjp(g, ans, x, shape):
        return reshape(g, shape_of(x))

    prim = defprim(name, symbol, f"{name}({{0}})", f"\\operatorname{{{{{name}}}}} {{0}}",
                   lambda x, shape: np.reshape(x, shape), jvp=(jvp,), vjp=(vjp,),
                   batch=B.reshaping)
    return prim


# d squeeze(x) = squeeze(dx), d expand_dims(x) = expand_dims(dx), d flatten(x) = flatten(dx)
SQUEEZE = _reshaping("squeeze", "squeeze")
EXPAND_DIMS = _reshaping("expand_dims", "unsqueeze")
FLATTEN = _reshaping("flatten", "flatten")

# d transpose(x) = transpose(dx)
TRANSPOSE = defprim(
    "transpose", "ᵀ", "{0}ᵀ", "{0}^{{\\top}}",
    lambda x, axes=None: np.transpose(x, axes),
    jvp=(lambda t, ans, x, axes=None: transpose(t, axes),),
    vjp=(lambda g, ans, x, axes=None: transpose(
        g, None if axes is None else tuple(np.argsort(axes).tolist())),), batch=B.transposing)

# d x[i] = dx[i]
GETITEM = defprim(
    "getitem", "[·]", "{0}[i]", "{0}_{{i}}",
    _getitem_impl,
    jvp=(lambda t, ans, x, index: getitem(t, index),),
    vjp=(lambda g, ans, x, index: index_add(g, index, shape_of(x)),), batch=B.indexing)

# d scatter(g) = scatter(dg): zeros of `shape` with g added at `index`
INDEX_ADD = defprim(
    "index_add", "scatter", "scatter({0})", "\\operatorname{{scatter}} {0}",
    _index_add_impl,
    jvp=(lambda t, ans, g, index, shape: index_add(t, index, shape),),
    vjp=(lambda c, ans, g, index, shape: getitem(c, index),), batch=B.scattering)

def _take_impl(x, i, axis):
    return np.take(np.asarray(x), np.asarray(i), axis=axis)


def _put_add_impl(g, i, axis, n):
    g = np.asarray(g)
    i = np.asarray(i)
    shape = g.shape[:axis] + (n,) + g.shape[axis + i.ndim:]
    out = np.zeros(shape, dtype=np.result_type(g, 0.0))
    np.add.at(out, (slice(None),) * axis + (i,), g)
    return out


# d take(x, i) = take(dx, i): the entries of x at integer indices i (an argument, which
# vmap may batch) along one axis; x_bar: g added back at those indices
TAKE = defprim(
    "take", "take", "{0}[{1}]", "{0}_{{{1}}}", _take_impl,
    jvp=(lambda t, ans, x, i, axis: take_at(t, i, axis), _no_derivative),
    vjp=(lambda g, ans, x, i, axis: put_add(g, i, axis, shape_of(x)[axis]), _no_derivative),
    batch=B.taking, nondiff=(1,))

# d put_add(g, i) = put_add(dg, i): zeros with g added at integer indices i along one axis
PUT_ADD = defprim(
    "put_add", "scatter", "scatter({0}, {1})", "\\operatorname{{scatter}}({0}, {1})",
    _put_add_impl,
    jvp=(lambda t, ans, g, i, axis, n: put_add(t, i, axis, n), _no_derivative),
    vjp=(lambda c, ans, g, i, axis, n: take_at(c, i, axis), _no_derivative),
    batch=B.putting, nondiff=(1,))

def _solve_vjp_matrix(g, ans, a, b):
    gb = solve(_swap_last(a), g)
    return -outer(gb, ans) if len(shape_of(ans)) == 1 else -matmul(gb, _swap_last(ans))


# d A^-1 = -A^-1 dA A^-1;  A_bar = -A^-T G A^-T
INV = defprim(
    "inv", "inv", "{0}⁻¹", "{0}^{{-1}}", np.linalg.inv,
    jvp=(lambda t, ans, a: -matmul(ans, matmul(t, ans)),),
    vjp=(lambda g, ans, a: -matmul(_swap_last(ans), matmul(g, _swap_last(ans))),),
    batch=B.stacked)

# d solve(A, b) = solve(A, db - dA x),  x = solve(A, b);  b_bar = solve(A^T, g), A_bar = -b_bar x^T
SOLVE = defprim(
    "solve", "solve", "solve({0}, {1})", "{0}^{{-1}} {1}", np.linalg.solve,
    jvp=(lambda t, ans, a, b: -solve(a, matmul(t, ans)), lambda t, ans, a, b: solve(a, t)),
    vjp=(_solve_vjp_matrix, lambda g, ans, a, b: solve(_swap_last(a), g)), batch=B.looping)

# d det(A) = det(A) tr(A^-1 dA);  A_bar = g det(A) A^-T
DET = defprim(
    "det", "det", "det({0})", "\\det {0}", np.linalg.det,
    jvp=(lambda t, ans, a: ans * sum_(_swap_last(inv(a)) * t),),
    vjp=(lambda g, ans, a: (g * ans) * _swap_last(inv(a)),),
    batch=B.stacked)

# d broadcast(x) = broadcast(dx)
BROADCAST = defprim(
    "broadcast_to", "bcast", "broadcast({0})", "\\operatorname{{broadcast}} {0}",
    lambda x, shape: np.broadcast_to(x, shape),
    jvp=(lambda t, ans, x, shape: broadcast_to(t, shape),),
    vjp=(lambda g, ans, x, shape: unbroadcast(g, shape_of(x)),), batch=B.broadcasting)

# d concatenate(x_1, ..., x_k) = concatenate(dx_1, ..., dx_k); x_bar_i: the slice of g
CONCATENATE = defprim(
    "concatenate", "concat", "concat({*})", "\\operatorname{{concat}}({*})",
    lambda *xs, axis: np.concatenate([np.asarray(x) for x in xs], axis=axis),
    jvp=Variadic(lambda i, t, ans, *xs, axis: concatenate(
        [t if k == i else _zeros(x) for k, x in enumerate(xs)], axis)),
    vjp=Variadic(_concat_vjp), batch=B.joining)

# d stack(x_1, ..., x_k) = stack(dx_1, ..., dx_k); x_bar_i = g[i] along the new axis
STACK = defprim(
    "stack", "stack", "stack({*})", "\\operatorname{{stack}}({*})",
    lambda *xs, axis: np.stack([np.asarray(x) for x in xs], axis=axis),
    jvp=Variadic(lambda i, t, ans, *xs, axis: stack(
        [t if k == i else _zeros(x) for k, x in enumerate(xs)], axis)),
    vjp=Variadic(_stack_vjp), batch=B.joining)

# d repeat(x) = repeat(dx); x_bar: the copies' cotangents added up
REPEAT = defprim(
    "repeat", "repeat", "repeat({0})", "\\operatorname{{repeat}} {0}",
    lambda x, repeats, axis: np.repeat(x, repeats, axis=axis),
    jvp=(lambda t, ans, x, repeats, axis: repeat(t, repeats, axis),),
    vjp=(_repeat_vjp,), batch=B.repeating)

# d tile(x) = tile(dx); x_bar: the tiles' cotangents added up
TILE = defprim(
    "tile", "tile", "tile({0})", "\\operatorname{{tile}} {0}",
    lambda x, reps: np.tile(x, reps),
    jvp=(lambda t, ans, x, reps: tile(t, reps),),
    vjp=(_tile_vjp,), batch=B.tiling)

# d roll(x, s) = roll(dx, s); x_bar = roll(g, -s)
ROLL = defprim(
    "roll", "roll", "roll({0})", "\\operatorname{{roll}} {0}",
    lambda x, shift, axis: np.roll(x, shift, axis=axis),
    jvp=(lambda t, ans, x, shift, axis: roll(t, shift, axis),),
    vjp=(lambda g, ans, x, shift, axis: roll(
        g, tuple(-s for s in shift) if isinstance(shift, tuple) else -shift, axis),),
    batch=B.rolling)

# d trace(X) = trace(dX); X_bar = g I
TRACE = defprim(
    "trace", "tr", "tr({0})", "\\operatorname{{tr}} {0}",
    lambda x, offset, axis1, axis2: np.trace(x, offset, axis1, axis2),
    jvp=(lambda t, ans, x, offset, axis1, axis2: trace(t, offset=offset, axis1=axis1,
                                                         axis2=axis2),),
    vjp=(_trace_vjp,), batch=B.tracing)

# d diag(x) = diag(dx): a vector to a diagonal matrix, or a matrix's diagonal
DIAG = defprim(
    "diag", "diag", "diag({0})", "\\operatorname{{diag}} {0}",
    lambda x, k: np.diag(x, k),
    jvp=(lambda t, ans, x, k: diag(t, k),),
    vjp=(_diag_vjp,), batch=B.looping)


# -- public functions: each dispatches to its primitive ----------------------


def add(x, y, *, alpha=1):
    """x + y (x + alpha * y with PyTorch's alpha), broadcasting as numpy does."""
    return apply(ADD, (x, y if alpha == 1 else mul(alpha, y)))


def sub(x, y, *, alpha=1):
    """x - y (x - alpha * y with PyTorch's alpha)."""
    return apply(SUB, (x, y if alpha == 1 else mul(alpha, y)))


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


def mod(x, y):
    """x % y with numpy's (and Python's) sign convention: the result has y's sign."""
    return apply(MOD, (x, y))


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


def sign(x):
    """Elementwise sign (-1, 0 or 1); its derivative is 0."""
    return apply(SIGN, (x,))


def square(x):
    """Elementwise x ** 2."""
    return apply(SQUARE, (x,))


def round_(x, decimals=0):
    """Elementwise rounding to `decimals` places (halves to even, as numpy); derivative 0."""
    return apply(ROUND, (x,), {"decimals": operator.index(decimals)} if decimals else EMPTY)


def floor(x):
    """Elementwise floor; derivative 0 (flat between the jumps)."""
    return apply(FLOOR, (x,))


def ceil(x):
    """Elementwise ceiling; derivative 0."""
    return apply(CEIL, (x,))


def log1p(x):
    """Elementwise ln(1 + x), accurate for small x."""
    return apply(LOG1P, (x,))


def expm1(x):
    """Elementwise e^x - 1, accurate for small x."""
    return apply(EXPM1, (x,))


def log2(x):
    """Elementwise base-2 logarithm."""
    return apply(LOG2, (x,))


def log10(x):
    """Elementwise base-10 logarithm."""
    return apply(LOG10, (x,))


def sinh(x):
    """Elementwise hyperbolic sine."""
    return apply(SINH, (x,))


def cosh(x):
    """Elementwise hyperbolic cosine."""
    return apply(COSH, (x,))


def arcsin(x):
    """Elementwise inverse sine."""
    return apply(ARCSIN, (x,))


def arccos(x):
    """Elementwise inverse cosine."""
    return apply(ARCCOS, (x,))


def arctan(x):
    """Elementwise inverse tangent."""
    return apply(ARCTAN, (x,))


def arcsinh(x):
    """Elementwise inverse hyperbolic sine."""
    return apply(ARCSINH, (x,))


def arccosh(x):
    """Elementwise inverse hyperbolic cosine (x >= 1)."""
    return apply(ARCCOSH, (x,))


def arctanh(x):
    """Elementwise inverse hyperbolic tangent (|x| < 1)."""
    return apply(ARCTANH, (x,))


def exp2(x):
    """Elementwise 2 ** x."""
    return apply(EXP2, (x,))


def hypot(x, y):
    """Elementwise sqrt(x^2 + y^2), without overflow; its derivative at the origin is 0."""
    return apply(HYPOT, (x, y))


def _square_matrix(a, op):
    s = shape_of(a)
    if len(s) != 2 or s[0] != s[1]:
        raise AdlabValueError(f"{op}: takes a square matrix, got shape {s}.")


def inv(a):
    """The inverse of a square matrix."""
    _square_matrix(a, "inv")
    return apply(INV, (a,))


def solve(a, b):
    """x with a @ x = b, for a square matrix a and a vector or matrix b."""
    _square_matrix(a, "solve")
    if len(shape_of(b)) not in (1, 2) or shape_of(b)[0] != shape_of(a)[0]:
        raise AdlabValueError(
            f"solve: b must have {shape_of(a)[0]} rows (a vector or a matrix), got shape "
            f"{shape_of(b)}.")
    return apply(SOLVE, (a, b))


def det(a):
    """The determinant of a square matrix."""
    _square_matrix(a, "det")
    return apply(DET, (a,))


def arctan2(y, x):
    """Elementwise angle of the point (x, y); the derivative at the origin is taken as 0."""
    return apply(ARCTAN2, (y, x))


def maximum(x, y):
    """Elementwise maximum of x and y."""
    return apply(MAXIMUM, (x, y))


def minimum(x, y):
    """Elementwise minimum of x and y."""
    return apply(MINIMUM, (x, y))


def relu(x):
    """Elementwise max(x, 0)."""
    return apply(RELU, (x,))


def sigmoid(x):
    """Elementwise logistic function 1 / (1 + e^-x)."""
    return apply(SIGMOID, (x,))


def where(condition, x, y):
    """x where `condition` holds, else y (elementwise); no derivative flows to the condition."""
    return apply(WHERE, (_condition(condition), x, y))


def _condition(c):
    c = strip(c)
    if isinstance(c, Box):
        return c  # batched under vmap
    if not isinstance(c, (bool, np.bool_)) and not (isinstance(c, np.ndarray) and c.dtype == bool):
        c = np.asarray(c) != 0
    return c


def clip(x, a_min=None, a_max=None, *, min=None, max=None):  # noqa: A002 - PyTorch's names
    """x limited to [a_min, a_max] (None: no bound; PyTorch's min= and max= too). The
    derivative goes to x on the bounds, as PyTorch."""
    a_min = min if min is not None else a_min
    a_max = max if max is not None else a_max
    if a_min is None and a_max is None:
        raise AdlabValueError("clip: give a_min, a_max or both (None means no bound on that side).")
    lo = -np.inf if a_min is None else a_min
    hi = np.inf if a_max is None else a_max
    return apply(CLIP, (x, lo, hi))


def clamp(x, min=None, max=None):  # noqa: A002 - PyTorch's names
    """PyTorch's name for `clip`: ``clamp(x, min=0.0)``."""
    return clip(x, min, max)


def stop_gradient(x):
    """x's value with no derivative in any mode (JAX's stop_gradient; PyTorch's detach)."""
    if isinstance(x, Box) and not x._level and not x._batched:  # an eager tensor: detach it
        return x.detach()
    return apply(STOP_GRADIENT, (x,))


def copy(x):
    """A copy of x that keeps its derivatives (PyTorch's clone)."""
    return apply(COPY, (x,))


def _is_float_dtype(dtype) -> bool:
    return np.dtype(dtype).kind in "fc"


def astype(x, dtype):
    """x converted to `dtype`. To another float type it stays differentiable; to an integer
    or boolean type the result is a constant (no derivative flows through it)."""
    dtype = np.dtype(dtype)
    current = np.result_type(raw(x))
    if current == dtype and isinstance(raw(x), np.ndarray):
        return x
    if _is_float_dtype(dtype) and current.kind in "fc":
        return apply(ASTYPE, (x,), {"dtype": dtype})
    return _like_input(_values_of(lambda v: _astype_impl(v, dtype), x), x)


def _axis_param(axis, dim=None, op="reduction"):
    if dim is not None:
        if axis is not None:
            raise AdlabValueError(f"{op}: give axis= (numpy) or dim= (PyTorch), not both.")
        axis = dim
    if axis is None:
        return None
    if isinstance(axis, (tuple, list)):
        return tuple(operator.index(a) for a in axis)
    return (operator.index(axis),)


def _keep(keepdims, keepdim):
    return bool(keepdim) if keepdim is not None else bool(keepdims)


def _reduce(prim, x, axis, keepdims, dim, keepdim, **params):
    axis = _axis_param(axis, dim, prim.name)
    n = len(shape_of(x))
    if axis is not None:
        for a in axis:
            if not -builtins.max(n, 1) <= a < builtins.max(n, 1):
                raise AdlabValueError(
                    f"{prim.name}: axis {a} is out of range for an array of shape "
                    f"{shape_of(x)} ({n} axes)."
                )
        axis = tuple(sorted({a % n for a in axis})) if n else ()  # a 0-d array: nothing to reduce
    return apply(prim, (x,), {"axis": axis, "keepdims": _keep(keepdims, keepdim), **params})


def sum_(x, axis=None, keepdims=False, *, dim=None, keepdim=None):
    """Sum of the entries of x, over `axis` (an int, a tuple, or None for all)."""
    return _reduce(SUM, x, axis, keepdims, dim, keepdim)


def mean(x, axis=None, keepdims=False, *, dim=None, keepdim=None):
    """Mean of the entries of x, over `axis` (an int, a tuple, or None for all).

    The mean of no entries is nan (with numpy's warning); its gradient is empty.
    """
    return _reduce(MEAN, x, axis, keepdims, dim, keepdim)


def prod(x, axis=None, keepdims=False, *, dim=None, keepdim=None):
    """Product of the entries of x over `axis`; its derivative is right where x has zeros."""
    return _reduce(PROD, x, axis, keepdims, dim, keepdim)


def amax(x, axis=None, keepdims=False, *, dim=None, keepdim=None):
    """Largest entry over `axis`; tied entries share the derivative equally (PyTorch's amax)."""
    return _reduce(MAX, x, axis, keepdims, dim, keepdim)


def amin(x, axis=None, keepdims=False, *, dim=None, keepdim=None):
    """Smallest entry over `axis`; tied entries share the derivative equally."""
    return _reduce(MIN, x, axis, keepdims, dim, keepdim)


def _extreme(op, reduce, elementwise, arg, x, args, axis, keepdims, dim, keepdim):
    if len(args) > 2:
        raise AdlabTypeError(f"{op}: takes x and at most a dim and keepdim.")
    if args:
        other = args[0]
        if isinstance(other, (int, np.integer)) and not isinstance(other, bool):
            keep = args[1] if len(args) > 1 else _keep(keepdims, keepdim)
            return _values_and_indices(x, arg, other, bool(keep), op)  # PyTorch's max(x, 1)
        return elementwise(x, other)  # PyTorch's max(x, y)
    if dim is not None:  # PyTorch's max(x, dim=d): (values, indices), derivative to the index
        return _values_and_indices(x, arg, dim, _keep(keepdims, keepdim), op)
    return reduce(x, axis, keepdims, keepdim=keepdim)


def max(x, *args, axis=None, keepdims=False, dim=None, keepdim=None):  # noqa: A001
    """The largest entry, in the form of the library the call looks like.

    ``max(x)`` and ``max(x, axis=1)`` are numpy's and JAX's: the values (tied
    entries share the derivative equally). ``max(x, 1)`` and ``max(x, dim=1)``
    are PyTorch's: a pair (values, indices), the derivative going to the first
    index of a tie. ``max(x, y)`` with an array or tensor y is the elementwise
    `maximum`. (numpy's own ``np.max(x, 1)`` on a tensor gives the values.)
    """
    return _extreme("max", amax, maximum, argmax, x, args, axis, keepdims, dim, keepdim)


def min(x, *args, axis=None, keepdims=False, dim=None, keepdim=None):  # noqa: A001
    """The smallest entry; the forms of `max`."""
    return _extreme("min", amin, minimum, argmin, x, args, axis, keepdims, dim, keepdim)


class ValuesIndices(tuple):
    """PyTorch's (values, indices) pair of ``max(dim=...)`` and ``min(dim=...)``."""

    @property
    def values(self):
        return self[0]

    @property
    def indices(self):
        return self[1]


def _values_and_indices(x, arg, dim, keepdim, op):
    n = len(shape_of(x))
    d = _one_axis(x, dim, None, op)
    idx = arg(x, d, keepdims=True)
    positions = np.arange(shape_of(x)[d]).reshape((-1,) + (1,) * (n - d - 1))
    chosen = _const(np.equal, positions, idx)  # one-hot along dim: the first of ties
    values = sum_(where(chosen, x, 0.0), d, keepdims=True)  # the derivative goes there only
    if not keepdim:
        values = squeeze(values, d)
        idx = _strip_axis(idx, d)
    return ValuesIndices((values, idx))


def _strip_axis(idx, d):
    if isinstance(idx, Box) and not isinstance(strip(idx), Box):  # an eager tensor
        return _like_input(np.squeeze(raw(idx), d), idx)
    return apply(RESHAPE, (idx,), {"shape": tuple(s for i, s in enumerate(shape_of(idx))
                                                  if i != d)})


def _like_input(value, x):
    """A plain result as an eager tensor when x is one (PyTorch returns tensors)."""
    from .tensor import Tensor

    if type(x) is Tensor and x._level == 0 and not isinstance(value, Box):
        return Tensor(value)
    return value


def _arg_impl(fn):
    def impl(x, axis=None, keepdims=False):
        a = None if axis is None else axis[0]
        return fn(x, axis=a, keepdims=keepdims)
    return impl


# internal operations without derivatives (batched under vmap): argmax and argmin
ARGMAX = Primitive("argmax", "argmax", "argmax({0})", "\\operatorname{{argmax}} {0}",
                   _arg_impl(np.argmax), (_no_derivative,), (_no_derivative,), batch=B.arg_reduction)
ARGMIN = Primitive("argmin", "argmin", "argmin({0})", "\\operatorname{{argmin}} {0}",
                   _arg_impl(np.argmin), (_no_derivative,), (_no_derivative,), batch=B.arg_reduction)


ALL = Primitive("all", "all", "all({0})", "\\operatorname{{all}} {0}", np.all,
                (_no_derivative,), (_no_derivative,), batch=B.reduction)
ANY = Primitive("any", "any", "any({0})", "\\operatorname{{any}} {0}", np.any,
                (_no_derivative,), (_no_derivative,), batch=B.reduction)


def truth_reduction(prim, x, axis=None, keepdims=False):
    """all or any over `axis` (no derivative; batched under vmap)."""
    axis = _axis_param(axis, None, prim.name)
    if axis is not None:
        axis = (_one_axis(x, axis[0], None, prim.name),) if len(axis) == 1 else axis
    params = {"axis": axis, "keepdims": bool(keepdims)}
    v = strip(x)
    result = apply(prim, (v,), params) if isinstance(v, Box) else prim.impl(raw(v), **params)
    return _like_input(result, x)


def _arg(prim, x, axis, keepdims, dim, keepdim):
    axis = _axis_param(axis, dim, prim.name)
    if axis is not None:
        axis = (_one_axis(x, axis[0], None, prim.name),)
    params = {"axis": axis, "keepdims": _keep(keepdims, keepdim)}
    v = strip(x)
    result = apply(prim, (v,), params) if isinstance(v, Box) else prim.impl(raw(v), **params)
    return _like_input(result, x)


def argmax(x, axis=None, keepdims=False, *, dim=None, keepdim=None):
    """Index of the largest entry (the first of ties, as numpy and PyTorch); no derivative."""
    return _arg(ARGMAX, x, axis, keepdims, dim, keepdim)


def argmin(x, axis=None, keepdims=False, *, dim=None, keepdim=None):
    """Index of the smallest entry (the first of ties); no derivative."""
    return _arg(ARGMIN, x, axis, keepdims, dim, keepdim)


def _ddof(ddof, correction, unbiased):
    if correction is not None:
        return operator.index(correction) if not isinstance(correction, float) else correction
    if unbiased is not None:
        return 1 if unbiased else 0
    return ddof


def var(x, axis=None, keepdims=False, ddof=0, *, dim=None, keepdim=None, correction=None,
        unbiased=None):
    """Variance over `axis`, dividing by N - ddof (numpy's default ddof = 0; PyTorch's
    ``correction=1`` or ``unbiased=True`` give the unbiased N - 1)."""
    return _reduce(VAR, x, axis, keepdims, dim, keepdim, ddof=_ddof(ddof, correction, unbiased))


def std(x, axis=None, keepdims=False, ddof=0, *, dim=None, keepdim=None, correction=None,
        unbiased=None):
    """Standard deviation over `axis` (as `var`); its derivative where std = 0 is taken as 0."""
    return _reduce(STD, x, axis, keepdims, dim, keepdim, ddof=_ddof(ddof, correction, unbiased))


def logsumexp(x, axis=None, keepdims=False, *, dim=None, keepdim=None):
    """ln(sum(exp(x))) over `axis`, computed without overflow."""
    return _reduce(LOGSUMEXP, x, axis, keepdims, dim, keepdim)


def norm(x, ord=None, axis=None, keepdims=False, *, p=None, dim=None, keepdim=None):
    """The vector norm of order `ord` (PyTorch: `p`) over `axis` (all entries by default).

    ord None, 2 or "fro": the Euclidean (Frobenius) norm, whose derivative at
    x = 0 is taken as 0, a subgradient, as PyTorch does (JAX gives nan);
    1: the sum of |x|; inf and -inf: the largest and smallest |x|; another
    number q: (sum |x|^q)^(1/q). Entries are treated as one vector, as
    ``torch.norm(x, p)`` does (numpy's matrix norms are not computed).
    """
    order = p if p is not None else ord
    if order is None or order == "fro" or (not isinstance(order, str) and order == 2):
        return _reduce(NORM, x, axis, keepdims, dim, keepdim)
    if isinstance(order, str):
        raise AdlabValueError(f"norm: unknown order {order!r}; give a number, inf or 'fro'.")
    if order == 1:
        return sum_(abs(x), axis, keepdims, dim=dim, keepdim=keepdim)
    if order == np.inf:
        return amax(abs(x), axis, keepdims, dim=dim, keepdim=keepdim)
    if order == -np.inf:
        return amin(abs(x), axis, keepdims, dim=dim, keepdim=keepdim)
    if order == 0:
        return sum_(_const(lambda v: v != 0, x), axis, keepdims, dim=dim, keepdim=keepdim)
    return power(sum_(power(abs(x), float(order)), axis, keepdims, dim=dim, keepdim=keepdim),
                 1.0 / order)


def _one_axis(x, axis, dim, op, default=None):
    a = _axis_param(axis, dim, op)
    if a is None:
        if default is None:
            raise AdlabValueError(f"{op}: give the axis, e.g. {op}(x, axis=-1).")
        return default
    if len(a) != 1:
        raise AdlabValueError(f"{op}: takes one axis, got {a}.")
    n = builtins.max(len(shape_of(x)), 1)
    if not -n <= a[0] < n:
        raise AdlabValueError(
            f"{op}: axis {a[0]} is out of range for an array of shape {shape_of(x)}.")
    return a[0] % n


def softmax(x, axis=-1, *, dim=None):
    """exp(x) / sum(exp(x)) along `axis` (default: the last), computed without overflow."""
    return apply(SOFTMAX, (x,), {"axis": _one_axis(x, None if dim is not None else axis, dim,
                                                   "softmax")})


def log_softmax(x, axis=-1, *, dim=None):
    """x - logsumexp(x) along `axis` (default: the last), computed without overflow."""
    return apply(LOG_SOFTMAX, (x,), {"axis": _one_axis(x, None if dim is not None else axis, dim,
                                                       "log_softmax")})


def cumsum(x, axis=None, *, dim=None):
    """Running sums along `axis`; with no axis, over the flattened entries (as numpy)."""
    if axis is None and dim is None:
        x, axis = ravel(x), 0
    return apply(CUMSUM, (x,), {"axis": _one_axis(x, axis, dim, "cumsum")})


def dot(x, y):
    """numpy's dot: a product for scalars, the inner product of vectors, matmul for
    matrices, and a sum over the last axis of x and the second-to-last of y beyond."""
    nx, ny = len(shape_of(x)), len(shape_of(y))
    if nx == 0 or ny == 0:
        return mul(x, y)
    if nx == 1 and ny == 1:
        return apply(DOT, (x, y))
    if ny <= 2:
        return matmul(x, y)
    return tensordot(x, y, axes=((nx - 1,), (ny - 2,)))


def vdot(x, y):
    """The inner product of x and y flattened (numpy's vdot for real arrays)."""
    return apply(DOT, (ravel(x), ravel(y)))


def inner(x, y):
    """numpy's inner: the sum over the last axes of x and y."""
    nx, ny = len(shape_of(x)), len(shape_of(y))
    if nx == 0 or ny == 0:
        return mul(x, y)
    return tensordot(x, y, axes=((nx - 1,), (ny - 1,)))


def outer(x, y):
    """Outer product: the matrix of x[i] * y[j] over the flattened entries (numpy's outer)."""
    if len(shape_of(x)) != 1:
        x = ravel(x)
    if len(shape_of(y)) != 1:
        y = ravel(y)
    return apply(OUTER, (x, y))


def matmul(x, y):
    """Matrix product x @ y with numpy's rules for 1-D and stacked operands."""
    return apply(MATMUL, (x, y))


def mm(x, y):
    """PyTorch's matrix product of two matrices."""
    if len(shape_of(x)) != 2 or len(shape_of(y)) != 2:
        raise AdlabValueError(
            f"mm: takes two matrices, got shapes {shape_of(x)} and {shape_of(y)}; use matmul (@) "
            f"for vectors and stacks.")
    return matmul(x, y)


def _axes_pair(axes, na, nb):
    if isinstance(axes, (int, np.integer)):
        k = operator.index(axes)
        return tuple(range(na - k, na)), tuple(range(k))
    a_axes, b_axes = axes
    if isinstance(a_axes, (int, np.integer)):
        a_axes = (a_axes,)
    if isinstance(b_axes, (int, np.integer)):
        b_axes = (b_axes,)
    a_axes = tuple(operator.index(a) % builtins.max(na, 1) for a in a_axes)
    b_axes = tuple(operator.index(b) % builtins.max(nb, 1) for b in b_axes)
    if len(a_axes) != len(b_axes):
        raise AdlabValueError(
            f"tensordot: axes {axes} pair {len(a_axes)} axis(es) of x with {len(b_axes)} of y; "
            f"give the same number on both sides.")
    return a_axes, b_axes


def tensordot(x, y, axes=2):
    """Sum of products over `axes` (an int k: the last k of x with the first k of y; or a pair)."""
    pair = _axes_pair(axes, len(shape_of(x)), len(shape_of(y)))
    return apply(TENSORDOT, (x, y), {"axes": pair})


def einsum(subscripts, *operands):
    """Einstein summation, as numpy.einsum (explicit or implicit output, '...' allowed)."""
    if not isinstance(subscripts, str):
        raise AdlabTypeError(
            f"einsum: the first argument must be the subscripts string, e.g. "
            f"einsum('ij,jk->ik', a, b); got {type(subscripts).__name__}.")
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])  # PyTorch's einsum('ij->j', [x])
    spec = _einsum_subscripts(subscripts, [shape_of(x) for x in operands])
    return apply(EINSUM, operands, {"subscripts": spec})


def reshape(x, *shape):
    """x with a new shape of the same size (one entry may be -1)."""
    if len(shape) == 1 and not isinstance(shape[0], (int, np.integer)):
        shape = shape[0]
    shape = tuple(operator.index(d) for d in shape)
    if -1 in shape:
        try:
            shape = np.empty(shape_of(x), dtype=np.bool_).reshape(shape).shape
        except ValueError as exc:
            raise AdlabValueError(f"reshape: cannot turn shape {shape_of(x)} into {shape}: {exc}.") from exc
    if shape == shape_of(x):
        return x
    return D.mark_view(apply(RESHAPE, (x,), {"shape": shape}), x, "reshape", None)


def squeeze(x, axis=None, *, dim=None):
    """x without axes of length 1 (all of them, or those in `axis`; numpy raises for an axis
    whose length is not 1, PyTorch's ``dim=`` leaves it)."""
    shape = shape_of(x)
    if axis is None and dim is None:
        drop = {i for i, d in enumerate(shape) if d == 1}
    else:
        axes = _axis_param(axis, dim, "squeeze")
        drop = set()
        for a in axes:
            if not -builtins.max(len(shape), 1) <= a < builtins.max(len(shape), 1):
                raise AdlabValueError(f"squeeze: axis {a} is out of range for shape {shape}.")
            a %= builtins.max(len(shape), 1)
            if not shape:
                continue
            if shape[a] != 1:
                if dim is not None:
                    continue
                raise AdlabValueError(
                    f"squeeze: axis {a} of shape {shape} has length {shape[a]}, not 1.")
            drop.add(a)
    new = tuple(d for i, d in enumerate(shape) if i not in drop)
    if new == shape:
        return x
    return D.mark_view(apply(SQUEEZE, (x,), {"shape": new}), x, "reshape", None)


def expand_dims(x, axis):
    """x with a new axis of length 1 at `axis` (an int or a tuple)."""
    axes = _axis_param(axis, None, "expand_dims")
    shape = list(shape_of(x))
    n = len(shape) + len(axes)
    for a in axes:
        if not -n <= a < n:
            raise AdlabValueError(
                f"expand_dims: axis {a} is out of range for a new axis of shape {tuple(shape)} "
                f"(from {-n} to {n - 1}).")
    for a in sorted(b % n for b in axes):
        shape.insert(a, 1)
    return D.mark_view(apply(EXPAND_DIMS, (x,), {"shape": tuple(shape)}), x, "reshape", None)


def unsqueeze(x, dim):
    """PyTorch's name for `expand_dims` with one axis."""
    return expand_dims(x, dim)


def flatten(x, start_dim=0, end_dim=-1):
    """x with axes start_dim..end_dim merged into one (all of them by default: a vector)."""
    shape = shape_of(x)
    if not shape:
        return apply(FLATTEN, (x,), {"shape": (1,)})
    n = len(shape)
    s, e = start_dim % n, end_dim % n
    new = shape[:s] + (_count(shape[s:e + 1]),) + shape[e + 1:]
    if new == shape:
        return x
    return D.mark_view(apply(FLATTEN, (x,), {"shape": new}), x, "reshape", None)


def ravel(x):
    """x as a vector (numpy's ravel)."""
    return flatten(x)


def transpose(x, *axes, **kwargs):
    """x with its axes reversed (no axes), permuted (numpy: ``transpose(x, (1, 0, 2))`` or
    ``axes=(1, 0, 2)``), or two of them exchanged (PyTorch: ``transpose(x, 0, 1)``)."""
    if "axes" in kwargs:
        axes = (kwargs.pop("axes"),)
    if kwargs:
        raise AdlabTypeError(f"transpose: unexpected keyword(s) {sorted(kwargs)}; give axes=.")
    if len(axes) == 2 and all(isinstance(a, (int, np.integer)) for a in axes):
        return swapaxes(x, *axes)
    if len(axes) == 1:
        axes = axes[0]
    elif not axes:
        axes = None
    if axes is not None:
        axes = tuple(operator.index(a) for a in axes)
        n = len(shape_of(x))
        if sorted(a % builtins.max(n, 1) for a in axes) != list(range(n)):
            raise AdlabValueError(
                f"transpose: axes {axes} are not a permutation of the {n} axes of shape "
                f"{shape_of(x)}.")
        axes = tuple(a % n for a in axes)
    return D.mark_view(apply(TRANSPOSE, (x,), {"axes": axes}), x, "transpose", axes)


def swapaxes(x, axis1, axis2):
    """x with two axes exchanged (PyTorch's transpose(dim0, dim1))."""
    n = len(shape_of(x))
    perm = list(range(n))
    a, b = operator.index(axis1) % builtins.max(n, 1), operator.index(axis2) % builtins.max(n, 1)
    perm[a], perm[b] = perm[b], perm[a]
    return transpose(x, tuple(perm))


def permute(x, *dims):
    """PyTorch's permutation of the axes: ``permute(x, (1, 0))`` or ``permute(x, 1, 0)``."""
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        dims = tuple(dims[0])
    return transpose(x, tuple(dims))


def moveaxis(x, source, destination):
    """x with axis `source` moved to position `destination`."""
    n = len(shape_of(x))
    s, d = operator.index(source) % n, operator.index(destination) % n
    perm = [i for i in range(n) if i != s]
    perm.insert(d, s)
    return transpose(x, perm) if perm != list(range(n)) else x


def _index_param(index):
    """An index as plain values: boxes stripped (an index carries no derivative), lists as
    arrays. An index batched by vmap stays a box (see `getitem`)."""
    if isinstance(index, tuple):
        return tuple(_index_param(i) for i in index)
    if isinstance(index, Box):
        index = strip(index)
        return index if isinstance(index, Box) else raw(index)
    if isinstance(index, (list, range)):
        return np.asarray(index)
    return index


def take_at(x, i, axis=0):
    """The entries of x at integer indices i along `axis` (numpy's take), i possibly batched."""
    return apply(TAKE, (x, i), {"axis": axis})


def put_add(g, i, axis, n):
    """Zeros with n entries along `axis`, g added at integer indices i (the VJP of take_at)."""
    return apply(PUT_ADD, (g, i), {"axis": axis, "n": n})


def _batched_index(x, index):
    """x[index] where vmap batches an integer index: one index after full slices, taken with
    the take primitive; any other such index is an error."""
    parts = index if isinstance(index, tuple) else (index,)
    boxed = [k for k, p in enumerate(parts) if isinstance(p, Box)]
    if len(boxed) != 1 or any(not (isinstance(p, slice) and p == slice(None)) for p in
                              parts[:boxed[0]]) or any(p is not Ellipsis and
                                                       not (isinstance(p, slice) and
                                                            p == slice(None))
                                                       for p in parts[boxed[0] + 1:]):
        raise AdlabValueError(
            f"getitem: vmap maps the index {parts}; adlab takes a mapped index alone or after "
            f"full slices (x[i], x[:, i]). Index in two steps, or use adlab.take_along_axis."
        )
    axis = boxed[0]
    i = parts[axis]
    if np.result_type(raw(i)).kind not in "iu":
        raise AdlabValueError(
            f"getitem: a mapped index must hold integers, got dtype {np.result_type(raw(i))}.")
    return take_at(x, i, axis)


def getitem(x, index):
    """x[index]; basic and integer-array indexing as in numpy. With basic indices (ints,
    slices) the result of an eager tensor is a view: changing it in place changes x."""
    index = _index_param(index)
    if any(isinstance(p, Box) for p in (index if isinstance(index, tuple) else (index,))):
        return _batched_index(x, index)
    out = apply(GETITEM, (x,), {"index": index})
    return D.mark_view(out, x, "index", index) if _is_basic_index(index) else out


def index_add(g, index, shape):
    """An array of zeros of `shape` with g added at `index` (the VJP of x[index])."""
    return apply(INDEX_ADD, (g,), {"index": _index_param(index), "shape": tuple(shape)})


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


def _sequence(arrays, op):
    if isinstance(arrays, (Box, np.ndarray)) or not isinstance(arrays, (list, tuple)):
        raise AdlabTypeError(
            f"{op}: takes a list or tuple of arrays, e.g. {op}([a, b]); got "
            f"{type(arrays).__name__}.")
    if not arrays:
        raise AdlabValueError(f"{op}: needs at least one array.")
    return tuple(arrays)


def concatenate(arrays, axis=0, *, dim=None):
    """The arrays joined along an existing `axis`."""
    arrays = _sequence(arrays, "concatenate")
    if axis is None and dim is None:
        arrays, axis = tuple(ravel(a) for a in arrays), 0
    axis = _one_axis(arrays[0], axis if dim is None else None, dim, "concatenate")
    return apply(CONCATENATE, arrays, {"axis": axis})


def cat(tensors, dim=0):
    """PyTorch's name for `concatenate`."""
    return concatenate(tensors, dim)


def stack(arrays, axis=0, *, dim=None):
    """The arrays (all of one shape) stacked along a new `axis`."""
    arrays = _sequence(arrays, "stack")
    shapes = {shape_of(a) for a in arrays}
    if len(shapes) != 1:
        raise AdlabValueError(f"stack: the arrays must have one shape, got {sorted(shapes)}.")
    n = len(shape_of(arrays[0])) + 1
    a = axis if dim is None else dim
    if not -n <= a < n:
        raise AdlabValueError(f"stack: axis {a} is out of range for {n - 1}-axis arrays.")
    return apply(STACK, arrays, {"axis": operator.index(a) % n})


def repeat(x, repeats, axis=None):
    """numpy's repeat: each entry repeated `repeats` times along `axis` (flattened if None)."""
    if axis is None:
        x, axis = ravel(x), 0
    axis = _one_axis(x, axis, None, "repeat")
    if not isinstance(repeats, (int, np.integer)):
        repeats = tuple(np.asarray(raw(repeats)).ravel().tolist())
    return apply(REPEAT, (x,), {"repeats": repeats, "axis": axis})


def repeat_interleave(x, repeats, dim=None):
    """PyTorch's repeat_interleave: numpy's repeat."""
    return repeat(x, repeats, dim)


def tile(x, reps):
    """x repeated `reps` times along each axis (numpy's tile; PyTorch's Tensor.repeat)."""
    reps = (operator.index(reps),) if isinstance(reps, (int, np.integer)) else \
        tuple(operator.index(r) for r in reps)
    return apply(TILE, (x,), {"reps": reps})


def roll(x, shift, axis=None, *, dims=None):
    """Entries shifted by `shift` along `axis`, wrapping around (flattened if None)."""
    axis = dims if dims is not None else axis
    if isinstance(shift, (list, tuple)):
        shift = tuple(operator.index(s) for s in shift)
    else:
        shift = operator.index(shift)
    if isinstance(axis, (list, tuple)):
        axis = tuple(operator.index(a) for a in axis)
    elif axis is not None:
        axis = operator.index(axis)
    return apply(ROLL, (x,), {"shift": shift, "axis": axis})


def trace(x, *inputs, offset=0, axis1=0, axis2=1, names=None):
    """The sum of a matrix's diagonal, or, for a function, its evaluation trace.

    ``adlab.trace(A)`` is numpy's trace of an array (its diagonal summed,
    `offset` above it). ``adlab.trace(f, *inputs)`` records one evaluation of
    the function f as a `Trace` (see `adlab.traces.trace`).
    """
    if callable(x) and not isinstance(x, (Box, np.ndarray)):
        from .traces import trace as evaluation_trace

        return evaluation_trace(x, *inputs, names=names)
    if inputs:
        offset = operator.index(inputs[0])
    n = len(shape_of(x))
    if n < 2:
        raise AdlabValueError(f"trace: needs an array of 2 or more axes, got shape {shape_of(x)}.")
    return apply(TRACE, (x,), {"offset": operator.index(offset), "axis1": operator.index(axis1) % n,
                               "axis2": operator.index(axis2) % n})


def diag(x, k=0):
    """A vector's diagonal matrix, or a matrix's diagonal (numpy's diag), `k` above the main one."""
    n = len(shape_of(x))
    if n not in (1, 2):
        raise AdlabValueError(f"diag: takes a vector or a matrix, got shape {shape_of(x)}.")
    return apply(DIAG, (x,), {"k": operator.index(k)})


def diagonal(x, offset=0):
    """The diagonal of a matrix."""
    if len(shape_of(x)) != 2:
        raise AdlabValueError(f"diagonal: takes a matrix here, got shape {shape_of(x)}.")
    return diag(x, offset)


def array(obj, dtype=None):
    """numpy's array, for lists that hold adlab values too: ``array([x1, x2])`` stacks them
    (their derivatives kept); plain numbers give a plain numpy array."""
    if not (isinstance(obj, Box) or (isinstance(obj, (list, tuple)) and _holds_box(obj))):
        return np.array(raw(obj), dtype=dtype)
    if isinstance(obj, Box):
        return obj if dtype is None else astype(obj, dtype)
    out = stack([array(o, dtype) for o in obj])
    return out if dtype is None else astype(out, dtype)


__all__ = [
    "PRIMITIVES", "defprim", "array", "round_", "floor", "ceil", "arcsinh", "arccosh", "arctanh",
    "exp2", "hypot", "inv", "solve", "det", "add", "sub", "neg", "mul", "div", "power", "mod", "exp", "log",
    "sin", "cos", "tan", "tanh", "sqrt", "abs", "sign", "square", "log1p", "expm1", "log2",
    "log10", "sinh", "cosh", "arcsin", "arccos", "arctan", "arctan2", "maximum", "minimum",
    "relu", "sigmoid", "where", "clip", "clamp", "stop_gradient", "copy", "astype", "sum_",
    "mean", "prod", "amax", "amin", "max", "min", "argmax", "argmin", "var", "std",
    "logsumexp", "norm", "softmax", "log_softmax", "cumsum", "dot", "vdot", "inner", "outer",
    "matmul", "mm", "tensordot", "einsum", "reshape", "squeeze", "expand_dims", "unsqueeze",
    "flatten", "ravel", "transpose", "swapaxes", "permute", "moveaxis", "getitem", "index_add",
    "take_at", "put_add",
    "broadcast_to", "unbroadcast", "concatenate", "cat", "stack", "repeat", "repeat_interleave",
    "tile", "roll", "trace", "diag", "diagonal", "EMPTY",
]
