"""Figures for lesson 01: error curves, and the error as a function of the weight."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator

from .. import learning
from .axes import new_axes


def loggable(values: Sequence[float]) -> np.ndarray:
    """``values`` with zeros (an exact hit) as NaN, which a log-scale plot leaves out instead of failing."""
    values = np.asarray(values, dtype=float)
    return np.where(values > 0, values, np.nan)


def plot_error_curves(histories: Mapping[str, Sequence[float]], ax: Axes | None = None,
                      log: bool = True) -> Axes:
    """One line per run: the error at each iteration (log scale by default, where a constant factor
    per step is a straight line)."""
    ax = new_axes(ax)
    for label, history in histories.items():
        ax.plot(np.arange(len(history)), loggable(history) if log else history, marker=".", label=label)
    if log:
        ax.set_yscale("log")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("iteration")
    ax.set_ylabel("squared error")
    ax.legend(fontsize="small", loc="center left", bbox_to_anchor=(1.0, 0.5))
    return ax


def plot_error_landscape(input: float, goal_pred: float, weights: Sequence[float],
                         ax: Axes | None = None) -> Axes:
    """The error as a function of the weight (a parabola), with the visited ``weights`` marked in order.

    The curve is ``E(w) = (input·w − goal_pred)²``; its minimum sits at ``w* = goal_pred / input``.
    """
    ax = new_axes(ax)
    weights = np.asarray(weights, dtype=float)
    best = goal_pred / input
    span = max(1.0, float(np.max(np.abs(weights - best))) * 1.2)
    grid = np.linspace(best - span, best + span, 400)
    ax.plot(grid, (input * grid - goal_pred) ** 2, color="0.6", label="error(weight)")
    errors = (input * weights - goal_pred) ** 2
    ax.plot(weights, errors, "-o", color="C3", markersize=4, label="visited weights")
    ax.annotate("start", (weights[0], errors[0]), textcoords="offset points", xytext=(6, 6))
    ax.axvline(best, color="C2", linestyle=":", label=f"best weight = {best:.3g}")
    ax.set_xlabel("weight")
    ax.set_ylabel("squared error")
    ax.legend(fontsize="small")
    return ax


def plot_training_errors(input: float, weight: float, goal_pred: float, alphas: Sequence[float],
                         n_iterations: int, ax: Axes | None = None) -> Axes:
    """Error per iteration of :func:`course_lib.learning.train` for each learning rate in ``alphas``."""
    histories = {f"alpha = {alpha:g}": learning.train(input, weight, goal_pred, alpha, n_iterations)
                 for alpha in alphas}
    ax = plot_error_curves(histories, ax=ax)
    ax.set_title(f"input = {input:g}, critical alpha = {learning.critical_alpha(input):.3g}")
    return ax
