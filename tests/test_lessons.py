"""The lessons' shape: what a student and a lecturer can count on in every section's notebook.

Each lesson (sections 01 onwards) states learning goals, explains in at least
MIN_WORDS words of prose, asks at least three check-yourself questions
(adlab.quiz) answered at once, ends with a summary and its sources, and makes
a deck of 12 to 25 slides, each with speaker notes and no code longer than 12
lines. The index (00) has the course map, who it is for, a first cell for
PyTorch users and the glossary. Every decimal number written in the prose is
one the notebook computes or uses: it appears, at the precision written, in
the notebook's code or in its outputs.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest

from adlab.course import notebook_paths

from notebook_runs import executed

MIN_WORDS = 1500  # prose for students, speaker notes not counted
MIN_SLIDES, MAX_SLIDES = 12, 25
MAX_CODE_LINES = 12
MIN_QUESTIONS = 3
# every section is a lesson (issue 15 brought 00-05 to this standard, issue 16 06-12)
LESSONS = notebook_paths()


def _cells(path):
    return json.loads(Path(path).read_text(encoding="utf-8"))["cells"]


def _source(cell) -> str:
    return "".join(cell["source"])


def _slide_type(cell) -> str:
    return cell["metadata"].get("slideshow", {}).get("slide_type", "-")


def _prose(cells) -> str:
    return "\n".join(_source(c) for c in cells if c["cell_type"] == "markdown")


def _headings(cells) -> list:
    return [m.group(1).strip().lower() for c in cells if c["cell_type"] == "markdown"
            for m in re.finditer(r"(?m)^#{1,3}\s+(.+)$", _source(c))]


def words(text: str) -> int:
    """Words of prose: Markdown and maths markup, links' targets and code spans removed."""
    text = re.sub(r"\]\([^)]*\)", "]", text)            # link targets
    text = re.sub(r"`[^`]*`", " code ", text)             # a code span is one word
    text = re.sub(r"\$\$.*?\$\$", " formula ", text, flags=re.S)
    text = re.sub(r"\$[^$]*\$", " formula ", text)
    return len(re.findall(r"[A-Za-z][A-Za-z'-]*", text))


def slides(cells) -> list:
    """The deck's slides: lists of the cells each shows (skip cells left out)."""
    groups = []
    for cell in cells:
        kind = _slide_type(cell)
        if kind in ("slide", "subslide") or not groups:
            groups.append([])
        if kind != "skip":
            groups[-1].append(cell)
    return [g for g in groups if g]


def lesson_ids(p):
    return p.stem


@pytest.mark.parametrize("path", LESSONS, ids=lesson_ids)
def test_deck_has_12_to_25_slides_each_with_speaker_notes(path):
    deck = slides(_cells(path))
    assert MIN_SLIDES <= len(deck) <= MAX_SLIDES, f"{path.stem}: {len(deck)} slides"
    for i, group in enumerate(deck, 1):
        notes = " ".join(c["metadata"].get("speaker_notes", "") for c in group)
        first = _source(group[0]).strip().splitlines()[0][:60] if _source(group[0]).strip() else ""
        assert words(notes) >= 15, f"{path.stem}, slide {i} ({first!r}): no speaker notes"


@pytest.mark.parametrize("path", LESSONS, ids=lesson_ids)
def test_code_on_slides_is_short(path):
    for cell in _cells(path):
        if cell["cell_type"] == "code" and _slide_type(cell) != "skip":
            lines = _source(cell).strip().splitlines()
            assert len(lines) <= MAX_CODE_LINES, \
                f"{path.stem}: a code cell on a slide has {len(lines)} lines: {lines[0]!r}"


