"""Offline slide decks: `python -m adlab.slides build` for the lessons' notebooks, checked in Chromium.

Builds the decks (and PDFs) of the lesson notebooks (tests/test_lessons.py's
LESSONS: maths, trace tables, Graphviz graphs, explorers shown by their static
pictures) into a temporary folder; the build itself fails when a slide
overflows. Then opens them from file:// in headless Chromium with every request
off this machine refused and recorded, and checks each slide: speaker notes,
no slide shrunk below 90 %, explorer pictures at least half the slide wide with
their text at least 14 px. It needs npm (for the first fetch of reveal.js and MathJax into
`adlab.slides.cache_dir`), Playwright and Debian's chromium at
/usr/bin/chromium; missing any of them is a failure, not a skip.

ADLAB_SLIDES_SCREENSHOTS=/some/folder keeps PNGs of a slide with maths and of
one with a graph there, to look at.
"""

from __future__ import annotations

import html.parser
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from adlab import slides
from adlab.static import WIDGET_VIEW

from adlab.widgets._base import MIN_TEXT_PX, MIN_WIDTH_PX, TEXT_PT, DPI

from deck_pages import facts
from test_lessons import LESSONS

DECKS = tuple(p.stem for p in LESSONS)
STEP_SECONDS = 30
SCREENSHOTS = os.environ.get("ADLAB_SLIDES_SCREENSHOTS")


def _needs(what: str) -> str:
    return f"{what} is missing: run `make slides` (or `make test`), which says how to install it."


def _require_tools():
    """Fail (never skip) when a tool is missing, before the build starts."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.fail(_needs("playwright (the Python package)"))
    if not os.access(slides.CHROMIUM, os.X_OK):
        pytest.fail(_needs(slides.CHROMIUM + " (Debian's chromium)"))
    if shutil.which("npm") is None:
        pytest.fail(_needs("npm (Debian: apt-get install npm)"))


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The two decks and their PDFs, built once for this module: (outdir, results by name)."""
    _require_tools()
    outdir = tmp_path_factory.mktemp("slides")
    try:
        done = slides.build(outdir, only=list(DECKS), pdf=True)
    except slides.SlidesError as exc:
        pytest.fail(f"adlab.slides build failed: {exc}")
    return outdir, {d["name"]: d for d in done}


class _Assets(html.parser.HTMLParser):
    """The src of every <script> and the href of every <link> of a page."""

    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and attrs.get("src"):
            self.urls.append(attrs["src"])
        elif tag == "link" and attrs.get("href"):
            self.urls.append(attrs["href"])


def test_decks_load_no_script_or_style_sheet_from_the_network(built):
    outdir, done = built
    assert sorted(done) == sorted(DECKS)
    for name in DECKS:
        page = (outdir / f"{name}.slides.html").read_text(encoding="utf-8")
        parser = _Assets()
        parser.feed(page)
        assert len(parser.urls) >= 5, parser.urls  # jQuery, require.js, MathJax, reveal's css
        remote = [u for u in parser.urls if re.match(r"(?i)\s*(https?:)?//", u)]
        assert not remote, f"{name}: scripts or style sheets from the network: {remote}"
        tags = re.findall(r"<(?:script|link)\b[^>]*>", page, re.IGNORECASE)
        assert not [t for t in tags if "https://" in t or "http://" in t], \
            f"{name}: a <script> or <link> names an http(s) URL"
        assert slides.remote_resources(page) == [], name
        for url in parser.urls:  # and every one of them is in OUTDIR
            local = outdir / urlsplit(url).path
            assert local.is_file(), f"{name} loads {url}, which is not in {outdir}"
    assert (outdir / "vendor" / "mathjax" / "jax" / "output" / "SVG" / "jax.js").is_file()


