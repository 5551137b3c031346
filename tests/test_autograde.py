"""adlab.exercise and adlab.autograde on a small notebook: records, verdicts, the sandbox, limits.

The whole course is graded in tests/test_exercises.py; here each rule is seen on
its own, with a one-question notebook whose key wants the derivative of sin at
three hidden points.
"""

from __future__ import annotations

import math
import os
import textwrap

import nbformat
import numpy as np
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from adlab.autograde.key import Answers, BadAnswer, Key, Missing, Verdict, close, share
from adlab.autograde.run import grade_notebook
from adlab.autograde.sandbox import Limits
from adlab.exercise import check_close, compare_close, grading_inputs, record, to_data

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _inputs(rng):
    return {"xs": [float(x) for x in rng.uniform(-2, 2, 3)]}


def _check(answers):
    return close("dsin at the hidden points", answers.get("dsin"),
                 [math.cos(x) for x in answers.inputs["xs"]])


KEY = Key(path=None, checks={"t1": _check}, inputs_fn=_inputs)
TEST = textwrap.dedent("""\
    from adlab.exercise import record, grading_inputs, check
    record("d0", dsin(0.0))
    check(abs(dsin(0.0) - 1) < 1e-12, "dsin(0) should be 1")
    ### BEGIN HIDDEN TESTS
    record("dsin", [dsin(x) for x in grading_inputs("xs")])
    ### END HIDDEN TESTS""")
GOOD = "def dsin(x):\n    return adlab.grad(adlab.sin)(x)"


def _nb(answer: str, *extra: str):
    meta = {"nbgrader": {"grade": True, "solution": False, "grade_id": "t1", "locked": True,
                         "points": 2, "schema_version": 3}}
    cells = [new_code_cell("import adlab, numpy as np, os, math"), new_code_cell(answer)]
    cells += [new_code_cell(e) for e in extra]
    cells.append(new_code_cell(TEST, metadata=meta))
    return new_notebook(cells=cells)


def _grade(nb, **kw):
    return grade_notebook(nb, KEY, student="s", assignment="a", **kw)


# -- adlab.exercise ------------------------------------------------------------------


def test_to_data_keeps_plain_values_and_unwraps_subclasses():
    class Anything(float):
        def __eq__(self, other):
            return True

    assert to_data(Anything(0.5)) == 0.5 and type(to_data(Anything(0.5))) is float
    assert to_data((1, 2.5, "a", None, True)) == [1, 2.5, "a", None, True]
    assert to_data(np.arange(3.0)) == [0.0, 1.0, 2.0]
    assert to_data(np.float32(0.5)) == 0.5
    assert to_data({"k": np.array([[1, 2]])}) == {"k": [[1, 2]]}
    import adlab

    assert to_data(adlab.tensor([1.0, 2.0])) == [1.0, 2.0]
    with pytest.raises(TypeError, match="cannot record a function"):
        to_data(lambda x: x)


def test_record_does_nothing_outside_grading_and_inputs_say_why(monkeypatch, tmp_path):
    monkeypatch.delenv("ADLAB_GRADING", raising=False)
    record("x", 1.0)
    with pytest.raises(RuntimeError, match="only while a notebook is graded"):
        grading_inputs("xs")
    monkeypatch.setenv("ADLAB_GRADING", str(tmp_path))
    (tmp_path / "inputs.json").write_text('{"xs": [1.0]}')
    record("x", [1.0, 2.0])
    assert (tmp_path / "records.jsonl").read_text() == '{"name": "x", "value": [1.0, 2.0]}\n'
    assert grading_inputs("xs") == [1.0]
    with pytest.raises(KeyError, match="gives no input 'ys'; it gives xs"):
        grading_inputs("ys")


def test_compare_close_tells_an_exact_derivative_from_a_difference_quotient():
    x = np.linspace(-3, 3, 7)
    h = 6e-6
    fd = (np.sin(x + h) - np.sin(x - h)) / (2 * h)
    assert compare_close("d", np.cos(x), np.cos(x)) is None
    msg = compare_close("d", fd, np.cos(x))
    assert msg.startswith("d[") and "expected" in msg and "entries differ" in msg
    assert compare_close("d", [1.0, 2.0], [1.0]) == "d has shape (2,); expected shape (1,)"
    assert "should be numbers" in compare_close("d", "abc", [1.0])
    with pytest.raises(AssertionError, match=r"d\[1\] is 3, expected 2"):
        check_close("d", [1.0, 3.0], [1.0, 2.0])


