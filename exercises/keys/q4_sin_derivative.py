"""Key for q4_sin_derivative: values and derivatives of any adlab function by AD, and the plot.

Instructor only: never released.

The old rule "do not call cos" is graded by what it means: `values_and_derivatives(f, xs)`
must differentiate whatever function it is given, so it is checked on sin at other points and
on four hidden functions where knowing that sin' = cos does not help. Each hidden function is
plain data, ``{"steps": [[op, constant], ...], "xs": points}``: start from v = x and apply each
step to v (``scale``: c * v, ``shift``: v + c, ``times_x``: v * x, ``plus_x``: v + x,
``square``: v * v, else sin, cos, exp or tanh of v). The notebook's hidden test builds it with
adlab; this key computes f and f' with ``math``, by forward mode over the steps. A derivative
is right when it is within 1e-12 of its scale (the sum over paths of the products of |local
derivatives|), widened by how far f' moves when an intermediate value or local derivative is
off by 1e-12 relative (rounding that any exact method shares). A central difference with its
best step is off by about 1e-11 relative, and fails.

The plot is judged by the curves the test cell read from the figure: their labels, x data and
y data, and whether the axes have a legend. The derivative curve is compared loosely (1e-6),
so that an inexact derivative costs the points of Q4.1 and not those of the plot as well.
"""

import math

import numpy as np

from adlab.autograde.key import BadAnswer, Verdict, close, share
from adlab.autograde.programs import describe, forward, random_steps

VISIBLE_XS = np.linspace(-2 * np.pi, 2 * np.pi, 9)
PLOT_XS = np.linspace(-2 * np.pi, 2 * np.pi, 200)
RTOL = 1e-12


# -- the hidden functions -----------------------------------------------------------------


def evaluate(steps, x):
    """(f(x), f'(x), tolerance on f'(x), largest |intermediate value|) by forward mode.

    The tolerance is RTOL times the scale of f'(x) (the sum over paths of the products of
    |local derivatives|), plus how much f'(x) moves when any intermediate value, or local
    derivative, is off by RTOL relative: rounding in those (1 - tanh^2 near 1, cos near a
    zero) is the price of any exact method, not a mistake.
    """
    v, dv, s, big = forward(steps, x)
    tol = RTOL * s
    delta = 1e-8
    for k in range(len(steps)):
        for dvalue, dlocal in ((delta, 0.0), (0.0, delta)):
            moved = forward(steps, x, k, dvalue, dlocal)[1]
            tol += abs(moved - dv) / delta * RTOL
    return v, dv, tol, big


def _tame(steps, xs):
    """Whether every intermediate value stays below 20 and f' below 1000 at XS."""
    try:
        for x in xs:
            _, dv, s, big = forward(steps, x)
            if big > 20 or abs(dv) > 1e3 or s > 1e4:
                return False
    except (OverflowError, ValueError):
        return False
    return True


def inputs(rng):
    functions = []
    while len(functions) < 4:
        steps = random_steps(rng)
        xs = sorted(round(float(x), 6) for x in rng.uniform(-2.0, 2.0, 40))
        if _tame(steps, xs):
            functions.append({"steps": steps, "xs": xs})
    lo = round(float(rng.uniform(-8.0, -1.0)), 3)
    return {"q4-sin-xs": sorted(round(float(x), 6) for x in rng.uniform(-10.0, 10.0, 200)),
            "q4-functions": functions,
            "q4-plot-range": [lo, round(lo + float(rng.uniform(2.0, 10.0)), 3),
                              int(rng.integers(50, 150))]}


# -- judging values and derivatives ----------------------------------------------------------


def _pair(got, n, what):
    """GOT as two float arrays of length N, or BadAnswer / the message of what it raised."""
    if isinstance(got, str):
        return None, f"{what}: values_and_derivatives raised {got}"
    if not isinstance(got, list) or len(got) != 2:
        return None, f"{what}: values_and_derivatives should return a pair (ys, dys), got " \
                     f"{str(got)[:80]}"
    try:
        ys, dys = (np.asarray(part, dtype=float) for part in got)
    except (TypeError, ValueError):
        return None, f"{what}: ys and dys should be numbers, got {str(got)[:80]}"
    if ys.shape != (n,) or dys.shape != (n,):
        return None, f"{what}: ys and dys should have the shape of xs, ({n},); they have " \
                     f"shapes {ys.shape} and {dys.shape}"
    return (ys, dys), None


