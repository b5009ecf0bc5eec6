"""`course grade`, `course report` and `course check`, end to end on lesson 05_softmax_function.

Each test builds its submissions from the repository's own notebooks (the reference solution
as a student would type it, the untouched release, mutants) and runs the command as CI would,
in a subprocess.
"""
from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest
from nbformat.v4 import new_code_cell

from autograder import notebooks, sandbox
from autograder.workspace import REPO, Workspace
from tests import mutant
from tests.lessons import html_text

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("grader")]

A = "05_softmax_function"
NB = "softmax_function.ipynb"
HTML = "softmax_function.html"
SOURCE = notebooks.read(REPO / "source" / A / NB)
RELEASE = notebooks.read(REPO / "release" / A / NB)
FULL = sum(notebooks.points(c) for c in SOURCE.cells if notebooks.is_autograded_test(c))
MAX = sum(notebooks.points(c) for c in SOURCE.cells if notebooks.meta(c).get("grade"))
TESTS = [notebooks.grade_id(c) for c in SOURCE.cells if notebooks.is_autograded_test(c)]
CONFINED = sandbox.probe()[0]


def course_env(ci: bool = False) -> dict[str, str]:
    "the environment `course` runs in here: one torch thread, CI set only when asked"
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env.update(OMP_NUM_THREADS="1", **({"CI": "true"} if ci else {}))
    return env


def course(*args: str, timeout: float = 600, ci: bool = False) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "autograder", *args], capture_output=True, text=True, timeout=timeout,
                          cwd=REPO, env=course_env(ci))


def solved():
    return notebooks.solved_copy(RELEASE, SOURCE)


def untouched():
    return notebooks.read(REPO / "release" / A / NB)


def with_code(cell_id: str, code: str):
    return notebooks.solved_copy(RELEASE, SOURCE, {cell_id: code})


def mistaken():
    module = mutant.load(A)
    return mutant.submission(RELEASE, SOURCE, [m for m in module.MUTANTS if m.name in module.DEMO])


def tree(root: Path, subs: dict) -> Path:
    for student, nb in subs.items():
        notebooks.write(nb, root / student / A / NB)
    return root


def results(out: Path) -> dict[str, dict]:
    return {p.parent.name: json.loads(p.read_text()) for p in (out / "results").glob(f"*/{A}.json")}


def cell_points(result: dict) -> dict[str, float | None]:
    return {c["grade_id"]: c["points"] for c in result["cells"]}


def auto(result: dict) -> float:
    return sum(c["points"] or 0 for c in result["cells"] if c["kind"] == "test")


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    """One full run on an nbgrader submitted/ tree, with the gradebook."""
    root = tmp_path_factory.mktemp("class")
    subs = tree(root / "submitted", {"alice": solved(), "bob": untouched(), "carol": mistaken()})
    (subs / "alice" / A / "timestamp.txt").write_text("2026-11-20 09:30:00.000000 UTC")
    out = root / "out"
    proc = course("grade", str(subs), "--out", str(out), "--jobs", "2", "--quiet")
    assert proc.returncode == 0, proc.stderr[-3000:]
    return root, out, proc


def test_grades_an_nbgrader_tree_correct_full_untouched_zero_mistakes_between(graded_class):
    _, out, _ = graded_class
    r = results(out)
    assert auto(r["alice"]) == FULL and auto(r["bob"]) == 0 and 0 < auto(r["carol"]) < FULL, {s: auto(v) for s, v in r.items()}


def test_json_record_has_cells_points_status_message_time_isolation_and_the_trusted_sides_cost(graded_class):
    _, out, _ = graded_class
    carol = results(out)["carol"]
    assert carol["status"] == "graded" and carol["max_score"] == MAX
    failed = [c for c in carol["cells"] if c["status"] == "failed"]
    assert failed and all(c["message"] and c["points"] == 0 for c in failed)
    assert all({"grade_id", "points", "max_points", "status", "message", "seconds"} <= set(c) for c in carol["cells"])
    manual = [c for c in carol["cells"] if c["kind"] == "manual"]
    assert manual and all(c["points"] is None and c["status"] == "pending" for c in manual)
    assert carol["isolation"] and carol["advice"] == [] and carol["judge_seconds"] > 0 and carol["timestamp"]


