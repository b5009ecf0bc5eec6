#!/usr/bin/env bash
# The classroom on one machine: a local JupyterHub with an instructor and three students, nbgrader's
# exchange, Formgrader for the instructor, the Assignments panel for the students (docs/classroom.md).
#
#   bash scripts/classroom.sh                 start it (prints the URL, the accounts and the password)
#   bash scripts/classroom.sh stop            stop the hub, its proxy and every user's server
#   bash scripts/classroom.sh status
#   bash scripts/classroom.sh remove-accounts remove the demo system accounts (after stop)
#   options: --state DIR (default build/classroom-hub), --port N (default 8000)
#
# Needs root (each user's server runs as that user's system account) and Node.js for the hub's
# proxy (configurable-http-proxy, pinned in classroom/package-lock.json).
set -euo pipefail
cd "$(dirname "$0")/.."
command=start
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
  command="$1"
  shift
fi
if [ "$command" = start ] && [ "$(id -u)" != 0 ]; then
  echo "classroom: each user's server runs as that user's system account, which needs root: sudo bash scripts/classroom.sh" >&2
  exit 2
fi
if [ "$command" = start ]; then
  bash scripts/setup.sh
  if ! command -v npm >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "classroom: installing nodejs and npm with apt-get"
    apt-get install -y -qq nodejs npm >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq nodejs npm >/dev/null 2>&1; }
  fi
  command -v npm >/dev/null 2>&1 || { echo "classroom: Node.js and npm are needed for the hub's proxy" >&2; exit 2; }
  # The proxy, exactly as locked; reinstalled only when the lock file changes.
  stamp=classroom/node_modules/.installed
  want=$(sha256sum classroom/package-lock.json | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "classroom: installing the hub's proxy (npm ci in classroom/)"
    (cd classroom && npm ci --no-audit --no-fund --loglevel=error)
    echo "$want" > "$stamp"
  fi
  # Users' servers run as the users, so their Python must be one they may run. When this venv's
  # interpreter is out of their reach (pyenv under /root, say), the classroom gets a venv of its
  # own from the system's python3.11 with the same requirements (a few minutes, once).
  users_venv=.venv
  if ! runuser -u nobody -- .venv/bin/python -I -c "import jupyterhub, torch, course" >/dev/null 2>&1; then
    users_venv=build/classroom-venv
    py=""
    for candidate in /usr/bin/python3.11 /usr/local/bin/python3.11; do
      if runuser -u nobody -- "$candidate" -c "import venv" >/dev/null 2>&1; then py="$candidate"; break; fi
    done
    [ -n "$py" ] || { echo "classroom: no python3.11 that every user may run (apt-get install python3.11-venv)" >&2; exit 2; }
    [ -x "$users_venv/bin/python" ] || "$py" -m venv "$users_venv"
    stamp="$users_venv/.installed"
    want=$(cat requirements.txt pyproject.toml | sha256sum | cut -d' ' -f1)
    if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
      echo "classroom: installing requirements.txt into $users_venv for the users' servers (first time: a few minutes)"
      "$users_venv/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements.txt 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
      "$users_venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps -e . 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
      echo "$want" > "$stamp"
    fi
    runuser -u nobody -- "$users_venv/bin/python" -I -c "import jupyterhub, torch, course" >/dev/null 2>&1 \
      || { echo "classroom: the users cannot import the course from $users_venv (is the repository readable by all?)" >&2; exit 2; }
  fi
  set -- --venv "$users_venv" "$@"
fi
exec .venv/bin/python -m classroom "$command" "$@"
