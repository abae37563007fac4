"""Lesson 02 — numerical derivatives: how the loss changes when we nudge a parameter.

The model is linear, ``t_p = w · t_u + b``, and the loss is the mean squared error
``L(w, b) = (1/N) Σᵢ (t_pᵢ − t_cᵢ)²``.

Without any calculus we can estimate a derivative from two evaluations of a function:

- forward difference: ``f'(x) ≈ (f(x + δ) − f(x)) / δ``, truncation error ``δ · f''(x) / 2``
  (first order: halving δ halves the error);
- central difference: ``f'(x) ≈ (f(x + δ) − f(x − δ)) / (2δ)``, truncation error
  ``δ² · f'''(x) / 6`` (second order: halving δ quarters it). It is *exact* for quadratics,
  such as the loss above as a function of one parameter.

Truncation is not the only error: ``f(x ± δ)`` are rounded to the floating-point type, so the
difference of two nearly equal values carries an absolute error of about ``ε · |f(x)|``, and
dividing by δ turns that into ``≈ ε · |f| / δ``. The total error is smallest in between:
around ``δ ≈ √ε`` for the forward difference and ``δ ≈ ∛ε`` for the central one — about
``1e-8`` and ``6e-6`` in float64 (ε ≈ 2.2e-16), ``3e-4`` and ``5e-3`` in float32
(ε ≈ 1.2e-7). :func:`difference_errors` measures both errors over a sweep of δ (on a log-log
plot: slopes 1 and 2 on the right, the round-off slope −1 on the left, a V in between) and
:func:`best_delta` picks the δ with the smallest central-difference error.

The gradient of a function of several parameters is the vector of its partial derivatives;
:func:`numerical_grad` estimates each one by a central difference in that parameter alone,
and :func:`train_numerical` runs gradient descent with it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np
import torch

Params = TypeVar("Params", torch.Tensor, np.ndarray)

DELTAS: tuple[float, ...] = tuple(10.0**-k for k in range(1, 13))
"""The sweep of step sizes used by :func:`best_delta`: 1e-1, 1e-2, …, 1e-12."""


def model(t_u: Any, w: Any, b: Any) -> Any:
    """The linear model ``t_p = w · t_u + b`` (element by element for a tensor ``t_u``)."""
    return w * t_u + b


def loss_fn(t_p: Any, t_c: Any) -> Any:
    """The mean squared error ``(1/N) Σᵢ (t_pᵢ − t_cᵢ)²`` over all N elements."""
    squared_diffs = (t_p - t_c) ** 2
    return squared_diffs.mean()


def forward_difference(f: Callable[[Any], Any], x: Any, delta: Any) -> Any:
    """``(f(x + δ) − f(x)) / δ``: the slope of the secant from ``x`` to ``x + δ``."""
    return (f(x + delta) - f(x)) / delta


def central_difference(f: Callable[[Any], Any], x: Any, delta: Any) -> Any:
    """``(f(x + δ) − f(x − δ)) / (2δ)``: the slope of the secant from ``x − δ`` to ``x + δ``.

    The two points are ``2δ`` apart, hence the ``2δ`` in the denominator. Works on numbers,
    arrays and tensors alike (element by element when ``f`` is).
    """
    return (f(x + delta) - f(x - delta)) / (2 * delta)


def buggy_central_difference(f: Callable[[Any], Any], x: Any, delta: Any) -> Any:
    """The broken version for the find-the-bug exercise: ``(f(x + δ) − f(x − δ)) / 2.0 * δ``.

    ``/`` and ``*`` have the same precedence and group left to right, so this is
    ``((f(x + δ) − f(x − δ)) / 2) · δ``: it *multiplies* by δ instead of dividing by ``2δ``, and
    the result is ``δ²`` times the central difference.
    """
    return (f(x + delta) - f(x - delta)) / 2.0 * delta


def _working_copy(params: Params) -> Params:
    """A floating-point copy of ``params`` that no caller holds (integers become float64)."""
    if isinstance(params, torch.Tensor):
        copy = params.detach().clone()
        return copy if copy.is_floating_point() else copy.to(torch.float64)
    copy = np.array(params, copy=True)
    return copy if np.issubdtype(copy.dtype, np.floating) else copy.astype(np.float64)


def _scalar(value: Any) -> float:
    return float(value.item()) if hasattr(value, "item") else float(value)


def numerical_grad(loss_of_params: Callable[[Params], Any], params: Params, delta: float) -> Params:
    """The gradient of ``loss_of_params`` at ``params`` (1-D), by a central difference per element.

    Element ``i`` is ``(L(p + δ·eᵢ) − L(p − δ·eᵢ)) / (2δ)``, where ``eᵢ`` is the i-th unit vector.
    The shifted points are formed in the dtype of ``params`` (that rounding is part of what
    a float32 gradient really is). The result has the type (tensor or array), dtype and device
    of ``params``; integer ``params`` are treated as float64. ``params`` itself is never
    modified: every evaluation works on a copy.
    """
    work = _working_copy(params)
    base = _working_copy(params)
    grads = []
    for i in range(len(base)):
        work[i] = base[i] + delta
        loss_plus = _scalar(loss_of_params(work))
        work[i] = base[i] - delta
        loss_minus = _scalar(loss_of_params(work))
        work[i] = base[i]
        grads.append((loss_plus - loss_minus) / (2 * delta))
    if isinstance(base, torch.Tensor):
        return torch.tensor(grads, dtype=base.dtype, device=base.device)
    return np.array(grads, dtype=base.dtype)


def _scalar_type(dtype: Any) -> type[np.floating]:
    """The numpy scalar type for ``dtype`` (a numpy type or dtype, its name, or a torch dtype)."""
    if isinstance(dtype, torch.dtype):
        dtype = str(dtype).removeprefix("torch.")
    return np.dtype(dtype).type


def difference_errors(f: Callable[[Any], Any], dfdx: Callable[[Any], Any], x: float,
                      deltas: Sequence[float], dtype: Any) -> tuple[np.ndarray, np.ndarray]:
    """``(forward_errors, central_errors)``: ``|estimate − f'(x)|`` for each δ in ``deltas``.

    ``x``, each δ and every evaluation of ``f`` are in ``dtype`` (e.g. ``np.float32``), so ``f``
    must keep numpy scalars in their type (``np.exp``, ``np.sin``, ``lambda x: x**3``; not
    ``math.exp``, which returns a Python float64). The exact derivative ``dfdx`` is evaluated
    in float64 at ``x`` rounded to ``dtype``, the point the differences are really taken at.
    Both results are float64 arrays with one error per δ.
    """
    kind = _scalar_type(dtype)
    x_d = kind(x)
    exact = float(dfdx(np.float64(x_d)))
    forward, central = [], []
    with np.errstate(all="ignore"):
        for delta in deltas:
            forward.append(abs(float(forward_difference(f, x_d, kind(delta))) - exact))
            central.append(abs(float(central_difference(f, x_d, kind(delta))) - exact))
    return np.array(forward, dtype=np.float64), np.array(central, dtype=np.float64)


def best_delta(f: Callable[[Any], Any], dfdx: Callable[[Any], Any], x: float, dtype: Any,
               deltas: Sequence[float] = DELTAS) -> float:
    """The δ in ``deltas`` whose central difference of ``f`` at ``x`` in ``dtype`` is closest to ``f'(x)``.

    Expect about ``1e-5`` in float64 and ``1e-2`` in float32 (see the module docstring: the
    optimum scales like ``∛ε``). Near the optimum the error curve is flat and noisy, so
    neighbouring δ often do almost as well.
    """
    _, central = difference_errors(f, dfdx, x, deltas, dtype)
    return float(deltas[int(np.argmin(central))])


def _is_finite(loss: Any) -> bool:
    return math.isfinite(_scalar(loss))


def train_numerical(n_epochs: int, learning_rate: float, params: Params, t_u: Any, t_c: Any,
                    delta: float = 1e-3) -> tuple[Params, list[float]]:
    """Gradient descent on the linear model with :func:`numerical_grad`; ``(params, losses)``.

    Each epoch records the loss of the current ``params``, then steps
    ``params ← params − learning_rate · ∇L``. It stops early, without stepping, as soon as
    the loss is not finite (the last recorded loss is then ``inf`` or ``nan``). Since ``L`` is
    quadratic in ``(w, b)`` the central difference is exact up to rounding, so this follows
    the same path as the analytic gradient of lesson 03 — as long as ``p ± δ`` differs from
    ``p``: once a parameter is so large that δ is below half the spacing of floats around it
    (``|w| ≥ 2¹⁸ ≈ 2.6e5`` for δ = 1e-2 in float32), ``w ± δ`` rounds to ``w``, the estimated
    derivative is 0, and a diverging run stalls instead of overflowing.
    """
    def loss_of_params(p: Params) -> Any:
        return loss_fn(model(t_u, p[0], p[1]), t_c)

    losses = []
    for _ in range(n_epochs):
        loss = loss_of_params(params)
        losses.append(_scalar(loss))
        if not _is_finite(loss):
            break
        params = params - learning_rate * numerical_grad(loss_of_params, params, delta)
    return params, losses
