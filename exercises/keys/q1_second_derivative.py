"""Key for q1_second_derivative: operation counts of f, f' and f'', and a per-call timer.

Instructor only: never released.

The expected counts are adlab's own: this key builds each function again here, in the
grader's process, and traces f, adlab.grad(f) and adlab.grad(adlab.grad(f)) with adlab.trace.
The hidden functions are plain data, ``{"steps": [[op, constant], ...], "x": point}``
(adlab.autograde.programs); `adlab.exercise.program` builds them with adlab here and in the
notebook's hidden test, so both sides trace the same operations.

The timer is judged by the facts the test cell recorded: how many times f was called, that the
answer is a float, and the time per call of a function that sleeps 10 ms.
"""

import math

import adlab
from adlab.autograde.key import BadAnswer, Verdict, share
from adlab.autograde.programs import describe, random_steps
from adlab.autograde.programs import value as f_value
from adlab.exercise import program

SLEEP_BOUNDS = (0.009, 0.06)    # seconds per call of a function that sleeps 10 ms


def inputs(rng):
    cases = []
    while len(cases) < 4:
        steps = random_steps(rng)
        x = round(float(rng.uniform(0.2, 2.0)), 3)
        if abs(f_value(steps, x)) < 1e3:
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
        parts.append(_compare(what, mine, counts(program(case["steps"]), case["x"])))
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