def test_answers_and_verdicts():
    a = Answers({"v": [1, 2]}, {})
    assert a.floats("v", (2,)).tolist() == [1.0, 2.0]
    with pytest.raises(Missing, match="no answer was recorded for 'w'"):
        a.get("w")
    with pytest.raises(BadAnswer, match=r"shape \(3,\)"):
        a.floats("v", (3,))
    with pytest.raises(ValueError):
        Verdict(1.5, "too much")
    v = share([Verdict(1, "a"), Verdict(0, "b")])
    assert v.fraction == 0.5 and v.message == "a\nb"


# -- one notebook, graded ----------------------------------------------------------


def test_a_right_answer_scores_full_and_the_test_cell_shows_only_its_verdict():
    run = _grade(_nb(GOOD))
    assert run.score() == (2.0, 2.0) and not run.stopped
    outs = run.nb.cells[-1].outputs
    assert [o.output_type for o in outs] == ["display_data"]
    assert outs[0].data["text/plain"].startswith("2 of 2 points")


def test_a_difference_quotient_scores_0_with_the_difference_in_the_feedback():
    fd = "def dsin(x):\n    h = 1e-6\n    return (math.sin(x + h) - math.sin(x - h)) / (2 * h)"
    run = _grade(_nb(fd))
    assert run.score() == (0.0, 2.0)
    err = [o for o in run.nb.cells[-1].outputs if o.output_type == "error"]
    assert err and "expected" in err[0].evalue and "off by" in err[0].evalue


def test_displays_before_an_error_and_swallowed_errors_do_not_earn_points():
    hook = ("ip = get_ipython()\n"
            "ip.events.register('pre_run_cell', lambda info: display(2.0))")
    assert _grade(_nb("def dsin(x):\n    raise ValueError('no')", hook)).score()[0] == 0
    patch = "import numpy\nnumpy.allclose = lambda *a, **k: True\nmath.isclose = lambda *a: True"
    wrong = "def dsin(x):\n    return 1.0"
    run = _grade(_nb(wrong, patch))
    assert run.score()[0] == 0


def test_stderr_does_not_cost_points():
    noisy = GOOD + "\nimport sys, warnings\nprint('debug', file=sys.stderr)\nwarnings.warn('hm')"
    assert _grade(_nb(noisy)).score() == (2.0, 2.0)


