"""``train(cfg) -> metrics``: one MLflow run that trains, evaluates, logs and registers a model."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import mlflow
import numpy as np

from classifier.config import flatten, load_config, to_dict
from classifier.data.dataset import SPLITS, load_splits
from classifier.errors import ConfigError
from classifier.labels import LABEL_IDS, to_multi_hot
from classifier.models import get_model_class
from classifier.models.base import SentenceModel, Split
from classifier.training.metrics import (
    bootstrap_macro_f1,
    calibration_metrics,
    per_source_metrics,
    split_metrics,
)
from classifier.training.real_eval import RealNewsConfig, real_news_metrics
from classifier.training.tracking import (
    configure_mlflow,
    ensure_experiment,
    git_commit,
    library_versions,
    log_datasets,
    log_params,
    log_pyfunc_model,
)

SPEED_SENTENCES = 512  # sentences timed for predict_sentences_per_second


@dataclass
class ModelSpec:
    """Which model kind to train, its registry name and its kind-specific params."""

    kind: str
    registered_name: str | None = None
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class TrainConfig:
    """A training run. Unknown keys anywhere are rejected when loading."""

    model: ModelSpec
    data_dir: Path = Path("data/processed")
    experiment: str = "asn-neutrality"
    run_name: str | None = None
    seed: int = 13
    register: bool = True
    checkpoint_dir: Path = Path("experiments/runs")
    real_news: RealNewsConfig = field(default_factory=RealNewsConfig)
    bootstrap_resamples: int = 1000

    def __post_init__(self) -> None:
        if self.bootstrap_resamples < 10:
            raise ValueError("bootstrap_resamples must be at least 10")


def load_train_config(path: Path | str, overrides: list[str] | None = None) -> TrainConfig:
    """Load a training config and validate the kind's params too."""
    cfg = load_config(path, TrainConfig, overrides or [])
    get_model_class(cfg.model.kind).from_config(cfg.model.params, cfg.seed, str(path))
    return cfg


def to_split(dataset: Any) -> Split:
    """Turn a prepared HF split into texts and a multi-hot matrix."""
    labels = np.array([to_multi_hot(row) for row in dataset["labels"]], dtype=np.int8)
    return Split(
        texts=list(dataset["text"]),
        labels=labels.reshape(-1, len(LABEL_IDS)),
        sources=list(dataset["source"]),
        article_ids=list(dataset["article_id"]),
        silver=(
            np.array(dataset["silver"], dtype=bool) if "silver" in dataset.column_names else None
        ),
    )


def evaluate(
    model: SentenceModel, split: Split, name: str, resamples: int, seed: int
) -> tuple[dict[str, float], np.ndarray, np.ndarray]:
    """Metrics for one split, plus its scores and predictions."""
    scores = model.predict_proba(split.texts)
    predicted = (scores >= model.thresholds).astype(np.int8)
    metrics = split_metrics(split.labels, predicted, name)
    metrics.update(calibration_metrics(split.labels, scores, name))
    metrics.update(per_source_metrics(split.labels, predicted, split.sources or [], name))
    _, low, high = bootstrap_macro_f1(split.labels, predicted, split.article_ids, resamples, seed)
    metrics[f"{name}_macro_f1_ci_low"], metrics[f"{name}_macro_f1_ci_high"] = low, high
    return metrics, scores, predicted


