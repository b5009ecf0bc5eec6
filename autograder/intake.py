"""Intake: find the submissions to grade, in the forms instructors have them; read, hash, size once.

Input forms (each input is a folder, a zip file or one notebook):

* an nbgrader tree: ``<dir>/<student>/<assignment>/<notebook>.ipynb`` (``submitted/``), with
  nbgrader's ``timestamp.txt`` beside the notebook;
* a folder of notebooks: ``<dir>/<student>_<notebook>.ipynb`` or ``<dir>/<student>/<notebook>.ipynb``
  (the assignment is the one whose notebook name ends the file name);
* LMS zip downloads: a ``.zip`` (given as an input, or at the top of an input folder) holding
  either of the above.

**Whose is it.** A folder directly under an input root belongs to the student it names, and
so does everything inside it, zips included: a zip in Alice's folder is Alice's whatever its
entries say, so no input can produce a result for another student. Two different notebooks
for one student and assignment are both reported, and neither is graded (an error result
says so); the same file twice counts once.

**Bounds.** A zip is refused whole past :data:`MAX_ZIP_FILES` entries or
:data:`MAX_ZIP_BYTES` declared bytes, before anything is extracted; entries with absolute or
``..`` paths or links are skipped; an entry that expands past its declared size (a zip bomb)
is cut off; zips nest at most :data:`MAX_ZIP_DEPTH` deep. A notebook over the limit is not
read (its result says why). Every skipped input is a :class:`Problem` with the reason.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .limits import Limits

MAX_ZIP_BYTES = 200 * 2**20
MAX_ZIP_FILES = 5000
MAX_ZIP_DEPTH = 3
MAX_ENTRY_BYTES = 200 * 2**20
NBGRADER_FILES = ("timestamp.txt", "submission_secret.txt")  # nbgrader's own, beside a collected notebook


class SubmissionError(ValueError):
    """Input that cannot be read as submissions at all (the message says why)."""


@dataclass(frozen=True)
class Submission:
    student: str
    assignment: str
    notebook: Path                     # the student's notebook file
    files: tuple[Path, ...] = field(default=())  # other files that travel with it
    sha256: str = ""                   # of the notebook's bytes, read once here ("" if too large to read)
    size: int = 0
    timestamp: str = ""                # nbgrader's timestamp.txt, else the file's modification time (UTC, ISO)
    nbgrader_files: tuple[Path, ...] = field(default=())  # timestamp.txt, submission_secret.txt: kept beside what is written

    @property
    def key(self) -> str:
        return f"{self.student}/{self.assignment}"


@dataclass(frozen=True)
class Problem:
    """Something in the input that is not a gradable submission (reported, not fatal)."""

    path: str
    reason: str


@dataclass(frozen=True)
class Conflict:
    """Two or more different notebooks claim one student's assignment: none is graded."""

    student: str
    assignment: str
    paths: tuple[str, ...]

    @property
    def key(self) -> str:
        return f"{self.student}/{self.assignment}"

    @property
    def reason(self) -> str:
        return (f"{len(self.paths)} different notebooks for {self.student}/{self.assignment} "
                f"({', '.join(self.paths)}): none was graded; keep one and grade again")


def digest(data: bytes) -> str:
    """The fingerprint a result records of the notebook it graded (a re-run skips an unchanged one)."""
    return hashlib.sha256(data).hexdigest()


_SAFE_ID = re.compile(r"[^A-Za-z0-9_.@+-]+")


def safe_id(text: str) -> str:
    """A student id usable as a folder name: odd characters become '-'."""
    cleaned = _SAFE_ID.sub("-", text).strip("-.")
    return cleaned or "unknown"


def _hash_file(path: Path, limit: int) -> tuple[str, int]:
    """(sha256, size) of ``path``; the hash is "" when the file is over ``limit`` bytes."""
    size = path.stat().st_size
    if size > limit:
        return "", size
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest(), size


def _timestamp(notebook: Path) -> str:
    """nbgrader's ``timestamp.txt`` beside the notebook, else the notebook's modification time."""
    stamp = notebook.parent / "timestamp.txt"
    if stamp.is_file() and not stamp.is_symlink() and stamp.stat().st_size < 200:
        text = stamp.read_text(errors="replace").strip()
        if text:
            return text
    mtime = notebook.stat().st_mtime
    return dt.datetime.fromtimestamp(mtime, dt.timezone.utc).isoformat()


