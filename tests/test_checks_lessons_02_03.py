"""The checks of lessons 02 and 03: they pass the reference, fail every known mistake with its hint,
accept other correct ways of writing the exercise, and cannot be fooled by what a student returns."""

import inspect
import math
import warnings

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

# What a student who gets everything right would write (the reference of each exercise).
REFERENCES = {
    "central_difference": derivatives.central_difference,
    "fixed_central_difference": derivatives.central_difference,
    "numerical_grad": derivatives.numerical_grad,
    "best_delta": derivatives.best_delta,
    "dloss_fn": linear.dloss_fn,
    "dmodel_dw": linear.dmodel_dw,
    "dmodel_db": linear.dmodel_db,
    "grad_fn": linear.grad_fn,
    "training_loop": linear.training_loop,
}

MISTAKES = [(name, index) for name, check in CHECKS.items() for index in range(len(check.mistakes))]


def test_every_exercise_has_a_check_and_a_reference():
    assert set(checks_02.CHECKS) == {"central_difference", "numerical_grad", "fixed_central_difference",
                                     "best_delta"}
    assert set(checks_03.CHECKS) == {"dloss_fn", "dmodel_dw", "dmodel_db", "grad_fn", "training_loop"}
    assert set(REFERENCES) == set(CHECKS)
    for name, check in CHECKS.items():
        assert check.name == name


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_parameter_names_are_the_references(name):
    check = CHECKS[name]
    names = list(inspect.signature(REFERENCES[name]).parameters)
    assert tuple(names[:len(check.params)]) == check.params


@pytest.mark.parametrize("hidden", [False, True], ids=["public", "hidden"])
@pytest.mark.parametrize("name", sorted(CHECKS))
def test_the_reference_passes(name, hidden, capsys):
    CHECKS[name](REFERENCES[name], hidden=hidden)
    assert capsys.readouterr().out.splitlines()[-1].startswith(f"✓ {name} passes all")


@pytest.mark.parametrize("hidden", [False, True], ids=["public", "hidden"])
@pytest.mark.parametrize(("name", "index"), MISTAKES)
def test_every_known_mistake_fails_with_its_hint(name, index, hidden):
    check = CHECKS[name]
    mistake = check.mistakes[index]
    with pytest.raises(AssertionError) as failure:
        check(mistake.implementation, hidden=hidden)
    assert f"Hint: {mistake.hint}" in str(failure.value)


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_an_unwritten_exercise_fails(name):
    def unwritten(*args):
        raise NotImplementedError()

    with pytest.raises(AssertionError, match="not written yet"):
        CHECKS[name](unwritten)


class RiggedEquality:
    """Claims to equal anything."""

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = object.__hash__


class RiggedFloat(float):
    def __eq__(self, other):
        return True

    __hash__ = float.__hash__


class RiggedTensor(torch.Tensor):
    def __eq__(self, other):
        return True

    __hash__ = torch.Tensor.__hash__


def rigged_tensor_like(value):
    """Zeros of the reference's shape, in a tensor subclass whose == always says yes."""
    shape = np.shape(np.asarray(value, dtype=float)) if not isinstance(value, torch.Tensor) else value.shape
    return torch.zeros(shape).as_subclass(RiggedTensor)


@pytest.mark.parametrize("rig", ["object", "float", "tensor"])
@pytest.mark.parametrize("name", sorted(CHECKS))
def test_a_rigged_return_value_fails(name, rig):
    check = CHECKS[name]
    reference = REFERENCES[name]

    def cheat(*args):
        if rig == "object":
            return RiggedEquality()
        if rig == "float":
            return RiggedFloat(-123.0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return rigged_tensor_like(reference(*args))

    with pytest.raises(AssertionError):
        check(cheat)


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_warnings_and_stderr_do_not_leak_from_a_failing_check(name, capsys):
    check = CHECKS[name]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for mistake in check.mistakes:
            with pytest.raises(AssertionError):
                check(mistake.implementation)
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_case_descriptions_are_short_readable_one_liners(name):
    check = CHECKS[name]
    for case in check.cases() + check.cases(hidden=True):
        text = case.describe(check.name, check.params)
        assert text.startswith(f"{name}(")
        assert "\n" not in text and len(text) < 700
        for noise in ("<function", "<class", " at 0x", "<lambda>", "grad_fn="):
            assert noise not in text


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_hidden_cases_are_reproducible(name):
    check = CHECKS[name]
    first = [case.describe(name, check.params) for case in check.cases(hidden=True)]
    second = [case.describe(name, check.params) for case in check.cases(hidden=True)]
    assert first == second


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


def numerical_grad_that_scribbles_on_params(loss_of_params, params, delta):
    result = derivatives.numerical_grad(loss_of_params, params, delta)
    params[:] = 0  # harmless to the check: every call gets its own copy of the arguments
    return result


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


def training_loop_in_place(n_epochs, learning_rate, params, t_u, t_c):
    for _ in range(n_epochs):
        t_p = params[0] * t_u + params[1]
        loss = torch.mean((t_p - t_c) ** 2)
        if not torch.isfinite(loss):
            print("diverged")
            break
        dloss = (t_p - t_c) * 2 / len(t_p)
        with torch.no_grad():
            params -= learning_rate * torch.stack([(dloss * t_u).sum(), dloss.sum()])
    t_u.mul_(0)  # harmless to the check, as above
    return params


ALTERNATIVES = [
    ("central_difference", central_halving_twice),
    ("fixed_central_difference", central_halving_twice),
    ("numerical_grad", numerical_grad_with_unit_vectors),
    ("numerical_grad", numerical_grad_that_scribbles_on_params),
    ("best_delta", best_delta_by_hand),
    ("dloss_fn", dloss_fn_with_shape),
    ("dmodel_db", dmodel_db_as_ones),
    ("grad_fn", grad_fn_the_books_first_way),
    ("training_loop", training_loop_in_place),
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
    def relentless(n_epochs, learning_rate, params, t_u, t_c):
        for _ in range(n_epochs):
            w, b = params
            params = params - learning_rate * linear.grad_fn(t_u, t_c, w * t_u + b, w, b)
        return params

    with pytest.raises(AssertionError, match="does not stop when the loss stops being finite"):
        checks_03.training_loop(relentless)


def test_best_delta_windows_separate_float64_from_float32():
    f = Named("np.exp", np.exp)
    in_64 = checks_02.best_delta.reference(f, f, 1.0, np.float64)
    in_32 = checks_02.best_delta.reference(f, f, 1.0, np.float32)
    assert in_64.low <= 1e-5 <= in_64.high and not in_64.low <= 1e-8 <= in_64.high
    assert in_32.low <= 1e-2 <= in_32.high and not in_32.low <= 1e-5 <= in_32.high
    assert in_64.high < in_32.low


def test_best_delta_rejects_a_non_positive_step():
    with pytest.raises(AssertionError, match="positive step size"):
        checks_02.best_delta(lambda f, dfdx, x, dtype: 0.0)


def test_training_loop_check_prints_nothing_of_its_own(capsys):
    checks_03.training_loop(lambda n, lr, params, t_u, t_c: linear.training_loop(n, lr, params, t_u, t_c,
                                                                                 print_every=0))
    assert capsys.readouterr().out.strip() == "✓ training_loop passes all 4 public cases."


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
