"""ipywidgets controls that redraw one matplotlib figure: testable without a browser.

An :class:`Explorer` holds named controls (sliders) and a ``render(fig, **values) -> str``
function. Whenever a control changes, the figure is cleared, ``render`` draws on it with the
controls' current values, the returned text goes to a status line (for example the iteration
count), and the figure is shown again in an ``Output`` widget. ``render`` errors are caught
and shown in the status line, so a half-finished student function never breaks the widget.

Tests drive it as a student would: set ``explorer.controls["lr"].value`` and read
``explorer.status.value``, ``explorer.renders`` and ``explorer.figure``.
"""
from __future__ import annotations

import html
from typing import Any, Callable, Mapping

import ipywidgets as W
from IPython.display import display

from .plots import new_figure

__all__ = ["log_slider", "float_slider", "int_slider", "Explorer", "status_text"]

_STYLE = {"description_width": "initial"}
_WIDTH = "480px"


def log_slider(description: str, value: float, min_exp: float, max_exp: float, step: float = 0.05) -> W.FloatLogSlider:
    """A base-10 log-scale slider from ``10**min_exp`` to ``10**max_exp`` (for learning rates)."""
    return W.FloatLogSlider(
        value=value, base=10, min=min_exp, max=max_exp, step=step, description=description,
        readout_format=".2e", continuous_update=False, style=_STYLE, layout=W.Layout(width=_WIDTH),
    )


def float_slider(description: str, value: float, lo: float, hi: float, step: float = 0.01) -> W.FloatSlider:
    """A linear slider for a real parameter (an initial point, a weight scale)."""
    return W.FloatSlider(
        value=value, min=lo, max=hi, step=step, description=description,
        readout_format=".3f", continuous_update=False, style=_STYLE, layout=W.Layout(width=_WIDTH),
    )


def int_slider(description: str, value: int, lo: int, hi: int, step: int = 1) -> W.IntSlider:
    """An integer slider (a number of steps, a hidden width)."""
    return W.IntSlider(
        value=value, min=lo, max=hi, step=step, description=description,
        continuous_update=False, style=_STYLE, layout=W.Layout(width=_WIDTH),
    )


class Explorer:
    """Controls plus a figure that ``render`` redraws whenever a control changes.

    Parameters
    ----------
    controls:
        Name -> value widget; ``render`` receives each value under that name.
    render:
        ``render(fig, **values) -> str``: draw on the (cleared) figure, return a status text.
    figsize:
        (width, height) in inches of the figure.
    ncols:
        Number of side-by-side axes the figure gets before each render.
    """

    def __init__(
        self,
        controls: Mapping[str, W.ValueWidget],
        render: Callable[..., str],
        figsize: tuple[float, float] = (8.0, 4.0),
        ncols: int = 1,
    ) -> None:
        self.controls = dict(controls)
        self._render = render
        self._ncols = ncols
        self.figure, _ = new_figure(*figsize, ncols=ncols)
        self.status = W.HTML(value="")
        self.output = W.Output()
        self.renders = 0
        self.last_error: str | None = None
        self.widget = W.VBox([*self.controls.values(), self.status, self.output])
        for control in self.controls.values():
            control.observe(self.update, names="value")
        self.update()

    def values(self) -> dict[str, Any]:
        """The controls' current values, by name."""
        return {name: control.value for name, control in self.controls.items()}

    def update(self, change: Any = None) -> None:
        """Redraw the figure with the current values and refresh the status line."""
        self.figure.clear()
        for i in range(self._ncols):
            ax = self.figure.add_subplot(1, self._ncols, i + 1)
            ax.grid(True, alpha=0.3)
        try:
            text = self._render(self.figure, **self.values())
            self.last_error = None
        except Exception as err:  # shown to the student, never raised into the widget machinery
            text = f"error: {type(err).__name__}: {err}"
            self.last_error = text
        self.renders += 1
        self.status.value = f"<pre style='margin:0'>{html.escape(str(text))}</pre>"
        self.output.clear_output(wait=True)
        with self.output:
            display(self.figure)

    def _ipython_display_(self) -> None:
        display(self.widget)


def status_text(explorer: Explorer) -> str:
    """The status line without its HTML wrapper (for tests and printing)."""
    raw = explorer.status.value
    return html.unescape(raw.replace("<pre style='margin:0'>", "").replace("</pre>", ""))

