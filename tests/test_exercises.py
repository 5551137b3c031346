"""The exercises as nbgrader assignments, graded by `make autograde`'s command on generated submissions.

One temporary copy of the course gets, for every assignment, the reference
solution, the untouched release, a solution written differently
(tests/exercise_answers/<assignment>.py DIFFERENT) and each plausible wrong
answer (WRONG there), plus hostile students who put an attack at the top of the
untouched release (pre_run_cell hooks, AST transformers, patched numpy, math,
builtins and adlab, always-equal values, reading the source, the hidden tests,
the keys and the gradebook, writing the gradebook, killing the grader, exiting
the kernel, ignoring SIGINT in an endless loop, a 20 GB allocation). Then
``python -m adlab.autograde --jobs 2`` grades them all at once, as ``make
autograde`` does, and the tests read the gradebook, grades.csv and the feedback.
"""

from __future__ import annotations

import ast
import copy
import csv
import importlib.util
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from adlab.course import setup_source
from adlab.grading import strip_hidden

ROOT = Path(__file__).resolve().parents[1]
EXERCISES = ROOT / "exercises"
SOURCE = EXERCISES / "source"
KEYS = EXERCISES / "keys"
ANSWERS = Path(__file__).resolve().parent / "exercise_answers"
ASSIGNMENTS = sorted(p.name for p in SOURCE.iterdir() if p.is_dir())
BIN = Path(sys.executable).parent
HOSTILE_ASSIGNMENT = "q7_forward_and_reverse"

# Written answers graded by hand: the assignments whose question asks why or when.
WRITTEN = {"q1_second_derivative", "q2_backward_twice", "q3_control_flow",
           "q8_forward_or_reverse", "q9_build_your_own"}

# Attacks put in a cell at the top of the untouched release. {course} is the
# course folder. Each must earn nothing and change nothing for anyone else.
ATTACKS = {
    "hook": """
ip = get_ipython()
ip.events.register("pre_run_cell", lambda info: display(1.0))
ip.events.register("post_run_cell", lambda result: display(1.0))
""",
    "ast": """
import ast
class Swallow(ast.NodeTransformer):
    def visit_Module(self, node):
        body = []
        for stmt in node.body:
            body.append(ast.Try(body=[stmt], handlers=[ast.ExceptHandler(
                type=None, name=None, body=[ast.Pass()])], orelse=[], finalbody=[]))
        node.body = body
        return ast.fix_missing_locations(node)
get_ipython().ast_transformers.append(Swallow())
""",
    "patch": """
import builtins, math, numpy, adlab, adlab.exercise, adlab.checks
numpy.allclose = lambda *a, **k: True
numpy.isclose = lambda *a, **k: True
math.isclose = lambda *a, **k: True
builtins.abs = lambda x: 0
builtins.AssertionError = type("Nothing", (Exception,), {})
adlab.exercise.check_close = lambda *a, **k: None
adlab.exercise.check = lambda *a, **k: None
adlab.exercise.compare_close = lambda *a, **k: None
adlab.grad = lambda f, *a, **k: (lambda *x: 0.0)
""",
    "equal": """
class Anything(float):
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __abs__(self): return 0.0
    def __sub__(self, other): return Anything(0.0)
    __rsub__ = __sub__
    def __lt__(self, other): return True
    def __le__(self, other): return True
    def __len__(self): return 7
    def __iter__(self): return iter([Anything(0.0)] * 7)
    def __getitem__(self, i): return Anything(0.0)
def tangents(x): return Anything(0.0)
def adjoints(x): return Anything(0.0)
""",
    "read": """
import glob, os
for pattern in ["{course}/source/*/*.ipynb", "{course}/keys/*.py", "{course}/gradebook.db",
                "{course}/submitted/*/*/*.ipynb", "{course}/release/*/*.ipynb", "/root/*"]:
    for path in glob.glob(pattern):
        try:
            print(path, open(path, errors="replace").read()[:20000])
        except OSError as err:
            print(path, err)
print(os.listdir("/"))
""",
    "write": """
import glob, os
for path in ["{course}/gradebook.db"] + glob.glob("{course}/submitted/*/*/*.ipynb"):
    try:
        with open(path, "w") as fh:
            fh.write("overwritten")
    except OSError as err:
        print(path, err)
    try:
        os.remove(path)
    except OSError as err:
        print(path, err)
""",
    "kill": """
import os, signal
for pid in (os.getppid(), 1, -1):
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError as err:
        print(pid, err)
""",
    "exit": """
import os
os._exit(0)
""",
    "sigint": """
import signal, time
signal.signal(signal.SIGINT, signal.SIG_IGN)
while True:
    pass
""",
    "memory": """
import numpy as np
hog = np.ones(20 * 1024 ** 3 // 8)
""",
}


