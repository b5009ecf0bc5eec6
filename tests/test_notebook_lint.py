"""Static checks of every source notebook: what nbgrader and students rely on."""
from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from autograder import notebooks
from autograder.notebooks import BEGIN_HIDDEN, BEGIN_SOLUTION, END_HIDDEN, END_SOLUTION
from autograder.workspace import REPO

SOURCES = sorted((REPO / "source").glob("*/*.ipynb"))
CURRICULUM = {
    "01_torch_autograd": "torch_autograd.ipynb",
    "02_value_autograd": "value_autograd.ipynb",
    "03_manual_layers": "manual_layers.ipynb",
    "04_optimizers": "optimizers.ipynb",
    "05_softmax_function": "softmax_function.ipynb",
    "06_root_finding": "root_finding.ipynb",
}
params = [pytest.param(p, id=p.parent.name) for p in SOURCES]


def test_every_assignment_folder_has_its_curriculum_name():
    for path in SOURCES:
        assert CURRICULUM.get(path.parent.name) == path.name, f"{path.relative_to(REPO)} is not a name from CURRICULUM.md"
    for folder in (REPO / "source").iterdir():
        assert len(list(folder.glob("*.ipynb"))) == 1, f"{folder.name} must hold exactly one notebook"


@pytest.mark.parametrize("path", params)
def test_notebook_is_valid_nbformat_4(path: Path):
    nb = nbformat.read(str(path), as_version=nbformat.NO_CONVERT)
    assert nb.nbformat == 4
    nbformat.validate(nb)


@pytest.mark.parametrize("path", params)
def test_has_a_python3_kernelspec(path: Path):
    ks = notebooks.read(path).metadata.get("kernelspec", {})
    assert ks.get("name") == "python3" and ks.get("language") == "python", f"kernelspec is {ks}"


@pytest.mark.parametrize("path", params)
def test_source_is_committed_without_outputs(path: Path):
    nb = json.loads(path.read_text())
    dirty = [i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code" and (c.get("outputs") or c.get("execution_count"))]
    assert not dirty, f"cells {dirty} carry outputs or execution counts; clear them before committing"


@pytest.mark.parametrize("path", params)
def test_every_nbgrader_cell_has_schema_3_and_a_unique_grade_id(path: Path):
    seen: dict[str, int] = {}
    for i, cell in enumerate(notebooks.read(path).cells):
        m = notebooks.meta(cell)
        if not m:
            continue
        assert m.get("schema_version") == 3, f"cell {i}: nbgrader schema {m.get('schema_version')}, expected 3"
        gid = m.get("grade_id")
        assert gid, f"cell {i} has nbgrader metadata but no grade_id"
        assert gid not in seen, f"grade_id {gid!r} used by cells {seen[gid]} and {i}"
        seen[gid] = i
        if m.get("grade"):
            assert float(m.get("points", 0)) > 0, f"grade cell {gid} has no points"


@pytest.mark.parametrize("path", params)
def test_delimiters_are_balanced_and_in_the_right_cells(path: Path):
    for cell in notebooks.read(path).cells:
        gid = notebooks.grade_id(cell) or "(plain cell)"
        depth = {"solution": 0, "hidden": 0}
        for line in cell.source.splitlines():
            for kind, begin, end in (("solution", BEGIN_SOLUTION, END_SOLUTION), ("hidden", BEGIN_HIDDEN, END_HIDDEN)):
                if begin in line:
                    depth[kind] += 1
                    assert depth[kind] == 1, f"{gid}: nested {begin}"
                elif end in line:
                    depth[kind] -= 1
                    assert depth[kind] == 0, f"{gid}: {end} without {begin}"
        assert depth == {"solution": 0, "hidden": 0}, f"{gid}: unclosed region {depth}"
        text = cell.source
        if BEGIN_SOLUTION in text:
            assert notebooks.is_solution(cell), f"{gid}: solution delimiters in a cell not marked as a solution"
        if BEGIN_HIDDEN in text:
            assert notebooks.is_autograded_test(cell), f"{gid}: hidden tests in a cell that is not an autograded test"


@pytest.mark.parametrize("path", params)
def test_every_solution_code_cell_is_followed_by_a_test_cell(path: Path):
    cells = notebooks.read(path).cells
    for i, cell in enumerate(cells):
        if cell.cell_type != "code" or not notebooks.is_solution(cell) or notebooks.is_manual_answer(cell):
            continue
        later = [c for c in cells[i + 1:] if notebooks.meta(c).get("solution") or notebooks.meta(c).get("grade")]
        assert later and notebooks.is_autograded_test(later[0]), (
            f"solution cell {notebooks.grade_id(cell)} is not followed by an autograded test cell")


@pytest.mark.parametrize("path", params)
def test_test_cells_are_locked_and_do_not_end_in_a_bare_value(path: Path):
    # nbgrader reads a number printed as a test cell's result as partial credit.
    import ast

    for cell in notebooks.read(path).cells:
        if notebooks.is_autograded_test(cell):
            assert notebooks.meta(cell).get("locked"), f"{notebooks.grade_id(cell)} is not locked"
            body = ast.parse(cell.source).body
            assert body and not isinstance(body[-1], ast.Expr) or isinstance(getattr(body[-1], "value", None), ast.Call), (
                f"{notebooks.grade_id(cell)} ends in an expression; nbgrader would read its value as partial credit")


@pytest.mark.parametrize("path", params)
def test_manual_answers_have_points(path: Path):
    for cell in notebooks.read(path).cells:
        if notebooks.is_manual_answer(cell):
            assert notebooks.points(cell) > 0
