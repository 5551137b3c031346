"""Slide decks of the course notebooks that work offline: reveal.js HTML and PDF.

``python -m adlab.slides build [OUTDIR] [--only NAME ...] [--no-pdf]`` runs
every ``notebooks/NN_*.ipynb`` in a fresh kernel (`adlab.course.execute`),
swaps live explorers for their static pictures (`adlab.static.static_notebook`)
and writes, for each notebook,

- ``OUTDIR/NN_name.slides.html``: a reveal.js deck (nbconvert's SlidesExporter,
  following the slideshow metadata of the cells), and
- ``OUTDIR/NN_name.pdf``: the same deck printed by headless Chromium, one slide a
  page, with the maths typeset.

Every script and style sheet a deck loads (reveal.js, MathJax 2.7 with SVG
output, require.js, jQuery) is copied into ``OUTDIR/vendor/`` and referred to by
relative URLs, so OUTDIR works from a USB stick (``file://``) or behind
``python -m http.server``; no deck touches the network. The packages come from
the npm registry with ``npm pack`` once, pinned and checked against their
sha512 integrity, and are kept in a cache (`cache_dir`, by default
``~/.cache/adlab/npm``), so later builds need no network and no npm.

The PDFs are printed by Playwright for Python driving Debian's chromium
(``/usr/bin/chromium``; Playwright's own browser download is not needed).
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from pathlib import Path

from .course import NOTEBOOKS, notebook_paths

DEFAULT_OUTDIR = Path("build") / "slides"
VENDOR = "vendor"  # the folder under OUTDIR holding the scripts and style sheets

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
PAGE_SECONDS = 60  # bound on loading a deck and typesetting its maths in Chromium

# Slide geometry (reveal.js units); a PDF page is this plus reveal's 4 % margin.
SLIDE_WIDTH = 1280
SLIDE_HEIGHT = 800
# A slide taller than SLIDE_HEIGHT is shrunk to fit, but not below this zoom (text
# stays readable from the back of a room); a slide still too tall, or with an
# element cut off on the right (a wide table, a long code line), is an overflow,
# and the build fails naming it.
MIN_ZOOM = 0.9

# The npm packages a deck needs, pinned, with npm's sha512 integrity and the files
# taken from each tarball (paths under its ``package/`` folder; a trailing slash
# takes a whole folder). They land in OUTDIR/vendor/NAME/ with the same layout.
#
# MathJax is 2.7 because nbconvert's reveal template drives MathJax 2
# (``MathJax.Hub``); only the TeX input, the SVG output with its TeX font and
# the extensions are copied (about 6 MB of the package's 73). SVG output
# prints exactly, and needs no web fonts. @jupyter-widgets/html-manager is not
# needed: decks carry no live widgets (see `deck_notebook`).
PACKAGES = {
    "reveal.js": {
        "version": "4.6.1",
        "integrity": "sha512-1CW0auaXNPmwmvQ7TwpszwVxMi2Xr5cTS3J3EBC/HHgbPF32Dn7aiu/"
                     "LKWDOGjMbaDwKQiGmfqcoGQ74HUHCMw==",
        "files": ["LICENSE", "dist/reveal.js", "dist/reveal.css", "dist/theme/white.css",
                  "dist/theme/fonts/source-sans-pro/", "plugin/notes/"],
    },
    "requirejs": {
        "version": "2.3.7",
        "integrity": "sha512-DouTG8T1WanGok6Qjg2SXuCMzszOo0eHeH9hDZ5Y4x8Je+9JB38HdTLT4/"
                     "VA8OaUhBa0JPVHJ0pyBkM1z+pDsw==",
        "files": ["require.js"],
    },
    "jquery": {
        "version": "3.7.1",
        "integrity": "sha512-m4avr8yL8kmFN8psrbFFFmB/If14iN5o9nw/NgnnM+kybDJpRsAynV2BsfpTYrTR"
                     "ysYUdADVD7CkUUizgkpLfg==",
        "files": ["LICENSE.txt", "dist/jquery.min.js"],
    },
    "mathjax": {
        "version": "2.7.9",
        "integrity": "sha512-NOGEDTIM9+MrsqnjPEjVGNx4q0GQxqm61yQwSK+/5S59i26wId5IC5gNu9/"
                     "bu8+CCVl5p9G2IHcAl/wJa+5+BQ==",
        "files": ["LICENSE", "MathJax.js", "config/TeX-AMS_SVG-full.js", "config/Safe.js",
                  "extensions/", "jax/input/TeX/", "jax/element/", "jax/output/SVG/jax.js",
                  "jax/output/SVG/config.js", "jax/output/SVG/autoload/",
                  "jax/output/SVG/fonts/TeX/", "localization/en/"],
    },
}

# The URLs the exporter writes, relative to the deck (which sits beside vendor/).
URLS = {
    "reveal_url_prefix": f"{VENDOR}/reveal.js",
    "require_js_url": f"{VENDOR}/requirejs/require.js",
    "jquery_url": f"{VENDOR}/jquery/dist/jquery.min.js",
    "mathjax_url": f"{VENDOR}/mathjax/MathJax.js?config=TeX-AMS_SVG-full,Safe",
}

NPM_HINT = ("npm is missing: install Node.js and npm (Debian: apt-get install npm) to fetch "
            "reveal.js and MathJax once; later builds use the cache")
PLAYWRIGHT_HINT = ("playwright (the Python package) is missing: pip install playwright, or "
                   "pip install -e '.[all]'; or build with --no-pdf")
CHROMIUM_HINT = (f"{CHROMIUM} is missing: install it (Debian: apt-get install chromium); "
                 "or build with --no-pdf")


class SlidesError(RuntimeError):
    """A deck cannot be built; the message says why and what to do, in one line."""


# --------------------------------------------------------------------------- vendor assets

def cache_dir() -> Path:
    """Where the npm tarballs are kept between builds.

    ``$ADLAB_CACHE_DIR/npm`` if that variable is set, else
    ``$XDG_CACHE_HOME/adlab/npm`` (``~/.cache/adlab/npm``). Outside the
    repository, so ``make clean`` keeps it and git never sees it.
    """
    if os.environ.get("ADLAB_CACHE_DIR"):
        return Path(os.environ["ADLAB_CACHE_DIR"]) / "npm"
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "adlab" / "npm"


def _tarball_name(name: str, version: str) -> str:
    return f"{name.lstrip('@').replace('/', '-')}-{version}.tgz"


def _integrity(path: Path) -> str:
    digest = hashlib.sha512(Path(path).read_bytes()).digest()
    return "sha512-" + base64.b64encode(digest).decode()


def fetch_packages(cache: Path | None = None) -> dict:
    """Make sure every pinned npm tarball of `PACKAGES` is in the cache; returns {name: path}.

    Tarballs already cached (and matching their integrity) are used as they are, so
    no network and no npm are needed then. Missing ones are fetched with
    ``npm pack NAME@VERSION``.

    Raises:
        SlidesError: npm is missing, ``npm pack`` failed, or a tarball does not
            match its pinned integrity.
    """
    cache = Path(cache) if cache is not None else cache_dir()
    paths = {}
    for name, spec in PACKAGES.items():
        path = cache / _tarball_name(name, spec["version"])
        if path.exists() and _integrity(path) != spec["integrity"]:
            path.unlink()  # a truncated or altered download: fetch it again
        if not path.exists():
            _npm_pack(f"{name}@{spec['version']}", path)
            if _integrity(path) != spec["integrity"]:
                path.unlink()
                raise SlidesError(f"npm pack {name}@{spec['version']} gave a tarball whose sha512 "
                                  f"is not the pinned one; nothing was kept")
        paths[name] = path
    return paths


def _npm_pack(spec: str, target: Path):
    """``npm pack SPEC`` into a temporary folder, then move the tarball to TARGET."""
    npm = shutil.which("npm")
    if npm is None:
        raise SlidesError(NPM_HINT)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        print(f"fetching {spec} from the npm registry (once; cached in {target.parent})")
        done = subprocess.run([npm, "pack", spec, "--json", "--pack-destination", tmp],
                              cwd=tmp, capture_output=True, text=True, timeout=600)
        made = list(Path(tmp).glob("*.tgz"))
        if done.returncode != 0 or len(made) != 1:
            raise SlidesError(f"npm pack {spec} failed ({_npm_error(done)}); the first build "
                              f"needs the npm registry, later ones use {target.parent}")
        os.replace(made[0], target)


def _npm_error(done: subprocess.CompletedProcess) -> str:
    """The telling line of a failed npm run (its error, without the stack and the log path)."""
    lines = [ln[len("npm error"):].strip() for ln in done.stderr.splitlines()
             if ln.startswith("npm error")]
    lines = [ln for ln in lines if ln and not re.match(
        r"(code|syscall|errno|at |A complete log|[{}]|[a-z]+:)", ln)]
    return lines[0] if lines else f"exit status {done.returncode}"


def _wanted(files: list, rel: str) -> bool:
    return any(rel == f or (f.endswith("/") and rel.startswith(f)) for f in files)


def vendor(outdir: Path, cache: Path | None = None) -> Path:
    """Fill OUTDIR/vendor with the files of `PACKAGES` the decks load; returns that folder.

    Skipped when OUTDIR/vendor already holds these versions (its
    ``.adlab-vendor`` stamp says so). Fetches missing tarballs first
    (`fetch_packages`).
    """
    target = Path(outdir) / VENDOR
    stamp = target / ".adlab-vendor"
    wanted = json.dumps({n: s["version"] for n, s in PACKAGES.items()}, sort_keys=True)
    if stamp.exists() and stamp.read_text() == wanted:
        return target
    tarballs = fetch_packages(cache)
    if target.exists():
        shutil.rmtree(target)
    for name, spec in PACKAGES.items():
        root = target / name
        with tarfile.open(tarballs[name], "r:gz") as tar:
            for member in tar:
                rel = member.name.split("/", 1)[1] if "/" in member.name else ""
                if not member.isfile() or ".." in rel.split("/") or not _wanted(spec["files"], rel):
                    continue
                dest = root / rel
                dest.parent.mkdir(parents=True, exist_ok=True)
                with tar.extractfile(member) as src, open(dest, "wb") as out:
                    shutil.copyfileobj(src, out)
        missing = [f for f in spec["files"] if not (root / f).exists()]
        if missing:
            raise SlidesError(f"{name}@{spec['version']} lacks {missing}; PACKAGES is out of date")
    stamp.write_text(wanted)
    return target


# --------------------------------------------------------------------------- HTML decks

# nbconvert's reveal template, changed so that
# - MathJax 2 typesets to SVG (exact in print, no web fonts), and reveal.js starts
#   only once the maths is typeset, so slide heights (and the PDF's pages) are final;
# - a slide taller than the deck is shrunk to fit (down to MIN_ZOOM) instead of
#   running off the bottom; ``window.adlabFit`` lists those slides;
# - SVG outputs (the Graphviz graphs) sit inline; headings keep their case;
# - no mermaid.js or widget renderer is loaded from a CDN;
# - the PDF has no blank last page and no outlined (bold-looking) maths;
# - ``window.Reveal`` is set, and ``window.adlabMathDone`` and
#   ``window.adlabDeckReady`` turn true when typeset and laid out (for print, too).
TEMPLATE_NAME = "adlab_reveal.html.j2"
TEMPLATE = r"""{%- extends 'index.html.j2' -%}

