"""Running one case of a student's function: quietly, on a copy of its arguments, within a time limit.

What the caller of the student's function would see is kept: the value returned, what the
function printed, and whether it changed an argument in place (a function given ``params`` must
not change the caller's tensor unless its exercise says so).
"""

from __future__ import annotations

import contextlib
import copy
import gc
import io
import math
import signal
import sys
import threading
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

CASE_TIME_LIMIT = 10.0
"""Seconds one case may take. Every case of the course runs in well under a second with a correct
answer; a case still running after this long is stopped and reported as too slow, at the desk as
in grading (where a cell has 30 s)."""

PRINTED_LIMIT = 20_000
"""Characters of a function's printed output that are kept for the check."""


class TooSlow(BaseException):  # noqa: N818 - reads as what happened
    """Raised inside the student's code when a case runs out of time. A ``BaseException``, so that
    an ``except Exception`` in the student's code does not swallow it."""


@contextlib.contextmanager
def old_objects_spared() -> Iterator[None]:
    """Keep the objects that exist when the block starts out of the cyclic garbage collector's
    walks until it ends (``gc.freeze``; ``gc.unfreeze`` hands them back, so nothing is kept alive).

    A kernel that has imported torch and matplotlib holds a few hundred thousand objects, and each
    full collection walks all of them; building a graph of 100 000 nodes sets off collection after
    collection. Measured on lesson 04's ``topological_order`` check in such a process: its public
    cases took 2.0 s, 0.7 s with this; its hidden ones 3.3 s, 1.6 s. Where objects are frozen
    already (the grading kernel freezes its libraries once they are imported; an outer block),
    nothing is done: the student's objects stay collectable, and the outer freeze stays."""
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


@dataclass(frozen=True)
class Run:
    """What one call left behind: its value, its printed text, and the first argument it changed
    (``"`name` (before the call: …; after it: …)"``)."""

    value: Any
    printed: str
    changed: str | None


@contextlib.contextmanager
def quiet() -> Iterator[io.StringIO]:
    """Silence warnings, numpy floating-point chatter, stdout and stderr while a function runs (any
    stderr in a test cell scores 0, and debugging prints would bury the verdict). Yields the
    captured stdout."""
    printed = io.StringIO()
    with warnings.catch_warnings(), np.errstate(all="ignore"), \
            contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(printed):
        warnings.simplefilter("ignore")
        yield printed


def _raise_too_slow(signum: int, frame: Any) -> None:
    # Fire again soon: a bare `except:` in the student's code may have swallowed the first one.
    signal.setitimer(signal.ITIMER_REAL, 0.05)
    raise TooSlow()


@contextlib.contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise :class:`TooSlow` in the running code after ``seconds`` (SIGALRM; only possible in the
    main thread — elsewhere, and with ``None``, there is no limit)."""
    if seconds is None or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGALRM, _raise_too_slow)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def unchanged(before: Any, after: Any) -> bool:
    """Whether ``after`` (an argument after the call) still equals ``before`` (a copy made before
    it): same type, shape, dtype and values, NaN equal to NaN. Objects of other kinds are not
    judged (``True``)."""
    torch = sys.modules.get("torch")  # never import torch just to compare arguments
    if torch is not None and isinstance(before, torch.Tensor):
        return (isinstance(after, torch.Tensor) and before.shape == after.shape
                and before.dtype == after.dtype and bool(torch.equal(before.isnan(), after.isnan()))
                and bool(torch.equal(before.nan_to_num(), after.nan_to_num())))
    if isinstance(before, np.ndarray):
        return (isinstance(after, np.ndarray) and before.shape == after.shape
                and before.dtype == after.dtype and _same_array(before, after))
    if isinstance(before, list | tuple):
        return (type(after) is type(before) and len(after) == len(before)
                and all(unchanged(b, a) for b, a in zip(before, after, strict=True)))
    if isinstance(before, dict):
        return (isinstance(after, dict) and before.keys() == after.keys()
                and all(unchanged(before[k], after[k]) for k in before))
    if isinstance(before, float) and math.isnan(before):
        return isinstance(after, float) and math.isnan(after)
    if isinstance(before, int | float | str | bool | type(None)):
        return type(after) is type(before) and after == before
    return True


def _same_array(before: np.ndarray, after: np.ndarray) -> bool:
    try:
        return bool(np.array_equal(before, after, equal_nan=True))
    except TypeError:  # equal_nan on a dtype without NaN
        return bool(np.array_equal(before, after))


def run(function: Callable[..., Any], args: tuple[Any, ...], params: Sequence[str] = (),
        limit: float | None = None) -> Run:
    """Call ``function`` quietly on a deep copy of ``args`` (so that it cannot change what the
    reference or the next call sees), within ``limit`` seconds; see :class:`Run`."""
    given = copy.deepcopy(args)
    with quiet() as printed, time_limit(limit):
        value = function(*given)
    changed = next((_change(params[i] if i < len(params) else f"argument {i + 1}", before, after)
                    for i, (before, after) in enumerate(zip(args, given, strict=True))
                    if not unchanged(before, after)), None)
    return Run(value, printed.getvalue()[:PRINTED_LIMIT], changed)


def _shown(value: Any) -> str:
    """``value`` with every digit (a change may be a rounding error), cut short if long."""
    try:
        text = repr(value.tolist()) if hasattr(value, "tolist") else repr(value)
    except Exception:  # noqa: BLE001 - an argument that cannot be shown
        text = f"a {type(value).__name__}"
    return text if len(text) <= 120 else text[:117] + "…"


def _change(name: str, before: Any, after: Any) -> str:
    return f"`{name}` (before the call: {_shown(before)}; after it: {_shown(after)})"
