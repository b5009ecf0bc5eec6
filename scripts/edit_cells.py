"""Replace cells of a source notebook from a spec file (an authoring aid; outputs are cleared).

    .venv/bin/python scripts/edit_cells.py source/05_softmax_function/softmax_function.ipynb spec.py

``spec.py`` defines ``CELLS``: a dict from a cell's ``grade_id`` (or its index) to its new
source; a key ``("after", grade_id_or_index)`` inserts a new cell after that one instead:
its value is ``(cell_type, source)`` or ``(cell_type, source, nbgrader_metadata)``.
"""
from __future__ import annotations

import importlib.util
import sys

import nbformat


def main(path: str, spec_path: str) -> None:
    spec = importlib.util.spec_from_file_location("spec", spec_path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    nb = nbformat.read(path, as_version=4)

    def find(key):
        if isinstance(key, int):
            return key
        return next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == key)

    inserts = []
    for key, value in module.CELLS.items():
        if isinstance(key, tuple) and key[0] == "after":
            inserts.append((find(key[1]), value))
            continue
        nb.cells[find(key)].source = value.strip("\n")
    for index, value in sorted(inserts, key=lambda kv: -kv[0]):
        kind, text, *meta = value
        cell = nbformat.v4.new_code_cell(text.strip("\n")) if kind == "code" else nbformat.v4.new_markdown_cell(text.strip("\n"))
        if meta:
            cell.metadata["nbgrader"] = meta[0]
        nb.cells.insert(index + 1, cell)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nbformat.write(nb, path)
    print(f"{path}: {len(module.CELLS)} cells edited")


if __name__ == "__main__":
    main(*sys.argv[1:3])
