"""course.checks: each check passes a right value, fails a wrong one, and says why."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from course import checks
from course.checks import CheckFailed


class AlwaysEqual(float):
    """A float subclass that claims to equal anything (a classic way to fool ==)."""

    def __eq__(self, other):  # noqa: D105
        return True

    def __ne__(self, other):  # noqa: D105
        return False

    __hash__ = float.__hash__


class FakeTensor(torch.Tensor):
    """A tensor subclass whose comparisons always succeed."""

    def __eq__(self, other):  # noqa: D105
        return True


def failure(call) -> str:
    with pytest.raises(CheckFailed) as info:
        call()
    return str(info.value)


def test_check_float_accepts_a_value_within_tolerance():
    checks.check_float("x", 1.0 + 1e-9, 1.0)
    checks.check_float("x", np.float64(2.0), 2.0)
    checks.check_float("x", 3, 3.0)


def test_check_float_reports_expected_got_and_errors():
    msg = failure(lambda: checks.check_float("grad(0)", -24.0, -48.0))
    assert "[grad(0)]" in msg and "expected -48.0" in msg and "got -24.0" in msg and "rel err 0.5" in msg


def test_check_float_rejects_objects_that_compare_equal_to_anything():
    msg = failure(lambda: checks.check_float("f(x)", AlwaysEqual(5.0), 1.0))
    assert "AlwaysEqual" in msg


def test_check_float_rejects_tensors_and_bools_with_a_hint():
    assert ".item()" in failure(lambda: checks.check_float("y", torch.tensor(1.0), 1.0))
    failure(lambda: checks.check_float("y", True, 1.0))


def test_check_float_treats_nan_and_inf_exactly():
    checks.check_float("x", float("nan"), float("nan"))
    checks.check_float("x", float("inf"), float("inf"))
    failure(lambda: checks.check_float("x", float("nan"), 1.0))
    failure(lambda: checks.check_float("x", 1.0, float("nan")))
    failure(lambda: checks.check_float("x", float("-inf"), float("inf")))


def test_check_tensor_passes_a_float32_solution_against_a_float64_reference():
    gen = torch.Generator().manual_seed(0)
    ref = torch.randn(4, 5, generator=gen, dtype=torch.float64)
    checks.check_tensor("y", ref.float(), ref)


def test_check_tensor_names_the_first_mismatching_index_and_max_errors():
    ref = torch.zeros(2, 3, dtype=torch.float64)
    got = ref.clone()
    got[1, 2] = 0.5
    msg = failure(lambda: checks.check_tensor("layer(x)", got, ref))
    assert "index (1, 2)" in msg and "expected 0" in msg and "got 0.5" in msg
    assert "max abs err 0.5" in msg and "1 of 6 elements differ" in msg


def test_check_tensor_checks_shape_before_values():
    msg = failure(lambda: checks.check_tensor("y", torch.zeros(3, 2), torch.zeros(2, 3)))
    assert "expected shape (2, 3), got (3, 2)" in msg


def test_check_tensor_checks_dtype_when_asked():
    checks.check_tensor("y", torch.zeros(2, dtype=torch.float64), torch.zeros(2), dtype=torch.float64)
    assert "dtype" in failure(lambda: checks.check_tensor("y", torch.zeros(2), torch.zeros(2), dtype=torch.float64))


def test_check_tensor_rejects_tensor_subclasses_and_non_tensors():
    ref = torch.ones(3, dtype=torch.float64)
    failure(lambda: checks.check_tensor("y", torch.ones(3).as_subclass(FakeTensor), ref))
    failure(lambda: checks.check_tensor("y", [1.0, 1.0, 1.0], ref))
    failure(lambda: checks.check_tensor("y", np.ones(3), ref))


def test_check_tensor_nan_matches_only_nan():
    ref = torch.tensor([1.0, float("nan")], dtype=torch.float64)
    checks.check_tensor("y", torch.tensor([1.0, float("nan")]), ref)
    failure(lambda: checks.check_tensor("y", torch.tensor([float("nan"), float("nan")]), ref))
    failure(lambda: checks.check_tensor("y", torch.tensor([1.0, 2.0]), ref))


def test_check_tensor_accepts_tensors_that_require_grad():
    ref = torch.ones(2, dtype=torch.float64)
    checks.check_tensor("y", torch.ones(2, requires_grad=True), ref)


def test_check_int_is_exact_and_rejects_bool_and_float():
    checks.check_int("n", 7, 7)
    failure(lambda: checks.check_int("n", 8, 7))
    failure(lambda: checks.check_int("n", 7.0, 7))
    failure(lambda: checks.check_int("n", True, 1))


def test_check_raises_passes_on_the_right_exception_only():
    checks.check_raises("f()", lambda: 1 / 0, ZeroDivisionError)
    assert "returned int without raising" in failure(lambda: checks.check_raises("f()", lambda: 1, ValueError))
    assert "raised KeyError" in failure(lambda: checks.check_raises("f()", lambda: {}["k"], ValueError))
    assert "does not mention" in failure(lambda: checks.check_raises("f()", lambda: int("x"), ValueError, match="tensor"))


def test_check_true_demands_the_real_true():
    checks.check_true("c", True, "msg")
    checks.check_true("c", np.bool_(True), "msg")
    assert "msg" in failure(lambda: checks.check_true("c", 1, "msg"))
    failure(lambda: checks.check_true("c", AlwaysEqual(1.0), "msg"))


def test_check_all_close_compares_lists_elementwise():
    checks.check_all_close("roots", [1.0, 2.0], [1.0, 2.0])
    assert "expected 2 values" in failure(lambda: checks.check_all_close("roots", [1.0], [1.0, 2.0]))
    assert "roots[1]" in failure(lambda: checks.check_all_close("roots", [1.0, 2.5], [1.0, 2.0]))
    failure(lambda: checks.check_all_close("roots", "12", [1.0, 2.0]))


def test_check_close_dispatches_on_the_reference_type():
    checks.check_close("a", 1.0, 1.0)
    checks.check_close("b", torch.ones(2), torch.ones(2, dtype=torch.float64))
    failure(lambda: checks.check_close("c", 1.0, torch.ones(1)))


def test_check_shape_and_finite():
    checks.check_shape("y", torch.zeros(3, 7), (3, 7))
    failure(lambda: checks.check_shape("y", torch.zeros(7, 3), (3, 7)))
    checks.check_finite("y", torch.tensor([1.0, 2.0]))
    failure(lambda: checks.check_finite("y", torch.tensor([1.0, float("inf")])))
    failure(lambda: checks.check_finite("y", float("nan")))
