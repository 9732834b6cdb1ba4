"""Local server processes (``mlflow server``, ``mlflow models serve``): a free port, waiting
until one answers, and stopping it together with the workers it forked.

Start such servers with ``start_new_session=True`` so that :func:`stop` reaches their workers.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

from classifier.errors import ServerError


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_answering(
    process: subprocess.Popen[bytes], url: str, timeout: float, log: Path | None = None
) -> None:
    """Poll ``url`` until it answers 200; ServerError if the process exits or time runs out.

    The error ends with the last line of ``log`` (the server's output), which usually says why.
    """
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise ServerError(f"server exited ({process.returncode}): {last_line(log)}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass  # not listening yet
        if time.monotonic() > deadline:
            raise ServerError(f"{url} did not answer within {timeout:.0f} s: {last_line(log)}")
        time.sleep(1)


def stop(process: subprocess.Popen[bytes], grace: float = 20) -> None:
    """SIGTERM the process group, then SIGKILL it if it is still there after ``grace`` s."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=grace)


def last_line(log: Path | None) -> str:
    """The last non-empty line of a log file, or a placeholder."""
    if log is None or not log.exists():
        return "no output"
    return (log.read_text("utf-8", "replace").strip().splitlines() or ["no output"])[-1]
