"""Articles reserved for measuring false alarms on real off-topic news: nothing may train on them.

The reserved CLICK-ID articles are excluded by id, and so is every *sentence* whose text also
appears in one of them: the same wire story runs at several outlets under other ids, so an
exclusion by id alone still let 87 reserved sentences into the training data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from classifier.corpus import iter_documents
from classifier.errors import ConfigError


def read_id_file(path: Path) -> set[str]:
    """Whitespace-separated article ids (the reserved false-alarm articles)."""
    if not path.exists():
        raise ConfigError(f"{path}: no such file (reserved ids)")
    return set(path.read_text(encoding="utf-8").split())


@dataclass
class Reserved:
    """Reserved article ids and the normalised texts of their sentences."""

    ids: set[str] = field(default_factory=set)
    sentences: set[str] = field(default_factory=set)

    def holds(self, text: str) -> bool:
        """Whether a sentence with this text appears in a reserved article."""
        return normalise(text) in self.sentences

    def drop_sentences(self, rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], int]:
        """Rows whose text is not a reserved sentence, and how many were dropped."""
        kept = [row for row in rows if not self.holds(row["text"])]
        return kept, len(rows) - len(kept)


def normalise(text: str) -> str:
    """Case- and whitespace-insensitive form, so a re-spaced copy still matches."""
    return " ".join(text.casefold().split())


def load_reserved(ids_path: Path | None, articles_path: Path | None) -> Reserved:
    """Reserved ids, and the sentences of those articles found in ``articles_path``."""
    if ids_path is None:
        return Reserved()
    ids = read_id_file(ids_path)
    sentences: set[str] = set()
    if articles_path is not None:
        if not articles_path.exists():
            raise ConfigError(f"{articles_path}: no such file (reserved articles)")
        for document in iter_documents([articles_path]):
            if document.id in ids:
                sentences.update(normalise(s.text) for s in document.sentences)
    return Reserved(ids, sentences)
