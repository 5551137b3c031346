"""Build the course: run every notebook in a fresh kernel and export it to HTML.

``python -m adlab.course build [OUTDIR]`` executes ``notebooks/*.ipynb`` with
nbclient, replaces live explorers by their static pictures
(`adlab.static.static_notebook`) and writes ``OUTDIR/notebooks/NAME.html``
plus an index page. It also defines the two cells every notebook starts
with: the Colab set-up cell and the Open-in-Colab / Binder links.
"""

from __future__ import annotations

import html
import os
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
# The public repository the badges point at (owner/name on GitHub).
REPOSITORY = "adlab-course/adlab"
TIMEOUT = 120  # seconds per cell


def setup_source() -> str:
    """The first code cell: installs adlab on Colab (or anywhere it is missing); else does nothing.

    It asks for the ``notebook`` extra (matplotlib, ipywidgets, graphviz, SymPy): Colab
    has each in a version that satisfies it, so only adlab itself is added there.
    """
    return (
        "# Set-up: installs adlab where it is missing (Colab); does nothing elsewhere.\n"
        "import importlib.util, subprocess, sys\n"
        "if importlib.util.find_spec(\"adlab\") is None:\n"
        "    subprocess.run([sys.executable, \"-m\", \"pip\", \"install\", \"-q\",\n"
        f"                    \"adlab[notebook] @ git+https://github.com/{REPOSITORY}\"], check=True)"
    )


def colab_url(name: str) -> str:
    """The address that opens notebooks/NAME on Colab."""
    return f"https://colab.research.google.com/github/{REPOSITORY}/blob/main/notebooks/{name}"


def badges_source(name: str) -> str:
    """Markdown with Open-in-Colab and Binder links for notebooks/NAME."""
    colab = colab_url(name)
    binder = f"https://mybinder.org/v2/gh/{REPOSITORY}/main?urlpath=lab/tree/notebooks/{name}"
    return (f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]({colab}) "
            f"[![Binder](https://mybinder.org/badge_logo.svg)]({binder})")


def notebook_paths(folder: Path = NOTEBOOKS) -> list:
    """The course notebooks, in order."""
    return sorted(Path(folder).glob("[0-9][0-9]_*.ipynb"))


def execute(path: Path, timeout: int = TIMEOUT):
    """Run a notebook top to bottom in a fresh kernel, in its own folder; returns the notebook."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory(prefix="adlab-kernel-") as sockets:
        client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                                config=kernel_config(sockets), shutdown_kernel="immediate",
                                resources={"metadata": {"path": str(Path(path).parent)}})
        client.execute()  # starts the kernel and, once the last cell has run, kills it
    return nb


def kernel_config(folder):
    """Configuration that puts a kernel's connection on Unix sockets in `folder`.

    Over TCP, ipykernel 7 warns on every start that the connection is not
    encrypted (and any local user could connect to its ports); sockets in a
    private temporary folder avoid both. On Windows, which has no such
    sockets, or when the folder's path is too long for a socket address, the
    configuration is empty and the kernel uses TCP as usual.

    Args:
        folder: an existing folder that lives as long as the kernel.
    Returns:
        A traitlets Config for nbclient's kernel manager.
    """
    from traitlets.config import Config

    config = Config()
    prefix = os.path.join(folder, "kernel")
    # a socket's path must fit in about 100 bytes (104 on macOS, 108 on Linux)
    if os.name == "posix" and len(os.fsencode(prefix)) <= 90:
        config.KernelManager.transport = "ipc"
        config.KernelManager.ip = prefix
    return config


# Markdown badges ([![alt](image)](link)) become plain links in exported pages,
# so that a page loads nothing from the network.
_BADGE = re.compile(r"\[!\[([^\]]*)\]\(\s*https?://[^)]*\)\]\(([^)]*)\)")


def title_of(nb) -> str:
    """A notebook's title: the text of its first level-1 heading (e.g. "3. What AD is: ...")."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            m = re.search(r"(?m)^#\s+(.+?)\s*$", cell.source)
            if m:
                return m.group(1)
    return ""


# The look of the decks (reveal.js's white theme: Source Sans Pro, its colours) for the
# pages; the font comes from the vendored reveal.js beside them.
FONT_CSS = "reveal.js/dist/theme/fonts/source-sans-pro/source-sans-pro.css"
PAGE_STYLE = """
body, .jp-RenderedHTMLCommon { font-family: "Source Sans Pro", Helvetica, sans-serif; }
.jp-RenderedHTMLCommon { font-size: 17px; color: #222; }
.jp-RenderedHTMLCommon h1, .jp-RenderedHTMLCommon h2, .jp-RenderedHTMLCommon h3 {
  font-family: "Source Sans Pro", Helvetica, sans-serif; font-weight: 600; color: #222; }
a, .jp-RenderedHTMLCommon a { color: #2a76dd; }
nav.adlab-nav { display: flex; justify-content: space-between; gap: 24px; max-width: 1100px;
  margin: 10px auto; padding: 8px 20px; font: 17px "Source Sans Pro", Helvetica, sans-serif;
  border-bottom: 1px solid #ddd; }
nav.adlab-nav.adlab-bottom { border-bottom: none; border-top: 1px solid #ddd; }
nav.adlab-nav a { text-decoration: none; }
nav.adlab-nav span { min-width: 30%; }
"""


