"""Lesson 05's explorer: the path an optimizer takes across the loss landscape of the thermometer data."""

from __future__ import annotations

import math

import ipywidgets as w
import torch

from ..data import temperature
from ..optim import OPTIMIZERS, descent_path, inputs
from ..plotting.linear import plot_loss_landscape
from ..plotting.optim import WINDOWS, describe_path, lowest_loss, path_artists, path_loss, set_path
from .base import Explorer

INPUTS: dict[str, bool] = {"raw t_u": False, "t_un = 0.1 · t_u": True}
"""The input choices: label → ``scaled`` of :func:`course_lib.optim.descent_path`."""


class OptimizerExplorer(Explorer):
    """The path of :func:`course_lib.optim.descent_path` from ``[1, 0]``, drawn on the loss landscape.

    Controls: the optimizer (SGD, SGD with momentum 0.9, Adam), the learning rate (a log slider,
    ``10⁻⁵`` to ``1``), the input (raw readings or ``0.1 · t_u``) and the number of steps (0 to
    2000). The landscape (:func:`course_lib.plotting.linear.plot_loss_landscape`) is drawn in the
    fixed window :data:`course_lib.plotting.optim.WINDOWS` of the chosen input, so that paths can be
    compared. The status line gives the final ``w``, ``b`` and loss, or the step at which the run
    diverged (the path is then drawn until it leaves the window, and a note says so).
    """

    title = "Optimizer explorer"

    def __init__(self, optimizer: str = "Adam", learning_rate: float = 1e-1, scaled: bool = False,
                 n_steps: int = 500) -> None:
        self.t_c, self.t_u = temperature()
        self.optimizer = w.Dropdown(options=list(OPTIMIZERS), value=optimizer, description="optimizer")
        self.learning_rate = w.FloatLogSlider(value=learning_rate, base=10, min=-5, max=0, step=0.1,
                                              description="learning rate", readout_format=".1e",
                                              continuous_update=False, style={"description_width": "initial"})
        self.input = w.ToggleButtons(options=list(INPUTS.items()), value=scaled, description="input")
        self.n_steps = w.IntSlider(value=n_steps, min=0, max=2000, step=10, description="steps",
                                   continuous_update=False)
        super().__init__([self.optimizer, self.learning_rate, self.input, self.n_steps], figsize=(6.5, 4.8))
        self.widget.children[0].layout.flex_flow = "row wrap"  # four controls: let them wrap
        self.landscape_scaled: bool | None = None
        self.redraw()

    def path(self) -> torch.Tensor:
        """The rows ``[w, b]`` visited with the current controls."""
        return descent_path(self.optimizer.value, self.learning_rate.value, self.n_steps.value,
                            self.input.value)

    def draw_landscape(self, scaled: bool) -> None:
        """Clear the axes and draw the landscape of the chosen input, with empty path artists on it."""
        self.ax.clear()
        plot_loss_landscape(inputs(self.t_u, scaled), self.t_c, *WINDOWS[scaled], ax=self.ax,
                            legend_loc="lower left")
        self.artists = path_artists(self.ax, "C3")
        self.line = self.artists[0]
        self.note = self.ax.text(0.98, 0.03, "", transform=self.ax.transAxes, ha="right", va="bottom",
                                 color="C3", fontsize="small")
        self.landscape_scaled = scaled

    def draw(self) -> None:
        scaled = self.input.value
        if self.landscape_scaled is not scaled:
            self.draw_landscape(scaled)
        path = self.path()
        loss = path_loss(path, scaled)
        diverged = not math.isfinite(loss)
        set_path(self.artists, path, WINDOWS[scaled] if diverged else None)
        run = f"{self.optimizer.value}, lr {self.learning_rate.value:.1e}"
        self.line.set_label(f"{run}: {describe_path(path, scaled)}")
        self.ax.legend(fontsize="small", loc="lower left")
        self.ax.set_title(f"{run}, input {'t_un = 0.1 · t_u' if scaled else 'raw t_u'}")
        note = f"diverged at step {len(path) - 1}:\nthe path leaves the window"
        self.note.set_text(note if diverged else "")
        self.status.value = self.describe(path, loss, scaled)

    def describe(self, path: torch.Tensor, loss: float, scaled: bool) -> str:
        """The status line: where the run ended and its loss, or where it diverged."""
        steps = len(path) - 1
        if not math.isfinite(loss):
            hint = "" if scaled else " or the rescaled input"
            return (f"<b style='color:#c00'>Diverged at step {steps}</b>: the loss after it is not finite "
                    f"({loss}), so the run stopped there. Each step overshot further than the last; "
                    f"try a smaller learning rate{hint}.")
        w_end, b_end = path[-1].tolist()
        (w_low, w_high), (b_low, b_high) = WINDOWS[scaled]
        outside = "" if w_low <= w_end <= w_high and b_low <= b_end <= b_high else " (outside the window)"
        return (f"After {steps} steps: w = {w_end:.4g}, b = {b_end:.4g}{outside}, loss {loss:.4g} "
                f"(lowest possible {lowest_loss(scaled):.4g}).")