@pytest.mark.parametrize("path", [p for p in LESSONS if p.stem[:2] != "00"], ids=lesson_ids)
def test_lesson_has_goals_prose_questions_summary_and_sources(path):
    cells = _cells(path)
    heads = _headings(cells)
    assert any(h.startswith("learning goals") for h in heads[:3]), \
        f"{path.stem}: no 'Learning goals' heading near the top: {heads[:3]}"
    assert "summary" in heads, f"{path.stem}: no 'Summary' heading"
    assert any(h in ("sources", "sources and further reading", "references") for h in heads), \
        f"{path.stem}: no 'Sources' heading"
    n = words(_prose(cells))
    assert n >= MIN_WORDS, f"{path.stem}: {n} words of prose, fewer than {MIN_WORDS}"
    asked = [c for c in cells if c["cell_type"] == "code"
             and re.search(r"\bquiz\.(number|choice)\(", _source(c))]
    assert len(asked) >= MIN_QUESTIONS, f"{path.stem}: {len(asked)} check-yourself questions"


@pytest.mark.parametrize("path", LESSONS, ids=lesson_ids)
def test_prose_speaks_to_a_student(path):
    prose = _prose(_cells(path)).lower()
    for phrase in ("seed notes", "seed document", "the seeds"):
        assert phrase not in prose, f"{path.stem} mentions {phrase!r}, which means nothing to a student"


def test_index_maps_the_course_and_starts_pytorch_users():
    path = [p for p in LESSONS if p.stem.startswith("00")][0]
    cells = _cells(path)
    prose = _prose(cells)
    for p in notebook_paths():
        if p.stem[:2] != "00":
            assert f"({p.name})" in prose, f"the course map does not link {p.name}"
    heads = _headings(cells)
    assert any("who" in h and "for" in h for h in heads), heads
    code = "\n".join(_source(c) for c in cells if c["cell_type"] == "code")
    assert "requires_grad=True" in code and ".backward()" in code  # the PyTorch-style start
    assert "value_and_grad" in code or "adlab.grad" in code       # beside the JAX-style one


# --- every number in the prose is computed (or used) by the notebook -----------------

# a decimal number, or a mantissa times a power of ten: 1.5, -17.10, 1.5e-10, 1.5 \times 10^{-10}
_NUMBER = re.compile(
    r"(?<![\w.])(-|\u2212)?(\d+\.\d+|\d+)(?:\s*(?:\\times|\\cdot|×)\s*10\^\{?(-?\d+)\}?"
    r"|[eE]([-+]?\d+))?(?![\w.])")
# numbers that name things, not values: section 2.5 of d2l, Python 3.13, version 8.1
_NAMING = re.compile(r"(section|sections|chapter|§|table|tables|figure|eq\.|equation|python|"
                     r"version|ipywidgets|jupyterlab|d2l|step)\s*$", re.IGNORECASE)


def _written_numbers(text: str) -> list:
    """(text, value, half-unit of the last digit written) for each decimal number in TEXT."""
    text = re.sub(r"\]\([^)]*\)", "]", text)  # links
    found = []
    for m in _NUMBER.finditer(text):
        sign, digits, power, exp = m.groups()
        if "." not in digits and power is None and exp is None:
            continue  # integers: counts, years, indices
        if _NAMING.search(text[max(0, m.start() - 14):m.start()]):
            continue
        decimals = len(digits.split(".")[1]) if "." in digits else 0
        scale = int(power or exp or 0)
        value = float(digits) * 10.0 ** scale * (-1 if sign else 1)
        found.append((m.group(0), value, 0.5 * 10.0 ** (scale - decimals)))
    return found