def nav_html(previous, following, index="../index.html", where="") -> str:
    """Previous / index / next links; `previous` and `following` are (href, title) or None."""
    def link(target, text):
        if target is None:
            return ""
        return f"<a href='{html.escape(target[0])}'>{text.format(html.escape(target[1]))}</a>"
    return (f"<nav class='adlab-nav {where}'>"
            f"<span>{link(previous, '&larr; {}')}</span>"
            f"<span style='text-align:center'><a href='{html.escape(index)}'>Course index</a>"
            f"</span><span style='text-align:right'>{link(following, '{} &rarr;')}</span></nav>")


def page_html(nb, previous=None, following=None) -> str:
    """The offline HTML page of an executed notebook (changed in place).

    Live explorers become their static pictures (`adlab.static.static_notebook`),
    badges become text links, and MathJax and require.js load from ``vendor/``
    beside the page (see `adlab.slides.vendor`). The page has the decks' font and
    colours and, at its top and bottom, links to the previous and next sections and
    to the course index.

    Args:
        nb: an executed notebook (nbformat node).
        previous, following: (href, title) of the sections before and after, or None.
    Returns:
        The page's HTML; it loads nothing from the network.
    Raises:
        RuntimeError: when nbconvert wrote a network resource into the page.
    """
    from nbconvert import HTMLExporter

    from .slides import URLS, remote_resources
    from .static import static_notebook

    static_notebook(nb)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = _BADGE.sub(r"[\1](\2)", cell.source)
    exporter = HTMLExporter(mathjax_url=URLS["mathjax_url"], require_js_url=URLS["require_js_url"])
    page, _ = exporter.from_notebook_node(nb)
    head = (f"<link rel='stylesheet' href='vendor/{FONT_CSS}'>"
            f"<style type='text/css'>{PAGE_STYLE}</style>")
    page = page.replace("</head>", head + "</head>", 1)
    top, bottom = (nav_html(previous, following, where=w) for w in ("", "adlab-bottom"))
    page = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + top, page, count=1)
    page = page.replace("</body>", bottom + "</body>", 1)
    remote = remote_resources(page)
    if remote:
        raise RuntimeError(f"the page would load {remote[0]} from the network")
    return page


def build(outdir: Path) -> list:
    """Execute every notebook and write its HTML to OUTDIR/notebooks; returns (name, seconds) pairs.

    MathJax and require.js are copied to OUTDIR/notebooks/vendor (fetched once from the
    npm registry and cached; see `adlab.slides.vendor`), so the pages work offline.
    """
    import nbformat

    from .slides import vendor

    target = Path(outdir) / "notebooks"
    target.mkdir(parents=True, exist_ok=True)
    vendor(target)
    paths = notebook_paths()
    titles = [title_of(nbformat.read(p, as_version=4)) or p.stem for p in paths]
    pages = [(p.stem + ".html", t) for p, t in zip(paths, titles)]
    done = []
    for i, path in enumerate(paths):
        start = time.perf_counter()
        page = page_html(execute(path), previous=pages[i - 1] if i else None,
                         following=pages[i + 1] if i + 1 < len(pages) else None)
        (target / (path.stem + ".html")).write_text(page, encoding="utf-8")
        done.append((path.stem, time.perf_counter() - start))
        print(f"built {path.stem}.html in {done[-1][1]:.1f} s")
    (Path(outdir) / "index.html").write_text(index_html(paths, titles), encoding="utf-8")
    return done


def index_html(paths, titles) -> str:
    """The course's front page: each section by its title, with its page, deck and Colab links."""
    rows = []
    for path, title in zip(paths, titles):
        name = html.escape(path.stem)
        colab = colab_url(path.name)
        rows.append(f"<li><a class='adlab-title' href='notebooks/{name}.html'>"
                    f"{html.escape(title)}</a> <span class='adlab-also'>"
                    f"<a href='slides/{name}.slides.html'>slides</a> &middot; "
                    f"<a href='{html.escape(colab)}'>open in Colab</a></span></li>")
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        "<title>adlab: automatic differentiation, the course</title>"
        f"<link rel='stylesheet' href='notebooks/vendor/{FONT_CSS}'>"
        f"<style type='text/css'>{PAGE_STYLE}"
        "body { max-width: 900px; margin: 40px auto; padding: 0 20px; color: #222;"
        " font-size: 19px; line-height: 1.5; }"
        "h1 { font-weight: 600; } ol { padding-left: 1.2em; } li { margin: 0.5em 0; }"
        ".adlab-title { font-size: 21px; } .adlab-also { color: #666; font-size: 16px;"
        " margin-left: 0.6em; }</style></head><body>"
        "<h1>adlab: automatic differentiation, the course</h1>"
        "<p>Each section is a notebook: read it here, run it on Colab or Binder, or lecture "
        "from its deck. Start with the first; each section ends with a link to the next.</p>"
        f"<ol start='0' style='list-style: none; padding-left: 0'>{''.join(rows)}</ol>"
        "<p><a href='slides/'>All slide decks</a> (built by make slides) &middot; "
        "<a href='exercises/'>Exercises</a> (student versions)</p></body></html>")


def main(argv=None) -> int:
    """``build [OUTDIR]``: build the course into OUTDIR (default build)."""
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] != "build":
        print("usage: python -m adlab.course build [OUTDIR]")
        return 2
    build(Path(argv[1] if len(argv) > 1 else "build"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
