"""The glossary: every term's notation is LaTeX that typesets, and its display names what it shows."""

from __future__ import annotations

import pytest

from adlab.glossary import GLOSSARY, Term, glossary, glossary_markdown


def _balanced(tex: str) -> bool:
    depth = 0
    for ch in tex:
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


@pytest.mark.parametrize("name", list(GLOSSARY))
def test_each_term_is_typeset_maths_with_a_meaning(name):
    term = GLOSSARY[name]
    assert isinstance(term, Term)
    if term.notation:
        assert term.notation.startswith("$") and term.notation.endswith("$"), term.notation
        assert term.notation.count("$") == 2 and _balanced(term.notation), term.notation
    assert term.meaning.count("$") % 2 == 0 and _balanced(term.meaning), term.meaning
    assert len(term.meaning.split()) >= 5
    assert term.code.count("`") % 2 == 0, term.code  # whole code spans
    if term.code:
        assert term.code.startswith("`"), term.code


def test_the_vocabulary_of_the_course_is_there():
    for word in ("primal", "tangent", "adjoint", "seed", "accumulation", "evaluation trace",
                 "JVP", "VJP", "Jacobian", "fan-out", "checkpointing"):
        assert word in GLOSSARY


def test_some_terms_display_as_a_markdown_table_in_the_order_asked():
    text = glossary("adjoint", "tangent")._repr_markdown_()
    lines = text.strip().splitlines()
    assert lines[0] == "| term | notation | in code | meaning |"
    assert lines[2].startswith("| adjoint | $\\bar v_i") and lines[3].startswith("| tangent | $\\dot v_i")
    assert len(lines) == 4
    assert glossary_markdown().count("\n") == len(GLOSSARY) + 2


def test_an_unknown_term_names_itself_and_the_known_ones():
    with pytest.raises(ValueError, match=r"glossary: no term 'adjiont'; the terms are .*'adjoint'"):
        glossary("adjiont")
