"""Grade one submission, stage by stage: intake, restore, run, judge, score, report.

Runs in a grader worker. The student's code runs only in the kernel of the run stage; the
judge stage runs here, in the worker, on the kernel's answers (data). Never raises for a bad
submission: every input gets a result with the reason.
"""
from __future__ import annotations

import hashlib
import shutil
import tempfile
import time
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from . import advice, feedback, forkserver, intake, notebooks
from .assignments import Reference, empty_result
from .intake import Submission
from .judge import Judged, Judges
from .limits import Limits
from .report import Output
from .restore import restore
from .results import NotebookResult
from .run import NotebookRun, run_notebook
from .score import score_cells


_judges: dict[str, Judges] = {}


def warm_server(limits: Limits) -> forkserver.ForkServer | None:
    """This worker's warm kernel parent, or None (cold kernels) where it cannot run or start."""
    if not forkserver.available(limits)[0]:
        return None
    try:
        return forkserver.server(limits)
    except forkserver.ServerGone:
        return None


def judges_for(ref: Reference) -> Judges:
    """The trusted judges of ``ref``'s notebook, built once per worker process."""
    key = hashlib.sha256(nbformat.writes(ref.source).encode()).hexdigest()
    if key not in _judges:
        _judges[key] = Judges(ref.source)
    return _judges[key]


def _copy_files(sub: Submission, workdir: Path, limits: Limits) -> list[str]:
    """Copy the files beside the notebook into its folder, within the folder's quota."""
    skipped, used = [], 0
    for extra in sub.files[: limits.folder_files // 2]:
        try:
            size = extra.stat().st_size
            if extra.is_symlink() or not extra.is_file() or used + size > limits.folder_quota // 2:
                skipped.append(extra.name)
                continue
            shutil.copyfile(extra, workdir / extra.name)
            used += size
        except OSError:
            skipped.append(extra.name)
    return skipped


def _verdict_outputs(judged: Judged) -> list[NotebookNode]:
    """What plain nbgrader would show under the cell: pass lines, then the first failure."""
    outs: list[NotebookNode] = []
    for verdict in judged.verdicts:
        if verdict.passed:
            outs.append(nbformat.v4.new_output("stream", name="stdout", text=verdict.message + "\n"))
        else:
            outs.append(nbformat.v4.new_output("error", ename="CheckFailed", evalue=verdict.message,
                                               traceback=[f"CheckFailed: {verdict.message}"]))
            break
    if not judged.passed and not any(o.output_type == "error" for o in outs):
        outs.append(nbformat.v4.new_output("error", ename="CheckFailed", evalue=judged.message,
                                           traceback=[f"CheckFailed: {judged.message}"]))
    return outs


def _judge_all(nb: NotebookNode, run: NotebookRun, judges: Judges) -> dict[int, Judged]:
    judged = {}
    for index, cell in enumerate(nb.cells):
        if notebooks.is_autograded_test(cell) and index not in run.skipped:
            judged[index] = judges.judge(cell, run.executions.get(index))
    return judged


def grade(sub: Submission, ref: Reference, out: Output, limits: Limits) -> NotebookResult:
    """Grade one submission and write its autograded notebook and feedback; the result."""
    t0 = time.perf_counter()
    confine, line = forkserver.isolation(limits)
    try:
        raw = intake.read(sub, limits)
    except intake.IntakeError as err:
        return empty_result(sub, ref, "error", str(err), line)
    try:
        student_nb = nbformat.reads(raw.decode("utf-8"), as_version=4)
        if not isinstance(student_nb.get("cells"), list):
            raise ValueError("no cells")
        nb, issues = restore(student_nb, ref.source, ref.release)
    except Exception as err:  # malformed JSON, unknown format, bad encoding, cells that are not cells
        return empty_result(sub, ref, "error", f"not a readable notebook: {type(err).__name__}: {str(err)[:200]}", line)

    found = advice.read(nb, limits)
    judges = judges_for(ref)
    server = warm_server(limits) if confine else None
    workdir = server.new_folder() if server is not None else Path(tempfile.mkdtemp(prefix="grade-"))
    try:
        skipped_files = _copy_files(sub, workdir, limits)
        run = run_notebook(nb, workdir, limits, confine, judges.kernel_code, server)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    t_judge = time.perf_counter()
    judged = _judge_all(nb, run, judges)
    for index, execution in run.executions.items():
        nb.cells[index].outputs = execution.outputs
        nb.cells[index].execution_count = None
    for index, verdict in judged.items():
        nb.cells[index].outputs = nb.cells[index].outputs + _verdict_outputs(verdict)
    cells, notes = score_cells(nb, ref.release, run, judged)
    judge_seconds = time.perf_counter() - t_judge

    result = NotebookResult(
        sub.student, sub.assignment, ref.notebook_name, "graded", run.note, cells,
        issues=[str(i) for i in issues] + [f"files not copied (over the folder's quota): {', '.join(skipped_files)}"] * bool(skipped_files),
        advice=[str(a) for a in found], notes=notes, sha256=sub.sha256, timestamp=sub.timestamp, isolation=line,
        seconds=round(time.perf_counter() - t0, 3), fixed_seconds=round(run.fixed_seconds, 3),
        judge_seconds=round(judge_seconds, 3),
    )
    out.save_autograded(result, nb, sub.nbgrader_files)
    out.save_feedback(result, feedback.render(result, nb, limits), sub.nbgrader_files)
    return result
