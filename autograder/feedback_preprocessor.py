"""The feedback filter as an nbgrader preprocessor, for ``nbgrader generate_feedback``.

Listed in the course's ``nbgrader_config.py`` (``c.GenerateFeedback.preprocessors``); the
filter itself is :func:`autograder.feedback.filter_cell`, the one ``course grade`` uses.
"""
from __future__ import annotations

from nbformat import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor

from .feedback import filter_cell
from .limits import Limits


class HideHiddenTests(NbGraderPreprocessor):
    """Strip hidden tests, tracebacks and unsafe outputs from a notebook before it becomes feedback."""

    def preprocess_cell(self, cell: NotebookNode, resources: dict, index: int):
        return filter_cell(cell, Limits().feedback_cell_chars), resources
