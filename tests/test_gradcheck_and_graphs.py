"""course.gradcheck against torch.autograd.gradcheck, and course.plots.draw_graph without a browser."""
from __future__ import annotations

import io
import math

import pytest
import torch

from course import plots
from course.gradcheck import check_gradient, numerical_gradient


def _cubic(t):
    return (t ** 3 * torch.arange(1, t.numel() + 1, dtype=t.dtype).reshape(t.shape)).sum()


def test_numerical_gradient_matches_autograd_on_a_smooth_function():
    x = torch.randn(3, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    xr = x.clone().requires_grad_(True)
    (expected,) = torch.autograd.grad(_cubic(xr), xr)
    assert torch.allclose(numerical_gradient(_cubic, x), expected, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("wrong", [False, True])
def test_check_gradient_agrees_with_torch_autograd_gradcheck(wrong, capsys):
    class Cube(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * (2 if wrong else 3) * x ** 2

    x = torch.randn(5, dtype=torch.float64, generator=torch.Generator().manual_seed(2), requires_grad=True)
    theirs = torch.autograd.gradcheck(Cube.apply, (x,), raise_exception=False)
    y = Cube.apply(x).sum()
    (analytic,) = torch.autograd.grad(y, x)
    ours = check_gradient(lambda t: Cube.apply(t).sum(), x.detach(), analytic)
    assert ours.ok == theirs == (not wrong)
    printed = capsys.readouterr().out
    assert ("looks right" if not wrong else "looks wrong: analytic") in printed


def test_check_gradient_takes_python_numbers_and_objects_with_a_data_float():
    class Scalar:
        def __init__(self, data):
            self.data = data

    check = check_gradient(lambda t: Scalar(math.sin(float(t[0])) * float(t[1])), [0.3, 2.0],
                           [math.cos(0.3) * 2.0, math.sin(0.3)], quiet=True)
    assert check.ok and check.error < 1e-8


def test_a_function_that_returns_a_vector_is_refused():
    with pytest.raises(ValueError, match="scalar"):
        numerical_gradient(lambda t: t * 2, torch.ones(3))


class _V:
    """A minimal scalar-autograd value (like lesson 02's)."""

    def __init__(self, data, children=(), op="", label=""):
        self.data, self.grad, self._prev, self._op, self.label = data, 0.0, tuple(children), op, label

    def __add__(self, o):
        return _V(self.data + o.data, (self, o), "+")

    def __mul__(self, o):
        return _V(self.data * o.data, (self, o), "*")


def _texts(fig) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts if t.get_text()]  # arrows are empty annotations


def test_a_value_graph_is_drawn_with_data_grad_and_operations():
    a, b = _V(2.0, label="a"), _V(-3.0, label="b")
    c = a * b + a
    c.grad = 1.0
    fig = plots.draw_graph(c)
    texts = _texts(fig)
    assert sum("data" in t and "grad" in t for t in texts) == 4  # a, b, a*b, c
    assert sorted(t for t in texts if "data" not in t) == ["*", "+"]
    assert any(t.startswith("a\n") for t in texts) and fig.axes[0].get_title() == "computational graph"
    nodes = plots.graph_of(c)
    assert len(nodes) == 6 and len(plots._layers(nodes)) == 6


def test_a_torch_graph_is_drawn_from_grad_fn_with_leaf_gradients():
    w = torch.tensor(2.0, requires_grad=True)
    x = torch.tensor(3.0)
    y = (w * x).exp()
    y.backward()
    fig = plots.draw_graph(y, title="y = exp(w x)")
    texts = _texts(fig)
    assert "Mul" in texts and "Exp" in texts
    assert any("grad 60.26" in t or f"grad {float(w.grad):.4g}" in t for t in texts)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    assert buffer.getvalue().startswith(b"\x89PNG")


def test_anything_else_is_refused_with_a_clear_error():
    with pytest.raises(TypeError, match="takes a Value"):
        plots.draw_graph(3.0)
