"""Hidden random functions of one variable, as plain data, for the keys that grade on them.

A program is a list of steps ``[[op, constant], ...]``: start from v = x and apply each step
to v in turn (``scale``: c * v, ``shift``: v + c, ``times_x``: v * x, ``plus_x``: v + x,
``square``: v * v, else ``sin``, ``cos``, ``exp`` or ``tanh`` of v). A key draws programs with
`random_steps`, names them in its messages with `describe`, and computes f and f' with
`forward` in plain ``math``, without adlab. The notebook's hidden test builds the same
program with adlab by `adlab.exercise.program`, so the student's code is run on it.

Instructor tooling: used by exercises/keys (q1, q4).
"""

from __future__ import annotations

import math

UNARY = ("sin", "cos", "exp", "tanh")
WITH_X = ("times_x", "plus_x")


def random_steps(rng) -> list:
    """Three to five steps: at least two of sin, cos, exp, tanh, and one that uses x again."""
    while True:
        steps = []
        for _ in range(int(rng.integers(3, 6))):
            r = rng.random()
            if r < 0.45:
                steps.append([UNARY[int(rng.integers(len(UNARY)))], None])
            elif r < 0.6:
                steps.append(["scale", round(float(rng.uniform(0.5, 2.0)), 2)
                              * (1 if rng.random() < 0.7 else -1)])
            elif r < 0.7:
                steps.append(["shift", round(float(rng.uniform(-1.5, 1.5)), 2)])
            elif r < 0.9:
                steps.append([WITH_X[int(rng.integers(2))], None])
            else:
                steps.append(["square", None])
        ops = [op for op, _ in steps]
        if (sum(op in UNARY for op in ops) >= 2 and any(op in WITH_X for op in ops)
                and ops[0] != "scale"):
            return steps


def _atom(e: str) -> str:
    """E itself when it needs no parentheses as an operand (x, or one call like sin(...))."""
    if e == "x":
        return e
    if e[0].isalpha() and "(" in e and e.endswith(")"):
        depth = 0
        for i, ch in enumerate(e):
            depth += (ch == "(") - (ch == ")")
            if depth == 0 and ch == ")":
                return e if i == len(e) - 1 else f"({e})"
        return e
    return f"({e})"


def describe(steps) -> str:
    """The function as a formula in x, e.g. 'tanh(1.3*sin(x)) + x'."""
    e = "x"
    for op, c in steps:
        if op == "scale":
            e = f"{c:g}*{_atom(e)}"
        elif op == "shift":
            e = f"{e} + {c:g}" if c >= 0 else f"{e} - {-c:g}"
        elif op == "times_x":
            e = f"{_atom(e)}*x"
        elif op == "plus_x":
            e = f"{e} + x"
        elif op == "square":
            e = f"{_atom(e)}**2"
        else:
            e = f"{op}({e})"
    return e


def local(op: str, c, x: float, v: float) -> tuple[float, float, float]:
    """One step at the value v: (new value, p, q), where the new derivative is p * dv + q."""
    if op == "scale":
        return c * v, c, 0.0
    if op == "shift":
        return v + c, 1.0, 0.0
    if op == "times_x":
        return v * x, x, v
    if op == "plus_x":
        return v + x, 1.0, 1.0
    if op == "square":
        return v * v, 2 * v, 0.0
    if op == "sin":
        return math.sin(v), math.cos(v), 0.0
    if op == "cos":
        return math.cos(v), -math.sin(v), 0.0
    if op == "exp":
        e = math.exp(v)
        return e, e, 0.0
    if op == "tanh":
        t = math.tanh(v)
        return t, 1.0 / math.cosh(v) ** 2, 0.0
    raise ValueError(f"unknown step {op!r}: a step is scale, shift, times_x, plus_x, square, "
                     f"{', '.join(UNARY)}")


def forward(steps, x: float, at: int | None = None, dvalue: float = 0.0,
            dlocal: float = 0.0) -> tuple[float, float, float, float]:
    """(f(x), f'(x), scale, largest |value|) by forward mode over the steps.

    The scale is the sum over paths of the products of |local derivatives|. Step AT's value
    and local derivative can be perturbed by DVALUE (relative) and DLOCAL (relative, at least
    absolute), to see how rounding there moves f'. Raises OverflowError or ValueError where
    math does.
    """
    v, dv, s, big = x, 1.0, 1.0, abs(x)
    for k, (op, c) in enumerate(steps):
        v, p, q = local(op, c, x, v)
        if k == at:
            v *= 1.0 + dvalue
            p += dlocal * max(abs(p), 1.0)
        dv, s = p * dv + q, abs(p) * s + abs(q)
        big = max(big, abs(v))
    return v, dv, s, big


def value(steps, x: float) -> float:
    """f(x), or inf when a step overflows."""
    v = x
    try:
        for op, c in steps:
            v = local(op, c, x, v)[0] if op not in UNARY else getattr(math, op)(v)
    except (OverflowError, ValueError):
        return math.inf
    return v
