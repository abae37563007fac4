"""Checks as data: cases, a reference, a comparison, and the mistakes we know how to name.

A :class:`Check` describes an exercise without running anything: the public cases a student
sees, a generator of hidden cases, the reference implementation, how to turn a returned value
into plain numbers, how to compare, and :class:`Mistake` s — each a small implementation of a
typical wrong answer with the hint to give when a student's output matches it.

:func:`evaluate` runs a student's function over the cases and returns :class:`Failure` records;
:meth:`Check.__call__` (what a notebook's test cell calls) turns them into a ✓ line or an
``AssertionError`` whose message names the input, the expected and the returned value, and the
likely mistake.

A check runs in two halves, so that grading never trusts the student's interpreter:

- :meth:`Check.observe` runs the student's code (in the student's kernel — in a sandbox while
  grading) and returns *observations*: per case, the value returned, turned into plain numbers by
  ``coerce``, or the exception raised. Observations are plain data (:mod:`.wire`).
- :meth:`Check.verdict` runs in the grader: it draws the same cases again, computes the
  reference answers, compares, and names the likely mistake by running the known mistakes.

At the desk, :meth:`Check.__call__` simply does both in the notebook's kernel.
"""

from __future__ import annotations

import collections
import dataclasses
import math
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.random  # noqa: F401 - loaded with the checks: drawing hidden cases must not need to load it

from . import wire
from .answer_key import AnswerKeyUnavailable
from .coerce import CoercionError, as_float
from .running import CASE_TIME_LIMIT, TooSlow, old_objects_spared, quiet, run  # noqa: F401 - quiet: importable from here
from .text import fmt

Compare = Callable[[Any, Any], "str | None"]
"""``compare(expected, got)`` returns ``None`` when they agree, else a short description of how."""

RELATIVE_TOLERANCE = 1e-6
ABSOLUTE_TOLERANCE = 1e-9


def close_floats(expected: float, got: float) -> str | None:
    """Agree when ``|got − expected| ≤ max(rtol·|expected|, atol)`` (NaN and ±inf must match exactly)."""
    if math.isnan(expected) and math.isnan(got):
        return None
    if math.isclose(expected, got, rel_tol=RELATIVE_TOLERANCE, abs_tol=ABSOLUTE_TOLERANCE):
        return None
    return f"expected {fmt(expected)}, got {fmt(got)}"


def close_float_lists(expected: list[float], got: list[float]) -> str | None:
    """Same length, and every element agrees as in :func:`close_floats`."""
    if len(got) != len(expected):
        return f"expected {len(expected)} values, got {len(got)}"
    agree = np.isclose(got, expected, rtol=RELATIVE_TOLERANCE, atol=ABSOLUTE_TOLERANCE,
                       equal_nan=True)
    if agree.all():
        return None
    first = int(np.argmin(agree))
    return (f"element [{first}] differs: expected {fmt(expected[first])}, "
            f"got {fmt(got[first])} (expected {fmt(expected)}, got {fmt(got)})")


@dataclass(frozen=True)
class Case:
    """One call of the student's function: the positional arguments."""

    args: tuple[Any, ...]

    def describe(self, name: str, params: Sequence[str]) -> str:
        parts = [f"{p}={fmt(a)}" for p, a in zip(params, self.args, strict=True)]
        return f"{name}({', '.join(parts)})"


@dataclass(frozen=True)
class Mistake:
    """A typical wrong answer, as code, and what to tell a student whose output matches it."""

    hint: str
    implementation: Callable[..., Any]


@dataclass(frozen=True)
class Failure:
    """One case the student's function got wrong (or crashed on)."""

    call: str
    problem: str
    hint: str | None = None
    stopped: bool = False
    """True when evaluation stopped here (e.g. the function is not written yet)."""
    slow: bool = False
    """True when the case ran out of time (:data:`.running.CASE_TIME_LIMIT`)."""


def _seed(name: str) -> int:
    return zlib.crc32(name.encode("utf-8"))


