"""Interactive explorers built from ipywidgets; each redraws a matplotlib figure on every change.

The figure is rendered to PNG into an ``ipywidgets.Image``, so the explorer works in JupyterLab
without a special matplotlib backend, and its state can be tested headlessly: set a slider's
``value`` and read the redrawn line's data.
"""

from __future__ import annotations

import io
from typing import Any

import ipywidgets as w
from matplotlib.figure import Figure

from . import learning


def figure_png(figure: Figure) -> bytes:
    """The figure rendered as PNG bytes."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


class Explorer:
    """Base of the explorers: a figure, an image of it, and controls that call :meth:`redraw`.

    Displaying an explorer shows its widgets; its plain-text form is a short fixed sentence (the
    widget tree's repr would hold the PNG bytes).
    """

    title = "explorer"

    def __init__(self, controls: list[w.Widget], figsize: tuple[float, float] = (6.0, 3.5)) -> None:
        self.figure = Figure(figsize=figsize, layout="constrained")
        self.ax = self.figure.add_subplot()
        self.status = w.HTML()
        self.image = w.Image(format="png")
        self.controls = controls
        self.widget = w.VBox([w.HBox(controls), self.status, self.image])
        for control in controls:
            control.observe(lambda _change: self.redraw(), names="value")

    def redraw(self) -> None:
        self.draw()
        self.image.value = figure_png(self.figure)

    def draw(self) -> None:  # pragma: no cover - every explorer overrides it
        raise NotImplementedError

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = f"{self.title} (move the sliders; needs a live kernel)"
        return bundle


class LearningRateExplorer(Explorer):
    """Error per iteration of :func:`course_lib.learning.train` for a chosen input and alpha.

    The status line states the per-step error factor ``(1 − alpha·input²)²``: below 1 the error
    shrinks, above 1 it grows.
    """

    title = "Learning-rate explorer"

    def __init__(self, weight: float = 0.5, goal_pred: float = 0.8, n_iterations: int = 20,
                 input: float = 2.0, alpha: float = 0.1) -> None:
        self.weight, self.goal_pred, self.n_iterations = weight, goal_pred, n_iterations
        self.input = w.FloatSlider(value=input, min=0.1, max=4.0, step=0.1, description="input")
        self.alpha = w.FloatLogSlider(value=alpha, base=10, min=-3, max=1, step=0.05,
                                      description="alpha")
        super().__init__([self.input, self.alpha])
        (self.line,) = self.ax.plot([], [], marker=".")
        self.ax.set_yscale("log")
        self.ax.set_xlabel("iteration")
        self.ax.set_ylabel("squared error")
        self.redraw()

    def history(self) -> list[float]:
        return learning.train(self.input.value, self.weight, self.goal_pred, self.alpha.value,
                              self.n_iterations)

    def draw(self) -> None:
        history = self.history()
        self.line.set_data(range(len(history)), history)
        self.ax.relim()
        self.ax.autoscale_view()
        factor = (1 - self.alpha.value * self.input.value**2) ** 2
        verdict = "shrinks" if factor < 1 else ("stays put" if factor == 1 else "grows")
        limit = learning.critical_alpha(self.input.value)
        self.status.value = (f"error × {factor:.3g} per step: it <b>{verdict}</b> "
                             f"(critical alpha for this input: {limit:.3g})")
        self.ax.set_title(f"input = {self.input.value:g}, alpha = {self.alpha.value:.3g}")
