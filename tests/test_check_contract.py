"""The contract every check keeps, tested once over every check of every lesson.

The checks come from :mod:`course_lib.checks.registry`, so a new lesson is covered as soon as it is
registered. For each check: the right answer passes (public cases, hidden ones, other grader
seeds); a stub, a non-function and a forgotten ``return`` fail with a readable message; rigged and
junk return values never pass and never crash the check; nothing a student's function writes to
stderr or warns reaches the test cell; cases read well and hidden ones are drawn from the seed;
observations survive the JSON wire and are judged the same after it; hidden verdicts while
grading name no input; every known mistake fails with exactly its own hint, and a wrong answer no
mistake explains gets none. Lesson-specific behaviour is tested in ``test_checks_<lesson>.py``.
"""

from __future__ import annotations

import functools
import inspect
import math
import sys
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib import autograd
from course_lib.checks import Check, core, registry, wire
from course_lib.checks.programs import Program
from course_lib.grading.plan import parse_test_cell

from .notebooks import SOLUTIONS, grade_id, grade_test_cells, lesson_names, read, run_solutions, solution_ids

# --- the right answers the course has none of: written as a student writes them -------------------


_L04 = "04_autograd_engine"
_WRITTEN = run_solutions(_L04, ("topological_order", "backward", "Value", "counterexample"),
                         {"math": math, "course": autograd})
"""The instructor's solutions of lesson 04, run as a student's kernel runs them: the engine (the
check refuses the course's ``Value``) and the counterexample (there are many right ones)."""

STUDENT_WRITTEN: dict[str, Any] = {name: _WRITTEN[name] for name in ("Value", "counterexample")}
"""Right answers to the exercises for which the registry names no course function."""


def correct(lesson: str, name: str) -> Any:
    """What a student who gets ``name`` right hands in."""
    found = registry.answer(lesson, name)
    return STUDENT_WRITTEN[name] if found is None else found


# --- which checks, and how they are shown ------------------------------------------------------------

ALL = list(registry.all_checks())
CASES = [entry for entry in ALL if isinstance(entry[2], Check)]
"""The checks with cases (all but lesson 04's ``counterexample``, which inspects a graph)."""


def _id(entry: tuple[str, str, Any]) -> str:
    return f"{entry[0][:2]}-{entry[1]}"


def _takes_answers_as_they_are(check: Any) -> bool:
    """Whether the student's object is called on the case's arguments as it is (no ``adapt``)."""
    def probe(*args: Any) -> None:
        return None
    return isinstance(check, Check) and check.adapt(probe) is probe


def _on_programs(check: Check) -> bool:
    """Whether the cases are programs (lesson 04's graph exercises: the hidden ones take seconds)."""
    return any(isinstance(arg, Program) for case in check.public for arg in case.args)


PLAIN = [entry for entry in CASES if _takes_answers_as_they_are(entry[2])]
"""Checks calling the student's function on the case's arguments and reading what it returns."""
NUMERIC = [entry for entry in PLAIN if entry[1] != "best_delta"]
"""…whose answer is numbers compared with a tolerance (``best_delta`` accepts a range of δ)."""
MISTAKES = [(lesson, name, check, index) for lesson, name, check in CASES
            for index in range(len(check.mistakes))]
SEEDS = (None, 20240917, 7)
"""Hidden cases as at the desk (``None``) and as two grader seeds draw them."""


def seeds(check: Check) -> tuple[int | None, ...]:
    """The seeds a property is checked with: one for the graph exercises (seconds each), else all."""
    return SEEDS[1:2] if _on_programs(check) else SEEDS


def params(entries: list, **marks: Any) -> list:
    """``pytest.param`` s of ``entries`` with readable ids; ``marks[id]`` marks one of them."""
    result = []
    for entry in entries:
        key = _id(entry[:3]) + (f"-{entry[3]}" if len(entry) > 3 else "")
        result.append(pytest.param(*entry, id=key, marks=marks.get(key, ())))
    return result


NOISE = ("<function", "<lambda>", "<class", "<generator", " object at ", " at 0x", "grad_fn=", "Traceback")
"""What a student should never read in a message: reprs of functions and objects, tracebacks."""


def assert_readable(message: str) -> None:
    assert isinstance(message, str) and message.strip(), "an empty message"
    for noise in NOISE:
        assert noise not in message, f"{noise!r} in the message: {message}"


def hints(message: str) -> list[str]:
    return [line.removeprefix("Hint: ") for line in message.splitlines() if line.startswith("Hint: ")]


