"""Record what the student's code calls that its task puts off limits, while a probe runs.

A task that asks for a backward pass "by hand" is judged on values, and values alone cannot
tell a hand-written gradient from ``torch.autograd.grad``. So while a probe calls the
student's code, :class:`Recording` watches for the calls the task forbids and notes who made
them:

* torch functions and tensor methods (``torch.softmax``, ``F.linear`` ...), through a
  ``torch.overrides.TorchFunctionMode``;
* every run of the autograd engine (``Tensor.backward``, ``torch.autograd.grad`` and what is
  built on them), at its one Python entry ``torch.autograd._engine_run_backward``, which is
  also where the watch is put back on for the backward functions the engine calls (a
  ``TorchFunctionMode`` is off while a call it intercepted runs);
* steps of any ``torch.optim`` optimizer, through torch's global optimizer step hook, and its
  functional forms (``torch.optim.sgd.sgd`` ...);
* plain Python functions (``numpy.roots``), through ``sys.setprofile``, only when a rule
  names one.

A call counts only when the code that made it is the student's: walking out from the call,
frames of installed libraries (the standard library, site-packages, this package) are
skipped, and the first other frame decides. If it belongs to the probe's own test cell (the
harness may drive autograd to test a hand-written ``Function.backward``), the call is
allowed; otherwise it is recorded with the student's function and line.

Rules are named by tokens (:data:`RULES`): ``"autograd"``, ``"torch.optim"``, ``"softmax"``,
``"linear"``, ``"relu"``, ``"elu"``, ``"mse_loss"``, ``"cross_entropy"``, ``"torch"`` (any
torch call at all), ``"numpy.roots"``, ``"jacobian"``. Tensor arithmetic (``exp``, ``sum``,
``@``, ``max``) is never off limits unless a task forbids torch itself.
"""
from __future__ import annotations

import os
import sys
import sysconfig
from dataclasses import dataclass, field
from types import CodeType, FrameType
from typing import Any, Callable, Iterable

import torch
from torch.overrides import TorchFunctionMode

# Names of torch functions (their ``__name__``, wherever torch exposes them: torch.x,
# torch.nn.functional.x, Tensor.x, torch.ops.aten.x) each rule forbids.
_TORCH_NAMES: dict[str, frozenset[str]] = {
    "softmax": frozenset({"softmax", "_softmax", "log_softmax", "_log_softmax", "softmin", "special_softmax",
                          "special_log_softmax", "gumbel_softmax", "cross_entropy"}),
    "linear": frozenset({"linear", "bilinear", "addmm_linear"}),
    "relu": frozenset({"relu", "relu_", "relu6", "threshold", "threshold_"}),
    "elu": frozenset({"elu", "elu_", "celu", "celu_", "selu", "selu_"}),
    "mse_loss": frozenset({"mse_loss"}),
    "cross_entropy": frozenset({"cross_entropy", "nll_loss", "nll_loss_nd", "nll_loss2d", "log_softmax", "_log_softmax",
                                "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div"}),
    "jacobian": frozenset({"jacobian", "hessian", "vjp", "jvp", "hvp", "vhp"}),
}
# Python functions each rule forbids, found by their code objects: (module, attribute path).
_PYTHON_TARGETS: dict[str, tuple[tuple[str, str], ...]] = {
    "numpy.roots": (("numpy", "roots"), ("numpy.polynomial.polynomial", "polyroots"),
                    ("numpy.polynomial", "Polynomial.roots")),
    "jacobian": (("torch.autograd.functional", "jacobian"), ("torch.autograd.functional", "hessian"),
                 ("torch.func", "jacrev"), ("torch.func", "jacfwd"), ("torch.func", "grad"), ("torch.func", "vjp")),
    "autograd": (("torch.func", "grad"), ("torch.func", "vjp"), ("torch.func", "jacrev"), ("torch.func", "grad_and_value")),
    # torch.optim's functional forms (what Optimizer.step runs), called without an optimizer
    "torch.optim": tuple((f"torch.optim.{m}", m) for m in ("sgd", "adam", "adamw", "adagrad", "rmsprop", "adadelta",
                                                          "adamax", "nadam", "radam", "asgd", "rprop")),
}
_ALL_TORCH = "torch"
_OPTIM = "torch.optim"
_AUTOGRAD = "autograd"
RULES = frozenset(_TORCH_NAMES) | frozenset(_PYTHON_TARGETS) | {_ALL_TORCH, _OPTIM, _AUTOGRAD}
_KEEP = 20  # distinct offences kept per recording


