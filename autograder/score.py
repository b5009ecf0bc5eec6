"""Points from verdicts: pure functions of the restored notebook, its run and the judges' verdicts.

A test cell earns its points when every one of its judges passed (nbgrader's rule: a cell
passes or fails whole); nothing the kernel printed counts. A manual answer left as the
release had it scores 0 ("unanswered"), any other waits for the instructor ("pending").
Errors in the student's own cells become notes, and a failing test whose code met a missing
name points at the cell that failed before it (a syntax error shows at its cell, not as a
``NameError`` in every later test).
"""
from __future__ import annotations

from nbformat import NotebookNode

from . import notebooks
from .judge import Judged
from .results import CellResult
from .run import NotebookRun, label


def own_cell_errors(nb: NotebookNode, run: NotebookRun) -> dict[int, str]:
    """Cells the student wrote (not tests) that stopped with an error -> what it was."""
    errors: dict[int, str] = {}
    for index, execution in sorted(run.executions.items()):
        cell = nb.cells[index]
        if notebooks.is_autograded_test(cell):
            continue
        if execution.status in ("timeout", "dead"):
            errors[index] = f"{label(nb, index)} {execution.note}"
            continue
        for out in execution.outputs:
            if out.get("output_type") == "error":
                what = f"{out.get('ename')}: {out.get('evalue')}"[:300]
                errors[index] = f"{label(nb, index)} stopped with {what}"
                break
    return errors


def _hint(message: str, earlier: list[str]) -> str:
    if earlier and "NameError" in message:
        return f"{message} (an earlier cell failed: {earlier[-1]})"
    return message


def score_cells(nb: NotebookNode, release: NotebookNode, run: NotebookRun, judged: dict[int, Judged]) -> tuple[list[CellResult], list[str]]:
    """(a result per grade cell in notebook order, notes on the student's own cells)."""
    release_by_id = notebooks.cells_by_id(release)
    errors = own_cell_errors(nb, run)
    results: list[CellResult] = []
    for index, cell in enumerate(nb.cells):
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
        if index in run.skipped:
            results.append(CellResult(gid, "test", 0.0, most, "not run", run.skipped[index]))
            continue
        verdict = judged.get(index, Judged(False, "the cell was not judged"))
        seconds = round(run.executions[index].seconds, 3) if index in run.executions else 0.0
        if verdict.passed:
            results.append(CellResult(gid, "test", most, most, "passed", "", seconds))
        else:
            earlier = [why for i, why in sorted(errors.items()) if i < index]
            results.append(CellResult(gid, "test", 0.0, most, "failed", _hint(verdict.message, earlier), seconds))
    return results, [errors[i] for i in sorted(errors)]
