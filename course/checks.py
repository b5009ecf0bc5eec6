"""Assertions that the lessons' visible and hidden tests call.

Every check compares a student's value with a reference computed by PyTorch (or NumPy) and
raises :class:`CheckFailed` (an ``AssertionError``) with a message that names the check, says
what was expected and what was got, and for arrays gives the first mismatching index and the
largest absolute and relative errors.

Conventions
-----------
* ``name`` is what the student sees: write it as the call that produced the value,
  e.g. ``"grad(1.5, a=1, b=-6, c=4)"``.
* Types are checked exactly (``type(x) is ...``), never with ``isinstance`` or ``==``: an
  object whose ``__eq__`` always answers True, or a subclass that overrides comparisons,
  fails the type check before any value is compared.
* Tensors are compared in float64 after the type, shape and (optionally) dtype checks, with
  ``|got - expected| <= atol + rtol * |expected|`` elementwise (``torch.isclose``'s rule);
  NaN matches only NaN, and +-inf only the same infinity.
* Check functions hide their own frames from IPython tracebacks (``__tracebackhide__``):
  a failing test shows the test's line and the message, not the checking machinery.
* The default tolerances let a correct float32 solution pass (``rtol=1e-5, atol=1e-6``);
  hidden tests that run in float64 pass tighter ones.
* Values that come from a probe (:mod:`course.probing`) may be a :class:`~course.wire.Raised`
  record (the student's call raised) or a :class:`~course.wire.Foreign` marker (an object the
  wire does not carry): every check fails on them with a message that says so.

The test cells' probes and judges are made with :func:`probe`, :func:`judge` and
:func:`attempt`, re-exported here from :mod:`course.probing`.
"""
from __future__ import annotations

import math
import numbers
from typing import Any, Callable, Iterable, Sequence

import numpy as np
import torch

from .probing import attempt, judge, probe
from .wire import Foreign, Raised

__all__ = [
    "probe",
    "judge",
    "attempt",
    "CheckFailed",
    "check_type",
    "check_float",
    "check_int",
    "check_tensor",
    "check_close",
    "check_shape",
    "check_raises",
    "check_true",
    "check_finite",
    "check_all_close",
    "check_raised",
]

# Captured at import so that later rebinding of these names cannot change what a check accepts.
_Tensor = torch.Tensor
_Parameter = torch.nn.Parameter
_FLOAT_TYPES: tuple[type, ...] = (float, int, np.float64, np.float32, np.float16, np.int64, np.int32)
_TENSOR_TYPES: tuple[type, ...] = (_Tensor, _Parameter)


class CheckFailed(AssertionError):
    """A check found a wrong value. The message is meant for the student."""


def _fail(name: str, what: str) -> None:
    __tracebackhide__ = True  # IPython shows the test line and the message, not these internals
    raise CheckFailed(f"[{name}] {what}")


def _type_name(value: Any) -> str:
    t = type(value)
    if t is Foreign:
        return value.type_name
    return t.__name__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


def _not_raised(name: str, got: Any) -> None:
    __tracebackhide__ = True  # IPython shows the test line and the message, not these internals
    if type(got) is Raised:
        _fail(name, f"your code raised {got}")


def check_type(name: str, got: Any, expected: type | tuple[type, ...]) -> None:
    """Fail unless ``type(got)`` is exactly one of ``expected`` (subclasses are rejected)."""
    __tracebackhide__ = True  # IPython shows the test line and the message, not these internals
    _not_raised(name, got)
    allowed = expected if isinstance(expected, tuple) else (expected,)
    if not any(type(got) is t for t in allowed):
        names = " or ".join(t.__name__ for t in allowed)
        _fail(name, f"expected a {names}, got {_type_name(got)}")


def _as_float(name: str, got: Any) -> float:
    __tracebackhide__ = True  # IPython shows the test line and the message, not these internals
    _not_raised(name, got)
    if type(got) is bool or not any(type(got) is t for t in _FLOAT_TYPES):
        _fail(name, f"expected a Python float (or int), got {_type_name(got)}"
              + (" - call .item() to turn a one-element tensor into a float" if type(got) in _TENSOR_TYPES else ""))
    return float(got)


