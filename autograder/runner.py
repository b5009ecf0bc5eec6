"""Grade one submission: restore its cells, run it in a fresh kernel in its own folder, score it.

The notebook runs in a new temporary directory that holds only the submission's own files,
with a fresh ``python3`` kernel whose environment carries no course paths (``HOME`` and
``TMPDIR`` point into that directory, torch and BLAS use one thread). Each cell has a time
limit and the notebook a total one; a timeout or a dead kernel ends the run and every later
grade cell scores 0 with the reason. Scores follow nbgrader exactly
(``nbgrader.utils.determine_grade``: an error or any stderr output is 0 points).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from . import notebooks, sandbox, tamper
from .restore import restore
from .submissions import MAX_NOTEBOOK_BYTES, Submission, digest


@dataclass
class Limits:
    cell_timeout: float = 60.0      # seconds per cell
    notebook_timeout: float = 300.0  # seconds for the whole notebook
    sandbox: bool = True            # confine the kernel with bubblewrap where it runs
    hidden: tuple[str, ...] = ()    # folders the kernel must not see (course, output, inputs)


@dataclass
class CellResult:
    grade_id: str
    kind: str                 # "test" (autograded) or "manual"
    points: float | None      # None: waits for the instructor
    max_points: float
    status: str               # passed | failed | not run | pending | unanswered
    message: str = ""
    seconds: float = 0.0
    unguarded_points: float | None = None  # what the cell's own output said, when tampering voided it


@dataclass
class NotebookResult:
    student: str
    assignment: str
    notebook: str
    status: str               # graded | error
    reason: str = ""
    cells: list[CellResult] = field(default_factory=list)
    issues: list[str] = field(default_factory=list)
    sha256: str = ""
    seconds: float = 0.0
    fixed_seconds: float = 0.0  # kernel start + the first code cell (imports)

    @property
    def score(self) -> float:
        return sum(c.points or 0.0 for c in self.cells)

    @property
    def max_score(self) -> float:
        return sum(c.max_points for c in self.cells)

    @property
    def flagged(self) -> bool:
        return bool(self.issues) or self.status != "graded"

    def to_json(self) -> dict:
        data = asdict(self)
        data.update(score=self.score, max_score=self.max_score, flagged=self.flagged)
        return data

    @classmethod
    def from_json(cls, data: dict) -> "NotebookResult":
        fields = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        fields["cells"] = [CellResult(**c) for c in data.get("cells", [])]
        return cls(**fields)


@dataclass(frozen=True)
class Reference:
    """The instructor's notebooks for one assignment."""

    assignment: str
    notebook_name: str
    source: NotebookNode
    release: NotebookNode


def empty_result(sub: Submission, ref: Reference, status: str, reason: str, sha: str = "") -> NotebookResult:
    """Every grade cell at 0 (manual ones too) with ``reason``."""
    cells = [
        CellResult(notebooks.grade_id(c) or "", "test" if notebooks.is_autograded_test(c) else "manual",
                   0.0, notebooks.points(c), "not run", reason)
        for c in ref.source.cells if notebooks.meta(c).get("grade")
    ]
    return NotebookResult(sub.student, sub.assignment, ref.notebook_name, status, reason, cells, sha256=sha)


def kernel_env(workdir: Path) -> dict[str, str]:
    """The kernel's environment: nothing of the grader's but what Python and the venv need."""
    venv_bin = str(Path(sys.executable).parent)
    return {
        "PATH": os.pathsep.join([venv_bin, "/usr/local/bin", "/usr/bin", "/bin"]),
        "HOME": str(workdir),
        "TMPDIR": str(workdir),
        "LANG": "C.UTF-8",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MPLBACKEND": "Agg",
        "PYTHONDONTWRITEBYTECODE": "1",
        "JUPYTER_PLATFORM_DIRS": "1",
    }


def _score_cells(nb: NotebookNode, ref: Reference, stopped: dict[str, str], seconds: dict[str, float],
                 untrusted: dict[str, str] | None = None) -> list[CellResult]:
    from nbgrader.utils import determine_grade

    release_by_id = notebooks.cells_by_id(ref.release)
    results = []
    for cell in nb.cells:
        gid = notebooks.grade_id(cell)
        if not gid or not notebooks.meta(cell).get("grade"):
            continue
        most = notebooks.points(cell)
        if notebooks.is_manual_answer(cell):
            unchanged = cell.source.strip() == release_by_id.get(gid, cell).source.strip()
            results.append(CellResult(gid, "manual", 0.0 if unchanged else None, most,
                                      "unanswered" if unchanged else "pending",
                                      "no answer" if unchanged else "waits for manual grading"))
            continue
        if gid in stopped:
            results.append(CellResult(gid, "test", 0.0, most, "not run", stopped[gid]))
            continue
        points, _ = determine_grade(cell)
        if untrusted and gid in untrusted:
            results.append(CellResult(gid, "test", 0.0, most, "failed", untrusted[gid], round(seconds.get(gid, 0.0), 3),
                                      unguarded_points=float(points or 0.0)))
            continue
        message = ""
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                message = f"{out.get('ename', 'Error')}: {out.get('evalue', '')}"
                if out.get("ename") == "NotImplementedError" and not out.get("evalue"):
                    message += "(not solved yet: a task's code still raises NotImplementedError)"
                break
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                message = "wrote to stderr (nbgrader scores that as a failure): " + str(out.get("text", ""))[:300]
                break
        status = "passed" if points == most else "failed"
        results.append(CellResult(gid, "test", float(points or 0.0), most, status, message, round(seconds.get(gid, 0.0), 3)))
    return results


