"""Answers to q6_chain_rule for tests/test_exercises.py: written differently, and wrong."""

# -- written differently: must score full marks ------------------------------------------

DIFFERENT = {
    # named intermediate values, the factors filled in one by one from the primals, and df/dx
    # as the three path products written out
    "q6-code": '''
import math

def primals(x):
    square = x * x
    log_square = math.log(square)
    sine = math.sin(x)
    product = log_square * sine
    reciprocal = 1.0 / x
    return [x, square, log_square, sine, product, reciprocal, product + reciprocal]

def edge_factors(x):
    v = primals(x)
    out = {}
    out[(0, 1)] = 2.0 * v[0]
    out[(1, 2)] = 1.0 / v[1]
    out[(0, 3)] = math.cos(v[0])
    out[(2, 4)] = v[3]
    out[(3, 4)] = v[2]
    out[(0, 5)] = -(v[5] ** 2)
    out[(4, 6)] = out[(5, 6)] = 1.0
    return out
''',
    "q6-dfdx-code": '''
def dfdx(x):
    e = edge_factors(x)
    through_log = e[(0, 1)] * e[(1, 2)] * e[(2, 4)] * e[(4, 6)]
    through_sin = e[(0, 3)] * e[(3, 4)] * e[(4, 6)]
    through_reciprocal = e[(0, 5)] * e[(5, 6)]
    return through_log + through_sin + through_reciprocal
''',
}

_PRIMALS = '''
import math

def primals(x):
    v1 = x ** 2
    v2 = math.log(v1)
    v3 = math.sin(x)
    return [x, v1, v2, v3, v2 * v3, 1 / x, v2 * v3 + 1 / x]
'''


def _factors(**change):
    """edge_factors as in the reference, with the entries in CHANGE written differently."""
    rules = {"(0, 1)": "2 * v0", "(1, 2)": "1 / v1", "(0, 3)": "math.cos(v0)", "(2, 4)": "v3",
             "(3, 4)": "v2", "(0, 5)": "-1 / v0 ** 2", "(4, 6)": "1.0", "(5, 6)": "1.0"}
    rules.update(change)
    body = ", ".join(f"{k}: {v}" for k, v in rules.items() if v is not None)
    return _PRIMALS + f'''
def edge_factors(x):
    v0, v1, v2, v3, v4, v5, v6 = primals(x)
    return {{{body}}}
'''


# -- plausible wrong answers: (what, {solution cell: code}, test cells that must lose points) --

WRONG = [
    ("the sign of d(1/x)/dx", {"q6-code": _factors(**{"(0, 5)": "1 / v0 ** 2"})},
     {"q6-factors-check", "q6-dfdx-check"}),
    ("the derivative with respect to x, not v1: d log(x^2)/dx on the edge (1, 2)",
     {"q6-code": _factors(**{"(1, 2)": "2 / v0"})}, {"q6-factors-check", "q6-dfdx-check"}),
    ("the product rule's factors swapped", {"q6-code": _factors(**{"(2, 4)": "v2",
                                                                  "(3, 4)": "v3"})},
     {"q6-factors-check", "q6-dfdx-check"}),
    ("the edge (0, 5) left out: 1/x does not depend on x",
     {"q6-code": _factors(**{"(0, 5)": None})}, {"q6-factors-check", "q6-dfdx-check"}),
    ("a chain: sin reads log(x^2) instead of x", {"q6-code": _PRIMALS + '''
def edge_factors(x):
    v0, v1, v2, v3, v4, v5, v6 = primals(x)
    return {(0, 1): 2 * v0, (1, 2): 1 / v1, (2, 3): math.cos(v2), (2, 4): v3, (3, 4): v2,
            (0, 5): -1 / v0 ** 2, (4, 6): 1.0, (5, 6): 1.0}
'''}, {"q6-factors-check", "q6-dfdx-check"}),
    ("log(x) in place of log(x^2)", {"q6-code": '''
import math

def primals(x):
    v1 = x ** 2
    v2 = math.log(abs(x))
    v3 = math.sin(x)
    return [x, v1, v2, v3, v2 * v3, 1 / x, v2 * v3 + 1 / x]

def edge_factors(x):
    v0, v1, v2, v3, v4, v5, v6 = primals(x)
    return {(0, 1): 2 * v0, (1, 2): 1 / v1, (0, 3): math.cos(v0), (2, 4): v3, (3, 4): v2,
            (0, 5): -1 / v0 ** 2, (4, 6): 1.0, (5, 6): 1.0}
'''}, {"q6-primals-check", "q6-factors-check", "q6-dfdx-check"}),
    ("the rows numbered in another order: sin x as v2, the log as v3", {"q6-code": '''
import math

def primals(x):
    v1 = x ** 2
    v2 = math.sin(x)
    v3 = math.log(v1)
    return [x, v1, v2, v3, v3 * v2, 1 / x, v3 * v2 + 1 / x]

def edge_factors(x):
    v0, v1, v2, v3, v4, v5, v6 = primals(x)
    return {(0, 1): 2 * v0, (1, 3): 1 / v1, (0, 2): math.cos(v0), (3, 4): v2, (2, 4): v3,
            (0, 5): -1 / v0 ** 2, (4, 6): 1.0, (5, 6): 1.0}
'''}, {"q6-primals-check", "q6-factors-check"}),
    ("sin's path missing from the sum", {"q6-dfdx-code": '''
def dfdx(x):
    e = edge_factors(x)
    return (e[(0, 1)] * e[(1, 2)] * e[(2, 4)] * e[(4, 6)]
            + e[(0, 5)] * e[(5, 6)])
'''}, {"q6-dfdx-check"}),
    ("'=' instead of '+=': only the last path into each row counts", {"q6-dfdx-code": '''
def dfdx(x):
    paths = {0: 1.0}
    for (j, i), factor in sorted(edge_factors(x).items(), key=lambda item: item[0][1]):
        paths[i] = paths[j] * factor
    return paths[6]
'''}, {"q6-dfdx-check"}),
    ("the factors added along a path instead of multiplied", {"q6-dfdx-code": '''
def dfdx(x):
    e = edge_factors(x)
    return ((e[(0, 1)] + e[(1, 2)] + e[(2, 4)]) * e[(4, 6)]
            + (e[(0, 3)] + e[(3, 4)]) * e[(4, 6)] + e[(0, 5)] * e[(5, 6)])
'''}, {"q6-dfdx-check"}),
    ("df/dx by a central difference", {"q6-dfdx-code": '''
def dfdx(x):
    h = 1e-6
    return (primals(x + h)[6] - primals(x - h)[6]) / (2 * h)
'''}, {"q6-dfdx-check"}),
]