SLIDE_FACTS = r"""() => {
    const deck = document.querySelector('.reveal .slides');
    const slides = deck.querySelectorAll('section:not(.stack)').length;
    const math = deck.querySelectorAll('.MathJax_SVG svg, .MathJax_SVG_Display svg').length;
    const texErrors = deck.querySelectorAll(
        '.MathJax_SVG [data-mjx-error], .MathJax_SVG merror, .MathJax_Error').length;
    const raw = [];
    const walker = document.createTreeWalker(deck, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        if (n.parentElement.closest('script, style, pre, code')) continue;
        if (/\$[^$]+\$|\\\(|\\\[|\\frac|\\partial/.test(n.textContent)) {
            raw.push(n.textContent.trim().slice(0, 80));
        }
    }
    const graphs = [...deck.querySelectorAll('section .jp-RenderedSVG svg g.graph')]
        .map(g => g.querySelectorAll('g.node').length);
    const statics = [...deck.querySelectorAll('section .adlab-explorer-static')]
        // a picture's natural width; an explorer of text alone (the stepper) its text's length
        .map(s => { const img = s.querySelector('img');
                    return img ? img.naturalWidth : s.textContent.trim().length; });
    const widgetViews = document.querySelectorAll(
        'script[type="application/vnd.jupyter.widget-view+json"]').length;
    return {slides, math, texErrors, raw, graphs, statics, widgetViews};
}"""


def _show(page, selector):
    """Go to the slide holding the first SELECTOR; returns its indices."""
    return page.evaluate("""(sel) => {
        const slide = document.querySelector(sel).closest('section:not(.stack)');
        const i = Reveal.getIndices(slide);
        Reveal.slide(i.h, i.v);
        while (Reveal.nextFragment()) {}
        return i;
    }""", selector)


def test_decks_in_chromium_offline(built, tmp_path):
    from playwright.sync_api import Error as PlaywrightError

    outdir, _ = built
    with slides.chromium() as browser:
        facts = {}
        for name in DECKS:
            url = (outdir / f"{name}.slides.html").as_uri()  # as from a USB stick
            try:
                page = slides.open_deck(browser, url, viewport={"width": 1280, "height": 800})
            except slides.SlidesError as exc:
                pytest.fail(str(exc))
            try:
                page.set_default_timeout(STEP_SECONDS * 1000)
                facts[name] = page.evaluate(SLIDE_FACTS)
                assert page.adlab_refused == [], f"{name} tried the network: {page.adlab_refused}"
                assert page.adlab_errors == [], f"{name}: JavaScript errors {page.adlab_errors}"
                if SCREENSHOTS and name == "03_what_ad_is":
                    folder = Path(SCREENSHOTS)
                    folder.mkdir(parents=True, exist_ok=True)
                    _show(page, ".MathJax_SVG")
                    page.wait_for_timeout(1200)  # the slide transition
                    page.screenshot(path=str(folder / "slide-maths.png"))
                    _show(page, ".jp-RenderedSVG svg g.graph")
                    page.wait_for_timeout(1200)
                    page.screenshot(path=str(folder / "slide-graph.png"))
            except (AssertionError, PlaywrightError) as exc:
                shot = tmp_path / f"{name}-failure.png"
                page.screenshot(path=str(shot))
                pytest.fail(f"{exc}\nscreenshot: {shot}")
            finally:
                page.close()

    for name, f in facts.items():
        assert f["slides"] >= 12, f"{name}: {f['slides']} slides"
        assert f["math"] >= 5, f"{name}: MathJax rendered {f['math']} formulas"
        assert f["texErrors"] == 0, f"{name}: {f['texErrors']} TeX errors"
        assert f["raw"] == [], f"{name}: TeX source still visible: {f['raw']}"
        assert f["widgetViews"] == 0, f"{name}: a widget view is left, with no renderer offline"
    graphs = [g for f in facts.values() for g in f["graphs"]]
    assert graphs and max(graphs) >= 5, f"no Graphviz dependency graph as inline SVG on a slide: {graphs}"
    statics = [w for f in facts.values() for w in f["statics"]]
    assert len(statics) >= 2 and all(w > 0 for w in statics), \
        f"the explorers' static pictures are missing or empty: {statics}"


def test_every_slide_has_notes_fits_and_shows_pictures_readably(built):
    """Speaker notes on each slide; no slide below 90 %; pictures wide and their text legible."""
    outdir, _ = built
    smallest_px = TEXT_PT * DPI / 72  # the explorers' smallest text, at the PNG's own size
    with slides.chromium() as browser:
        for name in DECKS:
            page = slides.open_deck(browser, (outdir / f"{name}.slides.html").as_uri())
            try:
                per_slide = facts(page)
            finally:
                page.close()
            for k, f in enumerate(per_slide, 1):
                where = f"{name}, slide {k} ({f['text'][:40]!r})"
                assert len(f["notes"].split()) >= 15, f"{where}: no speaker notes"
                assert f["zoom"] >= slides.MIN_ZOOM - 1e-9, f"{where}: shrunk to {f['zoom']}"
                for pic in f["pictures"]:
                    assert pic["shown"] >= MIN_WIDTH_PX, f"{where}: a picture {pic['shown']:.0f} px wide"
                    scale = pic["shown"] / pic["natural"] * f["zoom"]
                    assert smallest_px * scale >= MIN_TEXT_PX, \
                        f"{where}: a picture's text is {smallest_px * scale:.1f} px on the slide"


