"""The frame all explorers share (adlab/widgets/_base.py): panes shown only when they have something."""

from __future__ import annotations




def _explorer(render):
    import ipywidgets as w

    from adlab.widgets._base import Explorer

    return Explorer("Test explorer", {"x": w.FloatText(value=1.0)}, render)


def _png():
    from adlab.widgets._base import figure, png

    fig = figure()
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1])
    return png(fig)


def test_an_explorer_without_a_picture_shows_no_image_pane():
    ex = _explorer(lambda x: {"html": f"<p>x = {x}</p>"})
    assert ex.image.layout.display == "none"  # no broken-image icon under the text
    static = ex.static_html()
    assert "<img" not in static and "x = 1.0" in static
    assert "adlab-explorer-text" not in static  # a slide shows the text when it is all there is


def test_a_picture_shows_the_image_pane_at_its_pixel_width():
    data = _png()
    ex = _explorer(lambda x: {"html": "<p>ok</p>", "png": data})
    from adlab.widgets._base import png_size

    assert ex.image.layout.display is None
    assert ex.image.layout.width == f"{png_size(data)[0]}px"
    assert "<div class='adlab-explorer-text'><p>ok</p></div>" in ex.static_html()


def test_an_error_hides_the_old_picture_and_a_good_value_brings_it_back():
    from adlab.errors import AdlabValueError

    def render(x):
        if x < 0:
            raise AdlabValueError(f"test: x = {x} is negative; use x >= 0")
        return {"html": f"<p>x = {x}</p>"}

    ex = _explorer(render)
    ex.controls["x"].value = -1.0
    assert ex.body.layout.display == "none" and "x = -1.0 is negative" in ex.message.value
    ex.controls["x"].value = 2.0
    assert ex.body.layout.display is None and ex.message.value == "" and "x = 2.0" in ex.html.value
