#!/usr/bin/env bash
# Set up, then run the whole test suite (lint, checks, widgets, every lesson through nbgrader,
# every mutant) in parallel over the machine's cores.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export MPLBACKEND=Agg OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
exec .venv/bin/python -m pytest -n "${PYTEST_JOBS:-auto}" --dist loadgroup "$@"
