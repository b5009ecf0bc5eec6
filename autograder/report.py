"""Report: the one writer of the output folder, and every path in it.

``course grade --out OUT`` makes ``OUT`` an nbgrader course directory::

    OUT/results/<student>/<assignment>.json             the record (shards merge by copying these)
    OUT/autograded/<student>/<assignment>/<notebook>    the notebook as it ran, verdicts added
    OUT/feedback/<student>/<assignment>/<notebook>.html what the student reads
    OUT/grades.csv   OUT/junit.xml   OUT/summary.md      made from every record
    OUT/gradebook.db (+ nbgrader_config.py, source/)    nbgrader's gradebook

Every other report is derived from the set of JSON records, so a re-run, a merge or a
gradebook write always starts from them. Writes are atomic (a crash never leaves half a file).
"""
from __future__ import annotations

import csv
import html
import json
import os
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

from nbformat import NotebookNode

from . import notebooks
from .results import NotebookResult

CSV_COLUMNS = ["assignment", "duedate", "timestamp", "student_id", "last_name", "first_name", "email",
               "raw_score", "late_submission_penalty", "score", "max_score", "flags"]


def _atomic_write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path


def _keep(files: tuple[Path, ...], folder: Path) -> None:
    for f in files:
        shutil.copyfile(f, folder / f.name)


class Output:
    """The output course directory ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    # -- paths ------------------------------------------------------------------------------------
    def result_path(self, student: str, assignment: str) -> Path:
        return self.root / "results" / student / f"{assignment}.json"

    def autograded_path(self, student: str, assignment: str, notebook: str) -> Path:
        return self.root / "autograded" / student / assignment / notebook

    def feedback_path(self, student: str, assignment: str, notebook: str) -> Path:
        return self.root / "feedback" / student / assignment / Path(notebook).with_suffix(".html").name

    @property
    def csv_path(self) -> Path:
        return self.root / "grades.csv"

    @property
    def junit_path(self) -> Path:
        return self.root / "junit.xml"

    @property
    def summary_path(self) -> Path:
        return self.root / "summary.md"

    @property
    def gradebook_path(self) -> Path:
        return self.root / "gradebook.db"

    # -- one submission ---------------------------------------------------------------------------
    def save(self, result: NotebookResult) -> Path:
        return _atomic_write(self.result_path(result.student, result.assignment),
                             json.dumps(result.to_json(), indent=1, sort_keys=True))

    def save_autograded(self, result: NotebookResult, nb: NotebookNode, nbgrader_files: tuple[Path, ...] = ()) -> Path:
        """The notebook as it ran, with nbgrader's ``timestamp.txt`` and ``submission_secret.txt``
        beside it (as ``nbgrader autograde`` keeps them: ``release_feedback`` reads them)."""
        import nbformat

        path = self.autograded_path(result.student, result.assignment, result.notebook)
        _atomic_write(path, nbformat.writes(nb))
        _keep(nbgrader_files, path.parent)
        return path

    def save_feedback(self, result: NotebookResult, page: str, nbgrader_files: tuple[Path, ...] = ()) -> Path:
        path = _atomic_write(self.feedback_path(result.student, result.assignment, result.notebook), page)
        _keep(nbgrader_files, path.parent)
        return path

    def recorded_sha(self, student: str, assignment: str) -> str:
        """The notebook fingerprint of the result already here ("" if none or unreadable)."""
        try:
            return json.loads(self.result_path(student, assignment).read_text()).get("sha256", "")
        except (OSError, ValueError, AttributeError):
            return ""

    # -- every submission -------------------------------------------------------------------------
    def load_all(self) -> list[NotebookResult]:
        results = []
        for path in sorted((self.root / "results").glob("*/*.json")):
            try:
                results.append(NotebookResult.from_json(json.loads(path.read_text())))
            except (OSError, ValueError, TypeError):
                continue
        return sorted(results, key=lambda r: (r.assignment, r.student))

    def assignments(self) -> set[str]:
        """Assignments that already have results here."""
        return {p.stem for p in (self.root / "results").glob("*/*.json")}

    def merge(self, shard: "Output") -> int:
        """Copy a shard's records, autograded notebooks and feedback in; the number of records."""
        for sub in ("results", "autograded", "feedback"):
            if (shard.root / sub).is_dir():
                shutil.copytree(shard.root / sub, self.root / sub, dirs_exist_ok=True)
        return len(list((shard.root / "results").glob("*/*.json")))

    def write_reports(self, results: list[NotebookResult], max_scores: dict[str, float], problems: list[str],
                      isolation: str, gradebook_csv: Path | None = None) -> None:
        """CSV (nbgrader's own export of the gradebook when there is one, else from the
        results), JUnit and the summary."""
        self.root.mkdir(parents=True, exist_ok=True)
        if gradebook_csv is not None:
            add_flags(gradebook_csv, results, self.csv_path)
        else:
            write_csv(results, self.csv_path, max_scores)
        write_junit(results, self.junit_path, isolation)
        write_summary(results, self.summary_path, problems, isolation)


