"""Key for q8_forward_or_reverse: passes and mode by (n, m), the Jacobian built by columns and by
rows with the counts of passes and of runs of f, and the number of values reverse mode stores.
Instructor only: never released.

Q8.1: passes(n, m) must be {"forward": n, "reverse": m} and choose_mode(n, m) "forward" when
n <= m, else "reverse", for the visible cases and for hidden shapes (ties and n = m +- 1
included); each function earns half the points.
Q8.2: J is compared with the closed forms diag(1 - tanh^2(A x0)) A (the visible g) and
diag(cos(B x)) B (a hidden B of shape m x n with m != n, at a hidden x), to 1e-12 relative: a
central difference, even with its best step, is off by about 1e-10. By columns: n JVPs and n
runs of f; by rows: m calls of vjp_fn and one run of f.
Q8.3: stored_values is the number of operations: k for a chain of k tanh (hidden k too), 2 for
g (a matmul and a tanh), 3 for sin(x) * x + x.
"""

import math

import numpy as np

from adlab.autograde.key import BadAnswer, Verdict, close, every, share

A = np.array([[1.0, -2.0, 0.5, 0.0], [0.3, 0.0, 1.0, -1.0]])
X0 = np.array([0.1, 0.2, -0.3, 0.4])


def inputs(rng):
    """Shapes for Q8.1; B (m x n, m != n) and x for Q8.2; chain lengths for Q8.3."""
    shapes = [[int(n), int(m)] for n, m in rng.integers(1, 60, size=(4, 2))]
    k = int(rng.integers(2, 9))
    shapes += [[k, k], [k + 1, k], [k, k + 1], [1, 1]]
    order = rng.permutation(len(shapes))
    n = int(rng.integers(2, 5))
    m = int(rng.choice([d for d in range(2, 7) if d != n]))
    return {"q8-shapes": [shapes[int(i)] for i in order],
            "q8-B": rng.normal(size=(m, n)).round(6).tolist(),
            "q8-x": rng.uniform(-0.5, 0.5, size=n).round(6).tolist(),
            "q8-chains": [int(k) for k in rng.integers(3, 40, size=3)]}


def _mode(n, m):
    return "forward" if n <= m else "reverse"


def _count(v):
    """V as an int when it is a whole number, else None."""
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        return None
    return int(v) if v == int(v) else None


def _passes_equal(got, n, m):
    return (isinstance(got, dict) and set(got) == {"forward", "reverse"}
            and _count(got["forward"]) == n and _count(got["reverse"]) == m)


# -- Q8.1 ----------------------------------------------------------------------------------------


def check_passes(answers):
    visible = answers.get("q8-passes-visible")
    hidden = answers.get("q8-passes-hidden")
    shapes = answers.inputs["q8-shapes"]
    if not isinstance(visible, list) or len(visible) != 3:
        raise BadAnswer("the visible cases were not recorded as three answers")
    if not isinstance(hidden, list) or len(hidden) != len(shapes) \
            or not all(isinstance(h, list) and len(h) == 2 for h in hidden):
        raise BadAnswer("the hidden shapes gave no list of (passes, mode) answers")
    cases = [((3, 1), visible[0], None), ((1, 1000), None, visible[1]),
             ((10 ** 6, 1), None, visible[2])]
    cases += [((n, m), p, c) for (n, m), (p, c) in zip(shapes, hidden)]
    verdicts = []
    bad = [(n, m, p) for (n, m), p, _ in cases if p is not None and not _passes_equal(p, n, m)]
    if bad:
        n, m, p = bad[0]
        turned = isinstance(p, dict) and _passes_equal(
            {"forward": p.get("reverse"), "reverse": p.get("forward")}, n, m)
        swapped = " (forward and reverse swapped)" if turned else ""
        verdicts.append(Verdict(0.0, f"passes({n}, {m}) is {str(p)[:60]}, expected "
                                     f"{{'forward': {n}, 'reverse': {m}}}{swapped}: one JVP "
                                     f"per input, one VJP per output"))
    else:
        verdicts.append(Verdict(1.0, "passes is right for every shape"))
    bad = [(n, m, c) for (n, m), _, c in cases if c is not None and c != _mode(n, m)]
    if bad:
        n, m, c = bad[0]
        tie = " (on a tie choose forward: it stores nothing)" if n == m else ""
        verdicts.append(Verdict(0.0, f"choose_mode({n}, {m}) is {str(c)[:30]!r}, expected "
                                     f"{_mode(n, m)!r}{tie}"))
    else:
        verdicts.append(Verdict(1.0, "choose_mode is right for every shape, ties included"))
    return share(verdicts)


