"""Unit tests of :mod:`course_lib.learning` (lesson 01)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from course_lib import learning

finite = st.floats(min_value=-10, max_value=10, allow_nan=False)
nonzero = finite.filter(lambda x: abs(x) > 0.05)


def test_first_error_of_the_grokking_example():
    # pred = 0.5 * 0.5 = 0.25; (0.25 - 0.8)^2 = 0.55^2
    assert learning.squared_error(learning.predict(0.5, 0.5), 0.8) == pytest.approx(0.55**2)
    assert learning.squared_error(learning.predict(0.5, 0.5), 0.8) == pytest.approx(0.3025)


def test_twenty_steps_reach_the_printed_error():
    history = learning.train(0.5, 0.5, 0.8, alpha=1.0, n_iterations=20)
    # Derived by hand: each step keeps 1 - 0.5**2 = 0.75 of the miss, so the error falls by 0.75**2.
    assert history == pytest.approx([0.3025 * 0.5625**k for k in range(20)], rel=1e-12)
    assert history[-1] == pytest.approx(5.408e-06, rel=1e-3)  # as printed in Grokking ch. 4


def test_large_input_diverges_and_a_small_alpha_fixes_it():
    exploding = learning.train(2.0, 0.5, 0.8, alpha=1.0, n_iterations=6)
    assert all(b == pytest.approx(9 * a) for a, b in zip(exploding, exploding[1:], strict=False))
    tamed = learning.train(2.0, 0.5, 0.8, alpha=0.1, n_iterations=6)
    assert all(b == pytest.approx(0.36 * a) for a, b in zip(tamed, tamed[1:], strict=False))


@given(input=nonzero, weight=finite, goal=finite, alpha=st.floats(0.001, 1.0))
def test_each_step_multiplies_the_miss_by_one_minus_alpha_input_squared(input, weight, goal, alpha):
    miss = input * weight - goal
    new_weight = learning.gradient_step(input, weight, goal, alpha)
    assert input * new_weight - goal == pytest.approx(miss * (1 - alpha * input**2), abs=1e-9)


@given(input=nonzero, fraction=st.floats(0.05, 0.95))
def test_below_the_critical_alpha_the_error_shrinks_above_it_grows(input, fraction):
    limit = learning.critical_alpha(input)
    below = learning.train(input, 0.0, 1.0, fraction * limit, 3)
    above = learning.train(input, 0.0, 1.0, limit / fraction, 3)
    assert below[2] < below[0]
    assert above[2] > above[0]


def test_at_the_critical_alpha_the_error_stays_put():
    history = learning.train(2.0, 0.5, 0.8, learning.critical_alpha(2.0), 5)
    assert history == pytest.approx([history[0]] * 5)


def test_critical_alpha_needs_an_input():
    with pytest.raises(ValueError, match="input 0"):
        learning.critical_alpha(0.0)


def test_direction_and_amount_is_half_the_derivative():
    input, weight, goal, h = 1.3, -0.4, 0.7, 1e-6
    def error(w):
        return learning.squared_error(learning.predict(input, w), goal)
    derivative = (error(weight + h) - error(weight - h)) / (2 * h)
    assert learning.direction_and_amount(input, weight, goal) == pytest.approx(derivative / 2, rel=1e-6)


def test_hot_cold_walks_to_the_goal_in_fixed_steps():
    steps = learning.hot_cold_learning(0.5, 0.5, 0.8, step_amount=0.001, n_iterations=5000)
    assert math.isclose(steps[-1].weight, 1.6, abs_tol=1e-9)
    assert len(steps) == 1101  # 1100 steps of 0.001 from 0.5 to 1.6, then one that finds no better
    coarse = learning.hot_cold_learning(0.5, 0.5, 0.8, step_amount=0.3, n_iterations=50)
    assert [round(s.weight, 6) for s in coarse] == [0.5, 0.8, 1.1, 1.4, 1.7]
