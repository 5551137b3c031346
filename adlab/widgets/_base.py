"""The frame every explorer shares: controls, a redraw function, messages and a static fallback.

An explorer is a pure data function (tested without a browser) plus a view.
`Explorer` wires the view: it calls ``render(**values)`` whenever a control
changes; ``render`` returns the panes' new contents or raises. A raised
error is shown as a message in the widget, the last good picture stays, and
the controls keep working.

Displayed in Jupyter, an explorer offers the live widget and, beside it, a
static HTML rendering of its first state; front ends without a widget
manager (nbconvert HTML, slides, some viewers) show the static version.
"""

from __future__ import annotations

import base64
import html
import io
import time
import warnings

from ..errors import AdlabTypeError, AdlabValueError

# errors a student's input can cause: shown in the widget, never raised
INPUT_ERRORS = (AdlabValueError, AdlabTypeError, ValueError, TypeError, ArithmeticError,
                OverflowError, KeyError)


def png(fig, dpi=100) -> bytes:
    """A matplotlib figure as PNG bytes (Agg, no pyplot state)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def figure(width=6.0, height=3.6, margins=(0.13, 0.97, 0.15, 0.95)):
    """A matplotlib Figure drawn with Agg, independent of pyplot (no global state).

    Margins (left, right, bottom, top, as fractions) are fixed rather than
    computed at each draw, which keeps a redraw to one pass.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height))
    FigureCanvasAgg(fig)
    left, right, bottom, top = margins
    fig.subplots_adjust(left=left, right=right, bottom=bottom, top=top)
    return fig


def png_size(data: bytes) -> tuple:
    """(width, height) in pixels of PNG bytes, read from the IHDR header; (0, 0) if not a PNG."""
    if len(data) < 24 or data[:8] != b"\x89PNG\r\n\x1a\n":
        return (0, 0)
    return (int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big"))


def img_tag(data: bytes, alt: str = "") -> str:
    """An <img> element with the PNG inline (for static HTML)."""
    b64 = base64.b64encode(data).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{b64}"/>'


def message_html(text: str) -> str:
    """An error or warning line for the message pane."""
    return (f'<div class="adlab-message" style="color:#a61b1b;font-family:sans-serif">'
            f"{html.escape(text)}</div>")


class Explorer:
    """A widget built from controls and a render function.

    Args:
        title: shown above the controls.
        controls: ipywidgets controls, by the keyword ``render`` takes.
        render: ``render(**values) -> dict`` with any of ``"html"`` (an HTML
            string for the text pane) and ``"png"`` (PNG bytes for the picture
            pane). It may raise an input error, which is shown as a message.
    Attributes:
        widget: the ipywidgets box to display.
        html, image, message: the panes (ipywidgets HTMLMath, Image, HTML).
        last_render_seconds: how long the last redraw took.
    """

    def __init__(self, title, controls, render, layout="vertical"):
        import ipywidgets as w

        self.title = title
        self.controls = dict(controls)
        self._render = render
        self.html = w.HTMLMath(value="")
        self.image = w.Image(format="png")
        # shown at its own pixel size (never stretched, so never blurred), shrunk to fit
        # a narrow page with its aspect ratio kept
        self.image.layout.max_width = "100%"
        self.image.layout.height = "auto"
        self.message = w.HTML(value="")
        self.last_render_seconds = 0.0
        self.last_error = None
        heading = w.HTML(value=f"<b>{html.escape(title)}</b>")
        panes = [self.html, self.image]
        body = w.HBox(panes) if layout == "horizontal" else w.VBox(panes)
        self.widget = w.VBox([heading, w.VBox(list(self.controls.values())), self.message, body])
        self.widget.add_class("adlab-explorer")
        for control in self.controls.values():
            control.observe(self._changed, names="value")
        self.update()
        self._static = self.static_html()

    def values(self) -> dict:
        """The controls' current values, by name."""
        return {name: c.value for name, c in self.controls.items()}

    def _changed(self, change):
        self.update()

    def update(self) -> bool:
        """Redraw from the controls; on bad input show a message and keep the last picture.

        Returns:
            True if the redraw succeeded.
        """
        start = time.perf_counter()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # nan and inf are reported
                out = self._render(**self.values())
        except INPUT_ERRORS as exc:
            self.last_error = exc
            self.message.value = message_html(str(exc))
            return False
        finally:
            self.last_render_seconds = time.perf_counter() - start
        self.last_error = None
        self.message.value = message_html(out["message"]) if out.get("message") else ""
        if "html" in out:
            self.html.value = out["html"]
        if "png" in out:
            self.image.value = out["png"]
            width = f"{png_size(out['png'])[0]}px"
            if self.image.layout.width != width:
                self.image.layout.width = width
        return True

    def static_html(self) -> str:
        """The current state as plain HTML (text pane and picture), for places without widgets."""
        parts = [f"<div class='adlab-explorer-static'><p><b>{html.escape(self.title)}</b> "
                 f"(static view: {html.escape(self._describe_controls())})</p>"]
        if self.message.value:
            parts.append(self.message.value)
        parts.append(self.html.value)
        if self.image.value:
            parts.append(img_tag(bytes(self.image.value), alt=self.title))
        parts.append("</div>")
        return "".join(parts)

    def _describe_controls(self):
        parts = []
        for name, c in self.controls.items():
            label = (getattr(c, "description", "") or name).rstrip()
            parts.append(f"{label} {c.value}" if label.endswith("=") else f"{label} = {c.value}")
        return ", ".join(parts)

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {
            "application/vnd.jupyter.widget-view+json": {
                "version_major": 2, "version_minor": 0, "model_id": self.widget.model_id},
            "text/html": self._static,
            "text/plain": f"{self.title} ({self._describe_controls()})",
        }
