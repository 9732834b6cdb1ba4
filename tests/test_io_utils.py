"""Atomic outputs: renamed into place only on success, with the usual file modes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from classifier.io_utils import atomic_directory, atomic_path


def test_atomic_path_output_has_umask_mode_not_private(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        with atomic_path(tmp_path / "out.jsonl") as tmp:
            tmp.write_text("x\n", encoding="utf-8")
        with atomic_directory(tmp_path / "outdir") as tmp_dir:
            (tmp_dir / "part-0").write_text("x\n", encoding="utf-8")
    finally:
        os.umask(old)
    assert (tmp_path / "out.jsonl").stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "outdir").stat().st_mode & 0o777 == 0o755


def test_atomic_path_failure_keeps_previous_output(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    target.write_text("previous\n", encoding="utf-8")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half", encoding="utf-8")
        raise RuntimeError("injected")
    assert target.read_text("utf-8") == "previous\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.jsonl"]
