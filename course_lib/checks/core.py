"""Checks as data: cases, a reference, a comparison, and the mistakes we know how to name.

A :class:`Check` describes an exercise without running anything: the public cases a student
sees, a generator of hidden cases, the reference implementation, how to turn a returned value
into plain numbers, how to compare, and :class:`Mistake` s — each a small implementation of a
typical wrong answer with the hint to give when a student's output matches it.

:func:`evaluate` runs a student's function over the cases and returns :class:`Failure` records;
:meth:`Check.__call__` (what a notebook's test cell calls) turns them into a ✓ line or an
``AssertionError`` whose message names the input, the expected and the returned value, and the
likely mistake. Because a check is data, the hidden cases can also be run by a separate grader
process, away from anything the student's kernel may have rebound.
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


@dataclass(frozen=True)
class Check:
    """An exercise's check, as data (see the module docstring)."""

    name: str
    params: tuple[str, ...]
    reference: Callable[..., Any]
    public: tuple[Case, ...]
    hidden: Callable[[np.random.Generator], Sequence[Case]]
    mistakes: tuple[Mistake, ...] = ()
    coerce: Callable[[Any], Any] = as_float
    compare: Compare = close_floats
    what: str = field(default="function")

    def cases(self, hidden: bool = False) -> list[Case]:
        """The public cases, or the hidden ones (drawn from a generator seeded by the check's name)."""
        if hidden:
            return list(self.hidden(np.random.default_rng(_seed(self.name))))
        return list(self.public)

    def __call__(self, student: Callable[..., Any], hidden: bool = False) -> None:
        """Run the cases; print a ✓ line, or raise ``AssertionError`` with a diagnostic message."""
        cases = self.cases(hidden)
        failures = evaluate(self, student, cases)
        kind = "hidden" if hidden else "public"
        if failures:
            raise AssertionError(report(self, failures, len(cases), kind))
        print(f"✓ {self.name} passes all {len(cases)} {kind} cases.")


def _run(function: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    """Call ``function`` quietly on a deep copy of ``args``: a function that changes its arguments
    in place cannot change what the reference or the next call sees."""
    args = copy.deepcopy(args)
    with quiet():
        return function(*args)


def _matches(check: Check, mistake: Mistake, case: Case, expected: Any, got: Any) -> bool:
    """Whether ``mistake`` is wrong on ``case`` (where the answer is ``expected``) and reproduces the
    student's ``got`` there. ``compare`` gets the mistake's answer where it usually gets the reference's."""
    try:
        wrong = check.coerce(_run(mistake.implementation, case.args))
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


def evaluate(check: Check, student: Callable[..., Any], cases: Sequence[Case]) -> list[Failure]:
    """Every case on which ``student`` disagrees with ``check.reference``; the first failure of a
    wrong value carries the hint of the mistake that explains most of them."""
    if not callable(student):
        return [Failure(f"`{check.name}`", f"is {fmt(student)}, not a {check.what}", stopped=True)]
    failures = []
    wrong_answers = []
    for case in cases:
        call = case.describe(check.name, check.params)
        try:
            raw = _run(student, case.args)
        except NotImplementedError:
            return [Failure(f"`{check.name}`", "is not written yet",
                            "replace `raise NotImplementedError()` with your code.", stopped=True)]
        except Exception as exc:  # noqa: BLE001 - any error in student code is a failed case
            failures.append(Failure(call, f"raised {type(exc).__name__}: {exc}"))
            continue
        try:
            got = check.coerce(raw)
        except CoercionError as exc:
            failures.append(Failure(call, str(exc)))
            continue
        expected = check.coerce(_run(check.reference, case.args))
        problem = check.compare(expected, got)
        if problem is not None:
            failures.append(Failure(call, problem))
            wrong_answers.append((case, expected, got))
    hint = diagnose(check, wrong_answers)
    if hint is not None:
        first_wrong = wrong_answers[0][0].describe(check.name, check.params)
        failures = [Failure(f.call, f.problem, hint) if f.call == first_wrong else f for f in failures]
    return failures


def report(check: Check, failures: Sequence[Failure], n_cases: int, kind: str) -> str:
    """The message a student reads: the first failure, its hint, and how many cases failed."""
    first = failures[0]
    hinted = next((f for f in failures if f.hint), None)
    separator = " " if first.stopped else ": "
    lines = [f"{first.call}{separator}{first.problem}."]
    if hinted is not None:
        if hinted is not first:
            lines.append(f"On {hinted.call}: {hinted.problem}.")
        lines.append(f"Hint: {hinted.hint}")
    if n_cases > 1 and not first.stopped:
        lines.append(f"({len(failures)} of {n_cases} {kind} cases fail.)")
    return "\n".join(lines)
