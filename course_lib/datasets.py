"""Small seeded two-class data sets in the plane, for training tiny classifiers (lesson 04).

Each generator returns ``(X, y)``: ``X`` a float64 array of shape ``(n, 2)`` and ``y`` an int
array of labels ``−1`` / ``+1`` (the convention of the hinge loss ``max(0, 1 − y·score)``). The
same ``seed`` always gives the same data; the samples come in shuffled order.
"""

from __future__ import annotations

import numpy as np


def _split(n_samples: int) -> tuple[int, int]:
    if n_samples < 2:
        raise ValueError(f"need at least 2 samples (one per class), got {n_samples}")
    return n_samples // 2, n_samples - n_samples // 2


def _shuffled(X: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    order = rng.permutation(len(y))
    return X[order], y[order]


def two_moons(n_samples: int = 100, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles of radius 1, plus Gaussian noise of standard deviation ``noise``.

    Class ``−1``: ``(cos t, sin t)``; class ``+1``: ``(1 − cos t, ½ − sin t)``, for ``t`` evenly
    spaced in ``[0, π]``. No straight line separates them (a linear model cannot reach 100 %).
    """
    n_outer, n_inner = _split(n_samples)
    rng = np.random.default_rng(seed)
    t_outer = np.linspace(0.0, np.pi, n_outer)
    t_inner = np.linspace(0.0, np.pi, n_inner)
    outer = np.column_stack([np.cos(t_outer), np.sin(t_outer)])
    inner = np.column_stack([1.0 - np.cos(t_inner), 0.5 - np.sin(t_inner)])
    X = np.vstack([outer, inner]) + rng.normal(0.0, noise, size=(n_samples, 2))
    y = np.concatenate([-np.ones(n_outer, dtype=int), np.ones(n_inner, dtype=int)])
    return _shuffled(X, y, rng)


def two_blobs(n_samples: int = 100, distance: float = 3.0, spread: float = 0.5,
              seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two round Gaussian clouds (standard deviation ``spread``) whose centres are ``distance`` apart,
    at ``(∓distance/2 / √2)·(1, 1)``: class ``−1`` lower left, ``+1`` upper right."""
    n_minus, n_plus = _split(n_samples)
    rng = np.random.default_rng(seed)
    centre = np.full(2, distance / 2 / np.sqrt(2))
    X = np.vstack([rng.normal(-centre, spread, size=(n_minus, 2)),
                   rng.normal(centre, spread, size=(n_plus, 2))])
    y = np.concatenate([-np.ones(n_minus, dtype=int), np.ones(n_plus, dtype=int)])
    return _shuffled(X, y, rng)
