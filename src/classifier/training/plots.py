"""Evaluation artifacts: confusion matrices (PNG + JSON), PR curves, reliability diagrams,
report, error table."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # headless: runs on servers and in CI
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.metrics import (
    classification_report,
    multilabel_confusion_matrix,
    precision_recall_curve,
)

from classifier.labels import LABEL_IDS, from_multi_hot


def write_confusion_matrices(labels: np.ndarray, predicted: np.ndarray, out: Path) -> list[Path]:
    """One 2x2 matrix per label, as a single PNG and a JSON file."""
    matrices = multilabel_confusion_matrix(labels, predicted)
    data = {
        label: {"tn": int(m[0, 0]), "fp": int(m[0, 1]), "fn": int(m[1, 0]), "tp": int(m[1, 1])}
        for label, m in zip(LABEL_IDS, matrices, strict=True)
    }
    json_path = out / "confusion_matrix.json"
    json_path.write_text(json.dumps(data, indent=2), "utf-8")
    fig, axes = plt.subplots(1, len(LABEL_IDS), figsize=(4 * len(LABEL_IDS), 3.6))
    for ax, label, matrix in zip(axes, LABEL_IDS, matrices, strict=True):
        ax.imshow(matrix, cmap="Blues")
        for (i, j), value in np.ndenumerate(matrix):
            ax.text(j, i, str(value), ha="center", va="center", fontsize=12)
        ax.set_title(label, fontsize=10)
        ax.set_xticks([0, 1], ["pred 0", "pred 1"])
        ax.set_yticks([0, 1], ["true 0", "true 1"])
    fig.tight_layout()
    png_path = out / "confusion_matrix.png"
    fig.savefig(png_path, dpi=90)
    plt.close(fig)
    return [png_path, json_path]


def write_pr_curves(
    labels: np.ndarray, scores: np.ndarray, thresholds: np.ndarray, out: Path
) -> Path:
    """Precision-recall curve per label, with the chosen threshold marked."""
    fig, ax = plt.subplots(figsize=(6, 5))
    for k, label in enumerate(LABEL_IDS):
        if labels[:, k].sum() == 0:
            continue
        precision, recall, cuts = precision_recall_curve(labels[:, k], scores[:, k])
        (line,) = ax.plot(recall, precision, label=label)
        if len(cuts):
            i = int(np.argmin(np.abs(cuts - thresholds[k])))
            ax.scatter([recall[i]], [precision[i]], color=line.get_color(), s=30)
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.legend(loc="lower left", fontsize=8)
    ax.set_title("Precision-recall (test); dots: tuned thresholds")
    fig.tight_layout()
    path = out / "pr_curves.png"
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def write_reliability_diagrams(labels: np.ndarray, scores: np.ndarray, out: Path) -> list[Path]:
    """A reliability diagram per label (score bins vs. share of positives), one PNG each."""
    from classifier.training.metrics import calibration_bins, expected_calibration_error

    paths = []
    for k, label in enumerate(LABEL_IDS):
        points = calibration_bins(labels[:, k], scores[:, k].astype(np.float64))
        fig, ax = plt.subplots(figsize=(4.2, 4))
        ax.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1)
        if points:
            mean, share, count = (np.array(column) for column in zip(*points, strict=True))
            ax.plot(mean, share, marker="o")
            for x, y, n in zip(mean, share, count, strict=True):
                ax.annotate(str(n), (x, y), fontsize=6, textcoords="offset points", xytext=(3, -8))
        ece = expected_calibration_error(labels[:, k], scores[:, k])
        ax.set_title(f"{label} (test): ECE {ece:.3f}", fontsize=9)
        ax.set_xlabel("mean score in bin")
        ax.set_ylabel("share of positives")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1.02)
        fig.tight_layout()
        path = out / f"reliability_{label}.png"
        fig.savefig(path, dpi=80)
        plt.close(fig)
        paths.append(path)
    return paths


def write_report(labels: np.ndarray, predicted: np.ndarray, out: Path) -> Path:
    """scikit-learn's classification report as text."""
    path = out / "classification_report.txt"
    path.write_text(
        classification_report(labels, predicted, target_names=list(LABEL_IDS), zero_division=0),
        "utf-8",
    )
    return path


def misclassified_table(
    texts: Sequence[str],
    ids: Sequence[str],
    sources: Sequence[str],
    labels: np.ndarray,
    predicted: np.ndarray,
    scores: np.ndarray,
) -> pd.DataFrame:
    """Rows where the predicted label set differs from the gold set."""
    wrong = np.where(np.any(labels != predicted, axis=1))[0]
    return pd.DataFrame(
        {
            "id": [ids[i] for i in wrong],
            "source": [sources[i] for i in wrong],
            "text": [texts[i] for i in wrong],
            "gold": ["+".join(from_multi_hot(labels[i])) or "other" for i in wrong],
            "predicted": ["+".join(from_multi_hot(predicted[i])) or "other" for i in wrong],
            **{f"score_{label}": scores[wrong, k].round(4) for k, label in enumerate(LABEL_IDS)},
        }
    )
