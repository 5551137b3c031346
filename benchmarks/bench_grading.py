"""Grading throughput: seconds per submission, parallel jobs, and a class-size extrapolation.

A temporary copy of the course gets N students (default 20), each submitting the
reference solution of one assignment (default q7_forward_and_reverse), and
``python -m adlab.autograde`` grades them with --jobs 1 and then with --jobs 2.
For each it prints the wall time of the parallel phase (each submission run in its
sandbox, judged by the key, then recorded by nbgrader's autograde and given its
feedback page, all in one worker), the seconds of one submission in the sandbox and
in nbgrader, the final export, and the end-to-end time; then the speed-up of 2 jobs
over 1, and the time 4,000 submissions (a class of 500 with 8 assignments) would take
on 2, 16 and 64 cores by the model below. Every submission must score full marks, or
the benchmark stops.

Model: end to end = fixed + n x export per submission + n x core-seconds per
submission / (cores x efficiency), with the fixed part (start, generate_assignment,
the export's start-up, timed on a gradebook with no submission), the export's cost per
submission and the core-seconds per submission measured with 1 job, and the parallel efficiency measured with 2 jobs on this machine (assumed to hold
on more cores: each job is an independent process; the one shared resource is the
SQLite gradebook, written once per submission).

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
    return {"total": total, "wall": summary["wall_seconds"],
            "export": summary["export_seconds"],
            "each": sum(s["seconds"] for s in subs) / len(subs),
            "book": sum(s["nbgrader_seconds"] for s in subs) / len(subs), "n": len(subs)}


def export_seconds(course: Path) -> float:
    """The wall time of nbgrader export --to grades.csv on COURSE's gradebook."""
    start = time.perf_counter()
    subprocess.run([str(BIN / "nbgrader"), "export", "--to", "grades.csv", "--log-level=ERROR"],
                   cwd=course, env=env(), check=True, capture_output=True)
    return time.perf_counter() - start


def empty_export_seconds(base: Path, assignment: str) -> float:
    """nbgrader export on a gradebook with the assignment and no submission: its start-up."""
    course = make_course(base, assignment, 0)
    subprocess.run([str(BIN / "nbgrader"), "generate_assignment", assignment, "--force",
                    "--log-level=ERROR"], cwd=course, env=env(), check=True,
                   capture_output=True)
    return min(export_seconds(course) for _ in range(2))


def extrapolate(one: dict, two: dict, export0: float, submissions: int, cores: int) -> float:
    """Seconds for SUBMISSIONS on CORES by the model of the module docstring."""
    n = one["n"]
    fixed = one["total"] - one["wall"] - one["export"] + export0
    per_row = max(0.0, one["export"] - export0) / n
    core_seconds = one["wall"] / n
    efficiency = min(1.0, one["wall"] / (2 * two["wall"]))
    return fixed + submissions * per_row + submissions * core_seconds / (cores * efficiency)


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
        print(f"{'jobs':>4}  {'parallel phase':>14}  {'sandbox/sub':>11}  "
              f"{'nbgrader/sub':>12}  {'export':>7}  {'end to end':>10}  {'per sub':>8}")
        rows = {}
        for jobs in args.jobs:
            r = rows[jobs] = grade(course, jobs)
            print(f"{jobs:>4}  {r['wall']:>12.1f} s  {r['each']:>9.2f} s  {r['book']:>10.2f} s  "
                  f"{r['export']:>5.1f} s  {r['total']:>8.1f} s  {r['total'] / r['n']:>6.2f} s")
        if 1 in rows and 2 in rows:
            one, two = rows[1], rows[2]
            print(f"speed-up of 2 jobs over 1: parallel phase {one['wall'] / two['wall']:.2f}x, "
                  f"end to end {one['total'] / two['total']:.2f}x")
            with tempfile.TemporaryDirectory(prefix="adlab-bench-empty-") as empty:
                export0 = empty_export_seconds(Path(empty), args.assignment)
            print(f"nbgrader export: {export0:.1f} s with no submission (start-up), "
                  f"{one['export']:.1f} s with {one['n']}")
            print("4,000 submissions (500 students x 8 assignments), by the model:")
            for cores in (2, 16, 64):
                t = extrapolate(one, two, export0, 4000, cores)
                print(f"  {cores:>2} cores: {t / 60:6.1f} min  ({t * cores / 3600:.1f} core-hours)")
        plain = nbgrader_alone(course, args.assignment)
        print(f"peer: nbgrader autograde alone (own Execute, not isolated, no key): "
              f"{plain:.1f} s, {plain / args.students:.2f} s per submission")


if __name__ == "__main__":
    main()
