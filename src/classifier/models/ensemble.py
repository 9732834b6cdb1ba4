"""Stacked ensemble: member kinds' scores -> one logistic regression per label.

Training (``fit``):

1. The training split is cut into ``folds`` groups **by article** (silver rows included: they
   are the stacker's only real off-topic negatives). For each fold, every member is trained on
   the other folds and scores the held-out one, so each training sentence gets *out-of-fold*
   member scores from members that never saw it.
2. Per label, a logistic regression learns from all members' out-of-fold scores for every
   label (as logits). It never sees scores a member produced for its own training sentences.
3. The same folds run once more over the stacker to give pooled out-of-fold *ensemble* scores;
   per-label thresholds are tuned on them (``threshold_source: oof``) or on the validation split
   (``validation``). Both sets are logged; the model uses the one named.
4. Every member is trained once more on the whole training split: those are the members used
   for prediction, saved inside the ensemble's directory, so the logged model predicts alone.
"""

from __future__ import annotations

import pickle
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression

from classifier.errors import ConfigError
from classifier.labels import LABEL_IDS
from classifier.models import get_model_class, register
from classifier.models._precision import requested_precision
from classifier.models.base import EpochLogger, SentenceModel, Split, load_model
from classifier.training.metrics import macro_f1, tune_thresholds

STACKER_FILE = "stacker.pkl"
MEMBERS_DIR = "members"
EPSILON = 1e-4  # scores are clipped into [EPSILON, 1 - EPSILON] before the logit


@dataclass
class EnsembleParams:
    """Members (``[{kind: ..., params: {...}}, ...]``), folds and the stacker's settings."""

    # Each member: {kind, params} or {config: a training config whose model section is used,
    # params: overrides}. Configs are resolved here, so a saved ensemble never reads them.
    members: list[dict[str, Any]] = field(
        default_factory=lambda: [{"kind": "rules"}, {"kind": "tfidf"}]
    )
    folds: int = 3
    # Silver (rule-labelled) rows the ensemble trains on, sampled once (None: all). Every gold
    # row is kept. Out-of-fold scores are needed for every training row, and the ~24k silver
    # rows would otherwise double the members' cost.
    silver_rows: int | None = None
    C: float = 1.0  # inverse L2 strength of each label's logistic regression
    threshold_source: str = "oof"  # oof: pooled out-of-fold ensemble scores; or validation
    tune_thresholds: bool = True

    def __post_init__(self) -> None:
        if self.folds < 2:
            raise ValueError("folds must be at least 2")
        if self.C <= 0:
            raise ValueError("C must be > 0")
        if self.threshold_source not in {"oof", "validation"}:
            raise ValueError(
                f"threshold_source must be oof or validation, not {self.threshold_source!r}"
            )
        if not self.members:
            raise ValueError("members must name at least one model kind")
        if self.silver_rows is not None and self.silver_rows < 0:
            raise ValueError("silver_rows must be >= 0")
        self.members = [resolve_member(member, i) for i, member in enumerate(self.members)]
        for i, member in enumerate(self.members):
            if (
                not isinstance(member, dict)
                or set(member) - {"kind", "params"}
                or "kind" not in member
            ):
                raise ValueError(f"members[{i}] must be a mapping with kind and optional params")
            if member["kind"] == "ensemble":
                raise ValueError(f"members[{i}]: an ensemble cannot contain an ensemble")
            # Validates the member's kind and params now, not after an hour of training.
            get_model_class(member["kind"]).from_config(
                dict(member.get("params") or {}), 13, f"members[{i}]"
            )


def resolve_member(member: Any, index: int) -> Any:
    """``{config: PATH, params: {...}}`` -> ``{kind, params}`` from that config's model section."""
    if not isinstance(member, dict) or "config" not in member:
        return member
    import yaml

    from classifier.io_utils import read_utf8

    unknown = set(member) - {"config", "params"}
    if unknown:
        raise ValueError(f"members[{index}]: unknown key {sorted(unknown)[0]!r} beside config")
    path = Path(member["config"])
    if not path.is_file():
        raise ValueError(f"members[{index}]: config {path} not found")
    model = (yaml.safe_load(read_utf8(path)) or {}).get("model") or {}
    if "kind" not in model:
        raise ValueError(f"members[{index}]: {path} has no model.kind")
    params = {**(model.get("params") or {}), **(member.get("params") or {})}
    return {"kind": model["kind"], "params": params}