def _extract_zip(archive: Path, dest: Path) -> list[Problem]:
    """Extract ``archive`` into ``dest`` refusing unsafe members; return what was skipped."""
    problems: list[Problem] = []
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError, ValueError) as err:
        return [Problem(str(archive), f"not a readable zip file: {err}")]
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_ZIP_FILES:
            return [Problem(str(archive), f"zip holds {len(infos)} entries (limit {MAX_ZIP_FILES}): not extracted")]
        declared = sum(i.file_size for i in infos)
        if declared > MAX_ZIP_BYTES:
            return [Problem(str(archive), f"zip declares {declared / 2**20:.0f} MiB (limit {MAX_ZIP_BYTES / 2**20:.0f} MiB): not extracted")]
        for info in infos:
            name = PurePosixPath(info.filename.replace("\\", "/"))
            mode = info.external_attr >> 16
            where = f"{archive.name}:{info.filename[:200]}"
            if name.is_absolute() or ".." in name.parts or not name.parts:
                problems.append(Problem(where, "unsafe path in zip (absolute or '..'): skipped"))
                continue
            if stat.S_ISLNK(mode):
                problems.append(Problem(where, "symbolic link in zip: skipped"))
                continue
            if info.is_dir():
                continue
            target = dest.joinpath(*(safe_id(p) for p in name.parts))
            target.parent.mkdir(parents=True, exist_ok=True)
            remaining = min(info.file_size, MAX_ENTRY_BYTES)
            try:
                with zf.open(info) as src, open(target, "wb") as out:
                    while chunk := src.read(1 << 16):
                        remaining -= len(chunk)
                        if remaining < 0:  # the header lied about the size: a zip bomb
                            break
                        out.write(chunk)
            except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError, NotImplementedError) as err:
                target.unlink(missing_ok=True)
                problems.append(Problem(where, f"cannot be extracted: {err}"))
                continue
            if remaining < 0:
                target.unlink()
                problems.append(Problem(where, "expands beyond its declared size: skipped"))
                continue
            _keep_entry_time(target, info)
    return problems


def _keep_entry_time(target: Path, info: zipfile.ZipInfo) -> None:
    """Give an extracted file its zip entry's time: an LMS stamps each entry with the upload time.

    A zip entry's time has no zone; it is read as UTC (what the LMS downloads seen here write).
    """
    try:
        when = dt.datetime(*info.date_time, tzinfo=dt.timezone.utc).timestamp()
    except ValueError:  # a corrupt date: the extraction time stands
        return
    os.utime(target, (when, when))


def _assignment_for(filename: str, notebook_names: dict[str, str]) -> tuple[str, str] | None:
    """(assignment, student prefix) when ``filename`` ends with one of the course's notebook names."""
    for nb_name, assignment in sorted(notebook_names.items(), key=lambda kv: -len(kv[0])):
        if filename == nb_name:
            return assignment, ""
        if filename.endswith(nb_name):
            return assignment, filename[: -len(nb_name)].rstrip("_- .")
    return None


def _walk(root: Path) -> list[Path]:
    """Files under ``root`` (no symbolic links followed, checkpoints skipped), sorted."""
    found: list[Path] = []
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d != ".ipynb_checkpoints")
        for name in files:
            path = Path(folder) / name
            if not path.is_symlink() and path.is_file():
                found.append(path)
    return sorted(found)


