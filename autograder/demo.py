"""The main job: regenerate the release, autograde example submissions, report.

    python -m autograder.demo [--out build/demo] [--engine course|nbgrader] [--keep-release]

1. ``nbgrader generate_assignment`` makes every assignment's release from ``source/``; the
   result replaces ``release/`` in the repository (so a change to a source notebook shows up
   in ``git status`` as a change to its release).
2. Three example students submit every assignment, built from the repository's own files:
   ``alice-correct`` (the reference solution, as a student would type it),
   ``bob-untouched`` (the release as downloaded) and ``carol-mistakes`` (the release with
   the lesson's typical mistakes: the mutants listed in ``tests/mutants/<id>.py:DEMO``).
3. They are graded with ``course grade`` (isolated, parallel; results in nbgrader's SQLite
   gradebook, CSV, JUnit, Markdown, feedback HTML), or with ``--engine nbgrader`` by plain
   ``nbgrader autograde``, ``generate_feedback`` and ``export``.
4. A table of autograded points per student and assignment is printed, with where the
   grades CSV and the feedback HTML are.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

from . import notebooks
from .release import differences
from .workspace import REPO, Workspace

STUDENTS = ("alice-correct", "bob-untouched", "carol-mistakes")


def _mistakes(assignment: str, release, source):
    """The release with the lesson's DEMO mutants applied, or None if it has none."""
    sys.path.insert(0, str(REPO))
    from tests import mutant

    if not mutant.has_mutants(assignment):
        return None
    module = mutant.load(assignment)
    chosen = [m for m in module.MUTANTS if m.name in set(getattr(module, "DEMO", []))]
    return mutant.submission(release, source, chosen) if chosen else None


def build_submissions(ws: Workspace, assignment: str) -> list[str]:
    source = notebooks.read(ws.source_notebook(assignment))
    release = notebooks.read(ws.release_notebook(assignment))
    ws.add_submission("alice-correct", assignment, notebooks.solved_copy(release, source))
    ws.add_submission("bob-untouched", assignment, release)
    students = ["alice-correct", "bob-untouched"]
    wrong = _mistakes(assignment, release, source)
    if wrong is not None:
        ws.add_submission("carol-mistakes", assignment, wrong)
        students.append("carol-mistakes")
    return students


def _cell(points: float, max_points: float) -> str:
    return f"{points:g} / {max_points:g}"


def print_table(rows: dict[tuple[str, str], tuple[float, float, float]], assignments: list[str]) -> None:
    """rows: (student, assignment) -> (autograded points, autograded max, manual points pending)."""
    table = []
    for student in STUDENTS:
        row, total, total_max, pending = [student], 0.0, 0.0, 0.0
        for a in assignments:
            if (student, a) not in rows:
                row.append("-")
                continue
            got, most, wait = rows[(student, a)]
            total, total_max, pending = total + got, total_max + most, pending + wait
            row.append(_cell(got, most))
        table.append([*row, _cell(total, total_max), f"{pending:g}"])
    header = ["student", *assignments, "total (auto)", "manual pending"]
    widths = [max(len(str(r[i])) for r in [header, *table]) for i in range(len(header))]
    line = lambda r: "  ".join(str(v).ljust(w) for v, w in zip(r, widths))  # noqa: E731
    print("\nAutograded points (manually graded answers wait for the instructor):")
    print(line(header))
    print(line(["-" * w for w in widths]))
    for r in table:
        print(line(r))


def rows_from_gradebook(ws: Workspace, graded: dict[str, list[str]]) -> dict:
    rows = {}
    for a, students in graded.items():
        for student in students:
            scores = ws.scores(student, a).values()
            rows[(student, a)] = (sum(s.score or 0 for s in scores if s.auto), sum(s.max_score for s in scores if s.auto),
                                  sum(s.max_score for s in scores if not s.auto and s.score is None))
    return rows


def rows_from_results(out: Path) -> dict:
    from .report import Output

    return {
        (r.student, r.assignment): (sum(c.points or 0 for c in r.cells if c.kind == "test"),
                                    sum(c.max_points for c in r.cells if c.kind == "test"),
                                    sum(c.max_points for c in r.cells if c.points is None))
        for r in Output(out).load_all()
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.demo", description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "build" / "demo", help="scratch course directory (recreated)")
    parser.add_argument("--engine", choices=["course", "nbgrader"], default="course",
                        help="grade with `course grade` (default) or with plain `nbgrader autograde`")
    parser.add_argument("--keep-release", action="store_true", help="do not write the regenerated release into release/")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    if args.out.exists():
        shutil.rmtree(args.out)
    ws = Workspace(args.out)
    print(f"course directory: {args.out}")
    for a, generated in ws.generate_all().items():
        diff = differences(generated, REPO / "release" / a)
        if not args.keep_release:
            target = REPO / "release" / a
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(generated, target)
        print(f"generate_assignment {a}: release/{a} {'changed: ' + ', '.join(diff) if diff else 'unchanged'}")
    graded = {a: build_submissions(ws, a) for a in ws.assignments}
    if args.engine == "nbgrader":
        for a in ws.assignments:
            t = time.perf_counter()
            ws.autograde(a)
            ws.feedback(a)
            print(f"nbgrader autograde {a}: {len(graded[a])} submissions in {time.perf_counter() - t:.1f} s")
        csv_path = ws.export_csv(args.out / "grades.csv")
        print_table(rows_from_gradebook(ws, graded), ws.assignments)
        feedback, gradebook = args.out / "feedback", args.out / "gradebook.db"
    else:
        from .cli import main as course_main

        out = args.out / "graded"
        t = time.perf_counter()
        course_main(["grade", str(args.out / "submitted"), "--out", str(out), "--force", "--quiet"])
        print(f"course grade: {sum(map(len, graded.values()))} submissions in {time.perf_counter() - t:.1f} s")
        print_table(rows_from_results(out), ws.assignments)
        csv_path, feedback, gradebook = out / "grades.csv", out / "feedback", out / "gradebook.db"
        print(f"JUnit XML:     {out / 'junit.xml'}\nsummary (md):  {out / 'summary.md'}")
    print(f"grades CSV:    {csv_path}")
    print(f"feedback HTML: {feedback}/<student>/<assignment>/*.html")
    print(f"gradebook:     {gradebook}")
    print(f"done in {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
