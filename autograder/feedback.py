"""nbgrader preprocessor for feedback: no hidden test code, no code in tracebacks.

nbgrader's ``generate_feedback`` renders the autograded notebook as it ran, hidden tests and
full IPython tracebacks included (a traceback quotes the lines around the failing one, which
for a hidden test are hidden test code). This preprocessor, listed in
``c.GenerateFeedback.preprocessors``, replaces every hidden-test region with one comment line
and every error output's traceback with ``ExceptionName: message``; the check messages of
:mod:`course.checks` already say what was expected and what was got.
"""
from __future__ import annotations

from nbgrader.preprocessors import NbGraderPreprocessor
from nbformat import NotebookNode

from .notebooks import BEGIN_HIDDEN, END_HIDDEN

HIDDEN_NOTE = "# (hidden tests ran here; their code is not shown)"


def remove_hidden_regions(source: str) -> str:
    """Replace each BEGIN/END HIDDEN TESTS region (delimiters included) with one note line."""
    out: list[str] = []
    inside = False
    for line in source.splitlines():
        if BEGIN_HIDDEN in line:
            inside = True
            out.append(line[: len(line) - len(line.lstrip())] + HIDDEN_NOTE)
        elif END_HIDDEN in line:
            inside = False
        elif not inside:
            out.append(line)
    if inside:  # an unclosed region hides everything after its start
        pass
    return "\n".join(out)


def short_error(output: NotebookNode) -> NotebookNode:
    output["traceback"] = [f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"]
    return output


class HideHiddenTests(NbGraderPreprocessor):
    """Strip hidden tests and tracebacks from a notebook before it becomes feedback."""

    def preprocess_cell(self, cell: NotebookNode, resources: dict, index: int):
        if cell.cell_type == "code":
            cell.source = remove_hidden_regions(cell.source)
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    short_error(output)
        return cell, resources
