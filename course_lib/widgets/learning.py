"""Lesson 01's explorer: the error per iteration for a chosen input and learning rate."""

from __future__ import annotations

import ipywidgets as w

from .. import learning
from ..plotting.learning import loggable
from .base import Explorer


class LearningRateExplorer(Explorer):
    """Error per iteration of :func:`course_lib.learning.train` for a chosen input and alpha.

    The status line states the per-step error factor ``(1 − alpha·input²)²``: below 1 the error
    shrinks, above 1 it grows.
    """

    title = "Learning-rate explorer"

    def __init__(self, weight: float = 0.5, goal_pred: float = 0.8, n_iterations: int = 20,
                 input: float = 2.0, alpha: float = 0.1) -> None:
        self.weight, self.goal_pred, self.n_iterations = weight, goal_pred, n_iterations
        self.input = w.FloatSlider(value=input, min=0.1, max=4.0, step=0.1, description="input")
        self.alpha = w.FloatLogSlider(value=alpha, base=10, min=-3, max=1, step=0.05,
                                      description="alpha")
        super().__init__([self.input, self.alpha])
        (self.line,) = self.ax.plot([], [], marker=".")
        self.ax.set_yscale("log")
        self.ax.set_xlabel("iteration")
        self.ax.set_ylabel("squared error")
        self.redraw()

    def history(self) -> list[float]:
        return learning.train(self.input.value, self.weight, self.goal_pred, self.alpha.value,
                              self.n_iterations)

    def draw(self) -> None:
        history = self.history()
        self.line.set_data(range(len(history)), loggable(history))
        self.ax.relim()
        self.ax.autoscale_view()
        factor = (1 - self.alpha.value * self.input.value**2) ** 2
        verdict = "shrinks" if factor < 1 else ("stays put" if factor == 1 else "grows")
        limit = learning.critical_alpha(self.input.value)
        self.status.value = (f"error × {factor:.3g} per step: it <b>{verdict}</b> "
                             f"(critical alpha for this input: {limit:.3g})")
        self.ax.set_title(f"input = {self.input.value:g}, alpha = {self.alpha.value:.3g}")
