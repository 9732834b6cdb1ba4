"""The interface every model kind shares: fit, predict_proba, save and load."""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from classifier.config import from_dict
from classifier.errors import ConfigError
from classifier.labels import LABEL_IDS

META_FILE = "classifier_model.json"
EpochLogger = Callable[[int, dict[str, float]], None]


@dataclass
class Split:
    """Texts and a multi-hot label matrix (rows follow ``texts``)."""

    texts: list[str]
    labels: np.ndarray  # shape (n, len(LABEL_IDS)), 0/1
    sources: list[str] | None = None
    article_ids: list[str] | None = None
    silver: np.ndarray | None = None  # bool per row: rule-labelled (silver) rather than gold

    def silver_mask(self) -> np.ndarray:
        """Which rows are silver; all False when the split carries no such column."""
        if self.silver is None:
            return np.zeros(len(self.texts), dtype=bool)
        return np.asarray(self.silver, dtype=bool)

    def take(self, rows: np.ndarray) -> Split:
        """The split's rows at integer indices ``rows`` (or where a boolean mask is true)."""
        rows = np.asarray(rows)
        if rows.dtype == bool:
            rows = np.flatnonzero(rows)
        pick = [int(i) for i in rows]
        return Split(
            texts=[self.texts[i] for i in pick],
            labels=self.labels[rows],
            sources=[self.sources[i] for i in pick] if self.sources is not None else None,
            article_ids=(
                [self.article_ids[i] for i in pick] if self.article_ids is not None else None
            ),
            silver=self.silver_mask()[rows] if self.silver is not None else None,
        )


class SentenceModel(ABC):
    """A multi-label sentence classifier with per-label decision thresholds."""

    kind: ClassVar[str] = ""
    Params: ClassVar[type]  # a dataclass of the kind's hyper-parameters

    def __init__(self, params: Any, seed: int = 13) -> None:
        self.params = params
        self.seed = seed
        self.thresholds = np.full(len(LABEL_IDS), 0.5, dtype=np.float32)
        self.precision = "fp32"  # the numeric precision predict_proba runs in
        # The fast-path check from training (models._precision.FastPathCheck.to_dict), if any.
        self.fast_path: dict[str, Any] | None = None

    @classmethod
    def from_config(cls, params: dict[str, Any], seed: int, where: str) -> SentenceModel:
        """Build from the config's ``model.params`` mapping, rejecting unknown keys."""
        return cls(from_dict(cls.Params, params, where, "model.params"), seed)

    @abstractmethod
    def fit(self, train: Split, validation: Split, log_epoch: EpochLogger | None = None) -> None:
        """Train on ``train``; report per-epoch metrics through ``log_epoch``."""

    @abstractmethod
    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Scores in [0, 1], shape (len(texts), number of labels)."""

    def log_single_epoch(
        self,
        log_epoch: EpochLogger | None,
        train: Split,
        validation: Split,
        thresholds: np.ndarray | None = None,
        train_scores: np.ndarray | None = None,
    ) -> None:
        """Log epoch 0 for a kind that fits in one step, with the metric names iterative kinds
        log per epoch, so every run's curves compare in the MLflow UI. ``train_scores``
        replaces in-sample training scores (the ensemble passes out-of-fold ones)."""
        if log_epoch is None:
            return
        from classifier.training.metrics import bce_loss, macro_f1

        if train_scores is None:
            train_scores = self.predict_proba(train.texts)
        val_scores = self.predict_proba(validation.texts)
        cut = self.thresholds if thresholds is None else thresholds
        log_epoch(
            0,
            {
                "train_loss": bce_loss(train.labels, train_scores),
                "val_loss": bce_loss(validation.labels, val_scores),
                "val_macro_f1": macro_f1(validation.labels, val_scores >= cut),
            },
        )

    def choose_thresholds(self, labels: np.ndarray, scores: np.ndarray) -> None:
        """Set per-label thresholds from validation labels and scores (F1-optimal per label)."""
        from classifier.training.metrics import tune_thresholds

        self.thresholds = tune_thresholds(labels, scores)

    def extra_metrics(self) -> dict[str, float]:
        """Kind-specific numbers the training run logs beside the shared metrics."""
        return {}

    def fast_precision(self) -> str | None:
        """A precision faster than fp32 that this kind runs natively on this machine, if any."""
        return None

    def to_precision(self, precision: str, in_place: bool = False) -> SentenceModel:
        """This model in ``precision``: a converted copy, or ``self`` converted when
        ``in_place``. Kinds without a faster precision run in fp32 only."""
        if precision != "fp32":
            raise ConfigError(f"precision {precision}: {self.kind} models run in fp32 only")
        return self

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        """0/1 label matrix using the per-label thresholds."""
        return (self.predict_proba(texts) >= self.thresholds).astype(np.int8)

    @abstractmethod
    def _save_weights(self, directory: Path) -> None:
        """Write what the kind needs to reload itself into ``directory``."""

    @abstractmethod
    def _load_weights(self, directory: Path) -> None:
        """Read back what :meth:`_save_weights` wrote."""

    def save(self, directory: Path | str) -> Path:
        """Save weights plus a metadata file naming the kind, params and thresholds."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        self._save_weights(directory)
        meta = {
            "kind": self.kind,
            "labels": list(LABEL_IDS),
            "thresholds": [float(t) for t in self.thresholds],
            "params": asdict(self.params),
            "seed": self.seed,
        }
        if self.fast_path is not None:
            meta["fast_path"] = self.fast_path
        (directory / META_FILE).write_text(json.dumps(meta, indent=2, default=str), "utf-8")
        return directory


def load_model(directory: Path | str) -> SentenceModel:
    """Load any saved model kind from its directory, in the precision the caller requested
    (see :func:`classifier.models._precision.requested_precision`; fp32 unless the model's
    fast-path check passed)."""
    from classifier.models import get_model_class
    from classifier.models._precision import current_request, precision_to_load

    directory = Path(directory)
    meta_path = directory / META_FILE
    if not meta_path.exists():
        raise ConfigError(f"{directory}: not a saved classifier model (no {META_FILE})")
    meta = json.loads(meta_path.read_text("utf-8"))
    if meta.get("labels") != list(LABEL_IDS):
        raise ConfigError(f"{directory}: model labels {meta.get('labels')} differ from the schema")
    cls = get_model_class(meta["kind"])
    model = cls.from_config(meta["params"], meta.get("seed", 13), str(meta_path))
    model.thresholds = np.asarray(meta["thresholds"], dtype=np.float32)
    model.fast_path = meta.get("fast_path")
    model._load_weights(directory)
    return model.to_precision(precision_to_load(model, current_request()), in_place=True)
