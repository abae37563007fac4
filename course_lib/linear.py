"""Lesson 03 — the gradient of the loss by the chain rule, and the training loop.

Model and loss are those of lesson 02 (:mod:`course_lib.derivatives`)::

    t_p = model(t_u, w, b) = w · t_u + b
    L   = loss_fn(t_p, t_c) = (1/N) Σᵢ (t_pᵢ − t_cᵢ)²

The chain rule splits ``∂L/∂w`` into the derivative of the loss with respect to each
prediction times the derivative of that prediction with respect to ``w``, summed over the
samples::

    ∂L/∂w = Σᵢ ∂L/∂t_pᵢ · ∂t_pᵢ/∂w,    ∂L/∂t_pᵢ = 2 (t_pᵢ − t_cᵢ) / N,    ∂t_pᵢ/∂w = t_uᵢ
    ∂L/∂b = Σᵢ ∂L/∂t_pᵢ · ∂t_pᵢ/∂b,                                       ∂t_pᵢ/∂b = 1

**Where the mean goes.** The ``1/N`` of the mean belongs to the loss, so it lives in
:func:`dloss_fn`: ``dloss_fn(t_p, t_c)[i]`` is exactly ``∂L/∂t_pᵢ = 2 (t_pᵢ − t_cᵢ) / N``, and
:func:`grad_fn` *sums* the products over the samples. (The book's first version instead
writes ``dloss_fn = 2 (t_p − t_c)`` and takes ``.mean()`` in ``grad_fn``: the gradient is the
same, but ``dloss_fn`` is then N times ``∂L/∂t_p``. Doing both — ``/ N`` in ``dloss_fn`` *and*
``.mean()`` — divides by N twice.)

Gradient descent steps ``params ← params − learning_rate · ∇L``. On the raw readings ``t_u``
(≈ 20–80) the two components of ∇L differ by a factor ≈ 50 (:func:`gradient_ratio`), so a
learning rate small enough for ``w`` barely moves ``b``, and one large enough for ``b`` makes
``w`` overshoot further every step until the loss overflows to ``inf`` (:func:`training_loop`
stops there). Rescaling the input, ``t_un = 0.1 · t_u``, brings the two closer.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from .derivatives import loss_fn, model, numerical_grad

__all__ = ["dloss_fn", "dmodel_db", "dmodel_dw", "grad_fn", "gradient_check", "gradient_ratio",
           "loss_fn", "model", "relative_error", "training_loop"]


def _count(t: Any) -> int:
    return t.numel() if isinstance(t, torch.Tensor) else int(np.size(t))


def dloss_fn(t_p: Any, t_c: Any) -> Any:
    """``∂L/∂t_pᵢ = 2 (t_pᵢ − t_cᵢ) / N`` for every sample i: the mean's ``1/N`` is taken here."""
    return 2 * (t_p - t_c) / _count(t_p)


def dmodel_dw(t_u: Any, w: Any, b: Any) -> Any:
    """``∂t_pᵢ/∂w = t_uᵢ``: the prediction changes with ``w`` in proportion to the input."""
    return t_u


def dmodel_db(t_u: Any, w: Any, b: Any) -> float:
    """``∂t_pᵢ/∂b = 1`` for every sample; returned as the number ``1.0``, which broadcasts."""
    return 1.0


def grad_fn(t_u: torch.Tensor, t_c: torch.Tensor, t_p: torch.Tensor, w: Any, b: Any) -> torch.Tensor:
    """``[∂L/∂w, ∂L/∂b]`` by the chain rule: ``Σᵢ dloss_fnᵢ · dmodel_dwᵢ`` and ``Σᵢ dloss_fnᵢ · dmodel_dbᵢ``.

    A sum, not a mean: :func:`dloss_fn` already carries the ``1/N``. ``t_p`` must be
    ``model(t_u, w, b)``.
    """
    dloss_dtp = dloss_fn(t_p, t_c)
    dloss_dw = dloss_dtp * dmodel_dw(t_u, w, b)
    dloss_db = dloss_dtp * dmodel_db(t_u, w, b)
    return torch.stack([dloss_dw.sum(), dloss_db.sum()])


