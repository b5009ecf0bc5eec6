"""One kernel for one notebook: start it, run code in it under limits, take what it sends, end it.

:class:`KernelSession` owns everything about the student's kernel: its folder's ownership
and size, the process (confined by :mod:`autograder.sandbox`), the client's sockets, the
time limit of each request, what of its messages is kept, and the clean-up (kill, sweep,
sockets closed). Nothing the kernel sends is trusted or kept beyond the limits:

* a message larger than ``Limits.message_bytes`` is refused by the socket itself (ZMQ's
  ``MAXMSGSIZE``; the kernel's connection is then cut and the request times out);
* outputs are kept up to ``cell_output_chars`` per cell and ``notebook_output_chars`` per
  notebook (then one note says what was dropped); an error's name, message and traceback are
  cut to ``error_chars``; display updates and comm messages (widgets) are not kept at all;
* probe answers (``display_data`` of :data:`course.probing.MIME`) are set apart, at most
  ``answers_per_cell`` per request and ``answer_chars_per_cell`` in all, each at most
  :data:`course.wire.MAX_TEXT` characters;
* the folder the kernel writes is measured while it runs; past ``folder_quota`` bytes or
  ``folder_files`` files the kernel is killed.

A request that runs past its time is interrupted (the kernel's own ``interrupt_request``);
a kernel that does not come back within ``interrupt_grace`` seconds is killed. The kernel is
started cold (``autograder.sandbox.start_cold``) or forked warm from the worker's pristine
parent (``autograder.forkserver``); the session is the same either way.
"""
from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from queue import Empty
from typing import Any

import nbformat
from nbformat import NotebookNode

from course import probing, wire

from . import sandbox
from .forkserver import ForkServer, WarmHandle
from .limits import Limits


class KernelGone(RuntimeError):
    """The kernel died or was killed; the message says why."""


@dataclass
class Execution:
    """What one request did."""

    status: str                  # ok | error | timeout (interrupted, kernel alive) | dead
    seconds: float
    outputs: list[NotebookNode] = field(default_factory=list)
    answers: list[tuple[str, str]] = field(default_factory=list)  # (probe name, wire text), in arrival order
    note: str = ""               # why it did not end normally; what was dropped


