"""Tamper checks: find student code that tries to change how it is judged.

The tests run in the student's kernel, so a submission could patch what judges it: ``torch``,
``numpy``, ``course.checks``, builtins, IPython (input and AST transformers, exception
handlers, event hooks, the kernel's own methods), ``sys.settrace`` ... Two independent layers
catch that; a submission caught by either has every test cell from the tampering point on
scored 0 and is flagged with the reason.

* :func:`static_findings` reads the student-editable cells in the grader process (trusted,
  nothing runs): imports of modules no lesson needs (``ctypes``, ``IPython``, ``importlib``,
  ``subprocess``, ``socket``, ...), dynamic code (``exec``, ``eval``, ``__import__``,
  ``getattr`` with a computed name, ``globals()``), the IPython shell (``get_ipython``, shell
  magics), introspection that reaches other code (``__globals__``, ``__subclasses__``,
  frames), assignments to attributes of imported modules and classes (``torch.allclose =
  ...``), rebinding a name the tests import, and comparison methods that ignore their
  operands (``def __eq__(self, other): return True``).
* :func:`prologue` and :func:`check_code` are cells the grader runs in the kernel around the
  notebook (never saved in it): the prologue records the identity of everything that judges
  (the watched modules' and classes' attributes, builtins, the shell's transformers, hooks and
  methods, the kernel's handlers, ``sys`` hooks); a check after every test cell compares and
  prints a line carrying a random nonce. A changed object, or a check that does not report
  (swallowed by a transformer, a patched ``print``, a dead name), counts as tampering.

Neither layer alone is airtight (code can hide from a reader, and a kernel can lie), but a
patch has to get past both: the static layer flags the tools a runtime-hiding attack needs.
"""
from __future__ import annotations

import ast
import json
import secrets
from dataclasses import dataclass

from nbformat import NotebookNode

from . import notebooks

# Modules no lesson needs and every tampering technique does.
DENIED_MODULES = frozenset({
    "builtins", "importlib", "ctypes", "cffi", "socket", "ssl", "subprocess", "signal", "multiprocessing",
    "threading", "_thread", "concurrent", "asyncio", "gc", "inspect", "atexit", "faulthandler", "IPython",
    "ipykernel", "traitlets", "jupyter_client", "zmq", "tornado", "code", "codeop", "ast", "dis", "marshal",
    "types", "unittest", "pytest", "pty", "resource", "shutil", "urllib", "http", "requests", "ftplib",
    "smtplib", "telnetlib", "webbrowser", "runpy", "pkgutil", "zipimport", "sysconfig", "site", "posix",
    "nbformat", "nbclient", "nbgrader", "pdb", "bdb", "trace", "tracemalloc", "sqlite3", "mmap", "fcntl",
})
DENIED_NAMES = frozenset({
    "get_ipython", "__builtins__", "__import__", "exec", "eval", "compile", "globals", "vars",
    "setattr", "delattr", "breakpoint", "exit", "quit", "__loader__", "__spec__",
})
# Attributes that reach other code's internals (functions' globals, frames, every class).
DENIED_ATTRIBUTES = frozenset({
    "__subclasses__", "__globals__", "__code__", "__closure__", "__builtins__", "__dict__", "__bases__",
    "__mro__", "__getattribute__", "__import__", "__loader__", "__spec__", "__defaults__", "__kwdefaults__",
    "__self__", "__func__", "__wrapped__", "f_globals", "f_locals", "f_back", "f_builtins", "f_code",
    "gi_frame", "cr_frame", "ag_frame", "tb_frame", "tb_next", "func_globals", "_getframe",
})
SYS_ALLOWED = frozenset({
    "setrecursionlimit", "getrecursionlimit", "float_info", "int_info", "maxsize", "version", "version_info",
    "platform", "getsizeof", "float_repr_style", "byteorder", "stdout", "stderr",
})
OS_DENIED_PREFIXES = ("exec", "spawn", "posix_spawn", "fork", "kill", "set", "plock", "wait")
OS_DENIED = frozenset({"_exit", "abort", "system", "popen", "chdir", "fchdir", "chroot", "putenv", "unsetenv",
                       "environ", "nice", "openpty", "forkpty", "register_at_fork", "pidfd_open"})
