"""Check-yourself questions for the course notebooks: an answer checked at once, with feedback.

`number` asks for a number, `choice` for one of several options. The notebook
computes the expected answer (from adlab's trace, a closed form or numpy) and
passes it in; the student types or picks, and the question says at once
whether that is right, and if not, what is wrong: a known mistake is named
(``mistakes``: the value it gives, and why), a wrong sign or too few digits
are told apart from a wrong answer. Nothing is graded or stored; it runs
wherever ipywidgets does (Colab with ipywidgets 7, JupyterLab with 8), with no
nbgrader.

Without a widget front end (exported HTML pages, slide decks) a question shows
its prompt and options, with the answer folded under "Answer" for a lecturer
to open. `Question.check` gives the same feedback as the widget, for tests and
for a student without widgets::

    q = number("dy/dx1 of Baydin's f at (2, 5)?", 5.5, mistakes={0.5: "..."})
    q.check("5.5").correct   # True
"""

from __future__ import annotations

import html
import math
import re
import warnings
from dataclasses import dataclass

# A typed number counts as right within this relative distance of the answer
# (4 significant digits), or ATOL of it.
RTOL = 5e-4
ATOL = 1e-12
CLOSE = 5e-2  # within this relative distance: "close, give more digits"


@dataclass(frozen=True)
class Feedback:
    """What a student is told about one answer.

    Attributes:
        correct: whether the answer is right.
        message: one or two sentences: why it is right, or what is wrong.
    """

    correct: bool
    message: str

    def html(self) -> str:
        colour, word = ("#1b6e1b", "Right.") if self.correct else ("#a61b1b", "Not yet.")
        return (f'<div class="adlab-quiz-feedback" style="color:{colour}">'
                f"<b>{word}</b> {html.escape(self.message)}</div>")


def _read_number(text) -> float:
    """The number a student typed: ``5.5``, ``-1/3``, ``1e-8``, ``sqrt(2)``, ``2*pi``."""
    from .expressions import ExpressionError, parse

    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return float(text)
    text = str(text).strip().replace("\u2212", "-")
    if not text:
        raise ValueError("type a number first, then press Enter or Check.")
    try:
        return float(text)
    except ValueError:
        pass
    if re.fullmatch(r"[-+]?\d{1,3}(,\d{3})+(\.\d*)?", text):  # thousands: 2,000,000
        return float(text.replace(",", ""))
    if re.fullmatch(r"[-+]?\d+,\d+", text):
        raise ValueError(f"{text!r}: write the decimal point as a point ({text.replace(',', '.')}).")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # overflow: inf, said below
            value = parse(text, variables=())()
    except ExpressionError as exc:
        if "too large" in str(exc):  # 9**9**9: the parser refuses it before computing it
            raise ValueError(f"{text!r} is too large for a float (beyond 1.8e308).") from None
        raise ValueError(f"{text!r} is not a number: type one such as 5.5, -1/3, 1.2e-8 or "
                         f"sqrt(2).") from None
    return float(value)


def _fmt(v: float) -> str:
    """A number as a student would write it: 2,000,000 (not 2e+06), 0.5, 1.71634, 1e-08."""
    if math.isfinite(v) and v == round(v) and 1e4 <= abs(v) < 1e15:
        return f"{v:,.0f}"
    return f"{v:.6g}"


