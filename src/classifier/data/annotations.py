"""Sentence annotations: keyed by article id, sentence index and a hash of the sentence text.

Annotation files are JSONL, one row per labelled sentence::

    {"article_id": "...", "sentence_index": 3, "sentence_hash": "…", "labels": ["exhortation"],
     "annotator": "gold-a", "note": "…"}

The hash ties a label to the exact text it was given for: if cleaning or splitting changes a
sentence, its old label is refused instead of silently attaching to different text.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

from classifier.errors import AnnotationError, InputError
from classifier.labels import validate_labels
from classifier.text.ingest import iter_jsonl_records

REQUIRED_FIELDS = ("article_id", "sentence_index", "sentence_hash", "labels")


def sentence_hash(text: str) -> str:
    """Stable 16-hex-digit hash of a sentence, insensitive to whitespace runs and NFC form."""
    canonical = re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()
    return hashlib.sha1(canonical.encode("utf-8")).hexdigest()[:16]


@dataclass
class Annotation:
    """The labels given to one sentence."""

    article_id: str
    sentence_index: int
    sentence_hash: str
    labels: list[str]
    annotator: str = ""
    note: str = ""
    family: str = ""  # the hard-case family a written sentence was made for (corpus v2)
    origin: str = ""  # file:line, for error messages

    @property
    def key(self) -> tuple[str, int]:
        """The (article id, sentence index) pair this annotation belongs to."""
        return (self.article_id, self.sentence_index)

    def to_json(self) -> str:
        """Serialise without the ``origin`` bookkeeping field."""
        row = asdict(self)
        row.pop("origin")
        if not row["family"]:
            row.pop("family")
        return json.dumps(row, ensure_ascii=False)


def parse_annotation(record: Mapping[str, object], origin: str) -> Annotation:
    """Validate one annotation record; raise with ``origin`` (file:line) on any problem."""
    missing = [name for name in REQUIRED_FIELDS if name not in record]
    if missing:
        raise AnnotationError(f"{origin}: missing field {missing[0]!r}")
    labels = record["labels"]
    if isinstance(labels, str):
        labels = [part for part in re.split(r"[;,|+\s]+", labels) if part]
    if not isinstance(labels, list):
        raise AnnotationError(f"{origin}: 'labels' must be a list of label ids")
    try:
        index = int(record["sentence_index"])  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise AnnotationError(f"{origin}: 'sentence_index' must be an integer") from None
    return Annotation(
        article_id=str(record["article_id"]),
        sentence_index=index,
        sentence_hash=str(record["sentence_hash"]),
        labels=validate_labels(labels, where=origin),
        annotator=str(record.get("annotator") or ""),
        note=str(record.get("note") or ""),
        family=str(record.get("family") or ""),
        origin=origin,
    )


def read_annotation_file(path: Path) -> list[Annotation]:
    """Read one annotation JSONL file."""
    if not path.exists():
        raise InputError(f"{path}: no such file or directory")
    return [parse_annotation(record, origin) for origin, record in iter_jsonl_records(path)]


def read_annotations(paths: Iterable[Path]) -> dict[tuple[str, int], Annotation]:
    """Read annotation files (or directories of ``*.jsonl``); refuse conflicting duplicates."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(path.glob("*.jsonl")))
        elif path.exists():
            files.append(path)
        else:
            raise InputError(f"{path}: no such file or directory")
    merged: dict[tuple[str, int], Annotation] = {}
    for file in files:
        for row in read_annotation_file(file):
            previous = merged.get(row.key)
            if previous and (previous.labels, previous.sentence_hash) != (
                row.labels,
                row.sentence_hash,
            ):
                raise AnnotationError(
                    f"{row.origin}: conflicts with {previous.origin} for sentence {row.key}"
                )
            merged[row.key] = row
    return merged


def check_hashes(
    annotations: Iterable[Annotation], sentence_texts: Mapping[tuple[str, int], str], limit: int = 5
) -> None:
    """Refuse annotations whose sentence is gone or whose hash no longer matches its text."""
    problems: list[str] = []
    for row in annotations:
        text = sentence_texts.get(row.key)
        if text is None:
            problems.append(f"{row.origin} {row.article_id}#{row.sentence_index}: no such sentence")
        elif sentence_hash(text) != row.sentence_hash:
            problems.append(
                f"{row.origin} {row.article_id}#{row.sentence_index}: hash {row.sentence_hash} "
                f"!= {sentence_hash(text)} ({text[:40]!r})"
            )
    if problems:
        shown = "; ".join(problems[:limit])
        more = f" (and {len(problems) - limit} more)" if len(problems) > limit else ""
        raise AnnotationError(
            f"{len(problems)} annotation(s) do not match the current sentences: {shown}{more}"
        )
