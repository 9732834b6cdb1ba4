"""The registered model through MLflow's own tools: `mlflow models predict` and `serve`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from classifier import Predictor
from classifier.errors import ServerError
from classifier.scale.local_server import free_port, stop, wait_until_answering
from classifier.training.tracking import promote
from classifier.training.train import load_train_config, run_training

ROOT = Path(__file__).resolve().parents[1]
MLFLOW = str(Path(sys.executable).with_name("mlflow"))
TEXTS = [
    "Bawaslu menemukan dua ASN melanggar netralitas saat kampanye.",
    "Bupati meminta seluruh ASN tetap netral dalam Pilkada.",
    "Warga memadati pasar pada pagi hari.",
]
pytestmark = pytest.mark.slow


@pytest.fixture
def champion(prepared: Path, tracking: str) -> str:
    cfg = load_train_config(
        ROOT / "configs" / "tfidf.yaml", [f"data_dir={prepared}", "bootstrap_resamples=20"]
    )
    result = run_training(cfg)
    promote("asn-neutrality-tfidf", result.registered_version)
    return "models:/asn-neutrality-tfidf@champion"


def _expected(uri: str) -> list[list[str]]:
    return [row["labels"] for row in Predictor.load(uri).predict_sentences(TEXTS)]


def _env() -> dict[str, str]:
    # As in an activated virtualenv: `mlflow models serve` starts `uvicorn` through the shell.
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    return {**os.environ, "PATH": path, "MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "true"}


@pytest.mark.parametrize("content_type", ["json", "csv"])
def test_mlflow_models_predict(champion: str, tmp_path: Path, content_type: str) -> None:
    source = tmp_path / f"input.{content_type}"
    if content_type == "json":
        source.write_text(
            json.dumps({"dataframe_split": {"columns": ["text"], "data": [[t] for t in TEXTS]}}),
            "utf-8",
        )
    else:
        source.write_text("text\n" + "\n".join(f'"{t}"' for t in TEXTS) + "\n", "utf-8")
    out = tmp_path / "out.json"
    done = subprocess.run(
        [
            MLFLOW,
            "models",
            "predict",
            "-m",
            champion,
            "-i",
            str(source),
            "-t",
            content_type,
            "-o",
            str(out),
            "--env-manager",
            "local",
        ],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    predictions = json.loads(out.read_text("utf-8"))["predictions"]
    assert [p["labels"] for p in predictions] == _expected(champion)
    assert all(0.0 <= p["exhortation"] <= 1.0 for p in predictions)


def test_mlflow_models_serve(champion: str, tmp_path: Path) -> None:
    port, log = free_port(), tmp_path / "serve.log"
    server = subprocess.Popen(
        [
            MLFLOW,
            "models",
            "serve",
            "-m",
            champion,
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "--env-manager",
            "local",
        ],
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
        env=_env(),
        start_new_session=True,  # so that stop() also reaches the workers it forks
    )
    try:
        try:
            wait_until_answering(server, f"http://127.0.0.1:{port}/ping", 120, log)
        except ServerError as error:
            pytest.fail(f"mlflow models serve did not start: {error}\n{log.read_text()[-2000:]}")
        body = json.dumps({"dataframe_records": [{"text": t} for t in TEXTS]}).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/invocations",
            data=body,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            predictions = json.loads(response.read())["predictions"]
        assert [p["labels"] for p in predictions] == _expected(champion)
        # A null text is a client error with a one-line message, not a stack trace.
        null = json.dumps({"dataframe_records": [{"text": TEXTS[0]}, {"text": None}]}).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/invocations",
            data=null,
            headers={"Content-Type": "application/json"},
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=60)
        assert refused.value.code == 400
        error = json.loads(refused.value.read())
        # MLflow's server prefixes the data it received; our reason is the last line, alone.
        last_line = error["message"].strip().splitlines()[-1]
        assert last_line.startswith("Error: 'text' must be a string in every row; 1 row(s)")
        assert "stack_trace" not in error
    finally:
        stop(server)
