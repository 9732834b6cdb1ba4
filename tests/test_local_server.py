"""Local server helpers: waiting for a server to answer, and stopping it with its children."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from classifier.errors import ServerError
from classifier.scale.local_server import free_port, stop, wait_until_answering


def _start(command: list[str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def test_waits_for_a_server_then_stops_it(tmp_path: Path) -> None:
    port = free_port()
    command = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]
    server = _start(command, tmp_path / "log")
    try:
        wait_until_answering(server, f"http://127.0.0.1:{port}/", timeout=30)
    finally:
        stop(server, grace=5)
    assert server.returncode is not None


def test_a_server_that_exits_is_an_error_with_its_last_output_line(tmp_path: Path) -> None:
    log = tmp_path / "log"
    server = _start([sys.executable, "-c", "print('starting'); print('bad flag'); exit(4)"], log)
    with pytest.raises(ServerError, match=r"server exited \(4\): bad flag"):
        wait_until_answering(server, f"http://127.0.0.1:{free_port()}/", timeout=30, log=log)


def test_a_server_that_never_answers_times_out(tmp_path: Path) -> None:
    server = _start([sys.executable, "-c", "import time; time.sleep(60)"], tmp_path / "log")
    try:
        with pytest.raises(ServerError, match="did not answer within 2 s: no output"):
            wait_until_answering(server, f"http://127.0.0.1:{free_port()}/", timeout=2)
    finally:
        stop(server, grace=5)
    assert server.returncode is not None
