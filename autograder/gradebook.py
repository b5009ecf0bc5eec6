"""Write graded results into nbgrader's SQLite gradebook, as ``nbgrader autograde`` would.

The output folder is an nbgrader course directory (``nbgrader_config.py``, ``source/``,
``autograded/``, ``gradebook.db``), so ``nbgrader export``, ``generate_feedback`` and the
formgrader work on it. Manual scores already in the gradebook are kept: a re-run updates only
the automatic ones. Each submission gets its timestamp (nbgrader's ``timestamp.txt``), and a
submission past the assignment's due date gets the late penalty of nbgrader's configured
late-submission plugin (``c.AssignLatePenalties.plugin_class``, ``c.LateSubmissionPlugin``),
exactly as ``nbgrader autograde`` assigns it.
"""
from __future__ import annotations

import warnings
from typing import Callable

from .results import NotebookResult
from .workspace import Workspace


def register_assignments(ws: Workspace, assignments: list[str]) -> None:
    """Let nbgrader record each assignment's cells in the gradebook (generate_assignment)."""
    if assignments:
        ws.generate_in_process(["*"] if set(assignments) == set(ws.assignments) else assignments)


def _late_penalties(ws: Workspace):
    """nbgrader's late-penalty preprocessor, configured from the course's nbgrader_config.py."""
    from nbgrader.preprocessors import AssignLatePenalties

    penalties = AssignLatePenalties(config=ws.config())
    penalties.init_plugin()
    return penalties


def write(ws: Workspace, results: list[NotebookResult], progress: Callable[[], None] = lambda: None) -> None:
    from nbgrader.api import Gradebook, MissingEntry

    # nbgrader's own update_or_create_submission triggers SQLAlchemy autoflush warnings.
    warnings.filterwarnings("ignore", message=".*not in session.*")
    penalties = _late_penalties(ws)
    with Gradebook(f"sqlite:///{ws.root / 'gradebook.db'}") as gb:
        for r in results:
            try:
                gb.find_student(r.student)
            except MissingEntry:
                gb.add_student(r.student)
            submission = gb.update_or_create_submission(r.assignment, r.student, timestamp=r.submitted_at or None)
            nb_name = r.notebook.rsplit(".", 1)[0]
            for c in r.cells:
                try:
                    grade = gb.find_grade(c.grade_id, nb_name, r.assignment, r.student)
                except MissingEntry:
                    continue
                grade.auto_score = c.points
                grade.needs_manual_grade = grade.manual_score is not None or c.points is None
            gb.db.commit()
            try:
                notebook = gb.find_submission_notebook(nb_name, r.assignment, r.student)
            except MissingEntry:
                progress()
                continue
            notebook.late_submission_penalty = None
            if submission.total_seconds_late > 0:
                penalty = penalties.plugin_inst.late_submission_penalty(r.student, notebook.score, submission.total_seconds_late)
                if penalty is not None:
                    notebook.late_submission_penalty = penalties._check_late_penalty(notebook, penalty)
            gb.db.commit()
            progress()


def export_csv(ws: Workspace, path) -> None:
    """``nbgrader export``'s CSV of the gradebook, written by nbgrader's own plugin."""
    from nbgrader.api import Gradebook
    from nbgrader.plugins import CsvExportPlugin

    with Gradebook(f"sqlite:///{ws.root / 'gradebook.db'}") as gb:
        CsvExportPlugin(to=str(path)).export(gb)
