"""Time adlab's core beside micrograd, HIPS autograd and PyTorch (CPU).

Run from the repository root:

    python benchmarks/bench_core.py            # full run (about 3.5 minutes)
    python benchmarks/bench_core.py --quick    # smoke run, smaller sizes
    python benchmarks/bench_core.py --profile  # also cProfile adlab's scalar paths
                                               # and, with case f, adlab.hessian

Only numpy and adlab are required. Each peer (micrograd, autograd, torch) is
imported if installed and skipped, with a printed line, if not. adlab is taken
from this checkout (the directory above benchmarks/) when it is there.

Cases
  a. scalar chain: N scalar ops (mul, add, pow, relu, repeated; the ops that
     PyPI micrograd 0.1.0 has), forward and backward, time per op. adlab runs
     twice: eager (adlab.tensor + .backward()) and functional (adlab.grad).
  b. Baydin's f(x1, x2) = ln x1 + x1 x2 - sin x2 at (2, 5): value and both
     partial derivatives, time per call.
  c. vectorised: sum(tanh(W @ x + b) ** 2), W n x n, float64: the forward
     alone, then forward plus the gradient with respect to W, x and b.
  d. deep chain: 10^6 scalar ops (x * 1.0000001 + 0.0, repeated) through
     backward; time per op, and Python memory per recorded op measured with
     tracemalloc (in a separate, untimed run).
  e. wide graph: y = x_0 * x_0 + x_1 * x_1 + ... over 10^5 scalar leaves,
     added in pairs (a tree of depth 17), forward and backward; time per leaf.
  f. Hessian: the full n x n Hessian of sum(tanh(A @ x) ** 2), A 100 x 100
     (50 x 50 with --quick), float64, checked against the closed form
     A^T diag(2 (1 - t^2)(1 - 3 t^2)) A with t = tanh(A x); time per Hessian.

Method: time.perf_counter. In cases a, b, c and f every implementation is run
once to warm up, then all are timed in interleaved rounds (7, 3 with --quick),
each round looping each call for about 0.2 s; times are medians over the
rounds and ratios are medians of the ratios within each round (measure_all).
Cases d and e repeat adlab 3 times (1 with --quick) and time each peer once.
The garbage collector stays on (it is part of the cost of making graphs),
but the objects alive after the imports are frozen (gc.freeze()) so that
importing torch does not slow the pure-Python libraries' collections, and
gc.collect() runs before each timing. On Linux, glibc malloc's thresholds are fixed (see steady_malloc).
Ratios are adlab time / peer time: above 1 means adlab is slower.
"""

from __future__ import annotations

import argparse
import cProfile
import ctypes
import gc
import math
import os
import platform
import pstats
import statistics
import sys
import time
import tracemalloc
from importlib import metadata

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if os.path.isfile(os.path.join(ROOT, "adlab", "__init__.py")) and ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import adlab  # noqa: E402

# -- optional peers ------------------------------------------------------------

SKIPPED = {}

try:
    from micrograd.engine import Value as MgValue
except ImportError:
    MgValue = None
    SKIPPED["micrograd"] = "pip install micrograd"

try:
    import autograd
    import autograd.numpy as anp
except ImportError:
    autograd = anp = None
    SKIPPED["autograd"] = "pip install autograd"

try:
    import torch
except ImportError:
    torch = None
    SKIPPED["torch"] = "pip install torch==2.13.0 (CPU wheel)"

PEERS = ("micrograd", "autograd", "torch")


def _version(dist):
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "?"


# -- memory allocator ----------------------------------------------------------


def steady_malloc():
    """Keep glibc malloc from handing large blocks back to the kernel between calls.

    By default glibc serves blocks above a moving threshold with fresh mmap
    pages and trims the heap on free, so an 8 MB gradient may cost thousands
    of page faults on one call and none on the next, depending on what ran
    before (even on which peers are installed). Fixing both thresholds makes
    every library reuse warm memory. Returns a line for the header.
    """
    if not sys.platform.startswith("linux"):
        return "malloc: platform default"
    try:
        libc = ctypes.CDLL("libc.so.6")
        m_trim_threshold, m_mmap_threshold = -1, -3
        ok = (libc.mallopt(m_mmap_threshold, 256 << 20) == 1
              and libc.mallopt(m_trim_threshold, 1 << 30) == 1)
    except (OSError, AttributeError):
        ok = False
    if not ok:
        return "malloc: default (not glibc)"
    return ("malloc: glibc mmap threshold 256 MiB, trim threshold 1 GiB (steady state; "
            "--default-malloc to keep the defaults)")


# -- timing --------------------------------------------------------------------


class Settings:
    repeat = 7
    repeat_deep = 3
    min_time = 0.2
    settle = 0.25  # seconds of quiet before each timing in case c (see measure_all)


def measure(fn, repeat=None, min_time=None, warmup=True):
    """Median over `repeat` repeats of the time of one call of fn(), in seconds.

    Each repeat calls fn enough times to last about `min_time` seconds (once,
    without a warm-up call, when `warmup` is False). See `measure_all`.
    """
    return measure_all({"fn": fn}, repeat, min_time, warmup=warmup).time("fn")


