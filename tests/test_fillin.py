"""Fill-in trace tables (adlab.fillin) and their widget (adlab.widgets.fill_in).

The values are checked against Baydin et al. (2018), Tables 2 and 3, for
f(x1, x2) = ln(x1) + x1 x2 - sin(x2) at (2, 5), as the paper prints them; the
messages against what a student needs to hear: the rule, the fan-out
accumulation, a wrong sign, '=' where '+=' belongs, garbage typed in a box.
"""

from __future__ import annotations

import math
import subprocess
import sys

import pytest

import adlab
from adlab.errors import AdlabValueError
from adlab.fillin import worksheet

BAYDIN = "ln(x1) + x1*x2 - sin(x2)"


def baydin(x1, x2):  # one operation a line, in the paper's order (notebook 10)
    v1 = adlab.log(x1)
    v2 = x1 * x2
    v3 = adlab.sin(x2)
    v4 = v1 + v2
    v5 = v4 - v3
    return v5


def q7(x):  # v0 = x is read by three operations: v1 = v0 ** 2, v3 = sin v0, v5 = 1 / v0
    return adlab.log(x ** 2) * adlab.sin(x) + 1 / x


# Baydin et al. (2018), Table 2 (forward, seed x1_dot = 1) and Table 3 (reverse, y_bar = 1),
# as printed: to 3 decimals, so compared to half a unit of the last printed digit
TABLE_2 = {"v-1_dot": 1, "v0_dot": 0, "v1_dot": 0.5, "v2_dot": 5, "v3_dot": 0, "v4_dot": 5.5,
           "v5_dot": 5.5}
TABLE_3 = [("v5_bar", 1), ("v4_bar", 1), ("v3_bar", -1), ("v1_bar", 1), ("v2_bar", 1),
           ("v0_bar[1]", -0.284), ("v-1_bar[1]", 5), ("v0_bar[2]", 1.716), ("v-1_bar[2]", 5.5),
           ("x1_bar", 5.5), ("x2_bar", 1.716)]


# -- the tables' values and lines --------------------------------------------------------


@pytest.mark.parametrize("f", [BAYDIN, baydin], ids=["formula", "function"])
def test_tangents_are_baydins_table_2(f):
    sheet = worksheet(f, 2.0, 5.0, mode="forward")
    assert sheet.keys == tuple(TABLE_2)
    for key, published in TABLE_2.items():
        assert sheet.line(key).value == pytest.approx(published, abs=5e-4)
    assert [ln.given for ln in sheet.lines] == [True, True] + [False] * 5
    assert sheet.line("v2_dot").label.text == "v̇₂ = v̇₋₁ × v₀ + v̇₀ × v₋₁"


@pytest.mark.parametrize("f", [BAYDIN, baydin], ids=["formula", "function"])
def test_adjoints_are_baydins_table_3_line_for_line(f):
    sheet = worksheet(f, 2.0, 5.0, mode="reverse")
    assert sheet.layout == "steps" and sheet.keys == tuple(k for k, _ in TABLE_3)
    for (key, published), ln in zip(TABLE_3, sheet.lines):
        assert ln.value == pytest.approx(published, abs=5e-4), key
    labels = [ln.label.text for ln in sheet.lines]
    assert labels[7] == "v̄₀ = v̄₀ + v̄₂ ∂v₂/∂v₀" and labels[8] == "v̄₋₁ = v̄₋₁ + v̄₁ ∂v₁/∂v₋₁"
    assert [ln.kind for ln in sheet.lines] == (["seed"] + ["first"] * 6 + ["accumulate"] * 2
                                               + ["gradient"] * 2)


