"""Interactive explorers (ipywidgets), one module per lesson, built on :class:`.base.Explorer`."""

import importlib
from typing import Any

from .base import Explorer, figure_png

_LAZY = {"OptimizerExplorer": "optim", "CapacityExplorer": "overfitting"}
"""Explorers of lessons 05 and 06 (name → module), imported on first use: they need torch, which
earlier lessons never load."""

__all__ = ["Explorer", "figure_png", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