class Timings:
    """Interleaved timings: for each implementation, its time per call in each round.

    `measure_all` runs every implementation once per round, so neighbouring
    measurements see the same machine. On a shared virtual machine whose speed
    drifts by tens of percent within a minute, a ratio is then taken within
    each round and the median of those is reported (`ratio`), instead of
    dividing medians measured seconds apart.
    """

    def __init__(self, rounds):
        self.rounds = rounds  # name -> [seconds per call, one per round]

    def __contains__(self, name):
        return name in self.rounds

    def __iter__(self):
        return iter(self.rounds)

    def time(self, name):
        """Median time per call of `name`, or None if it was not measured."""
        return statistics.median(self.rounds[name]) if name in self.rounds else None

    def ratio(self, a, b):
        """Median over the rounds of time(a) / time(b); None if either is missing."""
        if a not in self.rounds or b not in self.rounds:
            return None
        return statistics.median(x / y for x, y in zip(self.rounds[a], self.rounds[b]))


def measure_all(fns, repeat=None, min_time=None, settle=0.0, warmup=True):
    """Time several implementations in interleaved rounds; returns `Timings`.

    Each function is warmed up once and gets its own number of calls per round
    (enough to last about `min_time`; one call, and no warm-up, when `warmup`
    is False, for runs of seconds). Then each of `repeat` rounds times every
    function in turn, starting one later each round so that no implementation
    always runs first. `settle` seconds of sleep precede each timing: after a
    call, OpenBLAS's and OpenMP's worker threads keep spinning on the other
    core for up to about 0.2 s, which would slow whichever library runs next.
    """
    repeat = Settings.repeat if repeat is None else repeat
    min_time = Settings.min_time if min_time is None else min_time
    names = list(fns)
    numbers = {}
    for name in names:
        if not warmup:
            numbers[name] = 1
            continue
        t0 = time.perf_counter()
        fns[name]()
        once = time.perf_counter() - t0
        numbers[name] = max(1, int(math.ceil(min_time / once))) if once > 0 else 1
    rounds = {name: [] for name in names}
    for r in range(repeat):
        for name in names[r % len(names):] + names[:r % len(names)]:
            fn, number = fns[name], numbers[name]
            gc.collect()
            if settle:
                time.sleep(settle)
            t0 = time.perf_counter()
            for _ in range(number):
                fn()
            rounds[name].append((time.perf_counter() - t0) / number)
    return Timings(rounds)


def fmt_time(seconds):
    if seconds is None:
        return "-"
    if seconds < 1e-6:
        return f"{seconds * 1e9:.0f} ns"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.2f} us"
    if seconds < 1.0:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def fmt_ratio(a, b):
    return fmt_value(None if a is None or b is None or b == 0 else a / b)


def check(name, got, want, rtol=1e-9, atol=0.0):
    """Raise if a result differs from the reference: timing a wrong answer is useless."""
    got = np.asarray(got, dtype=float)
    want = np.asarray(want, dtype=float)
    if not np.allclose(got, want, rtol=rtol, atol=atol):
        raise AssertionError(f"{name}: got {got}, expected {want}")


def to_float(v):
    """A Python float from whatever a library returns (tensor, array, float)."""
    if torch is not None and isinstance(v, torch.Tensor):
        return v.item()
    if isinstance(v, adlab.Tensor):
        return v.item()
    return float(v)


def print_table(header, rows):
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    line = "  ".join(str(h).ljust(w) if i == 0 else str(h).rjust(w)
                     for i, (h, w) in enumerate(zip(header, widths)))
    print("  " + line)
    print("  " + "  ".join("-" * w for w in widths))
    for r in rows:
        print("  " + "  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w)
                               for i, (c, w) in enumerate(zip(r, widths))))


RATIO_NOTE = ("  times: medians over interleaved rounds; ratios: the median of the ratios "
              "within each round.")

# Ratios collected for the summary: SUMMARY[(case, adlab variant)][peer] = ratio
SUMMARY = {}


def add_summary(case, variant, ratios):
    """Record adlab variant / peer ratios ({peer: ratio or None}) for the summary."""
    row = SUMMARY.setdefault((case, variant), {})
    for peer, r in ratios.items():
        if r is not None:
            row[peer] = r


def ratios_to(t_adlab, times):
    """{peer: t_adlab / the peer's time in `times`}, None where either is missing."""
    return {p: None if t_adlab is None or times.get(p) is None else t_adlab / times[p]
            for p in PEERS}


def fmt_value(r):
    return "-" if r is None else f"{r:.2f}"


# -- case a: scalar chain ------------------------------------------------------


