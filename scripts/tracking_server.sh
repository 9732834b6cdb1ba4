#!/usr/bin/env bash
# Start a local MLflow tracking server that also serves artifacts (--serve-artifacts), so
# `classifier train/promote/predict` can run against it from any machine that reaches it.
#
#   bash scripts/tracking_server.sh [extra `mlflow server` options, e.g. --workers 1]
#
# Environment (all optional; the first two are MLflow's own variable names):
#   MLFLOW_BACKEND_STORE_URI      metadata store, e.g.
#                                 postgresql+psycopg2://mlflow@127.0.0.1:5432/mlflow
#                                 (needs: .venv/bin/pip install psycopg2-binary; name the driver:
#                                 SQLAlchemy >= 2.1 maps a bare postgresql:// to psycopg 3);
#                                 default: sqlite:///$PWD/mlserver/mlflow.db
#   MLFLOW_ARTIFACTS_DESTINATION  where the server stores artifacts; default ./mlserver/artifacts
#   HOST                          interface to bind; default 127.0.0.1 (this machine only)
#   PORT                          default 5000
#
# The first line on stdout is the `export MLFLOW_TRACKING_URI=...` to run in the client shell.
# The server runs in the foreground; Ctrl-C stops it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MLFLOW="$ROOT/.venv/bin/mlflow"
[[ -x "$MLFLOW" ]] || MLFLOW="$(command -v mlflow || true)"
if [[ -z "$MLFLOW" ]]; then
    echo "error: mlflow not found (run scripts/setup.sh first)" >&2
    exit 1
fi

HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-5000}"
BACKEND="${MLFLOW_BACKEND_STORE_URI:-}"
ARTIFACTS="${MLFLOW_ARTIFACTS_DESTINATION:-$PWD/mlserver/artifacts}"
if [[ -z "$BACKEND" ]]; then
    mkdir -p "$PWD/mlserver"
    BACKEND="sqlite:///$PWD/mlserver/mlflow.db"
fi
# A plain path becomes an absolute directory; URIs (s3://, gs://, file://) pass through.
if [[ "$ARTIFACTS" != *://* ]]; then
    mkdir -p "$ARTIFACTS"
    ARTIFACTS="$(cd "$ARTIFACTS" && pwd)"
fi

echo "export MLFLOW_TRACKING_URI=http://$HOST:$PORT"
# Print the backend without its password (postgresql://user:secret@host -> user:***@host).
echo "backend: $(sed -E 's#(://[^:/@]+):[^@]*@#\1:***@#' <<<"$BACKEND"); artifacts: $ARTIFACTS" >&2

export MLFLOW_DISABLE_TELEMETRY=true DO_NOT_TRACK=true
# New experiments get mlflow-artifacts:/ as their root, so clients upload and download through
# this server instead of writing to a path that only exists on their own machine.
exec "$MLFLOW" server \
    --backend-store-uri "$BACKEND" \
    --serve-artifacts \
    --artifacts-destination "$ARTIFACTS" \
    --default-artifact-root mlflow-artifacts:/ \
    --host "$HOST" \
    --port "$PORT" \
    "$@"
