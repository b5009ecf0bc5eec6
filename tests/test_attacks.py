"""The attack and fault suite: hostile and broken submissions against `course grade`.

One class of lesson 06 is graded twice into the same output folder, as CI would: first two
honest students alone (the baseline gradebook), then the same class plus every attack of
``tests/attacks.py`` and a third honest student. Each attack must score no more than the
untouched release or be flagged; the grader must finish; nothing outside the kernels'
folders may change; the honest students' gradebook rows must stay as they were. The table
of results is written to ``build/attacks/table.md`` and printed at the end of the run.
"""
from __future__ import annotations

import json
import socket
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

from autograder import notebooks
from autograder.workspace import REPO
from tests import attacks
from tests.attacks import A, ATTACKS, CLASSMATE, NB, UNTOUCHED, Context, student_path
from tests.test_grader import course

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("attacks")]

LATE_HONEST = "honest-carol"
TABLE = REPO / "build" / "attacks" / "table.md"
WATCHED = [REPO / "pwned.txt", Path.home() / "pwned.txt", Path("/tmp/pwned.txt"), Path("/tmp/pwned-kernelspec")]


@dataclass
class AttackRun:
    results: dict[str, dict]       # student -> result JSON
    stderr: str
    returncode: int
    baseline_rows: dict
    rows_after: dict
    connections: int
    ctx: Context


def gradebook_rows(out: Path, students: list[str]) -> dict:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{out / 'gradebook.db'}") as gb:
        rows = {}
        for s in students:
            sub = gb.find_submission(A, s)
            rows[s] = (sub.score, sub.max_score, sorted((g.name, g.auto_score, g.manual_score)
                                                        for nb in sub.notebooks for g in nb.grades))
        return rows


def _listen() -> tuple[socket.socket, list[int]]:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.5)
    hits: list[int] = []

    def accept() -> None:
        while True:
            try:
                conn, _ = server.accept()
                hits.append(1)
                conn.close()
            except TimeoutError:
                continue
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    return server, hits


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> AttackRun:
    for path in WATCHED:
        assert not path.exists(), f"{path} exists before the suite: remove it"
    root = tmp_path_factory.mktemp("attacks")
    server, hits = _listen()
    ctx = Context(root / "submitted", root / "lms", root / "out", root / "outside", server.getsockname()[1])
    ctx.outside.mkdir()
    notebooks.write(notebooks.solved_copy(attacks.release(), attacks.source()), student_path(ctx.class_dir, CLASSMATE))
    notebooks.write(attacks.release(), student_path(ctx.class_dir, UNTOUCHED))
    first = course("grade", str(ctx.class_dir), "--out", str(ctx.out), "--jobs", "2", "--quiet")
    assert first.returncode == 0, first.stderr[-3000:]
    baseline = gradebook_rows(ctx.out, [CLASSMATE, UNTOUCHED])

    notebooks.write(notebooks.solved_copy(attacks.release(), attacks.source()), student_path(ctx.class_dir, LATE_HONEST))
    for attack in ATTACKS:
        attack.build(student_path(ctx.class_dir, attack.name), ctx)
    proc = course("grade", str(ctx.class_dir), str(ctx.lms), "--out", str(ctx.out), "--jobs", "2",
                  "--cell-timeout", "10", "--notebook-timeout", "60", "--quiet", timeout=1800)
    server.close()
    results = {p.parent.name: json.loads(p.read_text()) for p in (ctx.out / "results").glob(f"*/{A}.json")}
    after = gradebook_rows(ctx.out, [CLASSMATE, UNTOUCHED]) if proc.returncode == 0 else {}
    outcome = AttackRun(results, proc.stderr, proc.returncode, baseline, after, len(hits), ctx)
    _write_table(outcome)
    return outcome


def _verdict(run: AttackRun, name: str) -> tuple[str, str, bool, bool]:
    """(score text, flagged text, survived, holds) for one attack."""
    honest = run.results[UNTOUCHED]["score"]
    r = run.results.get(name)
    if r is None:  # refused at the door (a zip with nothing safe in it): reported, not graded
        refused = f"{name}.zip" in run.stderr
        return "refused", "reported" if refused else "-", run.returncode == 0, refused
    flagged = r["flagged"]
    survived = run.returncode == 0 and r["status"] in ("graded", "error")
    return f"{r['score']:g}/{r['max_score']:g}", "yes" if flagged else "no", survived, r["score"] <= honest or flagged


def unguarded_score(result: dict) -> float:
    """The score the notebook's own outputs claim, before tamper checks voided any cell."""
    return sum((c["unguarded_points"] if c.get("unguarded_points") is not None else c["points"] or 0.0) for c in result["cells"])