def test_junit_has_one_test_case_per_grade_cell(graded_class):
    _, out, _ = graded_class
    suites = ET.parse(out / "junit.xml").getroot()
    carol = next(s for s in suites if s.get("name") == f"carol.{A}")
    grade_ids = [notebooks.grade_id(c) for c in SOURCE.cells if notebooks.meta(c).get("grade")]
    assert [case.get("name") for case in carol.findall("testcase")] == grade_ids
    assert int(carol.get("failures")) >= 1 and carol.find("testcase/failure") is not None
    assert carol.find("properties/property[@name='isolation']").get("value").startswith(("bubblewrap", "no sandbox"))


def _without_flags(text: str) -> list[list[str]]:
    return [row[:-1] for row in csv.reader(io.StringIO(text))]


def test_csv_is_nbgrader_exports_columns_of_the_written_gradebook_then_flags(graded_class):
    _, out, _ = graded_class
    ws = Workspace(out, assignments=[A])
    ws.export_csv(out / "nbgrader-export.csv")
    ours = (out / "grades.csv").read_text()
    assert next(csv.reader(io.StringIO(ours)))[-1] == "flags"
    assert _without_flags(ours) == [row for row in csv.reader(io.StringIO((out / "nbgrader-export.csv").read_text()))]
    alice = next(row for row in csv.reader(io.StringIO(ours)) if row[3] == "alice")
    assert alice[2] == "2026-11-20 09:30:00"  # nbgrader's timestamp.txt reaches the CSV and the gradebook


def test_csv_matches_plain_nbgrader_autograde_of_the_same_submissions(graded_class, tmp_path):
    root, out, _ = graded_class
    ws = Workspace(tmp_path / "nbgrader", assignments=[A])
    ws.generate(A)
    for student in ("alice", "bob", "carol"):
        ws.add_submission(student, A, notebooks.read(root / "submitted" / student / A / NB))
    ws.autograde(A)
    ws.export_csv(tmp_path / "nbgrader.csv")
    ours = [row[:2] + row[3:] for row in _without_flags((out / "grades.csv").read_text())]
    theirs = [row[:2] + row[3:] for row in csv.reader(io.StringIO((tmp_path / "nbgrader.csv").read_text()))]
    assert ours == theirs  # timestamps aside: nbgrader stamps its own copies with the time it collected them


def test_markdown_summary_has_the_isolation_line_and_a_row_per_student(graded_class):
    _, out, _ = graded_class
    text = (out / "summary.md").read_text()
    assert f"| student | {A} | flagged |" in text and "Isolation: " in text
    assert f"| alice | {FULL:g} / {MAX:g} (+{MAX - FULL:g} manual) |" in text and f"| bob | 0 / {MAX:g} |" in text


def test_feedback_shows_results_and_messages_but_no_hidden_test_code(graded_class):
    _, out, _ = graded_class
    hidden = notebooks.hidden_test_lines(SOURCE, RELEASE)
    assert hidden
    for student in ("alice", "bob", "carol"):
        page = (out / "feedback" / student / A / HTML).read_text()
        text = html_text(page)
        assert "Score:" in text and "Content-Security-Policy" in page
        leaked = [line for line in hidden if line in text]
        assert not leaked, f"feedback of {student} shows hidden test code: {leaked[:3]}"
    carol = (out / "feedback" / "carol" / A / HTML).read_text()
    assert "CheckFailed" in carol and "expected" in carol


def test_nbgraders_own_files_are_kept_beside_what_is_written_for_release_feedback(graded_class):
    _, out, _ = graded_class
    for folder in (out / "autograded" / "alice" / A, out / "feedback" / "alice" / A):
        assert (folder / "timestamp.txt").read_text() == "2026-11-20 09:30:00.000000 UTC", folder


