"""What a probe's answer may be, and how it crosses from the student's kernel to the judge.

A probe (see :mod:`course.probing`) returns plain data; this module turns it into JSON text
and back, and nothing else crosses. No pickle, no student object: a value the format does
not know (a student's class, a float subclass, a tensor subclass) becomes a :class:`Foreign`
marker holding only its type's name, which every check rejects by its exact type.

The format (JSON, each value one of)::

    null, true/false, a number (an int of at most 4000 digits, a finite float), a string
    [ ... ]                                   a list
    {"$tuple": [ ... ]}                       a tuple
    {"$dict": [[key, value], ...]}            a dict (keys: str, int, float, bool, None, tuples)
    {"$float": "nan" | "inf" | "-inf"}        a non-finite float
    {"$tensor": {"dtype": "float32", "shape": [2, 3], "data": base64, "grad": bool, "param": bool}}
    {"$ndarray": {"dtype": "float64", "shape": [...], "data": base64}}
    {"$np": {"dtype": "float32", "data": base64}}      a NumPy scalar (np.float32(1.5), ...)
    {"$raised": {"types": [...], "message": str, "where": str}}   the call raised
    {"$foreign": {"type": "module.Class"}}    anything else

Tensors cross as raw little-endian buffers with their dtype and shape (``data`` is the
contiguous CPU copy; ``grad`` is ``requires_grad``; ``param`` marks an ``nn.Parameter``).
Sizes are bounded on both sides: :data:`MAX_TEXT` characters of JSON, :data:`MAX_DEPTH`
levels of nesting, :data:`MAX_ITEMS` values in all. The decoder trusts nothing: a malformed,
oversized or over-deep text raises :class:`WireError` with the reason.
"""
from __future__ import annotations

import base64
import binascii
import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

MAX_TEXT = 24 * 2**20       # characters of JSON in one answer
MAX_DEPTH = 32              # nesting of lists, tuples and dicts
MAX_ITEMS = 200_000         # values in one answer (tensor elements count as one value)
MAX_STRING = 100_000        # characters in one string
MAX_INT_DIGITS = 4000

_TENSOR_DTYPES: dict[str, torch.dtype] = {
    str(d).removeprefix("torch."): d
    for d in (torch.float16, torch.bfloat16, torch.float32, torch.float64, torch.complex64, torch.complex128,
              torch.int8, torch.int16, torch.int32, torch.int64, torch.uint8, torch.bool)
}
_NUMPY_DTYPES = frozenset({"float16", "float32", "float64", "complex64", "complex128", "int8", "int16", "int32",
                           "int64", "uint8", "uint16", "uint32", "uint64", "bool"})


class WireError(ValueError):
    """An answer that cannot be encoded or decoded; the message says why."""


@dataclass(frozen=True)
class Foreign:
    """Stands for a value of a type the wire does not carry (only its type's name crosses)."""

    type_name: str

    def __repr__(self) -> str:
        return f"<a {self.type_name} object>"


@dataclass(frozen=True)
class Raised:
    """A call that raised instead of returning.

    ``types`` are the names along the exception's class hierarchy (``["MyError",
    "ValueError", "Exception", "BaseException"]``), ``message`` is ``str(exception)``,
    ``where`` names the student's line it came from ("" when unknown).
    """

    types: tuple[str, ...]
    message: str
    where: str = ""

    @property
    def name(self) -> str:
        return self.types[0] if self.types else "Exception"

    def is_a(self, name: str) -> bool:
        return name in self.types

    def __str__(self) -> str:
        text = f"{self.name}: {self.message}" if self.message else self.name
        return text + (f" ({self.where})" if self.where else "")


def type_name(value: Any) -> str:
    t = type(value)
    return t.__qualname__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


# -- encoding (in the student's kernel, and in plain nbgrader's single kernel) ------------------

class _Bounded:
    """Counts the values a walk meets and how deep it goes; past the limits it raises."""

    def __init__(self) -> None:
        self.items = 0

    def visit(self, depth: int) -> None:
        self.items += 1
        if self.items > MAX_ITEMS:
            raise WireError(f"the answer holds more than {MAX_ITEMS} values")
        if depth > MAX_DEPTH:
            raise WireError(f"the answer is nested deeper than {MAX_DEPTH} levels")