class _Budget:
    """Characters of output left to keep, per cell and per notebook."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.notebook_left = limits.notebook_output_chars

    def cell(self) -> "_CellBudget":
        return _CellBudget(self, min(self.limits.cell_output_chars, self.notebook_left))


class _CellBudget:
    def __init__(self, parent: _Budget, left: int) -> None:
        self.parent, self.left, self.dropped = parent, left, 0

    def take(self, size: int) -> bool:
        """Keep ``size`` characters if they fit whole."""
        if size <= self.left:
            self.left -= size
            self.parent.notebook_left -= size
            return True
        self.dropped += size
        return False

    def cut(self, text: str) -> str:
        """As much of ``text`` as fits."""
        kept = text[: max(0, self.left)]
        self.take(len(kept))
        self.dropped += len(text) - len(kept)
        return kept


def _size(value: Any, limit: int = 1 << 40) -> int:
    """Characters in the strings of a JSON-like value (bounded walk)."""
    stack, total = [value], 0
    while stack and total <= limit:
        v = stack.pop()
        if isinstance(v, str):
            total += len(v)
        elif isinstance(v, dict):
            stack.extend(v.values())
            total += len(v)
        elif isinstance(v, list):
            stack.extend(v)
        else:
            total += 8
    return total


def _error_output(content: dict, limit: int) -> NotebookNode:
    ename = str(content.get("ename", "Error"))[:200]
    evalue = str(content.get("evalue", ""))[:limit]
    lines, left = [], limit
    for line in list(content.get("traceback", []) or [])[-20:]:
        text = str(line)[:2000]
        if len(text) > left:
            break
        lines.append(text)
        left -= len(text)
    return nbformat.v4.new_output("error", ename=ename, evalue=evalue, traceback=lines)


class KernelSession:
    """A kernel for the notebook running in ``workdir`` (a fresh folder holding its files)."""

    def __init__(self, workdir: Path, limits: Limits, confine: bool, server: ForkServer | None = None) -> None:
        self.workdir, self.limits, self.confine, self.server = workdir, limits, confine, server
        self.uid = sandbox.kernel_uid(confine)
        self.handle: sandbox.ColdHandle | WarmHandle | None = None
        self.client: Any = None
        self.context: Any = None
        self.budget = _Budget(limits)
        self.killed_because = ""
        self._watch_stop = threading.Event()
        self._watch: threading.Thread | None = None

    # -- start and end ---------------------------------------------------------------------------
    def __enter__(self) -> "KernelSession":
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def _start(self) -> None:
        import zmq
        from jupyter_client import BlockingKernelClient
        from jupyter_client.connect import write_connection_file

        connection = self.workdir / ".kernel.json"
        write_connection_file(str(connection), transport="ipc", ip=str(self.workdir / ".kernel"))
        if self.uid is not None:  # the kernel's own user owns its folder
            for path in (self.workdir, *self.workdir.rglob("*")):
                os.lchown(path, self.uid, self.uid)
        if self.server is not None and self.uid is not None:
            pid = self.server.fork(self.workdir, connection, self.uid, sandbox.kernel_env(self.workdir), self.limits)
            self.handle = WarmHandle(self.server, pid, self.uid)
        else:
            self.handle = sandbox.start_cold(self.workdir, connection, self.limits, self.confine, self.uid)
        self.context = zmq.Context()
        self.context.setsockopt(zmq.MAXMSGSIZE, self.limits.message_bytes)
        self.context.setsockopt(zmq.RECONNECT_IVL, 10)  # the kernel binds its sockets a moment after we connect
        self.client = BlockingKernelClient(connection_file=str(connection), context=self.context)
        self.client.load_connection_file()
        self.client.start_channels(hb=False)
        self._watch = threading.Thread(target=self._watch_folder, daemon=True)
        self._watch.start()
        deadline = time.monotonic() + self.limits.startup_timeout
        while True:  # kernel_info until it answers (the sockets exist once it has started)
            self._ensure_alive()
            msg_id = self.client.kernel_info()
            try:
                reply = self._shell_reply(msg_id, min(2.0, max(0.1, deadline - time.monotonic())))
            except TimeoutError:
                if time.monotonic() > deadline:
                    raise KernelGone(f"the kernel did not start within {self.limits.startup_timeout:g} s") from None
                continue
            if reply is not None:
                break
        self._drain_iopub()

    def close(self) -> None:
        self._watch_stop.set()
        if self.client is not None:
            try:
                self.client.stop_channels()
            except Exception:  # closing sockets of a dead kernel
                pass
        if self.handle is not None:
            self.handle.kill()
        if self.context is not None:
            self.context.destroy(linger=0)
            self.context = None

    def kill(self, why: str) -> None:
        self.killed_because = self.killed_because or why
        if self.handle is not None and self.handle.alive():
            self.handle.kill()

    def alive(self) -> bool:
        return self.handle is not None and self.handle.alive()

    def _ensure_alive(self) -> None:
        if not self.alive():
            raise KernelGone(self.killed_because or "the kernel died")

    # -- the folder's quota ------------------------------------------------------------------------
    def _folder_usage(self) -> tuple[int, int]:
        total = files = 0
        stack = [self.workdir]
        while stack:
            try:
                entries = list(os.scandir(stack.pop()))
            except OSError:
                continue
            for entry in entries:
                files += 1
                if files > self.limits.folder_files:
                    return total, files
                try:
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(Path(entry.path))
                    else:
                        total += entry.stat(follow_symlinks=False).st_size
                except OSError:
                    continue
        return total, files

    def _watch_folder(self) -> None:
        while not self._watch_stop.wait(0.25):
            total, files = self._folder_usage()
            if total > self.limits.folder_quota or files > self.limits.folder_files:
                self.kill(f"the notebook's folder grew past its quota ({total / 2**20:.0f} MiB, {files} files; "
                          f"limit {self.limits.folder_quota / 2**20:.0f} MiB, {self.limits.folder_files} files)")
                return

    # -- requests ----------------------------------------------------------------------------------
    def _shell_reply(self, msg_id: str, timeout: float) -> dict | None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                msg = self.client.get_shell_msg(timeout=min(0.25, max(0.0, deadline - time.monotonic())))
            except Empty:
                self._ensure_alive()
                if time.monotonic() >= deadline:
                    raise TimeoutError from None
                continue
            if msg.get("parent_header", {}).get("msg_id") == msg_id:
                return msg

    def _drain_iopub(self) -> None:
        while True:
            try:
                self.client.get_iopub_msg(timeout=0.05)
            except Empty:
                return

    def _reconnect_output(self) -> None:
        self.client.iopub_channel.close()
        self.client._iopub_channel = None
        self.client.iopub_channel.start()
        time.sleep(0.1)  # a new subscriber needs a moment before messages reach it

    def _replied(self, msg_id: str) -> bool:
        """Whether the shell channel holds the reply to ``msg_id`` (other replies are dropped)."""
        while True:
            try:
                msg = self.client.get_shell_msg(timeout=0)
            except Empty:
                return False
            if msg.get("parent_header", {}).get("msg_id") == msg_id:
                return True

    def interrupt(self) -> None:
        msg = self.client.session.msg("interrupt_request", {})
        self.client.control_channel.send(msg)

    def execute(self, code: str, timeout: float, *, answers: bool = False) -> Execution:
        """Run ``code``; outputs (capped) and, when ``answers``, probe answers set apart."""
        t0 = time.monotonic()
        result = Execution("ok", 0.0)
        budget = self.budget.cell()
        clear_pending = False
        try:
            self._ensure_alive()
            msg_id = self.client.execute(code, store_history=not answers, allow_stdin=False, stop_on_error=False)
            deadline = t0 + timeout
            interrupted_at: float | None = None
            replied_at: float | None = None
            idle = False
            while not idle:
                now = time.monotonic()
                if replied_at is None and self._replied(msg_id):
                    replied_at = now  # done; the idle status may have been lost (a refused message cuts the socket)
                if replied_at is not None and now > replied_at + 1.0:
                    # replied, but no idle status: the kernel sent a message past the socket's limit,
                    # which cut the output channel; what it sent is lost, and the channel is made anew
                    result.note = result.note or f"the kernel sent a message over {self.limits.message_bytes // 2**20} MiB: it was dropped"
                    self._reconnect_output()
                    break
                if interrupted_at is None and now > deadline:
                    self.interrupt()
                    interrupted_at = now
                    result.status, result.note = "timeout", f"ran past its {timeout:g} s limit and was interrupted"
                if interrupted_at is not None and now > interrupted_at + self.limits.interrupt_grace:
                    self.kill(f"ran past its {timeout:g} s limit and did not stop when interrupted")
                    raise KernelGone(self.killed_because)
                try:
                    msg = self.client.get_iopub_msg(timeout=0.25)
                except Empty:
                    self._ensure_alive()
                    continue
                if msg.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                kind, content = msg.get("msg_type"), msg.get("content", {})
                if kind == "status":
                    idle = content.get("execution_state") == "idle"
                elif kind == "clear_output":
                    if content.get("wait"):
                        clear_pending = True
                    else:
                        result.outputs.clear()
                elif kind in ("stream", "display_data", "execute_result", "error"):
                    if clear_pending:
                        result.outputs.clear()
                        clear_pending = False
                    self._keep(result, kind, content, budget, answers)
                # update_display_data, comm_*, execute_input and anything else: not kept
            if result.status == "ok" and any(o.output_type == "error" for o in result.outputs):
                result.status = "error"
        except KernelGone as gone:
            result.status, result.note = "dead", str(gone)
        if budget.dropped:
            result.outputs.append(nbformat.v4.new_output(
                "stream", name="stdout", text=f"\n[grader: {budget.dropped} characters of output past the limit dropped]\n"))
        result.seconds = time.monotonic() - t0
        return result

    def _keep(self, result: Execution, kind: str, content: dict, budget: _CellBudget, answers: bool) -> None:
        if kind == "error":
            out = _error_output(content, self.limits.error_chars)
            budget.take(_size(out))  # an error is always kept: it decides a plain nbgrader score
            result.outputs.append(out)
            return
        if kind == "stream":
            name = "stderr" if content.get("name") == "stderr" else "stdout"
            text = budget.cut(str(content.get("text", "")))
            if not text:
                return
            last = result.outputs[-1] if result.outputs else None
            if last is not None and last.output_type == "stream" and last.name == name:
                last.text += text
            else:
                result.outputs.append(nbformat.v4.new_output("stream", name=name, text=text))
            return
        data = content.get("data")
        if not isinstance(data, dict):
            return
        if probing.MIME in data:
            self._answer(result, data[probing.MIME], answers)
            return
        if not budget.take(_size(data) + _size(content.get("metadata", {}))):
            return
        try:
            out = nbformat.v4.output_from_msg({"msg_type": kind, "content": content, "header": {"msg_type": kind}})
        except (ValueError, KeyError, TypeError):
            return
        result.outputs.append(out)

    def _answer(self, result: Execution, payload: Any, wanted: bool) -> None:
        if not wanted:
            result.note = result.note or "a probe answered outside a test cell (ignored)"
            return
        if len(result.answers) >= self.limits.answers_per_cell:
            result.note = f"more than {self.limits.answers_per_cell} answers: the rest were dropped"
            return
        if sum(len(text) for _, text in result.answers) > self.limits.answer_chars_per_cell:
            result.note = f"answers past {self.limits.answer_chars_per_cell // 2**20} MiB in one cell: the rest were dropped"
            return
        if not isinstance(payload, dict):
            result.answers.append(("", "not a probe answer"))
            return
        name, text = payload.get("probe"), payload.get("answer")
        if not isinstance(name, str) or not isinstance(text, str) or len(text) > wire.MAX_TEXT or len(name) > 200:
            result.answers.append((str(name)[:200] if isinstance(name, str) else "", "a malformed or oversized answer"))
            return
        result.answers.append((name, text))
