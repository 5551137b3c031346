"""``python -m adlab.autograde``: grade every submission, isolated and in parallel (make autograde).

Run in the course folder (exercises/). For every ``submitted/<student>/<assignment>/``:

1. nbgrader generate_assignment for each assignment, and every student put in the
   gradebook;
2. each submission, JOBS at a time, with a progress line: run in the sandbox and judged by
   ``keys/<assignment>.py`` (adlab.autograde.run), then nbgrader autograde, which takes
   that run (adlab.autograde.nbgrader.IsolatedRun), and generate_feedback for that
   student (adlab.autograde.batch);
3. nbgrader export to grades.csv;
4. a summary table: each student's autograded points per assignment, and why any
   notebook stopped early.

It exits 0 when every submission was graded, whatever the students' code did, and
1 when a submission could not be graded (a missing key, a fault in a key or in nbgrader).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context
from pathlib import Path

from .batch import grade_submission, submissions


def _nbgrader(course: Path, *args: str, log) -> subprocess.CompletedProcess:
    bin_dir = Path(sys.executable).parent
    env = dict(os.environ)
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    res = subprocess.run([str(bin_dir / "nbgrader"), *args, "--log-level=WARN"], cwd=course,
                         env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    log.write(f"$ nbgrader {' '.join(args)}\n{res.stdout}\n")
    log.flush()
    return res


def _add_students(course: Path, students: list[str]) -> None:
    """Put every student in the gradebook first, so that parallel workers never race to."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        known = {st.id for st in gb.students}
        for st in students:
            if st not in known:
                gb.add_student(st)


class Progress:
    """One line: done/total, and the time left at the rate so far."""

    def __init__(self, total: int, jobs: int, stream=sys.stderr):
        self.total, self.jobs, self.stream = total, jobs, stream
        self.done, self.start, self.last = 0, time.monotonic(), 0.0
        self.tty = stream.isatty()

    def step(self, what: str) -> None:
        self.done += 1
        now = time.monotonic()
        elapsed = now - self.start
        left = elapsed / self.done * (self.total - self.done)
        line = (f"graded {self.done}/{self.total} submissions, {elapsed:.0f} s so far, "
                f"about {left:.0f} s left ({what})")
        if self.tty:
            self.stream.write("\r" + line[:150].ljust(150))
            if self.done == self.total:
                self.stream.write("\n")
        elif self.done == self.total or now - self.last >= 5 or self.done == 1:
            self.stream.write(line + "\n")
            self.last = now
        self.stream.flush()