def _nb(assignment: str):
    return nbformat.read(SOURCE / assignment / f"{assignment}.ipynb", as_version=4)


def _meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def _answers(assignment: str):
    path = ANSWERS / f"{assignment}.py"
    spec = importlib.util.spec_from_file_location(f"answers_{assignment}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _test_ids(assignment: str) -> set[str]:
    return {_meta(c)["grade_id"] for c in _nb(assignment).cells
            if _meta(c).get("grade") and not _meta(c).get("solution")}


def _written_ids(assignment: str) -> set[str]:
    return {_meta(c)["grade_id"] for c in _nb(assignment).cells
            if _meta(c).get("grade") and _meta(c).get("solution")}


def _env() -> dict:
    import os

    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env.pop("JUPYTER_CONFIG_DIR", None)
    return env


def _solved(release, source):
    """The release with every solution cell holding the source's solution."""
    nb = copy.deepcopy(release)
    by_id = {_meta(c).get("grade_id"): c for c in source.cells}
    for cell in nb.cells:
        m = _meta(cell)
        if m.get("solution"):
            cell.source = by_id[m["grade_id"]].source
    return nb


def _with_code(nb, replacements: dict):
    nb = copy.deepcopy(nb)
    found = set()
    for cell in nb.cells:
        gid = _meta(cell).get("grade_id")
        if gid in replacements:
            cell.source = replacements[gid].strip("\n")
            found.add(gid)
    assert found == set(replacements), f"no solution cells {set(replacements) - found}"
    return nb


def _with_attack(nb, code: str):
    nb = copy.deepcopy(nb)
    nb.cells.insert(2, nbformat.v4.new_code_cell(code.strip("\n")))
    return nb


def _submit(course: Path, student: str, assignment: str, nb) -> None:
    folder = course / "submitted" / student / assignment
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / f"{assignment}.ipynb")
    (folder / "timestamp.txt").write_text("2026-12-03 09:00:00.000000 UTC")


# -- the committed exercises -----------------------------------------------------


