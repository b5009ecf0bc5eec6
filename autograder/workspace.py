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

import contextlib
import os
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from nbformat import NotebookNode

from . import notebooks

REPO = Path(__file__).resolve().parent.parent


def path_with_interpreter_bin(path: str | None = None) -> str:
    """``PATH`` with this interpreter's ``bin`` folder (the venv's) first, once.

    nbgrader runs ``alembic`` from ``PATH`` when it creates a gradebook; the venv's own
    ``alembic`` must win, also when the venv is not activated (``.venv/bin/nbgrader ...``)."""
    here = str(Path(sys.executable).parent)  # not resolved: a venv's python is a symlink
    parts = [p for p in (path if path is not None else os.environ.get("PATH", "")).split(os.pathsep) if p and p != here]
    return os.pathsep.join([here, *parts])


def repair_gradebook(db: Path) -> bool:
    """Stamp a half-made ``gradebook.db`` with nbgrader's schema version; True if it was one.

    nbgrader creates the tables first and records the alembic version after, by running
    ``alembic``; when that failed (not on ``PATH``), the tables stay without a version and later
    runs accept the file as it is. The tables are the current schema (this nbgrader made them),
    so the missing record is the head revision, written as nbgrader itself writes it."""
    db = Path(db)
    if not db.is_file() or db.stat().st_size == 0:
        return False
    with contextlib.closing(sqlite3.connect(db)) as con, con:  # closed, and committed
        tables = {row[0] for row in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not tables or "alembic_version" in tables:
            return False
        from alembic.script import ScriptDirectory
        from nbgrader.dbutil import ALEMBIC_DIR

        head = ScriptDirectory(ALEMBIC_DIR).get_current_head()
        con.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        con.execute("INSERT INTO alembic_version (version_num) VALUES (?)", (head,))
    return True


def create_gradebook(db: Path) -> None:
    """A new ``gradebook.db`` as nbgrader makes one: its tables, stamped with its schema's head
    revision. nbgrader finds that revision by running ``alembic heads`` in a new process (two
    seconds of CPU); here it is read from nbgrader's migration scripts in this process."""
    from nbgrader.api import Base
    from sqlalchemy import create_engine

    engine = create_engine(f"sqlite:///{db}")
    try:
        Base.metadata.create_all(bind=engine)
    finally:
        engine.dispose()
    repair_gradebook(db)


def prepare_nbgrader(course_dir: Path) -> None:
    """What plain nbgrader needs, run from the course's ``nbgrader_config.py``: ``alembic``
    found on ``PATH`` (this interpreter's), and the course's gradebook whole."""
    os.environ["PATH"] = path_with_interpreter_bin()
    db = Path(course_dir) / "gradebook.db"
    try:
        if repair_gradebook(db):
            print(f"nbgrader_config.py: {db} was half made (no schema version); stamped it", file=sys.stderr)
    except (OSError, sqlite3.Error) as err:  # a config file that raises would drop the whole course config
        print(f"nbgrader_config.py: could not check {db}: {err}", file=sys.stderr)


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
        src = self.repo / "source"
        names = assignments if assignments is not None else notebooks.assignments(src)
        self.assignments = list(names)
        if self.root.resolve() == self.repo.resolve():
            return  # the course directory itself (course grade --out .): nothing to copy
        shutil.copy2(self.repo / "nbgrader_config.py", self.root / "nbgrader_config.py")
        for name in names:
            dest = self.root / "source" / name
            if dest.exists():
                shutil.rmtree(dest)
            shutil.copytree(src / name, dest, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))

    # -- running nbgrader ------------------------------------------------------------------
    def nbgrader(self, *args: str, timeout: float = 1800) -> str:
        """Run ``nbgrader <args>`` in this course directory; return its output."""
        # nbgrader runs `alembic` from PATH: this interpreter's bin folder (the venv's) comes first.
        env = dict(os.environ, PATH=path_with_interpreter_bin(), PYTHONPATH=str(self.repo), OMP_NUM_THREADS="1",
                   MPLBACKEND="Agg")
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

    def config(self):
        """This course directory's ``nbgrader_config.py``, loaded as nbgrader loads it (a fresh
        traitlets ``Config`` each call, for nbgrader components run in this process)."""
        from traitlets.config.loader import PyFileConfigLoader

        return PyFileConfigLoader("nbgrader_config.py", path=str(self.root)).load_config()

    def generate_in_process(self, assignments: list[str]) -> None:
        """``nbgrader generate_assignment --force`` for ``assignments``, run here through nbgrader's
        API: the same converter and course configuration as the command, without starting an
        interpreter that imports nbgrader afresh (``course grade`` does this beside its workers)."""
        from nbgrader.apps import NbGraderAPI
        from nbgrader.coursedir import CourseDirectory

        if not (self.root / "gradebook.db").exists():
            create_gradebook(self.root / "gradebook.db")
        config = self.config()
        config.CourseDirectory.root = str(self.root)
        api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
        for a in assignments:
            result = api.generate_assignment(a, force=True)
            if not result["success"]:
                raise NbgraderError(f"nbgrader generate_assignment {a} failed:\n{(result.get('error') or result.get('log') or '')[-4000:]}")

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
