"""`course grade`, `course report` and `course check`, end to end on lesson 06_root_finding.

Each test builds its submissions from the repository's own notebooks (the reference solution
as a student would type it, the untouched release, a mutant) and runs the command as CI
would, in a subprocess.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

from autograder import notebooks
from autograder.workspace import REPO, Workspace
from tests import mutant
from tests.lessons import html_text

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("grader")]

A = "06_root_finding"
NB = "root_finding.ipynb"
FULL, MAX_AUTO = 12.0, 12.0


def course(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    env = dict(os.environ, OMP_NUM_THREADS="1")
    return subprocess.run([sys.executable, "-m", "autograder", *args], capture_output=True, text=True, timeout=timeout, cwd=REPO, env=env)


def _source_release():
    return notebooks.read(REPO / "source" / A / NB), notebooks.read(REPO / "release" / A / NB)


def solved():
    source, release = _source_release()
    return notebooks.solved_copy(release, source)


def untouched():
    return _source_release()[1]


def with_code(cell_id: str, code: str):
    source, release = _source_release()
    return notebooks.solved_copy(release, source, {cell_id: code})


def mistaken():
    source, release = _source_release()
    module = mutant.load(A)
    return mutant.submission(release, source, [m for m in module.MUTANTS if m.name in module.DEMO])


def tree(root: Path, subs: dict) -> Path:
    for student, nb in subs.items():
        notebooks.write(nb, root / student / A / NB)
    return root


def results(out: Path) -> dict[str, dict]:
    return {p.parent.name: json.loads(p.read_text()) for p in (out / "results").glob(f"*/{A}.json")}


def cell_points(result: dict) -> dict[str, float | None]:
    return {c["grade_id"]: c["points"] for c in result["cells"]}


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    """One full run on an nbgrader submitted/ tree, with the gradebook."""
    root = tmp_path_factory.mktemp("class")
    subs = tree(root / "submitted", {"alice": solved(), "bob": untouched(), "carol": mistaken()})
    out = root / "out"
    proc = course("grade", str(subs), "--out", str(out), "--jobs", "2", "--quiet")
    assert proc.returncode == 0, proc.stderr[-3000:]
    return root, out, proc


def test_grades_an_nbgrader_tree_correct_full_untouched_zero_mistakes_between(graded_class):
    _, out, _ = graded_class
    r = results(out)
    auto = {s: sum(c["points"] or 0 for c in r[s]["cells"] if c["kind"] == "test") for s in r}
    assert auto["alice"] == FULL and auto["bob"] == 0 and 0 < auto["carol"] < FULL, auto


def test_json_record_has_cells_points_status_message_and_time(graded_class):
    _, out, _ = graded_class
    carol = results(out)["carol"]
    assert carol["status"] == "graded" and carol["max_score"] == 20.0
    failed = [c for c in carol["cells"] if c["status"] == "failed"]
    assert failed and all(c["message"] and c["points"] == 0 for c in failed)
    assert all({"grade_id", "points", "max_points", "status", "message", "seconds"} <= set(c) for c in carol["cells"])
    manual = [c for c in carol["cells"] if c["kind"] == "manual"]
    assert manual and all(c["points"] is None and c["status"] == "pending" for c in manual)


def test_junit_has_one_test_case_per_grade_cell(graded_class):
    _, out, _ = graded_class
    suites = ET.parse(out / "junit.xml").getroot()
    carol = next(s for s in suites if s.get("name") == f"carol.{A}")
    source = notebooks.read(REPO / "source" / A / NB)
    grade_ids = [notebooks.grade_id(c) for c in source.cells if notebooks.meta(c).get("grade")]
    assert [case.get("name") for case in carol] == grade_ids
    assert int(carol.get("failures")) >= 1 and carol.find("testcase/failure") is not None


def test_csv_matches_nbgrader_export_of_the_written_gradebook(graded_class):
    _, out, _ = graded_class
    ws = Workspace(out, assignments=[A])
    ws.export_csv(out / "nbgrader-export.csv")
    assert (out / "grades.csv").read_text() == (out / "nbgrader-export.csv").read_text()


def test_csv_matches_plain_nbgrader_autograde_of_the_same_submissions(graded_class, tmp_path):
    root, out, _ = graded_class
    ws = Workspace(tmp_path / "nbgrader", assignments=[A])
    ws.generate(A)
    for student in ("alice", "bob", "carol"):
        ws.add_submission(student, A, notebooks.read(root / "submitted" / student / A / NB))
    ws.autograde(A)
    ws.export_csv(tmp_path / "nbgrader.csv")
    assert (out / "grades.csv").read_text() == (tmp_path / "nbgrader.csv").read_text()


def test_markdown_summary_has_a_row_per_student(graded_class):
    _, out, _ = graded_class
    text = (out / "summary.md").read_text()
    assert f"| student | {A} | flagged |" in text
    assert "| alice | 12 / 20 (+8 manual) |" in text and "| bob | 0 / 20 |" in text


def test_feedback_shows_results_and_messages_but_no_hidden_test_code(graded_class):
    _, out, _ = graded_class
    hidden = notebooks.hidden_test_lines(*_source_release())
    assert hidden
    for student in ("alice", "bob", "carol"):
        text = html_text((out / "feedback" / student / A / "root_finding.html").read_text())
        assert "Score:" in text
        leaked = [l for l in hidden if l in text]
        assert not leaked, f"feedback of {student} shows hidden test code: {leaked[:3]}"
    carol = (out / "feedback" / "carol" / A / "root_finding.html").read_text()
    assert "CheckFailed" in carol and "expected" in carol


def test_nbgrader_generate_feedback_works_on_the_output(graded_class):
    _, out, _ = graded_class
    ws = Workspace(out, assignments=[A])
    ws.feedback(A)
    assert (out / "feedback" / "alice" / A / "root_finding.html").exists()


def test_rerun_grades_nothing_new_and_keeps_manual_grades(graded_class):
    _, out, _ = graded_class
    from nbgrader.api import Gradebook

    db = f"sqlite:///{out / 'gradebook.db'}"
    with Gradebook(db) as gb:
        g = gb.find_grade("q_converge", "root_finding", A, "alice")
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
        assert gb.find_grade("q_converge", "root_finding", A, "alice").manual_score == 1.5


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
    assert r["dave"]["score"] == FULL and r["erin"]["score"] == 0
    assert "unsafe path" in proc.stderr and not (tmp_path / f"escaped_{NB}").exists()


def test_timeout_and_dead_kernel_zero_the_rest_and_grading_goes_on(tmp_path):
    hang = with_code("grad_code", "def grad(x, a, b, c):\n    while True:\n        pass")
    die = with_code("gradient_descent_code", "import os\nos._exit(3)")
    subs = tree(tmp_path / "submitted", {"hang": hang, "die": die, "ok": solved()})
    out = tmp_path / "out"
    proc = course("grade", str(subs), "--out", str(out), "--no-gradebook", "--jobs", "2", "--cell-timeout", "5", "--quiet")
    assert proc.returncode == 0, proc.stderr[-2000:]
    r = results(out)
    assert r["ok"]["score"] == FULL
    hang_cells = {c["grade_id"]: c for c in r["hang"]["cells"]}
    assert hang_cells["test_f"]["points"] == 1.0
    assert hang_cells["test_grad"]["points"] == 0 and "5 s limit" in r["hang"]["reason"]
    assert all(c["points"] == 0 and c["status"] == "not run" for c in r["hang"]["cells"][2:] if c["kind"] == "test")
    assert "kernel died" in r["die"]["reason"]
    die_cells = {c["grade_id"]: c for c in r["die"]["cells"]}
    assert die_cells["test_f"]["points"] == 1.0 and die_cells["test_grad"]["points"] == 2.0
    assert die_cells["test_gradient_descent"]["status"] == "not run" and die_cells["test_find_roots"]["points"] == 0


def test_deleted_duplicated_and_edited_grade_cells_are_restored_and_flagged(tmp_path):
    nb = solved()
    ids = [notebooks.grade_id(c) for c in nb.cells]
    nb.cells.pop(ids.index("test_grad"))                      # deleted test cell
    nb.cells.append(nb.cells[ids.index("test_f")].copy())      # duplicated test cell
    victim = next(c for c in nb.cells if notebooks.grade_id(c) == "test_find_roots")
    victim.source = "print('all good')"                        # rewritten test
    victim.metadata["nbgrader"]["points"] = 100
    subs = tree(tmp_path / "submitted", {"tamper": nb})
    out = tmp_path / "out"
    proc = course("grade", str(subs), "--out", str(out), "--no-gradebook", "--jobs", "1", "--quiet")
    assert proc.returncode == 0, proc.stderr[-2000:]
    r = results(out)["tamper"]
    kinds = " ".join(r["issues"])
    assert r["flagged"] and "test_grad: missing" in kinds and "test_f: duplicate" in kinds and "test_find_roots: modified" in kinds
    assert r["max_score"] == 20.0 and r["score"] == FULL  # the restored tests ran against the (correct) solution


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


def test_check_runs_only_the_visible_tests(tmp_path):
    path = tmp_path / NB
    notebooks.write(solved(), path)
    proc = course("check", str(path))
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "PASS  test_find_roots" in proc.stdout and "6 passed, 0 failed" in proc.stdout
    notebooks.write(untouched(), path)
    proc = course("check", str(path))
    assert "FAIL  test_f  NotImplementedError" in proc.stdout and "0 passed, 6 failed" in proc.stdout
    assert "_h_" not in proc.stdout  # no hidden test variable reaches the student


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


SNOOP = """
import os, socket
def _try(what, fn):
    try:
        fn()
        print(what, "ALLOWED")
    except Exception as err:
        print(what, "blocked", type(err).__name__)
