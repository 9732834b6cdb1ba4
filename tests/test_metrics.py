"""Metrics: macro-F1 over present labels, threshold tuning, grouped and paired bootstrap."""

from __future__ import annotations

import numpy as np
import pytest

from classifier.training.metrics import (
    bce_loss,
    bootstrap_macro_f1,
    macro_f1,
    per_source_metrics,
    split_metrics,
    tune_thresholds,
)


def test_macro_f1_skips_labels_absent_from_gold_and_predictions() -> None:
    gold = np.array([[1, 0, 0, 0], [0, 0, 0, 1], [0, 0, 0, 0]])
    assert macro_f1(gold, gold) == 1.0  # two unused labels are not counted as 0
    false_alarm = gold.copy()
    false_alarm[2, 1] = 1  # predicted a label the gold set never has: counts as F1 0
    assert macro_f1(gold, false_alarm) == pytest.approx((1 + 0 + 1) / 3)


def test_split_metrics_names_and_values() -> None:
    gold = np.array([[1, 0, 1, 0], [0, 1, 0, 0], [1, 0, 0, 1]])
    pred = np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1]])
    metrics = split_metrics(gold, pred, "test")
    assert metrics["test_f1_violation_reported"] == pytest.approx(2 / 3)
    assert metrics["test_recall_violation_reported"] == 0.5
    assert metrics["test_precision_violation_reported"] == 1.0
    assert metrics["test_subset_accuracy"] == pytest.approx(1 / 3)
    assert metrics["test_hamming_loss"] == pytest.approx(2 / 12)
    per_source = per_source_metrics(gold, pred, ["a", "a", "b"], "test")
    assert set(per_source) >= {"test_macro_f1_a", "test_macro_f1_b", "test_f1_no_violation_a"}


def test_tune_thresholds_finds_the_separating_cut() -> None:
    scores = np.array([[0.1, 0.9], [0.2, 0.8], [0.35, 0.7], [0.4, 0.2]])
    gold = np.array([[0, 1], [0, 1], [1, 1], [1, 0]])
    thresholds = tune_thresholds(gold, scores)
    predicted = scores >= thresholds
    assert (predicted == gold).all()
    assert 0.2 < thresholds[0] <= 0.35
    no_positives = tune_thresholds(np.zeros((3, 1), int), np.array([[0.1], [0.9], [0.4]]))
    assert no_positives[0] == 0.5


def test_bootstrap_ci_contains_point_and_paired_delta_of_identical_models_is_zero() -> None:
    rng = np.random.default_rng(0)
    gold = rng.integers(0, 2, size=(200, 4))
    pred = np.where(rng.random((200, 4)) < 0.8, gold, 1 - gold)
    groups = [f"art-{i // 5}" for i in range(200)]
    point, low, high = bootstrap_macro_f1(gold, pred, groups, n_resamples=200, seed=1)
    assert low <= point <= high and high - low > 0
    assert bootstrap_macro_f1(gold, pred, groups, 200, 1) == (point, low, high)  # seeded
    delta = bootstrap_macro_f1(gold, pred, groups, 200, 1, baseline=pred)
    assert delta == (0.0, 0.0, 0.0)
    better = bootstrap_macro_f1(gold, gold, groups, 200, 1, baseline=pred)
    assert better[1] > 0  # a perfect model beats an 80%-correct one with a CI above 0


def test_bce_loss() -> None:
    assert bce_loss(np.array([[1, 0]]), np.array([[0.5, 0.5]])) == pytest.approx(np.log(2))


def test_expected_calibration_error() -> None:
    from classifier.training.metrics import calibration_bins, expected_calibration_error

    # Scores that equal the positive share of their bin are perfectly calibrated.
    labels = np.array([1, 0, 0, 0, 0, 1, 1, 1, 1, 0])
    scores = np.array([0.2] * 5 + [0.8] * 5)
    assert expected_calibration_error(labels, scores) == pytest.approx(0.0)
    assert calibration_bins(labels, scores) == [(0.2, 0.2, 5), (0.8, 0.8, 5)]
    # Always 0.9 sure, right half the time: a gap of 0.4 in the only bin.
    assert expected_calibration_error(np.array([1, 0] * 5), np.full(10, 0.9)) == pytest.approx(0.4)
    # Score 1.0 falls in the top bin, not past it.
    assert calibration_bins(np.array([1]), np.array([1.0])) == [(1.0, 1.0, 1)]
