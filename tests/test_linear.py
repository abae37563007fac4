"""Lesson 03 reference: chain-rule gradient, training loop, gradient check.

The book figures pinned here come from *Deep Learning with PyTorch* (Stevens, Antiga,
Viehmann), ch. 5 "The mechanics of learning": they are an independent source. The book ran an
older PyTorch whose float32 ``mean`` rounded differently in the last bit, so printed losses
are compared to within a couple of float32 ulps, not digit for digit.
"""

import inspect
import math

import numpy as np
import pytest
import torch

from course_lib import derivatives, linear
from course_lib.data import temperature

T_C = [0.5, 14.0, 15.0, 28.0, 11.0, 8.0, 3.0, -4.0, 6.0, 13.0, 21.0]
T_U = [35.7, 55.9, 58.2, 81.9, 56.3, 48.9, 33.9, 21.8, 48.4, 60.4, 68.4]


def python_gradient(w: float, b: float, scale: float = 1.0) -> tuple[float, float]:
    """``(∂L/∂w, ∂L/∂b)`` of the mean squared error, by hand in Python floats, on ``scale · t_u``."""
    n = len(T_U)
    u = [scale * value for value in T_U]
    misses = [w * ui + b - c for ui, c in zip(u, T_C, strict=True)]
    return 2 / n * sum(m * ui for m, ui in zip(misses, u, strict=True)), 2 / n * sum(misses)


def least_squares(scale: float = 1.0) -> tuple[float, float]:
    """The exact minimiser ``(w, b)`` of the loss on ``scale · t_u``: the ordinary least-squares line."""
    n = len(T_U)
    u = [scale * value for value in T_U]
    mean_u, mean_c = sum(u) / n, sum(T_C) / n
    w = (sum((ui - mean_u) * (c - mean_c) for ui, c in zip(u, T_C, strict=True))
         / sum((ui - mean_u) ** 2 for ui in u))
    return w, mean_c - w * mean_u


def start() -> torch.Tensor:
    return torch.tensor([1.0, 0.0])


# --- the pieces of the chain rule ---------------------------------------------------------------


def test_model_and_loss_are_lesson_02s():
    assert linear.model is derivatives.model
    assert linear.loss_fn is derivatives.loss_fn


def test_dloss_fn_is_the_gradient_of_the_mean_squared_loss_with_respect_to_t_p():
    t_c, t_u = temperature()
    t_p = (0.3 * t_u - 2.0).double().requires_grad_()
    linear.loss_fn(t_p, t_c.double()).backward()  # autograd: an independent derivation
    torch.testing.assert_close(linear.dloss_fn(t_p.detach(), t_c.double()), t_p.grad, rtol=1e-12, atol=0)


def test_dloss_fn_by_hand():
    result = linear.dloss_fn(torch.tensor([1.0, 2.0, 3.0]), torch.tensor([0.0, 2.0, 5.0]))
    torch.testing.assert_close(result, torch.tensor([2 / 3, 0.0, -4 / 3]))


def test_dmodel_derivatives_match_autograd():
    t_u = torch.tensor([35.7, 55.9, 21.8], dtype=torch.float64)
    w = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(-1.0, dtype=torch.float64, requires_grad=True)
    for i in range(len(t_u)):
        dw, db = torch.autograd.grad(linear.model(t_u, w, b)[i], (w, b))
        assert float(linear.dmodel_dw(t_u, w, b)[i]) == float(dw)
        assert linear.dmodel_db(t_u, w, b) == float(db) == 1.0


def test_grad_fn_matches_autograd_in_float64():
    t_c, t_u = temperature()
    t_u, t_c = t_u.double(), t_c.double()
    params = torch.tensor([0.7, -3.0], dtype=torch.float64, requires_grad=True)
    linear.loss_fn(linear.model(t_u, *params), t_c).backward()
    w, b = params.detach()
    grad = linear.grad_fn(t_u, t_c, linear.model(t_u, w, b), w, b)
    assert grad.shape == (2,) and grad.dtype == torch.float64
    torch.testing.assert_close(grad, params.grad, rtol=1e-12, atol=1e-12)