def training_loop(n_epochs: int, learning_rate: float, params: torch.Tensor, t_u: torch.Tensor,
                  t_c: torch.Tensor, print_every: int = 500, *,
                  history: list[float] | None = None) -> torch.Tensor:
    """Run ``n_epochs`` of gradient descent on ``params = [w, b]``; return the final params.

    Epoch ``e`` (counted from 1) computes the loss of the current params, then steps
    ``params ← params − learning_rate · grad_fn(…)``. Every ``print_every`` epochs it prints
    ``Epoch e, Loss …`` — the loss *before* that epoch's step, as in the book.

    As soon as a loss is not finite (``inf`` or ``nan``: the steps were too large and the
    parameters overshot further each time) it prints why and stops without stepping,
    returning the params that produced that loss. ``print_every=0`` prints nothing at all.
    If ``history`` is a list, the loss of every epoch is appended to it. ``params`` is not
    modified: each step makes a new tensor.
    """
    for epoch in range(1, n_epochs + 1):
        w, b = params
        t_p = model(t_u, w, b)
        loss = loss_fn(t_p, t_c)
        if history is not None:
            history.append(float(loss))
        if not math.isfinite(float(loss)):
            if print_every:
                print(f"Epoch {epoch}, Loss {float(loss)}: the loss is not finite, so training "
                      "diverged; stopping. Try a smaller learning rate or rescaled inputs.")
            return params
        grad = grad_fn(t_u, t_c, t_p, w, b)
        params = params - learning_rate * grad
        if print_every and epoch % print_every == 0:
            print(f"Epoch {epoch}, Loss {float(loss):f}")
    return params


def gradient_ratio(params: torch.Tensor, t_u: torch.Tensor, t_c: torch.Tensor) -> float:
    """``|∂L/∂w| / |∂L/∂b|`` at ``params``: how much more strongly the loss pulls on ``w`` than on ``b``.

    About 55 at ``params = [1, 0]`` on the raw temperature readings (4517.3 vs 82.6).
    """
    w, b = params
    dw, db = grad_fn(t_u, t_c, model(t_u, w, b), w, b)
    return abs(float(dw)) / abs(float(db))


def relative_error(a: Any, n: Any) -> Any:
    """``|a − n| / max(1e-8, |a| + |n|)``, element by element (the gradient-check measure of CS231n).

    Scale-free, so one threshold fits every gradient; the floor ``1e-8`` avoids 0/0 when both
    are 0. In float64 an analytic and a central-difference gradient typically agree to
    ``< 1e-7``; ``> 1e-2`` means a bug. Returns a tensor if either input is one, else a numpy
    array (or numpy scalar).
    """
    if isinstance(a, torch.Tensor) or isinstance(n, torch.Tensor):
        a, n = torch.as_tensor(a), torch.as_tensor(n)
        return (a - n).abs() / (a.abs() + n.abs()).clamp(min=1e-8)
    a, n = np.asarray(a), np.asarray(n)
    return np.abs(a - n) / np.maximum(1e-8, np.abs(a) + np.abs(n))


def gradient_check(params: torch.Tensor, t_u: torch.Tensor, t_c: torch.Tensor,
                   delta: float = 1e-6) -> float:
    """The largest :func:`relative_error` between :func:`grad_fn` and a central-difference gradient.

    Both are taken at ``params`` for ``L(p) = loss_fn(model(t_u, p[0], p[1]), t_c)``; the
    numerical one is :func:`course_lib.derivatives.numerical_grad` with step ``delta``.
    Run it in float64: in float32 round-off alone gives relative errors around 1e-4.
    """
    def loss_of_params(p: torch.Tensor) -> torch.Tensor:
        return loss_fn(model(t_u, p[0], p[1]), t_c)

    w, b = params
    analytic = grad_fn(t_u, t_c, model(t_u, w, b), w, b)
    numeric = numerical_grad(loss_of_params, params, delta)
    return float(relative_error(analytic, numeric).max())
