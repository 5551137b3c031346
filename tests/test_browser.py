"""The derivative explorer in a real browser: Voila serves a notebook, headless Chromium moves x.

The other widget tests drive the Python objects; this one checks what a student
sees: the page renders the widget, the x slider answers the keyboard, the kernel
redraws and the text pane shows the new point. It needs Voila, Playwright and
Debian's chromium at /usr/bin/chromium, which `make test` installs; missing
any of them is a failure, not a skip. Every wait is bounded, and the server
and its kernel are stopped whatever happens.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
NOTEBOOK = Path(__file__).parent / "browser" / "derivatives.ipynb"
SERVER_START_SECONDS = 60    # until Voila answers HTTP
WIDGET_SECONDS = 60          # until the kernel has run the cell and the widget is drawn
STEP_SECONDS = 20            # for each later browser step
SCREENSHOT = os.environ.get("ADLAB_BROWSER_SCREENSHOT")  # e.g. /tmp/voila.png, to look at it


def _needs(what: str) -> str:
    return f"{what} is missing: run `make test`, which installs it."


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tail(path: Path, n: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return "(no log)"


def _processes_mentioning(text: str) -> list[int]:
    """Pids whose command line contains text (the kernels of this test's runtime dir)."""
    pids = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if text.encode() in (proc / "cmdline").read_bytes():
                pids.append(int(proc.name))
        except (OSError, ValueError):
            continue
    return [p for p in pids if p != os.getpid()]


def _stop(server: subprocess.Popen, runtime: Path):
    """Stop Voila's process group, then any kernel it left (kernels run in their own session)."""
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)
    deadline = time.monotonic() + 5
    while (pids := _processes_mentioning(str(runtime))) and time.monotonic() < deadline:
        time.sleep(0.2)
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _require_tools():
    """Fail (never skip) when a tool is missing, before any server starts."""
    try:
        import voila  # noqa: F401
    except ImportError:
        pytest.fail(_needs("voila"))
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.fail(_needs("playwright (the Python package)"))
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(_needs(CHROMIUM + " (Debian's chromium)"))


@pytest.fixture
def voila_url(tmp_path):
    """Voila serving a copy of tests/browser/derivatives.ipynb on 127.0.0.1 (no token, no network)."""
    _require_tools()
    notebook = tmp_path / "nb" / NOTEBOOK.name
    notebook.parent.mkdir()
    shutil.copy(NOTEBOOK, notebook)

    # Jupyter's dirs all in tmp_path: no user config or kernels are read, and
    # the "python3" kernel is this interpreter (the venv's), whatever else is installed.
    jupyter = {name: tmp_path / name for name in ("config", "data", "runtime", "path", "ipython")}
    for d in jupyter.values():
        d.mkdir()
    kernel_dir = jupyter["path"] / "kernels" / "python3"
    kernel_dir.mkdir(parents=True)
    (kernel_dir / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (adlab test)", "language": "python"}))
    env = dict(os.environ,
               JUPYTER_CONFIG_DIR=str(jupyter["config"]), JUPYTER_NO_CONFIG="1",
               JUPYTER_DATA_DIR=str(jupyter["data"]), JUPYTER_RUNTIME_DIR=str(jupyter["runtime"]),
               JUPYTER_PATH=str(jupyter["path"]), JUPYTER_PLATFORM_DIRS="1",
               IPYTHONDIR=str(jupyter["ipython"]), PYTHONUNBUFFERED="1")
    env.pop("JUPYTER_PREFER_ENV_PATH", None)

    port = _free_port()
    log = tmp_path / "voila.log"
    with open(log, "wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "voila", str(notebook), "--no-browser", f"--port={port}",
             "--Voila.ip=127.0.0.1", "--Voila.port_retries=0", "--Voila.token=",
             "--Voila.auto_token=False", f"--Voila.connection_dir_root={jupyter['runtime']}",
             "--VoilaConfiguration.show_tracebacks=True"],
            cwd=notebook.parent, env=env, stdin=subprocess.DEVNULL, stdout=out,
            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + SERVER_START_SECONDS
        while True:
            if server.poll() is not None:
                pytest.fail(f"Voila exited with {server.returncode} before answering:\n{_tail(log)}")
            try:
                # a path that is not the notebook: any answer (a 404 here) means up,
                # without starting a kernel
                urllib.request.urlopen(url + "adlab-probe", timeout=2).close()
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"Voila did not answer on {url} within {SERVER_START_SECONDS} s:\n"
                                f"{_tail(log)}")
                time.sleep(0.25)
        yield url, log
    finally:
        _stop(server, jupyter["runtime"])


def _point(text: str) -> float:
    m = re.search(r"x = (-?\d+\.\d+)", text)
    assert m, f"no 'x = ...' in the point line {text!r}"
    return float(m.group(1))


def test_moving_the_x_slider_in_a_browser_redraws(voila_url, tmp_path):
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import expect, sync_playwright

    url, log = voila_url

    outside = []  # requests the page tried to send off this machine (fonts from a CDN): refused

    def local_only(route):
        if route.request.url.startswith(("http://127.0.0.1:", "data:", "blob:")):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True,
                                    timeout=STEP_SECONDS * 1000)
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 1100})
            page.set_default_timeout(STEP_SECONDS * 1000)
            expect.set_options(timeout=STEP_SECONDS * 1000)
            page.route("**/*", local_only)
            errors = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            try:
                page.goto(url, wait_until="domcontentloaded")
                explorer = page.locator(".adlab-explorer")
                explorer.wait_for(state="visible", timeout=WIDGET_SECONDS * 1000)
                point = explorer.locator(".adlab-point")
                expect(point).to_contain_text("x = 1.0000")
                before = point.inner_text()
                expect(explorer.locator("img").first).to_be_visible()
                shown, natural = explorer.locator("img").first.evaluate(
                    "i => [i.clientWidth, i.naturalWidth]")
                assert natural > 0, "the error plot <img> is empty"
                assert shown == natural, f"the plot is stretched ({natural} px shown at {shown})"
                expect(explorer.locator(".adlab-message")).to_have_count(0)

                # the FloatSlider described "x" (not "log10 h"): ipywidgets 8 draws it with
                # noUiSlider, 7.x with jQuery UI
                slider = explorer.locator(".widget-slider").filter(
                    has=page.locator(".widget-label", has_text=re.compile(r"^\s*x\s*$")))
                expect(slider).to_have_count(1)
                handle = slider.locator(".noUi-handle, .ui-slider-handle").first
                handle.focus()
                handle.press("ArrowRight")
                expect(point).not_to_have_text(before)
                after = point.inner_text()
                assert _point(after) == pytest.approx(1.05), (before, after)
                expect(point).to_contain_text("x = 1.0500")
                expect(explorer.locator(".adlab-message")).to_have_count(0)
                assert not errors, f"JavaScript errors on the page: {errors}"
                if SCREENSHOT:
                    page.screenshot(path=SCREENSHOT, full_page=True)
            except (AssertionError, PlaywrightError) as exc:
                shot = tmp_path / "failure.png"
                try:
                    page.screenshot(path=str(shot), full_page=True, timeout=5000)
                except PlaywrightError:
                    shot = "(no screenshot)"
                pytest.fail(f"{exc}\nscreenshot: {shot}\nrefused off-machine requests: {outside}\n"
                            f"page errors: {errors}\nVoila's log:\n{_tail(log)}")
        finally:
            browser.close()
