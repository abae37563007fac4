"""Records: what a student's function *did*, as plain data a check can compare.

Exercises whose answer is a side effect (a model trained, a graph built, an optimizer stepped)
are checked through an ``adapt`` that runs the student's function on objects made fresh for the
call and returns a *record*: a dict of numbers, strings, booleans and lists. An error raised is
part of the record too (:func:`recorded`): PyTorch's errors say what the code did, so a loop
that steps inside the graph fails with the same message as the mistake that does so.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .answer_key import AnswerKeyUnavailable
from .coerce import CoercionError, as_array
from .text import fmt

RTOL, ATOL = 1e-5, 1e-6
"""How close two lists of trained numbers must be (float32 arithmetic, summed in any order)."""


def error_text(exc: Exception) -> str:
    """An error as a record holds it: its type and the first line of its message."""
    first = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {first}".rstrip(": .")


def kind(value: Any) -> str:
    """``a float``, ``a list``… for a message about what was returned."""
    forgot = " (did you forget `return`?)" if value is None else ""
    return f"a {type(value).__name__}{forgot}"


def recorded(run: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """``run()``'s record, or the error it raised as one (a stub and the answer key still stop)."""
    try:
        return run()
    except (NotImplementedError, AnswerKeyUnavailable):
        raise
    except Exception as exc:  # noqa: BLE001 - the error is what the student's code did
        return {"error": error_text(exc)}


def close(expected: list[float], got: list[float], what: str) -> str | None:
    """``None`` if ``got`` has as many values as ``expected`` and each is close (:data:`RTOL`,
    :data:`ATOL`), else a sentence saying how they differ."""
    if len(expected) != len(got):
        return f"expected {what} of {len(expected)} values, got {len(got)}"
    agree = np.isclose(got, expected, rtol=RTOL, atol=ATOL, equal_nan=True)
    if agree.all():
        return None
    return f"expected {what} {fmt(expected)}, got {fmt(got)}"


def record_coercer(lists: tuple[str, ...] = (), flags: tuple[str, ...] = (), counts: tuple[str, ...] = (),
                   numbers: tuple[str, ...] = ()) -> Callable[[Any], dict[str, Any]]:
    """A check's ``coerce`` for records: the keys in ``lists`` become lists of floats, those in
    ``flags`` booleans, ``counts`` ints, ``numbers`` floats, and any other key a string."""
    def coerce(value: Any) -> dict[str, Any]:
        if type(value) is not dict:
            raise CoercionError(f"expected a record, got {kind(value)}")
        record: dict[str, Any] = {}
        for key, item in value.items():
            if key in lists:
                record[key] = [float(x) for x in as_array(item).ravel()]
            elif key in flags:
                record[key] = bool(item)
            elif key in counts:
                record[key] = int(item)
            elif key in numbers:
                record[key] = float(item)
            else:
                record[key] = str(item)
        return record
    return coerce


def settled(expected: dict[str, Any], got: dict[str, Any]) -> tuple[bool, str | None]:
    """``(True, problem)`` when either record holds an error or a wrong kind of value returned
    (``"error"`` / ``"returned"``): ``problem`` is ``None`` if both hold the same one. Else
    ``(False, None)``: the records' values are to be compared. (A mistake's record may hold them
    as well as the student's.)"""
    for key in ("error", "returned"):
        if key in expected or key in got:
            if expected.get(key) == got.get(key):
                return True, None
            if key not in got:
                return True, f"expected {expected[key]}" if key == "error" else "returned the expected kind"
            return True, f"raised {got[key]}" if key == "error" else str(got[key])
    return False, None
