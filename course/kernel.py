"""The grading kernel's entry point: ``python -I -B -m course.kernel -f CONNECTION_FILE``.

The grader starts every student kernel through this module (see ``autograder.sandbox``).
Python's isolated mode (``-I``) keeps the working folder and ``PYTHONPATH`` off
``sys.path``, so nothing the student submitted can stand in for an installed package; this
module then appends the working folder (the submission's own) *after* every installed one,
so a student's helper module beside the notebook still imports, and starts an IPython
kernel whose probes answer the grader (``COURSE_PROBES=answer``, :mod:`course.probing`).
"""
from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ["COURSE_PROBES"] = "answer"
    sys.path.append(os.getcwd())
    from ipykernel.kernelapp import IPKernelApp

    IPKernelApp.launch_instance()


if __name__ == "__main__":
    main()
