"""The course's assignments as the grader knows them: each one's source and release notebook.

Light on purpose (no torch, no kernel): the ``course grade`` process reads the course, takes in
the submissions and writes the reports with this; only its workers import the pipeline.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from nbformat import NotebookNode

from . import notebooks
from .intake import Submission
from .results import CellResult, NotebookResult


class UsageError(Exception):
    """A mistake in how the grader was called (exit code 2); the message says what to do."""


@dataclass(frozen=True)
class Reference:
    """The instructor's notebooks for one assignment (``source`` holds the hidden tests)."""

    assignment: str
    notebook_name: str
    source: NotebookNode
    release: NotebookNode


def load_references(course: Path) -> dict[str, Reference]:
    """The source and release notebook of every assignment in ``course``."""
    source_dir, release_dir = course / "source", course / "release"
    if not source_dir.is_dir():
        raise UsageError(f"{course} has no source/ folder: pass --course with the course directory")
    refs = {}
    for a in notebooks.assignments(source_dir):
        (src,) = notebooks.notebook_paths(source_dir, a)
        rel = release_dir / a / src.name
        if not rel.exists():
            raise UsageError(f"release/{a}/{src.name} is missing: run python -m autograder.release {a}")
        refs[a] = Reference(a, src.name, notebooks.read(src), notebooks.read(rel))
    return refs


def empty_result(sub: Submission, ref: Reference, status: str, reason: str, isolation: str = "") -> NotebookResult:
    """Every grade cell at 0 (manual ones too) with ``reason``."""
    cells = [
        CellResult(notebooks.grade_id(c) or "", "test" if notebooks.is_autograded_test(c) else "manual",
                   0.0, notebooks.points(c), "not run", reason)
        for c in ref.source.cells if notebooks.meta(c).get("grade")
    ]
    return NotebookResult(sub.student, sub.assignment, ref.notebook_name, status, reason, cells,
                          sha256=sub.sha256, timestamp=sub.timestamp, isolation=isolation)
