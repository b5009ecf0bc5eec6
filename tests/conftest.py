"""Session-wide pytest hooks."""
from __future__ import annotations

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
