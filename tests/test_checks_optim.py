"""What is particular to lesson 05's checks (the contract every check meets is in test_check_contract.py):
the records of what autograd and the optimizer did, and the right answers written other ways."""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch

from course_lib import optim as ref
from course_lib.checks import core
from course_lib.checks import optim as check
from course_lib.data import temperature
from course_lib.linear import loss_fn, model


def _failures(exercise: core.Check, student) -> list[core.Failure]:
    return core.evaluate(exercise, student, exercise.cases()) + core.evaluate(
        exercise, student, exercise.cases(hidden=True, seed=11))


def detach_loop(n_epochs, learning_rate, params, t_u, t_c):
    for _ in range(n_epochs):
        if params.grad is not None:
            params.grad.zero_()
        loss = loss_fn(model(t_u, *params), t_c)
        loss.backward()
        params = (params - learning_rate * params.grad).detach().requires_grad_()
    return params


def no_grad_loop(n_epochs, learning_rate, params, t_u, t_c):
    for _ in range(n_epochs):
        loss = ((params[0] * t_u + params[1] - t_c) ** 2).mean()
        params.grad = None
        loss.backward()
        with torch.no_grad():
            params -= learning_rate * params.grad
    return params


@pytest.mark.parametrize("loop", [detach_loop, no_grad_loop])
def test_a_manual_loop_may_make_new_leaves_or_update_in_place(loop):
    assert _failures(check.manual_training_loop, loop) == []


def in_place(params, learning_rate):
    with torch.no_grad():
        params -= learning_rate * params.grad
    return params


def through_shared_storage(params, learning_rate):
    return params.detach().sub_(learning_rate * params.grad).requires_grad_()


@pytest.mark.parametrize("update", [in_place, through_shared_storage])
def test_an_update_that_moves_the_callers_params_is_not_a_new_leaf(update):
    failures = core.evaluate(check.updated, update, check.updated.cases())
    assert failures and "it changed the params it was given, in place" in failures[0].problem


@pytest.mark.parametrize(("returned", "kind"), [
    (lambda losses: sum(losses) / len(losses), "a float"),
    (torch.tensor, "a Tensor"),
    (lambda losses: [torch.tensor(loss) for loss in losses],
     "a list holding Tensor values (use loss.item())"),
])
def test_batch_losses_must_be_a_list_of_numbers(returned, kind):
    def student(layer, optimizer, X, y, batches):
        return returned(ref.train_minibatches(layer, optimizer, X, y, batches))

    failures = core.evaluate(check.train_minibatches, student, check.train_minibatches.cases())
    assert failures[0].problem == f"expected a list of the batch losses, as Python numbers, got {kind}"


def test_a_loop_ignoring_its_optimizer_is_told_that_step_never_ran():
    def own_rate(n_epochs, optimizer, params, t_u, t_c):
        for _ in range(n_epochs):
            optimizer.zero_grad()
            loss_fn(model(t_u, *params), t_c).backward()
            with torch.no_grad():
                params -= 1e-3 * params.grad
        return params

    failures = core.evaluate(check.training_loop, own_rate, check.training_loop.cases())
    assert failures and "the optimizer it was given stepped 0 times, expected" in failures[0].problem


def test_a_loop_returning_a_detached_copy_is_told_it_cannot_train_on():
    def copy(n_epochs, optimizer, params, t_u, t_c):
        return ref.training_loop(n_epochs, optimizer, params, t_u, t_c, print_every=0).detach().clone()

    failures = core.evaluate(check.training_loop, copy, check.training_loop.cases())
    assert failures and "no longer require grad" in failures[0].problem


def test_params_returned_without_requires_grad_fail_with_the_reason():
    def detached(params, learning_rate):
        return ref.updated(params, learning_rate).detach()

    failures = core.evaluate(check.updated, detached, check.updated.cases())
    assert failures and "no longer require grad" in failures[0].problem


def test_an_error_of_autograd_is_reported_as_raised():
    def non_scalar(n_epochs, optimizer, params, t_u, t_c):
        optimizer.zero_grad()
        ((model(t_u, *params) - t_c) ** 2).backward()
        return params

    failures = core.evaluate(check.training_loop, non_scalar, check.training_loop.cases())
    assert failures[0].problem.startswith("raised RuntimeError: grad can be implicitly created only")


def test_grad_after_tells_none_from_zeros_both_ways():
    zeros_for_none = core.evaluate(check.grad_after, lambda calls, g: torch.zeros_like(g),
                                   [core.Case(([], torch.tensor([1.0, 2.0])))])
    assert zeros_for_none[0].problem == "expected None, got tensor([0.0, 0.0])"
    none_for_zeros = core.evaluate(check.grad_after, lambda calls, g: None,
                                   [core.Case((["backward", "grad.zero_"], torch.tensor([1.0, 2.0])))])
    assert "got None" in none_for_zeros[0].problem


def test_grad_after_refuses_a_string_that_looks_like_none():
    failures = core.evaluate(check.grad_after, lambda calls, g: "None", check.grad_after.cases())
    assert failures and "expected a tensor or None, got a str" in failures[0].problem


def test_the_reference_of_grad_after_follows_torch():
    """After every call of a sequence, ``grad_after`` of the calls so far is what torch's ``.grad`` holds."""
    params = torch.tensor([1.0, 0.0], requires_grad=True)
    optimizer = torch.optim.SGD([params], lr=0.0)
    t_c, t_u = temperature()
    g = torch.autograd.grad(loss_fn(model(t_u, *params), t_c), params)[0]
    calls = ["backward", "step", "backward", "grad.zero_", "backward", "backward", "zero_grad", "step",
             "backward"]
    for k, call in enumerate(calls, start=1):
        if call == "backward":
            loss_fn(model(t_u, *params), t_c).backward()
        elif call == "grad.zero_":
            params.grad.zero_()
        elif call == "zero_grad":
            optimizer.zero_grad()
        else:
            optimizer.step()
        expected = ref.grad_after(calls[:k], g)
        if expected is None:
            assert params.grad is None, calls[:k]
        else:
            torch.testing.assert_close(params.grad, expected)


def test_cases_name_their_optimizer_and_problem_readably():
    assert repr(check.Optimizer("Adam", 0.1)) == "Adam([params], lr=0.1)"
    assert repr(check.Optimizer("SGD with momentum", 1e-3)) == "SGD([params], lr=0.001, momentum=0.9)"
    problem = check.Problem(0, 40, 2, "SGD", 3e-2, 8, 6)
    assert repr(problem) == "40 samples of 2 features (seed 0), batches of 8, 6 steps of SGD at lr=0.03"
    assert [len(batch) for batch in problem.batches()] == [8] * 6


def test_loading_the_checks_takes_the_optimizers_first_steps_outside_any_time_limit():
    """A first optimizer step imports some 800 modules: inside a case's time limit, a busy machine
    could cut that import short and leave torch half-loaded for the session."""
    code = ("import sys, torch\nimport course_lib.checks.optim as check\nbefore = set(sys.modules)\n"
            "p = torch.zeros(2, requires_grad=True)\np.sum().backward()\n"
            "for name in check.OPTIMIZER_NAMES:\n    check.Optimizer(name, 0.1).build(p).step()\n"
            "print(sorted(set(sys.modules) - before))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", done.stdout[:500]
