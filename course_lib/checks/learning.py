"""Checks for lesson 01 (:mod:`course_lib.learning`): predict → compare → learn."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .. import learning as ref
from .coerce import as_float_list
from .core import Case, Check, Mistake, close_float_lists


def _uniform(rng: np.random.Generator, low: float, high: float) -> float:
    return round(float(rng.uniform(low, high)), 3)


def _nonzero(rng: np.random.Generator, low: float, high: float) -> float:
    """A value in ±[low, high], never near 0 or ±1 (where some wrong answers look right)."""
    value = _uniform(rng, low, high)
    while abs(abs(value) - 1) < 0.05:
        value = _uniform(rng, low, high)
    return value if rng.random() < 0.5 else -value


def _predict_cases(rng: np.random.Generator) -> Sequence[Case]:
    cases = [Case((0.0, 3.0)), Case((4.0, 0.0))]
    cases += [Case((_uniform(rng, -10, 10), _uniform(rng, -10, 10))) for _ in range(30)]
    return cases


predict = Check(
    name="predict",
    params=("input", "weight"),
    reference=ref.predict,
    public=(Case((0.5, 0.8)), Case((8.5, 0.1)), Case((2.0, -0.3)), Case((-1.5, 2.0)),
            Case((1.37, 0.259))),
    hidden=_predict_cases,
    mistakes=(
        Mistake("the network *multiplies* the input by the weight; you added them.",
                lambda input, weight: input + weight),
        Mistake("you divided the input by the weight; the prediction is input * weight.",
                lambda input, weight: input / weight),
        Mistake("your prediction ignores the input: multiply it by the weight.",
                lambda input, weight: weight),
        Mistake("your prediction ignores the weight: multiply the input by it.",
                lambda input, weight: input),
    ),
)


def _squared_error_cases(rng: np.random.Generator) -> Sequence[Case]:
    cases = [Case((0.3, 0.3)), Case((-3.0, -3.0))]
    cases += [Case((_uniform(rng, -20, 20), _uniform(rng, -20, 20))) for _ in range(30)]
    return cases


squared_error = Check(
    name="squared_error",
    params=("pred", "goal_pred"),
    reference=ref.squared_error,
    public=(Case((0.25, 0.8)), Case((1.0, 0.8)), Case((0.8, 0.8)), Case((-2.0, 3.0))),
    hidden=_squared_error_cases,
    mistakes=(
        Mistake("that is the raw difference pred - goal_pred; square it, so the error is "
                "never negative and big misses count more.",
                lambda pred, goal_pred: pred - goal_pred),
        Mistake("that is goal_pred - pred, unsquared; square the difference.",
                lambda pred, goal_pred: goal_pred - pred),
        Mistake("that is the absolute error |pred - goal_pred|; this lesson squares the "
                "difference instead.",
                lambda pred, goal_pred: abs(pred - goal_pred)),
        Mistake("square the *difference*, not each term: (pred - goal_pred) ** 2.",
                lambda pred, goal_pred: pred**2 - goal_pred**2),
        Mistake("there is no factor 1/2 here: the error is (pred - goal_pred) ** 2.",
                lambda pred, goal_pred: 0.5 * (pred - goal_pred) ** 2),
    ),
)


def _gradient_step_cases(rng: np.random.Generator) -> Sequence[Case]:
    return [Case((_nonzero(rng, 0.1, 3), _uniform(rng, -2, 2), _uniform(rng, -2, 2),
                  _uniform(rng, 0.01, 0.5)))
            for _ in range(30)]


gradient_step = Check(
    name="gradient_step",
    params=("input", "weight", "goal_pred", "alpha"),
    reference=ref.gradient_step,
    public=(Case((0.5, 0.5, 0.8, 1.0)), Case((2.0, 0.5, 0.8, 0.1)),
            Case((1.5, -0.2, 0.9, 0.3)), Case((-3.0, 1.0, 2.0, 0.05))),
    hidden=_gradient_step_cases,
    mistakes=(
        Mistake("your step has the wrong sign: it moves the weight the way that makes the error "
                "*grow*. Subtract alpha * (pred - goal_pred) * input from the weight.",
                lambda i, w, g, a: w + a * (i * w - g) * i),
        Mistake("you forgot to scale the pure error by the input: "
                "direction_and_amount = (pred - goal_pred) * input.",
                lambda i, w, g, a: w - a * (i * w - g)),
        Mistake("you forgot the learning rate: multiply the step by alpha.",
                lambda i, w, g, a: w - (i * w - g) * i),
        Mistake("this lesson steps by (pred - goal_pred) * input, without the factor 2 of the "
                "derivative (alpha absorbs it).",
                lambda i, w, g, a: w - 2 * a * (i * w - g) * i),
        Mistake("you returned the step itself; return the *new weight*: weight - step.",
                lambda i, w, g, a: a * (i * w - g) * i),
        Mistake("you stepped by the squared error; the step uses the pure error "
                "(pred - goal_pred), which keeps its sign.",
                lambda i, w, g, a: w - a * (i * w - g) ** 2 * i),
    ),
)


def _train_cases(rng: np.random.Generator) -> Sequence[Case]:
    cases = [Case((0.5, 0.5, 0.8, 1.0, 1)), Case((0.5, 0.5, 0.8, 1.0, 0))]
    for _ in range(20):
        input = _nonzero(rng, 0.2, 3)
        # 2 / input**2 is the critical rate, written out: case drawing never uses the answer key
        alpha = round(float(rng.uniform(0.05, 1.5)) * 2 / input**2, 4)
        cases.append(Case((input, _uniform(rng, -2, 2), _uniform(rng, -2, 2), alpha,
                           int(rng.integers(2, 25)))))
    return cases


def _train_mistake(record_after: bool = False, update: bool = True, use_alpha: bool = True,
                   square: bool = True, weights: bool = False):
    def wrong(input, weight, goal_pred, alpha, n_iterations):
        history = []
        for _ in range(n_iterations):
            if update:
                step = (input * weight - goal_pred) * input
                new_weight = weight - (alpha if use_alpha else 1.0) * step
            else:
                new_weight = weight
            measured = new_weight if record_after else weight
            miss = input * measured - goal_pred
            history.append(measured if weights else (miss**2 if square else miss))
            weight = new_weight
        return history
    return wrong


train = Check(
    name="train",
    params=("input", "weight", "goal_pred", "alpha", "n_iterations"),
    reference=ref.train,
    public=(Case((0.5, 0.5, 0.8, 1.0, 20)), Case((2.0, 0.5, 0.8, 0.1, 10)),
            Case((2.0, 0.5, 0.8, 1.0, 5)), Case((1.5, -1.0, 0.3, 0.2, 3))),
    hidden=_train_cases,
    coerce=as_float_list,
    compare=close_float_lists,
    what="function returning a list of errors",
    mistakes=(
        Mistake("you record the error *after* each update; history[0] must be the error of the "
                "starting weight, measured before the first update.",
                _train_mistake(record_after=True)),
        Mistake("every iteration records the same error: the prediction it measures never changes. "
                "Assign the step's result back to `weight`, and predict again with the new weight in "
                "each iteration.",
                _train_mistake(update=False)),
        Mistake("you forgot the learning rate alpha in the update.",
                _train_mistake(use_alpha=False)),
        Mistake("you recorded the raw miss pred - goal_pred; record the squared error.",
                _train_mistake(square=False)),
        Mistake("you returned the weights; return the error of every iteration.",
                _train_mistake(weights=True)),
    ),
)


def _critical_alpha_cases(rng: np.random.Generator) -> Sequence[Case]:
    return [Case((_nonzero(rng, 0.05, 20),)) for _ in range(30)]


critical_alpha = Check(
    name="critical_alpha",
    params=("input",),
    reference=ref.critical_alpha,
    public=(Case((0.5,)), Case((2.0,)), Case((1.5,)), Case((-3.0,))),
    hidden=_critical_alpha_cases,
    mistakes=(
        Mistake("1 / input**2 is the alpha that lands on the goal in *one* step — the fastest, "
                "not the largest stable one. The miss is multiplied by (1 - alpha * input**2) each "
                "step; when does its size stay below 1?",
                lambda input: 1 / input**2),
        Mistake("the input acts twice (in the prediction and in direction_and_amount), so the "
                "limit scales with 1 / input**2, not 1 / input.",
                lambda input: 2 / input),
        Mistake("the input acts twice, so the limit scales with 1 / input**2 — and the miss "
                "flips sign and still shrinks until alpha * input**2 reaches 2.",
                lambda input: 1 / input),
        Mistake("the limit scales with 1 / input**2 (the input acts twice); use the square, "
                "which also makes it positive for negative inputs.",
                lambda input: 2 / abs(input)),
    ),
)

CHECKS = {check.name: check for check in (predict, squared_error, gradient_step, train,
                                          critical_alpha)}
"""Every lesson-01 check by exercise name (for graders that run them outside the notebook)."""

ANSWER_KEY = {f"course_lib.learning.{name}": name for name in CHECKS}
MISTAKE_FACTORIES = ("course_lib.checks.learning._train_mistake",)
"""Helpers that make a correct answer when given the right arguments; off in the sandbox too."""
"""The course's answers to this lesson's exercises, switched off while it is graded
(:mod:`.answer_key`): each maps to the exercise whose student function stands in for it."""
