"""The course's English–Russian glossary, shown in a notebook: ``from course import glossary; glossary.show()``.

The glossary travels with the ``course`` package (``course/glossary-ru.md``), so a student who
has only the assignment's folder has it too.
"""
from __future__ import annotations

from pathlib import Path

PATH = Path(__file__).with_name("glossary-ru.md")


def markdown() -> str:
    return PATH.read_text(encoding="utf-8")


def show() -> None:
    """Display the glossary as a Markdown table in the notebook (printed as text elsewhere)."""
    try:
        from IPython.display import Markdown, display
    except ImportError:
        print(markdown())
        return
    display(Markdown(markdown()))