MAX_CELL_OUTPUT = 2 * 2**20  # characters of output kept per cell (the rest is dropped, said so)


def _client_class():
    """nbclient's ``NotebookClient`` that keeps at most ``MAX_CELL_OUTPUT`` per cell, never
    dropping what decides a score: an error is kept (its traceback cut) and dropped stderr
    leaves a stderr note (nbgrader scores stderr as a failure)."""
    from nbclient import NotebookClient

    class CappedClient(NotebookClient):
        def output(self, outs, msg, display_id, cell_index):
            content = msg.get("content", {})
            size = sum(len(v) if isinstance(v, str) else len(str(v)) for v in content.values())
            used = sum(len(str(o)) for o in outs)
            if used + size <= MAX_CELL_OUTPUT:
                return super().output(outs, msg, display_id, cell_index)
            kind = msg["msg_type"]
            if kind == "error":
                content["traceback"] = [line[:2000] for line in content.get("traceback", [])[-20:]]
                return super().output(outs, msg, display_id, cell_index)
            stderr = kind == "stream" and content.get("name") == "stderr"
            name = "stderr" if stderr else "stdout"
            if not any(o.get("output_type") == "stream" and o.get("name") == name and "[grader:" in o.get("text", "") for o in outs):
                outs.append(nbformat.v4.new_output("stream", name=name, text=f"\n[grader: output past {MAX_CELL_OUTPUT // 2**20} MiB dropped]\n"))
            return None

    return CappedClient


@dataclass
class Run:
    """What executing a notebook found out."""

    stopped: dict[str, str] = field(default_factory=dict)     # grade_id -> why it did not run
    seconds: dict[str, float] = field(default_factory=dict)   # grade_id -> seconds it ran
    fixed: float = 0.0                                        # kernel start + first code cell
    note: str = ""                                            # why the run ended early
    tampered_from: str | None = None                          # first test cell after which a check failed
    tamper_reason: str = ""


def _poll_in_steps(channel, step: float = 0.5) -> None:
    """Make ``channel.get_msg(timeout)`` wait in steps of ``step`` seconds.

    Under load, an asyncio ZMQ poll can miss the wake-up of a message that has arrived and
    sleep out its whole timeout (seen here: a cell's reply read 60 s late, at the cell
    timeout; with no timeout it would wait forever). Polling in short steps bounds that to
    ``step``."""
    from queue import Empty

    whole = channel.get_msg

    async def get_msg(timeout: float | None = None):
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            wait = step if deadline is None else max(0.0, min(step, deadline - time.monotonic()))
            try:
                return await whole(timeout=wait)
            except Empty:
                if deadline is not None and time.monotonic() >= deadline:
                    raise

    channel.get_msg = get_msg


def _integrity(client, index: int, code: str) -> list:
    """Run grader code in the kernel as a throwaway cell (not saved); return its outputs."""
    cell = nbformat.v4.new_code_cell(code)
    kept = client.nb.cells[index]  # nbclient stores the executed cell at ``index``: put it back
    try:
        client.execute_cell(cell, index, store_history=False)
    finally:
        client.nb.cells[index] = kept
    return cell.outputs


