"""What is particular to lesson 06's checks (the contract every check meets is in test_check_contract.py):
right answers written other ways pass, and the failures the records see say what happened."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

from course_lib.checks import core
from course_lib.checks import overfitting as check


def _failures(exercise: core.Check, student) -> list[core.Failure]:
    return core.evaluate(exercise, student, exercise.cases()) + core.evaluate(
        exercise, student, exercise.cases(hidden=True, seed=11))


def _problems(exercise: core.Check, student) -> str:
    return " | ".join(failure.problem for failure in _failures(exercise, student))


# --- split ------------------------------------------------------------------------------------------


def sorted_split(n_samples, val_fraction, generator):
    perm = torch.randperm(n_samples, generator=generator)
    n_val = int(val_fraction * n_samples)
    return perm[:n_samples - n_val].sort().values, perm[n_samples - n_val:].sort().values


def first_part_held_out(n_samples, val_fraction, generator):
    perm = torch.randperm(n_samples, generator=generator)
    n_val = int(val_fraction * n_samples)
    return perm[n_val:], perm[:n_val]


def unseeded(n_samples, val_fraction, generator):
    perm = torch.randperm(n_samples)
    n_val = int(val_fraction * n_samples)
    return perm[:n_samples - n_val], perm[n_samples - n_val:]


def test_a_split_may_come_in_any_order():
    assert _failures(check.split, sorted_split) == []


def test_holding_out_the_first_part_of_the_permutation_is_named():
    assert "*first* n_val of the permutation" in _problems(check.split, first_part_held_out)


def test_a_split_that_ignores_the_generator_is_named():
    assert "does not come from the generator it was given" in _problems(check.split, unseeded)


# --- train_and_validate ------------------------------------------------------------------------------


def _loop(validation_pass):
    def train_and_validate(n_epochs, optimizer, model, loss_fn, train, val, penalty=None):
        train_losses, val_losses = [], []
        for _ in range(n_epochs):
            train_loss = loss_fn(model(train[0]), train[1])
            val_loss = validation_pass(model, loss_fn, val)
            optimizer.zero_grad()
            (train_loss if penalty is None else train_loss + penalty()).backward()
            optimizer.step()
            train_losses.append(train_loss.item())
            val_losses.append(float(val_loss))
        return train_losses, val_losses
    return train_and_validate


def _set_grad_enabled(model, loss_fn, val):
    with torch.set_grad_enabled(False):
        return loss_fn(model(val[0]), val[1])


def _inference_mode(model, loss_fn, val):
    with torch.inference_mode():
        return loss_fn(model(val[0]), val[1])


def _detached(model, loss_fn, val):
    return loss_fn(model(val[0]).detach(), val[1])


@pytest.mark.parametrize("validation_pass", [_set_grad_enabled, _inference_mode])
def test_any_way_of_switching_autograd_off_for_validation_passes(validation_pass):
    assert _failures(check.train_and_validate, _loop(validation_pass)) == []


def test_a_detached_validation_pass_was_still_recorded():
    """``.detach()`` cuts the output loose only after the model's pass was recorded."""
    assert "the validation pass was recorded by autograd" in _problems(check.train_and_validate,
                                                                       _loop(_detached))


def test_losses_kept_as_tensors_are_named():
    def tensors(n_epochs, optimizer, model, loss_fn, train, val, penalty=None):
        losses = []
        for _ in range(n_epochs):
            loss = loss_fn(model(train[0]), train[1])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.detach())
        return losses, losses
    assert "use loss.item()" in _problems(check.train_and_validate, tensors)


# --- l2_penalty -------------------------------------------------------------------------------------


def as_number(model, lam):
    return lam * sum((p ** 2).sum().item() for name, p in model.named_parameters() if name.endswith("weight"))


def untracked(model, lam):
    with torch.no_grad():
        return lam * sum((p ** 2).sum() for name, p in model.named_parameters() if name.endswith("weight"))


def by_module(model, lam):
    """Weights found by module type rather than by name: the same parameters."""
    return lam * sum((m.weight ** 2).sum() for m in model.modules() if isinstance(m, torch.nn.Linear))


def test_a_penalty_returned_as_a_number_is_named():
    assert "not .item()" in _problems(check.l2_penalty, as_number)


def test_a_penalty_autograd_cannot_differentiate_is_named():
    assert "autograd does not track it" in _problems(check.l2_penalty, untracked)


def test_weights_found_another_way_pass():
    assert _failures(check.l2_penalty, by_module) == []


# --- early_stopping ---------------------------------------------------------------------------------


def with_cloned_tensors(model, train_epoch, val_loss, max_epochs, patience):
    """A right answer that copies the tensors itself, and counts patience down instead of up."""
    best, best_loss, saved, left = 0, float("inf"), None, patience
    for epoch in range(1, max_epochs + 1):
        train_epoch()
        loss = val_loss()
        if loss < best_loss:
            best, best_loss, left = epoch, loss, patience
            saved = {name: tensor.clone() for name, tensor in model.state_dict().items()}
        else:
            left -= 1
            if left == 0:
                break
    model.load_state_dict(saved)
    return best


def returns_the_loss(model, train_epoch, val_loss, max_epochs, patience):
    best = copy.deepcopy(model.state_dict())
    train_epoch()
    model.load_state_dict(best)
    return val_loss()


def test_early_stopping_written_another_way_passes():
    assert _failures(check.early_stopping, with_cloned_tensors) == []


def test_returning_the_best_loss_instead_of_the_epoch_is_named():
    problems = _problems(check.early_stopping, returns_the_loss)
    assert "expected the best epoch as an int, got a float" in problems


# --- diagnose ---------------------------------------------------------------------------------------


def capitalised(train_losses, val_losses, tolerance=0.1):
    return "Fine"


def test_a_diagnosis_outside_the_three_words_is_named():
    assert "expected one of 'underfitting', 'overfitting', 'fine', got 'Fine'" in _problems(check.diagnose,
                                                                                           capitalised)


@pytest.mark.parametrize("tolerance", [0.02, 0.05, 0.1, 0.2, 0.3])
def test_the_hidden_curves_show_what_they_are_drawn_to_show(tolerance):
    """Far from the thresholds: the rules, written here, give each pair the kind it was drawn as."""
    rng = np.random.default_rng(1)
    for kind in ("underfitting", "overfitting", "fine") * 100:
        train, val = check._curves(rng, kind, tolerance)
        fell = min(train) / train[0]
        rose = val[-1] / min(val)
        assert (fell > 1 - tolerance / 2) == (kind == "underfitting")
        if kind != "underfitting":
            assert (rose > 1 + 1.5 * tolerance) if kind == "overfitting" else (rose < 1 + 0.5 * tolerance)
