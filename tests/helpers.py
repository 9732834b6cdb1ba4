"""Helpers shared by the tests (fixtures live in conftest.py)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "data" / "raw" / "seeds"
SEED_GOLD = ROOT / "data" / "annotations" / "seed"
REFERENCE_SPLIT = ROOT / "tests" / "data" / "seed_reference_split.jsonl"


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    """Write ``rows`` as UTF-8 JSONL and return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return path


def run_cli(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``classifier ARGS`` in a subprocess, as a user would (``env`` adds variables)."""
    return subprocess.run(
        [sys.executable, "-m", "classifier.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        timeout=300,
    )


def free_port() -> int:
    """A local TCP port nothing listens on (yet)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def assert_one_line_error(result: subprocess.CompletedProcess[str], needle: str) -> None:
    """A non-zero exit and exactly one stderr line, ``error: ...`` containing ``needle``."""
    assert result.returncode != 0, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and needle in lines[0], result.stderr
