"""course.probing and course.recorder: the probe/judge protocol without a kernel.

The student's code lives in a module of its own (written to a temporary folder), as a
student's notebook cell lives in a file of its own: the recorder tells the two apart by file.
"""
from __future__ import annotations

import importlib
import sys
import textwrap

import numpy as np
import pytest
import torch

from course import checks, probing, recorder, wire
from course.checks import CheckFailed

STUDENT = '''
import warnings
import sys
import numpy as np
import torch


class Softmax(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, dim):
        e = (x - x.amax(dim=dim, keepdim=True)).exp()
        out = e / e.sum(dim=dim, keepdim=True)
        ctx.save_for_backward(out)
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx, g):
        (p,) = ctx.saved_tensors
        return p * (g - (g * p).sum(dim=ctx.dim, keepdim=True)), None


def good_softmax(x, dim=-1):
    return Softmax.apply(x, dim)


def delegating_softmax(x, dim=-1):
    return torch.nn.functional.softmax(x, dim=dim)


class AutogradBackward(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        with torch.enable_grad():
            y = x.detach().requires_grad_(True)
            (grad,) = torch.autograd.grad(y * y, y, g)
        return grad


def square_by_autograd(x):
    return AutogradBackward.apply(x)


def noisy(x):
    warnings.warn("careful")
    print("to stderr", file=sys.stderr)
    return x + 1


def fails(x):
    return x.no_such_method()


def step_with_sgd(p):
    opt = torch.optim.SGD([p], lr=0.1)
    p.grad = torch.ones_like(p)
    opt.step()
    return p


def step_with_functional_sgd(p):
    from torch.optim.sgd import sgd
    sgd([p], [torch.ones_like(p)], [None], weight_decay=0.0, momentum=0.0, lr=0.1, dampening=0.0, nesterov=False, maximize=False)
    return p


def roots(a, b, c):
    return sorted(np.roots([a, b, c]).real.tolist())


def value_with_torch(x):
    return float(torch.tensor(x) * 2)


class Pair:
    def __len__(self):
        return 2
'''


@pytest.fixture(scope="module")
def student(tmp_path_factory):
    folder = tmp_path_factory.mktemp("student")
    (folder / "student_cells.py").write_text(STUDENT)
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module("student_cells")
    finally:
        sys.path.remove(str(folder))
        sys.modules.pop("student_cells", None)


def run_and_decide(p, judge_fn):
    return probing.decide(probing.run(p), judge_fn, p.label)


def test_a_correct_answer_passes_and_prints_a_pass_line(student, capsys):
    @checks.probe(forbid=["softmax", "autograd"])
    def small():
        "softmax of a vector"
        return student.good_softmax(torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64))

    @checks.judge(small)
    def _(got):
        checks.check_tensor("softmax", got, torch.softmax(torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64), 0))

    assert "passed: softmax of a vector" in capsys.readouterr().out


def test_a_wrong_answer_raises_the_checks_message_in_whole_mode(student):
    @checks.probe
    def small():
        "plus one"
        return student.noisy(torch.zeros(2))

    with pytest.raises(CheckFailed, match=r"\[x \+ 2\] 2 of 2 elements differ"):
        @checks.judge(small)
        def _(got):
            checks.check_tensor("x + 2", got, torch.full((2,), 2.0))


def test_a_call_of_the_reference_fails_by_name_even_with_right_values(student):
    p = checks.probe(forbid=["softmax"])(lambda: student.delegating_softmax(torch.randn(4)))
    verdict = run_and_decide(p, lambda got: None)
    assert not verdict.passed
    assert "`delegating_softmax` called `torch.nn.functional.softmax`" in verdict.message
    assert probing.ASK_OTHERWISE in verdict.message


def test_autograd_inside_a_hand_written_backward_is_caught_while_the_test_drives_autograd(student):
    def drive():
        x = torch.tensor([1.0, -2.0], requires_grad=True)
        student.square_by_autograd(x).sum().backward()  # the test's own backward(): allowed
        return x.grad

    verdict = run_and_decide(checks.probe(forbid=["autograd"])(drive), lambda got: None)
    assert not verdict.passed and "`AutogradBackward.backward` called `torch.autograd.grad`" in verdict.message


def test_the_tests_own_calls_are_never_offences(student):
    def drive():
        x = torch.randn(3, requires_grad=True)
        p = torch.softmax(x, 0)                          # the harness computing an input
        (student.good_softmax(x) * p.detach()).sum().backward()
        return x.grad

    verdict = run_and_decide(checks.probe(forbid=["softmax", "autograd"])(drive), lambda got: None)
    assert verdict.passed, verdict.message


