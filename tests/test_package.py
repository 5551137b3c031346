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


def test_readme_tour_runs_and_its_comments_hold():
    import re
    from pathlib import Path

    import numpy as np

    text = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    code = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    lines = code.strip().splitlines()
    env: dict = {}
    exec("\n".join(lines[:3]), env)  # imports and f
    assert env["adlab"].grad(env["f"], argnums=(0, 1))(2.0, 5.0) == (5.5, np.float64(2.0) - np.cos(5.0))
    results = [eval(line.split("#")[0], env) for line in lines[3:7]]
    assert results[1] == (np.log(2.0) + 10.0 - np.sin(5.0), 5.5)
    assert results[2] == -np.sin(1.0)
    np.testing.assert_array_equal(results[3], [[6.0, 0.0], [0.0, 12.0]])
    exec("\n".join(lines[8:11]), env)
    assert repr(env["x"].grad) == "tensor([ 0.,  4.,  8., 12.])"


def test_readme_trace_tour_runs(tmp_path, monkeypatch):
    import re
    from pathlib import Path

    text = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    monkeypatch.chdir(tmp_path)
    env: dict = {}
    exec(blocks[0].split("\n\n")[0] + "\n" + blocks[0].splitlines()[2], env)  # imports and f
    exec(blocks[1], env)
    assert env["t"].count() == 5
    assert "1.716" in env["t"].table("reverse").text()
    assert (tmp_path / "f.svg").read_text().lstrip().startswith(("<?xml", "<svg"))
