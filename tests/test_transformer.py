"""Transformer inference: length-sorted, padded batches give each sentence its own scores."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from classifier.errors import ConfigError
from classifier.models.transformer import TransformerModel, TransformerParams
from classifier.weights.pretrained import TINY_BERT_SPEC, resolve_pretrained


def test_batched_scores_equal_one_at_a_time_scores(tiny_bert: Path) -> None:
    model = TransformerModel(
        TransformerParams(pretrained=str(tiny_bert), max_length=48, eval_batch_size=3)
    )
    model._load_pretrained(str(tiny_bert))
    torch.manual_seed(0)
    torch.nn.init.normal_(model.model.classifier.weight, std=0.5)
    texts = [
        "bawaslu menemukan asn melanggar netralitas dalam kampanye pilkada di kabupaten",
        "asn wajib netral.",
        "pasal 280 uu 7/2017 " * 40,
        "kepala desa diduga ikut kampanye calon bupati",
        "cuaca",
        "pns dilarang politik praktis di media sosial",
        "",
    ]
    batched = model.predict_proba(texts)
    single = np.vstack([model.predict_proba([text]) for text in texts])
    assert batched.shape == (len(texts), 4)
    # Every two sentences differ by more than the tolerance, so a row mix-up cannot pass.
    gaps = [np.abs(a - b).max() for i, a in enumerate(single) for b in single[i + 1 :]]
    assert min(gaps) > 1e-5
    np.testing.assert_allclose(batched, single, rtol=0, atol=1e-6)


def _unknown_share(folder: Path, text: str) -> float:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(folder)
    tokens = tokenizer.tokenize(text)
    return tokens.count(tokenizer.unk_token) / len(tokens)


def test_tiny_berts_tokenise_words_not_unknowns(tiny_bert: Path, tmp_path: Path) -> None:
    text = "ASN wajib netral dalam pilkada, kata kepala desa"
    built = Path(resolve_pretrained(TINY_BERT_SPEC, tmp_path))
    assert _unknown_share(built, text) == 0.0
    assert _unknown_share(tiny_bert, "asn pns 2024") == 0.0


def test_stale_cached_tiny_bert_is_rebuilt(tmp_path: Path) -> None:
    folder = Path(resolve_pretrained(TINY_BERT_SPEC, tmp_path))
    # A copy from before the format marker: every word was [UNK].
    (folder / "tiny_bert.json").write_text(json.dumps({"seed": 0}), "utf-8")
    (folder / "tokenizer.json").write_text("broken", "utf-8")
    assert Path(resolve_pretrained(TINY_BERT_SPEC, tmp_path)) == folder
    assert _unknown_share(folder, "asn wajib netral") == 0.0


def test_max_length_beyond_the_position_table_is_a_config_error(tiny_bert: Path) -> None:
    model = TransformerModel(TransformerParams(pretrained=str(tiny_bert), max_length=65))
    with pytest.raises(ConfigError, match="max_length: 65 is longer than the 64 positions"):
        model._load_pretrained(str(tiny_bert))
    TransformerModel(TransformerParams(max_length=64))._load_pretrained(str(tiny_bert))


def test_each_epoch_has_all_gold_rows_and_a_fresh_silver_sample() -> None:
    from classifier.models._transformer_loop import epoch_rows

    silver = np.array([False] * 5 + [True] * 20)
    first, second = epoch_rows(silver, 4, seed=1), epoch_rows(silver, 4, seed=2)
    for rows in (first, second):
        assert set(range(5)) <= set(rows.tolist()) and len(rows) == 9
        assert silver[rows].sum() == 4
    assert set(first[5:].tolist()) != set(second[5:].tolist())
    assert len(epoch_rows(silver, None, seed=1)) == 25


def test_silver_rows_train_with_their_own_weight(
    tiny_bert: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Silver rows with weight 0 leave training exactly as without them."""
    from classifier.models.base import Split

    load = TransformerModel._load_pretrained

    def load_without_dropout(self: TransformerModel, source: str) -> None:
        # Dropout draws depend on the batch shape; without it only the loss weights matter.
        load(self, source)
        for module in self.model.modules():
            if isinstance(module, torch.nn.Dropout):
                module.p = 0.0

    monkeypatch.setattr(TransformerModel, "_load_pretrained", load_without_dropout)

    gold = ["asn wajib netral.", "cuaca cerah di kabupaten", "bawaslu menemukan asn melanggar"]
    gold_labels = np.array([[0, 0, 1, 0], [0, 0, 0, 0], [1, 0, 0, 0]], dtype=np.int8)
    silver = ["kampanye pilkada di kabupaten"] * 4
    mixed = Split(
        gold + silver,
        np.vstack([gold_labels, np.zeros((4, 4), dtype=np.int8)]),
        silver=np.array([False] * 3 + [True] * 4),
    )
    plain = Split(gold, gold_labels)

    def trained(split: Split, weight: float) -> np.ndarray:
        params = TransformerParams(
            pretrained=str(tiny_bert),
            max_length=32,
            batch_size=8,
            epochs=1,
            patience=5,
            silver_weight=weight,
            pos_weight=False,
            tune_thresholds=False,
            warmup_ratio=0.0,
        )
        model = TransformerModel(params, seed=3)
        model.fit(split, plain)
        return model.predict_proba(gold)

    np.testing.assert_allclose(trained(mixed, 0.0), trained(plain, 1.0), atol=1e-6)
    assert np.abs(trained(mixed, 1.0) - trained(plain, 1.0)).max() > 1e-4


@pytest.mark.parametrize(("schedule", "last_lr"), [("linear", 0.0), ("constant", 1e-3)])
def test_lr_schedule_is_the_one_named(
    tiny_bert: Path, monkeypatch: pytest.MonkeyPatch, schedule: str, last_lr: float
) -> None:
    import transformers

    from classifier.models.base import Split

    made = []
    real = transformers.get_scheduler

    def capture(*args: object, **kwargs: object) -> object:
        made.append(real(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(transformers, "get_scheduler", capture)
    texts = ["asn wajib netral.", "cuaca cerah di kabupaten", "bawaslu menemukan asn melanggar"]
    split = Split(texts, np.array([[0, 0, 1, 0], [0, 0, 0, 0], [1, 0, 0, 0]], dtype=np.int8))
    params = TransformerParams(
        pretrained=str(tiny_bert),
        max_length=32,
        batch_size=1,
        epochs=1,
        learning_rate=1e-3,
        warmup_ratio=0.0,
        lr_schedule=schedule,
    )
    TransformerModel(params, seed=3).fit(split, split)
    assert made and made[0].get_last_lr()[0] == pytest.approx(last_lr)
    with pytest.raises(ValueError, match="lr_schedule must be one of linear, cosine, constant"):
        TransformerParams(lr_schedule="step")
