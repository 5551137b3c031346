"""Run one submitted notebook in the sandbox and judge its test cells outside it.

`grade_notebook` is the whole of one submission's grading: it copies the
submission into a fresh work folder, writes the key's hidden inputs there,
starts a kernel inside the sandbox (adlab.autograde.sandbox), runs the cells
one by one with a time limit per cell and per notebook, reads the answers the
test cells recorded, and asks the key (adlab.autograde.key) for each test
cell's verdict. The kernel never sees the key or the expected values, and what
it prints or displays is not part of the verdict: a test cell scores by its
recorded answers, and 0 when it raised, ran out of time or never ran.

The returned notebook has the student's outputs in their own cells and, in
each test cell, only the verdict, written so that nbgrader's grade rules
(no output: full points; an error: none; a number: partial) give the verdict's
points. This module imports nbclient and jupyter_client; ``import adlab`` does
not load it.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import html
import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from .key import Answers, BadAnswer, Key, Missing, Verdict
from .sandbox import Limits, Sandbox

GRADING_DIR = ".adlab-grading"
KERNEL_DIR = ".kernel"
MAX_RECORDS_BYTES = 20 * 1024 ** 2
VERDICT_MIME = "application/vnd.adlab.verdict+json"


def is_test_cell(cell) -> bool:
    """An nbgrader autograder-test cell: code, graded, not a solution."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell.get("cell_type") == "code" and bool(meta.get("grade")) and not meta.get("solution")


