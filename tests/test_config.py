"""Config loading: unknown keys, type coercion, value checks and YAML errors, all one line."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from classifier.config import from_dict, load_config
from classifier.errors import ConfigError
from classifier.training.train import TrainConfig, load_train_config
from helpers import assert_one_line_error, run_cli

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Example:
    epochs: int = 1
    rate: float = 0.1
    limit: int | str = 3
    maybe: int | None = None


def test_bool_is_not_an_int_and_unions_try_each_type() -> None:
    with pytest.raises(ConfigError, match="'epochs' expects int, got True"):
        from_dict(Example, {"epochs": True}, "cfg")
    with pytest.raises(ConfigError, match="'rate' expects float, got False"):
        from_dict(Example, {"rate": False}, "cfg")
    assert from_dict(Example, {"rate": 2}, "cfg").rate == 2.0
    assert from_dict(Example, {"limit": 5}, "cfg").limit == 5
    assert from_dict(Example, {"limit": "all"}, "cfg").limit == "all"  # the second union type
    with pytest.raises(ConfigError, match="'limit' expects str"):
        from_dict(Example, {"limit": [1]}, "cfg")
    assert from_dict(Example, {"maybe": None}, "cfg").maybe is None


@pytest.mark.parametrize(
    ("config", "override", "needle"),
    [
        ("tfidf.yaml", "model.params.C=-1", "C must be > 0, not -1"),
        ("tfidf.yaml", "model.params.min_df=0", "min_df must be >= 1"),
        ("tfidf.yaml", "model.params.class_weight=equal", "class_weight must be balanced"),
        ("transformer.yaml", "model.params.learning_rate=0", "learning_rate must be > 0"),
        ("transformer.yaml", "model.params.warmup_ratio=1.5", "warmup_ratio must be < 1"),
        ("transformer.yaml", "model.params.epochs=true", "expects int, got True"),
    ],
)
def test_bad_params_fail_at_config_load(config: str, override: str, needle: str) -> None:
    with pytest.raises(ConfigError, match=needle):
        load_train_config(ROOT / "configs" / config, [override])


def test_bad_param_on_the_cli_is_one_line_not_a_traceback() -> None:
    result = run_cli("train", str(ROOT / "configs" / "tfidf.yaml"), "--set", "model.params.C=-1")
    assert_one_line_error(result, "C must be > 0")


def test_invalid_yaml_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("seed: 1\nmodel:\n  kind: tfidf\n  params: [1, 2\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad\.yaml:5:1: not valid YAML"):
        load_config(path, TrainConfig)