@functools.cache
def observed_raw(lesson: str, name: str, student: str | int, hidden: bool = False,
                 seed: int | None = None) -> list[Any]:
    """The observations of the right answer (``"correct"``) or of mistake number ``student``
    (computed once: do not change them)."""
    check = registry.checks(lesson)[name]
    function = correct(lesson, name) if student == "correct" else check.mistakes[student].implementation
    return check.observe(function, hidden=hidden, seed=seed)


def observed(lesson: str, name: str, student: str | int, hidden: bool = False,
             seed: int | None = None) -> str:
    """:func:`observed_raw` as the wire text that leaves the sandbox."""
    return wire.dumps(observed_raw(lesson, name, student, hidden, seed))


@functools.cache
def judged(lesson: str, name: str, student: str | int, hidden: bool = False, seed: int | None = None,
           reveal: bool = True) -> tuple[bool, str]:
    """The grader's verdict on :func:`observed`, read back from the wire as grading reads it."""
    check = registry.checks(lesson)[name]
    return check.verdict(wire.loads(observed(lesson, name, student, hidden, seed)), hidden=hidden, seed=seed,
                         reveal=reveal)


def verdict(check: Any, student: Any, hidden: bool = False, seed: int | None = None,
            reveal: bool = True) -> tuple[bool, str]:
    """Both halves, as grading runs them: observe, then judge."""
    return check.verdict(check.observe(student, hidden=hidden, seed=seed), hidden=hidden, seed=seed,
                         reveal=reveal)


# --- the registry is the course ---------------------------------------------------------------------


def test_every_lesson_folder_is_registered_in_course_order():
    assert registry.lessons() == lesson_names()


@pytest.mark.parametrize("lesson", lesson_names())
def test_every_test_cell_calls_registered_checks_public_and_hidden(lesson):
    """A test cell ``test_<id>`` follows solution cell ``<id>``, imports the lesson's checks module,
    and calls checks of the registry, each on public and on hidden cases; every check is called."""
    notebook = read(SOLUTIONS / lesson / f"{lesson}.ipynb")
    registered = registry.checks(lesson)
    called = set()
    for test in grade_test_cells(notebook):
        exercise = grade_id(test).removeprefix("test_")
        assert grade_id(test) == f"test_{exercise}" and exercise in solution_ids(notebook)
        plan = parse_test_cell(grade_id(test), test.source)
        assert plan.module == registry.LESSONS[lesson]
        for check_name, _ in plan.objects:
            check = getattr(registry.module(lesson), check_name)
            assert any(check is known for known in registered.values()), f"{check_name} is not registered"
            kinds = {call.hidden for call in plan.calls if call.check == check_name}
            assert kinds == {False, True}, f"{grade_id(test)}: {check_name} public and hidden"
            called.add(check.name)
    assert called == set(registered)


@pytest.mark.parametrize(("lesson", "name", "check"), params(ALL))
def test_names_agree_and_each_course_answer_is_switched_off_while_grading(lesson, name, check):
    assert check.name == name
    dotted = registry.answer_name(lesson, name)
    if dotted is None:
        assert name in STUDENT_WRITTEN
        return
    assert dotted in registry.module(lesson).ANSWER_KEY, f"{dotted} would be usable in the sandbox"
    if _takes_answers_as_they_are(check):
        answer_params = tuple(inspect.signature(correct(lesson, name)).parameters)
        assert answer_params[:len(check.params)] == check.params


# --- the right answer passes ---------------------------------------------------------------------------


@pytest.mark.parametrize(("lesson", "name", "check"), params(ALL))
def test_the_right_answer_passes_public_and_hidden_cases_with_any_seed(lesson, name, check):
    assert judged(lesson, name, "correct")[0]
    for seed in seeds(check) if isinstance(check, Check) else SEEDS:
        passed, message = judged(lesson, name, "correct", True, seed)
        assert passed, (seed, message)
        assert message.startswith(f"✓ {name} passes")


