#!/usr/bin/env bash
# Set up (or refresh) the project's virtual environment in .venv.
#
#   bash scripts/setup.sh            everything in requirements.txt (lessons, JupyterLab, tests)
#   bash scripts/setup.sh --grading  only requirements-grade.txt (what `course grade` needs; CI's grading jobs)
#
# Idempotent: a stamp holding the hash of the requirements file, pyproject.toml and the venv's
# Python skips pip when nothing changed. Needs a Python that pyproject.toml's requires-python
# admits (PYTHON=... picks one; otherwise the first of python3, python3.X newest first), with
# venv and pip; nothing else.
set -euo pipefail
cd "$(dirname "$0")/.."

REQUIREMENTS=requirements.txt
SYSTEM="bubblewrap chromium"
case "${1:-}" in
  "") ;;
  --grading) REQUIREMENTS=requirements-grade.txt; SYSTEM="bubblewrap" ;;
  *) echo "usage: bash scripts/setup.sh [--grading]" >&2; exit 2 ;;
esac

# The supported Pythons: requires-python = ">=3.LO,<3.HI" in pyproject.toml, the one place.
spec=$(sed -n 's/^requires-python *= *"\(.*\)"$/\1/p' pyproject.toml)
if [[ ! "$spec" =~ ^\>=3\.([0-9]+),\<3\.([0-9]+)$ ]]; then
  echo "setup: pyproject.toml's requires-python should read \">=3.X,<3.Y\", not \"$spec\"" >&2
  exit 1
fi
lo=${BASH_REMATCH[1]} hi=${BASH_REMATCH[2]}
minor_of() { "$1" -c 'import sys; print(sys.version_info[1] if sys.version_info[0] == 3 else -1)' 2>/dev/null; }
if [ -n "${PYTHON:-}" ]; then
  candidates=("$PYTHON")
else
  candidates=(python3)
  for ((m = hi - 1; m >= lo; m--)); do candidates+=("python3.$m"); done
fi
PY="" seen=""
for c in "${candidates[@]}"; do
  command -v "$c" >/dev/null 2>&1 || continue
  m=$(minor_of "$c") || continue
  seen="$seen $c (3.$m)"
  if [ "$m" -ge "$lo" ] && [ "$m" -lt "$hi" ]; then PY=$c; break; fi
done
if [ -z "$PY" ]; then
  echo "setup: needs Python $spec (pyproject.toml; torch==2.13.0 and nbgrader have wheels for these);" \
       "found${seen:- none of ${candidates[*]}}. Install one, or point PYTHON at it." >&2
  exit 1
fi

# System packages, installed when we may (root with apt-get): bubblewrap confines the grading
# kernels (autograder/sandbox.py; without it `course grade` refuses in CI and says how to get
# it); chromium is the browser of the JupyterLab test (tests/test_browser.py; skipped without it).
# A runner that is not root installs them itself (as .github/workflows/course.yml does, with sudo).
missing=""
command -v bwrap >/dev/null 2>&1 || [[ " $SYSTEM " != *" bubblewrap "* ]] || missing="$missing bubblewrap"
command -v chromium >/dev/null 2>&1 || [[ " $SYSTEM " != *" chromium "* ]] || missing="$missing chromium"
if [ -n "$missing" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "setup: installing$missing with apt-get"
  (apt-get install -y -qq $missing >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq $missing >/dev/null 2>&1; }) \
    || echo "setup: could not install$missing (no sandbox for the grader, the browser test is skipped)"
fi

VENV=.venv
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "" 2>/dev/null; then
  echo "setup: creating $VENV with $("$PY" --version)"
  "$PY" -m venv --clear "$VENV"
elif [ -n "${PYTHON:-}" ] && [ "$(minor_of "$VENV/bin/python")" != "$(minor_of "$PY")" ]; then
  echo "setup: note: $VENV keeps $("$VENV/bin/python" --version), not $("$PY" --version) from PYTHON; remove $VENV to switch" >&2
fi
stamp="$VENV/.installed"
want=$( { cat "$REQUIREMENTS" pyproject.toml; "$VENV/bin/python" --version; } | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup: installing $REQUIREMENTS into $VENV with $("$VENV/bin/python" --version) (first time: a minute or more)"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQUIREMENTS" 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps -e . 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
  echo "$want" > "$stamp"
fi
# The kernel the notebooks run in is this venv's python.
"$VENV/bin/python" -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (ipykernel)" >/dev/null
