"""The benchmark script still runs (timings are reported by it, never asserted here)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_core_benchmark_quick_run_checks_values_and_prints_ratios():
    out = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_core.py"), "--quick", "--cases", "bcef"],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )
    assert out.returncode == 0, out.stderr
    assert "Baydin" in out.stdout and "adlab" in out.stdout
    assert "c. vectorised" in out.stdout  # its gradients were checked against closed forms
    assert "dW = outer(cotangent, x), 200x200: adlab.outer" in out.stdout
    assert "numpy by hand (no AD)" in out.stdout  # the floor row, checked like the others
    assert "e. wide graph" in out.stdout  # its gradients were checked against 2 x_i
    assert "f. Hessian" in out.stdout  # every Hessian was checked against the closed form
    assert "numpy closed form (no AD)" in out.stdout and "adlab HVP" in out.stdout


def test_widget_benchmark_quick_run():
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_widgets.py"), "--quick"],
                         capture_output=True, text=True, timeout=180, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "6 trace stepper: step" in out.stdout and "reverse table (Markdown)" in out.stdout
