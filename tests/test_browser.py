"""The derivative explorer in a real browser: Voila serves a notebook, headless Chromium moves x.

The other widget tests drive the Python objects; this one checks what a student
sees: the page renders the widget, the x slider answers the keyboard, the kernel
redraws and the text pane shows the new point. It needs Voila, Playwright and
Debian's chromium at /usr/bin/chromium, which `make test` installs; missing
any of them is a failure, not a skip. Every wait is bounded, and the server
and its kernel are stopped whatever happens.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from servers import free_port, isolated_jupyter, stop, tail

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

    env, jupyter = isolated_jupyter(tmp_path)
    port = free_port()
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
                pytest.fail(f"Voila exited with {server.returncode} before answering:\n{tail(log)}")
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
                                f"{tail(log)}")
                time.sleep(0.25)
        yield url, log
    finally:
        stop(server, jupyter["runtime"])


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
                expect(point).to_contain_text("x = 1.00")
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
                expect(point).to_contain_text("x = 1.05")
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
                            f"page errors: {errors}\nVoila's log:\n{tail(log)}")
        finally:
            browser.close()
