"""Read raw articles from a directory of ``.txt`` files, a ``.txt`` file, JSONL or CSV.

Readers stream: they yield one :class:`RawArticle` at a time so that memory stays bounded
whatever the input size. Every malformed input raises :class:`InputError` naming the file and
the line (or byte offset). A problem confined to one record is a :class:`RecordError`, which a
caller may set aside with ``on_reject`` instead of stopping the whole batch.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from classifier.errors import InputError, RecordError
from classifier.io_utils import UTF16_BOMS, read_utf8

ARTICLE_FIELDS = ("id", "text", "title", "date", "url", "source")
SUFFIX_FORMATS = {".txt": "txt", ".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv"}


@dataclass
class RawArticle:
    """An article as read, before cleaning."""

    id: str
    text: str
    title: str | None = None
    date: str | None = None
    url: str | None = None
    source: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    origin: str = ""  # "file" or "file:line", for error messages


def detect_format(path: Path) -> str:
    """Return ``txt``, ``jsonl`` or ``csv`` for a file."""
    fmt = SUFFIX_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(
            f"{path}: unknown input format {path.suffix!r} (expected .txt, .jsonl or .csv)"
        )
    return fmt


Reject = Callable[[RecordError], None]


def read_articles(
    paths: Iterable[Path | str], default_source: str | None = None, on_reject: Reject | None = None
) -> Iterator[RawArticle]:
    """Yield articles from every path in turn, checking ids are unique across all of them.

    A bad record raises its :class:`RecordError`, or is passed to ``on_reject`` and skipped.
    """
    seen: dict[str, str] = {}
    for raw_path in paths:
        path = Path(raw_path)
        if not path.exists():
            raise InputError(f"{path}: no such file or directory")
        count = 0
        for article in _read_path(path):
            count += 1
            if not isinstance(article, RecordError) and article.id in seen:
                article = RecordError(
                    article.origin,
                    f"duplicate article id {article.id!r} (first seen at {seen[article.id]})",
                )
            if isinstance(article, RecordError):
                if on_reject is None:
                    raise article
                on_reject(article)
                continue
            if article.source is None:
                article.source = default_source
            seen[article.id] = article.origin
            yield article
        if count == 0:
            raise InputError(f"{path}: contains no articles")


def _read_path(path: Path) -> Iterator[RawArticle | RecordError]:
    """A file by its suffix; a directory as every supported file in it, in name order."""
    if not path.is_dir():
        readers = {"txt": _read_txt, "jsonl": _read_jsonl, "csv": _read_csv}
        yield from readers[detect_format(path)](path)
        return
    files = sorted(p for p in path.iterdir() if p.suffix.lower() in SUFFIX_FORMATS)
    if not files:
        raise InputError(f"{path}: directory contains no .txt, .jsonl or .csv files")
    for file in files:
        yield from _read_path(file)


def _read_txt(path: Path) -> Iterator[RawArticle | RecordError]:
    text = read_utf8(path)
    if not text.strip():
        yield RecordError(str(path), "empty article")
    else:
        yield RawArticle(id=path.stem, text=text, origin=str(path))


def _iter_utf8_lines(path: Path) -> Iterator[tuple[int, str | RecordError]]:
    """Yield (line number, decoded line); a line with invalid UTF-8 comes as a RecordError
    naming its byte offset (and UTF-16, whose byte-order mark a UTF-8 reader cannot take)."""
    offset = 0
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if number == 1 and raw[:2] in UTF16_BOMS:
                raise InputError(f"{path}: is UTF-16 (byte-order mark); save it as UTF-8")
            try:
                line: str | RecordError = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                line = RecordError(
                    f"{path}:{number}", f"not valid UTF-8 at byte offset {offset + exc.start}"
                )
            offset += len(raw)
            if number == 1 and isinstance(line, str):
                line = line.removeprefix("\ufeff")
            yield number, line


def _article_from_record(record: dict[str, Any], origin: str) -> RawArticle | RecordError:
    text = record.get("text")
    if text is None:
        return RecordError(origin, "record has no 'text' field")
    if not isinstance(text, str):
        return RecordError(origin, f"'text' must be a string, not {type(text).__name__}")
    if not text.strip():
        return RecordError(origin, "empty article text")
    article_id = record.get("id")
    if article_id is None or str(article_id).strip() == "":
        return RecordError(origin, "record has no 'id' field")
    known = {key: record.get(key) for key in ("title", "date", "url", "source")}
    meta = {key: value for key, value in record.items() if key not in ARTICLE_FIELDS}
    return RawArticle(
        id=str(article_id),
        text=text,
        **{key: (str(value) if value not in (None, "") else None) for key, value in known.items()},
        meta=meta,
        origin=origin,
    )


def iter_jsonl_records(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield (``file:line``, object) for each non-blank JSONL line; bad lines raise InputError."""
    for origin, record in _jsonl_objects(path):
        if isinstance(record, RecordError):
            raise record
        yield origin, record


