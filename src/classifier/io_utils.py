"""Small file helpers: strict UTF-8 reading and atomic writes that never leave partial output."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from classifier.errors import InputError, OutputError

UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def read_utf8(path: Path) -> str:
    """Read a whole file as strict UTF-8, naming the byte offset and line of any bad byte."""
    if not path.exists():
        raise InputError(f"{path}: no such file or directory")
    if path.is_dir():
        raise InputError(f"{path}: is a directory, expected a file")
    data = path.read_bytes()
    if data[:2] in UTF16_BOMS:
        raise InputError(f"{path}: is UTF-16 (byte-order mark); save it as UTF-8")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(
            f"{path}: not valid UTF-8 at byte offset {exc.start} (line {line}): "
            f"{data[exc.start : exc.start + 1]!r}"
        ) from None
    # A BOM is an encoding artefact, not text.
    return text.removeprefix("\ufeff")


def check_writable_target(path: Path, overwrite: bool = True) -> None:
    """Fail early, before any work, if ``path`` cannot be created or must not be replaced."""
    parent = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise OutputError(f"{path}: is a directory; give a file path")
    if path.exists() and not overwrite:
        raise OutputError(f"{path}: already exists (pass --overwrite to replace it)")
    if path.exists() and not os.access(path, os.W_OK):
        raise OutputError(f"{path}: is read-only")
    probe = parent
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir() or not os.access(probe, os.W_OK):
        raise OutputError(f"{path}: directory {probe} is not writable")


_DEFAULT_FILE_MODE = 0o666


def _current_umask() -> int:
    """The process umask (read by setting it and restoring it: there is no getter)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary sibling of ``path``; rename it onto ``path`` only if the block succeeds.

    A failure or Ctrl-C inside the block removes the temporary file and leaves any existing
    ``path`` untouched, so readers never see a half-written file.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:  # a read-only file system, a file where a directory should be
        raise OutputError(f"{path}: cannot be written ({exc.strerror})") from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        # mkstemp makes the file private (0600); the output gets the usual umask-based mode.
        tmp.chmod(_DEFAULT_FILE_MODE & ~_current_umask())
        try:
            os.replace(tmp, path)
        except IsADirectoryError:
            raise OutputError(f"{path}: is a directory; give a file path") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def atomic_directory(
    path: Path, concurrent_winner_ok: Callable[[Path], bool] | None = None
) -> Iterator[Path]:
    """Like :func:`atomic_path` for a directory: build it aside, then swap it into place.

    With ``concurrent_winner_ok``, losing the final rename to another process that just put a
    directory there is fine when the callback says that directory is complete (two processes
    filling one shared cache at once, for instance).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    try:
        yield tmp
        tmp.chmod(0o777 & ~_current_umask())  # mkdtemp's 0700, as for atomic_path
        backup = path.with_name(f".{path.name}.old-{os.getpid()}")
        try:
            if path.exists():
                os.replace(path, backup)
            os.replace(tmp, path)
        except OSError:
            if concurrent_winner_ok is None or not concurrent_winner_ok(path):
                raise
            shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(backup, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