def check_float(name: str, got: Any, expected: float, *, rtol: float = 1e-5, atol: float = 1e-6) -> None:
    """Compare a scalar with ``expected``: ``|got - expected| <= atol + rtol * |expected|``.

    ``got`` must be a real ``float`` (``int`` and NumPy float scalars are accepted, ``bool``,
    tensors and other objects are not). NaN equals only NaN; an infinity only itself.
    """
    __tracebackhide__ = True  # IPython shows the test line and the message, not these internals
    value = _as_float(name, got)
    exp = float(expected)
    if math.isnan(exp) or math.isnan(value):
        if not (math.isnan(exp) and math.isnan(value)):
            _fail(name, f"expected {exp!r}, got {value!r}")
        return
    if math.isinf(exp) or math.isinf(value):
        if value != exp:
            _fail(name, f"expected {exp!r}, got {value!r}")
        return
    err = abs(value - exp)
    if not err <= atol + rtol * abs(exp):
        rel = err / abs(exp) if exp != 0 else math.inf
        _fail(name, f"expected {exp!r}, got {value!r} (abs err {err:.3g} > atol {atol:g} + rtol {rtol:g} * |expected|; rel err {rel:.3g})")


def check_int(name: str, got: Any, expected: int) -> None:
    """Exact equality for an integer count (``int`` or a NumPy integer; not ``bool``)."""
    __tracebackhide__ = True  # IPython shows the test line and the message, not these internals
    _not_raised(name, got)
    if type(got) is bool or not any(type(got) is t for t in (int, np.int64, np.int32)):
        _fail(name, f"expected an int, got {_type_name(got)}")
    if int(got) != int(expected):
        _fail(name, f"expected {int(expected)}, got {int(got)}")


def check_shape(name: str, got: Any, expected: Sequence[int]) -> None:
    """Fail unless ``got`` is a real tensor of exactly the shape ``expected``."""
    __tracebackhide__ = True  # IPython shows the test line and the message, not these internals
    check_type(name, got, _TENSOR_TYPES)
    if tuple(got.shape) != tuple(expected):
        _fail(name, f"expected shape {tuple(expected)}, got {tuple(got.shape)}")


def _to_reference(expected: Any) -> _Tensor:
    if type(expected) in _TENSOR_TYPES:
        return expected.detach().to("cpu", torch.float64)
    return torch.as_tensor(np.asarray(expected, dtype=np.float64))


def check_tensor(
    name: str,
    got: Any,
    expected: Any,
    *,
    rtol: float = 1e-5,
    atol: float = 1e-6,
    dtype: torch.dtype | None = None,
) -> None:
    """Compare a tensor with a reference tensor (or array) elementwise.

    Checks, in order: ``got`` is a real ``torch.Tensor``; its shape equals the reference's;
    its dtype is ``dtype`` when one is given; every element satisfies
    ``|got - expected| <= atol + rtol * |expected|`` in float64. The failure message gives the
    first mismatching index, expected vs got there, and the largest abs / rel errors.
    """
    __tracebackhide__ = True  # IPython shows the test line and the message, not these internals
    check_type(name, got, _TENSOR_TYPES)
    ref = _to_reference(expected)
    if tuple(got.shape) != tuple(ref.shape):
        _fail(name, f"expected shape {tuple(ref.shape)}, got {tuple(got.shape)}")
    if dtype is not None and got.dtype != dtype:
        _fail(name, f"expected dtype {dtype}, got {got.dtype}")
    if got.is_complex() or got.dtype == torch.bool:
        _fail(name, f"expected a real floating tensor, got dtype {got.dtype}")
    val = got.detach().to("cpu", torch.float64)
    both_nan = torch.isnan(val) & torch.isnan(ref)
    same_inf = torch.isinf(ref) & (val == ref)
    diff = (val - ref).abs()
    ok = (diff <= atol + rtol * ref.abs()) | both_nan | same_inf
    if bool(ok.all()):
        return
    bad = (~ok).nonzero()
    first = tuple(int(i) for i in bad[0]) if bad.numel() else ()
    finite = torch.isfinite(diff)
    max_abs = float(diff[finite].max()) if bool(finite.any()) else math.nan
    rel = diff / ref.abs().clamp_min(1e-300)
    max_rel = float(rel[finite].max()) if bool(finite.any()) else math.nan
    n_bad = int((~ok).sum())
    where = f"index {first}" if first else "the value"
    _fail(
        name,
        f"{n_bad} of {ok.numel()} elements differ; first at {where}: expected {float(ref[first]):.10g}, "
        f"got {float(val[first]):.10g}; max abs err {max_abs:.3g}, max rel err {max_rel:.3g} "
        f"(tolerance: atol {atol:g} + rtol {rtol:g} * |expected|)",
    )


