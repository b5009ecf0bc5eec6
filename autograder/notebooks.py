"""Reading nbgrader notebooks: cell roles, solution and hidden-test regions, student copies.

Conventions (nbgrader's, schema 3):
* a *solution cell* has ``metadata.nbgrader.solution == True`` and no points of its own
  (``grade == False``), except a manually graded answer, which is both;
* a *test cell* (autograded) has ``grade == True`` and ``solution == False``;
* solution regions are delimited by ``### BEGIN SOLUTION`` / ``### END SOLUTION`` lines,
  hidden tests by ``### BEGIN HIDDEN TESTS`` / ``### END HIDDEN TESTS``.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

import nbformat
from nbformat import NotebookNode

BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"
BEGIN_HIDDEN = "### BEGIN HIDDEN TESTS"
END_HIDDEN = "### END HIDDEN TESTS"


def read(path: Path | str) -> NotebookNode:
    """Read a notebook as nbformat 4 (raises on malformed JSON or an unknown format)."""
    return nbformat.read(str(path), as_version=nbformat.NO_CONVERT)


def write(nb: NotebookNode, path: Path | str) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))


def meta(cell: NotebookNode) -> dict:
    """The cell's ``nbgrader`` metadata (an empty dict for a plain cell)."""
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def grade_id(cell: NotebookNode) -> str | None:
    return meta(cell).get("grade_id")


def is_solution(cell: NotebookNode) -> bool:
    return bool(meta(cell).get("solution"))


def is_autograded_test(cell: NotebookNode) -> bool:
    m = meta(cell)
    return bool(m.get("grade")) and not m.get("solution") and cell.cell_type == "code"


def is_manual_answer(cell: NotebookNode) -> bool:
    m = meta(cell)
    return bool(m.get("grade")) and bool(m.get("solution"))


def points(cell: NotebookNode) -> float:
    return float(meta(cell).get("points", 0) or 0)


def cells_by_id(nb: NotebookNode) -> dict[str, NotebookNode]:
    return {gid: c for c in nb.cells if (gid := grade_id(c))}


@dataclass(frozen=True)
class Region:
    """Lines strictly between a BEGIN and an END delimiter in one cell."""

    grade_id: str | None
    kind: str  # "solution" or "hidden"
    lines: tuple[str, ...]


def regions(nb: NotebookNode) -> Iterator[Region]:
    """Every solution and hidden-test region of the notebook, in order."""
    pairs = {"solution": (BEGIN_SOLUTION, END_SOLUTION), "hidden": (BEGIN_HIDDEN, END_HIDDEN)}
    for cell in nb.cells:
        for kind, (begin, end) in pairs.items():
            inside, buf = False, []
            for line in cell.source.splitlines():
                if begin in line:
                    inside, buf = True, []
                elif end in line and inside:
                    inside = False
                    yield Region(grade_id(cell), kind, tuple(buf))
                elif inside:
                    buf.append(line)


def secret_lines(nb: NotebookNode, min_len: int = 8) -> set[str]:
    """Stripped lines that occur only inside solution or hidden-test regions.

    A line that also appears outside every region (an import, ``return x``), even as part of a
    longer line, is not secret.
    These are the lines that must never reach a student (release, feedback).
    """
    inside: set[str] = set()
    for region in regions(nb):
        inside.update(line.strip() for line in region.lines)
    outside: set[str] = set()
    for cell in nb.cells:
        depth = 0
        for line in cell.source.splitlines():
            if BEGIN_SOLUTION in line or BEGIN_HIDDEN in line:
                depth += 1
            elif END_SOLUTION in line or END_HIDDEN in line:
                depth -= 1
            elif depth == 0:
                outside.add(line.strip())
    visible = "\n".join(outside)
    return {line for line in inside if line not in visible and len(line) >= min_len and not line.startswith("#")}


def hidden_test_lines(source: NotebookNode, release: NotebookNode) -> set[str]:
    """Secret lines of hidden tests that neither the release nor a solution contains.

    Feedback may legitimately show the release text and the student's own code; these lines
    are the ones it must never show.
    """
    shown = notebook_text(release) + "\n" + "\n".join(
        line for r in regions(source) if r.kind == "solution" for line in r.lines)
    hidden = {line.strip() for r in regions(source) if r.kind == "hidden" for line in r.lines}
    return {line for line in hidden & secret_lines(source) if line not in shown}


def strip_solution_markers(source: str) -> str:
    """The source as a student who solved the task would write it: delimiter lines removed."""
    return "\n".join(
        line for line in source.splitlines() if BEGIN_SOLUTION not in line and END_SOLUTION not in line
    )


def solved_copy(release: NotebookNode, source: NotebookNode, edits: dict[str, str] | None = None) -> NotebookNode:
    """A submission: the release notebook with every solution cell filled in from ``source``.

    ``edits`` maps a solution cell's grade_id to replacement code (a mutant). Test cells keep
    the release text, as a student's copy would.
    """
    solved = copy.deepcopy(release)
    by_id = cells_by_id(source)
    edits = edits or {}
    for cell in solved.cells:
        gid = grade_id(cell)
        if gid is None or not is_solution(cell):
            continue
        cell.source = edits[gid] if gid in edits else strip_solution_markers(by_id[gid].source)
    unknown = set(edits) - {grade_id(c) for c in solved.cells if is_solution(c)}
    if unknown:
        raise KeyError(f"edits name cells that are not solution cells: {sorted(unknown)}")
    return solved


def notebook_paths(root: Path, assignment: str) -> list[Path]:
    return sorted((root / assignment).glob("*.ipynb"))


def assignments(source_dir: Path) -> list[str]:
    """Assignment ids: the folders under ``source/`` that hold a notebook."""
    return sorted(p.name for p in source_dir.iterdir() if p.is_dir() and any(p.glob("*.ipynb")))


def notebook_text(nb: NotebookNode) -> str:
    """What a reader of the notebook sees: cell sources, then output texts (JSON unescaped)."""
    parts: list[str] = []
    for cell in nb.cells:
        parts.append(cell.source)
        for out in cell.get("outputs", []):
            parts.append(str(out.get("text", "")))
            parts.extend(str(v) for v in out.get("data", {}).values())
            parts.extend(out.get("traceback", []))
            parts.append(str(out.get("evalue", "")))
    return "\n".join(parts)


def all_text(paths: Iterable[Path]) -> str:
    """The text of files: notebooks as :func:`notebook_text` plus raw JSON, others raw."""
    chunks: list[str] = []
    for p in paths:
        raw = Path(p).read_text(encoding="utf-8", errors="replace")
        chunks.append(raw)
        if str(p).endswith(".ipynb"):
            try:
                chunks.append(notebook_text(nbformat.reads(raw, as_version=4)))
            except Exception:  # unreadable notebooks are still searched as raw text
                pass
    return "\n".join(chunks)