def article_folds(article_ids: Sequence[str], folds: int, seed: int) -> np.ndarray:
    """A fold number per row; all rows of one article share it (articles shuffled by ``seed``)."""
    unique = sorted(set(article_ids))
    if len(unique) < folds:
        raise ValueError(f"{folds} folds need at least {folds} articles, got {len(unique)}")
    order = np.random.default_rng(seed).permutation(len(unique))
    fold_of = {unique[j]: rank % folds for rank, j in enumerate(order)}
    return np.array([fold_of[a] for a in article_ids], dtype=np.int64)


def stack_features(member_scores: list[np.ndarray]) -> np.ndarray:
    """Logits of every member's score for every label, side by side."""
    scores = np.clip(np.hstack(member_scores).astype(np.float64), EPSILON, 1 - EPSILON)
    return np.log(scores / (1 - scores))


@register("ensemble")
class EnsembleModel(SentenceModel):
    """Rules, TF-IDF and transformer scores (or any member kinds) stacked per label."""

    Params = EnsembleParams

    def __init__(self, params: EnsembleParams, seed: int = 13) -> None:
        super().__init__(params, seed)
        self.members: list[SentenceModel] = []
        self.stackers: list[LogisticRegression | float] = []
        self.oof_thresholds: np.ndarray | None = None
        self.fit_report: dict[str, float] = {}

    def _new_member(self, i: int) -> SentenceModel:
        spec = self.params.members[i]
        cls = get_model_class(spec["kind"])
        return cls.from_config(dict(spec.get("params") or {}), self.seed, f"members[{i}]")

    def training_rows(self, train: Split) -> Split:
        """Every gold row and, when ``silver_rows`` is set, a seeded sample of the silver ones."""
        silver = train.silver_mask()
        limit = self.params.silver_rows
        if limit is None or silver.sum() <= limit:
            return train
        rng = np.random.default_rng(self.seed)
        keep = ~silver
        keep[rng.choice(np.flatnonzero(silver), size=limit, replace=False)] = True
        return train.take(keep)

    def out_of_fold_scores(
        self, train: Split, validation: Split
    ) -> tuple[list[np.ndarray], np.ndarray]:
        """Per member, a score matrix for the training split where row i comes from a model that
        did not train on row i's article; and the fold of each row."""
        ids = train.article_ids or [str(i) for i in range(len(train.texts))]
        fold = article_folds(ids, self.params.folds, self.seed)
        scores = [np.zeros(train.labels.shape, dtype=np.float32) for _ in self.params.members]
        for k in range(self.params.folds):
            held_out, rest = np.flatnonzero(fold == k), np.flatnonzero(fold != k)
            for i in range(len(self.params.members)):
                start = time.perf_counter()
                member = self._new_member(i)
                member.fit(train.take(rest), validation)
                scores[i][held_out] = member.predict_proba([train.texts[j] for j in held_out])
                key = f"ensemble_oof_seconds_{i}_{member.kind}"
                self.fit_report[key] = self.fit_report.get(key, 0.0) + time.perf_counter() - start
        return scores, fold

    def _fit_stackers(
        self, features: np.ndarray, labels: np.ndarray
    ) -> list[LogisticRegression | float]:
        stackers: list[LogisticRegression | float] = []
        for k in range(labels.shape[1]):
            y = labels[:, k]
            if y.min() == y.max():  # one class only: a constant score, not a crash
                stackers.append(float(y[0]))
                continue
            model = LogisticRegression(C=self.params.C, max_iter=2000, random_state=self.seed)
            stackers.append(model.fit(features, y))
        return stackers

    @staticmethod
    def _stack_predict(
        stackers: list[LogisticRegression | float], features: np.ndarray
    ) -> np.ndarray:
        columns = [
            np.full(len(features), s) if isinstance(s, float) else s.predict_proba(features)[:, 1]
            for s in stackers
        ]
        return np.column_stack(columns).astype(np.float32)

    def fit(self, train: Split, validation: Split, log_epoch: EpochLogger | None = None) -> None:
        """Out-of-fold member scores -> stackers and OOF thresholds -> members refit on all of
        the training split."""
        train = self.training_rows(train)
        self.fit_report["ensemble_train_rows"] = float(len(train.texts))
        oof, fold = self.out_of_fold_scores(train, validation)
        features = stack_features(oof)
        for i, member_scores in enumerate(oof):
            predicted = member_scores >= 0.5
            self.fit_report[f"ensemble_oof_macro_f1_{i}_{self.params.members[i]['kind']}"] = (
                macro_f1(train.labels, predicted)
            )
        self.stackers = self._fit_stackers(features, train.labels)
        # Pooled out-of-fold ensemble scores: the stacker re-fit without each fold in turn.
        pooled = np.zeros(train.labels.shape, dtype=np.float32)
        for k in range(self.params.folds):
            rows = fold == k
            fold_stackers = self._fit_stackers(features[~rows], train.labels[~rows])
            pooled[rows] = self._stack_predict(fold_stackers, features[rows])
        self.oof_thresholds = tune_thresholds(train.labels, pooled)
        self.fit_report["ensemble_oof_macro_f1"] = macro_f1(
            train.labels, pooled >= self.oof_thresholds
        )
        self.members = []
        for i in range(len(self.params.members)):
            start = time.perf_counter()
            member = self._new_member(i)
            member.fit(train, validation)
            self.members.append(member)
            self.fit_report[f"ensemble_full_fit_seconds_{i}_{member.kind}"] = (
                time.perf_counter() - start
            )
        self.log_single_epoch(log_epoch, train, validation, self.oof_thresholds, pooled)

    def choose_thresholds(self, labels: np.ndarray, scores: np.ndarray) -> None:
        """Tune on validation, then keep the set ``threshold_source`` names; log both."""
        validation_thresholds = tune_thresholds(labels, scores)
        for k, label in enumerate(LABEL_IDS):
            self.fit_report[f"threshold_validation_{label}"] = float(validation_thresholds[k])
            if self.oof_thresholds is not None:
                self.fit_report[f"threshold_oof_{label}"] = float(self.oof_thresholds[k])
        if self.params.threshold_source == "oof" and self.oof_thresholds is not None:
            self.thresholds = np.asarray(self.oof_thresholds, dtype=np.float32)
        else:
            self.thresholds = validation_thresholds

    def extra_metrics(self) -> dict[str, float]:
        """Member timings, member out-of-fold macro-F1 and both threshold sets."""
        return dict(self.fit_report)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """The stackers' probabilities over the members' scores."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, len(LABEL_IDS)), dtype=np.float32)
        features = stack_features([member.predict_proba(texts) for member in self.members])
        return self._stack_predict(self.stackers, features)

    def fast_precision(self) -> str | None:
        """The first fast precision a member offers (the transformer's bf16)."""
        return next(filter(None, (member.fast_precision() for member in self.members)), None)

    def to_precision(self, precision: str, in_place: bool = False) -> EnsembleModel:
        """Members that run in ``precision`` are converted; the others stay fp32."""
        import copy

        if precision == self.precision:
            return self
        if precision != "fp32" and precision != self.fast_precision():
            raise ConfigError(f"precision {precision}: no member of this ensemble runs in it")
        target = self if in_place else copy.copy(self)
        target.members = [
            member.to_precision(precision, in_place)
            if precision == "fp32" or member.fast_precision() == precision
            else member
            for member in self.members
        ]
        target.precision = precision
        return target

    def _save_weights(self, directory: Path) -> None:
        for i, member in enumerate(self.members):
            member.save(directory / MEMBERS_DIR / f"{i}_{member.kind}")
        with (directory / STACKER_FILE).open("wb") as handle:
            pickle.dump(
                {"stackers": self.stackers, "oof_thresholds": self.oof_thresholds},
                handle,
                protocol=pickle.HIGHEST_PROTOCOL,
            )

    def _load_weights(self, directory: Path) -> None:
        # Only the project's own saved models are loaded here (pickle trusts its input).
        with (directory / STACKER_FILE).open("rb") as handle:
            state = pickle.load(handle)
        self.stackers, self.oof_thresholds = state["stackers"], state["oof_thresholds"]
        # Members load in fp32; the ensemble's own fast-path check decides for all of them.
        with requested_precision("fp32"):
            self.members = [
                load_model(directory / MEMBERS_DIR / f"{i}_{spec['kind']}")
                for i, spec in enumerate(self.params.members)
            ]