class Question:
    """A check-yourself question; display it in a notebook cell.

    Subclasses define `check` and the controls. Attributes: ``prompt`` (text,
    with $...$ maths), ``widget`` (built on first display), ``last`` (the
    last `Feedback` shown, or None).
    """

    kind = "question"

    def __init__(self, prompt: str, explain: str = ""):
        self.prompt = prompt
        self.explain = explain
        self.last = None
        self._widget = None

    def check(self, answer) -> Feedback:  # pragma: no cover - subclasses define it
        raise NotImplementedError

    def answer_text(self) -> str:  # pragma: no cover - subclasses define it
        raise NotImplementedError

    def _controls(self):  # pragma: no cover - subclasses define it
        raise NotImplementedError

    @property
    def widget(self):
        """The ipywidgets box: prompt, controls, feedback (built once)."""
        if self._widget is None:
            import ipywidgets as w

            self.feedback = w.HTML(value="")
            prompt = w.HTMLMath(value=f"<b>Check yourself.</b> {html.escape(self.prompt)}")
            self._widget = w.VBox([prompt, self._controls(), self.feedback])
            self._widget.add_class("adlab-quiz")
        return self._widget

    def _show(self, answer):
        try:
            self.last = self.check(answer)
            self.feedback.value = self.last.html()
        except ValueError as exc:  # unreadable input: say so, keep the question usable
            self.last = None
            self.feedback.value = (f'<div class="adlab-quiz-feedback" style="color:#8a5a00">'
                                   f"{html.escape(str(exc))}</div>")

    def static_html(self) -> str:
        """The question without widgets: prompt, options, and the answer folded away."""
        parts = [f'<div class="adlab-quiz-static"><p><b>Check yourself.</b> '
                 f"{html.escape(self.prompt)}</p>", self._static_options(),
                 f"<details><summary>Answer</summary><p>{html.escape(self.answer_text())}"]
        because = self.explain or self._why_right()
        if because:
            parts.append(f" {html.escape(because)}")
        parts.append("</p></details></div>")
        return "".join(parts)

    def _static_options(self) -> str:
        return ""

    def _why_right(self) -> str:
        """What the question says about its right answer, when it has no `explain`."""
        return ""

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {
            "application/vnd.jupyter.widget-view+json": {
                "version_major": 2, "version_minor": 0, "model_id": self.widget.model_id},
            "text/html": self.static_html(),
            "text/plain": f"Check yourself: {self.prompt}",
        }


class NumberQuestion(Question):
    """A question answered by a number; see `number`."""

    kind = "number"

    def __init__(self, prompt, answer, rtol=RTOL, atol=ATOL, mistakes=None, hint="",
                 explain=""):
        super().__init__(prompt, explain)
        answer = float(answer)
        if not math.isfinite(answer):
            raise ValueError(f"quiz.number: the expected answer is {answer}; a question needs a "
                             f"finite number.")
        self.answer = answer
        self.rtol, self.atol = float(rtol), float(atol)
        self.mistakes = {float(k): v for k, v in (mistakes or {}).items()}
        self.hint = hint
        for wrong in self.mistakes:
            if self._near(wrong, answer):
                raise ValueError(f"quiz.number: the mistake {wrong} is within the tolerance of "
                                 f"the answer {answer}; the two cannot be told apart.")

    def _near(self, got, want, rtol=None) -> bool:
        rtol = self.rtol if rtol is None else rtol
        return abs(got - want) <= max(self.atol, rtol * abs(want))

    def check(self, answer) -> Feedback:
        """Feedback on a typed answer (a string or a number).

        Raises:
            ValueError: the text is empty or not a number; the message says what to type.
        """
        got = _read_number(answer)
        if not math.isfinite(got):
            return Feedback(False, f"{_fmt(got)} is not a finite number.")
        if self._near(got, self.answer):
            return Feedback(True, self.explain or f"The answer is {_fmt(self.answer)}.")
        for wrong, why in self.mistakes.items():
            if self._near(got, wrong):
                return Feedback(False, why)
        if self.answer != 0 and self._near(-got, self.answer):
            return Feedback(False, f"{_fmt(got)} has the right size but the wrong sign. "
                                   f"{self.hint}".strip())
        if self.answer != 0 and self._near(got, self.answer, CLOSE):
            return Feedback(False, f"{_fmt(got)} is close but not within "
                                   f"{self.rtol:.0e} of the answer: give at least four "
                                   f"significant digits.")
        return Feedback(False, f"{_fmt(got)} is not it. {self.hint}".strip())

    def answer_text(self) -> str:
        return _fmt(self.answer) + "."

    def _controls(self):
        import ipywidgets as w

        self.box = w.Text(placeholder="type a number, then Enter", continuous_update=False)
        self.button = w.Button(description="Check")
        self.box.observe(lambda change: self._show(change["new"]), names="value")
        self.button.on_click(lambda _: self._show(self.box.value))
        return w.HBox([self.box, self.button])


