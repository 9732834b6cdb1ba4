"""Training runs, read back from the tracking store: params, metrics, artifacts, registry,
pyfunc parity, resume from a checkpoint, and FAILED runs on a crash."""

from __future__ import annotations

from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest
from mlflow import MlflowClient

from classifier.config import load_config
from classifier.errors import ConfigError
from classifier.labels import LABEL_IDS
from classifier.models import available_kinds, get_model_class
from classifier.models._precision import FastPathCheck, requested_precision
from classifier.training.train import TrainConfig, load_train_config, run_training

ROOT = Path(__file__).resolve().parents[1]


def _metric_names(prepared: Path) -> set[str]:
    # Every kind logs the fast-path pair too, so all runs share metric names (UI compare).
    names = {
        "train_seconds",
        "predict_sentences_per_second",
        "fast_path_label_agreement",
        "predict_sentences_per_second_fast_path",
    }
    for split in ("validation", "test"):
        names |= {
            f"{split}_{m}" for m in ("macro_f1", "micro_f1", "subset_accuracy", "hamming_loss")
        }
        names.add(f"{split}_ece")
        for label in LABEL_IDS:
            names |= {f"{split}_{m}_{label}" for m in ("f1", "precision", "recall", "ece")}
    for split in ("validation", "test"):
        sources = set(pd.read_parquet(prepared / f"{split}.parquet")["source"])
        assert sources
        names |= {f"{split}_macro_f1_{source}" for source in sources}
    return names


def _config(path: str, prepared: Path, tmp_path: Path, *extra: str) -> TrainConfig:
    overrides = [
        f"data_dir={prepared}",
        f"checkpoint_dir={tmp_path / 'ckpt'}",
        "bootstrap_resamples=20",
        *extra,
    ]
    return load_train_config(ROOT / "configs" / path, overrides)


def _artifact_paths(client: MlflowClient, run_id: str, path: str = "") -> set[str]:
    found = set()
    for item in client.list_artifacts(run_id, path):
        found |= _artifact_paths(client, run_id, item.path) if item.is_dir else {item.path}
    return found


def test_registry_lists_exactly_the_registered_kinds() -> None:
    import classifier.models as models

    kinds = available_kinds()
    assert kinds == sorted(models._REGISTRY)  # every listed kind is a decorated class
    # Tests may register kinds of their own; the package's are exactly these.
    ours = [k for k in kinds if models._REGISTRY[k].__module__.startswith("classifier.models.")]
    assert ours == ["ensemble", "rules", "tfidf", "transformer"]
    assert all(get_model_class(kind).kind == kind for kind in kinds)
    with pytest.raises(ConfigError, match=r"unknown model kind 'svm' \(available: ensemble, "):
        get_model_class("svm")
    with pytest.raises(ConfigError, match="unknown model kind '_pretrained'"):
        get_model_class("_pretrained")  # a helper module is not a kind


def test_unknown_params_key_is_rejected(prepared: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"unknown key 'model\.params\.learning_rat'"):
        _config("smoke.yaml", prepared, tmp_path, "model.params.learning_rat=0.1")
    with pytest.raises(ConfigError, match="unknown key 'epochz'"):
        load_config(ROOT / "configs" / "tfidf.yaml", TrainConfig, ["epochz=1"])


@pytest.mark.usefixtures("tracking")
def test_tfidf_run_is_fully_logged_and_registered(prepared: Path, tmp_path: Path) -> None:
    cfg = _config("tfidf.yaml", prepared, tmp_path)
    result = run_training(cfg)
    client = MlflowClient()
    run = client.get_run(result.run_id)
    assert run.info.status == "FINISHED"
    assert run.data.params["model.kind"] == "tfidf"
    assert run.data.params["model.params.C"] == "4.0"
    assert run.data.params["version.mlflow"] == mlflow.__version__
    assert "git_commit" in run.data.params
    expected = _metric_names(prepared)
    assert expected <= set(run.data.metrics), expected - set(run.data.metrics)
    # TF-IDF has no faster precision: its auto path is fp32, identical to itself.
    assert run.data.tags["fast_path"].startswith("none")
    assert run.data.metrics["fast_path_label_agreement"] == 1.0
    assert (
        run.data.metrics["predict_sentences_per_second_fast_path"]
        == run.data.metrics["predict_sentences_per_second"]
    )
    history = client.get_metric_history(result.run_id, "val_macro_f1")
    assert [m.step for m in history] == [0]
    artifacts = _artifact_paths(client, result.run_id)
    for name in (
        "confusion_matrix.png",
        "confusion_matrix.json",
        "pr_curves.png",
        "classification_report.txt",
        "resolved_config.json",
        "misclassified_test.json",
        *(f"reliability_{label}.png" for label in LABEL_IDS),
    ):
        assert f"evaluation/{name}" in artifacts
    inputs = run.inputs.dataset_inputs
    assert {i.dataset.name for i in inputs} == {
        "asn-neutrality-train",
        "asn-neutrality-validation",
        "asn-neutrality-test",
    }
    assert all(i.dataset.digest for i in inputs)
    version = client.get_model_version_by_alias("asn-neutrality-tfidf", "candidate")
    assert str(version.version) == result.registered_version == "1"
    # The registered pyfunc predicts what the in-memory model predicts.
    texts = ["ASN wajib netral dalam Pilkada.", "Cuaca cerah hari ini.", "Pasal 280 UU 7/2017."]
    pyfunc = mlflow.pyfunc.load_model("models:/asn-neutrality-tfidf@candidate")
    output = pyfunc.predict(pd.DataFrame({"text": texts}))
    expected = result.model.predict_proba(texts)
    np.testing.assert_allclose(output[list(LABEL_IDS)].to_numpy(), expected, rtol=1e-6)
    predicted = result.model.predict(texts)
    assert output["labels"].map(list).tolist() == [
        [label for label, on in zip(LABEL_IDS, row, strict=True) if on] for row in predicted
    ]


