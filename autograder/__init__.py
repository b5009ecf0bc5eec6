"""Grading pipeline: nbgrader course workspaces, example submissions, feedback sanitising."""
import sys

# jsonschema (under nbformat and nbgrader) checks the "iri" format with rfc3987_syntax when it
# is installed, and that module builds an Earley parser as it is imported: about a second in
# every grader process. No schema the grader validates (nbformat's, nbgrader's) uses the format,
# so the grader's processes go without it; anything that imported it first keeps it.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
