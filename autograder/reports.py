"""Reports made from graded results: JSON, CSV, JUnit XML, Markdown, feedback HTML, gradebook.

The JSON file per submission (``results/<student>/<assignment>.json``) is the record;
every other report is derived from the set of them, so shards graded on different machines
merge by copying their ``results/`` folders together and reporting again.
"""
from __future__ import annotations

import csv
import functools
import html
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from .runner import NotebookResult

CSV_COLUMNS = ["assignment", "duedate", "timestamp", "student_id", "last_name", "first_name", "email",
               "raw_score", "late_submission_penalty", "score", "max_score"]


def result_path(out: Path, student: str, assignment: str) -> Path:
    return out / "results" / student / f"{assignment}.json"


def save(out: Path, result: NotebookResult) -> Path:
    path = result_path(out, result.student, result.assignment)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(result.to_json(), indent=1, sort_keys=True))
    tmp.replace(path)  # atomic: a crash never leaves half a record
    return path


def load_all(out: Path) -> list[NotebookResult]:
    results = []
    for path in sorted((out / "results").glob("*/*.json")):
        results.append(NotebookResult.from_json(json.loads(path.read_text())))
    return sorted(results, key=lambda r: (r.assignment, r.student))


def write_csv(results: list[NotebookResult], path: Path, max_scores: dict[str, float]) -> Path:
    """Columns and number formats of ``nbgrader export`` (one row per student and assignment)."""
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(CSV_COLUMNS)
        for r in results:
            score = float(r.score)
            writer.writerow([r.assignment, "", "", r.student, "", "", "", score, 0.0, score,
                             float(max_scores.get(r.assignment, r.max_score))])
    return path


def write_junit(results: list[NotebookResult], path: Path) -> Path:
    """One test suite per submission, one test case per grade cell."""
    suites = ET.Element("testsuites", name="autograder")
    for r in results:
        tests = [c for c in r.cells]
        failures = sum(1 for c in tests if c.status in ("failed", "not run", "unanswered"))
        suite = ET.SubElement(suites, "testsuite", name=f"{r.student}.{r.assignment}", tests=str(len(tests)),
                              failures=str(failures), errors="1" if r.status != "graded" else "0",
                              skipped=str(sum(1 for c in tests if c.status == "pending")), time=f"{r.seconds:.3f}")
        if r.issues:
            ET.SubElement(suite, "system-out").text = "flagged: " + "; ".join(r.issues)
        for c in tests:
            case = ET.SubElement(suite, "testcase", classname=f"{r.student}.{r.assignment}", name=c.grade_id, time=f"{c.seconds:.3f}")
            points = "pending" if c.points is None else f"{c.points:g}"
            if c.status in ("failed", "not run", "unanswered"):
                ET.SubElement(case, "failure", message=f"{points}/{c.max_points:g}: {c.message}"[:1000])
            elif c.status == "pending":
                ET.SubElement(case, "skipped", message=f"manual grading: {c.max_points:g} points")
    ET.ElementTree(suites).write(path, encoding="utf-8", xml_declaration=True)
    return path


def write_summary(results: list[NotebookResult], path: Path, problems: list[str]) -> Path:
    """A Markdown table fit for a CI job summary."""
    assignments = sorted({r.assignment for r in results})
    students = sorted({r.student for r in results})
    by = {(r.student, r.assignment): r for r in results}
    lines = [f"## Grades: {len(students)} students, {len(results)} notebooks", "",
             "| student | " + " | ".join(assignments) + " | flagged |", "|---|" + "---|" * (len(assignments) + 1)]
    for s in students:
        cells, flags = [], []
        for a in assignments:
            r = by.get((s, a))
            if r is None:
                cells.append("-")
                continue
            pending = sum(c.max_points for c in r.cells if c.points is None)
            cells.append(f"{r.score:g} / {r.max_score:g}" + (f" (+{pending:g} manual)" if pending else ""))
            if r.flagged:
                flags.append(f"{a}: {r.reason or '; '.join(r.issues)}")
        lines.append(f"| {s} | " + " | ".join(cells) + f" | {html.escape('; '.join(flags))[:300]} |")
    if problems:
        lines += ["", "### Input problems", ""] + [f"- {html.escape(p)}" for p in problems]
    path.write_text("\n".join(lines) + "\n")
    return path


@functools.cache
def _exporter():
    """One HTML exporter per process (building one loads its templates: most of its cost)."""
    from nbconvert import HTMLExporter

    return HTMLExporter(template_name="classic")


def feedback_html(result: NotebookResult, notebook_path: Path | None) -> str:
    """A student's feedback: score table with messages, then the notebook as it ran, without hidden tests."""
    rows = "".join(
        f"<tr class='{c.status.replace(' ', '-')}'><td>{html.escape(c.grade_id)}</td><td>{c.status}</td>"
        f"<td>{'pending' if c.points is None else f'{c.points:g}'} / {c.max_points:g}</td>"
        f"<td><pre>{html.escape(c.message)}</pre></td></tr>"
        for c in result.cells
    )
    notes = "".join(f"<li>{html.escape(i)}</li>" for i in result.issues)
    body = ""
    if notebook_path is not None and notebook_path.exists():
        import nbformat

        from .feedback import HideHiddenTests

        nb = nbformat.read(str(notebook_path), as_version=4)
        nb, _ = HideHiddenTests().preprocess(nb, {})
        body, _ = _exporter().from_notebook_node(nb)
    head = (
        f"<h1>{html.escape(result.assignment)}: {html.escape(result.student)}</h1>"
        f"<p class='score'>Score: {result.score:g} / {result.max_score:g}</p>"
        + (f"<p class='reason'>{html.escape(result.reason)}</p>" if result.reason else "")
        + (f"<ul class='issues'>{notes}</ul>" if notes else "")
        + "<style>.fb td, .fb th {padding: 4px 10px; text-align: left; vertical-align: top}"
        " .fb tr.passed td:nth-child(2) {color: #1a7f37} .fb tr.failed td:nth-child(2), .fb tr.not-run td:nth-child(2) {color: #cf222e}"
        " .fb pre {margin: 0; white-space: pre-wrap}</style>"
        + "<table class='fb' border='1'><tr><th>cell</th><th>result</th><th>points</th><th>message</th></tr>"
        + rows + "</table><hr>"
    )
    match = re.search(r"<body[^>]*>", body)
    if match:
        return body[: match.end()] + head + body[match.end():]
    return f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>feedback</title></head><body>{head}{body}</body></html>"
