"""The trusted side without a kernel: splitting test cells, judging answers, scoring cells."""
from __future__ import annotations

import ast

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from autograder import notebooks, testcells
from autograder.judge import Judged, Judges
from autograder.kernel import Execution
from autograder.run import NotebookRun
from autograder.score import score_cells
from autograder.workspace import REPO
from course import wire

CELL = '''
@checks.probe(forbid=["softmax"])
def small():
    "double of [1, 2]"
    return double(torch.tensor([1.0, 2.0]))


@checks.judge(small)
def _(got):
    "the reference never leaves the grader"
    secret_reference = torch.tensor([2.0, 4.0])  # a comment the kernel never sees
    checks.check_tensor("double([1, 2])", got, secret_reference)
### BEGIN HIDDEN TESTS


def _h_inputs():
    return [torch.tensor([3.0]), torch.tensor([-1.0, 0.5])]


@checks.probe
def _h_more():
    "double of more inputs"
    return [double(x) for x in _h_inputs()]


@checks.judge(_h_more)
def _(got, extra=torch.tensor([123456.0])):
    for x, y in zip(_h_inputs(), got, strict=True):
        checks.check_tensor("double(x)", y, 2 * x)
### END HIDDEN TESTS
'''


def test_kernel_code_keeps_probes_and_helpers_and_empties_every_judge():
    code = testcells.kernel_code(CELL)
    assert "def small():" in code and "def _h_inputs():" in code and "def _h_more():" in code
    assert "@checks.judge(small)" in code and "@checks.judge(_h_more)" in code
    for secret in ("secret_reference", "check_tensor", "2 * x", "123456", "the reference never", "a comment", "HIDDEN TESTS"):
        assert secret not in code, f"{secret!r} reached the student's kernel"
    judges = [n for n in ast.parse(code).body if testcells.is_judge(n)]
    assert len(judges) == 2 and all(len(j.body) == 1 for j in judges)


def test_a_judge_nested_in_a_statement_is_an_authoring_error():
    with pytest.raises(testcells.TestCellError, match="not at the top level"):
        testcells.kernel_code("if True:\n    @checks.judge(p)\n    def _(got):\n        pass\n")


@pytest.mark.parametrize("assignment", ["05_softmax_function"])
def test_no_hidden_judge_line_of_a_lesson_reaches_the_kernel(assignment):
    source = notebooks.read(next((REPO / "source" / assignment).glob("*.ipynb")))
    for cell in source.cells:
        if not notebooks.is_autograded_test(cell):
            continue
        code = testcells.kernel_code(cell.source)
        for node in ast.parse(cell.source).body:
            if testcells.is_judge(node):
                for line in ast.unparse(node.body[-1]).splitlines():
                    assert len(line) < 20 or line not in code, f"{notebooks.grade_id(cell)}: judge line {line!r} in kernel code"


def _notebook(*test_sources: str):
    nb = new_notebook(cells=[new_code_cell("import torch\nfrom course import checks", metadata={"nbgrader": {
        "grade": False, "grade_id": "imports", "locked": True, "schema_version": 3, "solution": False}})])
    for i, src in enumerate(test_sources):
        nb.cells.append(new_code_cell(src, metadata={"nbgrader": {"grade": True, "grade_id": f"test_{i}", "locked": True,
                                                                  "points": 2, "schema_version": 3, "solution": False}}))
    return nb


def _answer(value, forbidden=()):
    return wire.encode({"value": value, "forbidden": [list(f) for f in forbidden]})


def _execution(*answers, outputs=(), note=""):
    return Execution("ok", 0.1, list(outputs), list(answers), note)


@pytest.fixture(scope="module")
def judges():
    nb = _notebook(CELL)
    return nb, Judges(nb)


def test_judges_collect_the_cells_judges_in_order(judges):
    nb, j = judges
    assert [x.probe for x in j.judgements(nb.cells[1])] == ["small", "_h_more"]


def test_right_answers_pass(judges):
    import torch

    nb, j = judges
    run = _execution(("small", _answer(torch.tensor([2.0, 4.0]))),
                     ("_h_more", _answer([torch.tensor([6.0]), torch.tensor([-2.0, 1.0])])))
    verdict = j.judge(nb.cells[1], run)
    assert verdict.passed, verdict.message
    assert verdict.lines == ("passed: double of [1, 2]", "passed: double of more inputs")