@dataclass(frozen=True)
class Offence:
    """The student's ``caller`` (a qualified function name and line) called ``called``."""

    rule: str
    called: str
    caller: str
    line: int

    def __str__(self) -> str:
        who = "your code" if self.caller in ("<module>", "") else f"`{self.caller}`"
        return f"{who} called `{self.called}` (line {self.line})"


def _library_roots() -> tuple[str, ...]:
    paths = sysconfig.get_paths()
    roots = {paths[k] for k in ("stdlib", "platstdlib", "purelib", "platlib") if paths.get(k)}
    roots.add(os.path.dirname(os.path.abspath(__file__)))  # this package
    roots.add(os.path.dirname(os.path.dirname(os.path.abspath(torch.__file__))))
    return tuple(sorted(os.path.join(os.path.realpath(r), "") for r in roots))


_LIBRARY_ROOTS = _library_roots()
_is_library_cache: dict[str, bool] = {}


def _is_library(filename: str) -> bool:
    known = _is_library_cache.get(filename)
    if known is None:
        real = os.path.realpath(filename) if filename.startswith("/") else filename
        known = filename.startswith("<frozen") or any(real.startswith(r) for r in _LIBRARY_ROOTS)
        _is_library_cache[filename] = known
    return known


def public_name(func: Any) -> str:
    """A readable name of a torch callable: ``torch.softmax``, ``Tensor.backward``, ``F.linear``."""
    name = getattr(func, "__name__", None) or type(func).__name__
    if name in ("__get__", "__set__", "__delete__"):  # a tensor attribute read or written: Tensor.grad
        owner = getattr(func, "__self__", None)
        return f"Tensor.{getattr(owner, '__name__', name)}"
    qual = getattr(func, "__qualname__", "") or name
    module = getattr(func, "__module__", "") or ""
    if qual.startswith(("_VariableFunctionsClass.", "_TensorBase.", "TensorBase.", "Tensor.")):
        owner = "torch" if qual.startswith("_Variable") else "Tensor"
        return f"{owner}.{name}"
    if module == "torch.nn.functional" or module == "torch._C._nn":
        return f"torch.nn.functional.{name}"
    if module.startswith("torch") and module != "torch._ops":
        return f"{module}.{name}"
    if module == "torch._ops" or "pybind11" in type(func).__name__ or "OpOverload" in type(func).__name__:
        return f"torch.ops.aten.{name}"
    return f"torch.{name}"


def _python_codes(rules: Iterable[str]) -> dict[CodeType, tuple[str, str]]:
    """Code objects of the Python functions the rules forbid -> (rule, readable name)."""
    import importlib

    codes: dict[CodeType, tuple[str, str]] = {}
    for rule in rules:
        for module_name, path in _PYTHON_TARGETS.get(rule, ()):
            try:
                obj: Any = importlib.import_module(module_name)
                for part in path.split("."):
                    obj = getattr(obj, part)
            except (ImportError, AttributeError):
                continue
            obj = getattr(obj, "_implementation", obj)  # NumPy's dispatcher wraps the Python function
            code = getattr(obj, "__code__", None)
            if code is not None:
                codes[code] = (rule, f"{module_name}.{path}")
    return codes


