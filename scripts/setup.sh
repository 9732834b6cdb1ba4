#!/usr/bin/env bash
# Create .venv and install the project (editable, with the dev and fast extras). Idempotent: re-runs only
# when pyproject.toml changed. torch is installed first and pinned: on these machines
# torch==2.13.0 resolves to a local CPU wheel, while an unpinned torch would pull several GB
# of CUDA packages. GPU users: see "GPU" in README.md (TORCH_SPEC / TORCH_INDEX_URL).
set -euo pipefail
cd "$(dirname "$0")/.."

python_bin=${PYTHON:-}
if [ -z "$python_bin" ]; then
  for candidate in python3.11 python3.12 python3.13 python3; do
    if command -v "$candidate" >/dev/null 2>&1; then python_bin=$candidate; break; fi
  done
fi
if [ -z "$python_bin" ] || ! "$python_bin" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "error: Python >= 3.11 is required (set PYTHON=/path/to/python3.11)" >&2
  exit 1
fi

if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv with $python_bin"
  "$python_bin" -m venv .venv
fi

stamp=".venv/.installed-$(cat pyproject.toml scripts/setup.sh | sha1sum | cut -c1-12)"
if [ ! -f "$stamp" ]; then
  echo "setup: installing torch and the project into .venv (first run takes a few minutes)"
  .venv/bin/python -m pip install --quiet --upgrade pip
  if [ -n "${TORCH_INDEX_URL:-}" ]; then
    .venv/bin/pip install --quiet "${TORCH_SPEC:-torch==2.13.0}" --index-url "$TORCH_INDEX_URL"
  else
    .venv/bin/pip install --quiet "${TORCH_SPEC:-torch==2.13.0}"
  fi
  .venv/bin/pip install --quiet -e '.[dev,fast]'
  rm -f .venv/.installed-*
  touch "$stamp"
fi
