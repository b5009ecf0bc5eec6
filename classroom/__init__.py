"""The classroom: a JupyterHub on one machine where the course is taught with nbgrader's exchange.

    bash scripts/classroom.sh          # start (prints the URL, the accounts and the password)
    bash scripts/classroom.sh stop     # stop the hub, its proxy and every user's server

One instructor and a few students, each a local system account made for the demo (their
servers run as themselves, never as root), who log in with one shared demo password
(JupyterHub's ``SharedPasswordAuthenticator``: the accounts have no password of their own and
cannot log in to the machine). The hub owns nbgrader's exchange; the instructor's lab has
Formgrader and Create Assignment, the students' labs the Assignments panel and Validate.
Everything listens on 127.0.0.1. See ``docs/classroom.md``.

Modules: :mod:`classroom.layout` (the state folder), :mod:`classroom.accounts` (the system
accounts), :mod:`classroom.spawner` (each user's server), :mod:`classroom.hub` (start, stop);
``jupyterhub_config.py`` is the hub's configuration, ``config/`` what each role's server loads.
"""
from __future__ import annotations

from pathlib import Path

COURSE_ID = "dl-from-scratch"
INSTRUCTOR = "instructor"
STUDENTS = ("student1", "student2", "student3")
ACCOUNTS = (INSTRUCTOR, *STUDENTS)

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
