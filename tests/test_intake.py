"""The intake stage: finding submissions in every input form, whose each one is, bounds on zips."""
from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from nbformat.v4 import new_markdown_cell

from autograder import intake
from autograder.intake import Submission, discover, shard

NAMES = {"root_finding.ipynb": "06_root_finding", "softmax_function.ipynb": "05_softmax_function"}


def _touch(path: Path, text: str = "{}") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_nbgrader_tree_gives_student_and_assignment_from_the_folders(tmp_path):
    _touch(tmp_path / "alice" / "06_root_finding" / "root_finding.ipynb")
    _touch(tmp_path / "alice" / "06_root_finding" / "data.csv", "1,2")
    subs, problems, _ = discover([tmp_path], NAMES, tmp_path / "scratch")
    assert [(s.student, s.assignment) for s in subs] == [("alice", "06_root_finding")] and not problems
    assert [p.name for p in subs[0].files] == ["data.csv"]


def test_loose_notebooks_are_named_student_underscore_notebook(tmp_path):
    _touch(tmp_path / "bob_softmax_function.ipynb")
    _touch(tmp_path / "notes.ipynb")
    subs, problems, _ = discover([tmp_path], NAMES, tmp_path / "scratch")
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
    subs, problems, _ = discover([archive], NAMES, tmp_path / "scratch")
    assert [s.student for s in subs] == ["carol"]
    assert sum("unsafe path" in p.reason for p in problems) == 2 and any("symbolic link" in p.reason for p in problems)
    assert not (tmp_path / "evil_root_finding.ipynb").exists()


def test_a_zip_that_lies_about_its_size_is_cut_off_at_its_declared_size(tmp_path):
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("frank/root_finding.ipynb", "0" * 50_000)
    data = bytearray(archive.read_bytes())
    # shrink the declared size in the central directory and the local header (50000 -> 1000)
    data = data.replace((50_000).to_bytes(4, "little"), (1000).to_bytes(4, "little"))
    archive.write_bytes(bytes(data))
    subs, problems, _ = discover([archive], NAMES, tmp_path / "scratch")
    assert not subs and any("declared size" in p.reason or "cannot be extracted" in p.reason for p in problems), problems


