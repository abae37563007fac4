"""Lesson 05 reference: torch.optim training loops, descent paths, and batch sizes on a synthetic problem.

Expected values come from elsewhere than the code under test: the least-squares line by
``numpy.linalg.lstsq``, the updates of SGD with momentum and Adam re-implemented in a few lines of
numpy (float64) from their definitions (PyTorch's documentation; Kingma & Ba, 2015), lesson 03's
hand-derived gradient descent, and the figures printed in *Deep Learning with PyTorch* ch. 5 and in
the lesson's issue.
"""

import math

import numpy as np
import pytest
import torch

from course_lib import linear, optim
from course_lib.plotting import linear as linear_plots

T_C = np.array([0.5, 14.0, 15.0, 28.0, 11.0, 8.0, 3.0, -4.0, 6.0, 13.0, 21.0])
T_U = np.array([35.7, 55.9, 58.2, 81.9, 56.3, 48.9, 33.9, 21.8, 48.4, 60.4, 68.4])


def data() -> tuple[torch.Tensor, torch.Tensor]:
    """``(t_c, t_u)`` in float32, built here rather than by ``course_lib.data``."""
    return torch.tensor(T_C, dtype=torch.float32), torch.tensor(T_U, dtype=torch.float32)


def lstsq(scale: float = 1.0) -> tuple[np.ndarray, float]:
    """``([w, b], lowest loss)`` of the mean squared error on ``scale · t_u``, by numpy's least squares."""
    design = np.column_stack([scale * T_U, np.ones_like(T_U)])
    solution, residual, *_ = np.linalg.lstsq(design, T_C, rcond=None)
    return solution, float(residual[0]) / len(T_U)


def numpy_loss(params: np.ndarray, scale: float = 1.0) -> float:
    w, b = params
    return float(np.mean((w * scale * T_U + b - T_C) ** 2))


def numpy_grad(params: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """``∇L`` of the mean squared error by hand: ``2/N Σ (w·u + b − c) · [u, 1]``."""
    u = scale * T_U
    miss = params[0] * u + params[1] - T_C
    return np.array([2 * np.mean(miss * u), 2 * np.mean(miss)])


def numpy_adam(lr: float, n_steps: int, scale: float = 1.0, beta1: float = 0.9, beta2: float = 0.999,
               eps: float = 1e-8) -> np.ndarray:
    """Adam (Kingma & Ba, Algorithm 1) from ``[1, 0]``: the rows visited."""
    p, m, v, path = np.array([1.0, 0.0]), np.zeros(2), np.zeros(2), [np.array([1.0, 0.0])]
    for t in range(1, n_steps + 1):
        g = numpy_grad(p, scale)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        p = p - lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps)
        path.append(p)
    return np.array(path)


def numpy_momentum(lr: float, n_steps: int, scale: float = 1.0, mu: float = 0.9) -> np.ndarray:
    """PyTorch's momentum SGD from ``[1, 0]``: ``v ← μ·v + g`` (``v = g`` at first), ``p ← p − lr·v``."""
    p, v, path = np.array([1.0, 0.0]), None, [np.array([1.0, 0.0])]
    for _ in range(n_steps):
        g = numpy_grad(p, scale)
        v = g if v is None else mu * v + g
        p = p - lr * v
        path.append(p)
    return np.array(path)


def leaf(values=(1.0, 0.0)) -> torch.Tensor:
    return torch.tensor(values, requires_grad=True)


# --- the acceptance numbers -------------------------------------------------------------------------


def test_adam_on_the_raw_readings_reaches_the_least_squares_line_in_2000_epochs():
    t_c, t_u = data()
    params = leaf()
    losses: list[float] = []
    result = optim.training_loop(2000, torch.optim.Adam([params], lr=1e-1), params, t_u, t_c, print_every=0,
                                 history=losses)
    best, lowest = lstsq()
    found = result.detach().numpy()
    # The issue: params ≈ [0.5367, -17.3021], loss ≈ 2.9276.
    np.testing.assert_allclose(found, [0.5367, -17.3021], atol=6e-5)
    assert numpy_loss(found) == pytest.approx(2.9276, abs=5e-5)
    # Near the bottom of the bowl: the loss within 1e-5 of the least-squares loss. Still creeping
    # along the flat valley floor: b is 3e-3 short, w is 1e-4 off.
    assert 0 <= numpy_loss(found) - lowest < 1e-5
    assert abs(found[0] - best[0]) < 2e-4 and abs(found[1] - best[1]) < 5e-3
    assert len(losses) == 2000 and losses[0] == pytest.approx(numpy_loss(np.array([1.0, 0.0])), rel=1e-6)


