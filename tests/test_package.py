"""Packaging promises: numpy-only import, the demo that `make course` writes."""

from __future__ import annotations

import subprocess
import sys

import adlab
from adlab import demo


def test_import_needs_numpy_only():
    code = (
        "import sys, adlab; "
        "heavy = {'graphviz', 'ipywidgets', 'matplotlib', 'sympy', 'IPython', 'scipy'}; "
        "print(sorted(heavy & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_demo_reports_baydin_in_both_modes(tmp_path):
    assert demo.main([str(tmp_path)]) == 0
    text = (tmp_path / "demo.md").read_text()
    assert "| forward (JVP) | 2 | 11.652071 | 5.500000 | 1.716338 |" in text
    assert "| reverse (VJP) | 1 | 11.652071 | 5.500000 | 1.716338 |" in text


def test_public_api_is_exported():
    for name in ["tensor", "grad", "jvp", "vjp", "jacfwd", "jacrev", "hessian", "no_grad",
                 "value_and_grad", "arange", "randn", "ones", "zeros", "sum", "mean", "dot"]:
        assert hasattr(adlab, name), name
