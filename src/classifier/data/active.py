"""Active-learning selection: the sentences a model is least sure of, or models disagree on.

People label fastest where it helps most: sentences whose scores sit near the per-label
thresholds (one model), or on which several models take different decisions. Used by
``classifier annotate export --select uncertain --model URI [--model URI ...]``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from classifier.labels import LABEL_IDS, display, from_multi_hot


@dataclass
class ModelScores:
    """One model's scores on the candidate sentences, and its thresholds."""

    uri: str
    scores: np.ndarray  # (sentences, labels)
    thresholds: np.ndarray  # (labels,)

    @property
    def decisions(self) -> np.ndarray:
        """0/1 label decisions."""
        return (self.scores >= self.thresholds).astype(np.int8)

    @property
    def margins(self) -> np.ndarray:
        """Distance of every score to its label's threshold (small: unsure)."""
        return np.abs(self.scores - self.thresholds)


def score_with(uris: Sequence[str], texts: list[str]) -> list[ModelScores]:
    """Score ``texts`` with every model (URIs as ``classifier predict`` takes them)."""
    from classifier.inference.predictor import load_sentence_model

    out = []
    for uri in uris:
        model = load_sentence_model(uri)
        scores = model.predict_proba(texts) if texts else np.zeros((0, len(LABEL_IDS)))
        out.append(ModelScores(uri, np.asarray(scores, dtype=np.float64), model.thresholds))
    return out


def uncertainty_keys(models: list[ModelScores]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per sentence: labels the models disagree on (0 with one model), the smallest margin
    over labels and models, and a sort key putting the least certain first."""
    decisions = np.stack([m.decisions for m in models])  # (models, sentences, labels)
    disagreement = (decisions.max(axis=0) != decisions.min(axis=0)).sum(axis=1)
    margin = np.stack([m.margins for m in models]).min(axis=(0, 2))
    # Most disagreement first; among equals, the score nearest a threshold first.
    order = np.lexsort((margin, -disagreement))
    return disagreement, margin, order


def select_uncertain(
    rows: list[dict[str, Any]],
    models: list[ModelScores],
    limit: int | None,
    max_per_article: int | None,
) -> list[dict[str, Any]]:
    """The least certain rows, at most ``max_per_article`` per article and ``limit`` in all,
    each with the first model's labels as the suggestion and its uncertainty columns."""
    disagreement, margin, order = uncertainty_keys(models)
    first, scores = models[0].decisions, models[0].scores
    picked: list[dict[str, Any]] = []
    per_article: Counter[str] = Counter()
    for i in order:
        row = rows[i]
        if max_per_article is not None and per_article[row["article_id"]] >= max_per_article:
            continue
        per_article[row["article_id"]] += 1
        picked.append({
            **row,
            "suggested": display(from_multi_hot(first[i])),
            "margin": round(float(margin[i]), 4),
            "disagreement": int(disagreement[i]),
            # Mean probability of the first model's own decisions: Label Studio's score.
            "confidence": round(float(np.mean(np.where(first[i], scores[i], 1 - scores[i]))), 4),
        })  # fmt: skip
        if limit is not None and len(picked) >= limit:
            break
    return picked
