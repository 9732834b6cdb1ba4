"""Grouped cross-validation: fold invariants, nested runs, summary metrics and OOF predictions."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from mlflow import MlflowClient

from classifier.errors import ConfigError
from classifier.training.cv import cross_validate, fold_splits
from classifier.training.train import load_train_config

ROOT = Path(__file__).resolve().parents[1]


def _rows(prepared: Path) -> list[dict]:
    frames = [pd.read_parquet(prepared / f"{s}.parquet") for s in ("train", "validation", "test")]
    return pd.concat(frames).to_dict("records")


def test_folds_are_grouped_cover_everything_once_and_are_seeded(prepared: Path) -> None:
    rows = _rows(prepared)
    folds = fold_splits(rows, 3, seed=5)
    tested = [r["id"] for fold in folds for r in fold["test"]]
    assert sorted(tested) == sorted(r["id"] for r in rows)  # every sentence held out once
    for fold in folds:
        articles = {part: {r["article_id"] for r in fold[part]} for part in fold}
        assert all(articles.values())
        assert not articles["train"] & articles["test"]
        assert not articles["validation"] & articles["test"]
        assert not articles["train"] & articles["validation"]
        assert len(fold["train"]) + len(fold["validation"]) + len(fold["test"]) == len(rows)

    def ids(parts: list[dict]) -> list[list[str]]:
        return [[r["id"] for r in fold[part]] for fold in parts for part in sorted(fold)]

    assert ids(fold_splits(rows, 3, seed=5)) == ids(folds)
    assert ids(fold_splits(rows, 3, seed=6)) != ids(folds)
    with pytest.raises(ConfigError):
        fold_splits(rows, 1, seed=5)


@pytest.mark.usefixtures("tracking")
def test_cross_validate_logs_nested_runs_summary_and_oof(prepared: Path, tmp_path: Path) -> None:
    cfg = load_train_config(
        ROOT / "configs" / "tfidf.yaml", [f"data_dir={prepared}", "bootstrap_resamples=20"]
    )
    result = cross_validate(cfg, folds=3)
    client = MlflowClient()
    parent = client.get_run(result["run_id"])
    children = client.search_runs(
        [parent.info.experiment_id], f"tags.mlflow.parentRunId = '{parent.info.run_id}'"
    )
    assert len(children) == 3 and all(c.data.tags["cv_fold"] in "012" for c in children)
    metrics = parent.data.metrics
    for key in (
        "cv_macro_f1_mean",
        "cv_macro_f1_std",
        "cv_f1_exhortation_mean",
        "cv_f1_legal_citation_std",
        "oof_macro_f1",
    ):
        assert key in metrics
    folds = [f["macro_f1"] for f in result["folds"]]
    assert metrics["cv_macro_f1_mean"] == pytest.approx(sum(folds) / 3)
    path = client.download_artifacts(result["run_id"], "cv/oof_predictions.jsonl", str(tmp_path))
    oof = [json.loads(line) for line in Path(path).read_text("utf-8").splitlines()]
    assert sorted(r["id"] for r in oof) == sorted(r["id"] for r in _rows(prepared))
    assert {r["fold"] for r in oof} == {0, 1, 2}
    # fold runs are not models to compare or promote
    from classifier.training.promotion import latest_runs_by_kind

    with pytest.raises(ConfigError):
        latest_runs_by_kind(cfg.experiment)