def test_a_missing_answer_fails_with_why_the_cell_said_nothing(judges):
    import torch

    nb, j = judges
    error = new_output("error", ename="KeyboardInterrupt", evalue="", traceback=[])
    verdict = j.judge(nb.cells[1], _execution(("small", _answer(torch.tensor([2.0, 4.0]))), outputs=[error]))
    assert not verdict.passed and "[double of more inputs] the test did not get an answer" in verdict.message
    assert "KeyboardInterrupt" in verdict.message


def test_two_answers_from_one_probe_fail(judges):
    import torch

    nb, j = judges
    ok = _answer(torch.tensor([2.0, 4.0]))
    verdict = j.judge(nb.cells[1], _execution(("small", ok), ("small", ok), ("_h_more", ok)))
    assert not verdict.passed and "got 2 answers, not one" in verdict.message


def test_an_answer_from_a_probe_the_cell_does_not_have_fails(judges):
    import torch

    nb, j = judges
    more = _answer([torch.tensor([6.0]), torch.tensor([-2.0, 1.0])])
    verdict = j.judge(nb.cells[1], _execution(("small", _answer(torch.tensor([2.0, 4.0]))), ("_h_more", more), ("evil", more)))
    assert not verdict.passed and "probes this cell does not have: evil" in verdict.message


def test_an_answer_with_fewer_items_fails_rather_than_passing_with_fewer_checks(judges):
    import torch

    nb, j = judges
    verdict = j.judge(nb.cells[1], _execution(("small", _answer(torch.tensor([2.0, 4.0]))), ("_h_more", _answer([]))))
    assert not verdict.passed and "could not be judged" in verdict.message


def test_an_offence_fails_the_cell_even_with_right_values(judges):
    import torch

    nb, j = judges
    run = _execution(("small", _answer(torch.tensor([2.0, 4.0]), [("softmax", "torch.softmax", "double", 3)])),
                     ("_h_more", _answer([torch.tensor([6.0]), torch.tensor([-2.0, 1.0])])))
    verdict = j.judge(nb.cells[1], run)
    assert not verdict.passed and "`double` called `torch.softmax`" in verdict.message


def test_a_cell_the_grader_cannot_read_fails_with_the_reason_and_grades_nothing():
    nb = _notebook("print(undefined_name)")
    verdict = Judges(nb).judge(nb.cells[1], _execution())
    assert not verdict.passed and "could not read this test cell: NameError" in verdict.message


def test_scores_follow_verdicts_and_manual_answers_follow_the_release():
    nb = _notebook(CELL, CELL)
    nb.cells.insert(1, new_code_cell("def double(x):\n    return 2 * x  +", metadata={"nbgrader": {
        "grade": False, "grade_id": "double_code", "locked": False, "schema_version": 3, "solution": True}}))
    answer = new_markdown_cell("my answer", metadata={"nbgrader": {"grade": True, "grade_id": "q", "locked": False,
                                                                   "points": 3, "schema_version": 3, "solution": True}})
    nb.cells.append(answer)
    release = nbformat.from_dict(nb)
    release = nbformat.v4.new_notebook(cells=[*nb.cells[:-1], new_markdown_cell("YOUR ANSWER HERE", metadata=answer.metadata)])
    syntax = new_output("error", ename="SyntaxError", evalue="invalid syntax (line 2)", traceback=[])
    run = NotebookRun(executions={1: _execution(outputs=[syntax]), 2: _execution(), 3: _execution()},
                      skipped={})
    judged = {2: Judged(True), 3: Judged(False, "[x] your code raised NameError: name 'double' is not defined")}
    cells, notes = score_cells(nb, release, run, judged)
    by = {c.grade_id: c for c in cells}
    assert by["test_0"].points == 2 and by["test_0"].status == "passed"
    assert by["test_1"].points == 0 and "an earlier cell failed: double_code stopped with SyntaxError" in by["test_1"].message
    assert by["q"].points is None and by["q"].status == "pending"
    assert notes == ["double_code stopped with SyntaxError: invalid syntax (line 2)"]
    run.skipped[3] = "not run: the kernel died"
    cells, _ = score_cells(nb, release, run, judged)
    assert {c.grade_id: c.status for c in cells}["test_1"] == "not run"
    nb.cells[-1].source = "YOUR ANSWER HERE"
    cells, _ = score_cells(nb, release, run, judged)
    assert {c.grade_id: (c.points, c.status) for c in cells}["q"] == (0.0, "unanswered")
