"""nbgrader for every user of the classroom: the course and the hub's exchange.

Loaded through JUPYTER_CONFIG_PATH, which the classroom's spawner sets (classroom/spawner.py),
as is NBGRADER_EXCHANGE_ROOT.
"""
import os

c = get_config()  # noqa: F821 - provided by nbgrader

c.CourseDirectory.course_id = "dl-from-scratch"
c.Exchange.root = os.environ["NBGRADER_EXCHANGE_ROOT"]