def test_an_overflowing_slide_fails_the_build(tmp_path):
    """A slide too tall at 90 %, and a code line cut off on the right, each fail `build`."""
    import nbformat

    _require_tools()
    folder = tmp_path / "nb"
    folder.mkdir()
    tall = "\n\n".join(f"Line {i} of a slide that is far too long." for i in range(40))
    wide = "x = " + " + ".join(["1.0"] * 60)
    cells = [nbformat.v4.new_markdown_cell("# A deck"), nbformat.v4.new_markdown_cell(tall),
             nbformat.v4.new_code_cell(wide)]
    for c, kind in zip(cells, ["slide", "slide", "slide"]):
        c.metadata["slideshow"] = {"slide_type": kind}
    nbformat.write(nbformat.v4.new_notebook(cells=cells), folder / "01_overflow.ipynb")
    with pytest.raises(slides.SlidesError) as err:
        slides.build(tmp_path / "out", pdf=True, folder=folder)
    text = str(err.value)
    assert "2 slides overflow" in text, text
    assert "slide 2 ('Line 0 of a slide" in text and "px run off at 90%" in text, text
    assert "slide 3 ('x = 1.0" in text and "cuts off on the right" in text, text
    assert (tmp_path / "out" / "01_overflow.pdf").is_file()  # written first, to look at


def test_speaker_notes_become_reveal_notes():
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# T")])
    nb.cells[0].metadata["speaker_notes"] = "Say **this** first."
    slides.deck_notebook(nb)
    assert [c.metadata.get("slideshow", {}).get("slide_type") for c in nb.cells] == [None, "notes"]
    page = slides.export_deck(nb, "t")
    assert re.search(r'<aside class="notes">.*Say <strong>this</strong> first', page, re.S)


def _pdf_pages(data: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data))


def test_pdfs_have_a_page_per_slide(built):
    outdir, done = built
    for name in DECKS:
        pdf = outdir / f"{name}.pdf"
        assert pdf.is_file(), f"{pdf} was not written"
        data = pdf.read_bytes()
        assert data.startswith(b"%PDF"), f"{pdf} is not a PDF"
        pages = _pdf_pages(data)
        assert pages > 1, f"{pdf} has {pages} pages"
        assert pages == done[name]["pages"], (pages, done[name]["pages"])  # no blank last page


def test_select_and_cli_errors(tmp_path):
    assert [p.stem for p in slides.select(["03", "02_what_ad_is_not.ipynb"])] == \
        ["03_what_ad_is", "02_what_ad_is_not"]
    with pytest.raises(slides.SlidesError, match="matches 0 notebooks"):
        slides.select(["99"])
    assert slides.main(["build", str(tmp_path), "--only", "nope", "--no-pdf"]) == 1


def test_badges_and_widget_views_do_not_reach_a_deck():
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell(
            "# Title\n\n[![Open In Colab](https://colab.research.google.com/assets/colab-badge"
            ".svg)](https://colab.research.google.com/x) and ![x](http://example.org/x.png)"),
        nbformat.v4.new_code_cell("w", outputs=[nbformat.v4.new_output(
            "display_data", data={WIDGET_VIEW: {"model_id": "m", "version_major": 2}})]),
    ])
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {}}
    slides.deck_notebook(nb)
    assert nb.cells[0].source == "# Title\n\n and"
    assert list(nb.cells[1].outputs[0]["data"]) == ["text/plain"]
    assert "widgets" not in nb.metadata
    assert slides.remote_resources('<img src="https://x/y.png"><a href="https://ok">') == \
        ["https://x/y.png"]


def test_importing_adlab_slides_loads_no_heavy_library():
    code = ("import sys, adlab, adlab.slides; heavy = [m for m in ('nbconvert', 'playwright', "
            "'nbformat', 'jinja2', 'matplotlib') if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]", out.stdout
