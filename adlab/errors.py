"""Clear error messages: each names the operation, the shapes or types, and the fix."""

from __future__ import annotations

import numpy as np

BACKWARD_TWICE = (
    "backward: trying to go backward through the graph a second time. The values saved "
    "for the backward pass were freed by the first call to .backward(). Pass "
    "retain_graph=True to the first call if you need to go backward again (gradients "
    "then accumulate in .grad), or recompute the output."
)

_NUMERIC_KINDS = "biuf"


def _describe(x) -> str:
    from ._dispatch import Box, raw

    if isinstance(x, Box):
        v = raw(x)
        return f"{type(x).__name__} of shape {np.shape(v)}"
    if isinstance(x, np.ndarray):
        return f"array of shape {x.shape} and dtype {x.dtype}"
    if isinstance(x, (int, float, np.number)):
        return f"{type(x).__name__} {x!r}"
    text = repr(x)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"{type(x).__name__} {text}"


def _torch_error(prim, i):
    return AdlabTypeError(
        f"{prim.name}: argument {i} is a torch.Tensor that requires grad; adlab cannot "
        f"follow derivatives through PyTorch's graph. Use its values as a constant, "
        f"t.detach().numpy(), or make an adlab tensor of them: adlab.tensor(t.detach())."
    )


def foreign_result(prim, args, r):
    """A primitive's result that numpy handed back in another library's type (a torch
    tensor among the arguments): the values as a numpy array, or an error if that library
    was following derivatives."""
    for i, a in enumerate(args):
        if _is_torch(a) and getattr(a, "requires_grad", False):
            raise _torch_error(prim, i)
    if _is_torch(r):
        r = r.detach().cpu().numpy()
    return np.asarray(r)


def _is_torch(x) -> bool:
    return type(x).__module__.split(".")[0] == "torch"


def _is_numeric(x) -> bool:
    from ._dispatch import Box

    if isinstance(x, Box) or isinstance(x, (bool, int, float, np.number)):
        return True
    if isinstance(x, np.ndarray):
        return x.dtype.kind in _NUMERIC_KINDS + "c"
    if isinstance(x, (list, tuple)):
        try:
            return np.asarray(x).dtype.kind in _NUMERIC_KINDS
        except (ValueError, TypeError):
            return False
    return False


def explain(prim, args, params, exc: Exception) -> Exception:
    """Turn a numpy failure inside primitive `prim` into an error a student can act on."""
    from ._dispatch import shape_of

    if isinstance(exc, (AdlabTypeError, AdlabValueError)):
        return exc
    bad = [(i, a) for i, a in enumerate(args) if not _is_numeric(a)]
    if bad:
        i, a = bad[0]
        if _is_torch(a):
            return _torch_error(prim, i)
        return AdlabTypeError(
            f"{prim.name}: argument {i} is {_describe(a)}, not a number, array or tensor. "
            f"Convert it first, e.g. adlab.tensor([1.0, 2.0]) or float(...)."
        )
    shapes = " and ".join(str(shape_of(a)) for a in args)
    if prim.name == "matmul":
        return AdlabValueError(
            f"matmul: shapes {shapes} do not fit: the last axis of the left operand must "
            f"equal the first (or second-to-last) axis of the right one. Transpose one "
            f"operand (x.T) or reshape it."
        )
    if prim.name == "dot":
        return AdlabValueError(
            f"dot: shapes {shapes} do not fit: the two vectors must have the same length."
        )
    if prim.name in ("tensordot", "einsum"):
        return AdlabValueError(
            f"{prim.name}: shapes {shapes} do not fit {params.get('axes', params.get('subscripts'))!r}: "
            f"the axes summed over must have the same lengths ({exc})."
        )
    if prim.name in ("concatenate", "stack"):
        return AdlabValueError(
            f"{prim.name}: shapes {shapes} cannot be joined along axis {params.get('axis')}: "
            f"{'all shapes must be equal' if prim.name == 'stack' else 'the other axes must match'}."
        )
    if prim.name in ("reshape", "broadcast_to"):
        return AdlabValueError(
            f"{prim.name}: cannot turn shape {shapes} into {params.get('shape')}: "
            f"{exc}. Check the target shape."
        )
    if prim.name in ("getitem", "index_add"):
        return AdlabValueError(
            f"{prim.name}: index {params.get('index')!r} does not fit shape {shapes}: {exc}."
        )
    if isinstance(exc, ValueError) and "broadcast" in str(exc):
        return AdlabValueError(
            f"{prim.name}: shapes {shapes} cannot be broadcast together. numpy "
            f"broadcasting compares shapes from the last axis: each pair of sizes must be "
            f"equal or 1. Reshape one operand, e.g. x.reshape(-1, 1)."
        )
    return AdlabValueError(f"{prim.name}: failed on arguments of shapes {shapes}: {exc}")


