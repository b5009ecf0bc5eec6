"""The classroom's system accounts: made for the demo, marked as such, never someone else's.

Each user's server runs as that user (JupyterHub's local spawner), so each user needs an
account. They are made with ``useradd`` as locked accounts (no password: nobody logs in to the
machine with them; the hub's own shared password lets people into the hub) and a comment that
marks them; an existing account without the mark is never used or removed.
"""
from __future__ import annotations

import pwd
import subprocess

MARK = "dl-from-scratch classroom demo account"


class AccountError(RuntimeError):
    """An account cannot be used (it belongs to someone else) or made."""


def is_ours(name: str) -> bool:
    """Whether ``name`` is an account this classroom made."""
    try:
        return pwd.getpwnam(name).pw_gecos == MARK
    except KeyError:
        return False


def exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def ensure(name: str) -> bool:
    """Make the account ``name`` unless this classroom made it before; True if it was made now."""
    if exists(name):
        if not is_ours(name):
            raise AccountError(f"the account {name!r} exists and is not a classroom demo account: not using it")
        return False
    proc = subprocess.run(["useradd", "--comment", MARK, "--user-group", "--no-create-home", "--home-dir", "/nonexistent",
                           "--shell", "/bin/bash", name], capture_output=True, text=True)
    if proc.returncode != 0:
        raise AccountError(f"useradd {name} failed: {proc.stderr.strip()}")
    return True


def remove(name: str) -> bool:
    """Remove the account ``name`` if this classroom made it; True if it was removed."""
    if not is_ours(name):
        return False
    proc = subprocess.run(["userdel", name], capture_output=True, text=True)
    if proc.returncode != 0:
        raise AccountError(f"userdel {name} failed: {proc.stderr.strip()}")
    return True


def ids(name: str) -> tuple[int, int]:
    """(uid, gid) of the account."""
    entry = pwd.getpwnam(name)
    return entry.pw_uid, entry.pw_gid
