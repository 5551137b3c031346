"""Explorer 6 (trace stepper): the steps of both sweeps, highlights, and the widget."""

from __future__ import annotations

import unicodedata

import pytest

import adlab
from oracles import baydin
from adlab.traces import trace
from adlab.widgets.stepper import stepper_explorer, trace_steps

BAYDIN = "ln(x1) + x1*x2 - sin(x2)"


def test_forward_steps_carry_the_tangents():
    r = trace_steps(BAYDIN, (2.0, 5.0), mode="forward")
    values = [s.value for s in r.steps]
    # Baydin et al.'s Table 2: v̇1 = 1/2, v̇2 = 1 x 5 + 2 x 0, v̇3 = cos(5) x 0, v̇4 = v̇5 = 5.5
    assert values == pytest.approx([1, 0, 0.5, 5, 0, 5.5, 5.5], abs=1e-12)
    assert [s.row for s in r.steps] == list(range(-1, 6))


_paper_f = baydin  # one operation per line, as notebook 07 writes it


@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_the_typed_formula_is_numbered_as_the_function_and_its_tables(mode):
    typed = trace_steps(BAYDIN, (2.0, 5.0), mode=mode)
    given = trace_steps(_paper_f, (2.0, 5.0), mode=mode)
    assert [s.symbolic for s in typed.steps] == [s.symbolic for s in given.steps]
    assert [s.row for s in typed.steps] == [s.row for s in given.steps]
    assert [s.value for s in typed.steps] == pytest.approx([s.value for s in given.steps])
    table = adlab.trace(_paper_f, 2.0, 5.0).table(mode, digits=4)
    assert typed.table.text() == given.table.text() == table.text()
    assert [r.prim.name for r in typed.trace.rows[2:]] == ["log", "mul", "sin", "add", "sub"]


def test_reverse_steps_accumulate_and_end_with_the_gradient():
    r = trace_steps(BAYDIN, (2.0, 5.0), mode="reverse")
    g1, g2 = adlab.grad(lambda a, b: adlab.log(a) + a * b - adlab.sin(b), argnums=(0, 1))(2.0, 5.0)
    assert r.steps[0].value == 1.0  # the seed
    accumulations = [s for s in r.steps if "+" in s.symbolic and s.kind != "gradient"]
    assert len(accumulations) == 2
    assert {s.row for s in accumulations} == {0, -1}
    assert r.steps[-2].value == pytest.approx(g1) and r.steps[-1].value == pytest.approx(g2)
    assert r.steps[-1].value == pytest.approx(1.716, abs=5e-4)
    # each step's known values grow, and agree with the full sweep at the end
    assert len(r.steps[-1].known) == 7


def test_table_and_graph_highlights():
    t = trace(lambda x1, x2: x1 * x2 + adlab.sin(x1), 2.0, 3.0)
    table = t.table("reverse")
    marked = table.html(highlight=2)
    assert marked.count("adlab-current") >= 2 and marked != table.html()
    with pytest.raises(ValueError):
        table.html(highlight=99)
    g = t.graph(show="adjoint", highlight=1)
    assert "#d62728" in g.source  # the highlighted node's red pen


def test_widget_steps_switch_modes_and_survive_bad_input():
    e = stepper_explorer()
    steps_reverse = e.controls["step"].max
    assert e.controls["step"].min == 1 and e.controls["step"].value == 1  # as "Step 1 of 11"
    assert f"Step 1 of {steps_reverse}." in e.html.value
    e.controls["step"].value = 3
    third = e.html.value
    assert f"Step 3 of {steps_reverse}." in third
    e.controls["step"].value = 4
    assert e.html.value != third and e.message.value == ""
    e.controls["mode"].value = "forward"
    assert e.controls["step"].max == 7 != steps_reverse and e.controls["step"].value == 1
    e.controls["formula"].value = "foo(x)"
    assert "unknown function" in e.message.value
    e.controls["formula"].value = "x*x"
    assert e.message.value == "" and e.controls["step"].max == 2
    e.controls["point"].value = "x = oops"
    assert e.message.value != ""
    e.controls["point"].value = "x = 3"
    assert e.message.value == ""
    times = []
    for k in range(1, e.controls["step"].max + 1):
        e.controls["step"].value = k
        assert f"Step {k} of 2." in e.html.value
        times.append(e.last_render_seconds)
    print(f"stepper redraw max: {1000 * max(times):.1f} ms")


