"""Check a gradient you computed against finite differences: the habit that finds backward bugs.

For a function :math:`f` of a tensor :math:`x` (any shape) returning a scalar, the central
difference

.. math:: \\frac{\\partial f}{\\partial x_i} \\approx \\frac{f(x + \\epsilon e_i) - f(x - \\epsilon e_i)}{2 \\epsilon}

has an error of order :math:`\\epsilon^2` (the one-sided difference: :math:`\\epsilon`). It is
computed in float64: in float32 the rounding of :math:`f` itself (about :math:`10^{-7} |f|`)
divided by :math:`2\\epsilon` would swamp it. Compare with your analytic gradient by the
*relative* error :math:`|a - n| / \\max(|a| + |n|, \\text{tiny})`, worst over the entries:
about :math:`10^{-8}` or less means right, :math:`10^{-4}` or more means a bug (a kink of ReLU
near an entry can give a large error at that entry alone).

    >>> from course.gradcheck import check_gradient
    >>> x = torch.randn(3, 4, dtype=torch.float64)
    >>> check_gradient(lambda t: (t ** 3).sum(), x, 3 * x ** 2)
    max relative error 1.2e-11 at (1, 2): looks right
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

import torch

__all__ = ["numerical_gradient", "relative_error", "check_gradient", "GradientCheck"]


def _as_float(value: Any) -> float:
    if isinstance(value, torch.Tensor):
        if value.numel() != 1:
            raise ValueError(f"f must return a scalar, got a tensor of shape {tuple(value.shape)}")
        return float(value.detach().double())
    data = getattr(value, "data", value)  # a scalar autograd Value: its number
    return float(data)


def numerical_gradient(f: Callable[[torch.Tensor], Any], x: torch.Tensor | Sequence[float], eps: float = 1e-6) -> torch.Tensor:
    """The central-difference gradient of scalar ``f`` at ``x``, in float64, shaped like ``x``.

    ``f`` receives a float64 copy of ``x`` with one entry moved by ``+eps`` or ``-eps``; it
    may return a float, a one-element tensor, or an object with a float ``.data``.
    """
    base = torch.as_tensor(x, dtype=torch.float64).detach().clone()
    grad = torch.zeros_like(base)
    flat, out = base.view(-1), grad.view(-1)
    for i in range(flat.numel()):
        saved = float(flat[i])
        flat[i] = saved + eps
        up = _as_float(f(base.clone()))
        flat[i] = saved - eps
        down = _as_float(f(base.clone()))
        flat[i] = saved
        out[i] = (up - down) / (2 * eps)
    return grad


def relative_error(analytic: torch.Tensor | Sequence[float], numerical: torch.Tensor) -> tuple[float, tuple[int, ...]]:
    """(the worst relative error |a - n| / max(|a| + |n|, 1e-12), where it is)."""
    a = torch.as_tensor(analytic, dtype=torch.float64).detach().reshape(numerical.shape)
    err = (a - numerical).abs() / (a.abs() + numerical.abs()).clamp_min(1e-12)
    worst = int(err.view(-1).argmax()) if err.numel() else 0
    index = tuple(int(i) for i in torch.unravel_index(torch.tensor(worst), err.shape)) if err.dim() else ()
    return (float(err.view(-1)[worst]) if err.numel() else 0.0), index


@dataclass(frozen=True)
class GradientCheck:
    error: float                # the worst relative error
    index: tuple[int, ...]      # where it is
    analytic: float
    numerical: float
    tolerance: float

    @property
    def ok(self) -> bool:
        return self.error <= self.tolerance

    def __str__(self) -> str:
        where = f" at {self.index}" if self.index else ""
        verdict = "looks right" if self.ok else (f"looks wrong: analytic {self.analytic:.6g}, numerical {self.numerical:.6g}")
        return f"max relative error {self.error:.1e}{where}: {verdict}"


def check_gradient(f: Callable[[torch.Tensor], Any], x: torch.Tensor | Sequence[float], analytic: torch.Tensor | Sequence[float],
                   eps: float = 1e-6, tolerance: float = 1e-6, quiet: bool = False) -> GradientCheck:
    """Compare ``analytic`` (your gradient of ``f`` at ``x``) with :func:`numerical_gradient`; print and return the result."""
    numerical = numerical_gradient(f, x, eps)
    error, index = relative_error(analytic, numerical)
    a = torch.as_tensor(analytic, dtype=torch.float64).reshape(numerical.shape)
    result = GradientCheck(error, index, float(a[index]) if a.numel() else 0.0,
                           float(numerical[index]) if numerical.numel() else 0.0, tolerance)
    if not quiet:
        print(result)
    return result
