"""nbgrader configuration for the course "Deep learning from scratch".

The repository is the course directory: ``source/`` (with solutions and hidden tests) and the
generated ``release/`` are committed; ``submitted/``, ``autograded/``, ``feedback/`` and
``gradebook.db`` are not (see .gitignore). The example pipeline (``python -m autograder.demo``)
copies this file into a scratch course directory, so both behave the same.
"""
c = get_config()  # noqa: F821 - provided by nbgrader

c.CourseDirectory.course_id = "dl-from-scratch"

# What a student sees in place of a solution.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Executing a notebook: a cell may train a small model, none should take a minute.
c.Execute.timeout = 120
c.Execute.interrupt_on_timeout = True

# Feedback never shows hidden tests or the code quoted in tracebacks.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "autograder.feedback.HideHiddenTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
