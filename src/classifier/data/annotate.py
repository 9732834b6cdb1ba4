"""The annotation round trip: export sentences for people to label, import their edits.

Export writes CSV or JSONL with the weak labels as suggestions and an empty ``labels`` column.
Import validates every row (known labels, matching sentence hashes) and merges the labelled
rows into an annotation JSONL file, atomically.
"""

from __future__ import annotations

import csv
import json
import random
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from classifier.data.annotations import (
    Annotation,
    parse_annotation,
    read_annotations,
    sentence_hash,
)
from classifier.data.weak import apply_functions, majority_vote
from classifier.errors import AnnotationError, InputError
from classifier.io_utils import atomic_path, check_writable_target
from classifier.labels import OTHER, display, from_multi_hot, validate_labels
from classifier.text.documents import Document, iter_documents, sentence_row
from classifier.text.ingest import iter_records
from classifier.text.legal import INSTRUMENT_TYPE, NAMED_INSTRUMENT

EXPORT_COLUMNS = (
    "article_id",
    "sentence_index",
    "sentence_hash",
    "text",
    "context_before",
    "context_after",
    "suggested",
    "labels",
    "annotator",
    "note",
)
SELECTIONS = ("all", "triggers", "uncertain")
EXPORT_FORMATS = {"csv": "csv", "jsonl": "jsonl", "label-studio": "json"}
UNCERTAINTY_COLUMNS = ("margin", "disagreement", "confidence")
# Words that make a sentence worth a person's time in off-topic news (see shared/corpus/clickid).
TRIGGERS = re.compile(
    r"\b(pelanggar\w*|melanggar|mengimbau|imbauan|diimbau|diminta|meminta|wajib|larangan|dilarang|"
    r"sanksi|teguran|dicopot|pasal|netral\w*|KPU|Bawaslu|kampanye|ASN|PNS|pemilu|pilkada|"
    # The instruments the rules and the summaries know.
    rf"{INSTRUMENT_TYPE}|{NAMED_INSTRUMENT})\b",
    re.IGNORECASE,
)


@dataclass
class ExportOptions:
    """Which sentences to export."""

    select: str = "all"  # "all", "triggers" or "uncertain" (needs models)
    max_per_article: int | None = None
    limit: int | None = None
    seed: int = 13
    skip_annotated: Path | None = None
    models: list[str] = field(default_factory=list)  # for "uncertain": URIs, first suggests
    format: str | None = None  # csv, jsonl or label-studio; default from the output's suffix

    def __post_init__(self) -> None:
        if self.select not in SELECTIONS:
            raise AnnotationError(
                f"--select must be one of {', '.join(SELECTIONS)}, got {self.select!r}"
            )
        if self.select == "uncertain" and not self.models:
            raise AnnotationError("--select uncertain needs --model URI (one or more)")
        if self.models and self.select != "uncertain":
            raise AnnotationError("--model is used by --select uncertain only")
        if self.format not in (None, *EXPORT_FORMATS):
            raise AnnotationError(
                f"--format must be one of {', '.join(EXPORT_FORMATS)}, got {self.format!r}"
            )


def _candidates(documents: Iterable[Document], options: ExportOptions) -> list[dict[str, Any]]:
    done: set[tuple[str, int]] = set()
    if options.skip_annotated is not None and options.skip_annotated.exists():
        done = set(read_annotations([options.skip_annotated]))
    rng = random.Random(options.seed)
    rows: list[dict[str, Any]] = []
    for document in documents:
        texts = [s.text for s in document.sentences]
        picked = [
            s
            for s in document.sentences
            if (document.id, s.index) not in done
            and (options.select != "triggers" or TRIGGERS.search(s.text))
        ]
        capped = options.select != "uncertain"  # uncertain: capped after ranking, not at random
        if capped and options.max_per_article is not None and len(picked) > options.max_per_article:
            picked = sorted(rng.sample(picked, options.max_per_article), key=lambda s: s.index)
        for s in picked:
            rows.append(
                sentence_row(
                    document.id,
                    s,
                    ("sentence_hash", "text"),
                    context_before=texts[s.index - 1] if s.index > 0 else "",
                    context_after=texts[s.index + 1] if s.index + 1 < len(texts) else "",
                )
            )
    if options.select == "uncertain":
        from classifier.data.active import score_with, select_uncertain

        models = score_with(options.models, [row["text"] for row in rows])
        return select_uncertain(rows, models, options.limit, options.max_per_article)
    if options.limit is not None and len(rows) > options.limit:
        rows = sorted(
            rng.sample(rows, options.limit), key=lambda r: (r["article_id"], r["sentence_index"])
        )
    return rows


