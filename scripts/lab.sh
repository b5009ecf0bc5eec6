#!/usr/bin/env bash
# For a student: set up, then open JupyterLab on the release notebooks.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/jupyter lab --notebook-dir=release "$@"
