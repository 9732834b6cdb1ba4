#!/usr/bin/env bash
# README command 1: set up, then run the main job:
#   prepare the dataset -> train rules, TF-IDF and the transformer (each one MLflow run,
#   registered with alias "candidate") -> compare them.
# MLFLOW_TRACKING_URI overrides the default store (sqlite:///mlflow.db in the project root).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export MLFLOW_DISABLE_TELEMETRY=true DO_NOT_TRACK=true
classifier=.venv/bin/classifier

echo "== 1/5 prepare: ingest, clean, split and build data/processed"
$classifier prepare --config configs/data.yaml
echo "== 2/5 train: rules baseline"
$classifier train configs/rules.yaml
echo "== 3/5 train: TF-IDF baseline"
$classifier train configs/tfidf.yaml
echo "== 4/5 train: transformer (multilingual-e5-small, offline; ~10-15 min on 2 CPU cores)"
$classifier train configs/transformer.yaml
echo "== 5/5 compare"
$classifier compare
echo
echo "Browse the runs: .venv/bin/mlflow ui --backend-store-uri sqlite:///mlflow.db"
