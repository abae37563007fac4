"""The check machinery on a check of its own: coercion to plain numbers, comparison, messages.

What every lesson's checks must do (stubs, non-functions, silence, rigged values, …) is tested on
the real checks in ``test_check_contract.py``.
"""

from __future__ import annotations

import gc
import math
import weakref

import numpy as np
import pytest
import torch

from course_lib.checks import Case, Check, Mistake
from course_lib.checks.coerce import CoercionError, as_float, as_float_list
from course_lib.checks.running import old_objects_spared


class RiggedFloat(float):
    """A float that claims to equal everything."""

    def __eq__(self, other):
        return True

    def __float__(self):
        return 12345.0

    __hash__ = float.__hash__


class RiggedObject:
    def __eq__(self, other):
        return True

    def __float__(self):
        return 0.4


def test_as_float_reads_the_true_value_of_a_float_subclass():
    assert as_float(RiggedFloat(0.25)) == 0.25


@pytest.mark.parametrize("value", [RiggedObject(), "0.4", None, [0.4], True, 1 + 2j])
def test_as_float_rejects_what_is_not_a_number(value):
    with pytest.raises(CoercionError):
        as_float(value)


@pytest.mark.parametrize("value", [0.4, np.float32(0.4), np.float64(0.4), np.array([0.4]),
                                   torch.tensor(0.4, dtype=torch.float64), torch.tensor([[0.4]])])
def test_as_float_accepts_numbers_arrays_and_tensors_of_one_element(value):
    assert as_float(value) == pytest.approx(0.4, rel=1e-6)


def test_as_float_list():
    assert as_float_list((1, 2.5, np.float32(3))) == [1.0, 2.5, 3.0]
    assert as_float_list(torch.tensor([1.0, 2.0])) == [1.0, 2.0]
    with pytest.raises(CoercionError, match="single number"):
        as_float_list(3.0)
    with pytest.raises(CoercionError, match="forget `return`"):
        as_float_list(None)


def _double(x):
    return 2 * x


DOUBLE = Check(
    name="double", params=("x",), reference=_double,
    public=(Case((1.5,)), Case((-2.0,))),
    hidden=lambda rng: [Case((float(v),)) for v in rng.uniform(-5, 5, size=10)],
    mistakes=(Mistake("you squared it.", lambda x: x * x), Mistake("you added 2.", lambda x: x + 2)),
)


def test_passing_prints_a_tick(capsys):
    DOUBLE(_double)
    DOUBLE(_double, hidden=True)
    assert capsys.readouterr().out == ("✓ double passes all 2 public cases.\n"
                                       "✓ double passes all 10 hidden cases.\n")


def test_a_failure_names_input_expected_got_and_the_mistake():
    with pytest.raises(AssertionError) as info:
        DOUBLE(lambda x: x * x)
    message = str(info.value)
    assert message.startswith("double(x=1.5): expected 3.0, got 2.25.")
    assert "Hint: you squared it." in message
    assert "(2 of 2 public cases fail.)" in message


def test_a_mistake_that_happens_to_be_right_on_a_case_is_not_blamed():
    # On x = 2, adding 2 equals doubling: "you added 2" must not be the hint for a case it gets right.
    check = Check(name="double", params=("x",), reference=_double, public=(Case((2.0,)),),
                  hidden=lambda rng: [], mistakes=DOUBLE.mistakes)
    with pytest.raises(AssertionError) as info:
        check(lambda x: 5.0)
    assert "Hint" not in str(info.value)


def test_unknown_wrong_answers_still_get_input_expected_and_got():
    with pytest.raises(AssertionError, match=r"double\(x=1.5\): expected 3.0, got 7.0"):
        DOUBLE(lambda x: 7.0)


def test_a_rigged_return_value_fails():
    with pytest.raises(AssertionError, match="expected a single number"):
        DOUBLE(lambda x: RiggedObject())
    with pytest.raises(AssertionError, match="expected 3.0, got 12345.0"):
        DOUBLE(lambda x: RiggedFloat(12345.0))


def test_student_exceptions_are_reported_not_raised():
    with pytest.raises(AssertionError, match=r"raised ZeroDivisionError: division by zero"):
        DOUBLE(lambda x: 1 / 0)


def test_a_function_that_changes_its_argument_cannot_change_the_reference_s():
    total = Check(name="total", params=("values",), reference=sum, public=(Case(([1.0, 2.0],)),),
                  hidden=lambda rng: [], mutates_args=True)

    def destructive(values):
        result = sum(values)
        values.clear()
        return result

    total(destructive)  # the reference, called after it, still sees [1.0, 2.0]
    assert total.public[0].args == ([1.0, 2.0],)


class _Node:
    """An object that can be part of a reference cycle."""


def _cycle() -> weakref.ref:
    node = _Node()
    node.me = node
    return weakref.ref(node)


def test_a_check_spares_old_objects_from_the_collector_and_hands_them_back():
    assert gc.get_freeze_count() == 0
    with old_objects_spared():
        assert gc.get_freeze_count() > 0  # the objects that existed before are frozen
        garbage = _cycle()
        gc.collect()
        assert garbage() is None, "a cycle made inside the block is still collected"
        with old_objects_spared():
            pass
        assert gc.get_freeze_count() > 0, "an inner block must not unfreeze the outer one's objects"
    assert gc.get_freeze_count() == 0, "the frozen objects must be handed back"


def test_a_check_leaves_a_freeze_made_before_it_alone():
    old = _cycle()  # made before the freeze: then garbage, but frozen with the rest
    gc.freeze()
    try:
        with old_objects_spared():
            garbage = _cycle()
        assert gc.get_freeze_count() > 0, "the freeze made before the check must stay"
        gc.collect()
        assert garbage() is None, "a cycle the check made must stay collectable"
    finally:
        gc.unfreeze()
    gc.collect()
    assert old() is None


def test_the_remembered_answers_of_the_reference_tell_cases_and_checks_apart():
    """The reference's answers are kept between calls; a case that only equals another (-0.0 and
    0.0, 1 and 1.0) and a check of the same name with another reference get their own."""
    def sign(x):
        return math.copysign(1.0, x) if isinstance(x, float) else 2.0  # 2.0 for an int

    def check_of(reference):
        return Check(name="sign", params=("x",), reference=reference,
                     public=(Case((0.0,)), Case((-0.0,)), Case((1,)), Case((1.0,))), hidden=lambda rng: [])

    check = check_of(sign)
    check(sign)
    check(sign)  # the second time from what was kept
    with pytest.raises(AssertionError, match=r"sign\(x=-0.0\): expected -1.0, got 1.0"):
        check(lambda x: 1.0 if isinstance(x, float) else 2.0)
    with pytest.raises(AssertionError, match=r"sign\(x=1\): expected 2.0, got 1.0"):
        check(lambda x: math.copysign(1.0, x) if isinstance(x, float) else 1.0)
    check_of(lambda x: 7.0)(lambda x: 7.0)  # same name, another reference: not the first one's answers
