"""Figures for the lessons, drawn by code (matplotlib), one module per lesson.

Every function draws on an ``Axes`` the caller may pass in (from ``plt.subplots``), or on a new
figure that pyplot does not track (:func:`new_axes`), and returns the axes.
"""

from .axes import new_axes

__all__ = ["new_axes"]
