"""autograder.submissions and autograder.restore without running any kernel."""
from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from nbformat.v4 import new_markdown_cell

from autograder import notebooks
from autograder.restore import restore
from autograder.submissions import Submission, discover, shard
from autograder.workspace import REPO

NAMES = {"root_finding.ipynb": "06_root_finding", "softmax_function.ipynb": "05_softmax_function"}
SRC = REPO / "source" / "06_root_finding" / "root_finding.ipynb"
REL = REPO / "release" / "06_root_finding" / "root_finding.ipynb"


def _touch(path: Path, text: str = "{}") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_nbgrader_tree_gives_student_and_assignment_from_the_folders(tmp_path):
    _touch(tmp_path / "alice" / "06_root_finding" / "root_finding.ipynb")
    _touch(tmp_path / "alice" / "06_root_finding" / "data.csv", "1,2")
    subs, problems = discover([tmp_path], NAMES, tmp_path / "scratch")
    assert [(s.student, s.assignment) for s in subs] == [("alice", "06_root_finding")] and not problems
    assert [p.name for p in subs[0].files] == ["data.csv"]


def test_loose_notebooks_are_named_student_underscore_notebook(tmp_path):
    _touch(tmp_path / "bob_softmax_function.ipynb")
    _touch(tmp_path / "notes.ipynb")
    subs, problems = discover([tmp_path], NAMES, tmp_path / "scratch")
    assert [(s.student, s.assignment) for s in subs] == [("bob", "05_softmax_function")]
    assert len(problems) == 1 and "matches no assignment" in problems[0].reason


def test_zip_entries_with_dotdot_absolute_paths_or_links_are_skipped(tmp_path):
    archive = tmp_path / "in.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("carol/root_finding.ipynb", "{}")
        zf.writestr("../../evil_root_finding.ipynb", "{}")
        zf.writestr("/etc/dave_root_finding.ipynb", "{}")
        link = zipfile.ZipInfo("erin/root_finding.ipynb")
        link.external_attr = (0o120777 << 16)
        zf.writestr(link, "/etc/passwd")
    subs, problems = discover([archive], NAMES, tmp_path / "scratch")
    assert [s.student for s in subs] == ["carol"]
    assert sum("unsafe path" in p.reason for p in problems) == 2 and any("symbolic link" in p.reason for p in problems)
    assert not (tmp_path / "evil_root_finding.ipynb").exists()


def test_a_zip_that_lies_about_its_size_is_not_extracted_whole(tmp_path, monkeypatch):
    import autograder.submissions as subs_mod

    monkeypatch.setattr(subs_mod, "MAX_NOTEBOOK_BYTES", 1000)
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("frank/root_finding.ipynb", "0" * 50_000)
    subs, problems = discover([archive], NAMES, tmp_path / "scratch")
    assert not subs and any("too large" in p.reason or "declared size" in p.reason for p in problems)


def test_not_a_zip_is_a_problem_not_a_crash(tmp_path):
    _touch(tmp_path / "in" / "broken.zip", "PK not really")
    subs, problems = discover([tmp_path / "in"], NAMES, tmp_path / "scratch")
    assert not subs and "not a readable zip" in problems[0].reason


def test_shards_are_disjoint_and_cover_everything():
    subs = [Submission(f"s{i}", "06_root_finding", Path(f"/x/{i}")) for i in range(11)]
    parts = [shard(subs, i, 3) for i in (1, 2, 3)]
    keys = [s.key for p in parts for s in p]
    assert sorted(keys) == sorted(s.key for s in subs) and len(keys) == len(set(keys))
    assert shard(list(reversed(subs)), 2, 3) == parts[1]


def test_restore_adds_back_a_deleted_test_cell_after_its_predecessor():
    source, release = notebooks.read(SRC), notebooks.read(REL)
    student = notebooks.read(REL)
    student.cells = [c for c in student.cells if notebooks.grade_id(c) != "test_grad"]
    fixed, issues = restore(student, source, release)
    ids = [notebooks.grade_id(c) for c in fixed.cells if notebooks.grade_id(c)]
    assert ids == [notebooks.grade_id(c) for c in source.cells if notebooks.grade_id(c)]
    assert [str(i) for i in issues] == ["test_grad: missing (deleted cell added back)"]


def test_restore_keeps_student_cells_and_hidden_tests_come_from_the_source():
    source, release = notebooks.read(SRC), notebooks.read(REL)
    student = notebooks.read(REL)
    student.cells.insert(3, new_markdown_cell("my notes"))
    fixed, issues = restore(student, source, release)
    assert not issues and fixed.cells[3].source == "my notes"
    test_f = next(c for c in fixed.cells if notebooks.grade_id(c) == "test_f")
    assert "BEGIN HIDDEN TESTS" in test_f.source


def test_restore_flags_a_solution_cell_relabelled_as_a_graded_test():
    source, release = notebooks.read(SRC), notebooks.read(REL)
    student = notebooks.read(REL)
    cell = next(c for c in student.cells if notebooks.grade_id(c) == "f_code")
    cell.metadata["nbgrader"].update(grade=True, points=50)
    fixed, issues = restore(student, source, release)
    assert [i.kind for i in issues] == ["relabelled"]
    assert not notebooks.meta(next(c for c in fixed.cells if notebooks.grade_id(c) == "f_code")).get("grade")


@pytest.mark.parametrize("kind", ["duplicate", "retyped"])
def test_restore_reports_duplicated_and_retyped_cells(kind):
    source, release = notebooks.read(SRC), notebooks.read(REL)
    student = notebooks.read(REL)
    index = next(i for i, c in enumerate(student.cells) if notebooks.grade_id(c) == "test_f")
    if kind == "duplicate":
        student.cells.insert(index, notebooks.read(REL).cells[index])
    else:
        student.cells[index] = new_markdown_cell(student.cells[index].source, metadata=student.cells[index].metadata)
    fixed, issues = restore(student, source, release)
    assert kind in [i.kind for i in issues]
    cells = [c for c in fixed.cells if notebooks.grade_id(c) == "test_f"]
    assert len(cells) == 1 and cells[0].cell_type == "code"