def test_every_value_is_the_traces_own():
    t = adlab.trace(baydin, 2.0, 5.0)
    sweep = t.reverse()
    sheet = worksheet(t, mode="reverse")
    assert [ln.value for ln in sheet.lines[1:9]] == [s.total for s in sweep.steps]
    assert [ln.value for ln in sheet.lines[9:]] == list(sweep.gradient)
    forward = worksheet(t, mode="forward", seed="x2")
    assert [ln.value for ln in forward.lines] == list(t.forward({"x2": 1.0}).values)
    primal = worksheet(t, mode="primal")
    assert [ln.value for ln in primal.lines] == [r.value for r in t.rows]
    assert sheet.solution().text() == t.table("reverse").text()


def test_a_table_by_variables_has_one_line_per_adjoint_in_sweep_order():
    sheet = worksheet(q7, 2.0, mode="reverse", lines="variables")
    assert sheet.keys == ("v6_bar", "v5_bar", "v4_bar", "v3_bar", "v2_bar", "v1_bar", "v0_bar")
    t = adlab.trace(q7, 2.0)
    assert [ln.value for ln in sheet.lines] == [t.reverse()[i] for i in range(6, -1, -1)]


# -- the rules, above all the fan-out row ------------------------------------------------------


def test_the_fan_out_row_says_how_many_operations_read_the_variable_and_to_add_them_all():
    sheet = worksheet(q7, 2.0, mode="reverse", lines="variables")
    rule = sheet.line("v0_bar").rule
    assert rule.startswith("v̄₀ = v̄₁ ∂v₁/∂v₀ + v̄₃ ∂v₃/∂v₀ + v̄₅ ∂v₅/∂v₀")
    assert "∂v₁/∂v₀ = 2 v₀, ∂v₃/∂v₀ = cos(v₀), ∂v₅/∂v₀ = −1 / v₀²" in rule
    assert rule.endswith("v₀ is read by 3 operations (v₁, v₃, v₅), add all three")
    assert sheet.line("v3_bar").rule.endswith("(v₃ is read by v₄ only)")


def test_the_accumulation_lines_of_table_3_say_what_they_add_to():
    sheet = worksheet(BAYDIN, 2.0, 5.0)
    first, again = sheet.line("v0_bar[1]").rule, sheet.line("v0_bar[2]").rule
    assert "v₀ is read by 2 operations (v₂, v₃), add both" in first
    assert "first contribution" in first
    assert again.startswith("v̄₀ = v̄₀ + v̄₂ ∂v₂/∂v₀, with ∂v₂/∂v₀ = v₋₁")
    assert "second of 2 contributions to the v̄₀ of line 6 and completes it" in again
    assert "after all 2 contributions, the v̄₀ of line 8" in sheet.line("x2_bar").rule


def test_a_variable_used_twice_by_one_operation_is_said_so():
    sheet = worksheet(lambda x: x * x, 3.0, mode="reverse", lines="variables")
    assert sheet.line("v0_bar").rule.endswith("v₀ is used 2 times (by v₁), add both")
    assert sheet.line("v0_bar").value == 6.0


# -- marking -------------------------------------------------------------------------------------


def test_the_published_values_to_three_decimals_are_right():
    sheet = worksheet(BAYDIN, 2.0, 5.0)
    marking = sheet.check([v for _, v in TABLE_3], atol=5e-4)    # 3 decimals, as printed
    assert marking.all_right and marking.score == 1.0 and len(marking) == 11   # the seed too
    assert marking.report("table 3") == "table 3: all 11 lines are right."
    assert sheet.check([v for _, v in TABLE_3[1:]], atol=5e-4).all_right     # one per blank
    assert not sheet.check([v for _, v in TABLE_3]).all_right    # -0.284: 3 digits, not 4


def test_a_wrong_sign_is_caught_and_what_follows_from_it_is_traced_back():
    sheet = worksheet(q7, 2.0, mode="forward")
    t = adlab.trace(q7, 2.0).forward()
    yours = list(t.values)
    yours[5] = -yours[5]                       # d(1/x)/dx taken as +1/x^2
    yours[6] = yours[4] + yours[5]
    marking = sheet.check(yours, rtol=1e-12)
    assert [m.line.key for m in marking.wrong] == ["v5_dot", "v6_dot"]
    sign, after = marking.wrong
    assert sign.hint == "wrong sign" and "the sign is wrong" in sign.message
    assert "Rule: v̇₅ = −v̇₀ / v₀², the chain rule through v₅ = 1 / v₀" in sign.message
    assert after.hint == "follows from a wrong value" and "your v̇₅, which is wrong" in after.why


