"""``course``: grade a class's notebooks in parallel, merge shards, let a student check their work.

    course grade SUBMISSIONS... [--out build/grades] [--jobs N] [--shard i/N] [--force]
    course report OUT [--merge SHARD_OUT ...]
    course check NOTEBOOK

Exit codes of ``grade`` and ``report``: 0 the command did its work (a broken submission is a
graded result with a reason, not a failure); 1 the grader itself failed on something; 2 a
usage error (bad arguments, no course, a sandbox required but not available).
``check``: 0 every visible test passed, 1 some did not, 2 a usage error.
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import resource
import shutil
import signal
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from dataclasses import replace
from pathlib import Path

from . import forkserver, gradebook, intake, notebooks, sandbox
from .assignments import Reference, UsageError, empty_result, load_references
from .intake import Submission, SubmissionError
from .limits import Limits
from .progress import Progress
from .report import Output, max_scores
from .results import NotebookResult
from .workspace import REPO, Workspace

EXIT_OK, EXIT_INTERNAL, EXIT_USAGE = 0, 1, 2


class _Deadline(Exception):
    pass


def _on_deadline(signum, frame):
    raise _Deadline()


def deadline(ref: Reference, limits: Limits) -> int:
    """Seconds a worker gives one notebook before it gives up on it, whatever it is doing."""
    tests = sum(notebooks.is_autograded_test(c) for c in ref.source.cells)
    return int(limits.startup_timeout + limits.notebook_timeout + tests * (limits.cell_timeout + limits.interrupt_grace)
               + limits.deadline_margin)


def grade_in_worker(sub: Submission, ref: Reference, out_root: Path, limits: Limits) -> tuple[dict, bool, int]:
    """Worker: grade one submission and record it; (the result as JSON data, whether the grader
    failed, the worker's peak memory in KiB so far).

    A hard deadline guards against a grader that waits forever: the notebook then gets a
    result with the reason, and the worker goes on to the next one."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from . import pipeline  # torch, the judges, the kernels: the workers' part, never the main process's

    out = Output(out_root)
    seconds = deadline(ref, limits)
    signal.signal(signal.SIGALRM, _on_deadline)
    signal.alarm(seconds)
    failed = False
    try:
        result = pipeline.grade(sub, ref, out, limits)
    except _Deadline:
        result = empty_result(sub, ref, "error", f"grading did not finish within {seconds} s (the grader's deadline)")
    except Exception as err:  # a fault of the grader, not of the submission: recorded, and the run says so
        failed = True
        result = empty_result(sub, ref, "error", f"the grader failed on this notebook: {type(err).__name__}: {err}")
    finally:
        signal.alarm(0)
    out.save(result)
    return result.to_json(), failed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


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


def write_reports(out: Output, refs: dict[str, Reference], problems: list[str], ws: Workspace | None,
                  isolation: str, quiet: bool = False) -> list[NotebookResult]:
    """The gradebook when ``ws`` is given, then CSV (nbgrader's export of that gradebook, or from
    the results), JUnit and summary from every result in ``out``."""
    results = out.load_all()
    export = None
    if ws is not None and results:
        progress = Progress(len(results), "gradebook", "results", quiet=quiet)
        gradebook.write(ws, results, progress.update)
        progress.close()
        export = Path(tempfile.mkdtemp(prefix="export-")) / "grades.csv"
        gradebook.export_csv(ws, export)
    out.write_reports(results, max_scores({a: r.source for a, r in refs.items()}), problems, isolation, export)
    if export is not None:
        shutil.rmtree(export.parent, ignore_errors=True)
    return results


def _limits(args: argparse.Namespace) -> Limits:
    require = args.require_sandbox if args.require_sandbox is not None else bool(os.environ.get("CI"))
    return Limits(cell_timeout=args.cell_timeout, notebook_timeout=args.notebook_timeout,
                  sandbox=not args.no_sandbox, require_sandbox=require, warm=not args.cold)


def cmd_grade(args: argparse.Namespace) -> int:
    course = args.course.resolve()
    out = Output(args.out.resolve())
    refs = load_references(course)
    limits = _limits(args)
    confined, isolation = forkserver.isolation(limits)
    if limits.require_sandbox and not confined:
        why = sandbox.probe()[1] if limits.sandbox else "--no-sandbox was given"
        raise UsageError(f"refusing to run student code without the sandbox ({why}). To get it: {sandbox.HOW_TO_GET_IT}; "
                         "or pass --no-require-sandbox to grade with resource limits only")
    names = {r.notebook_name: a for a, r in refs.items()}
    out.root.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="inputs-"))
    try:
        subs, problems, conflicts = intake.discover([Path(p) for p in args.submissions], names, scratch, limits)
        if args.shard:
            mine = intake.shard([*subs, *conflicts], *args.shard)
            subs = [s for s in mine if isinstance(s, Submission)]
            conflicts = [c for c in mine if isinstance(c, intake.Conflict)]
        todo = [s for s in subs if args.force or out.recorded_sha(s.student, s.assignment) != s.sha256 or not s.sha256]
        print(f"grading {len(todo)} notebooks ({len(subs) - len(todo)} already graded, unchanged) with {args.jobs} jobs -> {out.root}",
              file=sys.stderr)
        print(f"isolation: {isolation}", file=sys.stderr)
        for c in conflicts:
            out.save(replace(empty_result(Submission(c.student, c.assignment, Path()), refs[c.assignment], "error", c.reason), isolation=isolation))
        t0 = time.perf_counter()
        failures, peak_kib = 0, 0
        gradebook_ready = None
        if not args.no_gradebook:  # nbgrader records the assignments in the gradebook while the notebooks are graded
            gradebook_ready = ThreadPoolExecutor(1).submit(
                prepare_gradebook, out.root, course, sorted({s.assignment for s in subs} | out.assignments()))
        if todo:
            progress = Progress(len(todo), "grading", "notebooks", quiet=args.quiet)
            with ProcessPoolExecutor(max_workers=args.jobs, mp_context=mp.get_context("spawn")) as pool:
                futures = {pool.submit(grade_in_worker, s, refs[s.assignment], out.root, limits): s for s in todo}
                for fut in as_completed(futures):
                    sub = futures[fut]
                    try:
                        data, failed, kib = fut.result()
                        failures += failed
                        peak_kib = max(peak_kib, kib)
                        progress.update(failed or data.get("status") != "graded")
                    except Exception as err:  # a crashed worker: the notebook still gets a result
                        failures += 1
                        progress.update(True)
                        out.save(empty_result(sub, refs[sub.assignment], "error", f"grader worker failed: {type(err).__name__}: {err}", isolation))
            progress.close()
        ws = gradebook_ready.result() if gradebook_ready is not None else None
        listed = [f"{p.path}: {p.reason}" for p in problems]
        results = write_reports(out, refs, listed, ws, isolation, args.quiet)
        print(f"graded {len(todo)} notebooks in {time.perf_counter() - t0:.1f} s; {len(results)} results in {out.root}; "
              f"peak memory of a grader process {max(peak_kib, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) / 1024:.0f} MiB",
              file=sys.stderr)
        for p in listed:
            print(f"input problem: {p}", file=sys.stderr)
        if not args.quiet:
            print(out.summary_path.read_text())
        return EXIT_INTERNAL if failures else EXIT_OK
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def cmd_report(args: argparse.Namespace) -> int:
    out = Output(args.out.resolve())
    refs = load_references(args.course.resolve())
    progress = Progress(len(args.merge), "merging", "shards")
    merged, missing = 0, []
    for shard_dir in args.merge:
        if not (shard_dir / "results").is_dir():
            missing.append(str(shard_dir))
            progress.update(True)
            continue
        merged += out.merge(Output(shard_dir.resolve()))
        progress.update()
    progress.close()
    if args.merge:
        print(f"merged {merged} results from {len(args.merge) - len(missing)} of {len(args.merge)} shards"
              + (f"; no results in: {', '.join(missing)}" if missing else ""), file=sys.stderr)
    ws = None if args.no_gradebook else prepare_gradebook(out.root, args.course.resolve(), sorted(out.assignments()))
    problems = [f"{m}: a shard folder without results (did that shard fail?)" for m in missing]
    results = write_reports(out, refs, problems, ws, "")
    print(f"{len(results)} results in {out.root}", file=sys.stderr)
    print(out.summary_path.read_text())
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
    limits = Limits(cell_timeout=args.cell_timeout, notebook_timeout=args.notebook_timeout, sandbox=False)
    raw = path.read_bytes()
    files = tuple(p for p in path.parent.iterdir() if p.is_file() and p.suffix not in (".ipynb",) and p.stat().st_size < 2**24)
    sub = Submission("you", ref.assignment, path, files, intake.digest(raw), len(raw))
    from . import pipeline

    with tempfile.TemporaryDirectory(prefix="check-") as tmp:
        result = pipeline.grade(sub, visible, Output(Path(tmp)), limits)
    if result.reason:
        print(f"note: {result.reason}")
    for note in result.notes + result.issues:
        print(f"note: {note}")
    tests = [c for c in result.cells if c.kind == "test"]
    for c in tests:
        mark = "PASS" if c.status == "passed" else "FAIL"
        print(f"{mark}  {c.grade_id}  ({c.points or 0:g}/{c.max_points:g})" + (f"  {c.message}" if c.message else ""))
    empty = [c.grade_id for c in result.cells if c.kind == "manual" and c.status == "unanswered"]
    passed = sum(c.status == "passed" for c in tests)
    print(f"{passed} passed, {len(tests) - passed} failed (visible tests only; more tests run when your work is graded)")
    if empty:
        print(f"written answers still empty: {', '.join(empty)}")
    return EXIT_OK if passed == len(tests) else 1


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
    g.add_argument("--notebook-timeout", type=float, default=300.0, help="seconds for the notebook's cells other than tests (default 300)")
    g.add_argument("--force", action="store_true", help="regrade submissions whose result is already there and unchanged")
    g.add_argument("--no-gradebook", action="store_true", help="skip writing nbgrader's gradebook.db (faster for shards)")
    g.add_argument("--no-sandbox", action="store_true", help="run kernels without bubblewrap (resource limits only)")
    g.add_argument("--require-sandbox", dest="require_sandbox", action="store_true", default=None,
                   help="refuse to grade when the sandbox cannot be set up (the default when the CI variable is set)")
    g.add_argument("--no-require-sandbox", dest="require_sandbox", action="store_false",
                   help="grade with resource limits only when the sandbox cannot be set up, even in CI")
    g.add_argument("--cold", action="store_true", help="start every kernel afresh instead of forking it from a warm parent")
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
