"""Figures for lesson 05: stochastic, mini-batch and full-batch loss curves, and the paths that SGD,
SGD with momentum and Adam take across lesson 03's loss landscape.

The landscape is :func:`course_lib.plotting.linear.plot_loss_landscape`; the runs are those of
:mod:`course_lib.optim`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from .. import optim
from ..data import temperature
from .axes import new_axes
from .linear import least_squares, loss_grid, plot_loss_landscape

Window = tuple[tuple[float, float], tuple[float, float]]
PathArtists = tuple[Line2D, Line2D, Line2D]

WINDOWS: dict[bool, Window] = {False: ((-0.6, 1.4), (-22.0, 4.0)), True: ((-1.0, 9.0), (-22.0, 4.0))}
"""``scaled → (w_range, b_range)``: windows holding the start ``[1, 0]``, the minimum and the paths
of the optimizers that converge (raw readings: ``False``; ``0.1 · t_u``: ``True``)."""


def _weights(values: torch.Tensor, spec: str = ".3g") -> str:
    return "(" + ", ".join(f"{float(v):{spec}}" for v in values) + ")"


def lowest_loss(scaled: bool) -> float:
    """The loss at the least-squares line on the raw or rescaled readings (float64): no run goes lower."""
    t_c, t_u = temperature()
    x = optim.inputs(t_u, scaled)
    w, b = least_squares(x, t_c)
    return float(loss_grid(x, t_c, np.array([w]), np.array([b]))[0, 0])


def path_loss(path: torch.Tensor, scaled: bool) -> float:
    """The loss at the last row of ``path`` (``inf`` or ``nan`` if the run diverged there)."""
    return float(optim.path_losses(path[-1:], scaled)[0])


def describe_path(path: torch.Tensor, scaled: bool) -> str:
    """``"500 steps: loss 2.928"``, or ``"diverged at step 10"`` if the loss at the path's end is not finite.

    Step ``k`` is the ``k``-th update: the loss after it was the first that was not finite.
    """
    loss, steps = path_loss(path, scaled), len(path) - 1
    return f"{steps} steps: loss {loss:.4g}" if math.isfinite(loss) else f"diverged at step {steps}"


def visible_part(path: torch.Tensor, window: Window) -> torch.Tensor:
    """The rows of ``path`` up to and including the first one outside ``window`` (all rows if none is).

    For a diverging run: its later points are astronomically far away, and lines between them
    would cross the window again and again; the first leap out is enough to show where it went.
    """
    (w_low, w_high), (b_low, b_high) = window
    w, b = path[:, 0], path[:, 1]
    outside = ~((w >= w_low) & (w <= w_high) & (b >= b_low) & (b <= b_high))
    if not bool(outside.any()):
        return path
    return path[: int(outside.nonzero()[0, 0]) + 1]


def path_artists(ax: Axes, color: str, label: str = "", linewidth: float = 1.5) -> PathArtists:
    """Empty artists for one descent path: the line with a dot per step, a white square at the start
    (shared by every run from the same point) and a circle at the end, both above every line; fill them
    with :func:`set_path`."""
    (line,) = ax.plot([], [], "-", color=color, linewidth=linewidth, marker=".", markersize=3, label=label)
    (first,) = ax.plot([], [], "s", color="white", markersize=7, markeredgecolor="k", zorder=4)
    (last,) = ax.plot([], [], "o", color=color, markersize=7, markeredgecolor="k", zorder=4)
    return line, first, last


def set_path(artists: PathArtists, path: torch.Tensor, diverged_in: Window | None = None) -> None:
    """Draw ``path`` (rows ``[w, b]``) into the artists made by :func:`path_artists`.

    For a run that diverged, pass the window as ``diverged_in``: only :func:`visible_part` is drawn,
    and no end circle (the end is far outside).
    """
    line, first, last = artists
    shown = path if diverged_in is None else visible_part(path, diverged_in)
    xy = shown.detach().to(torch.float64).numpy()
    line.set_data(xy[:, 0], xy[:, 1])
    first.set_data(xy[:1, 0], xy[:1, 1])
    last.set_data(([], []) if diverged_in is not None else (xy[-1:, 0], xy[-1:, 1]))


def legend_below(ax: Axes, ncols: int = 1) -> None:
    """The legend of ``ax`` under its x-axis label, out of the way of what is drawn."""
    ax.legend(fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.14), ncols=ncols)


def plot_descent_paths(paths: Mapping[str, torch.Tensor], scaled: bool, ax: Axes | None = None,
                       window: Window | None = None) -> Axes:
    """The loss landscape of the raw (or, if ``scaled``, rescaled) readings with one path per run.

    ``paths`` maps a label (e.g. ``"Adam, lr 0.1"``) to the rows ``[w, b]`` of
    :func:`course_lib.optim.descent_path`; each is drawn in its own colour (the first widest, so
    that a later path on top leaves it visible) from the white square (the start) to a circle (the
    end). Its legend entry, under the axes, adds the number of steps and the final loss, or the step
    at which it diverged; a diverged path is drawn until it leaves the window. ``window`` defaults to
    :data:`WINDOWS` ``[scaled]``.
    """
    t_c, t_u = temperature()
    window = window or WINDOWS[scaled]
    ax = plot_loss_landscape(optim.inputs(t_u, scaled), t_c, *window, ax=new_axes(ax, (6.5, 6.0)))
    for i, (label, path) in enumerate(paths.items()):
        artists = path_artists(ax, f"C{(i + 1) % 10}", f"{label}: {describe_path(path, scaled)}",
                               linewidth=max(3.2 - 0.7 * i, 1.0))
        set_path(artists, path, None if math.isfinite(path_loss(path, scaled)) else window)
    ax.set_title(f"descent paths on {'t_un = 0.1 · t_u' if scaled else 'the raw readings t_u'}")
    legend_below(ax)
    return ax


def least_squares_loss(problem: optim.Regression) -> float:
    """The lowest mean squared error any weights reach on ``problem``'s samples (least squares, float64)."""
    X = problem.X.detach().to(torch.float64).numpy()
    y = problem.y.detach().to(torch.float64).numpy()[:, 0]
    design = np.column_stack([X, np.ones(len(X))])
    solution = np.linalg.lstsq(design, y, rcond=None)[0]
    return float(np.mean((design @ solution - y) ** 2))


