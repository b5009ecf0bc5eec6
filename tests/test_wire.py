"""course.wire: what a probe's answer may be, how it crosses, and what the decoder refuses."""
from __future__ import annotations

import base64
import json
import math

import numpy as np
import pytest
import torch

from course import wire
from course.wire import Foreign, Raised, WireError


def roundtrip(value):
    return wire.decode(wire.encode(value))


def test_plain_values_cross_unchanged_with_their_exact_types():
    value = {"a": [1, 2.5, "x", None, True], (1, "k"): (3, 4.0), 7: -2**70}
    back = roundtrip(value)
    assert back == value
    assert type(back[(1, "k")]) is tuple and type(back["a"]) is list and type(back["a"][4]) is bool


def test_non_finite_floats_cross():
    nan, inf, ninf = roundtrip([math.nan, math.inf, -math.inf])
    assert math.isnan(nan) and inf == math.inf and ninf == -math.inf


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32, torch.float16, torch.bfloat16, torch.int64, torch.int8,
                                   torch.uint8, torch.bool, torch.complex64])
def test_tensors_cross_as_raw_buffers_with_dtype_and_shape(dtype):
    t = (torch.arange(24, dtype=torch.float64).reshape(2, 3, 4) - 7.5).to(dtype)
    back = roundtrip(t)
    assert type(back) is torch.Tensor and back.dtype == dtype and back.shape == t.shape
    assert torch.equal(back, t)


def test_a_non_contiguous_tensor_crosses_as_its_values():
    t = torch.arange(12.0).reshape(3, 4).T
    assert torch.equal(roundtrip(t), t)


def test_requires_grad_and_parameters_keep_their_flags_but_not_their_graph():
    p = torch.nn.Parameter(torch.ones(2))
    x = (p * 3).sum()
    back_p, back_x = roundtrip([p, x])
    assert type(back_p) is torch.nn.Parameter and back_p.requires_grad
    assert back_x.requires_grad and back_x.grad_fn is None and float(back_x.detach()) == 6.0


def test_numpy_arrays_and_scalars_keep_their_types():
    arr, scalar, f32 = roundtrip([np.arange(6, dtype=np.int32).reshape(2, 3), np.float64(1.5), np.float32(2.5)])
    assert type(arr) is np.ndarray and arr.dtype == np.int32 and arr.shape == (2, 3)
    assert type(scalar) is np.float64 and scalar == 1.5 and type(f32) is np.float32


def test_a_student_object_crosses_only_as_a_foreign_marker():
    class Sneaky(float):
        def __eq__(self, other):
            return True

    class Yes:
        def __eq__(self, other):
            return True

    class MyTensor(torch.Tensor):
        pass

    back = roundtrip([Sneaky(1.0), Yes(), torch.ones(2).as_subclass(MyTensor), len])
    assert all(type(v) is Foreign for v in back)
    assert back[0].type_name.endswith("Sneaky") and back[1] != 0 and back[1] != back[1].__class__("x")


def test_raised_records_cross():
    r = Raised(("ValueError", "Exception", "BaseException"), "bad shape", "in `f`, line 3: x = y")
    back = roundtrip(r)
    assert back == r and back.is_a("Exception") and "bad shape" in str(back)


def test_limits_refuse_deep_big_and_many():
    deep: list = []
    for _ in range(wire.MAX_DEPTH + 2):
        deep = [deep]
    with pytest.raises(WireError, match="nested deeper"):
        wire.encode(deep)
    with pytest.raises(WireError, match="values"):
        wire.encode(list(range(wire.MAX_ITEMS + 1)))
    with pytest.raises(WireError, match="characters"):
        wire.encode("x" * (wire.MAX_STRING + 1))
    with pytest.raises(WireError, match="MiB"):
        wire.encode(torch.zeros(4 * 2**20, dtype=torch.float64))


@pytest.mark.parametrize("text, reason", [
    ("{not json", "not valid JSON"),
    (json.dumps({"$evil": 1}), "unknown tag"),
    (json.dumps({"a": 1, "b": 2}), "unknown kind"),
    (json.dumps({"$tensor": {"dtype": "float64", "shape": [3], "data": base64.b64encode(b"12345678").decode()}}), "bytes for shape"),
    (json.dumps({"$tensor": {"dtype": "object", "shape": [1], "data": ""}}), "unknown tensor dtype"),
    (json.dumps({"$tensor": {"dtype": "float64", "shape": [-1], "data": ""}}), "malformed shape"),
    (json.dumps({"$tensor": {"dtype": "float64", "shape": [10**9, 10**9], "data": ""}}), "over the limit"),
    (json.dumps({"$tensor": {"dtype": "float64", "shape": [1], "data": "!!!!"}}), "not valid base64"),
    (json.dumps({"$dict": [[[1], 2]]}), "cannot be a key"),
    (json.dumps({"$raised": {"types": "ValueError", "message": 3}}), "malformed record"),
    ("[" * 100_000 + "]" * 100_000, "nested"),
])
def test_the_decoder_refuses_malformed_answers_with_a_reason(text, reason):
    with pytest.raises(WireError, match=reason):
        wire.decode(text)


def test_the_decoder_refuses_oversized_text_before_parsing_it():
    with pytest.raises(WireError, match="MiB of text"):
        wire.decode(" " * (wire.MAX_TEXT + 1))
    with pytest.raises(WireError, match="JSON text"):
        wire.decode(b"[1]")
