"""The static reader: code in a student's cells worth an instructor's look. Advice, never a verdict.

Points come only from the judges (:mod:`autograder.judge`), which compare the kernel's
answers with references the kernel never sees; nothing read here changes a score. What the
reader reports is what an honest solution has no reason to contain, and what could hide a
forbidden call from the recorder (:mod:`course.recorder`) or reach the machinery around the
notebook:

* dynamic code: ``exec``, ``eval``, ``compile``, ``__import__``, code loaded from ``pickle``
  or ``marshal``;
* the IPython shell's internals (``get_ipython().events``, transformers, exception handlers,
  the kernel) and magics that run other code (``%run``, ``%%bash``, ``!cmd``); ordinary magics
  (``%matplotlib``, ``%config``, ``%pip``, ``%time`` ...) are fine;
* processes, sockets, ``ctypes``, and ``sys`` hooks (``settrace``, ``excepthook``, ``sys.modules``);
* frames and function internals (``__code__``, ``__globals__``, ``f_back``, ``__subclasses__``);
* torch's override machinery (``TorchFunctionMode``, ``__torch_function__``, ``torch.library``,
  ``torch._C``) and this course's own grading modules;
* patches: a function, class or other object assigned to an attribute of an imported module
  (``torch.allclose = ...``; a setting such as ``torch.backends.cudnn.deterministic = True`` is
  fine), and comparison methods that return ``True`` or ``False`` whatever they compare.

The reader is bounded: a cell longer than ``Limits.reader_cell_chars`` or nested deeper than
it can follow is reported as unread, never raised.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass

from nbformat import NotebookNode

from . import notebooks
from .limits import Limits, remember_short

DYNAMIC_NAMES = frozenset({"exec", "eval", "compile", "__import__", "breakpoint"})
DENIED_MODULES = frozenset({"ctypes", "cffi", "subprocess", "socket", "ssl", "pty", "marshal", "pickle", "dill",
                            "cloudpickle", "importlib", "ipykernel", "jupyter_client", "zmq", "nbformat", "nbclient",
                            "nbgrader", "autograder", "gc", "multiprocessing", "signal", "faulthandler", "sqlite3"})
COURSE_INTERNALS = frozenset({"course.probing", "course.recorder", "course.wire", "course.kernel"})
FRAME_ATTRIBUTES = frozenset({"__subclasses__", "__globals__", "__code__", "__closure__", "__builtins__", "__func__",
                              "f_back", "f_globals", "f_locals", "f_builtins", "f_code", "gi_frame", "cr_frame",
                              "ag_frame", "tb_frame", "tb_next", "_getframe", "__torch_function__", "__torch_dispatch__"})
SYS_HOOKS = frozenset({"settrace", "setprofile", "excepthook", "displayhook", "modules", "meta_path", "path_hooks",
                       "path_importer_cache", "addaudithook", "set_asyncgen_hooks", "unraisablehook", "breakpointhook"})
OS_PROCESS = ("system", "popen", "fork", "forkpty", "exec", "spawn", "posix_spawn", "kill", "killpg", "_exit", "abort")
SHELL_INTERNALS = frozenset({"events", "input_transformers_cleanup", "input_transformers_post", "ast_transformers",
                             "input_transformer_manager", "set_custom_exc", "showtraceback", "_showtraceback", "kernel",
                             "set_hook", "register_magic_function", "run_cell", "run_code", "ex", "ev", "user_ns",
                             "user_global_ns", "displayhook", "display_pub", "excepthook", "system", "getoutput"})
RISKY_MAGICS = frozenset({"run", "bash", "sh", "script", "system", "sx", "python", "python2", "python3", "pypy", "perl",
                          "ruby", "load", "loadpy", "macro", "store", "alias", "rerun", "recall", "paste", "cpaste",
                          "javascript", "js", "html", "svg", "writefile", "file"})
TORCH_OVERRIDES = frozenset({"TorchFunctionMode", "TorchDispatchMode", "BaseTorchFunctionMode", "_push_mode", "_pop_mode",
                             "DisableTorchFunction", "DisableTorchFunctionSubclass", "library"})
CONSTANT_COMPARISONS = frozenset({"__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__bool__"})


@dataclass(frozen=True)
class Advice:
    cell_index: int
    cell: str          # its grade_id, or "cell N"
    reason: str

    def __str__(self) -> str:
        return f"{self.cell}: {self.reason}"


def editable(cell: NotebookNode) -> bool:
    """Whether the student wrote this cell (a solution cell or one not from the assignment)."""
    m = notebooks.meta(cell)
    return cell.cell_type == "code" and not ((m.get("grade") and not m.get("solution")) or m.get("locked"))


def python_source(source: str) -> str:
    """The cell as the kernel runs it: IPython's magics and ``!`` lines turned into Python."""
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(source)


