"""Grading throughput: seconds per submission and the speed-up of parallel jobs (make autograde).

A temporary copy of the course gets N students (default 20), each submitting the
reference solution of one assignment (default q7_forward_and_reverse), and
``python -m adlab.autograde`` grades them with --jobs 1 and then with --jobs 2.
For each it prints the wall time of the sandboxed runs, the seconds of one
submission in the sandbox, the time nbgrader then takes to record grades and
write feedback, and the end-to-end time; then the speed-up of 2 jobs over 1.
Every submission must score full marks, or the benchmark stops.

Peer: nbgrader's own ``nbgrader autograde`` (one kernel per notebook, sequential,
not isolated), timed on the same submissions with nbgrader's Execute step.

    python benchmarks/bench_grading.py [--students 20] [--assignment q7_forward_and_reverse]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXERCISES = ROOT / "exercises"
BIN = Path(sys.executable).parent


def env() -> dict:
    e = dict(os.environ)
    e["PATH"] = f"{BIN}{os.pathsep}{e.get('PATH', '')}"
    e.pop("JUPYTER_CONFIG_DIR", None)
    return e


def make_course(base: Path, assignment: str, students: int) -> Path:
    course = base / "exercises"
    course.mkdir()
    shutil.copy(EXERCISES / "nbgrader_config.py", course)
    shutil.copytree(EXERCISES / "source" / assignment, course / "source" / assignment)
    shutil.copytree(EXERCISES / "keys", course / "keys",
                    ignore=shutil.ignore_patterns("__pycache__"))
    nb = EXERCISES / "source" / assignment / f"{assignment}.ipynb"
    for i in range(students):
        folder = course / "submitted" / f"student{i:03d}" / assignment
        folder.mkdir(parents=True)
        shutil.copy(nb, folder / nb.name)
        (folder / "timestamp.txt").write_text("2026-12-03 09:00:00.000000 UTC")
    return course


def grade(course: Path, jobs: int) -> dict:
    for made in ("runs", "autograded", "feedback"):
        shutil.rmtree(course / made, ignore_errors=True)
    start = time.perf_counter()
    r = subprocess.run([str(BIN / "python"), "-m", "adlab.autograde", "--jobs", str(jobs)],
                       cwd=course, env=env(), text=True, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    total = time.perf_counter() - start
    if r.returncode:
        sys.exit(f"grading failed:\n{r.stderr[-3000:]}")
    summary = json.loads((course / "runs" / "summary.json").read_text())
    subs = summary["submissions"]
    bad = [s["student"] for s in subs if s["points"] != s["max"] or s["max"] == 0]
    if bad:
        sys.exit(f"reference submissions not at full marks: {bad}")
    return {"total": total, "runs": summary["run_seconds"],
            "nbgrader": summary["nbgrader_seconds"],
            "each": sum(s["seconds"] for s in subs) / len(subs), "n": len(subs)}


def nbgrader_alone(course: Path, assignment: str) -> float:
    """nbgrader autograde with its own Execute step (no sandbox, no key), for comparison."""
    cfg = course / "nbgrader_config.py"
    ours = cfg.read_text()
    cfg.write_text("c = get_config()\nc.CourseDirectory.course_id = 'adlab'\n"
                   "c.Execute.timeout = 60\n")
    shutil.rmtree(course / "autograded", ignore_errors=True)
    try:
        start = time.perf_counter()
        r = subprocess.run([str(BIN / "nbgrader"), "autograde", assignment, "--force",
                            "--log-level=ERROR"], cwd=course, env=env(),
                           text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        seconds = time.perf_counter() - start
    finally:
        cfg.write_text(ours)
    return seconds if r.returncode == 0 else float("nan")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--students", type=int, default=20)
    p.add_argument("--assignment", default="q7_forward_and_reverse")
    p.add_argument("--jobs", type=int, nargs="*", default=[1, 2])
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="adlab-bench-grading-") as tmp:
        course = make_course(Path(tmp), args.assignment, args.students)
        print(f"{args.students} students, {args.assignment}, {os.cpu_count()} cores")
        print(f"{'jobs':>4}  {'sandboxed runs':>14}  {'s/submission':>12}  "
              f"{'nbgrader steps':>14}  {'end to end':>10}")
        rows = {}
        for jobs in args.jobs:
            r = rows[jobs] = grade(course, jobs)
            print(f"{jobs:>4}  {r['runs']:>12.1f} s  {r['each']:>10.2f} s  "
                  f"{r['nbgrader']:>12.1f} s  {r['total']:>8.1f} s")
        if 1 in rows and 2 in rows:
            print(f"speed-up of 2 jobs over 1: sandboxed runs {rows[1]['runs'] / rows[2]['runs']:.2f}x,"
                  f" end to end {rows[1]['total'] / rows[2]['total']:.2f}x")
        for jobs, r in rows.items():
            print(f"jobs={jobs}: {r['total'] / r['n']:.2f} s per submission end to end")
        plain = nbgrader_alone(course, args.assignment)
        print(f"peer: nbgrader autograde alone (own Execute, not isolated, no key): "
              f"{plain:.1f} s, {plain / args.students:.2f} s per submission")


if __name__ == "__main__":
    main()
