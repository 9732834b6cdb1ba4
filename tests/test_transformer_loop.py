"""The transformer training loop's helpers: batching, silver sampling, class weights."""

from __future__ import annotations

import numpy as np

from classifier.models._transformer_loop import _pos_weight, epoch_rows, length_grouped_batches


def test_length_grouped_batches_cover_every_row_once_and_are_seeded() -> None:
    lengths = [((i * 37) % 61) + 1 for i in range(1000)]
    batches = length_grouped_batches(lengths, 16, seed=3)
    rows = sorted(i for batch in batches for i in batch)
    assert rows == list(range(1000))
    assert all(len(batch) <= 16 for batch in batches)
    assert batches == length_grouped_batches(lengths, 16, seed=3)
    assert batches != length_grouped_batches(lengths, 16, seed=4)
    # Inside a batch lengths are close: sorting within mega-batches limits padding.
    spread = np.mean([max(lengths[i] for i in b) - min(lengths[i] for i in b) for b in batches])
    assert spread < 5


def test_epoch_rows_keep_all_gold_and_sample_silver_afresh() -> None:
    silver = np.array([False] * 10 + [True] * 90)
    first, second = epoch_rows(silver, 20, seed=1), epoch_rows(silver, 20, seed=2)
    assert set(range(10)) <= set(first) and len(first) == 30
    assert set(first[10:]) != set(second[10:]) and all(silver[first[10:]])
    assert len(epoch_rows(silver, None, seed=1)) == 100


def test_pos_weight_is_the_negative_positive_ratio_capped() -> None:
    labels = np.array([[1, 0, 0, 0]] * 2 + [[0, 1, 0, 0]] * 1 + [[0, 0, 0, 0]] * 27)
    weight = _pos_weight(labels, cap=10.0).tolist()
    assert weight == [10.0, 10.0, 1.0, 1.0]  # a label with no positives gets 1
