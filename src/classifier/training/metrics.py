"""Multi-label metrics with names shared by every model kind, threshold tuning and bootstrap CIs."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from sklearn.metrics import f1_score, hamming_loss, precision_score, recall_score

from classifier.labels import LABEL_IDS

THRESHOLD_GRID = np.round(np.arange(0.05, 0.951, 0.025), 3)


def bce_loss(labels: np.ndarray, scores: np.ndarray) -> float:
    """Mean binary cross-entropy of scores against 0/1 labels."""
    p = np.clip(scores.astype(np.float64), 1e-7, 1 - 1e-7)
    y = labels.astype(np.float64)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def macro_f1(labels: np.ndarray, predicted: np.ndarray) -> float:
    """Macro-F1 over the labels that occur in the gold labels or the predictions.

    A label that is neither in the gold set nor predicted (e.g. ``violation_reported`` in
    off-topic news) has no defined F1 and is left out rather than counted as 0; a label that
    is predicted but absent from the gold set scores 0 and is kept, so false alarms still count.
    """
    labels, predicted = np.asarray(labels), np.asarray(predicted)
    present = (labels.sum(axis=0) + predicted.sum(axis=0)) > 0
    if not present.any():
        return 1.0
    per_label = f1_score(labels, predicted, average=None, zero_division=0)
    return float(np.mean(per_label[present]))


def tune_thresholds(labels: np.ndarray, scores: np.ndarray, default: float = 0.5) -> np.ndarray:
    """Per-label threshold maximising F1 on the given (validation) split.

    Ties go to the threshold closest to ``default``; a label with no positives keeps it.
    """
    thresholds = np.full(labels.shape[1], default, dtype=np.float32)
    for k in range(labels.shape[1]):
        if labels[:, k].sum() == 0:
            continue
        best = (-1.0, 0.0)
        for t in THRESHOLD_GRID:
            f1 = f1_score(labels[:, k], scores[:, k] >= t, zero_division=0)
            key = (round(float(f1), 6), -abs(float(t) - default))
            if key > best:
                best, thresholds[k] = key, t
    return thresholds


def split_metrics(labels: np.ndarray, predicted: np.ndarray, split: str) -> dict[str, float]:
    """``{split}_macro_f1``, micro-F1, subset accuracy, Hamming loss and per-label P/R/F1."""
    metrics = {
        f"{split}_macro_f1": macro_f1(labels, predicted),
        f"{split}_micro_f1": float(f1_score(labels, predicted, average="micro", zero_division=0)),
        f"{split}_subset_accuracy": float(np.mean(np.all(labels == predicted, axis=1))),
        f"{split}_hamming_loss": float(hamming_loss(labels, predicted)),
    }
    for k, label in enumerate(LABEL_IDS):
        y, p = labels[:, k], predicted[:, k]
        metrics[f"{split}_f1_{label}"] = float(f1_score(y, p, zero_division=0))
        metrics[f"{split}_precision_{label}"] = float(precision_score(y, p, zero_division=0))
        metrics[f"{split}_recall_{label}"] = float(recall_score(y, p, zero_division=0))
    return metrics


def per_source_metrics(
    labels: np.ndarray, predicted: np.ndarray, sources: Sequence[str], split: str
) -> dict[str, float]:
    """``{split}_macro_f1_{source}`` (and per-label F1) for each source present."""
    metrics: dict[str, float] = {}
    source_array = np.asarray(sources)
    for source in sorted(set(sources)):
        mask = source_array == source
        metrics[f"{split}_macro_f1_{source}"] = macro_f1(labels[mask], predicted[mask])
        for k, label in enumerate(LABEL_IDS):
            metrics[f"{split}_f1_{label}_{source}"] = float(
                f1_score(labels[mask, k], predicted[mask, k], zero_division=0)
            )
    return metrics


def _group_indices(groups: Sequence[str] | None, n: int) -> list[np.ndarray]:
    if groups is None:
        return [np.array([i]) for i in range(n)]
    index: dict[str, list[int]] = {}
    for i, group in enumerate(groups):
        index.setdefault(group, []).append(i)
    return [np.array(rows) for rows in index.values()]


def bootstrap_ci(
    statistic: Callable[[np.ndarray], float],
    n: int,
    groups: Sequence[str] | None = None,
    n_resamples: int = 1000,
    seed: int = 13,
) -> tuple[float, float, float]:
    """Point estimate and 95% percentile CI of ``statistic(rows)``, resampling whole articles.

    Sentences of one article are not independent, so the bootstrap draws articles (``groups``).
    """
    clusters = _group_indices(groups, n)
    rng = np.random.default_rng(seed)
    point = statistic(np.arange(n))
    samples = []
    for _ in range(n_resamples):
        picked = rng.integers(0, len(clusters), len(clusters))
        samples.append(statistic(np.concatenate([clusters[i] for i in picked])))
    low, high = np.percentile(samples, [2.5, 97.5])
    return point, float(low), float(high)


def bootstrap_macro_f1(
    labels: np.ndarray,
    predicted: np.ndarray,
    groups: Sequence[str] | None = None,
    n_resamples: int = 1000,
    seed: int = 13,
    baseline: np.ndarray | None = None,
) -> tuple[float, float, float]:
    """Macro-F1 with an article-grouped 95% CI (:func:`bootstrap_ci`).

    With ``baseline`` predictions the statistic is the paired difference model - baseline.
    """

    def statistic(rows: np.ndarray) -> float:
        value = macro_f1(labels[rows], predicted[rows])
        if baseline is not None:
            value -= macro_f1(labels[rows], baseline[rows])
        return value

    return bootstrap_ci(statistic, len(labels), groups, n_resamples, seed)


def bootstrap_label_f1(
    labels: np.ndarray,
    predicted: np.ndarray,
    groups: Sequence[str] | None = None,
    n_resamples: int = 1000,
    seed: int = 13,
) -> list[tuple[float, float, float]]:
    """Per label: F1 with an article-grouped 95% CI."""

    def label_f1(k: int) -> Callable[[np.ndarray], float]:
        return lambda rows: float(f1_score(labels[rows, k], predicted[rows, k], zero_division=0))

    return [
        bootstrap_ci(label_f1(k), len(labels), groups, n_resamples, seed)
        for k in range(labels.shape[1])
    ]


def calibration_bins(
    labels: np.ndarray, scores: np.ndarray, bins: int = 10
) -> list[tuple[float, float, int]]:
    """Equal-width score bins of one label: (mean score, positive share, count) per non-empty
    bin, the points of a reliability diagram."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(scores, edges[1:-1]), 0, bins - 1)
    out = []
    for b in range(bins):
        rows = which == b
        if rows.any():
            out.append((float(scores[rows].mean()), float(labels[rows].mean()), int(rows.sum())))
    return out


def expected_calibration_error(labels: np.ndarray, scores: np.ndarray, bins: int = 10) -> float:
    """ECE of one label: the count-weighted mean gap between score and positive share per bin."""
    points = calibration_bins(np.asarray(labels), np.asarray(scores, dtype=np.float64), bins)
    total = sum(count for _, _, count in points)
    return float(sum(count * abs(mean - share) for mean, share, count in points) / max(total, 1))


def calibration_metrics(labels: np.ndarray, scores: np.ndarray, split: str) -> dict[str, float]:
    """``{split}_ece_<label>`` per label and their mean ``{split}_ece``."""
    metrics = {
        f"{split}_ece_{label}": expected_calibration_error(labels[:, k], scores[:, k])
        for k, label in enumerate(LABEL_IDS)
    }
    metrics[f"{split}_ece"] = float(np.mean(list(metrics.values())))
    return metrics
