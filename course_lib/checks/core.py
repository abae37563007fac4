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

import contextlib
import copy
import io
import math
import warnings
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import wire
from .answer_key import AnswerKeyUnavailable
from .coerce import CoercionError, as_float
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


def _seed(name: str) -> int:
    return zlib.crc32(name.encode("utf-8"))


@contextlib.contextmanager
def quiet():
    """Silence warnings, numpy floating-point chatter, stdout and stderr while a function runs:
    any stderr in a test cell scores 0, and a student's debugging prints would bury the verdict."""
    with warnings.catch_warnings(), np.errstate(all="ignore"), \
            contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        yield


def _identity(student: Any) -> Any:
    return student


def _as_is(args: tuple[Any, ...], value: Any) -> Any:
    return value


Observation = dict[str, Any]
"""One case's outcome, as plain data: ``{"value": …}`` (the coerced return value, wire-encoded),
``{"raised": "TypeError: …"}``, ``{"invalid": "expected a number, got a str"}``; or, as the only
item of the list, ``{"stop": "not written"}`` / ``{"stop": "not callable", "what": …}``."""


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
        return True, f"✓ {self.name} passes all {len(cases)} {kind} cases."

    def __call__(self, student: Any, hidden: bool = False) -> None:
        """Run the cases; print a ✓ line, or raise ``AssertionError`` with a diagnostic message."""
        passed, message = self.verdict(self.observe(student, hidden), hidden)
        if not passed:
            raise AssertionError(message)
        print(message)


def _run(function: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    """Call ``function`` quietly on a deep copy of ``args``: a function that changes its arguments
    in place cannot change what the reference or the next call sees."""
    args = copy.deepcopy(args)
    with quiet():
        return function(*args)


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


def _observe_case(check: Check, function: Callable[..., Any], case: Case,
                  own: frozenset[Any] = frozenset()) -> Observation:
    try:
        raw = _run(function, case.args)
    except NotImplementedError as exc:
        elsewhere = _unwritten_elsewhere(check, exc, own)
        if elsewhere is None:
            raise
        return {"raised": f"NotImplementedError: it calls `{elsewhere}`, which is not written yet"}
    except Exception as exc:  # noqa: BLE001 - any error in student code is a failed case
        return {"raised": f"{type(exc).__name__}: {exc}"}
    try:
        return {"value": wire.encode(check.coerce(raw))}
    except (CoercionError, wire.WireError) as exc:
        return {"invalid": str(exc)}


def observe(check: Check, student: Any, cases: Sequence[Case]) -> list[Observation]:
    """Observations of ``student`` on ``cases`` (see :data:`Observation`); runs student code."""
    if not callable(student):
        return [{"stop": "not callable", "what": fmt(student)}]
    try:
        function = check.adapt(student)
        own = frozenset(_own_code(student))
        return [_observe_case(check, function, case, own) for case in cases]
    except NotImplementedError:
        return [{"stop": "not written"}]
    except AnswerKeyUnavailable as exc:  # adapt refused the course's own answer
        return [{"stop": "answer key", "what": str(exc)}]


def _outcome(check: Check, case: Case, observation: Any) -> tuple[Any, str | None]:
    """The comparable value an observation stands for, or why there is none."""
    if not isinstance(observation, dict):
        return None, "no result"
    if "raised" in observation:
        return None, f"raised {observation['raised']}"
    if "invalid" in observation:
        return None, str(observation["invalid"])
    try:
        value = check.coerce(wire.decode(observation.get("value")))
        return check.interpret(case.args, value), None
    except (CoercionError, wire.WireError) as exc:
        return None, str(exc)
    except (ArithmeticError, ValueError, TypeError) as exc:  # e.g. an integer too large for a float
        return None, f"the value returned cannot be read ({type(exc).__name__}: {exc})"


def _expected(check: Check, case: Case) -> Any:
    return check.interpret(case.args, check.coerce(_run(check.reference, case.args)))


def _mistake_answer(check: Check, mistake: Mistake, case: Case) -> Any:
    """What ``mistake`` (student code) answers on ``case``; raises if it cannot run there."""
    observation = _observe_case(check, check.adapt(mistake.implementation), case)
    value, problem = _outcome(check, case, observation)
    if problem is not None:
        raise ValueError(problem)
    return value


def _matches(check: Check, mistake: Mistake, case: Case, expected: Any, got: Any) -> bool:
    """Whether ``mistake`` is wrong on ``case`` (where the answer is ``expected``) and reproduces the
    student's ``got`` there. ``compare`` gets the mistake's answer where it usually gets the reference's."""
    try:
        wrong = _mistake_answer(check, mistake, case)
    except Exception:  # noqa: BLE001 - a mistake that cannot run on this case matches nothing
        return False
    return check.compare(expected, wrong) is not None and check.compare(wrong, got) is None


def diagnose(check: Check, wrong_answers: Sequence[tuple[Case, Any, Any]]) -> str | None:
    """The hint of the known mistake that reproduces the most of the student's wrong answers.

    Counting over every failed case matters: on one case two mistakes can give the same number
    (with input 0.5, forgetting the input and doubling the step coincide).
    """
    best, best_count = None, 0
    for mistake in check.mistakes:
        count = sum(_matches(check, mistake, case, expected, got) for case, expected, got in wrong_answers)
        if count > best_count:
            best, best_count = mistake, count
    return best.hint if best is not None else None


def judge(check: Check, cases: Sequence[Case], observations: Any) -> list[Failure]:
    """Every case on which the observed answers disagree with ``check.reference``; the first failure
    of a wrong value carries the hint of the mistake that explains most of them. Trusted: runs
    the reference and the mistakes, never student code."""
    if not isinstance(observations, list):
        observations = []
    if len(observations) == 1 and isinstance(observations[0], dict) and "stop" in observations[0]:
        stop = observations[0]
        if stop["stop"] == "not written":
            return [Failure(f"`{check.name}`", "is not written yet",
                            "replace `raise NotImplementedError()` with your code.", stopped=True)]
        if stop["stop"] == "answer key":
            return [Failure(f"`{check.name}`", f"cannot be graded: {stop.get('what', '')}", stopped=True)]
        return [Failure(f"`{check.name}`", f"is {stop.get('what', 'missing')}, not a {check.what}",
                        stopped=True)]
    if len(observations) != len(cases):
        return [Failure(f"`{check.name}`", "could not be run on every case "
                        f"({len(observations)} results for {len(cases)} cases)", stopped=True)]
    failures = []
    wrong_answers = []
    for case, observation in zip(cases, observations, strict=True):
        call = case.describe(check.name, check.params)
        got, problem = _outcome(check, case, observation)
        if problem is not None:
            failures.append(Failure(call, problem))
            continue
        expected = _expected(check, case)
        problem = check.compare(expected, got)
        if problem is not None:
            failures.append(Failure(call, problem))
            wrong_answers.append((case, expected, got))
    hint = diagnose(check, wrong_answers)
    if hint is not None:
        first_wrong = wrong_answers[0][0].describe(check.name, check.params)
        failures = [Failure(f.call, f.problem, hint) if f.call == first_wrong else f for f in failures]
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
    if hinted is not None:
        if hinted is not first and reveal:
            lines.append(f"On {hinted.call}: {hinted.problem}.")
        lines.append(f"Hint: {hinted.hint}")
    if n_cases > 1 and not first.stopped and reveal:
        lines.append(f"({len(failures)} of {n_cases} {kind} cases fail.)")
    return "\n".join(lines)
