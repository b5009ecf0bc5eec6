"""Warm kernels (``autograder.forkserver``): a pristine parent per worker, nothing crossing between submissions.

One worker (``--jobs 1``) grades a hostile submission and then an honest one: whatever the
first did to torch, to module globals, to the environment, to its folder, with threads and
child processes, the second runs in a kernel as fresh as a cold one, and gets full marks.
"""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from nbformat.v4 import new_code_cell

from autograder import forkserver, notebooks
from autograder.limits import Limits
from autograder.workspace import REPO
from tests.test_grader import A, FULL, NB, auto, course, course_env, results, solved, tree

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("warm")]
WARM, WHY = forkserver.available(Limits())
needs_warm = pytest.mark.skipif(not WARM, reason=f"warm kernels cannot run here: {WHY}")

HOSTILE = """
import os, sys, threading, subprocess, time, numpy, torch
import course.checks
torch.Tensor.__add__ = lambda self, other: torch.zeros(1)
torch.softmax = lambda *a, **k: torch.zeros(1)
numpy.pi = 3.0
course.checks.HOSTILE = True
sys.modules['json'] = None
os.environ['OMP_NUM_THREADS'] = '64'
os.environ['LEFT_BY'] = 'hostile'
threading.Thread(target=lambda: [time.sleep(0.01) for _ in iter(int, 1)], daemon=True).start()
subprocess.Popen([sys.executable, '-c', 'while True: pass'])
open('left-behind.txt', 'w').write('x')
for path in ('/tmp/left.txt', '/dev/shm/left.txt', '/work/left.txt'):
    try:
        open(path, 'w').write('x')
    except OSError:
        pass
"""

OBSERVE = """
import os, sys, threading, numpy, torch, json
import course.checks
print('OBSERVED', json.dumps({
    'add': torch.ones(1).__add__(torch.ones(1)).tolist(),
    'softmax': torch.softmax(torch.zeros(2), 0).tolist(),
    'pi': numpy.pi,
    'hostile': hasattr(course.checks, 'HOSTILE'),
    'omp': os.environ.get('OMP_NUM_THREADS'),
    'left_by': os.environ.get('LEFT_BY'),
    'threads': threading.active_count(),
    'files': sorted(p for p in os.listdir('.') if not p.startswith('.')),
    'tmp': sorted(os.listdir('/tmp')),
    'uid': os.getuid(),
    'processes': sorted(int(p) for p in os.listdir('/proc') if p.isdigit()),
}))
"""


def _with_cell(nb, code: str):
    index = next(i for i, c in enumerate(nb.cells) if notebooks.grade_id(c) == "imports")
    nb.cells.insert(index + 1, new_code_cell(code))
    return nb


def _observed(out: Path, student: str) -> dict:
    nb = notebooks.read(out / "autograded" / student / A / NB)
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    return json.loads(text.split("OBSERVED ", 1)[1].splitlines()[0])


@needs_warm
def test_the_pristine_parent_imports_everything_and_starts_no_thread():
    srv = forkserver.ForkServer(Limits())
    try:
        assert srv.started["threads"] == 1, srv.started
    finally:
        srv.close()


@needs_warm
def test_nothing_crosses_from_a_hostile_submission_to_the_next_in_the_same_worker(tmp_path):
    subs = tree(tmp_path / "submitted", {"a-hostile": _with_cell(solved(), HOSTILE),
                                          "b-honest": _with_cell(solved(), OBSERVE)})
    alone = tree(tmp_path / "alone", {"b-honest": _with_cell(solved(), OBSERVE)})
    out, out_alone = tmp_path / "out", tmp_path / "out-alone"
    proc = course("grade", str(subs), "--out", str(out), "--jobs", "1", "--no-gradebook", "--quiet")
    assert proc.returncode == 0 and "forked from a pristine parent" in proc.stderr, proc.stderr[-2000:]
    assert course("grade", str(alone), "--out", str(out_alone), "--jobs", "1", "--no-gradebook", "--quiet").returncode == 0
    after, fresh = _observed(out, "b-honest"), _observed(out_alone, "b-honest")
    assert after["add"] == [2.0] and after["softmax"] == [0.5, 0.5] and after["pi"] != 3.0, after
    assert not after["hostile"] and after["omp"] == "1" and after["left_by"] is None, after
    assert after["threads"] == fresh["threads"] and after["files"] == fresh["files"], (after, fresh)
    assert "left.txt" not in after["tmp"] and len(after["tmp"]) == len(fresh["tmp"]), (after["tmp"], fresh["tmp"])
    assert len(after["processes"]) == len(fresh["processes"]), (after["processes"], fresh["processes"])
    assert after["uid"] != _observed_uid(out, "a-hostile")
    assert auto(results(out)["b-honest"]) == auto(results(out_alone)["b-honest"]) == FULL


def _observed_uid(out: Path, student: str) -> int | None:
    try:
        return _observed(out, student)["uid"]
    except (IndexError, KeyError, ValueError):
        return None


def _processes() -> dict[int, tuple[int, int, int]]:
    "pid -> (parent pid, uid, start time in clock ticks) of every process now"
    table = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            table[int(entry.name)] = (int(fields[1]), entry.stat().st_uid, int(fields[19]))
        except (OSError, IndexError, ValueError):
            continue
    return table


def _descendants(root: int, table: dict[int, tuple[int, int, int]]) -> set[int]:
    found, frontier = set(), {root}
    while frontier:
        frontier = {pid for pid, (ppid, _, _) in table.items() if ppid in frontier} - found
        found |= frontier
    return found


@needs_warm
def test_no_process_of_any_kernel_outlives_the_grading(tmp_path):
    """Every kernel-user process this run started (seen while it ran) is gone when it ends.

    Other tests may be grading at the same time, so only this run's descendants are watched.
    """
    subs = tree(tmp_path / "submitted", {"hostile": _with_cell(solved(), HOSTILE)})
    proc = subprocess.Popen([sys.executable, "-m", "autograder", "grade", str(subs), "--out", str(tmp_path / "out"),
                             "--jobs", "1", "--no-gradebook", "--quiet"], cwd=REPO, env=course_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seen: set[tuple[int, int]] = set()
    while proc.poll() is None:
        table = _processes()
        seen |= {(pid, table[pid][2]) for pid in _descendants(proc.pid, table) if table[pid][1] >= 200_000}
        time.sleep(0.05)
    assert proc.returncode == 0
    assert seen, "no kernel-user process was seen while grading"
    table = _processes()
    left = [pid for pid, started in seen if pid in table and table[pid][2] == started]
    assert not left, f"processes of this run's kernel users still running: {left}"


def test_cold_kernels_stay_available_and_say_so(tmp_path):
    subs = tree(tmp_path / "submitted", {"alice": solved()})
    proc = course("grade", str(subs), "--out", str(tmp_path / "out"), "--jobs", "1", "--no-gradebook", "--quiet", "--cold")
    assert proc.returncode == 0 and "cold kernels (warm kernels off (--cold))" in proc.stderr, proc.stderr[-1000:]
    assert auto(results(tmp_path / "out")["alice"]) == FULL
