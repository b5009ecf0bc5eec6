"""Grading pipeline: nbgrader course workspaces, example submissions, feedback sanitising."""