def export_sentences(
    inputs: list[Path], output: Path, options: ExportOptions, overwrite: bool = False
) -> int:
    """Write sentences with suggestions to ``output``: .csv, .jsonl, or a .json list of Label
    Studio tasks with the suggestions as pre-annotations."""
    fmt = EXPORT_FORMATS[options.format] if options.format else _format(output, allow_tasks=True)
    check_writable_target(output, overwrite)
    rows = _candidates(iter_documents(inputs), options)
    if rows and options.select != "uncertain":  # uncertain rows carry the model's suggestion
        silver = majority_vote(apply_functions([row["text"] for row in rows]))
        for row, vector in zip(rows, silver, strict=True):
            row["suggested"] = display(from_multi_hot(vector))
    for row in rows:
        row.update(labels="", annotator="", note="")
    columns = EXPORT_COLUMNS + (UNCERTAINTY_COLUMNS if options.select == "uncertain" else ())
    with atomic_path(output) as tmp, tmp.open("w", encoding="utf-8", newline="") as handle:
        if fmt == "json":
            from classifier.data.label_studio import tasks

            json.dump(tasks(rows, _model_version(options)), handle, ensure_ascii=False, indent=1)
        elif fmt == "csv":
            writer = csv.DictWriter(handle, fieldnames=columns)
            writer.writeheader()
            writer.writerows(rows)
        else:
            for row in rows:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    return len(rows)


def _format(path: Path, allow_tasks: bool = False) -> str:
    suffix = path.suffix.lower()
    allowed = {".csv", ".jsonl", *((".json",) if allow_tasks else ())}
    if suffix == ".json" and not allow_tasks:
        return "json"  # a Label Studio export, read by _read_edited
    if suffix not in allowed:
        raise InputError(
            f"{path}: annotation files must be .csv, .jsonl or .json (Label Studio tasks)"
        )
    return suffix[1:]


def _model_version(options: ExportOptions) -> str:
    """What made the suggestions, as Label Studio's ``model_version``."""
    if options.select != "uncertain":
        return "classifier weak rules (majority vote)"
    from classifier.training.tracking import registered_version

    version = registered_version(options.models[0])
    return options.models[0] + (f" (version {version})" if version else "")


