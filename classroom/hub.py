"""Start and stop the classroom's JupyterHub, by process id.

    python -m classroom start [--state DIR] [--port 8000] [--venv DIR]
    python -m classroom stop  [--state DIR]
    python -m classroom status [--state DIR]
    python -m classroom remove-accounts

``start`` makes the demo accounts and the state folder (:mod:`classroom.layout`), starts
JupyterHub in a session of its own (log: ``<state>/hub/jupyterhub.log``), waits until it
answers, and prints the URL, the accounts and the password. ``stop`` sends the hub SIGTERM (it
stops the proxy and every user's server), waits, then ends by process id whatever is left of
them: the proxy (its pid file) and the users' servers (the pids in the hub's database).
Exit codes: 0 done, 1 the hub did not start or did not stop, 2 usage (not root, no proxy).
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from . import ACCOUNTS, COURSE_ID, HERE, INSTRUCTOR, REPO, STUDENTS, accounts
from .layout import Layout, prepare

DEFAULT_STATE = REPO / "build" / "classroom-hub"
DEFAULT_PORT = 8000
PROXY = HERE / "node_modules" / ".bin" / "configurable-http-proxy"
START_TIMEOUT = 120.0
STOP_TIMEOUT = 60.0
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    pass


# -- processes ------------------------------------------------------------------------------------
def cmdline(pid: int) -> str:
    """The process's command line ('' if there is no such process)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def alive(pid: int) -> bool:
    """Whether ``pid`` is a running process (not a zombie)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return False
    return fields[0] != "Z"


def read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


def end(pid: int, expect: str, timeout: float) -> bool:
    """SIGTERM ``pid`` if it is still the process we started (its command line contains
    ``expect``), SIGKILL after ``timeout``; True if it is gone."""
    if not alive(pid) or expect not in cmdline(pid):
        return True
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.2)
    os.kill(pid, signal.SIGKILL)
    time.sleep(0.5)
    return not alive(pid)


def server_pids(database: Path) -> list[int]:
    """The pids of users' servers recorded in the hub's database."""
    if not database.exists():
        return []
    with contextlib.closing(sqlite3.connect(database)) as con:
        rows = con.execute("SELECT state FROM spawners").fetchall()
    pids = []
    for (state,) in rows:
        try:
            pid = json.loads(state or "{}").get("pid")
        except (TypeError, ValueError):
            continue
        if pid:
            pids.append(int(pid))
    return pids


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_taken(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


# -- start, stop ----------------------------------------------------------------------------------
def running(layout: Layout) -> int | None:
    """The hub's pid if this classroom's hub is running."""
    pid = read_pid(layout.pid_file)
    return pid if pid is not None and alive(pid) and "jupyterhub" in cmdline(pid) else None


def wait_until_up(url: str, proc: subprocess.Popen, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(f"{url}hub/health", timeout=5) as r:
                if r.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    return False


def announce(layout: Layout, port: int) -> None:
    print(f"""The classroom is running: http://127.0.0.1:{port}/
  {INSTRUCTOR:<10} the instructor: Formgrader and Create Assignment, on the course directory ~/{COURSE_ID}
  {', '.join(STUDENTS)}  students: the Assignments panel (fetch, Validate, submit, feedback)
  password of every account: {layout.password()}
State: {layout.root} (exchange: {layout.exchange}; log: {layout.log_file})
Stop it with: bash scripts/classroom.sh stop{'' if layout.root == DEFAULT_STATE else f' --state {layout.root}'}""")


def start(layout: Layout, port: int, venv: Path) -> int:
    if os.geteuid() != 0:
        raise UsageError("the classroom runs each user's server as that user, which needs root: "
                         "sudo bash scripts/classroom.sh")
    if not PROXY.exists():
        raise UsageError(f"{PROXY} is missing: run `npm ci` in {HERE} (scripts/classroom.sh does)")
    if (pid := running(layout)) is not None:
        print(f"already running (pid {pid})")
        announce(layout, int(layout.port_file.read_text()))
        return EXIT_OK
    if port_taken(port):
        raise UsageError(f"port {port} on 127.0.0.1 is in use: pass --port")
    for name in ACCOUNTS:
        accounts.ensure(name)
    prepare(layout, ACCOUNTS)
    if not (venv / "bin" / "jupyterhub-singleuser").exists():
        raise UsageError(f"{venv} is not a virtual environment with the course's requirements (--venv)")
    env = dict(os.environ, CLASSROOM_STATE=str(layout.root), CLASSROOM_PORT=str(port), CLASSROOM_VENV=str(venv),
               CLASSROOM_HUB_PORT=str(free_port()), CLASSROOM_PROXY_API_PORT=str(free_port()),
               PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", os.defpath)]))
    with open(layout.log_file, "ab") as log:
        proc = subprocess.Popen([sys.executable, "-m", "jupyterhub", "-f", str(HERE / "jupyterhub_config.py")],
                                cwd=layout.hub_dir, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
    layout.pid_file.write_text(f"{proc.pid}\n")
    layout.port_file.write_text(f"{port}\n")
    url = f"http://127.0.0.1:{port}/"
    if not wait_until_up(url, proc, START_TIMEOUT):
        stop(layout)
        tail = layout.log_file.read_text(errors="replace")[-3000:]
        print(f"the hub did not start within {START_TIMEOUT:.0f} s; the end of its log:\n{tail}", file=sys.stderr)
        return EXIT_FAILED
    announce(layout, port)
    return EXIT_OK


def stop(layout: Layout) -> int:
    """Stop the hub, then whatever it left of the proxy and the users' servers; 0 if all are gone."""
    pid = read_pid(layout.pid_file)
    gone = end(pid, "jupyterhub", STOP_TIMEOUT) if pid is not None else True
    proxy = read_pid(layout.proxy_pid_file)
    if proxy is not None:
        gone &= end(proxy, "configurable-http-proxy", 10)
        layout.proxy_pid_file.unlink(missing_ok=True)
    for server in server_pids(layout.database):
        gone &= end(server, "jupyterhub-singleuser", 20)
    if gone:
        layout.pid_file.unlink(missing_ok=True)
        print("the classroom is stopped" if pid is not None else "the classroom was not running")
        return EXIT_OK
    print("some of the classroom's processes did not stop (see the pids above)", file=sys.stderr)
    return EXIT_FAILED


def status(layout: Layout) -> int:
    pid = running(layout)
    print(f"running (pid {pid})" if pid else "not running")
    return EXIT_OK if pid else EXIT_FAILED


def remove_accounts() -> int:
    removed = [name for name in ACCOUNTS if accounts.remove(name)]
    print(f"removed: {', '.join(removed) or 'none'}")
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m classroom", description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["start", "stop", "status", "remove-accounts"], nargs="?", default="start")
    parser.add_argument("--state", type=Path, default=DEFAULT_STATE, help=f"state folder (default: {DEFAULT_STATE})")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"public port on 127.0.0.1 (default {DEFAULT_PORT})")
    parser.add_argument("--venv", type=Path, default=Path(sys.prefix),
                        help="the virtual environment of the users' servers and kernels (default: this one)")
    args = parser.parse_args(argv)
    layout = Layout(args.state.resolve())
    try:
        if args.command == "start":
            return start(layout, args.port, args.venv.absolute())
        if args.command == "stop":
            return stop(layout)
        if args.command == "status":
            return status(layout)
        return remove_accounts()
    except (UsageError, accounts.AccountError) as err:
        print(f"classroom: {err}", file=sys.stderr)
        return EXIT_USAGE
