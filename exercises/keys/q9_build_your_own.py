"""Key for q9_build_your_own: the logistic function's JVP and VJP rules, and a reverse-mode engine.

Instructor only: never released.

The engine is graded on expression programs generated here, as plain data: a case is
``{"x": [input values], "ops": [[op, operand, ...], ...]}``. Nodes 0 .. n-1 are the inputs;
each operation appends one node; the last node is the output y. An operand is an int (the
index of an earlier node) or a float (a plain number). The operations are ``+ - * /`` (two
operands), ``**`` (a node and a float exponent) and ``neg exp log tanh sigmoid`` (one node).
The notebook's hidden tests build each program with the student's ``Value``, call
``y.backward()`` and record ``[y.data, [x.grad for each input]]`` per case, or the name of the
exception a case raised.

Expected values are computed here in float64 with ``math``, by FORWARD mode over the program
(one tangent pass per input, with the closed-form local partials), so the oracle shares no
method with the student's reverse sweep. The same pass with absolute values of the partials
gives the scale of each gradient (the sum over paths of |products|), against which rounding
is measured: a case is right when every gradient is within 1e-10 of that scale (1e-12 for a
single operation, which a difference quotient does not meet).
"""

import math

from adlab.autograde.key import BadAnswer, Verdict, close, share

N_RULE_POINTS = 6
DEEP_OPS = 5_000
BINARY = ("+", "-", "*", "/")
UNARY = ("neg", "exp", "log", "tanh", "sigmoid")
POWERS = (2.0, 3.0, -1.0, 0.5, 1.5, -0.5, 2.5)


# -- closed forms ------------------------------------------------------------------------


def _sigmoid(a):
    """1 / (1 + e^-a) without overflow."""
    if a >= 0:
        return 1.0 / (1.0 + math.exp(-a))
    e = math.exp(a)
    return e / (1.0 + e)


def _dsigmoid(a):
    """sigma'(a) = e^-|a| / (1 + e^-|a|)^2, accurate for every a."""
    e = math.exp(-abs(a))
    return e / (1.0 + e) ** 2


def _apply(op, args):
    """(value, [local partial with respect to each operand]) of one operation."""
    a = args[0]
    if op == "+":
        return a + args[1], [1.0, 1.0]
    if op == "-":
        return a - args[1], [1.0, -1.0]
    if op == "*":
        return a * args[1], [args[1], a]
    if op == "/":
        b = args[1]
        return a / b, [1.0 / b, -a / (b * b)]
    if op == "**":
        k = args[1]
        return a ** k, [k * a ** (k - 1), 0.0]
    if op == "neg":
        return -a, [-1.0]
    if op == "exp":
        e = math.exp(a)
        return e, [e]
    if op == "log":
        return math.log(a), [1.0 / a]
    if op == "tanh":
        return math.tanh(a), [1.0 / math.cosh(a) ** 2]
    if op == "sigmoid":
        return _sigmoid(a), [_dsigmoid(a)]
    raise ValueError(f"unknown operation {op!r}")


def _is_node(operand):
    return isinstance(operand, int) and not isinstance(operand, bool)


def expected(case):
    """(y, [dy/dx_i], [scale_i]) of a program, by forward mode over its operations."""
    n = len(case["x"])
    vals = [float(v) for v in case["x"]]
    edges = []                                    # per operation: [(node, local partial)]
    for op, *operands in case["ops"]:
        args = [vals[o] if _is_node(o) else float(o) for o in operands]
        value, partials = _apply(op, args)
        vals.append(value)
        edges.append([(o, p) for o, p in zip(operands, partials) if _is_node(o)])
    grads, scales = [], []
    for i in range(n):
        t = [0.0] * len(vals)                    # tangents for the seed x_i_dot = 1
        s = [0.0] * len(vals)                    # the same with |partials|: the scale
        t[i] = s[i] = 1.0
        for k, edge in enumerate(edges, start=n):
            t[k] = sum(p * t[j] for j, p in edge)
            s[k] = sum(abs(p) * s[j] for j, p in edge)
        grads.append(t[-1])
        scales.append(s[-1])
    return vals[-1], grads, scales


# -- reading a program for a message ------------------------------------------------------


def _name(operand, n):
    if not _is_node(operand):
        return f"({operand:g})" if operand < 0 else f"{operand:g}"
    return f"x{operand}" if operand < n else f"v{operand}"


