"""Key for q1_second_derivative: operation counts of f, f' and f'', and a per-call timer.

Instructor only: never released.

The expected counts are adlab's own: this key builds each function again here, in the
grader's process, and traces f, adlab.grad(f) and adlab.grad(adlab.grad(f)) with adlab.trace.
The hidden functions are plain data, ``{"steps": [[op, constant], ...], "x": point}``: start
from v = x and apply each step to v (``scale``: c * v, ``shift``: v + c, ``times_x``: v * x,
``plus_x``: v + x, ``square``: v * v, else the adlab function of that name). `_build` is the
same code as in the notebook's hidden test, so both sides trace the same operations.

The timer is judged by the facts the test cell recorded: how many times f was called, that the
answer is a float, and the time per call of a function that sleeps 10 ms.
"""

import math

import adlab
from adlab.autograde.key import BadAnswer, Verdict, share

UNARY = ("sin", "cos", "exp", "tanh")
BINARY_WITH_X = ("times_x", "plus_x")
SLEEP_BOUNDS = (0.009, 0.06)    # seconds per call of a function that sleeps 10 ms


def _build(steps):
    """The function x -> v that starts from v = x and applies each step to v in turn."""
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


def _atom(e):
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


def describe(steps):
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


def _value(steps, x):
    """f(x) in math, inf when a step overflows."""
    v = x
    try:
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
                v = getattr(math, op)(v)
    except (OverflowError, ValueError):
        return math.inf
    return v


def _random_steps(rng):
    """Three to five steps, at least two of them sin, cos, exp or tanh, and one using x again."""
    while True:
        n = int(rng.integers(3, 6))
        steps = []
        for _ in range(n):
            r = rng.random()
            if r < 0.45:
                steps.append([UNARY[int(rng.integers(len(UNARY)))], None])
            elif r < 0.6:
                steps.append(["scale", round(float(rng.uniform(0.5, 2.0)), 2)
                              * (1 if rng.random() < 0.7 else -1)])
            elif r < 0.7:
                steps.append(["shift", round(float(rng.uniform(-1.5, 1.5)), 2)])
            elif r < 0.9:
                steps.append([BINARY_WITH_X[int(rng.integers(2))], None])
            else:
                steps.append(["square", None])
        ops = [op for op, _ in steps]
        if (sum(op in UNARY for op in ops) >= 2 and any(op in BINARY_WITH_X for op in ops)
                and ops[0] != "scale"):
            return steps


def inputs(rng):
    cases = []
    while len(cases) < 4:
        steps = _random_steps(rng)
        x = round(float(rng.uniform(0.2, 2.0)), 3)
        if abs(_value(steps, x)) < 1e3:
            cases.append({"steps": steps, "x": x})
    return {"q1-sin-x": round(float(rng.uniform(0.2, 3.0)), 3),
            "q1-functions": cases,
            "q1-repeat": int(rng.integers(3, 13))}


def counts(f, x):
    """(n0, n1, n2): adlab's operation counts for f, f' and f'' at x."""
    first = adlab.grad(f)
    return tuple(adlab.trace(g, x).count() for g in (f, first, adlab.grad(first)))


def _as_counts(got, what):
    """GOT as a tuple of three ints, or BadAnswer saying what it is instead."""
    if (not isinstance(got, list) or len(got) != 3
            or not all(isinstance(c, int) and not isinstance(c, bool) for c in got)):
        raise BadAnswer(f"{what} should be a tuple of three whole numbers (n0, n1, n2), "
                        f"got {str(got)[:80]}")
    return tuple(got)