@pytest.mark.parametrize(("lesson", "name", "check"), params(ALL))
def test_noise_from_the_student_s_function_stays_out_of_the_test_cell(lesson, name, check, capsys):
    """stderr in a test cell scores 0 in nbgrader, and prints would bury the verdict."""
    answer = correct(lesson, name)
    prints = getattr(check, "output", None) is None  # else what it prints is graded

    def noise() -> None:
        print("a warning of my own", file=sys.stderr)
        warnings.warn("careful", UserWarning, stacklevel=1)
        np.float64(1.0) / np.float64(0.0)
        if prints:
            print("debugging")

    if isinstance(answer, type):
        def __init__(self: Any, *args: Any) -> None:  # noqa: N807 - the subclass's constructor
            noise()
            answer.__init__(self, *args)
        noisy = type(answer.__name__, (answer,), {"__init__": __init__})
    else:
        def noisy(*args: Any) -> Any:
            noise()
            return answer(*args)

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning escaping the check would raise here
        check(noisy)
    captured = capsys.readouterr()
    assert captured.err == ""
    assert captured.out.splitlines()[-1].startswith(f"✓ {name} passes")
    if prints:
        assert "debugging" not in captured.out


# --- what is not an answer yet --------------------------------------------------------------------------


def stub_for(check: Any) -> Any:
    """The notebook's stub: ``raise NotImplementedError()`` (in ``__init__`` for a class)."""
    if getattr(check, "what", "function") == "class":
        class Stub:
            def __init__(self, *args: Any) -> None:
                raise NotImplementedError()
        return Stub

    def stub(*args: Any) -> Any:
        raise NotImplementedError()
    return stub


@pytest.mark.parametrize(("lesson", "name", "check"), params(ALL))
def test_an_unwritten_stub_is_not_written_yet(lesson, name, check):
    passed, message = verdict(check, stub_for(check))
    assert not passed
    assert message.startswith(f"`{name}` is not written yet")
    assert "Hint: replace `raise NotImplementedError()` with your code." in message
    assert "cases fail" not in message


@pytest.mark.parametrize("thing", [3, None, "answer"], ids=["number", "None", "string"])
@pytest.mark.parametrize(("lesson", "name", "check"), params(ALL))
def test_a_non_callable_stops_the_check(lesson, name, check, thing):
    passed, message = verdict(check, thing)
    assert not passed
    assert message.startswith(f"`{name}` is {thing!r}, not a {getattr(check, 'what', 'function')}")


RETURNS_NOTHING = {"backward": "the exercise returns nothing: it fills in grad", "Value": "a class"}


@pytest.mark.parametrize(("lesson", "name", "check"), params([e for e in ALL if e[1] not in RETURNS_NOTHING]))
def test_a_forgotten_return_fails_with_a_readable_message(lesson, name, check):
    passed, message = verdict(check, lambda *args: None)
    assert not passed
    assert "None" in message
    assert_readable(message)


# --- rigged and junk return values ----------------------------------------------------------------------


def _numbers(value: Any) -> np.ndarray:
    if isinstance(value, torch.Tensor):
        return value.detach().double().numpy()
    return np.asarray(value, dtype=np.float64)


class LyingFloat(float):
    """Holds a wrong number; ``==``, ``float()`` and numpy say it is the right one."""

    right = 0.0

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __float__(self):
        return self.right

    def __array__(self, dtype=None, copy=None):
        return np.array(self.right)

    __hash__ = float.__hash__


class LyingArray(np.ndarray):
    """Holds wrong numbers; ``==``, ``__array__``, ``tolist`` and ``float()`` say they are right."""

    right: Any = None

    def __eq__(self, other):
        return np.ones(self.shape, dtype=bool)

    def __array__(self, dtype=None, copy=None):
        return np.array(self.right, dtype=dtype)

    def tolist(self):
        return np.asarray(self.right).tolist()

    def __float__(self):
        return float(np.asarray(self.right).ravel()[0])


class LyingTensor(torch.Tensor):
    """Holds wrong numbers; ``==``, ``numpy()``, ``tolist()``, ``item()`` and ``float()`` lie (and so
    do the tensors it makes: ``detach()`` keeps the subclass)."""

    right: Any = None

    def __eq__(self, other):
        return torch.ones(self.shape, dtype=torch.bool)

    def numpy(self, *args, **kwargs):
        return np.array(self.right)

    def tolist(self):
        return np.asarray(self.right).tolist()

    def item(self):
        return float(np.asarray(self.right).ravel()[0])

    def __float__(self):
        return self.item()

    def __array__(self, dtype=None, copy=None):
        return np.array(self.right, dtype=dtype)

    __hash__ = torch.Tensor.__hash__


class DispatchingTensor(torch.Tensor):
    """Holds wrong numbers; answers every torch function (``detach``, ``cpu``, …) with the right ones."""

    right: Any = None

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        return torch.as_tensor(np.asarray(cls.right))


