"""The main job's example submissions can be built for every lesson (without running them)."""
from __future__ import annotations

import pytest

from autograder import notebooks
from autograder.workspace import REPO
from tests import mutant
from tests.lessons import ASSIGNMENTS


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_demo_mistakes_name_existing_mutants_on_different_cells(assignment):
    module = mutant.load(assignment)
    names = {m.name for m in module.MUTANTS}
    demo = list(module.DEMO)
    assert 2 <= len(demo) <= 4 and set(demo) <= names, f"DEMO {demo} must name 2-4 of {sorted(names)}"
    cells = [m.cell for m in module.MUTANTS if m.name in demo]
    assert len(cells) == len(set(cells)), f"DEMO mutants must edit different cells, got {cells}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_mutant_applies_to_the_current_solution(assignment):
    (src,) = notebooks.notebook_paths(REPO / "source", assignment)
    (rel,) = notebooks.notebook_paths(REPO / "release", assignment)
    source, release = notebooks.read(src), notebooks.read(rel)
    solved = notebooks.solved_copy(release, source)
    for m in mutant.load(assignment).MUTANTS:
        wrong = mutant.submission(release, source, [m])
        assert wrong.cells != solved.cells, f"mutant {m.name} does not change the submission"


def test_names_are_unique_within_each_lesson():
    for assignment in ASSIGNMENTS:
        names = [m.name for m in mutant.load(assignment).MUTANTS]
        assert len(names) == len(set(names)), f"{assignment}: duplicate mutant names"
