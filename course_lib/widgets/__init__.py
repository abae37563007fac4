"""Interactive explorers (ipywidgets), one module per lesson, built on :class:`.base.Explorer`."""

from .base import Explorer, figure_png

__all__ = ["Explorer", "figure_png"]