def test_nbgrader_generate_feedback_works_on_the_output(graded_class):
    _, out, _ = graded_class
    ws = Workspace(out, assignments=[A])
    ws.feedback(A)
    assert (out / "feedback" / "alice" / A / HTML).exists()


def test_rerun_grades_nothing_new_and_keeps_manual_grades(graded_class, tmp_path):
    from nbgrader.api import Gradebook

    root = shutil.copytree(graded_class[0], tmp_path / "class")   # the shared run stays as graded
    out = root / "out"

    db = f"sqlite:///{out / 'gradebook.db'}"
    with Gradebook(db) as gb:
        g = gb.find_grade("q_sum_gradient", "softmax_function", A, "alice")
        g.manual_score = 1.5
        gb.db.commit()
    before = results(out)
    proc = course("grade", str(out.parent / "submitted"), "--out", str(out), "--quiet")
    assert proc.returncode == 0 and "grading 0 notebooks (3 already graded, unchanged)" in proc.stderr
    assert results(out) == before
    proc = course("grade", str(out.parent / "submitted"), "--out", str(out), "--quiet", "--force", "--jobs", "2")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert {s: r["score"] for s, r in results(out).items()} == {s: r["score"] for s, r in before.items()}
    with Gradebook(db) as gb:
        assert gb.find_grade("q_sum_gradient", "softmax_function", A, "alice").manual_score == 1.5


def test_shards_then_merge_equal_one_run(graded_class, tmp_path):
    root, out, _ = graded_class
    for i in (1, 2):
        proc = course("grade", str(root / "submitted"), "--out", str(tmp_path / f"shard{i}"), "--shard", f"{i}/2", "--no-gradebook", "--quiet", "--jobs", "1")
        assert proc.returncode == 0, proc.stderr[-2000:]
    sizes = [len(results(tmp_path / f"shard{i}")) for i in (1, 2)]
    assert sorted(sizes) == [1, 2]
    merged = tmp_path / "merged"
    proc = course("report", str(merged), "--merge", str(tmp_path / "shard1"), str(tmp_path / "shard2"))
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert {s: cell_points(r) for s, r in results(merged).items()} == {s: cell_points(r) for s, r in results(out).items()}
    assert (merged / "grades.csv").read_text() == (out / "grades.csv").read_text()


def test_folder_of_notebooks_and_lms_zip_with_unsafe_entries(tmp_path):
    loose = tmp_path / "loose"
    notebooks.write(solved(), loose / f"dave_{NB}")
    archive = tmp_path / "lms.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(f"erin/{NB}", json.dumps(untouched()))
        zf.writestr(f"../escaped_{NB}", json.dumps(solved()))
        zf.writestr(f"/abs/frank_{NB}", json.dumps(solved()))
    out = tmp_path / "out"
    proc = course("grade", str(loose), str(archive), "--out", str(out), "--no-gradebook", "--jobs", "2")
    assert proc.returncode == 0, proc.stderr[-2000:]
    r = results(out)
    assert set(r) == {"dave", "erin"}, set(r)
    assert auto(r["dave"]) == FULL and r["erin"]["score"] == 0
    assert "unsafe path" in proc.stderr and not (tmp_path / f"escaped_{NB}").exists()


def test_a_slow_cell_of_the_students_own_is_interrupted_and_the_tests_after_it_still_run(tmp_path):
    nb = solved()
    index = next(i for i, c in enumerate(nb.cells) if notebooks.grade_id(c) == "jacobian_code")
    nb.cells.insert(index + 1, new_code_cell("import time\nwhile True:\n    time.sleep(0.05)"))
    subs = tree(tmp_path / "submitted", {"slow": nb})
    out = tmp_path / "out"
    proc = course("grade", str(subs), "--out", str(out), "--no-gradebook", "--jobs", "1", "--cell-timeout", "20", "--quiet")
    assert proc.returncode == 0, proc.stderr[-2000:]
    r = results(out)["slow"]
    assert auto(r) == FULL, r["cells"]
    assert any("20 s limit" in n for n in r["notes"]), r["notes"]


