"""nbgrader support for the exercises: keep hidden tests out of feedback.

nbgrader removes ``### BEGIN HIDDEN TESTS`` regions from the released
notebooks, but autograding puts them back, so the feedback a student receives
would show the hidden tests and their tracebacks (jupyter/nbgrader#917).
`HideHiddenTests` runs in ``GenerateFeedback`` (see exercises/nbgrader_config.py):
in every autograder-test cell it removes the hidden region from the source and
shortens an error to its last line (``AssertionError: ...``), so the student
sees which test failed and its message but not its code.

This module imports nbconvert; ``import adlab`` does not load it.
"""

from __future__ import annotations

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool, Unicode

HIDDEN_NOTE = "# (hidden tests ran here; their code is not shown)"


class HideHiddenTests(Preprocessor):
    """Remove hidden-test code and tracebacks from autograder-test cells.

    Configurable: ``begin`` and ``end`` delimiters (nbgrader's defaults).
    """

    enabled = Bool(True).tag(config=True)  # nbconvert's default is off
    begin = Unicode("BEGIN HIDDEN TESTS").tag(config=True)
    end = Unicode("END HIDDEN TESTS").tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        """Args: a cell, the resources, its index. Returns: (cell, resources)."""
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.cell_type != "code" or not meta.get("grade") or meta.get("solution"):
            return cell, resources
        cell.source, hidden = strip_hidden(cell.source, self.begin, self.end)
        if hidden:
            for out in cell.get("outputs", []):
                if out.get("output_type") == "error":
                    out["traceback"] = [f"{out.get('ename', 'Error')}: {out.get('evalue', '')}"]
        return cell, resources


def strip_hidden(source: str, begin: str = "BEGIN HIDDEN TESTS",
                 end: str = "END HIDDEN TESTS") -> tuple[str, bool]:
    """Replace each hidden region of a cell's source by one comment line.

    Args:
        source: the cell's source.
        begin, end: the delimiters (matched anywhere in a line).
    Returns:
        ``(new_source, found)``; found is True when a region was removed.
    """
    lines, inside, found = [], False, False
    for line in source.split("\n"):
        if begin in line:
            inside, found = True, True
            lines.append(HIDDEN_NOTE)
        elif end in line and inside:
            inside = False
        elif not inside:
            lines.append(line)
    return "\n".join(lines), found