# -- Q8.2 ----------------------------------------------------------------------------------------


def _jacobian_verdict(answers, name, by):
    B = np.array(answers.inputs["q8-B"])
    x = np.array(answers.inputs["q8-x"])
    cases = [("g = tanh(A x) at x0", answers.get(f"{name}-visible"),
              (1 - np.tanh(A @ X0) ** 2)[:, None] * A),
             ("sin(B x) at a hidden x", answers.get(f"{name}-hidden"),
              np.cos(B @ x)[:, None] * B)]
    verdicts = []
    for label, got, J in cases:
        m, n = J.shape
        if not isinstance(got, dict):
            raise BadAnswer(f"jacobian_by_{by}: nothing usable was recorded for {label}")
        have = got.get("J")
        if np.shape(have) == (n, m) and m != n:
            axis = "columns along axis 1" if by == "columns" else "rows along axis 0"
            verdicts.append(Verdict(0.0, f"jacobian_by_{by} for {label}: J has shape {(n, m)}, "
                                         f"n x m; it should be m x n = {m} x {n} (stack the "
                                         f"{axis})"))
            continue
        v = close(f"jacobian_by_{by}: J of {label}", have, J)
        passes, runs = (n, n) if by == "columns" else (m, 1)
        if v.fraction == 1 and _count(got.get("count")) != passes:
            v = Verdict(0.0, f"jacobian_by_{by} for {label} (n = {n}, m = {m}): you counted "
                             f"{got.get('count')!r} passes, expected {passes}: one "
                             f"{'JVP per input' if by == 'columns' else 'VJP per output'}")
        if v.fraction == 1 and _count(got.get("calls")) != runs:
            v = Verdict(0.0, f"jacobian_by_{by} for {label} (n = {n}, m = {m}): f ran "
                             f"{got.get('calls')!r} times, expected {runs}" + (
                                 ": one run per JVP" if by == "columns" else
                                 ": adlab.vjp runs f once, and vjp_fn reuses that run"))
        verdicts.append(v)
    return every(verdicts, f"jacobian_by_{by}: J to 12 digits and the counts are right, for g "
                           f"and for sin(B x) with a hidden B")


def check_columns(answers):
    return _jacobian_verdict(answers, "q8-columns", "columns")


def check_rows(answers):
    return _jacobian_verdict(answers, "q8-rows", "rows")


# -- Q8.3 ----------------------------------------------------------------------------------------


def check_memory(answers):
    visible = answers.get("q8-memory-visible")
    hidden = answers.get("q8-memory-hidden")
    chains = list(answers.inputs["q8-chains"])
    if not isinstance(visible, list) or len(visible) != 3:
        raise BadAnswer(f"stored_values gave {str(visible)[:80]} on the visible chains")
    if not isinstance(hidden, list) or len(hidden) != 2 + len(chains):
        raise BadAnswer(f"stored_values gave {str(hidden)[:80]} on the hidden functions")
    cases = [(f"a chain of {k} tanh", got, k) for k, got in zip((1, 2, 10), visible)]
    cases += [("g (a matmul and a tanh)", hidden[0], 2), ("sin(x) * x + x", hidden[1], 3)]
    cases += [(f"a chain of {k} tanh", got, k) for k, got in zip(chains, hidden[2:])]
    for what, got, want in cases:
        if _count(got) != want:
            extra = " (the input is not an operation)" if _count(got) == want + 1 else ""
            return Verdict(0.0, f"stored_values for {what} is {got!r}, expected {want}: one "
                                f"value per operation of the trace{extra}")
    return Verdict(1.0, "stored_values counts the operations of the trace, for chains, for g "
                        "and for sin(x) * x + x")


CHECKS = {"q8-passes-check": check_passes, "q8-columns-check": check_columns,
          "q8-rows-check": check_rows, "q8-memory-check": check_memory}