class _Encoder(_Bounded):
    def value(self, v: Any, depth: int) -> Any:
        self.visit(depth)
        t = type(v)
        if v is None or t is bool or t is str:
            if t is str and len(v) > MAX_STRING:
                raise WireError(f"a string of {len(v)} characters (limit {MAX_STRING})")
            return v
        if t is int:
            if abs(v) >= 10**MAX_INT_DIGITS:
                raise WireError(f"an integer of more than {MAX_INT_DIGITS} digits")
            return v
        if t is float:
            return v if math.isfinite(v) else {"$float": "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")}
        if t is list:
            return [self.value(x, depth + 1) for x in v]
        if t is tuple:
            return {"$tuple": [self.value(x, depth + 1) for x in v]}
        if t is dict:
            return {"$dict": [[self.value(k, depth + 1), self.value(x, depth + 1)] for k, x in v.items()]}
        if t is torch.Tensor or t is torch.nn.Parameter:
            return {"$tensor": self.tensor(v)}
        if t is np.ndarray and v.dtype.name in _NUMPY_DTYPES:
            return {"$ndarray": {"dtype": v.dtype.name, "shape": list(v.shape), "data": _b64(np.ascontiguousarray(v).tobytes())}}
        if isinstance(v, np.generic) and t.__module__ == "numpy" and v.dtype.name in _NUMPY_DTYPES:
            return {"$np": {"dtype": v.dtype.name, "data": _b64(v.tobytes())}}
        if t is Raised:
            return {"$raised": {"types": list(v.types), "message": v.message[:MAX_STRING], "where": v.where[:2000]}}
        if t is Foreign:
            return {"$foreign": {"type": v.type_name}}
        return {"$foreign": {"type": type_name(v)[:300]}}

    @staticmethod
    def tensor(v: torch.Tensor) -> dict:
        if v.layout != torch.strided or v.is_quantized or v.device.type == "meta":
            raise WireError(f"a tensor with layout {v.layout} on {v.device} cannot be sent")
        dtype = str(v.dtype).removeprefix("torch.")
        if dtype not in _TENSOR_DTYPES:
            raise WireError(f"a tensor of dtype {v.dtype} cannot be sent")
        if v.numel() * v.element_size() * 4 // 3 > MAX_TEXT:
            raise WireError(f"a tensor of {v.numel() * v.element_size() / 2**20:.0f} MiB is over the answer's "
                            f"limit of {MAX_TEXT / 2**20:.0f} MiB of text")
        data = v.detach().to("cpu").contiguous()
        if data.dtype == torch.bfloat16:  # NumPy has no bfloat16: send its bits
            raw = data.view(torch.int16).numpy().tobytes()
        else:
            raw = data.numpy().tobytes()
        return {"dtype": dtype, "shape": list(v.shape), "data": _b64(raw),
                "grad": bool(v.requires_grad), "param": type(v) is torch.nn.Parameter}


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def encode(value: Any) -> str:
    """The JSON text of ``value`` (raises :class:`WireError` past the limits)."""
    text = json.dumps(_Encoder().value(value, 0), separators=(",", ":"), allow_nan=False)
    if len(text) > MAX_TEXT:
        raise WireError(f"the answer is {len(text) / 2**20:.1f} MiB of text (limit {MAX_TEXT / 2**20:.0f} MiB)")
    return text


# -- decoding (in the trusted judge) -------------------------------------------------------------

