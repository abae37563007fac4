"""Every lesson-01 check accepts the reference and rejects each known mistake with its hint."""

from __future__ import annotations

import pytest

from course_lib import learning
from course_lib.checks import learning as checks

MISTAKES = [(name, mistake) for name, check in checks.CHECKS.items() for mistake in check.mistakes]


@pytest.mark.parametrize("name", sorted(checks.CHECKS))
def test_the_reference_passes_public_and_hidden_cases(name):
    check = checks.CHECKS[name]
    check(getattr(learning, name))
    check(getattr(learning, name), hidden=True)


@pytest.mark.parametrize("name", sorted(checks.CHECKS))
def test_hidden_cases_go_beyond_the_public_ones(name):
    check = checks.CHECKS[name]
    hidden = check.cases(hidden=True)
    assert len(hidden) >= 20
    assert not set(hidden) & set(check.cases())


@pytest.mark.parametrize(("name", "mistake"), MISTAKES,
                         ids=[f"{n}-{i}" for i, (n, _) in enumerate(MISTAKES)])
def test_each_known_mistake_fails_with_its_hint(name, mistake):
    check = checks.CHECKS[name]
    with pytest.raises(AssertionError) as public:
        check(mistake.implementation)
    assert mistake.hint in str(public.value)
    with pytest.raises(AssertionError):
        check(mistake.implementation, hidden=True)


@pytest.mark.parametrize("name", sorted(checks.CHECKS))
def test_every_check_has_at_least_two_known_mistakes(name):
    assert len(checks.CHECKS[name].mistakes) >= 2


@pytest.mark.parametrize("name", sorted(checks.CHECKS))
def test_the_blank_stub_fails(name):
    def stub(*args):
        raise NotImplementedError()
    with pytest.raises(AssertionError, match="not written yet"):
        checks.CHECKS[name](stub)


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