def _identity(student: Any) -> Any:
    return student


def _as_is(args: tuple[Any, ...], value: Any) -> Any:
    return value


Observation = dict[str, Any]
"""One case's outcome, as plain data: ``{"value": …}`` (the coerced return value, wire-encoded;
with ``"printed": …`` when the check compares printed output), ``{"raised": "TypeError: …"}``,
``{"invalid": "expected a number, got a str"}``, ``{"slow": seconds}`` (stopped: out of time),
``{"skipped": …}`` (not run after a slow case); or, as the only item of the list,
``{"stop": "not written"}`` / ``{"stop": "not callable", "what": …}``."""


@dataclass(frozen=True)
class Check:
    """An exercise's check, as data (see the module docstring).

    The student's object (and every mistake's implementation, written as student code) goes
    through ``adapt`` — a function of the case's arguments — then ``coerce`` (plain numbers,
    computed where the student's code ran), then ``interpret`` (in the grader; e.g. node indices
    back into a graph) before ``compare``. ``reference`` is already a function of the case's
    arguments; its answer goes through ``coerce`` and ``interpret`` too.
    """

    name: str
    params: tuple[str, ...]
    reference: Callable[..., Any]
    public: tuple[Case, ...]
    hidden: Callable[[np.random.Generator], Sequence[Case]]
    mistakes: tuple[Mistake, ...] = ()
    coerce: Callable[[Any], Any] = as_float
    compare: Compare = close_floats
    what: str = field(default="function")
    adapt: Callable[[Any], Callable[..., Any]] = _identity
    interpret: Callable[[tuple[Any, ...], Any], Any] = _as_is
    output: Compare | None = None
    """``output(reference_printed, student_printed)``: when set, what the function prints is part
    of the exercise, compared once the returned value is right."""
    mutates_args: bool = False
    """Whether the exercise may change its arguments in place (else doing so fails the case)."""
    time_limit: float = CASE_TIME_LIMIT
    """Seconds one case may take where the student's code runs."""
    returns: Callable[[Any], str | None] | None = None
    """``returns(value)``: what is wrong with the *kind* of value returned (``None``: nothing), judged
    where the student's code runs, before ``coerce`` (e.g. a list where the next exercise needs a
    tensor)."""

    def cases(self, hidden: bool = False, seed: int | None = None) -> list[Case]:
        """The public cases, or the hidden ones: drawn from a generator seeded by the check's name,
        mixed with ``seed`` when given (the grader draws a secret one per submission)."""
        if not hidden:
            return list(self.public)
        entropy = _seed(self.name) if seed is None else [_seed(self.name), int(seed)]
        return list(self.hidden(np.random.default_rng(entropy)))

    def observe(self, student: Any, hidden: bool = False, seed: int | None = None) -> list[Observation]:
        """Run ``student`` on the cases; what it returned, as plain data (runs student code)."""
        return observe(self, student, self.cases(hidden, seed))

    def verdict(self, observations: Any, hidden: bool = False, seed: int | None = None,
                reveal: bool = True) -> tuple[bool, str]:
        """``(passed, message)`` for ``observations`` (trusted: never runs student code). With
        ``reveal=False`` the message names no input (hidden cases while grading)."""
        cases = self.cases(hidden, seed)
        failures = judge(self, cases, observations)
        kind = "hidden" if hidden else "public"
        if failures:
            return False, report(self, failures, len(cases), kind, reveal)
        if len(cases) == 1:
            return True, f"✓ {self.name} passes its {kind} case."
        return True, f"✓ {self.name} passes all {len(cases)} {kind} cases."

    def __call__(self, student: Any, hidden: bool = False) -> None:
        """Run the cases; print a ✓ line, or raise ``AssertionError`` with a diagnostic message."""
        passed, message = self.verdict(self.observe(student, hidden), hidden)
        if not passed:
            raise AssertionError(message)
        print(message)


def _own_code(student: Any) -> set[Any]:
    """The code objects of the student's function, or of its class's methods."""
    members = vars(student).values() if isinstance(student, type) else [student]
    return {getattr(member, "__code__", None) for member in members} - {None}


