"""The MLflow pyfunc every kind is logged as, and models logged by earlier layouts."""

from __future__ import annotations

import pandas as pd

from helpers import ROOT

LEGACY = ROOT / "tests" / "data" / "legacy_pyfunc"


def test_a_model_logged_before_the_subpackage_move_still_loads_and_predicts() -> None:
    """tests/data/legacy_pyfunc was saved by the flat layout (classifier.pyfunc, classifier.models
    .tfidf at commit 42c1a0a), a 20 KB TF-IDF. Its pickle names classifier.pyfunc by reference,
    which must keep importing."""
    import mlflow

    assert b"classifier.pyfunc" in (LEGACY / "python_model.pkl").read_bytes()
    model = mlflow.pyfunc.load_model(str(LEGACY))
    texts = [
        "Bawaslu menemukan ASN melanggar netralitas.",
        "ASN diminta tetap netral.",
        "Tidak ditemukan pelanggaran netralitas ASN.",
    ]
    output = model.predict(pd.DataFrame({"text": texts}))
    assert output["labels"].tolist() == [["violation_reported"], ["exhortation"], ["no_violation"]]
    assert list(output.columns[:4]) == [
        "violation_reported",
        "no_violation",
        "exhortation",
        "legal_citation",
    ]
