#!/usr/bin/env bash
# The main job: set up, regenerate release/ from source/ with nbgrader, autograde the bundled
# example submissions with nbgrader's gradebook, print the score table, write CSV + feedback.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python -m autograder.demo "$@"
