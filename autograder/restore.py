"""Put the instructor's grade and locked cells back into a student's notebook, by grade_id.

Like nbgrader's OverwriteCells (with missing cells added back), but every deviation is
reported instead of silently scored:

* a grade or locked cell whose source or metadata the student changed is overwritten from
  the reference (``modified``);
* a cell deleted by the student is added back after the cell that precedes it in the
  reference (``missing``); a deleted *solution* cell comes back as the release stub;
* a second cell with the same grade_id is dropped (``duplicate``);
* a cell whose type was changed (code <-> markdown) is restored with its reference type
  (``retyped``);
* a cell whose nbgrader metadata the student added or relabelled (a plain cell claiming to be
  a test, a solution cell claiming points) loses that metadata (``relabelled``);
* a kernelspec other than the assignment's is ignored (``kernelspec``): the notebook always
  runs in the grader's own kernel.

The reference is the *source* notebook when grading (hidden tests run) and the *release*
notebook for a student's own check (only visible tests run).
"""
from __future__ import annotations

import copy
from dataclasses import dataclass

from nbformat import NotebookNode

from . import notebooks


@dataclass(frozen=True)
class Issue:
    grade_id: str
    kind: str  # modified | missing | duplicate | retyped | relabelled | kernelspec
    detail: str

    def __str__(self) -> str:
        return f"{self.grade_id}: {self.kind} ({self.detail})"


def _is_protected(cell: NotebookNode) -> bool:
    m = notebooks.meta(cell)
    return bool(m.get("grade") or m.get("locked")) and not notebooks.is_manual_answer(cell)


def _meta_key(cell: NotebookNode) -> tuple:
    m = notebooks.meta(cell)
    return (bool(m.get("grade")), bool(m.get("solution")), bool(m.get("locked")), float(m.get("points", 0) or 0))


def restore(student: NotebookNode, reference: NotebookNode, release: NotebookNode) -> tuple[NotebookNode, list[Issue]]:
    """The notebook to execute, and the deviations found in ``student``."""
    ref_cells = reference.cells
    ref_by_id = notebooks.cells_by_id(reference)
    rel_by_id = notebooks.cells_by_id(release)
    issues: list[Issue] = []
    kept: list[NotebookNode] = []
    seen: set[str] = set()

    for cell in student.cells:
        gid = notebooks.grade_id(cell)
        if gid is None:
            kept.append(cell)
            continue
        if gid not in ref_by_id:
            issues.append(Issue(gid, "relabelled", "grade_id unknown to the assignment: nbgrader metadata removed"))
            cell = copy.deepcopy(cell)
            cell.metadata.pop("nbgrader", None)
            kept.append(cell)
            continue
        if gid in seen:
            issues.append(Issue(gid, "duplicate", "a second cell with this grade_id was dropped"))
            continue
        seen.add(gid)
        ref = ref_by_id[gid]
        if cell.cell_type != ref.cell_type:
            issues.append(Issue(gid, "retyped", f"{cell.cell_type} cell restored as {ref.cell_type}"))
        if _is_protected(ref):
            if cell.source not in (ref.source, rel_by_id.get(gid, ref).source):
                issues.append(Issue(gid, "modified", "read-only cell restored from the assignment"))
            elif _meta_key(cell) != _meta_key(ref):
                issues.append(Issue(gid, "relabelled", "nbgrader metadata restored from the assignment"))
            kept.append(copy.deepcopy(ref))
            continue
        # a solution cell (or a manual answer): the student's text, the reference's role
        if _meta_key(cell) != _meta_key(ref):
            issues.append(Issue(gid, "relabelled", "nbgrader metadata restored from the assignment"))
        fixed = copy.deepcopy(ref) if cell.cell_type != ref.cell_type else copy.deepcopy(cell)
        fixed.source = cell.source
        fixed.metadata["nbgrader"] = copy.deepcopy(ref.metadata["nbgrader"])
        if fixed.cell_type == "code":
            fixed.outputs, fixed.execution_count = [], None
        kept.append(fixed)

    # add back the cells the student deleted, after their reference predecessor
    for index, ref in enumerate(ref_cells):
        gid = notebooks.grade_id(ref)
        if gid is None or gid in seen:
            continue
        stub = rel_by_id.get(gid, ref) if notebooks.is_solution(ref) else ref
        issues.append(Issue(gid, "missing", "deleted cell added back" + (" as the unsolved stub" if stub is not ref else "")))
        position = 0
        for prev in reversed(ref_cells[:index]):
            pid = notebooks.grade_id(prev)
            hits = [i for i, c in enumerate(kept) if pid is not None and notebooks.grade_id(c) == pid]
            if hits:
                position = hits[0] + 1
                break
        kept.insert(position, copy.deepcopy(stub))
        seen.add(gid)

    theirs = student.metadata.get("kernelspec", {})
    ours = reference.metadata.get("kernelspec", {})
    if theirs and (theirs.get("name") != ours.get("name") or set(theirs) - {"name", "display_name", "language"}):
        issues.append(Issue("notebook", "kernelspec", f"kernelspec {str(theirs.get('name'))[:40]!r} ignored: the grader's own kernel runs it"))
    out = copy.deepcopy(reference)  # the notebook's metadata (kernelspec too) is the assignment's
    out.cells = kept
    for cell in out.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return out, issues
