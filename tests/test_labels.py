"""The label schema is the single source of truth and agrees with shared/labels.md."""

from __future__ import annotations

import pytest

from classifier.errors import AnnotationError
from classifier.labels import (
    LABEL_IDS,
    LABELS,
    OTHER,
    display,
    from_multi_hot,
    to_multi_hot,
    validate_labels,
)


def test_schema_ids_and_names() -> None:
    assert LABEL_IDS == ("violation_reported", "no_violation", "exhortation", "legal_citation")
    names = {label.id: label.name_id for label in LABELS}
    assert names["exhortation"] == "imbauan"
    assert names["legal_citation"] == "rujukan hukum"
    assert all(label.description for label in LABELS)


def test_validate_orders_and_dedupes() -> None:
    assert validate_labels(["legal_citation", "exhortation", "legal_citation"]) == [
        "exhortation",
        "legal_citation",
    ]
    assert validate_labels([]) == []
    assert validate_labels([OTHER]) == []


@pytest.mark.parametrize("bad", [["violation"], ["other", "exhortation"], [3]])
def test_validate_rejects(bad: list) -> None:
    with pytest.raises(AnnotationError):
        validate_labels(bad, where="f.jsonl:3")


def test_multi_hot_round_trip() -> None:
    labels = ["violation_reported", "legal_citation"]
    assert to_multi_hot(labels) == [1, 0, 0, 1]
    assert from_multi_hot(to_multi_hot(labels)) == labels
    assert display([]) == "other"


def test_shared_schema_lists_the_same_ids() -> None:
    from helpers import ROOT

    spec = ROOT.parent / "shared" / "labels.md"
    if not spec.exists():
        pytest.skip("../shared/labels.md is not beside this checkout")
    text = spec.read_text(encoding="utf-8")
    for label_id in LABEL_IDS:
        assert f"`{label_id}`" in text