def _unwritten_elsewhere(check: Check, exc: NotImplementedError, own: set[Any]) -> str | None:
    """The function whose stub raised ``exc``, when it is not the exercise itself (nor a method of
    the exercise's class): the student re-ran an earlier exercise's stub cell, say."""
    frame = exc.__traceback__
    while frame is not None and frame.tb_next is not None:
        frame = frame.tb_next
    if frame is None:
        return None
    code = frame.tb_frame.f_code
    mine = code in own or code.co_name == check.name or code.co_qualname.startswith(f"{check.name}.")
    return None if mine or "course_lib" in code.co_filename else code.co_name


def _changed(change: str) -> str:
    return (f"it changed its argument {change} in place, and the caller sees that change too. Leave "
            "the arguments as they are: work on a copy, or build new values (an element shifted and "
            "shifted back can keep a rounding error)")


def _observe_case(check: Check, function: Callable[..., Any], case: Case,
                  own: frozenset[Any] = frozenset(), limit: float | None = None) -> Observation:
    try:
        ran = run(function, case.args, check.params, limit)
    except TooSlow:
        return {"slow": limit}
    except NotImplementedError as exc:
        elsewhere = _unwritten_elsewhere(check, exc, own)
        if elsewhere is None:
            raise
        return {"raised": f"NotImplementedError: it calls `{elsewhere}`, which is not written yet (or "
                          f"its cell was run again with the stub: run your `{elsewhere}` cell)"}
    except Exception as exc:  # noqa: BLE001 - any error in student code is a failed case
        return {"raised": f"{type(exc).__name__}: {exc}"}
    kind = check.returns(ran.value) if check.returns is not None else None
    try:
        if kind is not None:
            raise CoercionError(kind)
        observation: Observation = {"value": wire.encode(check.coerce(ran.value))}
    except (CoercionError, wire.WireError) as exc:
        observation = {"invalid": str(exc)}
    except Exception as exc:  # noqa: BLE001 - a returned object that breaks while being read
        observation = {"invalid": f"the value returned cannot be read ({type(exc).__name__}: {exc})"}
    if ran.changed is not None and not check.mutates_args:
        observation["changed"] = ran.changed
    if check.output is not None:
        observation["printed"] = ran.printed
    return observation


def _observe_all(check: Check, function: Callable[..., Any], cases: Sequence[Case],
                 own: frozenset[Any]) -> list[Observation]:
    observations: list[Observation] = []
    for case in cases:
        if observations and observations[-1].keys() & {"slow", "skipped"}:
            observations.append({"skipped": "an earlier case ran out of time"})
        else:
            observations.append(_observe_case(check, function, case, own, check.time_limit))
    return observations


def observe(check: Check, student: Any, cases: Sequence[Case]) -> list[Observation]:
    """Observations of ``student`` on ``cases`` (see :data:`Observation`); runs student code."""
    with old_objects_spared():
        return _observe(check, student, cases)


def _observe(check: Check, student: Any, cases: Sequence[Case]) -> list[Observation]:
    if not callable(student):
        return [{"stop": "not callable", "what": fmt(student)}]
    try:
        function = check.adapt(student)
        return _observe_all(check, function, cases, frozenset(_own_code(student)))
    except NotImplementedError:
        return [{"stop": "not written"}]
    except AnswerKeyUnavailable as exc:  # adapt refused the course's own answer
        return [{"stop": "answer key", "what": str(exc)}]


_RAISED = object()
"""A case's outcome when the code raised (for matching mistakes against a student)."""