def test_there_are_nine_assignments_one_notebook_and_one_key_each():
    assert [a[:3] for a in ASSIGNMENTS] == [f"q{i}_" for i in range(1, 10)]
    for a in ASSIGNMENTS:
        assert sorted(p.name for p in (SOURCE / a).iterdir()) == [f"{a}.ipynb"]
        assert (KEYS / f"{a}.py").is_file(), f"no key for {a}"
        assert (ANSWERS / f"{a}.py").is_file(), f"no test answers for {a}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_source_notebook_is_a_valid_nbgrader_assignment(assignment):
    nb = _nb(assignment)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "python3"
    assert nb.cells[1].source == setup_source(), "the second cell is the Colab set-up cell"
    ids = [_meta(c).get("grade_id") for c in nb.cells]
    assert all(ids) and len(set(ids)) == len(ids), "every cell has a unique grade_id"
    kinds = {"tests": 0, "answers": 0, "written": 0, "hidden": 0}
    for cell in nb.cells:
        m = _meta(cell)
        assert m["schema_version"] == 3
        if cell.cell_type == "code":
            assert not cell.get("outputs") and cell.get("execution_count") is None
        if m["solution"] and cell.cell_type == "code":
            kinds["answers"] += 1
            assert "### BEGIN SOLUTION" in cell.source and "### END SOLUTION" in cell.source
            assert not m["locked"]
        elif m["solution"]:
            kinds["written"] += 1
            assert m["grade"] and m["points"] > 0
        elif m["grade"]:
            kinds["tests"] += 1
            assert m["locked"] and m["points"] > 0
            kinds["hidden"] += "### BEGIN HIDDEN TESTS" in cell.source
        else:
            assert m["locked"], "instructions and given code are read-only"
            assert "BEGIN SOLUTION" not in cell.source and "HIDDEN" not in cell.source
    assert kinds["answers"] >= 1 and kinds["tests"] >= kinds["answers"]
    assert kinds["hidden"] >= 1, "each assignment has hidden tests"
    assert (kinds["written"] >= 1) == (assignment in WRITTEN)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_key_judges_every_test_cell(assignment):
    from adlab.autograde.key import load_key

    key = load_key(KEYS / f"{assignment}.py")
    assert set(key.checks) == _test_ids(assignment)
    inputs = key.inputs(1)
    assert json.loads(json.dumps(inputs)) == inputs, "hidden inputs are plain data"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_test_cells_collect_answers_and_every_visible_check_has_a_message(assignment):
    for cell in _nb(assignment).cells:
        m = _meta(cell)
        if not m.get("grade") or m.get("solution"):
            continue
        visible, _ = strip_hidden(cell.source)
        for node in ast.walk(ast.parse(visible)):
            if isinstance(node, ast.Assert):
                assert node.msg is not None, f"{m['grade_id']}: assert without a message"
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "check":
                assert len(node.args) + len(node.keywords) >= 2, f"{m['grade_id']}: check()"
        assert "record(" in cell.source, f"{m['grade_id']} records no answer"
        hidden = cell.source[len(visible):] if "BEGIN HIDDEN" in cell.source else ""
        assert not re.search(r"\bassert\b|allclose|isclose", hidden), (
            f"{m['grade_id']}: hidden tests only collect answers; the key compares")


def test_wrong_answers_target_real_cells():
    for a in ASSIGNMENTS:
        mod = _answers(a)
        ids = {_meta(c)["grade_id"]: _meta(c) for c in _nb(a).cells}
        solutions = {i for i, m in ids.items() if m["solution"]}
        assert set(mod.DIFFERENT) <= solutions
        assert len(mod.WRONG) >= 1
        for what, code, loses in mod.WRONG:
            assert set(code) <= solutions, what
            assert loses and loses <= _test_ids(a), what


def test_config_uses_relative_paths_only_and_loads():
    text = (EXERCISES / "nbgrader_config.py").read_text()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            assert not node.value.startswith(("/", "~")) and ":\\" not in node.value
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(EXERCISES)).load_config()
    assert config.CourseDirectory.source_directory == "source"
    names = [p.__name__ for p in config.Autograde.autograde_preprocessors]
    assert names[0] == "IsolatedRun" and "Execute" not in names
    assert names.index("IsolatedRun") < names.index("SaveAutoGrades")
    assert config.IsolatedRun.cell_timeout == 10
    names = [p.__name__ for p in config.GenerateFeedback.preprocessors]
    assert names.index("GetGrades") < names.index("HideHiddenTests")


def test_only_the_sources_and_keys_are_committed():
    tracked = subprocess.run(["git", "ls-files", "exercises"], cwd=ROOT, text=True,
                             stdout=subprocess.PIPE).stdout.split()
    assert tracked, "tests must run in a git checkout of adlab"
    for path in tracked:
        assert path.startswith(("exercises/source/", "exercises/keys/")) or path in (
            "exercises/nbgrader_config.py", "exercises/README.md"), path
    for made in ("release/q1/x.ipynb", "submitted/s/q1/x.ipynb", "autograded/s/q1/x.ipynb",
                 "feedback/s/q1/x.html", "gradebook.db", "grades.csv", "runs/q1/s/x.json",
                 "autograde.log"):
        r = subprocess.run(["git", "check-ignore", "-q", f"exercises/{made}"], cwd=ROOT)
        assert r.returncode == 0, f"exercises/{made} is not git-ignored"


