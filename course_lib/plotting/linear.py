"""Figures for lesson 03: the data with a fitted line, loss curves, and the loss landscape with
the path gradient descent takes across it.

The model is ``t_p = w · x + b`` with ``x = input_scale · t_u`` (``input_scale = 0.1`` for the
rescaled readings ``t_un``), and the loss is the mean squared error
``L(w, b) = (1/N) Σᵢ (w · xᵢ + b − t_cᵢ)²``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch
from matplotlib import colors
from matplotlib.axes import Axes

from .. import linear
from .axes import new_axes


def _numpy(values: Any) -> np.ndarray:
    if isinstance(values, torch.Tensor):
        values = values.detach().cpu().numpy()
    return np.asarray(values, dtype=np.float64)


def descent_path(n_epochs: int, learning_rate: float, params: torch.Tensor, t_u: torch.Tensor,
                 t_c: torch.Tensor) -> tuple[np.ndarray, list[float]]:
    """``(path, losses)`` of the gradient descent run by :func:`course_lib.linear.training_loop`.

    Same arithmetic, step for step (``params ← params − learning_rate · grad_fn(…)``, in the
    dtype of ``params``), but it also records where the parameters went: ``path[k]`` is
    ``[w, b]`` after ``k`` steps and ``losses[k]`` is the loss there. A finished run has
    ``n_epochs + 1`` points and ``n_epochs`` losses (the loss of the final point is not
    computed, as in the loop). A run that meets a loss that is not finite stops there, as
    the loop does: then ``path`` and ``losses`` have the same length and ``losses[-1]`` is
    ``inf`` or ``nan``.
    """
    path = [_numpy(params)]
    losses: list[float] = []
    for _ in range(n_epochs):
        w, b = params
        t_p = linear.model(t_u, w, b)
        loss = float(linear.loss_fn(t_p, t_c))
        losses.append(loss)
        if not math.isfinite(loss):
            break
        params = params - learning_rate * linear.grad_fn(t_u, t_c, t_p, w, b)
        path.append(_numpy(params))
    return np.array(path), losses


def least_squares(t_u: Any, t_c: Any) -> tuple[float, float]:
    """The ``(w, b)`` at the bottom of the loss: ``w = cov(t_u, t_c) / var(t_u)``, ``b = t̄_c − w · t̄_u``.

    Computed in float64; it is where gradient descent is heading.
    """
    u, c = _numpy(t_u), _numpy(t_c)
    w = float(np.mean((u - u.mean()) * (c - c.mean())) / np.mean((u - u.mean()) ** 2))
    return w, float(c.mean() - w * u.mean())


def loss_grid(t_u: Any, t_c: Any, ws: np.ndarray, bs: np.ndarray) -> np.ndarray:
    """``L(w, b) = (1/N) Σᵢ (w · t_uᵢ + b − t_cᵢ)²`` at every grid point, in float64.

    The result has shape ``(len(bs), len(ws))``: row ``j`` holds ``b = bs[j]``, as
    ``Axes.contour(ws, bs, grid)`` expects.
    """
    u, c = _numpy(t_u), _numpy(t_c)
    t_p = ws[np.newaxis, :, np.newaxis] * u + bs[:, np.newaxis, np.newaxis]
    return np.mean((t_p - c) ** 2, axis=-1)


def plot_fit(t_u: Any, t_c: Any, fits: Mapping[str, tuple[Any, float]], ax: Axes | None = None) -> Axes:
    """The data as points and one line per fit, all in the original units of ``t_u``.

    Each fit is ``label: (params, input_scale)``: params ``[w, b]`` trained on
    ``input_scale · t_u``, drawn as ``t_c = w · input_scale · t_u + b``, so a fit on the
    rescaled readings lands on the same axes as one on the raw readings.
    """
    ax = new_axes(ax)
    u, c = _numpy(t_u), _numpy(t_c)
    ax.plot(u, c, "o", color="0.2", label="data")
    grid = np.linspace(u.min() - 5.0, u.max() + 5.0, 100)
    for label, (params, input_scale) in fits.items():
        w, b = _numpy(params)
        ax.plot(grid, w * input_scale * grid + b, label=label)
    ax.set_xlabel("t_u (thermometer reading, unknown units)")
    ax.set_ylabel("t_c (°C)")
    ax.legend(fontsize="small")
    return ax


def plot_loss_curves(histories: Mapping[str, Sequence[float]], ax: Axes | None = None,
                     best: float | None = None) -> Axes:
    """One line per run: the loss at each epoch (counted from 1), on a log scale.

    A loss that is not finite cannot be drawn: the line stops at the last finite loss, which is
    marked with a cross, and the label says at which epoch the run diverged. ``best`` (e.g. the
    loss at :func:`least_squares`) is drawn as a dashed horizontal line.
    """
    ax = new_axes(ax)
    for label, history in histories.items():
        losses = np.asarray(history, dtype=np.float64)
        finite = np.isfinite(losses)
        n_finite = len(losses) if finite.all() else int(np.argmin(finite))
        epochs = np.arange(1, n_finite + 1)
        if n_finite < len(losses):
            label = f"{label} (not finite at epoch {n_finite + 1})"
        (line,) = ax.plot(epochs, losses[:n_finite], label=label)
        if n_finite < len(losses) and n_finite > 0:
            ax.plot(epochs[-1:], losses[n_finite - 1:n_finite], "x", markersize=10, mew=2,
                    color=line.get_color())
    if best is not None:
        ax.axhline(best, color="0.4", linestyle="--", linewidth=1, label=f"lowest possible: {best:.4g}")
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.legend(fontsize="small")
    return ax


def square_window(points: Sequence[Sequence[float]], half_width: float) -> tuple[tuple[float, float],
                                                                                tuple[float, float]]:
    """``(w_range, b_range)``: a square window ``2 · half_width`` wide in both ``w`` and ``b``, centred
    on the middle of ``points`` (e.g. the start and the minimum). Windows of the same size drawn with
    equal units (:func:`plot_loss_landscape` with ``equal_units``) compare the *shapes* of bowls."""
    xy = np.asarray(points, dtype=np.float64)
    w_mid, b_mid = (xy.min(axis=0) + xy.max(axis=0)) / 2
    return (w_mid - half_width, w_mid + half_width), (b_mid - half_width, b_mid + half_width)


def plot_loss_landscape(t_u: Any, t_c: Any, w_range: tuple[float, float], b_range: tuple[float, float],
                        path: np.ndarray | None = None, ax: Axes | None = None, n_levels: int = 14,
                        resolution: int = 200, equal_units: bool = False,
                        legend_loc: str = "upper right") -> Axes:
    """Contours of ``L(w, b)`` over ``w_range × b_range``, the minimum, and a descent ``path``.

    The levels are spaced evenly on a log scale between the lowest loss and the largest loss in
    the window, so the flat valley floor and the steep walls both get contours. ``path`` (an
    array of ``[w, b]`` rows, e.g. from :func:`descent_path`) is drawn as a line with a dot per
    step, from a square (the start) to a circle (the end).

    With ``equal_units``, one unit of ``w`` is drawn as long as one unit of ``b`` (a square window,
    see :func:`square_window`, gives a square plot): a circle in the picture is then a set of
    parameters at the same distance, so the picture shows the true shape of the bowl that a step
    of gradient descent meets. Without it, each axis is stretched to fill the panel, which can
    make any bowl look alike.
    """
    ax = new_axes(ax)
    ws = np.linspace(*w_range, resolution)
    bs = np.linspace(*b_range, resolution)
    grid = loss_grid(t_u, t_c, ws, bs)
    w_best, b_best = least_squares(t_u, t_c)
    lowest = float(loss_grid(t_u, t_c, np.array([w_best]), np.array([b_best]))[0, 0])
    levels = np.geomspace(lowest * 1.05, float(grid.max()), n_levels)
    ax.contourf(ws, bs, grid, levels=levels, norm=colors.LogNorm(levels[0], levels[-1]), cmap="Blues_r",
                extend="both")
    ax.contour(ws, bs, grid, levels=levels, colors="0.3", linewidths=0.5)
    ax.plot([w_best], [b_best], "*", color="gold", markersize=14, markeredgecolor="k",
            label=f"minimum ({w_best:.3g}, {b_best:.3g})")
    if path is not None:
        path = np.asarray(path, dtype=np.float64)
        ax.plot(path[:, 0], path[:, 1], "-", color="C3", linewidth=1.5, marker=".", markersize=3,
                label=f"descent path ({len(path) - 1} steps)")
        ax.plot(path[:1, 0], path[:1, 1], "s", color="C3", markersize=7)
        ax.plot(path[-1:, 0], path[-1:, 1], "o", color="C3", markersize=7)
    ax.set_xlim(*w_range)
    ax.set_ylim(*b_range)
    if equal_units:
        ax.set_aspect("equal", adjustable="box")
    ax.set_xlabel("w")
    ax.set_ylabel("b")
    ax.legend(fontsize="small", loc=legend_loc)
    return ax
