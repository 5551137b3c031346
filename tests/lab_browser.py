"""JupyterLab in headless Chromium: open a notebook, run all its cells, and look at the result.

Used by tests/test_lab_notebooks.py, and by hand to look at a notebook as a
student sees it:

    .venv/bin/python tests/lab_browser.py notebooks/03_what_ad_is.ipynb /tmp/shots

writes /tmp/shots/03_what_ad_is-01.png, -02.png, ... (the notebook page by
page, 1280 x 900) and prints what `problems` finds. JupyterLab runs with every
Jupyter folder in a temporary directory, on 127.0.0.1, with no token, and
renders every cell (windowing off), so that the checks see the whole notebook.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from servers import free_port, isolated_jupyter, stop, tail  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
START_SECONDS = 90   # until JupyterLab answers
RUN_SECONDS = 180    # until every cell of a notebook has run
VIEWPORT = {"width": 1280, "height": 900}


@contextlib.contextmanager
def jupyterlab(root: Path, tmp: Path):
    """JupyterLab serving folder ROOT (its files as they are) while in the block; yields its URL."""
    env, dirs = isolated_jupyter(tmp)
    settings = tmp / "settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    (settings / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    apputils = tmp / "settings" / "@jupyterlab" / "apputils-extension"
    apputils.mkdir(parents=True)
    (apputils / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    port = free_port()
    log = tmp / "lab.log"
    with open(log, "wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}",
             "--ServerApp.port_retries=0", "--ServerApp.ip=127.0.0.1",
             "--IdentityProvider.token=", "--ServerApp.password=", "--ServerApp.disable_check_xsrf=True",
             f"--ServerApp.root_dir={root}", f"--LabServerApp.user_settings_dir={tmp / 'settings'}",
             f"--LabServerApp.workspaces_dir={tmp / 'workspaces'}", "--allow-root"],
            env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with {server.returncode}:\n{tail(log)}")
            try:
                urllib.request.urlopen(base + "/api/status", timeout=2).close()
                break
            except (OSError, urllib.error.HTTPError):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"JupyterLab did not answer in {START_SECONDS} s:\n{tail(log)}")
                time.sleep(0.25)
        yield base
    finally:
        stop(server, dirs["runtime"])


@contextlib.contextmanager
def chromium():
    """Headless Debian chromium under Playwright; yields the browser."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def open_and_run(browser, base: str, relpath: str, seconds: int = RUN_SECONDS):
    """A page with notebook RELPATH open in JupyterLab and every cell run; returns the page.

    Raises:
        TimeoutError: the kernel did not start, or the cells did not finish, in time.
    """
    page = browser.new_page(viewport=VIEWPORT)
    page.set_default_timeout(seconds * 1000)
    page.adlab_errors = []
    page.on("pageerror", lambda exc: page.adlab_errors.append(str(exc)))
    # ?reset: a fresh workspace, so that notebooks opened before are not reopened
    page.goto(f"{base}/lab/tree/{relpath}?reset", wait_until="domcontentloaded")
    page.wait_for_selector(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell")
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']")
    # focus the notebook on a cell's prompt (a click on its text could follow a link),
    # so that the Run menu acts on it
    page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell .jp-InputPrompt").first.click()
    # Run All is ignored while the kernel is still connecting: wait for the status
    # bar's "Idle", then run, and run again if no cell has started after a while
    page.wait_for_selector(".jp-StatusBar-TextItem:has-text('| Idle')")
    for attempt in range(3):
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
        try:
            page.wait_for_function("""() => {
                const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
                return panel && [...panel.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]
                    .some(p => /\\[(\\*|\\d+)\\]/.test(p.textContent));
            }""", polling=250, timeout=20_000)
            break
        except Exception:
            page.keyboard.press("Escape")
    try:
        page.wait_for_function("""() => {
            const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
            const prompts = panel ? [...panel.querySelectorAll('.jp-CodeCell .jp-InputPrompt')] : [];
            const busy = document.querySelector(".jp-Notebook-ExecutionIndicator[data-status='busy']");
            return prompts.length > 0 && !busy &&
                   prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
        }""", polling=250)
    except Exception as exc:
        state = page.evaluate("""() => {
            const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
            const prompts = panel ? [...panel.querySelectorAll('.jp-CodeCell .jp-InputPrompt')] : [];
            const status = [...document.querySelectorAll('.jp-Notebook-ExecutionIndicator')];
            return {prompts: prompts.map(p => p.textContent),
                    status: status.map(e => e.dataset.status),
                    dialogs: [...document.querySelectorAll('.jp-Dialog')].map(d => d.textContent.slice(0, 200))};
        }""")
        raise TimeoutError(f"{relpath}: the cells did not all run in {seconds} s: {state}") from exc
    page.wait_for_timeout(1500)  # widgets render after their outputs arrive
    return page


PROBLEMS = r"""() => {
    const found = [];
    const where = el => {
        const cell = el.closest('.jp-Cell');
        const cells = [...document.querySelectorAll('.jp-Notebook .jp-Cell')];
        return cell ? `cell ${cells.indexOf(cell)}` : 'page';
    };
    document.querySelectorAll('.jp-OutputArea-output[data-mime-type*="error"], .jp-RenderedText[data-mime-type="application/vnd.jupyter.stderr"]')
        .forEach(el => found.push(`${where(el)}: error output: ${el.textContent.trim().slice(0, 120)}`));
    document.querySelectorAll('.jp-Notebook img').forEach(img => {
        // the Colab and Binder badges come from the network, which a test machine lacks
        if (/^https?:/.test(img.getAttribute('src') || '') && !img.src.startsWith(location.origin)) return;
        if (img.offsetParent === null) return;  // hidden (an explorer with no picture yet)
        if (!img.complete || img.naturalWidth === 0) found.push(`${where(img)}: broken image`);
    });
    document.querySelectorAll('.jp-Notebook .jp-OutputArea-output *, .jp-Notebook .jp-MarkdownOutput *').forEach(el => {
        if (el.closest('.jp-OutputArea-output pre, .jp-RenderedText')) return;  // long text scrolls by design
        if (el.closest('mjx-container, .MathJax, .MathJax_SVG')) return;  // MathJax's own glyph boxes
        const style = getComputedStyle(el);
        if (style.display === 'none' || el.clientWidth === 0) return;
        // a box that scrolls on purpose (overflow auto or scroll) is not cut off
        if (el.scrollWidth > el.clientWidth + 1 && !['visible', 'auto', 'scroll'].includes(style.overflowX)) {
            found.push(`${where(el)}: ${el.tagName.toLowerCase()}.${[...el.classList].join('.')} ` +
                       `is cut off: content ${el.scrollWidth} px in a box of ${el.clientWidth} px`);
        }
    });
    document.querySelectorAll('.jp-Notebook .jp-OutputArea-output').forEach(out => {
        const box = out.getBoundingClientRect();
        out.querySelectorAll('img, svg, table, .widget-box, .jp-RenderedHTMLCommon > *').forEach(el => {
            const r = el.getBoundingClientRect();
            if (r.width > 0 && r.right > box.right + 1 && !el.closest('.jp-RenderedText')) {
                found.push(`${where(el)}: ${el.tagName.toLowerCase()} runs ${Math.round(r.right - box.right)} px past its output area`);
            }
        });
    });
    return found;
}"""


def problems(page) -> list:
    """What a student would see as broken: error outputs, broken images, content cut off."""
    return page.evaluate(PROBLEMS) + [f"JavaScript error: {e}" for e in page.adlab_errors]


def screenshots(page, outdir: Path, stem: str) -> list:
    """Screenshots of the notebook panel, a screen at a time from the top; returns their paths."""
    outdir.mkdir(parents=True, exist_ok=True)
    scroller = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer"
    height = page.evaluate(f"document.querySelector('{scroller}').scrollHeight")
    view = page.evaluate(f"document.querySelector('{scroller}').clientHeight")
    paths, top, k = [], 0, 1
    while True:
        page.evaluate(f"document.querySelector('{scroller}').scrollTop = {top}")
        page.wait_for_timeout(300)
        path = outdir / f"{stem}-{k:02d}.png"
        page.screenshot(path=str(path))
        paths.append(path)
        if top + view >= height:
            return paths
        top += view - 60
        k += 1


def main(argv=None) -> int:
    """``lab_browser.py NOTEBOOK OUTDIR``: run NOTEBOOK in JupyterLab and screenshot it."""
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2:
        print(main.__doc__)
        return 2
    notebook, outdir = Path(argv[0]).resolve(), Path(argv[1])
    with tempfile.TemporaryDirectory(prefix="adlab-lab-") as tmp:
        root = Path(tmp) / "root"
        root.mkdir()
        shutil.copy(notebook, root / notebook.name)
        with jupyterlab(root, Path(tmp)) as base, chromium() as browser:
            page = open_and_run(browser, base, notebook.name)
            for p in screenshots(page, outdir, notebook.stem):
                print(p)
            found = problems(page)
            print("\n".join(found) if found else "no problems found")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
