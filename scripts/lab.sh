#!/usr/bin/env bash
# For a student: set up, then open JupyterLab on the release notebooks. (The instructor's tools
# work here too, on this repository as the course directory; a class uses scripts/classroom.sh.)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# nbgrader (Formgrader, Validate, the Assignments panel) runs `alembic` and `nbgrader` from PATH:
# this venv's, activated or not. Its exchange is build/exchange unless NBGRADER_EXCHANGE_ROOT
# says otherwise (nbgrader_config.py).
export PATH="$PWD/.venv/bin:$PATH"
mkdir -p "${NBGRADER_EXCHANGE_ROOT:-build/exchange}"
# JupyterLab refuses to run as root unless told to: root here is the one user of a container or
# a machine of one's own. (A class runs every user's server as that user: scripts/classroom.sh.)
as_root=()
if [ "$(id -u)" = 0 ]; then
  as_root=(--allow-root)
fi
exec .venv/bin/jupyter lab --notebook-dir=release "${as_root[@]}" "$@"
