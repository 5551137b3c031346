"""Key for q2_backward_twice: the error of a second backward(), and accumulation in .grad.

Instructor only: never released.

The expected error is the one adlab raises when this key runs y.backward() twice itself, in
the grader's process: a RuntimeError, with adlab's message. The gradients are closed forms:
y = 2 x.x has gradient 4x, so x.grad is 8x after two backward() calls that both add into it,
and 4x when it is reset between them. All factors are powers of 2, so the exact answers are
exact in floating point; the tolerance is 1e-12 relative all the same.
"""

import numpy as np

import adlab
from adlab.autograde.key import BadAnswer, Verdict, close, every


def inputs(rng):
    def vector(n):
        return [round(float(v), 6) for v in rng.normal(size=n) * rng.choice([1.0, 10.0])]

    return {"q2-error-x": vector(int(rng.integers(2, 7))),
            "q2-retain-xs": [vector(int(rng.integers(2, 8))) for _ in range(2)],
            "q2-zero-xs": [vector(int(rng.integers(2, 8))) for _ in range(2)]}


def adlab_error(x0):
    """The exception adlab raises at a second backward() through the graph of 2 x.x."""
    x = adlab.tensor(np.asarray(x0, dtype=float), requires_grad=True)
    y = 2 * adlab.dot(x, x)
    y.backward()
    try:
        y.backward()
    except Exception as err:
        return err
    raise AssertionError("adlab no longer raises at a second backward(): update this key")


def _error_verdict(what, got, x0):
    want = adlab_error(x0)
    if (not isinstance(got, dict) or not isinstance(got.get("types"), list)
            or not isinstance(got.get("message"), str)):
        raise BadAnswer(f"{what}: the record should describe the exception, got {str(got)[:80]}")
    if got.get("exception") is not True:
        return Verdict(0.0, f"{what}: second_backward_error returned {got['message'][:100]!r}, "
                            f"not an exception object")
    name = type(want).__name__
    if name not in got["types"]:
        return Verdict(0.0, f"{what}: you returned a {got['types'][0]}; adlab raises a {name}")
    if got["message"] != str(want):
        return Verdict(0.0, f"{what}: the exception's message is {got['message'][:200]!r}, not "
                            f"adlab's: {str(want)!r}")
    return Verdict(1.0, f"{what}: adlab's {name}")


def check_error(answers):
    x = answers.inputs["q2-error-x"]
    return every([_error_verdict("for x0 = (0, 1, 2, 3)", answers.get("q2-error"), np.arange(4.0)),
                  _error_verdict(f"for another x0 of length {len(x)}",
                                 answers.get("q2-error-hidden"), x)],
                 ok="the exception is adlab's RuntimeError, whose message names retain_graph")


def _gradients(answers, name, hidden, factor, label, hint):
    """Every recorded gradient against factor * x0 (visible x0 = 0, 1, 2, 3, then hidden)."""
    xs = answers.inputs[hidden.replace("-hidden", "-xs")]
    got = answers.get(hidden)
    if not isinstance(got, list) or len(got) != len(xs):
        raise BadAnswer(f"{hidden} should hold {len(xs)} gradients, got {str(got)[:80]}")
    verdicts = [close(f"{label}(np.arange(4.0))", answers.get(name), factor * np.arange(4.0))]
    for x, g in zip(xs, got):
        v = close(f"{label} for a hidden x0 of length {len(x)}", g, factor * np.asarray(x))
        if v.fraction < 1:
            other = 8 if factor == 4 else 4
            try:
                if np.allclose(np.asarray(g, dtype=float), other * np.asarray(x), rtol=1e-12):
                    v = Verdict(0.0, f"{label} gives {other}x, not {factor}x: {hint}")
            except (TypeError, ValueError):
                pass
        verdicts.append(v)
    return every(verdicts, ok=f"{label} gives {factor}x, also for other x0")


def check_retain(answers):
    return _gradients(answers, "q2-retain", "q2-retain-hidden", 8,
                      "gradient_after_two_backwards",
                      "the second call must add its 4x to what the first left in x.grad")


def check_zero(answers):
    return _gradients(answers, "q2-zero", "q2-zero-hidden", 4, "gradient_of_second_call",
                      "reset x.grad with x.grad.zero_() between the two calls")


CHECKS = {
    "q2-error-check": check_error,
    "q2-retain-check": check_retain,
    "q2-zero-check": check_zero,
}
