#!/usr/bin/env bash
# Set up (or refresh) the project's virtual environment in .venv from requirements.txt.
# Idempotent: a stamp holding the hash of requirements.txt and pyproject.toml skips pip
# when nothing changed. Needs Python 3.11 with venv and pip; nothing else.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3.11}"
command -v "$PY" >/dev/null 2>&1 || PY=python3
"$PY" - <<'PYCHECK'
import sys
if sys.version_info[:2] != (3, 11):
    sys.exit(f"Python 3.11 is required (torch==2.13.0 wheel), found {sys.version.split()[0]}")
PYCHECK
# System packages, installed when we may (root with apt-get): bubblewrap confines the grading
# kernels (autograder/sandbox.py; without it the grader falls back to resource limits and says
# so); chromium is the browser of the JupyterLab test (tests/test_browser.py; skipped without it).
missing=""
command -v bwrap >/dev/null 2>&1 || missing="$missing bubblewrap"
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
if [ -n "$missing" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "setup: installing$missing with apt-get"
  (apt-get install -y -qq $missing >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq $missing >/dev/null 2>&1; }) \
    || echo "setup: could not install$missing (the grader runs without a sandbox, the browser test is skipped)"
fi
VENV=.venv
if [ ! -x "$VENV/bin/python" ]; then
  echo "setup: creating $VENV with $("$PY" --version)"
  "$PY" -m venv "$VENV"
fi
stamp="$VENV/.installed"
want=$(cat requirements.txt pyproject.toml | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup: installing requirements.txt into $VENV (first time: about a minute)"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements.txt 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps -e . 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
  echo "$want" > "$stamp"
fi
# The kernel the notebooks run in is this venv's python.
"$VENV/bin/python" -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (ipykernel)" >/dev/null
