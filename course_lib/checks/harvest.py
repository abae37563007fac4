"""The student's side of grading: run the checks' cases, hand back only what came out.

While a lesson is graded, each test cell of the student's notebook is replaced (by the grader, in
:mod:`course_lib.grading.plan`) with a call of :func:`public`; after the last cell the grader
calls :func:`hidden` once per test cell, with a secret seed. Both run inside the sandbox, next to
the student's code, and only *emit observations* (:meth:`course_lib.checks.core.Check.observe`)
as one display output of type :data:`MIME`. Nothing here decides anything: the grader, outside
the sandbox, draws the same cases, computes the reference answers and the verdicts. Anything
the student's code does to this module can only change what is reported about its own
functions.
"""

from __future__ import annotations

import gc
import importlib
import inspect
import json
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import Any

MIME = "application/vnd.mechanics-of-learning.observations+json"

_OBJECTS: dict[tuple[str, int], Any] = {}
"""The student's objects, as they were at each test cell, for the hidden cases at the end."""


def _emit(payload: dict[str, Any]) -> None:
    from IPython.display import display

    display({MIME: json.dumps(payload, allow_nan=True)}, raw=True)


def _observe(module: str, name: str, student: Any, hidden: bool, seed: int | None) -> Any:
    try:
        check = getattr(importlib.import_module(f"course_lib.checks.{module}"), name)
        return check.observe(student, hidden=hidden, seed=seed)
    except Exception as exc:  # noqa: BLE001 - reported as this call's failure, judged outside
        return [{"stop": "not callable", "what": f"unusable ({type(exc).__name__}: {exc})"}]


def public(cell: str, module: str, calls: Sequence[tuple[str, Callable[[], Any]]],
           observed: Sequence[int]) -> None:
    """At a test cell: evaluate each call's student object (``calls[i] = (check name, getter)``),
    keep it for :func:`hidden`, and emit the public observations of the calls in ``observed``."""
    results: dict[str, Any] = {}
    for index, (name, getter) in enumerate(calls):
        try:
            student = getter()
        except Exception as exc:  # noqa: BLE001 - e.g. NameError: the function was never defined
            student = _Missing(f"{type(exc).__name__}: {exc}")
        _OBJECTS[(cell, index)] = student
        if index in observed:
            results[str(index)] = _observe(module, name, student, hidden=False, seed=None)
    _emit({"cell": cell, "phase": "public", "calls": results})


def hidden(cell: str, module: str, calls: Sequence[tuple[int, str]], seed: int) -> None:
    """After the last cell: emit the hidden observations of ``calls`` (``(index, check name)``)."""
    _release_memory()
    results = {}
    for index, name in calls:
        student = _OBJECTS.get((cell, index), _Missing("the test cell did not run"))
        results[str(index)] = _observe(module, name, student, hidden=True, seed=seed)
    _emit({"cell": cell, "phase": "hidden", "calls": results})


def _release_memory() -> None:
    """Free what a failed cell may still hold: the interpreter keeps the last uncaught exception, with
    its frames (after a memory bomb, gigabytes), and the hidden cases need memory to be drawn.

    The hidden harvests run one after another after the last cell, so only the first one finds
    the student's frames; a full collection costs tens of milliseconds, so it is done once."""
    global _COLLECTED
    sys.last_type = sys.last_value = sys.last_traceback = None
    if sys.version_info >= (3, 12):
        sys.last_exc = None
    if not _COLLECTED:
        gc.collect()
        _COLLECTED = True


_COLLECTED = False


def release_failed_cells(shell: Any) -> None:
    """Make ``shell`` (the grading kernel's IPython) let go of a failed cell's memory as the cell ends.

    A cell that raised keeps its exception (IPython stores it as the last error), and with it the
    frames of every function it went through, local variables included: after a memory bomb,
    nearly all the sandbox's memory, so that the next cell, or the hidden harvest, cannot even be
    compiled. Emptying those functions' local variables when the cell ends frees it (the error
    has been shown). The traceback display keeps its own snapshot of each function's variables,
    the frame's ``f_locals``, so that is emptied too; a module-level frame is the student's
    namespace and is left alone."""

    def release(result: Any) -> None:
        error = getattr(result, "error_in_exec", None)
        if error is None:
            return
        tb = error.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code.co_flags & inspect.CO_OPTIMIZED:
                tb.tb_frame.f_locals.clear()
            tb = tb.tb_next
        traceback.clear_frames(error.__traceback__)

    shell.events.register("post_run_cell", release)


FIGURE_NOTE = "[a figure: drawn when you run the notebook yourself, not while it is graded]"


def figures_as_notes(shell: Any) -> None:
    """Make ``shell`` (the grading kernel's IPython) show each matplotlib figure as
    :data:`FIGURE_NOTE` instead of drawing it.

    No point depends on a figure, and drawing them (layout, then PNG encoding) was about a
    quarter of the CPU time of grading a notebook with a few plots (``course grade
    --draw-figures`` keeps them). The explorers' images are not drawn either."""
    import matplotlib
    import matplotlib.pyplot as plt

    from course_lib.widgets import base

    base.DRAWN = False
    # Load the backend now: loading it later would reset the figure formatters set here.
    plt.switch_backend(matplotlib.get_backend())
    shell.run_line_magic("config", "InlineBackend.figure_formats = set()")
    shell.display_formatter.formatters["text/plain"].for_type_by_name(
        "matplotlib.figure", "Figure", lambda figure, printer, cycle: printer.text(FIGURE_NOTE))


class _Missing:
    """Stands for a student object that could not be evaluated; not callable, so checks say so."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def __repr__(self) -> str:
        return f"not defined ({self.reason})"