def test_grad_fn_at_the_start_is_the_books():
    t_c, t_u = temperature()
    w, b = start()
    grad = linear.grad_fn(t_u, t_c, linear.model(t_u, w, b), w, b)
    # Book: "Grad: tensor([4517.2969, 82.6000])" at epoch 1 (here 4517.2964: one float32 ulp
    # away); and by hand in Python floats.
    np.testing.assert_allclose(grad.numpy(), [4517.2969, 82.6000], rtol=1e-6)
    np.testing.assert_allclose(grad.numpy(), python_gradient(1.0, 0.0), rtol=1e-6)


def test_the_two_gradients_differ_by_a_factor_of_about_fifty_on_raw_readings():
    t_c, t_u = temperature()
    dw, db = python_gradient(1.0, 0.0)
    ratio = linear.gradient_ratio(start(), t_u, t_c)
    assert ratio == pytest.approx(dw / db, rel=1e-6)
    assert 45 < ratio < 60
    # Rescaling the input by 0.1 brings them much closer.
    assert linear.gradient_ratio(start(), 0.1 * t_u, t_c) < 10


# --- the training loop: the book's runs --------------------------------------------------------------


def test_rescaled_input_5000_epochs_reproduces_the_book(capsys):
    t_c, t_u = temperature()
    losses: list[float] = []
    params = linear.training_loop(5000, 1e-2, start(), 0.1 * t_u, t_c, history=losses)
    # Book: "Epoch 4000, Loss 2.927680", "Epoch 5000, Loss 2.927648", tensor([  5.3671, -17.3012]).
    np.testing.assert_allclose(params.numpy(), [5.3671, -17.3012], atol=5e-5)
    assert losses[3999] == pytest.approx(2.927680, abs=2e-6)
    assert losses[-1] == pytest.approx(2.927648, abs=2e-6)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 10 and lines[-1] == f"Epoch 5000, Loss {losses[-1]:f}"
    assert lines[0].startswith("Epoch 500, Loss 7.8601")


def test_raw_input_learning_rate_1e_2_overflows_at_epoch_11_and_stops(capsys):
    t_c, t_u = temperature()
    losses: list[float] = []
    params = linear.training_loop(100, 1e-2, start(), t_u, t_c, history=losses)
    # Book: "Epoch 2, Loss 5802485.500000" (here 5802484.5, one float32 ulp) … "Epoch 11, Loss inf".
    assert losses[1] == pytest.approx(5802485.5, abs=1.0)
    assert len(losses) == 11
    assert math.isinf(losses[-1]) and all(math.isfinite(v) for v in losses[:-1])
    # Returned: the params that produced the inf loss, i.e. after 10 steps.
    # Book, epoch 10: "Params: tensor([3.2144e+17, 5.6621e+15])".
    np.testing.assert_allclose(params.numpy(), [3.2144e17, 5.6621e15], rtol=1e-4)
    out = capsys.readouterr().out
    assert "Epoch 11" in out and "not finite" in out


def test_raw_input_learning_rate_1e_4_reproduces_the_book():
    t_c, t_u = temperature()
    losses: list[float] = []
    params = linear.training_loop(100, 1e-4, start(), t_u, t_c, print_every=0, history=losses)
    # Book: "Epoch 100, Loss 29.022669" and tensor([ 0.2327, -0.0438]). Here 29.022667: one
    # float32 ulp (1.9e-6) away, from the order in which float32 `mean` adds the 11 terms.
    assert losses[-1] == pytest.approx(29.022669, abs=4e-6)
    np.testing.assert_allclose(params.numpy(), [0.2327, -0.0438], atol=5e-5)
    assert losses[0] == pytest.approx(1763.8846, abs=3e-4)  # book: "Epoch 1, Loss 1763.884644"


def test_in_float64_the_loop_converges_to_the_least_squares_line():
    t_c, t_u = temperature()
    t_un, t_c = 0.1 * t_u.double(), t_c.double()
    params = linear.training_loop(5000, 3e-2, start().double(), t_un, t_c, print_every=0)
    # The data are stored in float32, so the exact fit of the stored values differs by ~1e-6.
    np.testing.assert_allclose(params.numpy(), least_squares(scale=0.1), rtol=1e-5)


