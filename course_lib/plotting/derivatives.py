"""Figures for lesson 02: the temperature data and a model line, secants against the tangent,
the error of finite differences as a function of the step δ, and the loss during training."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import LogFormatter

from .. import derivatives
from .axes import new_axes

SWEEP: np.ndarray = 10.0 ** np.arange(-13.0, -0.99, 0.125)
"""The step sizes of the error figures: 1e-13 … 1e-1, eight per decade."""


def _floats(values: Any) -> np.ndarray:
    """Numbers, lists, arrays or tensors as a float64 numpy array."""
    if hasattr(values, "detach"):
        values = values.detach().cpu().numpy()
    return np.asarray(values, dtype=np.float64)


def _scalar(value: Any) -> float:
    return float(value.item()) if hasattr(value, "item") else float(value)


def _signed(value: float) -> str:
    """``+ 3`` or ``− 3``: a term to append to a formula."""
    return f"{'−' if value < 0 else '+'} {abs(value):.3g}"


# ---------------------------------------------------------------------------------------------
# The data and the model


def plot_temperature(t_u: Any, t_c: Any, ax: Axes | None = None) -> Axes:
    """The measurements: ``t_c`` (°C) against ``t_u`` (the unknown unit), one dot each."""
    ax = new_axes(ax)
    ax.plot(_floats(t_u), _floats(t_c), "o", color="C0", label="measurements")
    ax.set_xlabel("reading in the unknown unit, t_u")
    ax.set_ylabel("temperature in °C, t_c")
    return ax


def plot_model_fit(t_u: Any, t_c: Any, w: float, b: float, ax: Axes | None = None) -> Axes:
    """The measurements, the model line ``t_p = w·t_u + b``, and each miss ``t_p − t_c`` as a
    vertical segment: the loss is the mean of the squared lengths of these segments."""
    ax = plot_temperature(t_u, t_c, ax)
    u, c = _floats(t_u), _floats(t_c)
    w, b = _scalar(w), _scalar(b)
    pad = 0.05 * (u.max() - u.min())
    ends = np.array([u.min() - pad, u.max() + pad])
    ax.plot(ends, w * ends + b, color="C1", label=f"model: t_p = {w:.3g}·t_u {_signed(b)}")
    ax.vlines(u, c, w * u + b, color="C3", linewidth=1.0, label="misses t_p − t_c")
    ax.legend(fontsize="small")
    return ax


def plot_loss_curve(losses: Sequence[float], ax: Axes | None = None, log: bool = True,
                    label: str | None = None) -> Axes:
    """The loss recorded at each epoch (before that epoch's update); log scale by default."""
    ax = new_axes(ax)
    ax.plot(np.arange(len(losses)), _floats(losses), label=label)
    if log:
        ax.set_yscale("log")
        # plain numbers (3, 10, 20), with matplotlib's choice of which minor ticks to label
        ax.yaxis.set_major_formatter(LogFormatter())
        ax.yaxis.set_minor_formatter(LogFormatter(labelOnlyBase=False, minor_thresholds=(2, 0.5)))
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss (mean squared error)")
    if label is not None:
        ax.legend(fontsize="small")
    return ax


# ---------------------------------------------------------------------------------------------
# Secants and the tangent


@dataclass(frozen=True)
class Secants:
    """``f`` near ``x₀``, computed in one floating-point type, and its two secants for a step δ.

    ``offsets`` are ``s = (x₀ + s) − x₀`` *after* rounding ``x₀ + s`` to the type, and ``rises``
    are ``f(x₀ + s) − f(x₀)`` of the rounded values: when δ nears the spacing of the type, the
    curve turns into a staircase. ``delta`` is δ rounded to the type.
    """

    offsets: np.ndarray
    rises: np.ndarray
    delta: float
    rise_plus: float
    """``f(x₀ + δ) − f(x₀)``."""
    rise_minus: float
    """``f(x₀ − δ) − f(x₀)``."""
    forward: float
    """``(f(x₀ + δ) − f(x₀)) / δ``, computed in the type."""
    central: float
    """``(f(x₀ + δ) − f(x₀ − δ)) / (2δ)``, computed in the type."""


def secants(f: Callable[[Any], Any], x: float, delta: float, dtype: Any = np.float64,
            n_points: int = 201) -> Secants:
    """``f`` sampled at ``n_points`` on ``[x₀ − 2δ, x₀ + 2δ]`` in ``dtype``, with both secants.

    ``f`` must keep numpy scalars in their type (``np.exp``, a lambda of arithmetic, or a loss of
    float32 tensors); every argument it receives is a scalar of ``dtype``.
    """
    kind = np.dtype(dtype).type
    x_d, delta_d = kind(x), kind(delta)
    with np.errstate(all="ignore"):
        f_x = _scalar(f(x_d))
        points = [kind(x_d + kind(s)) for s in np.linspace(-2.0, 2.0, n_points) * float(delta_d)]
        rises = np.array([_scalar(f(p)) - f_x for p in points])
        return Secants(
            offsets=np.array([float(p) - float(x_d) for p in points]),
            rises=rises,
            delta=float(delta_d),
            rise_plus=_scalar(f(kind(x_d + delta_d))) - f_x,
            rise_minus=_scalar(f(kind(x_d - delta_d))) - f_x,
            forward=_scalar(derivatives.forward_difference(f, x_d, delta_d)),
            central=_scalar(derivatives.central_difference(f, x_d, delta_d)),
        )


def plot_secants(f: Callable[[Any], Any], x: float, delta: float, slope: float | None = None,
                 dtype: Any = np.float64, ax: Axes | None = None, subtract_tangent: bool = False,
                 name: str = "f") -> Axes:
    """``f(x₀ + s) − f(x₀)`` for ``|s| ≤ 2δ``, the forward secant through ``x₀`` and ``x₀ + δ``,
    the central secant through ``x₀ − δ`` and ``x₀ + δ``, and (given the exact ``slope``) the
    tangent ``slope · s``. A secant's slope is the finite-difference estimate of ``f'(x₀)``.

    With ``subtract_tangent`` (needs ``slope``), ``slope · s`` is subtracted from everything: the
    tangent becomes the line 0, and a secant's slope becomes the error of its estimate. That view
    shows the bend of ``f`` (what truncation error comes from) and the rounding steps at any δ.
    ``name`` labels the curve.
    """
    ax = new_axes(ax)
    view = secants(f, x, delta, dtype)
    s = np.array([view.offsets.min(), view.offsets.max()])
    if s[0] == s[1]:  # x₀ ± 2δ all round to x₀: still draw the lines over ±2δ
        s = np.array([-2.0, 2.0]) * view.delta
    tilt = slope if subtract_tangent and slope is not None else 0.0

    def shown(offsets: np.ndarray, rises: np.ndarray) -> np.ndarray:
        return rises - tilt * offsets

    ax.plot(view.offsets, shown(view.offsets, view.rises), ".", color="0.45", markersize=2.5,
            label=f"{name}, in {np.dtype(dtype).name}")
    if slope is not None:
        ax.plot(s, shown(s, slope * s), ":", color="black", label=f"tangent, slope {slope:.7g}")
    ax.plot(s, shown(s, view.forward * s), color="C1", label=f"forward secant, slope {view.forward:.7g}")
    ax.plot(s, shown(s, view.rise_minus + view.central * (s + view.delta)), color="C2",
            label=f"central secant, slope {view.central:.7g}")
    ends = np.array([-view.delta, 0.0, view.delta])
    ax.plot(ends, shown(ends, np.array([view.rise_minus, 0.0, view.rise_plus])), "o", color="C3",
            markersize=4, label="x₀ − δ, x₀, x₀ + δ")
    ax.ticklabel_format(style="sci", scilimits=(-3, 4))  # ±2e-4 as ±2 ×1e-4, not 0.00020
    ax.set_xlabel(f"offset s from x₀ = {x:g}")
    ax.set_ylabel("f(x₀ + s) − f(x₀) − f'(x₀)·s" if tilt else "f(x₀ + s) − f(x₀)")
    ax.legend(fontsize="small")
    return ax


# ---------------------------------------------------------------------------------------------
# Error against step size


def _positive(errors: np.ndarray) -> np.ndarray:
    """Errors with exact zeros (a lucky rounding) hidden: a log axis cannot show them."""
    return np.where(errors > 0, errors, np.nan)


def _label_slopes(ax: Axes, deltas: np.ndarray, forward: np.ndarray, central: np.ndarray) -> None:
    """Write "slope 1" above the forward curve and "slope 2" below the central one, at the large
    steps where truncation dominates."""
    places = ((forward, -1.5, "slope 1", "C1", (-8, 6), "right", "bottom"),
              (central, -2.0, "slope 2", "C2", (8, -6), "left", "top"))
    for errors, log_delta, text, color, offset, ha, va in places:
        i = int(np.argmin(np.abs(np.log10(deltas) - log_delta)))
        if errors[i] > 0:
            ax.annotate(text, (deltas[i], errors[i]), textcoords="offset points", xytext=offset,
                        ha=ha, va=va, color=color, fontsize="small")


def plot_difference_errors(f: Callable[[Any], Any], dfdx: Callable[[Any], Any], x: float,
                           dtype: Any = np.float64, deltas: Sequence[float] = SWEEP,
                           ax: Axes | None = None, roundoff: bool = True) -> Axes:
    """Log–log plot of ``|estimate − f'(x)|`` against δ, forward and central differences in ``dtype``.

    On the right, truncation dominates: the forward error is ``≈ δ·|f''|/2`` (slope 1), the central
    ``≈ δ²·|f'''|/6`` (slope 2). On the left, rounding dominates: ``f(x ± δ)`` each carry an error of
    about ``ε·|f(x)|``, so the estimate is off by about ``ε·|f(x)|/δ`` (slope −1, dashed). Once
    ``x ± δ`` rounds to ``x`` the estimate is 0 and the error is ``|f'(x)|``.
    """
    ax = new_axes(ax)
    deltas = np.asarray(deltas, dtype=np.float64)
    forward, central = derivatives.difference_errors(f, dfdx, x, deltas, dtype)
    ax.loglog(deltas, _positive(forward), ".-", color="C1", markersize=3, label="forward difference")
    ax.loglog(deltas, _positive(central), ".-", color="C2", markersize=3, label="central difference")
    eps = float(np.finfo(np.dtype(dtype)).eps)
    if roundoff:
        with np.errstate(all="ignore"):
            size = abs(float(f(np.float64(x))))
        ax.loglog(deltas, eps * size / deltas, "--", color="0.5", linewidth=1.0,
                  label="round-off ≈ ε·|f(x)| / δ")
    measured = _positive(np.concatenate([forward, central]))
    ax.set_ylim(np.nanmin(measured) / 3.0, np.nanmax(measured) * 10.0)  # the guide may run off
    _label_slopes(ax, deltas, forward, central)
    ax.set_xlabel("step δ")
    ax.set_ylabel("|estimate − f'(x)|")
    ax.set_title(f"{np.dtype(dtype).name} (ε = {eps:.1e})")
    ax.legend(fontsize="small")
    return ax
