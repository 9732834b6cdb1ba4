"""Active-learning export: the selected sentences are the least certain ones."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from classifier.data.active import ModelScores, select_uncertain
from helpers import assert_one_line_error, run_cli, write_jsonl

THRESHOLDS = np.full(4, 0.5)


def rows(n: int, articles: int = 3) -> list[dict]:
    return [
        {"article_id": f"a{i % articles}", "sentence_index": i, "text": f"s{i}"} for i in range(n)
    ]


def test_one_model_ranks_by_distance_to_the_thresholds() -> None:
    scores = np.array([[0.9, 0.1, 0.1, 0.1], [0.52, 0.1, 0.1, 0.1], [0.3, 0.1, 0.1, 0.1],
                       [0.1, 0.45, 0.1, 0.1], [0.0, 0.0, 0.0, 0.0], [0.6, 0.1, 0.1, 0.1]])  # fmt: skip
    picked = select_uncertain(rows(6), [ModelScores("m", scores, THRESHOLDS)], 3, None)
    assert [r["sentence_index"] for r in picked] == [1, 3, 5]  # margins 0.02, 0.05, 0.1
    assert picked[0]["suggested"] == "violation_reported" and picked[1]["suggested"] == "other"
    capped = select_uncertain(rows(6), [ModelScores("m", scores, THRESHOLDS)], None, 1)
    assert len({r["article_id"] for r in capped}) == len(capped) == 3  # one per article


def test_disagreement_between_models_comes_first() -> None:
    a = np.array([[0.9, 0, 0, 0], [0.51, 0, 0, 0], [0.8, 0.8, 0, 0]], dtype=float)
    b = np.array([[0.9, 0, 0, 0], [0.51, 0, 0, 0], [0.1, 0.1, 0, 0]], dtype=float)
    picked = select_uncertain(
        rows(3, 3), [ModelScores("a", a, THRESHOLDS), ModelScores("b", b, THRESHOLDS)], 3, None
    )
    assert [(r["sentence_index"], r["disagreement"]) for r in picked] == [(2, 2), (1, 0), (0, 0)]


def test_cli_exports_the_least_certain_sentences(model_dir: Path, tmp_path: Path) -> None:
    from classifier.inference.predictor import load_sentence_model
    from classifier.text.documents import iter_documents

    texts = [
        "Bawaslu menemukan ASN melanggar netralitas. Harga cabai naik. Bupati meminta ASN netral.",
        "Tidak ada pelanggaran ASN. Aturan dalam UU Nomor 20 Tahun 2023. Warga ramai di pasar.",
        "ASN diduga ikut kampanye. Panwascam masih mendalami laporan itu. Cuaca cerah.",
    ]
    source = write_jsonl(
        tmp_path / "a.jsonl", [{"id": f"x{i}", "text": t} for i, t in enumerate(texts)]
    )
    out = tmp_path / "tasks.jsonl"
    result = run_cli("annotate", "export", str(source), "-o", str(out), "--select", "uncertain",
                     "--model", str(model_dir), "--limit", "4")  # fmt: skip
    assert result.returncode == 0, result.stderr
    exported = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    model = load_sentence_model(str(model_dir))
    every = [s.text for d in iter_documents([source]) for s in d.sentences]
    margins = np.abs(model.predict_proba(every) - model.thresholds).min(axis=1)
    assert len(exported) == 4
    assert sorted(r["margin"] for r in exported) == sorted(np.round(np.sort(margins)[:4], 4))
    assert all(r["labels"] == "" for r in exported)
    no_model = run_cli("annotate", "export", str(source), "-o", str(out), "--select", "uncertain",
                       "--overwrite")  # fmt: skip
    assert_one_line_error(no_model, "--select uncertain needs --model")
