"""Hostile and broken submissions, built as files for `course grade`, for any converted lesson.

Each :class:`Attack` writes one student's submission (a notebook, files beside it, a raw
file, or a zip) into a class folder. Notebook attacks start from the untouched release, whose
honest score is 0, and put their code in the lesson's first solution cell: an attack that
worked would score more than 0 without solving anything. ``CLASSMATE`` is an honest correct
student graded in the same run, whose files and grades the attacks try to reach.

Kinds: ``tamper`` (change how the notebook is judged), ``forge`` (send the grader answers of
their own), ``escape`` (reach outside the submission's folder), ``fault`` (break or exhaust
the kernel or the grader), ``cells`` (edit the grade cells), ``file`` (unreadable inputs),
``identity`` (claim another student's grade), ``hidden`` (call the reference while hiding it
from the recorder: it may score, and must then be flagged for the instructor).
"""
from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_markdown_cell

from autograder import notebooks
from autograder.workspace import REPO

CLASSMATE = "honest-alice"
UNTOUCHED = "honest-bob"
LATE_HONEST = "honest-carol"


@dataclass(frozen=True)
class Lesson:
    assignment: str

    @property
    def notebook(self) -> str:
        return next((REPO / "source" / self.assignment).glob("*.ipynb")).name

    def source(self) -> NotebookNode:
        return notebooks.read(REPO / "source" / self.assignment / self.notebook)

    def release(self) -> NotebookNode:
        return notebooks.read(REPO / "release" / self.assignment / self.notebook)

    def solved(self) -> NotebookNode:
        return notebooks.solved_copy(self.release(), self.source())

    def api_names(self) -> list[str]:
        """Functions and classes the solution cells define: what the tests call."""
        import ast

        names = []
        for cell in self.source().cells:
            if notebooks.is_solution(cell) and cell.cell_type == "code":
                names += [n.name for n in ast.parse(cell.source).body if isinstance(n, (ast.FunctionDef, ast.ClassDef))]
        return names

    @property
    def first_solution(self) -> str:
        return next(notebooks.grade_id(c) for c in self.release().cells
                    if notebooks.is_solution(c) and not notebooks.is_manual_answer(c))

    def path(self, root: Path, student: str) -> Path:
        return root / student / self.assignment / self.notebook


@dataclass(frozen=True)
class Context:
    """Paths an attack may aim at (all outside its own folder)."""

    lesson: Lesson
    class_dir: Path      # the submitted/ tree being graded
    lms: Path            # a folder of LMS zip downloads graded in the same run
    out: Path            # the grader's output course directory (gradebook.db)
    outside: Path        # a folder the test watches for files written by students
    port: int            # a TCP server on the host's loopback


@dataclass(frozen=True)
class Attack:
    name: str
    what: str
    build: Callable[[Path, Context], None]   # writes the submission for the student folder's notebook path
    kind: str = "tamper"


def _format(code: str, ctx: Context) -> str:
    return code.format(class_dir=str(ctx.class_dir), out=str(ctx.out), outside=str(ctx.outside), port=ctx.port,
                       repo=str(REPO), source_nb=str(REPO / "source" / ctx.lesson.assignment / ctx.lesson.notebook),
                       classmate=str(ctx.lesson.path(ctx.class_dir, CLASSMATE)), mime="application/vnd.course.answer+json")


def _code(code: str) -> Callable[[Path, Context], None]:
    """An attack that puts ``code`` (formatted with the context) in the first solution cell."""

    def build(path: Path, ctx: Context) -> None:
        nb = ctx.lesson.release()
        cell = next(c for c in nb.cells if notebooks.grade_id(c) == ctx.lesson.first_solution)
        cell.source = _format(code, ctx)
        notebooks.write(nb, path)

    return build


