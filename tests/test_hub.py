"""The class's JupyterHub (deploy/) end to end, with real Unix users, in headless Chromium.

`make test-hub` installs the hub into /opt/adlab-hub-test with deploy/install.sh and
runs this file. It makes an instructor and three students as Unix accounts with
deploy/add-users.sh, starts JupyterHub on a free localhost port, and then, in the
browser: the instructor generates and releases q7_forward_and_reverse in Formgrader;
each student logs in, fetches it in the Assignments tab, answers (alice the reference
solution, bob a wrong answer, mallory a hostile cell that tries to read the course and
the exchange), and submits it there; the instructor collects in Formgrader, grades with
`make autograde` in ~/adlab (the sandboxed, parallel command) and releases the
feedback; each student fetches feedback in the Assignments tab and opens it. The
marks must be right (5, fewer, 0), each page must be the student's own, and no
student can read the course, another student's files or the exchange's submissions.
Users, processes and the exchange's course folder are removed afterwards.

Skipped, with one line, where it cannot run: not root (it makes Unix accounts), or no
hub installed (run `make test-hub`). Screenshots go to build/hub-test/.
"""

from __future__ import annotations

import csv
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
PREFIX = Path(os.environ.get("ADLAB_HUB_PREFIX", "/opt/adlab-hub-test"))
ASSIGNMENT = "q7_forward_and_reverse"
SHOTS = ROOT / "build" / "hub-test"
TIMINGS = SHOTS / "timings.json"

if os.geteuid() != 0:
    pytest.skip("the hub test makes Unix users and runs JupyterHub as root: run make test-hub "
                "as root", allow_module_level=True)
if not (PREFIX / "venv" / "bin" / "jupyterhub").exists():
    pytest.skip(f"no hub in {PREFIX}: run make test-hub (it runs deploy/install.sh)",
                allow_module_level=True)


def _uid(user: str) -> int:
    import pwd

    return pwd.getpwnam(user).pw_uid


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as(user: str, *cmd: str, check: bool = True, **kw) -> subprocess.CompletedProcess:
    """Run CMD as USER with a login-like environment and the shared environment on PATH."""
    home = Path("/home") / user
    env = {"HOME": str(home), "USER": user, "LOGNAME": user,
           "PATH": f"{PREFIX / 'venv' / 'bin'}:/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"}
    return subprocess.run(["runuser", "-u", user, "--", "env", "-i",
                           *(f"{k}={v}" for k, v in env.items()), *cmd],
                          cwd=kw.pop("cwd", home), check=check, text=True,
                          capture_output=True, **kw)


