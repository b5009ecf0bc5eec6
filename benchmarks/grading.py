"""Benchmark: plain `nbgrader autograde` against `course grade` (warm and cold kernels) on one class.

    .venv/bin/python benchmarks/grading.py [--copies K] [--jobs N] [--skip-nbgrader] [assignment ...]

Builds K copies of the main job's three example students (correct, untouched, mistakes) for
every lesson and grades the same notebooks:

1. with `nbgrader autograde` (one notebook after another, in the course directory);
2. with `course grade` and warm kernels (forked from a pristine parent per worker; the default
   where it runs), N jobs, sandbox on, gradebook written;
3. with `course grade --cold` (every kernel started afresh), the same otherwise.

It checks that the three give the same totals, then prints wall times, notebooks per minute,
the ratios against nbgrader, each notebook's fixed cost (kernel start and the imports cell:
median and 95th percentile) against its own compute, the trusted side's cost (judging), and a
projection for 1000 students x 6 notebooks on one machine like this and on a 20-runner matrix.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from autograder import notebooks  # noqa: E402
from autograder.demo import build_submissions  # noqa: E402
from autograder.workspace import Workspace  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def course_grade(submitted: Path, out: Path, jobs: int, *extra: str) -> tuple[float, list[dict], str]:
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "autograder", "grade", str(submitted), "--out", str(out), "--jobs", str(jobs),
                           "--quiet", "--force", *extra], capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(proc.stderr[-3000:])
    isolation = next((line for line in proc.stderr.splitlines() if line.startswith("isolation:")), "")
    return seconds, [json.loads(p.read_text()) for p in (out / "results").glob("*/*.json")], isolation


def totals(records: list[dict]) -> dict[tuple[str, str], float]:
    return {(r["student"], r["assignment"]): r["score"] for r in records}


def describe(label: str, seconds: float, records: list[dict], count: int) -> None:
    fixed = [r["fixed_seconds"] for r in records if r["status"] == "graded"]
    judge = [r["judge_seconds"] for r in records if r["status"] == "graded"]
    print(f"{label:44} {seconds:7.1f} s  {60 * count / seconds:6.1f} notebooks/min  fixed cost per notebook: median "
          f"{statistics.median(fixed):.2f} s, p95 {percentile(fixed, 0.95):.2f} s; judging: median {statistics.median(judge):.2f} s")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("assignments", nargs="*")
    parser.add_argument("--copies", type=int, default=1, help="copies of the three example students (default 1)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--skip-nbgrader", action="store_true", help="only course grade, warm and cold")
    args = parser.parse_args(argv)
    names = args.assignments or notebooks.assignments(REPO / "source")
    tmp = Path(tempfile.mkdtemp(prefix="bench-grading-"))

    ws = Workspace(tmp / "nbgrader", assignments=names)
    for a in names:
        ws.generate(a)
        build_submissions(ws, a)
        for k in range(1, args.copies):
            for student in ("alice-correct", "bob-untouched", "carol-mistakes"):
                nb = notebooks.read(ws.root / "submitted" / student / a / ws.source_notebook(a).name)
                ws.add_submission(f"{student}-{k}", a, nb)
    submitted = ws.root / "submitted"
    count = len(list(submitted.glob("*/*/*.ipynb")))
    print(f"{count} notebooks: {len(names)} assignments x 3 students x {args.copies} copies; {args.jobs} jobs for course grade")

    warm_s, warm, isolation = course_grade(submitted, tmp / "warm", args.jobs)
    cold_s, cold, _ = course_grade(submitted, tmp / "cold", args.jobs, "--cold")
    print(isolation)
    describe(f"course grade, warm kernels, {args.jobs} jobs", warm_s, warm, count)
    describe(f"course grade --cold, {args.jobs} jobs", cold_s, cold, count)
    assert totals(warm) == totals(cold), "warm and cold kernels gave different totals"
    if not args.skip_nbgrader:
        t0 = time.perf_counter()
        for a in names:
            ws.autograde(a)
        nb_s = time.perf_counter() - t0
        theirs = {(s, a): sum(g.score or 0 for g in ws.scores(s, a).values() if g.auto)
                  for a in names for s in (p.name for p in submitted.iterdir()) if (submitted / s / a).is_dir()}
        ours = {(r["student"], r["assignment"]): sum(c["points"] or 0 for c in r["cells"] if c["kind"] == "test") for r in warm}
        same = "same totals" if theirs == ours else f"DIFFERENT totals: {sorted(set(theirs.items()) ^ set(ours.items()))[:6]}"
        print(f"{'nbgrader autograde (sequential)':44} {nb_s:7.1f} s  {60 * count / nb_s:6.1f} notebooks/min  ({same})")
        print(f"ratio against nbgrader autograde: warm {warm_s / nb_s:.2f}, cold {cold_s / nb_s:.2f}")

    print("\nper notebook, warm (under the load of its own parallel jobs):")
    print(f"{'assignment':22} {'fixed s':>8} {'compute s':>10} {'judge s':>8} {'total s':>8}")
    for a in names:
        rs = [r for r in warm if r["assignment"] == a and r["status"] == "graded"]
        fixed = statistics.median(r["fixed_seconds"] for r in rs)
        judge = statistics.median(r["judge_seconds"] for r in rs)
        total = statistics.median(r["seconds"] for r in rs)
        print(f"{a:22} {fixed:8.2f} {total - fixed - judge:10.2f} {judge:8.2f} {total:8.2f}")

    rate = count / warm_s  # notebooks per second on this machine with --jobs N
    whole = 1000 * 6 / rate
    print(f"\non paper, 1000 students x 6 notebooks at this rate ({rate * 60:.1f} notebooks/min): one machine like this "
          f"{whole / 3600:.1f} h; a 20-runner CI matrix of such machines {whole / 20 / 60:.0f} min of grading "
          f"(plus each runner's set-up)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
