"""``classifier prepare``: join articles and annotations into train/validation/test splits.

Splits are grouped by article (no article is in two splits), stratified on label and source
counts as far as grouping allows, and deterministic for a given seed.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from classifier.data.annotations import Annotation, check_hashes, read_annotations
from classifier.data.clickid_raw import read_raw_articles
from classifier.data.reserved import ReservedSet, load_reserved
from classifier.errors import AnnotationError, ConfigError
from classifier.io_utils import atomic_directory
from classifier.labels import LABEL_IDS
from classifier.text.documents import Document, iter_documents, process_article, sentence_row

SPLITS = ("train", "validation", "test")
# Columns added by corpus v2; rows built before it (or by hand in tests) are gold and untagged.
ROW_DEFAULTS = {"silver": False, "family": ""}
COLUMNS = (
    "id",
    "article_id",
    "sentence_index",
    "start",
    "end",
    "text",
    "labels",
    "source",
    "synthetic",
    "annotator",
    "silver",
    "family",
)


@dataclass
class SourceConfig:
    """One corpus source: where its articles and its annotations live."""

    name: str
    path: Path
    annotations: Path
    optional: bool = False  # absent path: build without it and say so
    synthetic: bool = False
    complete: bool = False  # every sentence of every article must be annotated
    # "articles" (txt/JSONL/CSV), "clickid_raw" (the raw xlsx/csv dataset) or "synth_drafts"
    # (corpus v2 drafts, built by classifier.data.synth_build)
    reader: str = "articles"
    silver: bool = False  # rule-made labels: training split only, never evaluated on

    def __post_init__(self) -> None:
        if self.reader not in READERS:
            raise ValueError(f"source '{self.name}': reader must be one of {sorted(READERS)}")


@dataclass
class SplitFractions:
    """Share of articles' sentences per split."""

    train: float = 0.7
    validation: float = 0.15
    test: float = 0.15

    def __post_init__(self) -> None:
        values = (self.train, self.validation, self.test)
        if any(value <= 0 for value in values) or abs(sum(values) - 1.0) > 1e-6:
            raise ValueError(f"split fractions must be positive and sum to 1, got {values}")


@dataclass
class DataConfig:
    """Config of ``classifier prepare``."""

    sources: list[SourceConfig]
    output_dir: Path = Path("data/processed")
    seed: int = 13
    split: SplitFractions = field(default_factory=SplitFractions)
    agreement_dir: Path | None = None  # second-pass labels, for the kappa table of the card
    # Articles nothing may train on (false-alarm set, real development set): refused in every
    # source, and so is every sentence that also appears in one of them.
    reserved: list[ReservedSet] = field(default_factory=list)

    def __post_init__(self) -> None:
        names = [source.name for source in self.sources]
        if not names:
            raise ValueError("at least one source is required")
        if len(set(names)) != len(names):
            raise ValueError(f"source names must be unique, got {names}")


@dataclass
class PreparedData:
    """Rows per split, plus what was skipped, for the CLI and the dataset card."""

    rows: dict[str, list[dict[str, Any]]]
    skipped_sources: list[str]
    config: DataConfig
    articles: dict[str, dict[str, Any]] = field(default_factory=dict)  # raw records by id


def collect_rows(
    config: DataConfig, log: Any = print, articles: dict[str, dict[str, Any]] | None = None
) -> tuple[list[dict[str, Any]], list[str]]:
    """Read every source, check annotations against the sentences, and return labelled rows.

    If ``articles`` is given, the raw record of every labelled article is stored in it.
    """
    rows: list[dict[str, Any]] = []
    skipped: list[str] = []
    reserved = load_reserved(config.reserved, log)
    for source in config.sources:
        if not source.path.exists():
            if source.optional:
                log(f"note: source '{source.name}' not found at {source.path}; building without it")
                skipped.append(source.name)
                continue
            raise ConfigError(f"source '{source.name}': {source.path}: no such file or directory")
        annotations = read_annotations([source.annotations]) if source.annotations.exists() else {}
        wanted = {article_id for article_id, _ in annotations}
        leaked = sorted(wanted & reserved.ids.keys())
        if leaked:
            raise AnnotationError(
                f"source '{source.name}': {len(leaked)} annotated article(s) are reserved "
                f"({reserved.ids[leaked[0]]}), e.g. {leaked[0]}: nothing may train on them"
            )
        texts: dict[tuple[str, int], str] = {}
        documents: list[Document] = []
        for document in READERS[source.reader](source, wanted):
            if document.id in reserved.ids:
                continue
            documents.append(document)
            texts.update({(document.id, s.index): s.text for s in document.sentences})
        check_hashes(annotations.values(), texts)
        if source.complete:
            _check_complete(source, documents, annotations)
        for document in documents:
            labelled = _rows_for(document, source, annotations)
            rows.extend(labelled)
            if articles is not None and labelled and document.raw is not None:
                raw = document.raw
                articles[document.id] = {
                    "id": raw.id,
                    "title": raw.title,
                    "date": raw.date,
                    "url": raw.url,
                    "source": source.name,
                    "text": raw.text,
                }
    rows, dropped = reserved.drop_sentences(rows)
    if dropped:
        log(f"dropped {dropped} sentences that also appear in reserved articles")
    return rows, skipped


