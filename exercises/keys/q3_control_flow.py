"""Key for q3_control_flow: gradients of a function with a loop and a branch, for tensors.

Instructor only: never released.

The notebook's f doubles b = 2a until its norm reaches 1000 and multiplies by 100 when the sum
is not positive, so d = f(a) = k a with k = 2^j or 100 * 2^j, a number that does not change
when a moves a little. The key finds k by running the same loop in numpy; then the gradient of
the sum is k in every entry, the Jacobian is k I and v^T J is k v. The hidden inputs stay away
from the places where k jumps (a norm within 1e-9 of 1000 at some doubling, a sum near 0),
and some have an entry equal to 0, where d / a is not the derivative.
"""

import numpy as np

from adlab.autograde.key import BadAnswer, Verdict, close, share

VISIBLE_A = [0.3, -1.2, 0.5]
VISIBLE_V = [1.0, 2.0, -1.0]


def scale(a):
    """k with f(a) = k a, by the notebook's loop and branch (in numpy)."""
    b, k = 2 * np.asarray(a, dtype=float), 2.0
    while np.linalg.norm(b) < 1000:
        b, k = 2 * b, 2 * k
    return k if b.sum() > 0 else 100 * k


def _safe(a):
    """Whether k is far from a jump at A: no norm near 1000, no sum near 0."""
    b = 2 * np.asarray(a, dtype=float)
    if np.linalg.norm(b) == 0:
        return False
    while True:
        n = np.linalg.norm(b)
        if abs(n - 1000) < 1e-6 * 1000:
            return False
        if n >= 1000:
            break
        b = 2 * b
    return abs(b.sum()) > 1e-6 * np.linalg.norm(b)


def _array(rng, shape, factor=1.0, zero=False, negative=False):
    while True:
        a = np.round(rng.normal(size=shape) * factor, 6)
        if negative:
            a = -np.abs(a)
        if zero:
            a.flat[int(rng.integers(a.size))] = 0.0
        if _safe(a):
            return a.tolist()


def inputs(rng):
    return {
        "q3-sum-inputs": [_array(rng, (3, 4)), _array(rng, 5, negative=True),
                          _array(rng, (2, 2), factor=50.0), _array(rng, 4, zero=True),
                          _array(rng, 3, factor=600.0)],
        "q3-jacobian-inputs": [_array(rng, 5), _array(rng, 4, zero=True, negative=True)],
        "q3-weighted-inputs": [[_array(rng, (2, 3)), np.round(rng.normal(size=(2, 3)), 6).tolist()],
                               [_array(rng, 4, zero=True), np.round(rng.normal(size=4), 6).tolist()]],
    }


def _shape_of(a):
    shape = np.shape(a)
    if len(shape) == 1:
        return f"a vector of length {shape[0]}"
    return f"a {' x '.join(map(str, shape))} matrix" if len(shape) == 2 else f"an array {shape}"


def _describe(a):
    a = np.asarray(a)
    notes = []
    if (a == 0).any():
        notes.append("an entry is 0")
    if a.sum() <= 0:
        notes.append("the sum is not positive")
    return _shape_of(a) + (f" ({', '.join(notes)})" if notes else "")


def _hidden(answers, name, cases, expected, label, hint=""):
    """Share of the hidden CASES whose recorded answers equal EXPECTED(case)."""
    got = answers.get(name)
    if not isinstance(got, list) or len(got) != len(cases):
        raise BadAnswer(f"{name} should hold {len(cases)} answers, got {str(got)[:80]}")
    verdicts = []
    for case, g in zip(cases, got):
        a = case[0] if label == "weighted_gradient" else case
        what = f"{label} for {_describe(a)}"
        if isinstance(g, str):
            verdicts.append(Verdict(0.0, f"{what}: it raised {g}"))
            continue
        v = close(what, g, expected(case))
        if v.fraction < 1 and hint and (np.asarray(a) == 0).any():
            try:
                if not np.isfinite(np.asarray(g, dtype=float)).all():
                    v = Verdict(0.0, v.message + hint)
            except (TypeError, ValueError):
                pass
        verdicts.append(v)
    return share(verdicts)


DIVIDE_HINT = (": d / a is not defined where a is 0, but the derivative is; compute it by AD, "
               "not from the formula d / a")


def check_sum(answers):
    k = scale(VISIBLE_A)
    visible = close("gradient_of_sum(a0)", answers.get("q3-sum"), k * np.ones(3))
    if visible.fraction < 1:
        return visible
    return _hidden(answers, "q3-sum-hidden", answers.inputs["q3-sum-inputs"],
                   lambda a: scale(a) * np.ones(np.shape(a)), "gradient_of_sum", DIVIDE_HINT)


def check_jacobian(answers):
    k = scale(VISIBLE_A)
    visible = close("jacobian(a0)", answers.get("q3-jacobian"), k * np.eye(3))
    if visible.fraction < 1:
        return visible
    return _hidden(answers, "q3-jacobian-hidden", answers.inputs["q3-jacobian-inputs"],
                   lambda a: scale(a) * np.eye(len(a)), "jacobian", DIVIDE_HINT)


def check_weighted(answers):
    k = scale(VISIBLE_A)
    visible = close("weighted_gradient(a0, v)", answers.get("q3-weighted"),
                    k * np.asarray(VISIBLE_V))
    if visible.fraction < 1:
        return visible
    return _hidden(answers, "q3-weighted-hidden", answers.inputs["q3-weighted-inputs"],
                   lambda case: scale(case[0]) * np.asarray(case[1]), "weighted_gradient",
                   DIVIDE_HINT)


CHECKS = {
    "q3-sum-check": check_sum,
    "q3-jacobian-check": check_jacobian,
    "q3-weighted-check": check_weighted,
}
