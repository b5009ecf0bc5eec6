"""The attack and fault suite: hostile and broken submissions against `course grade`, per lesson.

For each converted lesson, one class is graded twice into the same output folder, as CI
would: first two honest students alone (the baseline gradebook), then the same class plus
every attack of ``tests/attacks.py`` and a third honest student. No attack may score more
than the untouched release (one that solves the task while hiding a call from the recorder
must be flagged for the instructor); the grader must finish with exit code 0 and a record
for every input; nothing outside the kernels' folders may change; the honest students'
gradebook rows must stay as they were. The table of results is written to
``build/attacks/table.md`` and printed at the end of the run.
"""
from __future__ import annotations

import json
import re
import socket
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

from autograder import notebooks, testcells
from autograder.workspace import REPO
from tests.attacks import ATTACKS, CLASSMATE, LATE_HONEST, UNTOUCHED, Context, Lesson
from tests.test_feedback_filter import _active_parts as active_parts
from tests.test_grader import course

pytestmark = [pytest.mark.slow]

TABLE = REPO / "build" / "attacks" / "table.md"
WATCHED = [REPO / "pwned.txt", Path.home() / "pwned.txt", Path("/tmp/pwned.txt"), Path("/tmp/pwned-kernelspec")]


def converted(assignment: str) -> bool:
    lesson = Lesson(assignment)
    cells = [c for c in lesson.source().cells if notebooks.is_autograded_test(c)]
    return bool(cells) and all(testcells.judge_count(c.source) for c in cells)


LESSONS = [pytest.param(a, marks=pytest.mark.xdist_group(f"attacks-{a}"), id=a)
           for a in ("04_optimizers", "05_softmax_function", "06_root_finding") if converted(a)]


@dataclass
class AttackRun:
    lesson: Lesson
    results: dict[str, dict]       # student -> result JSON
    stderr: str
    returncode: int
    baseline_rows: dict
    rows_after: dict
    connections: int
    ctx: Context

    @property
    def peak_mib(self) -> float:
        found = re.search(r"peak memory of a grader process (\d+) MiB", self.stderr)
        return float(found.group(1)) if found else float("nan")


def gradebook_rows(out: Path, assignment: str, students: list[str]) -> dict:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{out / 'gradebook.db'}") as gb:
        rows = {}
        for s in students:
            sub = gb.find_submission(assignment, s)
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


_runs: dict[str, AttackRun] = {}


@pytest.fixture(params=LESSONS)
def run(request, tmp_path_factory) -> AttackRun:
    assignment = request.param
    if assignment in _runs:
        return _runs[assignment]
    for path in WATCHED:
        assert not path.exists(), f"{path} exists before the suite: remove it"
    lesson = Lesson(assignment)
    root = tmp_path_factory.mktemp(f"attacks-{assignment}")
    server, hits = _listen()
    ctx = Context(lesson, root / "submitted", root / "lms", root / "out", root / "outside", server.getsockname()[1])
    ctx.outside.mkdir()
    notebooks.write(lesson.solved(), lesson.path(ctx.class_dir, CLASSMATE))
    notebooks.write(lesson.release(), lesson.path(ctx.class_dir, UNTOUCHED))
    first = course("grade", str(ctx.class_dir), "--out", str(ctx.out), "--jobs", "2", "--quiet")
    assert first.returncode == 0, first.stderr[-3000:]
    baseline = gradebook_rows(ctx.out, assignment, [CLASSMATE, UNTOUCHED])

    notebooks.write(lesson.solved(), lesson.path(ctx.class_dir, LATE_HONEST))
    for attack in ATTACKS:
        attack.build(lesson.path(ctx.class_dir, attack.name), ctx)
    proc = course("grade", str(ctx.class_dir), str(ctx.lms), "--out", str(ctx.out), "--jobs", "2",
                  "--cell-timeout", "10", "--notebook-timeout", "60", "--quiet", timeout=3000)
    server.close()
    results = {p.parent.name: json.loads(p.read_text()) for p in (ctx.out / "results").glob(f"*/{assignment}.json")}
    after = gradebook_rows(ctx.out, assignment, [CLASSMATE, UNTOUCHED]) if proc.returncode == 0 else {}
    outcome = _runs[assignment] = AttackRun(lesson, results, proc.stderr, proc.returncode, baseline, after, len(hits), ctx)
    _write_table(outcome)
    return outcome