def measure_speed(model: SentenceModel, texts: list[str]) -> float:
    """Sentences per second of ``predict_proba`` on a fixed-size sample (after a warm-up)."""
    sample = (texts * (SPEED_SENTENCES // max(len(texts), 1) + 1))[:SPEED_SENTENCES]
    model.predict_proba(sample[:8])
    start = time.perf_counter()
    model.predict_proba(sample)
    return len(sample) / max(time.perf_counter() - start, 1e-9)


def record_fast_path(
    model: SentenceModel, validation: Split, test: Split, fp32_speed: float
) -> dict[str, float]:
    """Check the kind's faster precision (if any) against fp32 on the validation split and
    keep the result on the model, whose saved metadata then carries it: predict uses the fast
    path by default only when this check passed.

    Returns the label agreement and the speed of the path ``--precision auto`` takes. Every
    kind logs both (fp32 agrees with itself; its speed is ``fp32_speed``) so that runs of all
    kinds share metric names and compare side by side in the MLflow UI.
    """
    from classifier.models._precision import check_fast_path

    found = check_fast_path(model, validation.texts)
    if found is None:
        mlflow.set_tag("fast_path", "none: fp32 only for this kind on this machine")
        agreement, speed = 1.0, fp32_speed
    else:
        check, fast = found
        model.fast_path = check.to_dict()
        mlflow.set_tag("fast_path", check.describe())
        agreement = check.agreement
        speed = measure_speed(fast, test.texts) if check.passed else fp32_speed
    return {
        "fast_path_label_agreement": agreement,
        "predict_sentences_per_second_fast_path": speed,
    }


def _log_artifacts(
    model: SentenceModel, test: Split, scores: np.ndarray, predicted: np.ndarray, cfg: TrainConfig
) -> None:
    from classifier.training.plots import (
        misclassified_table,
        write_confusion_matrices,
        write_pr_curves,
        write_reliability_diagrams,
        write_report,
    )
    from classifier.training.tracking import artifact_tempdir

    with artifact_tempdir() as tmp:
        out = Path(tmp)
        paths = write_confusion_matrices(test.labels, predicted, out)
        paths.append(write_pr_curves(test.labels, scores, model.thresholds, out))
        paths.extend(write_reliability_diagrams(test.labels, scores, out))
        paths.append(write_report(test.labels, predicted, out))
        config_path = out / "resolved_config.json"
        config_path.write_text(json.dumps(to_dict(cfg), indent=2, default=str), "utf-8")
        paths.append(config_path)
        thresholds = out / "thresholds.json"
        thresholds.write_text(
            json.dumps(dict(zip(LABEL_IDS, map(float, model.thresholds), strict=True)), indent=2),
            "utf-8",
        )
        paths.append(thresholds)
        for path in paths:
            mlflow.log_artifact(str(path), artifact_path="evaluation")
    ids = [f"{a}" for a in (test.article_ids or [])]
    table = misclassified_table(test.texts, ids, test.sources or [], test.labels, predicted, scores)
    mlflow.log_table(table, artifact_file="evaluation/misclassified_test.json")


@dataclass
class TrainResult:
    """What one training run produced: the fitted model, its metrics and the MLflow run id."""

    model: SentenceModel
    metrics: dict[str, float]
    run_id: str
    registered_version: str | None


def train(cfg: TrainConfig, resume: bool = False) -> dict[str, float]:
    """Train ``cfg.model`` on the prepared splits in one MLflow run; return the final metrics."""
    return run_training(cfg, resume).metrics


def run_training(
    cfg: TrainConfig, resume: bool = False, tags: dict[str, str] | None = None
) -> TrainResult:
    """:func:`train`, also returning the in-memory model.

    Any exception ends the run as FAILED (the ``start_run`` context does this) and is re-raised.
    """
    configure_mlflow()
    splits = load_splits(cfg.data_dir)
    data = {name: to_split(splits[name]) for name in SPLITS}
    if len(data["train"].texts) == 0 or len(data["validation"].texts) == 0:
        raise ConfigError(f"{cfg.data_dir}: train and validation splits must not be empty")
    model_cls = get_model_class(cfg.model.kind)
    model = model_cls.from_config(cfg.model.params, cfg.seed, "config")
    if hasattr(model, "configure_checkpoints"):
        model.configure_checkpoints(cfg.checkpoint_dir / (cfg.run_name or cfg.model.kind), resume)
    parent = mlflow.active_run()
    if parent is None:
        ensure_experiment(cfg.experiment)
    elif mlflow.get_experiment(parent.info.experiment_id).name != cfg.experiment:
        raise ConfigError(f"experiment {cfg.experiment!r} differs from the parent run's experiment")
    # Inside a parent run (experiments/compare_models.py) each model is a nested run.
    with mlflow.start_run(
        run_name=cfg.run_name or cfg.model.kind, nested=parent is not None
    ) as run:
        mlflow.set_tags({"model_kind": cfg.model.kind, "git_commit": git_commit(), **(tags or {})})
        log_params({**flatten(to_dict(cfg)), **library_versions(), "git_commit": git_commit()})
        log_datasets(splits, cfg.data_dir)

        def log_epoch(epoch: int, values: dict[str, float]) -> None:
            mlflow.log_metrics(values, step=epoch)

        start = time.perf_counter()
        model.fit(data["train"], data["validation"], log_epoch)
        train_seconds = time.perf_counter() - start
        val_scores = model.predict_proba(data["validation"].texts)
        if getattr(model.params, "tune_thresholds", True):
            model.choose_thresholds(data["validation"].labels, val_scores)
        metrics: dict[str, float] = {"train_seconds": train_seconds, **model.extra_metrics()}
        for name in ("validation", "test"):
            values, scores, predicted = evaluate(
                model, data[name], name, cfg.bootstrap_resamples, cfg.seed
            )
            metrics.update(values)
        metrics.update(real_news_metrics(model.predict, cfg.real_news, cfg.seed))
        metrics["predict_sentences_per_second"] = measure_speed(model, data["test"].texts)
        metrics.update(
            record_fast_path(
                model, data["validation"], data["test"], metrics["predict_sentences_per_second"]
            )
        )
        for k, label in enumerate(LABEL_IDS):
            metrics[f"threshold_{label}"] = float(model.thresholds[k])
        mlflow.log_metrics(metrics)
        _log_artifacts(model, data["test"], scores, predicted, cfg)
        with _model_dir() as model_dir:
            model.save(model_dir)
            example = data["test"].texts[:3] or data["validation"].texts[:3]
            name = cfg.model.registered_name if cfg.register else None
            _, version = log_pyfunc_model(Path(model_dir), name, example)
        if version is not None:
            mlflow.set_tag("registered_version", f"{name}/{version}")
        metrics["run_id"] = run.info.run_id  # type: ignore[assignment]
    return TrainResult(model, metrics, run.info.run_id, str(version) if version else None)


def _model_dir():
    import tempfile

    return tempfile.TemporaryDirectory(prefix="classifier-model-")