def test_plain_sgd_on_the_rescaled_readings_reproduces_lesson_03():
    t_c, t_u = data()
    params = leaf()
    result = optim.training_loop(5000, torch.optim.SGD([params], lr=1e-2), params, 0.1 * t_u, t_c,
                                 print_every=0)
    # Book (ch. 5) and lesson 03: tensor([  5.3671, -17.3012]).
    np.testing.assert_allclose(result.detach().numpy(), [5.3671, -17.3012], atol=5e-5)
    by_hand = linear.training_loop(5000, 1e-2, torch.tensor([1.0, 0.0]), 0.1 * t_u, t_c, print_every=0)
    np.testing.assert_allclose(result.detach().numpy(), by_hand.numpy(), rtol=1e-5)


def test_the_first_adam_step_moves_every_parameter_by_the_learning_rate_whatever_its_gradient():
    for scale, scaled in ((1.0, False), (0.1, True)):
        g = numpy_grad(np.array([1.0, 0.0]), scale)
        path = optim.descent_path("Adam", 0.1, 1, scaled)
        np.testing.assert_allclose(path[1].numpy(), [1.0, 0.0] - 0.1 * np.sign(g), rtol=1e-6, atol=1e-7)
    # …while the two gradients on the raw readings differ by a factor of about 54.7 (lesson 03).
    g = numpy_grad(np.array([1.0, 0.0]))
    assert g[0] / g[1] == pytest.approx(54.7, abs=0.05)


@pytest.mark.parametrize("lr, n_steps, scale", [(0.1, 30, 1.0), (0.5, 30, 0.1), (1e-3, 10, 1.0)])
def test_adam_paths_follow_a_numpy_reimplementation(lr, n_steps, scale):
    path = optim.descent_path("Adam", lr, n_steps, scale == 0.1)
    np.testing.assert_allclose(path.numpy(), numpy_adam(lr, n_steps, scale), rtol=2e-5, atol=2e-6)


@pytest.mark.parametrize("lr, n_steps, scale", [(1e-2, 40, 0.1), (1e-4, 40, 1.0)])
def test_momentum_paths_follow_a_numpy_reimplementation(lr, n_steps, scale):
    path = optim.descent_path("SGD with momentum", lr, n_steps, scale == 0.1)
    np.testing.assert_allclose(path.numpy(), numpy_momentum(lr, n_steps, scale), rtol=2e-5, atol=2e-6)


def test_a_whole_adam_run_stays_with_the_numpy_reimplementation():
    expected = numpy_adam(0.1, 500, 1.0)
    path = optim.descent_path("Adam", 0.1, 500, False)
    np.testing.assert_allclose(path.numpy(), expected, atol=2e-3)


# --- descent paths --------------------------------------------------------------------------------------


def test_plain_sgd_paths_are_lesson_03s_hand_derived_gradient_descent():
    t_c, t_u = data()
    path = optim.descent_path("SGD", 1e-2, 300, scaled=True)
    expected, _ = linear_plots.descent_path(300, 1e-2, torch.tensor([1.0, 0.0]), 0.1 * t_u, t_c)
    np.testing.assert_allclose(path.numpy(), expected, rtol=1e-5)


@pytest.mark.parametrize("name", optim.OPTIMIZERS)
@pytest.mark.parametrize("scaled", [False, True])
def test_a_path_has_one_row_per_point_visited_from_the_start(name, scaled):
    path = optim.descent_path(name, 1e-4, 25, scaled)
    assert path.shape == (26, 2) and path.dtype == torch.float32
    assert path[0].tolist() == [1.0, 0.0]
    assert not torch.equal(path[1], path[0])
    other = optim.descent_path(name, 1e-4, 3, scaled, start=(2.0, -5.0))
    assert other.shape == (4, 2) and other[0].tolist() == [2.0, -5.0]
    assert optim.descent_path(name, 1e-4, 0, scaled).tolist() == [[1.0, 0.0]]


def test_plain_sgd_at_1e_2_on_the_raw_readings_diverges_and_the_path_stops_there():
    path = optim.descent_path("SGD", 1e-2, 100, scaled=False)
    # Lesson 03 / the book: the loss of epoch 11 (after 10 steps) is inf, at ≈ [3.2144e17, 5.6621e15].
    assert path.shape == (11, 2)
    np.testing.assert_allclose(path[-1].numpy(), [3.2144e17, 5.6621e15], rtol=1e-4)
    losses = optim.path_losses(path, scaled=False)
    assert math.isinf(float(losses[-1])) and torch.isfinite(losses[:-1]).all()
    # The finite losses are those of the points (computed apart in float64, where they do not overflow).
    expected = [numpy_loss(p) for p in path[:4].double().numpy()]
    np.testing.assert_allclose(losses[:4].numpy(), expected, rtol=1e-5)