def _every_name(code: str) -> Callable[[Path, Context], None]:
    """``code`` followed by every name the tests call bound to ``ANSWER``."""

    def build(path: Path, ctx: Context) -> None:
        _code(code + "\n" + " = ".join(ctx.lesson.api_names()) + " = ANSWER\n")(path, ctx)

    return build


def _extra(code: str, files: dict[str, str] | None = None) -> Callable[[Path, Context], None]:
    """A correct solution plus a cell of ``code`` after the first solution cell (and ``files`` beside it)."""

    def build(path: Path, ctx: Context) -> None:
        nb = ctx.lesson.solved()
        index = next(i for i, c in enumerate(nb.cells) if notebooks.grade_id(c) == ctx.lesson.first_solution)
        nb.cells.insert(index + 1, new_code_cell(_format(code, ctx)))
        notebooks.write(nb, path)
        for name, text in (files or {}).items():
            (path.parent / name).parent.mkdir(parents=True, exist_ok=True)
            (path.parent / name).write_text(text)

    return build


def _files(files: dict[str, str]) -> Callable[[Path, Context], None]:
    """The untouched release with ``files`` beside it."""

    def build(path: Path, ctx: Context) -> None:
        notebooks.write(ctx.lesson.release(), path)
        for name, text in files.items():
            (path.parent / name).parent.mkdir(parents=True, exist_ok=True)
            (path.parent / name).write_text(text)

    return build


def _cells(edit: Callable[[NotebookNode], None]) -> Callable[[Path, Context], None]:
    def build(path: Path, ctx: Context) -> None:
        nb = ctx.lesson.release()
        edit(nb)
        notebooks.write(nb, path)

    return build


def _raw(data: Callable[[Context], bytes]) -> Callable[[Path, Context], None]:
    def build(path: Path, ctx: Context) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data(ctx))

    return build


def _lms_zip(entries: Callable[[Context], list[tuple[str, bytes]]]) -> Callable[[Path, Context], None]:
    """A zip (an LMS download) in place of the notebook's folder: <lms>/<student>.zip."""

    def build(path: Path, ctx: Context) -> None:
        student = path.parents[1].name
        archive = ctx.lms / f"{student}.zip"
        archive.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in entries(ctx):
                zf.writestr(name, data)

    return build


def _claims_classmate(path: Path, ctx: Context) -> None:
    """In the attacker's own folder, a zip whose entries name the honest classmate (with a zero notebook)."""
    notebooks.write(ctx.lesson.release(), path)
    with zipfile.ZipFile(path.parent / "bundle.zip", "w") as zf:
        entry = f"{CLASSMATE}/{ctx.lesson.assignment}/{ctx.lesson.notebook}"
        zf.writestr(entry, json.dumps(ctx.lesson.release()))


def _two_notebooks(path: Path, ctx: Context) -> None:
    """Two different notebooks for one student and assignment."""
    notebooks.write(ctx.lesson.release(), path)
    notebooks.write(ctx.lesson.solved(), path.parent / f"copy_of_{ctx.lesson.notebook}")


def _delete_tests(nb: NotebookNode) -> None:
    nb.cells[:] = [c for c in nb.cells if not notebooks.is_autograded_test(c)]


def _first_test(nb: NotebookNode) -> NotebookNode:
    return next(c for c in nb.cells if notebooks.is_autograded_test(c))


def _duplicate_test(nb: NotebookNode) -> None:
    nb.cells.append(_first_test(nb).copy())


def _retype_test(nb: NotebookNode) -> None:
    cell = _first_test(nb)
    cell.cell_type = "markdown"
    cell.pop("outputs", None)
    cell.pop("execution_count", None)


def _relabel_test(nb: NotebookNode) -> None:
    _first_test(nb).metadata["nbgrader"]["grade_id"] = "my_own_test"


def _points(nb: NotebookNode) -> None:
    _first_test(nb).metadata["nbgrader"]["points"] = 1000
    _first_test(nb).source = "print('passed')"


