"""Feedback a student may read: results and messages; no hidden test, no script of anyone's.

One filter serves both graders. As an nbgrader preprocessor
(:class:`autograder.feedback_preprocessor.HideHiddenTests`, listed in
``c.GenerateFeedback.preprocessors``) and inside :func:`render` (``course grade``), it

* replaces every hidden-test region with one comment line and every error's traceback with
  ``ExceptionName: message`` (a traceback quotes the lines around the failing one, which for a
  hidden test are hidden test code; the check messages already say what was expected);
* keeps of each output only text, PNG and JPEG images (valid base64 only), and drops output
  metadata: HTML, SVG, JavaScript, Markdown and widget outputs a notebook produced never reach
  the page;
* cuts a cell's source past ``Limits.feedback_cell_chars`` characters.

nbconvert's ``SanitizeHTML`` then cleans the Markdown the student wrote, and the page
:func:`render` makes carries a Content-Security-Policy that lets no script run at all.
"""
from __future__ import annotations

import copy
import functools
import html
import re

from nbformat import NotebookNode

from .limits import CACHED_HTML_CHARS, Limits, remember_short
from .notebooks import BEGIN_HIDDEN, END_HIDDEN
from .results import NotebookResult

HIDDEN_NOTE = "# (hidden tests ran here; their code is not shown)"
SAFE_DATA = ("text/plain", "image/png", "image/jpeg")
_BASE64 = re.compile(r"^[A-Za-z0-9+/=\s]*$")
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:"


def remove_hidden_regions(source: str) -> str:
    """Replace each BEGIN/END HIDDEN TESTS region (delimiters included) with one note line;
    an unclosed region hides everything after its start."""
    out: list[str] = []
    inside = False
    for line in source.splitlines():
        if BEGIN_HIDDEN in line:
            inside = True
            out.append(line[: len(line) - len(line.lstrip())] + HIDDEN_NOTE)
        elif END_HIDDEN in line:
            inside = False
        elif not inside:
            out.append(line)
    return "\n".join(out)