def _read_articles(source: SourceConfig, wanted: set[str]) -> Iterator[Document]:
    for document in iter_documents([source.path], source=source.name):
        if source.complete or document.id in wanted:
            yield document


def _read_clickid_raw(source: SourceConfig, wanted: set[str]) -> Iterator[Document]:
    # Only annotated articles are cleaned and split: the raw dataset has ~21,900 of them.
    for raw in read_raw_articles(source.path):
        if raw.id in wanted:
            yield process_article(raw)


def _read_synth_drafts(source: SourceConfig, wanted: set[str]) -> Iterator[Document]:
    # Corpus v2 text lives in the writers' drafts; building them runs the project's cleaner and
    # splitter and refuses a draft whose sentences the splitter would merge, cut or drop.
    from classifier.data.synth_build import iter_built

    for built in iter_built([source.path]):
        yield built.document


READERS: dict[str, Callable[[SourceConfig, set[str]], Iterator[Document]]] = {
    "articles": _read_articles,
    "clickid_raw": _read_clickid_raw,
    "synth_drafts": _read_synth_drafts,
}


def _check_complete(
    source: SourceConfig, documents: list[Document], annotations: dict[tuple[str, int], Annotation]
) -> None:
    missing = [
        f"{doc.id}#{s.index}"
        for doc in documents
        for s in doc.sentences
        if (doc.id, s.index) not in annotations
    ]
    if missing:
        raise AnnotationError(
            f"source '{source.name}': {len(missing)} sentence(s) have no annotation in "
            f"{source.annotations}, e.g. {', '.join(missing[:5])}"
        )


def _rows_for(
    document: Document, source: SourceConfig, annotations: dict[tuple[str, int], Annotation]
) -> list[dict[str, Any]]:
    rows = []
    for sentence in document.sentences:
        note = annotations.get((document.id, sentence.index))
        if note is None:
            continue
        rows.append(
            {
                "id": f"{document.id}#{sentence.index}",
                **sentence_row(document.id, sentence, ("start", "end", "text")),
                "labels": list(note.labels),
                "source": source.name,
                "synthetic": source.synthetic,
                "annotator": note.annotator,
                "silver": source.silver,
                "family": note.family,
            }
        )
    return rows


def grouped_split(
    rows: list[dict[str, Any]], fractions: SplitFractions, seed: int
) -> dict[str, list[dict[str, Any]]]:
    """Train/validation/test by article (see :func:`grouped_partition`); silver rows train only."""
    shares = {"train": fractions.train, "validation": fractions.validation, "test": fractions.test}
    parts = grouped_partition([row for row in rows if not row.get("silver")], shares, seed)
    parts["train"].extend(row for row in rows if row.get("silver"))
    return parts


