"""Lesson 02's explorer: how the step δ and the floating-point type decide a finite difference."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as w
import numpy as np

from .. import derivatives
from ..plotting import derivatives as plots
from .base import Explorer


class DeltaExplorer(Explorer):
    """A δ slider and a float64/float32 switch, for ``f`` at ``x`` with known derivative ``dfdx``.

    Left: ``f`` zoomed to ``x ± 2δ`` with the tangent and both secants
    (:func:`course_lib.plotting.derivatives.plot_secants`), by default with the tangent subtracted so
    that the bend of ``f`` and the rounding steps show at every δ. Right: the error of both differences
    against δ (:func:`course_lib.plotting.derivatives.plot_difference_errors`) with the chosen δ
    marked. The status line gives both estimates and their errors.
    """

    title = "Step-size explorer"

    def __init__(self, f: Callable[[Any], Any] = np.exp, dfdx: Callable[[Any], Any] = np.exp,
                 x: float = 1.0, delta: float = 1e-3, dtype: str = "float64", name: str = "exp",
                 subtract_tangent: bool = True) -> None:
        self.f, self.dfdx, self.x, self.name = f, dfdx, x, name
        self.delta = w.FloatLogSlider(value=delta, base=10, min=-12, max=-1, step=0.25, description="δ",
                                      readout_format=".1e")
        self.dtype = w.ToggleButtons(options=["float64", "float32"], value=dtype, description="type")
        self.subtract_tangent = w.Checkbox(value=subtract_tangent, description="subtract the tangent")
        super().__init__([self.delta, self.dtype, self.subtract_tangent], figsize=(11.0, 4.0))
        self.figure.clear()
        self.ax_zoom, self.ax_errors = self.figure.subplots(1, 2)
        self.ax = self.ax_zoom
        self.redraw()

    def errors(self) -> tuple[float, float]:
        """The forward and central errors at the chosen δ, in the chosen type."""
        forward, central = derivatives.difference_errors(self.f, self.dfdx, self.x, [self.delta.value],
                                                         self.dtype.value)
        return float(forward[0]), float(central[0])

    def draw(self) -> None:
        delta, dtype = self.delta.value, np.dtype(self.dtype.value).type
        exact = float(self.dfdx(np.float64(dtype(self.x))))
        self.ax_zoom.clear()
        plots.plot_secants(self.f, self.x, delta, slope=exact, dtype=dtype, ax=self.ax_zoom,
                           subtract_tangent=self.subtract_tangent.value, name=self.name)
        self.ax_zoom.set_title(f"{self.name} near x₀ = {self.x:g}, zoomed to x₀ ± 2δ")
        self.ax_errors.clear()
        plots.plot_difference_errors(self.f, self.dfdx, self.x, dtype=dtype, ax=self.ax_errors)
        forward, central = self.errors()
        self.ax_errors.axvline(delta, color="0.3", linewidth=0.8)
        (self.marker,) = self.ax_errors.plot([delta, delta], [forward, central], "o", color="C3",
                                             label=f"δ = {delta:.1e}")
        self.ax_errors.legend(fontsize="small")
        view = plots.secants(self.f, self.x, delta, dtype)
        self.status.value = (f"δ = {delta:.1e} in {self.dtype.value}: forward {view.forward:.10g} "
                             f"(error {forward:.1e}), central {view.central:.10g} (error {central:.1e}); "
                             f"exact {exact:.10g}")
