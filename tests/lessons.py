"""Autograde every lesson once per test session: the solution, the untouched release, each mutant.

``graded(assignment)`` builds a scratch nbgrader course (see ``autograder.workspace``),
regenerates the release with nbgrader, adds the submissions as students, runs
``nbgrader autograde`` and ``generate_feedback`` once, and keeps the result for every test of
that lesson (tests of one lesson share an xdist group, hence a worker).
"""
from __future__ import annotations

import html
import re
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from autograder import notebooks
from autograder.workspace import REPO, CellScore, Workspace
from tests import mutant

ASSIGNMENTS = notebooks.assignments(REPO / "source")
SOLUTION, RELEASE = "solution", "untouched-release"


def html_text(page: str) -> str:
    """The visible text of an HTML page (tags dropped, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def mutant_student(name: str) -> str:
    return f"mutant-{name}".replace("_", "-")


@dataclass
class GradedLesson:
    assignment: str
    ws: Workspace
    source: notebooks.NotebookNode
    release: notebooks.NotebookNode
    scores: dict[str, dict[str, CellScore]]  # student -> grade_id -> score

    def autograded(self, student: str) -> notebooks.NotebookNode:
        return notebooks.read(self.ws.autograded_notebook(student, self.assignment))

    def feedback_text(self, student: str) -> str:
        return self.ws.feedback_html(student, self.assignment).read_text(encoding="utf-8")


def mutants_of(assignment: str) -> list[mutant.Mutant]:
    return list(mutant.load(assignment).MUTANTS) if mutant.has_mutants(assignment) else []


@cache
def graded(assignment: str) -> GradedLesson:
    root = Path(tempfile.mkdtemp(prefix=f"graded-{assignment}-"))
    ws = Workspace(root, assignments=[assignment])
    ws.generate(assignment)
    source = notebooks.read(ws.source_notebook(assignment))
    committed = REPO / "release" / assignment / ws.source_notebook(assignment).name
    release = notebooks.read(committed)
    ws.add_submission(SOLUTION, assignment, notebooks.solved_copy(release, source))
    ws.add_submission(RELEASE, assignment, release)
    for m in mutants_of(assignment):
        ws.add_submission(mutant_student(m.name), assignment, mutant.submission(release, source, [m]))
    ws.autograde(assignment)
    ws.feedback(assignment)
    students = [SOLUTION, RELEASE] + [mutant_student(m.name) for m in mutants_of(assignment)]
    scores = {s: ws.scores(s, assignment) for s in students}
    return GradedLesson(assignment, ws, source, release, scores)


def lesson_params() -> list:
    return [pytest.param(a, id=a, marks=pytest.mark.xdist_group(a)) for a in ASSIGNMENTS]


def mutant_params() -> list:
    return [
        pytest.param(a, m, id=f"{a}-{m.name}", marks=pytest.mark.xdist_group(a))
        for a in ASSIGNMENTS
        for m in mutants_of(a)
    ]
