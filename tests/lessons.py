"""Grade every lesson once per test session, through plain nbgrader and through `course grade`.

The class of a lesson: the reference solution, the untouched release, each mutant and each
fairness variant. ``graded(assignment)`` builds a scratch nbgrader course (see
``autograder.workspace``), regenerates the release with nbgrader, adds the class as
students, runs ``nbgrader autograde`` and ``generate_feedback`` once; ``course_graded``
grades the same notebooks with ``course grade``. Tests of one lesson share an xdist group
(hence a worker), so each lesson is graded once by each grader.
"""
from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
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


def fair_student(name: str) -> str:
    return f"fair-{name}".replace("_", "-")


def mutants_of(assignment: str) -> list[mutant.Mutant]:
    return list(mutant.load(assignment).MUTANTS) if mutant.has_mutants(assignment) else []


def class_of(assignment: str, source, release) -> dict[str, notebooks.NotebookNode]:
    """Student -> notebook: the solution, the untouched release, every mutant and variant."""
    students = {SOLUTION: notebooks.solved_copy(release, source), RELEASE: release}
    for m in mutants_of(assignment):
        students[mutant_student(m.name)] = mutant.submission(release, source, [m])
    for v in mutant.variants(assignment):
        students[fair_student(v.name)] = mutant.variant_submission(release, source, v)
    return students


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


def _once(fn):
    """Like functools.cache, but a failure is remembered too: the tests after it fail at once
    with the same error instead of grading the whole class again."""
    done: dict = {}

    def wrapper(assignment: str):
        if assignment not in done:
            try:
                done[assignment] = (True, fn(assignment))
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException as err:  # a failure or pytest-timeout's: re-raised for every test that needs it
                done[assignment] = (False, err)
        ok, value = done[assignment]
        if not ok:
            raise value
        return value

    return wrapper


@_once
def graded(assignment: str) -> GradedLesson:
    """The lesson's class through plain ``nbgrader autograde`` and ``generate_feedback``."""
    root = Path(tempfile.mkdtemp(prefix=f"graded-{assignment}-"))
    ws = Workspace(root, assignments=[assignment])
    ws.generate(assignment)
    source = notebooks.read(ws.source_notebook(assignment))
    release = notebooks.read(REPO / "release" / assignment / ws.source_notebook(assignment).name)
    students = class_of(assignment, source, release)
    for student, nb in students.items():
        ws.add_submission(student, assignment, nb)
    ws.autograde(assignment)
    ws.feedback(assignment)
    scores = {s: ws.scores(s, assignment) for s in students}
    return GradedLesson(assignment, ws, source, release, scores)


@dataclass
class CourseGraded:
    out: Path
    results: dict[str, dict]     # student -> result JSON
    returncode: int
    stderr: str

    def points(self, student: str) -> dict[str, float | None]:
        return {c["grade_id"]: c["points"] for c in self.results[student]["cells"]}


@_once
def course_graded(assignment: str) -> CourseGraded:
    """The same class through ``course grade`` (sandboxed where bubblewrap runs)."""
    root = Path(tempfile.mkdtemp(prefix=f"course-{assignment}-"))
    source = notebooks.read(next((REPO / "source" / assignment).glob("*.ipynb")))
    name = next((REPO / "source" / assignment).glob("*.ipynb")).name
    release = notebooks.read(REPO / "release" / assignment / name)
    for student, nb in class_of(assignment, source, release).items():
        notebooks.write(nb, root / "submitted" / student / assignment / name)
    out = root / "out"
    env = dict(os.environ, OMP_NUM_THREADS="1")
    env.pop("CI", None)  # the sandbox is used where it runs; its refusal has tests of its own
    proc = subprocess.run([sys.executable, "-m", "autograder", "grade", str(root / "submitted"), "--out", str(out),
                           "--jobs", "2", "--quiet", "--no-gradebook"], capture_output=True, text=True, timeout=1800,
                          cwd=REPO, env=env)
    results = {p.parent.name: json.loads(p.read_text()) for p in (out / "results").glob(f"*/{assignment}.json")}
    return CourseGraded(out, results, proc.returncode, proc.stderr)


def lesson_params() -> list:
    return [pytest.param(a, id=a, marks=pytest.mark.xdist_group(a)) for a in ASSIGNMENTS]


def mutant_params() -> list:
    return [
        pytest.param(a, m, id=f"{a}-{m.name}", marks=pytest.mark.xdist_group(a))
        for a in ASSIGNMENTS
        for m in mutants_of(a)
    ]


def variant_params() -> list:
    return [
        pytest.param(a, v, id=f"{a}-{v.name}", marks=pytest.mark.xdist_group(a))
        for a in ASSIGNMENTS
        for v in mutant.variants(a)
    ]