def test_a_hanging_test_and_a_dead_kernel_cost_only_what_they_touch(tmp_path):
    hang = with_code("jacobian_code", "def softmax_jacobian(p):\n    while True:\n        pass")
    source = notebooks.strip_solution_markers(notebooks.cells_by_id(SOURCE)["softmax_code"].source)
    die = with_code("softmax_code", "import os\nos._exit(3)\n" + source)
    subs = tree(tmp_path / "submitted", {"hang": hang, "die": die, "ok": solved()})
    out = tmp_path / "out"
    proc = course("grade", str(subs), "--out", str(out), "--no-gradebook", "--jobs", "2", "--cell-timeout", "20", "--quiet")
    assert proc.returncode == 0, proc.stderr[-2000:]
    r = results(out)
    assert auto(r["ok"]) == FULL
    hang = {c["grade_id"]: c for c in r["hang"]["cells"]}
    assert hang["test_jacobian"]["points"] == 0 and "20 s limit" in hang["test_jacobian"]["message"]
    assert all(hang[t]["status"] == "passed" for t in TESTS[1:]), hang  # interrupted, then the next tests ran
    assert "kernel died" in r["die"]["reason"]
    die = {c["grade_id"]: c for c in r["die"]["cells"]}
    assert die["test_jacobian"]["status"] == "passed" and all(die[t]["status"] == "not run" for t in TESTS[1:])


def test_deleted_duplicated_and_edited_grade_cells_are_restored_and_flagged(tmp_path):
    nb = solved()
    ids = [notebooks.grade_id(c) for c in nb.cells]
    nb.cells.pop(ids.index("test_softmax_backward"))                    # deleted test cell
    nb.cells.append(nb.cells[ids.index("test_jacobian")].copy())         # duplicated test cell
    victim = next(c for c in nb.cells if notebooks.grade_id(c) == "test_softmax_forward")
    victim.source = "print('all good')"                                  # rewritten test
    victim.metadata["nbgrader"]["points"] = 100
    subs = tree(tmp_path / "submitted", {"tamper": nb})
    out = tmp_path / "out"
    proc = course("grade", str(subs), "--out", str(out), "--no-gradebook", "--jobs", "1", "--quiet")
    assert proc.returncode == 0, proc.stderr[-2000:]
    r = results(out)["tamper"]
    kinds = " ".join(r["issues"])
    assert r["flagged"] and "test_softmax_backward: missing" in kinds and "test_jacobian: duplicate" in kinds
    assert "test_softmax_forward: modified" in kinds
    assert r["max_score"] == MAX and auto(r) == FULL  # the restored tests ran against the (correct) solution


def test_broken_files_get_a_graded_result_with_a_reason(tmp_path):
    sub = tmp_path / "submitted"
    for student, text in {"empty": "", "garbage": "{not json", "v3": json.dumps({"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": []})}.items():
        (sub / student / A).mkdir(parents=True)
        (sub / student / A / NB).write_text(text)
    out = tmp_path / "out"
    proc = course("grade", str(sub), "--out", str(out), "--no-gradebook", "--jobs", "2", "--quiet")
    assert proc.returncode == 0, proc.stderr[-2000:]
    r = results(out)
    assert set(r) == {"empty", "garbage", "v3"}
    for student in ("empty", "garbage"):
        assert r[student]["status"] == "error" and r[student]["score"] == 0 and "not a readable notebook" in r[student]["reason"]
    assert r["v3"]["score"] == 0


