"""Every lesson, graded through nbgrader: full marks, zero, no drift, no leaks, mutants caught."""
from __future__ import annotations

import pytest

from autograder import notebooks
from autograder.release import differences
from autograder.workspace import REPO
from tests.lessons import (RELEASE, SOLUTION, course_graded, graded, html_text, lesson_params, mutant_params, mutant_student,
                           mutants_of)

pytestmark = pytest.mark.slow

MIN_MUTANTS = 8


def unsolved(error: dict) -> bool:
    """An error output that only says a task is not done yet (directly, or as a check's message)."""
    return error.get("ename") == "NotImplementedError" or (
        error.get("ename") == "CheckFailed" and "raised NotImplementedError" in error.get("evalue", ""))


@pytest.mark.parametrize("assignment", lesson_params())
def test_solution_gets_full_marks_on_every_autograded_cell(assignment):
    lesson = graded(assignment)
    lost = {gid: f"{s.score}/{s.max_score}" for gid, s in lesson.scores[SOLUTION].items() if s.auto and s.score != s.max_score}
    errors = [
        f"{notebooks.grade_id(c)}: {o.get('ename')}: {o.get('evalue')}"
        for c in lesson.autograded(SOLUTION).cells if c.cell_type == "code"
        for o in c.get("outputs", []) if o.get("output_type") == "error" or o.get("name") == "stderr"
    ]
    assert not lost, f"the reference solution loses points in {lost}; errors/stderr: {errors}"


@pytest.mark.parametrize("assignment", lesson_params())
def test_solution_leaves_manual_answers_for_the_instructor(assignment):
    manual = {gid: s for gid, s in graded(assignment).scores[SOLUTION].items() if not s.auto}
    assert all(s.score is None for s in manual.values()), f"manual answers were scored automatically: {manual}"


@pytest.mark.parametrize("assignment", lesson_params())
def test_untouched_release_scores_zero(assignment):
    scores = graded(assignment).scores[RELEASE]
    earned = {gid: s.score for gid, s in scores.items() if s.score}
    assert not earned, f"the untouched release earns points in {earned}"


@pytest.mark.parametrize("assignment", lesson_params())
def test_untouched_release_fails_only_with_not_implemented_error(assignment):
    nb = graded(assignment).autograded(RELEASE)
    other = [
        f"{notebooks.grade_id(c) or f'cell {i}'}: {o['ename']}: {o['evalue']}"
        for i, c in enumerate(nb.cells) if c.cell_type == "code"
        for o in c.get("outputs", []) if o.get("output_type") == "error" and not unsolved(o)
    ]
    assert not other, "an unsolved notebook should fail with NotImplementedError only, got: " + "; ".join(other)


@pytest.mark.parametrize("assignment", lesson_params())
def test_release_is_exactly_what_nbgrader_generates(assignment):
    lesson = graded(assignment)
    diff = differences(lesson.ws.root / "release" / assignment, REPO / "release" / assignment)
    assert not diff, f"release/{assignment} drifted from source/ ({diff}); run: .venv/bin/python -m autograder.release {assignment}"


@pytest.mark.parametrize("assignment", lesson_params())
def test_release_contains_no_solution_or_hidden_test_line(assignment):
    lesson = graded(assignment)
    secrets = notebooks.secret_lines(lesson.source)
    assert secrets, "the source notebook has no solution or hidden-test lines to protect"
    released = notebooks.all_text(p for p in (REPO / "release" / assignment).rglob("*") if p.is_file())
    leaked = sorted(line for line in secrets if line in released)
    assert not leaked, f"release/{assignment} contains solution or hidden-test lines: {leaked[:5]}"


@pytest.mark.parametrize("assignment", lesson_params())
def test_feedback_shows_results_but_no_hidden_test_line(assignment):
    lesson = graded(assignment)
    hidden = notebooks.hidden_test_lines(lesson.source, lesson.release)
    assert hidden, "no hidden test line to look for"
    for student in (SOLUTION, RELEASE, *(mutant_student(m.name) for m in mutants_of(assignment))):
        text = html_text(lesson.feedback_text(student))
        # the student's own code is theirs to see, even where a line of it happens to match a hidden one
        own = "\n".join(c.source for c in lesson.autograded(student).cells if notebooks.is_solution(c))
        leaked = sorted(line for line in hidden if line in text and line not in own)
        assert not leaked, f"feedback for {student} shows hidden test lines: {leaked[:5]}"
        assert "Score:" in text or "score" in text.lower(), f"feedback for {student} shows no score"