class LyingList(list):
    """Holds wrong numbers; iterating, ``len`` and ``==`` show the right ones."""

    right: Any = None

    def __iter__(self):
        return iter(self.right)

    def __len__(self):
        return len(self.right)

    def __eq__(self, other):
        return True

    __hash__ = None


class ExplodingTensor(torch.Tensor):
    """A tensor whose numbers cannot be read: ``numpy()`` and ``tolist()`` raise."""

    def numpy(self, *args, **kwargs):
        raise RuntimeError("no numbers for you")

    tolist = numpy


def _rig(kind: str, right: Any) -> Any:
    """A value holding ``right + 1`` whose ``kind`` of lie says it is ``right``."""
    numbers = _numbers(right)
    wrong = numbers + 1.0
    if kind == "float subclass":
        rigged = LyingFloat(float(wrong.ravel()[0]))
        rigged.right = float(numbers.ravel()[0])
        return rigged
    if kind == "ndarray subclass":
        LyingArray.right = numbers
        return wrong.view(LyingArray)
    if kind == "tensor subclass":
        LyingTensor.right = numbers
        return torch.as_tensor(wrong).as_subclass(LyingTensor)
    if kind == "torch function":
        DispatchingTensor.right = numbers
        return torch.as_tensor(wrong).as_subclass(DispatchingTensor)
    if kind == "list subclass":
        LyingList.right = numbers.ravel().tolist()
        return LyingList(wrong.ravel().tolist())
    if kind == "exploding tensor":
        return torch.as_tensor(wrong).as_subclass(ExplodingTensor)
    raise ValueError(kind)


RIGS = ("float subclass", "ndarray subclass", "tensor subclass", "torch function", "list subclass",
        "exploding tensor")


def _rigged_params() -> list:
    return [pytest.param(lesson, name, check, kind, id=f"{_id((lesson, name))}-{kind}")
            for lesson, name, check in PLAIN for kind in RIGS]


@pytest.mark.parametrize(("lesson", "name", "check", "kind"), _rigged_params())
def test_a_rigged_return_value_never_passes(lesson, name, check, kind):
    answer = correct(lesson, name)

    def rigged(*args: Any) -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _rig(kind, answer(*args))

    passed, message = verdict(check, rigged)
    assert not passed, message
    assert_readable(message)


class Opaque:
    """An object with no numbers in it that says it equals anything."""

    def __eq__(self, other):
        return True

    __hash__ = None


JUNK: dict[str, Callable[[], Any]] = {
    "None": lambda: None, "a bool": lambda: True, "a string": lambda: "0.4", "a complex": lambda: 1 + 2j,
    "nan": lambda: math.nan, "inf": lambda: math.inf, "a huge int": lambda: 10**400,
    "a list of huge ints": lambda: [10**400, -(10**400)], "a list of strings": lambda: ["a", "b"],
    "a dict": lambda: {"a": 1.0}, "a set": lambda: {0.5}, "an object equal to anything": Opaque,
    "a generator": lambda: (x / 2 for x in range(3)), "an array of strings": lambda: np.array(["a", "b"]),
}
"""Return values that are no answer, each made afresh for every call."""

def _junk_params() -> list:
    return [pytest.param(lesson, name, check, junk, id=f"{_id((lesson, name))}-{junk}")
            for lesson, name, check in PLAIN for junk in JUNK]


@pytest.mark.parametrize(("lesson", "name", "check", "junk"), _junk_params())
def test_junk_never_passes_and_never_crashes_the_check(lesson, name, check, junk):
    passed, message = verdict(check, lambda *args: JUNK[junk]())
    assert not passed
    assert_readable(message)


# --- cases --------------------------------------------------------------------------------------------


def fingerprint(value: Any) -> Any:
    """A comparable stand-in for a case's arguments (tensors and arrays by their bytes)."""
    if isinstance(value, torch.Tensor):
        return ("tensor", str(value.dtype), tuple(value.shape), value.detach().numpy().tobytes())
    if isinstance(value, np.ndarray):
        return ("array", value.dtype.str, value.shape, value.tobytes())
    if isinstance(value, list | tuple):
        return tuple(fingerprint(item) for item in value)
    return (type(value).__name__, repr(value))


@pytest.mark.parametrize(("lesson", "name", "check"), params(CASES))
def test_case_descriptions_are_short_readable_one_liners(lesson, name, check):
    for case in check.cases() + check.cases(hidden=True, seed=SEEDS[1]):
        text = case.describe(name, check.params)
        assert text.startswith(name) and "\n" not in text and len(text) < 700, text
        assert_readable(text)


