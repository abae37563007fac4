"""Lesson 01's checks: messages for the mistakes the lesson is built around, and stubs re-run elsewhere.

The contract every check keeps (the answer passes, each mistake gets its hint, …) is tested once for
all lessons in ``test_check_contract.py``.
"""

from __future__ import annotations

import pytest

from course_lib import learning
from course_lib.checks import learning as checks


def test_gradient_step_recognises_the_forgotten_sign_and_input():
    with pytest.raises(AssertionError, match="wrong sign"):
        checks.gradient_step(lambda input, weight, goal_pred, alpha:
                             weight - alpha * (goal_pred - input * weight) * input)
    with pytest.raises(AssertionError, match="scale the pure error by the input"):
        checks.gradient_step(lambda input, weight, goal_pred, alpha:
                             weight - alpha * (input * weight - goal_pred))


def test_train_returning_one_error_too_many_is_named():
    def one_too_many(input, weight, goal_pred, alpha, n_iterations):
        return learning.train(input, weight, goal_pred, alpha, n_iterations + 1)
    with pytest.raises(AssertionError, match="expected 20 values, got 21"):
        checks.train(one_too_many)


def test_a_stub_re_run_elsewhere_is_named_not_the_exercise():
    """Re-running an earlier exercise's stub cell must not make a later, written one "not written"."""
    def predict(input, weight):
        raise NotImplementedError()

    def gradient_step(input, weight, goal_pred, alpha):
        return weight - alpha * (predict(input, weight) - goal_pred) * input

    with pytest.raises(AssertionError, match="it calls `predict`, which is not written yet") as failure:
        checks.gradient_step(gradient_step)
    assert "`gradient_step` is not written yet" not in str(failure.value)
    with pytest.raises(AssertionError, match="`predict` is not written yet"):
        checks.predict(predict)