def _is_constant(node: ast.AST | None) -> bool:
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.UnaryOp) and isinstance(node.operand, ast.Constant):
        return True
    if isinstance(node, (ast.Tuple, ast.List)):
        return all(_is_constant(e) for e in node.elts)
    return False


def _root_name(node: ast.AST) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _dotted(node: ast.AST) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return ".".join(reversed(parts))


def _bool_returns(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    returns = [n for n in ast.walk(fn) if isinstance(n, ast.Return)]
    return bool(returns) and all(isinstance(r.value, ast.Constant) and isinstance(r.value.value, bool) for r in returns)


class _Reader(ast.NodeVisitor):
    def __init__(self, imported: dict[str, str]) -> None:
        self.imported = dict(imported)   # name bound by an import anywhere in the notebook -> what it imports
        self.reasons: list[tuple[int, str]] = []

    def note(self, node: ast.AST, reason: str) -> None:
        self.reasons.append((getattr(node, "lineno", 0), reason))

    # imports
    def _module(self, node: ast.AST, module: str) -> None:
        top = module.split(".")[0]
        if top in DENIED_MODULES:
            self.note(node, f"imports `{module}`")
        elif module in COURSE_INTERNALS or module.startswith(tuple(m + "." for m in COURSE_INTERNALS)):
            self.note(node, f"imports the grader's `{module}`")
        elif module.startswith(("torch.library", "torch._C", "torch.overrides", "torch.utils._python_dispatch")):
            self.note(node, f"imports `{module}`, which can change what torch returns or hide calls from the test")

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._module(node, alias.name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        self._module(node, module)
        for alias in node.names:
            if alias.name in TORCH_OVERRIDES and module.startswith("torch"):
                self.note(node, f"imports `{module}.{alias.name}`, which can change what torch returns")
            elif module == "course" and f"course.{alias.name}" in COURSE_INTERNALS:
                self.note(node, f"imports the grader's `course.{alias.name}`")

    # names and calls
    def visit_Name(self, node: ast.Name) -> None:
        if node.id in DYNAMIC_NAMES:
            self.note(node, f"runs code built at run time (`{node.id}`)")

    def visit_Call(self, node: ast.Call) -> None:
        fn = node.func
        dotted = _dotted(fn)
        if isinstance(fn, ast.Attribute) and isinstance(fn.value, ast.Call) and _dotted(fn.value.func) == "get_ipython":
            self._shell(node, fn.attr)
            for arg in node.args[1:]:
                self.visit(arg)
            return
        if isinstance(fn, ast.Name) and fn.id in ("setattr", "delattr") and node.args:
            target = _root_name(node.args[0])
            if target in self.imported:
                value = node.args[2] if len(node.args) > 2 else None
                if fn.id == "delattr" or not _is_constant(value):
                    self.note(node, f"`{fn.id}` on `{target}` (`{self.imported[target]}`): a patch of an imported module")
        root = _root_name(fn)
        module = self.imported.get(root or "", "")
        if module.split(".")[0] == "os" and isinstance(fn, ast.Attribute) and fn.attr.startswith(OS_PROCESS):
            self.note(node, f"starts or signals processes (`{dotted}`)")
        if module.split(".")[0] in ("pickle", "marshal", "dill") or dotted.endswith(("pickle.loads", "pickle.load")):
            self.note(node, f"loads objects or code from bytes (`{dotted}`)")
        self.generic_visit(node)

    def _shell(self, node: ast.Call, method: str) -> None:
        if method in ("run_line_magic", "run_cell_magic"):
            magic = node.args[0].value if node.args and isinstance(node.args[0], ast.Constant) else None
            if magic in RISKY_MAGICS or not isinstance(magic, str):
                self.note(node, f"runs the IPython magic `%{magic}`, whose code the reader cannot see")
            elif method == "run_cell_magic" and len(node.args) > 2 and isinstance(node.args[2], ast.Constant):
                self._read_body(node, str(node.args[2].value))  # %%capture, %%time ...: the body is Python
        elif method in ("system", "getoutput"):
            self.note(node, "runs a shell command")
        elif method in SHELL_INTERNALS or method.startswith("_"):
            self.note(node, f"reaches into the IPython shell (`get_ipython().{method}`)")

    def _read_body(self, node: ast.AST, body: str) -> None:
        try:
            tree = ast.parse(python_source(body))
        except Exception:  # unreadable: it fails when it runs
            return
        if _depth(tree, 200) <= 200:
            inner = _Reader({**self.imported, **_imports_in(tree, everywhere=True)})
            inner.visit(tree)
            line = getattr(node, "lineno", 0)
            self.reasons.extend((line, f"inside a cell magic: {reason}") for _, reason in inner.reasons)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        store = isinstance(node.ctx, (ast.Store, ast.Del))
        root = _root_name(node)
        module = self.imported.get(root or "", "")
        if node.attr in FRAME_ATTRIBUTES:
            self.note(node, f"touches `.{node.attr}`, which reaches into other code")
        elif store and node.attr == "__class__":
            self.note(node, "assigns `__class__`: an object that passes for another type")
        elif node.attr == "__dict__" and module:
            self.note(node, f"reaches the namespace of `{root}` (`{module}`) through `__dict__`")
        if module.split(".")[0] == "sys" and isinstance(node.value, ast.Name) and node.attr in SYS_HOOKS:
            self.note(node, f"uses `sys.{node.attr}`")
        if node.attr in TORCH_OVERRIDES and module.startswith("torch"):
            self.note(node, f"uses `{_dotted(node)}`, which can change what torch returns")
        if module.startswith("course") and node.attr in ("probing", "recorder", "wire", "kernel"):
            self.note(node, f"reaches the grader's `course.{node.attr}`")
        if isinstance(node.value, ast.Call) and _dotted(node.value.func) == "get_ipython" and node.attr in SHELL_INTERNALS:
            self.note(node, f"reaches into the IPython shell (`get_ipython().{node.attr}`)")
        self.generic_visit(node)

    # patches
    def _assigned(self, targets: list[ast.expr], value: ast.AST | None, node: ast.AST) -> None:
        for target in targets:
            for t in ast.walk(target):
                if isinstance(t, ast.Attribute) and isinstance(t.ctx, (ast.Store, ast.Del)):
                    root = _root_name(t)
                    if root in self.imported and not _is_constant(value):
                        self.note(node, f"assigns to `{_dotted(t)}` of the imported `{self.imported[root]}`: a patch")

    def visit_Assign(self, node: ast.Assign) -> None:
        self._assigned(node.targets, node.value, node)
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        if isinstance(node.target, ast.Attribute) and _root_name(node.target) in self.imported:
            self.note(node, f"changes `{_dotted(node.target)}` of an imported module")
        self.generic_visit(node)

    def visit_Delete(self, node: ast.Delete) -> None:
        self._assigned(node.targets, None, node)
        self.generic_visit(node)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for item in node.body:
            if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if item.name in ("__torch_function__", "__torch_dispatch__"):
                    self.note(item, f"`{node.name}.{item.name}` can change what torch returns or hide calls from the test")
                elif item.name in ("__instancecheck__", "__subclasscheck__"):
                    self.note(item, f"`{node.name}.{item.name}` lets an object pass for another type")
                elif item.name in CONSTANT_COMPARISONS and _bool_returns(item):
                    self.note(item, f"`{node.name}.{item.name}` returns a fixed answer whatever it compares")
        self.generic_visit(node)


def _imports_in(tree: ast.AST, everywhere: bool) -> dict[str, str]:
    """Names bound by the import statements of ``tree`` (its top level, or anywhere)."""
    names: dict[str, str] = {}
    for node in ast.walk(tree) if everywhere else getattr(tree, "body", []):
        if isinstance(node, ast.Import):
            names.update({(a.asname or a.name.split(".")[0]): (a.name if a.asname else a.name.split(".")[0]) for a in node.names})
        elif isinstance(node, ast.ImportFrom):
            names.update({(a.asname or a.name): f"{node.module}.{a.name}" for a in node.names if a.name != "*"})
    return names


@remember_short()  # most cells of a class's notebooks are the same
def _cell_imports(source: str, everywhere: bool, depth_limit: int) -> tuple[tuple[str, str], ...]:
    """The names one cell's imports bind."""
    try:
        tree = ast.parse(python_source(source))
    except Exception:  # unreadable code imports nothing the reader can know of
        return ()
    if _depth(tree, depth_limit) > depth_limit:
        return ()
    return tuple(_imports_in(tree, everywhere).items())


def imported_names(nb: NotebookNode, limits: Limits | None = None) -> dict[str, str]:
    """Names bound by import statements in any code cell -> what they import."""
    limits = limits or Limits()
    names: dict[str, str] = {}
    for cell in nb.cells:
        if cell.cell_type != "code" or len(cell.source) > limits.reader_cell_chars:
            continue
        names.update(_cell_imports(cell.source, editable(cell), limits.reader_depth))
    return names


def read_cell(source: str, imported: dict[str, str], limits: Limits) -> list[tuple[int, str]]:
    """(line, reason) for one cell; unreadable code is said so, never raised."""
    if len(source) > limits.reader_cell_chars:
        return [(0, f"a cell of {len(source)} characters (over {limits.reader_cell_chars}): not read")]
    try:
        tree = ast.parse(python_source(source))
    except SyntaxError:
        return []  # it fails when it runs, and the student sees where
    except Exception as err:  # IPython's transformer or the parser gave up: say so, never raise
        return [(0, f"the reader could not parse this cell ({type(err).__name__})")]
    depth = _depth(tree, limits.reader_depth)
    if depth > limits.reader_depth:
        return [(0, f"code nested more than {limits.reader_depth} levels deep: not read")]
    reader = _Reader({**imported, **_imports_in(tree, everywhere=True)})
    try:
        reader.visit(tree)
    except RecursionError:
        return [(0, "code nested too deeply to read")]
    return reader.reasons


def _depth(tree: ast.AST, limit: int) -> int:
    """The nesting depth of ``tree``, counted without recursion (stops past ``limit``)."""
    stack, deepest = [(tree, 1)], 0
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


def read(nb: NotebookNode, limits: Limits | None = None) -> list[Advice]:
    """Advice on the student-written code cells of ``nb`` (restored, as run)."""
    limits = limits or Limits()
    imported = imported_names(nb, limits)
    found: list[Advice] = []
    for index, cell in enumerate(nb.cells):
        if not editable(cell):
            continue
        label = notebooks.grade_id(cell) or f"cell {index + 1}"
        for line, reason in read_cell(cell.source, imported, limits):
            found.append(Advice(index, label, f"line {line}: {reason}" if line else reason))
    return found