def _write_table(run: AttackRun) -> None:
    honest = run.results.get(UNTOUCHED, {}).get("score", float("nan"))
    unchanged = "yes" if run.rows_after == run.baseline_rows else "NO"
    lines = ["| attack | kind | score obtained | without tamper checks | honest untouched | flagged | grader survived | other rows unchanged | holds |",
             "|---|---|---|---|---|---|---|---|---|"]
    for a in ATTACKS:
        score, flagged, survived, holds = _verdict(run, a.name)
        r = run.results.get(a.name)
        plain = f"{unguarded_score(r):g}" if r else "-"
        lines.append(f"| {a.name} | {a.kind} | {score} | {plain} | {honest:g} | {flagged} | {'yes' if survived else 'NO'} | {unchanged} | {'yes' if holds else 'NO'} |")
    TABLE.parent.mkdir(parents=True, exist_ok=True)
    TABLE.write_text(f"Attack suite on {A}: {len(ATTACKS)} hostile or broken submissions\n\n" + "\n".join(lines) + "\n")


def test_the_suite_has_at_least_thirty_attacks():
    assert len(ATTACKS) >= 30 and len({a.name for a in ATTACKS}) == len(ATTACKS)


def test_the_grader_finishes_the_whole_class(run):
    assert run.returncode == 0, run.stderr[-3000:]
    missing = [a.name for a in ATTACKS if a.name not in run.results and f"{a.name}.zip" not in run.stderr]
    assert not missing, f"no result and no reported problem for {missing}"


@pytest.mark.parametrize("attack", ATTACKS, ids=lambda a: a.name)
def test_attack_gains_nothing_or_is_flagged(run, attack):
    score, flagged, survived, holds = _verdict(run, attack.name)
    r = run.results.get(attack.name, {})
    assert survived, f"{attack.name}: the grader did not survive: {r.get('reason')}"
    assert holds, f"{attack.name} ({attack.what}) scored {score} unflagged; honest untouched: {run.results[UNTOUCHED]['score']}; cells: {r.get('cells')}"


@pytest.mark.parametrize("attack", [a for a in ATTACKS if a.kind in ("tamper", "cells")], ids=lambda a: a.name)
def test_tampering_is_flagged_with_a_reason(run, attack):
    r = run.results[attack.name]
    assert r["flagged"] and r["issues"], f"{attack.name} ({attack.what}) was not flagged: {r['cells']}"


@pytest.mark.parametrize("attack", [a for a in ATTACKS if a.fools_plain_grading], ids=lambda a: a.name)
def test_attack_is_real_its_own_outputs_claim_points_the_checks_void(run, attack):
    """The attack does fool grading by outputs alone (as plain nbgrader scores), so the tamper
    checks are what stop it."""
    r = run.results[attack.name]
    honest = run.results[UNTOUCHED]["score"]
    assert unguarded_score(r) > honest >= r["score"], (unguarded_score(r), honest, r["score"], r["cells"])


def test_honest_students_gradebook_rows_are_unchanged(run):
    assert run.rows_after == run.baseline_rows


def test_an_honest_student_graded_with_the_attackers_gets_full_marks(run):
    late, early = run.results[LATE_HONEST], run.results[CLASSMATE]
    assert late["score"] == early["score"] == 12.0 and not late["flagged"], late


def test_nothing_is_written_outside_the_kernels_folders(run):
    written = [str(p) for p in [*WATCHED, run.ctx.outside / "pwned.txt", run.ctx.class_dir.parent.parent / f"escaped_{NB}"] if p.exists()]
    assert not written, f"files written by submissions: {written}"
    assert not Path(f"/abs/escaped_{NB}").exists()


def test_no_connection_reaches_the_host(run):
    assert run.connections == 0


def test_escapes_find_nothing_to_read(run):
    for name in ("read-source", "read-classmate", "gradebook-rewrite"):
        outputs = "".join(str(o.get("evalue", "")) + str(o.get("text", "")) for c in
                          notebooks.read(run.ctx.out / "autograded" / name / A / NB).cells if c.cell_type == "code" for o in c.outputs)
        assert "No such file" in outputs or "unable to open" in outputs, f"{name}: {outputs[:500]}"


def test_faults_give_a_reason(run):
    reasons = {name: run.results[name]["reason"] for name in ("os-exit", "kill-kernel", "infinite-loop", "sleep")}
    assert "kernel died" in reasons["os-exit"] and "kernel died" in reasons["kill-kernel"], reasons
    assert "10 s limit" in reasons["infinite-loop"] and "10 s limit" in reasons["sleep"], reasons
    huge = notebooks.read(run.ctx.out / "autograded" / "huge-output" / A / NB)
    assert "output past" in json.dumps(huge) and len(json.dumps(huge)) < 8 * 2**20


def test_broken_files_are_graded_with_a_reason(run):
    for name in ("malformed-json", "nbformat-3", "empty-file", "binary-garbage", "huge-file"):
        r = run.results[name]
        assert r["score"] == 0 and (r["reason"] or r["issues"]), (name, r["reason"])
    assert "too large" in run.stderr and "unsafe path" in run.stderr
