"""``course``: grade a class's notebooks in parallel, merge shards, let a student check their work.

    course grade SUBMISSIONS... [--out build/grades] [--jobs N] [--shard i/N] [--force]
    course report OUT [--merge SHARD_OUT ...]
    course check NOTEBOOK

Exit codes: 0 the command did its work (a broken submission is a graded result with a reason,
not a failure); 1 an internal error of the grader; 2 a usage error (bad arguments, no course).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from pathlib import Path

from . import gradebook, notebooks, reports, sandbox
from .runner import Limits, NotebookResult, Reference, empty_result
from .runner import grade as grade_one
from .submissions import Submission, SubmissionError, digest, discover, shard
from .workspace import REPO, Workspace

EXIT_OK, EXIT_INTERNAL, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    pass


def load_references(course: Path) -> dict[str, Reference]:
    """The source and release notebook of every assignment in ``course``."""
    source_dir, release_dir = course / "source", course / "release"
    if not source_dir.is_dir():
        raise UsageError(f"{course} has no source/ folder: pass --course with the course directory")
    refs = {}
    for a in notebooks.assignments(source_dir):
        (src,) = notebooks.notebook_paths(source_dir, a)
        rel = release_dir / a / src.name
        if not rel.exists():
            raise UsageError(f"release/{a}/{src.name} is missing: run python -m autograder.release {a}")
        refs[a] = Reference(a, src.name, notebooks.read(src), notebooks.read(rel))
    return refs


class _Deadline(Exception):
    pass


def _on_deadline(signum, frame):
    raise _Deadline()


def _grade_and_render(sub: Submission, ref: Reference, out: Path, limits: Limits) -> dict:
    """Worker: grade one submission, write its feedback; return the result as JSON data.

    A hard deadline (the notebook limit plus two minutes for kernel start and shutdown)
    guards against a grader that waits forever: the notebook then gets a result with the
    reason, and the worker goes on to the next one."""
    import signal

    os.environ.setdefault("OMP_NUM_THREADS", "1")
    deadline = int(limits.notebook_timeout) + 120
    signal.signal(signal.SIGALRM, _on_deadline)
    signal.alarm(deadline)
    try:
        result = grade_one(sub, ref, out, limits)
    except _Deadline:
        result = empty_result(sub, ref, "error", f"grading did not finish within {deadline} s (the grader's deadline)")
    finally:
        signal.alarm(0)
    autograded = out / "autograded" / sub.student / sub.assignment / ref.notebook_name
    page = reports.feedback_html(result, autograded if result.status == "graded" else None)
    target = out / "feedback" / sub.student / sub.assignment / Path(ref.notebook_name).with_suffix(".html").name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(page, encoding="utf-8")
    return result.to_json()


def _already_graded(out: Path, sub: Submission) -> bool:
    path = reports.result_path(out, sub.student, sub.assignment)
    if not path.exists():
        return False
    try:
        return json.loads(path.read_text()).get("sha256") == digest(sub.notebook.read_bytes())
    except (OSError, ValueError):
        return False


def prepare_gradebook(out: Path, course: Path, assignments: list[str]) -> Workspace:
    """Make ``out`` an nbgrader course directory whose gradebook knows ``assignments``."""
    ws = Workspace(out, repo=course, assignments=assignments)
    known: set[str] = set()
    if (out / "gradebook.db").exists():
        from nbgrader.api import Gradebook

        with Gradebook(f"sqlite:///{out / 'gradebook.db'}") as gb:
            known = {a.name for a in gb.assignments}
    gradebook.register_assignments(ws, [a for a in assignments if a not in known])
    return ws


def write_reports(out: Path, refs: dict[str, Reference], problems: list[str], ws: Workspace | None) -> list[NotebookResult]:
    """CSV, JUnit, summary from every result in ``out``; the gradebook too when ``ws`` is given."""
    results = reports.load_all(out)
    max_scores = {a: sum(notebooks.points(c) for c in r.source.cells if notebooks.meta(c).get("grade")) for a, r in refs.items()}
    reports.write_csv(results, out / "grades.csv", max_scores)
    reports.write_junit(results, out / "junit.xml")
    reports.write_summary(results, out / "summary.md", problems)
    if ws is not None and results:
        gradebook.write(ws, results)
    return results


def _assignments_in(out: Path) -> set[str]:
    """Assignments that already have results in ``out``."""
    return {p.stem for p in (out / "results").glob("*/*.json")}


def cmd_grade(args: argparse.Namespace) -> int:
    course, out = args.course.resolve(), args.out.resolve()
    refs = load_references(course)
    names = {r.notebook_name: a for a, r in refs.items()}
    out.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="inputs-"))
    try:
        subs, problems = discover([Path(p) for p in args.submissions], names, scratch)
        if args.shard:
            subs = shard(subs, *args.shard)
        todo = [s for s in subs if args.force or not _already_graded(out, s)]
        print(f"grading {len(todo)} notebooks ({len(subs) - len(todo)} already graded, unchanged) with {args.jobs} jobs -> {out}", file=sys.stderr)
        hidden = tuple(str(p) for p in (course, out, *(Path(i).resolve() for i in args.submissions)))
        limits = Limits(args.cell_timeout, args.notebook_timeout, sandbox=not args.no_sandbox, hidden=hidden)
        why = sandbox.probe()[1] if not args.no_sandbox else "sandbox off (--no-sandbox): kernels run with resource limits only"
        print(f"isolation: {why}", file=sys.stderr)
        t0 = time.perf_counter()
        failures = 0
        # nbgrader records the assignments in the gradebook while the notebooks are graded.
        gradebook_ready = None
        if not args.no_gradebook:
            gradebook_ready = ThreadPoolExecutor(1).submit(
                prepare_gradebook, out, course, sorted({s.assignment for s in subs} | _assignments_in(out)))
        if todo:
            from tqdm import tqdm

            import multiprocessing as mp

            with ProcessPoolExecutor(max_workers=args.jobs, mp_context=mp.get_context("spawn")) as pool:
                futures = {pool.submit(_grade_and_render, s, refs[s.assignment], out, limits): s for s in todo}
                for fut in tqdm(as_completed(futures), total=len(futures), unit="nb", disable=args.quiet or None, file=sys.stderr):
                    sub = futures[fut]
                    try:
                        result = NotebookResult.from_json(fut.result())
                    except Exception as err:  # a crashed worker: the notebook still gets a result
                        failures += 1
                        result = empty_result(sub, refs[sub.assignment], "error", f"grader worker failed: {type(err).__name__}: {err}")
                    reports.save(out, result)
        ws = gradebook_ready.result() if gradebook_ready is not None else None
        results = write_reports(out, refs, [f"{p.path}: {p.reason}" for p in problems], ws)
        print(f"graded {len(todo)} notebooks in {time.perf_counter() - t0:.1f} s; {len(results)} results in {out}", file=sys.stderr)
        for p in problems:
            print(f"input problem: {p.path}: {p.reason}", file=sys.stderr)
        if not args.quiet:
            print((out / "summary.md").read_text())
        return EXIT_INTERNAL if failures else EXIT_OK
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def cmd_report(args: argparse.Namespace) -> int:
    out = args.out.resolve()
    refs = load_references(args.course.resolve())
    for shard_dir in args.merge:
        shard_dir = shard_dir.resolve()
        for sub in ("results", "autograded", "feedback"):
            if (shard_dir / sub).is_dir():
                shutil.copytree(shard_dir / sub, out / sub, dirs_exist_ok=True)
    ws = None if args.no_gradebook else prepare_gradebook(out, args.course.resolve(), sorted(_assignments_in(out)))
    results = write_reports(out, refs, [], ws)
    print(f"{len(results)} results in {out}", file=sys.stderr)
    print((out / "summary.md").read_text())
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    """Run the visible tests of a student's notebook: the release's test cells, never hidden ones."""
    refs = load_references(args.course.resolve())
    path = Path(args.notebook)
    match = [a for a, r in refs.items() if path.name.endswith(r.notebook_name)]
    if not path.is_file() or not match:
        raise UsageError(f"{path}: not a notebook of this course ({', '.join(r.notebook_name for r in refs.values())})")
    ref = refs[match[0]]
    visible = Reference(ref.assignment, ref.notebook_name, ref.release, ref.release)
    with tempfile.TemporaryDirectory(prefix="check-") as tmp:
        sub = Submission("you", ref.assignment, path, tuple(p for p in path.parent.iterdir() if p.is_file() and p.suffix not in (".ipynb",)))
        result = grade_one(sub, visible, Path(tmp), Limits(args.cell_timeout, args.notebook_timeout, sandbox=False))
    if result.reason:
        print(f"note: {result.reason}")
    for issue in result.issues:
        print(f"note: {issue}")
    tests = [c for c in result.cells if c.kind == "test"]
    for c in tests:
        mark = "PASS" if c.status == "passed" else "FAIL"
        print(f"{mark}  {c.grade_id}" + (f"  {c.message}" if c.message else ""))
    passed = sum(c.status == "passed" for c in tests)
    print(f"{passed} passed, {len(tests) - passed} failed (visible tests only; more tests run when your work is graded)")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="course", description=__doc__.split("\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("\n\n", 1)[1])
    parser.add_argument("--course", type=Path, default=REPO, help="course directory with source/ and release/ (default: this repository)")
    sub = parser.add_subparsers(dest="command", required=True)

    g = sub.add_parser("grade", help="grade submissions (nbgrader submitted/ tree, folder of notebooks, LMS zips)")
    g.add_argument("submissions", nargs="+", help="folders, zip files or notebooks")
    g.add_argument("--out", type=Path, default=REPO / "build" / "grades", help="output course directory (default: build/grades)")
    g.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="notebooks graded at once (default: the cores)")
    g.add_argument("--shard", help="grade only slice i of N (1-based), e.g. 2/4, for a CI matrix; then `course report --merge`")
    g.add_argument("--cell-timeout", type=float, default=60.0, help="seconds per cell (default 60)")
    g.add_argument("--notebook-timeout", type=float, default=300.0, help="seconds per notebook (default 300)")
    g.add_argument("--force", action="store_true", help="regrade submissions whose result is already there and unchanged")
    g.add_argument("--no-gradebook", action="store_true", help="skip writing nbgrader's gradebook.db (faster for shards)")
    g.add_argument("--no-sandbox", action="store_true", help="run kernels without bubblewrap (resource limits only)")
    g.add_argument("--quiet", action="store_true", help="no progress bar")
    g.set_defaults(func=cmd_grade)

    r = sub.add_parser("report", help="write CSV, JUnit, summary and gradebook from results; merge shard outputs")
    r.add_argument("out", type=Path, help="output course directory")
    r.add_argument("--merge", type=Path, nargs="*", default=[], help="shard output folders to merge into OUT first")
    r.add_argument("--no-gradebook", action="store_true")
    r.set_defaults(func=cmd_report)

    c = sub.add_parser("check", help="for students: run the visible tests of your notebook")
    c.add_argument("notebook", help="your notebook, e.g. release/06_root_finding/root_finding.ipynb")
    c.add_argument("--cell-timeout", type=float, default=60.0)
    c.add_argument("--notebook-timeout", type=float, default=300.0)
    c.set_defaults(func=cmd_check)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "jobs", 1) < 1:
        parser.error("--jobs must be at least 1")
    if getattr(args, "shard", None):
        try:
            i, n = (int(x) for x in args.shard.split("/"))
            assert 1 <= i <= n
        except (ValueError, AssertionError):
            parser.error(f"--shard {args.shard}: expected i/N with 1 <= i <= N")
        args.shard = (i, n)
    try:
        return args.func(args)
    except (UsageError, SubmissionError) as err:
        print(f"course: error: {err}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
