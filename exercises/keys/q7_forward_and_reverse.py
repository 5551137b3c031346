"""Key for q7_forward_and_reverse: the tangent and adjoint sweeps of f(x) = log(x^2) sin x + 1/x,
and Baydin et al.'s Table 3 filled in by hand. Instructor only: never released.

Q7.1 and Q7.2: `tangents(x)` and `adjoints(x)` are recorded at x = 2 and at three hidden
points (one negative) and compared, row by row, with the closed forms below, to
1e-12 relative (absolute below 1): a central difference, even with its best step, is off by
about 1e-10. Each row except the seed earns an equal share when it is right at every point.

Q7.3: the list of the 11 values of the reverse table of Baydin's
f(x1, x2) = ln x1 + x1 x2 - sin x2 at (1.5, 0.5), in the order of adlab's reverse table
for f written one operation a line (the order of Baydin et al.'s Table 3). The values are
closed forms here; lines 2 to 11 earn a tenth each, to 4 significant digits (a typed value).

The expected values are computed here, with math. adlab is imported for the words only:
the rule each row uses (adlab.fillin, from the grader's own trace of f) and its own tables,
shown in the feedback after grading.
"""

import math

from adlab.autograde.key import BadAnswer, Verdict

POINT = 2.0                      # the visible point of Q7.1 and Q7.2
TABLE_POINT = (1.5, 0.5)         # Q7.3
RTOL_CODE = 1e-12                # computed answers: exact AD, not a difference quotient
RTOL_TYPED = 5e-4                # typed answers: 4 significant digits


def inputs(rng):
    """Three hidden points: in (0.4, 1), (1.2, 4) and (-3, -0.5)."""
    return {"q7-xs": [float(rng.uniform(0.4, 1.0)), float(rng.uniform(1.2, 4.0)),
                      float(rng.uniform(-3.0, -0.5))]}


# -- closed forms ------------------------------------------------------------------------


def tangents(x):
    """[v0_dot .. v6_dot] of v0 = x, v1 = v0^2, v2 = ln v1, v3 = sin v0, v4 = v2 v3,
    v5 = 1/v0, v6 = v4 + v5, for the seed v0_dot = 1."""
    d4 = 2 * math.sin(x) / x + math.log(x * x) * math.cos(x)
    d5 = -1 / (x * x)
    return [1.0, 2 * x, 2 / x, math.cos(x), d4, d5, d4 + d5]


def adjoints(x):
    """[v0_bar .. v6_bar] for the seed v6_bar = 1: v0_bar is df/dx, the sum over v0's three
    readers."""
    dfdx = 2 * math.sin(x) / x + math.log(x * x) * math.cos(x) - 1 / (x * x)
    return [dfdx, math.sin(x) / (x * x), math.sin(x), math.log(x * x), 1.0, 1.0, 1.0]


def table3(x1, x2):
    """The 11 lines of the reverse table of ln x1 + x1 x2 - sin x2 (v-1 = x1, v0 = x2)."""
    return [1.0,                        # v5_bar = y_bar
            1.0,                        # v4_bar = v5_bar
            -1.0,                       # v3_bar = -v5_bar
            1.0,                        # v1_bar = v4_bar
            1.0,                        # v2_bar = v4_bar
            -math.cos(x2),              # v0_bar = v3_bar cos v0
            x2,                         # v-1_bar = v2_bar v0
            x1 - math.cos(x2),          # v0_bar += v2_bar v-1
            x2 + 1 / x1,                # v-1_bar += v1_bar / v-1
            x2 + 1 / x1,                # x1_bar
            x1 - math.cos(x2)]          # x2_bar


# -- adlab, for the words and the tables shown after grading --------------------------------


def _f(x):
    import adlab

    return adlab.log(x ** 2) * adlab.sin(x) + 1 / x


def _g(x1, x2):
    import adlab

    v1 = adlab.log(x1)
    v2 = x1 * x2
    v3 = adlab.sin(x2)
    v4 = v1 + v2
    v5 = v4 - v3
    return v5


def _sheet(mode):
    from adlab.fillin import worksheet

    if mode == "forward":
        return worksheet(_f, POINT, mode="forward", rtol=RTOL_CODE)
    if mode == "reverse":
        return worksheet(_f, POINT, mode="reverse", lines="variables", rtol=RTOL_CODE)
    return worksheet(_g, *TABLE_POINT, mode="reverse", rtol=RTOL_TYPED)


def _table_html(title, table_html):
    return (f"<p style='margin:0.6em 0 0.2em 0'><b>{title}</b></p>"
            f"<div class='adlab-key-table'>{table_html}</div>")


# -- reading the records ----------------------------------------------------------------------


def _is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _seven(what, data):
    """DATA as a list of 7 floats, else BadAnswer saying what it is."""
    if not isinstance(data, list) or len(data) != 7:
        raise BadAnswer(f"{what} should be a list of 7 numbers, got {str(data)[:80]}")
    if not all(_is_number(v) for v in data):
        raise BadAnswer(f"{what} should hold 7 finite numbers, got {str(data)[:80]}")
    return [float(v) for v in data]