def _verdict(run: AttackRun, name: str) -> tuple[str, str, bool, bool]:
    """(score text, flagged text, survived, holds) for one attack."""
    honest = run.results[UNTOUCHED]["score"]
    attack = next(a for a in ATTACKS if a.name == name)
    r = run.results.get(name)
    if r is None:  # refused at the door (a zip with nothing safe in it): reported, not graded
        refused = f"{name}.zip" in run.stderr
        return "refused", "reported" if refused else "-", run.returncode == 0, refused
    survived = run.returncode == 0 and r["status"] in ("graded", "error")
    holds = r["flagged"] if attack.kind == "hidden" else r["score"] <= honest
    return f"{r['score']:g}/{r['max_score']:g}", "yes" if r["flagged"] else "no", survived, holds


def _write_table(run: AttackRun) -> None:
    honest = run.results.get(UNTOUCHED, {}).get("score", float("nan"))
    unchanged = "yes" if run.rows_after == run.baseline_rows else "NO"
    lines = ["| attack | kind | score | honest untouched | flagged | grader survived | other rows unchanged | holds |",
             "|---|---|---|---|---|---|---|---|"]
    for a in ATTACKS:
        score, flagged, survived, holds = _verdict(run, a.name)
        lines.append(f"| {a.name} | {a.kind} | {score} | {honest:g} | {flagged} | {'yes' if survived else 'NO'} | {unchanged} | {'yes' if holds else 'NO'} |")
    TABLE.parent.mkdir(parents=True, exist_ok=True)
    head = (f"Attack suite on {run.lesson.assignment}: {len(ATTACKS)} hostile or broken submissions; grader exit code "
            f"{run.returncode}, peak memory of a grader process {run.peak_mib:g} MiB\n\n")
    with TABLE.open("a") as fh:
        fh.write(head + "\n".join(lines) + "\n\n")


def test_the_suite_has_every_kind_of_attack():
    kinds = {a.kind for a in ATTACKS}
    assert len(ATTACKS) >= 60 and len({a.name for a in ATTACKS}) == len(ATTACKS)
    assert {"tamper", "escape", "fault", "cells", "file", "identity", "hidden"} <= kinds


def test_the_grader_finishes_the_whole_class_with_a_record_for_every_input(run):
    assert run.returncode == 0, run.stderr[-3000:]
    missing = [a.name for a in ATTACKS if a.name not in run.results and f"{a.name}.zip" not in run.stderr]
    assert not missing, f"no result and no reported problem for {missing}"


@pytest.mark.parametrize("attack", ATTACKS, ids=lambda a: a.name)
def test_attack_gains_nothing(run, attack):
    score, flagged, survived, holds = _verdict(run, attack.name)
    r = run.results.get(attack.name, {})
    assert survived, f"{attack.name}: the grader did not survive: {r.get('reason')}"
    assert holds, (f"{attack.name} ({attack.what}) scored {score}, flagged {flagged}; honest untouched: "
                   f"{run.results[UNTOUCHED]['score']}; cells: {[(c['grade_id'], c['points'], c['message'][:120]) for c in r.get('cells', [])]}")


def test_honest_students_gradebook_rows_are_unchanged(run):
    assert run.rows_after == run.baseline_rows


def test_an_honest_student_graded_with_the_attackers_gets_full_marks(run):
    late, early = run.results[LATE_HONEST], run.results[CLASSMATE]
    auto = lambda r: [c["points"] for c in r["cells"] if c["kind"] == "test"]  # noqa: E731
    assert auto(late) == auto(early) == [c["max_points"] for c in late["cells"] if c["kind"] == "test"], late
    assert not late["flagged"], late


