"""The stacked ensemble: out-of-fold construction without leaks, save/load, pyfunc round trip."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import mlflow
import numpy as np
import pandas as pd
import pytest

from classifier.errors import ConfigError
from classifier.labels import LABEL_IDS
from classifier.models import get_model_class, register
from classifier.models._precision import requested_precision
from classifier.models.base import EpochLogger, SentenceModel, Split, load_model
from classifier.models.ensemble import EnsembleModel, article_folds
from classifier.training.train import load_train_config, run_training, to_split

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class MemorizerParams:
    """No hyper-parameters."""


@register("test_memorizer")
class Memorizer(SentenceModel):
    """Scores a text it trained on with its gold labels, any other text 0.5; logs every fit."""

    Params = MemorizerParams
    fits: ClassVar[
        list[tuple[set[str], list[str]]]
    ] = []  # (trained texts, texts scored afterwards)

    def fit(self, train: Split, validation: Split, log_epoch: EpochLogger | None = None) -> None:
        self.seen = {t: row for t, row in zip(train.texts, train.labels, strict=True)}
        self.fits.append((set(train.texts), []))

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        self.fits[-1][1].extend(texts)
        rows = [self.seen.get(t, np.full(len(LABEL_IDS), 0.5)) for t in texts]
        return np.asarray(rows, dtype=np.float32).reshape(-1, len(LABEL_IDS))

    def _save_weights(self, directory: Path) -> None:
        return None

    def _load_weights(self, directory: Path) -> None:
        return None


def _splits(prepared: Path) -> dict[str, Split]:
    from classifier.data.dataset import load_splits

    return {name: to_split(split) for name, split in load_splits(prepared).items()}


def _ensemble(members: list[dict], folds: int = 3) -> EnsembleModel:
    cls = get_model_class("ensemble")
    return cls.from_config({"members": members, "folds": folds}, 13, "test")  # type: ignore[return-value]


def test_out_of_fold_scores_never_come_from_a_member_that_saw_the_article(prepared: Path) -> None:
    train = _splits(prepared)["train"]
    Memorizer.fits.clear()
    model = _ensemble([{"kind": "test_memorizer"}])
    oof, fold = model.out_of_fold_scores(train, _splits(prepared)["validation"])
    # A memorizer scores a sentence it trained on with its gold labels: had any fold leaked,
    # some out-of-fold score would be 0 or 1 instead of 0.5.
    np.testing.assert_array_equal(oof[0], np.full(train.labels.shape, 0.5))
    article_of = dict(zip(train.texts, train.article_ids, strict=True))
    assert len(Memorizer.fits) == 3
    scored: list[str] = []
    for trained, predicted in Memorizer.fits:
        assert {article_of[t] for t in trained}.isdisjoint(article_of[t] for t in predicted)
        scored += predicted
    assert sorted(scored) == sorted(train.texts)  # every training row scored exactly once
    # Rows of one article share a fold.
    for article in set(train.article_ids):
        assert len({f for f, a in zip(fold, train.article_ids, strict=True) if a == article}) == 1


def test_article_folds_are_balanced_and_need_enough_articles() -> None:
    ids = [f"a{i // 3}" for i in range(30)]
    fold = article_folds(ids, 5, seed=1)
    assert sorted(np.bincount(fold).tolist()) == [6, 6, 6, 6, 6]
    with pytest.raises(ValueError, match="need at least 5 articles"):
        article_folds(["a", "b"], 5, seed=1)


def test_ensemble_beats_chance_saves_and_loads(prepared: Path, tmp_path: Path) -> None:
    data = _splits(prepared)
    model = _ensemble([{"kind": "rules"}, {"kind": "tfidf"}])
    model.fit(data["train"], data["validation"])
    scores = model.predict_proba(data["validation"].texts)
    assert scores.shape == data["validation"].labels.shape
    model.choose_thresholds(data["validation"].labels, scores)
    report = model.extra_metrics()
    for label in LABEL_IDS:
        assert f"threshold_oof_{label}" in report and f"threshold_validation_{label}" in report
    # threshold_source: oof is the default, so the model uses the out-of-fold set.
    np.testing.assert_array_equal(model.thresholds, model.oof_thresholds)
    # The template corpus is easy: stacked rules + TF-IDF must separate it.
    predicted = model.predict(data["test"].texts)
    assert (predicted == data["test"].labels).mean() > 0.9
    model.save(tmp_path / "ensemble")
    assert (tmp_path / "ensemble" / "members" / "1_tfidf" / "classifier_model.json").exists()
    loaded = load_model(tmp_path / "ensemble")
    texts = data["test"].texts
    np.testing.assert_allclose(loaded.predict_proba(texts), model.predict_proba(texts), atol=1e-6)
    np.testing.assert_array_equal(loaded.thresholds, model.thresholds)


def test_members_are_validated_when_the_config_loads(prepared: Path) -> None:
    config = ROOT / "configs" / "ensemble.yaml"
    with pytest.raises(ConfigError, match="unknown model kind 'svm'"):
        load_train_config(config, ["model.params.members=[{kind: svm}]"])
    with pytest.raises(ConfigError, match="an ensemble cannot contain an ensemble"):
        load_train_config(config, ["model.params.members=[{kind: ensemble}]"])
    with pytest.raises(ConfigError, match=r"unknown key 'model\.params\.Cee'"):
        load_train_config(config, ["model.params.members=[{kind: tfidf, params: {Cee: 1}}]"])
    with pytest.raises(ConfigError, match=r"config nowhere\.yaml not found"):
        load_train_config(config, ["model.params.members=[{config: nowhere.yaml}]"])


@pytest.mark.usefixtures("tracking")
def test_ensemble_with_a_transformer_member_round_trips_through_pyfunc(
    prepared: Path, tiny_bert: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("classifier.models._precision.native_bf16", lambda device: True)
    tfidf, smoke = ROOT / "configs" / "tfidf.yaml", ROOT / "configs" / "smoke.yaml"
    members = f"[{{config: {tfidf}}}, {{config: {smoke}, params: {{pretrained: '{tiny_bert}', epochs: 1}}}}]"
    cfg = load_train_config(
        ROOT / "configs" / "ensemble.yaml",
        [
            f"data_dir={prepared}",
            f"checkpoint_dir={tmp_path / 'ckpt'}",
            "bootstrap_resamples=20",
            "real_news.enabled=false",
            f"model.params.members={members}",
        ],
    )
    result = run_training(cfg)
    run = mlflow.MlflowClient().get_run(result.run_id)
    assert run.data.params["model.kind"] == "ensemble"
    for name in ("test_macro_f1", "threshold_oof_exhortation", "ensemble_oof_macro_f1"):
        assert name in run.data.metrics
    texts = ["Bawaslu menemukan dua ASN melanggar netralitas.", "Harga cabai naik."]
    uri = "models:/asn-neutrality-ensemble@candidate"
    with requested_precision("fp32"):
        output = mlflow.pyfunc.load_model(uri).predict(pd.DataFrame({"text": texts}))
    np.testing.assert_allclose(
        output[list(LABEL_IDS)].to_numpy(), result.model.predict_proba(texts), atol=1e-5
    )
    # The ensemble's own bf16 check decides for its transformer member; TF-IDF stays as it is.
    assert run.data.metrics["fast_path_label_agreement"] == result.model.fast_path["agreement"]
    fast = result.model.to_precision("bf16")
    assert [m.precision for m in fast.members] == ["fp32", "bf16"]
    assert [m.precision for m in result.model.members] == ["fp32", "fp32"]
    loaded = mlflow.pyfunc.load_model(uri).unwrap_python_model().model
    expected = "bf16" if result.model.fast_path["passed"] else "fp32"
    assert [m.precision for m in loaded.members] == ["fp32", expected]
