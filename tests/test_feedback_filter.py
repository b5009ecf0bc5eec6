"""autograder.feedback: what nbgrader's feedback keeps and what it drops."""
from __future__ import annotations

from nbformat.v4 import new_code_cell, new_notebook, new_output

from autograder.feedback import HIDDEN_NOTE, remove_hidden_regions
from autograder.feedback_preprocessor import HideHiddenTests

CELL = """check(f(1), 2)
### BEGIN HIDDEN TESTS
secret_reference = compute()
check(f(secret_reference), 3)
### END HIDDEN TESTS
print("passed")"""


def test_hidden_region_is_replaced_by_one_note_line():
    out = remove_hidden_regions(CELL)
    assert "secret_reference" not in out and "BEGIN HIDDEN" not in out
    assert out.splitlines() == ["check(f(1), 2)", HIDDEN_NOTE, 'print("passed")']


def test_unclosed_hidden_region_hides_the_rest_of_the_cell():
    assert "leak" not in remove_hidden_regions("a = 1\n### BEGIN HIDDEN TESTS\nleak = 2")


def test_preprocessor_shortens_tracebacks_to_the_error_message():
    error = new_output("error", ename="CheckFailed", evalue="[f(2)] expected 3, got 4",
                       traceback=["Traceback ...", "----> 3 check(f(secret_reference), 3)", "CheckFailed: ..."])
    nb = new_notebook(cells=[new_code_cell(CELL, outputs=[error])])
    nb, _ = HideHiddenTests().preprocess(nb, {})
    (out,) = nb.cells[0].outputs
    assert out.traceback == ["CheckFailed: [f(2)] expected 3, got 4"]
    assert "secret_reference" not in nb.cells[0].source


def test_preprocessor_is_enabled_by_default_so_nbgrader_runs_it():
    assert HideHiddenTests().enabled


def test_only_text_and_valid_images_of_an_output_reach_the_page():
    from nbformat.v4 import new_markdown_cell

    from autograder.feedback import render
    from autograder.limits import Limits
    from autograder.results import CellResult, NotebookResult

    outputs = [
        new_output("display_data", data={"text/html": "<script>alert('html')</script>", "text/plain": "fine text"}),
        new_output("display_data", data={"application/javascript": "alert('js')"}),
        new_output("display_data", data={"image/svg+xml": "<svg onload=alert('svg')></svg>"}),
        new_output("display_data", data={"image/png": "x\"><script>alert('png')</script>"}),
        new_output("display_data", data={"image/png": "iVBORw0KGgo="}, metadata={"filenames": {"image/png": "javascript:x"}}),
    ]
    nb = new_notebook(cells=[new_code_cell("1", outputs=outputs),
                             new_markdown_cell("<script>alert('md')</script><img src=x onerror=\"alert('md')\"> **bold**")])
    result = NotebookResult("s", "a", "n.ipynb", "graded", cells=[CellResult("t", "test", 1.0, 1.0, "passed")])
    page = render(result, nb, Limits())
    scripts, handlers, urls = _active_parts(page)
    assert not [s for s in scripts if "alert" in s or "pwned" in s], scripts
    assert not handlers and not urls, (handlers, urls)
    for leak in ("alert('js')", "alert('svg')", "alert('png')", "javascript:x"):
        assert leak not in page, leak
    assert "fine text" in page and "iVBORw0KGgo=" in page and "Content-Security-Policy" in page


def _active_parts(page: str) -> tuple[list[str], list[str], list[str]]:
    """The page's script bodies, event-handler attributes and javascript: URLs."""
    from html.parser import HTMLParser

    found: tuple[list[str], list[str], list[str]] = ([], [], [])

    class Parser(HTMLParser):
        in_script = False

        def handle_starttag(self, tag, attrs):
            self.in_script = tag == "script"
            for name, value in attrs:
                if name.startswith("on"):
                    found[1].append(f"{tag} {name}={value}")
                if value and value.strip().lower().startswith("javascript:"):
                    found[2].append(f"{tag} {name}={value}")

        def handle_data(self, data):
            if self.in_script:
                found[0].append(data)

        def handle_endtag(self, tag):
            self.in_script = False

    Parser().feed(page)
    return found


def test_a_huge_cell_is_cut_before_it_is_rendered():
    from autograder.feedback import filter_cell

    cell = filter_cell(new_code_cell("x = 1\n" + "#" * 1_000_000), 10_000)
    assert len(cell.source) < 11_000 and "more characters not shown" in cell.source


def _page_text(page: str) -> tuple[list[str], list[str | None]]:
    """The page's visible text (outside style and script) and its images' alt texts."""
    from html.parser import HTMLParser

    text: list[str] = []
    alts: list[str | None] = []

    class Parser(HTMLParser):
        hidden = False

        def handle_starttag(self, tag, attrs):
            self.hidden = self.hidden or tag in ("style", "script")
            if tag == "img":
                alts.append(dict(attrs).get("alt"))

        def handle_endtag(self, tag):
            if tag in ("style", "script"):
                self.hidden = False

        def handle_data(self, data):
            if not self.hidden and data.strip():
                text.append(data.strip())

    Parser().feed(page)
    return text, alts


def _teaching_notebook():
    from nbformat.v4 import new_markdown_cell

    png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
    return new_notebook(cells=[
        new_markdown_cell("# Lesson\nThe loss is $L = \\frac{1}{N}\\sum_i (y_i - \\hat y_i)^2$, **minimised**."),
        new_code_cell("import torch\nx = torch.ones(3, requires_grad=True)  # a leaf\nprint(x.sum())",
                      outputs=[new_output("stream", name="stdout", text="tensor(3., grad_fn=<SumBackward0>)\n")]),
        new_code_cell("plot()", outputs=[new_output("display_data", data={"image/png": png, "text/plain": "<Figure>"})]),
    ], metadata={"language_info": {"name": "python", "pygments_lexer": "ipython3"}})


def test_the_feedback_page_shows_what_nbconverts_own_page_shows():
    from nbconvert import HTMLExporter

    from autograder.feedback import _exporter

    nb = _teaching_notebook()
    ours, _ = _exporter().from_notebook_node(nb)
    theirs, _ = HTMLExporter(template_name="classic").from_notebook_node(_teaching_notebook())
    assert _page_text(ours)[0] == _page_text(theirs)[0]


def test_every_image_on_the_feedback_page_has_alt_text():
    from autograder.feedback import IMG_ALT, _exporter

    page, _ = _exporter().from_notebook_node(_teaching_notebook())
    _, alts = _page_text(page)
    assert alts == [IMG_ALT], alts


def test_course_configurations_naming_the_old_place_still_find_the_preprocessor():
    from traitlets.utils.importstring import import_item

    assert import_item("autograder.feedback.HideHiddenTests") is HideHiddenTests
