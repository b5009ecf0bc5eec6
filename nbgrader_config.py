"""nbgrader configuration for the course "Deep learning from scratch".

The repository is the course directory: ``source/`` (with solutions and hidden tests) and the
generated ``release/`` are committed; ``submitted/``, ``autograded/``, ``feedback/`` and
``gradebook.db`` are not (see .gitignore). The example pipeline (``python -m autograder.demo``)
copies this file into a scratch course directory, so both behave the same.
"""
import os
from pathlib import Path

from autograder.workspace import prepare_nbgrader

c = get_config()  # noqa: F821 - provided by nbgrader

c.CourseDirectory.course_id = "dl-from-scratch"

# The exchange, where released assignments wait and submissions and feedback arrive. The
# classroom (scripts/classroom.sh) sets NBGRADER_EXCHANGE_ROOT for every user; without it, a
# single machine uses build/exchange beside this file (nbgrader makes it on the first release).
c.Exchange.root = os.environ.get("NBGRADER_EXCHANGE_ROOT") or str(Path(__file__).resolve().parent / "build" / "exchange")

# A released assignment carries the `course` package its notebook imports, so a student who has
# only the fetched folder can run it (autograder/release.py). The student's copy is for the
# student: the instructor's nbgrader leaves a `course` folder out when it copies a submission
# (collect, autograde, feedback), so grading always imports the course's own package.
c.ExchangeFactory.release_assignment = "autograder.release.ReleaseWithCoursePackage"
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "course"]

# Late work: nbgrader's late-submission plugin, against the assignment's due date (set with
# Formgrader's Edit, or `nbgrader db assignment add <assignment> --duedate=...`); `course grade`
# applies the same plugin. "zero": a notebook submitted after the due date scores 0 (nbgrader's
# default, "none", records the lateness without a penalty; a plugin of the course's own can take
# points off per hour: c.AssignLatePenalties.plugin_class).
c.LateSubmissionPlugin.penalty_method = "zero"

# What a student sees in place of a solution.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Executing a notebook: a cell may train a small model, none should take a minute.
c.Execute.timeout = 120
c.Execute.interrupt_on_timeout = True

# Feedback never shows hidden tests or the code quoted in tracebacks.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "autograder.feedback_preprocessor.HideHiddenTests",
    "nbconvert.preprocessors.sanitize.SanitizeHTML",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]

# nbgrader runs `alembic` from PATH to stamp a new gradebook: this interpreter's (the venv's) comes
# first, so `.venv/bin/nbgrader ...` works without an activated venv; a gradebook.db left half
# made by such a failure before is stamped.
prepare_nbgrader(Path(__file__).resolve().parent)
