"""Exported HTML shows an explorer's static picture, not a widget that cannot run there."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbconvert import HTMLExporter

from adlab.static import WIDGET_VIEW, static_notebook

NOTEBOOK = Path(__file__).parent / "browser" / "derivatives.ipynb"


def test_exported_html_shows_the_static_view():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    data = nb.cells[0].outputs[0]["data"]
    assert WIDGET_VIEW in data and "text/html" in data  # the live output has both
    before, _ = HTMLExporter().from_notebook_node(nb)
    assert "adlab-explorer-static" not in before  # nbconvert alone picks the widget view
    page, _ = HTMLExporter().from_notebook_node(static_notebook(nb))
    assert "adlab-explorer-static" in page and "data:image/png;base64," in page
    assert "x = 1.00" in page
    assert 'type="application/vnd.jupyter.widget-view+json"' not in page


def test_static_caption_names_each_control_once():
    from adlab.widgets import derivative_explorer

    explorer = derivative_explorer("x**2", x=1.5)
    caption = explorer.static_html().split("</p>")[0]
    assert "f(x) = x**2" in caption and "= =" not in caption


def test_picture_is_shown_at_its_own_size_never_stretched():
    from adlab.widgets import derivative_explorer
    from adlab.widgets._base import png_size

    explorer = derivative_explorer("x**2", x=1.5)
    width, height = png_size(bytes(explorer.image.value))
    assert width >= 500 and height >= 300  # 100 dpi: large enough to read
    layout = explorer.image.layout
    assert layout.width == f"{width}px" and layout.height == "auto"
    assert layout.max_width == "100%"
    assert png_size(b"not a png") == (0, 0)
