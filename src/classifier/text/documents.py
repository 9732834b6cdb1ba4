"""Ingest, clean and split in one streaming step: raw articles in, sentence-split documents out."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from classifier.errors import RecordError
from classifier.text.clean import CleanedArticle, clean_article
from classifier.text.ingest import RawArticle, Reject, read_articles
from classifier.text.sentences import Sentence, split_sentences


@dataclass
class Document:
    """A cleaned article with its sentences (offsets index into ``article.text``)."""

    article: CleanedArticle
    sentences: list[Sentence]
    origin: str
    raw: RawArticle | None = None  # the article as read, for writing it back out unchanged

    @property
    def id(self) -> str:
        """The article id."""
        return self.article.id


def process_article(raw: RawArticle) -> Document:
    """Clean and split one article; an article with no text left is an input error."""
    cleaned = clean_article(raw)
    sentences = split_sentences(cleaned.text)
    if not sentences:
        raise RecordError(raw.origin, f"article {raw.id!r} has no text left after cleaning")
    return Document(cleaned, sentences, raw.origin, raw)


def iter_documents(
    paths: Iterable[Path | str], source: str | None = None, on_reject: Reject | None = None
) -> Iterator[Document]:
    """Stream documents from input paths (``.txt`` files or directories, JSONL, CSV).

    A bad record (including one with no text left after cleaning) raises its
    :class:`RecordError`, or is passed to ``on_reject`` and skipped.
    """
    for raw in read_articles(paths, default_source=source, on_reject=on_reject):
        try:
            yield process_article(raw)
        except RecordError as exc:
            if on_reject is None:
                raise
            on_reject(exc)


SENTENCE_FIELDS = ("start", "end", "text", "sentence_hash")


def sentence_row(
    article_id: str, sentence: Sentence, fields: tuple[str, ...] = (), **extra: Any
) -> dict[str, Any]:
    """The row every step writes for one sentence: ``article_id`` and ``sentence_index``, then
    the chosen ``fields`` (of ``start``, ``end``, ``text``, ``sentence_hash``) in that order,
    then ``extra``. One builder, so the key names and hashes agree across outputs."""
    row: dict[str, Any] = {"article_id": article_id, "sentence_index": sentence.index}
    for name in fields:
        if name not in SENTENCE_FIELDS:
            raise ValueError(f"unknown sentence field {name!r}")
        if name == "sentence_hash":
            from classifier.data.annotations import sentence_hash

            row[name] = sentence_hash(sentence.text)
        else:
            row[name] = getattr(sentence, name)
    row.update(extra)
    return row


def write_sentences(inputs: Iterable[Path | str], output: Path, overwrite: bool = False) -> int:
    """``classifier split``: one JSONL row per sentence (offsets and hash), written atomically;
    return the number of sentences."""
    import json

    from classifier.io_utils import atomic_path, check_writable_target

    check_writable_target(output, overwrite)
    count = 0
    with atomic_path(output) as tmp, tmp.open("w", encoding="utf-8") as handle:
        for document in iter_documents(inputs):
            for sentence in document.sentences:
                row = sentence_row(document.id, sentence, SENTENCE_FIELDS)
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
                count += 1
    return count