{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{% block jupyter_widgets %}{% endblock jupyter_widgets %}

{#- SVG outputs (the Graphviz graphs) inline, so they print as vectors and text;
    nbconvert 7.17's skip_svg_encoding would show them as escaped text. -#}
{% block data_svg scoped -%}
<div class="jp-RenderedSVG jp-OutputArea-output {{ extra_class }}" data-mime-type="image/svg+xml">
{{ output.data['image/svg+xml'] }}
</div>
{%- endblock data_svg %}

{%- block html_head_js_mathjax -%}
<script type="text/x-mathjax-config">
MathJax.Hub.Config({
    TeX: {equationNumbers: {autoNumber: "AMS", useLabelIds: true}},
    tex2jax: {
        inlineMath: [['$', '$'], ["\\(", "\\)"]],
        displayMath: [['$$', '$$'], ["\\[", "\\]"]],
        processEscapes: true,
        processEnvironments: true
    },
    displayAlign: "center",
    messageStyle: "none",
    showMathMenu: false,
    SVG: {font: "TeX", useGlobalCache: false, linebreaks: {automatic: false}}
});
</script>
<script src="{{ resources.mathjax_url }}"></script>
<style type="text/css">
.reveal .slides h1, .reveal .slides h2, .reveal .slides h3, .reveal .slides h4 {
    text-transform: none;
}
.reveal .jp-RenderedHTMLCommon table { font-size: 0.9em; }
/* an explorer's static view on a slide: its picture, without the text pane (which
   the notebook shows), so that the picture fits at a readable size */
.reveal .adlab-explorer-text { display: none; }
/* the trace stepper's static view on a slide: the graph of the step across the slide,
   without its table and its sentences (the notebook shows them; live, the lecturer steps) */
.reveal .adlab-stepper-table, .reveal .adlab-stepper-head { display: none; }
.reveal .adlab-stepper .adlab-graph svg { width: 100%; height: auto; max-height: 520px; }
/* a code block's padding inside its width, so that it ends where its cell does */
.reveal .slides pre { box-sizing: border-box; }
.reveal .jp-RenderedSVG svg { max-width: 100%; height: auto; }
/* MathJax 2 strokes its glyphs (1 font unit) as well as filling them; in a PDF the
   stroke is a hairline that viewers draw a pixel wide, and the maths looks bold. */
.MathJax_SVG use, .MathJax_SVG path, .MathJax_SVG_Display use, .MathJax_SVG_Display path {
    stroke: none !important;
}
/* reveal.js breaks the page after every PDF page, the last too: no blank page at the end */
html.print-pdf .reveal .slides .pdf-page:last-child { page-break-after: avoid; break-after: avoid; }
html.adlab-measure .reveal .slides section {
    display: block !important; visibility: hidden !important; position: absolute !important;
    width: {{ resources.reveal.width }}px !important; transform: none !important;
}
</style>
{%- endblock html_head_js_mathjax -%}

{% block footer_js %}
<script>
(function () {
    var WIDTH = {{ reveal_width }}, HEIGHT = {{ reveal_height }};
    var MIN_ZOOM = {{ resources.adlab_min_zoom }};
    // A slide taller than the deck is shrunk (CSS zoom on a wrapper of its content)
    // until it fits, down to MIN_ZOOM; window.adlabFit lists what was shrunk.
    // Measured before reveal.js starts, with every slide shown at the deck's width.
    // Elements of a slide whose content is wider than their box (cut off or scrolled
    // on the right): a code line, a table or a formula too wide for the slide.
    function cutOff(slide) {
        var found = [];
        slide.querySelectorAll("pre, table, .jp-OutputArea-output, .jp-RenderedHTMLCommon, " +
                               ".MathJax_SVG_Display, img, svg").forEach(function (el) {
            if (el.closest("aside.notes")) { return; }
            var wide = el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0;
            var box = el.getBoundingClientRect(), frame = slide.getBoundingClientRect();
            if (wide || box.right > frame.left + WIDTH + 1) {
                found.push(el.tagName.toLowerCase() + ": " +
                           el.textContent.replace(/\s+/g, " ").trim().slice(0, 40));
            }
        });
        return found;
    }
    function fitSlides() {
        var root = document.documentElement, fit = [], leaf = 0;
        root.classList.add("adlab-measure");
        var slides = Array.from(document.querySelectorAll(".reveal .slides section"));
        slides.forEach(function (slide) {
            if (slide.querySelector("section")) { return; }  // a stack of subslides
            leaf += 1;
            var cut = cutOff(slide);
            if (cut.length) {
                fit.push({slide: leaf, height: slide.scrollHeight, zoom: 1, overflow: 0, cut: cut,
                          text: slide.textContent.replace(/\u00b6/g, "").replace(/\s+/g, " ")
                                                 .trim().slice(0, 50)});
            }
            if (slide.scrollHeight <= HEIGHT) { return; }
            var box = document.createElement("div"), zoom = 1, before = slide.scrollHeight;
            box.className = "adlab-fit";
            while (slide.firstChild) { box.appendChild(slide.firstChild); }
            slide.appendChild(box);
            for (var i = 0; i < 6 && slide.scrollHeight > HEIGHT && zoom > MIN_ZOOM; i++) {
                zoom = Math.max(MIN_ZOOM, zoom * HEIGHT / slide.scrollHeight * 0.99);
                box.style.zoom = zoom;
            }
            fit.push({slide: leaf, height: before, zoom: Math.round(zoom * 100) / 100,
                      overflow: Math.max(0, slide.scrollHeight - HEIGHT), cut: [],
                      text: slide.textContent.replace(/\u00b6/g, "").replace(/\s+/g, " ")
                                             .trim().slice(0, 50)});
        });
        root.classList.remove("adlab-measure");
        window.adlabFit = fit;
    }
    var started = false;
    function start() {
        if (started) { return; }
        started = true;
        fitSlides();
        require({waitSeconds: 30},
            ["{{ reveal_url_prefix }}/dist/reveal.js",
             "{{ reveal_url_prefix }}/plugin/notes/notes.js"],
            function (Reveal, RevealNotes) {
                window.Reveal = Reveal;  // for the browser tests and the console
                var print = /print-pdf/i.test(window.location.search);
                Reveal.on(print ? "pdf-ready" : "ready", function () {
                    window.adlabDeckReady = true;
                });
                Reveal.initialize({
                    controls: true,
                    progress: true,
                    history: true,
                    transition: "{{ reveal_transition }}",
                    slideNumber: "{{ reveal_number }}",
                    plugins: [RevealNotes],
                    width: WIDTH,
                    height: HEIGHT,
                    pdfSeparateFragments: false
                });
            });
    }
    // reveal.js and fitSlides measure the slides, so they start once MathJax has
    // typeset them (or after 20 s if MathJax never finishes, so the deck still shows).
    if (window.MathJax && MathJax.Hub) {
        MathJax.Hub.Register.StartupHook("End", function () {
            MathJax.Hub.Queue(function () { window.adlabMathDone = true; start(); });
        });
    }
    setTimeout(start, window.MathJax ? 20000 : 0);
}());
</script>
{% endblock footer_js %}
"""

# Markdown images served from the network (the Colab and Binder badges of every
# title cell); a deck must not fetch them, and they mean nothing on a slide.
_REMOTE_LINKED_IMAGE = re.compile(r"\[!\[[^\]]*\]\(\s*https?://[^)]*\)\]\([^)]*\)")
_REMOTE_IMAGE = re.compile(r"!\[[^\]]*\]\(\s*https?://[^)]*\)")
_SVG_PROLOG = re.compile(r"<\?xml[^>]*\?>|<!DOCTYPE[^>]*>|<!--.*?-->", re.DOTALL)
# What no written deck may contain: a script, style sheet, image or frame from the network.
_REMOTE_RESOURCE = re.compile(
    r"<(?:script|link|img|iframe|source|video|audio|embed)\b[^>]*?\b(?:src|href)\s*=\s*"
    r"[\"']?\s*((?:https?:)?//[^\"'\s>]+)", re.IGNORECASE)
_REMOTE_IMPORT = re.compile(r"""(?:@import\s+(?:url\()?|\bimport\s[^;]*?from\s+)["']?"""
                            r"""((?:https?:)?//[^"')\s;]+)""", re.IGNORECASE)


def remote_resources(page: str) -> list:
    """The network URLs PAGE would load (scripts, style sheets, images, frames, imports).

    Links a reader may follow (``<a href>``) are not resources and are not listed.
    """
    return _REMOTE_RESOURCE.findall(page) + _REMOTE_IMPORT.findall(page)


def deck_notebook(nb, name: str = "notebook"):
    """Prepare an executed notebook for a deck; returns the same notebook (changed in place).

    - live explorers show their static picture (`adlab.static.static_notebook`);
    - a widget with no static picture becomes a short note (a deck has no kernel,
      and its renderer would come from a CDN);
    - Markdown images from the network (the Colab and Binder badges) are removed;
    - SVG outputs lose their XML prolog and DOCTYPE, so they can sit inline in the page;
    - the deck's title is the notebook's first heading, unless the metadata has one;
    - a cell's speaker notes (``metadata["speaker_notes"]``, Markdown) become a notes
      cell right after it, which reveal.js shows in its speaker view (key S) and
      students reading the notebook never see.
    """
    import nbformat

    from .static import WIDGET_VIEW, static_notebook

    static_notebook(nb)
    cells = []
    for cell in nb.cells:
        cells.append(cell)
        notes = cell.get("metadata", {}).get("speaker_notes")
        if notes:
            note = nbformat.v4.new_markdown_cell(notes)
            note.metadata["slideshow"] = {"slide_type": "notes"}
            cells.append(note)
    nb.cells = cells
    headings = [m.group(1).strip() for cell in nb.cells if cell.cell_type == "markdown"
                for m in [re.search(r"(?m)^#\s+(.+)$", cell.source)] if m]
    if headings and not nb.get("metadata", {}).get("title"):
        nb.setdefault("metadata", {})["title"] = headings[0]
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            source = _REMOTE_LINKED_IMAGE.sub("", cell.source)
            cell.source = _REMOTE_IMAGE.sub("", source).strip()
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "image/svg+xml" in data:
                data["image/svg+xml"] = _SVG_PROLOG.sub("", data["image/svg+xml"]).strip()
            if WIDGET_VIEW in data:
                print(f"warning: {name}, cell {index}: a widget without a static picture "
                      f"is shown as a note in the deck", file=sys.stderr)
                output["data"] = {"text/plain": "(interactive widget: open the notebook "
                                                "in Jupyter to use it)"}
                output.get("metadata", {}).pop(WIDGET_VIEW, None)
    nb.get("metadata", {}).pop("widgets", None)
    return nb


def export_deck(nb, name: str) -> str:
    """The reveal.js HTML of a prepared notebook, loading its assets from ``vendor/``.

    Raises:
        SlidesError: the page would still load something from the network.
    """
    from jinja2 import DictLoader
    from nbconvert import SlidesExporter

    exporter = SlidesExporter(
        extra_loaders=[DictLoader({TEMPLATE_NAME: TEMPLATE})], template_file=TEMPLATE_NAME,
        reveal_theme="white", reveal_transition="slide",
        reveal_width=str(SLIDE_WIDTH), reveal_height=str(SLIDE_HEIGHT),
        exclude_input_prompt=True, exclude_output_prompt=True,
        **URLS)
    page, _ = exporter.from_notebook_node(
        nb, resources={"metadata": {"name": name}, "adlab_min_zoom": MIN_ZOOM})
    remote = remote_resources(page)
    if remote:
        raise SlidesError(f"{name}: the deck would load {remote[0]} from the network "
                          f"({len(remote)} such URLs)")
    return page


def build_deck(path: Path, outdir: Path) -> Path:
    """Execute notebook PATH and write OUTDIR/STEM.slides.html; returns its path.

    OUTDIR/vendor must hold the assets (`vendor`).
    """
    from .course import execute

    path = Path(path)
    nb = deck_notebook(execute(path), path.stem)
    target = Path(outdir) / f"{path.stem}.slides.html"
    target.write_text(export_deck(nb, path.stem), encoding="utf-8")
    return target


# --------------------------------------------------------------------------- PDF

def require_browser():
    """Fail with one clear line when Playwright or Debian's chromium is missing."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        raise SlidesError(PLAYWRIGHT_HINT) from None
    if not os.access(CHROMIUM, os.X_OK):
        raise SlidesError(CHROMIUM_HINT)


@contextlib.contextmanager
def serve(folder: Path):
    """Serve FOLDER over HTTP on 127.0.0.1 (a free port) while in the block; yields the base URL."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@contextlib.contextmanager
def chromium():
    """Headless Debian chromium under Playwright while in the block; yields the browser."""
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True,
                                    timeout=PAGE_SECONDS * 1000)
        try:
            yield browser
        finally:
            browser.close()


def is_local(url: str) -> bool:
    """True for URLs that stay on this machine (file:, data:, blob:, 127.0.0.1, localhost)."""
    return url.startswith(("file:", "data:", "blob:", "about:", "http://127.0.0.1:",
                           "http://localhost:"))


def open_deck(browser, url: str, viewport=None):
    """A new page showing the deck at URL, laid out by reveal.js and typeset by MathJax.

    Every request off this machine is refused and recorded in ``page.adlab_refused``.
    Returns the page.

    Raises:
        SlidesError: the deck did not get ready within PAGE_SECONDS, or MathJax did not finish.
    """
    from playwright.sync_api import Error as PlaywrightError

    page = browser.new_page(viewport=viewport or {"width": SLIDE_WIDTH, "height": SLIDE_HEIGHT})
    page.set_default_timeout(PAGE_SECONDS * 1000)
    refused = []

    def local_only(route):
        if is_local(route.request.url):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    page.route("**/*", local_only)
    page.adlab_refused = refused
    page.adlab_errors = errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(url, wait_until="load")
    try:
        page.wait_for_function("window.adlabDeckReady === true && window.adlabMathDone === true")
        page.evaluate("document.fonts.ready.then(() => true)")
    except PlaywrightError as exc:
        raise SlidesError(f"{url}: the deck was not ready after {PAGE_SECONDS} s "
                          f"(refused requests: {refused}; page errors: {errors}): "
                          f"{str(exc).splitlines()[0]}") from None
    return page


MATH_CHECK = r"""() => {
    const rendered = document.querySelectorAll('.MathJax_SVG, .MathJax_SVG_Display').length;
    const errors = document.querySelectorAll(
        '.MathJax_SVG [data-mjx-error], .MathJax_SVG merror, .MathJax_Error').length;
    const walker = document.createTreeWalker(
        document.querySelector('.reveal .slides'), NodeFilter.SHOW_TEXT);
    const raw = [];
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        if (n.parentElement.closest('script, style, pre, code')) continue;
        if (/\$[^$\s][^$]*\$|\\\(|\\\[/.test(n.textContent)) {
            raw.push(n.textContent.trim().slice(0, 80));
        }
    }
    return {rendered, errors, raw};
}"""


def math_report(page) -> dict:
    """What MathJax did in PAGE: {'rendered': typeset formulas, 'errors': TeX errors,
    'raw': text still showing TeX delimiters ($...$, \\(, \\[) outside code}."""
    return page.evaluate(MATH_CHECK)


def print_pdf(browser, deck_url: str, target: Path) -> dict:
    """Print the deck at DECK_URL (reveal's ``?print-pdf`` view) to TARGET.

    Waits until reveal.js has laid out the pages and MathJax has typeset every
    formula (as SVG, which prints exactly). Returns ``{"pages": N, "math": M,
    "fit": [...]}``: the page count, the number of typeset formulas, and the
    slides shrunk to fit (see `TEMPLATE`: slide number, zoom, overflow left, first line).

    Raises:
        SlidesError: the deck tried the network, MathJax left TeX unrendered, or
            the page did not get ready.
    """
    page = open_deck(browser, deck_url + "?print-pdf")
    try:
        math = math_report(page)
        if page.adlab_refused:
            raise SlidesError(f"{deck_url} tried the network: {page.adlab_refused}")
        if math["errors"] or math["raw"]:
            raise SlidesError(f"{deck_url}: MathJax left {math['errors']} errors and raw TeX "
                              f"{math['raw'][:3]}")
        page.pdf(path=str(target), print_background=True, prefer_css_page_size=True)
        return {"pages": page.evaluate("document.querySelectorAll('.pdf-page').length"),
                "math": math["rendered"], "fit": page.evaluate("window.adlabFit || []")}
    finally:
        page.close()


# --------------------------------------------------------------------------- build

def select(only=None, folder: Path = NOTEBOOKS) -> list:
    """The course notebooks, or those ONLY names (``03``, ``03_what_ad_is``, or a file name)."""
    paths = notebook_paths(folder)
    if not only:
        return paths
    chosen = []
    for name in only:
        stem = Path(name).name.removesuffix(".ipynb")
        hits = [p for p in paths if p.stem == stem or p.stem.startswith(stem + "_")]
        if len(hits) != 1:
            known = ", ".join(p.stem for p in paths)
            raise SlidesError(f"--only {name}: matches {len(hits)} notebooks (known: {known})")
        chosen += [h for h in hits if h not in chosen]
    return chosen


def build(outdir: Path = DEFAULT_OUTDIR, only=None, pdf: bool = True,
          folder: Path = NOTEBOOKS) -> list:
    """Build the decks (and PDFs) of the notebooks in FOLDER into OUTDIR; returns one dict per deck.

    Each dict has ``name``, ``html`` (path), ``seconds`` (execute and export), and
    with PDFs ``pdf`` (path), ``pages``, ``fit`` (the slides shrunk or overflowing,
    see `TEMPLATE`) and ``pdf_seconds``.

    Raises:
        SlidesError: a tool is missing, or (with PDFs, which measure the slides in
            Chromium) a slide overflows: still too tall at MIN_ZOOM, or cut off on the
            right. The decks and PDFs are written first, to look at.
    """
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    paths = select(only, folder)
    if pdf:
        require_browser()  # before the slow part
    vendor(outdir)
    done = []
    for path in paths:
        start = time.perf_counter()
        html = build_deck(path, outdir)
        done.append({"name": path.stem, "html": html, "seconds": time.perf_counter() - start})
        print(f"built {html.name} in {done[-1]['seconds']:.1f} s", flush=True)
    if pdf:
        with serve(outdir) as base, chromium() as browser:
            for deck in done:
                start = time.perf_counter()
                target = outdir / f"{deck['name']}.pdf"
                printed = print_pdf(browser, base + deck["html"].name, target)
                deck.update(pdf=target, pages=printed["pages"], fit=printed["fit"],
                            pdf_seconds=time.perf_counter() - start)
                print(f"printed {target.name} ({deck['pages']} pages, {printed['math']} formulas) "
                      f"in {deck['pdf_seconds']:.1f} s", flush=True)
                for fit in printed["fit"]:
                    if fit["zoom"] < 1:
                        print(f"  note: slide {fit['slide']} ({fit['text']!r}) is "
                              f"{fit['height']} px tall, shown at {fit['zoom']:.0%}", flush=True)
        overflows = [f"{deck['name']}, {line}" for deck in done for line in overflow_lines(deck["fit"])]
        if overflows:
            raise SlidesError(f"{len(overflows)} slides overflow (split them with a subslide "
                              f"break, or shorten): " + "; ".join(overflows))
    return done


def overflow_lines(fit: list) -> list:
    """One line per slide of a deck's `fit` report that overflows: still too tall at
    MIN_ZOOM, or with an element cut off on the right."""
    lines = []
    for f in fit:
        if f["overflow"]:
            lines.append(f"slide {f['slide']} ({f['text']!r}) is {f['height']} px tall: "
                         f"{f['overflow']} px run off at {f['zoom']:.0%}")
        if f.get("cut"):
            lines.append(f"slide {f['slide']} ({f['text']!r}) cuts off on the right: "
                         f"{f['cut'][0]!r}" + (f" and {len(f['cut']) - 1} more" if len(f["cut"]) > 1 else ""))
    return lines


def main(argv=None) -> int:
    """``build [OUTDIR] [--only NAME ...] [--no-pdf]``: decks into OUTDIR (default build/slides)."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m adlab.slides",
                                     description="Offline slide decks (HTML, PDF) of the course.")
    parser.add_argument("command", choices=["build"])
    parser.add_argument("outdir", nargs="?", type=Path, default=DEFAULT_OUTDIR,
                        help=f"where the decks go (default {DEFAULT_OUTDIR})")
    parser.add_argument("--only", nargs="+", action="extend", default=[], metavar="NAME",
                        help="only these notebooks: 03, 03_what_ad_is or 03_what_ad_is.ipynb")
    parser.add_argument("--no-pdf", dest="pdf", action="store_false", help="HTML decks only")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    try:
        done = build(args.outdir, only=args.only, pdf=args.pdf)
    except SlidesError as exc:
        print(f"adlab.slides: {exc}", file=sys.stderr)
        return 1
    print(f"{len(done)} decks in {args.outdir}/ (open a .slides.html; keep vendor/ beside it)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