def _outcome(check: Check, case: Case, observation: Any) -> tuple[Any, str | None]:
    """The comparable value an observation stands for, or why there is none."""
    if not isinstance(observation, dict):
        return None, "no result"
    if "raised" in observation:
        return _RAISED, f"raised {observation['raised']}"
    if "slow" in observation:
        return None, (f"too slow: stopped after {as_float(observation['slow']):g} s (a correct answer "
                      "takes well under a second here)")
    if "skipped" in observation:
        return None, "not run: an earlier case ran out of time"
    if "invalid" in observation:
        return None, str(observation["invalid"])
    try:
        value = check.coerce(wire.decode(observation.get("value")))
        return check.interpret(case.args, value), None
    except (CoercionError, wire.WireError) as exc:
        return None, str(exc)
    except (ArithmeticError, ValueError, TypeError) as exc:  # e.g. an integer too large for a float
        return None, f"the value returned cannot be read ({type(exc).__name__}: {exc})"


_EXPECTED: collections.OrderedDict[tuple, tuple[Check, tuple[Any, str]]] = collections.OrderedDict()
"""The reference's answers on cases given as plain values or programs, which the grader meets again
for each student (the public cases, the large chains of the hidden ones); each kept with its check,
the least recently used dropped first."""
_EXPECTED_SIZE = 512


def _exact(arg: Any) -> bool:
    """Whether ``repr(arg)`` tells ``arg`` apart from every other argument: a number, a string, or a
    frozen dataclass of them (a program). Not so for arrays and tensors (``repr`` elides them)."""
    if isinstance(arg, int | float | str):
        return True
    return dataclasses.is_dataclass(arg) and arg.__dataclass_params__.frozen and not isinstance(arg, type)


def _expected(check: Check, case: Case) -> tuple[Any, str]:
    """The reference's answer on ``case`` (coerced and interpreted) and what it printed; kept when
    the case can be told apart exactly (``repr`` keeps -0.0 apart from 0.0, and 1 from 1.0)."""
    key = (id(check), tuple((type(a), repr(a)) for a in case.args)) if all(map(_exact, case.args)) else None
    if key is not None and key in _EXPECTED and _EXPECTED[key][0] is check:
        _EXPECTED.move_to_end(key)
        return _EXPECTED[key][1]
    ran = run(check.reference, case.args)
    answer = check.interpret(case.args, check.coerce(ran.value)), ran.printed
    if key is not None:
        _EXPECTED[key] = (check, answer)
        if len(_EXPECTED) > _EXPECTED_SIZE:
            _EXPECTED.popitem(last=False)
    return answer


def _explains(check: Check, function: Callable[..., Any], case: Case, got: Any) -> bool:
    """Whether ``function`` (a mistake, adapted) does on ``case`` what the student did: raise, or
    return a value that ``compare`` finds equal to ``got`` (it gets the mistake's answer where it
    usually gets the reference's)."""
    try:
        observation = _observe_case(check, function, case)
        wrong, problem = _outcome(check, case, observation)
    except Exception:  # noqa: BLE001 - a mistake that cannot run on this case explains nothing
        return False
    if wrong is _RAISED or got is _RAISED:
        return wrong is got
    return problem is None and check.compare(wrong, got) is None


def diagnose(check: Check, answers: Sequence[tuple[Case, Any]]) -> str | None:
    """The hint of the known mistake that does what the student did on *every* case, or ``None``.

    ``answers`` pairs each case with the student's outcome (a value, or :data:`_RAISED`), failed
    cases first. A mistake that reproduces only some of them explains nothing: a hint is given
    only when it is the explanation (with input 0.5, say, many wrong formulas coincide on a case).
    """
    for mistake in check.mistakes:
        try:
            function = check.adapt(mistake.implementation)
        except Exception:  # noqa: BLE001 - cannot be adapted: explains nothing
            continue
        if all(_explains(check, function, case, got) for case, got in answers):
            return mistake.hint
    return None


def _side_effects(check: Check, observation: Any, printed: str | None) -> str | None:
    """What is wrong besides the value: an argument changed in place, or (given the reference's
    ``printed`` text) what the function printed."""
    if not isinstance(observation, dict):
        return None
    if "changed" in observation:
        return _changed(str(observation["changed"]))
    if printed is not None and check.output is not None:
        return check.output(printed, str(observation.get("printed", "")))
    return None