def judge(what, got, xs, f_values, derivatives, tolerances):
    """A verdict on one function at XS, with the expected values, derivatives and tolerances."""
    pair, problem = _pair(got, len(xs), what)
    if problem:
        return Verdict(0.0, problem)
    ys, dys = pair
    want_y, want_d, tol = (np.asarray(a, dtype=float)
                           for a in (f_values, derivatives, tolerances))
    bad_y = ~(np.abs(ys - want_y) <= RTOL * (np.abs(want_y) + 1.0))
    if bad_y.any():
        i = int(np.argmax(bad_y))
        return Verdict(0.0, f"{what}: the value at x = {xs[i]:.6g} is {ys[i]:.15g}, expected "
                            f"{want_y[i]:.15g}")
    bad = ~(np.abs(dys - want_d) <= tol + 1e-15)
    if not bad.any():
        return Verdict(1.0, f"{what}: right at all {len(xs)} points")
    i = int(np.argmax(bad))
    near = np.all(np.abs(dys - want_d) <= 1e-5 * (np.abs(want_d) + 1.0))
    why = (" Close but not exact at every point, as from a difference quotient: use AD."
           if near else "")
    return Verdict(0.0, f"{what}: {int(bad.sum())} of {len(xs)} derivatives are wrong; at "
                        f"x = {xs[i]:.6g} you give {dys[i]:.15g}, expected {want_d[i]:.15g}."
                        + why)


def _sin_verdict(what, got, xs):
    xs = [float(x) for x in xs]
    return judge(what, got, xs, [math.sin(x) for x in xs], [math.cos(x) for x in xs],
                 [RTOL] * len(xs))


def _g(x):
    t = math.tanh(x)
    return x * t + math.exp(-x * x), t + x * (1 - t * t) - 2 * x * math.exp(-x * x)


def _g_scale(x):
    t = math.tanh(x)
    return abs(t) + abs(x) * (1 - t * t) + 2 * abs(x) * math.exp(-x * x)


def check_values(answers):
    visible = [_sin_verdict("sin at the 9 points of the check", answers.get("q4-sin"),
                            VISIBLE_XS),
               judge("g at the 9 points of the check", answers.get("q4-g"), VISIBLE_XS,
                     [_g(x)[0] for x in VISIBLE_XS], [_g(x)[1] for x in VISIBLE_XS],
                     [RTOL * _g_scale(x) for x in VISIBLE_XS])]
    for v in visible:           # the visible checks should have stopped the cell
        if v.fraction < 1:
            return v
    parts = [_sin_verdict("sin at 200 other points", answers.get("q4-sin-hidden"),
                          answers.inputs["q4-sin-xs"])]
    cases = answers.inputs["q4-functions"]
    got = answers.get("q4-functions")
    if not isinstance(got, list) or len(got) != len(cases):
        raise BadAnswer(f"q4-functions should hold {len(cases)} answers, got {str(got)[:80]}")
    for case, g in zip(cases, got):
        rows = [evaluate(case["steps"], x) for x in case["xs"]]   # (f, f', tolerance, _)
        parts.append(judge(f"f(x) = {describe(case['steps'])}", g, case["xs"],
                           [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]))
    return share(parts)


# -- judging the plot ---------------------------------------------------------------------------


def _plot_verdict(what, facts, xs):
    if not isinstance(facts, dict) or not isinstance(facts.get("figure"), bool):
        raise BadAnswer(f"{what}: the record should describe the figure, got {str(facts)[:80]}")
    if not facts["figure"]:
        return Verdict(0.0, f"{what}: plot_sin_and_derivative returned a {facts.get('type')}, "
                            f"not a matplotlib figure")
    curves = facts.get("curves")
    if not isinstance(curves, dict):
        raise BadAnswer(f"{what}: the record has no curves")
    for label in ("sin", "derivative by AD"):
        if label not in curves:
            return Verdict(0.0, f"{what}: no curve is labelled {label!r}; the labels are "
                                f"{sorted(curves)}")
    if facts.get("legend") is not True:
        return Verdict(0.0, f"{what}: the axes have no legend")
    for label, want, tol in (("sin", np.sin(xs), 1e-12), ("derivative by AD", np.cos(xs), 1e-6)):
        data = curves[label]
        if not isinstance(data, list) or len(data) != 2:
            raise BadAnswer(f"{what}: the curve {label!r} should be [x data, y data]")
        for v in (close(f"{what}: the x data of the curve {label!r}", data[0], xs),
                  close(f"{what}: the curve {label!r}", data[1], want, rtol=0, atol=tol)):
            if v.fraction < 1:
                return v
    return Verdict(1.0, f"{what}: both curves, labelled, with a legend")


def check_plot(answers):
    lo, hi, n = answers.inputs["q4-plot-range"]
    parts = [_plot_verdict("the plot for the xs of the check", answers.get("q4-plot"), PLOT_XS),
             _plot_verdict(f"the plot for {n} points from {lo:g} to {hi:g}",
                           answers.get("q4-plot-hidden"), np.linspace(lo, hi, n))]
    for v in parts:
        if v.fraction < 1:
            return v
    return Verdict(1.0, "both curves are drawn against xs, labelled, with a legend")


CHECKS = {
    "q4-values-check": check_values,
    "q4-plot-check": check_plot,
}
