"""make course's HTML pages: static explorers, text badges, and maths typeset offline in Chromium."""

from __future__ import annotations

from pathlib import Path

from adlab.course import (execute, index_html, kernel_config, notebook_paths, page_html,
                          title_of)
from adlab.slides import chromium, is_local, remote_resources, vendor

from servers import processes_mentioning

ROOT = Path(__file__).resolve().parents[1]

TYPESET = r"""() => {
    if (!(window.MathJax && MathJax.Hub)) return null;
    return new Promise(done => MathJax.Hub.Queue(() => done({
        rendered: document.querySelectorAll('.MathJax_SVG, .MathJax_SVG_Display').length,
        errors: document.querySelectorAll('.MathJax_Error, merror').length})));
}"""


def test_a_course_page_works_offline(tmp_path):
    vendor(tmp_path)
    page_text = page_html(execute(ROOT / "notebooks" / "03_what_ad_is.ipynb"),
                          previous=("02_what_ad_is_not.html", "2. What AD is not"),
                          following=("04_forward_mode.html", "4. Forward mode"))
    assert remote_resources(page_text) == []
    assert "[Open In Colab](" not in page_text and ">Open In Colab</a>" in page_text
    assert "data:image/svg+xml;base64," in page_text  # the Graphviz graph
    (tmp_path / "03.html").write_text(page_text, encoding="utf-8")
    with chromium() as browser:
        page = browser.new_page()
        refused = []
        page.route("**/*", lambda r: r.continue_() if is_local(r.request.url)
                   else (refused.append(r.request.url), r.abort()))
        page.goto((tmp_path / "03.html").as_uri(), wait_until="load")
        page.wait_for_function("window.MathJax && MathJax.Hub && MathJax.isReady")
        math = page.evaluate(TYPESET)
        # the decks' font, from the vendored reveal.js, and the links at top and bottom
        font = page.evaluate("document.fonts.ready.then(() => "
                             "document.fonts.check('17px \"Source Sans Pro\"'))")
        navs = page.evaluate("[...document.querySelectorAll('nav.adlab-nav')].map(n => "
                             "[...n.querySelectorAll('a')].map(a => [a.textContent, "
                             "a.getAttribute('href')]))")
    assert refused == []
    assert font is True
    assert len(navs) == 2 and navs[0] == navs[1] == [
        ["← 2. What AD is not", "02_what_ad_is_not.html"], ["Course index", "../index.html"],
        ["4. Forward mode →", "04_forward_mode.html"]]
    assert math["rendered"] >= 5 and math["errors"] == 0


def test_notebooks_run_over_private_sockets_without_warnings(tmp_path, capfd):
    """ipykernel 7 warns about unencrypted TCP on every start; the builds use Unix sockets."""
    import nbformat

    path = tmp_path / "tiny.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import adlab\nprint(adlab.grad(adlab.sin)(0.0))")]), path)
    before = set(processes_mentioning("ipykernel_launcher"))
    nb = execute(path)
    assert nb.cells[0].outputs[0]["text"] == "1.0\n"
    # the kernel was shut down, not left running
    assert set(processes_mentioning("ipykernel_launcher")) - before == set()
    err = capfd.readouterr().err
    assert "without encryption" not in err and "Kernel is running over TCP" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny.ipynb"]


def test_kernel_config_uses_sockets_only_where_the_address_fits(tmp_path):
    short = kernel_config(str(tmp_path))
    assert short.KernelManager.transport == "ipc"
    assert short.KernelManager.ip == str(tmp_path / "kernel")
    long_folder = tmp_path / ("x" * 100)
    assert "KernelManager" not in kernel_config(str(long_folder))  # TCP, nbclient's default



def test_the_index_lists_sections_by_title_with_their_pages_and_decks():
    import html

    import nbformat

    paths = notebook_paths()
    titles = [title_of(nbformat.read(p, as_version=4)) for p in paths]
    assert titles[3] == "3. What AD is: evaluation traces" and all(titles)
    assert [t.split(".")[0] for t in titles] == [str(i) for i in range(len(paths))]
    page = index_html(paths, titles)
    for path, title in zip(paths, titles):
        assert f"href='notebooks/{path.stem}.html'>{html.escape(title)}</a>" in page
        assert f"href='slides/{path.stem}.slides.html'" in page
    assert ">03_what_ad_is<" not in page  # titles, not file names
    assert remote_resources(page.replace("https://colab.research.google.com", "")) == []
