"""Shared fixtures: paths to the project's data and small generated corpora."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from helpers import SEEDS

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("DO_NOT_TRACK", "true")


@pytest.fixture
def seeds_dir() -> Path:
    """The five seed articles (read-only)."""
    return SEEDS


LABEL_TEMPLATES = {
    "violation_reported": "Bawaslu {place} menemukan {n} ASN melanggar netralitas saat kampanye.",
    "no_violation": "Hingga kini Bawaslu {place} tidak menemukan pelanggaran netralitas ASN.",
    "exhortation": "Bupati {place} meminta seluruh ASN tetap netral dalam Pilkada.",
    "legal_citation": "Aturan itu tercantum dalam UU Nomor {n} Tahun 2023 tentang ASN di {place}.",
    "other": "Warga {place} memadati pasar pada pagi hari ke-{n}.",
}
PLACES = ["Banjar", "Kukar", "Bintan", "Lingga", "Garut", "Sleman", "Bone", "Poso", "Ambon", "Bima"]


@pytest.fixture(scope="session")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Small parquet splits in the prepared format: 10 synthetic articles + 2 seed-like ones."""
    from classifier.data.card import render_card
    from classifier.data.dataset import (
        DataConfig,
        PreparedData,
        SourceConfig,
        SplitFractions,
        grouped_split,
        write_prepared,
    )

    root = tmp_path_factory.mktemp("prepared")
    rows = []
    for a, place in enumerate([*PLACES, "Kota A", "Kota B"]):
        source = "seed" if a >= len(PLACES) else "synthetic"
        for i, (label, template) in enumerate(LABEL_TEMPLATES.items()):
            for j in range(2):
                text = template.format(place=place, n=a * 10 + i + j)
                rows.append(
                    {
                        "id": f"art-{a}#{i * 2 + j}",
                        "article_id": f"art-{a}",
                        "sentence_index": i * 2 + j,
                        "start": 0,
                        "end": len(text),
                        "text": text,
                        "labels": [] if label == "other" else [label],
                        "source": source,
                        "synthetic": source == "synthetic",
                        "annotator": "test",
                    }
                )
    config = DataConfig(
        sources=[SourceConfig("synthetic", root, root)],
        output_dir=root / "processed",
        seed=1,
        split=SplitFractions(0.6, 0.2, 0.2),
    )
    prepared_data = PreparedData(grouped_split(rows, config.split, 1), [], config)
    write_prepared(prepared_data, render_card(prepared_data))
    return root / "processed"


@pytest.fixture(scope="session")
def tiny_bert(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2-layer, 32-wide BERT whose WordPiece vocabulary is the synthetic templates' words."""
    from classifier.weights.pretrained import build_tiny_bert

    words = sorted({w.lower().strip(".,") for t in LABEL_TEMPLATES.values() for w in t.split()})
    return build_tiny_bert(
        tmp_path_factory.mktemp("tiny-bert"),
        words=[w for w in words if "{" not in w],
        chars="abcdefghijklmnopqrstuvwxyz0123456789",
        hidden_size=32,
        max_positions=64,
    )


@pytest.fixture
def tracking(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A throw-away MLflow store (SQLite + local artifacts) for one test."""
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    monkeypatch.delenv("MLFLOW_REGISTRY_URI", raising=False)
    monkeypatch.chdir(tmp_path)
    return uri


@pytest.fixture(scope="session")
def model_dir(prepared: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A TF-IDF model trained on the fixture splits and saved as a plain model directory."""
    import datasets

    from classifier.models.tfidf import TfidfModel, TfidfParams
    from classifier.training.train import to_split

    splits = datasets.load_dataset(
        "parquet", data_files={s: str(prepared / f"{s}.parquet") for s in ("train", "validation")}
    )
    model = TfidfModel(TfidfParams(), seed=1)
    model.fit(to_split(splits["train"]), to_split(splits["validation"]))
    return model.save(tmp_path_factory.mktemp("tfidf-model"))


# CI installs every system tool the slow tests use, so there a skip means a broken setup, not a
# missing tool: with CLASSIFIER_FORBID_SKIPS=1 any skipped test fails the session.
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if os.environ.get("CLASSIFIER_FORBID_SKIPS") != "1":
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter is not None else []
    if skipped:
        for report in skipped:
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
            reporter.write_line(f"FORBIDDEN SKIP {report.nodeid}: {reason}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