class _Scan:
    """One discovery: the submissions found so far and the problems."""

    def __init__(self, notebook_names: dict[str, str], scratch: Path, limits: Limits) -> None:
        self.names, self.scratch, self.limits = notebook_names, scratch, limits
        self.assignments = set(notebook_names.values())
        self.found: dict[str, list[Submission]] = {}
        self.problems: list[Problem] = []
        self.zips = 0

    def add(self, student: str, assignment: str, path: Path, files: tuple[Path, ...]) -> None:
        sha, size = _hash_file(path, self.limits.notebook_bytes)
        kept = tuple(p for name in NBGRADER_FILES if (p := path.parent / name).is_file() and not p.is_symlink())
        sub = Submission(safe_id(student), assignment, path, files, sha, size, _timestamp(path), kept)
        self.found.setdefault(sub.key, []).append(sub)

    def unzip(self, archive: Path, depth: int) -> Path | None:
        if depth >= MAX_ZIP_DEPTH:
            self.problems.append(Problem(str(archive), f"zip inside zips {MAX_ZIP_DEPTH} deep: not extracted"))
            return None
        self.zips += 1
        dest = self.scratch / f"zip-{self.zips}-{safe_id(archive.stem)}"
        dest.mkdir(parents=True)
        self.problems.extend(_extract_zip(archive, dest))
        return dest

    def scan_class(self, root: Path, depth: int = 0) -> None:
        """A folder whose entries are students (folders or ``<student>_<notebook>`` files) and class zips."""
        for path in sorted(root.iterdir()):
            if path.is_symlink():
                continue
            if path.is_dir() and path.name != ".ipynb_checkpoints":
                self.scan_student(path, safe_id(path.name), depth)
            elif path.is_file() and path.suffix == ".zip":
                dest = self.unzip(path, depth)
                if dest is not None:
                    self.scan_class(dest, depth + 1)
            elif path.is_file() and path.suffix == ".ipynb":
                self.loose(path)

    def loose(self, path: Path) -> None:
        match = _assignment_for(path.name, self.names)
        if match is None:
            self.problems.append(Problem(str(path), "not a notebook of this course (its name matches no assignment)"))
        elif not match[1]:
            self.problems.append(Problem(str(path), "cannot tell whose notebook this is: name it <student>_<notebook>.ipynb"))
        else:
            self.add(match[1], match[0], path, ())

    def scan_student(self, folder: Path, owner: str, depth: int) -> None:
        """Everything under ``folder`` is ``owner``'s, zips included."""
        for path in _walk(folder):
            if path.suffix == ".zip":
                dest = self.unzip(path, depth)
                if dest is not None:
                    self.scan_student(dest, owner, depth + 1)
                continue
            if path.suffix != ".ipynb":
                continue
            parent = path.parent.name
            if parent in self.assignments:
                assignment = parent
            else:
                match = _assignment_for(path.name, self.names)
                if match is None:
                    self.problems.append(Problem(str(path), "not a notebook of this course (its name matches no assignment)"))
                    continue
                assignment = match[0]
            siblings = tuple(p for p in sorted(path.parent.iterdir())
                             if p.is_file() and not p.is_symlink() and p.suffix not in (".ipynb", ".zip") and p.name not in NBGRADER_FILES)
            self.add(owner, assignment, path, siblings)

    def result(self) -> tuple[list[Submission], list[Problem], list[Conflict]]:
        subs: list[Submission] = []
        conflicts: list[Conflict] = []
        for key, claims in self.found.items():
            distinct = {(c.sha256 or str(c.notebook)): c for c in claims}
            if len(distinct) == 1:
                subs.append(claims[0])
                continue
            paths = tuple(str(c.notebook) for c in distinct.values())
            conflicts.append(Conflict(claims[0].student, claims[0].assignment, paths))
            self.problems.extend(Problem(p, f"one of {len(paths)} different notebooks for {key}: none was graded") for p in paths)
        return sorted(subs, key=lambda s: (s.assignment, s.student)), self.problems, sorted(conflicts, key=lambda c: (c.assignment, c.student))


def discover(inputs: list[Path], notebook_names: dict[str, str], scratch: Path,
             limits: Limits | None = None) -> tuple[list[Submission], list[Problem], list[Conflict]]:
    """Every submission under ``inputs``; ``notebook_names`` maps a notebook file name to its assignment.

    Zip files are extracted under ``scratch``. Returns the submissions (sorted, one per
    student and assignment), the problems found, and the conflicts (students with several
    different notebooks for one assignment, none graded).
    """
    scan = _Scan(notebook_names, scratch, limits or Limits())
    for item in inputs:
        if item.is_dir():
            scan.scan_class(item)
        elif item.is_file() and item.suffix == ".zip":
            dest = scan.unzip(item, 0)
            if dest is not None:
                scan.scan_class(dest, 1)
        elif item.is_file() and item.suffix == ".ipynb":
            scan.loose(item)
        else:
            raise SubmissionError(f"{item}: not a folder, a zip file or a notebook")
    return scan.result()


class IntakeError(Exception):
    """The submission's notebook cannot be read; the message says why."""


def read(sub: Submission, limits: Limits) -> bytes:
    """The notebook's bytes, as they were when found (raises :class:`IntakeError`)."""
    if sub.size > limits.notebook_bytes or not sub.sha256:
        raise IntakeError(f"the notebook is {sub.size / 2**20:.0f} MiB (limit {limits.notebook_bytes / 2**20:.0f} MiB)")
    try:
        with open(sub.notebook, "rb") as fh:
            raw = fh.read(limits.notebook_bytes + 1)
    except OSError as err:
        raise IntakeError(f"cannot read the notebook: {err}") from None
    if digest(raw) != sub.sha256:
        raise IntakeError("the notebook changed while it was being graded")
    return raw


def shard(subs: list, index: int, count: int) -> list:
    """The ``index``-th of ``count`` (1-based) disjoint, deterministic slices of ``subs``
    (submissions and conflicts: anything with a ``key``)."""
    if not (count >= 1 and 1 <= index <= count):
        raise SubmissionError(f"shard {index}/{count}: need 1 <= i <= N")
    ordered = sorted(subs, key=lambda s: s.key)
    return ordered[index - 1 :: count]