def test_graph_reveals_only_the_adjoints_reached():
    t = trace(lambda x1, x2: x1 * x2 + adlab.sin(x1), 2.0, 3.0)
    first = t.graph(show="adjoint", reveal=1).source
    assert "v̄₃ = 1" in first and "v̄₁ = ?" in first and "v̄₋₁ = ?" in first
    full = t.graph(show="adjoint").source
    assert "?" not in full and "v̄₀ = 2" in full  # dy/dx2 = x1 = 2


def test_static_view_names_the_seed_of_its_sweep_and_a_slide_shows_the_graph():
    """A reverse sweep's seed is the output adjoint ȳ = 1, not an input: the static caption
    says so and leaves out the forward-seed menu (x1), which does not apply; a forward
    sweep's caption names every input's tangent. The table is marked so that a slide can
    show the graph alone."""
    e = stepper_explorer("x1*x2 + sin(x1)", point=(2.0, 3.0), mode="reverse")
    static = e.static_html()
    caption = static.split("</p>")[0]
    assert "seed: ȳ = 1" in caption and "seed ȳ = 1" in static
    assert "seed = x1" not in caption and "seed: x1" not in caption and "ẋ" not in caption
    assert "x1" not in caption.split("seed")[1]  # what is seeded is the output, not x1
    assert "step = 1" in caption
    assert "adlab-stepper-table" in static and "<svg" in static
    e.controls["mode"].value = "forward"
    static = unicodedata.normalize("NFC", e.static_html())  # ẋ may be x and a combining dot
    caption = static.split("</p>")[0]
    assert unicodedata.normalize("NFC", "seed: ẋ₁ = 1, ẋ₂ = 0") in caption
    assert "ȳ" not in static.split("Step")[0]
    e.controls["seed"].value = "x2"
    caption = unicodedata.normalize("NFC", e.static_html()).split("</p>")[0]
    assert unicodedata.normalize("NFC", "seed: ẋ₁ = 0, ẋ₂ = 1") in caption


def test_reverse_caption_of_a_function_names_the_output_adjoint():
    """Notebook 10's call: a function, a reverse sweep; the caption seeds ȳ, not x1."""
    e = stepper_explorer(baydin, point=(2.0, 5.0), mode="reverse")
    caption = e.static_html().split("</p>")[0]
    assert "sweep = reverse" in caption and "seed: ȳ = 1" in caption
    assert "x1" not in caption.split("sweep = ")[1]  # the seed is not an input
    assert "seed: ȳ = 1" in e._repr_mimebundle_()["text/plain"]


def test_the_view_puts_the_heading_beside_the_graph_and_keeps_the_table_tight():
    """The step's sentence runs across the view, the graph and the heading share a row
    (wrapping on a narrow page) and the table's rows are tight, so the view fits a
    1280 x 800 screen; three rows of controls."""
    e = stepper_explorer(baydin, point=(2.0, 5.0), mode="reverse")
    page = e.html.value
    top = page.split("class='adlab-stepper-top'")[1].split("class='adlab-stepper-table'")[0]
    assert "flex-wrap:wrap" in top and "adlab-graph" in top and "adlab-stepper-head" in top
    assert top.index("adlab-graph") < top.index("adlab-stepper-head")
    assert page.index("Step 1 of 11.") < page.index("adlab-stepper-top")
    assert ".adlab-stepper-table table.adlab-trace td" in page and "padding: 0.15em" in page
    assert len(e.widget.children[1].children) == 3


def test_a_rejected_formula_leaves_the_point_and_seed_boxes_alone():
    e = stepper_explorer()  # Baydin's f at x1 = 2, x2 = 5
    point, options = e.controls["point"].value, e.controls["seed"].options
    e.controls["formula"].value = "*".join(["z"] * 160)  # 160 rows: too long to step
    assert "at most" in e.message.value
    assert e.controls["point"].value == point and e.controls["seed"].options == options
    e.controls["formula"].value = "z * z"  # a formula that works takes the boxes with it
    assert e.message.value == "" and e.controls["point"].value.replace(" ", "") == "z=1"
    assert [v for _, v in e.controls["seed"].options] == ["z"]
    assert "Step 1 of" in e.html.value and "y = 1" in e.html.value
