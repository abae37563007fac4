"""Lesson 06's reference (:mod:`course_lib.overfitting`): each expected value derived here, by hand
or by an independent computation, not read off the code under test."""

from __future__ import annotations

import copy
import math

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch import nn

from course_lib import overfitting as of


@given(n_samples=st.integers(0, 300), val_fraction=st.floats(0.0, 1.0, allow_nan=False),
       seed=st.integers(0, 2**31))
def test_split_is_a_partition_with_int_of_the_fraction_held_out(n_samples, val_fraction, seed):
    train, val = of.split(n_samples, val_fraction, torch.Generator().manual_seed(seed))
    assert train.dtype == val.dtype == torch.long
    assert sorted(torch.cat([train, val]).tolist()) == list(range(n_samples))
    assert len(val) == int(val_fraction * n_samples)


@given(n_samples=st.integers(1, 100), val_fraction=st.sampled_from([0.1, 0.2, 0.5]),
       seed=st.integers(0, 2**31))
def test_split_is_the_last_part_of_the_generators_permutation(n_samples, val_fraction, seed):
    perm = torch.randperm(n_samples, generator=torch.Generator().manual_seed(seed)).tolist()
    n_val = int(val_fraction * n_samples)
    train, val = of.split(n_samples, val_fraction, torch.Generator().manual_seed(seed))
    assert val.tolist() == perm[len(perm) - n_val:]
    assert train.tolist() == perm[:len(perm) - n_val]


def test_split_keeps_every_sample_for_training_when_nothing_is_held_out():
    """The book's ``perm[:-n_val]`` is empty when n_val is 0 (4 samples at 20 %)."""
    train, val = of.split(4, 0.2, torch.Generator().manual_seed(0))
    assert len(val) == 0 and sorted(train.tolist()) == [0, 1, 2, 3]


def test_split_of_the_temperature_data_holds_out_two_of_eleven():
    train, val = of.split(11, 0.2, torch.Generator().manual_seed(0))
    assert (len(train), len(val)) == (9, 2)


def _line(w: float, b: float) -> nn.Linear:
    layer = nn.Linear(1, 1)
    with torch.no_grad():
        layer.weight.fill_(w)
        layer.bias.fill_(b)
    return layer


def test_train_and_validate_measures_both_losses_before_each_step_and_descends_the_training_loss_only():
    """Plain SGD on a line, written out with lesson 03's gradient: ∂L/∂w = mean(2 (wx + b − y) x),
    ∂L/∂b = mean(2 (wx + b − y)), on the training samples only."""
    x_train, y_train = torch.tensor([[0.0], [1.0], [2.0]]), torch.tensor([[1.0], [3.0], [2.0]])
    x_val, y_val = torch.tensor([[3.0], [-1.0]]), torch.tensor([[4.0], [0.0]])
    layer, lr = _line(0.5, 0.0), 0.1
    optimizer = torch.optim.SGD(layer.parameters(), lr=lr)
    train_losses, val_losses = of.train_and_validate(4, optimizer, layer, nn.MSELoss(), (x_train, y_train),
                                                     (x_val, y_val))
    w, b = 0.5, 0.0
    for epoch in range(4):
        errors = [w * x + b - y for x, y in zip([0.0, 1.0, 2.0], [1.0, 3.0, 2.0], strict=True)]
        val_errors = [w * x + b - y for x, y in zip([3.0, -1.0], [4.0, 0.0], strict=True)]
        assert train_losses[epoch] == pytest.approx(sum(e * e for e in errors) / 3, rel=1e-6)
        assert val_losses[epoch] == pytest.approx(sum(e * e for e in val_errors) / 2, rel=1e-6)
        w, b = (w - lr * sum(2 * e * x for e, x in zip(errors, [0.0, 1.0, 2.0], strict=True)) / 3,
                b - lr * sum(2 * e for e in errors) / 3)
    assert layer.weight.item() == pytest.approx(w, rel=1e-5)
    assert layer.bias.item() == pytest.approx(b, rel=1e-5)
    assert all(type(v) is float for v in train_losses + val_losses)


