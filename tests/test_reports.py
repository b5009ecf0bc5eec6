"""The report stage without a kernel: progress lines, the gradebook's timestamps and late penalties, CSV."""
from __future__ import annotations

import csv
import io

import pytest

from autograder import gradebook
from autograder.progress import Progress
from autograder.report import Output
from autograder.results import CellResult, NotebookResult
from autograder.workspace import Workspace

A, NB = "05_softmax_function", "softmax_function.ipynb"


def test_progress_prints_count_rate_time_left_and_failures_when_not_on_a_terminal():
    stream = io.StringIO()
    progress = Progress(20, "grading", "notebooks", stream=stream)
    for i in range(20):
        progress.update(failed=i == 3)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 10 and lines[0].startswith("grading: 2/20 notebooks, ") and lines[0].endswith(" s left")
    assert lines[1].startswith("grading: 4/20 notebooks, ") and lines[1].endswith(" s left, 1 failed")
    assert lines[-1].startswith("grading: 20/20 notebooks") and "left" not in lines[-1]


def test_quiet_progress_prints_nothing():
    stream = io.StringIO()
    progress = Progress(5, "grading", "notebooks", stream=stream, quiet=True)
    for _ in range(5):
        progress.update()
    assert stream.getvalue() == ""


def _result(student: str, timestamp: str, points: float = 2.0) -> NotebookResult:
    cells = [CellResult("test_jacobian", "test", points, 2.0, "passed" if points else "failed")]
    return NotebookResult(student, A, NB, "graded", cells=cells, timestamp=timestamp, advice=["cell 3: line 1: uses `exec`"] if student == "late" else [])


@pytest.fixture(scope="module")
def course_dir(tmp_path_factory):
    ws = Workspace(tmp_path_factory.mktemp("course"), assignments=[A])
    with open(ws.root / "nbgrader_config.py", "a") as fh:
        fh.write("\nc.LateSubmissionPlugin.penalty_method = 'zero'\n")
    gradebook.register_assignments(ws, [A])
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{ws.root / 'gradebook.db'}") as gb:
        gb.update_or_create_assignment(A, duedate="2026-11-20 12:00:00 UTC")
    return ws


def test_timestamps_and_nbgraders_late_penalty_reach_the_gradebook_and_the_csv(course_dir):
    results = [_result("early", "2026-11-20 11:00:00.000000 UTC"), _result("late", "2026-11-21T09:00:00+00:00")]
    gradebook.write(course_dir, results)
    gradebook.export_csv(course_dir, course_dir.root / "export.csv")
    out = Output(course_dir.root)
    out.write_reports(results, {A: 2.0}, [], "no sandbox", course_dir.root / "export.csv")
    rows = {row["student_id"]: row for row in csv.DictReader(out.csv_path.open())}
    assert rows["early"]["timestamp"] == "2026-11-20 11:00:00" and rows["early"]["late_submission_penalty"] == "0.0"
    assert rows["late"]["timestamp"] == "2026-11-21 09:00:00" and rows["late"]["late_submission_penalty"] == "2.0"
    assert rows["late"]["score"] == "0.0" and rows["late"]["raw_score"] == "2.0"
    assert rows["late"]["duedate"] == "2026-11-20 12:00:00" and "exec" in rows["late"]["flags"] and rows["early"]["flags"] == ""


def test_without_a_gradebook_the_csv_comes_from_the_results_in_the_same_columns(tmp_path):
    out = Output(tmp_path)
    out.write_reports([_result("solo", "2026-11-20 11:00:00 UTC")], {A: 2.0}, [], "")
    (row,) = csv.DictReader(out.csv_path.open())
    assert row["timestamp"] == "2026-11-20 11:00:00" and row["score"] == "2.0" and row["max_score"] == "2.0"


def _schema_and_cells(db) -> tuple[list, str, list]:
    import sqlite3

    with sqlite3.connect(db) as con:
        schema = sorted(con.execute("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'").fetchall())
        (version,) = con.execute("SELECT version_num FROM alembic_version").fetchone()
        cells = sorted(con.execute("SELECT b.name, g.max_score, g.cell_type FROM grade_cells g JOIN base_cell b ON b.id = g.id").fetchall())
    return schema, version, cells


def test_the_grader_registers_assignments_as_nbgraders_own_command_does(tmp_path):
    ours = Workspace(tmp_path / "ours", assignments=[A])
    gradebook.register_assignments(ours, [A])
    theirs = Workspace(tmp_path / "theirs", assignments=[A])
    theirs.generate(A)  # `nbgrader generate_assignment`, in its own process
    assert _schema_and_cells(ours.root / "gradebook.db") == _schema_and_cells(theirs.root / "gradebook.db")
    assert (ours.release_notebook(A)).read_text() == theirs.release_notebook(A).read_text()


def test_the_grading_commands_own_process_imports_neither_torch_nor_the_kernels():
    """Intake, the course's notebooks and the reports are the main process's part; torch, the
    judges and the kernels are its workers' (importing them there would delay every worker)."""
    import subprocess
    import sys

    code = ("import sys, autograder.cli; heavy = sorted({m.split('.')[0] for m, mod in sys.modules.items() if mod is not None} & "
            "{'torch', 'nbgrader', 'nbconvert', 'jupyter_client', 'ipykernel', 'rfc3987_syntax'}); print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]", out