def short_error(output: NotebookNode) -> NotebookNode:
    output["traceback"] = [f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"]
    return output


def safe_output(output: NotebookNode) -> NotebookNode | None:
    """The output with only what the page may show, or None if nothing is left."""
    kind = output.get("output_type")
    if kind == "error":
        return short_error(output)
    if kind == "stream":
        return output
    data = {k: v for k, v in dict(output.get("data", {})).items() if k in SAFE_DATA and isinstance(v, str)}
    data = {k: v for k, v in data.items() if k == "text/plain" or _BASE64.match(v)}
    if not data:
        return None
    output["data"] = data
    output["metadata"] = {}
    return output


def filter_cell(cell: NotebookNode, limit: int) -> NotebookNode:
    if len(cell.source) > limit:
        cell.source = cell.source[:limit] + f"\n# ... ({len(cell.source) - limit} more characters not shown)"
    if cell.cell_type == "code":
        cell.source = remove_hidden_regions(cell.source)
        cell.outputs = [o for o in (safe_output(o) for o in cell.get("outputs", [])) if o is not None]
    cell.pop("attachments", None)  # pasted images: not needed to read the results
    return cell


def __getattr__(name: str):
    """``autograder.feedback.HideHiddenTests``, the name earlier course configurations use; it
    lives in its own module so that rendering a page does not import nbgrader (0.7 s)."""
    if name == "HideHiddenTests":
        from .feedback_preprocessor import HideHiddenTests

        return HideHiddenTests
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_IMG_WITHOUT_ALT = re.compile(r"<img(?![^>]*\salt=)", re.IGNORECASE)
IMG_ALT = "A figure the notebook drew"


@remember_short()
def _highlight(source: str, language: str | None, magics_language: str | None) -> str:
    from nbconvert.filters.highlight import Highlight2HTML

    metadata = {"magics_language": magics_language} if magics_language else None
    return Highlight2HTML(pygments_lexer="ipython3")(source, language, metadata)


def highlight_code(source: str, language: str | None = None, metadata: dict | None = None) -> str:
    """nbconvert's Pygments highlighting of a code cell, once per distinct source in a process."""
    return _highlight(source, language, (metadata or {}).get("magics_language"))


@remember_short(CACHED_HTML_CHARS)
def clean_html(markup: str) -> str:
    """nbconvert's ``clean_html`` (bleach), once per distinct input in a process."""
    from nbconvert.filters.strings import clean_html as nbconvert_clean_html

    return nbconvert_clean_html(markup)


@functools.cache
def _exporter():
    """One HTML exporter per process (building one loads its templates).

    nbconvert's classic page, with two changes that do not show on it. Most cells of a class's
    notebooks are the same, so their highlighting (Pygments) and cleaning (bleach) is done once
    per distinct source. And ``HTMLExporter`` re-parses every finished page with BeautifulSoup
    only to give its images alt text (and the lab template's cells a tabindex): on a page of
    highlighted code that costs more than the rendering, so here the template renders the page
    and the images, all of them ``<img>`` tags, get their alt text from a pattern.
    """
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter

    class FeedbackExporter(HTMLExporter):
        def from_notebook_node(self, nb, resources=None, **kw):
            page, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
            return _IMG_WITHOUT_ALT.sub(f'<img alt="{IMG_ALT}"', page), resources

    return FeedbackExporter(template_name="classic", filters={"highlight_code": highlight_code, "clean_html": clean_html})


def render(result: NotebookResult, nb: NotebookNode | None, limits: Limits) -> str:
    """A student's feedback page: score table with messages, then the notebook as it ran (filtered)."""
    from nbconvert.preprocessors.sanitize import SanitizeHTML

    rows = "".join(
        f"<tr class='{c.status.replace(' ', '-')}'><td>{html.escape(c.grade_id)}</td><td>{c.status}</td>"
        f"<td>{'pending' if c.points is None else f'{c.points:g}'} / {c.max_points:g}</td>"
        f"<td><pre>{html.escape(c.message[:5000])}</pre></td></tr>"
        for c in result.cells
    )
    notes = "".join(f"<li>{html.escape(n[:1000])}</li>" for n in result.notes + result.issues)
    body = ""
    if nb is not None:
        shown = copy.deepcopy(nb)
        shown.cells = [filter_cell(c, limits.feedback_cell_chars) for c in shown.cells]
        shown, _ = SanitizeHTML().preprocess(shown, {})
        body, _ = _exporter().from_notebook_node(shown)
    head = (
        f"<h1>{html.escape(result.assignment)}: {html.escape(result.student)}</h1>"
        f"<p class='score'>Score: {result.score:g} / {result.max_score:g}</p>"
        + (f"<p class='reason'>{html.escape(result.reason)}</p>" if result.reason else "")
        + (f"<ul class='issues'>{notes}</ul>" if notes else "")
        + "<style>.fb td, .fb th {padding: 4px 10px; text-align: left; vertical-align: top}"
        " .fb tr.passed td:nth-child(2) {color: #1a7f37} .fb tr.failed td:nth-child(2), .fb tr.not-run td:nth-child(2) {color: #cf222e}"
        " .fb pre {margin: 0; white-space: pre-wrap}</style>"
        + "<table class='fb' border='1'><tr><th>cell</th><th>result</th><th>points</th><th>message</th></tr>"
        + rows + "</table><hr>"
    )
    policy = f"<meta http-equiv='Content-Security-Policy' content=\"{CSP}\">"
    match = re.search(r"<head[^>]*>", body)
    if match:
        body = body[: match.end()] + policy + body[match.end():]
    match = re.search(r"<body[^>]*>", body)
    if match:
        return body[: match.end()] + head + body[match.end():]
    return f"<!DOCTYPE html><html><head><meta charset='utf-8'>{policy}<title>feedback</title></head><body>{head}{body}</body></html>"
