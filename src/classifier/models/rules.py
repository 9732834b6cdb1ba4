"""The ``rules`` baseline: labelling-function vote shares as scores; nothing to train."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from classifier.data.weak import apply_functions, vote_scores
from classifier.models import register
from classifier.models.base import EpochLogger, SentenceModel, Split


@dataclass
class RulesParams:
    """The rules have no hyper-parameters; thresholds stay at 0.5 (majority vote) by default."""

    tune_thresholds: bool = False


@register("rules")
class RulesModel(SentenceModel):
    """Majority vote of the keyword and regex labelling functions in :mod:`classifier.data.weak`."""

    Params = RulesParams

    def fit(self, train: Split, validation: Split, log_epoch: EpochLogger | None = None) -> None:
        """Nothing to learn; scores the validation split so runs log the same epoch metrics."""
        self.log_single_epoch(log_epoch, train, validation)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Share of positive votes per label among the functions that voted."""
        # A strict majority must clear 0.5, so nudge exact ties below the threshold.
        scores = vote_scores(apply_functions(list(texts)))
        return np.where(scores == 0.5, 0.499, scores).astype(np.float32)

    def _save_weights(self, directory: Path) -> None:
        return None

    def _load_weights(self, directory: Path) -> None:
        return None
