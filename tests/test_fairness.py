"""Correct-but-different solutions keep every point, under both graders, with no advice."""
from __future__ import annotations

import pytest

from autograder import notebooks
from tests.lessons import course_graded, fair_student, graded, lesson_params, variant_params
from tests.mutant import variants

pytestmark = pytest.mark.slow

MIN_CASES = 4


@pytest.mark.parametrize("assignment", lesson_params())
def test_lesson_has_enough_fairness_cases(assignment):
    assert len(variants(assignment)) >= MIN_CASES, f"{assignment} needs at least {MIN_CASES} cases in tests/fairness/{assignment}.py"


@pytest.mark.parametrize(("assignment", "v"), variant_params())
def test_correct_but_different_solution_gets_full_marks_from_nbgrader(assignment, v):
    scores = graded(assignment).scores[fair_student(v.name)]
    lost = {gid: f"{s.score}/{s.max_score}" for gid, s in scores.items() if s.auto and s.score != s.max_score}
    nb = graded(assignment).autograded(fair_student(v.name))
    errors = [f"{notebooks.grade_id(c)}: {o.get('ename')}: {str(o.get('evalue'))[:300]}" for c in nb.cells
              if notebooks.grade_id(c) in lost for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not lost, f"{v.name} ({v.why}) loses points under nbgrader: {lost}; {errors}"


@pytest.mark.parametrize(("assignment", "v"), variant_params())
def test_correct_but_different_solution_gets_full_marks_from_course_grade_with_no_advice(assignment, v):
    result = course_graded(assignment).results[fair_student(v.name)]
    lost = {c["grade_id"]: c["message"][:300] for c in result["cells"] if c["kind"] == "test" and c["points"] != c["max_points"]}
    assert not lost, f"{v.name} ({v.why}) loses points under course grade: {lost}"
    assert not result["advice"], f"{v.name} ({v.why}) draws advice: {result['advice']}"
