"""exercises/README.md: the instructor's path runs as written, and its table matches the notebooks.

The README marks each command block with an HTML comment: ``<!-- run: instructor -->`` (run
in the course folder), ``<!-- run: student -->`` (run in a student's folder) or
``<!-- run: setup -->`` (entering the folder and the environment; the test does that itself).
The exchange is a temporary folder named in a private JUPYTER_CONFIG_DIR, as the README tells
an instructor to do in ~/.jupyter.
"""

from __future__ import annotations

import csv
import os
import pwd
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
EXERCISES = ROOT / "exercises"
README = EXERCISES / "README.md"
BIN = Path(sys.executable).parent
# nbgrader submit names the submission after the operating-system user
STUDENT = pwd.getpwuid(os.getuid()).pw_name

BLOCK = re.compile(r"<!-- run: (\w+) -->\n```sh\n(.*?)```", re.S)


def blocks():
    return [(role, body) for role, body in BLOCK.findall(README.read_text())]


def test_every_command_block_is_marked():
    fences = README.read_text().count("```sh")
    assert fences == len(blocks()) >= 8
    assert {role for role, _ in blocks()} == {"setup", "instructor", "student"}


def test_table_matches_the_notebooks_points():
    rows = re.findall(r"^\| `(q\d_\w+)` \| .*? \| (\d+) \| (\d+) \|$", README.read_text(), re.M)
    assert len(rows) == len(list((EXERCISES / "source").iterdir())) == 9
    for name, auto, manual in rows:
        nb = nbformat.read(EXERCISES / "source" / name / f"{name}.ipynb", 4)
        graded = [c.metadata.nbgrader for c in nb.cells if c.metadata.nbgrader["grade"]]
        assert int(auto) == sum(m["points"] for m in graded if not m["solution"]), name
        assert int(manual) == sum(m["points"] for m in graded if m["solution"]), name


def test_the_instructors_path_runs_as_written(tmp_path):
    course = tmp_path / "exercises"
    course.mkdir()
    shutil.copy(EXERCISES / "nbgrader_config.py", course)
    shutil.copytree(EXERCISES / "source", course / "source")
    shutil.copytree(EXERCISES / "keys", course / "keys",
                    ignore=shutil.ignore_patterns("__pycache__"))
    student = tmp_path / "student"
    student.mkdir(parents=True)
    exchange = tmp_path / "exchange"
    exchange.mkdir()
    config = tmp_path / "jupyter"
    config.mkdir()
    (config / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.Exchange.root = {str(exchange)!r}\n")
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
               JUPYTER_CONFIG_DIR=str(config))

    submitted_work = False
    for role, body in blocks():
        if role == "setup":
            continue
        if role == "student" and "submit" in body and not submitted_work:
            # the student's work: the reference solution in the fetched folder
            a = "q1_second_derivative"
            shutil.copy(course / "source" / a / f"{a}.ipynb", student / a / f"{a}.ipynb")
            submitted_work = True
        cwd = course if role == "instructor" else student
        r = subprocess.run(["bash", "-e", "-c", body], cwd=cwd, env=env, text=True,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
        assert r.returncode == 0, f"{role}: {body}\n{r.stdout[-3000:]}"
        assert "ERROR" not in r.stdout, f"{role}: {body}\n{r.stdout[-3000:]}"

    assert submitted_work
    a = "q1_second_derivative"
    assert (course / "release" / a / f"{a}.ipynb").exists()
    assert (course / "submitted" / STUDENT / a / f"{a}.ipynb").exists()
    with open(course / "grades.csv", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["student_id"] == STUDENT]
    assert len(rows) == 1
    # the reference solution: all autograded points; the written answer waits for a person
    nb = nbformat.read(EXERCISES / "source" / a / f"{a}.ipynb", 4)
    graded = [c.metadata.nbgrader for c in nb.cells if c.metadata.nbgrader["grade"]]
    auto = sum(m["points"] for m in graded if not m["solution"])
    assert float(rows[0]["score"]) == auto
    assert float(rows[0]["max_score"]) == sum(m["points"] for m in graded)
    feedback = list((student / a / "feedback").glob("*/*.html"))
    assert len(feedback) == 1
    page = feedback[0].read_text()
    assert "hidden tests ran here" in page and "BEGIN HIDDEN TESTS" not in page
