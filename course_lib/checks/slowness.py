"""Too slow on a large graph: found by measuring, before the large case runs, and explained only
by what was seen.

A graph walk should take time in proportion to the graph. One that searches a list for every node
(``node in visited`` with ``visited`` a list) takes time in proportion to the *square* of it: a
fraction of a second on the public chains of 10 000 operations, minutes on one of 100 000.
Before a large chain runs, :func:`too_slow` times the answer on three smaller chains, 1 250,
2 500 and 5 000 operations long. When the time grows about four-fold per doubling over the
whole span (one doubling measured on a busy machine is not a trend), and the trend puts the large
chain beyond :data:`SLOW_SECONDS`, the case fails at once with the measurements, instead of running out the
time of the whole check. :func:`membership_lists` then looks for the usual cause, an ``in`` test
on a long list, in the code that ran; the sentence suggests it only when it was seen.
"""

from __future__ import annotations

import collections
import dis
import functools
import gc
import math
import re
import sys
import time
import types
from collections.abc import Callable
from typing import Any

from .programs import Program, chain

LARGE = 5_000
"""Chains with more operations than this are measured first."""
PROBES = (1_250, 2_500, 5_000)
"""The lengths of the chains timed before a large one."""
SLOW_SECONDS = 1.0
"""A case whose time the trend puts beyond this is too slow (a linear answer takes well under 1 s)."""
_NOISE = 0.01
"""Seconds on the shorter probe below which an answer is fast whatever its trend."""
_SUPERLINEAR = 2.8
"""Time ratio for twice the nodes beyond which the time grows faster than the graph (linear: 2)."""
_LONG_LIST = 100


def operations(program: Program) -> int:
    """How many operations a chain program repeats (``for _ in range(n)``); 0 for other programs."""
    found = re.search(r"range\((\d+)\)", program.source)
    return int(found.group(1)) if found else 0


def _seconds(timed: Callable[[Program], float], length: int) -> float:
    """The shorter of two timings on a chain of ``length``, with the cyclic garbage collector paused:
    one pause of it, or of a busy machine, must not pass for a trend."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return min(timed(chain(length)) for _ in range(2))
    finally:
        if enabled:
            gc.enable()


def too_slow(timed: Callable[[Program], float], program: Program,
             explain: Callable[[Program], str | None] = lambda program: None,
             measured: dict[int, float] | None = None) -> str | None:
    """``None`` if ``program`` is no large chain, or if ``timed`` (the seconds an answer takes on a
    program) grows about linearly; else the sentence for the student: the measurements, the time
    they predict for ``program``, and ``explain(a short chain)`` when it names a cause.

    ``measured`` keeps the probes' seconds by chain length: an answer checked on several large
    chains is measured once (and judged the same way on each)."""
    n = operations(program)
    if n <= LARGE:
        return None
    measured = {} if measured is None else measured

    def probe(length: int) -> float:
        if length not in measured:
            measured[length] = _seconds(timed, length)
        return measured[length]

    seconds = [probe(PROBES[0])]
    if seconds[0] < _NOISE:
        return None
    for length in PROBES[1:]:
        seconds.append(probe(length))
        if seconds[-1] < seconds[-2]:  # shorter on a longer chain: nothing but noise to go by
            return None
    # The growth per doubling over the whole span, not the smallest of the doublings: on a busy
    # machine one doubling of a quadratic walk was seen to take only 2.7 times as long.
    growth = (seconds[-1] / seconds[0]) ** (1 / (len(seconds) - 1))
    if growth < _SUPERLINEAR:
        return None
    predicted = seconds[-1] * (n / PROBES[-1]) ** min(math.log2(growth), 3.0)
    if predicted < SLOW_SECONDS:
        return None
    took = ", ".join(f"{_count(length)} took {t:.2f} s" for length, t in zip(PROBES, seconds, strict=True))
    sentence = (f"too slow on a chain of {_count(n)} operations: a chain of {took}, on average {growth:.1f} "
                "times as long for twice the nodes (a walk that handles each node once takes twice as long), "
                f"which puts this chain at about {_duration(predicted)}")
    reason = explain(chain(300))
    return f"{sentence}. {reason}" if reason else (
        f"{sentence}. Does your code search or shift a list for every node (`in` on a list, "
        "`list.pop(0)`, `list.insert(0, …)`)? Each of those takes longer as the list grows")


def _count(n: int) -> str:
    return f"{n:,}".replace(",", " ")


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} minutes"


# --- the usual cause: `in` on a long list --------------------------------------------------------

_LOADS = {"LOAD_FAST", "LOAD_DEREF", "LOAD_CLOSURE", "LOAD_GLOBAL", "LOAD_NAME"}


@functools.lru_cache(maxsize=256)
def _membership_names(code: types.CodeType) -> tuple[str, ...]:
    """The names ``code`` tests membership in (``x in name``, ``x not in name``)."""
    names, previous = [], None
    for instruction in dis.get_instructions(code):
        if instruction.opname == "CONTAINS_OP" and previous is not None and previous.opname in _LOADS:
            names.append(str(previous.argval))
        previous = instruction
    return tuple(dict.fromkeys(names))


def membership_lists(call: Callable[[], Any]) -> list[tuple[str, int]]:
    """Run ``call()``; each name the code that ran tests membership in (``node in visited``) whose
    value, when that code returned, was a list, tuple or deque of at least 100 items: ``(name,
    length)``. Calls only are seen (``sys.setprofile``), so this costs little."""
    found: dict[str, int] = {}

    def profile(frame: types.FrameType, event: str, arg: Any) -> None:
        if event != "return":
            return
        for name in _membership_names(frame.f_code):
            value = frame.f_locals.get(name, frame.f_globals.get(name))
            if type(value) in (list, tuple, collections.deque) and len(value) >= _LONG_LIST:
                found[name] = max(found.get(name, 0), len(value))

    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        call()
    except Exception:  # noqa: BLE001 - the answer's own errors show in its cases, not here
        pass
    finally:
        sys.setprofile(previous)
    return sorted(found.items())


def list_search(call: Callable[[], Any]) -> str | None:
    """The suggestion for a slow answer whose code tests membership in a long list, if it does."""
    found = membership_lists(call)
    if not found:
        return None
    name, length = found[0]
    return (f"Is `{name}` meant to be a list? Your code tests `… in {name}`, and on a chain of 300 "
            f"operations `{name}` held a list of {length} items: `in` on a list compares with every "
            "element, so each test takes longer as the list grows. A set answers at once, however "
            f"large it is ({name} = set(), {name}.add(node))")


def timed(call: Callable[[], Any]) -> float:
    """The processor seconds ``call()`` takes in this thread: on a busy machine other processes
    delay it, but do not add to this time, so a trend measured with it is the code's own."""
    start = time.thread_time()
    call()
    return time.thread_time() - start
