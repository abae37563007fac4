"""The base of the explorers: ipywidgets controls that redraw a matplotlib figure on every change.

The figure is rendered to PNG into an ``ipywidgets.Image``, so the explorer works in JupyterLab
without a special matplotlib backend, and its state can be tested headlessly: set a slider's
``value`` and read the redrawn line's data.
"""

from __future__ import annotations

import io
from typing import Any

import ipywidgets as w
from matplotlib.figure import Figure

DRAWN = True
"""False in a kernel that grades a notebook (:func:`course_lib.checks.harvest.figures_as_notes`):
nobody can move an explorer's sliders there, so its image is left empty instead of drawn."""


def figure_png(figure: Figure) -> bytes:
    """The figure rendered as PNG bytes (none when :data:`DRAWN` is off)."""
    if not DRAWN:
        return b""
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