@pytest.mark.parametrize("assignment", lesson_params())
def test_lesson_has_enough_mutants(assignment):
    assert len(mutants_of(assignment)) >= MIN_MUTANTS, f"{assignment} needs at least {MIN_MUTANTS} mutants under tests/mutants/"


@pytest.mark.parametrize(("assignment", "m"), mutant_params())
def test_mutant_loses_points_in_the_test_meant_to_catch_it(assignment, m):
    scores = graded(assignment).scores[mutant_student(m.name)]
    unknown = [gid for gid in m.caught_by if gid not in scores]
    assert not unknown, f"mutant {m.name} names unknown test cells {unknown}"
    kept = {gid: f"{scores[gid].score}/{scores[gid].max_score}" for gid in m.caught_by if scores[gid].score == scores[gid].max_score}
    assert not kept, f"mutant {m.name!r} ({m.why}) keeps full points in {kept}"


@pytest.mark.parametrize(("assignment", "m"), [p for p in mutant_params() if p.values[1].exact])
def test_delegating_mutant_loses_exactly_its_tasks_points_under_both_graders(assignment, m):
    student = mutant_student(m.name)
    nbgrader_scores = graded(assignment).scores[student]
    lost = {gid for gid, s in nbgrader_scores.items() if s.auto and s.score != s.max_score}
    assert lost == set(m.caught_by), f"{m.name}: nbgrader took points from {sorted(lost)}, expected exactly {sorted(m.caught_by)}"
    result = course_graded(assignment).results[student]
    lost = {c["grade_id"] for c in result["cells"] if c["kind"] == "test" and c["points"] != c["max_points"]}
    assert lost == set(m.caught_by), f"{m.name}: course grade took points from {sorted(lost)}, expected exactly {sorted(m.caught_by)}"


@pytest.mark.parametrize(("assignment", "m"), [p for p in mutant_params() if p.values[1].says])
def test_delegating_mutant_is_told_what_it_called(assignment, m):
    result = course_graded(assignment).results[mutant_student(m.name)]
    messages = {c["grade_id"]: c["message"] for c in result["cells"] if c["grade_id"] in m.caught_by}
    silent = {gid: msg[:200] for gid, msg in messages.items() if m.says not in msg}
    assert not silent, f"{m.name}: the message does not name {m.says!r}: {silent}"
    nb = graded(assignment).autograded(mutant_student(m.name))
    errors = {notebooks.grade_id(c): o.get("evalue", "") for c in nb.cells if notebooks.grade_id(c) in m.caught_by
              for o in c.get("outputs", []) if o.get("output_type") == "error"}
    silent = {gid: msg[:200] for gid, msg in errors.items() if m.says not in msg}
    assert errors and not silent, f"{m.name}: under nbgrader the message does not name {m.says!r}: {silent or 'no error'}"


@pytest.mark.parametrize("assignment", lesson_params())
def test_every_task_has_mutants_that_catch_it(assignment):
    tests = [notebooks.grade_id(c) for c in graded(assignment).source.cells if notebooks.is_autograded_test(c)]
    caught = {gid: sum(gid in m.caught_by for m in mutants_of(assignment)) for gid in tests}
    thin = {gid: n for gid, n in caught.items() if n < 1}
    assert not thin, f"{assignment}: test cells no mutant shows to catch anything: {thin}"


@pytest.mark.parametrize("assignment", lesson_params())
def test_course_grade_and_plain_nbgrader_give_the_same_points(assignment):
    lesson, course = graded(assignment), course_graded(assignment)
    assert course.returncode == 0, course.stderr[-3000:]
    differ = {}
    for student, scores in lesson.scores.items():
        ours = course.points(student)
        for gid, s in scores.items():
            if s.auto and ours.get(gid) != s.score:
                differ[f"{student}/{gid}"] = f"nbgrader {s.score}, course grade {ours.get(gid)}"
    assert not differ, f"the graders disagree: {differ}"
