"""Recursion in a student's graph code: caught where the exercise forbids it, and explained where
it ends in ``RecursionError``.

Two questions, answered from what actually ran (never guessed from the exercise):

- :func:`forbidding_recursion` — did the code call itself, nested? A recursive graph walk goes one
  call deeper per node along a path; raising ``sys.setrecursionlimit`` lets it finish on a deep
  chain, so the limit is not the test: the nesting itself is, seen through ``sys.settrace``.
- :func:`recursion_problem` — where did a ``RecursionError`` happen? The traceback's repeating
  tail names the functions that call each other; the nodes they were given tell a graph walk that
  went too deep (each call handed an input of the previous call's node) from an endless loop of
  calls (an operator built on another that is built on the first, say).
"""

from __future__ import annotations

import contextlib
import sys
import types
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

NESTED = 40
"""Calls of one function nested in each other beyond which the code counts as recursive: no
iterative answer nests at all, and every small graph of the checks is shallower than this, so only
deep graphs (the chains) show it."""
_LOOK_BACK = 2 * NESTED + 2
"""Frames looked at, from the newest: enough for two functions that call each other."""


class Recursive(BaseException):  # noqa: N818 - reads as what was found
    """Raised inside the student's code at the first call nested :data:`NESTED` deep in itself.
    A ``BaseException``, so that an ``except Exception`` in the student's code does not hide it."""

    def __init__(self, function: str) -> None:
        super().__init__(function)
        self.function = function


def function_name(code: types.CodeType) -> str:
    """``place`` for a function defined inside ``topological_order``, ``Value.__add__`` for a method."""
    return code.co_qualname.rsplit(".<locals>.", 1)[-1]


def _nesting(frame: types.FrameType) -> int:
    code, count, back = frame.f_code, 0, frame
    for seen in range(_LOOK_BACK):
        if back is None or count + _LOOK_BACK - seen < NESTED:
            break
        count += back.f_code is code
        back = back.f_back
    return count


@contextlib.contextmanager
def forbidding_recursion() -> Iterator[None]:
    """Raise :class:`Recursive` in the running code when a function is called while :data:`NESTED`
    calls of it are already under way. Only function calls are seen (no line events), so an
    iterative answer runs at full speed. Restores the previous trace function."""
    def trace(frame: types.FrameType, event: str, arg: Any) -> None:
        if event == "call" and _nesting(frame) >= NESTED:
            raise Recursive(function_name(frame.f_code))
        return None

    previous = sys.gettrace()
    sys.settrace(trace)
    try:
        yield
    finally:
        sys.settrace(previous)


# --- where a RecursionError happened --------------------------------------------------------------


@dataclass(frozen=True)
class Loop:
    """The functions that called each other in a ``RecursionError``'s traceback, in call order, and
    whether each call went on with an input of the node the previous call had (a graph walk)."""

    functions: tuple[str, ...]
    walks_graph: bool

    def named(self) -> str:
        if len(self.functions) == 1:
            return f"`{self.functions[0]}` calls itself"
        chain = " → ".join(f"`{name}`" for name in (*self.functions, self.functions[0]))
        return f"{chain} call each other"


def _frames(exc: BaseException) -> list[types.FrameType]:
    frames, tb = [], exc.__traceback__
    while tb is not None:
        frames.append(tb.tb_frame)
        tb = tb.tb_next
    return frames


def _period(codes: list[types.CodeType]) -> int | None:
    """The shortest period with which the end of ``codes`` repeats (at least 3 times), if any."""
    for period in range(1, 9):
        tail = codes[-3 * period:]
        if len(tail) == 3 * period and all(tail[i] is tail[i + period] for i in range(2 * period)):
            return period
    return None


def _inputs(node: Any) -> list[Any]:
    """A node's inputs (``_parents``, or micrograd's ``_prev``), read defensively."""
    for attribute in ("_parents", "_prev"):
        try:
            inputs = object.__getattribute__(node, attribute) if hasattr(type(node), "__slots__") \
                else getattr(node, attribute)
            return list(inputs)
        except Exception:  # noqa: BLE001 - a student's node may raise anything
            continue
    return []


def _nodes_held(frame: types.FrameType) -> list[Any]:
    nodes = []
    for value in list(frame.f_locals.values()):
        try:
            if hasattr(value, "_parents") or hasattr(value, "_prev"):
                nodes.append(value)
        except Exception:  # noqa: BLE001 - a student's __getattr__ may raise anything
            continue
    return nodes


def _walks_graph(frames: list[types.FrameType]) -> bool:
    """Whether, in most consecutive calls, a node the later call holds is an input of a node the
    earlier one holds: the shape of a depth-first walk over the graph's inputs."""
    pairs = list(zip(frames, frames[1:], strict=False))
    linked = 0
    for earlier, later in pairs:
        inputs = {id(item) for node in _nodes_held(earlier) for item in _inputs(node)}
        linked += any(id(node) in inputs for node in _nodes_held(later))
    return bool(pairs) and linked >= len(pairs) / 2


def recursion_loop(exc: BaseException) -> Loop | None:
    """The :class:`Loop` at the end of ``exc``'s traceback (a ``RecursionError``), if there is one."""
    frames = _frames(exc)
    codes = [frame.f_code for frame in frames]
    period = _period(codes)
    if period is None:
        return None
    functions = tuple(function_name(code) for code in codes[-period:])
    first = codes[-period]
    repeated = [frame for frame in frames[-60 * period:] if frame.f_code is first]
    return Loop(functions, _walks_graph(repeated))


TOO_DEEP = ("one call deeper for each node along a path, and Python stops at about 1 000 nested calls: "
            "keep the nodes still to visit in a list used as a stack instead")


def recursion_problem(exc: BaseException) -> str:
    """What to tell a student whose code raised ``exc`` (a ``RecursionError``): which functions
    called each other, and why that never ended."""
    loop = recursion_loop(exc)
    if loop is None:
        return "maximum recursion depth exceeded"
    if loop.walks_graph:
        return f"maximum recursion depth exceeded: {loop.named()}, {TOO_DEEP}"
    return (f"maximum recursion depth exceeded: {loop.named()} over and over without end (each call "
            "makes the next one, not one per node of the graph)")