def test_the_kernel_cannot_read_the_course_or_signal_the_grader(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("the key")
    probe = textwrap.dedent(f"""\
        import os, signal
        found = os.path.exists({str(secret)!r}) or os.path.exists({str(os.getcwd())!r} + "/exercises")
        try:
            os.kill({os.getpid()}, signal.SIGKILL)
            killed = True
        except OSError:
            killed = False
        def dsin(x):
            if found or killed:
                return 0.0
            return adlab.grad(adlab.sin)(x)""")
    run = _grade(_nb(probe))
    assert run.score() == (2.0, 2.0)   # it saw nothing and could signal nothing
    assert secret.read_text() == "the key"


def test_memory_and_time_limits_stop_only_what_exceeds_them():
    hog = "a = np.ones(4 * 1024 ** 3 // 8)"
    run = _grade(_nb(GOOD, hog))
    assert run.score() == (2.0, 2.0)          # the allocation failed, the rest ran
    loop = "while True:\n    pass"
    run = _grade(_nb(GOOD, loop), limits=Limits(cell_seconds=2))
    assert run.score() == (2.0, 2.0)          # interrupted; the test cell still ran
    stubborn = ("import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                "while True:\n    pass")
    run = _grade(_nb(GOOD, stubborn), limits=Limits(cell_seconds=2))
    assert run.score() == (0.0, 2.0) and "did not stop when interrupted" in run.stopped
    assert run.nb.cells[0].source.startswith("**Grading stopped early:**")


def test_a_dying_kernel_scores_what_it_finished():
    run = _grade(_nb(GOOD, "os._exit(0)"))
    assert run.score() == (0.0, 2.0) and run.stopped.startswith("the kernel died in cell 3")
    assert "never ran" in run.verdicts["t1"][2].message


def test_hidden_inputs_depend_on_the_student_and_not_on_the_run():
    from adlab.autograde.run import seed_for

    assert seed_for("ann", "q1") == seed_for("ann", "q1") != seed_for("bob", "q1")
    a = KEY.inputs(seed_for("ann", "q1"))
    assert a == KEY.inputs(seed_for("ann", "q1")) != KEY.inputs(seed_for("bob", "q1"))


def test_grading_refuses_when_it_cannot_isolate(monkeypatch):
    from adlab.autograde import sandbox

    monkeypatch.setattr(sandbox.shutil, "which", lambda name: None)
    with pytest.raises(sandbox.SandboxUnavailable, match="apt-get install bubblewrap"):
        sandbox.check()


def test_the_written_notebook_is_valid():
    run = _grade(_nb(GOOD))
    nbformat.validate(run.nb)


# -- the command behind make autograde, on a one-assignment course ---------------------


def test_the_command_grades_every_submission_in_parallel_with_nbgrader(tmp_path):
    """python -m adlab.autograde: progress, summary, grades.csv, feedback; exit 0 though a
    student's kernel died."""
    import csv
    import subprocess
    import sys
    from pathlib import Path

    course = tmp_path / "course"
    (course / "source" / "toy").mkdir(parents=True)
    (course / "keys").mkdir()
    # the configuration exercises/nbgrader_config.py will carry once every assignment has a key
    (course / "nbgrader_config.py").write_text(textwrap.dedent("""
        import os
        from adlab.autograde.nbgrader import IsolatedRun
        from adlab.grading import HideHiddenTests
        from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
        from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, GetGrades,
                                            LimitOutput, SaveAutoGrades)
        c = get_config()
        c.CourseDirectory.course_id = "adlab"
        c.Autograde.autograde_preprocessors = [IsolatedRun, LimitOutput, SaveAutoGrades,
                                               AssignLatePenalties, CheckCellMetadata]
        c.IsolatedRun.course_directory = os.path.dirname(os.path.abspath(__file__))
        c.OverwriteCells.add_missing_cells = True
        c.GenerateFeedback.preprocessors = [GetGrades, HideHiddenTests,
                                            CSSHTMLHeaderPreprocessor]
        """))
    (course / "keys" / "toy.py").write_text(textwrap.dedent("""
        import math
        from adlab.autograde.key import close
        def inputs(rng):
            return {"xs": [float(x) for x in rng.uniform(-2, 2, 3)]}
        def check(answers):
            return close("dsin", answers.get("dsin"), [math.cos(x) for x in answers.inputs["xs"]])
        CHECKS = {"t1": check}
        """))
    src = _nb("def dsin(x):\n    ### BEGIN SOLUTION\n    return adlab.grad(adlab.sin)(x)\n"
              "    ### END SOLUTION")
    for i, cell in enumerate(src.cells):
        meta = cell.metadata.setdefault("nbgrader", {"grade": False, "solution": False,
                                                     "locked": True, "schema_version": 3})
        meta.setdefault("grade_id", f"c{i}")
    src.cells[1].metadata["nbgrader"].update(solution=True, locked=False)
    src.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                  "language": "python"}
    nbformat.write(src, course / "source" / "toy" / "toy.ipynb")
    bin_dir = Path(sys.executable).parent
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    env.pop("JUPYTER_CONFIG_DIR", None)
    subprocess.run([str(bin_dir / "nbgrader"), "generate_assignment", "toy", "--force",
                    "--log-level=WARN"], cwd=course, env=env, check=True)
    release = nbformat.read(course / "release" / "toy" / "toy.ipynb", as_version=4)
    died = nbformat.read(course / "release" / "toy" / "toy.ipynb", as_version=4)
    died.cells.insert(1, new_code_cell("import os\nos._exit(0)"))
    for student, nb in {"ann": src, "bob": release, "cid": died}.items():
        folder = course / "submitted" / student / "toy"
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / "toy.ipynb")
        (folder / "timestamp.txt").write_text("2026-12-03 09:00:00.000000 UTC")
    r = subprocess.run([sys.executable, "-m", "adlab.autograde", "--jobs", "2"], cwd=course,
                       env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "graded 3/3 submissions" in r.stderr and "s left" in r.stderr
    lines = r.stdout.splitlines()
    assert lines[1].split() == ["student", "toy", "total"]
    assert lines[2].split() == ["ann", "2/2", "2/2"]
    assert lines[3].split() == ["bob", "0/2", "0/2"]
    assert lines[4].split() == ["cid", "0/2*", "0/2"]
    assert "cid, toy: the kernel died in cell 2" in r.stdout
    with open(course / "grades.csv", newline="") as fh:
        scores = {row["student_id"]: float(row["score"]) for row in csv.DictReader(fh)}
    assert scores == {"ann": 2.0, "bob": 0.0, "cid": 0.0}
    page = (course / "feedback" / "cid" / "toy" / "toy.html").read_text()
    assert "Grading stopped early" in page and "grading_inputs(&quot;xs&quot;)" not in page
    assert "Using the isolated run" not in r.stderr   # nbgrader's log stays at WARN
    assert "another version" not in (course / "autograde.log").read_text()


def test_hidden_programs_agree_in_math_adlab_and_their_formula():
    """A key's program computed in plain math (value, f') matches adlab's build of it,
    central differences in float64, and the formula `describe` prints."""
    import adlab
    from adlab.autograde.programs import describe, forward, random_steps, value
    from adlab.exercise import program

    rng = np.random.default_rng(11)
    checked = 0
    while checked < 40:
        steps = random_steps(rng)
        x = float(rng.uniform(-1.5, 1.5))
        try:
            v, dv, scale, _ = forward(steps, x)
        except OverflowError:
            continue
        if abs(v) > 1e3 or abs(dv) > 1e3:
            continue
        checked += 1
        f = program(steps)
        assert float(f(x)) == pytest.approx(v, rel=1e-13, abs=1e-13)
        assert value(steps, x) == pytest.approx(v, rel=1e-13, abs=1e-13)
        assert float(adlab.grad(f)(x)) == pytest.approx(dv, rel=1e-10, abs=1e-10)
        h = 1e-6
        central = (value(steps, x + h) - value(steps, x - h)) / (2 * h)
        # truncation (h^2 f''') and rounding (eps |f| / h) bound the difference quotient
        assert central == pytest.approx(dv, rel=1e-5, abs=1e-5 * scale + 1e-9 * (1 + abs(v)))
        formula = describe(steps)
        env = {"x": x, "sin": math.sin, "cos": math.cos, "exp": math.exp, "tanh": math.tanh}
        assert eval(formula, env) == pytest.approx(v, rel=1e-12, abs=1e-12), formula
    with pytest.raises(ValueError, match="unknown step 'log'"):
        program([["log", None]])


def test_a_cell_that_raised_scores_0_but_its_feedback_still_shows_the_keys_answer():
    def with_table(answers):
        got = answers.get("dsin")
        want = [math.cos(x) for x in answers.inputs["xs"]]
        table = "<table><tr><td>cos at the hidden points</td></tr></table>"
        verdict = close("dsin at the hidden points", got, want)
        return Verdict(verdict.fraction, verdict.message, table)

    key = Key(path=None, checks={"t1": with_table}, inputs_fn=_inputs)
    # a right answer, then an error after the records: 0 points, the table shown
    nb = _nb(GOOD)
    nb.cells[-1].source += "\nraise RuntimeError('after the records')"
    run = grade_notebook(nb, key, student="s", assignment="a")
    assert run.score() == (0.0, 2.0)
    html = run.nb.cells[-1].outputs[0].data["text/html"]
    assert "cos at the hidden points" in html and "padding" in html
    assert "raised an error (RuntimeError: after the records)" in html
    assert "is right" not in html     # the key's praise is not shown for a cell scored 0
    # a wrong answer that stops the cell: the key's reason is added to the error's
    wrong = _nb("def dsin(x):\n    return 0.5")
    run = grade_notebook(wrong, key, student="s", assignment="a")
    assert run.score() == (0.0, 2.0)
    text = run.nb.cells[-1].outputs[0].data["text/plain"]
    assert "raised an error" in text and "dsin(0) should be 1" in text
    # the visible check stopped the cell before the hidden records: nothing more to say
    assert "hidden points" not in text


def test_a_worker_waits_for_a_locked_gradebook_and_reports_other_failures(monkeypatch, tmp_path):
    """nbgrader_step retries while SQLite says the gradebook is locked, and no longer."""
    from adlab.autograde import batch

    class FakeAPI:
        def __init__(self, answers):
            self.answers, self.calls = list(answers), 0
            import logging
            self.log = logging.getLogger("fake-nbgrader")

        def autograde(self, assignment, student, force=True, create=True):
            self.calls += 1
            return self.answers.pop(0)

    locked = {"success": False, "error": "sqlite3.OperationalError: database is locked"}
    monkeypatch.setattr(batch.time, "sleep", lambda s: None)
    api = FakeAPI([locked, locked, {"success": True, "log": ""}])
    monkeypatch.setitem(batch._APIS, tmp_path, api)
    assert batch.nbgrader_step(tmp_path, "autograde", "a", "s") == (True, "")
    assert api.calls == 3
    api = FakeAPI([{"success": False, "error": "KeyError: 'q1'"}])
    monkeypatch.setitem(batch._APIS, tmp_path, api)
    ok, log = batch.nbgrader_step(tmp_path, "autograde", "a", "s")
    assert not ok and "KeyError" in log and api.calls == 1
    api = FakeAPI([locked] * batch.LOCK_RETRIES)
    monkeypatch.setitem(batch._APIS, tmp_path, api)
    ok, log = batch.nbgrader_step(tmp_path, "autograde", "a", "s")
    assert not ok and "locked" in log and api.calls == batch.LOCK_RETRIES
