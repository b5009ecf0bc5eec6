"""The main job: regenerate the release, autograde example submissions, report.

    python -m autograder.demo [--out build/demo] [--keep-release]

1. ``nbgrader generate_assignment`` makes every assignment's release from ``source/``; the
   result replaces ``release/`` in the repository (so a change to a source notebook shows up
   in ``git status`` as a change to its release).
2. Three example students submit every assignment, built from the repository's own files:
   ``alice-correct`` (the reference solution, as a student would type it),
   ``bob-untouched`` (the release as downloaded) and ``carol-mistakes`` (the release with
   the lesson's typical mistakes: the mutants listed in ``tests/mutants/<id>.py:DEMO``).
3. ``nbgrader autograde``, ``generate_feedback`` and ``export`` run on them with nbgrader's
   SQLite gradebook, in a scratch course directory (``--out``).
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


def print_table(ws: Workspace, graded: dict[str, list[str]]) -> None:
    assignments = list(graded)
    rows = []
    for student in STUDENTS:
        row, total, total_max, pending = [student], 0.0, 0.0, 0.0
        for a in assignments:
            if student not in graded[a]:
                row.append("-")
                continue
            scores = ws.scores(student, a).values()
            got = sum(s.score or 0 for s in scores if s.auto)
            most = sum(s.max_score for s in scores if s.auto)
            pending += sum(s.max_score for s in scores if not s.auto and s.score is None)
            total, total_max = total + got, total_max + most
            row.append(_cell(got, most))
        row.append(_cell(total, total_max))
        row.append(f"{pending:g}")
        rows.append(row)
    header = ["student", *assignments, "total (auto)", "manual pending"]
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = lambda r: "  ".join(str(v).ljust(w) for v, w in zip(r, widths))  # noqa: E731
    print("\nAutograded points (manually graded answers wait for the instructor):")
    print(line(header))
    print(line(["-" * w for w in widths]))
    for r in rows:
        print(line(r))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.demo", description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "build" / "demo", help="scratch course directory (recreated)")
    parser.add_argument("--keep-release", action="store_true", help="do not write the regenerated release into release/")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    if args.out.exists():
        shutil.rmtree(args.out)
    ws = Workspace(args.out)
    print(f"course directory: {args.out}")
    for a in ws.assignments:
        generated = ws.generate(a)
        diff = differences(generated, REPO / "release" / a)
        if not args.keep_release:
            target = REPO / "release" / a
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(generated, target)
        print(f"generate_assignment {a}: release/{a} {'changed: ' + ', '.join(diff) if diff else 'unchanged'}")
    graded: dict[str, list[str]] = {}
    for a in ws.assignments:
        t = time.perf_counter()
        graded[a] = build_submissions(ws, a)
        ws.autograde(a)
        ws.feedback(a)
        print(f"autograde {a}: {len(graded[a])} submissions in {time.perf_counter() - t:.1f} s")
    csv_path = ws.export_csv(args.out / "grades.csv")
    print_table(ws, graded)
    print(f"\ngrades CSV:    {csv_path}")
    print(f"feedback HTML: {args.out / 'feedback'}/<student>/<assignment>/*.html")
    print(f"gradebook:     {args.out / 'gradebook.db'}")
    print(f"done in {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
