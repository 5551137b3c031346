"""The course notebooks: the standard first cells, slide metadata, no outputs, and each runs."""

from __future__ import annotations

import json
import time

import pytest

from adlab.course import badges_source, notebook_paths, setup_source

from notebook_runs import executed

NOTEBOOKS = notebook_paths()


def test_there_are_notebooks():
    assert [p.name for p in NOTEBOOKS][:1] == ["00_index.ipynb"]
    # sections follow one another: 00, 01, 02, ... with no gap
    assert [int(p.stem[:2]) for p in NOTEBOOKS] == list(range(len(NOTEBOOKS)))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_shape(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    cells = nb["cells"]
    assert badges_source(path.name) in "".join(cells[0]["source"])
    assert "".join(cells[1]["source"]) == setup_source()
    for cell in cells:
        assert cell["metadata"]["slideshow"]["slide_type"] in {"slide", "subslide", "fragment", "-", "skip"}
        notes = cell["metadata"].get("speaker_notes")
        assert notes is None or isinstance(notes, str) and notes.strip()
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None
        # no control characters: LaTeX's \\frac typed in a plain Python string becomes a form
        # feed and "rac", which MathJax cannot typeset
        text = "".join(cell["source"])
        assert not [c for c in text if ord(c) < 32 and c not in "\n\t"], text[:80]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_runs_top_to_bottom_in_a_fresh_kernel(path):
    start = time.perf_counter()
    nb = executed(path)
    print(f"{path.stem}: {time.perf_counter() - start:.1f} s")
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert not errors, errors[0]["evalue"] if errors else ""
