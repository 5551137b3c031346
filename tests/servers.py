"""Helpers for tests that start a Jupyter server (Voila, JupyterLab) and its kernels."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tail(path: Path, n: int = 40) -> str:
    """The last n lines of a log file, for failure messages."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return "(no log)"


def processes_mentioning(text: str) -> list[int]:
    """Pids whose command line contains text (the kernels of one test's runtime dir)."""
    pids = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if text.encode() in (proc / "cmdline").read_bytes():
                pids.append(int(proc.name))
        except (OSError, ValueError):
            continue
    return [p for p in pids if p != os.getpid()]


def isolated_jupyter(folder: Path) -> tuple[dict, dict]:
    """Environment variables that put every Jupyter folder under `folder`.

    No user config or kernels are read, and the "python3" kernel is this
    interpreter (the venv's), whatever else is installed.
    Returns:
        (env, dirs): the environment for the server, and the folders by name
        (config, data, runtime, path, ipython).
    """
    dirs = {name: folder / name for name in ("config", "data", "runtime", "path", "ipython")}
    for d in dirs.values():
        d.mkdir()
    kernel_dir = dirs["path"] / "kernels" / "python3"
    kernel_dir.mkdir(parents=True)
    (kernel_dir / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (adlab test)", "language": "python"}))
    env = dict(os.environ,
               JUPYTER_CONFIG_DIR=str(dirs["config"]), JUPYTER_NO_CONFIG="1",
               JUPYTER_DATA_DIR=str(dirs["data"]), JUPYTER_RUNTIME_DIR=str(dirs["runtime"]),
               JUPYTER_PATH=str(dirs["path"]), JUPYTER_PLATFORM_DIRS="1",
               IPYTHONDIR=str(dirs["ipython"]), PYTHONUNBUFFERED="1")
    env.pop("JUPYTER_PREFER_ENV_PATH", None)
    return env, dirs


def stop(server: subprocess.Popen, runtime: Path):
    """Stop the server's process group, then any kernel it left (kernels run in their own session)."""
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)
    deadline = time.monotonic() + 5
    while (pids := processes_mentioning(str(runtime))) and time.monotonic() < deadline:
        time.sleep(0.2)
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
