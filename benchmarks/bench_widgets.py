"""Time what a student waits for: explorer redraws after a slider move or a preset change,
and large trace renders.

Run from the repository root (needs the course extras: ipywidgets, matplotlib,
SymPy, graphviz):

    python benchmarks/bench_widgets.py           # about half a minute
    python benchmarks/bench_widgets.py --quick   # fewer moves

Explorers: each is built once, then one slider is moved through a list of
values; the Explorer's own timer (`last_render_seconds`, from the change to
the new picture and text, kernel side) gives the median and the slowest move.
The browser's own drawing is not included. Preset changes: the explorers with a
preset menu go round their presets, each change timed whole (it sets several
controls), with the most pictures one change drew. Traces: a chain of sin, mul and add
of a few thousand operations is traced, then rendered as each table kind
(Markdown) and as a graph object (DOT source, truncated as drawn in a notebook)
and as SVG by Graphviz's dot.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import numpy as np  # noqa: E402

import adlab  # noqa: E402
from adlab import widgets  # noqa: E402


def moves(explorer, control, values):
    times = []
    for v in values:
        explorer.controls[control].value = v
        assert explorer.last_error is None, explorer.last_error
        times.append(explorer.last_render_seconds)
    return statistics.median(times), max(times)


def explorer_cases(quick):
    k = 6 if quick else 20
    xs = list(np.linspace(0.2, 3.0, k))  # the first preset has a pole at 0
    return [
        ("1 derivative methods: x", widgets.derivative_explorer(), "x", [round(v, 2) for v in xs]),
        ("1 derivative methods: log10 h", widgets.derivative_explorer(), "log10_h",
         list(np.linspace(-14, -1, k))),
        ("2 expression swell: depth", widgets.swell_explorer(), "depth", [1 + i % 6 for i in range(k)]),
        ("3 function and derivative: x0", widgets.function_explorer(), "x0", xs),
        ("4 gradient descent: learning rate", widgets.descent_explorer(), "lr",
         list(np.linspace(0.005, 0.09, k))),
        ("5 forward vs reverse: n", widgets.cost_explorer(), "n", [1 + i % 20 for i in range(k)]),
        ("6 trace stepper: step", widgets.stepper_explorer(), "step", [1 + i % 11 for i in range(k)]),
    ]


def preset_changes(explorer, rounds):
    """(median, slowest, pictures per change) of preset changes, each timed whole.

    A preset sets several controls at once; the time is the whole assignment to
    the preset dropdown, every redraw it causes included. Pictures are counted
    by the explorer's plot (`plot.draws`) where it has one, else by the new
    PNG images its render function returns (a cached picture returned again is
    not drawn again).
    """
    names = [n for n in explorer.controls["preset"].options if n != "custom"]
    render, calls = explorer._render, [0]

    last_png = [None]

    def counted(**values):
        out = render(**values)
        if out.get("png") is not None and out["png"] is not last_png[0]:
            calls[0] += 1
            last_png[0] = out["png"]
        return out

    explorer._render = counted
    plot = getattr(explorer, "plot", None)
    times, pictures = [], []
    try:
        for name in [n for _ in range(rounds) for n in names]:
            if name == explorer.controls["preset"].value:
                continue
            calls[0], before = 0, (plot.draws if plot is not None else 0)
            start = time.perf_counter()
            explorer.controls["preset"].value = name
            times.append(time.perf_counter() - start)
            assert explorer.last_error is None, explorer.last_error
            pictures.append(plot.draws - before if plot is not None else calls[0])
    finally:
        explorer._render = render
    return statistics.median(times), max(times), max(pictures)


def preset_cases():
    return [
        ("1 derivative methods", widgets.derivative_explorer()),
        ("3 function and derivative", widgets.function_explorer()),
        ("4 gradient descent", widgets.descent_explorer()),
    ]


def chain(x):
    for _ in range(1000):
        x = adlab.sin(x) * 0.9 + 0.1
    return x


def timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer slider moves")
    args = ap.parse_args(argv)
    print("explorer redraw after a slider move (kernel side), milliseconds")
    print(f"  {'explorer: control':38s} {'median':>8s} {'slowest':>8s}")
    worst = 0.0
    for name, explorer, control, values in explorer_cases(args.quick):
        med, slowest = moves(explorer, control, values)
        worst = max(worst, med)
        print(f"  {name:38s} {1e3 * med:8.1f} {1e3 * slowest:8.1f}")
    print(f"  largest median: {1e3 * worst:.1f} ms (target: well under 100 ms)")
    print("\nexplorer preset change, whole (every redraw it causes), milliseconds")
    print(f"  {'explorer':38s} {'median':>8s} {'slowest':>8s} {'pictures':>8s}")
    worst = 0.0
    for name, explorer in preset_cases():
        med, slowest, pictures = preset_changes(explorer, 2 if args.quick else 6)
        worst = max(worst, med)
        print(f"  {name:38s} {1e3 * med:8.1f} {1e3 * slowest:8.1f} {pictures:8d}")
    print(f"  largest median: {1e3 * worst:.1f} ms (target: well under 100 ms)")
    t = adlab.trace(chain, 0.3)
    print(f"\ntrace of {t.count():,} operations, seconds")
    print(f"  trace itself            {timed(lambda: adlab.trace(chain, 0.3)):.3f}")
    for kind in ("primal", "forward", "reverse"):
        print(f"  {kind + ' table (Markdown)':23s} {timed(lambda: t.table(kind).markdown()):.3f}")
    print(f"  graph object (DOT)      {timed(lambda: t.graph(show='adjoint').source):.3f}")
    print(f"  graph SVG by dot        {timed(lambda: t.graph().pipe(format='svg')):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
