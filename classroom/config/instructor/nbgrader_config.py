"""nbgrader for the classroom's instructor: Formgrader works on the course directory in their home.

nbgrader then also loads that directory's own nbgrader_config.py (a copy of the repository's).
"""
import os

c = get_config()  # noqa: F821 - provided by nbgrader

c.CourseDirectory.root = os.path.join(os.environ["HOME"], "dl-from-scratch")
