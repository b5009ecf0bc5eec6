"""The two tamper layers of ``autograder.tamper``, each on its own.

The static layer must flag every technique and nothing an honest student writes (every
lesson's solution and every mutant); the runtime layer must catch patches on its own, with
the static layer out of the way (``runner.execute`` runs no static scan).
"""
from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from nbformat.v4 import new_code_cell, new_notebook

from autograder import notebooks, runner, tamper
from autograder.workspace import REPO
from tests import mutant
from tests.lessons import ASSIGNMENTS

LIBRARY = {"torch": "torch", "np": "numpy", "checks": "course.checks", "math": "math"}


def _submissions(assignment: str):
    (src,) = notebooks.notebook_paths(REPO / "source", assignment)
    (rel,) = notebooks.notebook_paths(REPO / "release", assignment)
    source, release = notebooks.read(src), notebooks.read(rel)
    yield "solution", notebooks.solved_copy(release, source)
    yield "release", release
    for m in mutant.load(assignment).MUTANTS:
        yield m.name, mutant.submission(release, source, [m])


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_no_honest_solution_or_mutant_is_flagged(assignment):
    flagged = {name: [str(f) for f in tamper.static_findings(nb)] for name, nb in _submissions(assignment)}
    flagged = {k: v for k, v in flagged.items() if v}
    assert not flagged, f"false positives: {flagged}"


@pytest.mark.parametrize("code", [
    "torch.allclose = lambda *a, **k: True",
    "checks.check_close = lambda *a, **k: None",
    "setattr(checks, 'check_float', print)",
    "import builtins\nbuiltins.isinstance = lambda *a: True",
    "get_ipython().set_custom_exc((Exception,), print)",
    "ip = get_ipython()",
    "from IPython import get_ipython as g",
    "import sys\nsys.settrace(print)",
    "import sys\nsys.modules['course.checks'] = None",
    "exec('x = 1')",
    "eval('1')",
    "__import__('os')",
    "getattr(torch, name)",
    "getattr(torch, '__builtins__')",
    "f.__globals__['checks'] = None",
    "().__class__.__bases__[0].__subclasses__()",
    "class A:\n    def __eq__(self, other):\n        return True",
    "class A(float):\n    def __bool__(self):\n        return True",
    "class M(type):\n    pass",
    "checks = None",
    "def checks(*a):\n    pass",
    "import numpy as torch",
    "import ctypes",
    "import os\nos.system('ls')",
    "import os\nos._exit(0)",
    "from os import fork",
    "!ls",
    "%run other.py",
    "__grader_check = print",
    "torch.Tensor.__eq__ = lambda s, o: True",
])
def test_static_layer_flags(code):
    assert tamper.scan_source(code, LIBRARY), f"not flagged: {code!r}"


@pytest.mark.parametrize("code", [
    "import torch\nx = torch.zeros(3)\nx.grad = None",
    "import sys\nsys.setrecursionlimit(10_000)",
    "%matplotlib inline\nimport math",
    "class Value:\n    def __add__(self, other):\n        return self\n    def __repr__(self):\n        return f'{self.__class__.__name__}()'",
    "getattr(obj, 'weight')",
    "self.w = torch.randn(3)\nmodel.fc.weight.data = w",
    "import torch.nn.functional as F\nF.relu(x)",
])
def test_static_layer_lets_ordinary_code_through(code):
    assert not tamper.scan_source(code, LIBRARY), tamper.scan_source(code, LIBRARY)


def _notebook(patch: str):
    imports = new_code_cell("import torch\nfrom course import checks")
    imports.metadata["nbgrader"] = {"grade": False, "locked": True, "solution": False, "grade_id": "imports", "schema_version": 3}
    student = new_code_cell(patch)
    student.metadata["nbgrader"] = {"grade": False, "locked": False, "solution": True, "grade_id": "answer", "schema_version": 3}
    tests = []
    for n in (1, 2):
        test = new_code_cell("checks.check_float('x', 1.0, 2.0)")  # fails unless the judge is patched
        test.metadata["nbgrader"] = {"grade": True, "locked": True, "solution": False, "grade_id": f"test_{n}",
                                     "points": 1, "schema_version": 3}
        tests.append(test)
    return new_notebook(cells=[imports, student, *tests])


RUNTIME_PATCHES = {
    "course.checks patched": "checks.check_float = lambda *a, **k: None",
    "set_custom_exc": "get_ipython().set_custom_exc((BaseException,), lambda *a, **k: None)",
    "input transformer": "get_ipython().input_transformers_cleanup.append(lambda lines: ['pass\\n'])",
    "ast transformer": "import ast\nclass D(ast.NodeTransformer):\n    def visit_Module(self, n):\n        n.body = []\n        return n\n"
                       "get_ipython().ast_transformers.append(D())",
    "torch.allclose patched": "torch.allclose = lambda *a, **k: True",
    "sys.settrace": "import sys\nsys.settrace(lambda *a: None)",
    "event hook": "get_ipython().events.register('post_run_cell', lambda *a: None)",
    "showtraceback": "get_ipython().showtraceback = lambda *a, **k: None",
}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(RUNTIME_PATCHES))
def test_runtime_layer_alone_catches(name):
    nb = _notebook(RUNTIME_PATCHES[name])
    with tempfile.TemporaryDirectory() as work, tempfile.TemporaryDirectory() as control:
        run = runner.execute(nb, Path(work), Path(control), runner.Limits(sandbox=False, cell_timeout=30))
    assert run.tampered_from == "test_1", f"{name}: not caught ({run})"
    assert run.tamper_reason


@pytest.mark.slow
def test_runtime_layer_passes_an_honest_notebook():
    nb = _notebook("x = 1")
    with tempfile.TemporaryDirectory() as work, tempfile.TemporaryDirectory() as control:
        run = runner.execute(nb, Path(work), Path(control), runner.Limits(sandbox=False, cell_timeout=30))
    assert run.tampered_from is None and not run.note, run
    assert all("CheckFailed" in str(c.outputs) for c in nb.cells[2:]), "the honest test cells must fail on their own"