def flags(r: NotebookResult) -> str:
    return "; ".join([*r.issues, *r.advice] + ([r.reason] if r.status != "graded" else []))[:2000]


def write_csv(results: list[NotebookResult], path: Path, max_scores: dict[str, float]) -> Path:
    """The columns of ``nbgrader export`` (one row per student and assignment), then ``flags``."""
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for r in results:
            score = float(r.score)
            writer.writerow([r.assignment, "", r.submitted_at, r.student, "", "", "", score, 0.0, score,
                             float(max_scores.get(r.assignment, r.max_score)), flags(r)])
    tmp.replace(path)
    return path


def add_flags(export: Path, results: list[NotebookResult], path: Path) -> Path:
    """nbgrader's export CSV with a ``flags`` column joined from the results."""
    by = {(r.assignment, r.student): r for r in results}
    with open(export, newline="") as fh:
        rows = list(csv.reader(fh))
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        for i, row in enumerate(rows):
            r = by.get((row[0], row[3])) if i else None
            writer.writerow(row + ["flags" if i == 0 else (flags(r) if r else "")])
    tmp.replace(path)
    return path


def write_junit(results: list[NotebookResult], path: Path, isolation: str = "") -> Path:
    """One test suite per submission, one test case per grade cell; the isolation line as a property."""
    suites = ET.Element("testsuites", name="autograder")
    for r in results:
        tests = list(r.cells)
        failures = sum(1 for c in tests if c.status in ("failed", "not run", "unanswered"))
        suite = ET.SubElement(suites, "testsuite", name=f"{r.student}.{r.assignment}", tests=str(len(tests)),
                              failures=str(failures), errors="1" if r.status != "graded" else "0",
                              skipped=str(sum(1 for c in tests if c.status == "pending")), time=f"{r.seconds:.3f}")
        if isolation or r.isolation:
            ET.SubElement(ET.SubElement(suite, "properties"), "property", name="isolation", value=r.isolation or isolation)
        if r.flagged:
            ET.SubElement(suite, "system-out").text = "flagged: " + flags(r)
        for c in tests:
            case = ET.SubElement(suite, "testcase", classname=f"{r.student}.{r.assignment}", name=c.grade_id, time=f"{c.seconds:.3f}")
            points = "pending" if c.points is None else f"{c.points:g}"
            if c.status in ("failed", "not run", "unanswered"):
                ET.SubElement(case, "failure", message=f"{points}/{c.max_points:g}: {c.message}"[:1000])
            elif c.status == "pending":
                ET.SubElement(case, "skipped", message=f"manual grading: {c.max_points:g} points")
    tmp = path.with_name(f".{path.name}.tmp")
    ET.ElementTree(suites).write(tmp, encoding="utf-8", xml_declaration=True)
    tmp.replace(path)
    return path


def write_summary(results: list[NotebookResult], path: Path, problems: list[str], isolation: str = "") -> Path:
    """A Markdown table fit for a CI job summary."""
    assignments = sorted({r.assignment for r in results})
    students = sorted({r.student for r in results})
    by = {(r.student, r.assignment): r for r in results}
    lines = [f"## Grades: {len(students)} students, {len(results)} notebooks", ""]
    isolation = isolation or "; ".join(sorted({r.isolation for r in results if r.isolation}))
    if isolation:
        lines += [f"Isolation: {html.escape(isolation)}", ""]
    lines += ["| student | " + " | ".join(assignments) + " | flagged |", "|---|" + "---|" * (len(assignments) + 1)]
    for s in students:
        cells, marks = [], []
        for a in assignments:
            r = by.get((s, a))
            if r is None:
                cells.append("-")
                continue
            pending = sum(c.max_points for c in r.cells if c.points is None)
            cells.append(f"{r.score:g} / {r.max_score:g}" + (f" (+{pending:g} manual)" if pending else ""))
            if r.flagged:
                marks.append(f"{a}: {flags(r)}")
        lines.append(f"| {html.escape(s)} | " + " | ".join(cells) + f" | {html.escape('; '.join(marks))[:300]} |")
    if problems:
        lines += ["", "### Input problems", ""] + [f"- {html.escape(p)}" for p in problems]
    return _atomic_write(path, "\n".join(lines) + "\n")


def max_scores(sources: dict[str, NotebookNode]) -> dict[str, float]:
    return {a: sum(notebooks.points(c) for c in nb.cells if notebooks.meta(c).get("grade")) for a, nb in sources.items()}