def describe(case, limit=12):
    """The program as text: 'x0 = 1.2, x1 = -0.5; v2 = x0 * x1, v3 = tanh(v2), ...'."""
    n = len(case["x"])
    head = ", ".join(f"x{i} = {v:g}" for i, v in enumerate(case["x"]))
    steps = []
    for k, (op, *operands) in enumerate(case["ops"], start=n):
        names = [_name(o, n) for o in operands]
        if op in BINARY or op == "**":
            rhs = f"{names[0]} {op} {names[1]}"
        elif op == "neg":
            rhs = f"-{names[0]}"
        else:
            rhs = f"{op}({names[0]})"
        steps.append(f"v{k} = {rhs}")
    if len(steps) > limit:
        steps = steps[:limit] + [f"... ({len(case['ops'])} operations in all)"]
    return f"{head}; {', '.join(steps)}; y = v{n + len(case['ops']) - 1}"


# -- judging one recorded case -------------------------------------------------------------


def _number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def case_problem(got, case, rtol):
    """None when the recorded [y, grads] of CASE is right, else a short sentence saying how not."""
    want_y, want_g, scales = expected(case)
    n = len(want_g)
    if isinstance(got, str):
        return f"it raised {got}"
    if (not isinstance(got, list) or len(got) != 2 or not _number(got[0])
            or not isinstance(got[1], list) or len(got[1]) != n
            or not all(_number(g) for g in got[1])):
        return f"the record should be [y.data, {n} input grads], got {str(got)[:80]}"
    y, grads = float(got[0]), [float(g) for g in got[1]]
    if not math.isfinite(y) or abs(y - want_y) > rtol * (abs(want_y) + 1.0):
        return f"y.data is {y:.15g}, expected {want_y:.15g}: an operation's primal is wrong"
    for i, (g, w, s) in enumerate(zip(grads, want_g, scales)):
        if not math.isfinite(g) or abs(g - w) > rtol * s + 1e-300:
            return f"x{i}.grad is {g:.15g}, expected {w:.15g}"
    return None


def _group(label, cases, got, rtol, hint, show_program=True):
    """A verdict for a group of cases: the share that is right, and the first failure."""
    if not isinstance(got, list) or len(got) != len(cases):
        raise BadAnswer(f"{label}: expected a list of {len(cases)} results, got "
                        f"{str(got)[:80]}")
    problems = [(i, case_problem(g, c, rtol)) for i, (g, c) in enumerate(zip(got, cases))]
    bad = [(i, p) for i, p in problems if p]
    if not bad:
        return Verdict(1.0, f"{label}: all {len(cases)} right")
    i, problem = bad[0]
    where = f" (case {i + 1}: {describe(cases[i])})" if show_program else ""
    return Verdict(1.0 - len(bad) / len(cases),
                   f"{label}: {len(bad)} of {len(cases)} wrong; first, {problem}{where}. {hint}")


# -- generating programs -------------------------------------------------------------------


def _const(rng, low=0.5, high=2.5):
    c = round(float(rng.uniform(low, high)), 2)
    return c if rng.random() < 0.5 else -c


def _try(op, operands, vals):
    """The value of op on the operands, or None when it leaves the safe domain."""
    args = [vals[o] if _is_node(o) else o for o in operands]
    a = args[0]
    if op == "/" and abs(args[1]) < 0.3:
        return None
    if op == "**":
        k = args[1]
        if (k != int(k) and a < 0.2) or (k < 0 and abs(a) < 0.3) or abs(a) > 4:
            return None
    if (op == "exp" and a > 2.5) or (op == "log" and a < 0.1):
        return None
    if op in ("tanh", "sigmoid") and abs(a) > 3.0:
        return None
    value, partials = _apply(op, args)
    if not (math.isfinite(value) and 1e-3 <= abs(value) <= 20
            and all(abs(p) <= 50 for p in partials)):
        return None
    return value


def _operands(rng, op, pick):
    """Operands of OP: nodes chosen by PICK(), numbers where a number fits."""
    if op in UNARY:
        return [pick()]
    if op == "**":
        return [pick(), POWERS[int(rng.integers(len(POWERS)))]]
    r = rng.random()
    if r < 0.5:
        return [pick(), pick()]
    if r < 0.75:
        return [pick(), _const(rng)]
    return [_const(rng), pick()]


