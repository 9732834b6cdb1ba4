"""Process-wide runtime settings shared by training and prediction."""

from __future__ import annotations

import os


def set_threads(threads: int | None) -> int:
    """Use ``threads`` CPU threads (default: every core) for torch, if torch is installed;
    return the count. One place, so training and prediction agree on the default."""
    count = threads or os.cpu_count() or 1
    try:
        import torch

        torch.set_num_threads(count)
    except ImportError:  # TF-IDF-only installs need no torch
        pass
    return count


def disable_telemetry() -> None:
    """Turn MLflow's usage telemetry off unless the user chose otherwise: these machines are
    offline, and a telemetry call would only time out."""
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    os.environ.setdefault("DO_NOT_TRACK", "true")