def test_a_missing_fan_out_contribution_is_named():
    sheet = worksheet(q7, 2.0, mode="reverse", lines="variables")
    yours = list(adlab.trace(q7, 2.0).reverse().values)
    x = 2.0
    yours[0] = math.sin(x) / x ** 2 * 2 * x            # only the contribution through v1 = x**2
    mark = sheet.check_rows(yours, rtol=1e-12)["v0_bar"]
    assert mark.hint == "missing a contribution"
    assert ("it has only the contribution of v₁; the contribution of v₃ and the contribution "
            "of v₅ are missing") in mark.why
    assert "v₀ is read by 3 operations (v₁, v₃, v₅), add all three" in mark.message


def test_equals_instead_of_plus_equals_on_the_accumulation_line():
    sheet = worksheet(BAYDIN, 2.0, 5.0)
    values = [v for _, v in TABLE_3]
    values[7] = 2.0                  # v0_bar = v2_bar * v-1: the second contribution alone
    values[10] = 2.0                 # and x2_bar copied from it
    marking = sheet.check(values)
    line8, line11 = marking["v0_bar[2]"], marking["x2_bar"]
    assert line8.hint == "= instead of +=" and "add to it" in line8.why
    assert line11.hint == "follows from a wrong value" and "line 8" in line11.why
    values = [v for _, v in TABLE_3]
    values[5] = 1.716                # the whole adjoint on the first contribution's line
    assert sheet.check(values)["v0_bar[1]"].hint == "not only the first contribution"
    values = [v for _, v in TABLE_3]
    values[10] = -0.2837             # x2_bar read before the last contribution
    assert sheet.check(values)["x2_bar"].hint == "taken before the last contribution"


def test_messages_never_give_the_expected_value():
    sheet = worksheet(BAYDIN, 2.0, 5.0)
    wrong = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
    report = sheet.check(wrong).report()
    for hidden in ("0.2837", "0.284", "1.716", "5.5", "0.5"):
        assert hidden not in report
    assert report.count("\n- ") == 10         # lines 2 to 11; the seed, 1, is right


def test_typed_text_is_read_as_a_number_and_garbage_is_said_so():
    sheet = worksheet(BAYDIN, 2.0, 5.0, blanks=["v0_bar[1]", "v0_bar[2]", "x1_bar", "x2_bar"])
    marking = sheet.check({"v0_bar[1]": "-cos(5)", "v0_bar[2]": "\u22120.2837 + 2",
                           "x1_bar": "abc", "x2_bar": "1,7163"})
    assert [m.status for m in marking] == ["right", "right", "unreadable", "unreadable"]
    assert "'abc' is not a number" in marking["x1_bar"].message
    assert "decimal point" in marking["x2_bar"].why
    assert sheet.check([True, None, 3, 4])["v0_bar[1]"].status == "unreadable"
    assert sheet.check([[1.0], None, 3, 4])["v0_bar[1]"].why.startswith("list")


def test_tolerance_four_significant_digits_by_default():
    sheet = worksheet(BAYDIN, 2.0, 5.0, blanks=["v0_bar[2]"])
    assert sheet.check(["1.716"]).all_right
    assert not sheet.check(["1.72"]).all_right
    assert not sheet.check(["1.716"], rtol=1e-12).all_right
    exact = worksheet(BAYDIN, 2.0, 5.0, blanks=["v0_bar[2]"], rtol=1e-12)
    assert exact.check([2 - math.cos(5)]).all_right


# -- blanks ------------------------------------------------------------------------------------