@dataclass
class Recording:
    """Watches calls while active (``with Recording(rules, harness_file): ...``).

    ``harness_file`` is the ``co_filename`` of the probe (its test cell): calls made from it
    are the test's own. ``offences`` lists what the student's code called.
    """

    rules: frozenset[str]
    harness_file: str
    offences: list[Offence] = field(default_factory=list)

    def __post_init__(self) -> None:
        unknown = set(self.rules) - RULES
        if unknown:
            raise ValueError(f"unknown forbid rules {sorted(unknown)}; known: {sorted(RULES)}")
        self._torch_names = {n: r for r in self.rules for n in _TORCH_NAMES.get(r, ())}
        self._codes = _python_codes(self.rules)
        self._undo: list[Callable[[], None]] = []

    # -- who called ---------------------------------------------------------------------------
    def _student_frame(self, frame: FrameType | None) -> tuple[FrameType | None, FrameType | None]:
        """(the first frame out from ``frame`` that is not a library's, or None if it is the test's;
        the library frame the student's code called into, if any)."""
        entry = None
        while frame is not None and _is_library(frame.f_code.co_filename):
            entry, frame = frame, frame.f_back
        if frame is None or frame.f_code.co_filename == self.harness_file:
            return None, None
        return frame, entry

    def _note(self, rule: str, called: str, frame: FrameType | None) -> None:
        student, entry = self._student_frame(frame)
        if student is None or len(self.offences) >= _KEEP:
            return
        module = entry.f_globals.get("__name__", "") if entry is not None else ""
        if entry is not None and module.startswith("torch") and rule == _ALL_TORCH:
            # torch called this on the student's behalf: name what the student called
            called = f"{module}.{getattr(entry.f_code, 'co_qualname', entry.f_code.co_name)}"
        offence = Offence(rule, called, getattr(student.f_code, "co_qualname", student.f_code.co_name), student.f_lineno)
        if offence not in self.offences:
            self.offences.append(offence)

    # -- the watchers -------------------------------------------------------------------------
    def _torch_call(self, func: Any) -> None:
        name = getattr(func, "__name__", "")
        rule = self._torch_names.get(name)
        if rule is None and _ALL_TORCH in self.rules:
            rule = _ALL_TORCH
        if rule is not None:
            self._note(rule, public_name(func), sys._getframe(2))

    def _optimizer_step(self, optimizer: Any, args: Any, kwargs: Any) -> None:
        self._note(_OPTIM, f"{type(optimizer).__module__}.{type(optimizer).__name__}.step", sys._getframe(1))

    def _engine_call(self, frame: FrameType | None) -> None:
        """Name an autograd run by the torch entry it came through, and note it."""
        called = "torch.autograd.backward"
        walk = frame
        while walk is not None and _is_library(walk.f_code.co_filename):
            name, module = walk.f_code.co_name, walk.f_globals.get("__name__", "")
            if module == "torch.autograd" and name in ("grad", "backward"):
                called = f"torch.autograd.{name}"
            elif module == "torch._tensor" and name == "backward":
                called = "Tensor.backward"
            elif module == "torch.autograd.functional":
                called = f"torch.autograd.functional.{name}"
            walk = walk.f_back
        self._note(_AUTOGRAD, called, frame)

    def _profile(self, frame: FrameType, event: str, arg: Any) -> None:
        if event == "call":
            hit = self._codes.get(frame.f_code)
            if hit is not None:
                self._note(hit[0], hit[1], frame.f_back)

    def __enter__(self) -> "Recording":
        import torch.autograd as autograd

        mode = _Watch(self._torch_call) if (self._torch_names or _ALL_TORCH in self.rules) else None
        if mode is not None:
            mode.__enter__()
            self._undo.append(lambda: mode.__exit__(None, None, None))
        engine = autograd._engine_run_backward
        watching_autograd = _AUTOGRAD in self.rules

        def run_backward(*args: Any, **kwargs: Any) -> Any:
            if watching_autograd:
                self._engine_call(sys._getframe(1))
            if mode is None:
                return engine(*args, **kwargs)
            with mode:  # the engine calls Python backward functions: watch them too
                return engine(*args, **kwargs)

        autograd._engine_run_backward = run_backward
        self._undo.append(lambda: setattr(autograd, "_engine_run_backward", engine))
        if _OPTIM in self.rules:
            from torch.optim.optimizer import register_optimizer_step_pre_hook

            handle = register_optimizer_step_pre_hook(self._optimizer_step)
            self._undo.append(handle.remove)
        if self._codes:
            previous = sys.getprofile()
            sys.setprofile(self._profile)
            self._undo.append(lambda: sys.setprofile(previous))
        return self

    def __exit__(self, *exc: Any) -> None:
        while self._undo:
            self._undo.pop()()


class _Watch(TorchFunctionMode):
    """Tells ``seen`` of every torch function called while it is active, then calls it."""

    def __init__(self, seen: Callable[[Any], None]) -> None:
        super().__init__()
        self._seen = seen

    def __torch_function__(self, func, types, args=(), kwargs=None):
        self._seen(func)
        return func(*args, **(kwargs or {}))
