"""`make lab`: JupyterLab starts, and its kernels run code over Unix sockets without warnings.

The test runs the Makefile's own `lab` target (with LAB_EXTRA for a fixed port,
a token and no browser), with every Jupyter folder in tmp_path. It starts a
kernel through the REST API, runs ``1 + 1`` through the same websocket that
JupyterLab's notebooks use, and checks the kernel's connection file and the
server's log. The server and its kernels are stopped whatever happens.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from servers import free_port, isolated_jupyter, stop, tail

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "adlab-test-token"
START_SECONDS = 90   # until JupyterLab answers HTTP
KERNEL_SECONDS = 60  # until the kernel has answered 1 + 1


def _request(url: str, method: str = "GET", body: dict | None = None) -> dict | list:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Authorization": f"token {TOKEN}"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read() or b"null")


@pytest.fixture
def lab(tmp_path):
    """`make lab` on 127.0.0.1 with a token; yields (base url, runtime folder, log path)."""
    env, jupyter = isolated_jupyter(tmp_path)
    env.pop("MAKEFLAGS", None)
    env.pop("MFLAGS", None)
    port = free_port()
    extra = (f"--no-browser --port={port} --ServerApp.port_retries=0 --ServerApp.ip=127.0.0.1 "
             f"--IdentityProvider.token={TOKEN} --ServerApp.root_dir={tmp_path}")
    log = tmp_path / "lab.log"
    with open(log, "wb") as out:
        server = subprocess.Popen(["make", "--no-print-directory", "lab", f"LAB_EXTRA={extra}"],
                                  cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=out,
                                  stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            if server.poll() is not None:
                pytest.fail(f"make lab exited with {server.returncode}:\n{tail(log)}")
            try:
                _request(base + "/api/status")
                break
            except (OSError, urllib.error.HTTPError):
                if time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not answer within {START_SECONDS} s:\n{tail(log)}")
                time.sleep(0.25)
        yield base, jupyter["runtime"], log
    finally:
        stop(server, jupyter["runtime"])


async def _run_code(ws_url: str, code: str) -> str:
    """Send an execute_request over the kernel's websocket; returns the text/plain result."""
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    conn = await websocket_connect(HTTPRequest(ws_url, headers={"Authorization": f"token {TOKEN}"}))
    msg_id = uuid.uuid4().hex
    conn.write_message(json.dumps({
        "header": {"msg_id": msg_id, "username": "test", "session": uuid.uuid4().hex,
                   "msg_type": "execute_request", "version": "5.3"},
        "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
        "content": {"code": code, "silent": False, "store_history": False,
                    "user_expressions": {}, "allow_stdin": False, "stop_on_error": True}}))
    try:
        while True:
            raw = await conn.read_message()
            if raw is None:
                raise AssertionError("the kernel's websocket closed before the result came")
            msg = json.loads(raw)
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "execute_result":
                return msg["content"]["data"]["text/plain"]
            if msg["msg_type"] == "error":
                raise AssertionError(f"the kernel raised {msg['content']['ename']}")
    finally:
        conn.close()


def test_make_lab_kernels_run_over_unix_sockets_without_warnings(lab):
    base, runtime, log = lab
    kernel = _request(base + "/api/kernels", "POST", {"name": "python3"})
    ws_url = base.replace("http", "ws", 1) + f"/api/kernels/{kernel['id']}/channels"
    result = asyncio.run(asyncio.wait_for(_run_code(ws_url, "1 + 1"), KERNEL_SECONDS))
    assert result == "2"

    connection = json.loads((runtime / f"kernel-{kernel['id']}.json").read_text())
    assert connection["transport"] == "ipc"
    assert connection["ip"] == str(runtime / "adlab-kernel")
    sockets = sorted(p.name for p in runtime.glob("adlab-kernel-*"))
    assert len(sockets) == 5, sockets  # shell, iopub, stdin, control, heartbeat
    text = log.read_text(errors="replace")
    assert "without encryption" not in text and "Running as root" not in text
