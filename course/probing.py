"""Tests written as probes and judges.

A test cell pairs a *probe*, which calls the student's code and returns plain data, with a
*judge*, which computes the reference with PyTorch and compares::

    @checks.probe(forbid=["softmax"])
    def softmax_small():
        "softmax([2, 3, 4], dim=0)"
        return softmax(torch.tensor([2.0, 3.0, 4.0], dtype=torch.float64), dim=0)

    @checks.judge(softmax_small)
    def _(got):
        x = torch.tensor([2.0, 3.0, 4.0], dtype=torch.float64)
        checks.check_tensor("softmax([2, 3, 4], dim=0)", got, torch.softmax(x, dim=0))

Where the cell runs decides what happens (the *mode*):

* ``whole`` (JupyterLab, Validate, plain ``nbgrader autograde``): the probe runs, its answer
  goes through the same encoding the grader uses (:mod:`course.wire`), the judge decides at
  once; a failure raises :class:`~course.checks.CheckFailed` (the cell scores 0), a pass
  prints ``passed: <label>``.
* ``answer`` (the student's kernel under ``course grade``, set by the environment variable
  ``COURSE_PROBES=answer``): the grader sends the cell with every judge's body removed; the
  probe runs and its answer is published as a ``display_data`` of type :data:`MIME`. Nothing
  is judged in the student's kernel.
* ``collect`` (the grader's trusted process, :func:`collecting`): the cell's judges are
  registered, no probe runs; the grader then calls :func:`decide` on each answer.

:func:`decide` is the one place a verdict is made, so the three modes give the same points
and the same messages. While a probe runs, warnings and ``stderr`` go to ``stdout`` (plain
nbgrader scores any ``stderr`` as a failure, and a warning is not a mistake), and the calls
its ``forbid`` rules name are recorded (:mod:`course.recorder`): a probe whose student code
made one fails, naming it. An exception from the student's code becomes a
:class:`~course.wire.Raised` answer that says where it came from.
"""
from __future__ import annotations

import contextlib
import linecache
import os
import sys
import traceback
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator

from . import recorder, wire
from .wire import Foreign, Raised

MIME = "application/vnd.course.answer+json"
MODES = ("whole", "answer", "collect")
_mode = os.environ.get("COURSE_PROBES", "whole") if os.environ.get("COURSE_PROBES") in MODES else "whole"
_collected: list["Judgement"] = []

# What each rule's message tells the student the task wants instead.
ASKS = {
    "autograd": "this task asks for the gradient computed by hand, without autograd",
    "jacobian": "this task asks for the Jacobian computed by hand",
    "torch.optim": "this task asks you to write the update yourself, without torch.optim",
    "torch": "this task asks you to build it from Python numbers, without torch",
    "numpy.roots": "this task asks for the roots found by gradient descent",
}
ASK_OTHERWISE = "this task asks you to compute it yourself"


@dataclass(frozen=True)
class Probe:
    """A function of no arguments that calls the student's code and returns plain data."""

    fn: Callable[[], Any]
    forbid: frozenset[str] = frozenset()

    @property
    def name(self) -> str:
        return self.fn.__name__

    @property
    def label(self) -> str:
        doc = (self.fn.__doc__ or "").strip()
        return doc.splitlines()[0] if doc else self.fn.__name__


@dataclass(frozen=True)
class Judgement:
    """A judge as the trusted side collects it: the probe's name and label, the function."""

    probe: str
    label: str
    judge: Callable[[Any], None]


@dataclass(frozen=True)
class Verdict:
    passed: bool
    message: str


@dataclass
class _Answer:
    value: Any
    offences: list[recorder.Offence] = field(default_factory=list)


def probe(fn: Callable[[], Any] | None = None, *, forbid: Iterable[str] = ()) -> Any:
    """Mark ``fn`` as a probe: ``@probe`` or ``@probe(forbid=["autograd", ...])``.

    ``forbid`` names what the student's code may not call while the probe runs (the rules of
    :mod:`course.recorder`). The probe's docstring (first line) is its label in messages.
    """
    rules = frozenset(forbid)
    unknown = rules - recorder.RULES
    if unknown:
        raise ValueError(f"unknown forbid rules {sorted(unknown)}; known: {sorted(recorder.RULES)}")
    if fn is None:
        return lambda f: Probe(f, rules)
    return Probe(fn, rules)


def judge(p: Probe) -> Callable[[Callable[[Any], None]], Callable[[Any], None]]:
    """Mark a function of one argument (the probe's answer) as the judge of probe ``p``."""
    __tracebackhide__ = True  # IPython shows the test line and the message, not these internals
    if type(p) is not Probe:
        raise TypeError(f"@judge takes a probe (a function decorated with @probe), got {wire.type_name(p)}")

    def register(fn: Callable[[Any], None]) -> Callable[[Any], None]:
        __tracebackhide__ = True  # IPython shows the test line and the message, not these internals
        if _mode == "collect":
            _collected.append(Judgement(p.name, p.label, fn))
            return fn
        text = run(p)
        if _mode == "answer":
            publish(p.name, text)
            return fn
        verdict = decide(text, fn, p.label)
        if not verdict.passed:
            from .checks import CheckFailed

            raise CheckFailed(verdict.message)
        print(verdict.message)
        return fn

    return register


