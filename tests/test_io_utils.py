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


def test_atomic_directory_replaces_whole_or_not_at_all(tmp_path: Path) -> None:
    from classifier.io_utils import atomic_directory

    target = tmp_path / "model"
    with atomic_directory(target) as tmp:
        (tmp / "a.txt").write_text("1", encoding="utf-8")
    with pytest.raises(RuntimeError), atomic_directory(target) as tmp:
        (tmp / "a.txt").write_text("half", encoding="utf-8")
        raise RuntimeError("interrupted")
    assert (target / "a.txt").read_text("utf-8") == "1"
    with atomic_directory(target) as tmp:
        (tmp / "b.txt").write_text("2", encoding="utf-8")
    assert sorted(p.name for p in target.iterdir()) == ["b.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]  # no temporaries left


def test_atomic_directory_accepts_a_complete_concurrent_winner(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import classifier.io_utils as io_utils

    target = tmp_path / "cache"
    real_replace = os.replace

    def another_process_wins(src: str | Path, dst: str | Path) -> None:
        if Path(dst) == target:  # someone else renamed a complete folder in first
            target.mkdir()
            (target / "done").write_text("x", encoding="utf-8")
            raise OSError(39, "Directory not empty")
        real_replace(src, dst)

    monkeypatch.setattr(io_utils.os, "replace", another_process_wins)
    with io_utils.atomic_directory(target, lambda p: (p / "done").exists()) as tmp:
        (tmp / "mine").write_text("y", encoding="utf-8")
    assert sorted(p.name for p in target.iterdir()) == ["done"]
    with pytest.raises(OSError), io_utils.atomic_directory(tmp_path / "other") as tmp:
        (tmp / "mine").write_text("y", encoding="utf-8")
        (tmp_path / "other").mkdir()
        (tmp_path / "other" / "x").write_text("z", encoding="utf-8")
        monkeypatch.setattr(io_utils.os, "replace", _raise_oserror)


def _raise_oserror(src: str | Path, dst: str | Path) -> None:
    raise OSError(39, "Directory not empty")
