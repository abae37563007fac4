"""Interactive explorers (ipywidgets), one module per lesson, built on :class:`.base.Explorer`."""

from typing import Any

from .base import Explorer, figure_png

__all__ = ["Explorer", "OptimizerExplorer", "figure_png"]


def __getattr__(name: str) -> Any:
    """Lesson 05's explorer, imported on first use: it needs torch, which earlier lessons never load."""
    if name == "OptimizerExplorer":
        from .optim import OptimizerExplorer

        return OptimizerExplorer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
