"""Figures for the lessons, drawn by code (matplotlib), one module per lesson.

Every function draws on an ``Axes`` the caller may pass in (from ``plt.subplots``), or on a new
figure that pyplot does not track (:func:`new_axes`), and returns the axes.
"""

from typing import Any

from .axes import new_axes

__all__ = ["new_axes", "plot_batch_sizes", "plot_descent_paths"]


def __getattr__(name: str) -> Any:
    """Lesson 05's figures, imported on first use: they need torch, which earlier lessons never load."""
    if name in ("plot_batch_sizes", "plot_descent_paths"):
        from . import optim

        return getattr(optim, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
