"""The warm path: one pristine kernel parent per grader worker, forking a kernel per notebook.

Starting a kernel cold costs about a second and a half before any student code runs (Python,
then torch, numpy, matplotlib, IPython and ipykernel imported afresh). :class:`ForkServer`
starts ``python -I -B -m course.kernel --serve`` once per worker, inside the same bubblewrap
allow-list a cold kernel gets (``autograder.sandbox``), with the worker's *spool* folder as
its only writable place (``/tmp`` and ``/dev/shm`` read-only). The server imports everything
once and never runs student code; for each notebook it forks a child that drops to a user of
its own (with ``setgroups``, ``setgid``, ``setuid`` and no new privileges), takes the
kernel's resource limits, works in its own folder inside the spool (mode 0700, its user's),
and becomes the kernel. The server keeps only the capabilities to do that (``CAP_SETUID``,
``CAP_SETGID``, ``CAP_KILL``), and a fresh uid per notebook means a kernel can neither signal
nor trace the server, nor read another notebook's folder.

This needs a root grader (users of their own) and a working bubblewrap; elsewhere
:func:`available` says why and the grader starts each kernel cold.
"""
from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from . import sandbox
from .limits import Limits

START_TIMEOUT = 120.0


def available(limits: Limits) -> tuple[bool, str]:
    """(usable, why not) for warm kernels under ``limits``."""
    if not limits.warm:
        return False, "warm kernels off (--cold)"
    if not limits.sandbox or not sandbox.probe()[0]:
        return False, "no sandbox"
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        return False, "not root (a user of its own per kernel needs root)"
    return True, ""


def _rlimits(limits: Limits) -> dict[str, int]:
    return {"RLIMIT_AS": limits.kernel_memory, "RLIMIT_FSIZE": limits.kernel_file_size, "RLIMIT_CPU": limits.kernel_cpu_seconds,
            "RLIMIT_NOFILE": limits.kernel_open_files, "RLIMIT_CORE": 0, "RLIMIT_NPROC": limits.kernel_processes}


def isolation(limits: Limits) -> tuple[bool, str]:
    """(confined, the isolation line every report carries): the sandbox's, then cold or warm kernels."""
    confine, line = sandbox.isolation(limits)
    warm, why = available(limits)
    return confine, line + ("; kernels forked from a pristine parent per worker" if warm else f"; cold kernels ({why})")


class ServerGone(RuntimeError):
    pass


class ForkServer:
    """A pristine kernel parent, confined, talking over its stdin and stdout."""

    def __init__(self, limits: Limits) -> None:
        self.spool = Path(tempfile.mkdtemp(prefix="grade-spool-"))
        os.chmod(self.spool, 0o711)  # kernels may reach their own folder inside, not list the others
        argv = sandbox.server_argv(self.spool, limits)
        env = {**sandbox.kernel_env(self.spool), "COURSE_PROBES": "answer"}
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     env=env, cwd=self.spool, start_new_session=True)
        self.exits: dict[int, int] = {}
        self._replies: list[dict] = []
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self._got_reply = threading.Condition(self._lock)
        self.started: dict = {}
        threading.Thread(target=self._read, daemon=True).start()
        if not self._ready.wait(START_TIMEOUT) or self.proc.poll() is not None:
            self.close()
            raise ServerGone("the warm kernel parent did not start")
        atexit.register(self.close)

    def _read(self) -> None:
        for raw in self.proc.stdout:
            try:
                message = json.loads(raw)
            except ValueError:
                continue
            with self._lock:
                if "ready" in message:
                    self.started = message
                    self._ready.set()
                elif "exit" in message:
                    self.exits[int(message["exit"])] = int(message["status"])
                else:
                    self._replies.append(message)
                    self._got_reply.notify_all()
        with self._lock:
            self._got_reply.notify_all()

    def alive(self) -> bool:
        return self.proc.poll() is None

    def fork(self, workdir: Path, connection: Path, uid: int, env: dict[str, str], limits: Limits) -> int:
        """Start a kernel for ``workdir``; its pid (as the server sees it)."""
        request = {"dir": str(workdir), "connection": str(connection), "uid": uid, "env": env, "limits": _rlimits(limits)}
        with self._lock:
            if not self.alive():
                raise ServerGone("the warm kernel parent is gone")
            self.proc.stdin.write((json.dumps(request) + "\n").encode())
            self.proc.stdin.flush()
            deadline = time.monotonic() + 30
            while not self._replies:
                left = deadline - time.monotonic()
                if left <= 0 or not self.alive():
                    raise ServerGone("the warm kernel parent did not answer")
                self._got_reply.wait(left)
            return int(self._replies.pop(0)["pid"])

    def exited(self, pid: int) -> bool:
        with self._lock:
            return pid in self.exits

    def new_folder(self) -> Path:
        return Path(tempfile.mkdtemp(prefix="job-", dir=self.spool))

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, 9)
            except OSError:
                pass
            self.proc.wait(timeout=10)
        shutil.rmtree(self.spool, ignore_errors=True)


_server: ForkServer | None = None


def server(limits: Limits) -> ForkServer:
    """This worker's fork server, started on first use and again if it died."""
    global _server
    if _server is None or not _server.alive():
        if _server is not None:
            _server.close()
        _server = ForkServer(limits)
    return _server


class WarmHandle:
    """A forked kernel: alive until the server reports its exit; killed through its user."""

    def __init__(self, srv: ForkServer, pid: int, uid: int) -> None:
        self.srv, self.pid, self.uid = srv, pid, uid

    def alive(self) -> bool:
        return self.srv.alive() and not self.srv.exited(self.pid)

    def kill(self) -> None:
        sandbox.sweep(self.uid)
        deadline = time.monotonic() + 10
        while self.alive() and time.monotonic() < deadline:
            time.sleep(0.02)
