"""The grading kernel's entry points: one cold kernel, or a warm, pristine parent that forks them.

The grader starts every student kernel through this module (see ``autograder.sandbox`` and
``autograder.forkserver``), always in Python's isolated mode (``-I``), so the working folder
and ``PYTHONPATH`` never come before the installed packages and nothing the student submitted
can stand in for one; the submission's folder is appended *after* every installed one, so a
helper module beside the notebook still imports. Kernels run with ``COURSE_PROBES=answer``:
their probes answer the grader instead of judging (:mod:`course.probing`).

* ``python -I -B -m course.kernel -f CONNECTION_FILE`` starts one kernel (the cold path).
* ``python -I -B -m course.kernel --serve`` is a *pristine parent*: it imports what every
  lesson imports (torch, numpy, matplotlib, IPython, ipykernel, ipywidgets, course) once, runs
  no student code and starts no thread, then reads requests, one JSON object per line on
  stdin: ``{"dir": ..., "connection": ..., "uid": ..., "env": {...}, "limits": {...}}``. For
  each it forks a child that drops to the kernel's own user with its resource limits, no new
  privileges, the kernel's environment and fresh random seeds, and becomes that notebook's
  kernel; it answers ``{"pid": ...}``, and ``{"exit": pid, "status": ...}`` when a child ends.
  A child is a copy-on-write copy of the pristine parent: nothing one submission does reaches
  the parent or the next child. The parent is not dumpable (no process of the kernels' users
  can trace it).
"""
from __future__ import annotations

import json
import os
import sys

# What lessons import, and what a kernel imports while it starts (measured: sys.modules before
# and after IPKernelApp.initialize), so that a forked kernel imports nothing of its own.
PRELOAD = ("numpy", "torch", "torch.nn", "torch.nn.functional", "torch.optim", "torch.autograd.functional",
           "matplotlib", "matplotlib.figure", "matplotlib.pyplot", "matplotlib_inline.backend_inline", "IPython",
           "ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.debugger", "IPython.core.debugger",
           "IPython.core.completerlib", "IPython.core.oinspect", "IPython.extensions.storemagic", "tornado.gen",
           "tornado.queues", "tornado.locks", "tornado.platform.asyncio", "pdb", "pydoc", "http.server",
           "xmlrpc.client", "encodings.idna", "ipywidgets", "course", "course.checks", "course.plots", "course.widgets",
           "course.probing", "course.recorder", "course.wire")
# A grading kernel keeps no input history (IPython would open an SQLite file in its folder).
KERNEL_ARGS = ("--IPKernelApp.parent_handle=0", "--HistoryManager.enabled=False")
_PR_SET_DUMPABLE, _PR_SET_NO_NEW_PRIVS = 4, 38


def _prctl(option: int, value: int) -> None:
    import ctypes

    ctypes.CDLL(None, use_errno=True).prctl(option, value, 0, 0, 0)


def _start_kernel(connection_file: str) -> None:
    from ipykernel.kernelapp import IPKernelApp

    app = IPKernelApp.instance()
    app.initialize(["-f", connection_file, *KERNEL_ARGS])
    app.start()


def main() -> None:
    """One kernel (the cold path): ``python -I -B -m course.kernel -f CONNECTION_FILE``."""
    os.environ["COURSE_PROBES"] = "answer"
    sys.path.append(os.getcwd())
    from ipykernel.kernelapp import IPKernelApp

    IPKernelApp.launch_instance()


def _become_kernel(request: dict, close: tuple[int, ...] = ()) -> None:
    """In a forked child: confine this process to the request's user and limits, then run the
    kernel; ``close``: the parent's own descriptors, closed first."""
    import random
    import resource
    import signal

    os.setsid()
    signal.set_wakeup_fd(-1)
    for fd in close:
        os.close(fd)
    for sig in (signal.SIGCHLD, signal.SIGINT, signal.SIGTERM, signal.SIGPIPE):
        signal.signal(sig, signal.SIG_DFL)
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    limits = request.get("limits", {})
    for name, value in limits.items():
        resource.setrlimit(getattr(resource, name), (value, value))
    uid = request.get("uid")
    if uid is not None:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
    _prctl(_PR_SET_NO_NEW_PRIVS, 1)
    os.chdir(request["dir"])
    os.environ.clear()
    os.environ.update(request.get("env", {}), COURSE_PROBES="answer")
    sys.path.append(request["dir"])
    random.seed()
    import numpy

    numpy.random.seed()
    _start_kernel(request["connection"])


def serve() -> None:
    """The pristine parent: preload, then fork one kernel per request (see the module's docstring)."""
    import contextlib
    import importlib
    import select
    import signal
    import time

    os.environ["COURSE_PROBES"] = "answer"
    t0 = time.perf_counter()
    for name in PRELOAD:
        importlib.import_module(name)
    _prctl(_PR_SET_DUMPABLE, 0)
    out = sys.stdout

    def say(message: dict) -> None:
        out.write(json.dumps(message) + "\n")
        out.flush()

    # A child's end wakes the loop at once (its folder is reused as soon as the grader hears of
    # it): SIGCHLD writes a byte to this pipe, which select watches beside stdin.
    woken, wake = os.pipe()
    os.set_blocking(woken, False)
    os.set_blocking(wake, False)
    signal.set_wakeup_fd(wake)
    signal.signal(signal.SIGCHLD, lambda signum, frame: None)
    say({"ready": round(time.perf_counter() - t0, 3), "threads": len(os.listdir("/proc/self/task"))})
    stdin = sys.stdin.buffer
    pending = b""
    while True:
        readable, _, _ = select.select([stdin, woken], [], [], 1.0)
        if woken in readable:  # one byte per signal; anything left wakes the next select
            with contextlib.suppress(BlockingIOError):
                os.read(woken, 4096)
        while True:  # reap every child that ended
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            say({"exit": pid, "status": status})
        if stdin not in readable:
            continue
        chunk = os.read(stdin.fileno(), 1 << 16)
        if not chunk:
            return  # the grader closed the pipe: the worker is gone
        pending += chunk
        while b"\n" in pending:
            line, pending = pending.split(b"\n", 1)
            request = json.loads(line)
            pid = os.fork()
            if pid == 0:
                try:
                    _become_kernel(request, close=(woken, wake))
                finally:
                    os._exit(0)
            say({"pid": pid})


if __name__ == "__main__":
    if "--serve" in sys.argv[1:]:
        serve()
    else:
        main()
