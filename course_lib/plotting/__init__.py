"""Figures for the lessons, drawn by code (matplotlib), one module per lesson.

Every function draws on an ``Axes`` the caller may pass in (from ``plt.subplots``), or on a new
figure that pyplot does not track (:func:`new_axes`), and returns the axes.
"""

import importlib
from typing import Any

from .axes import new_axes

_LAZY = {"plot_batch_sizes": "optim", "plot_descent_paths": "optim", "plot_capacity": "overfitting",
         "plot_fit": "overfitting", "plot_loss_pairs": "overfitting", "plot_losses": "overfitting"}
"""Figures of lessons 05 and 06 (name → module), imported on first use: they need torch, which
earlier lessons never load."""

__all__ = ["new_axes", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
