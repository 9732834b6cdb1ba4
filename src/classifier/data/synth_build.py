"""Turn sentence-labelled article drafts into raw synthetic articles plus gold annotations.

Writers draft each synthetic article as paragraphs of labelled sentences. This module joins
them into article text, runs the project's own cleaning and sentence splitter on it, and
aligns the split sentences with the drafted ones. A draft whose sentences the splitter would
merge, cut or drop is refused with the article and sentence named, so every label attaches
to exactly the sentence it was written for. Draft format (JSONL, one article a line)::

    {"sheet_id": "wire-0007", "title": "...", "date": "2024-01-18", "outlet": "...",
     "paragraphs": [[{"text": "...", "labels": ["exhortation"], "family": "exhortation_hard"},
                     ...], ...]}

A drafted sentence with ``"family": "boilerplate"`` (a "Baca juga" link, a byline) is expected
to be removed by cleaning; it is never labelled.

``python -m classifier.data.synth_build DRAFTS... [--check] [--annotations F] [--articles F]``

``prepare`` reads the drafts directly (reader ``synth_drafts`` in ``configs/data.yaml``); the
annotations file written here is the starting gold, which the blind pass and audits then edit.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from classifier.data.factsheets import FAMILIES
from classifier.errors import ClassifierError, InputError
from classifier.io_utils import atomic_path
from classifier.labels import validate_labels
from classifier.text.documents import Document, process_article, sentence_row
from classifier.text.ingest import RawArticle, iter_jsonl_records

FAMILY_NAMES = frozenset(FAMILIES) | {"plain", "boilerplate"}
ID_PREFIX = "syn2-"


@dataclass
class BuiltArticle:
    """One synthetic article, its cleaned and split document, and its gold annotation rows."""

    article: dict[str, object]
    annotations: list[dict[str, object]]
    document: Document


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _draft_sentences(draft: dict, origin: str) -> list[tuple[int, dict]]:
    paragraphs = draft.get("paragraphs")
    if not isinstance(paragraphs, list) or not paragraphs:
        raise InputError(f"{origin}: 'paragraphs' must be a non-empty list of sentence lists")
    rows: list[tuple[int, dict]] = []
    for p_index, paragraph in enumerate(paragraphs):
        if not isinstance(paragraph, list) or not paragraph:
            raise InputError(f"{origin}: paragraph {p_index} must be a non-empty list")
        for sentence in paragraph:
            if not isinstance(sentence, dict) or not isinstance(sentence.get("text"), str):
                raise InputError(f"{origin}: paragraph {p_index} has a sentence without 'text'")
            family = sentence.get("family", "plain")
            if family not in FAMILY_NAMES:
                raise InputError(f"{origin}: unknown family {family!r}")
            if family != "boilerplate":
                validate_labels(list(sentence.get("labels", [])), where=origin)
            rows.append((p_index, sentence))
    return rows


def build_article(draft: dict, origin: str) -> BuiltArticle:
    """Build one draft; raise :class:`InputError` when split sentences do not match the draft."""
    sheet_id = draft.get("sheet_id")
    if not isinstance(sheet_id, str) or not sheet_id:
        raise InputError(f"{origin}: missing 'sheet_id'")
    article_id = ID_PREFIX + sheet_id
    drafted = _draft_sentences(draft, origin)
    paragraphs: dict[int, list[str]] = {}
    for p_index, sentence in drafted:
        paragraphs.setdefault(p_index, []).append(_norm(sentence["text"]))
    text = "\n\n".join(" ".join(parts) for parts in paragraphs.values())
    meta = {key: value for key, value in draft.items() if key not in ("paragraphs", "sheet_id")}
    raw = RawArticle(
        id=article_id,
        text=text,
        title=draft.get("title"),
        date=draft.get("date"),
        source="synthetic_v2",
        meta={key: value for key, value in meta.items() if key not in ("title", "date")},
        origin=origin,
    )
    document = process_article(raw)
    annotations: list[dict[str, object]] = []
    cursor = 0
    for sentence in document.sentences:
        wanted = _norm(sentence.text)
        start = cursor
        while cursor < len(drafted) and _norm(drafted[cursor][1]["text"]) != wanted:
            if drafted[cursor][1].get("family") != "boilerplate":
                raise InputError(
                    f"{origin} {article_id}: the splitter read {wanted[:70]!r} where the draft "
                    f"has {_norm(drafted[start][1]['text'])[:70]!r}; make each drafted sentence "
                    "one sentence the splitter agrees with"
                )
            cursor += 1
        if cursor == len(drafted):
            raise InputError(f"{origin} {article_id}: split sentence {wanted[:70]!r} not in draft")
        source = drafted[cursor][1]
        if source.get("family") == "boilerplate":
            raise InputError(
                f"{origin} {article_id}: boilerplate {wanted[:60]!r} survived cleaning"
            )
        annotations.append(
            sentence_row(
                article_id,
                sentence,
                ("sentence_hash",),
                labels=sorted(source.get("labels", [])),
                annotator="gold-v2",
                note=str(source.get("note", "")),
                family=source.get("family", "plain"),
            )
        )
        cursor += 1
    leftover = [s for _, s in drafted[cursor:] if s.get("family") != "boilerplate"]
    if leftover:
        raise InputError(f"{origin} {article_id}: draft sentence {leftover[0]['text'][:60]!r} lost")
    article = {"id": article_id, **meta, "synthetic": True, "source": "synthetic", "text": text}
    return BuiltArticle(article, annotations, document)


def iter_built(paths: Sequence[Path]) -> Iterator[BuiltArticle]:
    """Build every draft in the given JSONL files (or directories of them), in order."""
    seen: set[str] = set()
    for path in paths:
        files = sorted(path.glob("*.jsonl")) if path.is_dir() else [path]
        for file in files:
            for origin, record in iter_jsonl_records(file):
                built = build_article(record, origin)
                if built.article["id"] in seen:
                    raise InputError(f"{origin}: duplicate sheet_id {record['sheet_id']!r}")
                seen.add(str(built.article["id"]))
                yield built


def _write_jsonl(path: Path, rows: list[dict[str, object]]) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    """Check drafts, or build them into an articles file and an annotations file."""
    parser = argparse.ArgumentParser(description="Build synthetic article drafts")
    parser.add_argument("drafts", nargs="+", type=Path)
    parser.add_argument("--check", action="store_true", help="validate only, write nothing")
    parser.add_argument("--articles", type=Path)
    parser.add_argument("--annotations", type=Path)
    args = parser.parse_args(argv)
    try:
        built = list(iter_built(args.drafts))
    except ClassifierError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    sentences = sum(len(b.annotations) for b in built)
    print(f"{len(built)} articles, {sentences} labelled sentences: OK")
    if args.check:
        return 0
    if args.annotations is None:
        parser.error("--annotations is required unless --check")
    _write_jsonl(args.annotations, [row for b in built for row in b.annotations])
    if args.articles is not None:  # the built article text, for reading it outside prepare
        _write_jsonl(args.articles, [b.article for b in built])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
