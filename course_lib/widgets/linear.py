"""Lesson 03's explorer: the loss per epoch of the training loop, for a chosen learning rate and input."""

from __future__ import annotations

import math
from collections.abc import Callable

import ipywidgets as w
import numpy as np
import torch
from matplotlib.ticker import MaxNLocator
from matplotlib.transforms import blended_transform_factory

from .. import linear
from ..data import temperature
from ..plotting.linear import least_squares, loss_grid
from .base import Explorer

INPUTS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "raw t_u": lambda t_u: t_u,
    "t_un = 0.1 · t_u": lambda t_u: 0.1 * t_u,
    "standardised": lambda t_u: (t_u - t_u.mean()) / t_u.std(),
}
"""The input choices: label → what the model sees, as a function of the readings ``t_u``."""


class TrainingExplorer(Explorer):
    """Loss per epoch of :func:`course_lib.linear.training_loop` on the thermometer data.

    Controls: the learning rate (a log slider, ``10⁻⁵`` to ``1``) and the input (raw readings,
    ``0.1 · t_u``, or standardised: ``(t_u − mean) / std``). Training starts from ``params = [1, 0]``.
    The curve is drawn on a log scale with the lowest possible loss as a dashed line, labelled on the
    line. When a loss stops being finite the run stops there (as the loop does): the curve ends at
    the last finite loss, marked with a cross, a note in the upper left corner (away from the
    cross, which a diverging curve puts in the upper right) says at which epoch, and so does the
    status line.
    """

    title = "Training explorer"

    def __init__(self, learning_rate: float = 1e-2, input: str = "t_un = 0.1 · t_u",
                 n_epochs: int = 5000) -> None:
        self.n_epochs = n_epochs
        self.t_c, self.t_u = temperature()
        self.learning_rate = w.FloatLogSlider(value=learning_rate, base=10, min=-5, max=0, step=0.1,
                                              description="learning rate", readout_format=".1e",
                                              style={"description_width": "initial"})
        self.input = w.ToggleButtons(options=list(INPUTS), value=input, description="input")
        super().__init__([self.learning_rate, self.input], figsize=(6.0, 3.5))
        (self.line,) = self.ax.plot([], [], color="C0")
        (self.cross,) = self.ax.plot([], [], "x", color="C3", markersize=10, mew=2)
        self.best_line = self.ax.axhline(1.0, color="0.4", linestyle="--", linewidth=1)
        self.best_label = self.ax.text(0.99, 1.0, "lowest possible", ha="right", va="top",
                                       fontsize="small", color="0.3",
                                       transform=blended_transform_factory(self.ax.transAxes,
                                                                           self.ax.transData))
        self.note = self.ax.text(0.02, 0.95, "", transform=self.ax.transAxes, ha="left", va="top",
                                 color="C3")
        self.ax.set_yscale("log")
        self.ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs are whole numbers
        self.ax.set_xlabel("epoch")
        self.ax.set_ylabel("loss")
        self.redraw()

    def inputs(self) -> torch.Tensor:
        """The input the model sees: ``INPUTS[choice](t_u)``."""
        return INPUTS[self.input.value](self.t_u)

    def history(self) -> tuple[torch.Tensor, list[float]]:
        """``(params, losses)`` of the current run (the loop prints nothing here)."""
        losses: list[float] = []
        params = linear.training_loop(self.n_epochs, self.learning_rate.value, torch.tensor([1.0, 0.0]),
                                      self.inputs(), self.t_c, print_every=0, history=losses)
        return params, losses

    def best_loss(self) -> float:
        """The loss at the bottom of the bowl (the least-squares line): no run can go lower."""
        w_best, b_best = least_squares(self.inputs(), self.t_c)
        return float(loss_grid(self.inputs(), self.t_c, np.array([w_best]), np.array([b_best]))[0, 0])

    def draw(self) -> None:
        params, losses = self.history()
        diverged = not math.isfinite(losses[-1])
        finite = losses[:-1] if diverged else losses
        self.line.set_data(range(1, len(finite) + 1), finite)
        self.cross.set_data(([len(finite)], [finite[-1]]) if diverged and finite else ([], []))
        best = self.best_loss()
        self.best_line.set_ydata([best, best])
        self.best_label.set_y(best)
        self.best_label.set_text(f"lowest possible: {best:.4g}")
        self.ax.set_autoscaley_on(True)  # set_ylim below switched it off for the last drawing
        self.ax.relim()
        self.ax.autoscale_view()
        bottom, top = self.ax.get_ylim()
        room = max(1.8, (top / best) ** 0.07)  # for the label under the dashed line, whatever the span
        self.ax.set_ylim(min(bottom, best / room), top)
        lr = self.learning_rate.value
        self.ax.set_title(f"{self.input.value}, learning rate {lr:.1e}")
        self.note.set_text(f"not finite at epoch {len(losses)}: stopped" if diverged else "")
        if diverged:
            self.status.value = (f"<b style='color:#c00'>Diverged:</b> the loss was not finite at epoch "
                                 f"{len(losses)}, so training stopped there. Each step overshot "
                                 f"further than the last; try a smaller learning rate.")
        else:
            w_fit, b_fit = params.tolist()
            self.status.value = (f"Epoch {len(losses)}: loss {losses[-1]:.4g} "
                                 f"(lowest possible {best:.4g}); w = {w_fit:.4g}, b = {b_fit:.4g}.")