def execute(nb: NotebookNode, workdir: Path, control: Path, limits: Limits) -> Run:
    """Run ``nb`` in place in a fresh (confined) kernel, with an integrity check after each test cell."""
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    confine = limits.sandbox and sandbox.probe()[0]
    policy = sandbox.Policy(cpu_seconds=int(limits.notebook_timeout) + 30, hidden=limits.hidden)
    km = sandbox.kernel_manager(workdir, control, policy, confine)
    client = _client_class()(
        nb, km=km,
        timeout=int(limits.cell_timeout), allow_errors=True,
        interrupt_on_timeout=False, record_timing=False, startup_timeout=60,
        resources={"metadata": {"path": str(workdir)}},
    )
    run = Run()
    nonce = tamper.new_nonce()
    t_start = time.perf_counter()
    code_cells = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]

    def checked(index: int, label: str) -> None:
        if run.tampered_from is None:
            clean, why = tamper.read_check(_integrity(client, index, tamper.check_code(nonce)), nonce)
            if not clean:
                run.tampered_from, run.tamper_reason = label, why

    try:
        # The kernel process's own stderr (ZMQ notices, shutdown messages) is not the notebook's
        # output (that arrives over the kernel protocol) and would only clutter the grader's log.
        with client.setup_kernel(env=kernel_env(workdir), cwd=str(workdir), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL):
            _poll_in_steps(client.kc.shell_channel)
            _poll_in_steps(client.kc.iopub_channel)
            client.timeout = max(1, int(limits.cell_timeout))
            ready = _integrity(client, 0, tamper.prologue())
            err = next((o for o in ready if o.get("output_type") == "error"), None)
            if err is not None:
                raise RuntimeError(f"the grader's integrity prologue failed: {err.get('ename')}: {err.get('evalue')}")
            run.fixed = time.perf_counter() - t_start
            for n, index in enumerate(code_cells):
                cell = nb.cells[index]
                remaining = limits.notebook_timeout - (time.perf_counter() - t_start)
                if remaining <= 0:
                    run.note = f"the notebook ran past its {limits.notebook_timeout:g} s limit"
                    break
                client.timeout = max(1, int(min(limits.cell_timeout, remaining)))
                t0 = time.perf_counter()
                try:
                    client.execute_cell(cell, index)
                    if notebooks.is_autograded_test(cell):
                        checked(index, notebooks.grade_id(cell) or f"cell {index + 1}")
                except CellTimeoutError:
                    run.note = f"cell {notebooks.grade_id(cell) or index} ran past its {client.timeout} s limit"
                    code_cells = code_cells[n:]
                    break
                except DeadKernelError:
                    run.note = f"the kernel died in cell {notebooks.grade_id(cell) or index}"
                    code_cells = code_cells[n:]
                    break
                finally:
                    if n == 0:
                        run.fixed = time.perf_counter() - t_start
                    if notebooks.grade_id(cell):
                        run.seconds[notebooks.grade_id(cell)] = time.perf_counter() - t0
            else:
                code_cells = []
    except DeadKernelError:
        run.note = run.note or "the kernel died"
    except RuntimeError as err:  # kernel failed to start
        run.note = run.note or f"the kernel could not run: {err}"
    finally:
        sandbox.sweep(km.grading_uid)
    if run.note:
        for index in code_cells:
            gid = notebooks.grade_id(nb.cells[index])
            if gid:
                run.stopped[gid] = run.note
    return run


def _untrusted_cells(nb: NotebookNode, run: Run, findings: list[tamper.Finding]) -> dict[str, str]:
    """Test cells whose result cannot be trusted -> why: those after the first tampering code
    found by reading, and those from the first failed integrity check on."""
    untrusted: dict[str, str] = {}
    first_static = min(findings, key=lambda f: f.cell_index, default=None)
    after_check = False
    for index, cell in enumerate(nb.cells):
        gid = notebooks.grade_id(cell)
        if not gid or not notebooks.is_autograded_test(cell):
            continue
        if gid == run.tampered_from:
            after_check = True
        if after_check:
            untrusted[gid] = f"not trusted: the integrity check after this or an earlier test found {run.tamper_reason}"
        elif first_static is not None and index > first_static.cell_index:
            untrusted[gid] = f"not trusted: {first_static}"
    return untrusted


def grade(sub: Submission, ref: Reference, out_dir: Path, limits: Limits) -> NotebookResult:
    """Grade one submission; never raises for a bad submission (the result says why)."""
    t0 = time.perf_counter()
    try:
        raw = sub.notebook.read_bytes()
    except OSError as err:
        return empty_result(sub, ref, "error", f"cannot read the notebook: {err}")
    sha = digest(raw)
    if len(raw) > MAX_NOTEBOOK_BYTES:
        return empty_result(sub, ref, "error", f"the notebook is {len(raw) / 2**20:.0f} MiB (limit {MAX_NOTEBOOK_BYTES / 2**20:.0f} MiB)", sha)
    try:
        student_nb = nbformat.reads(raw.decode("utf-8"), as_version=4)
        if not isinstance(student_nb.get("cells"), list):
            raise ValueError("no cells")
    except Exception as err:  # malformed JSON, unknown format, bad encoding
        return empty_result(sub, ref, "error", f"not a readable notebook: {type(err).__name__}: {str(err)[:200]}", sha)
    try:
        nb, issues = restore(student_nb, ref.source, ref.release)
    except Exception as err:
        return empty_result(sub, ref, "error", f"could not restore the assignment's cells: {type(err).__name__}: {err}", sha)

    control = Path(tempfile.mkdtemp(prefix="grade-ctl-"))
    workdir = Path(tempfile.mkdtemp(prefix="grade-"))
    try:
        for extra in sub.files:
            if extra.is_file() and not extra.is_symlink():
                shutil.copy2(extra, workdir / extra.name)
        findings = tamper.static_findings(nb)
        run = execute(nb, workdir, control, limits)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        shutil.rmtree(control, ignore_errors=True)

    untrusted = _untrusted_cells(nb, run, findings)
    flags = [str(i) for i in issues] + [str(f) for f in findings]
    if run.tampered_from is not None:
        flags.append(f"tampering: the integrity check after {run.tampered_from} found {run.tamper_reason}")
    result = NotebookResult(
        sub.student, sub.assignment, ref.notebook_name, "graded", run.note,
        _score_cells(nb, ref, run.stopped, run.seconds, untrusted), flags, sha,
        round(time.perf_counter() - t0, 3), round(run.fixed, 3),
    )
    target = out_dir / "autograded" / sub.student / sub.assignment / ref.notebook_name
    notebooks.write(nb, target)
    return result