def _read_edited(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield (file:line, row) from an edited export, or (file:task N, row) from a Label
    Studio JSON export."""
    if _format(path) == "json":
        from classifier.data.label_studio import read_export

        yield from read_export(path)
    else:
        yield from iter_records(path, ("labels",))


def import_annotations(
    edited: Path,
    into: Path,
    articles: list[Path] | None = None,
    annotator: str | None = None,
) -> dict[str, int]:
    """Validate an edited export and merge its labelled rows into ``into``.

    A row with an empty ``labels`` cell is not annotated yet and is skipped; ``other`` means
    the empty set. Every problem names the file and line; nothing is written unless all pass.
    """
    check_writable_target(into)  # before any validation work, and never a traceback
    imported: list[Annotation] = []
    skipped = 0
    for origin, row in _read_edited(edited):
        labels = row.get("labels")
        if labels is None or (isinstance(labels, str) and not labels.strip()):
            skipped += 1
            continue
        if isinstance(labels, str) and labels.strip().casefold() == OTHER:
            row["labels"] = []
        text = row.get("text")
        if text and sentence_hash(text) != row.get("sentence_hash"):
            raise AnnotationError(f"{origin}: the sentence text was edited (hash mismatch)")
        if annotator:
            row["annotator"] = annotator
        imported.append(parse_annotation(row, origin))
    if articles:
        _check_against_corpus(imported, articles)
    existing = read_annotations([into]) if into.exists() else {}
    for row in imported:  # a re-import without an annotator keeps the one on record
        if not row.annotator and row.key in existing:
            row.annotator = existing[row.key].annotator
    changed = sum(1 for a in imported if a.key in existing and existing[a.key].labels != a.labels)
    added = sum(1 for a in imported if a.key not in existing)
    merged = {**existing, **{a.key: a for a in imported}}
    with atomic_path(into) as tmp, tmp.open("w", encoding="utf-8") as handle:
        for key in sorted(merged):
            handle.write(merged[key].to_json() + "\n")
    return {"imported": len(imported), "added": added, "changed": changed, "skipped": skipped}


def _check_against_corpus(imported: list[Annotation], articles: list[Path]) -> None:
    wanted = {a.article_id for a in imported}
    current = {
        (doc.id, s.index): sentence_hash(s.text)
        for doc in iter_documents(articles)
        if doc.id in wanted
        for s in doc.sentences
    }
    for a in imported:
        if current.get(a.key) != a.sentence_hash:
            problem = "no such sentence" if a.key not in current else "hash no longer matches"
            raise AnnotationError(f"{a.origin}: {a.article_id}#{a.sentence_index}: {problem}")


def _pieces_hashes(text: str, max_tokens: int = 120) -> dict[str, str]:
    """Hashes of every run of whole tokens in ``text`` (an old sentence is such a run)."""
    words = text.split()[:max_tokens]
    return {
        sentence_hash(" ".join(words[i:j])): " ".join(words[i:j])
        for i in range(len(words))
        for j in range(i + 1, len(words) + 1)
    }


def rekey_annotations(annotation_file: Path, articles: list[Path]) -> dict[str, Any]:
    """Re-align annotations after cleaning or splitting changed, using sentence hashes.

    Annotation files keep hashes, not texts, so old sentences are found by hashing: an
    unchanged sentence moves to its new index; a new sentence that merges old ones (found by
    hashing its runs of tokens) gets the union of their labels; an old sentence now split in
    several (found by hashing runs of consecutive new sentences) passes its labels to each
    part. Merged and split ones are marked ``needs review`` in the note.
    """
    existing = read_annotations([annotation_file])
    by_article: dict[str, list[Annotation]] = {}
    for row in existing.values():
        by_article.setdefault(row.article_id, []).append(row)
    rekeyed: dict[tuple[str, int], Annotation] = {}
    moved = review = 0
    lost: list[Annotation] = []
    for doc in iter_documents(articles):
        old_rows = by_article.pop(doc.id, [])
        if not old_rows:
            continue
        old = {row.sentence_hash: row for row in old_rows}
        used: set[str] = set()
        texts = [s.text for s in doc.sentences]

        def keep(
            index: int,
            labels: list[str],
            source: Annotation,
            note: str,
            article_id: str = doc.id,
            sentence_texts: list[str] = texts,
        ) -> None:
            rekeyed[(article_id, index)] = Annotation(
                article_id,
                index,
                sentence_hash(sentence_texts[index]),
                labels,
                source.annotator,
                note,
            )

        for s in doc.sentences:
            row = old.get(sentence_hash(s.text))
            if row is not None:
                moved += row.sentence_index != s.index
                used.add(row.sentence_hash)
                keep(s.index, row.labels, row, row.note)
        for s in doc.sentences:
            if (doc.id, s.index) in rekeyed:
                continue
            parts = [old[h] for h in _pieces_hashes(s.text) if h in old and h not in used]
            if parts:
                labels = validate_labels({label for r in parts for label in r.labels})
                keep(
                    s.index,
                    labels,
                    parts[0],
                    "needs review: merged from old sentences "
                    + ", ".join(str(r.sentence_index) for r in parts),
                )
                used.update(r.sentence_hash for r in parts)
                review += 1
                continue
            for width in range(2, 6):  # this sentence may be the start of an old one, now split
                joined = sentence_hash(" ".join(texts[s.index : s.index + width]))
                row = old.get(joined)
                if row is not None and joined not in used:
                    for index in range(s.index, min(s.index + width, len(texts))):
                        keep(
                            index,
                            row.labels,
                            row,
                            f"needs review: split from old sentence {row.sentence_index}",
                        )
                        review += 1
                    used.add(joined)
                    break
        lost += [r for r in old_rows if r.sentence_hash not in used]
    # Articles not among the inputs were not checked: their rows stay exactly as they were.
    unchecked = [r for rows in by_article.values() for r in rows]
    for row in unchecked:
        rekeyed[row.key] = row
    aside = annotation_file.with_name(annotation_file.stem + ".unmatched.jsonl")
    if lost:  # never silently delete labels: keep them aside for a person to re-attach
        previous = aside.read_text("utf-8") if aside.exists() else ""
        with atomic_path(aside) as tmp:
            tmp.write_text(previous + "".join(r.to_json() + "\n" for r in lost), "utf-8")
    with atomic_path(annotation_file) as tmp, tmp.open("w", encoding="utf-8") as handle:
        for key in sorted(rekeyed):
            handle.write(rekeyed[key].to_json() + "\n")
    return {
        "kept": len(rekeyed),
        "moved": moved,
        "needs_review": review,
        "unmatched": [f"{r.article_id}#{r.sentence_index}" for r in lost],
        "unchecked": len(unchecked),
        "aside": str(aside) if lost else None,
    }
