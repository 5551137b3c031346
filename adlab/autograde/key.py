"""An exercise's key: the instructor's expected values and the verdict on each test cell.

A key is a Python file, ``exercises/keys/<assignment>.py``, that students never
see: it is not under source/ (so nbgrader never releases it) and the grading
sandbox cannot read it. It runs in the grader's own process, after the
student's notebook has finished, and defines

``inputs(rng)`` (optional)
    the hidden inputs for one submission, a dict from name to plain data; the
    notebook's hidden tests read them with ``adlab.exercise.grading_inputs``.
    ``rng`` is a numpy Generator seeded per submission.
``CHECKS``
    a dict from the ``grade_id`` of each autograded test cell to a function
    ``check(answers) -> Verdict``. ``answers`` holds what the cell's
    ``adlab.exercise.record`` calls handed over, and the inputs.

Expected values come from closed forms, SymPy or adlab imported here, in the
grader's process, never from the student's kernel. A check that finds an
answer missing or malformed raises `Missing` or `BadAnswer` (the student reads
the message); any other exception is a fault of the key and is reported to the
instructor as such.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from adlab.exercise import compare_close


class Missing(Exception):
    """An answer the check needs was not recorded (the cell stopped before it)."""


class BadAnswer(Exception):
    """A recorded answer is not of the kind the question asks for."""


@dataclass
class Verdict:
    """The grade of one test cell.

    Attributes:
        fraction: the share of the cell's points earned, 0 to 1.
        message: what the student reads in the feedback.
        html: optional HTML shown after the message (adlab's own answer, say).
    """

    fraction: float
    message: str
    html: str = ""

    def __post_init__(self):
        f = float(self.fraction)
        if not 0.0 <= f <= 1.0:
            raise ValueError(f"Verdict.fraction must be between 0 and 1, got {f}")
        self.fraction = f


@dataclass
class Answers:
    """The records of one submission, and its hidden inputs."""

    records: dict
    inputs: dict = field(default_factory=dict)

    def get(self, name: str):
        """The data recorded under NAME. Raises Missing when there is none."""
        if name not in self.records:
            raise Missing(f"no answer was recorded for {name!r}: the cell stopped before it")
        return self.records[name]

    def floats(self, name: str, shape: tuple | None = None) -> np.ndarray:
        """The answer NAME as a float array (of SHAPE, when given). Raises BadAnswer."""
        data = self.get(name)
        try:
            arr = np.asarray(data, dtype=float)
        except (TypeError, ValueError):
            raise BadAnswer(f"{name} should be numbers, got {_short(data)}") from None
        if shape is not None and arr.shape != tuple(shape):
            raise BadAnswer(f"{name} should have shape {tuple(shape)}, got {arr.shape}")
        return arr


def _short(data, n: int = 80) -> str:
    text = repr(data)
    return text if len(text) <= n else text[: n - 3] + "..."


def close(what: str, yours, expected, rtol: float = 1e-12, atol: float = 1e-12,
          ok: str | None = None) -> Verdict:
    """Full marks when YOURS equals EXPECTED within the tolerances, else 0 with the difference."""
    problem = compare_close(what, yours, expected, rtol, atol)
    if problem:
        return Verdict(0.0, problem)
    return Verdict(1.0, ok or f"{what} is right")


def share(verdicts: list[Verdict], html: str = "") -> Verdict:
    """The mean of several verdicts, with all their messages (partial credit)."""
    if not verdicts:
        raise ValueError("share() needs at least one verdict")
    frac = sum(v.fraction for v in verdicts) / len(verdicts)
    return Verdict(frac, "\n".join(v.message for v in verdicts),
                   html or "".join(v.html for v in verdicts))


def every(verdicts: list[Verdict], ok: str, html: str = "") -> Verdict:
    """Full marks only when every verdict has full marks; the first failure's message else."""
    for v in verdicts:
        if v.fraction < 1.0:
            return Verdict(0.0, v.message, html or v.html)
    return Verdict(1.0, ok, html)


@dataclass
class Key:
    """A loaded key file."""

    path: Path
    checks: dict
    inputs_fn: object = None

    def inputs(self, seed: int) -> dict:
        """The hidden inputs for the submission graded with SEED."""
        if self.inputs_fn is None:
            return {}
        return self.inputs_fn(np.random.default_rng(seed))


def load_key(path: Path) -> Key:
    """Import the key file at PATH. Raises ValueError when it defines no CHECKS."""
    path = Path(path)
    spec = importlib.util.spec_from_file_location(f"adlab_key_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    checks = getattr(module, "CHECKS", None)
    if not isinstance(checks, dict) or not checks:
        raise ValueError(f"{path}: a key must define CHECKS, a dict from grade_id to check")
    return Key(path, checks, getattr(module, "inputs", None))
