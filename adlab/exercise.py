"""What an exercise's test cell hands to the grader, and the checks a student sees at once.

A test cell in exercises/source does two things. It checks the answer at once,
with a message the student can act on (`check_close`, `check`), and it records
the answer as plain data (`record`). Grading (``python -m adlab.autograde``)
reads the records after the notebook has run in a sandbox and compares them,
outside the student's kernel, with what the instructor's key computes; nothing
the kernel does to these functions can change the expected values.

While grading, the environment variable ``ADLAB_GRADING`` names a folder holding
``inputs.json`` (the key's hidden inputs for this submission, read with
`grading_inputs`) and ``records.jsonl`` (one JSON line per `record`). Without it
`record` does nothing and `grading_inputs` raises, saying why.

Only the standard library and numpy are used.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

ENV = "ADLAB_GRADING"
MAX_RECORD_BYTES = 1_000_000


def grading() -> Path | None:
    """The grading folder while a notebook is being graded, else None."""
    folder = os.environ.get(ENV)
    return Path(folder) if folder else None


def to_data(value, _depth: int = 0):
    """VALUE as plain JSON data: numbers, strings, booleans, None, lists and dicts.

    numpy arrays and scalars and adlab tensors become (nested) lists and
    numbers; tuples become lists. Subclasses are converted to their base type
    (a float that claims to equal everything records as the float it holds).

    Raises:
        TypeError: for anything else (a function, an object), naming its type.
    """
    if _depth > 20:
        raise TypeError("record: the answer is nested more than 20 levels deep")
    if value is None:
        return None
    if isinstance(value, bool):
        return bool(int.__int__(value))
    if isinstance(value, int):
        return int.__int__(value)
    if isinstance(value, float):
        return float.__float__(value)
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, (list, tuple)):
        return [to_data(v, _depth + 1) for v in list.__iter__(list(value))]
    if isinstance(value, dict):
        out = {}
        for k, v in dict.items(value):
            if not isinstance(k, (str, int, float, tuple)):
                raise TypeError(f"record: dict keys must be strings or numbers, got "
                                f"{type(k).__name__}")
            out[str.__str__(str(to_data(k, _depth + 1)))] = to_data(v, _depth + 1)
        return out
    import numpy as np

    if hasattr(value, "detach") and hasattr(value, "numpy"):   # an adlab or torch tensor
        value = value.detach().numpy()
    if isinstance(value, np.generic):
        value = value.item()
        return to_data(value, _depth + 1)
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biuf":
            raise TypeError(f"record: an array of dtype {value.dtype} is not numbers")
        return np.asarray(value).tolist()
    raise TypeError(f"record: cannot record a {type(value).__name__}; give numbers, strings, "
                    f"lists, dicts or numpy arrays")


def record(name: str, value) -> None:
    """Hand VALUE, as plain data, to the grader under NAME (nothing outside grading).

    Raises:
        TypeError: VALUE is not plain data (see `to_data`).
        ValueError: the answer is larger than 1 MB as JSON.
    """
    folder = grading()
    if folder is None:
        return
    line = json.dumps({"name": str(name), "value": to_data(value)}, allow_nan=True)
    if len(line) > MAX_RECORD_BYTES:
        raise ValueError(f"record({name!r}): the answer is {len(line):,} bytes as JSON, "
                         f"more than {MAX_RECORD_BYTES:,}")
    with open(folder / "records.jsonl", "a", encoding="utf-8") as out:
        out.write(line + "\n")


def grading_inputs(name: str):
    """The hidden input NAME the key chose for this submission (only while grading).

    Raises:
        RuntimeError: outside grading; hidden tests run only when the notebook is graded.
        KeyError: the key has no input called NAME.
    """
    folder = grading()
    if folder is None:
        raise RuntimeError(f"grading_inputs({name!r}): hidden inputs exist only while a "
                           f"notebook is graded (python -m adlab.autograde)")
    data = json.loads((folder / "inputs.json").read_text(encoding="utf-8"))
    if name not in data:
        raise KeyError(f"grading_inputs: the key gives no input {name!r}; it gives "
                       f"{', '.join(sorted(data)) or 'none'}")
    return data[name]


def _floats(value):
    import numpy as np

    return np.asarray(to_data(value), dtype=float)


def compare_close(what: str, yours, expected, rtol: float = 1e-12,
                  atol: float = 1e-12) -> str | None:
    """None when YOURS equals EXPECTED within the tolerances, else a sentence saying how not.

    Args:
        what: how to name the answer in the message, e.g. ``"tangents(2.0)"``.
        yours: the answer (a number, a list or an array).
        expected: the right value, same shape.
        rtol, atol: as in numpy.isclose; the defaults tell an exact derivative
            from a difference quotient.
    """
    import numpy as np

    try:
        have = _floats(yours)
    except (TypeError, ValueError) as err:
        return f"{what} should be numbers, but {err}"
    want = np.asarray(expected, dtype=float)
    if have.shape != want.shape:
        return f"{what} has shape {have.shape}; expected shape {want.shape}"
    bad = ~(np.abs(have - want) <= atol + rtol * np.abs(want))
    if not bad.any():
        return None
    i = tuple(int(j) for j in np.argwhere(bad)[0])
    where = f"[{', '.join(map(str, i))}]" if i else ""
    h, w = have[i], want[i]
    if not math.isfinite(h):
        return f"{what}{where} is {h}"
    return (f"{what}{where} is {h:.15g}, expected {w:.15g} (off by {abs(h - w):.2g}; "
            f"{int(bad.sum())} of {bad.size} entries differ)")


def check_close(what: str, yours, expected, rtol: float = 1e-12, atol: float = 1e-12) -> None:
    """Raise AssertionError with `compare_close`'s sentence when YOURS is not EXPECTED."""
    problem = compare_close(what, yours, expected, rtol, atol)
    if problem:
        raise AssertionError(problem)


def check(condition, message: str) -> None:
    """Raise AssertionError(MESSAGE) when CONDITION is false."""
    if not condition:
        raise AssertionError(message)


def program(steps):
    """The adlab function that a key's hidden program STEPS describes (for hidden tests).

    STEPS is a list ``[[op, constant], ...]``: start from v = x and apply each step to v in
    turn (``scale``: c * v, ``shift``: v + c, ``times_x``: v * x, ``plus_x``: v + x,
    ``square``: v * v, else the adlab function of that name: sin, cos, exp, tanh). The key
    computes the same function without adlab (adlab.autograde.programs).
    """
    import adlab

    steps = [(str(op), c) for op, c in steps]
    for op, _ in steps:
        if op not in ("scale", "shift", "times_x", "plus_x", "square", "sin", "cos", "exp",
                      "tanh"):
            raise ValueError(f"program: unknown step {op!r}")

    def f(x):
        v = x
        for op, c in steps:
            if op == "scale":
                v = c * v
            elif op == "shift":
                v = v + c
            elif op == "times_x":
                v = v * x
            elif op == "plus_x":
                v = v + x
            elif op == "square":
                v = v * v
            else:
                v = getattr(adlab, op)(v)
        return v
    return f
