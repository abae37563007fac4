"""Lesson 06's explorer: a model of a chosen size fitted to a few noisy samples, next to its training
and validation losses, with the remedies for overfitting on sliders."""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as w

from ..overfitting import Experiment, Trained, diagnose, lesson_data, run_experiment
from ..plotting.overfitting import best_epoch, plot_fit, plot_losses
from .base import Explorer

HIDDEN_UNITS = (0, 1, 2, 4, 8, 16, 32, 64)
"""The sizes on the hidden-units slider (0: the straight line ``nn.Linear(1, 1)``)."""

PENALTIES = (0.0, 1e-4, 1e-3, 1e-2, 1e-1)
"""The L2 penalties λ on their slider (0: none)."""

INPUT_NOISES = (0.0, 0.05, 0.1, 0.2, 0.3)
"""The input-noise σ on their slider (0: the samples as they are, no noisy copies)."""

TRAINING_POINTS = (5, 10, 20, 40, 80, 160)
"""The numbers of training samples on their slider (160: all the training samples of ``lesson_data()``)."""

VERDICTS = {
    "underfitting": "rule 1: the training loss hardly went down",
    "overfitting": "rule 2: the validation loss ended well above its lowest",
    "fine": "neither rule applies",
}
"""What each answer of :func:`course_lib.overfitting.diagnose` means, for the status line."""


def selection_slider(values: Sequence[float], value: float, description: str) -> w.SelectionSlider:
    """A slider over ``values`` (shown as ``f"{v:g}"``) that redraws only when released."""
    return w.SelectionSlider(options=[(f"{v:g}", v) for v in values], value=value, description=description,
                             continuous_update=False, style={"description_width": "initial"})


def settings(experiment: Experiment) -> str:
    """The explorer's settings in a few words, e.g. ``"32 hidden units, 10 training points, λ = 0.01"``."""
    hidden = experiment.hidden
    model = {0: "a straight line", 1: "1 hidden unit"}.get(hidden, f"{hidden} hidden units")
    words = [model, f"{experiment.n_train} training points"]
    if experiment.penalty > 0:
        words.append(f"λ = {experiment.penalty:g}")
    if experiment.input_noise > 0:
        words.append(f"input noise σ = {experiment.input_noise:g}")
    return ", ".join(words)


class CapacityExplorer(Explorer):
    """One run of :func:`course_lib.overfitting.run_experiment` on the lesson's data, redrawn whenever
    a slider is released.

    Controls: the hidden units (:data:`HIDDEN_UNITS`, 0 a straight line), the L2 penalty λ
    (:data:`PENALTIES`), the input noise σ (:data:`INPUT_NOISES`: noisy copies of each training input)
    and the number of training points (:data:`TRAINING_POINTS`, the first ones of the training
    samples). Left, the fitted curve over the training samples it saw and the validation samples
    (:func:`course_lib.plotting.overfitting.plot_fit`); right, both losses per epoch
    (:func:`course_lib.plotting.overfitting.plot_losses`). The status line gives the final training
    and validation losses, the epoch of the lowest validation loss and the verdict of
    :func:`course_lib.overfitting.diagnose`. Each change trains a new model (a fraction of a second).
    """

    title = "Capacity explorer"

    def __init__(self, hidden: int = 32, penalty: float = 0.0, input_noise: float = 0.0,
                 n_train: int = 10) -> None:
        self.train, self.val = lesson_data()
        self.hidden = selection_slider(HIDDEN_UNITS, hidden, "hidden units")
        self.penalty = selection_slider(PENALTIES, penalty, "L2 penalty λ")
        self.input_noise = selection_slider(INPUT_NOISES, input_noise, "input noise σ")
        self.n_train = selection_slider(TRAINING_POINTS, n_train, "training points")
        super().__init__([self.hidden, self.penalty, self.input_noise, self.n_train], figsize=(9.5, 3.8))
        self.widget.children[0].layout.flex_flow = "row wrap"  # four controls: let them wrap
        self.figure.clear()
        self.fit_ax, self.ax = self.figure.subplots(1, 2)
        self.redraw()

    def experiment(self) -> Experiment:
        """The run the controls describe."""
        return Experiment(hidden=self.hidden.value, n_train=self.n_train.value, penalty=self.penalty.value,
                          input_noise=self.input_noise.value)

    def draw(self) -> None:
        experiment = self.experiment()
        self.trained = run_experiment(experiment, self.train, self.val)
        for ax in (self.fit_ax, self.ax):
            ax.clear()
        plot_fit(self.trained.model, self.trained.train, self.val, ax=self.fit_ax, title=settings(experiment))
        plot_losses(self.trained.train_losses, self.trained.val_losses, ax=self.ax, title="loss per epoch")
        self.status.value = self.describe(self.trained, experiment)

    @staticmethod
    def describe(trained: Trained, experiment: Experiment) -> str:
        """The status line: final losses, the epoch of the lowest validation loss, the diagnosis."""
        train_losses, val_losses = trained.train_losses, trained.val_losses
        best = best_epoch(val_losses)
        copies = " (samples and their noisy copies)" if experiment.input_noise > 0 else ""
        verdict = diagnose(train_losses, val_losses)
        return (f"After {len(train_losses)} epochs: training loss {train_losses[-1]:.4f}{copies}, "
                f"validation loss {val_losses[-1]:.4f}; lowest validation loss {val_losses[best - 1]:.4f} "
                f"at epoch {best}. Diagnosis: <b>{verdict}</b> ({VERDICTS[verdict]}).")
