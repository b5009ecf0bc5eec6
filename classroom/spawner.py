"""Each user's server: JupyterHub's local spawner, as the user, at home in the classroom.

The server runs as the user's own system account (never as root: JupyterLab refuses that,
and rightly). Its home is the classroom's ``home/<user>/`` rather than the account's (the
accounts have none), and its environment says which role's configuration it loads
(``classroom/config/instructor`` or ``classroom/config/student``, then ``classroom/config/common``)
and where nbgrader's exchange is.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

from jupyterhub.spawner import LocalProcessSpawner, set_user_setuid
from traitlets import Set, Unicode, default

from . import HERE


class ClassroomSpawner(LocalProcessSpawner):
    """A local process per user, in ``<state>/home/<user>``, configured for the user's role."""

    state_dir = Unicode(config=True, help="the classroom's state folder (classroom.layout)")
    instructors = Set(Unicode(), config=True, help="users who get the instructor's tools")
    venv = Unicode(sys.prefix, config=True, help="the virtual environment of the servers and kernels")

    @default("cmd")
    def _cmd_default(self) -> list[str]:
        return [str(Path(self.venv) / "bin" / "jupyterhub-singleuser")]

    @property
    def home(self) -> str:
        return str(Path(self.state_dir) / "home" / self.user.name)

    @property
    def role(self) -> str:
        return "instructor" if self.user.name in self.instructors else "student"

    def make_preexec_fn(self, name):
        setuid = set_user_setuid(name, chdir=False)
        home = self.home

        def preexec() -> None:
            setuid()
            os.chdir(home)

        return preexec

    def user_env(self, env: dict) -> dict:
        env = super().user_env(env)
        env["HOME"] = self.home
        return env

    def classroom_env(self) -> dict[str, str]:
        """What the classroom adds to the server's environment."""
        config = HERE / "config"
        return {
            "JUPYTER_CONFIG_PATH": os.pathsep.join([str(config / self.role), str(config / "common")]),
            "NBGRADER_EXCHANGE_ROOT": str(Path(self.state_dir) / "exchange"),
            # the course's tools (nbgrader, alembic, course) first on PATH, in terminals too
            "PATH": os.pathsep.join([str(Path(self.venv) / "bin"), os.environ.get("PATH", os.defpath)]),
            "OMP_NUM_THREADS": "1",  # many kernels share a machine's cores
        }

    def get_env(self) -> dict:
        env = super().get_env()
        env.update(self.classroom_env())
        return env
