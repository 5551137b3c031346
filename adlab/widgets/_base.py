"""The frame every explorer shares: controls, a redraw function, messages and a static fallback.

An explorer is a pure data function (tested without a browser) plus a view.
`Explorer` wires the view: it calls ``render(**values)`` whenever a control
changes; ``render`` returns the panes' new contents or raises. A raised
error is shown as a message in the widget in place of the picture and text
(hidden until the next good redraw), and the controls keep working.

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


# Pictures are shown at their own pixel size, in notebooks and on the 1280 x 800 slides
# (which may shrink a slide to 90 %): at DPI, TEXT_PT makes the smallest text
# 16 px there (at least 14 px on a shrunk slide, readable from the back of a room),
# and MIN_WIDTH_PX is half a slide's width.
DPI = 100
TEXT_PT = 11.5
MIN_TEXT_PX = 14
MIN_WIDTH_PX = 640


def png(fig, dpi=DPI) -> bytes:
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


def style(ax, title=None):
    """Set the sizes of an axes' text (ticks, axis labels, legend, title) to TEXT_PT."""
    ax.tick_params(labelsize=TEXT_PT)
    ax.xaxis.label.set_size(TEXT_PT)
    ax.yaxis.label.set_size(TEXT_PT)
    if title is not None:
        ax.set_title(title, fontsize=TEXT_PT + 1)
    legend = ax.get_legend()
    if legend is not None:
        for text in legend.get_texts():
            text.set_fontsize(TEXT_PT)


def smallest_text_px(fig, dpi=DPI) -> float:
    """The size in pixels of the smallest visible, non-empty text of a drawn figure
    (tick labels included), as it appears in the PNG that `png` makes."""
    fig.canvas.draw()
    sizes = [t.get_fontsize() for t in fig.findobj(lambda a: hasattr(a, "get_text")
                                                   and hasattr(a, "get_fontsize"))
             if t.get_visible() and t.get_text().strip()]
    return min(sizes) * dpi / 72 if sizes else float("inf")


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
        body: the box holding html and image, hidden while an error is shown.
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
        self.image.layout.display = "none"  # until a render draws a picture (no broken icon)
        self.message = w.HTML(value="")
        self.last_render_seconds = 0.0
        self.last_error = None
        heading = w.HTML(value=f"<b>{html.escape(title)}</b>")
        panes = [self.html, self.image]
        body = w.HBox(panes) if layout == "horizontal" else w.VBox(panes)
        self.body = body
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
        """Redraw from the controls; on bad input show a message and hide the panes.

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
            self.body.layout.display = "none"  # no stale picture under the message
            return False
        finally:
            self.last_render_seconds = time.perf_counter() - start
        self.last_error = None
        self.body.layout.display = None
        self.message.value = message_html(out["message"]) if out.get("message") else ""
        if "html" in out:
            self.html.value = out["html"]
        if "png" in out:
            self.image.value = out["png"]
            self.image.layout.display = None
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
        if self.html.value and self.image.value:
            # the text pane beside a picture: a slide hides it and shows the picture
            # alone (adlab.slides), at a readable size
            parts.append(f"<div class='adlab-explorer-text'>{self.html.value}</div>")
        elif self.html.value:
            parts.append(self.html.value)
        if self.image.value:
            parts.append(img_tag(bytes(self.image.value), alt=self.title))
        parts.append("</div>")
        return "".join(parts)

    def _describe_controls(self):
        parts = []
        for name, c in self.controls.items():
            if getattr(c, "disabled", False):  # a control that does not apply now
                continue
            label = (getattr(c, "description", "") or name).rstrip()
            shown = getattr(c, "label", None)  # a menu's text for its value, if it differs
            if isinstance(shown, str) and shown != str(c.value):
                parts.append(f"{label}: {shown}")
            else:
                parts.append(f"{label} {c.value}" if label.endswith("=")
                             else f"{label} = {c.value}")
        return ", ".join(parts)

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {
            "application/vnd.jupyter.widget-view+json": {
                "version_major": 2, "version_minor": 0, "model_id": self.widget.model_id},
            "text/html": self._static,
            "text/plain": f"{self.title} ({self._describe_controls()})",
        }