# --- the training loop: its contract -------------------------------------------------------------------


def test_five_positional_arguments_are_enough():
    names = list(inspect.signature(linear.training_loop).parameters)
    assert names[:5] == ["n_epochs", "learning_rate", "params", "t_u", "t_c"]
    t_c, t_u = temperature()
    assert linear.training_loop(1, 1e-4, start(), t_u, t_c).shape == (2,)


def test_prints_every_500_epochs_by_default_and_print_every_0_silences_everything(capsys):
    t_c, t_u = temperature()
    linear.training_loop(1000, 1e-2, start(), 0.1 * t_u, t_c)
    epochs = [line.split(",")[0] for line in capsys.readouterr().out.splitlines()]
    assert epochs == ["Epoch 500", "Epoch 1000"]
    linear.training_loop(100, 1e-2, start(), t_u, t_c, print_every=0)  # diverges, silently
    assert capsys.readouterr().out == ""
    linear.training_loop(3, 1e-4, start(), t_u, t_c, print_every=1)
    assert len(capsys.readouterr().out.splitlines()) == 3


def test_prints_the_loss_before_the_step_of_that_epoch(capsys):
    t_c, t_u = temperature()
    linear.training_loop(1, 1e-4, start(), t_u, t_c, print_every=1)
    assert capsys.readouterr().out.startswith("Epoch 1, Loss 1763.88")


def test_zero_epochs_return_the_params_and_params_are_not_modified():
    t_c, t_u = temperature()
    params = start()
    assert linear.training_loop(0, 1e-2, params, t_u, t_c).tolist() == [1.0, 0.0]
    linear.training_loop(10, 1e-4, params, t_u, t_c, print_every=0)
    assert params.tolist() == [1.0, 0.0]


def test_stops_on_nan_too(capsys):
    t_c, t_u = temperature()
    t_c[0] = float("nan")
    losses: list[float] = []
    params = linear.training_loop(10, 1e-4, start(), t_u, t_c, history=losses)
    assert len(losses) == 1 and math.isnan(losses[0])
    assert params.tolist() == [1.0, 0.0]
    assert "not finite" in capsys.readouterr().out


# --- gradient check --------------------------------------------------------------------------------------


def test_relative_error_examples():
    assert float(linear.relative_error(1.0, 1.1)) == pytest.approx(0.1 / 2.1)
    assert float(linear.relative_error(0.0, 0.0)) == 0.0
    assert float(linear.relative_error(0.0, 1e-9)) == pytest.approx(1e-9 / 1e-8)  # the floor
    assert float(linear.relative_error(-2.0, 2.0)) == 1.0


def test_relative_error_is_elementwise_and_keeps_the_kind():
    a, n = torch.tensor([1.0, 100.0]), torch.tensor([1.0, 101.0])
    result = linear.relative_error(a, n)
    assert isinstance(result, torch.Tensor) and result.shape == (2,)
    np.testing.assert_allclose(result.numpy(), [0.0, 1 / 201], rtol=1e-6)
    assert isinstance(linear.relative_error(np.array([1.0, 2.0]), np.array([1.0, 2.0])), np.ndarray)
    mixed = linear.relative_error(a, np.array([1.0, 100.0]))
    assert isinstance(mixed, torch.Tensor)


def test_gradient_check_in_float64_agrees_to_better_than_1e_7():
    t_c, t_u = temperature()
    for params in ([1.0, 0.0], [5.0, -17.0], [-0.3, 4.0]):
        error = linear.gradient_check(torch.tensor(params, dtype=torch.float64), t_u.double(), t_c.double())
        assert error < 1e-7


def test_a_gradient_check_catches_the_divide_by_n_twice_bug():
    t_c, t_u = temperature()
    t_u, t_c = t_u.double(), t_c.double()
    params = torch.tensor([1.0, 0.0], dtype=torch.float64)
    numeric = derivatives.numerical_grad(lambda p: linear.loss_fn(linear.model(t_u, *p), t_c), params, 1e-6)
    w, b = params
    doubly_divided = linear.grad_fn(t_u, t_c, linear.model(t_u, w, b), w, b) / len(t_u)
    assert float(linear.relative_error(doubly_divided, numeric).max()) > 0.5