class Hub:
    """A running hub: its URL, users and passwords, and timings."""

    def __init__(self, url, users, passwords, instructor, students, exchange):
        self.url, self.users, self.passwords = url, users, passwords
        self.instructor, self.students, self.exchange = instructor, students, exchange
        self.timings: dict[str, float] = {}


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    tag = secrets.token_hex(2)
    instructor = f"adlabt{tag}-inst"
    students = {role: f"adlabt{tag}-{role}" for role in ("alice", "bob", "mallory")}
    users = [instructor, *students.values()]
    exchange = PREFIX / "exchange"
    state = tmp_path_factory.mktemp("hubstate")
    os.chmod(state, 0o700)
    passwords_file = PREFIX / "new-passwords.csv"
    passwords_file.unlink(missing_ok=True)
    shutil.rmtree(exchange / "adlab", ignore_errors=True)
    proc = None
    log = open(state / "hub.log", "w")
    try:
        subprocess.run([str(ROOT / "deploy" / "add-users.sh"), "--instructor", instructor],
                       check=True, capture_output=True, text=True,
                       env=dict(os.environ, PREFIX=str(PREFIX)))
        roster = state / "class.txt"
        roster.write_text("".join(f"{s}\n" for s in students.values()))
        subprocess.run([str(ROOT / "deploy" / "add-users.sh"), "--students", str(roster)],
                       check=True, capture_output=True, text=True,
                       env=dict(os.environ, PREFIX=str(PREFIX)))
        with open(passwords_file, newline="") as fh:
            passwords = dict(csv.reader(fh))
        passwords_file.unlink()
        assert set(passwords) == set(users)
        port = _free_port()
        env = dict(os.environ, ADLAB_HUB_PREFIX=str(PREFIX), ADLAB_HUB_STATE=str(state),
                   ADLAB_HUB_URL=f"http://127.0.0.1:{port}",
                   ADLAB_HUB_API_URL=f"http://127.0.0.1:{_free_port()}",
                   ADLAB_PROXY_API_URL=f"http://127.0.0.1:{_free_port()}")
        env.pop("JUPYTER_CONFIG_DIR", None)
        proc = subprocess.Popen([str(PREFIX / "venv" / "bin" / "jupyterhub"), "-f",
                                 str(PREFIX / "jupyterhub_config.py")], cwd=state, env=env,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{url}/hub/health", timeout=2)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    pytest.fail("the hub did not start:\n" + (state / "hub.log").read_text()[-3000:])
                time.sleep(0.5)
        yield Hub(url, users, passwords, instructor, students, exchange)
    finally:
        if proc is not None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        for user in users:
            subprocess.run(["pkill", "-KILL", "-u", user], capture_output=True)
        time.sleep(0.5)
        for user in users:
            subprocess.run(["userdel", "--remove", user], capture_output=True)
        shutil.rmtree(exchange / "adlab", ignore_errors=True)
        log.close()
        if SHOTS.is_dir():
            shutil.copy(state / "hub.log", SHOTS / "hub.log")


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield b
        b.close()


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def _login(browser, hub: Hub, user: str):
    """A new browser context logged in as USER, on their JupyterLab."""
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    page.set_default_timeout(90_000)
    page.goto(f"{hub.url}/hub/login")
    page.fill("#username_input", user)
    page.fill("#password_input", hub.passwords[user])
    page.click("#login_submit")
    page.wait_for_url(f"**/user/{user}/lab**", timeout=120_000)
    page.wait_for_selector("#jp-main-dock-panel", timeout=120_000)
    page.wait_for_selector(".jp-LabShell", timeout=60_000)
    return context, page


def _assignment_list(page) -> list[str]:
    """Open nbgrader's Assignments tab from the Nbgrader menu; wait for its lists.

    Returns the items the Nbgrader menu showed."""
    page.click("li.lm-MenuBar-item:has-text('Nbgrader')")
    page.wait_for_selector("li.lm-Menu-item:has-text('Assignment List')")
    items = [t.strip() for t in page.locator("li.lm-Menu-item .lm-Menu-itemLabel").all_inner_texts()]
    page.click("li.lm-Menu-item:has-text('Assignment List')")
    page.wait_for_selector("#released_assignments_list", timeout=60_000)
    return items


def _formgrader_button(page, icon: str) -> None:
    """Click the button with glyphicon ICON in the assignment's row of Formgrader."""
    row = page.locator("tr", has=page.locator(f"a:text-is('{ASSIGNMENT}')"))
    row.locator(f"span.glyphicon-{icon}").click()


def _close_modal(page, expect: str) -> None:
    modal = page.locator(".modal.in, .modal.show").first
    modal.wait_for(timeout=120_000)
    text = modal.inner_text()
    assert expect in text, text
    modal.locator("button:has-text('OK'), button:has-text('Close')").first.click()
    page.wait_for_timeout(500)


def _answers():
    """The test data of tests/exercise_answers for the assignment (its WRONG answers)."""
    import importlib.util

    path = ROOT / "tests" / "exercise_answers" / f"{ASSIGNMENT}.py"
    spec = importlib.util.spec_from_file_location(f"answers_{ASSIGNMENT}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_class_runs_from_release_to_feedback(hub, browser):
    t = hub.timings
    start = time.monotonic()
    inst = hub.instructor
    course = Path("/home") / inst / "adlab" / "exercises"

    # -- the instructor generates and releases the assignment in Formgrader
    ictx, ipage = _login(browser, hub, inst)
    ipage.click("li.lm-MenuBar-item:has-text('Nbgrader')")
    ipage.wait_for_selector("li.lm-Menu-item:has-text('Formgrader')")
    ipage.keyboard.press("Escape")
    ipage.goto(f"{hub.url}/user/{inst}/formgrader/manage_assignments")
    ipage.wait_for_selector(f"a:text-is('{ASSIGNMENT}')")
    _formgrader_button(ipage, "education")          # generate the student version
    _close_modal(ipage, "Successfully")
    _formgrader_button(ipage, "cloud-upload")       # release
    _close_modal(ipage, "Successfully")
    _shot(ipage, "1-instructor-released")
    released = hub.exchange / "adlab" / "outbound" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    assert released.exists()
    t["release"] = time.monotonic() - start

    # -- each student fetches, answers and submits
    answers = _answers()
    for role, user in hub.students.items():
        ctx, page = _login(browser, hub, user)
        # the first login copied the course's notebooks into the student's home
        page.wait_for_selector(".jp-DirListing-item:has-text('adlab-course')")
        copied = Path("/home") / user / "adlab-course"
        assert (copied / "00_index.ipynb").stat().st_uid == _uid(user)
        # students have the Assignment List, not the instructor's Formgrader
        menu = _assignment_list(page)
        assert "Assignment List" in menu and "Formgrader" not in menu, menu
        assert page.request.get(f"{hub.url}/user/{user}/formgrader").status == 404
        page.wait_for_selector(f"#released_assignments_list >> text={ASSIGNMENT}")
        page.locator("#released_assignments_list button:has-text('Fetch')").first.click()
        page.wait_for_selector(f"#fetched_assignments_list >> text={ASSIGNMENT}")
        mine = Path("/home") / user / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        assert mine.exists()
        _answer(user, mine, role, answers)
        page.locator("#fetched_assignments_list button:has-text('Submit')").first.click()
        page.wait_for_selector(f"#submitted_assignments_list >> text={ASSIGNMENT}",
                               timeout=60_000)
        _shot(page, f"2-{role}-submitted")
        ctx.close()
    t["students submit"] = time.monotonic() - start - t["release"]

    # -- the instructor collects, grades with make autograde, releases feedback
    mark = time.monotonic()
    ipage.goto(f"{hub.url}/user/{inst}/formgrader/manage_assignments")
    ipage.wait_for_selector(f"a:text-is('{ASSIGNMENT}')")
    _formgrader_button(ipage, "cloud-download")     # collect
    _close_modal(ipage, "Successfully")
    for user in hub.students.values():
        assert (course / "submitted" / user / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").exists()
    t["collect"] = time.monotonic() - mark
    mark = time.monotonic()
    graded = _as(inst, "make", "-C", str(course.parent), "autograde", "JOBS=2", check=False,
                 timeout=900)
    (SHOTS / "autograde.txt").write_text(graded.stdout + graded.stderr)
    assert graded.returncode == 0, graded.stdout[-2000:] + graded.stderr[-3000:]
    t["make autograde"] = time.monotonic() - mark
    mark = time.monotonic()
    ipage.reload()
    ipage.wait_for_selector(f"a:text-is('{ASSIGNMENT}')")
    _formgrader_button(ipage, "envelope")           # release feedback
    _close_modal(ipage, "Successfully")
    _shot(ipage, "3-instructor-feedback-released")
    ictx.close()
    t["release feedback"] = time.monotonic() - mark

    # -- each student fetches their feedback and reads it
    mark = time.monotonic()
    pages = {}
    for role, user in hub.students.items():
        ctx, page = _login(browser, hub, user)
        _assignment_list(page)
        page.locator("#submitted_assignments_list button:has-text('Fetch Feedback')").first.click()
        page.wait_for_selector("#submitted_assignments_list a:has-text('view feedback')",
                               timeout=60_000)
        (html,) = (Path("/home") / user / ASSIGNMENT / "feedback").glob(f"*/{ASSIGNMENT}.html")
        rel = html.relative_to(Path("/home") / user)
        page.goto(f"{hub.url}/user/{user}/files/{rel.as_posix()}")
        page.wait_for_selector("text=Score:")
        _shot(page, f"4-{role}-feedback")
        pages[role] = page.content()
        ctx.close()
    t["students read feedback"] = time.monotonic() - mark
    t["release to feedback"] = time.monotonic() - start
    SHOTS.mkdir(parents=True, exist_ok=True)
    TIMINGS.write_text(json.dumps(t, indent=1))

    # -- the marks, and each page its student's own
    scores = _scores(course)
    assert scores[hub.students["alice"]] == 5.0
    assert 0 < scores[hub.students["bob"]] < 5.0
    assert scores[hub.students["mallory"]] == 0.0
    assert "5.0 / 5.0" in pages["alice"]
    assert f"{scores[hub.students['bob']]:.1f} / 5.0" in pages["bob"]
    assert "0.0 / 5.0" in pages["mallory"]
    for role, page in pages.items():
        for other, user in hub.students.items():
            if other != role:
                assert user not in page
    # mallory's cell ran in the sandbox: no course, no exchange, no home of anyone's
    assert "HOSTILE-FOUND" not in pages["mallory"] and "HOSTILE-WROTE" not in pages["mallory"]
    assert "HOSTILE-" not in pages["alice"]


def _answer(user: str, path: Path, role: str, answers) -> None:
    """Write ROLE's answer into the student's fetched notebook, as that student."""
    nb = nbformat.read(path, as_version=4)
    if role != "mallory":       # mallory cheats instead of answering
        nb = _with_solutions(nb)
    if role == "bob":           # the first plausible wrong answer of the test data
        _what, code, _loses = answers.WRONG[0]
        for cell in nb.cells:
            gid = cell.metadata.get("nbgrader", {}).get("grade_id")
            if gid in code:
                cell.source = code[gid].strip("\n")
    elif role == "mallory":
        nb.cells.insert(1, nbformat.v4.new_code_cell(HOSTILE.strip("\n")))
    tmp = Path("/tmp") / f"{user}-answer.ipynb"
    nbformat.write(nb, tmp)
    os.chmod(tmp, 0o644)
    _as(user, "cp", str(tmp), str(path))
    tmp.unlink()


# what a hostile student puts at the top of the untouched release: look for the keys,
# the solutions, the gradebook, homes and others' submissions, write into the gradebook
# and kill the grader; graded in the sandbox, it finds nothing and changes nothing
HOSTILE = '''
import glob, os
found = []
for pattern in ["/home/*/adlab/exercises/keys/*.py", "/home/*/adlab/exercises/source/*/*",
                "/home/*/adlab/exercises/gradebook.db", "/home/*/*", "/opt/*/exchange/*/inbound/*",
                "/opt/*/exchange/*/feedback/*", "/srv/nbgrader/exchange/*/inbound/*"]:
    found += glob.glob(pattern)
for path in found:
    try:
        open(path, "rb").read(10)
        print("HOSTILE-" + "FOUND", path)
    except Exception:
        pass
for path in glob.glob("/home/*/adlab/exercises/gradebook.db"):
    try:
        open(path, "ab").write(b"x")
        print("HOSTILE-" + "WROTE", path)
    except Exception:
        pass
try:
    os.kill(os.getppid(), 9)
except Exception as err:
    print("kill:", type(err).__name__)
'''


def _with_solutions(nb):
    """The release with each solution cell holding the source's solution."""
    src = nbformat.read(ROOT / "exercises" / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb",
                        as_version=4)
    by_id = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in src.cells}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and meta.get("grade_id") in by_id:
            cell.source = by_id[meta["grade_id"]].source
    return nb


def _scores(course: Path) -> dict:
    with open(course / "grades.csv", newline="") as fh:
        return {row["student_id"]: float(row["score"]) for row in csv.DictReader(fh)
                if row["assignment"] == ASSIGNMENT}


def test_on_the_hub_no_student_can_read_the_course_another_student_or_the_exchange(hub):
    """Unix permissions, as mallory in a terminal of her own JupyterLab would meet them."""
    mallory = hub.students["mallory"]
    alice = hub.students["alice"]
    course = Path("/home") / hub.instructor / "adlab" / "exercises"
    for path in (course / "keys", course / "source", Path("/home") / alice,
                 hub.exchange / "adlab" / "inbound", hub.exchange / "adlab" / "feedback"):
        r = _as(mallory, "ls", str(path), check=False)
        assert r.returncode != 0 and "Permission denied" in r.stderr, (path, r.stdout, r.stderr)
    r = _as(mallory, "cat", str(course / "gradebook.db"), check=False)
    assert r.returncode != 0 and "Permission denied" in r.stderr
    # what nbgrader released is there for everyone to fetch
    r = _as(mallory, "ls", str(hub.exchange / "adlab" / "outbound" / ASSIGNMENT))
    assert f"{ASSIGNMENT}.ipynb" in r.stdout
