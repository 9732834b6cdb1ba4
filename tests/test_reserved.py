"""Reserved articles (false-alarm set, real dev set): refused by id, sentences kept out."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from classifier.config import load_config
from classifier.data.annotations import sentence_hash
from classifier.data.dataset import DataConfig, SourceConfig, collect_rows
from classifier.data.factsheets import FAMILIES
from classifier.data.reserved import ReservedSet, load_reserved, normalise
from classifier.errors import AnnotationError
from classifier.labels import LABEL_IDS
from classifier.text.documents import iter_documents
from helpers import ROOT, write_jsonl

SHARED_RESERVED = ROOT.parent / "shared" / "corpus" / "clickid" / "heldout_ids.txt"


def _project(tmp_path: Path, annotate_reserved: bool) -> DataConfig:
    reserved_text = "Pencuri motor ditangkap warga di pasar. Polisi menyita barang bukti."
    articles = [
        {"id": "res-1", "text": reserved_text},
        # The same wire sentence at another outlet, under another id.
        {"id": "ok-1", "text": "Polisi menyita barang bukti. Warga berkumpul di balai desa."},
    ]
    write_jsonl(tmp_path / "raw" / "articles.jsonl", articles)
    rows = []
    for document in iter_documents([tmp_path / "raw" / "articles.jsonl"]):
        if document.id == "res-1" and not annotate_reserved:
            continue
        for sentence in document.sentences:
            rows.append(
                {
                    "article_id": document.id,
                    "sentence_index": sentence.index,
                    "sentence_hash": sentence_hash(sentence.text),
                    "labels": [],
                }
            )
    write_jsonl(tmp_path / "ann" / "gold.jsonl", rows)
    (tmp_path / "reserved.txt").write_text("res-1\n", encoding="utf-8")
    return DataConfig(
        sources=[SourceConfig("news", tmp_path / "raw" / "articles.jsonl", tmp_path / "ann")],
        output_dir=tmp_path / "processed",
        reserved=[
            ReservedSet("held", tmp_path / "raw" / "articles.jsonl", tmp_path / "reserved.txt")
        ],
    )


def test_reserved_sentences_are_dropped_even_under_another_id(tmp_path: Path) -> None:
    rows, _ = collect_rows(_project(tmp_path, annotate_reserved=False), log=lambda _: None)
    assert [row["text"] for row in rows] == ["Warga berkumpul di balai desa."]


def test_annotating_a_reserved_article_is_refused(tmp_path: Path) -> None:
    with pytest.raises(AnnotationError, match=r"reserved \(held\), e\.g\. res-1"):
        collect_rows(_project(tmp_path, annotate_reserved=True), log=lambda _: None)


@pytest.fixture(scope="module")
def project_rows() -> list[dict]:
    """The rows `classifier prepare` builds from the project's own config."""
    assert SHARED_RESERVED.exists(), f"{SHARED_RESERVED} is missing: ../shared must sit beside"
    config = load_config(ROOT / "configs" / "data.yaml", DataConfig)
    return collect_rows(config, log=lambda _: None)[0]


def test_project_data_never_holds_a_reserved_sentence(project_rows: list[dict]) -> None:
    """What `classifier prepare` builds from the project's config holds no reserved sentence."""
    config = load_config(ROOT / "configs" / "data.yaml", DataConfig)
    assert [spec.ids.resolve() for spec in config.reserved if spec.ids] == [SHARED_RESERVED]
    reserved = load_reserved(config.reserved, log=lambda _: None)
    names = list(reserved.ids.values())
    assert names.count("false_alarm") == 586 and names.count("real_dev") == 6
    rows = project_rows
    assert not {row["article_id"] for row in rows} & reserved.ids.keys()
    assert not [row["text"] for row in rows if normalise(row["text"]) in reserved.sentences]


def test_corpus_v2_holds_what_it_promises(project_rows: list[dict]) -> None:
    """>= 15,000 gold sentences, >= 1,500 per label, >= 150 per family, >= 20,000 silver,
    and no written sentence text in two articles."""
    gold = [row for row in project_rows if not row["silver"]]
    assert len(gold) >= 15_000
    assert sum(row["silver"] for row in project_rows) >= 20_000
    for label in LABEL_IDS:
        assert sum(label in row["labels"] for row in gold) >= 1_500, label
    families = Counter(row["family"] for row in gold if row["family"])
    assert set(FAMILIES) <= set(families)
    assert min(families[name] for name in FAMILIES) >= 150
    written = [row for row in gold if row["source"] == "synthetic_v2"]
    assert len({row["article_id"] for row in written}) >= 1_200
    articles: dict[str, set[str]] = {}
    for row in written:
        articles.setdefault(normalise(row["text"]), set()).add(row["article_id"])
    assert not [text for text, ids in articles.items() if len(ids) > 1]