FIXED_HIDDEN = {"counterexample": "its cases are orders of assigning_backward; the hidden run adds one"}
"""Checks whose hidden cases are not drawn at random, and why."""


@pytest.mark.parametrize(("lesson", "name", "check"),
                         params([entry for entry in CASES if entry[1] not in FIXED_HIDDEN]))
def test_hidden_cases_are_drawn_from_the_seed_and_are_not_the_public_ones(lesson, name, check):
    def drawn(seed: int | None) -> list[Any]:
        return [fingerprint(case.args) for case in check.cases(hidden=True, seed=seed)]

    for seed in SEEDS:
        assert drawn(seed) == drawn(seed)
    assert drawn(SEEDS[1]) != drawn(SEEDS[2]) and drawn(None) != drawn(SEEDS[1])
    public = {fingerprint(case.args) for case in check.cases()}
    assert len(drawn(None)) > len(public) and not public & set(drawn(None))


@pytest.mark.parametrize(("lesson", "name", "check"), params(CASES))
def test_every_check_knows_at_least_two_mistakes(lesson, name, check):
    assert len(check.mistakes) >= 2


# --- the wire: observations are plain data --------------------------------------------------------------


@pytest.mark.parametrize(("lesson", "name", "check"), params(ALL))
def test_observations_survive_the_wire_and_are_judged_the_same(lesson, name, check):
    """The right answer on public and hidden cases, every known mistake on the public ones (on the
    graph exercises, whose runs take seconds, the right answer's public run only)."""
    quick = not (isinstance(check, Check) and _on_programs(check))
    runs = [("correct", False, None)] + [("correct", True, SEEDS[1])] * quick
    runs += [(index, False, None) for index in range(len(getattr(check, "mistakes", ())) * quick)]
    for student, hidden, seed in runs:
        raw = observed_raw(lesson, name, student, hidden, seed)
        text = wire.dumps(raw)
        assert wire.dumps(wire.loads(text)) == text
        assert check.verdict(raw, hidden=hidden, seed=seed) == judged(lesson, name, student, hidden, seed)
    again = check.observe(correct(lesson, name))
    assert wire.dumps(again) == observed(lesson, name, "correct"), "observing again gives the same data"


# --- known mistakes -----------------------------------------------------------------------------------


def _outcomes(check: Check, text: str, cases: list[Any]) -> list[Any]:
    """Per case: the interpreted value returned, or the kind of observation when there is none."""
    result = []
    for case, observation in zip(cases, wire.loads(text), strict=True):
        if "value" in observation:
            result.append(check.interpret(case.args, check.coerce(wire.decode(observation["value"]))))
        else:
            result.append(tuple(sorted(observation)))
    return result


def _alike(check: Check, first: list[Any], second: list[Any]) -> bool:
    """Whether two answers do the same on every case (``compare`` agrees, or neither gave a value)."""
    for a, b in zip(first, second, strict=True):
        if isinstance(a, tuple) or isinstance(b, tuple):
            if a != b:
                return False
        elif check.compare(a, b) is not None:
            return False
    return True


def _runs(check: Check) -> list[tuple[bool, int | None]]:
    """``(hidden, seed)`` of the verdicts a mistake is tried on: public, and hidden with a grader's
    seed (not on the graph exercises, whose hidden runs take seconds)."""
    return [(False, None)] + ([] if _on_programs(check) else [(True, SEEDS[1])])


def _look_alike_params() -> list:
    result = []
    for lesson, name, check in CASES:
        for hidden, seed in _runs(check):
            result.append(pytest.param(lesson, name, check, hidden, seed,
                                       id=f"{_id((lesson, name))}-{'hidden' if hidden else 'public'}"))
    return result


@pytest.mark.parametrize(("lesson", "name", "check", "hidden", "seed"), _look_alike_params())
def test_no_two_mistakes_look_alike(lesson, name, check, hidden, seed):
    """Else the check cannot tell which one a student made (the first one's hint is given)."""
    cases = check.cases(hidden, seed)
    answers = [_outcomes(check, observed(lesson, name, i, hidden, seed), cases)
               for i in range(len(check.mistakes))]
    for i in range(len(answers)):
        for j in range(i + 1, len(answers)):
            assert not _alike(check, answers[i], answers[j]), (i, j, check.mistakes[i].hint)


@pytest.mark.parametrize(("lesson", "name", "check", "index"),
                         params(MISTAKES))
