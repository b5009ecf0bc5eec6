"""Run a restored notebook top to bottom in one :class:`~autograder.kernel.KernelSession`.

Every code cell runs in order. A test cell sends the kernel only its probe part
(:mod:`autograder.testcells`) and collects the answers; any other cell runs as written.
Each cell has ``cell_timeout`` seconds: past it the kernel is interrupted and the next cell
runs (a student's long experiment does not sink the tests after it). Cells other than tests
share ``notebook_timeout`` seconds; once that is spent they are skipped, and the test cells
still run. A kernel that dies ends the run: the cells after it did not run, and say why.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from nbformat import NotebookNode

from . import notebooks
from .forkserver import ForkServer
from .kernel import Execution, KernelGone, KernelSession
from .limits import Limits
from .testcells import TestCellError


@dataclass
class NotebookRun:
    """What running a notebook did, by cell index."""

    executions: dict[int, Execution] = field(default_factory=dict)
    skipped: dict[int, str] = field(default_factory=dict)   # cell index -> why it did not run
    note: str = ""                                          # why the run ended early
    fixed_seconds: float = 0.0                              # kernel start + the first code cell


def label(nb: NotebookNode, index: int) -> str:
    return notebooks.grade_id(nb.cells[index]) or f"cell {index + 1}"


def run_notebook(nb: NotebookNode, workdir: Path, limits: Limits, confine: bool,
                 kernel_code: Callable[[NotebookNode], str], server: ForkServer | None = None) -> NotebookRun:
    """Run ``nb`` in a kernel working in ``workdir`` (forked by ``server`` when given);
    ``kernel_code`` gives a test cell's probe part."""
    run = NotebookRun()
    todo = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.source.strip()]
    t0 = time.monotonic()
    try:
        with KernelSession(workdir, limits, confine, server) as session:
            started = time.monotonic()
            for n, index in enumerate(todo):
                cell = nb.cells[index]
                test = notebooks.is_autograded_test(cell)
                left = limits.notebook_timeout - (time.monotonic() - started)
                if not test and left <= 0:
                    run.skipped[index] = f"not run: the notebook's cells took longer than {limits.notebook_timeout:g} s together"
                    continue
                try:
                    code = kernel_code(cell) if test else cell.source
                except TestCellError as err:
                    run.skipped[index] = str(err)
                    continue
                timeout = limits.cell_timeout if test else min(limits.cell_timeout, left)
                execution = session.execute(code, timeout, answers=test)
                run.executions[index] = execution
                if n == 0:
                    run.fixed_seconds = time.monotonic() - t0
                if execution.status == "dead":
                    run.note = f"the kernel died in {label(nb, index)}: {execution.note}"
                    for later in todo[n + 1:]:
                        run.skipped[later] = f"not run: {run.note}"
                    break
    except KernelGone as err:
        run.note = f"the kernel could not start: {err}"
        for index in todo:
            if index not in run.executions:
                run.skipped[index] = f"not run: {run.note}"
    return run