def _known_numbers(nb) -> list:
    """Every number in the notebook's code and outputs."""
    texts = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        texts.append(cell.source)
        for out in cell.get("outputs", []):
            if "text" in out:
                texts.append(out["text"])
            for kind in ("text/plain", "text/html", "text/markdown", "text/latex"):
                if kind in out.get("data", {}):
                    texts.append(out["data"][kind])
    values = []
    for text in texts:
        for m in re.finditer(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?", text):
            try:
                values.append(float(m.group(0)))
            except ValueError:
                pass
        # a power of ten written in LaTeX or HTML: 10^{-8}, 10<sup>-8</sup>
        for m in re.finditer(r"(\d+(?:\.\d+)?)\s*(?:\\times|×|&times;)\s*10(?:\^\{?|<sup>)(-?\d+)",
                             text):
            values.append(float(m.group(1)) * 10.0 ** int(m.group(2)))
    return values


@pytest.mark.parametrize("path", LESSONS, ids=lesson_ids)
def test_every_number_in_the_prose_is_computed_in_the_notebook(path):
    nb = executed(path)
    known = _known_numbers(nb)
    prose = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    unexplained = []
    for text, value, half in _written_numbers(prose):
        if not any(abs(k - value) <= half * (1 + 1e-9) for k in known if math.isfinite(k)):
            unexplained.append(text.strip())
    assert not unexplained, (f"{path.stem}: numbers written in the prose that the notebook "
                             f"neither uses nor prints: {unexplained}")


@pytest.mark.parametrize("path", [p for p in LESSONS if p.stem[:2] != "00"], ids=lesson_ids)
def test_check_yourself_questions_run(path):
    nb = executed(path)
    shown = sum("adlab-quiz-static" in out.get("data", {}).get("text/html", "")
                for c in nb.cells if c.cell_type == "code" for out in c.outputs)
    assert shown >= MIN_QUESTIONS, f"{path.stem}: {shown} questions displayed"


def test_the_number_finder():
    found = [(t, v) for t, v, _ in _written_numbers(
        r"h* is 1.5 \times 10^{-8}, the error 2.3e-10, y = -17.10 and 3 steps; d2l section 2.5; "
        r"Python 3.13; [link](https://x.org/a1.5)")]
    assert [t for t, _ in found] == [r"1.5 \times 10^{-8}", "2.3e-10", "-17.10"]
    assert [v for _, v in found] == pytest.approx([1.5e-8, 2.3e-10, -17.1], rel=1e-12)
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 0.3", outputs=[
        nbformat.v4.new_output("stream", name="stdout", text="error 1.4981e-10, y = -17.0993\n"),
        nbformat.v4.new_output("display_data", data={"text/html": "h = 1.2 &times; 10<sup>-8</sup>"})])])
    known = _known_numbers(nb)
    for prose, ok in [("1.5e-10", True), (r"1.50 \times 10^{-10}", True), ("-17.10", True),
                      ("-17.099", True), ("17.10", False), ("1.6e-10", False), ("0.3", True),
                      ("1.2e-8", True), ("0.30001", False)]:
        (text, value, half), = _written_numbers(prose)
        assert any(abs(k - value) <= half * (1 + 1e-9) for k in known) == ok, prose


MAX_OUTPUT_CHARS = 100  # a printed line wider than this wraps on a 1280 px slide


def _printed_text(out) -> str:
    """The plain text an output shows as text on a slide: printed streams and results that
    have no richer form (HTML, Markdown and pictures are laid out by the browser)."""
    if out.get("output_type") == "stream":
        return out.get("text", "")
    data = out.get("data", {})
    if any(kind in data for kind in ("text/html", "text/markdown", "image/png", "image/svg+xml")):
        return ""
    return str(data.get("text/plain", ""))


@pytest.mark.parametrize("path", LESSONS, ids=lesson_ids)
def test_printed_lines_on_slides_do_not_wrap(path):
    """A table printed on a slide keeps its columns: no line of text output is wider than the
    slide shows (the deck's overflow check sees a wrapped line as fitting)."""
    nb = executed(path)
    for cell in nb.cells:
        if cell.cell_type != "code" or _slide_type(cell) == "skip":
            continue
        for out in cell.outputs:
            text = _printed_text(out)
            wide = [line for line in str(text).splitlines() if len(line) > MAX_OUTPUT_CHARS]
            assert not wide, f"{path.stem}: a printed line of {len(wide[0])} characters: {wide[0][:60]!r}"