def summary_table(results: list[dict], assignments: list[str]) -> str:
    """Students down, assignments across, autograded points of each."""
    students = sorted({r["student"] for r in results})
    cell = {(r["student"], r["assignment"]): r for r in results}
    short = [a.split("_")[0] for a in assignments]
    width = max([len("student")] + [len(s) for s in students])
    lines = ["autograded points (written answers are graded by hand in formgrader)",
             "  ".join([f"{'student':{width}}"] + [f"{s:>9}" for s in short] + ["    total"])]
    notes = []
    for s in students:
        row, got, most = [f"{s:{width}}"], 0.0, 0.0
        for a in assignments:
            r = cell.get((s, a))
            if r is None:
                row.append(f"{'-':>9}")
                continue
            mark = "*" if (r["notes"] or r["error"] or r["key_errors"]) else " "
            row.append(f"{r['points']:g}/{r['max']:g}{mark}".rjust(9))
            got, most = got + r["points"], most + r["max"]
            for n in r["notes"]:
                notes.append(f"  * {s}, {a}: {n}")
            for n in r["key_errors"]:
                notes.append(f"  * {s}, {a}: fault in the key: {n}")
            if r["error"]:
                notes.append(f"  * {s}, {a}: not graded: {r['error']}")
        row.append(f"{got:g}/{most:g}".rjust(9))
        lines.append("  ".join(row))
    if notes:
        lines += ["", "notes:"] + notes
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """The command line; returns the exit status."""
    from . import sandbox

    parser = argparse.ArgumentParser(prog="python -m adlab.autograde",
                                     description="Grade every submission, isolated, in parallel.")
    parser.add_argument("assignments", nargs="*", help="only these assignments (default: all)")
    parser.add_argument("--course", default=".", help="the course folder (default: here)")
    parser.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)),
                        help="submissions graded at once (default: the number of cores)")
    args = parser.parse_args(argv)
    course = Path(args.course).resolve()
    if not (course / "source").is_dir():
        print(f"{course} has no source/ folder: run this in the course folder (exercises/)",
              file=sys.stderr)
        return 2
    try:
        sandbox.check()
    except sandbox.SandboxUnavailable as err:
        print(f"cannot grade safely: {err}", file=sys.stderr)
        return 2
    todo = submissions(course, args.assignments)
    if not todo:
        print(f"nothing to grade: no submitted/<student>/<assignment>/ folders in {course}")
        return 0
    assignments = sorted({a for _, a in todo})
    missing = [a for a in assignments if not (course / "keys" / f"{a}.py").exists()]
    if missing:
        print(f"no key for {', '.join(missing)}: write keys/<assignment>.py (see "
              f"adlab.autograde.key)", file=sys.stderr)
        return 1
    log_path = course / "autograde.log"
    bad = []
    with open(log_path, "w") as log:
        print(f"Generating {len(assignments)} assignment(s) into the gradebook", file=sys.stderr)
        for a in assignments:
            res = _nbgrader(course, "generate_assignment", a, "--force", log=log)
            if res.returncode:
                print(f"nbgrader generate_assignment {a} failed; see {log_path}", file=sys.stderr)
                return 1
        students = sorted({st for st, _ in todo})
        try:
            _add_students(course, students)
        except Exception as err:
            print(f"could not put the students in the gradebook: {type(err).__name__}: {err}",
                  file=sys.stderr)
            return 1
        shutil.rmtree(course / "runs", ignore_errors=True)
        jobs = max(1, args.jobs)
        print(f"Grading {len(todo)} submission(s), {jobs} at a time, each in a sandbox",
              file=sys.stderr)
        progress = Progress(len(todo), jobs)
        t_runs = time.monotonic()
        results = []
        with ProcessPoolExecutor(jobs, mp_context=get_context("spawn")) as pool:
            futures = {pool.submit(grade_submission, str(course), s, a, True): (s, a)
                       for s, a in todo}
            for fut in as_completed(futures):
                s, a = futures[fut]
                try:
                    r = fut.result()
                except Exception as err:
                    r = {"student": s, "assignment": a, "points": 0.0, "max": 0.0, "notes": [],
                         "key_errors": [], "error": f"{type(err).__name__}: {err}",
                         "seconds": 0.0}
                log.write(r.pop("log", ""))
                results.append(r)
                progress.step(f"{s}, {a}")
        t_runs = time.monotonic() - t_runs
        t_export = time.monotonic()
        res = _nbgrader(course, "export", "--to", "grades.csv", log=log)
        if res.returncode:
            bad.append(f"nbgrader export failed; see {log_path}")
        t_export = time.monotonic() - t_export
    (course / "runs" / "summary.json").write_text(json.dumps(
        {"jobs": jobs, "wall_seconds": t_runs, "export_seconds": t_export,
         "submissions": results}, indent=1))
    print(summary_table(results, assignments))
    seconds = [r["seconds"] for r in results if r.get("seconds")]
    books = [r.get("nbgrader_seconds", 0.0) for r in results]
    if seconds:
        print(f"\n{len(results)} submissions: {sum(seconds) / len(seconds):.1f} s each in the "
              f"sandbox and {sum(books) / len(books):.1f} s in nbgrader, {t_runs:.1f} s for all "
              f"with {jobs} at a time, then {t_export:.1f} s to export; grades in "
              f"{course / 'grades.csv'}, feedback in {course / 'feedback'}")
    bad += [f"{r['student']}, {r['assignment']}: {r['error']}" for r in results if r["error"]]
    bad += [f"{r['student']}, {r['assignment']}: key fault: {e}" for r in results
            for e in r["key_errors"]]
    for line in bad:
        print(f"NOT GRADED: {line}", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
