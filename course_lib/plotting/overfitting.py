"""Figures for lesson 06: training and validation loss curves, a fitted curve over the samples it was
trained on and the ones held out, and the final losses against the size of the model.

The runs are those of :mod:`course_lib.overfitting`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import LogFormatter
from torch import nn

from ..overfitting import TRUTH, Data, true_curve
from .axes import new_axes

__all__ = ["X_RANGE", "Y_LIMITS", "best_epoch", "plot_capacity", "plot_fit", "plot_loss_pairs", "plot_losses"]

X_RANGE = (-1.05, 1.05)
"""The inputs over which :func:`plot_fit` draws the model and the truth: the samples' [−1, 1] and a margin."""

Y_LIMITS = (-2.2, 2.2)
"""The fixed output range of :func:`plot_fit`: every sample of :func:`course_lib.overfitting.lesson_data`
fits, so fits of different models land on the same axes, and a curve that runs wild is cut off."""

TRUTH_LABEL = f"truth: {TRUTH}"
"""The legend entry of :func:`course_lib.overfitting.true_curve`."""


class PlainLogFormatter(LogFormatter):
    """The ticks :class:`~matplotlib.ticker.LogFormatter` labels, written as plain numbers (0.2, 0.05)
    rather than ``2e-01``."""

    def __call__(self, x: float, pos: int | None = None) -> str:
        return f"{x:g}" if super().__call__(x, pos) else ""


def log_losses(ax: Axes, label: str = "mean squared error") -> None:
    """A log-scale loss axis labelled with plain numbers: the losses of the lesson span one or two
    decades, where the labelled minor ticks (0.2, 0.3, 0.5) are what a reader reads values from."""
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(PlainLogFormatter())
    ax.yaxis.set_minor_formatter(PlainLogFormatter(labelOnlyBase=False, minor_thresholds=(2, 0.5)))
    ax.set_ylabel(f"{label} (log scale)")


def best_epoch(val_losses: Sequence[float]) -> int:
    """The epoch (counted from 1) of the lowest validation loss; the first one if several tie."""
    return int(np.argmin(np.asarray(val_losses, dtype=np.float64))) + 1


def plot_losses(train_losses: Sequence[float], val_losses: Sequence[float], ax: Axes | None = None,
                title: str | None = None) -> Axes:
    """The training loss (solid) and the validation loss (dashed) at each epoch, counted from 1, on a
    log scale; a dot marks the epoch of the lowest validation loss, which the legend names."""
    ax = new_axes(ax)
    epochs = np.arange(1, len(train_losses) + 1)
    ax.plot(epochs, train_losses, "-", color="C0", linewidth=1.6, label="training")
    ax.plot(epochs, val_losses, "--", color="C1", linewidth=1.6, label="validation")
    best = best_epoch(val_losses)
    ax.plot([best], [val_losses[best - 1]], "o", color="C1", markeredgecolor="k", markersize=7, zorder=4,
            label=f"lowest validation loss, epoch {best}")
    log_losses(ax)
    ax.set_xlabel("epoch")
    ax.legend(fontsize="small", loc="best")
    if title is not None:
        ax.set_title(title)
    return ax


def n_parameters(model: nn.Module) -> int:
    """How many numbers training adjusts in ``model``: the entries of all its parameters."""
    return sum(parameter.numel() for parameter in model.parameters())


def plot_fit(model: nn.Module, train: Data, val: Data, ax: Axes | None = None,
             title: str | None = None) -> Axes:
    """The model's curve over the samples: training samples filled, validation samples hollow, the
    true law :func:`course_lib.overfitting.true_curve` thin, grey and dashed, and the model's output
    over :data:`X_RANGE` (its legend entry gives the number of parameters). The y-limits are fixed
    (:data:`Y_LIMITS`), so that fits can be compared from plot to plot."""
    ax = new_axes(ax)
    grid = torch.linspace(*X_RANGE, 301).unsqueeze(1)
    with torch.no_grad():
        curve = model(grid)
    ax.plot(grid[:, 0], true_curve(grid)[:, 0], "--", color="0.45", linewidth=1, label=TRUTH_LABEL)
    crowded = len(train[0]) > 40  # smaller dots, so that the curves between them still show
    ax.plot(train[0][:, 0], train[1][:, 0], "o", color="C0", markersize=3.5 if crowded else 5, zorder=3,
            label=f"training samples ({len(train[0])})")
    ax.plot(val[0][:, 0], val[1][:, 0], "o", color="C1", markerfacecolor="none", markersize=5, zorder=3,
            label=f"validation samples ({len(val[0])})")
    ax.plot(grid[:, 0], curve[:, 0], "-", color="C3", linewidth=2, zorder=2.5,
            label=f"model ({n_parameters(model)} parameters)")
    ax.set_xlim(*X_RANGE)
    ax.set_ylim(*Y_LIMITS)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.legend(fontsize="small", loc="upper left")
    if title is not None:
        ax.set_title(title)
    return ax


def plot_capacity(sizes: Sequence[int], train_final: Sequence[float], val_final: Sequence[float],
                  ax: Axes | None = None) -> Axes:
    """The final training and validation losses (log scale) against the size of the model.

    ``sizes`` are numbers of hidden units, 0 for the straight line ``nn.Linear(1, 1)``; as 0 has no
    place on a log axis, they sit at evenly spaced positions, labelled with their values. A ring
    marks the size with the lowest validation loss (the first one if several tie).
    """
    ax = new_axes(ax)
    positions = np.arange(len(sizes))
    ax.plot(positions, train_final, "o-", color="C0", label="training")
    ax.plot(positions, val_final, "o--", color="C1", label="validation")
    best = int(np.argmin(np.asarray(val_final, dtype=np.float64)))
    ax.plot([positions[best]], [val_final[best]], "o", color="none", markeredgecolor="k", markersize=13,
            markeredgewidth=1.5, label=f"lowest validation loss: {sizes[best]} hidden units")
    ax.set_xticks(positions, [str(size) for size in sizes])
    log_losses(ax, "final mean squared error")
    ax.set_xlabel("hidden units (0: a straight line)")
    ax.legend(fontsize="small", loc="best")
    return ax


def plot_loss_pairs(runs: Mapping[str, tuple[Sequence[float], Sequence[float]]],
                    axes: Sequence[Axes] | None = None) -> list[Axes]:
    """:func:`plot_losses` for several runs side by side, one panel per run, titled by its key.

    ``runs`` maps a title (e.g. ``"too simple: a straight line"``) to the run's
    ``(train_losses, val_losses)``. Without ``axes``, a new figure (3.4 inches wide per panel) with
    one row of panels sharing their y-axis (labelled on the left only), so that the losses of the runs
    compare directly; with ``axes``, one per run, in order, drawn as they are.
    """
    shared = axes is None
    if axes is None:
        figure = Figure(figsize=(3.4 * len(runs), 3.6), layout="constrained")
        axes = list(np.atleast_1d(figure.subplots(1, len(runs), sharey=True)))
    if len(axes) != len(runs):
        raise ValueError(f"{len(runs)} runs need as many axes, not {len(axes)}")
    for ax, (title, (train_losses, val_losses)) in zip(axes, runs.items(), strict=True):
        plot_losses(train_losses, val_losses, ax=ax, title=title)
        if shared:
            ax.label_outer()  # the shared y-axis is labelled once, on the left
    return list(axes)
