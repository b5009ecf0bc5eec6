"""course.widgets and course.plots, driven without a browser."""
from __future__ import annotations

import math

import numpy as np
import pytest

from course import plots, widgets


def _explorer():
    def render(fig, lr, x0):
        ax = fig.axes[0]
        path = [x0 - k * lr for k in range(int(1 / lr) if lr > 0.05 else 20)]
        plots.plot_function_with_path(ax, lambda x: x**2, path)
        return f"{len(path) - 1} iterations"

    return widgets.Explorer({"lr": widgets.log_slider("lr", 0.1, -3, 0), "x0": widgets.float_slider("x0", 1.0, -2, 2)}, render)


def test_explorer_renders_once_when_built():
    e = _explorer()
    assert e.renders == 1 and widgets.status_text(e) == "9 iterations"


def test_moving_a_slider_redraws_and_updates_the_status():
    e = _explorer()
    e.controls["lr"].value = 0.5
    assert e.renders == 2
    assert widgets.status_text(e) == "1 iterations"
    path = e.figure.axes[0].lines[2].get_xdata()  # lines: curve, y=0, path, start, end
    assert list(path) == pytest.approx([1.0, 0.5])


def test_initial_point_slider_moves_the_path_start():
    e = _explorer()
    e.controls["x0"].value = -1.5
    start = e.figure.axes[0].lines[3].get_xdata()
    assert start[0] == pytest.approx(-1.5)


def test_an_error_in_render_is_shown_not_raised():
    def render(fig, lr):
        raise NotImplementedError()

    e = widgets.Explorer({"lr": widgets.log_slider("lr", 0.1, -3, 0)}, render)
    assert widgets.status_text(e).startswith("error: NotImplementedError")
    e.controls["lr"].value = 0.2
    assert e.renders == 2 and e.last_error


def test_log_slider_spans_decades():
    s = widgets.log_slider("lr", 1e-2, -4, 0)
    assert (s.base, s.min, s.max, s.value) == (10, -4, 0, pytest.approx(1e-2))


def test_plot_function_with_path_labels_axes_and_skips_non_finite_points():
    fig, (ax,) = plots.new_figure()
    plots.plot_function_with_path(ax, np.square, [1.0, 0.5, float("inf")], title="t")
    assert ax.get_xlabel() == "x" and ax.get_ylabel() == "f(x)" and ax.get_title() == "t"
    path_line = ax.lines[2]
    assert list(path_line.get_xdata()) == [1.0, 0.5]
    assert ax.get_legend() is not None


def test_finite_range_ignores_infinities_and_pads():
    lo, hi = plots.finite_range([0.0, 10.0, math.inf, math.nan])
    assert lo < 0.0 and hi > 10.0 and math.isfinite(lo) and math.isfinite(hi)
    assert plots.finite_range([]) == (-1.0, 1.0)


def test_plot_loss_curves_uses_log_scale_and_a_legend_for_several_curves():
    fig, (ax,) = plots.new_figure()
    plots.plot_loss_curves(ax, {"sgd": [1.0, 0.1], "adam": [1.0, 0.01]})
    assert ax.get_yscale() == "log" and ax.get_legend() is not None
    assert ax.get_xlabel() == "step" and ax.get_ylabel() == "loss"


def test_figures_display_as_png_in_ipython():
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    fig, (ax,) = plots.new_figure()
    ax.plot([0, 1], [0, 1])
    data, _ = shell.display_formatter.format(fig)
    assert data.get("image/png", b"")[:4] in (b"\x89PNG", "iVBO"), "a course figure must render as a PNG in a notebook"
