"""The explorers also work with ipywidgets 7.7 (Colab's version): the widget tests, run there."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv-colab" / "bin" / "python"


def test_widget_tests_pass_with_ipywidgets_7_7():
    assert PYTHON.exists(), "the ipywidgets 7.7 environment is missing: run `make test`, which builds it"
    version = subprocess.run([str(PYTHON), "-c", "import ipywidgets; print(ipywidgets.__version__)"],
                             capture_output=True, text=True, timeout=60).stdout.strip()
    assert version.startswith("7.7"), version
    tests = sorted(str(p) for p in (ROOT / "tests").glob("test_widget_*.py"))
    assert len(tests) == 7
    out = subprocess.run([str(PYTHON), "-m", "pytest", "-q", "-p", "no:cacheprovider", *tests],
                         capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert out.returncode == 0, out.stdout[-3000:]
    assert " passed" in out.stdout.splitlines()[-1]
