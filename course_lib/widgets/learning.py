"""Lesson 01's explorer: the weight and the error per iteration for a chosen input and learning rate."""

from __future__ import annotations

import ipywidgets as w
import numpy as np
from matplotlib.ticker import MaxNLocator

from .. import learning
from ..plotting.learning import loggable, regime, weight_history
from .base import Explorer


class LearningRateExplorer(Explorer):
    """The weight (left) and the squared error (right, log scale) at every iteration of
    :func:`course_lib.learning.train`, for a chosen input and alpha.

    The weight panel is where a zig-zag shows (the weight jumps across the best weight, dotted);
    the error panel shows how fast the error shrinks or grows. The alpha slider is linear, in steps
    of 0.01, so that the special values 1/input² and 2/input² (0.25 and 0.5 for input 2) can be hit
    exactly. The status line states the per-step error factor ``(1 − alpha·input²)²``: below 1 the
    error shrinks, above 1 it grows; and the regime (:func:`course_lib.plotting.learning.regime`).
    """

    title = "Learning-rate explorer"

    def __init__(self, weight: float = 0.5, goal_pred: float = 0.8, n_iterations: int = 20,
                 input: float = 2.0, alpha: float = 0.1) -> None:
        self.weight, self.goal_pred, self.n_iterations = weight, goal_pred, n_iterations
        self.input = w.FloatSlider(value=input, min=0.1, max=4.0, step=0.1, description="input")
        self.alpha = w.FloatSlider(value=alpha, min=0.01, max=2.0, step=0.01, description="alpha",
                                   readout_format=".2f")
        super().__init__([self.input, self.alpha], figsize=(9.0, 3.5))
        self.figure.clear()
        self.weight_ax, self.ax = self.figure.subplots(1, 2)
        (self.weight_line,) = self.weight_ax.plot([], [], marker=".", color="C0")
        self.best_line = self.weight_ax.axhline(0.0, color="0.3", linestyle=":", linewidth=1)
        self.weight_ax.set_xlabel("iteration")
        self.weight_ax.set_ylabel("weight")
        (self.line,) = self.ax.plot([], [], marker=".", color="C0")
        self.note = self.ax.text(0.03, 0.04, "", transform=self.ax.transAxes, ha="left", va="bottom",
                                 fontsize="small", color="C3")
        self.ax.set_yscale("log")
        self.ax.set_xlabel("iteration")
        self.ax.set_ylabel("squared error (log scale)")
        for ax in (self.weight_ax, self.ax):
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.set_xlim(-0.5, n_iterations - 0.5)  # fixed: an error line cut short keeps the full axis
        self.redraw()

    def history(self) -> list[float]:
        return learning.train(self.input.value, self.weight, self.goal_pred, self.alpha.value,
                              self.n_iterations)

    def weights(self) -> list[float]:
        return weight_history(self.input.value, self.weight, self.goal_pred, self.alpha.value,
                              self.n_iterations)

    def draw(self) -> None:
        history = self.history()
        iterations = np.arange(len(history))
        self.line.set_data(iterations, loggable(history))
        self.weight_line.set_data(iterations, self.weights())
        best = self.goal_pred / self.input.value
        self.best_line.set_ydata([best, best])
        zeros = [i for i, value in enumerate(history) if value == 0]
        self.note.set_text(f"error exactly 0 from iteration {zeros[0]} on:\nnothing to draw on a log scale"
                           if zeros else "")
        for ax in (self.weight_ax, self.ax):
            ax.relim()
            ax.autoscale_view(scalex=False)
        factor = (1 - self.alpha.value * self.input.value**2) ** 2
        verdict = "shrinks" if factor < 1 else ("stays put" if factor == 1 else "grows")
        limit = learning.critical_alpha(self.input.value)
        self.status.value = (f"error × {factor:.3g} per step: it <b>{verdict}</b>; the weight "
                             f"{regime(self.input.value, self.alpha.value)} "
                             f"(critical alpha for this input: {limit:.3g})")
        self.weight_ax.set_title(f"weight (best: {best:.3g})")
        self.ax.set_title(f"input = {self.input.value:g}, alpha = {self.alpha.value:.3g}")
