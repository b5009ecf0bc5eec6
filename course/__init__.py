"""Deep learning from scratch: the package the lesson notebooks and the grader import.

- :mod:`course.checks`: assertions comparing a student's values with PyTorch references.
- :mod:`course.plots`: matplotlib helpers shared by the lessons (labelled, readable figures).
- :mod:`course.widgets`: ipywidgets controls that redraw a figure; testable without a browser.

No lesson's solution lives here: students import this package.
"""
__version__ = "0.1.0"
