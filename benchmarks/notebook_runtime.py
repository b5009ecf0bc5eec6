"""Benchmark: run each source notebook (with its solutions) top to bottom and print the time.

    .venv/bin/python benchmarks/notebook_runtime.py [assignment ...]

Prints, per notebook: kernel start, the first cell (imports: torch dominates) and the rest,
in seconds, plus the budget the curriculum gives it. Nothing is written to source/.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parent.parent
BUDGET_S = {"01_torch_autograd": 15, "02_value_autograd": 20, "03_manual_layers": 20,
            "04_optimizers": 25, "05_softmax_function": 15, "06_root_finding": 15}


def run(path: Path) -> tuple[float, float, float]:
    nb = nbformat.read(str(path), as_version=4)
    client = NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    t0 = time.perf_counter()
    with client.setup_kernel():
        t_kernel = time.perf_counter() - t0
        code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
        t1 = time.perf_counter()
        client.execute_cell(nb.cells[code[0]], code[0])
        t_first = time.perf_counter() - t1
        t2 = time.perf_counter()
        for i in code[1:]:
            client.execute_cell(nb.cells[i], i)
        t_rest = time.perf_counter() - t2
    return t_kernel, t_first, t_rest


def main(argv: list[str]) -> int:
    names = argv or sorted(p.name for p in (REPO / "source").iterdir() if p.is_dir())
    print(f"{'assignment':22} {'kernel s':>9} {'imports s':>10} {'rest s':>8} {'total s':>8} {'budget s':>9}")
    for name in names:
        (path,) = sorted((REPO / "source" / name).glob("*.ipynb"))
        k, first, rest = run(path)
        total = k + first + rest
        print(f"{name:22} {k:9.2f} {first:10.2f} {rest:8.2f} {total:8.2f} {BUDGET_S.get(name, 0):9d}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