def check_close(name: str, got: Any, expected: Any, *, rtol: float = 1e-5, atol: float = 1e-6) -> None:
    """Dispatch on the reference: a tensor reference needs a tensor, a number a float."""
    __tracebackhide__ = True  # IPython shows the test line and the message, not these internals
    if type(expected) in _TENSOR_TYPES or isinstance(expected, np.ndarray):
        check_tensor(name, got, expected, rtol=rtol, atol=atol)
    elif isinstance(expected, numbers.Real):
        check_float(name, got, float(expected), rtol=rtol, atol=atol)
    else:
        raise TypeError(f"check_close: unsupported reference type {type(expected).__name__}")


def check_finite(name: str, got: Any) -> None:
    """Fail if a float or tensor holds NaN or an infinity."""
    __tracebackhide__ = True  # IPython shows the test line and the message, not these internals
    if type(got) in _TENSOR_TYPES:
        if not bool(torch.isfinite(got.detach()).all()):
            _fail(name, "contains NaN or inf")
    elif not math.isfinite(_as_float(name, got)):
        _fail(name, f"expected a finite number, got {float(got)!r}")


def check_raises(
    name: str,
    call: Callable[[], Any],
    exception: type[BaseException] | tuple[type[BaseException], ...],
    match: str | None = None,
) -> BaseException:
    """Call ``call()`` and fail unless it raises ``exception`` (optionally with ``match`` in its message)."""
    __tracebackhide__ = True  # IPython shows the test line and the message, not these internals
    expected = exception if isinstance(exception, tuple) else (exception,)
    names = " or ".join(e.__name__ for e in expected)
    try:
        result = call()
    except expected as err:  # the wanted outcome
        if match is not None and match not in str(err):
            _fail(name, f"raised {type(err).__name__} as expected, but its message {str(err)!r} does not mention {match!r}")
        return err
    except Exception as err:
        _fail(name, f"expected {names}, but it raised {type(err).__name__}: {err}")
    _fail(name, f"expected {names}, but it returned {_type_name(result)} without raising")
    raise AssertionError("unreachable")


def check_true(name: str, condition: Any, message: str) -> None:
    """Fail with ``message`` unless ``condition`` is the real ``True`` (not merely truthy)."""
    __tracebackhide__ = True  # IPython shows the test line and the message, not these internals
    _not_raised(name, condition)
    if not (condition is True or type(condition) is np.bool_ and bool(condition)):
        _fail(name, message)


def check_all_close(name: str, got: Iterable[Any], expected: Sequence[float], *, rtol: float = 1e-5, atol: float = 1e-6) -> None:
    """Compare a list or tuple of floats with a reference sequence, element by element."""
    __tracebackhide__ = True  # IPython shows the test line and the message, not these internals
    check_type(name, got, (list, tuple))
    items = list(got)
    if len(items) != len(expected):
        _fail(name, f"expected {len(expected)} values {list(expected)!r}, got {len(items)}: {items!r}")
    for i, (g, e) in enumerate(zip(items, expected)):
        check_float(f"{name}[{i}]", g, e, rtol=rtol, atol=atol)



def _matches(raised: Raised, expected: type[BaseException] | str) -> bool:
    return raised.is_a(expected if isinstance(expected, str) else expected.__name__)


def check_raised(
    name: str,
    got: Any,
    exception: type[BaseException] | str | tuple[type[BaseException] | str, ...],
    match: str | None = None,
) -> None:
    """Judge side of :func:`check_raises`: ``got`` (from :func:`attempt`) must be a
    :class:`Raised` record of ``exception`` (a class, its name, or a tuple of either;
    subclasses count), with ``match`` in its message when given."""
    __tracebackhide__ = True  # IPython shows the test line and the message, not these internals
    expected = exception if isinstance(exception, tuple) else (exception,)
    names = " or ".join(e if isinstance(e, str) else e.__name__ for e in expected)
    if type(got) is not Raised:
        _fail(name, f"expected {names}, but it returned {_type_name(got)} without raising")
    if not any(_matches(got, e) for e in expected):
        _fail(name, f"expected {names}, but it raised {got}")
    if match is not None and match not in got.message:
        _fail(name, f"raised {got.name} as expected, but its message {got.message!r} does not mention {match!r}")
