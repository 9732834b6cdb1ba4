"""Evaluation on real news: real-dev metrics and false alarms on off-topic articles."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from classifier.data.annotations import sentence_hash
from classifier.labels import LABEL_IDS
from classifier.text.documents import iter_documents
from classifier.training.real_eval import RealNewsConfig, false_alarm_metrics, real_news_metrics
from helpers import write_jsonl

VIOLATION = LABEL_IDS.index("violation_reported")


def flag_word(word: str, label: int):
    def predict(texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), len(LABEL_IDS)), dtype=np.int8)
        out[:, label] = [word in t for t in texts]
        return out

    return predict


def test_false_alarms_count_articles_and_topical_labels(tmp_path: Path) -> None:
    write_jsonl(
        tmp_path / "off.jsonl",
        [
            {"id": "a", "text": "Foto artis itu diduga palsu. Warga ramai membahasnya."},
            {"id": "b", "text": "Harga cabai naik di pasar. Pedagang mengeluh sepi pembeli."},
        ],
    )
    documents = list(iter_documents([tmp_path / "off.jsonl"]))
    metrics = false_alarm_metrics(flag_word("diduga", VIOLATION), documents)
    assert metrics["falsealarm_article_rate"] == 0.5
    assert metrics["falsealarm_topical_per_1000"] == 250.0  # 1 label in 4 sentences


def test_real_dev_is_scored_against_hash_checked_labels(tmp_path: Path) -> None:
    write_jsonl(
        tmp_path / "real.jsonl",
        [{"id": "r1", "text": "Bawaslu menemukan pelanggaran ASN. Cuaca cerah hari itu."}],
    )
    document = next(iter_documents([tmp_path / "real.jsonl"]))
    gold = [
        {
            "article_id": "r1",
            "sentence_index": s.index,
            "sentence_hash": sentence_hash(s.text),
            "labels": ["violation_reported"] if s.index == 0 else [],
        }
        for s in document.sentences
    ]
    write_jsonl(tmp_path / "gold.jsonl", gold)
    config = RealNewsConfig(
        real_dev_articles=tmp_path / "real.jsonl",
        real_dev_labels=tmp_path / "gold.jsonl",
        false_alarm_articles=tmp_path / "absent.jsonl",
        false_alarm_ids=tmp_path / "absent.txt",
    )
    notes: list[str] = []
    right = real_news_metrics(flag_word("pelanggaran", VIOLATION), config, 1, notes.append)
    wrong = real_news_metrics(flag_word("Cuaca", VIOLATION), config, 1, notes.append)
    assert right["realdev_f1_violation_reported"] == 1.0
    assert wrong["realdev_f1_violation_reported"] == 0.0
    # Only violation_reported is present in gold: macro-F1 over present labels is its F1.
    assert right["realdev_macro_f1_present"] == 1.0
    assert wrong["realdev_support_exhortation"] == 0.0
    assert wrong["realdev_predicted_violation_reported"] == 1.0
    assert "falsealarm_article_rate" not in right
    assert any("false-alarm articles not found" in note for note in notes)


def test_compare_shows_real_dev_and_false_alarms_beside_the_test_split() -> None:
    from types import SimpleNamespace

    from classifier.training.promotion import comparison_table

    metrics = {"test_macro_f1": 0.9, "realdev_macro_f1": 0.612, "falsealarm_article_rate": 0.176}
    metrics |= {f"realdev_f1_{label}": 0.25 for label in LABEL_IDS}
    metrics |= {"realdev_support_no_violation": 0.0, "realdev_predicted_no_violation": 3.0}
    run = SimpleNamespace(
        data=SimpleNamespace(metrics=metrics, tags={"model_kind": "tfidf"}),
        info=SimpleNamespace(run_id="abcdef123456"),
    )
    header, _, row = comparison_table([run]).splitlines()
    cells = dict(zip(header.strip("| ").split(" | "), row.strip("| ").split(" | "), strict=True))
    assert cells["real-dev macro-F1"] == "0.612"
    assert cells["real-dev F1 exhortation"] == "0.250"
    assert cells["real-dev F1 no_violation"] == "n/a (3 predicted)"
    assert cells["off-topic articles flagged"] == "17.6%"