@pytest.mark.usefixtures("tracking")
def test_smoke_transformer_trains_logs_and_matches_pyfunc(
    prepared: Path, tiny_bert: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As on an AMX/AVX512-BF16 machine, whatever this one is: the bf16 check must run.
    monkeypatch.setattr("classifier.models._precision.native_bf16", lambda device: True)
    cfg = _config("smoke.yaml", prepared, tmp_path, f"model.params.pretrained={tiny_bert}")
    result = run_training(cfg)
    client = MlflowClient()
    run = client.get_run(result.run_id)
    assert run.data.metrics["fast_path_label_agreement"] == result.model.fast_path["agreement"]
    assert run.data.tags["fast_path"].startswith("bf16 fast path")
    history = client.get_metric_history(result.run_id, "val_macro_f1")
    assert [m.step for m in history] == [0, 1]
    assert _metric_names(prepared) <= set(client.get_run(result.run_id).data.metrics)
    texts = ["Bawaslu menemukan dua ASN melanggar netralitas.", "Harga cabai naik."]
    uri = f"runs:/{result.run_id}/model"
    with requested_precision("fp32"):
        output = mlflow.pyfunc.load_model(uri).predict(pd.DataFrame({"text": texts}))
    np.testing.assert_allclose(
        output[list(LABEL_IDS)].to_numpy(), result.model.predict_proba(texts), atol=1e-5
    )
    # By default the logged model runs in the precision its recorded parity check allows.
    check = FastPathCheck.from_dict(result.model.fast_path)
    expected = check.precision if check is not None and check.passed else "fp32"
    assert mlflow.pyfunc.load_model(uri).unwrap_python_model().model.precision == expected


@pytest.mark.usefixtures("tracking")
def test_crash_marks_run_failed_and_resume_continues(
    prepared: Path, tiny_bert: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = _config(
        "smoke.yaml",
        prepared,
        tmp_path,
        f"model.params.pretrained={tiny_bert}",
        "model.params.epochs=3",
        "model.params.patience=5",
    )
    real_log = mlflow.log_metrics

    def crash_in_second_epoch(values: dict, step: int | None = None, **kwargs: object) -> None:
        if step == 1:
            raise RuntimeError("injected crash")
        real_log(values, step=step, **kwargs)

    monkeypatch.setattr(mlflow, "log_metrics", crash_in_second_epoch)
    with pytest.raises(RuntimeError, match="injected crash"):
        run_training(cfg)
    monkeypatch.setattr(mlflow, "log_metrics", real_log)
    assert mlflow.active_run() is None
    client = MlflowClient()
    experiment = client.get_experiment_by_name(cfg.experiment)
    failed = client.search_runs([experiment.experiment_id])[0]
    assert failed.info.status == "FAILED"
    assert (tmp_path / "ckpt" / "smoke" / "checkpoint.pt").exists()

    resumed = run_training(cfg, resume=True)
    history = client.get_metric_history(resumed.run_id, "val_macro_f1")
    assert [m.step for m in history] == [1, 2]  # epoch 0 was not trained again
    assert client.get_run(resumed.run_id).info.status == "FINISHED"


def test_resume_without_checkpoint_is_a_clear_error(
    prepared: Path, tiny_bert: Path, tmp_path: Path, tracking: str
) -> None:
    cfg = _config("smoke.yaml", prepared, tmp_path, f"model.params.pretrained={tiny_bert}")
    with pytest.raises(ConfigError, match="no checkpoint"):
        run_training(cfg, resume=True)


def test_unreachable_tracking_server_is_one_line_and_bounded(tmp_path: Path) -> None:
    import os
    import socket
    import subprocess
    import sys
    import time

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "MLFLOW_TRACKING_URI": f"http://127.0.0.1:{port}"}
    start = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "classifier.cli", "compare"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert time.monotonic() - start < 60
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and "unreachable" in lines[0], lines
