"""Lesson 01 — predict → compare → learn, with one weight, one input and one goal.

The model is ``pred = input · weight`` and the error is the squared error
``E(weight) = (input · weight − goal_pred)²``. Its derivative is
``dE/dweight = 2 · (pred − goal_pred) · input``; like *Grokking Deep Learning* we step along
``direction_and_amount = (pred − goal_pred) · input`` (half the derivative — the 2 is absorbed
into the learning rate ``alpha``).

One step multiplies the miss ``pred − goal_pred`` by ``1 − alpha · input²``, so the error is
multiplied by ``(1 − alpha · input²)²`` every iteration: it shrinks exactly when
``0 < alpha < 2 / input²`` (:func:`critical_alpha`), and reaches the goal in one step when
``alpha = 1 / input²``.
"""

from __future__ import annotations

from dataclasses import dataclass


def predict(input: float, weight: float) -> float:
    """The prediction of the one-weight network: ``input · weight``."""
    return input * weight


def squared_error(pred: float, goal_pred: float) -> float:
    """``(pred − goal_pred)²``: never negative, and a miss twice as large costs four times as much."""
    return (pred - goal_pred) ** 2


def direction_and_amount(input: float, weight: float, goal_pred: float) -> float:
    """``(pred − goal_pred) · input``: the pure error, scaled by the input, with its sign.

    Positive when raising the weight would raise the error, so we *subtract* it.
    """
    return (predict(input, weight) - goal_pred) * input


def gradient_step(input: float, weight: float, goal_pred: float, alpha: float) -> float:
    """One step of gradient descent: ``weight − alpha · (pred − goal_pred) · input``."""
    return weight - alpha * direction_and_amount(input, weight, goal_pred)


def train(input: float, weight: float, goal_pred: float, alpha: float,
          n_iterations: int) -> list[float]:
    """Run ``n_iterations`` of predict → compare → learn; return the error of every iteration.

    ``history[i]`` is the squared error of the prediction made at iteration ``i``, measured
    *before* that iteration's update (so ``history[0]`` is the error of the starting weight).
    """
    history = []
    for _ in range(n_iterations):
        history.append(squared_error(predict(input, weight), goal_pred))
        weight = gradient_step(input, weight, goal_pred, alpha)
    return history


def critical_alpha(input: float) -> float:
    """``2 / input²``: the learning rate at which the error stops shrinking.

    Below it the error falls every step; at it the prediction bounces between two values at the
    same error; above it the error grows without bound. Undefined for ``input == 0``.
    """
    if input == 0:
        raise ValueError("with input 0 the weight has no effect on the prediction: any alpha is stable")
    return 2.0 / input**2


@dataclass(frozen=True)
class HotColdStep:
    """One iteration of hot-and-cold learning: the weight tried and the three errors it compared."""

    weight: float
    error: float
    up_error: float
    down_error: float


def hot_cold_learning(input: float, weight: float, goal_pred: float, step_amount: float,
                      n_iterations: int) -> list[HotColdStep]:
    """Probe the error one ``step_amount`` above and below the weight; move to the better side.

    Three predictions per step, a fixed step size that cannot shrink near the goal (so it
    overshoots back and forth), and no use of *how far* off we are: this is the wasteful
    method that gradient descent replaces. Stops early once neither probe beats the current
    weight.
    """
    steps = []
    for _ in range(n_iterations):
        error = squared_error(predict(input, weight), goal_pred)
        up_error = squared_error(predict(input, weight + step_amount), goal_pred)
        down_error = squared_error(predict(input, weight - step_amount), goal_pred)
        steps.append(HotColdStep(weight, error, up_error, down_error))
        if min(up_error, down_error) >= error:
            break
        weight = weight + step_amount if up_error < down_error else weight - step_amount
    return steps
