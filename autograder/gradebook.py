"""Write graded results into nbgrader's SQLite gradebook, as ``nbgrader autograde`` would.

The output folder is an nbgrader course directory (``nbgrader_config.py``, ``source/``,
``autograded/``, ``gradebook.db``), so ``nbgrader export``, ``generate_feedback`` and the
formgrader work on it. Manual scores already in the gradebook are kept: a re-run updates only
the automatic ones.
"""
from __future__ import annotations

import warnings

from .results import NotebookResult
from .workspace import Workspace


def register_assignments(ws: Workspace, assignments: list[str]) -> None:
    """Let nbgrader record each assignment's cells in the gradebook (generate_assignment)."""
    if set(assignments) == set(ws.assignments):
        ws.generate_all()
    else:
        for a in assignments:
            ws.generate(a)


def write(ws: Workspace, results: list[NotebookResult]) -> None:
    from nbgrader.api import Gradebook, MissingEntry

    # nbgrader's own update_or_create_submission triggers SQLAlchemy autoflush warnings.
    warnings.filterwarnings("ignore", message=".*not in session.*")
    with Gradebook(f"sqlite:///{ws.root / 'gradebook.db'}") as gb:
        for r in results:
            try:
                gb.find_student(r.student)
            except MissingEntry:
                gb.add_student(r.student)
            gb.update_or_create_submission(r.assignment, r.student)
            nb_name = r.notebook.rsplit(".", 1)[0]
            for c in r.cells:
                try:
                    grade = gb.find_grade(c.grade_id, nb_name, r.assignment, r.student)
                except MissingEntry:
                    continue
                grade.auto_score = c.points
                grade.needs_manual_grade = grade.manual_score is not None or c.points is None
            gb.db.commit()
