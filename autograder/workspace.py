"""An nbgrader course directory outside the repository, driven through nbgrader's own CLI.

The repository is the instructor's course (``source/``, ``release/``, ``nbgrader_config.py``).
A :class:`Workspace` copies ``source/`` and the config into a scratch course directory with
its own SQLite gradebook, so that generating, autograding and feedback never touch the
instructor's files. Layout (nbgrader's)::

    <root>/nbgrader_config.py
    <root>/source/<assignment>/<notebook>.ipynb
    <root>/release/<assignment>/...                 (generate_assignment)
    <root>/submitted/<student>/<assignment>/...     (put here by add_submission)
    <root>/autograded/<student>/<assignment>/...    (autograde)
    <root>/feedback/<student>/<assignment>/*.html   (generate_feedback)
    <root>/gradebook.db
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from nbformat import NotebookNode

from . import notebooks

REPO = Path(__file__).resolve().parent.parent


class NbgraderError(RuntimeError):
    """An nbgrader command exited non-zero; the message holds its output's tail."""


@dataclass(frozen=True)
class CellScore:
    grade_id: str
    score: float | None  # None: waits for manual grading
    max_score: float
    auto: bool  # autograded test cell (True) or manually graded answer (False)


class Workspace:
    """A scratch nbgrader course directory at ``root`` made from the repo's ``source/``."""

    def __init__(self, root: Path, repo: Path = REPO, assignments: list[str] | None = None) -> None:
        self.root = Path(root)
        self.repo = Path(repo)
        self.root.mkdir(parents=True, exist_ok=True)
        shutil.copy2(self.repo / "nbgrader_config.py", self.root / "nbgrader_config.py")
        src = self.repo / "source"
        names = assignments if assignments is not None else notebooks.assignments(src)
        for name in names:
            dest = self.root / "source" / name
            if dest.exists():
                shutil.rmtree(dest)
            shutil.copytree(src / name, dest, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        self.assignments = list(names)

    # -- running nbgrader ------------------------------------------------------------------
    def nbgrader(self, *args: str, timeout: float = 1800) -> str:
        """Run ``nbgrader <args>`` in this course directory; return its output."""
        # nbgrader runs `alembic` from PATH: put this interpreter's bin folder (the venv's) first.
        path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
        env = dict(os.environ, PATH=path, PYTHONPATH=str(self.repo), OMP_NUM_THREADS="1", MPLBACKEND="Agg")
        proc = subprocess.run(
            [sys.executable, "-m", "nbgrader", *args],
            cwd=self.root, env=env, capture_output=True, text=True, timeout=timeout,
        )
        out = proc.stdout + proc.stderr
        if proc.returncode != 0:
            raise NbgraderError(f"nbgrader {' '.join(args)} exited {proc.returncode}:\n{out[-4000:]}")
        return out

    def generate(self, assignment: str) -> Path:
        self.nbgrader("generate_assignment", assignment, "--force")
        return self.root / "release" / assignment

    def generate_all(self) -> dict[str, Path]:
        """Generate every assignment of this workspace in one nbgrader run (one start-up)."""
        if self.assignments:
            self.nbgrader("generate_assignment", "*", "--force")
        return {a: self.root / "release" / a for a in self.assignments}

    def autograde(self, assignment: str) -> str:
        return self.nbgrader("autograde", assignment, "--force")

    def feedback(self, assignment: str) -> str:
        return self.nbgrader("generate_feedback", assignment, "--force")

    def export_csv(self, path: Path) -> Path:
        self.nbgrader("export", "--to", str(path))
        return path

    # -- paths -----------------------------------------------------------------------------
    def source_notebook(self, assignment: str) -> Path:
        (path,) = notebooks.notebook_paths(self.root / "source", assignment)
        return path

    def release_notebook(self, assignment: str) -> Path:
        return self.root / "release" / assignment / self.source_notebook(assignment).name

    def autograded_notebook(self, student: str, assignment: str) -> Path:
        return self.root / "autograded" / student / assignment / self.source_notebook(assignment).name

    def feedback_html(self, student: str, assignment: str) -> Path:
        name = self.source_notebook(assignment).with_suffix(".html").name
        return self.root / "feedback" / student / assignment / name

    def add_submission(self, student: str, assignment: str, nb: NotebookNode) -> Path:
        path = self.root / "submitted" / student / assignment / self.source_notebook(assignment).name
        notebooks.write(nb, path)
        return path

    # -- the gradebook ---------------------------------------------------------------------
    def scores(self, student: str, assignment: str) -> dict[str, CellScore]:
        """Per grade cell of the student's notebook: score (None if ungraded manual), max."""
        from nbgrader.api import Gradebook

        nb_name = self.source_notebook(assignment).stem
        with Gradebook(f"sqlite:///{self.root / 'gradebook.db'}") as gb:
            sub = gb.find_submission_notebook(nb_name, assignment, student)
            result = {}
            for grade in sub.grades:
                auto = grade.cell.cell_type == "code"  # manual answers are markdown cells
                score = None if grade.needs_manual_grade else grade.score
                result[grade.name] = CellScore(grade.name, score, float(grade.max_score), auto)
            return result
