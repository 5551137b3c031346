"""The notebooks' first cell on a Colab-like machine: adlab missing, ipywidgets 7.7 present.

Colab (2026) has numpy, matplotlib, ipywidgets 7.7.1, graphviz and SymPy but not adlab. This
test builds adlab's wheel (as pip would from the GitHub URL), makes a fresh environment that
sees the libraries of .venv-colab (Colab's ipywidgets 7.7.1) but not adlab, points the
set-up cell at the wheel instead of GitHub (no network here), and runs notebooks in a kernel of
that environment: the cell must install adlab (non-editable, so every subpackage has to be
packaged) and the rest of the notebook must run with ipywidgets 7.7.

The environment runs Python 3.13 as Colab does (make test builds .venv-colab with a
python3.13 from PATH or pyenv), and the test checks the kernel's version.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from adlab.course import REPOSITORY, notebook_paths

ROOT = Path(__file__).resolve().parents[1]
COLAB = ROOT / ".venv-colab"
# every section, and every exercise (its reference solution, without the hidden tests, which
# run only under the grader), as a student on Colab
NOTEBOOKS = ([p.relative_to(ROOT).as_posix() for p in notebook_paths()]
             + sorted(p.relative_to(ROOT).as_posix()
                      for p in ROOT.glob("exercises/source/*/*.ipynb")))


def _site_packages(venv: Path) -> Path:
    out = subprocess.run([str(venv / "bin" / "python"), "-c",
                          "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                         capture_output=True, text=True, check=True)
    return Path(out.stdout.strip())


@pytest.fixture(scope="module")
def colab(tmp_path_factory):
    """(kernel name, environment folder, wheel path) of a Colab-like environment without adlab."""
    if not (COLAB / "bin" / "python").exists():
        pytest.fail("the ipywidgets 7.7 environment is missing: run `make test`, which builds it")
    tmp = tmp_path_factory.mktemp("colab")
    # build from a clean copy: setuptools reuses a stale build/lib in the working tree
    src = tmp / "src"
    shutil.copytree(ROOT / "adlab", src / "adlab",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "--no-build-isolation", "-w", str(tmp / "dist"), str(src)], check=True,
                   capture_output=True)
    (wheel,) = (tmp / "dist").glob("adlab-*.whl")
    env = tmp / "env"
    # the same Python as the Colab-like environment (3.13, as on Colab)
    subprocess.run([str(COLAB / "bin" / "python"), "-m", "venv", "--without-pip", str(env)],
                   check=True)
    # the environment sees Colab-like libraries (a path line: their .pth files, adlab's
    # editable hook among them, are not run, so adlab stays missing)
    (_site_packages(env) / "colab_libraries.pth").write_text(f"{_site_packages(COLAB)}\n")
    python = env / "bin" / "python"
    probe = subprocess.run([str(python), "-c",
                            "import importlib.util as u, ipywidgets, sys; "
                            "print(u.find_spec('adlab') is None, ipywidgets.__version__)"],
                           capture_output=True, text=True, check=True, cwd=tmp)
    assert probe.stdout.split() == ["True", "7.7.1"], probe.stdout + probe.stderr
    kernels = tmp / "jupyter" / "kernels" / "colab"
    kernels.mkdir(parents=True)
    (kernels / "kernel.json").write_text(json.dumps({
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Colab-like", "language": "python"}))
    return {"jupyter_path": tmp / "jupyter", "python": python, "wheel": wheel}


def _pointed_at(nb, wheel: Path):
    setup = nb.cells[1]
    url = f"git+https://github.com/{REPOSITORY}"
    assert url in setup.source
    setup.source = setup.source.replace(url, wheel.as_uri())
    return nb


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_first_cell_installs_adlab_and_the_notebook_runs(colab, name, monkeypatch):
    from nbclient import NotebookClient

    monkeypatch.setenv("JUPYTER_PATH", str(colab["jupyter_path"]))
    path = ROOT / name
    nb = _pointed_at(nbformat.read(path, as_version=4), colab["wheel"])
    if name.startswith("exercises/"):
        from nbgrader.preprocessors import ClearHiddenTests

        nb, _ = ClearHiddenTests().preprocess(nb, {})
        assert "grading_inputs(" not in "".join(c.source for c in nb.cells)
    nb.cells.append(nbformat.v4.new_code_cell(
        "import sys, adlab, ipywidgets\n"
        "print(adlab.__file__, ipywidgets.__version__, '%d.%d' % sys.version_info[:2])"))
    NotebookClient(nb, timeout=180, kernel_name="colab",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert errors == []
    # the printed line, from its stdout chunks (a stream may arrive in pieces, and a
    # warning on stderr may come first)
    printed = "".join(o.text for o in nb.cells[-1].outputs
                      if o.output_type == "stream" and o.name == "stdout")
    assert len(printed.split()) == 3, nb.cells[-1].outputs
    where, version, python = printed.split()
    assert version == "7.7.1"
    assert python == "3.13", ("Colab runs Python 3.13: make test builds .venv-colab with a "
                              "python3.13 from PATH or pyenv; install one and rerun make test")
    # installed from the wheel into the fresh environment, not the working tree
    assert where.startswith(str(Path(colab["python"]).parent.parent)) and "site-packages" in where