def _random_program(rng, n_inputs, n_ops, fanout):
    """A random program over n_inputs inputs: a tree (each node used once) or, with fanout,
    a graph whose nodes are reused. Nodes left unused are summed into the output."""
    ops_all = BINARY * 2 + ("**",) + UNARY
    while True:
        xs = [round(float(rng.uniform(0.05, 2)), 3) * (1 if rng.random() < 0.5 else -1)
              for _ in range(n_inputs)]
        vals, ops, uses = list(xs), [], [0] * n_inputs
        pool = list(range(n_inputs))                 # unused nodes (trees take from here)
        attempts = 0
        while len(ops) < n_ops and attempts < 50 * n_ops:
            attempts += 1
            op = ops_all[int(rng.integers(len(ops_all)))]
            if fanout:
                def pick():
                    if rng.random() < 0.5:           # recent nodes, so the graph grows deep
                        return len(vals) - 1 - int(rng.integers(min(3, len(vals))))
                    return int(rng.integers(len(vals)))
            else:
                order = list(rng.permutation(len(pool)))

                def pick():
                    return pool[order.pop()] if order else None
            operands = _operands(rng, op, pick)
            if any(o is None for o in operands):
                continue
            nodes = [o for o in operands if _is_node(o)]
            if len(set(nodes)) < len(nodes) and (not fanout or op in ("-", "/")):
                continue                              # no x - x or x / x: constants
            value = _try(op, operands, vals)
            if value is None:
                continue
            for o in nodes:
                uses[o] += 1
                if not fanout:
                    pool.remove(o)
            ops.append([op, *operands])
            vals.append(value)
            uses.append(0)
            pool.append(len(vals) - 1)
        if len(ops) < n_ops:
            continue
        last = len(vals) - 1
        loose = [j for j in range(len(vals)) if uses[j] == 0 and j != last]
        for j in loose:                               # the output uses every node
            ops.append(["+", len(vals) - 1, j])
            uses[j] += 1
            uses[len(vals) - 1] += 1
            vals.append(vals[-1] + vals[j])
            uses.append(0)
        case = {"x": xs, "ops": ops}
        if fanout and not (any(u >= 2 for u in uses[n_inputs:])
                           and any(u >= 2 for u in uses[:n_inputs])):
            continue
        if not fanout and max(uses) > 1:
            continue
        if abs(vals[-1]) > 200:
            continue
        return case


def _ops_cases(rng):
    """Each operation alone: [label, case] pairs, three cases per label."""
    out = []

    def x(low=-2.0, high=2.0, away=0.3):
        while True:
            v = round(float(rng.uniform(low, high)), 3)
            if abs(v) >= away:
                return v

    for _ in range(3):
        a, b, c = x(), x(), _const(rng)
        out += [
            ["a + b", {"x": [a, b], "ops": [["+", 0, 1]]}],
            ["a + c", {"x": [a], "ops": [["+", 0, c]]}],
            ["c + a (__radd__)", {"x": [a], "ops": [["+", c, 0]]}],
            ["a - b", {"x": [a, b], "ops": [["-", 0, 1]]}],
            ["a - c", {"x": [a], "ops": [["-", 0, c]]}],
            ["c - a (__rsub__)", {"x": [a], "ops": [["-", c, 0]]}],
            ["a * b", {"x": [a, b], "ops": [["*", 0, 1]]}],
            ["a * c", {"x": [a], "ops": [["*", 0, c]]}],
            ["c * a (__rmul__)", {"x": [a], "ops": [["*", c, 0]]}],
            ["a / b", {"x": [a, b], "ops": [["/", 0, 1]]}],
            ["a / c", {"x": [a], "ops": [["/", 0, c]]}],
            ["c / a (__rtruediv__)", {"x": [a], "ops": [["/", c, 0]]}],
            ["-a", {"x": [a], "ops": [["neg", 0]]}],
            ["a.exp()", {"x": [a], "ops": [["exp", 0]]}],
            ["a.log()", {"x": [x(0.2, 5.0)], "ops": [["log", 0]]}],
            ["a.tanh()", {"x": [x(-2.5, 2.5, 0.0)], "ops": [["tanh", 0]]}],
            ["a.sigmoid()", {"x": [x(-2.5, 2.5, 0.0)], "ops": [["sigmoid", 0]]}],
        ]
    for k in POWERS:
        base = x(0.3, 3.0) if k != int(k) else x(-3.0, 3.0)
        out.append(["a ** k (k a number)", {"x": [base], "ops": [["**", 0, k]]}])
    return out


