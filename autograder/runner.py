"""Grade one submission: restore its cells, run it in a fresh kernel in its own folder, score it.

The notebook runs in a new temporary directory that holds only the submission's own files,
with a fresh ``python3`` kernel whose environment carries no course paths (``HOME`` and
``TMPDIR`` point into that directory, torch and BLAS use one thread). Each cell has a time
limit and the notebook a total one; a timeout or a dead kernel ends the run and every later
grade cell scores 0 with the reason. Scores follow nbgrader exactly
(``nbgrader.utils.determine_grade``: an error or any stderr output is 0 points).
"""
from __future__ import annotations

import hashlib
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

from . import notebooks, sandbox
from .restore import restore
from .submissions import MAX_NOTEBOOK_BYTES, Submission


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


def _score_cells(nb: NotebookNode, ref: Reference, stopped: dict[str, str], seconds: dict[str, float]) -> list[CellResult]:
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


def execute(nb: NotebookNode, workdir: Path, control: Path, limits: Limits) -> tuple[dict[str, str], dict[str, float], float, str]:
    """Run ``nb`` in place; return (cells stopped with reason, seconds per grade cell, fixed cost, run note)."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    confine = limits.sandbox and sandbox.probe()[0]
    policy = sandbox.Policy(cpu_seconds=int(limits.notebook_timeout) + 30, hidden=limits.hidden)
    client = NotebookClient(
        nb, km=sandbox.kernel_manager(workdir, control, policy, confine),
        timeout=int(limits.cell_timeout), allow_errors=True,
        interrupt_on_timeout=False, record_timing=False, startup_timeout=60,
        resources={"metadata": {"path": str(workdir)}},
    )
    stopped: dict[str, str] = {}
    seconds: dict[str, float] = {}
    note = ""
    t_start = time.perf_counter()
    fixed = 0.0
    code_cells = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    try:
        # The kernel process's own stderr (ZMQ notices, shutdown messages) is not the notebook's
        # output (that arrives over the kernel protocol) and would only clutter the grader's log.
        with client.setup_kernel(env=kernel_env(workdir), cwd=str(workdir), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL):
            fixed = time.perf_counter() - t_start
            for n, index in enumerate(code_cells):
                cell = nb.cells[index]
                remaining = limits.notebook_timeout - (time.perf_counter() - t_start)
                if remaining <= 0:
                    note = f"the notebook ran past its {limits.notebook_timeout:g} s limit"
                    break
                client.timeout = max(1, int(min(limits.cell_timeout, remaining)))
                t0 = time.perf_counter()
                try:
                    client.execute_cell(cell, index)
                except CellTimeoutError:
                    note = f"cell {notebooks.grade_id(cell) or index} ran past its {client.timeout} s limit"
                    code_cells = code_cells[n:]
                    break
                except DeadKernelError:
                    note = f"the kernel died in cell {notebooks.grade_id(cell) or index}"
                    code_cells = code_cells[n:]
                    break
                finally:
                    if n == 0:
                        fixed = time.perf_counter() - t_start
                    if notebooks.grade_id(cell):
                        seconds[notebooks.grade_id(cell)] = time.perf_counter() - t0
            else:
                code_cells = []
    except DeadKernelError:
        note = note or "the kernel died"
    except RuntimeError as err:  # kernel failed to start
        note = note or f"the kernel could not run: {err}"
    if note:
        for index in code_cells:
            gid = notebooks.grade_id(nb.cells[index])
            if gid:
                stopped[gid] = note
    return stopped, seconds, fixed, note


def grade(sub: Submission, ref: Reference, out_dir: Path, limits: Limits) -> NotebookResult:
    """Grade one submission; never raises for a bad submission (the result says why)."""
    t0 = time.perf_counter()
    try:
        raw = sub.notebook.read_bytes()
    except OSError as err:
        return empty_result(sub, ref, "error", f"cannot read the notebook: {err}")
    sha = hashlib.sha256(raw).hexdigest()
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
        stopped, seconds, fixed, note = execute(nb, workdir, control, limits)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        shutil.rmtree(control, ignore_errors=True)

    result = NotebookResult(
        sub.student, sub.assignment, ref.notebook_name, "graded", note,
        _score_cells(nb, ref, stopped, seconds), [str(i) for i in issues], sha,
        round(time.perf_counter() - t0, 3), round(fixed, 3),
    )
    target = out_dir / "autograded" / sub.student / sub.assignment / ref.notebook_name
    notebooks.write(nb, target)
    return result
