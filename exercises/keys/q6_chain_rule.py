"""Key for q6_chain_rule: the primal values, the chain-rule factor on each edge and df/dx of
f(x) = log(x^2) sin x + 1/x, as functions of x. Instructor only: never released.

The rows are adlab's: v0 = x, v1 = v0^2, v2 = log v1, v3 = sin v0, v4 = v2 v3, v5 = 1/v0,
v6 = v4 + v5. Each function is recorded at x = 2 and at four hidden points (two negative) and
compared with the closed forms below, to 1e-12 relative (absolute below 1): a central
difference, even with its best step, is off by about 1e-10. Q6.2 is right when the edges are
exactly f's eight (a missing, extra or turned edge is named) and every factor is right at
every point. The feedback shows adlab's own trace and graph (with its factors at x = 2) after
grading.
"""

import math

from adlab.autograde.key import BadAnswer, Verdict, every

POINT = 2.0
RTOL = 1e-12
RULES = {(0, 1): "d(v0^2)/dv0 = 2 v0", (1, 2): "d(log v1)/dv1 = 1/v1",
         (0, 3): "d(sin v0)/dv0 = cos v0", (2, 4): "d(v2 v3)/dv2 = v3",
         (3, 4): "d(v2 v3)/dv3 = v2", (0, 5): "d(1/v0)/dv0 = -1/v0^2",
         (4, 6): "d(v4 + v5)/dv4 = 1", (5, 6): "d(v4 + v5)/dv5 = 1"}


def inputs(rng):
    """Four hidden points: two in (0.3, 6) and two in (-6, -0.3)."""
    xs = list(rng.uniform(0.3, 6.0, 2)) + list(-rng.uniform(0.3, 6.0, 2))
    return {"q6-xs": [round(float(x), 6) for x in xs]}


# -- closed forms ----------------------------------------------------------------------------


def primals(x):
    return [x, x * x, math.log(x * x), math.sin(x), math.log(x * x) * math.sin(x), 1 / x,
            math.log(x * x) * math.sin(x) + 1 / x]


def factors(x):
    return {(0, 1): 2 * x, (1, 2): 1 / (x * x), (0, 3): math.cos(x), (2, 4): math.sin(x),
            (3, 4): math.log(x * x), (0, 5): -1 / (x * x), (4, 6): 1.0, (5, 6): 1.0}


def dfdx(x):
    return 2 * math.sin(x) / x + math.log(x * x) * math.cos(x) - 1 / (x * x)


# -- reading the records ---------------------------------------------------------------------


def _number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _ok(got, want):
    return _number(got) and abs(got - want) <= RTOL * max(1.0, abs(want))


def _points(answers, name):
    """[(x, recorded answer)] at x = 2 and at the hidden points."""
    xs = answers.inputs["q6-xs"]
    hidden = answers.get(f"q6-{name}-hidden")
    if not isinstance(hidden, list) or len(hidden) != len(xs):
        raise BadAnswer(f"q6-{name}-hidden should hold {len(xs)} answers, got {str(hidden)[:80]}")
    return [(POINT, answers.get(f"q6-{name}-at-2"))] + list(zip(xs, hidden))


def _factor_dict(data, x):
    """{(j, i): value} from the recorded list of [[j, i], value]."""
    out = {}
    if not isinstance(data, list):
        raise BadAnswer(f"edge_factors({x:g}) is not a dict from (j, i) to a number")
    for item in data:
        if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], list)
                and len(item[0]) == 2 and all(isinstance(k, int) for k in item[0])):
            raise BadAnswer(f"edge_factors({x:g}) has the entry {str(item)[:60]}; the keys "
                            f"should be pairs (j, i) of row numbers")
        out[tuple(item[0])] = item[1]
    return out


def _adlab_html():
    """adlab's primal table and graph (factors on the edges) of f at x = 2."""
    import adlab

    def f(x):
        return adlab.log(x ** 2) * adlab.sin(x) + 1 / x

    trace = adlab.trace(f, POINT)
    try:
        svg = trace.graph().pipe(format="svg").decode("utf-8")
        svg = svg[svg.find("<svg"):]
    except Exception:       # no Graphviz binary
        svg = ""
    return (f"<p>adlab's trace of f at x = {POINT:g}, and its graph with the factor "
            f"dv_i/dv_j on each edge:</p>" + trace.table("primal").html() + svg)


# -- the checks ------------------------------------------------------------------------------


def check_primals(answers):
    verdicts = []
    for x, got in _points(answers, "primals"):
        want = primals(x)
        if not isinstance(got, list) or len(got) != 7:
            verdicts.append(Verdict(0.0, f"primals({x:g}) should be a list of 7 numbers"))
            continue
        bad = [i for i in range(7) if not _ok(got[i], want[i])]
        verdicts.append(Verdict(0.0 if bad else 1.0, "" if not bad else (
            f"primals({x:g}) is wrong in v{bad[0]}: {got[bad[0]]!r}, expected "
            f"{want[bad[0]]:.15g}" + (" (log(x^2) is defined for x < 0 too: log of the square, "
                                      "not 2 log x or log |x| computed another way)"
                                      if bad[0] in (2, 4, 6) and x < 0 else ""))))
    return every(verdicts, "primals is right at x = 2 and at the hidden points, negative "
                           "ones included")


def check_factors(answers):
    html = _adlab_html()
    for x, data in _points(answers, "factors"):
        have, want = _factor_dict(data, x), factors(x)
        missing = sorted(set(want) - set(have))
        extra = sorted(set(have) - set(want))
        if extra:
            j, i = extra[0]
            turned = " (the edge is the wrong way round)" if (i, j) in want else ""
            return Verdict(0.0, f"({j}, {i}) is not an edge of f's graph{turned}; f's edges "
                                f"are {sorted(want)}", html)
        if missing:
            return Verdict(0.0, f"the edge {missing[0]} is missing; f's edges are "
                                f"{sorted(want)}", html)
        for e in sorted(want):
            if not _ok(have[e], want[e]):
                sign = " (the sign is wrong)" if _ok(-have[e], want[e]) else ""
                return Verdict(0.0, f"the factor on the edge {e} is wrong at x = {x:g}: "
                                    f"{have[e]!r}, expected {want[e]:.15g}{sign}; "
                                    f"{RULES[e]}", html)
    return Verdict(1.0, "every edge and every factor is right, at x = 2 and at the hidden "
                        "points", html)


def check_dfdx(answers):
    verdicts = []
    for x, got in _points(answers, "dfdx"):
        want = dfdx(x)
        if _ok(got, want):
            verdicts.append(Verdict(1.0, ""))
            continue
        e = factors(x)
        paths = {"through log(x^2)": e[(0, 1)] * e[(1, 2)] * e[(2, 4)],
                 "through sin x": e[(0, 3)] * e[(3, 4)], "through 1/x": e[(0, 5)]}
        hint = ""
        for name, value in paths.items():
            if _number(got) and abs(got - (want - value)) <= RTOL * max(1.0, abs(want)):
                hint = f": the path {name} is missing from the sum"
        if not hint and _number(got) and abs(got - want) < 1e-5 * max(1.0, abs(want)):
            hint = ": close, but not to 12 digits, as a difference quotient would be"
        verdicts.append(Verdict(0.0, f"dfdx({x:g}) is {got!r}, expected {want:.15g}{hint}"))
    return every(verdicts, "df/dx is right at x = 2 and at the hidden points: the sum over "
                           "the three paths from v0 to v6")


CHECKS = {"q6-primals-check": check_primals, "q6-factors-check": check_factors,
          "q6-dfdx-check": check_dfdx}
