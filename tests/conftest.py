"""Shared fixtures: paths to the project's data and small generated corpora."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("DO_NOT_TRACK", "true")

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "data" / "raw" / "seeds"
SEED_GOLD = ROOT / "data" / "annotations" / "seed"
REFERENCE_SPLIT = ROOT / "tests" / "data" / "seed_reference_split.jsonl"


@pytest.fixture
def seeds_dir() -> Path:
    """The five seed articles (read-only)."""
    return SEEDS


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    """Write rows as UTF-8 JSONL."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return path