def test_momentum_diverges_where_plain_sgd_does_and_adam_does_not():
    assert len(optim.descent_path("SGD with momentum", 1e-3, 200, scaled=False)) < 201
    assert len(optim.descent_path("SGD", 1e-3, 200, scaled=False)) < 201
    # the step limit of plain SGD on the raw readings: 2 / (largest curvature) ≈ 3.4e-4
    hessian = 2 * np.array([[np.mean(T_U**2), np.mean(T_U)], [np.mean(T_U), 1.0]])
    limit = 2 / np.linalg.eigvalsh(hessian).max()
    assert len(optim.descent_path("SGD", 0.95 * limit, 1000, scaled=False)) == 1001
    assert len(optim.descent_path("SGD", 1.05 * limit, 1000, scaled=False)) < 1001
    adam = optim.descent_path("Adam", 1.0, 300, scaled=False)
    assert len(adam) == 301 and math.isfinite(float(optim.path_losses(adam[-1:], scaled=False)[0]))


def test_paths_are_deterministic_and_ignore_the_global_random_state():
    torch.manual_seed(1)
    first = optim.descent_path("Adam", 0.1, 50, scaled=False)
    torch.manual_seed(2)
    assert torch.equal(first, optim.descent_path("Adam", 0.1, 50, scaled=False))


def test_path_losses_are_the_loss_at_every_row():
    path = torch.tensor([[1.0, 0.0], [0.5, -17.0], [5.0, -17.0]])
    np.testing.assert_allclose(optim.path_losses(path, scaled=False).numpy(),
                               [numpy_loss(p) for p in path.double().numpy()], rtol=1e-6)
    np.testing.assert_allclose(optim.path_losses(path, scaled=True).numpy(),
                               [numpy_loss(p, 0.1) for p in path.double().numpy()], rtol=1e-6)


# --- the training loops: their contract -----------------------------------------------------------------


def test_training_loop_prints_every_500_epochs_by_default_and_print_every_0_silences_it(capsys):
    t_c, t_u = data()
    params = leaf()
    losses: list[float] = []
    optim.training_loop(1000, torch.optim.Adam([params], lr=1e-1), params, t_u, t_c, history=losses)
    lines = capsys.readouterr().out.splitlines()
    assert lines == [f"Epoch 500, Loss {losses[499]:f}", f"Epoch 1000, Loss {losses[999]:f}"]
    params = leaf()
    optim.training_loop(100, torch.optim.Adam([params], lr=1e-1), params, t_u, t_c, print_every=0)
    assert capsys.readouterr().out == ""


def test_training_loop_returns_the_tensor_it_trained_in_place():
    t_c, t_u = data()
    params = leaf()
    result = optim.training_loop(10, torch.optim.SGD([params], lr=1e-4), params, t_u, t_c, print_every=0)
    assert result is params and params.is_leaf and params.requires_grad
    assert params.tolist() != [1.0, 0.0]


def test_training_loop_refuses_an_optimizer_over_other_tensors():
    t_c, t_u = data()
    with pytest.raises(ValueError, match="does not hold"):
        optim.training_loop(1, torch.optim.SGD([leaf()], lr=1e-4), leaf(), t_u, t_c)


def test_training_loop_stops_at_a_loss_that_is_not_finite(capsys):
    t_c, t_u = data()
    params = leaf()
    losses: list[float] = []
    optim.training_loop(100, torch.optim.SGD([params], lr=1e-2), params, t_u, t_c, history=losses)
    assert len(losses) == 11 and math.isinf(losses[-1])
    np.testing.assert_allclose(params.detach().numpy(), [3.2144e17, 5.6621e15], rtol=1e-4)
    assert "Epoch 11" in capsys.readouterr().out
    params = leaf()
    optim.training_loop(100, torch.optim.SGD([params], lr=1e-2), params, t_u, t_c, print_every=0)
    assert capsys.readouterr().out == ""


def test_the_manual_loop_is_what_torch_optim_sgd_does():
    t_c, t_u = data()
    manual = optim.manual_training_loop(500, 1e-2, leaf(), 0.1 * t_u, t_c, print_every=0)
    params = leaf()
    optim.training_loop(500, torch.optim.SGD([params], lr=1e-2), params, 0.1 * t_u, t_c, print_every=0)
    torch.testing.assert_close(manual.detach(), params.detach(), rtol=1e-6, atol=0)
    assert manual.is_leaf and manual.requires_grad and manual.grad_fn is None


