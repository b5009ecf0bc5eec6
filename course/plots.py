"""Matplotlib helpers shared by the lessons.

Every helper draws on an ``Axes`` it is given (so widgets can redraw one figure in place) and
labels what it draws: axis labels, a title, a legend when there is more than one line.
Figures are made with :func:`new_figure`, a ``matplotlib.figure.Figure`` that is not
registered with pyplot, so it is shown only where it is displayed explicitly.
"""
from __future__ import annotations

import math
from typing import Callable, Mapping, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

__all__ = ["new_figure", "plot_function_with_path", "plot_loss_curves", "finite_range"]


def _register_png_display() -> None:
    """Let IPython show a plain ``Figure`` as a PNG.

    The figures here are not made through pyplot (so they appear only where displayed, and a
    widget can redraw one in place); IPython renders such a figure only if a PNG formatter is
    registered for the ``Figure`` type, which pyplot's inline backend would otherwise do.
    """
    try:
        from IPython import get_ipython
        from IPython.core.pylabtools import print_figure
    except ImportError:  # plain Python: nothing to register
        return
    shell = get_ipython()
    if shell is not None:
        formatter = shell.display_formatter.formatters["image/png"]
        formatter.for_type(Figure, lambda fig: print_figure(fig, "png", bbox_inches="tight"))


def new_figure(width: float = 7.0, height: float = 4.0, ncols: int = 1) -> tuple[Figure, list[Axes]]:
    """A figure with ``ncols`` side-by-side axes, sized in inches, with readable fonts."""
    _register_png_display()
    fig = Figure(figsize=(width, height), layout="constrained", dpi=100)
    axes = [fig.add_subplot(1, ncols, i + 1) for i in range(ncols)]
    for ax in axes:
        ax.tick_params(labelsize=10)
        ax.grid(True, alpha=0.3)
    return fig, axes


def finite_range(values: Sequence[float], margin: float = 0.15, at_least: float = 1.0) -> tuple[float, float]:
    """A (lo, hi) interval that contains the finite ``values`` with a relative margin."""
    finite = [float(v) for v in values if math.isfinite(float(v))]
    if not finite:
        return (-at_least, at_least)
    lo, hi = min(finite), max(finite)
    span = max(hi - lo, at_least)
    return (lo - margin * span, hi + margin * span)


def plot_function_with_path(
    ax: Axes,
    fn: Callable[[np.ndarray], np.ndarray],
    path: Sequence[float],
    *,
    x_range: tuple[float, float] | None = None,
    fn_label: str = "f(x)",
    title: str = "",
    max_markers: int = 60,
) -> None:
    """Draw ``fn`` over ``x_range`` and the descent ``path`` (x0, x1, ...) as points on it.

    The start is a green circle, the end a red cross; intermediate points are joined by a
    thin line (at most ``max_markers`` of them are drawn, evenly spaced along the path).
    Non-finite path entries are skipped.
    """
    xs_path = np.array([p for p in path if math.isfinite(p)], dtype=float)
    lo, hi = x_range if x_range is not None else finite_range(list(xs_path))
    grid = np.linspace(lo, hi, 400)
    ax.plot(grid, fn(grid), color="tab:blue", lw=2, label=fn_label)
    ax.axhline(0.0, color="black", lw=0.8)
    if len(xs_path):
        step = max(1, len(xs_path) // max_markers)
        shown = xs_path[::step]
        ax.plot(shown, fn(shown), "o-", color="tab:orange", ms=4, lw=1, alpha=0.8, label="descent path")
        ax.plot(xs_path[:1], fn(xs_path[:1]), "o", color="tab:green", ms=9, label="start")
        ax.plot(xs_path[-1:], fn(xs_path[-1:]), "X", color="tab:red", ms=10, label="end")
    ax.set_xlim(lo, hi)
    ax.set_xlabel("x", fontsize=11)
    ax.set_ylabel(fn_label, fontsize=11)
    if title:
        ax.set_title(title, fontsize=12)
    ax.legend(fontsize=9, loc="best")


def plot_loss_curves(
    ax: Axes,
    curves: Mapping[str, Sequence[float]],
    *,
    title: str = "Training loss",
    xlabel: str = "step",
    ylabel: str = "loss",
    log_y: bool = True,
) -> None:
    """One line per named loss curve; log y axis by default (losses span decades)."""
    for label, values in curves.items():
        ys = np.asarray(values, dtype=float)
        ax.plot(np.arange(len(ys)), ys, lw=1.8, label=label)
    if log_y and all(np.all(np.asarray(v, dtype=float)[np.isfinite(v)] > 0) for v in curves.values() if len(v)):
        ax.set_yscale("log")
    ax.set_xlabel(xlabel, fontsize=11)
    ax.set_ylabel(ylabel, fontsize=11)
    ax.set_title(title, fontsize=12)
    if len(curves) > 1:
        ax.legend(fontsize=9)
