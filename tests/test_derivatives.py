"""Lesson 02 reference: model, loss, finite differences, numerical gradients and the choice of δ."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from course_lib import derivatives as d
from course_lib import linear
from course_lib.data import temperature

T_C = [0.5, 14.0, 15.0, 28.0, 11.0, 8.0, 3.0, -4.0, 6.0, 13.0, 21.0]
T_U = [35.7, 55.9, 58.2, 81.9, 56.3, 48.9, 33.9, 21.8, 48.4, 60.4, 68.4]
EPS64 = float(np.finfo(np.float64).eps)
EPS32 = float(np.finfo(np.float32).eps)


def python_loss(w: float, b: float) -> float:
    """The mean squared error of the linear model, in plain Python floats."""
    return sum((w * u + b - c) ** 2 for u, c in zip(T_U, T_C, strict=True)) / len(T_U)


def python_gradient(w: float, b: float) -> tuple[float, float]:
    """``(∂L/∂w, ∂L/∂b)`` derived by hand: ``(2/N) Σ (w·u + b − c)·u`` and ``(2/N) Σ (w·u + b − c)``."""
    n = len(T_U)
    misses = [w * u + b - c for u, c in zip(T_U, T_C, strict=True)]
    return (2 / n * sum(m * u for m, u in zip(misses, T_U, strict=True)), 2 / n * sum(misses))


def temperature_loss(t_u, t_c):
    return lambda p: d.loss_fn(d.model(t_u, p[0], p[1]), t_c)


# --- model and loss -----------------------------------------------------------------------------


def test_model_is_w_times_t_u_plus_b():
    t_u = torch.tensor([1.0, 2.0, -3.0])
    assert d.model(t_u, 2.0, 0.5).tolist() == [2.5, 4.5, -5.5]
    assert d.model(np.array([1.0, 2.0]), 3.0, 1.0).tolist() == [4.0, 7.0]
    assert float(d.model(2.0, 3.0, 1.0)) == 7.0


def test_loss_is_the_mean_squared_error():
    loss = d.loss_fn(torch.tensor([1.0, 2.0, 4.0]), torch.tensor([1.0, 0.0, 1.0]))
    assert float(loss) == pytest.approx((0 + 4 + 9) / 3, rel=1e-7)


def test_loss_at_w1_b0_on_the_temperature_data():
    t_c, t_u = temperature()
    loss = float(d.loss_fn(d.model(t_u, 1.0, 0.0), t_c))
    # Independently: the same sum in Python floats (1763.88455); and the book prints 1763.884644
    # for this float32 loss (ch. 5, "Epoch 1, Loss 1763.884644"). float32 spacing here is 1.2e-4.
    assert loss == pytest.approx(python_loss(1.0, 0.0), rel=1e-6)
    assert loss == pytest.approx(1763.8846, abs=3e-4)


def test_loss_in_float64_matches_python_exactly_enough():
    t_c, t_u = temperature()
    loss = float(d.loss_fn(d.model(t_u.double(), 0.5, -3.0), t_c.double()))
    # The float32 storage of the data differs from the decimal values by ~1e-7 relative.
    assert loss == pytest.approx(python_loss(0.5, -3.0), rel=1e-6)


# --- finite differences ---------------------------------------------------------------------------

coefficients = st.floats(-100, 100, allow_subnormal=False)
steps = st.floats(1e-4, 10.0, allow_nan=False)


def quadratic(a: float, b: float, c: float):
    return lambda x: a * x * x + b * x + c


def rounding_bound(a: float, b: float, c: float, x: float, delta: float) -> float:
    """A generous bound on the float64 rounding error of a difference quotient of the quadratic.

    Each f(x ± δ) is wrong by a few ulps of the size of its terms (M), the numerator by twice
    that, and dividing by δ scales it up; 16 absorbs the constant factors.
    """
    size = abs(a) * (abs(x) + delta) ** 2 + abs(b) * (abs(x) + delta) + abs(c)
    underflow = 1e-300  # products of tiny coefficients can lose all their digits
    return 16 * EPS64 * size / delta + 4 * EPS64 * abs(2 * a * x + b) + underflow


@given(coefficients, coefficients, coefficients, coefficients, steps)
def test_central_difference_is_exact_for_quadratics_up_to_rounding(a, b, c, x, delta):
    estimate = d.central_difference(quadratic(a, b, c), x, delta)
    assert abs(estimate - (2 * a * x + b)) <= rounding_bound(a, b, c, x, delta)


@given(coefficients, coefficients, coefficients, coefficients, steps)
def test_forward_difference_of_a_quadratic_is_off_by_a_times_delta(a, b, c, x, delta):
    # (f(x+δ) − f(x))/δ = 2ax + b + aδ exactly: the truncation error δ·f''/2 with f'' = 2a.
    estimate = d.forward_difference(quadratic(a, b, c), x, delta)
    assert abs(estimate - (2 * a * x + b + a * delta)) <= rounding_bound(a, b, c, x, delta) + 4 * EPS64 * abs(
        a * delta)


@given(coefficients, coefficients, coefficients, coefficients, steps)
def test_the_buggy_version_is_delta_squared_times_the_central_difference(a, b, c, x, delta):
    f = quadratic(a, b, c)
    right = d.central_difference(f, x, delta)
    assert d.buggy_central_difference(f, x, delta) == pytest.approx(right * delta**2, rel=1e-12, abs=1e-300)


def test_central_difference_of_sin_has_error_delta_squared_over_six():
    # sin''' = −cos, so the truncation error is −δ²·cos(x)/6 (plus O(δ⁴)).
    x, delta = 0.7, 1e-2
    error = d.central_difference(math.sin, x, delta) - math.cos(x)
    assert error == pytest.approx(-(delta**2) * math.cos(x) / 6, rel=1e-3)


def test_central_difference_works_elementwise_on_arrays_and_tensors():
    x = np.array([0.1, 0.5, 1.0])
    np.testing.assert_allclose(d.central_difference(np.sin, x, 1e-5), np.cos(x), rtol=1e-9)
    xt = torch.tensor([0.1, 0.5, 1.0], dtype=torch.float64)
    result = d.central_difference(torch.exp, xt, 1e-5)
    assert isinstance(result, torch.Tensor)
    torch.testing.assert_close(result, torch.exp(xt), rtol=1e-9, atol=0)


def test_central_difference_of_the_temperature_loss_in_w():
    t_c, t_u = temperature()
    slope = d.central_difference(lambda w: d.loss_fn(d.model(t_u.double(), w, 0.0), t_c.double()), 1.0, 1e-3)
    assert float(slope) == pytest.approx(python_gradient(1.0, 0.0)[0], rel=1e-6)


# --- numerical_grad -------------------------------------------------------------------------------------


def test_numerical_grad_of_the_temperature_loss_in_float64():
    t_c, t_u = temperature()
    grad = d.numerical_grad(temperature_loss(t_u.double(), t_c.double()),
                            torch.tensor([1.0, 0.0], dtype=torch.float64), 1e-3)
    assert grad.dtype == torch.float64
    # The loss is quadratic, so the central difference is exact up to rounding (≈ ε·L/δ ≈ 4e-10).
    np.testing.assert_allclose(grad.numpy(), python_gradient(1.0, 0.0), rtol=1e-6)


def test_numerical_grad_in_float32_keeps_the_dtype_and_is_close():
    t_c, t_u = temperature()
    grad = d.numerical_grad(temperature_loss(t_u, t_c), torch.tensor([1.0, 0.0]), 1e-2)
    assert isinstance(grad, torch.Tensor) and grad.dtype == torch.float32 and grad.shape == (2,)
    # float32 round-off: about ε32·L/δ ≈ 0.01 on each component.
    np.testing.assert_allclose(grad.numpy(), python_gradient(1.0, 0.0), atol=0.05)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_numerical_grad_on_numpy_arrays(dtype):
    t_c, t_u = temperature()
    params = np.array([0.5, -2.0], dtype=dtype)
    loss = temperature_loss(t_u.numpy().astype(dtype), t_c.numpy().astype(dtype))
    grad = d.numerical_grad(loss, params, 0.1)
    assert isinstance(grad, np.ndarray) and grad.dtype == dtype
    np.testing.assert_allclose(grad, python_gradient(0.5, -2.0), rtol=1e-3 if dtype is np.float32 else 1e-6)


def test_numerical_grad_of_a_coupled_function_of_three_parameters():
    # f(p) = p0²·p1 + sin(p2)·p0, ∇f = (2·p0·p1 + sin p2, p0², cos(p2)·p0)
    def f(p):
        return p[0] ** 2 * p[1] + np.sin(p[2]) * p[0]

    p = np.array([1.5, -0.5, 0.3])
    expected = [2 * 1.5 * -0.5 + math.sin(0.3), 1.5**2, math.cos(0.3) * 1.5]
    np.testing.assert_allclose(d.numerical_grad(f, p, 1e-5), expected, rtol=1e-8)


def test_numerical_grad_leaves_params_untouched():
    t_c, t_u = temperature()
    params = torch.tensor([1.0, 0.0])
    d.numerical_grad(temperature_loss(t_u, t_c), params, 1e-2)
    assert params.tolist() == [1.0, 0.0]
    array = np.array([1.0, 0.0])
    d.numerical_grad(temperature_loss(t_u.numpy(), t_c.numpy()), array, 1e-2)
    assert array.tolist() == [1.0, 0.0]


def test_numerical_grad_accepts_params_that_require_grad():
    t_c, t_u = temperature()
    params = torch.tensor([1.0, 0.0], requires_grad=True)
    grad = d.numerical_grad(temperature_loss(t_u, t_c), params, 1e-2)
    assert not grad.requires_grad
    assert params.grad is None


def test_numerical_grad_treats_integer_params_as_float64():
    grad = d.numerical_grad(lambda p: (p**2).sum(), np.array([1, -2, 3]), 1e-3)
    assert grad.dtype == np.float64
    np.testing.assert_allclose(grad, [2.0, -4.0, 6.0], rtol=1e-9)
    grad_t = d.numerical_grad(lambda p: (p**2).sum(), torch.tensor([1, 2]), 1e-3)
    assert grad_t.dtype == torch.float64


# --- choosing δ ----------------------------------------------------------------------------------------


def test_difference_errors_are_float64_arrays_one_per_delta():
    forward, central = d.difference_errors(np.exp, np.exp, 1.0, [0.1, 0.01], np.float64)
    assert forward.dtype == central.dtype == np.float64
    assert forward.shape == central.shape == (2,)
    # Independently, for δ = 0.1: (e^{1.1} − e)/0.1 − e and (e^{1.1} − e^{0.9})/0.2 − e.
    assert forward[0] == pytest.approx((math.exp(1.1) - math.e) / 0.1 - math.e, rel=1e-9)
    assert central[0] == pytest.approx((math.exp(1.1) - math.exp(0.9)) / 0.2 - math.e, rel=1e-9)


def test_truncation_error_has_slope_one_for_forward_and_two_for_central():
    forward, central = d.difference_errors(np.exp, np.exp, 1.0, [1e-1, 1e-2, 1e-3], np.float64)
    # Ten times smaller δ: forward error ÷10 (≈ δ·f''/2), central error ÷100 (≈ δ²·f'''/6).
    assert forward[0] / forward[1] == pytest.approx(10, rel=0.05)
    assert forward[1] / forward[2] == pytest.approx(10, rel=0.05)
    assert central[0] / central[1] == pytest.approx(100, rel=0.05)
    assert central[1] / central[2] == pytest.approx(100, rel=0.05)


def test_round_off_makes_tiny_steps_worse():
    forward64, central64 = d.difference_errors(np.exp, np.exp, 1.0, [1e-5, 1e-12], np.float64)
    assert central64[1] > 100 * central64[0]
    _, central32 = d.difference_errors(np.exp, np.exp, 1.0, [1e-2, 1e-5], np.float32)
    assert central32[1] > 100 * central32[0]


def test_below_half_an_ulp_float32_cannot_see_the_step():
    # 1 + 1e-8 rounds to 1 in float32 (ulp 1.2e-7): both differences are 0, the error is |f'(1)| = e.
    forward, central = d.difference_errors(np.exp, np.exp, 1.0, [1e-8], np.float32)
    assert forward[0] == pytest.approx(math.e) and central[0] == pytest.approx(math.e)


@pytest.mark.parametrize("dtype", [np.float32, "float32", torch.float32, np.dtype(np.float32)])
def test_difference_errors_accepts_several_spellings_of_a_dtype(dtype):
    reference = d.difference_errors(np.sin, np.cos, 0.5, d.DELTAS, np.float32)
    result = d.difference_errors(np.sin, np.cos, 0.5, d.DELTAS, dtype)
    np.testing.assert_array_equal(result[0], reference[0])
    np.testing.assert_array_equal(result[1], reference[1])


def optimal_central_delta(eps: float) -> float:
    """Minimising δ²·|f'''|/6 + ε·|f|/δ for f = exp at 1 (|f| = |f'''| = e) gives δ = ∛(3ε)."""
    return (3 * eps) ** (1 / 3)


@pytest.mark.parametrize(("dtype", "eps"), [(np.float64, EPS64), (np.float32, EPS32)])
def test_best_delta_is_within_a_decade_of_the_theoretical_optimum(dtype, eps):
    best = d.best_delta(np.exp, np.exp, 1.0, dtype)
    assert best in d.DELTAS
    assert optimal_central_delta(eps) / 10 <= best <= optimal_central_delta(eps) * 10


def test_float32_needs_a_much_larger_step_than_float64():
    in_32 = d.best_delta(np.sin, np.cos, 0.5, np.float32)
    assert in_32 >= 100 * d.best_delta(np.sin, np.cos, 0.5, np.float64)


def test_best_delta_takes_another_sweep():
    assert d.best_delta(np.exp, np.exp, 1.0, np.float64, deltas=[1e-1, 1e-3]) == 1e-3


def test_deltas_sweep_from_1e_1_to_1e_12():
    assert len(d.DELTAS) == 12
    assert d.DELTAS[0] == pytest.approx(0.1) and d.DELTAS[-1] == pytest.approx(1e-12)


# --- training with numerical gradients --------------------------------------------------------------------


def test_train_numerical_follows_the_analytic_gradient_in_float64():
    t_c, t_u = temperature()
    t_u, t_c = t_u.double(), t_c.double()
    start = torch.tensor([1.0, 0.0], dtype=torch.float64)
    params, losses = d.train_numerical(100, 1e-4, start, t_u, t_c, delta=1e-3)
    analytic_losses: list[float] = []
    analytic = linear.training_loop(100, 1e-4, start, t_u, t_c, print_every=0, history=analytic_losses)
    np.testing.assert_allclose(params.numpy(), analytic.numpy(), rtol=1e-6)
    np.testing.assert_allclose(losses, analytic_losses, rtol=1e-6)
    assert losses[0] == pytest.approx(python_loss(1.0, 0.0), rel=1e-6)
    assert start.tolist() == [1.0, 0.0]


def test_train_numerical_reproduces_the_books_float32_run_at_learning_rate_1e_4():
    t_c, t_u = temperature()
    params, losses = d.train_numerical(100, 1e-4, torch.tensor([1.0, 0.0]), t_u, t_c, delta=1e-2)
    # Book, ch. 5: after 100 epochs "Loss 29.022669", params tensor([ 0.2327, -0.0438]).
    assert len(losses) == 100
    assert losses[-1] == pytest.approx(29.022669, rel=1e-4)
    np.testing.assert_allclose(params.numpy(), [0.2327, -0.0438], atol=2e-4)


def test_train_numerical_stops_when_the_loss_is_not_finite():
    t_c, t_u = temperature()
    start = torch.tensor([1e19, 0.0])  # (1e19 · 50)² overflows float32
    params, losses = d.train_numerical(100, 1e-4, start, t_u, t_c, delta=1e-2)
    assert len(losses) == 1 and math.isinf(losses[0])
    assert params.tolist() == start.tolist()


def test_in_float32_a_diverging_run_stalls_once_the_step_is_below_the_float_spacing():
    t_c, t_u = temperature()
    params, losses = d.train_numerical(100, 1e-2, torch.tensor([1.0, 0.0]), t_u, t_c, delta=1e-2)
    # It starts to diverge like the analytic run (the book: loss ×≈3300 per epoch, inf at epoch 11)…
    assert losses[1] / losses[0] > 1000 and losses[2] / losses[1] > 1000
    # …but once |w| is so large that w ± 0.01 rounds to w, the numerical gradient is exactly 0.
    assert len(losses) == 100 and math.isfinite(losses[-1]) and losses[-1] == losses[-2]
    w = float(params[0])
    assert torch.tensor(w + 0.01, dtype=torch.float32).item() == w