def test_the_manual_loop_reproduces_lesson_03_and_zeroes_a_stale_gradient(capsys):
    t_c, t_u = data()
    params = leaf()
    params.grad = torch.tensor([1e3, -1e3])  # left over from elsewhere: must not leak into the first step
    losses: list[float] = []
    result = optim.manual_training_loop(5000, 1e-2, params, 0.1 * t_u, t_c, history=losses)
    assert result is params
    np.testing.assert_allclose(result.detach().numpy(), [5.3671, -17.3012], atol=5e-5)
    assert len(capsys.readouterr().out.splitlines()) == 10
    assert losses[-1] == pytest.approx(2.927648, abs=2e-6)  # book: "Epoch 5000, Loss 2.927648"


def test_the_manual_loop_stops_at_a_loss_that_is_not_finite():
    t_c, t_u = data()
    losses: list[float] = []
    optim.manual_training_loop(100, 1e-2, leaf(), t_u, t_c, print_every=0, history=losses)
    assert len(losses) == 11 and math.isinf(losses[-1])


def test_make_optimizer_builds_the_three_optimizers():
    params = leaf()
    sgd = optim.make_optimizer("SGD", params, 0.5)
    momentum = optim.make_optimizer("SGD with momentum", params, 0.5)
    adam = optim.make_optimizer("Adam", params, 0.5)
    assert type(sgd) is torch.optim.SGD and sgd.defaults["momentum"] == 0
    assert type(momentum) is torch.optim.SGD and momentum.defaults["momentum"] == 0.9
    assert type(adam) is torch.optim.Adam and adam.defaults["betas"] == (0.9, 0.999)
    for built in (sgd, momentum, adam):
        assert built.param_groups[0]["params"][0] is params and built.defaults["lr"] == 0.5
    with pytest.raises(ValueError, match="unknown optimizer"):
        optim.make_optimizer("RMSprop", params, 0.5)


# --- the synthetic problem and stochastic / mini-batch / full-batch descent ----------------------------