ALLOWED_MAGICS = frozenset({"matplotlib", "time", "timeit"})
# Methods whose constant result would let an object pass any comparison or type test.
COMPARISON_METHODS = frozenset({"__eq__", "__ne__", "__bool__", "__lt__", "__le__", "__gt__", "__ge__", "__len__"})
IMPERSONATION_METHODS = frozenset({"__instancecheck__", "__subclasscheck__", "__getattribute__"})


@dataclass(frozen=True)
class Finding:
    cell_index: int    # index of the cell in the executed notebook
    cell: str          # its grade_id, or "cell N"
    reason: str

    def __str__(self) -> str:
        return f"tampering: {self.cell}: {self.reason}"


def editable(cell: NotebookNode) -> bool:
    """Whether the student wrote this cell (a solution cell or one not from the assignment)."""
    m = notebooks.meta(cell)
    return cell.cell_type == "code" and not ((m.get("grade") and not m.get("solution")) or m.get("locked"))


def python_source(source: str) -> str:
    """The cell as the kernel runs it: IPython's magics and ``!`` lines turned into Python."""
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(source)


def imported_names(nb: NotebookNode, students_too: bool = False) -> dict[str, str]:
    """Names bound by import statements -> what they import: in the assignment's own (locked)
    cells, or in every code cell with ``students_too``."""
    names: dict[str, str] = {}
    for cell in nb.cells:
        if cell.cell_type != "code" or (editable(cell) and not students_too):
            continue
        try:
            tree = ast.parse(python_source(cell.source))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            names.update(_bindings(node))
    return names


def _bindings(node: ast.AST) -> dict[str, str]:
    if isinstance(node, ast.Import):
        return {(a.asname or a.name.split(".")[0]): (a.name if a.asname else a.name.split(".")[0]) for a in node.names}
    if isinstance(node, ast.ImportFrom):
        return {(a.asname or a.name): f"{node.module}.{a.name}" for a in node.names}
    return {}