def scalar_chain(y, n, relu):
    """n scalar ops: (mul, add, pow, relu) repeated; works on any number-like type."""
    for _ in range(n // 4):
        y = relu((y * 1.1 + -0.05) ** 0.9)
    return y


def _float_relu(v):
    return v if v > 0.0 else 0.0


def case_a(n):
    print(f"\na. scalar chain, forward + backward: {n} ops (mul, add, pow, relu), time per op")
    ref = adlab.grad(lambda x: scalar_chain(x, n, adlab.relu))(0.5)
    runs = {}

    def adlab_eager():
        x = adlab.tensor(0.5, requires_grad=True)
        scalar_chain(x, n, adlab.relu).backward()
        return x.grad

    def adlab_grad():
        return adlab.grad(lambda x: scalar_chain(x, n, adlab.relu))(0.5)

    runs["adlab eager"] = adlab_eager
    runs["adlab.grad"] = adlab_grad

    if MgValue is not None:
        def micrograd_run():
            x = MgValue(0.5)
            scalar_chain(x, n, MgValue.relu).backward()
            return x.grad
        runs["micrograd"] = micrograd_run

    if autograd is not None:
        def autograd_run():
            return autograd.grad(lambda x: scalar_chain(x, n, lambda v: anp.maximum(v, 0.0)))(0.5)
        runs["autograd"] = autograd_run

    if torch is not None:
        def torch_run():
            x = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
            scalar_chain(x, n, torch.relu).backward()
            return x.grad
        runs["torch"] = torch_run

    for name, fn in runs.items():
        check(f"case a, {name}", to_float(fn()), ref)

    floats = "Python floats, forward only"
    runs[floats] = lambda: scalar_chain(0.5, n, _float_relu)
    times = measure_all(runs)
    rows = [[name, fmt_time(times.time(name) / n), fmt_value(times.ratio("adlab eager", name)),
             fmt_value(times.ratio("adlab.grad", name))] for name in times]
    print_table(["implementation", "per op", "adlab eager / it", "adlab.grad / it"], rows)
    print(RATIO_NOTE)
    for variant in ("adlab eager", "adlab.grad"):
        add_summary("a scalar op", variant, {p: times.ratio(variant, p) for p in PEERS})


# -- case b: Baydin's function -------------------------------------------------


def baydin_value_and_grad():
    x1, x2 = 2.0, 5.0
    return (math.log(x1) + x1 * x2 - math.sin(x2), 1.0 / x1 + x2, x1 - math.cos(x2))


def _mg_log(v):
    """ln for micrograd, written the way micrograd's own ops are (0.1.0 has none)."""
    out = MgValue(math.log(v.data), (v,), "log")

    def _backward():
        v.grad += out.grad / v.data
    out._backward = _backward
    return out


def _mg_sin(v):
    """sin for micrograd, written the way micrograd's own ops are (0.1.0 has none)."""
    out = MgValue(math.sin(v.data), (v,), "sin")

    def _backward():
        v.grad += math.cos(v.data) * out.grad
    out._backward = _backward
    return out


def case_b():
    print("\nb. Baydin's f(x1, x2) = ln x1 + x1 x2 - sin x2 at (2, 5): value and gradient, per call")
    ref = baydin_value_and_grad()
    runs = {}

    def f_adlab(x1, x2):
        return adlab.log(x1) + x1 * x2 - adlab.sin(x2)

    def adlab_forward():
        x1 = adlab.tensor(2.0, requires_grad=True)
        x2 = adlab.tensor(5.0, requires_grad=True)
        return f_adlab(x1, x2), x1, x2

    def adlab_eager():
        y, x1, x2 = adlab_forward()
        y.backward()
        return y, x1.grad, x2.grad

    vg = adlab.value_and_grad(f_adlab, (0, 1))

    def adlab_functional():
        y, (g1, g2) = vg(2.0, 5.0)
        return y, g1, g2

    runs["adlab eager"] = adlab_eager
    runs["adlab.value_and_grad"] = adlab_functional

    if MgValue is not None:
        def micrograd_forward():
            x1, x2 = MgValue(2.0), MgValue(5.0)
            return _mg_log(x1) + x1 * x2 - _mg_sin(x2), x1, x2

        def micrograd_run():
            y, x1, x2 = micrograd_forward()
            y.backward()
            return y.data, x1.grad, x2.grad
        runs["micrograd (log, sin added)"] = micrograd_run

    if autograd is not None:
        avg = autograd.value_and_grad(lambda a, b: anp.log(a) + a * b - anp.sin(b), (0, 1))

        def autograd_run():
            y, (g1, g2) = avg(2.0, 5.0)
            return y, g1, g2
        runs["autograd"] = autograd_run

    if torch is not None:
        def torch_run():
            x1 = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
            x2 = torch.tensor(5.0, dtype=torch.float64, requires_grad=True)
            y = torch.log(x1) + x1 * x2 - torch.sin(x2)
            y.backward()
            return y, x1.grad, x2.grad
        runs["torch"] = torch_run

    for name, fn in runs.items():
        check(f"case b, {name}", [to_float(v) for v in fn()], ref)

    times = measure_all(runs)
    rows = [[name, fmt_time(times.time(name)), fmt_value(times.ratio("adlab eager", name)),
             fmt_value(times.ratio("adlab.value_and_grad", name))] for name in times]
    print_table(["implementation", "per call", "adlab eager / it", "adlab.v_and_g / it"], rows)
    print(RATIO_NOTE)
    if MgValue is not None:
        print("  note: PyPI micrograd 0.1.0 has no log or sin; the benchmark adds both as "
              "Value nodes with a _backward closure, as micrograd's own ops are written.")
        # where the time goes: building the graph alone, then the rest is the backward pass
        fwd = measure_all({"adlab": adlab_forward, "micrograd": micrograd_forward})
        back = {"adlab": times.time("adlab eager") - fwd.time("adlab"),
                "micrograd": times.time("micrograd (log, sin added)") - fwd.time("micrograd")}
        print(f"  forward alone (leaves and graph): adlab eager {fmt_time(fwd.time('adlab'))}, "
              f"micrograd {fmt_time(fwd.time('micrograd'))} (ratio "
              f"{fmt_value(fwd.ratio('adlab', 'micrograd'))}); the rest, backward and .grad: "
              f"adlab {fmt_time(back['adlab'])}, micrograd {fmt_time(back['micrograd'])}")
    peer_names = {"micrograd": "micrograd (log, sin added)", "autograd": "autograd",
                  "torch": "torch"}
    for variant in ("adlab eager", "adlab.value_and_grad"):
        add_summary("b Baydin f", variant,
                    {p: times.ratio(variant, name) for p, name in peer_names.items()})


# -- case c: vectorised --------------------------------------------------------


HAND = "numpy by hand (no AD)"


def case_c(n):
    print(f"\nc. vectorised sum(tanh(W @ x + b) ** 2), W {n}x{n} float64: forward alone, "
          "and forward + gradient wrt W, x and b")
    rng = np.random.default_rng(0)
    W = rng.standard_normal((n, n)) / math.sqrt(n)
    x = rng.standard_normal(n)
    b = rng.standard_normal(n)

    h = np.tanh(W @ x + b)
    ref_val = np.sum(h ** 2)
    d = 2.0 * h * (1.0 - h ** 2)
    ref_gW, ref_gx, ref_gb = np.outer(d, x), W.T @ d, d

    def f_adlab(W_, x_, b_):
        return adlab.sum(adlab.tanh(W_ @ x_ + b_) ** 2)

    impls = {}  # name -> (forward fn, forward+grad fn)

    def adlab_fwd():
        return f_adlab(W, x, b)  # plain arrays: nothing is recorded

    def adlab_eager():
        # from_numpy shares the arrays, as the torch row's from_numpy does (tensor() copies)
        Wt, xt, bt = (adlab.from_numpy(a).requires_grad_() for a in (W, x, b))
        y = f_adlab(Wt, xt, bt)
        y.backward()
        return y, Wt.grad, xt.grad, bt.grad

    vg = adlab.value_and_grad(f_adlab, (0, 1, 2))

    def adlab_functional():
        y, (gW, gx, gb) = vg(W, x, b)
        return y, gW, gx, gb

    impls["adlab eager"] = (adlab_fwd, adlab_eager)
    impls["adlab.value_and_grad"] = (adlab_fwd, adlab_functional)

    # The floor for any library built on numpy: the same forward pass and the
    # gradient formulas written out by hand, dW with the numpy function behind
    # adlab's outer primitive (the fastest outer product found for numpy).
    outer_numpy = adlab.PRIMITIVES["outer"].impl

    def hand_fwd():
        return np.sum(np.tanh(W @ x + b) ** 2)

    def hand_full():
        h = np.tanh(W @ x + b)
        gz = 2.0 * h * (1.0 - h * h)
        return np.sum(h * h), outer_numpy(gz, x), W.T @ gz, gz

    impls[HAND] = (hand_fwd, hand_full)

    if autograd is not None:
        def f_ag(W_, x_, b_):
            return anp.sum(anp.tanh(anp.dot(W_, x_) + b_) ** 2)

        avg = autograd.value_and_grad(f_ag, (0, 1, 2))

        def autograd_run():
            y, (gW, gx, gb) = avg(W, x, b)
            return y, gW, gx, gb
        impls["autograd"] = (lambda: f_ag(W, x, b), autograd_run)

    if torch is not None:
        Wt0, xt0, bt0 = (torch.from_numpy(a) for a in (W, x, b))

        def torch_fwd():
            with torch.no_grad():
                return (torch.tanh(Wt0 @ xt0 + bt0) ** 2).sum()

        def torch_run():
            Wt, xt, bt = (a.detach().requires_grad_(True) for a in (Wt0, xt0, bt0))
            y = (torch.tanh(Wt @ xt + bt) ** 2).sum()
            y.backward()
            return y, Wt.grad, xt.grad, bt.grad
        impls["torch"] = (torch_fwd, torch_run)

    for name, (fwd, full) in impls.items():
        check(f"case c forward, {name}", to_float(fwd()), ref_val, rtol=1e-10)
        y, gW, gx, gb = full()
        check(f"case c value, {name}", to_float(y), ref_val, rtol=1e-10)
        for got, want in ((gW, ref_gW), (gx, ref_gx), (gb, ref_gb)):
            got = got.numpy() if hasattr(got, "numpy") and not isinstance(got, np.ndarray) else got
            check(f"case c gradient, {name}", got, want, rtol=1e-8)

    # every forward and every forward + gradient, in the same interleaved rounds
    # (the two adlab rows share one forward: on plain arrays nothing is recorded)
    fns = {}
    for name, (fwd, full) in impls.items():
        if fwd is not adlab_fwd or ("fwd", "adlab eager") not in fns:
            fns[("fwd", name)] = fwd
        fns[("full", name)] = full
    times = measure_all(fns, settle=Settings.settle)

    def fwd_key(name):
        return ("fwd", "adlab eager") if impls[name][0] is adlab_fwd else ("fwd", name)

    rows = []
    for name in impls:
        tf, tg = times.time(fwd_key(name)), times.time(("full", name))
        rows.append([name, fmt_time(tf), fmt_time(tg), fmt_ratio(tg, tf),
                     fmt_value(times.ratio(fwd_key(name), ("fwd", "torch"))),
                     fmt_value(times.ratio(("full", name), ("full", "torch")))])
    print_table(["implementation", "forward", "fwd + grad", "(fwd+grad)/fwd", "fwd / torch",
                 "fwd+grad / torch"], rows)
    print(RATIO_NOTE)
    print("  forward alone: adlab and autograd on plain numpy arrays (nothing recorded), "
          "torch under no_grad.")
    print(f"  threads: torch {torch.get_num_threads() if torch else '-'}, numpy BLAS as "
          "configured (OPENBLAS_NUM_THREADS / OMP_NUM_THREADS "
          f"= {os.environ.get('OPENBLAS_NUM_THREADS', '-')} / "
          f"{os.environ.get('OMP_NUM_THREADS', '-')})")

    # where the time goes: the forward product, and dW, an n x n array that has to be
    # written (numpy filling a new array of that size bounds a one-core gradient)
    def fill():
        np.empty((n, n)).fill(1.0)

    parts = {"fill": fill, "adlab.outer": lambda: adlab.outer(d, x), "numpy W @ x": lambda: W @ x}
    if torch is not None:
        dt0 = torch.from_numpy(d)
        parts["torch.outer"] = lambda: torch.outer(dt0, xt0)
        parts["torch W @ x"] = lambda: Wt0 @ xt0
    part = measure_all(parts, settle=Settings.settle)
    print(f"  W @ x alone (each library's BLAS, see the header): numpy "
          f"{fmt_time(part.time('numpy W @ x'))}, torch {fmt_time(part.time('torch W @ x'))}")
    print(f"  dW = outer(cotangent, x), {n}x{n}: adlab.outer {fmt_time(part.time('adlab.outer'))}, "
          f"torch.outer {fmt_time(part.time('torch.outer'))}; numpy filling a new array of that "
          f"size {fmt_time(part.time('fill'))} (one core)")
    floor = (f"fwd + grad / torch = {fmt_value(times.ratio(('full', HAND), ('full', 'torch')))}, "
             "the floor for a library on numpy here; " if torch is not None else "")
    print(f"  {HAND}: {floor}adlab eager / numpy by hand = "
          f"{fmt_value(times.ratio(('full', 'adlab eager'), ('full', HAND)))}")
    for variant in ("adlab eager", "adlab.value_and_grad"):
        add_summary("c vector fwd+grad", variant,
                    {p: times.ratio(("full", variant), ("full", p)) for p in ("autograd", "torch")})


# -- case d: deep chain --------------------------------------------------------


def deep_chain(y, n):
    """n scalar ops: (mul by 1.0000001, add 0.0) repeated."""
    for _ in range(n // 2):
        y = y * 1.0000001 + 0.0
    return y


def time_graph_runs(runs, n, check_result):
    """Run each implementation of a large-graph case once, check it, and time it.

    `check_result(name, value)` checks what a run returned. A peer's time is
    its one run (peers take up to 30 s on these graphs); adlab's is the median
    of `Settings.repeat_deep` more runs, the first having been the warm-up.
    Returns {name: seconds per unit of n, or None after a RecursionError}.
    """
    results = {}
    for name, fn in runs.items():
        gc.collect()
        t0 = time.perf_counter()
        try:
            value = fn()
        except RecursionError:
            results[name] = None
            continue
        t_first = time.perf_counter() - t0
        check_result(name, value)
        if name.startswith("adlab"):
            results[name] = measure(fn, repeat=Settings.repeat_deep, warmup=False) / n
        else:
            results[name] = t_first / n
    return results


def case_d(n):
    print(f"\nd. deep chain: {n:,} scalar ops (x * 1.0000001 + 0.0), forward + backward")
    ref = 1.0000001 ** (n // 2)

    def make_runs(m):
        """The case-d run of each implementation, on a chain of m ops."""
        runs = {}

        def adlab_eager():
            x = adlab.tensor(0.5, requires_grad=True)
            deep_chain(x, m).backward()
            return x.grad

        runs["adlab eager"] = adlab_eager
        runs["adlab.grad"] = lambda: adlab.grad(lambda x: deep_chain(x, m))(0.5)
        if MgValue is not None:
            def micrograd_run():
                x = MgValue(0.5)
                deep_chain(x, m).backward()
                return x.grad
            runs["micrograd"] = micrograd_run
        if autograd is not None:
            runs["autograd"] = lambda: autograd.grad(lambda x: deep_chain(x, m))(0.5)
        if torch is not None:
            def torch_run():
                x = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
                deep_chain(x, m).backward()
                return x.grad
            runs["torch"] = torch_run
        return runs

    runs = make_runs(n)
    results = time_graph_runs(
        runs, n, lambda name, value: check(f"case d, {name}", to_float(value), ref, rtol=1e-6))
    failed = [name for name, t in results.items() if t is None and name.startswith("adlab")]

    # The same adlab eager run with the cyclic garbage collector off: the
    # difference is the collector walking the live graph again and again.
    t_nogc = None
    if "adlab eager" not in failed:
        gc.collect()
        gc.disable()
        try:
            t_nogc = measure(runs["adlab eager"], repeat=Settings.repeat_deep, warmup=False) / n
        finally:
            gc.enable()

    # Memory, in separate untimed runs: tracemalloc sees Python and numpy
    # allocations only. Peers are traced on a chain ten times shorter (their
    # bytes per op do not depend on the length; autograd takes ~30 s per 10^6).
    n_peer = max(2, n // 10)
    mem = {}

    def traced(build):
        gc.collect()
        tracemalloc.start()
        try:
            base = tracemalloc.get_traced_memory()[0]
            kept = build()
            cur, peak = tracemalloc.get_traced_memory()
            return cur - base, peak - base, kept
        finally:
            tracemalloc.stop()

    def eager_forward():
        x = adlab.tensor(0.5, requires_grad=True)
        return x, deep_chain(x, n)

    if "adlab eager" not in failed:
        held, _, kept = traced(eager_forward)
        del kept
        _, peak, _ = traced(runs["adlab eager"])
        mem["adlab eager"] = (held / n, peak / n)
    if "adlab.grad" not in failed:
        _, peak, _ = traced(runs["adlab.grad"])
        mem["adlab.grad"] = (None, peak / n)
    short = make_runs(n_peer)
    if MgValue is not None:
        def mg_forward():
            x = MgValue(0.5)
            return x, deep_chain(x, n_peer)
        held, _, kept = traced(mg_forward)
        del kept
        mem["micrograd"] = (held / n_peer, None)
    if autograd is not None:
        _, peak, _ = traced(short["autograd"])
        mem["autograd"] = (None, peak / n_peer)
    gc.collect()

    te, tg = results.get("adlab eager"), results.get("adlab.grad")
    rows = []

    def row(name, t):
        held, peak = mem.get(name, (None, None))
        rows.append([
            name,
            "RecursionError" if t is None else fmt_time(t * n),
            "-" if t is None else fmt_time(t),
            "-" if held is None else f"{held:.0f} B",
            "-" if peak is None else f"{peak:.0f} B",
            fmt_ratio(te, t), fmt_ratio(tg, t),
        ])

    for name in runs:
        row(name, results.get(name))
        if name == "adlab.grad" and t_nogc is not None:
            row("adlab eager, gc off", t_nogc)
    print_table(["implementation", "total", "per op", "graph / op", "peak / op",
                 "adlab eager / it", "adlab.grad / it"], rows)
    print("  adlab: median of repeated runs; peers: one run each (autograd takes ~30 s at "
          "10^6 ops).\n"
          "  memory: tracemalloc, bytes per recorded op. 'graph / op': held after the forward "
          "pass (graph alive);\n  'peak / op': peak over forward + backward above the "
          f"starting point. Peers traced on {n_peer:,} ops; torch allocates\n  in C++, which "
          "tracemalloc does not see.")
    if "micrograd" in runs and results.get("micrograd") is None:
        print("  micrograd: Value.backward sorts the graph recursively and raises "
              "RecursionError past about 1,000 chained ops.")
    add_summary("d deep chain", "adlab eager", ratios_to(te, results))
    add_summary("d deep chain", "adlab.grad", ratios_to(tg, results))
    return failed


# -- case e: wide graph -------------------------------------------------------


def sum_of_squares(xs):
    """x_0 * x_0 + x_1 * x_1 + ..., added in pairs: a tree of depth log2 n."""
    terms = [x * x for x in xs]
    while len(terms) > 1:
        pairs = [terms[i] + terms[i + 1] for i in range(0, len(terms) - 1, 2)]
        if len(terms) % 2:
            pairs.append(terms[-1])
        terms = pairs
    return terms[0]


def case_e(n):
    print(f"\ne. wide graph: y = sum of x_i * x_i over {n:,} scalar leaves, added in pairs "
          "(depth log2 n); forward + backward, time per leaf")
    points = [0.5 + i / n for i in range(n)]
    ref = [2.0 * p for p in points]
    runs = {}

    def adlab_eager():
        xs = [adlab.tensor(p, requires_grad=True) for p in points]
        sum_of_squares(xs).backward()
        return [x.grad for x in xs]

    runs["adlab eager"] = adlab_eager
    if MgValue is not None:
        def micrograd_run():
            xs = [MgValue(p) for p in points]
            sum_of_squares(xs).backward()
            return [x.grad for x in xs]
        runs["micrograd"] = micrograd_run
    if torch is not None:
        def torch_run():
            xs = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in points]
            sum_of_squares(xs).backward()
            return [x.grad for x in xs]
        runs["torch"] = torch_run

    results = time_graph_runs(
        runs, n, lambda name, grads: check(f"case e, {name}", [to_float(g) for g in grads], ref,
                                           rtol=1e-12))
    te = results.get("adlab eager")
    rows = [[name, "RecursionError" if t is None else fmt_time(t * n), fmt_time(t),
             fmt_ratio(te, t)] for name, t in results.items()]
    print_table(["implementation", "total", "per leaf", "adlab eager / it"], rows)
    print("  adlab: median of repeated runs; peers: one run each. adlab.grad and autograd "
          "are left out: they take the\n  points as one argument (an array, a list), each x_i "
          "is an entry of it, and the cotangent of each entry\n  is a whole array or list of "
          "n numbers, so the time grows as n^2.")
    add_summary("e wide graph", "adlab eager", ratios_to(te, results))


# -- case f: Hessian -------------------------------------------------------------


CLOSED = "numpy closed form (no AD)"


def hessian_problem(n):
    """Case f's data: A (n x n, from seed 1), the point x and a direction v for the HVP."""
    rng = np.random.default_rng(1)
    A = rng.standard_normal((n, n)) / math.sqrt(n)
    x = rng.standard_normal(n)
    v = rng.standard_normal(n)
    return A, x, v


def hessian_closed_form(A, x):
    """Hessian of f(x) = sum(tanh(A x) ** 2): A^T diag(2 (1 - t^2)(1 - 3 t^2)) A, t = tanh(A x).

    With g(z) = tanh(z)^2, g' = 2 t (1 - t^2) and g'' = (2 - 6 t^2)(1 - t^2);
    f = sum g(A x), so H = A^T diag(g''(A x)) A.
    """
    t = np.tanh(A @ x)
    t2 = t * t
    return A.T @ ((2.0 * (1.0 - t2) * (1.0 - 3.0 * t2))[:, None] * A)


def case_f(n):
    print(f"\nf. Hessian of f(x) = sum(tanh(A @ x) ** 2), A {n}x{n} float64: the full {n}x{n} "
          "Hessian, time per call")
    A, x, v = hessian_problem(n)
    ref = hessian_closed_form(A, x)
    atol = 1e-12 * np.abs(ref).max()  # entries near 0 carry rounding of the largest ones
    runs = {}

    def f_adlab(x_):
        return adlab.sum(adlab.tanh(A @ x_) ** 2)

    h_adlab = adlab.hessian(f_adlab)  # jacfwd(jacrev(f)): n JVPs batched with vmap
    runs["adlab.hessian"] = lambda: h_adlab(x)
    runs[CLOSED] = lambda: hessian_closed_form(A, x)

    if autograd is not None:
        def f_ag(x_):
            return anp.sum(anp.tanh(anp.dot(A, x_)) ** 2)

        h_ag = autograd.hessian(f_ag)  # jacobian(jacobian(f)): reverse over reverse, a loop
        runs["autograd.hessian"] = lambda: h_ag(x)

    torch_ref = None  # the torch row whose ratio goes to the summary
    if torch is not None:
        At, xt = torch.from_numpy(A), torch.from_numpy(x)

        def f_torch(x_):
            return (torch.tanh(At @ x_) ** 2).sum()

        runs["torch.autograd.functional.hessian"] = lambda: torch.autograd.functional.hessian(
            f_torch, xt)
        torch_ref = "torch.autograd.functional.hessian"
        if hasattr(torch, "func") and hasattr(torch.func, "hessian"):
            h_tf = torch.func.hessian(f_torch)  # jacfwd(jacrev(f)) with vmap, as adlab's
            runs["torch.func.hessian"] = lambda: h_tf(xt)
            torch_ref = "torch.func.hessian"

    for name, fn in runs.items():
        H = fn()
        H = H.numpy() if torch is not None and isinstance(H, torch.Tensor) else H
        check(f"case f Hessian, {name}", H, ref, rtol=1e-9, atol=atol)

    # one Hessian-vector product, forward over reverse: a column of H for the cost of a
    # few gradients (a unit for the Hessian's cost, not a Hessian)
    g_adlab = adlab.grad(f_adlab)
    HVP = "adlab HVP, jvp(grad(f)) (one H @ v)"
    runs[HVP] = lambda: adlab.jvp(g_adlab, (x,), (v,))[1]
    check(f"case f, {HVP}", runs[HVP](), ref @ v, rtol=1e-9, atol=atol * np.abs(v).sum())

    times = measure_all(runs, settle=Settings.settle)
    rows = [[name, fmt_time(times.time(name)), fmt_value(times.ratio("adlab.hessian", name))]
            for name in runs]
    print_table(["implementation", "per call", "adlab.hessian / it"], rows)
    print(RATIO_NOTE)
    print("  every Hessian checked against the closed form A^T diag(2(1 - t^2)(1 - 3t^2)) A, "
          "t = tanh(A x).")
    print(f"  adlab.hessian / adlab HVP = {fmt_value(times.ratio('adlab.hessian', HVP))}: the "
          f"batched Hessian costs that many Hessian-vector products; a loop of them, n = {n}.")
    if torch_ref is not None:
        print(f"  summary: adlab / torch is adlab.hessian / {torch_ref}.")
    add_summary("f Hessian", "adlab.hessian",
                {"autograd": times.ratio("adlab.hessian", "autograd.hessian"),
                 "torch": times.ratio("adlab.hessian", torch_ref) if torch_ref else None})


# -- profile -------------------------------------------------------------------


def profile_scalar(n, calls):
    """cProfile adlab's scalar paths (cases a and b); print the top entries by own time.

    cProfile charges its own overhead per call to the caller, so functions that
    make many small calls look slower than they are: confirm with timings.
    """
    def eager():
        for _ in range(calls):
            x = adlab.tensor(0.5, requires_grad=True)
            scalar_chain(x, n, adlab.relu).backward()

    def functional():
        g = adlab.grad(lambda x: scalar_chain(x, n, adlab.relu))
        for _ in range(calls):
            g(0.5)

    def baydin():
        for _ in range(calls * n // 5):
            x1 = adlab.tensor(2.0, requires_grad=True)
            x2 = adlab.tensor(5.0, requires_grad=True)
            (adlab.log(x1) + x1 * x2 - adlab.sin(x2)).backward()

    def baydin_functional():
        vg = adlab.value_and_grad(lambda a, b: adlab.log(a) + a * b - adlab.sin(b), (0, 1))
        for _ in range(calls * n // 5):
            vg(2.0, 5.0)

    for label, fn in ((f"eager, {calls} x {n}-op scalar chain", eager),
                      (f"adlab.grad, {calls} x {n}-op scalar chain", functional),
                      (f"eager, {calls * n // 5} x Baydin's f", baydin),
                      (f"value_and_grad, {calls * n // 5} x Baydin's f", baydin_functional)):
        print(f"\nprofile: adlab {label}, by own time")
        prof = cProfile.Profile()
        prof.runcall(fn)
        stats = pstats.Stats(prof, stream=sys.stdout)
        stats.strip_dirs().sort_stats("tottime").print_stats(15)


def profile_hessian(n, calls):
    """cProfile adlab.hessian on case f's function; print the top entries by own and
    cumulative time (cProfile's overhead per call weighs on Python-level work)."""
    A, x, _ = hessian_problem(n)
    h = adlab.hessian(lambda x_: adlab.sum(adlab.tanh(A @ x_) ** 2))

    def run():
        for _ in range(calls):
            h(x)

    print(f"\nprofile: adlab.hessian, {calls} x case f (n = {n})")
    prof = cProfile.Profile()
    prof.runcall(run)
    stats = pstats.Stats(prof, stream=sys.stdout).strip_dirs()
    print("by own time:")
    stats.sort_stats("tottime").print_stats(20)
    print("by cumulative time:")
    stats.sort_stats("cumulative").print_stats(25)


# -- main ----------------------------------------------------------------------


def cpu_model():
    """The processor's name (Linux: /proc/cpuinfo), else platform's guess or '?'."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def blas_names():
    """Which BLAS numpy and torch call: the matrix-vector product of case c runs there."""
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        names = [f"numpy {blas.get('name', '?')} {blas.get('version', '')}".rstrip()]
    except (TypeError, KeyError, AttributeError):  # numpy < 1.26 prints instead
        names = ["numpy ?"]
    if torch is not None:
        names.append("torch MKL" if torch.backends.mkl.is_available() else "torch (no MKL)")
    return ", ".join(names)


def header(malloc_line):
    print("adlab core benchmark")
    print(f"  python {platform.python_version()} ({platform.python_implementation()}), "
          f"numpy {np.__version__}, {platform.machine()}, {os.cpu_count()} cores")
    print(f"  cpu: {cpu_model()}; BLAS: {blas_names()}")
    print(f"  adlab {adlab.__version__} from {os.path.dirname(adlab.__file__)}")
    found = []
    if MgValue is not None:
        found.append(f"micrograd {_version('micrograd')}")
    if autograd is not None:
        found.append(f"autograd {_version('autograd')}")
    if torch is not None:
        found.append(f"torch {torch.__version__} ({torch.get_num_threads()} threads)")
    print("  peers: " + (", ".join(found) if found else "none installed"))
    print("  " + malloc_line)
    for name, hint in SKIPPED.items():
        print(f"  skipped {name}: not installed ({hint})")


def summary():
    print("\nSummary: adlab time / peer time (above 1: adlab is slower)")
    rows = []
    for (case, variant), ratios in SUMMARY.items():
        rows.append([f"{case:<18} {variant}"] + [
            f"{ratios[p]:.2f}" if p in ratios else "-" for p in PEERS])
    print_table(["case, adlab variant"] + list(PEERS), rows)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes, few repeats (smoke run)")
    ap.add_argument("--cases", default="abcdef",
                    help="which cases to run, e.g. 'ab' (default abcdef)")
    ap.add_argument("--profile", action="store_true",
                    help="also cProfile adlab's scalar eager and grad paths (cases a, b) "
                         "and adlab.hessian (case f)")
    ap.add_argument("--default-malloc", action="store_true",
                    help="leave glibc malloc's thresholds alone (case c then varies run to run)")
    args = ap.parse_args(argv)

    if args.quick:
        Settings.repeat, Settings.repeat_deep, Settings.min_time, Settings.settle = 3, 1, 0.03, 0.01
        n_chain, n_vec, n_deep, n_wide, n_hess = 200, 200, 20_000, 2_000, 50
    else:
        n_chain, n_vec, n_deep, n_wide, n_hess = 200, 1000, 1_000_000, 100_000, 100

    malloc_line = "malloc: platform default" if args.default_malloc else steady_malloc()
    gc.collect()
    gc.freeze()  # objects from the imports (torch's above all) are never collected anyway
    header(malloc_line)
    t0 = time.perf_counter()
    failed = []
    if "a" in args.cases:
        case_a(n_chain)
    if "b" in args.cases:
        case_b()
    if "c" in args.cases:
        case_c(n_vec)
    if "d" in args.cases:
        failed = case_d(n_deep)
    if "e" in args.cases:
        case_e(n_wide)
    if "f" in args.cases:
        case_f(n_hess)
    if SUMMARY and len(SKIPPED) < len(PEERS):
        summary()
    if args.profile:
        if "f" not in args.cases or "a" in args.cases or "b" in args.cases:
            profile_scalar(n_chain, 50 if args.quick else 500)
        if "f" in args.cases:
            profile_hessian(n_hess, 20 if args.quick else 200)
    print(f"\ntotal benchmark time {time.perf_counter() - t0:.1f} s")
    if failed:
        print("FAILED: RecursionError in " + ", ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
