"""Session-wide pytest hooks."""
from __future__ import annotations

import pytest

from autograder.workspace import REPO

ATTACK_TABLE = REPO / "build" / "attacks" / "table.md"
REDRAW_TIMES = REPO / "build" / "browser" / "slider-redraw-times.md"


def pytest_sessionstart(session) -> None:
    if not hasattr(session.config, "workerinput"):  # the controller, not an xdist worker
        ATTACK_TABLE.unlink(missing_ok=True)
        REDRAW_TIMES.unlink(missing_ok=True)


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """Print the attack suite's table (written by tests/test_attacks.py) when it ran."""
    if ATTACK_TABLE.exists():
        terminalreporter.write_sep("=", "attack and fault suite")
        terminalreporter.write(ATTACK_TABLE.read_text())
    if REDRAW_TIMES.exists():
        terminalreporter.write_sep("=", "slider to redraw in JupyterLab (seconds; the student's own thread settings)")
        terminalreporter.write("| lesson | three key presses | slowest |\n|---|---|---|\n" + REDRAW_TIMES.read_text())


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items) -> None:
    """Under ``--dist loadgroup`` every test marked ``xdist_group`` must carry its group.

    A lesson's class is graded once per worker that runs one of its tests (tests/lessons.py
    caches per process); when a pytest release stops xdist from grouping, nothing fails, every
    lesson is just graded twice and the suite takes twice as long. Stop instead.
    """
    if not getattr(config.option, "loadgroup", False):
        return
    lost = [item.nodeid for item in items if item.get_closest_marker("xdist_group") and "@" not in item.nodeid]
    if lost:
        raise pytest.UsageError(f"xdist's --dist loadgroup does not group here (pytest {pytest.__version__}; "
                                f"e.g. {lost[0]}): install a pytest that requirements.txt admits")