class AdlabTypeError(TypeError):
    """A value of the wrong type was given to an adlab operation."""


class AdlabValueError(ValueError):
    """A value of the wrong shape or content was given to an adlab operation."""


def check_float(value, where: str, what: str = "the input") -> None:
    """Raise TypeError unless `value` is floating point (only floats have derivatives)."""
    if type(value) is float or (type(value) is np.ndarray and value.dtype.kind == "f"):
        return
    kind = np.result_type(value).kind if _is_numeric(value) or isinstance(value, complex) else None
    if kind == "f":
        return
    if kind == "c":
        raise AdlabTypeError(
            f"{where}: {what} has dtype {np.result_type(value)}; adlab differentiates real "
            f"numbers only (complex derivatives need conjugates that adlab does not track). "
            f"Split it into real and imaginary parts, x.real and x.imag."
        )
    if kind is None:
        raise AdlabTypeError(
            f"{where}: {what} is {_describe(value)}; derivatives need floating-point "
            f"numbers or arrays. Pass e.g. 2.0 or adlab.tensor([1.0, 2.0])."
        )
    raise AdlabTypeError(
        f"{where}: {what} has dtype {np.result_type(value)}, but only "
        f"floating-point values have derivatives. Pass a float, e.g. 2.0 instead of 2, or "
        f"convert with np.asarray(x, dtype=float)."
    )


def check_data(data, where: str, dtype=None):
    """Validate and normalise data for a tensor: a Python float or a numeric ndarray."""
    if dtype is None and type(data) in (float, int):  # bools are not ints here: type() is exact
        return data
    if isinstance(data, bool) or data is None or isinstance(data, str):
        raise AdlabTypeError(
            f"{where}: data is {_describe(data)}; give a number, a list of numbers or a "
            f"numpy array, e.g. adlab.tensor([1.0, 2.0])."
        )
    if dtype is None and type(data) is np.float64:
        return float(data)
    if _is_torch(data):  # a PyTorch tensor: its values, without its graph
        data = data.detach().cpu().numpy()
    try:
        # a copy, as torch.tensor makes: changing the source later does not change the tensor
        arr = np.array(data, dtype=dtype, copy=True)
    except (ValueError, TypeError) as exc:
        raise AdlabTypeError(
            f"{where}: cannot make a numeric array from {_describe(data)} ({exc}); give "
            f"numbers in a rectangular nested list or a numpy array."
        ) from exc
    if arr.dtype.kind not in _NUMERIC_KINDS:
        what = _describe(data) if isinstance(data, np.ndarray) else \
            f"{_describe(data)} with dtype {arr.dtype}"
        hint = (" (adlab works with real numbers: split complex ones into .real and .imag)"
                if arr.dtype.kind == "c" else "")
        raise AdlabTypeError(
            f"{where}: data is {what}; give numbers, e.g. "
            f"adlab.tensor([1.0, 2.0]){hint}."
        )
    if arr.ndim == 0 and dtype is None and arr.dtype.kind == "f" and arr.dtype.itemsize == 8:
        return float(arr)
    return arr