def _kernelspec(nb: NotebookNode) -> None:
    nb.metadata["kernelspec"] = {"name": "evil", "display_name": "evil", "language": "python",
                                 "argv": ["/bin/sh", "-c", "touch /tmp/pwned-kernelspec"]}


def _rewrite_tests(nb: NotebookNode) -> None:
    for cell in nb.cells:
        if notebooks.is_autograded_test(cell):
            cell.source = "print('passed')"


def _old_metadata(nb: NotebookNode) -> None:
    for cell in nb.cells:
        m = cell.metadata.get("nbgrader")
        if m:
            m.pop("schema_version", None)
            m.pop("task", None)


def _script_markdown(nb: NotebookNode) -> None:
    nb.cells.insert(1, new_markdown_cell("<script>document.title='pwned'</script><img src=x onerror=\"alert('pwned')\">"))


def _huge(ctx: Context) -> bytes:
    nb = ctx.lesson.release()
    nb.metadata["padding"] = "x" * (25 * 2**20)
    return json.dumps(nb).encode()


def _huge_cell(ctx: Context) -> bytes:
    nb = ctx.lesson.release()
    nb.cells.insert(1, new_code_cell("x = 1\n" + "# " + "y" * (10 * 2**20)))
    return json.dumps(nb).encode()


def _deep_cell(ctx: Context) -> bytes:
    nb = ctx.lesson.release()
    nb.cells.insert(1, new_code_cell("x = " + "-" * 200_000 + "1\ny = " + "(" * 5000 + "1" + ")" * 5000))
    return json.dumps(nb).encode()


NOOP = "lambda *args, **kwargs: None"
# Publish an answer for every probe the test cells run, as the kernel sees them: zeros of any shape.
FORGE = """
from course import probing, wire
import IPython.display as _d
def _forge(p):
    _d.publish_display_data({{{mime!r}: {{'probe': p.name, 'answer': wire.encode({{'value': 0.0, 'forbidden': []}})}}}})
probing.run = lambda p: wire.encode({{'value': 0.0, 'forbidden': []}})
"""

