"""One submission's grading, as a worker process of ``python -m adlab.autograde`` runs it.

`grade_submission` sanitises each submitted notebook as nbgrader will, runs it in
the sandbox, has the key judge it, and leaves the graded copy and a summary in
``runs/<assignment>/<student>/`` for nbgrader's autograde step
(adlab.autograde.nbgrader.IsolatedRun). It lives apart from __main__ so that
worker processes can import it.
"""

from __future__ import annotations

import json
import time
from pathlib import Path


def submissions(course: Path, only: list[str] | None = None) -> list[tuple[str, str]]:
    """(student, assignment) for every submitted/<student>/<assignment>/ with a source."""
    out = []
    sub = course / "submitted"
    if not sub.is_dir():
        return out
    for student in sorted(p.name for p in sub.iterdir() if p.is_dir()):
        for folder in sorted(p for p in (sub / student).iterdir() if p.is_dir()):
            if (course / "source" / folder.name).is_dir() and (not only or folder.name in only):
                out.append((student, folder.name))
    return out


def notebooks_of(course: Path, assignment: str) -> list[str]:
    """The notebook names (without .ipynb) of an assignment's source."""
    return sorted(p.stem for p in (course / "source" / assignment).glob("*.ipynb"))


def grade_submission(course: str, student: str, assignment: str) -> dict:
    """Run and judge one submission (in a worker process). Returns its summary."""
    import nbformat

    from .key import load_key
    from .nbgrader import fingerprint, run_paths, sanitize
    from .run import grade_notebook

    course = Path(course)
    start = time.monotonic()
    result = {"student": student, "assignment": assignment, "points": 0.0, "max": 0.0,
              "notes": [], "key_errors": [], "error": ""}
    try:
        key = load_key(course / "keys" / f"{assignment}.py")
        folder = course / "submitted" / student / assignment
        for name in notebooks_of(course, assignment):
            path = folder / f"{name}.ipynb"
            if not path.exists():
                result["notes"].append(f"{name}.ipynb was not submitted")
                continue
            try:
                nb = nbformat.read(path, as_version=4)
            except Exception as err:   # not a notebook: nbgrader scores it 0
                result["notes"].append(f"{name}.ipynb is not a readable notebook ({err})")
                continue
            nb = sanitize(nb, course, assignment, student, name)
            print_fp = fingerprint(nb)
            run = grade_notebook(nb, key, student=student, assignment=assignment, files=folder)
            graded, summary = run_paths(course, assignment, student, name)
            graded.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(run.nb, graded)
            got, most = run.score()
            result["points"] += got
            result["max"] += most
            if run.stopped:
                result["notes"].append(run.stopped)
            result["key_errors"] += run.key_errors
            summary.write_text(json.dumps({
                "fingerprint": print_fp, "points": got, "max": most, "stopped": run.stopped,
                "seconds": run.seconds,
                "verdicts": {g: [v[0], v[1], v[2].message] for g, v in run.verdicts.items()}},
                indent=1))
    except Exception as err:   # a fault of the grader or a key: reported, not hidden
        result["error"] = f"{type(err).__name__}: {err}"
    result["seconds"] = time.monotonic() - start
    return result
