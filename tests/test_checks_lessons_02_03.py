"""The checks of lessons 02 and 03: their hidden cases cover what the public ones do not, they accept
other correct ways of writing an exercise, and they name the mistakes the lessons are built around.

The contract every check keeps (the answer passes, each mistake gets its hint, rigged values fail, …)
is tested once for all lessons in ``test_check_contract.py``."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

from course_lib import derivatives, linear
from course_lib.checks import derivatives as checks_02
from course_lib.checks import linear as checks_03
from course_lib.checks.arrays import Named, close_arrays
from course_lib.checks.text import fmt

CHECKS = {**checks_02.CHECKS, **checks_03.CHECKS}


def _arrays_in(case):
    return [a for a in case.args if isinstance(a, torch.Tensor | np.ndarray)]


def _float64(value):
    return value.dtype in (torch.float64, np.float64)


@pytest.mark.parametrize("name", sorted(set(CHECKS) - {"best_delta"}))
def test_hidden_cases_go_beyond_the_public_ones(name):
    check = CHECKS[name]
    public, hidden = check.cases(), check.cases(hidden=True)
    assert len(hidden) > len(public)
    assert any(_float64(a) for case in hidden for a in _arrays_in(case))
    public_shapes = {tuple(a.shape) for case in public for a in _arrays_in(case)}
    hidden_shapes = {tuple(a.shape) for case in hidden for a in _arrays_in(case)}
    assert hidden_shapes - public_shapes


def test_best_delta_hidden_cases_cover_both_precisions_and_new_functions():
    public, hidden = checks_02.best_delta.cases(), checks_02.best_delta.cases(hidden=True)
    assert {case.args[3] for case in hidden} == {np.float32, np.float64}
    assert {repr(case.args[0]) for case in hidden} - {repr(case.args[0]) for case in public}


# --- the checks accept other correct answers ------------------------------------------------------------


def central_halving_twice(f, x, delta):
    return (f(x + delta) - f(x - delta)) / 2 / delta


def numerical_grad_with_unit_vectors(loss_of_params, params, delta):
    if isinstance(params, torch.Tensor):
        unit = torch.eye(len(params), dtype=params.dtype)
    else:
        unit = np.eye(len(params))  # float64: float32 params are promoted, a different but fair answer
    slopes = [(loss_of_params(params + delta * e) - loss_of_params(params - delta * e)) / (2 * delta)
              for e in unit]
    return torch.stack(slopes) if isinstance(params, torch.Tensor) else np.array(slopes)


def best_delta_by_hand(f, dfdx, x, dtype):
    errors = [abs(float((f(dtype(x) + dtype(h)) - f(dtype(x) - dtype(h))) / dtype(2 * h)) - dfdx(x))
              for h in derivatives.DELTAS]
    return derivatives.DELTAS[int(np.argmin(errors))]


def dloss_fn_with_shape(t_p, t_c):
    return (t_p - t_c) * 2 / t_p.shape[0]


def dmodel_db_as_ones(t_u, w, b):
    return torch.ones_like(t_u)


def grad_fn_the_books_first_way(t_u, t_c, t_p, w, b):
    dloss = 2 * (t_p - t_c)  # no 1/N here, a mean below: the same gradient
    return torch.stack([(dloss * t_u).mean(), dloss.mean()])


def training_loop_with_torch_isfinite(n_epochs, learning_rate, params, t_u, t_c, print_every=500):
    for epoch in range(1, n_epochs + 1):
        t_p = params[0] * t_u + params[1]
        loss = torch.mean((t_p - t_c) ** 2)
        if not torch.isfinite(loss):
            print(f"diverged at epoch {epoch} (loss {loss.item()})")
            return params
        dloss = (t_p - t_c) * 2 / len(t_p)
        params = params - learning_rate * torch.stack([(dloss * t_u).sum(), dloss.sum()])
        if epoch % print_every == 0:
            print(f"Epoch {epoch}, Loss {loss.item():.4e}")
    return params


ALTERNATIVES = [
    ("central_difference", central_halving_twice),
    ("fixed_central_difference", central_halving_twice),
    ("numerical_grad", numerical_grad_with_unit_vectors),
    ("best_delta", best_delta_by_hand),
    ("dloss_fn", dloss_fn_with_shape),
    ("dmodel_db", dmodel_db_as_ones),
    ("grad_fn", grad_fn_the_books_first_way),
    ("training_loop", training_loop_with_torch_isfinite),
]


@pytest.mark.parametrize(("name", "student"), ALTERNATIVES, ids=[f.__name__ for _, f in ALTERNATIVES])
def test_other_correct_answers_pass(name, student, capsys):
    CHECKS[name](student)
    CHECKS[name](student, hidden=True)


# --- messages for the mistakes the lessons are built around ---------------------------------------------


def test_the_seeds_bug_is_named_with_its_delta_squared_scaling():
    with pytest.raises(AssertionError) as failure:
        checks_02.fixed_central_difference(derivatives.buggy_central_difference)
    message = str(failure.value)
    assert "still the bug" in message and "delta**2 times" in message
    assert "/ (2 * delta)" in message


def test_the_books_first_dloss_fn_fails_and_says_where_the_mean_went():
    with pytest.raises(AssertionError) as failure:
        checks_03.dloss_fn(lambda t_p, t_c: 2 * (t_p - t_c))
    assert "book's first dloss_fn" in str(failure.value)


def test_grad_fn_dividing_by_n_twice_is_named():
    def twice(t_u, t_c, t_p, w, b):
        dloss = linear.dloss_fn(t_p, t_c)
        return torch.stack([(dloss * t_u).mean(), dloss.mean()])

    with pytest.raises(AssertionError, match="divided by N twice"):
        checks_03.grad_fn(twice)


def test_training_loop_that_never_stops_is_told_to_stop():
    def relentless(n_epochs, learning_rate, params, t_u, t_c, print_every=500):
        for _ in range(n_epochs):
            w, b = params
            params = params - learning_rate * linear.grad_fn(t_u, t_c, w * t_u + b, w, b)
        return params

    with pytest.raises(AssertionError, match="does not stop at the first loss that is not finite"):
        checks_03.training_loop(relentless)


def test_best_delta_windows_separate_float64_from_float32():
    f = Named("np.exp", np.exp)
    in_64 = checks_02.best_delta.reference(f, f, 1.0, np.float64)
    in_32 = checks_02.best_delta.reference(f, f, 1.0, np.float32)
    assert in_64.low <= 1e-5 <= in_64.high and not in_64.low <= 1e-8 <= in_64.high
    assert in_32.low <= 1e-2 <= in_32.high and not in_32.low <= 1e-5 <= in_32.high
    assert in_64.high < in_32.low


def test_best_delta_rejects_a_non_positive_step():
    with pytest.raises(AssertionError, match="expected one of the steps in DELTAS"):
        checks_02.best_delta(lambda f, dfdx, x, dtype: 0.0)


def test_training_loop_check_prints_nothing_of_its_own(capsys):
    checks_03.training_loop(linear.training_loop)  # it prints, and the check compares what it prints
    cases = len(checks_03.training_loop.public)
    assert capsys.readouterr().out.strip() == f"✓ training_loop passes all {cases} public cases."


# --- the array helpers -----------------------------------------------------------------------------------

finite = st.floats(-1e6, 1e6, allow_nan=False)


@given(arrays(np.float64, array_shapes(min_dims=0, max_dims=2, max_side=4), elements=finite))
def test_close_arrays_accepts_equal_arrays(values):
    assert close_arrays()(values, values.copy()) is None


@given(arrays(np.float64, array_shapes(min_dims=1, max_dims=2, max_side=4), elements=st.floats(1, 1e6)),
       st.data())
def test_close_arrays_names_the_first_differing_element(values, data):
    index = data.draw(st.tuples(*[st.integers(0, side - 1) for side in values.shape]))
    changed = values.copy()
    changed[index] *= 1.001
    problem = close_arrays()(values, changed)
    assert problem is not None
    assert f"element [{', '.join(map(str, index))}]" in problem


def test_close_arrays_shapes_broadcasting_and_scale():
    compare = close_arrays()
    assert compare(np.zeros(3), np.zeros((3, 1))) == "expected shape (3,), got shape (3, 1)"
    assert compare(np.ones(3), np.array(1.0)) == "expected shape (3,), got a single number"
    assert close_arrays(broadcast=True)(np.array(1.0), np.ones(3)) is None
    assert close_arrays(broadcast=True)(np.ones(3), np.array(1.0)) is None
    assert "single number" in close_arrays(broadcast=True)(np.array([1.0, 2.0]), np.array(1.0))
    # An error of 0.01 on a component of 1 is large on its own, small next to a component of 1e4.
    expected, got = np.array([1e4, 1.0]), np.array([1e4, 1.01])
    assert compare(expected, got) is not None
    assert close_arrays(relative_to_largest=True)(expected, got) is None


def test_close_arrays_nan_and_inf_must_match_exactly():
    compare = close_arrays()
    assert compare(np.array([np.nan, np.inf]), np.array([np.nan, np.inf])) is None
    assert compare(np.array([np.inf]), np.array([-np.inf])) is not None
    assert compare(np.array([1.0]), np.array([np.nan])) is not None
    assert compare(np.array([np.nan]), np.array([1.0])) is not None


def test_fmt_is_compact():
    assert fmt(torch.tensor([1.0, 0.0])) == "tensor([1.0, 0.0])"
    assert fmt(torch.tensor(2.5, dtype=torch.float64)) == "tensor(2.5, dtype=torch.float64)"
    assert fmt(torch.arange(11.0)) == "tensor([0.0, 1.0, 2.0, …, 10.0], shape (11,))"
    assert fmt(np.array([0.5, 1.5], dtype=np.float32)) == "array([0.5, 1.5], dtype=float32)"
    assert fmt(np.zeros((2, 2))) == "array([0.0, 0.0, 0.0, 0.0], shape (2, 2))"
    assert fmt(np.float32) == "np.float32"
    assert fmt(np.exp) == "np.exp"
    assert fmt(Named("lambda x: x**3", lambda x: x**3)) == "lambda x: x**3"
    assert fmt(1.0) == "1.0" and fmt(1e-12) == "1e-12" and fmt(3) == "3"
    assert fmt(math.inf) == "inf"
