"""``classifier cv CONFIG --folds K``: grouped K-fold cross-validation as nested MLflow runs.

All labelled sentences (train + validation + test of ``data_dir``) are cut into K folds by
article, stratified like ``prepare``. Each fold is held out once; the rest is split again by
article into train and validation (for early stopping and thresholds). The parent run logs the
mean and standard deviation of macro-F1 and per-label F1 over folds, and the out-of-fold
predictions as an artifact.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import mlflow
import numpy as np

from classifier.data.dataset import (
    SPLITS,
    DataConfig,
    PreparedData,
    SourceConfig,
    grouped_partition,
    load_splits,
    write_prepared,
)
from classifier.errors import ConfigError
from classifier.labels import LABEL_IDS, from_multi_hot
from classifier.training.metrics import macro_f1, per_source_metrics, split_metrics
from classifier.training.tracking import configure_mlflow, ensure_experiment, git_commit
from classifier.training.train import TrainConfig, run_training, to_split

VALIDATION_SHARE = 0.15


def fold_splits(rows: list[dict[str, Any]], folds: int, seed: int) -> list[dict[str, list[dict]]]:
    """Per fold: train/validation/test rows, no article in two parts, each article tested once."""
    if folds < 2:
        raise ConfigError("--folds must be at least 2")
    # Silver rows (rule-labelled negatives) are only ever trained on, in every fold.
    silver = [row for row in rows if row.get("silver")]
    gold = [row for row in rows if not row.get("silver")]
    buckets = grouped_partition(gold, {f"fold{k}": 1 / folds for k in range(folds)}, seed)
    out = []
    for k in range(folds):
        rest = [row for j in range(folds) if j != k for row in buckets[f"fold{j}"]]
        inner = grouped_partition(
            rest, {"train": 1 - VALIDATION_SHARE, "validation": VALIDATION_SHARE}, seed + k
        )
        out.append(
            {
                "train": inner["train"] + silver,
                "validation": inner["validation"],
                "test": buckets[f"fold{k}"],
            }
        )
    return out


def _summary(values: list[dict[str, float]]) -> dict[str, float]:
    keys = sorted(set.intersection(*(set(v) for v in values)))
    out: dict[str, float] = {}
    for key in keys:
        column = np.array([v[key] for v in values], dtype=float)
        out[f"cv_{key}_mean"] = float(column.mean())
        out[f"cv_{key}_std"] = float(column.std(ddof=1)) if len(column) > 1 else 0.0
    return out


def cross_validate(cfg: TrainConfig, folds: int) -> dict[str, Any]:
    """Run the folds under one parent run; return per-fold and summary metrics."""
    configure_mlflow()
    splits = load_splits(cfg.data_dir)
    rows = [dict(row) for split in SPLITS for row in splits[split]]
    parts = fold_splits(rows, folds, cfg.seed)
    ensure_experiment(cfg.experiment)
    fold_metrics: list[dict[str, float]] = []
    oof: list[dict[str, Any]] = []
    with (
        mlflow.start_run(run_name=f"cv-{cfg.run_name or cfg.model.kind}") as parent,
        tempfile.TemporaryDirectory(prefix="classifier-cv-") as tmp,
    ):
        mlflow.set_tags(
            {"model_kind": cfg.model.kind, "cv_folds": str(folds), "git_commit": git_commit()}
        )
        mlflow.log_params(
            {"folds": folds, "seed": cfg.seed, "model.kind": cfg.model.kind, "sentences": len(rows)}
        )
        for k, part in enumerate(parts):
            fold_dir = Path(tmp) / f"fold{k}"
            config = DataConfig(
                sources=[SourceConfig("cv", fold_dir, fold_dir)], output_dir=fold_dir, seed=cfg.seed
            )
            write_prepared(PreparedData(part, [], config), f"# CV fold {k}\n")
            fold_cfg = replace(
                cfg,
                data_dir=fold_dir,
                register=False,
                run_name=f"{cfg.run_name or cfg.model.kind}-fold{k}",
                checkpoint_dir=Path(tmp) / "checkpoints",
            )
            result = run_training(fold_cfg, tags={"cv_fold": str(k)})
            test = to_split(load_splits(fold_dir)["test"])
            scores = result.model.predict_proba(test.texts)
            predicted = (scores >= result.model.thresholds).astype(np.int8)
            metrics = {
                key.removeprefix("test_"): value
                for key, value in split_metrics(test.labels, predicted, "test").items()
            }
            metrics.update(
                {
                    key.removeprefix("test_"): value
                    for key, value in per_source_metrics(
                        test.labels, predicted, test.sources or [], "test"
                    ).items()
                }
            )
            fold_metrics.append(metrics)
            mlflow.log_metric("fold_macro_f1", metrics["macro_f1"], step=k)
            for i, text in enumerate(test.texts):
                oof.append(
                    {
                        "fold": k,
                        "id": part["test"][i]["id"],
                        "source": test.sources[i],
                        "text": text,
                        "gold": from_multi_hot(test.labels[i]),
                        "predicted": from_multi_hot(predicted[i]),
                        **{
                            f"score_{label}": round(float(scores[i, j]), 5)
                            for j, label in enumerate(LABEL_IDS)
                        },
                    }
                )
        summary = _summary(fold_metrics)
        # Pooled out-of-fold macro-F1: every sentence predicted by a model that never saw it.
        gold = np.array([[label in r["gold"] for label in LABEL_IDS] for r in oof], dtype=int)
        pred = np.array([[label in r["predicted"] for label in LABEL_IDS] for r in oof], dtype=int)
        summary["oof_macro_f1"] = macro_f1(gold, pred)
        mlflow.log_metrics(summary)
        path = Path(tmp) / "oof_predictions.jsonl"
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in oof), "utf-8")
        mlflow.log_artifact(str(path), artifact_path="cv")
        per_fold = Path(tmp) / "fold_metrics.json"
        per_fold.write_text(json.dumps(fold_metrics, indent=2), "utf-8")
        mlflow.log_artifact(str(per_fold), artifact_path="cv")
        return {"run_id": parent.info.run_id, "folds": fold_metrics, "summary": summary}
