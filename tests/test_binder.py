"""binder/ agrees with pyproject.toml, and its environment has what every notebook imports.

repo2docker reads only binder/: requirements.txt (which must install adlab itself with
``-e .``), apt.txt (Graphviz's dot) and runtime.txt. The same pins constrain the Makefile's
environment, so the tests run with the versions Binder installs.
"""

from __future__ import annotations

import ast
import importlib.metadata as md
import re
import sys
import tomllib
from pathlib import Path

import nbformat
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
BINDER = ROOT / "binder"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def pinned() -> dict:
    """{canonical name: version} from binder/requirements.txt (without the -e . line)."""
    pins = {}
    for line in (BINDER / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if not line or line == "-e .":
            continue
        req = Requirement(line)
        (spec,) = req.specifier
        assert spec.operator == "==", f"{line}: pin an exact version"
        pins[canonicalize_name(req.name)] = spec.version
    return pins


def test_binder_installs_adlab_itself_and_only_pinned_versions():
    lines = [ln.strip() for ln in (BINDER / "requirements.txt").read_text().splitlines()
             if ln.strip() and not ln.startswith("#")]
    assert "-e ." in lines
    assert len(pinned()) == len(lines) - 1


def test_pins_are_the_core_and_course_dependencies_and_satisfy_pyproject():
    project = PYPROJECT["project"]
    wanted = [Requirement(r) for r in project["dependencies"]] + extra("course")
    pins = pinned()
    assert set(pins) == {canonicalize_name(r.name) for r in wanted}
    for req in wanted:
        version = pins[canonicalize_name(req.name)]
        assert req.specifier.contains(version, prereleases=True), f"{req} excludes {version}"


def extra(name: str) -> list:
    """The requirements of pyproject's extra NAME, with adlab[...] self-references expanded."""
    out = []
    for line in PYPROJECT["project"]["optional-dependencies"][name]:
        req = Requirement(line)
        if canonicalize_name(req.name) == "adlab":
            for sub in sorted(req.extras):
                out += extra(sub)
        else:
            out.append(req)
    return out


def test_the_test_environment_has_the_pinned_versions():
    for name, version in pinned().items():
        assert md.version(name) == version, f"{name}: installed {md.version(name)}, pinned {version}"


def test_apt_and_runtime():
    assert "graphviz" in (BINDER / "apt.txt").read_text().split()
    runtime = (BINDER / "runtime.txt").read_text().strip()
    m = re.fullmatch(r"python-3\.(\d+)", runtime)
    assert m, runtime
    python = PYPROJECT["project"]["requires-python"]
    from packaging.specifiers import SpecifierSet

    assert SpecifierSet(python).contains(f"3.{m.group(1)}")


def test_packages_list_every_subpackage():
    """A non-editable install (Colab's pip install from git) ships exactly these packages."""
    found = sorted(".".join(p.parent.relative_to(ROOT).parts)
                   for p in (ROOT / "adlab").rglob("__init__.py"))
    assert sorted(PYPROJECT["tool"]["setuptools"]["packages"]) == found


# -- every import of every notebook is satisfied by the Binder environment -----------------


def _closure(names) -> set:
    """The distributions NAMES need, transitively (extras not followed), by installed metadata."""
    env = default_environment()
    env["extra"] = ""
    seen, todo = set(), [canonicalize_name(n) for n in names]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for line in md.requires(name) or []:
            req = Requirement(line)
            if req.marker is None or req.marker.evaluate(env):
                todo.append(canonicalize_name(req.name))
    return seen


def _optional(node, parents) -> bool:
    """True for an import guarded as optional (an optional peer, e.g. torch).

    Guards: ``try: ... except ImportError`` and ``if importlib.util.find_spec(...) ...:``.
    """
    for p in parents:
        if isinstance(p, ast.If) and "find_spec" in ast.unparse(p.test):
            return True
        if isinstance(p, ast.Try):
            for h in p.handlers:
                names = ast.unparse(h.type) if h.type is not None else ""
                if "ImportError" in names or "ModuleNotFoundError" in names:
                    return True
    return False


def notebook_imports() -> dict:
    """{top-level module: [notebook, ...]} over notebooks/ and exercises/source, optional ones left out."""
    found: dict = {}
    paths = sorted(ROOT.glob("notebooks/*.ipynb")) + sorted(ROOT.glob("exercises/source/*/*.ipynb"))
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            code = "\n".join(ln for ln in cell.source.splitlines()
                             if not ln.lstrip().startswith(("%", "!")))
            tree = ast.parse(code)
            stack = [(tree, [])]
            while stack:
                node, parents = stack.pop()
                if isinstance(node, (ast.Import, ast.ImportFrom)) and not _optional(node, parents):
                    mods = ([a.name for a in node.names] if isinstance(node, ast.Import)
                            else [node.module or ""])
                    for mod in mods:
                        found.setdefault(mod.split(".")[0], []).append(path.name)
                for child in ast.iter_child_nodes(node):
                    stack.append((child, parents + [node]))
    return found


def test_every_notebook_import_is_in_the_binder_environment():
    imports = notebook_imports()
    assert {"adlab", "numpy"} <= set(imports)
    provided = _closure(pinned())
    owners = md.packages_distributions()
    missing = {}
    for mod, where in imports.items():
        if not mod or mod in sys.stdlib_module_names or mod == "adlab":
            continue
        dists = {canonicalize_name(d) for d in owners.get(mod, [])}
        if not dists & provided:
            missing[mod] = sorted(set(where))
    assert missing == {}, f"imported by notebooks but not installed by binder/: {missing}"
