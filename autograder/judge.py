"""The trusted side: judge what the student's kernel answered, in a process that runs no student code.

For one assignment, :class:`Judges` executes the import statements of the notebook's locked
cells once (``import torch``, ``from course import checks``), and for each test cell runs its
whole source in :func:`course.probing.collecting` mode on a copy of that namespace: the
cell's probes are defined but never called, its judges are registered in order. A test cell
from ``source/`` is the instructor's code, restored by ``grade_id`` before grading, so this
process only ever runs the course's own code and reads the kernel's answers as data
(:mod:`course.wire`).

:func:`Judges.judge` then pairs each judge with its probe's answer and asks
:func:`course.probing.decide` for the verdict, the same function that decides under plain
nbgrader. A probe that did not answer, answered twice, or an answer no probe of the cell
sent, fails the cell with the reason.
"""
from __future__ import annotations

import ast
import contextlib
import io
from dataclasses import dataclass, field

from nbformat import NotebookNode

from course import probing

from . import notebooks, testcells
from .kernel import Execution


@dataclass(frozen=True)
class Judged:
    """The verdict on one test cell."""

    passed: bool
    message: str = ""                              # the first failure (what the student reads)
    lines: tuple[str, ...] = ()                    # every verdict, in the judges' order
    verdicts: tuple[probing.Verdict, ...] = field(default=())


def _imports_of(cell_source: str) -> list[ast.stmt]:
    try:
        tree = ast.parse(cell_source)
    except SyntaxError:
        return []
    return [node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]


class Judges:
    """Judges of one assignment's notebook (``source`` for grading, ``release`` for a student's check)."""

    def __init__(self, nb: NotebookNode) -> None:
        statements = [s for c in nb.cells if c.cell_type == "code" and notebooks.meta(c).get("locked")
                      and not notebooks.is_autograded_test(c) for s in _imports_of(c.source)]
        self.base: dict = {"__name__": "__judges__"}
        exec(compile(ast.Module(body=statements, type_ignores=[]), "<the notebook's imports>", "exec"), self.base)
        self._cells: dict[str, list[probing.Judgement] | str] = {}
        self._kernel: dict[str, str] = {}

    def kernel_code(self, cell: NotebookNode) -> str:
        """What the student's kernel runs for this test cell."""
        code = self._kernel.get(cell.source)
        if code is None:
            code = self._kernel[cell.source] = testcells.kernel_code(cell.source)
        return code

    def judgements(self, cell: NotebookNode) -> list[probing.Judgement] | str:
        """The cell's judges in order, or why they could not be read (an authoring error)."""
        known = self._cells.get(cell.source)
        if known is None:
            namespace = dict(self.base)
            name = f"<test cell {notebooks.grade_id(cell)}>"
            try:
                with probing.collecting() as found, contextlib.redirect_stdout(io.StringIO()):
                    exec(compile(cell.source, name, "exec"), namespace)
                known = list(found) if found else "the test cell defines no judge"
            except Exception as err:  # the course's own cell failed: say so, grade nothing on it
                known = f"the grader could not read this test cell: {type(err).__name__}: {err}"
            self._cells[cell.source] = known
        return known

    def judge(self, cell: NotebookNode, execution: Execution | None) -> Judged:
        """The verdict on one test cell from what the kernel answered when it ran."""
        judgements = self.judgements(cell)
        if isinstance(judgements, str):
            return Judged(False, judgements)
        if execution is None:
            return Judged(False, "the cell did not run")
        answers: dict[str, list[str]] = {}
        for name, text in execution.answers:
            answers.setdefault(name, []).append(text)
        why_silent = execution.note or _last_error(execution) or "it sent nothing"
        verdicts: list[probing.Verdict] = []
        expected = {j.probe for j in judgements}
        for j in judgements:
            got = answers.get(j.probe, [])
            if not got:
                verdicts.append(probing.Verdict(False, f"[{j.label}] the test did not get an answer: {why_silent}"))
            elif len(got) > 1:
                verdicts.append(probing.Verdict(False, f"[{j.label}] the test got {len(got)} answers, not one"))
            else:
                verdicts.append(probing.decide(got[0], j.judge, j.label))
        strangers = [name for name in answers if name not in expected]
        if strangers:
            verdicts.append(probing.Verdict(False, f"answers came from probes this cell does not have: {', '.join(strangers)[:200]}"))
        failed = next((v for v in verdicts if not v.passed), None)
        return Judged(failed is None, failed.message if failed else "", tuple(v.message for v in verdicts), tuple(verdicts))


def _last_error(execution: Execution) -> str:
    for out in reversed(execution.outputs):
        if out.get("output_type") == "error":
            return f"the cell stopped with {out.get('ename')}: {out.get('evalue')}"[:500]
    return ""
