"""Benchmark: plain `nbgrader autograde` against `course grade` on the same submissions.

    .venv/bin/python benchmarks/grading.py [--copies K] [--jobs N] [assignment ...]

Builds K copies of the main job's three example students (correct, untouched, mistakes) for
every lesson, grades them once with nbgrader (one notebook after another, in the course
directory) and once with `course grade` (each notebook isolated in its own folder and kernel,
N at a time, gradebook written), then once more without the bubblewrap sandbox, and prints the
wall times, their ratio, the sandbox's cost, and each notebook's fixed cost (kernel start, the
integrity prologue and the imports cell) against its own compute.
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


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("assignments", nargs="*")
    parser.add_argument("--copies", type=int, default=1, help="copies of the three example students (default 1)")
    parser.add_argument("--jobs", type=int, default=2)
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
    count = len(list((ws.root / "submitted").glob("*/*/*.ipynb")))
    print(f"{count} notebooks: {len(names)} assignments x 3 students x {args.copies} copies; {args.jobs} jobs for course grade")

    t0 = time.perf_counter()
    for a in names:
        ws.autograde(a)
    t_nbgrader = time.perf_counter() - t0
    print(f"nbgrader autograde (sequential, shared course dir): {t_nbgrader:7.1f} s  ({t_nbgrader / count:.2f} s per notebook)")

    out = tmp / "course"
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "autograder", "grade", str(ws.root / "submitted"), "--out", str(out),
                           "--jobs", str(args.jobs), "--quiet"], capture_output=True, text=True)
    t_ours = time.perf_counter() - t0
    if proc.returncode != 0:
        print(proc.stderr[-3000:])
        return 1
    print(f"course grade (isolated, {args.jobs} jobs, gradebook):    {t_ours:7.1f} s  ({t_ours / count:.2f} s per notebook)")
    print(f"ratio course / nbgrader: {t_ours / t_nbgrader:.2f}")

    # The same run without bubblewrap (resource limits and tamper checks stay): the sandbox's cost.
    t0 = time.perf_counter()
    plain = subprocess.run([sys.executable, "-m", "autograder", "grade", str(ws.root / "submitted"), "--out", str(tmp / "plain"),
                            "--jobs", str(args.jobs), "--quiet", "--no-sandbox"], capture_output=True, text=True)
    t_plain = time.perf_counter() - t0
    if plain.returncode != 0:
        print(plain.stderr[-3000:])
        return 1
    print(f"course grade --no-sandbox (same, without bubblewrap): {t_plain:7.1f} s  -> sandbox cost {t_ours - t_plain:+.1f} s "
          f"({(t_ours - t_plain) / count:+.2f} s per notebook)")

    records = [json.loads(p.read_text()) for p in (out / "results").glob("*/*.json")]
    print("\nper notebook (course grade, under the load of its own parallel jobs):")
    print(f"{'assignment':22} {'fixed s':>8} {'compute s':>10} {'total s':>8}")
    for a in names:
        rs = [r for r in records if r["assignment"] == a]
        fixed = statistics.mean(r["fixed_seconds"] for r in rs)
        total = statistics.mean(r["seconds"] for r in rs)
        print(f"{a:22} {fixed:8.2f} {total - fixed:10.2f} {total:8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