# -- one grading run of every kind of student ---------------------------------------


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The course graded once; returns what the tests read."""
    base = tmp_path_factory.mktemp("course")
    course = base / "exercises"
    course.mkdir()
    shutil.copy(EXERCISES / "nbgrader_config.py", course)
    shutil.copytree(SOURCE, course / "source")
    shutil.copytree(KEYS, course / "keys", ignore=shutil.ignore_patterns("__pycache__"))
    for a in ASSIGNMENTS:
        r = subprocess.run([str(BIN / "nbgrader"), "generate_assignment", a, "--force",
                            "--log-level=WARN"], cwd=course, env=_env(), text=True,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        assert r.returncode == 0, r.stdout
    students = {}   # (student, assignment) -> kind
    for a in ASSIGNMENTS:
        source = _nb(a)
        release = nbformat.read(course / "release" / a / f"{a}.ipynb", as_version=4)
        solved = _solved(release, source)
        mod = _answers(a)
        _submit(course, "reference", a, source)
        _submit(course, "untouched", a, release)
        _submit(course, "different", a, _with_code(solved, mod.DIFFERENT))
        students[("reference", a)] = ("reference", None)
        students[("untouched", a)] = ("untouched", None)
        students[("different", a)] = ("different", None)
        for i, (what, code, loses) in enumerate(mod.WRONG):
            name = f"wrong{i + 1}"
            _submit(course, name, a, _with_code(solved, code))
            students[(name, a)] = ("wrong", (what, loses))
    release = nbformat.read(course / "release" / HOSTILE_ASSIGNMENT /
                            f"{HOSTILE_ASSIGNMENT}.ipynb", as_version=4)
    for name, code in ATTACKS.items():
        _submit(course, f"attack-{name}", HOSTILE_ASSIGNMENT,
                _with_attack(release, code.replace("{course}", str(course))))
        students[(f"attack-{name}", HOSTILE_ASSIGNMENT)] = ("attack", name)
    db_before = (course / "gradebook.db").stat().st_size
    r = subprocess.run([str(BIN / "python"), "-m", "adlab.autograde", "--jobs", "2"],
                       cwd=course, env=_env(), text=True, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=1800)
    from nbgrader.api import Gradebook

    scores = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for (student, a) in students:
            nb = gb.find_submission_notebook(a, a, student)
            scores[(student, a)] = {g.name: (g.auto_score, g.max_score) for g in nb.grades}
    with open(course / "grades.csv", newline="") as fh:
        grades = list(csv.DictReader(fh))
    return {"course": course, "run": r, "students": students, "scores": scores,
            "grades": grades, "db_before": db_before}


def _autograded(graded, student, assignment):
    return {gid: s for gid, s in graded["scores"][(student, assignment)].items()
            if gid in _test_ids(assignment)}


def test_grading_exits_0_with_a_progress_line_and_a_summary(graded):
    r = graded["run"]
    assert r.returncode == 0, r.stderr[-3000:] + r.stdout[-3000:]
    n = len(graded["students"])
    assert f"graded {n}/{n} submissions" in r.stderr
    assert re.search(r"about \d+ s left", r.stderr)
    assert "autograded points" in r.stdout and "notes:" in r.stdout
    for short in ("q1", "q9"):
        assert short in r.stdout.splitlines()[1]
    assert "NOT GRADED" not in r.stderr


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_reference_and_a_different_solution_score_full_marks(graded, assignment):
    for student in ("reference", "different"):
        for gid, (score, top) in _autograded(graded, student, assignment).items():
            assert top > 0 and score == top, (student, gid, score, top)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_untouched_release_scores_zero(graded, assignment):
    scores = graded["scores"][("untouched", assignment)]
    assert all(score == 0 for score, _ in _autograded(graded, "untouched", assignment).values())
    for gid in _written_ids(assignment):
        assert scores[gid][0] in (0, None)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_plausible_wrong_answers_lose_points_exactly_where_expected(graded, assignment):
    for (student, a), (kind, info) in graded["students"].items():
        if a != assignment or kind != "wrong":
            continue
        what, loses = info
        for gid, (score, top) in _autograded(graded, student, a).items():
            if gid in loses:
                assert score < top, f"{what}: {gid} kept {score}/{top}"
            else:
                assert score == top, f"{what}: {gid} lost points ({score}/{top})"


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_an_attack_on_the_untouched_release_earns_nothing(graded, attack):
    scores = _autograded(graded, f"attack-{attack}", HOSTILE_ASSIGNMENT)
    assert scores and all(score == 0 for score, _ in scores.values()), scores


def test_attacks_change_nothing_for_anyone_else(graded):
    # the reference students of the attacked assignment, graded in the same run, keep full marks
    for gid, (score, top) in _autograded(graded, "reference", HOSTILE_ASSIGNMENT).items():
        assert score == top, gid
    course = graded["course"]
    for student in ("reference", "different", "untouched"):
        path = course / "submitted" / student / HOSTILE_ASSIGNMENT / f"{HOSTILE_ASSIGNMENT}.ipynb"
        nbformat.read(path, as_version=4)   # still a notebook, not "overwritten"
    rows = {(r["student_id"], r["assignment"]): r for r in graded["grades"]}
    assert set(graded["students"]) <= set(rows)
    for (student, a), row in rows.items():
        if student == "reference":
            auto = sum(top for _, top in _autograded(graded, student, a).values())
            assert float(row["score"]) == auto, a
        elif student.startswith("attack-") or student == "untouched":
            assert float(row["score"]) == 0, (student, a)


def test_limits_are_reported_in_the_summary_and_the_feedback(graded):
    out = graded["run"].stdout
    assert re.search(r"attack-exit, q7\S*: the kernel died", out)
    assert re.search(r"attack-sigint, q7\S*: cell \d+ ran past 10 s and did not stop", out)
    course = graded["course"]
    page = (course / "feedback" / "attack-sigint" / HOSTILE_ASSIGNMENT /
            f"{HOSTILE_ASSIGNMENT}.html").read_text()
    assert "Grading stopped early" in page and "did not stop when interrupted" in page


def test_feedback_carries_nothing_of_the_hidden_tests_or_the_keys(graded):
    course = graded["course"]
    secrets, public = [], set()
    for a in ASSIGNMENTS:
        release = (course / "release" / a / f"{a}.ipynb").read_text()
        public |= {ln.strip() for c in json.loads(release)["cells"]
                   for ln in "".join(c["source"]).splitlines()}
        for cell in _nb(a).cells:
            if "BEGIN HIDDEN TESTS" in cell.source:
                body = cell.source.split("### BEGIN HIDDEN TESTS")[1].split("### END")[0]
                secrets += [ln.strip() for ln in body.splitlines() if len(ln.strip()) > 25]
        secrets += [ln.strip() for ln in (KEYS / f"{a}.py").read_text().splitlines()
                    if len(ln.strip()) > 30 and not ln.strip().startswith(("#", '"', "from ",
                                                                          "import "))]
    # what students write themselves (their code is in their own feedback) is not secret
    for path in ANSWERS.glob("*.py"):
        public |= {ln.strip() for ln in path.read_text().splitlines()}
    for a in ASSIGNMENTS:
        public |= {ln.strip() for c in _nb(a).cells if _meta(c).get("solution")
                   for ln in c.source.splitlines()}
    secrets = [s for s in secrets if s not in public]
    assert len(secrets) > 100
    import html as _html

    pages = list((course / "feedback").glob("*/*/*.html"))
    assert len(pages) == len(graded["students"])
    for page in pages:
        text = _html.unescape(re.sub(r"<[^>]+>", "", page.read_text()))
        assert "BEGIN HIDDEN TESTS" not in text
        leaked = [s for s in secrets if s in text]
        assert not leaked, f"{page}: {leaked[:3]}"