def test_blanks_all_fan_out_or_chosen():
    sheet = worksheet(BAYDIN, 2.0, 5.0)
    assert sheet.blanks == tuple(range(2, 12))               # every line but the seed
    fan = worksheet(BAYDIN, 2.0, 5.0, blanks="fan-out")
    assert [ln.key for ln in fan.blank_lines] == ["v0_bar[1]", "v-1_bar[1]", "v0_bar[2]",
                                                  "v-1_bar[2]", "x1_bar", "x2_bar"]
    forward = worksheet(BAYDIN, 2.0, 5.0, mode="forward", blanks="fan-out")
    assert [ln.key for ln in forward.blank_lines] == ["v1_dot", "v2_dot", "v3_dot", "v4_dot",
                                                      "v5_dot"]
    chosen = worksheet(BAYDIN, 2.0, 5.0, blanks=[8, "x2_bar"])
    assert chosen.blanks == (8, 11)
    assert chosen.markdown().count("| ? |") == 2
    with pytest.raises(AdlabValueError, match="no line 'v9_bar'"):
        worksheet(BAYDIN, 2.0, 5.0, blanks=["v9_bar"])
    with pytest.raises(AdlabValueError, match="not a line"):
        worksheet(BAYDIN, 2.0, 5.0, blanks=[0])
    with pytest.raises(AdlabValueError, match="no variable of this trace"):
        worksheet("x1 * x2", 2.0, 5.0, blanks="fan-out")


def test_entries_by_line_by_blank_or_by_key_and_blanks_left_empty():
    sheet = worksheet(BAYDIN, 2.0, 5.0, blanks=[8, 11])
    by_blank = sheet.check([1.716, None])
    assert [m.status for m in by_blank] == ["right", "empty"]
    assert "not filled in yet" in by_blank.wrong[0].message
    assert not by_blank.all_right and by_blank.score == 0.5
    by_line = sheet.check([None] * 7 + ["1.716"] + [None] * 2 + [""])
    assert [m.status for m in by_line] == ["right", "empty"]
    assert sheet.check({"x2_bar": 1.716, "v0_bar[2]": 1.716}).all_right
    # a given line that is typed in is marked too
    assert len(sheet.check({"v3_bar": 1.0, "x2_bar": 1.716, "v0_bar[2]": 1.716})) == 3
    with pytest.raises(AdlabValueError, match="3 entries, but the table has 11 lines"):
        sheet.check([1, 2, 3])
    with pytest.raises(AdlabValueError, match="not by row number"):
        sheet.check({0: 1.716})
    with pytest.raises(AdlabValueError, match="check_rows is for a table by variables"):
        sheet.check_rows([1.0] * 7)


def test_check_rows_reads_a_list_by_row_as_a_student_function_returns_it():
    sheet = worksheet(q7, 2.0, mode="reverse", lines="variables")
    right = list(adlab.trace(q7, 2.0).reverse().values)          # v0_bar .. v6_bar
    assert sheet.check_rows(right, rtol=1e-12).all_right
    with pytest.raises(AdlabValueError, match="6 values, but the trace has 7 rows"):
        sheet.check_rows(right[:6])


def test_the_blank_table_shows_no_answer():
    sheet = worksheet(BAYDIN, 2.0, 5.0)
    for shown in (sheet.markdown(), sheet.html(), sheet.text()):
        assert "1.716" not in shown and "0.2837" not in shown
        assert "?" in shown
    assert "0.6931" in sheet.html()       # the primal half is given
    marking = sheet.check(["1"] * 11)
    marked = marking.html()
    assert "wrong" in marked and "1.716" not in marked
    assert "adlab-fillin-messages" in marked
    assert "adlab-fillin-messages" not in sheet.html(marking, messages=False)