def grouped_partition(
    rows: list[dict[str, Any]], shares: dict[str, float], seed: int
) -> dict[str, list[dict[str, Any]]]:
    """Assign whole articles to splits, balancing label and source counts greedily.

    Articles are visited largest first (ties in seeded random order); each goes to the split
    whose remaining need, weighted over its label, source and size counts, is largest.
    """
    by_article: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_article.setdefault(row["article_id"], []).append(row)
    dims = [*LABEL_IDS, "other", *sorted({row["source"] for row in rows}), "_size"]

    def profile(article_rows: list[dict[str, Any]]) -> Counter[str]:
        counts: Counter[str] = Counter(_size=len(article_rows))
        for row in article_rows:
            counts.update(list(row["labels"]) or ["other"])
            counts[row["source"]] += 1
        return counts

    profiles = {article: profile(rows_) for article, rows_ in by_article.items()}
    totals: Counter[str] = sum(profiles.values(), Counter())
    parts = list(shares)
    need = {part: {d: shares[part] * totals[d] for d in dims} for part in parts}
    rng = random.Random(seed)
    order = sorted(by_article)
    rng.shuffle(order)
    order.sort(key=lambda article: -profiles[article]["_size"])
    assigned: dict[str, list[dict[str, Any]]] = {part: [] for part in parts}
    for position, article in enumerate(order):
        counts = profiles[article]
        empty = [part for part in parts if not assigned[part]]
        # Guarantee every part gets an article while enough articles remain.
        must_fill = empty and len(order) - position <= len(empty)
        candidates = empty if must_fill else parts

        def score(split: str, counts: Counter[str] = counts) -> float:
            return sum(counts[d] * need[split][d] / max(totals[d], 1) for d in dims)

        best = max(candidates, key=lambda split: (score(split), shares[split]))
        assigned[best].extend(by_article[article])
        for d in dims:
            need[best][d] -= counts[d]
    for part in parts:
        assigned[part].sort(key=lambda row: (row["article_id"], row["sentence_index"]))
    return assigned


def prepare(config: DataConfig, log: Any = print) -> PreparedData:
    """Build the splits in memory (nothing is written)."""
    articles: dict[str, dict[str, Any]] = {}
    rows, skipped = collect_rows(config, log, articles)
    if not rows:
        raise AnnotationError("no annotated sentences found in any source")
    return PreparedData(grouped_split(rows, config.split, config.seed), skipped, config, articles)


def to_dataset_dict(prepared: PreparedData) -> Any:
    """The splits as a Hugging Face ``DatasetDict``."""
    import datasets

    features = datasets.Features(
        {
            "id": datasets.Value("string"),
            "article_id": datasets.Value("string"),
            "sentence_index": datasets.Value("int32"),
            "start": datasets.Value("int32"),
            "end": datasets.Value("int32"),
            "text": datasets.Value("string"),
            "labels": datasets.Sequence(datasets.Value("string")),
            "source": datasets.Value("string"),
            "synthetic": datasets.Value("bool"),
            "annotator": datasets.Value("string"),
            "silver": datasets.Value("bool"),
            "family": datasets.Value("string"),
        }
    )
    return datasets.DatasetDict(
        {
            split: datasets.Dataset.from_list(
                [{**ROW_DEFAULTS, **row} for row in prepared.rows[split]], features=features
            )
            for split in SPLITS
        }
    )


def write_prepared(prepared: PreparedData, card: str) -> Path:
    """Write the parquet splits and the dataset card atomically into ``output_dir``."""
    output_dir = prepared.config.output_dir
    dataset_dict = to_dataset_dict(prepared)
    with atomic_directory(output_dir) as tmp:
        for split, dataset in dataset_dict.items():
            dataset.to_parquet(str(tmp / f"{split}.parquet"))
        (tmp / "README.md").write_text(card, encoding="utf-8")
        # The test-split articles, raw, for trying prediction on articles no model trained on.
        test_ids = dict.fromkeys(row["article_id"] for row in prepared.rows["test"])
        with (tmp / "test_articles.jsonl").open("w", encoding="utf-8") as handle:
            for article_id in test_ids:
                if article_id in prepared.articles:
                    handle.write(
                        json.dumps(prepared.articles[article_id], ensure_ascii=False) + "\n"
                    )
    return output_dir


def load_splits(directory: Path | str = "data/processed") -> Any:
    """Load the prepared parquet splits back as a ``DatasetDict``."""
    import datasets

    directory = Path(directory)
    files = {split: str(directory / f"{split}.parquet") for split in SPLITS}
    for file in files.values():
        if not Path(file).exists():
            raise ConfigError(f"{file}: missing; run 'classifier prepare' first")
    return datasets.load_dataset("parquet", data_files=files)
