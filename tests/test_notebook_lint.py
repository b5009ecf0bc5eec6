"""Static checks of every source notebook: what nbgrader and students rely on."""
from __future__ import annotations

import json
import re
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


def _test_cells(path: Path):
    return [c for c in notebooks.read(path).cells if notebooks.is_autograded_test(c)]


def _decorated(node, name: str) -> bool:
    import ast

    for d in getattr(node, "decorator_list", []):
        target = d.func if isinstance(d, ast.Call) else d
        if (isinstance(target, ast.Attribute) and target.attr == name) or (isinstance(target, ast.Name) and target.id == name):
            return True
    return False


@pytest.mark.parametrize("path", params)
def test_test_cells_are_probes_and_judges(path: Path):
    """Top level: imports, functions, constants; every probe judged once; no student call outside a probe."""
    import ast

    for cell in _test_cells(path):
        gid = notebooks.grade_id(cell)
        body = ast.parse(cell.source).body
        probes = [n.name for n in body if _decorated(n, "probe")]
        judged = []
        for node in body:
            ok = isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef)) or (
                isinstance(node, (ast.Assign, ast.AnnAssign)) and not any(isinstance(n, ast.Call) for n in ast.walk(node)))
            assert ok, f"{gid} line {node.lineno}: only imports, functions and constants belong at a test cell's top level"
            if _decorated(node, "judge"):
                (decorator,) = [d for d in node.decorator_list if isinstance(d, ast.Call)]
                assert len(decorator.args) == 1 and isinstance(decorator.args[0], ast.Name), f"{gid}: @judge takes one probe name"
                judged.append(decorator.args[0].id)
        assert probes, f"{gid} has no probe"
        assert sorted(judged) == sorted(probes) and len(set(probes)) == len(probes), (
            f"{gid}: every probe needs exactly one judge (probes {probes}, judged {judged})")
        names = [n.name for n in body if isinstance(n, ast.FunctionDef) and n.name != "_"]
        assert len(names) == len(set(names)), f"{gid}: a function name is defined twice"


@pytest.mark.parametrize("path", params)
def test_probes_have_a_label_and_judges_read_answers_strictly(path: Path):
    import ast

    for cell in _test_cells(path):
        gid = notebooks.grade_id(cell)
        for node in ast.parse(cell.source).body:
            if _decorated(node, "probe"):
                assert ast.get_docstring(node), f"{gid}: probe {node.name} needs a docstring: its label in messages"
            if _decorated(node, "judge"):
                lax = [n.lineno for n in ast.walk(node) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
                       and n.func.id == "zip" and not any(k.arg == "strict" for k in n.keywords)]
                assert not lax, f"{gid}: zip() in a judge must be strict=True (an answer with fewer items must fail), lines {lax}"


@pytest.mark.parametrize("path", params)
def test_tasks_with_forbidden_calls_say_so(path: Path):
    import ast

    cells = notebooks.read(path).cells
    for i, cell in enumerate(cells):
        if not notebooks.is_autograded_test(cell):
            continue
        forbids = [kw for n in ast.parse(cell.source).body for d in getattr(n, "decorator_list", [])
                   if isinstance(d, ast.Call) for kw in d.keywords if kw.arg == "forbid"]
        if not forbids:
            continue
        task_texts = [c.source for c in reversed(cells[:i])
                      if c.cell_type == "markdown" and not notebooks.meta(c) and c.source.lstrip().startswith("#")
                      and re.search(r"\(\d+( \+ \d+)* points?\)", c.source.splitlines()[0])]
        text = task_texts[0] if task_texts else ""
        assert "Off limits here" in text, f"{notebooks.grade_id(cell)} forbids calls, but its task text (the nearest heading above it that states points) has no '*Off limits here:*' line"


@pytest.mark.parametrize("path", params)
def test_student_facing_text_never_calls_the_original_course_the_seed(path: Path):
    import re

    wording = re.compile(r"\bthe seed\b|\bseed's\b|\bseeds\b|\bseed notebook|\bseed (task|lecture|assignment|homework)", re.I)
    for i, cell in enumerate(notebooks.read(path).cells):
        text = cell.source if cell.cell_type == "markdown" else "\n".join(
            line.split("#", 1)[1] for line in cell.source.splitlines() if "#" in line)
        found = wording.findall(text)
        assert not found, f"cell {notebooks.grade_id(cell) or i}: says {found[0]!r}: students read 'seed' as a random seed; say 'the original course'"