def _ok(got, want, rtol):
    return abs(got - want) <= rtol * max(1.0, abs(want))


# -- Q7.1 and Q7.2 ------------------------------------------------------------------------------


def _rows_verdict(answers, kind):
    """Row-by-row credit for tangents or adjoints at the visible and the hidden points."""
    name = "tangents" if kind == "forward" else "adjoints"
    closed = tangents if kind == "forward" else adjoints
    seed_row = 0 if kind == "forward" else 6
    xs = answers.inputs["q7-xs"]
    visible = _seven(f"{name}({POINT:g})", answers.get(f"q7-{name}-at-2"))
    hidden = answers.get(f"q7-{name}-hidden")
    if not isinstance(hidden, list) or len(hidden) != len(xs):
        raise BadAnswer(f"q7-{name}-hidden should hold {len(xs)} lists, got {str(hidden)[:80]}")
    points = [POINT] + list(xs)
    results = [visible] + [_seven(f"{name}(x) at a hidden x", h) for h in hidden]
    wrong_at: dict = {}                         # row -> the points where it is wrong
    for x, got in zip(points, results):
        for i, (g, w) in enumerate(zip(got, closed(x))):
            if not _ok(g, w, RTOL_CODE):
                wrong_at.setdefault(i, []).append(x)
    graded = [i for i in range(7) if i != seed_row]
    right = [i for i in graded if i not in wrong_at]
    sheet = _sheet(kind)
    symbol = "_dot" if kind == "forward" else "_bar"
    html = _table_html(f"adlab's {'forward' if kind == 'forward' else 'reverse'} table of f at "
                       f"x = {POINT:g}", sheet.solution().html())
    if not wrong_at:
        return Verdict(1.0, f"{name}: every row is right at x = {POINT:g} and at the "
                            f"{len(xs)} hidden points.", html)
    marking = sheet.check_rows(visible)
    lines = [f"{name}: {len(right)} of {len(graded)} rows are right at x = {POINT:g} and at the "
             f"{len(xs)} hidden points."]
    for i in sorted(set(wrong_at) - {seed_row}):
        line = sheet.line(f"v{i}{symbol}")
        where = ", ".join(f"{x:.6g}" for x in wrong_at[i])
        mark = marking[line.key]
        if mark.status == "wrong":
            lines.append(f"- {mark.message} (Wrong at x = {where}.)")
        else:
            lines.append(f"- {line.title} is right at x = {POINT:g} but wrong at x = {where}: "
                         f"it must hold for every x. Rule: {line.rule}.")
    if seed_row in wrong_at:
        seed = sheet.line(f"v{seed_row}{symbol}").title
        lines.append(f"- {seed} is the seed and should be 1: it earns no points itself, but "
                     f"every other row is built from it.")
    return Verdict(len(right) / len(graded), "\n".join(lines), html)


def check_tangents(answers):
    return _rows_verdict(answers, "forward")


def check_adjoints(answers):
    return _rows_verdict(answers, "reverse")


# -- Q7.3 ---------------------------------------------------------------------------------------


def check_table(answers):
    from adlab.fillin import read_entry

    got = answers.get("q7-adjoint-table")
    if not isinstance(got, list) or len(got) != 11:
        raise BadAnswer(f"adjoint_table should be a list of 11 values, one per line, got "
                        f"{str(got)[:80]}")
    want = table3(*TABLE_POINT)
    sheet = _sheet("table")
    marking = sheet.check(got)
    right, notes = 0, []
    for k in range(1, 11):                      # lines 2 .. 11; line 1 is the given seed
        line = sheet.lines[k]
        try:
            value = read_entry(got[k])
        except ValueError as err:
            notes.append(f"- {line.title}: {err}")
            continue
        if abs(value - want[k]) <= max(1e-12, RTOL_TYPED * abs(want[k])):
            right += 1
            continue
        mark = marking[line.key]
        if mark.status == "wrong":
            notes.append(f"- {mark.message}")
        else:
            notes.append(f"- {line.title} = {value:.6g} is wrong. Rule: {line.rule}.")
    try:
        seed_ok = read_entry(got[0]) == 1.0
    except ValueError:
        seed_ok = False
    if not seed_ok:
        notes.append("- Line 1, the seed, should be 1 (it earns no points itself).")
    html = (_table_html("Your table, marked", sheet.html(marking, messages=False))
            + _table_html(f"adlab's reverse table at (x1, x2) = {TABLE_POINT}",
                          sheet.solution().html()))
    head = (f"adjoint_table: {right} of 10 lines are right (lines 2 to 11, to 4 significant "
            f"digits).")
    if right == 10 and seed_ok:
        return Verdict(1.0, "adjoint_table: all 11 lines are right, the accumulations on fan-out "
                            "included.", html)
    return Verdict(right / 10, "\n".join([head] + notes), html)


CHECKS = {
    "q7-tangents-check": check_tangents,
    "q7-adjoints-check": check_adjoints,
    "q7-table-check": check_table,
}
