"""The MLflow UI end to end: three quick runs of different kinds, then experiments/ui_check.py
drives headless Chromium over ``mlflow server`` and must pass and leave three screenshots."""

from __future__ import annotations

import struct
import subprocess
import sys
from pathlib import Path

import pytest

from classifier.training.train import load_train_config, run_training

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ("01_experiment.png", "02_compare.png", "03_artifacts.png")


def _png_size(path: Path) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR chunk."""
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    return struct.unpack(">II", header[16:24])


def run_ui_check(
    store: str, experiment: str, out: Path, timeout: float
) -> subprocess.CompletedProcess[str]:
    """Run experiments/ui_check.py as a user would, with a bound on its time."""
    return subprocess.run(
        [
            sys.executable,
            str(ROOT / "experiments" / "ui_check.py"),
            "--backend-store-uri",
            store,
            "--experiment",
            experiment,
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.mark.slow
def test_ui_lists_compares_and_shows_artifacts(
    prepared: Path, tiny_bert: Path, tmp_path: Path, tracking: str
) -> None:
    for tool in ("/usr/bin/chromium", "/usr/bin/chromedriver"):
        if not Path(tool).exists():
            pytest.skip(f"{tool} is missing: apt-get install -y chromium chromium-driver")
    pytest.importorskip("selenium", reason="selenium is missing: pip install -e '.[ui]'")
    common = [
        "experiment=asn-neutrality",
        f"data_dir={prepared}",
        f"checkpoint_dir={tmp_path / 'ckpt'}",
        "bootstrap_resamples=20",
    ]
    extra = {"smoke.yaml": [f"model.params.pretrained={tiny_bert}"]}
    kinds = set()
    for name in ("rules.yaml", "tfidf.yaml", "smoke.yaml"):
        cfg = load_train_config(ROOT / "configs" / name, [*common, *extra.get(name, [])])
        run_training(cfg)
        kinds.add(cfg.model.kind)
    assert kinds == {"rules", "tfidf", "transformer"}

    out = tmp_path / "shots"
    result = run_ui_check(tracking, "asn-neutrality", out, timeout=900)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "ui_check: OK" in result.stdout
    for name in SCREENSHOTS:
        path = out / name
        assert path.exists(), f"{name} was not written"
        assert path.stat().st_size > 10_000, f"{name} is suspiciously small"
        assert _png_size(path) == (1280, 800), name


@pytest.mark.slow
def test_ui_check_fails_in_one_line_without_the_experiment(tmp_path: Path, tracking: str) -> None:
    from mlflow import MlflowClient

    MlflowClient(tracking).search_experiments()  # creates the empty store
    result = run_ui_check(tracking, "no-such-experiment", tmp_path / "shots", timeout=300)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "experiment named 'no-such-experiment'" in lines[0], lines