def _fanout_cases(rng):
    """Named cases where a node is used several times, and random graphs with fan-out."""
    a = round(float(rng.uniform(0.5, 2.0)), 3) * (1 if rng.random() < 0.5 else -1)
    b = round(float(rng.uniform(0.5, 1.5)), 3)
    d = round(float(rng.uniform(-1.5, 0.0)), 3)
    p, q = round(float(rng.uniform(0.5, 3.0)), 3), round(float(rng.uniform(-2.0, 2.0)), 3)
    several = [
        ["x + x: x is used twice by one operation", {"x": [a], "ops": [["+", 0, 0]]}],
        ["x * x * x: x is used 3 times", {"x": [a], "ops": [["*", 0, 0], ["*", 1, 0]]}],
        ["exp(x) * tanh(x) + x ** 2: x is used by 3 operations",
         {"x": [b], "ops": [["exp", 0], ["tanh", 0], ["**", 0, 2.0], ["*", 1, 2], ["+", 4, 3]]}],
        ["log(x0) + x0 * x1 - tanh(x1): both inputs used twice",
         {"x": [p, q], "ops": [["log", 0], ["*", 0, 1], ["tanh", 1], ["+", 2, 3], ["-", 5, 4]]}],
    ]
    diamonds = [
        ["a = exp(x); y = tanh(2a) + a: a is used by two operations",
         {"x": [d], "ops": [["exp", 0], ["*", 1, 2.0], ["tanh", 2], ["+", 3, 1]]}],
        ["a = exp(x); y = a + tanh(2a): a is used by two operations",
         {"x": [d], "ops": [["exp", 0], ["*", 1, 2.0], ["tanh", 2], ["+", 1, 3]]}],
        ["a = x * x; y = a * (a + x).tanh() - a",
         {"x": [b], "ops": [["*", 0, 0], ["+", 1, 0], ["tanh", 2], ["*", 1, 3], ["-", 4, 1]]}],
    ]
    randoms = [[f"random expression {k + 1}",
                _random_program(rng, int(rng.integers(2, 5)), int(rng.integers(8, 21)), True)]
               for k in range(20)]
    return ([["several", *c] for c in several] + [["diamonds", *c] for c in diamonds]
            + [["random", *c] for c in randoms])