def attempt(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)``, or a :class:`Raised` record of the exception it raised.

    For probes that go on after a call that may fail (a check of the error a function must
    raise, or one case among many): the judge then sees what was raised, and where.
    """
    try:
        return fn(*args, **kwargs)
    except Exception as err:  # the student's exception becomes data for the judge
        return raised(err, _harness_file())


def _harness_file() -> str:
    frame = sys._getframe(2)
    return frame.f_code.co_filename if frame else ""


def raised(err: BaseException, harness_file: str = "") -> Raised:
    """The record of ``err``: its class names, message, and the student's line it came from."""
    types = tuple(c.__name__ for c in type(err).__mro__ if c is not object)
    try:
        message = str(err)
    except Exception:  # a hostile __str__
        message = "(its message could not be read)"
    where = ""
    for frame, line in reversed(list(traceback.walk_tb(err.__traceback__))):
        code = frame.f_code
        if recorder._is_library(code.co_filename) or code.co_filename == harness_file:
            continue
        text = linecache.getline(code.co_filename, line).strip()
        where = f"in `{getattr(code, 'co_qualname', code.co_name)}`, line {line}" + (f": {text}" if text else "")
        break
    if types[0] == "NameError":
        message += " (did the cell that defines it run without an error?)"
    return Raised(types, message[: wire.MAX_STRING], where[:2000])


def run(p: Probe) -> str:
    """Run probe ``p`` as the test does; its answer as wire text (never raises for the student's code)."""
    harness = p.fn.__code__.co_filename
    recording = recorder.Recording(p.forbid, harness) if p.forbid else None
    with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stderr(sys.stdout):
        warnings.simplefilter("always")
        try:
            with recording if recording is not None else contextlib.nullcontext():
                value = p.fn()
        except Exception as err:
            value = raised(err, harness)
    for w in caught[:20]:
        print(f"{w.category.__name__} (a warning, not a failure): {w.message}")
    offences = recording.offences if recording is not None else []
    document = {"value": value, "forbidden": [[o.rule, o.called, o.caller, o.line] for o in offences]}
    try:
        return wire.encode(document)
    except (wire.WireError, RecursionError) as err:
        return wire.encode({"value": Raised(("AnswerError",), f"the answer cannot be sent to the judge: {err}"), "forbidden": document["forbidden"]})


def publish(probe_name: str, text: str) -> None:
    """Send an answer to the grader (``answer`` mode)."""
    from IPython.display import publish_display_data

    publish_display_data({MIME: {"probe": probe_name, "answer": text}})


def _offences(raw: Any) -> list[recorder.Offence]:
    if type(raw) is not list:
        raise wire.WireError("the record of forbidden calls is not a list")
    out = []
    for item in raw[:50]:
        if not (type(item) is list and len(item) == 4 and all(type(x) is str for x in item[:3]) and type(item[3]) is int):
            raise wire.WireError("a malformed record of a forbidden call")
        out.append(recorder.Offence(*item))
    return out


def decide(text: Any, judge_fn: Callable[[Any], None], label: str) -> Verdict:
    """The verdict on one probe's answer (wire text) by ``judge_fn``: the same in every mode."""
    from .checks import CheckFailed

    try:
        document = wire.decode(text)
        if not (type(document) is dict and set(document) == {"value", "forbidden"}):
            raise wire.WireError("the answer is not a {value, forbidden} record")
        offences = _offences(document["forbidden"])
    except wire.WireError as err:
        return Verdict(False, f"[{label}] the test's answer could not be read: {err}")
    if offences:
        asks = ASKS.get(offences[0].rule, ASK_OTHERWISE)
        calls = "; ".join(str(o) for o in offences[:5])
        return Verdict(False, f"[{label}] {calls}: {asks}")
    value = document["value"]
    if type(value) is Raised:
        return Verdict(False, f"[{label}] your code raised {value}")
    try:
        judge_fn(value)
    except CheckFailed as err:
        return Verdict(False, str(err))
    except Exception as err:  # the answer is not of the form the judge reads
        return Verdict(False, f"[{label}] the answer could not be judged: {type(err).__name__}: {err}")
    return Verdict(True, f"passed: {label}")


@contextlib.contextmanager
def collecting() -> Iterator[list[Judgement]]:
    """Within: ``@judge`` registers judges (in order) instead of running probes (the trusted side)."""
    global _mode, _collected
    saved = _mode, _collected
    _mode, _collected = "collect", []
    try:
        yield _collected
    finally:
        _mode, _collected = saved


def mode() -> str:
    return _mode


__all__ = ["MIME", "Probe", "Judgement", "Verdict", "Raised", "Foreign", "probe", "judge", "attempt", "decide",
           "collecting", "run", "raised"]