@pytest.mark.parametrize("rule, call, named", [
    ("torch.optim", "step_with_sgd", "torch.optim.sgd.SGD.step"),
    ("torch.optim", "step_with_functional_sgd", "torch.optim.sgd.sgd"),
    ("numpy.roots", "roots", "numpy.roots"),
    ("torch", "value_with_torch", "torch.tensor"),
])
def test_other_rules_name_what_was_called(student, rule, call, named):
    args = {"step_with_sgd": (torch.zeros(2),), "step_with_functional_sgd": (torch.zeros(2),), "roots": (1, -3, 2),
            "value_with_torch": (1.5,)}[call]
    p = checks.probe(forbid=[rule])(lambda: getattr(student, call)(*args))
    verdict = run_and_decide(p, lambda got: None)
    assert not verdict.passed and f"`{named}`" in verdict.message and f"`{call}`" in verdict.message


def test_unknown_rules_are_refused_when_the_cell_is_written():
    with pytest.raises(ValueError, match="unknown forbid rules"):
        checks.probe(forbid=["softmaxx"])


def test_warnings_and_stderr_go_to_stdout_and_cost_nothing(student, capsys):
    p = checks.probe(lambda: student.noisy(torch.zeros(1)))
    verdict = run_and_decide(p, lambda got: checks.check_tensor("x + 1", got, torch.ones(1)))
    out = capsys.readouterr()
    assert verdict.passed and "UserWarning (a warning, not a failure): careful" in out.out and "to stderr" in out.out
    assert out.err == ""


def test_an_exception_in_the_students_code_says_what_and_where(student):
    p = checks.probe(lambda: student.fails(torch.zeros(1)))
    verdict = run_and_decide(p, lambda got: None)
    assert not verdict.passed
    assert "your code raised AttributeError" in verdict.message and "in `fails`, line" in verdict.message
    assert "x.no_such_method()" in verdict.message


def test_attempt_turns_a_raise_into_data_for_check_raised(student):
    p = checks.probe(lambda: [checks.attempt(student.fails, torch.zeros(1)), checks.attempt(student.noisy, torch.zeros(1))])

    def judge(got):
        error, fine = got
        checks.check_raised("fails(x)", error, AttributeError)
        checks.check_raised("fails(x)", error, "Exception")
        with pytest.raises(CheckFailed, match="without raising"):
            checks.check_raised("noisy(x)", fine, ValueError)
        with pytest.raises(CheckFailed, match="your code raised AttributeError"):
            checks.check_tensor("fails(x)", error, torch.zeros(1))

    assert run_and_decide(p, judge).passed


def test_a_student_object_reaches_the_judge_only_as_a_foreign_marker_that_checks_reject(student):
    p = checks.probe(lambda: student.Pair())

    def judge(got):
        checks.check_int("len(pair)", got, 2)

    verdict = run_and_decide(p, judge)
    assert not verdict.passed and "expected an int, got student_cells.Pair" in verdict.message


def test_an_answer_of_the_wrong_shape_fails_the_judge_instead_of_passing(student):
    p = checks.probe(lambda: [1.0])

    def judge(got):
        for x, y in zip([1.0, 2.0], got, strict=True):
            checks.check_float("x", y, x)

    verdict = run_and_decide(p, judge)
    assert not verdict.passed and "could not be judged: ValueError" in verdict.message


@pytest.mark.parametrize("text", ["", "[1]", '{"value": 1}', wire.encode({"value": 1, "forbidden": "no"}),
                                  wire.encode({"value": 1, "forbidden": [["a", "b"]]})])
def test_malformed_answers_fail_with_a_reason(text):
    verdict = probing.decide(text, lambda got: None, "probe")
    assert not verdict.passed and verdict.message.startswith("[probe] the test's answer could not be read")


def test_collect_mode_registers_judges_and_runs_no_probe():
    called = []
    with probing.collecting() as found:
        p = checks.probe(lambda: called.append(1))

        @checks.judge(p)
        def the_judge(got):
            called.append(2)

    assert [j.judge for j in found] == [the_judge] and not called
    assert probing.mode() == "whole"


def test_answer_mode_publishes_the_answer_instead_of_judging(monkeypatch):
    sent = []
    monkeypatch.setattr(probing, "_mode", "answer")
    monkeypatch.setattr(probing, "publish", lambda name, text: sent.append((name, text)))
    p = checks.probe(lambda: torch.ones(2))

    @checks.judge(p)
    def _(got):
        raise AssertionError("a judge must not run in the student's kernel")

    ((name, text),) = sent
    assert name == "<lambda>" and torch.equal(wire.decode(text)["value"], torch.ones(2))


def test_an_answer_too_big_to_send_becomes_a_failure_not_a_crash():
    p = checks.probe(lambda: torch.zeros(4 * 2**20, dtype=torch.float64))
    verdict = run_and_decide(p, lambda got: None)
    assert not verdict.passed and "cannot be sent to the judge" in verdict.message


def test_recorder_offences_carry_the_students_function_and_line(student):
    with recorder.Recording(frozenset({"softmax"}), __file__) as rec:
        student.delegating_softmax(torch.zeros(2))
        torch.softmax(torch.zeros(2), 0)  # this file is the harness: allowed
    (offence,) = rec.offences
    assert offence.caller == "delegating_softmax" and offence.called == "torch.nn.functional.softmax"
    assert textwrap.dedent(STUDENT).splitlines()[offence.line - 1].strip().startswith("return torch.nn.functional.softmax")
