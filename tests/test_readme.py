"""README.md: each audience's commands work as written, and its table and picture are adlab's output.

Command blocks are marked with ``<!-- readme: NAME -->``. ``make`` lines are checked with
``make -n`` (the targets exist and expand; running them is what the rest of the tests do),
the clone line against adlab.course.REPOSITORY with a local clone, and the ``adlab trace``
block is run as written in a temporary folder; its output must be the README's table and
summary, and its graph must carry the same labels as docs/baydin_graph.svg.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from adlab.course import REPOSITORY, badges_source

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCK = re.compile(r"<!-- readme: (\w+) -->\n```sh\n(.*?)```", re.S)


def block(name: str) -> list[str]:
    found = dict(BLOCK.findall(README))
    return [ln for ln in found[name].splitlines() if ln.strip()]


def test_blocks_are_there_for_each_audience():
    assert set(dict(BLOCK.findall(README))) == {"laptop", "instructor", "trace", "contributor"}
    for heading in ("## Students", "## Instructors", "## Contributors"):
        assert heading in README


def test_badges_open_the_index():
    assert badges_source("00_index.ipynb").replace(") [", ")\n[") in README
    assert (ROOT / "notebooks" / "00_index.ipynb").exists()


def _make_targets(lines):
    targets = []
    for ln in lines:
        m = re.match(r"make (\w+)\b", ln.strip())
        if m:
            targets.append(m.group(1))
    return targets


def test_make_lines_name_real_targets():
    targets = _make_targets(block("instructor") + block("contributor") + block("laptop"))
    assert set(targets) == {"course", "slides", "release", "autograde", "test", "bench",
                            "lab"}
    for t in targets:
        r = subprocess.run(["make", "-n", t], cwd=ROOT, capture_output=True, text=True)
        assert r.returncode == 0, f"make -n {t}: {r.stderr}"


def test_laptop_path_clones_the_repository_the_badges_use(tmp_path):
    clone, cd, make = block("laptop")
    assert clone == f"git clone https://github.com/{REPOSITORY}"
    assert cd == f"cd {REPOSITORY.split('/')[1]}"
    # the same steps from this checkout (no network here)
    subprocess.run(["git", "clone", "-q", str(ROOT), str(tmp_path / "adlab")], check=True)
    r = subprocess.run(make.split() + ["-n"], cwd=tmp_path / "adlab", capture_output=True,
                       text=True)
    assert r.returncode == 0 and "jupyter lab" in r.stdout


def _svg_texts(svg: str) -> list[str]:
    return sorted(re.findall(r"<text[^>]*>([^<]*)</text>", svg))


def test_trace_block_prints_the_readme_table_and_draws_its_picture(tmp_path):
    (tmp_path / ".venv").symlink_to(ROOT / ".venv")
    script = "\n".join(block("trace"))
    r = subprocess.run(["bash", "-e", "-c", script], cwd=tmp_path, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    table = [ln for ln in r.stdout.splitlines() if ln.startswith("|")]
    assert len(table) > 8
    assert "\n".join(table) in README
    summary = r.stdout.strip().splitlines()[-1]
    assert summary.startswith("Summary: ")
    assert summary[len("Summary: "):] in README.replace("\n", " ")
    drawn = (tmp_path / "f.svg").read_text(encoding="utf-8")
    committed = (ROOT / "docs" / "baydin_graph.svg").read_text(encoding="utf-8")
    assert "(docs/baydin_graph.svg)" in README
    assert _svg_texts(drawn) == _svg_texts(committed)
    assert "v̄₀ = 1.716" in _svg_texts(drawn)


def test_python_examples_run_and_print_what_their_comments_say(tmp_path, monkeypatch):
    """The README's Python blocks run in order in one namespace; the values their comments
    show are checked against closed forms."""
    import math

    import numpy as np

    monkeypatch.chdir(tmp_path)  # the trace example writes f.svg
    blocks = re.findall(r"```python\n(.*?)```", README, re.S)
    assert len(blocks) >= 3
    ns: dict = {}
    for code in blocks:
        exec(compile(code, "README.md", "exec"), ns)  # noqa: S102 - our own README
    adlab = ns["adlab"]
    f = ns["f"]
    assert adlab.grad(f, argnums=(0, 1))(2.0, 5.0) == (5.5, 2.0 - math.cos(5.0))
    assert "(5.5, 1.7163...)" in README and f"{2.0 - math.cos(5.0):.4f}" == "1.7163"
    x = np.array([1.0, 2.0])
    s = np.exp(x) / np.exp(x).sum()
    want = s + s[0] * (np.eye(2)[0] - s)  # d/dx of logsumexp + softmax_0
    np.testing.assert_allclose(ns["x"].grad.numpy(), want, rtol=1e-14)
    assert f"tensor([{want[0]:.4f}..., {want[1]:.4f}...])" in README
    np.testing.assert_allclose(ns["g"].detach().numpy(), 3 * x ** 2)
    assert (tmp_path / "f.svg").exists()
