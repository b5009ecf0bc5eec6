"""The restore stage: grade and read-only cells come back from the assignment, deviations reported."""
from __future__ import annotations

import pytest
from nbformat.v4 import new_markdown_cell

from autograder import notebooks
from autograder.restore import restore
from autograder.workspace import REPO

SRC = REPO / "source" / "05_softmax_function" / "softmax_function.ipynb"
REL = REPO / "release" / "05_softmax_function" / "softmax_function.ipynb"
TEST, SOLUTION = "test_softmax_forward", "softmax_code"


def test_restore_adds_back_a_deleted_test_cell_after_its_predecessor():
    source, release = notebooks.read(SRC), notebooks.read(REL)
    student = notebooks.read(REL)
    student.cells = [c for c in student.cells if notebooks.grade_id(c) != "test_softmax_backward"]
    fixed, issues = restore(student, source, release)
    ids = [notebooks.grade_id(c) for c in fixed.cells if notebooks.grade_id(c)]
    assert ids == [notebooks.grade_id(c) for c in source.cells if notebooks.grade_id(c)]
    assert [str(i) for i in issues] == ["test_softmax_backward: missing (deleted cell added back)"]


def test_restore_keeps_student_cells_and_hidden_tests_come_from_the_source():
    source, release = notebooks.read(SRC), notebooks.read(REL)
    student = notebooks.read(REL)
    student.cells.insert(3, new_markdown_cell("my notes"))
    fixed, issues = restore(student, source, release)
    assert not issues and fixed.cells[3].source == "my notes"
    test_f = next(c for c in fixed.cells if notebooks.grade_id(c) == TEST)
    assert "BEGIN HIDDEN TESTS" in test_f.source


def test_restore_flags_a_solution_cell_relabelled_as_a_graded_test():
    source, release = notebooks.read(SRC), notebooks.read(REL)
    student = notebooks.read(REL)
    cell = next(c for c in student.cells if notebooks.grade_id(c) == SOLUTION)
    cell.metadata["nbgrader"].update(grade=True, points=50)
    fixed, issues = restore(student, source, release)
    assert [i.kind for i in issues] == ["relabelled"]
    assert not notebooks.meta(next(c for c in fixed.cells if notebooks.grade_id(c) == SOLUTION)).get("grade")


@pytest.mark.parametrize("kind", ["duplicate", "retyped"])
def test_restore_reports_duplicated_and_retyped_cells(kind):
    source, release = notebooks.read(SRC), notebooks.read(REL)
    student = notebooks.read(REL)
    index = next(i for i, c in enumerate(student.cells) if notebooks.grade_id(c) == TEST)
    if kind == "duplicate":
        student.cells.insert(index, notebooks.read(REL).cells[index])
    else:
        student.cells[index] = new_markdown_cell(student.cells[index].source, metadata=student.cells[index].metadata)
    fixed, issues = restore(student, source, release)
    assert kind in [i.kind for i in issues]
    cells = [c for c in fixed.cells if notebooks.grade_id(c) == TEST]
    assert len(cells) == 1 and cells[0].cell_type == "code"