class _Decoder(_Bounded):
    def value(self, v: Any, depth: int) -> Any:
        self.visit(depth)
        if v is None or isinstance(v, (bool, str)):
            return v
        if isinstance(v, int):
            return v
        if isinstance(v, float):
            return v
        if isinstance(v, list):
            return [self.value(x, depth + 1) for x in v]
        if not isinstance(v, dict) or len(v) != 1:
            raise WireError("an unknown kind of value")
        ((tag, body),) = v.items()
        if tag == "$tuple" and isinstance(body, list):
            return tuple(self.value(x, depth + 1) for x in body)
        if tag == "$dict" and isinstance(body, list):
            out = {}
            for pair in body:
                if not (isinstance(pair, list) and len(pair) == 2):
                    raise WireError("a dict entry is not a [key, value] pair")
                key = self.value(pair[0], depth + 1)
                try:
                    out[key] = self.value(pair[1], depth + 1)
                except TypeError as err:  # an unhashable key
                    raise WireError(f"a dict key that cannot be a key: {err}") from None
            return out
        if tag == "$float" and body in ("nan", "inf", "-inf"):
            return float(body)
        if tag == "$tensor" and isinstance(body, dict):
            return self.tensor(body)
        if tag == "$ndarray" and isinstance(body, dict):
            return self.ndarray(body)
        if tag == "$np" and isinstance(body, dict):
            arr = self.ndarray({"dtype": body.get("dtype"), "shape": [], "data": body.get("data")})
            return arr[()]
        if tag == "$raised" and isinstance(body, dict):
            types, message, where = body.get("types"), body.get("message"), body.get("where", "")
            if not (isinstance(types, list) and all(isinstance(t, str) for t in types) and isinstance(message, str)
                    and isinstance(where, str)):
                raise WireError("a malformed record of a raised exception")
            return Raised(tuple(t[:200] for t in types[:50]), message[:MAX_STRING], where[:2000])
        if tag == "$foreign" and isinstance(body, dict) and isinstance(body.get("type"), str):
            return Foreign(body["type"][:300])
        raise WireError(f"an unknown tag {str(tag)[:40]!r}")

    @staticmethod
    def _buffer(body: dict, itemsize: int) -> tuple[tuple[int, ...], bytes]:
        shape, data = body.get("shape"), body.get("data")
        if not (isinstance(shape, list) and len(shape) <= 16 and all(type(n) is int and 0 <= n for n in shape)):
            raise WireError("a malformed shape")
        if not isinstance(data, str):
            raise WireError("a buffer that is not base64 text")
        count = math.prod(shape)
        if count * itemsize > MAX_TEXT:
            raise WireError(f"a buffer of {count} elements is over the limit")
        try:
            raw = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            raise WireError("a buffer that is not valid base64") from None
        if len(raw) != count * itemsize:
            raise WireError(f"a buffer of {len(raw)} bytes for shape {tuple(shape)} ({count * itemsize} expected)")
        return tuple(shape), raw

    def tensor(self, body: dict) -> torch.Tensor:
        dtype = _TENSOR_DTYPES.get(body.get("dtype"))  # type: ignore[arg-type]
        if dtype is None:
            raise WireError(f"an unknown tensor dtype {str(body.get('dtype'))[:40]!r}")
        itemsize = torch.empty((), dtype=dtype).element_size()
        shape, raw = self._buffer(body, itemsize)
        if dtype == torch.bfloat16:
            flat = torch.frombuffer(bytearray(raw), dtype=torch.int16).view(torch.bfloat16) if raw else torch.empty(0, dtype=dtype)
        else:
            flat = torch.frombuffer(bytearray(raw), dtype=dtype) if raw else torch.empty(0, dtype=dtype)
        t = flat.reshape(shape).clone()
        if body.get("param") is True and t.is_floating_point():
            return torch.nn.Parameter(t, requires_grad=bool(body.get("grad")))
        if body.get("grad") is True and (t.is_floating_point() or t.is_complex()):
            t.requires_grad_(True)
        return t

    def ndarray(self, body: dict) -> np.ndarray:
        name = body.get("dtype")
        if name not in _NUMPY_DTYPES:
            raise WireError(f"an unknown array dtype {str(name)[:40]!r}")
        dtype = np.dtype(name)
        shape, raw = self._buffer(body, dtype.itemsize)
        return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()


def decode(text: Any) -> Any:
    """The value ``text`` (from :func:`encode`) stands for; :class:`WireError` if it is not one."""
    if not isinstance(text, str):
        raise WireError(f"an answer must be JSON text, got {type(text).__name__}")
    if len(text) > MAX_TEXT:
        raise WireError(f"the answer is {len(text) / 2**20:.1f} MiB of text (limit {MAX_TEXT / 2**20:.0f} MiB)")
    try:
        raw = json.loads(text)
    except RecursionError:
        raise WireError("the answer is nested too deeply to read") from None
    except ValueError as err:
        raise WireError(f"the answer is not valid JSON: {str(err)[:200]}") from None
    return _Decoder().value(raw, 0)