def _root_name(node: ast.AST) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _constant_returns(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    returns = [n for n in ast.walk(fn) if isinstance(n, ast.Return)]
    return bool(returns) and all(isinstance(r.value, ast.Constant) or r.value is None for r in returns)


class _Scanner(ast.NodeVisitor):
    def __init__(self, library: dict[str, str], imports: dict[str, str]):
        self.library = library               # names the assignment's own cells import (torch, check_close, ...)
        self.modules: dict[str, str] = dict(imports)  # names any cell of the notebook imports
        self.reasons: list[str] = []

    def flag(self, node: ast.AST, reason: str) -> None:
        self.reasons.append(f"line {getattr(node, 'lineno', '?')}: {reason}")

    def _module_of(self, name: str) -> str:
        return self.modules.get(name) or self.library.get(name, "")

    # imports
    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._check_import(node, alias.name, alias.asname or alias.name.split(".")[0],
                               alias.name if alias.asname else alias.name.split(".")[0])

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = "." * node.level + (node.module or "")
        for alias in node.names:
            if alias.name == "*":
                self.flag(node, f"`from {module} import *` can rebind the names the tests use")
            self._check_import(node, module, alias.asname or alias.name, f"{module}.{alias.name}")
            if module.split(".")[0] in ("os", "sys"):
                self._check_attribute(node, module.split(".")[0], alias.name, store=False)

    def _check_import(self, node: ast.AST, module: str, bound: str, target: str) -> None:
        top = module.lstrip(".").split(".")[0]
        if top in DENIED_MODULES or module.startswith("."):
            self.flag(node, f"imports `{module}`, which no task needs and which can change how the notebook is judged")
        if bound in self.library and self.library[bound] != target:
            self.flag(node, f"rebinds `{bound}` (the tests' `{self.library[bound]}`) to `{target}`")
        self.modules[bound] = target

    # names
    def visit_Name(self, node: ast.Name) -> None:
        if node.id in DENIED_NAMES or node.id.startswith("__grader"):
            self.flag(node, f"uses `{node.id}`")
        elif node.id in self.library and isinstance(node.ctx, (ast.Store, ast.Del)):
            self.flag(node, f"rebinds `{node.id}`, which the tests import")

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        if node.name in self.library:
            self.flag(node, f"defines `{node.name}` over the tests' `{self.library[node.name]}`")
        self.generic_visit(node)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        if node.name in self.library:
            self.flag(node, f"defines `{node.name}` over the tests' `{self.library[node.name]}`")
        if any(isinstance(b, ast.Name) and b.id == "type" for b in node.bases) or node.keywords:
            self.flag(node, f"class `{node.name}` is a metaclass or takes one")
        for item in node.body:
            if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if item.name in IMPERSONATION_METHODS:
                    self.flag(item, f"`{node.name}.{item.name}` lets an object pass for another type")
                elif item.name in COMPARISON_METHODS and _constant_returns(item):
                    self.flag(item, f"`{node.name}.{item.name}` returns a constant whatever it compares")
            elif isinstance(item, ast.Assign) and any(isinstance(t, ast.Name) and t.id in COMPARISON_METHODS | {"__class__"} for t in item.targets):
                self.flag(item, f"`{node.name}` sets a comparison or `__class__` to a fixed object")
        self.generic_visit(node)

    def visit_Global(self, node: ast.Global) -> None:
        for name in node.names:
            if name in self.library:
                self.flag(node, f"declares the tests' `{name}` global to rebind it")

    # attributes
    def visit_Attribute(self, node: ast.Attribute) -> None:
        store = isinstance(node.ctx, (ast.Store, ast.Del))
        if node.attr in DENIED_ATTRIBUTES or (store and node.attr == "__class__"):
            self.flag(node, f"touches `.{node.attr}`, which reaches into other code")
        root = _root_name(node)
        if root is not None:
            if store and (root in self.library or root in self.modules):
                self.flag(node, f"assigns to an attribute of `{root}` (`{self._module_of(root)}`): a patch of what the tests use")
            base = self._module_of(root).split(".")[0]
            if isinstance(node.value, ast.Name) and base in ("os", "sys"):
                self._check_attribute(node, base, node.attr, store)
        self.generic_visit(node)

    def _check_attribute(self, node: ast.AST, module: str, attr: str, store: bool) -> None:
        if module == "sys" and (store or attr not in SYS_ALLOWED):
            self.flag(node, f"uses `sys.{attr}`")
        if module == "os" and (attr in OS_DENIED or attr.startswith(OS_DENIED_PREFIXES)):
            self.flag(node, f"uses `os.{attr}`")

    # calls
    def visit_Call(self, node: ast.Call) -> None:
        fn = node.func
        if isinstance(fn, ast.Name) and fn.id == "getattr" and len(node.args) >= 2:
            name = node.args[1]
            if not (isinstance(name, ast.Constant) and isinstance(name.value, str)):
                self.flag(node, "reads an attribute whose name is computed (`getattr` with a non-literal name)")
            elif name.value in DENIED_ATTRIBUTES or name.value.startswith("__") and name.value not in ("__name__", "__doc__"):
                self.flag(node, f"reads `{name.value}` through getattr")
        # IPython magics (after transform_cell): get_ipython().run_line_magic('name', ...)
        if (isinstance(fn, ast.Attribute) and fn.attr in ("run_line_magic", "run_cell_magic")
                and isinstance(fn.value, ast.Call) and isinstance(fn.value.func, ast.Name) and fn.value.func.id == "get_ipython"):
            magic = node.args[0].value if node.args and isinstance(node.args[0], ast.Constant) else None
            if magic not in ALLOWED_MAGICS:
                self.flag(node, f"runs the IPython magic `%{magic}`")
            for arg in node.args[1:]:
                self.visit(arg)
            return
        self.generic_visit(node)


def scan_source(source: str, library: dict[str, str], imports: dict[str, str] | None = None) -> list[str]:
    """Reasons to distrust one cell's code (empty: nothing found). ``library``: names the
    assignment imports; ``imports``: names imported anywhere in the notebook. Unparsable code
    is not flagged: it fails when it runs."""
    try:
        tree = ast.parse(python_source(source))
    except (SyntaxError, ValueError):
        return []
    scanner = _Scanner(library, {**library, **(imports or {})})
    scanner.visit(tree)
    return scanner.reasons


def static_findings(nb: NotebookNode) -> list[Finding]:
    """Tampering found by reading the student-editable code cells of ``nb`` (restored, as run)."""
    library, imports = imported_names(nb), imported_names(nb, students_too=True)
    findings = []
    for index, cell in enumerate(nb.cells):
        if editable(cell):
            for reason in scan_source(cell.source, library, imports):
                findings.append(Finding(index, notebooks.grade_id(cell) or f"cell {index + 1}", reason))
    return findings


# ---------------------------------------------------------------------------------------------
# Runtime layer: code the grader runs in the kernel (kept out of the saved notebook).

_PROLOGUE = r'''
def __grader_watch():
    import builtins, math, sys, threading
    import numpy, numpy.testing, torch, torch.testing, torch.nn, torch.nn.functional, torch.autograd
    import course, course.checks
    from IPython import get_ipython

    ip = get_ipython()
    modules = [builtins, math, numpy, numpy.testing, torch, torch.testing, torch.nn.functional, torch.autograd,
               course, course.checks]
    classes = [torch.Tensor, torch.nn.Module, torch.nn.Parameter, torch.autograd.Function, type(ip), type(ip.kernel)]
    classes = [c for k in classes for c in k.__mro__ if c is not object]
    skip = {"_", "__", "___", "_i", "_ii", "_iii", "_oh", "_dh", "In", "Out", "__file__", "__cached__"}

    def snap(obj):
        return {k: v for k, v in vars(obj).items() if k not in skip}

    watched_lists = {
        "input_transformers_cleanup": lambda: ip.input_transformers_cleanup,
        "input_transformers_post": lambda: ip.input_transformers_post,
        "input transformer manager": lambda: (ip.input_transformer_manager.cleanup_transforms
                                              + ip.input_transformer_manager.line_transforms
                                              + ip.input_transformer_manager.token_transformers),
        "ast_transformers": lambda: ip.ast_transformers,
        "sys.meta_path": lambda: sys.meta_path,
        "sys.path_hooks": lambda: sys.path_hooks,
    }

    def hooks():
        return {"sys.excepthook": sys.excepthook, "sys.displayhook": sys.displayhook, "sys.stdout": sys.stdout,
                "sys.stderr": sys.stderr, "builtins.print": builtins.print}

    saved = {
        "modules": [(m, snap(m)) for m in modules],
        "classes": [(c, dict(vars(c))) for c in classes],
        "sys.modules": {m.__name__: m for m in modules},
        "shell": dict(vars(ip)),
        "kernel": dict(vars(ip.kernel)),
        "handlers": dict(ip.kernel.shell_handlers),
        "custom_exceptions": ip.custom_exceptions,
        "lists": {name: list(get()) for name, get in watched_lists.items()},
        "events": {k: list(v) for k, v in ip.events.callbacks.items()},
        "hooks": hooks(),
    }
    write = sys.stdout.write
    len_, vars_, sorted_, type_, method = len, vars, sorted, type, type(ip.run_cell)

    def is_(a, b):
        """Identity; a bound method (made anew on each access) by its object and function."""
        if a is b:
            return True
        return type_(a) is method and type_(b) is method and a.__self__ is b.__self__ and a.__func__ is b.__func__

    def wrapped_by_library(new, old):
        """torch wraps some of its own functions on first use (torch._dynamo wraps manual_seed)."""
        return getattr(new, "__wrapped__", None) is old and str(getattr(new, "__module__", "")).startswith(("torch.", "numpy."))

    def check(nonce):
        problems = []
        for m, before in saved["modules"]:
            now = vars_(m)
            changed = [k for k, v in before.items() if k not in now or not (is_(now[k], v) or wrapped_by_library(now[k], v))]
            if changed:
                problems.append(f"{m.__name__} changed: {', '.join(sorted_(changed)[:5])}")
        for c, before in saved["classes"]:
            now = vars_(c)
            changed = [k for k in set(before) | set(now) if k not in before or k not in now or not is_(now[k], before[k])]
            changed = [k for k in changed if k not in ("__annotations__",)]
            if changed:
                problems.append(f"{c.__qualname__} changed: {', '.join(sorted_(changed)[:5])}")
        for name, m in saved["sys.modules"].items():
            if sys.modules.get(name) is not m:
                problems.append(f"sys.modules[{name!r}] replaced")
        for label, obj, before in (("shell", ip, saved["shell"]), ("kernel", ip.kernel, saved["kernel"])):
            now = vars_(obj)
            for k, v in now.items():
                if callable(v) and (k not in before or not is_(before[k], v)) and not isinstance(v, type):
                    problems.append(f"{label} method {k} replaced")
        handlers = ip.kernel.shell_handlers
        if len_(handlers) != len_(saved["handlers"]) or any(not is_(handlers.get(k), v) for k, v in saved["handlers"].items()):
            problems.append("kernel message handlers replaced")
        for name, get in watched_lists.items():
            now, before = list(get()), saved["lists"][name]
            if len_(now) != len_(before) or any(not is_(a, b) for a, b in zip(now, before)):
                problems.append(f"{name} changed")
        for event, callbacks in ip.events.callbacks.items():
            for cb in callbacks:
                if not any(is_(cb, old) for old in saved["events"].get(event, [])) and not str(getattr(cb, "__module__", "") or "").startswith(
                        ("matplotlib", "IPython", "ipykernel", "ipywidgets", "comm")):
                    problems.append(f"a {event} event hook was registered")
        for name, value in hooks().items():
            if not is_(value, saved["hooks"][name]):
                problems.append(f"{name} replaced")
        if ip.custom_exceptions is not saved["custom_exceptions"]:
            problems.append("a custom exception handler is set")
        if sys.gettrace() is not None or sys.getprofile() is not None:
            problems.append("a trace or profile function is set")
        if threading._trace_hook is not None or threading._profile_hook is not None:
            problems.append("a thread trace or profile function is set")
        verdict = "ok" if not problems else "tampered: " + "; ".join(problems[:8])
        write(f"\n@@grader-check {nonce} {verdict}\n")

    return check


__grader_check = __grader_watch()
del __grader_watch
'''


def prologue() -> str:
    """The cell that records what judges, run before the notebook's first cell."""
    return _PROLOGUE


def new_nonce() -> str:
    return secrets.token_hex(16)


def check_code(nonce: str) -> str:
    """A cell that reports (with ``nonce``) whether anything recorded by the prologue changed."""
    return f"__grader_check({nonce!r})"


def read_check(outputs: list, nonce: str) -> tuple[bool, str]:
    """(clean, reason) from a check cell's outputs: clean only on a well-formed ``ok`` line."""
    text = "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream" and o.get("name") == "stdout")
    for line in text.splitlines():
        if line.startswith(f"@@grader-check {nonce} "):
            verdict = line.split(" ", 2)[2]
            return (verdict == "ok", "" if verdict == "ok" else verdict)
    errors = [f"{o.get('ename')}: {o.get('evalue')}" for o in outputs if o.get("output_type") == "error"]
    return False, "the integrity check did not report" + (f" ({errors[0][:200]})" if errors else " (its cell was swallowed or its output redirected)")


def describe(findings: list[Finding]) -> str:
    return json.dumps([str(f) for f in findings])
