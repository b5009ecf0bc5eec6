"""The classroom's state folder: what lives where, and making it.

    <state>/hub/                 the hub's own files, root's only: its SQLite database, cookie
                                 secret, the demo password, pid files, the log
    <state>/exchange/            nbgrader's exchange, owned by the hub (root), writable by all
                                 with the sticky bit, as nbgrader requires
    <state>/exchange/dl-from-scratch/   the course's folder, the instructor's (only they release)
    <state>/home/<user>/         each user's home (their own, mode 700); the instructor's holds
                                 the course directory dl-from-scratch/ (nbgrader_config.py and
                                 source/ from this repository)

Making it again keeps what is there (the instructor's course directory, the exchange, the
password), so a restart loses no work.
"""
from __future__ import annotations

import os
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path

from . import COURSE_ID, INSTRUCTOR, REPO, accounts

EXCHANGE_MODE = 0o1777  # everyone writes (nbgrader checks it), nobody removes another's entry
PASSWORD_BYTES = 12


@dataclass(frozen=True)
class Layout:
    """Paths of one classroom's state folder ``root``."""

    root: Path

    @property
    def hub_dir(self) -> Path:
        return self.root / "hub"

    @property
    def exchange(self) -> Path:
        return self.root / "exchange"

    @property
    def course_exchange(self) -> Path:
        return self.exchange / COURSE_ID

    def home(self, user: str) -> Path:
        return self.root / "home" / user

    @property
    def course_dir(self) -> Path:
        """The instructor's nbgrader course directory."""
        return self.home(INSTRUCTOR) / COURSE_ID

    @property
    def password_file(self) -> Path:
        return self.hub_dir / "password"

    @property
    def pid_file(self) -> Path:
        return self.hub_dir / "jupyterhub.pid"

    @property
    def port_file(self) -> Path:
        return self.hub_dir / "port"

    @property
    def proxy_pid_file(self) -> Path:
        return self.hub_dir / "proxy.pid"

    @property
    def log_file(self) -> Path:
        return self.hub_dir / "jupyterhub.log"

    @property
    def database(self) -> Path:
        return self.hub_dir / "jupyterhub.sqlite"

    @property
    def cookie_secret(self) -> Path:
        return self.hub_dir / "jupyterhub_cookie_secret"

    def password(self) -> str:
        return self.password_file.read_text().strip()


def chown_tree(path: Path, user: str) -> None:
    """Give ``path`` and everything under it to ``user``."""
    uid, gid = accounts.ids(user)
    os.chown(path, uid, gid)
    for folder, dirs, files in os.walk(path):
        for name in dirs + files:
            os.chown(os.path.join(folder, name), uid, gid, follow_symlinks=False)


def make_course_dir(dest: Path, repo: Path = REPO) -> None:
    """An nbgrader course directory for the instructor: the course's config and source notebooks."""
    dest.mkdir(parents=True)
    shutil.copy2(repo / "nbgrader_config.py", dest / "nbgrader_config.py")
    shutil.copytree(repo / "source", dest / "source", ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))


def prepare(layout: Layout, users: tuple[str, ...], repo: Path = REPO) -> None:
    """Make (or complete) the state folder for ``users``, whose accounts must exist."""
    layout.root.mkdir(parents=True, exist_ok=True)
    layout.root.chmod(0o755)  # users' servers reach their homes and the exchange through it
    layout.hub_dir.mkdir(mode=0o700, exist_ok=True)
    if not layout.password_file.exists():
        layout.password_file.touch(mode=0o600)
        layout.password_file.write_text(secrets.token_urlsafe(PASSWORD_BYTES) + "\n")
    layout.exchange.mkdir(exist_ok=True)
    layout.exchange.chmod(EXCHANGE_MODE)
    if not layout.course_exchange.exists():
        layout.course_exchange.mkdir(mode=0o755)
        chown_tree(layout.course_exchange, INSTRUCTOR)
    (layout.root / "home").mkdir(mode=0o755, exist_ok=True)
    for user in users:
        home = layout.home(user)
        if not home.exists():
            home.mkdir(mode=0o700)
            if user == INSTRUCTOR:
                make_course_dir(layout.course_dir, repo)
            chown_tree(home, user)
