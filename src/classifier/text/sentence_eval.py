"""Boundary precision and recall of a sentence split against a reference split."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class BoundaryScores:
    """Counts and scores of sentence-boundary agreement."""

    true_positives: int
    predicted: int
    reference: int

    @property
    def precision(self) -> float:
        """Share of predicted boundaries that are in the reference."""
        return self.true_positives / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        """Share of reference boundaries that were predicted."""
        return self.true_positives / self.reference if self.reference else 1.0


def boundary_positions(sentences: Sequence[str]) -> set[int]:
    """Sentence-end positions counted in non-whitespace characters (the last end excluded).

    Counting without whitespace makes two splits of the same text comparable even when they
    strip spaces differently.
    """
    positions: set[int] = set()
    total = 0
    for sentence in sentences[:-1]:
        total += sum(1 for char in sentence if not char.isspace())
        positions.add(total)
    return positions


def score_boundaries(predicted: Sequence[str], reference: Sequence[str]) -> BoundaryScores:
    """Compare two splits of the same text."""
    squash = "".join("".join(s.split()) for s in predicted)
    if squash != "".join("".join(s.split()) for s in reference):
        raise ValueError("predicted and reference splits are not of the same text")
    pred, ref = boundary_positions(predicted), boundary_positions(reference)
    return BoundaryScores(len(pred & ref), len(pred), len(ref))


def combine(scores: Sequence[BoundaryScores]) -> BoundaryScores:
    """Micro-average several documents' scores."""
    return BoundaryScores(
        sum(s.true_positives for s in scores),
        sum(s.predicted for s in scores),
        sum(s.reference for s in scores),
    )