def plot_batch_sizes(fits: Mapping[str, optim.Fit], problem: optim.Regression, ax: Axes | None = None,
                     x: str = "step") -> Axes:
    """The loss on all samples during each fit of :func:`course_lib.optim.compare_batch_sizes`, log scale.

    ``x="step"`` plots it against the number of updates (from 0, the starting weights);
    ``x="samples"`` against the number of samples the gradients were computed on,
    ``step · batch_size`` on a log scale (from step 1), i.e. the work done. Each legend entry gives
    the learned weights; the title gives the true ones, and a dashed line the lowest loss possible
    on these samples (the least-squares fit, about ``noise²``).
    """
    ax = new_axes(ax, (6.5, 5.0))
    for label, fit in fits.items():
        steps = np.arange(len(fit.losses))
        xs, losses = (steps, fit.losses) if x == "step" else (steps[1:] * fit.batch_size, fit.losses[1:])
        ax.plot(xs, losses, linewidth=1.2, label=f"{label}: w = {_weights(fit.weight, '.3f')}, "
                                                 f"b = {fit.bias:.3f}")
    best = least_squares_loss(problem)
    ax.axhline(best, color="0.4", linestyle="--", linewidth=1,
               label=f"lowest possible (least squares): {best:.4g}")
    ax.set_yscale("log")
    if x == "samples":
        ax.set_xscale("log")
    ax.set_xlabel("update step" if x == "step" else "samples processed (step × batch size)")
    ax.set_ylabel("mean squared error on all samples")
    ax.set_title(f"true weights: w = {_weights(problem.true_w)}, b = {problem.true_b:.3g} "
                 f"(noise σ = {problem.noise:.3g})")
    legend_below(ax)
    return ax