ATTACKS: list[Attack] = [
    # --- objects that pass any comparison
    Attack("always-true-eq", "every name the tests call is an object whose __eq__ and __bool__ are always True",
           _every_name("class Yes:\n    def __eq__(self, other): return True\n    def __bool__(self): return True\n"
                       "    def __float__(self): return 0.0\n    def __getattr__(self, name): return self\n"
                       "    def __call__(self, *a, **k): return self\n    def __getitem__(self, i): return self\n"
                       "    def __iter__(self): return iter([self, self])\n    def __len__(self): return 2\n"
                       "ANSWER = Yes()\n")),
    Attack("tensor-subclass", "every call answers a tensor subclass whose comparisons always succeed",
           _every_name("class T(torch.Tensor):\n    def __eq__(self, other): return True\n"
                       "    __torch_function__ = torch._C._disabled_torch_function_impl\n"
                       "ANSWER = lambda *a, **k: torch.zeros(3).as_subclass(T)\n")),
    Attack("float-subclass-eq", "answers are float subclasses that equal everything",
           _code("class F(float):\n    def __eq__(self, other): return True\n    def __ne__(self, other): return False\n"
                 "from course import probing\n_real = probing.run\nprobing.run = lambda p: __import__('course').wire.encode({{'value': F(0.0), 'forbidden': []}})\n")),
    # --- patching what judges, in the kernel: it judges nothing any more
    Attack("patch-torch-allclose", "torch.allclose, isclose and Tensor.__eq__ always succeed",
           _code("torch.allclose = lambda *a, **k: True\ntorch.isclose = lambda *a, **k: torch.tensor(True)\n"
                 "torch.Tensor.__eq__ = lambda self, other: True\n")),
    Attack("patch-course-checks", "every course.checks function replaced by a no-op",
           _code(f"for _n in list(vars(checks)):\n    if _n.startswith('check'):\n        setattr(checks, _n, {NOOP})\n")),
    Attack("rebind-checks-name", "the tests' `checks` name rebound to an object that accepts anything",
           _code("class _Lenient:\n    def __getattr__(self, name):\n        return lambda *a, **k: (lambda f: f)\nchecks = _Lenient()\n")),
    Attack("main-rebind-checks", "course.checks rebound through __main__ and sys.modules",
           _code("import __main__, sys, types\n_fake = types.SimpleNamespace(probe=lambda *a, **k: (lambda f: f), judge=lambda p: (lambda f: f))\n"
                 "__main__.checks = _fake\nsys.modules['course.checks'] = _fake\n")),
    Attack("checks-code-swap", "course.checks and probing functions' __code__ swapped through vars()",
           _code("def _nothing(*a, **k):\n    return None\n_v = vars(checks)\n_k = 'check_' + 'tensor'\n"
                 "type(_v[_k]).__setattr__(_v[_k], '__co' + 'de__', _nothing.__code__)\n"
                 "from course import probing\nprobing.decide.__code__ = (lambda *a: probing.Verdict(True, 'ok')).__code__\n")),
    Attack("exec-obfuscated", "a patch of probing.decide hidden in hex-encoded exec",
           _code("exec(bytes.fromhex('" + "from course import probing; probing.decide = lambda *a: probing.Verdict(True, 'ok')".encode().hex() + "').decode())\n")),
    Attack("pickle-hidden", "code hidden from the reader in a pickle",
           _code("import pickle\npickle.loads(" + repr(b"cbuiltins\nexec\n(Vfrom course import probing; probing.decide = lambda *a: probing.Verdict(True, 'ok')\ntR.") + ")\n")),
    Attack("cell-magic-hidden", "a patch inside a %%capture cell magic",
           _code("%%capture\nfrom course import probing\nprobing.run = lambda p: '[]'\n")),
    Attack("torch-function-mode", "a TorchFunctionMode that makes every torch function return zeros in the tests",
           _code("from torch.overrides import TorchFunctionMode\nclass _Zero(TorchFunctionMode):\n"
                 "    def __torch_function__(self, func, types, args=(), kwargs=None):\n"
                 "        out = func(*args, **(kwargs or {{}}))\n        return torch.zeros_like(out) if isinstance(out, torch.Tensor) else out\n"
                 "_Zero().__enter__()\n")),
    Attack("torch-library", "a torch.library implementation replaces aten ops the references use",
           _code("_lib = torch.library.Library('aten', 'IMPL')\n_lib.impl('_softmax', lambda x, d, h: torch.zeros_like(x), 'CPU')\n"
                 "_lib.impl('addmm', lambda b, m1, m2, beta=1, alpha=1: torch.zeros(m1.shape[0], m2.shape[1]), 'CPU')\n")),
    # --- the IPython machinery
    Attack("set-custom-exc", "set_custom_exc swallows every exception and publishes forged answers",
           _code(FORGE + "get_ipython().set_custom_exc((BaseException,), lambda *a, **k: None)\n")),
    Attack("input-transformer", "an input transformer rewrites every test cell into forged answers",
           _code(FORGE + "def _rewrite(lines):\n    src = ''.join(lines)\n    return ['pass\\n'] if 'checks.' in src else lines\n"
                 "get_ipython().input_transformers_cleanup.append(_rewrite)\n")),
    Attack("ast-transformer", "an AST transformer deletes every statement of later cells",
           _code("import ast\nclass _Drop(ast.NodeTransformer):\n    def visit_Module(self, node):\n        node.body = []\n        return node\n"
                 "get_ipython().ast_transformers.append(_Drop())\n")),
    Attack("event-hook", "a pre_run_cell hook patches probing before every cell",
           _code("from course import probing\ndef _hook(info):\n    probing.run = lambda p: '[]'\n"
                 "get_ipython().events.register('pre_run_cell', _hook)\n")),
    Attack("kernel-handler", "the kernel's execute_request handler replaced",
           _code("_k = get_ipython().kernel\n_k.shell_handlers['execute_request'] = _k.shell_handlers['kernel_info_request']\n")),
    Attack("session-send", "the kernel session's send patched to forge and drop messages",
           _code("_s = get_ipython().kernel.session\n_orig = _s.send\n"
                 "def _send(stream, msg_or_type, content=None, *a, **k):\n"
                 "    if isinstance(msg_or_type, str) and msg_or_type in ('error', 'stream'):\n        return None\n"
                 "    return _orig(stream, msg_or_type, content, *a, **k)\n_s.send = _send\n")),
    Attack("settrace", "sys.settrace installs a tracer", _code("import sys\nsys.settrace(lambda *a: None)\n")),
    Attack("stdout-swap", "sys.stdout and sys.stderr replaced", _code("import io, sys\nsys.stderr = io.StringIO()\nsys.stdout = io.StringIO()\n")),
    # --- forged answers
    Attack("forge-answers", "publishes a made-up answer for every probe and judges nothing",
           _code(FORGE + "from course import probing as _p\n_orig_judge = _p.judge\n"
                 "_p.judge = lambda p: (lambda f: (_forge(p), f)[1])\nchecks.judge = _p.judge\n"), "forge"),
    Attack("answer-twice", "every probe answers twice",
           _code("from course import probing\n_pub = probing.publish\nprobing.publish = lambda n, t: (_pub(n, t), _pub(n, t))\n"), "forge"),
    Attack("answer-for-others", "answers under the names of probes of other cells",
           _code("from course import probing\n_pub = probing.publish\nprobing.publish = lambda n, t: (_pub(n, t), _pub('_h_' + n, t), _pub('other', t))\n"), "forge"),
    Attack("huge-answer", "a probe answer of 40 MB",
           _code("from course import probing\nprobing.run = lambda p: '[' + '0,' * 20_000_000 + '0]'\n"), "forge"),
    Attack("malformed-answers", "answers that are not the wire format",
           _code("import IPython.display as _d\nfrom course import probing\n"
                 "probing.publish = lambda n, t: _d.publish_display_data({{{mime!r}: {{'probe': n, 'answer': {{'$tensor': 1}}}}}})\n"), "forge"),
    # --- the sealed kernel: files beside the notebook
    Attack("course-package-file", "a submitted course/checks.py and course/probing.py that pass everything",
           _files({"course/__init__.py": "", "course/checks.py": "def check_tensor(*a, **k):\n    pass\n",
                   "course/probing.py": "def decide(*a, **k):\n    return True\n"})),
    Attack("launcher-file", "an ipykernel_launcher.py next to the notebook", _files({"ipykernel_launcher.py": "import os\nos._exit(0)\n"})),
    Attack("sitecustomize-file", "sitecustomize.py and a torch.py next to the notebook",
           _files({"sitecustomize.py": "import builtins\nbuiltins.print = lambda *a, **k: None\n", "torch.py": "raise SystemExit(0)\n"})),
    # --- faults
    Attack("sys-exit", "sys.exit() in a task cell", _code("import sys\nsys.exit(0)\n"), "fault"),
    Attack("raise-keyboardinterrupt", "raise KeyboardInterrupt", _code("raise KeyboardInterrupt\n"), "fault"),
    Attack("os-exit", "os._exit kills the kernel", _code("import os\nos._exit(0)\n"), "fault"),
    Attack("kill-kernel", "the kernel SIGKILLs itself", _code("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n"), "fault"),
    Attack("infinite-loop", "an infinite loop", _code("while True:\n    pass\n"), "fault"),
    Attack("ignore-interrupt", "an infinite loop that ignores SIGINT", _code("import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass\n"), "fault"),
    Attack("sleep", "time.sleep(10**6)", _code("import time\ntime.sleep(10**6)\n"), "fault"),
    Attack("memory-bomb", "allocates memory until it runs out", _code("_hoard = []\nwhile True:\n    _hoard.append(bytearray(2**28))\n"), "fault"),
    Attack("fork-bomb", "forks until it cannot", _code("import os, time\nwhile True:\n    if os.fork() == 0:\n        time.sleep(3600)\n"), "fault"),
    Attack("threads-left", "leaves a thread printing forever and a child process", 
           _code("import threading, subprocess, time, sys\n"
                 "threading.Thread(target=lambda: [print('x' * 1000) or time.sleep(0.01) for _ in iter(int, 1)], daemon=True).start()\n"
                 "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(3600)'])\n"), "fault"),
    Attack("huge-output", "prints 100 MB", _code("print('x' * 100_000_000)\n"), "fault"),
    Attack("display-update-flood", "display updates of 120 MB in all", _code(
        "from IPython.display import display, update_display\ndisplay('x', display_id='d')\n"
        "for _ in range(12):\n    update_display('u' * 10_000_000, display_id='d')\n"), "fault"),
    Attack("huge-error", "an exception whose message is 60 MB", _code("raise ValueError('e' * 60_000_000)\n"), "fault"),
    Attack("comm-flood", "widget comm messages of 100 MB", _code(
        "from comm import create_comm\n_c = create_comm(target_name='jupyter.widget', data={{'state': {{}}}})\n"
        "for _ in range(10):\n    _c.send({{'state': {{'v': 's' * 10_000_000}}}})\n"), "fault"),
    Attack("fill-folder", "writes 2 GiB into its folder", _code("for _i in range(64):\n    open(f'big{{_i}}', 'wb').write(b'0' * 32 * 2**20)\n"), "fault"),
    Attack("many-files", "creates 200,000 files", _code("for _i in range(200_000):\n    open(f'f{{_i}}', 'w').close()\n"), "fault"),
    Attack("script-in-output", "HTML and JavaScript outputs and markdown with <script> for the feedback page",
           _code("from IPython.display import display, HTML, Javascript, SVG\n"
                 "display(HTML(\"<script>document.title='pwned'</script><b onmouseover=alert(1)>x</b>\"))\n"
                 "display(Javascript(\"document.title='pwned'\"))\n"
                 "display({{'image/png': 'x\\\"><script>alert(1)</script>'}}, raw=True)\n"), "fault"),
    # --- escapes
    Attack("read-source", "reads the instructor's source notebook and runs its solutions",
           _code("import json\n_nb = json.load(open({source_nb!r}))\nfor _c in _nb['cells']:\n"
                 "    if _c['cell_type'] == 'code' and 'BEGIN SOLUTION' in ''.join(_c['source']):\n"
                 "        exec(''.join(_c['source']))\n"), "escape"),
    Attack("find-assignment-copies", "walks the file system for any copy of the assignment and prints it",
           _code("import os\nfor _root, _dirs, _files in os.walk('/'):\n"
                 "    if _root.startswith(('/proc', '/sys', '/usr')):\n        _dirs[:] = []\n        continue\n"
                 "    for _f in _files:\n        if _f.endswith('.ipynb') or _f in ('gradebook.db', 'config'):\n"
                 "            print(os.path.join(_root, _f), open(os.path.join(_root, _f), errors='replace').read()[:100000])\n"), "escape"),
    Attack("read-classmate", "reads a classmate's submission and runs its code",
           _code("import json\n_nb = json.load(open({classmate!r}))\nfor _c in _nb['cells']:\n"
                 "    if _c['metadata'].get('nbgrader', {{}}).get('solution'):\n        exec(''.join(_c['source']))\n"), "escape"),
    Attack("gradebook-rewrite", "opens the class gradebook and sets every score to full marks",
           _code("import sqlite3\n_db = sqlite3.connect({out!r} + '/gradebook.db')\n"
                 "_db.execute('update grade set auto_score = 100')\n_db.commit()\n"), "escape"),
    Attack("write-outside", "writes into the course, the home folder, /tmp and the watched folder",
           _code("import os\nfor _p in [{repo!r} + '/pwned.txt', os.path.expanduser('~root/pwned.txt'), '/tmp/pwned.txt', {outside!r} + '/pwned.txt']:\n"
                 "    try:\n        open(_p, 'w').write('pwned')\n    except OSError:\n        pass\n"), "escape"),
    Attack("network", "opens a socket to the host's loopback and to the internet",
           _code("import socket\nfor _addr in [('127.0.0.1', {port}), ('1.1.1.1', 53)]:\n    try:\n"
                 "        socket.create_connection(_addr, timeout=2).sendall(b'pwned')\n    except OSError:\n        pass\n"), "escape"),
    # --- the recorder evaded: the reference computed while hidden from it
    Attack("hidden-delegation", "a correct solution plus code that switches the recorder off",
           _extra("from course import recorder\nrecorder.Recording.__enter__ = lambda self: self\n"
                  "recorder.Recording.__exit__ = lambda self, *a: None\n"), "hidden"),
    # --- grade cells
    Attack("delete-tests", "every test cell deleted", _cells(_delete_tests), "cells"),
    Attack("duplicate-test", "a test cell duplicated", _cells(_duplicate_test), "cells"),
    Attack("retype-test", "a test cell turned into markdown", _cells(_retype_test), "cells"),
    Attack("relabel-test", "a test cell's grade_id changed", _cells(_relabel_test), "cells"),
    Attack("points-and-body", "a test cell given 1000 points and an empty body", _cells(_points), "cells"),
    Attack("rewrite-tests", "every test replaced by print('passed')", _cells(_rewrite_tests), "cells"),
    Attack("kernelspec", "the notebook names a kernelspec that runs a shell", _cells(_kernelspec), "cells"),
    Attack("old-metadata", "nbgrader metadata of an old schema", _cells(_old_metadata), "file"),
    Attack("script-markdown", "a markdown cell of its own with <script> and an onerror handler", _cells(_script_markdown), "fault"),
    # --- identity
    Attack("claims-classmate", "a zip in its own folder whose entries name the honest classmate", _claims_classmate, "identity"),
    Attack("two-notebooks", "two different notebooks for one assignment", _two_notebooks, "identity"),
    # --- files
    Attack("malformed-json", "not JSON", _raw(lambda ctx: b'{"cells": [ '), "file"),
    Attack("nbformat-3", "an nbformat 3 notebook",
           _raw(lambda ctx: json.dumps({"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": [{"cells": []}]}).encode()), "file"),
    Attack("empty-file", "an empty file", _raw(lambda ctx: b""), "file"),
    Attack("binary-garbage", "random bytes", _raw(lambda ctx: os.urandom(4096)), "file"),
    Attack("huge-file", "a 25 MB notebook", _raw(_huge), "file"),
    Attack("huge-cell", "a cell of 10 MB", _raw(_huge_cell), "fault"),
    Attack("deep-nesting", "a cell nested 200,000 levels deep", _raw(_deep_cell), "fault"),
    Attack("zip-bomb", "a zip whose notebook expands to 300 MB",
           _lms_zip(lambda ctx: [(f"zip-bomb/{ctx.lesson.assignment}/{ctx.lesson.notebook}", b"0" * (300 * 2**20))]), "file"),
    Attack("zip-traversal", "a zip with ../ and absolute paths",
           _lms_zip(lambda ctx: [(f"../../escaped_{ctx.lesson.notebook}", json.dumps(ctx.lesson.release()).encode()),
                                 (f"/abs/escaped_{ctx.lesson.notebook}", b"{}")]), "file"),
]