def test_each_known_mistake_fails_with_exactly_its_own_hint(lesson, name, check, index):
    """Wherever it fails (every mistake fails at least its last run: hidden cases where they are
    tried, else public), it gets its own hint and no other."""
    hint = check.mistakes[index].hint
    verdicts = [judged(lesson, name, index, hidden, seed) for hidden, seed in _runs(check)]
    assert not verdicts[-1][0], verdicts[-1][1]
    for passed, message in verdicts:
        if not passed:
            assert hints(message) == [hint], message
            assert_readable(message)


@pytest.mark.parametrize(("lesson", "name", "check", "index"), params(MISTAKES))
def test_hidden_verdicts_while_grading_name_no_input(lesson, name, check, index):
    """``reveal=False``: a count and the hint, no input. (On the graph exercises, without the chain of
    100 000, which takes seconds, and with the public programs instead.)"""
    seed = SEEDS[1]
    cases = check.cases(hidden=True, seed=seed)
    if _on_programs(check):
        cases = cases[:-1] + check.cases()  # the chain of 100 000 is replaced by the public ones
        observations = core.observe(check, check.mistakes[index].implementation, cases)
        failures = core.judge(check, cases, observations)
        passed, message = not failures, core.report(check, failures, len(cases), "hidden", reveal=False)
    else:
        passed, message = judged(lesson, name, index, True, seed, reveal=False)
    assert not passed
    shown = "\n".join(line for line in message.splitlines() if not line.startswith("Hint: "))
    assert shown.startswith(f"`{name}` fails ")
    for case in cases:
        assert case.describe(name, check.params) not in shown
        for arg in case.args:
            assert not isinstance(arg, Program) or repr(arg) not in shown


def _scaled(value: Any, factor: float) -> Any:
    if isinstance(value, list | tuple):
        return type(value)(item * factor for item in value)
    return value * factor


def _shifted(value: Any, offset: float) -> Any:
    if isinstance(value, list | tuple):
        return type(value)(item + offset for item in value)
    return value + offset


FACTORS = st.one_of(st.floats(1.05, 1.9), st.floats(2.1, 5.0), st.floats(-5.0, -0.05)).filter(
    lambda k: all(abs(k - special) > 0.02 for special in (-2.0, -1.0, -0.5)))
"""Scale factors no known mistake makes (they double, halve or flip the sign)."""
OFFSETS = st.one_of(st.floats(0.05, 0.9), st.floats(1.1, 5.0), st.floats(-5.0, -1.1), st.floats(-0.9, -0.05))
"""Offsets away from ±1 (``dmodel_db``'s answer 1 less 1 is the mistake "b changes nothing")."""


@pytest.mark.parametrize(("lesson", "name", "check"), params(NUMERIC))
@settings(max_examples=10, deadline=None)
@given(how=st.one_of(FACTORS.map(lambda k: ("scaled", k)), OFFSETS.map(lambda c: ("shifted", c))))
def test_a_wrong_answer_no_mistake_explains_gets_no_hint(lesson, name, check, how):
    answer = correct(lesson, name)
    change = _scaled if how[0] == "scaled" else _shifted

    def wrong(*args: Any) -> Any:
        return change(answer(*args), how[1])

    passed, message = verdict(check, wrong)
    assert not passed
    assert hints(message) == [], message


# --- arguments changed in place ----------------------------------------------------------------------


def _mutable_position(check: Check) -> int | None:
    """The position of the first argument of the first public case that can be changed in place."""
    for i, arg in enumerate(check.public[0].args):
        if isinstance(arg, torch.Tensor | np.ndarray):
            return i
    return None


def _scribble(arg: Any) -> None:
    if isinstance(arg, torch.Tensor):
        with torch.no_grad():
            arg.add_(1.0)
    else:
        arg += 1.0


@pytest.mark.parametrize(("lesson", "name", "check"),
                         params([e for e in PLAIN if _mutable_position(e[2]) is not None]))
def test_a_function_changing_its_arguments_fails_unless_the_exercise_allows_it(lesson, name, check):
    answer, position = correct(lesson, name), _mutable_position(check)
    original = [fingerprint(case.args) for case in check.public]

    def scribbler(*args: Any) -> Any:
        result = answer(*args)
        if isinstance(args[position], torch.Tensor | np.ndarray):
            _scribble(args[position])
        return result

    passed, message = verdict(check, scribbler)
    assert [fingerprint(case.args) for case in check.public] == original, "the check's own cases changed"
    if getattr(check, "mutates_args", False):
        assert passed, message
    else:
        assert not passed and "in place" in message, message

