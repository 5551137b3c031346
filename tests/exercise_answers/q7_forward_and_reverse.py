"""Answers to q7_forward_and_reverse for tests/test_exercises.py: written differently, and wrong."""

# -- written differently: must score full marks ------------------------------------------

DIFFERENT = {
    # forward mode with dual numbers (value, tangent); reverse mode as a sweep over a list of
    # edges (j, i, dv_i/dv_j), last operation first, adding into a dict of adjoints
    "q7-code": '''
import math

class Dual:
    def __init__(self, value, tangent):
        self.value, self.tangent = value, tangent

    def __add__(self, other):
        return Dual(self.value + other.value, self.tangent + other.tangent)

    def __mul__(self, other):
        return Dual(self.value * other.value,
                    self.tangent * other.value + self.value * other.tangent)

def power(a, k):
    return Dual(a.value ** k, k * a.value ** (k - 1) * a.tangent)

def log(a):
    return Dual(math.log(a.value), a.tangent / a.value)

def sin(a):
    return Dual(math.sin(a.value), math.cos(a.value) * a.tangent)

def reciprocal(a):
    return Dual(1 / a.value, -a.tangent / a.value ** 2)

def tangents(x):
    v = [Dual(x, 1.0)]
    v.append(power(v[0], 2))
    v.append(log(v[1]))
    v.append(sin(v[0]))
    v.append(v[2] * v[3])
    v.append(reciprocal(v[0]))
    v.append(v[4] + v[5])
    return [d.tangent for d in v]

def adjoints(x):
    v = [x, x * x]
    v += [math.log(v[1]), math.sin(x)]
    v += [v[2] * v[3], 1 / x]
    edges = [(0, 1, 2 * x), (1, 2, 1 / v[1]), (0, 3, math.cos(x)), (2, 4, v[3]),
             (3, 4, v[2]), (0, 5, -1 / x ** 2), (4, 6, 1.0), (5, 6, 1.0)]
    bar = {6: 1.0}
    for j, i, partial in sorted(edges, key=lambda e: -e[1]):
        bar[j] = bar.get(j, 0.0) + bar[i] * partial
    return [bar[i] for i in range(7)]
''',
    # the table typed by hand, to 4 significant digits
    "q7-table": '''
adjoint_table = [1, 1, -1, 1, 1, -0.8776, 0.5, 0.6224, 1.167, 1.167, 0.6224]
''',
}

# -- plausible wrong answers -------------------------------------------------------------

_TANGENTS = '''
import math

def tangents(x):
    v0, v1 = x, x ** 2
    v2, v3 = math.log(v1), math.sin(v0)
    d0 = 1.0
    d1 = 2 * v0 * d0
    d2 = d1 / v1
    d3 = math.cos(v0) * d0
    d4 = d2 * v3 + v2 * d3
    d5 = -d0 / v0 ** 2
    return [d0, d1, d2, d3, d4, d5, d4 + d5]
'''

_ADJOINTS = '''
def adjoints(x):
    v0, v1 = x, x ** 2
    v2, v3 = math.log(v1), math.sin(v0)
    b6 = b5 = b4 = 1.0
    b3, b2 = b4 * v2, b4 * v3
    b1 = b2 / v1
    b0 = b5 * (-1 / v0 ** 2)
    b0 += b3 * math.cos(v0)
    b0 += b1 * 2 * v0
    return [b0, b1, b2, b3, b4, b5, b6]
'''

_TABLE = [1.0, 1.0, -1.0, 1.0, 1.0, -0.8775825619, 0.5, 0.6224174381, 1.1666666667,
          1.1666666667, 0.6224174381]


def _table(**lines):
    """The right table with the given lines (line_6=..., by line number) changed."""
    values = list(_TABLE)
    for name, value in lines.items():
        values[int(name.split("_")[1]) - 1] = value
    return f"adjoint_table = {values!r}\n"


WRONG = [
    ("the tangent of 1/x with the wrong sign",
     {"q7-code": _TANGENTS.replace("d5 = -d0 / v0 ** 2", "d5 = d0 / v0 ** 2") + _ADJOINTS},
     {"q7-tangents-check"}),
    ("the product rule with one term: d4 = d2 v3",
     {"q7-code": _TANGENTS.replace("d4 = d2 * v3 + v2 * d3", "d4 = d2 * v3") + _ADJOINTS},
     {"q7-tangents-check"}),
    ("tangents by central differences with the best step, not by the chain rule",
     {"q7-code": '''
import math

def primals(x):
    v1 = x ** 2
    v2, v3 = math.log(v1), math.sin(x)
    return [x, v1, v2, v3, v2 * v3, 1 / x, v2 * v3 + 1 / x]

def tangents(x):
    h = 6e-6 * max(1.0, abs(x))             # about eps ** (1/3): the best step
    up, down = primals(x + h), primals(x - h)
    return [(a - b) / (2 * h) for a, b in zip(up, down)]
''' + _ADJOINTS},
     {"q7-tangents-check"}),
    ("the fan-out of v0 without accumulation: = instead of +=, only the last contribution",
     {"q7-code": _TANGENTS + _ADJOINTS.replace("b0 += b3", "b0 = b3").replace("b0 += b1",
                                                                                "b0 = b1")},
     {"q7-adjoints-check"}),
    ("two of the three contributions to v0_bar: the one through 1/x forgotten",
     {"q7-code": _TANGENTS + _ADJOINTS.replace("b0 = b5 * (-1 / v0 ** 2)", "b0 = 0.0")},
     {"q7-adjoints-check"}),
    ("the adjoint through ln with the wrong local partial: v1_bar = v2_bar * v1",
     {"q7-code": _TANGENTS + _ADJOINTS.replace("b1 = b2 / v1", "b1 = b2 * v1")},
     {"q7-adjoints-check"}),
    ("table: dv5/dv3 taken as +1 (a wrong sign), carried into the lines after it",
     {"q7-table": _table(line_3=1.0, line_6=0.8775825619, line_8=2.3775825619,
                         line_11=2.3775825619)},
     {"q7-table-check"}),
    ("table: no fan-out accumulation, the second contribution written over the first",
     {"q7-table": _table(line_8=1.5, line_9=0.6666666667, line_10=0.6666666667, line_11=1.5)},
     {"q7-table-check"}),
    ("table: one wrong cell, a slip in line 9",
     {"q7-table": _table(line_9=1.176)},
     {"q7-table-check"}),
    ("table: the whole adjoints on the first-contribution lines",
     {"q7-table": _table(line_6=0.6224174381, line_7=1.1666666667)},
     {"q7-table-check"}),
    ("table: values to 2 significant digits",
     {"q7-table": "adjoint_table = [1, 1, -1, 1, 1, -0.88, 0.5, 0.62, 1.2, 1.2, 0.62]\n"},
     {"q7-table-check"}),
]