def test_a_syntax_error_is_reported_at_its_cell(tmp_path):
    broken = with_code("jacobian_code", "def softmax_jacobian(p):\n    return torch.diag(p) -")
    subs = tree(tmp_path / "submitted", {"typo": broken})
    out = tmp_path / "out"
    assert course("grade", str(subs), "--out", str(out), "--no-gradebook", "--jobs", "1", "--quiet").returncode == 0
    r = results(out)["typo"]
    assert any(n.startswith("jacobian_code stopped with SyntaxError") for n in r["notes"]), r["notes"]
    jac = next(c for c in r["cells"] if c["grade_id"] == "test_jacobian")
    assert "jacobian_code stopped with SyntaxError" in jac["message"], jac["message"]


def test_check_runs_only_the_visible_tests_and_its_exit_code_says_whether_they_passed(tmp_path):
    path = tmp_path / NB
    notebooks.write(solved(), path)
    proc = course("check", str(path))
    assert proc.returncode == 0, proc.stdout + proc.stderr[-2000:]
    assert f"PASS  {TESTS[-1]}" in proc.stdout and f"{len(TESTS)} passed, 0 failed" in proc.stdout
    assert "written answers still empty" not in proc.stdout
    notebooks.write(untouched(), path)
    proc = course("check", str(path))
    assert proc.returncode == 1
    assert f"FAIL  {TESTS[0]}  (0/" in proc.stdout and "NotImplementedError" in proc.stdout
    assert f"0 passed, {len(TESTS)} failed" in proc.stdout and "written answers still empty: q_sum_gradient" in proc.stdout
    assert "_h_" not in proc.stdout  # no hidden test reaches the student


def test_usage_errors_exit_2_with_a_message(tmp_path):
    proc = course("grade", str(tmp_path / "nowhere"), "--out", str(tmp_path / "out"))
    assert proc.returncode == 2 and "not a folder, a zip file or a notebook" in proc.stderr
    proc = course("grade", str(tmp_path), "--shard", "3/2")
    assert proc.returncode == 2 and "--shard" in proc.stderr
    proc = course("--course", str(tmp_path), "grade", str(tmp_path))
    assert proc.returncode == 2 and "no source/ folder" in proc.stderr


def test_help_documents_the_exit_codes():
    proc = course("--help")
    assert proc.returncode == 0 and "Exit codes" in proc.stdout and "grade" in proc.stdout


def test_in_ci_the_grader_refuses_to_run_student_code_without_the_sandbox(tmp_path):
    subs = tree(tmp_path / "submitted", {"alice": untouched()})
    proc = course("grade", str(subs), "--out", str(tmp_path / "out"), "--no-gradebook", "--no-sandbox", "--quiet", ci=True)
    assert proc.returncode == 2 and "refusing to run student code without the sandbox" in proc.stderr
    assert "bubblewrap" in proc.stderr and not (tmp_path / "out" / "results").exists()
    proc = course("grade", str(subs), "--out", str(tmp_path / "out"), "--no-gradebook", "--no-sandbox", "--quiet",
                  "--no-require-sandbox", ci=True)
    assert proc.returncode == 0 and "isolation: no sandbox (--no-sandbox)" in proc.stderr


@pytest.mark.skipif(not CONFINED, reason="bubblewrap cannot run here")
def test_a_submitted_course_package_and_launcher_change_nothing(tmp_path):
    subs = tree(tmp_path / "submitted", {"planter": untouched(), "alice": solved()})
    planted = subs / "planter" / A
    (planted / "course").mkdir()
    (planted / "course" / "__init__.py").write_text("")
    (planted / "course" / "checks.py").write_text("def check_tensor(*a, **k):\n    pass\n")
    (planted / "ipykernel_launcher.py").write_text("raise SystemExit(0)\n")
    (planted / "torch.py").write_text("raise SystemExit(0)\n")
    out = tmp_path / "out"
    proc = course("grade", str(subs), "--out", str(out), "--no-gradebook", "--jobs", "2", "--quiet")
    assert proc.returncode == 0, proc.stderr[-2000:]
    r = results(out)
    assert r["planter"]["score"] == 0 and r["planter"]["status"] == "graded" and auto(r["alice"]) == FULL
