"""The lessons as a student sees them: each run in JupyterLab 4 in headless Chromium.

One JupyterLab serves a copy of notebooks/ for the module; each lesson is opened,
every cell run from the Run menu, and the page is checked for what a student
would see as broken (tests/lab_browser.py's `problems`): error outputs, broken
images, content cut off on the right or running past its output area, and
JavaScript errors. It needs Playwright and Debian's chromium, which `make test`
installs; missing either is a failure, not a skip.

ADLAB_LAB_SCREENSHOTS=/some/folder keeps the pages as PNGs, to look at.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from lab_browser import chromium, jupyterlab, open_and_run, problems, screenshots
from test_lessons import LESSONS

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = os.environ.get("ADLAB_LAB_SCREENSHOTS")


def _require_tools():
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.fail("playwright is missing: run `make test`, which installs it.")
    if not os.access("/usr/bin/chromium", os.X_OK):
        pytest.fail("/usr/bin/chromium is missing: run `make test`, which installs it.")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """(browser, base URL) of one JupyterLab serving a copy of notebooks/."""
    _require_tools()
    tmp = tmp_path_factory.mktemp("lab")
    root = tmp / "root"
    shutil.copytree(ROOT / "notebooks", root)
    (tmp / "jupyter").mkdir()
    with jupyterlab(root, tmp / "jupyter") as base, chromium() as browser:
        yield browser, base


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_lesson_runs_in_jupyterlab_with_nothing_broken_or_cut_off(lab, path, tmp_path):
    browser, base = lab
    page = open_and_run(browser, base, path.name)
    try:
        found = problems(page)
        shots = [tmp_path / "none"]
        if SCREENSHOTS or found:
            folder = Path(SCREENSHOTS) if SCREENSHOTS else tmp_path
            shots = screenshots(page, folder, path.stem)
        assert not found, f"{path.stem} in JupyterLab:\n" + "\n".join(found) + \
            f"\nscreenshots: {shots[0].parent}"
        outputs = page.locator(".jp-Notebook .jp-OutputArea-output").count()
        assert outputs >= 5, f"{path.stem}: only {outputs} outputs rendered"
        quizzes = page.locator(".jp-Notebook .adlab-quiz").count()
        if not path.stem.startswith("00"):
            assert quizzes >= 3, f"{path.stem}: {quizzes} live check-yourself questions"
    finally:
        page.close()


def test_descent_saddle_preset_sets_its_start_and_draws_once_in_jupyterlab(lab):
    """Choosing a preset sets every control (the saddle's start y = 0.01, which the browser's
    slider must not round to 0.00), the path leaves the saddle for the minimum (0, 1), and the
    picture is drawn once (counted in the browser as changes of the image)."""
    browser, base = lab
    page = open_and_run(browser, base, "01_calculus.ipynb")
    try:
        explorer = page.locator(".adlab-explorer").filter(
            has=page.locator("option", has_text="saddle and two minima"))
        assert explorer.count() == 1
        explorer.scroll_into_view_if_needed()
        image = explorer.locator("img").first
        image.evaluate("""img => {
            window.adlabImageChanges = 0;
            new MutationObserver(() => window.adlabImageChanges++)
                .observe(img, {attributes: true, attributeFilter: ['src']});
        }""")
        explorer.locator("select").first.select_option("saddle and two minima")
        table = explorer.locator("table.adlab-descent")
        table.filter(has_text="(1.8, 0.01)").wait_for()
        page.wait_for_timeout(3000)  # anything the browser sends back would redraw by now
        readouts = explorer.locator(".widget-readout").all_inner_texts()
        assert readouts[-2:] == ["1.80", "0.01"], readouts  # start x, start y
        assert readouts[0] == "0.0500" and readouts[1] == "120", readouts  # lr, steps
        text = table.inner_text()
        assert "after 120 of 120 steps (done)" in text and "f = -0.5" in text, text
        last = text.split("(done)")[1].split("f =")[0].strip()
        x, y = (float(v) for v in last.strip("()").split(","))
        assert abs(x) < 1e-4 and abs(y - 1) < 1e-4, last
        assert page.evaluate("window.adlabImageChanges") == 1
        assert not problems(page)
    finally:
        page.close()
