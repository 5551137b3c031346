"""One submission's grading, as a worker process of ``python -m adlab.autograde`` runs it.

`grade_submission` sanitises each submitted notebook as nbgrader will, runs it in
the sandbox, has the key judge it, and leaves the graded copy and a summary in
``runs/<assignment>/<student>/``. Then, in the same worker, nbgrader's autograde
(whose IsolatedRun step takes that run: adlab.autograde.nbgrader) records the grades
in the gradebook and nbgrader's generate_feedback writes the feedback page, for that
one student, through nbgrader's Python API. So every step of a submission runs JOBS
at a time, and a class of hundreds is graded as fast as the cores allow. It lives
apart from __main__ so that worker processes can import it.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

# nbgrader's API for this worker process, made once per course (importing nbgrader and
# reading the configuration take about a second)
_APIS: dict = {}
# SQLite lets one process write at a time; a worker that finds the gradebook locked
# waits and tries again
LOCK_RETRIES = 8


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


def grade_submission(course: str, student: str, assignment: str, record: bool = False) -> dict:
    """Run and judge one submission (in a worker process). Returns its summary.

    With RECORD, nbgrader's autograde and generate_feedback follow for this student.
    """
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
    if record:
        start = time.monotonic()
        result["log"] = ""
        for step in ("autograde", "generate_feedback"):
            ok, log = nbgrader_step(course, step, assignment, student)
            result["log"] += f"$ nbgrader {step} {assignment} --student {student}\n{log}\n"
            if not ok and not result["error"]:
                result["error"] = f"nbgrader {step} failed (see autograde.log)"
        result["nbgrader_seconds"] = time.monotonic() - start
    return result


def _api(course: Path):
    """nbgrader's API on COURSE, with the course's nbgrader_config.py (once per process)."""
    if course not in _APIS:
        from nbgrader.apps import NbGraderAPI
        from nbgrader.coursedir import CourseDirectory
        from traitlets.config import Config
        from traitlets.config.loader import PyFileConfigLoader

        config = Config()
        cfg = course / "nbgrader_config.py"
        if cfg.exists():
            config.merge(PyFileConfigLoader(cfg.name, path=str(cfg.parent)).load_config())
        config.CourseDirectory.root = str(course)
        _APIS[course] = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
    return _APIS[course]


def nbgrader_step(course: Path, step: str, assignment: str, student: str) -> tuple[bool, str]:
    """nbgrader's autograde or generate_feedback for one student. Returns (success, log)."""
    import logging
    import random
    import warnings

    # nbgrader 0.9's gradebook trips SQLAlchemy's "not in session" warning on every
    # autograde; it is harmless (nbgrader's own command shows it too) and would bury the
    # progress line
    warnings.filterwarnings("ignore", message=".*not in session.*")
    api = _api(Path(course))
    api.log.setLevel(logging.WARNING)
    log = ""
    for attempt in range(LOCK_RETRIES):
        if step == "autograde":
            res = api.autograde(assignment, student, force=True, create=True)
        else:
            res = api.generate_feedback(assignment, student, force=True)
        log = (res.get("log") or "") + (res.get("error") or "")
        if res.get("success") or "database is locked" not in log:
            return bool(res.get("success")), log
        time.sleep(0.2 * (attempt + 1) + random.random() * 0.3)
    return False, log