def test_train_and_validate_records_no_graph_for_the_validation_pass():
    seen = []

    class Spy(nn.Linear):
        def forward(self, x):
            seen.append(torch.is_grad_enabled())
            return super().forward(x)

    spy = Spy(1, 1)
    data = (torch.ones(3, 1), torch.zeros(3, 1))
    of.train_and_validate(2, torch.optim.SGD(spy.parameters(), lr=0.1), spy, nn.MSELoss(), data, data)
    assert seen == [True, False, True, False]


def test_the_penalty_reaches_backward_but_not_the_losses_returned():
    """With a penalty λ·b² on the bias alone, one SGD step moves b by lr · (∂L/∂b + 2λb)."""
    x, y = torch.tensor([[1.0], [2.0]]), torch.tensor([[1.0], [1.0]])
    layer, lr, lam = _line(0.0, 2.0), 0.1, 0.5
    losses, _ = of.train_and_validate(1, torch.optim.SGD(layer.parameters(), lr=lr), layer, nn.MSELoss(),
                                      (x, y), (x, y), penalty=lambda: lam * layer.bias.pow(2).sum())
    assert losses == [pytest.approx(1.0)]  # (2 − 1)² on both samples, without λ·b² = 2
    d_loss_db = 2 * (2.0 - 1.0)  # mean of 2·(prediction − target)
    assert layer.bias.item() == pytest.approx(2.0 - lr * (d_loss_db + 2 * lam * 2.0))


def test_l2_penalty_is_lambda_times_the_sum_of_squared_weights_with_gradient_two_lambda_w():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))
    lam = 0.3
    penalty = of.l2_penalty(model, lam)
    w1, w2 = model[0].weight.detach(), model[2].weight.detach()
    by_hand = lam * sum(v * v for w in (w1, w2) for v in w.reshape(-1).tolist())
    assert penalty.item() == pytest.approx(by_hand, rel=1e-6)
    penalty.backward()
    torch.testing.assert_close(model[0].weight.grad, 2 * lam * w1)
    torch.testing.assert_close(model[2].weight.grad, 2 * lam * w2)
    for bias in (model[0].bias, model[2].bias):
        assert bias.grad is None or not bias.grad.any()


def _train_epoch(model: nn.Module, optimizer: torch.optim.Optimizer, train: of.Data) -> None:
    optimizer.zero_grad()
    nn.functional.mse_loss(model(train[0]), train[1]).backward()
    optimizer.step()


def _val_loss(model: nn.Module, val: of.Data) -> float:
    with torch.no_grad():
        return nn.functional.mse_loss(model(val[0]), val[1]).item()


@pytest.mark.parametrize("patience", [1, 5, 20])
def test_early_stopping_returns_the_best_validation_epoch_with_its_parameters_restored(patience):
    """The same run twice: once recording every epoch's parameters and validation loss, once
    stopped early. The stopped run must end with the recorded parameters of the epoch found here."""
    train, val = of.lesson_data()
    train = (train[0][:10], train[1][:10])
    max_epochs = 150

    def fresh() -> tuple[nn.Module, torch.optim.Optimizer]:
        model = of.make_model(16, seed=3)
        return model, torch.optim.Adam(model.parameters(), lr=3e-2)

    model, optimizer = fresh()
    states, losses = [], []
    for _ in range(max_epochs):
        _train_epoch(model, optimizer, train)
        states.append(copy.deepcopy(model.state_dict()))
        losses.append(_val_loss(model, val))
    best, waited, stopped_after = 0, 0, max_epochs
    for epoch in range(1, max_epochs + 1):
        if losses[epoch - 1] < losses[best - 1] or best == 0:
            best, waited = epoch, 0
        else:
            waited += 1
            if waited == patience:
                stopped_after = epoch
                break
    assert stopped_after < max_epochs  # this run overfits: it does stop early

    model, optimizer = fresh()
    trained = []
    returned = of.early_stopping(model, lambda: trained.append(_train_epoch(model, optimizer, train)),
                                 lambda: _val_loss(model, val), max_epochs, patience)
    assert returned == best
    assert len(trained) == stopped_after
    for name, tensor in model.state_dict().items():
        torch.testing.assert_close(tensor, states[best - 1][name], rtol=0, atol=0)


