"""Find the submissions to grade, in the forms instructors have them.

* an nbgrader tree: ``<dir>/<student>/<assignment>/<notebook>.ipynb`` (``submitted/``);
* a folder of notebooks: ``<dir>/<student>_<notebook>.ipynb`` or ``<dir>/<student>/<notebook>.ipynb``
  (the assignment is the one whose notebook name ends the file name);
* LMS zip downloads: a ``.zip`` holding either of the above, extracted safely (no absolute
  or ``..`` paths, no links, bounded size and file count).

A submission's files are the notebook and the other files beside it in the student's folder
(data files a notebook may read); nothing else is copied to where it runs.
"""
from __future__ import annotations

import re
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

MAX_ZIP_BYTES = 200 * 2**20
MAX_ZIP_FILES = 5000
MAX_NOTEBOOK_BYTES = 20 * 2**20


class SubmissionError(ValueError):
    """Input that cannot be read as submissions (the message says why)."""


@dataclass(frozen=True)
class Submission:
    student: str
    assignment: str
    notebook: Path                     # the student's notebook file
    files: tuple[Path, ...] = field(default=())  # other files that travel with it

    @property
    def key(self) -> str:
        return f"{self.student}/{self.assignment}"


def digest(data: bytes) -> str:
    """The fingerprint a result records of the notebook it graded (a re-run skips an unchanged one)."""
    import hashlib

    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Problem:
    """Something in the input that is not a gradable submission (reported, not fatal)."""

    path: str
    reason: str


_SAFE_ID = re.compile(r"[^A-Za-z0-9_.@+-]+")


def safe_id(text: str) -> str:
    """A student id usable as a folder name: odd characters become '-'."""
    cleaned = _SAFE_ID.sub("-", text).strip("-.")
    return cleaned or "unknown"


def _extract_zip(archive: Path, dest: Path) -> list[Problem]:
    """Extract ``archive`` into ``dest`` refusing unsafe members; return what was skipped."""
    problems: list[Problem] = []
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as err:
        return [Problem(str(archive), f"not a readable zip file: {err}")]
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_ZIP_FILES:
            return [Problem(str(archive), f"zip holds {len(infos)} entries (limit {MAX_ZIP_FILES})")]
        total = 0
        for info in infos:
            name = PurePosixPath(info.filename.replace("\\", "/"))
            mode = info.external_attr >> 16
            if name.is_absolute() or ".." in name.parts or not name.parts:
                problems.append(Problem(f"{archive.name}:{info.filename}", "unsafe path in zip (absolute or '..'): skipped"))
                continue
            if stat.S_ISLNK(mode):
                problems.append(Problem(f"{archive.name}:{info.filename}", "symbolic link in zip: skipped"))
                continue
            if info.is_dir():
                continue
            total += info.file_size
            if total > MAX_ZIP_BYTES or info.file_size > MAX_NOTEBOOK_BYTES and info.filename.endswith(".ipynb"):
                problems.append(Problem(f"{archive.name}:{info.filename}", "too large once extracted: skipped"))
                continue
            target = dest.joinpath(*name.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(info) as src, open(target, "wb") as out:
                remaining = MAX_NOTEBOOK_BYTES * 10
                while chunk := src.read(1 << 16):
                    remaining -= len(chunk)
                    if remaining < 0:  # the header lied about the size: a zip bomb
                        break
                    out.write(chunk)
            if remaining < 0:
                target.unlink()
                problems.append(Problem(f"{archive.name}:{info.filename}", "expands beyond its declared size: skipped"))
    return problems


def _assignment_for(filename: str, notebook_names: dict[str, str]) -> tuple[str, str] | None:
    """(assignment, student prefix) when ``filename`` ends with one of the course's notebook names."""
    for nb_name, assignment in sorted(notebook_names.items(), key=lambda kv: -len(kv[0])):
        if filename == nb_name:
            return assignment, ""
        if filename.endswith(nb_name):
            return assignment, filename[: -len(nb_name)].rstrip("_- .")
    return None


def discover(
    inputs: list[Path],
    notebook_names: dict[str, str],
    scratch: Path,
) -> tuple[list[Submission], list[Problem]]:
    """Every submission under ``inputs``; ``notebook_names`` maps a notebook file name to its assignment.

    Zip files are extracted under ``scratch``. Returns the submissions (sorted, unique by
    student and assignment; a later duplicate is reported) and the problems found.
    """
    found: dict[str, Submission] = {}
    problems: list[Problem] = []
    assignments = set(notebook_names.values())

    def add(sub: Submission) -> None:
        if sub.key in found:
            problems.append(Problem(str(sub.notebook), f"a second submission for {sub.key}: ignored"))
        else:
            found[sub.key] = sub

    def scan_dir(root: Path) -> None:
        for path in sorted(root.rglob("*")):
            if path.is_symlink() or not path.is_file():
                continue
            if ".ipynb_checkpoints" in path.parts:
                continue
            if path.suffix == ".zip":
                dest = scratch / f"zip-{len(list(scratch.glob('zip-*')))}-{safe_id(path.stem)}"
                dest.mkdir(parents=True)
                problems.extend(_extract_zip(path, dest))
                scan_dir(dest)
                continue
            if path.suffix != ".ipynb":
                continue
            rel = path.relative_to(root).parts
            # nbgrader tree: <student>/<assignment>/<notebook>
            if len(rel) >= 3 and rel[-2] in assignments:
                assignment, student = rel[-2], rel[-3]
            else:
                match = _assignment_for(path.name, notebook_names)
                if match is None:
                    problems.append(Problem(str(path), "not a notebook of this course (its name matches no assignment)"))
                    continue
                assignment, prefix = match
                student = prefix or (rel[-2] if len(rel) >= 2 else "")
                if not student:
                    problems.append(Problem(str(path), "cannot tell whose notebook this is: name it <student>_<notebook>.ipynb"))
                    continue
            if path.stat().st_size > MAX_NOTEBOOK_BYTES:
                add(Submission(safe_id(student), assignment, path))  # graded as an error with its reason
                continue
            siblings = tuple(p for p in sorted(path.parent.iterdir()) if p.is_file() and not p.is_symlink() and p.suffix not in (".ipynb", ".zip"))
            add(Submission(safe_id(student), assignment, path, siblings if len(rel) >= 2 else ()))

    for item in inputs:
        if item.is_dir():
            scan_dir(item)
        elif item.is_file() and item.suffix == ".zip":
            dest = scratch / f"zip-{len(list(scratch.glob('zip-*')))}-{safe_id(item.stem)}"
            dest.mkdir(parents=True)
            problems.extend(_extract_zip(item, dest))
            scan_dir(dest)
        elif item.is_file() and item.suffix == ".ipynb":
            match = _assignment_for(item.name, notebook_names)
            if match is None or not match[1]:
                problems.append(Problem(str(item), "name it <student>_<notebook>.ipynb so the grader knows whose and which it is"))
            else:
                add(Submission(safe_id(match[1]), match[0], item))
        else:
            raise SubmissionError(f"{item}: not a folder, a zip file or a notebook")
    return sorted(found.values(), key=lambda s: (s.assignment, s.student)), problems


def shard(subs: list[Submission], index: int, count: int) -> list[Submission]:
    """The ``index``-th of ``count`` (1-based) disjoint, deterministic slices of ``subs``."""
    if not (count >= 1 and 1 <= index <= count):
        raise SubmissionError(f"shard {index}/{count}: need 1 <= i <= N")
    ordered = sorted(subs, key=lambda s: s.key)
    return ordered[index - 1 :: count]
