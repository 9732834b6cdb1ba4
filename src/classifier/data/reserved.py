"""Articles that nothing may train on: the false-alarm set and the real development set.

Reserved articles are refused by id in every source, and so is every *sentence* whose text
also appears in one of them: the same wire story runs at several outlets under other ids, so
an exclusion by id alone still let 87 sentences of the false-alarm set into the training data.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from classifier.errors import ConfigError
from classifier.text.documents import iter_documents


@dataclass
class ReservedSet:
    """One reserved set: articles in ``articles``, only those listed in ``ids`` if given."""

    name: str
    articles: Path
    ids: Path | None = None  # whitespace-separated ids; None = every article of the file


def read_id_file(path: Path) -> set[str]:
    """Whitespace-separated article ids."""
    if not path.exists():
        raise ConfigError(f"{path}: no such file (reserved ids)")
    return set(path.read_text(encoding="utf-8").split())


def normalise(text: str) -> str:
    """Case- and whitespace-insensitive form, so a re-spaced copy still matches."""
    return " ".join(text.casefold().split())


@dataclass
class Reserved:
    """Reserved article ids (with the set each belongs to) and their sentences' texts."""

    ids: dict[str, str] = field(default_factory=dict)  # article id -> reserved set name
    sentences: set[str] = field(default_factory=set)

    def holds(self, text: str) -> bool:
        """Whether a sentence with this text appears in a reserved article."""
        return normalise(text) in self.sentences

    def drop_sentences(self, rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], int]:
        """Rows whose text is not a reserved sentence, and how many were dropped."""
        kept = [row for row in rows if not self.holds(row["text"])]
        return kept, len(rows) - len(kept)


def load_reserved(sets: Iterable[ReservedSet], log: Any = print) -> Reserved:
    """Read every reserved set whose articles file exists; say so for one that does not."""
    reserved = Reserved()
    for spec in sets:
        if not spec.articles.exists():
            log(f"note: reserved set '{spec.name}' not found at {spec.articles}; not excluded")
            continue
        wanted = read_id_file(spec.ids) if spec.ids is not None else None
        for document in iter_documents([spec.articles]):
            if wanted is None or document.id in wanted:
                reserved.ids[document.id] = spec.name
                reserved.sentences.update(normalise(s.text) for s in document.sentences)
        missing = (wanted or set()) - reserved.ids.keys()
        if missing:
            raise ConfigError(
                f"reserved set '{spec.name}': {len(missing)} id(s) of {spec.ids} are not in "
                f"{spec.articles}, e.g. {sorted(missing)[0]}"
            )
    return reserved