def grade_id(cell) -> str | None:
    """The cell's nbgrader grade_id, or None."""
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def seed_for(student: str, assignment: str) -> int:
    """The seed of a submission's hidden inputs: the same student and assignment, the same inputs."""
    digest = hashlib.sha256(f"{assignment}/{student}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


@dataclass
class Run:
    """What running one notebook produced.

    Attributes:
        nb: the notebook with outputs (test cells carry only their verdicts
            once `apply_verdicts` has run).
        status: cell index -> "ok", "error", "timeout" or "not run" (code cells).
        stopped: why the notebook stopped early, or "".
        records: answer name -> recorded data (the last record of each name).
        verdicts: grade_id -> (points earned, points possible, Verdict).
        seconds: wall-clock time of the run.
    """

    nb: object
    status: dict = field(default_factory=dict)
    stopped: str = ""
    records: dict = field(default_factory=dict)
    verdicts: dict = field(default_factory=dict)
    seconds: float = 0.0
    key_errors: list = field(default_factory=list)

    def score(self) -> tuple[float, float]:
        """(points earned, points possible) over the autograded test cells."""
        return (sum(v[0] for v in self.verdicts.values()),
                sum(v[1] for v in self.verdicts.values()))


def _kernel_env(work: Path, grading: Path) -> dict:
    """The kernel's whole environment: nothing of the grader's own is passed on."""
    from .sandbox import kernel_python

    venv_bin = str(Path(kernel_python()).parent)
    return {
        "PATH": f"{venv_bin}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(work),
        "LANG": "C.UTF-8",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": str(work / ".matplotlib"),
        "IPYTHONDIR": str(work / ".ipython"),
        "JUPYTER_CONFIG_DIR": str(work / ".jupyter"),
        "JUPYTER_DATA_DIR": str(work / ".local"),
        "JUPYTER_RUNTIME_DIR": str(work / KERNEL_DIR),
        "PYTHONDONTWRITEBYTECODE": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        "ADLAB_GRADING": str(grading),
    }


def _read_records(path: Path) -> dict:
    """name -> data from records.jsonl; malformed lines are skipped."""
    records: dict = {}
    if not path.is_file():
        return records
    with open(path, "rb") as fh:
        raw = fh.read(MAX_RECORDS_BYTES)
    for line in raw.decode("utf-8", "replace").splitlines():
        try:
            item = json.loads(line)
        except ValueError:
            continue
        if isinstance(item, dict) and isinstance(item.get("name"), str) and "value" in item:
            records[item["name"]] = item["value"]
    return records


async def _execute(nb, box: Sandbox | None, work: Path, env: dict, limits: Limits) -> Run:
    """Run NB's code cells in a kernel (inside BOX unless None); return the Run."""
    from jupyter_client import AsyncKernelManager
    from jupyter_client.kernelspec import KernelSpecManager
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    from .sandbox import kernel_python

    run = Run(nb)
    kdir = work / KERNEL_DIR
    kdir.mkdir(exist_ok=True)
    specs = Path(tempfile.mkdtemp(prefix="adlab-kspec-"))
    try:
        argv = [kernel_python(), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
        if box is not None:
            argv = box.wrap(argv)
        (specs / "adlab-graded").mkdir()
        (specs / "adlab-graded" / "kernel.json").write_text(json.dumps({
            "argv": argv, "display_name": "adlab (graded)", "language": "python",
            "interrupt_mode": "message", "env": {}}))
        ksm = KernelSpecManager(kernel_dirs=[str(specs)])
        km = AsyncKernelManager(kernel_name="adlab-graded", kernel_spec_manager=ksm,
                                transport="ipc", ip=str(kdir / "k"),
                                connection_file=str(kdir / "kernel.json"))
        km.write_connection_file()
        if box is not None:
            box.prepare()
        start = time.monotonic()
        deadline = start + limits.notebook_seconds
        await km.start_kernel(cwd=str(work), env=env)
        client = NotebookClient(nb, km=km, timeout=limits.cell_seconds, allow_errors=True,
                                interrupt_on_timeout=False, startup_timeout=60,
                                record_timing=False)
        replies = {}

        def on_executed(cell, cell_index, execute_reply):
            replies[cell_index] = (execute_reply or {}).get("content", {}).get("status")

        client.on_cell_executed = on_executed
        try:
            await client.async_start_new_kernel_client()
            count = 0
            code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
            for pos, index in enumerate(code):
                cell = nb.cells[index]
                left = deadline - time.monotonic()
                if left <= 0:
                    run.stopped = (f"the notebook ran past its limit of "
                                   f"{limits.notebook_seconds:.0f} s")
                    break
                client.timeout = max(1, int(min(limits.cell_seconds, left)))
                count += 1
                try:
                    await client.async_execute_cell(cell, index, execution_count=count)
                    run.status[index] = "ok" if replies.get(index) == "ok" else "error"
                except CellTimeoutError:
                    run.status[index] = "timeout"
                    cell.outputs.append(_error_output(
                        "TimeoutError", f"this cell ran longer than {client.timeout} s and was "
                        f"interrupted"))
                    await km.interrupt_kernel()
                    if not await _responds(client.kc, 5.0):   # it ignored the interrupt
                        run.stopped = (f"cell {index + 1} ran past {client.timeout} s and did not "
                                       f"stop when interrupted, so the kernel was stopped")
                        break
                except DeadKernelError:
                    run.status[index] = "error"
                    run.stopped = (f"the kernel died in cell {index + 1} (it exited, was killed "
                                   f"or ran out of its {limits.memory_bytes // 1024 ** 3} GB "
                                   f"of memory)")
                    break
        finally:
            try:
                client.kc.stop_channels()
            except Exception:
                pass
            try:
                await km.shutdown_kernel(now=True)
            except Exception:   # the client may have shut it down already
                if km.has_kernel:
                    await km.provisioner.kill()
            run.seconds = time.monotonic() - start
        for index in code:
            run.status.setdefault(index, "not run")
        return run
    finally:
        shutil.rmtree(specs, ignore_errors=True)


async def _responds(kc, seconds: float) -> bool:
    """Whether the kernel answers a silent execution (queued behind any running one) in time."""
    from queue import Empty

    msg_id = kc.execute("", silent=True, store_history=False)
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        try:
            reply = await kc.get_shell_msg(timeout=left)
        except Empty:
            return False
        if reply.get("parent_header", {}).get("msg_id") == msg_id:
            return True
    return False


def _error_output(ename: str, evalue: str):
    from nbformat.v4 import new_output

    return new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


def _zero_with_key_answer(reason: str, key: Key, gid: str, answers: Answers, run: Run) -> Verdict:
    """0 points for a test cell that did not run clean, with what the key can still say.

    The key still judges what the cell recorded before it stopped, so the feedback shows what
    was wrong and the key's own answer (its HTML, such as adlab's table), never any points.
    """
    check = key.checks.get(gid)
    if check is None:
        return Verdict(0.0, reason)
    try:
        said = check(answers)
    except (Missing, BadAnswer):
        return Verdict(0.0, reason)
    except Exception as err:    # a fault of the key, not of the student
        run.key_errors.append(f"{gid}: {type(err).__name__}: {err}")
        return Verdict(0.0, reason)
    if not isinstance(said, Verdict):
        return Verdict(0.0, reason)
    message = reason + (f"\n{said.message}" if said.fraction < 1 and said.message else "")
    return Verdict(0.0, message, said.html)


def judge(run: Run, nb_source_ids: set | None, key: Key, inputs: dict) -> None:
    """Fill RUN.verdicts: each test cell's points from the key, or 0 when it did not run clean."""
    answers = Answers(run.records, inputs)
    for index, cell in enumerate(run.nb.cells):
        if not is_test_cell(cell):
            continue
        gid = grade_id(cell)
        points = float(cell.metadata["nbgrader"].get("points", 0))
        status = run.status.get(index, "not run")
        if status != "ok":
            reason = {"timeout": "this cell ran out of time",
                      "not run": "this cell never ran: " + (run.stopped or "an earlier stop"),
                      }.get(status, "this cell raised an error" + _last_error(cell))
            verdict = _zero_with_key_answer(reason, key, gid, answers, run)
        elif gid not in key.checks:
            run.key_errors.append(f"the key has no check for test cell {gid!r}")
            verdict = Verdict(0.0, f"no check for {gid} in the key: tell your instructor")
        else:
            try:
                verdict = key.checks[gid](answers)
                if not isinstance(verdict, Verdict):
                    raise TypeError(f"check {gid} returned {type(verdict).__name__}, "
                                    f"not a Verdict")
            except (Missing, BadAnswer) as err:
                verdict = Verdict(0.0, str(err))
            except Exception as err:    # a fault of the key, not of the student
                run.key_errors.append(f"{gid}: {type(err).__name__}: {err}")
                verdict = Verdict(0.0, f"this check failed inside the grader ({type(err).__name__})"
                                       f": tell your instructor")
        run.verdicts[gid] = (round(verdict.fraction * points, 6), points, verdict)


def _last_error(cell) -> str:
    for out in reversed(cell.get("outputs", [])):
        if out.get("output_type") == "error":
            text = f"{out.get('ename', '')}: {out.get('evalue', '')}".strip(": ")
            return f" ({text[:300]})" if text else ""
    return ""


# nbgrader's feedback page gives tables no padding; the key's tables need some to be read
VERDICT_STYLE = ("<style>.adlab-verdict table{border-collapse:collapse;margin:0.3em 0}"
                 ".adlab-verdict th,.adlab-verdict td{padding:2px 12px 2px 4px;"
                 "text-align:left;vertical-align:top}"
                 ".adlab-verdict tr:nth-child(even){background:#f5f5f5}</style>")


def apply_verdicts(run: Run) -> None:
    """Replace every test cell's outputs by its verdict, in nbgrader's terms."""
    from nbformat.v4 import new_output

    for cell in run.nb.cells:
        if not is_test_cell(cell):
            continue
        got, points, verdict = run.verdicts[grade_id(cell)]
        body = html.escape(verdict.message).replace("\n", "<br>")
        summary = f"{got:g} of {points:g} points"
        data = {"text/plain": f"{summary}: {verdict.message}",
                "text/html": (f"<div class='adlab-verdict'><p><b>{summary}.</b> {body}</p>"
                              f"{VERDICT_STYLE if verdict.html else ''}{verdict.html}</div>"),
                VERDICT_MIME: {"points": got, "max": points, "message": verdict.message}}
        if got >= points:
            outs = [new_output("display_data", data=data)]
        elif got <= 0:
            outs = [new_output("display_data", data=data),
                    _error_output("Failed", verdict.message.splitlines()[0] if verdict.message
                                  else "wrong")]
        else:   # nbgrader reads a number in an execute_result as partial credit
            data["text/plain"] = f"{got:g}"
            outs = [new_output("execute_result", data=data, execution_count=None)]
        cell.outputs = outs
    if run.stopped:
        from nbformat.v4 import new_markdown_cell

        note = new_markdown_cell(f"**Grading stopped early:** {run.stopped}. The test cells "
                                 f"after that point score 0.")
        note.metadata["adlab_grading_note"] = True
        run.nb.cells.insert(0, note)


def grade_notebook(nb, key: Key, *, student: str, assignment: str, files: Path | None = None,
                   sandbox: bool = True, limits: Limits | None = None,
                   scratch: Path | None = None) -> Run:
    """Run NB (test cells already restored) isolated, and judge it with KEY.

    Args:
        nb: the notebook (nbformat node); it is copied, not changed.
        key: the assignment's key.
        student, assignment: name the submission (and seed its hidden inputs).
        files: the submission's folder, whose other files are copied beside the notebook.
        sandbox: run the kernel in the sandbox (False only for trusted notebooks,
            e.g. the reference solutions in tests).
        limits: the caps (adlab.autograde.sandbox.Limits).
        scratch: where to make the work folder (default: the system's temporary folder).
    Returns:
        The Run, with verdicts applied to its notebook.
    """
    limits = limits or Limits()
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    job = Path(tempfile.mkdtemp(prefix="adlab-grade-", dir=scratch))
    try:
        os.chmod(job, 0o711)
        work = job / "work"
        if files is not None and Path(files).is_dir():
            shutil.copytree(files, work, symlinks=False,
                            ignore=shutil.ignore_patterns("*.ipynb", ".ipynb_checkpoints"))
        work.mkdir(exist_ok=True)
        grading = work / GRADING_DIR
        grading.mkdir()
        inputs = key.inputs(seed_for(student, assignment))
        (grading / "inputs.json").write_text(json.dumps(inputs))
        box = Sandbox(work, limits) if sandbox else None
        if box is not None:
            box.prepare()
        run = asyncio.run(_execute(nb, box, work, _kernel_env(work, grading), limits))
        run.records = _read_records(grading / "records.jsonl")
        judge(run, None, key, inputs)
        apply_verdicts(run)
        return run
    finally:
        shutil.rmtree(job, ignore_errors=True)