def _jsonl_objects(path: Path) -> Iterator[tuple[str, dict[str, Any] | RecordError]]:
    for number, line in _iter_utf8_lines(path):
        origin = f"{path}:{number}"
        if isinstance(line, RecordError):
            yield origin, line
            continue
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield origin, RecordError(origin, f"not valid JSON ({exc.msg})")
            continue
        if not isinstance(record, dict):
            yield (
                origin,
                RecordError(origin, f"expected a JSON object, got {type(record).__name__}"),
            )
            continue
        yield origin, record


def _read_jsonl(path: Path) -> Iterator[RawArticle | RecordError]:
    for origin, record in _jsonl_objects(path):
        yield record if isinstance(record, RecordError) else _article_from_record(record, origin)


def iter_csv_records(
    path: Path, required: Sequence[str] = (), why: str = ""
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield (``file:line``, row) from a CSV file that must have the ``required`` columns."""
    # Decode line by line so a bad byte is reported with its offset, then let csv parse.
    reader = csv.DictReader(_LineStream(_strict_lines(path)))
    if reader.fieldnames is None:
        raise InputError(f"{path}: empty CSV file")
    for column in required:
        if column not in reader.fieldnames:
            columns = ", ".join(reader.fieldnames)
            hint = ""
            if len(reader.fieldnames) == 1 and ";" in reader.fieldnames[0]:
                hint = "; the header is split by ';': save the file comma-separated"
            raise InputError(
                f"{path}: CSV has no '{column}' column{why} (columns: {columns}){hint}"
            )
    for row in reader:
        # line_num is the reader's physical line at the end of this record.
        yield f"{path}:{reader.line_num}", dict(row)


def iter_records(
    path: Path, required: Sequence[str] = (), why: str = ""
) -> Iterator[tuple[str, dict[str, Any]]]:
    """(``file:line``, record) from JSONL or CSV, chosen by the file's suffix."""
    if not path.exists():
        raise InputError(f"{path}: no such file or directory")
    fmt = detect_format(path)
    if fmt == "jsonl":
        return iter_jsonl_records(path)
    if fmt == "csv":
        return iter_csv_records(path, required, why)
    raise InputError(f"{path}: expected a .jsonl or .csv file")


def _strict_lines(path: Path) -> Iterator[str]:
    # A CSV record may span lines, so a bad byte stops the file rather than one record.
    for _, line in _iter_utf8_lines(path):
        if isinstance(line, RecordError):
            raise line
        yield line


def _read_csv(path: Path) -> Iterator[RawArticle | RecordError]:
    for origin, row in iter_csv_records(path, ("text", "id")):
        yield _article_from_record(row, origin)


class _LineStream(io.TextIOBase):
    """Adapt an iterator of lines into the file-like object ``csv`` expects."""

    def __init__(self, lines: Iterator[str]) -> None:
        self._lines = lines

    def __iter__(self) -> Iterator[str]:
        return self._lines

    def __next__(self) -> str:
        return next(self._lines)
