"""Training plots and tables: files written, counts right, PNGs real."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np

from classifier.labels import LABEL_IDS
from classifier.training.plots import (
    misclassified_table,
    write_confusion_matrices,
    write_pr_curves,
    write_reliability_diagrams,
    write_report,
)

LABELS = np.array([[1, 0, 0, 0], [0, 1, 0, 1], [0, 0, 1, 0], [1, 0, 1, 0], [0, 0, 0, 0]])
SCORES = np.array(
    [
        [0.9, 0.1, 0.2, 0.1],
        [0.2, 0.8, 0.1, 0.7],
        [0.6, 0.1, 0.9, 0.2],
        [0.4, 0.2, 0.7, 0.1],
        [0.1, 0.3, 0.2, 0.6],
    ]
)
PREDICTED = (SCORES >= 0.5).astype(int)


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", header[16:24])


def test_confusion_matrices_count_each_cell(tmp_path: Path) -> None:
    png, data = write_confusion_matrices(LABELS, PREDICTED, tmp_path)
    counts = json.loads(data.read_text("utf-8"))
    # violation_reported: rows 0 (tp), 2 (fp), 3 (fn), 1 and 4 (tn).
    assert counts["violation_reported"] == {"tn": 2, "fp": 1, "fn": 1, "tp": 1}
    assert counts["legal_citation"] == {"tn": 3, "fp": 1, "fn": 0, "tp": 1}
    assert png_size(png)[0] > 300


def test_curves_diagrams_and_report_are_written(tmp_path: Path) -> None:
    assert png_size(write_pr_curves(LABELS, SCORES, np.full(4, 0.5), tmp_path))[0] > 300
    diagrams = write_reliability_diagrams(LABELS, SCORES, tmp_path)
    assert [p.name for p in diagrams] == [f"reliability_{label}.png" for label in LABEL_IDS]
    assert all(png_size(p)[0] > 200 for p in diagrams)
    report = write_report(LABELS, PREDICTED, tmp_path).read_text("utf-8")
    assert all(label in report for label in LABEL_IDS)


def test_misclassified_table_lists_only_wrong_rows() -> None:
    texts = [f"kalimat {i}" for i in range(5)]
    table = misclassified_table(texts, list("abcde"), ["s"] * 5, LABELS, PREDICTED, SCORES)
    assert table["id"].tolist() == ["c", "d", "e"]
    assert table.loc[table["id"] == "c", "gold"].item() == "exhortation"
    assert table.loc[table["id"] == "c", "predicted"].item() == "violation_reported+exhortation"
    assert table.loc[table["id"] == "e", "gold"].item() == "other"
