"""Matplotlib helpers shared by the lessons.

Every helper draws on an ``Axes`` it is given (so widgets can redraw one figure in place) and
labels what it draws: axis labels, a title, a legend when there is more than one line.
Figures are made with :func:`new_figure`, a ``matplotlib.figure.Figure`` that is not
registered with pyplot, so it is shown only where it is displayed explicitly.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

__all__ = ["new_figure", "plot_function_with_path", "plot_loss_curves", "finite_range", "graph_of", "draw_graph"]


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


# -- computational graphs ---------------------------------------------------------------------

@dataclass
class GraphNode:
    """One node of a drawn graph: a value (data and grad) or an operation."""

    key: int
    label: str
    kind: str                      # "value" or "op"
    inputs: list[int] = field(default_factory=list)


def _value_graph(root: Any) -> dict[int, GraphNode]:
    """Nodes of a scalar-autograd graph: objects with ``data``, ``grad``, ``_prev`` and ``_op``
    (lesson 02's ``Value``, micrograd's); each operation becomes a node of its own."""
    nodes: dict[int, GraphNode] = {}
    stack = [root]
    while stack:
        v = stack.pop()
        if id(v) in nodes:
            continue
        label = f"data {float(v.data):.4g}\ngrad {float(getattr(v, 'grad', 0.0)):.4g}"
        name = getattr(v, "label", "")
        node = nodes[id(v)] = GraphNode(id(v), (f"{name}\n" if name else "") + label, "value")
        children = list(getattr(v, "_prev", ()) or ())
        op = getattr(v, "_op", "")
        if op or children:
            op_key = -id(v)
            nodes[op_key] = GraphNode(op_key, str(op) or "?", "op", [id(c) for c in children])
            node.inputs = [op_key]
        stack.extend(children)
    return nodes


def _tensor_graph(root: Any) -> dict[int, GraphNode]:
    """Nodes of torch's graph behind ``root``: its ``grad_fn`` chain back to the leaves."""
    import torch

    nodes: dict[int, GraphNode] = {}

    def describe(t: "torch.Tensor") -> str:
        shape = "x".join(map(str, t.shape)) or "scalar"
        text = f"{shape}"
        if t.numel() == 1:
            text += f"\ndata {float(t.detach()):.4g}"
        if t.is_leaf and t.grad is not None and t.grad.numel() == 1:
            text += f"\ngrad {float(t.grad):.4g}"
        return text

    nodes[id(root)] = GraphNode(id(root), describe(root), "value", [id(root.grad_fn)] if root.grad_fn is not None else [])
    stack = [root.grad_fn] if root.grad_fn is not None else []
    while stack:
        fn = stack.pop()
        if id(fn) in nodes:
            continue
        name = type(fn).__name__.removesuffix("Backward0").removesuffix("Backward1")
        node = nodes[id(fn)] = GraphNode(id(fn), name, "op")
        for nxt, _ in fn.next_functions:
            if nxt is None:
                continue
            leaf = getattr(nxt, "variable", None)
            if leaf is not None:
                nodes.setdefault(id(leaf), GraphNode(id(leaf), describe(leaf), "value"))
                node.inputs.append(id(leaf))
            else:
                node.inputs.append(id(nxt))
                stack.append(nxt)
    return nodes


def graph_of(root: Any) -> dict[int, GraphNode]:
    """The graph behind ``root``: a ``Value``-like object or a torch tensor with a ``grad_fn``."""
    import torch

    if isinstance(root, torch.Tensor):
        return _tensor_graph(root)
    if hasattr(root, "data") and hasattr(root, "_prev"):
        return _value_graph(root)
    raise TypeError(f"draw_graph takes a Value (with data, grad, _prev, _op) or a torch tensor, got {type(root).__name__}")


def _layers(nodes: dict[int, GraphNode]) -> dict[int, int]:
    """Each node's column: its distance from the inputs (leaves at 0, the root at the right)."""
    column: dict[int, int] = {}

    def depth(key: int) -> int:
        stack = [(key, False)]
        while stack:
            k, expanded = stack.pop()
            if k in column:
                continue
            inputs = [i for i in nodes[k].inputs if i in nodes]
            if expanded or not inputs:
                column[k] = 1 + max((column[i] for i in inputs), default=-1)
            else:
                stack.append((k, True))
                stack.extend((i, False) for i in inputs if i not in column)
        return column[key]

    for k in nodes:
        depth(k)
    return column


def draw_graph(root: Any, ax: Axes | None = None, title: str = "computational graph") -> Figure:
    """Draw the graph that produced ``root``, left (inputs) to right (the result).

    Values are boxes with their ``data`` and ``grad``; operations are circles. ``root`` is a
    scalar ``Value`` (lesson 02) or a torch tensor (its ``grad_fn`` chain; leaves show their
    gradient once ``backward()`` has run). Returns the figure (drawn on ``ax`` when given).
    """
    nodes = graph_of(root)
    column = _layers(nodes)
    by_column: dict[int, list[int]] = {}
    for k in sorted(nodes, key=lambda k: (column[k], nodes[k].label)):
        by_column.setdefault(column[k], []).append(k)
    width, height = max(by_column) + 1, max(len(v) for v in by_column.values())
    if ax is None:
        fig, (ax,) = new_figure(max(4.0, 1.9 * width), max(2.5, 1.1 * height))
    fig = ax.figure
    pos = {k: (c, (len(keys) - 1) / 2 - i) for c, keys in by_column.items() for i, k in enumerate(keys)}
    for k, node in nodes.items():
        for i in node.inputs:
            if i in pos:
                ax.annotate("", xy=pos[k], xytext=pos[i], arrowprops=dict(arrowstyle="->", color="0.45", lw=1.2,
                                                                        shrinkA=22, shrinkB=22))
    for k, node in nodes.items():
        x, y = pos[k]
        box = dict(boxstyle="round,pad=0.35", fc="#e8f0fe", ec="#1a73e8") if node.kind == "value" else \
            dict(boxstyle="circle,pad=0.3", fc="#fef7e0", ec="#f9ab00")
        ax.text(x, y, node.label, ha="center", va="center", fontsize=9, bbox=box, family="monospace")
    ax.set_xlim(-0.7, width - 0.3)
    ax.set_ylim(-height / 2 - 0.2, height / 2 + 0.2)
    ax.set_axis_off()
    ax.set_title(title, fontsize=12)
    return fig