def _stop_failure(check: Check, stop: dict[str, Any]) -> Failure:
    if stop["stop"] == "not written":
        return Failure(f"`{check.name}`", "is not written yet",
                       "replace `raise NotImplementedError()` with your code.", stopped=True)
    if stop["stop"] == "answer key":
        return Failure(f"`{check.name}`", f"cannot be graded: {stop.get('what', '')}", stopped=True)
    return Failure(f"`{check.name}`", f"is {stop.get('what', 'missing')}, not a {check.what}", stopped=True)


def judge(check: Check, cases: Sequence[Case], observations: Any) -> list[Failure]:
    """Every case on which the observed answers disagree with ``check.reference`` (or, when the
    check compares output, print something else); the first failure carries the hint of the known
    mistake that explains every case, if one does. Trusted: runs the reference and the mistakes,
    never student code."""
    with old_objects_spared():
        return _judge(check, cases, observations)


def _judge(check: Check, cases: Sequence[Case], observations: Any) -> list[Failure]:
    if not isinstance(observations, list):
        observations = []
    if len(observations) == 1 and isinstance(observations[0], dict) and "stop" in observations[0]:
        return [_stop_failure(check, observations[0])]
    if len(observations) != len(cases):
        return [Failure(f"`{check.name}`", "could not be run on every case "
                        f"({len(observations)} results for {len(cases)} cases)", stopped=True)]
    failures: list[Failure] = []
    failed: list[tuple[Case, Any]] = []
    passed: list[tuple[Case, Any]] = []
    explainable, first_wrong = True, 0
    for case, observation in zip(cases, observations, strict=True):
        call = case.describe(check.name, check.params)
        got, problem = _outcome(check, case, observation)
        if problem is None:
            expected, printed = _expected(check, case)
            problem = check.compare(expected, got)
            if problem is None:
                passed.append((case, got))
                problem = _side_effects(check, observation, printed)  # the value is right: the rest?
                if problem is not None:
                    failures.append(Failure(call, problem))
                continue
        else:
            explainable &= got is _RAISED
        changed = _side_effects(check, observation, None)
        slow = isinstance(observation, dict) and bool(observation.keys() & {"slow", "skipped"})
        if not failed:
            first_wrong = len(failures)
        failures.append(Failure(call, problem if changed is None else f"{problem}; and {changed}", slow=slow))
        failed.append((case, got))
    hint = diagnose(check, failed + passed) if failed and explainable else None
    if hint is not None:
        failures[first_wrong] = Failure(failures[first_wrong].call, failures[first_wrong].problem, hint)
    return failures


def evaluate(check: Check, student: Callable[..., Any], cases: Sequence[Case]) -> list[Failure]:
    """:func:`judge` of :func:`observe`: the failures of ``student`` on ``cases``, in one process."""
    return judge(check, cases, observe(check, student, cases))


def report(check: Check, failures: Sequence[Failure], n_cases: int, kind: str, reveal: bool = True) -> str:
    """The message a student reads: the first failure, its hint, and how many cases failed. With
    ``reveal=False`` no input is named: only the count and the hint (or the stop reason)."""
    first = failures[0]
    hinted = next((f for f in failures if f.hint), None)
    separator = " " if first.stopped else ": "
    if first.stopped or reveal:
        lines = [f"{first.call}{separator}{first.problem}."]
    else:
        lines = [f"`{check.name}` fails {len(failures)} of {n_cases} {kind} cases."]
        if any(f.slow for f in failures):
            lines.append(f"It is too slow on a large case: it was stopped after {check.time_limit:g} s "
                         "(a correct answer takes well under a second).")
    if hinted is not None:
        if hinted is not first and reveal:
            lines.append(f"On {hinted.call}: {hinted.problem}.")
        lines.append(f"Hint: {hinted.hint}")
    if n_cases > 1 and not first.stopped and reveal:
        lines.append(f"({len(failures)} of {n_cases} {kind} cases fail.)")
    return "\n".join(lines)
