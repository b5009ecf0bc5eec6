"""autograder.feedback: what nbgrader's feedback keeps and what it drops."""
from __future__ import annotations

from nbformat.v4 import new_code_cell, new_notebook, new_output

from autograder.feedback import HIDDEN_NOTE, HideHiddenTests, remove_hidden_regions

CELL = """check(f(1), 2)
### BEGIN HIDDEN TESTS
secret_reference = compute()
check(f(secret_reference), 3)
### END HIDDEN TESTS
print("passed")"""


def test_hidden_region_is_replaced_by_one_note_line():
    out = remove_hidden_regions(CELL)
    assert "secret_reference" not in out and "BEGIN HIDDEN" not in out
    assert out.splitlines() == ["check(f(1), 2)", HIDDEN_NOTE, 'print("passed")']


def test_unclosed_hidden_region_hides_the_rest_of_the_cell():
    assert "leak" not in remove_hidden_regions("a = 1\n### BEGIN HIDDEN TESTS\nleak = 2")


def test_preprocessor_shortens_tracebacks_to_the_error_message():
    error = new_output("error", ename="CheckFailed", evalue="[f(2)] expected 3, got 4",
                       traceback=["Traceback ...", "----> 3 check(f(secret_reference), 3)", "CheckFailed: ..."])
    nb = new_notebook(cells=[new_code_cell(CELL, outputs=[error])])
    nb, _ = HideHiddenTests().preprocess(nb, {})
    (out,) = nb.cells[0].outputs
    assert out.traceback == ["CheckFailed: [f(2)] expected 3, got 4"]
    assert "secret_reference" not in nb.cells[0].source


def test_preprocessor_is_enabled_by_default_so_nbgrader_runs_it():
    assert HideHiddenTests().enabled
