"""The rules kind: majority vote of the labelling functions, no training."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from classifier.labels import LABEL_IDS
from classifier.models.base import Split, load_model
from classifier.models.rules import RulesModel, RulesParams

TEXTS = [
    "Bawaslu menemukan dua ASN melanggar netralitas saat kampanye.",
    "Aturan itu tercantum dalam UU Nomor 20 Tahun 2023 tentang ASN.",
    "Warga memadati pasar pada pagi hari.",
]


def test_rules_vote_logs_epoch_zero_and_round_trips(tmp_path: Path) -> None:
    labels = np.array([[1, 0, 0, 0], [0, 0, 0, 1], [0, 0, 0, 0]], dtype=np.int8)
    split = Split(TEXTS, labels, article_ids=["a", "b", "c"])
    model = RulesModel(RulesParams(), seed=1)
    logged: list[tuple[int, dict[str, float]]] = []
    model.fit(split, split, lambda epoch, values: logged.append((epoch, values)))
    assert [epoch for epoch, _ in logged] == [0]
    assert set(logged[0][1]) == {"train_loss", "val_loss", "val_macro_f1"}
    scores = model.predict_proba(TEXTS)
    assert scores.shape == (3, len(LABEL_IDS)) and ((scores >= 0) & (scores <= 1)).all()
    predicted = model.predict(TEXTS)
    assert predicted[0, LABEL_IDS.index("violation_reported")] == 1
    assert predicted[1, LABEL_IDS.index("legal_citation")] == 1
    assert predicted[2].sum() == 0
    loaded = load_model(model.save(tmp_path / "rules"))
    assert np.array_equal(loaded.predict(TEXTS), predicted)