def generator(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def numpy_lstsq(problem: optim.Regression) -> np.ndarray:
    X = problem.X.double().numpy()
    return np.linalg.lstsq(np.column_stack([X, np.ones(len(X))]), problem.y.double().numpy()[:, 0],
                           rcond=None)[0]


def test_the_synthetic_problem_has_the_true_weights_and_noise():
    problem = optim.make_regression(generator(0), n_samples=2000, true_w=(2.0, -3.0), true_b=1.0, noise=0.1)
    assert problem.X.shape == (2000, 2) and problem.y.shape == (2000, 1)
    residual = problem.y[:, 0] - (problem.X @ torch.tensor([2.0, -3.0]) + 1.0)
    assert float(residual.std()) == pytest.approx(0.1, rel=0.1)
    np.testing.assert_allclose(numpy_lstsq(problem), [2.0, -3.0, 1.0], atol=0.01)


def test_the_synthetic_problem_depends_on_the_seed_only():
    state = torch.random.get_rng_state()
    a = optim.make_regression(generator(3))
    torch.manual_seed(123)
    b = optim.make_regression(generator(3))
    assert torch.equal(a.X, b.X) and torch.equal(a.y, b.y)
    assert not torch.equal(a.X, optim.make_regression(generator(4)).X)
    torch.random.set_rng_state(state)


def test_batch_indices():
    g = generator(0)
    state = g.get_state()
    assert optim.batch_indices(10, None, g).tolist() == list(range(10))
    assert optim.batch_indices(10, 50, g).tolist() == list(range(10))
    assert torch.equal(g.get_state(), state)  # a full batch draws nothing
    singles = {int(optim.batch_indices(10, 1, g)[0]) for _ in range(200)}
    assert singles == set(range(10))  # one random sample, any of them
    for _ in range(20):
        batch = optim.batch_indices(10, 4, g).tolist()
        assert len(batch) == 4 == len(set(batch)) and all(0 <= i < 10 for i in batch)


def one_step_by_hand(X: np.ndarray, y: np.ndarray, lr: float) -> np.ndarray:
    """``[w…, b]`` after one gradient step on the samples ``X, y`` from zero weights (mean squared error)."""
    design = np.column_stack([X, np.ones(len(X))])
    grad = 2 / len(X) * design.T @ (design @ np.zeros(design.shape[1]) - y)
    return -lr * grad


def fitted(fit: optim.Fit) -> np.ndarray:
    return np.append(fit.weight.double().numpy(), fit.bias)


def test_a_full_batch_step_is_the_gradient_step_on_all_samples():
    problem = optim.make_regression(generator(1), n_samples=50)
    fit = optim.fit_linear(problem, None, 1, 0.1, generator(0))
    expected = one_step_by_hand(problem.X.double().numpy(), problem.y.double().numpy()[:, 0], 0.1)
    np.testing.assert_allclose(fitted(fit), expected, rtol=1e-5)
    assert fit.batch_size == 50 and len(fit.losses) == 2 and len(fit.batch_losses) == 1
    assert fit.losses[0] == pytest.approx(float((problem.y.double() ** 2).mean()), rel=1e-6)  # from zero


def test_a_stochastic_step_uses_one_sample_and_a_mini_batch_step_a_few_distinct_ones():
    problem = optim.make_regression(generator(2), n_samples=4)
    X, y = problem.X.double().numpy(), problem.y.double().numpy()[:, 0]
    singles = [one_step_by_hand(X[[i]], y[[i]], 0.1) for i in range(4)]
    pairs = [one_step_by_hand(X[[i, j]], y[[i, j]], 0.1) for i in range(4) for j in range(i + 1, 4)]
    used_singles, used_pairs = set(), set()
    for seed in range(30):
        single = fitted(optim.fit_linear(problem, 1, 1, 0.1, generator(seed)))
        pair = fitted(optim.fit_linear(problem, 2, 1, 0.1, generator(seed)))
        used_singles |= {i for i, s in enumerate(singles) if np.allclose(single, s, rtol=1e-5)}
        used_pairs |= {i for i, p in enumerate(pairs) if np.allclose(pair, p, rtol=1e-5)}
        assert any(np.allclose(single, s, rtol=1e-5) for s in singles)
        assert any(np.allclose(pair, p, rtol=1e-5) for p in pairs)
    assert len(used_singles) == 4 and len(used_pairs) >= 4  # the samples are random


def test_full_batch_descent_converges_to_the_least_squares_fit_and_never_goes_up():
    problem = optim.make_regression(generator(0))
    fit = optim.fit_linear(problem, None, 300, 0.1, generator(0))
    np.testing.assert_allclose(fitted(fit), numpy_lstsq(problem), atol=1e-4)
    steps = zip(fit.losses, fit.losses[1:], strict=False)
    assert all(later <= earlier * (1 + 1e-6) for earlier, later in steps)


def test_stochastic_and_mini_batch_descent_land_near_the_true_weights():
    problem = optim.make_regression(generator(0))
    fits = optim.compare_batch_sizes(problem, 300, 0.05, generator(1))
    assert [fit.batch_size for fit in fits.values()] == [1, 16, 200]
    assert list(fits)[0].startswith("stochastic") and list(fits)[1].startswith("mini-batch")
    best = numpy_lstsq(problem)
    design = np.column_stack([problem.X.double().numpy(), np.ones(200)])
    lowest = float(np.mean((design @ best - problem.y.double().numpy()[:, 0]) ** 2))
    for fit in fits.values():
        np.testing.assert_allclose(fitted(fit), [2.0, -3.0, 1.0], atol=0.1)
        assert len(fit.losses) == 301 and fit.losses[-1] < 2 * lowest < fit.losses[0] / 100
    # one sample per step is noisier: its loss wanders above the floor the others settle on
    tail = {label: np.array(fit.losses[150:]) for label, fit in fits.items()}
    stochastic, _, full = tail.values()
    assert stochastic.std() > 10 * full.std()


def test_fits_are_deterministic_given_the_seed_and_leave_the_global_random_state_alone():
    problem = optim.make_regression(generator(0))
    state = torch.random.get_rng_state()
    a = optim.fit_linear(problem, 1, 50, 0.05, generator(7))
    assert torch.equal(torch.random.get_rng_state(), state)
    b = optim.fit_linear(problem, 1, 50, 0.05, generator(7))
    c = optim.fit_linear(problem, 1, 50, 0.05, generator(8))
    assert a.losses == b.losses and torch.equal(a.weight, b.weight)
    assert a.losses != c.losses
    full = [optim.fit_linear(problem, None, 20, 0.05, generator(seed)).losses for seed in (7, 8)]
    assert full[0] == full[1]


def test_fit_linear_can_use_adam():
    problem = optim.make_regression(generator(0))
    fit = optim.fit_linear(problem, 16, 400, 0.05, generator(0), optimizer="Adam")
    np.testing.assert_allclose(fitted(fit), [2.0, -3.0, 1.0], atol=0.1)
