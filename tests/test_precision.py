"""The bf16 fast path: checked against fp32, saved with the model, the default only when the
check passed and the machine runs bf16 natively, and never silently forced."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from classifier.errors import ConfigError
from classifier.inference.predictor import Predictor
from classifier.models import _precision
from classifier.models._precision import FastPathCheck, check_fast_path, requested_precision
from classifier.models.base import META_FILE, load_model
from classifier.models.transformer import TransformerModel, TransformerParams

TEXTS = [
    "bawaslu menemukan asn melanggar netralitas dalam kampanye pilkada",
    "asn wajib netral",
    "kepala desa diduga ikut kampanye calon bupati",
    "pns dilarang politik praktis di media sosial",
    "cuaca cerah",
    "pasal 280 uu 7/2017 melarang kampanye",
] * 3


@pytest.fixture
def native(monkeypatch: pytest.MonkeyPatch) -> dict[str, bool]:
    """Pretend the CPU does (or does not) run bf16 natively."""
    state = {"bf16": True}
    monkeypatch.setattr(_precision, "native_bf16", lambda device: state["bf16"])
    return state


def tiny_transformer(tiny_bert: Path) -> TransformerModel:
    model = TransformerModel(TransformerParams(pretrained=str(tiny_bert), max_length=32))
    model._load_pretrained(str(tiny_bert))
    torch.manual_seed(0)
    # Scores spread well away from the thresholds, as a trained model's are.
    torch.nn.init.normal_(model.model.classifier.weight, std=4.0)
    model.model.eval()
    return model


def dtype_of(model: TransformerModel) -> torch.dtype:
    return next(model.model.parameters()).dtype


def test_fast_precision_follows_the_hardware(tiny_bert: Path, native: dict[str, bool]) -> None:
    model = tiny_transformer(tiny_bert)
    assert model.fast_precision() == "bf16"
    native["bf16"] = False
    assert model.fast_precision() is None
    assert check_fast_path(model, TEXTS) is None


def test_check_compares_labels_and_leaves_the_model_in_fp32(
    tiny_bert: Path, native: dict[str, bool]
) -> None:
    model = tiny_transformer(tiny_bert)
    found = check_fast_path(model, TEXTS)
    assert found is not None
    check, fast = found
    assert dtype_of(model) == torch.float32 and model.precision == "fp32"
    assert dtype_of(fast) == torch.bfloat16 and fast.precision == "bf16"
    expected = np.mean(np.all(model.predict(TEXTS) == fast.predict(TEXTS), axis=1))
    assert check.agreement == pytest.approx(expected) and check.sentences == len(TEXTS)
    assert check.passed == (expected >= 0.99)
    # bf16 moves scores by about 1e-2, not more.
    assert np.abs(fast.predict_proba(TEXTS) - model.predict_proba(TEXTS)).max() < 0.05


def saved_with_check(tmp_path: Path, tiny_bert: Path, agreement: float) -> Path:
    model = tiny_transformer(tiny_bert)
    model.fast_path = FastPathCheck("bf16", agreement, 100).to_dict()
    return model.save(tmp_path / f"model-{agreement}")


@pytest.mark.parametrize(
    ("agreement", "hardware", "request_", "expected"),
    [
        (0.995, True, "auto", torch.bfloat16),  # check passed, bf16 native: the fast path
        (0.995, False, "auto", torch.float32),  # no native bf16 here: fp32
        (0.980, True, "auto", torch.float32),  # check failed: fp32
        (0.995, True, "fp32", torch.float32),  # fp32 asked for: fp32
    ],
)
def test_loading_uses_the_fast_path_only_when_checked_and_native(
    tmp_path: Path,
    tiny_bert: Path,
    native: dict[str, bool],
    agreement: float,
    hardware: bool,
    request_: str,
    expected: torch.dtype,
) -> None:
    folder = saved_with_check(tmp_path, tiny_bert, agreement)
    assert json.loads((folder / META_FILE).read_text("utf-8"))["fast_path"]["agreement"] == (
        agreement
    )
    native["bf16"] = hardware
    with requested_precision(request_):
        loaded = load_model(folder)
    assert dtype_of(loaded) == expected


def test_a_model_without_a_check_loads_in_fp32(tiny_bert: Path, tmp_path: Path, native) -> None:
    folder = tiny_transformer(tiny_bert).save(tmp_path / "old")
    assert "fast_path" not in json.loads((folder / META_FILE).read_text("utf-8"))
    assert dtype_of(load_model(folder)) == torch.float32


def test_forced_bf16_is_checked_now_when_training_left_no_check(
    tiny_bert: Path, tmp_path: Path, native: dict[str, bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tiny_transformer(tiny_bert).save(tmp_path / "unchecked")
    with pytest.raises(ConfigError, match=r"no passing parity check.*run prepare"):
        Predictor.load(str(folder), precision="bf16")
    predictor = Predictor.load(str(folder), precision="bf16", parity_texts=TEXTS)
    assert predictor.model.precision == "bf16" and predictor.fast_path is predictor.fresh_check
    # The same check with a bar no model can clear: refused, with the measured agreement.
    strict = lambda model, texts: check_fast_path(model, texts, minimum=1.01)  # noqa: E731
    monkeypatch.setattr("classifier.inference.predictor.check_fast_path", strict)
    with pytest.raises(ConfigError, match=r"bf16 fast path off \(below 101%\): label agreement"):
        Predictor.load(str(folder), precision="bf16", parity_texts=TEXTS)
    native["bf16"] = False
    with pytest.raises(ConfigError, match="not available for this transformer model"):
        Predictor.load(str(folder), precision="bf16", parity_texts=TEXTS)


def test_forced_bf16_trusts_a_passing_training_check(
    tiny_bert: Path, tmp_path: Path, native: dict[str, bool]
) -> None:
    predictor = Predictor.load(str(saved_with_check(tmp_path, tiny_bert, 0.995)), precision="bf16")
    assert predictor.model.precision == "bf16" and predictor.fresh_check is None
    assert predictor.fast_path is not None and predictor.fast_path.agreement == 0.995


def test_bf16_is_refused_for_kinds_without_it(model_dir: Path, native: dict[str, bool]) -> None:
    with pytest.raises(ConfigError, match="not available for this tfidf model"):
        Predictor.load(str(model_dir), precision="bf16", parity_texts=TEXTS)
    with pytest.raises(ConfigError, match="exclude each other"):
        Predictor.load(str(model_dir), precision="bf16", quantize=True)


def test_a_bf16_model_is_never_saved(tiny_bert: Path, tmp_path: Path, native) -> None:
    fast = tiny_transformer(tiny_bert).to_precision("bf16")
    with pytest.raises(ConfigError, match="refusing to save a bf16 transformer"):
        fast.save(tmp_path / "bf16")
    with pytest.raises(ConfigError, match="cannot go back to fp32"):
        fast.to_precision("fp32")
