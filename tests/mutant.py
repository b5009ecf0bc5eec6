"""Plausible wrong solutions ("mutants") and how to turn one into a submission.

Each lesson has ``tests/mutants/<assignment>.py`` defining ``MUTANTS: list[Mutant]`` and
``DEMO: list[str]`` (names of mutants combined into the main job's "typical mistakes"
student; they must edit different cells). A mutant edits one solution cell of the correct
solution (the source cell with its ``### BEGIN/END SOLUTION`` lines removed) by exact
substring replacements, or replaces the cell's code whole; ``caught_by`` names the test
cells that must lose points when it is autograded.
"""
from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from nbformat import NotebookNode

from autograder import notebooks

MUTANTS_DIR = Path(__file__).resolve().parent / "mutants"


@dataclass(frozen=True, kw_only=True)
class Mutant:
    name: str
    why: str
    cell: str
    caught_by: tuple[str, ...]
    replace: tuple[tuple[str, str], ...] = field(default=())
    code: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "caught_by", tuple(self.caught_by))
        object.__setattr__(self, "replace", tuple(tuple(p) for p in self.replace))
        if (self.code is None) == (not self.replace):
            raise ValueError(f"mutant {self.name}: give exactly one of replace=... or code=...")

    def edit(self, solved_source: str) -> str:
        """The mutated cell code; every ``old`` substring must occur in the solved cell."""
        if self.code is not None:
            return self.code
        text = solved_source
        for old, new in self.replace:
            if old not in text:
                raise ValueError(f"mutant {self.name}: {old!r} does not occur in cell {self.cell}")
            text = text.replace(old, new)
        if text == solved_source:
            raise ValueError(f"mutant {self.name} changes nothing")
        return text


def edit(name: str, why: str, cell: str, replace: list, caught_by: list) -> Mutant:
    """A replacement mutant, positionally: ``edit(name, why, cell, [(old, new)], [test ids])``."""
    return Mutant(name=name, why=why, cell=cell, replace=replace, caught_by=caught_by)


def load(assignment: str) -> ModuleType:
    path = MUTANTS_DIR / f"{assignment}.py"
    spec = importlib.util.spec_from_file_location(f"mutants_{assignment}", path)
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def has_mutants(assignment: str) -> bool:
    return (MUTANTS_DIR / f"{assignment}.py").exists()


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