def test_a_zip_declaring_too_much_or_too_many_entries_is_not_extracted_at_all(tmp_path, monkeypatch):
    monkeypatch.setattr(intake, "MAX_ZIP_BYTES", 10_000)
    monkeypatch.setattr(intake, "MAX_ZIP_FILES", 3)
    big, many = tmp_path / "big.zip", tmp_path / "many.zip"
    with zipfile.ZipFile(big, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("gina/root_finding.ipynb", "0" * 20_000)
    with zipfile.ZipFile(many, "w") as zf:
        for i in range(4):
            zf.writestr(f"s{i}/root_finding.ipynb", "{}")
    subs, problems, _ = discover([big, many], NAMES, tmp_path / "scratch")
    assert not subs and not list((tmp_path / "scratch").rglob("*.ipynb"))
    assert {p.reason.split(" (")[0] for p in problems} == {"zip declares 0 MiB", "zip holds 4 entries"}


def test_not_a_zip_is_a_problem_not_a_crash(tmp_path):
    _touch(tmp_path / "in" / "broken.zip", "PK not really")
    subs, problems, _ = discover([tmp_path / "in"], NAMES, tmp_path / "scratch")
    assert not subs and "not a readable zip" in problems[0].reason


def test_shards_are_disjoint_and_cover_everything():
    subs = [Submission(f"s{i}", "06_root_finding", Path(f"/x/{i}")) for i in range(11)]
    parts = [shard(subs, i, 3) for i in (1, 2, 3)]
    keys = [s.key for p in parts for s in p]
    assert sorted(keys) == sorted(s.key for s in subs) and len(keys) == len(set(keys))
    assert shard(list(reversed(subs)), 2, 3) == parts[1]




def test_a_zip_in_a_students_folder_is_that_students_whatever_its_entries_say(tmp_path):
    _touch(tmp_path / "class" / "alice" / "06_root_finding" / "root_finding.ipynb", '{"a": 1}')
    (tmp_path / "class" / "mallory").mkdir()
    with zipfile.ZipFile(tmp_path / "class" / "mallory" / "work.zip", "w") as zf:
        zf.writestr("alice/06_root_finding/root_finding.ipynb", '{"forged": 1}')
        zf.writestr("victor_softmax_function.ipynb", '{"forged": 2}')
    subs, problems, conflicts = discover([tmp_path / "class"], NAMES, tmp_path / "scratch")
    owners = {(s.student, s.assignment): s.notebook for s in subs}
    assert set(owners) == {("alice", "06_root_finding"), ("mallory", "06_root_finding"), ("mallory", "05_softmax_function")}
    assert owners[("alice", "06_root_finding")].read_text() == '{"a": 1}' and not conflicts


def test_two_different_notebooks_for_one_student_are_both_reported_and_neither_graded(tmp_path):
    _touch(tmp_path / "class" / "bob" / "06_root_finding" / "root_finding.ipynb", '{"v": 1}')
    _touch(tmp_path / "class" / "bob" / "copy_of_root_finding.ipynb", '{"v": 2}')
    _touch(tmp_path / "class" / "carol" / "root_finding.ipynb", '{"v": 3}')
    _touch(tmp_path / "lms" / "carol_root_finding.ipynb", '{"v": 3}')  # the same file twice counts once
    subs, problems, conflicts = discover([tmp_path / "class", tmp_path / "lms"], NAMES, tmp_path / "scratch")
    assert [s.student for s in subs] == ["carol"]
    (conflict,) = conflicts
    assert (conflict.student, conflict.assignment, len(conflict.paths)) == ("bob", "06_root_finding", 2)
    assert "none was graded" in conflict.reason and sum("none was graded" in p.reason for p in problems) == 2


def test_intake_reads_hash_size_and_timestamp_once(tmp_path):
    nb = _touch(tmp_path / "class" / "dave" / "06_root_finding" / "root_finding.ipynb", '{"x": 1}')
    _touch(nb.parent / "timestamp.txt", "2026-11-20 10:00:00.000000 UTC")
    (sub,), _, _ = discover([tmp_path / "class"], NAMES, tmp_path / "scratch")
    assert sub.sha256 == intake.digest(b'{"x": 1}') and sub.size == 8 and sub.timestamp == "2026-11-20 10:00:00.000000 UTC"
    assert [p.name for p in sub.files] == []  # timestamp.txt is nbgrader's, not a data file
    assert intake.read(sub, intake.Limits()) == b'{"x": 1}'
    nb.write_text('{"x": 2}')
    with pytest.raises(intake.IntakeError, match="changed while it was being graded"):
        intake.read(sub, intake.Limits())


def test_a_notebook_from_an_lms_zip_carries_the_entry_time_as_its_timestamp(tmp_path):
    archive = tmp_path / "class" / "download.zip"
    archive.parent.mkdir(parents=True)
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(zipfile.ZipInfo("frank_root_finding.ipynb", date_time=(2026, 11, 20, 9, 30, 0)), '{"x": 1}')
    (sub,), _, _ = discover([tmp_path / "class"], NAMES, tmp_path / "scratch")
    assert sub.student == "frank" and sub.timestamp == "2026-11-20T09:30:00+00:00", sub.timestamp


def test_a_notebook_over_the_limit_is_not_read(tmp_path):
    _touch(tmp_path / "class" / "erin" / "root_finding.ipynb", "x" * 5000)
    (sub,), _, _ = discover([tmp_path / "class"], NAMES, tmp_path / "scratch", intake.Limits(notebook_bytes=1000))
    assert sub.sha256 == "" and sub.size == 5000
    with pytest.raises(intake.IntakeError, match="limit"):
        intake.read(sub, intake.Limits(notebook_bytes=1000))