def test_bad_requests_are_refused_with_a_reason():
    with pytest.raises(AdlabValueError, match="mode must be one of"):
        worksheet(BAYDIN, 2.0, 5.0, mode="sideways")
    with pytest.raises(AdlabValueError, match="for the reverse sweep"):
        worksheet(BAYDIN, 2.0, 5.0, mode="forward", lines="steps")
    with pytest.raises(AdlabValueError, match="scalar traces"):
        worksheet(lambda x: adlab.sum(x * x), [1.0, 2.0])
    with pytest.raises(AdlabValueError, match="choose a point"):
        worksheet("ln(x1) + x2", -1.0, 1.0)
    with pytest.raises(AdlabValueError, match="the seed 'x3' is not an input"):
        worksheet(BAYDIN, 2.0, 5.0, mode="forward", seed="x3")
    assert worksheet(BAYDIN, 2.0, 5.0, mode="tangent").mode == "forward"
    assert worksheet(BAYDIN, 2.0, 5.0, mode="adjoint").mode == "reverse"


def test_import_stays_numpy_only():
    code = ("import sys, adlab, adlab.fillin; "
            "print(sorted({'ipywidgets', 'matplotlib', 'IPython', 'graphviz'} & set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# -- the widget ---------------------------------------------------------------------------------


def test_widget_marks_each_typed_value_at_once_and_survives_garbage():
    from adlab.widgets import fill_in

    e = fill_in(BAYDIN, (2.0, 5.0), mode="reverse")
    assert list(e.boxes) == [k for k, _ in TABLE_3[1:]]
    assert "10 blanks to fill in" in e.html.value
    e.boxes["v3_bar"].value = "1"
    assert "wrong" in e.marks["v3_bar"].value and "sign is wrong" in e.marks["v3_bar"].value
    e.boxes["v3_bar"].value = "abc"
    assert "&#x27;abc&#x27; is not a number" in e.marks["v3_bar"].value
    assert e.message.value == "" and e.last_error is None     # one box, not the whole view
    e.boxes["v3_bar"].value = "-1"
    assert "right" in e.marks["v3_bar"].value
    assert "1 of 10 blanks right so far" in e.html.value
    e.boxes["v0_bar[2]"].value = "2"
    mark = e.marks["v0_bar[2]"].value
    assert "+=" in mark and "read by 2 operations" in mark
    e.boxes["v0_bar[2]"].value = ""
    assert e.marks["v0_bar[2]"].value == ""
    for key in e.boxes:                        # to 4 significant digits, as a student types
        e.boxes[key].value = f"{e.sheet.line(key).value:.4g}"
    assert "All 10 blanks are right." in e.html.value
    assert "1.716" not in e.html.value.split("blanks are right")[0]
    e.reveal.value = True
    assert "adlab&#x27;s own" in e.html.value or "adlab's own" in e.html.value
    assert "1.716" in e.html.value


def test_widget_static_view_is_the_blank_table():
    from adlab.widgets import fill_in

    e = fill_in(q7, 2.0, mode="forward")
    bundle = e._repr_mimebundle_()
    static = bundle["text/html"]
    assert "seed x\u0307 = 1" in static and "6 blanks" in static
    assert "0.0824" not in static and "?" in static
    assert list(e.boxes) == ["v1_dot", "v2_dot", "v3_dot", "v4_dot", "v5_dot", "v6_dot"]


def test_widget_takes_a_function_a_trace_or_text_for_the_point():
    from adlab.widgets import fill_in

    by_text = fill_in(baydin, "x1=2, x2=5", blanks="fan-out")
    assert list(by_text.boxes) == ["v0_bar[1]", "v-1_bar[1]", "v0_bar[2]", "v-1_bar[2]",
                                   "x1_bar", "x2_bar"]
    t = adlab.trace(q7, 2.0)
    e = fill_in(t, None, lines="variables")
    e.boxes["v0_bar"].value = str(t.reverse()[0])
    assert "right" in e.marks["v0_bar"].value
    with pytest.raises(AdlabValueError, match="mode must be one of"):
        fill_in(BAYDIN, (2.0, 5.0), mode="sideways")
    with pytest.raises(AdlabValueError):
        fill_in(BAYDIN, "x1=2")
