"""Check-yourself questions (adlab.quiz): the feedback a student gets, with and without widgets."""

from __future__ import annotations

import math

import pytest

import adlab
from adlab import quiz


def _baydin(x1, x2):
    return adlab.log(x1) + x1 * x2 - adlab.sin(x2)


@pytest.fixture
def dx1():
    """dy/dx1 of Baydin's f at (2, 5), by adlab, checked against the closed form 1/x1 + x2."""
    g = adlab.grad(_baydin, argnums=0)(2.0, 5.0)
    assert g == pytest.approx(1 / 2 + 5, rel=1e-15)
    return quiz.number("dy/dx1 at (2, 5)?", g, mistakes={5.0: "You left out ln's 1/x1."},
                       hint="Add the contributions of both paths from x1 to y.",
                       explain="1/x1 + x2 = 0.5 + 5.")


@pytest.mark.parametrize("typed", ["5.5", " 5.5 ", "5.500", "11/2", "sqrt(30.25)", "5.5001",
                                   "\u22125.5 * -1", 5.5])
def test_right_answers_in_any_form_are_right(dx1, typed):
    fb = dx1.check(typed)
    assert fb.correct and fb.message == "1/x1 + x2 = 0.5 + 5."


def test_a_known_mistake_is_named(dx1):
    fb = dx1.check("5")
    assert not fb.correct and fb.message == "You left out ln's 1/x1."


def test_sign_and_digits_are_told_apart_from_wrong(dx1):
    assert dx1.check("-5.5").message.startswith("-5.5 has the right size but the wrong sign.")
    assert "at least four significant digits" in dx1.check("5.52").message
    wrong = dx1.check("7")
    assert not wrong.correct
    assert wrong.message == "7 is not it. Add the contributions of both paths from x1 to y."


@pytest.mark.parametrize("typed, says", [
    ("", "type a number first"), ("x1", "is not a number"), ("5,5", "as a point (5.5)"),
    ("5.5.5", "is not a number"), ("__import__('os')", "is not a number")])
def test_unreadable_input_says_what_to_type(dx1, typed, says):
    with pytest.raises(ValueError, match=says.replace("(", r"\(").replace(")", r"\)")):
        dx1.check(typed)


def test_overflow_is_not_a_finite_number(dx1):
    assert dx1.check("1e999").message == "inf is not a finite number."
    with pytest.raises(ValueError, match=r"'9\*\*9\*\*9' is too large for a float"):
        dx1.check("9**9**9")  # refused before it is computed (it would take minutes)


def test_tolerance_of_a_zero_answer():
    q = quiz.number("cos(pi/2)?", math.cos(math.pi / 2), atol=1e-9)
    assert q.check("0").correct and not q.check("0.01").correct


def test_questions_refuse_what_cannot_be_asked():
    with pytest.raises(ValueError, match="finite"):
        quiz.number("?", float("nan"))
    with pytest.raises(ValueError, match="cannot be told apart"):
        quiz.number("?", 1.0, mistakes={1.0001: "no"})
    with pytest.raises(ValueError, match="not one of the options"):
        quiz.choice("?", ["a", "b"], "c")
    with pytest.raises(ValueError, match="not options"):
        quiz.choice("?", ["a", "b"], "a", why={"z": "?"})
    with pytest.raises(ValueError, match="two or more different"):
        quiz.choice("?", ["a", "a"], "a")


def test_choice_feedback_by_text_and_position():
    q = quiz.choice("A gradient of f: R^1000 -> R costs fewest passes in", ["forward mode",
                    "reverse mode"], "reverse mode",
                    why={"forward mode": "Forward mode needs one pass per input: 1000."})
    assert q.check("reverse mode").correct
    assert q.check(0) == quiz.Feedback(False, "Forward mode needs one pass per input: 1000.")
    with pytest.raises(ValueError, match="pick one"):
        q.check(None)
    with pytest.raises(ValueError, match="there are 2 options"):
        q.check(2)


def test_the_widget_gives_the_same_feedback(dx1):
    box = dx1.widget
    assert "adlab-quiz" in box._dom_classes
    dx1.box.value = "5"
    assert "Not yet." in dx1.feedback.value and "ln&#x27;s 1/x1" in dx1.feedback.value
    dx1.box.value = "abc"  # unreadable: a message, and the question keeps working
    assert "is not a number" in dx1.feedback.value and dx1.last is None
    dx1.box.value = "5.5"
    assert "Right." in dx1.feedback.value and dx1.last.correct
    dx1.feedback.value = ""
    dx1.button.click()  # the Check button re-checks what is typed
    assert "Right." in dx1.feedback.value

    q = quiz.choice("Which mode?", ["forward", "reverse"], "reverse", why={"forward": "n passes."})
    q.widget
    q.buttons.value = "forward"
    assert "Not yet." in q.feedback.value and "n passes." in q.feedback.value
    q.buttons.value = "reverse"
    assert "Right." in q.feedback.value


def test_static_html_folds_the_answer_and_lists_options(dx1):
    page = dx1.static_html()
    assert page.startswith('<div class="adlab-quiz-static">')
    assert "<details><summary>Answer</summary><p>5.5. 1/x1 + x2 = 0.5 + 5.</p></details>" in page
    q = quiz.choice("$x < y$?", ["yes", "no"], "no")
    assert "<li>yes</li><li>no</li>" in q.static_html() and "$x &lt; y$" in q.static_html()
    bundle = q._repr_mimebundle_()
    assert bundle["text/html"] == q.static_html()
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == q.widget.model_id


def test_thousands_separators_are_read_and_answers_written_as_students_write_them():
    q = quiz.number("How many evaluations?", 2_000_000.0)
    assert q.check("2,000,000").correct and q.check("2000000").correct
    assert not q.check("1,000,001").correct
    assert q.answer_text() == "2,000,000."
    with pytest.raises(ValueError, match=r"decimal point as a point \(2\.5\)"):
        q.check("2,5")
    assert quiz.number("?", 0.5).answer_text() == "0.5."


def test_a_choice_without_explain_folds_the_reason_for_its_answer():
    q = quiz.choice("Which?", ["add", "sin"], "add", why={"add": "Python adds first.",
                                                          "sin": "Not yet."})
    assert "<p>add. Python adds first.</p>" in q.static_html()
