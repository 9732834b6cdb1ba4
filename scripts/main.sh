#!/usr/bin/env bash
# README command 1: set up, then run the main job (ingest, clean, split and build the dataset).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export MLFLOW_DISABLE_TELEMETRY=true DO_NOT_TRACK=true
.venv/bin/classifier prepare --config configs/data.yaml