class ChoiceQuestion(Question):
    """A question answered by picking one option; see `choice`."""

    kind = "choice"

    def __init__(self, prompt, options, answer, why=None, explain=""):
        super().__init__(prompt, explain)
        self.options = [str(o) for o in options]
        if len(set(self.options)) != len(self.options) or len(self.options) < 2:
            raise ValueError("quiz.choice: give two or more different options.")
        if str(answer) not in self.options:
            raise ValueError(f"quiz.choice: the answer {answer!r} is not one of the options "
                             f"{self.options}.")
        self.answer = str(answer)
        self.why = {str(k): v for k, v in (why or {}).items()}
        unknown = set(self.why) - set(self.options)
        if unknown:
            raise ValueError(f"quiz.choice: why= names {sorted(unknown)}, which are not options.")

    def check(self, answer) -> Feedback:
        """Feedback on a picked option (its text, or its 0-based position as an int).

        Raises:
            ValueError: no option was picked, or it is not one of the options.
        """
        if answer is None:
            raise ValueError("pick one of the options.")
        if isinstance(answer, int) and not isinstance(answer, bool):
            if not 0 <= answer < len(self.options):
                raise ValueError(f"there are {len(self.options)} options; pick one of them.")
            answer = self.options[answer]
        answer = str(answer)
        if answer not in self.options:
            raise ValueError(f"{answer!r} is not one of the options.")
        if answer == self.answer:
            return Feedback(True, self.why.get(answer) or self.explain or "")
        return Feedback(False, self.why.get(answer, "Think again about what the question asks."))

    def answer_text(self) -> str:
        return self.answer + "." if not self.answer.endswith(".") else self.answer

    def _why_right(self) -> str:
        return self.why.get(self.answer, "")

    def _static_options(self) -> str:
        items = "".join(f"<li>{html.escape(o)}</li>" for o in self.options)
        return f"<ol type='a'>{items}</ol>"

    def _controls(self):
        import ipywidgets as w

        self.buttons = w.RadioButtons(options=self.options, value=None)
        self.buttons.layout.width = "auto"
        self.buttons.observe(lambda change: change["new"] is not None
                             and self._show(change["new"]), names="value")
        return self.buttons


def number(prompt: str, answer: float, *, rtol: float = RTOL, atol: float = ATOL,
           mistakes: dict | None = None, hint: str = "", explain: str = "") -> NumberQuestion:
    """A question answered by typing a number.

    Args:
        prompt: the question (plain text, $...$ for maths).
        answer: the expected value, computed in the notebook (never typed in).
        rtol, atol: how close a typed answer must be (default: four significant digits).
        mistakes: {wrong value: why it is wrong}, for the mistakes students make
            (a missing accumulation, a forgotten chain-rule factor, ...).
        hint: said after any other wrong answer.
        explain: said after the right answer (why it is right).
    """
    return NumberQuestion(prompt, answer, rtol, atol, mistakes, hint, explain)


def choice(prompt: str, options, answer: str, *, why: dict | None = None,
           explain: str = "") -> ChoiceQuestion:
    """A question answered by picking one of `options`.

    Args:
        prompt: the question (plain text, $...$ for maths).
        options: the options' texts, in the order shown.
        answer: the right option's text.
        why: {option: what to say when it is picked}, for right and wrong ones.
        explain: said after the right answer when `why` has nothing for it.
    """
    return ChoiceQuestion(prompt, options, answer, why, explain)


__all__ = ["Feedback", "Question", "NumberQuestion", "ChoiceQuestion", "number", "choice"]
