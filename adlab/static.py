"""Static copies of notebooks: explorers show their pictures where no widget can run.

A live explorer's output carries both the widget view and a static HTML
rendering. Front ends with a widget manager show the widget. nbconvert's HTML
and slide exporters, however, prefer the widget view, which needs the widget
JavaScript (fetched from a CDN) and a kernel to redraw. `static_notebook`
removes the widget view from every output that also has a ``text/html``
rendering, so exported pages and decks show the static picture instead.
"""

from __future__ import annotations

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def static_notebook(nb):
    """Drop widget views that have an HTML fallback; returns the same notebook (changed in place).

    Args:
        nb: an nbformat NotebookNode (or a dict of the same shape), usually just executed.
    Returns:
        nb, whose outputs show their ``text/html`` rendering; widget state for views
        that no output refers to any more is removed from the metadata.
    """
    kept = set()
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET_VIEW in data:
                if "text/html" in data:
                    del data[WIDGET_VIEW]
                else:
                    kept.add(data[WIDGET_VIEW].get("model_id"))
    metadata = nb.get("metadata", {})
    if not kept and WIDGET_STATE in metadata.get("widgets", {}):
        del metadata["widgets"]  # exporters expect the state key whenever this entry exists
    return nb