_try("read course source", lambda: os.listdir({source!r}))
_try("read output folder", lambda: os.listdir({out!r}))
_try("read other submissions", lambda: os.listdir({subs!r}))
_try("write outside", lambda: open({outside!r}, "w").write("x"))
_try("connect to host loopback", lambda: socket.create_connection(("127.0.0.1", {port}), timeout=3))
"""


@pytest.mark.skipif(not __import__("autograder.sandbox", fromlist=["probe"]).probe()[0], reason="bubblewrap cannot run here")
def test_sandboxed_kernel_sees_no_course_output_or_classmates_and_has_no_network(tmp_path):
    import socket

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    subs_dir, out = tmp_path / "submitted", tmp_path / "out"
    outside = tmp_path / "written-by-student.txt"
    nb = solved()
    from nbformat.v4 import new_code_cell

    nb.cells.insert(2, new_code_cell(SNOOP.format(source=str(REPO / "source"), out=str(out), subs=str(subs_dir),
                                                  outside=str(outside), port=port)))
    tree(subs_dir, {"snoop": nb, "classmate": solved()})
    proc = course("grade", str(subs_dir), "--out", str(out), "--no-gradebook", "--jobs", "2", "--quiet")
    server.close()
    assert proc.returncode == 0 and "isolation: bubblewrap sandbox" in proc.stderr, proc.stderr[-2000:]
    printed = "".join(o.get("text", "") for o in notebooks.read(out / "autograded" / "snoop" / A / NB).cells[2].outputs)
    assert "ALLOWED" not in printed and printed.count("blocked") == 5, printed
    assert not outside.exists()
    r = results(out)
    assert r["classmate"]["score"] == FULL  # the sandbox costs an honest solution nothing
    assert r["snoop"]["flagged"] and any("socket" in i for i in r["snoop"]["issues"])  # and a snoop is told off


def test_without_sandbox_the_grader_says_so(tmp_path):
    subs = tree(tmp_path / "submitted", {"alice": untouched()})
    proc = course("grade", str(subs), "--out", str(tmp_path / "out"), "--no-gradebook", "--no-sandbox", "--quiet")
    assert proc.returncode == 0 and "isolation: sandbox off (--no-sandbox)" in proc.stderr
