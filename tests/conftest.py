"""Session-wide pytest hooks."""
from __future__ import annotations

from autograder.workspace import REPO

ATTACK_TABLE = REPO / "build" / "attacks" / "table.md"


def pytest_sessionstart(session) -> None:
    if not hasattr(session.config, "workerinput"):  # the controller, not an xdist worker
        ATTACK_TABLE.unlink(missing_ok=True)


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """Print the attack suite's table (written by tests/test_attacks.py) when it ran."""
    if ATTACK_TABLE.exists():
        terminalreporter.write_sep("=", "attack and fault suite")
        terminalreporter.write(ATTACK_TABLE.read_text())