def _compare(what, got, want):
    """A verdict on one triple of counts, with a hint for the common mistakes."""
    if got == want:
        return Verdict(1.0, f"{what}: {got} is right")
    if got[0] != want[0]:
        hint = (" (the input was counted too: count() leaves inputs out)"
                if got[0] == want[0] + 1 else "")
        return Verdict(0.0, f"{what}: you give {got}, adlab's trace gives {want}; n0, the "
                            f"operations of f itself, is wrong{hint}")
    if got[2] == got[1]:
        return Verdict(0.0, f"{what}: you give {got}, adlab's trace gives {want}; your n2 "
                            f"equals n1, so f'' was not traced: f'' is "
                            f"adlab.grad(adlab.grad(f))")
    return Verdict(0.0, f"{what}: you give {got}, adlab's trace gives {want}")


def check_sin(answers):
    x = answers.inputs["q1-sin-x"]
    parts = [_compare("sin at x = 1", _as_counts(answers.get("q1-counts-sin"), "the counts"),
                      counts(adlab.sin, 1.0)),
             _compare(f"sin at x = {x:g}",
                      _as_counts(answers.get("q1-counts-sin-hidden"), "the counts"),
                      counts(adlab.sin, x))]
    if all(p.fraction == 1 for p in parts):
        return Verdict(1.0, f"the counts for sin are right: {counts(adlab.sin, 1.0)}")
    return Verdict(0.0, "\n".join(p.message for p in parts if p.fraction < 1))


def check_functions(answers):
    cases = answers.inputs["q1-functions"]
    visible = _compare("exp(x) * x + tanh(x) at x = 0.5",
                       _as_counts(answers.get("q1-counts-visible"), "the counts"),
                       counts(lambda x: adlab.exp(x) * x + adlab.tanh(x), 0.5))
    got = answers.get("q1-counts-hidden")
    if not isinstance(got, list) or len(got) != len(cases):
        raise BadAnswer(f"q1-counts-hidden should hold {len(cases)} results, got "
                        f"{str(got)[:80]}")
    parts = []
    for case, g in zip(cases, got):
        what = f"f(x) = {describe(case['steps'])} at x = {case['x']:g}"
        if isinstance(g, str):
            parts.append(Verdict(0.0, f"{what}: operation_counts raised {g}"))
            continue
        try:
            mine = _as_counts(g, what)
        except BadAnswer as err:
            parts.append(Verdict(0.0, str(err)))
            continue
        parts.append(_compare(what, mine, counts(_build(case["steps"]), case["x"])))
    if visible.fraction < 1:   # the visible check should have stopped the cell
        return Verdict(0.0, visible.message)
    return share(parts)


def _seconds(value, what):
    if not isinstance(value, float) or not math.isfinite(value) or value < 0:
        raise BadAnswer(f"{what} should be a float, a number of seconds >= 0, got "
                        f"{str(value)[:80]}")
    return value


def check_time(answers):
    facts = answers.get("q1-time")
    if not isinstance(facts, dict) or not {"calls", "fast", "sleepy"} <= set(facts):
        raise BadAnswer(f"q1-time should hold the calls and the two times, got "
                        f"{str(facts)[:80]}")
    repeat = answers.inputs["q1-repeat"]
    hidden = answers.get("q1-time-hidden")
    if facts["calls"] != 7:
        return Verdict(0.0, f"seconds_per_call(f, x, repeat=7) called f {facts['calls']} "
                            f"times, not 7")
    if hidden != repeat:
        return Verdict(0.0, f"seconds_per_call(f, x, repeat={repeat}) called f {hidden} times, "
                            f"not {repeat}")
    _seconds(facts["fast"], "the time per call")
    t = _seconds(facts["sleepy"], "the time per call")
    low, high = SLEEP_BOUNDS
    if not low <= t < high:
        return Verdict(0.0, f"a function that sleeps 10 ms measured {t:.4g} s per call, not "
                            f"between {low:g} and {high:g} s: return the time of one call in "
                            f"seconds")
    return Verdict(1.0, f"f is called exactly repeat times, and a 10 ms function measures "
                        f"{t * 1e3:.1f} ms per call")


CHECKS = {
    "q1-counts-check": check_sin,
    "q1-counts-hidden": check_functions,
    "q1-time-check": check_time,
}
