"""Edits of the reference solution: wrong ones that must lose points, right ones that must not.

Each lesson has ``tests/mutants/<assignment>.py`` defining ``MUTANTS: list[Mutant]`` and
``DEMO: list[str]`` (names of mutants combined into the main job's "typical mistakes"
student; they must edit different cells), and ``tests/fairness/<assignment>.py`` defining
``CASES: list[Variant]``.

A :class:`Mutant` edits one solution cell of the correct solution (the source cell with its
``### BEGIN/END SOLUTION`` lines removed) by exact substring replacements, or replaces the
cell's code whole; ``caught_by`` names the test cells that must lose points. A *delegating*
mutant (made with :func:`delegates`) calls what its task forbids: it must lose exactly those
cells' points (every other cell keeps its own) with a message that ``says`` what it called.

A :class:`Variant` is a correct solution written differently: edits of any number of
solution cells, and extra code cells of the student's own; it must keep full marks.
"""
from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Union

from nbformat import NotebookNode
from nbformat.v4 import new_code_cell

from autograder import notebooks

MUTANTS_DIR = Path(__file__).resolve().parent / "mutants"
FAIRNESS_DIR = Path(__file__).resolve().parent / "fairness"

Replacements = tuple[tuple[str, str], ...]


def apply(name: str, cell: str, solved_source: str, change: Union[str, Replacements, list]) -> str:
    """The cell's code after ``change``: whole code (a str) or (old, new) replacements, each of
    which must occur."""
    if isinstance(change, str):
        return change
    text = solved_source
    for old, new in change:
        if old not in text:
            raise ValueError(f"{name}: {old!r} does not occur in cell {cell}")
        text = text.replace(old, new)
    if text == solved_source:
        raise ValueError(f"{name} changes nothing in cell {cell}")
    return text


@dataclass(frozen=True, kw_only=True)
class Mutant:
    name: str
    why: str
    cell: str
    caught_by: tuple[str, ...]
    replace: Replacements = field(default=())
    code: str | None = None
    says: str = ""          # a text the failing cells' messages must contain
    exact: bool = False     # only the caught_by cells may lose points

    def __post_init__(self) -> None:
        object.__setattr__(self, "caught_by", tuple(self.caught_by))
        object.__setattr__(self, "replace", tuple(tuple(p) for p in self.replace))
        if (self.code is None) == (not self.replace):
            raise ValueError(f"mutant {self.name}: give exactly one of replace=... or code=...")

    def edit(self, solved_source: str) -> str:
        """The mutated cell code; every ``old`` substring must occur in the solved cell."""
        return apply(f"mutant {self.name}", self.cell, solved_source, self.code if self.code is not None else self.replace)


def edit(name: str, why: str, cell: str, replace: list, caught_by: list) -> Mutant:
    """A replacement mutant, positionally: ``edit(name, why, cell, [(old, new)], [test ids])``."""
    return Mutant(name=name, why=why, cell=cell, replace=replace, caught_by=caught_by)


def delegates(name: str, why: str, cell: str, replace: list | str, caught_by: list, says: str) -> Mutant:
    """A mutant that calls what the task forbids: it loses exactly ``caught_by``, naming ``says``."""
    if isinstance(replace, str):
        return Mutant(name=name, why=why, cell=cell, code=replace, caught_by=caught_by, says=says, exact=True)
    return Mutant(name=name, why=why, cell=cell, replace=replace, caught_by=caught_by, says=says, exact=True)


@dataclass(frozen=True)
class Variant:
    """A correct solution written differently: ``edits`` maps solution cells to whole code or
    (old, new) replacements; ``extra`` adds the student's own code cells after the named cells."""

    name: str
    why: str
    edits: dict = field(default_factory=dict)
    extra: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "extra", tuple(tuple(e) for e in self.extra))
        if not self.edits and not self.extra:
            raise ValueError(f"variant {self.name} changes nothing")


def _load(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def load(assignment: str) -> ModuleType:
    return _load(MUTANTS_DIR / f"{assignment}.py", f"mutants_{assignment}")


def has_mutants(assignment: str) -> bool:
    return (MUTANTS_DIR / f"{assignment}.py").exists()


def variants(assignment: str) -> list[Variant]:
    path = FAIRNESS_DIR / f"{assignment}.py"
    return list(_load(path, f"fairness_{assignment}").CASES) if path.exists() else []


def submission(release: NotebookNode, source: NotebookNode, mutants: list[Mutant]) -> NotebookNode:
    """The correct submission with each mutant's edit applied (one cell per mutant)."""
    by_id = notebooks.cells_by_id(source)
    edits: dict[str, str] = {}
    for m in mutants:
        if m.cell in edits:
            raise ValueError(f"two mutants edit cell {m.cell}")
        if m.cell not in by_id:
            raise KeyError(f"mutant {m.name}: no cell with grade_id {m.cell}")
        edits[m.cell] = m.edit(notebooks.strip_solution_markers(by_id[m.cell].source))
    return notebooks.solved_copy(release, source, edits)


def variant_submission(release: NotebookNode, source: NotebookNode, v: Variant) -> NotebookNode:
    """The correct submission written as ``v`` says."""
    by_id = notebooks.cells_by_id(source)
    edits = {}
    for cell, change in v.edits.items():
        if cell not in by_id:
            raise KeyError(f"variant {v.name}: no cell with grade_id {cell}")
        edits[cell] = apply(f"variant {v.name}", cell, notebooks.strip_solution_markers(by_id[cell].source), change)
    nb = notebooks.solved_copy(release, source, edits)
    for after, code in reversed(v.extra):
        index = next(i for i, c in enumerate(nb.cells) if notebooks.grade_id(c) == after)
        nb.cells.insert(index + 1, new_code_cell(code))
    return nb
