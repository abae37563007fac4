"""Where a figure is drawn."""

from __future__ import annotations

from matplotlib.axes import Axes
from matplotlib.figure import Figure


def new_axes(ax: Axes | None = None, figsize: tuple[float, float] = (6.0, 3.5)) -> Axes:
    """``ax`` itself, or the axes of a new figure that pyplot does not track (nothing auto-displays)."""
    if ax is not None:
        return ax
    return Figure(figsize=figsize, layout="constrained").add_subplot()