def _deep_cases(rng):
    """Two chains of DEEP_OPS operations without fan-out: one input, and 50 inputs."""
    def gentle_step(rng, v, g):
        """One operation on the running value v (gradient g so far), kept moderate."""
        for _ in range(100):
            r = int(rng.integers(9))
            c = round(float(rng.uniform(0.9, 1.1)), 3)
            if r == 0:
                op = ["+", None, round(float(rng.uniform(-0.5, 0.5)), 3)]
            elif r == 1:
                op = ["-", round(float(rng.uniform(-0.5, 0.5)), 3), None]
            elif r == 2:
                op = ["*", c, None] if rng.random() < 0.5 else ["*", None, c]
            elif r == 3:
                op = ["/", None, c]
            elif r == 4:
                op = ["neg", None]
            elif r == 5:
                op = ["tanh", None]
            elif r == 6:
                op = ["sigmoid", None]
            elif r == 7:
                op = ["exp", None]
            else:
                op = ["log", None]
            args = [v if o is None else o for o in op[1:]]
            if op[0] == "exp" and not -1.0 <= v <= 0.7:
                continue
            if op[0] == "log" and not 0.5 <= v <= 3.0:
                continue
            if op[0] in ("tanh", "sigmoid") and abs(v) > 2.0:
                continue
            value, partials = _apply(op[0], args)
            partial = partials[op[1:].index(None)]
            if abs(value) > 3.0 or not 0.05 <= abs(g * partial) <= 20:
                continue
            return op, value, g * partial
        c = round(-0.5 * v, 3)
        return ["+", None, c], v + c, g              # recentre: partial 1

    def chain(n_inputs, every):
        xs = [round(float(rng.uniform(-1, 1)), 3) for _ in range(n_inputs)]
        ops, v, g, node, used = [], xs[0], 1.0, 0, 1
        while len(ops) < DEEP_OPS:
            if len(ops) % every == every - 1 and used < n_inputs:
                ops.append(["+", node, used])         # total = total + x_i
                v = v + xs[used]                      # partial 1: g is unchanged
                used += 1
            else:
                op, v, g = gentle_step(rng, v, g)
                ops.append([op[0], *(node if o is None else o for o in op[1:])])
            node = n_inputs + len(ops) - 1
        return {"x": xs, "ops": ops}

    return [chain(1, DEEP_OPS + 1), chain(50, DEEP_OPS // 50)]


def _twice_cases(rng):
    return [_random_program(rng, int(rng.integers(2, 4)), int(rng.integers(5, 10)), False)
            for _ in range(5)]


def inputs(rng):
    """Hidden inputs: points for the rules, and the programs of each engine check."""
    def points():
        xs = [float(x) for x in rng.uniform(-5.0, 5.0, N_RULE_POINTS)]
        ds = [float(d) * (1 if rng.random() < 0.5 else -1)
              for d in rng.uniform(0.5, 2.0, N_RULE_POINTS)]
        return [[x, d] for x, d in zip(xs, ds)]

    return {
        "q9-jvp-points": points(),
        "q9-vjp-points": points(),
        "q9-ops": _ops_cases(rng),
        "q9-trees": [_random_program(rng, int(rng.integers(2, 5)), int(rng.integers(6, 15)),
                                     False) for _ in range(12)],
        "q9-fanout": _fanout_cases(rng),
        "q9-deep": _deep_cases(rng),
        "q9-twice": _twice_cases(rng),
    }


# -- the visible examples, recomputed here --------------------------------------------------


def _sech2(a):
    return 1.0 / math.cosh(a) ** 2


VISIBLE_OPS = {   # what: (y, grads), as the ops check cell builds them
    "a + b": (7.0, [1.0, 1.0]),
    "a + 3": (5.0, [1.0]),
    "3 + a": (5.0, [1.0]),
    "a - b": (-3.0, [1.0, -1.0]),
    "10 - a": (8.0, [-1.0]),
    "a * b": (10.0, [5.0, 2.0]),
    "3 * a": (6.0, [3.0]),
    "a / b": (0.25, [0.25, -1 / 16]),
    "1 / a": (0.25, [-1 / 16]),
    "a ** 3": (8.0, [12.0]),
    "a ** 0.5": (2.0, [0.25]),
    "-a": (-2.0, [-1.0]),
    "a.exp()": (math.e, [math.e]),
    "a.log()": (math.log(2.0), [0.5]),
    "a.tanh()": (math.tanh(0.5), [_sech2(0.5)]),
    "a.sigmoid()": (0.5, [0.25]),
}


def _visible(name, got, want, rtol=1e-12):
    """Verdict on a visible example recorded as [y, grads] against WANT = (y, grads)."""
    if isinstance(got, str):
        return Verdict(0.0, f"{name} raised {got}")
    if not isinstance(got, list) or len(got) != 2:
        return Verdict(0.0, f"{name}: the record should be [y.data, grads], got {str(got)[:80]}")
    v = close(f"{name}: y.data", got[0], want[0], rtol=rtol)
    return v if v.fraction < 1 else close(f"{name}: the inputs' grad", got[1], want[1],
                                           rtol=rtol)


def _visible_gate(answers, name, wants, rtol=1e-12):
    """0 with the message when a recorded visible example is wrong, else None."""
    got = answers.get(name)
    if not isinstance(got, dict):
        raise BadAnswer(f"{name} should be a dict of examples, got {str(got)[:80]}")
    for what, want in wants.items():
        if what not in got:
            raise BadAnswer(f"{name}: no result for the example {what}")
        v = _visible(what, got[what], want, rtol)
        if v.fraction < 1:
            return Verdict(0.0, f"the visible example {v.message}")
    return None


# -- the checks ---------------------------------------------------------------------------


def _rule_hint(got, want, what):
    """Why a rule's number might be off: sign, a difference quotient, or a lost factor."""
    if want != 0 and abs(got + want) <= 1e-9 * abs(want):
        return f"{what} has the wrong sign"
    if want != 0 and abs(got - want) <= 1e-4 * abs(want):
        return (f"{what} is close but not exact (relative error {abs(got - want) / abs(want):.1g})"
                f": a difference quotient? AD evaluates the derivative formula exactly")
    return f"{what} is wrong"


def _check_rule(answers, record, points_name, what, expected_fn, width):
    pts = answers.inputs[points_name]
    got = answers.floats(record, (len(pts), width) if width > 1 else (len(pts),))
    for row, (x, d) in zip(got, pts):
        want = expected_fn(x, d)
        have = list(row) if width > 1 else [row]
        for name, h, w in zip(what, have, want):
            if not (math.isfinite(h) and abs(h - w) <= 1e-12 * abs(w) + 1e-300):
                return Verdict(0.0, f"{_rule_hint(h, w, name.format(x=x, d=d))}: it is "
                                    f"{h:.15g}, expected {w:.15g} "
                                    f"(at x = {x:.6g}, seed {d:.6g})")
    return None


def check_jvp(answers):
    visible = answers.get("q9-jvp-visible")
    if not isinstance(visible, list) or len(visible) != 2:
        raise BadAnswer("q9-jvp-visible should hold two (y, y_dot) pairs")
    for (x, d), got in zip(((0.0, 1.0), (2.0, -3.0)), visible):
        v = close(f"sigmoid_jvp({x:g}, {d:g})", got, (_sigmoid(x), _dsigmoid(x) * d))
        if v.fraction < 1:
            return v
    bad = _check_rule(answers, "q9-jvp-hidden", "q9-jvp-points",
                      ("sigmoid_jvp(x, x_dot)[0], the primal y,",
                       "sigmoid_jvp(x, x_dot)[1], the tangent y_dot,"),
                      lambda x, d: (_sigmoid(x), _dsigmoid(x) * d), 2)
    return bad or Verdict(1.0, f"sigmoid_jvp is right at {N_RULE_POINTS} hidden points: "
                               f"y_dot = sigma(x) (1 - sigma(x)) x_dot")


def check_vjp(answers):
    visible = answers.get("q9-vjp-visible")
    if not isinstance(visible, list) or len(visible) != 2:
        raise BadAnswer("q9-vjp-visible should hold two numbers")
    for (x, d), got in zip(((0.0, 2.0), (2.0, -3.0)), visible):
        v = close(f"sigmoid_vjp({x:g}, {d:g})", got, _dsigmoid(x) * d)
        if v.fraction < 1:
            return v
    bad = _check_rule(answers, "q9-vjp-hidden", "q9-vjp-points",
                      ("sigmoid_vjp(x, y_bar), the adjoint x_bar,",),
                      lambda x, d: (_dsigmoid(x) * d,), 1)
    return bad or Verdict(1.0, f"sigmoid_vjp is right at {N_RULE_POINTS} hidden points: "
                               f"x_bar = y_bar sigma(x) (1 - sigma(x))")


OP_HINTS = {
    "c + a (__radd__)": "a number on the left calls __radd__",
    "c - a (__rsub__)": "__rsub__(self, other) computes other - self: d/da is -1",
    "c * a (__rmul__)": "a number on the left calls __rmul__",
    "c / a (__rtruediv__)": "__rtruediv__(self, other) computes other / self: d/da is "
                            "-other / self**2",
    "a - b": "d/db of a - b is -1",
    "a / b": "quotient rule: d/da = 1/b, d/db = -a/b**2",
    "a / c": "d/da of a / c is 1/c",
    "a ** k (k a number)": "d/da of a**k is k * a**(k - 1); k may be negative or fractional",
    "-a": "d/da of -a is -1",
    "a.log()": "d/da of log(a) is 1/a",
    "a.tanh()": "d/da of tanh(a) is 1 - tanh(a)**2",
    "a.sigmoid()": "d/da of sigmoid(a) is sigmoid(a) (1 - sigmoid(a)), your VJP rule with "
                   "y_bar = 1",
}


def check_ops(answers):
    gate = _visible_gate(answers, "q9-ops-visible", VISIBLE_OPS)
    if gate:
        return gate
    labelled = answers.inputs["q9-ops"]
    got = answers.get("q9-ops-hidden")
    if not isinstance(got, list) or len(got) != len(labelled):
        raise BadAnswer(f"q9-ops-hidden should hold {len(labelled)} results")
    by_label = {}
    for (label, case), g in zip(labelled, got):
        by_label.setdefault(label, []).append((case, g))
    verdicts, wrong = [], []
    for label, items in by_label.items():
        problem = next((p for p in (case_problem(g, c, 1e-12) for c, g in items) if p), None)
        if problem:
            case = next(c for c, g in items if case_problem(g, c, 1e-12))
            hint = OP_HINTS.get(label, "")
            wrong.append(f"{label}: {problem} ({describe(case)})" + (f"; {hint}" if hint
                                                                      else ""))
        verdicts.append(1.0 if problem is None else 0.0)
    frac = sum(verdicts) / len(verdicts)
    if not wrong:
        return Verdict(1.0, f"every operation alone ({len(verdicts)} kinds, "
                            f"{len(labelled)} hidden cases) gives the right value and grads")
    return Verdict(frac, f"{len(wrong)} of {len(verdicts)} kinds of operation are wrong:\n"
                         + "\n".join(wrong))


def check_trees(answers):
    got = answers.get("q9-trees-visible")
    want = (math.log(1 + math.exp(-1.0)), [2.0, 0.5, _sigmoid(-1.0)])
    v = _visible("(a * b - 1).tanh() + (c.exp() + 1).log()", got, want)
    if v.fraction < 1:
        return Verdict(0.0, f"the visible example {v.message}")
    return _group("random compositions where every node is used once",
                  answers.inputs["q9-trees"], answers.get("q9-trees-hidden"), 1e-10,
                  "Each operation alone may be right while the chain rule through several is "
                  "not: check that backward multiplies node.grad by the local partial.")


FANOUT_HINT_SEVERAL = ("A node used k times receives k contributions: accumulate with "
                       "parent.grad += node.grad * partial, never =.")
FANOUT_HINT_ORDER = ("A node's grad was passed on before every operation that uses it had "
                     "added its contribution: sweep in reverse topological order (every user "
                     "of a node before the node), after a full topological sort.")


def check_fanout(answers):
    gate = _visible_gate(answers, "q9-fanout-visible", {
        "x * x * x": (3.375, [6.75]),
        "x1.log() + x1 * x2 - x2.tanh()": (math.log(2.0) + 10.0 - math.tanh(5.0),
                                           [5.5, 2.0 - _sech2(5.0)]),
    })
    if gate:
        return gate
    cases = answers.inputs["q9-fanout"]
    got = answers.get("q9-fanout-hidden")
    if not isinstance(got, list) or len(got) != len(cases):
        raise BadAnswer(f"q9-fanout-hidden should hold {len(cases)} results")
    verdicts = []
    for group, label, hint in (
            ("several", "a node used several times", FANOUT_HINT_SEVERAL),
            ("diamonds", "a node reached along two paths of different lengths",
             FANOUT_HINT_ORDER),
            ("random", "random expressions with fan-out",
             "Both += and the reverse topological order matter here.")):
        items = [(name, case, g) for (grp, name, case), g in zip(cases, got) if grp == group]
        bad = [(name, case, p) for name, case, g in items
               if (p := case_problem(g, case, 1e-10))]
        if not bad:
            verdicts.append(Verdict(1.0, f"fan-out, {label}: all {len(items)} right"))
            continue
        name, case, problem = bad[0]
        where = describe(case) if group == "random" else name
        verdicts.append(Verdict(1.0 - len(bad) / len(items),
                                f"fan-out, {label}: {len(bad)} of {len(items)} wrong; first, "
                                f"{where}: {problem}. {hint}"))
    return share(verdicts)


def check_deep(answers):
    got = answers.get("q9-deep-visible")
    if got == "RecursionError":
        return Verdict(0.0, "the visible chain of 5,000 operations raised RecursionError: your "
                            "topological sort (or backward) is recursive")
    r, d = 1.0001 ** 2500, 0.0001
    want = (r * 0.5 + d * (r - 1) / (1.0001 - 1.0), [r])
    v = _visible("the chain of 5,000 operations", got, want, rtol=1e-9)
    if v.fraction < 1:
        return Verdict(0.0, f"the visible example {v.message}")
    chains = answers.inputs["q9-deep"]
    results = answers.get("q9-deep-hidden")
    if not isinstance(results, list) or len(results) != len(chains):
        raise BadAnswer(f"q9-deep-hidden should hold {len(chains)} results")
    verdicts = []
    for label, case, g in zip(
            (f"a chain of {DEEP_OPS:,} operations on one input",
             f"a chain of {DEEP_OPS:,} operations that adds in 50 inputs along the way"),
            chains, results):
        problem = case_problem(g, case, 1e-10)
        if problem is None:
            verdicts.append(Verdict(1.0, f"{label}: right"))
        elif g == "RecursionError":
            verdicts.append(Verdict(0.0, f"deep chain of {DEEP_OPS:,} operations: "
                                         f"RecursionError -- your topological sort is "
                                         f"recursive; Python allows about 1,000 nested calls. "
                                         f"Keep your own stack (a list), as the lesson's "
                                         f"topo_order does."))
        else:
            verdicts.append(Verdict(0.0, f"{label}: {problem}"))
    return share(verdicts)


def check_twice(answers):
    got = answers.get("q9-twice-visible")
    one = [5 / 11, 2 / 11]
    if not isinstance(got, list) or len(got) != 2:
        raise BadAnswer("q9-twice-visible should hold [grads after two calls, grads after "
                        "zeroing and one call]")
    v = close("the visible example's grads after two backward() calls", got[0],
              [2 * g for g in one])
    if v.fraction == 1:
        v = close("the visible example's grads after zeroing and one more call", got[1], one)
    if v.fraction < 1:
        return v
    cases = answers.inputs["q9-twice"]
    results = answers.get("q9-twice-hidden")
    if not isinstance(results, list) or len(results) != len(cases):
        raise BadAnswer(f"q9-twice-hidden should hold {len(cases)} results")
    bad = []
    for case, g in zip(cases, results):
        _, want, scales = expected(case)
        if isinstance(g, str):
            bad.append(f"it raised {g}")
            continue
        try:
            two, again = [[float(v) for v in row] for row in g]
        except (TypeError, ValueError):
            bad.append(f"the record should be two lists of grads, got {str(g)[:80]}")
            continue
        if len(two) != len(want) or len(again) != len(want):
            bad.append(f"expected {len(want)} grads per list")
            continue
        ok = lambda h, w, s: math.isfinite(h) and abs(h - w) <= 1e-10 * s + 1e-300   # noqa: E731
        if all(ok(h, 2 * w, 2 * s) for h, w, s in zip(two, want, scales)):
            if all(ok(h, w, s) for h, w, s in zip(again, want, scales)):
                continue
            bad.append("after x.grad = 0 and one more backward(), the grads are not one "
                       "gradient: a call must not depend on what the previous one left in "
                       "the interior nodes")
            continue
        i = max(range(len(want)), key=lambda j: abs(want[j]))
        ratio = two[i] / want[i] if want[i] else float("nan")
        if abs(ratio - 1) < 1e-6:
            bad.append("after two backward() calls the inputs' grad holds one gradient, not "
                       "the sum of two: backward must add (+=) into the inputs' grad and "
                       "reset only interior nodes (those made by an operation), as PyTorch "
                       "does")
        elif ratio > 2 + 1e-6:
            bad.append(f"after two backward() calls the inputs' grad is {ratio:.3g} times the "
                       f"gradient, not 2: the interior nodes kept their adjoints from the first "
                       f"call. Reset the grad of every interior node to 0 at the start of "
                       f"backward")
        else:
            bad.append(f"after two backward() calls x{i}.grad is {two[i]:.15g}, expected "
                       f"{2 * want[i]:.15g}")
    if not bad:
        return Verdict(1.0, f"backward() twice adds two gradients into the inputs and a reset "
                            f"input starts again from 0 ({len(cases)} hidden expressions)")
    return Verdict(1.0 - len(bad) / len(cases),
                   f"{len(bad)} of {len(cases)} expressions wrong; first: {bad[0]}")


CHECKS = {
    "q9-jvp-check": check_jvp,
    "q9-vjp-check": check_vjp,
    "q9-ops-check": check_ops,
    "q9-trees-check": check_trees,
    "q9-fanout-check": check_fanout,
    "q9-deep-check": check_deep,
    "q9-twice-check": check_twice,
}

