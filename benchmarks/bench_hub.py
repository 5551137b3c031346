"""A class on the hub, from release to feedback: the phases of tests/test_hub.py, timed.

Runs the end-to-end hub test (an instructor and three students as Unix users, JupyterHub
on localhost, headless Chromium; see deploy/README.md) RUNS times and prints the seconds
of each phase, as the test records them in build/hub-test/timings.json: the instructor's
generate and release in Formgrader, three students' login, fetch and submit, collect,
``make autograde`` (JOBS=2), release of the feedback, and three students' login, fetch
feedback and read it. Needs root and the hub installed by ``make test-hub``.

Peer: none runs this path end to end; nbgrader's own documentation gives no timings. The
grading step alone is compared with nbgrader's autograde in bench_grading.py.

    sudo .venv/bin/python benchmarks/bench_hub.py [--runs 2]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TIMINGS = ROOT / "build" / "hub-test" / "timings.json"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=2)
    args = p.parse_args()
    if os.geteuid() != 0:
        sys.exit("bench_hub needs root (it makes Unix users): run it with sudo")
    env = dict(os.environ, ADLAB_HUB_PREFIX=os.environ.get("ADLAB_HUB_PREFIX",
                                                           "/opt/adlab-hub-test"))
    runs = []
    for i in range(args.runs):
        TIMINGS.unlink(missing_ok=True)
        r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x",
                            "tests/test_hub.py::test_a_class_runs_from_release_to_feedback"],
                           cwd=ROOT, env=env, capture_output=True, text=True)
        if r.returncode or not TIMINGS.exists():
            sys.exit(f"run {i + 1} failed:\n{r.stdout[-3000:]}")
        runs.append(json.loads(TIMINGS.read_text()))
    phases = list(runs[0])
    print(f"{os.cpu_count()} cores; 1 instructor, 3 students; seconds per phase, {len(runs)} runs")
    print(f"{'phase':<28}" + "".join(f"{f'run {i + 1}':>9}" for i in range(len(runs))))
    for phase in phases:
        print(f"{phase:<28}" + "".join(f"{r[phase]:>9.1f}" for r in runs))


if __name__ == "__main__":
    main()
