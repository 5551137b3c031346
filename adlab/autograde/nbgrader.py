"""nbgrader's autograde step, with the student's notebook run isolated and judged by its key.

exercises/nbgrader_config.py puts `IsolatedRun` where nbgrader's own Execute
preprocessor was. nbgrader has already restored the locked and test cells from
the gradebook (its sanitising step); IsolatedRun then takes the outputs and
verdicts of that exact notebook from ``runs/<assignment>/<student>/``, where
``python -m adlab.autograde`` left them after running the submissions in
parallel, or, when there is no such run (``nbgrader autograde`` called by
hand), runs it now with adlab.autograde.run. nbgrader's SaveAutoGrades then
records each test cell's points from the verdict outputs.

`sanitize` applies nbgrader's sanitising preprocessors outside nbgrader, so
that the parallel runs start from the notebook nbgrader will grade.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import nbformat
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Float, Int, Unicode

from .run import grade_notebook
from .sandbox import Limits

NOTE = "adlab_grading_note"


def fingerprint(nb) -> str:
    """A hash of the notebook's cells (type, source, grade_id), ignoring outputs and notes."""
    h = hashlib.sha256()
    for cell in nb.cells:
        if cell.get("metadata", {}).get(NOTE):
            continue
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")
        h.update(json.dumps([cell.cell_type, cell.source, gid]).encode())
    return h.hexdigest()


def run_paths(course: Path, assignment: str, student: str, notebook: str) -> tuple[Path, Path]:
    """Where a parallel run keeps a notebook's graded copy and its summary."""
    folder = Path(course) / "runs" / assignment / student
    return folder / f"{notebook}.ipynb", folder / f"{notebook}.json"


def sanitize(nb, course: Path, assignment: str, student: str, notebook: str):
    """NB as nbgrader's autograde sanitises it (locked and test cells from the gradebook)."""
    from nbgrader.preprocessors import (CheckCellMetadata, ClearOutput, DeduplicateIds,
                                        OverwriteCells, OverwriteKernelspec)
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    config = Config()
    cfg = Path(course) / "nbgrader_config.py"
    if cfg.exists():
        config.merge(PyFileConfigLoader(cfg.name, path=str(cfg.parent)).load_config())
    resources = {"nbgrader": {"db_url": f"sqlite:///{Path(course).resolve() / 'gradebook.db'}",
                              "assignment": assignment, "notebook": notebook,
                              "student": student}}
    for cls in (ClearOutput, DeduplicateIds, OverwriteKernelspec, OverwriteCells,
                CheckCellMetadata):
        nb, resources = cls(config=config).preprocess(nb, resources)
    return nb


class IsolatedRun(NbGraderPreprocessor):
    """Give each test cell its verdict: from the parallel run, or by running the notebook now."""

    course_directory = Unicode(".", help="the course folder (keys/ and runs/ are in it)"
                               ).tag(config=True)
    keys_directory = Unicode("keys", help="the keys, one <assignment>.py each").tag(config=True)
    cell_timeout = Float(10.0, help="seconds a cell may run").tag(config=True)
    notebook_timeout = Float(120.0, help="seconds a notebook may run").tag(config=True)
    memory_bytes = Int(2 * 1024 ** 3, help="address space cap of the kernel").tag(config=True)

    def preprocess(self, nb, resources):
        """Args: the sanitised notebook and nbgrader's resources. Returns: (nb, resources)."""
        info = resources["nbgrader"]
        course = Path(self.course_directory)
        assignment, student, notebook = info["assignment"], info["student"], info["notebook"]
        graded, summary = run_paths(course, assignment, student, notebook)
        if graded.exists() and summary.exists():
            done = json.loads(summary.read_text())
            if done.get("fingerprint") == fingerprint(nb):
                self.log.info("Using the isolated run of %s/%s", student, assignment)
                return nbformat.read(graded, as_version=4), resources
            self.log.warning("The run of %s/%s was of another version; running it again",
                             student, assignment)
        from .key import load_key

        key = load_key(course / self.keys_directory / f"{assignment}.py")
        files = course / "submitted" / student / assignment
        run = grade_notebook(nb, key, student=student, assignment=assignment, files=files,
                             limits=Limits(memory_bytes=self.memory_bytes,
                                           cell_seconds=self.cell_timeout,
                                           notebook_seconds=self.notebook_timeout))
        for err in run.key_errors:
            self.log.error("Key %s: %s", assignment, err)
        return run.nb, resources