@pytest.mark.parametrize(("train", "val", "tolerance", "expected"), [
    ([1.0, 0.97, 0.95], [1.0, 2.0, 3.0], 0.1, "underfitting"),  # 5 % lower at best: rule 1, first
    ([1.0, 0.5, 0.2], [1.0, 0.6, 0.7], 0.1, "overfitting"),     # 0.7 > 1.1 × 0.6
    ([1.0, 0.5, 0.2], [1.0, 0.6, 0.65], 0.1, "fine"),           # 0.65 < 0.66
    ([1.0, 0.5, 0.2], [1.0, 0.6, 0.65], 0.05, "overfitting"),   # 0.65 > 0.63
    ([1.0, 0.5, 0.2], [3.0, 2.9, 2.8], 0.1, "fine"),            # a gap alone is no overfitting
])
def test_diagnose_applies_rule_one_then_rule_two(train, val, tolerance, expected):
    assert of.diagnose(train, val, tolerance) == expected


def test_models_start_at_zero_output_and_leave_the_global_generator_alone():
    before = torch.random.get_rng_state()
    for hidden in (0, 1, 8):
        model = of.make_model(hidden, seed=1)
        assert sum(p.numel() for p in model.parameters()) == 3 * hidden + 1 + (1 if hidden == 0 else 0)
        assert not model(torch.linspace(-1, 1, 7).reshape(-1, 1)).any()
    assert torch.equal(torch.random.get_rng_state(), before)
    a, b = of.make_model(8, seed=1), of.make_model(8, seed=1)
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        assert torch.equal(p, q)


def test_the_lesson_data_follow_cos_pi_x_and_split_four_to_one():
    train, val = of.lesson_data()
    assert (len(train[0]), len(val[0])) == (160, 40)
    x = torch.cat([train[0], val[0]])
    assert x.min() >= -1 and x.max() <= 1
    residuals = torch.cat([train[1], val[1]]) - torch.cos(math.pi * x)
    assert residuals.std().item() == pytest.approx(0.3, rel=0.15)  # the noise level, from 200 samples


def test_input_noise_adds_shifted_copies_with_the_same_targets():
    x, y = torch.tensor([[0.0], [0.5]]), torch.tensor([[1.0], [2.0]])
    noisy_x, noisy_y = of.with_input_noise((x, y), 3, 0.1, torch.Generator().manual_seed(0))
    assert noisy_x.shape == (8, 1) and torch.equal(noisy_x[:2], x)
    assert noisy_y.reshape(-1).tolist() == [1.0, 2.0] * 4
    shifts = (noisy_x[2:] - x.repeat(3, 1)).abs()
    assert 0 < shifts.max() < 0.5


def test_the_lessons_experiments_show_each_rule():
    """What the lesson shows: a line learns nothing from cos(πx); 32 hidden units on 10 points
    overfit; each remedy lowers the final validation loss of that run."""
    train, val = of.lesson_data()
    line = of.run_experiment(of.Experiment(hidden=0, n_train=160), train, val)
    assert of.diagnose(line.train_losses, line.val_losses) == "underfitting"
    base = of.run_experiment(of.Experiment(), train, val)
    assert of.diagnose(base.train_losses, base.val_losses) == "overfitting"
    for remedy in (of.Experiment(n_train=40), of.Experiment(penalty=1e-2), of.Experiment(input_noise=0.2)):
        assert of.run_experiment(remedy, train, val).val_losses[-1] < base.val_losses[-1]


def test_one_thread_restores_the_number_of_threads():
    threads = torch.get_num_threads()
    with of.one_thread():
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == threads


def test_the_lesson_data_are_split_as_split_splits():
    generator = torch.Generator().manual_seed(0)
    data = of.curve_data(200, 0.3, generator)
    train_indices, val_indices = of.split(200, 0.2, generator)
    train, val = of.lesson_data()
    assert torch.equal(train[0], data.x[train_indices]) and torch.equal(val[1], data.y[val_indices])