def test_a_zip_naming_a_classmate_counts_for_its_owner_only(run):
    assert run.results[CLASSMATE]["score"] == run.results[LATE_HONEST]["score"]
    two = run.results["two-notebooks"]
    assert two["status"] == "error" and "none was graded" in two["reason"]


def test_nothing_is_written_outside_the_kernels_folders(run):
    nb = run.lesson.notebook
    written = [str(p) for p in [*WATCHED, run.ctx.outside / "pwned.txt", run.ctx.class_dir.parent.parent / f"escaped_{nb}"] if p.exists()]
    assert not written, f"files written by submissions: {written}"
    assert not Path(f"/abs/escaped_{nb}").exists()


def test_no_connection_reaches_the_host(run):
    assert run.connections == 0


def _outputs(run: AttackRun, student: str) -> str:
    nb = notebooks.read(run.ctx.out / "autograded" / student / run.lesson.assignment / run.lesson.notebook)
    return "".join(str(o.get("evalue", "")) + str(o.get("text", "")) for c in nb.cells if c.cell_type == "code" for o in c.outputs)


def test_escapes_find_nothing_to_read(run):
    for name in ("read-source", "read-classmate", "gradebook-rewrite"):
        text = _outputs(run, name)
        assert "No such file" in text or "unable to open" in text, f"{name}: {text[:500]}"
    found = _outputs(run, "find-assignment-copies")
    # the submission's own solutions are its author's to read; the hidden tests are not
    found_lines = {line.strip() for line in found.splitlines()}
    leaked = [line for line in notebooks.hidden_test_lines(run.lesson.source(), run.lesson.release()) if line in found_lines]
    assert not leaked, leaked[:5]
    # the attack prints each file it finds as "<path> <text>"; a gradebook found would start a line
    # (nbgrader's own test fixtures in site-packages, read-only and empty of students, do not count)
    found_gradebooks = [path for path in re.findall(r"^(/\S*/gradebook\.db) ", found, flags=re.MULTILINE)
                        if "/site-packages/" not in path]
    assert not found_gradebooks and str(run.ctx.out) not in found, found_gradebooks


def test_feedback_pages_carry_no_script_of_the_students(run):
    for name in ("script-in-output", "script-markdown"):
        page = (run.ctx.out / "feedback" / name / run.lesson.assignment / run.lesson.notebook.replace(".ipynb", ".html")).read_text()
        scripts, handlers, urls = active_parts(page)
        assert not [s for s in scripts if "pwned" in s or "alert" in s] and not handlers and not urls, (name, scripts, handlers)
        assert "Content-Security-Policy" in page


def test_faults_give_a_reason(run):
    r = run.results
    assert "kernel died" in r["os-exit"]["reason"] and "kernel died" in r["kill-kernel"]["reason"]
    assert "did not stop when interrupted" in r["ignore-interrupt"]["reason"]
    assert "quota" in r["fill-folder"]["reason"] and "quota" in r["many-files"]["reason"]
    for name in ("huge-output", "display-update-flood", "huge-error", "comm-flood"):
        size = (run.ctx.out / "autograded" / name / run.lesson.assignment / run.lesson.notebook).stat().st_size
        assert size < 20 * 2**20, f"{name}: the autograded notebook holds {size / 2**20:.0f} MiB"


def test_the_grader_stays_within_its_memory_whatever_the_kernels_send(run):
    assert run.peak_mib < 3000, run.stderr[-500:]


def test_broken_files_are_graded_with_a_reason(run):
    for name in ("malformed-json", "nbformat-3", "empty-file", "binary-garbage", "huge-file"):
        r = run.results[name]
        assert r["score"] == 0 and (r["reason"] or r["issues"]), (name, r["reason"])
    assert "too large" in run.stderr or "declares" in run.stderr
    assert "unsafe path" in run.stderr


def test_hidden_delegation_is_flagged_for_the_instructor(run):
    r = run.results["hidden-delegation"]
    assert r["advice"] and any("recorder" in a for a in r["advice"]), r["advice"]
