"""Figures for lesson 01: error curves, the weight per iteration, and the error as a function of
the weight."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator
from matplotlib.transforms import blended_transform_factory

from .. import learning
from .axes import new_axes


def loggable(values: Sequence[float]) -> np.ndarray:
    """``values`` with zeros (an exact hit) as NaN, which a log-scale plot leaves out instead of failing."""
    values = np.asarray(values, dtype=float)
    return np.where(values > 0, values, np.nan)


def weight_history(input: float, weight: float, goal_pred: float, alpha: float,
                   n_iterations: int) -> list[float]:
    """The weight at each of ``n_iterations`` iterations of :func:`course_lib.learning.train`:
    ``weights[i]`` is the weight used for the prediction of iteration ``i`` (``weights[0]`` is the
    starting weight), so ``weights[i]`` goes with ``train(...)[i]``."""
    weights = []
    for _ in range(n_iterations):
        weights.append(weight)
        weight = learning.gradient_step(input, weight, goal_pred, alpha)
    return weights


def regime(input: float, alpha: float) -> str:
    """What gradient descent does with this ``alpha``, from the factor ``r = 1 − alpha · input²``
    that multiplies the miss at every step."""
    r = 1 - alpha * input**2
    if r >= 1:
        return "never gets closer"
    if r > 0:
        return "creeps in from one side"
    if r == 0:
        return "lands in one step"
    if r > -1:
        return "zig-zags in"
    if r == -1:
        return "bounces for ever"
    return "zig-zags out: explodes"


def mark_exact_hits(ax: Axes, histories: Mapping[str, Sequence[float]], colours: Sequence[str]) -> None:
    """On a log-scale ``ax``, a run whose error becomes exactly 0 has no point to draw from then on:
    mark the first such iteration with a triangle at the bottom edge and say so."""
    bottom = blended_transform_factory(ax.transData, ax.transAxes)
    for (label, history), colour in zip(histories.items(), colours, strict=True):
        zeros = [i for i, value in enumerate(history) if value == 0]
        if zeros:
            ax.plot([zeros[0]], [0.0], "v", color=colour, markersize=9, transform=bottom, clip_on=False)
            name = label.split(":")[0]
            ax.annotate(f"{name}: error exactly 0 from here on\n(0 has no place on a log scale)",
                        (zeros[0], 0.0), xycoords=bottom, xytext=(8, 6), textcoords="offset points",
                        fontsize="small", color=colour, va="bottom")


def plot_error_curves(histories: Mapping[str, Sequence[float]], ax: Axes | None = None,
                      log: bool = True) -> Axes:
    """One line per run: the error at each iteration (log scale by default, where a constant factor
    per step is a straight line). On a log scale, a run that hits the goal exactly is marked where
    its line has to stop (:func:`mark_exact_hits`)."""
    ax = new_axes(ax)
    colours = []
    for label, history in histories.items():
        (line,) = ax.plot(np.arange(len(history)), loggable(history) if log else history, marker=".",
                          label=label)
        colours.append(line.get_color())
    if log:
        ax.set_yscale("log")
        mark_exact_hits(ax, histories, colours)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("iteration")
    ax.set_ylabel("squared error")
    ax.legend(fontsize="small", loc="center left", bbox_to_anchor=(1.0, 0.5))
    return ax


def plot_error_landscape(input: float, goal_pred: float, weights: Sequence[float],
                         ax: Axes | None = None, log: bool = False, number_steps: bool = False) -> Axes:
    """The error as a function of the weight (a parabola), with the visited ``weights`` marked in order.

    The curve is ``E(w) = (input·w − goal_pred)²``; its minimum sits at ``w* = goal_pred / input``.
    With ``log``, the error axis is logarithmic (an error that grows by the same factor every step
    then climbs in equal strides, and the first, small errors are not squashed against 0); the
    curve is then cut off a little below the smallest visited error. With ``number_steps``, every
    visited weight is labelled with its iteration, else only the first one ("start").
    """
    ax = new_axes(ax)
    weights = np.asarray(weights, dtype=float)
    best = goal_pred / input
    span = max(1.0, float(np.max(np.abs(weights - best))) * 1.2)
    grid = np.linspace(best - span, best + span, 400)
    errors = (input * weights - goal_pred) ** 2
    curve = (input * grid - goal_pred) ** 2
    if log:
        floor = 0.2 * float(np.min(errors[errors > 0])) if np.any(errors > 0) else 1e-6
        curve = np.maximum(curve, floor)
    ax.plot(grid, curve, color="0.6", label="error(weight)")
    ax.plot(weights, loggable(errors) if log else errors, "-o", color="C3", markersize=4,
            label="visited weights")
    if number_steps:
        for i, (w, e) in enumerate(zip(weights, errors, strict=True)):
            outwards = 1 if w >= best else -1  # label on the outer side, away from the lines
            ax.annotate("start" if i == 0 else f"step {i}", (w, e), textcoords="offset points",
                        xytext=(7 * outwards, 0), ha="left" if outwards > 0 else "right", va="center",
                        fontsize="small")
    else:
        ax.annotate("start", (weights[0], errors[0]), textcoords="offset points", xytext=(6, 6))
    ax.axvline(best, color="C2", linestyle=":", label=f"best weight = {best:.3g}")
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("weight")
    ax.set_ylabel("squared error" + (" (log scale)" if log else ""))
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


def plot_learning_rate_regimes(input: float, weight: float, goal_pred: float, alphas: Sequence[float],
                               n_iterations: int, axes: Sequence[Axes] | None = None) -> tuple[Axes, Axes]:
    """Two panels for the same runs of :func:`course_lib.learning.train`, one per ``alpha``.

    Left, the **weight** at each iteration around the best weight ``goal_pred / input`` (dotted):
    that is where a zig-zag shows, as the weight jumps from one side of the best weight to the
    other. Right, the squared **error** on a log scale, where it only shows how fast the error
    shrinks or grows (a zig-zag is invisible there: the error of a miss does not depend on its
    side). Each run is labelled with its regime (:func:`regime`); one legend, under the panels.
    """
    if axes is None:
        from matplotlib.figure import Figure

        axes = Figure(figsize=(11.0, 4.6), layout="constrained").subplots(1, 2)
    left, right = axes
    histories = {}
    for alpha in alphas:
        label = f"alpha = {alpha:g}: {regime(input, alpha)}"
        weights = weight_history(input, weight, goal_pred, alpha, n_iterations)
        histories[label] = learning.train(input, weight, goal_pred, alpha, n_iterations)
        left.plot(np.arange(n_iterations), weights, marker=".", label=label)
    best = goal_pred / input
    left.axhline(best, color="0.3", linestyle=":", linewidth=1, label=f"best weight = {best:g}")
    left.set_xlabel("iteration")
    left.set_ylabel("weight")
    left.set_title("the weight: where the zig-zag shows")
    left.xaxis.set_major_locator(MaxNLocator(integer=True))
    plot_error_curves(histories, ax=right)
    right.get_legend().remove()
    right.set_title("the squared error (log scale)")
    handles, labels = left.get_legend_handles_labels()
    left.figure.legend(handles, labels, loc="outside lower center", ncols=3, fontsize="small")
    return left, right
