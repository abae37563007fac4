"""The answer key, switched off while a lesson is graded.

Each lesson's checks module lists its ``ANSWER_KEY``: the course functions (and methods) that
*are* answers to the lesson's exercises, e.g. ``course_lib.learning.predict``. While the lesson is
graded, the sandbox sees a copy of ``course_lib`` in which each of them is replaced by a
:func:`forwarder` (see :mod:`course_lib.grading.answer_key`): the course's code is not there
to import, copy or read. A forwarder calls the student's own function of the same exercise
instead, so the lesson's figures and explorers still work, drawn with the student's code; a
student's function that hands the work back to the course's (``predict = learning.predict``, or a
wrapper calling it) ends in :class:`AnswerKeyUnavailable`, which fails that exercise with a
sentence saying why.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import Any

_calling = threading.local()


class AnswerKeyUnavailable(RuntimeError):
    """Raised, while a lesson is graded, when the course's own answer to one of its exercises is used."""


def _message(dotted: str, exercise: str | None) -> str:
    text = (f"{dotted} is the course's own answer to an exercise of this lesson, so it is switched off "
            "while the lesson is graded: each exercise must be your own code")
    if exercise is not None:
        text += (f" (here it would run your `{exercise}`, which is missing or hands the work back to "
                 "the course)")
    return text


def _student_namespace() -> dict[str, Any]:
    try:
        from IPython import get_ipython

        shell = get_ipython()
    except ImportError:  # pragma: no cover - the kernel always has IPython
        shell = None
    if shell is not None:
        return shell.user_ns
    return vars(sys.modules["__main__"])


def _active() -> set[str]:
    if not hasattr(_calling, "names"):
        _calling.names = set()
    return _calling.names


def refusing_factory(dotted: str) -> Callable[..., Callable[..., Any]]:
    """A stand-in for a checks module's mistake factory (or helper) whose product, with the right
    arguments, would be a correct answer: whatever it makes refuses to run in the sandbox."""
    def factory(*args: Any, **kwargs: Any) -> Callable[..., Any]:
        return forwarder(None, dotted)

    factory.__name__ = dotted.rsplit(".", 1)[-1]
    return factory


def forwarder(exercise: str | None, dotted: str) -> Callable[..., Any]:
    """A stand-in for the course function ``dotted``: it runs the student's ``exercise`` (for a
    method, with the instance as first argument), or raises :class:`AnswerKeyUnavailable`."""
    def forward(*args: Any, **kwargs: Any) -> Any:
        target = None if exercise is None else _student_namespace().get(exercise)
        if (not callable(target) or getattr(target, "__course_answer_key__", False)
                or exercise in _active()):
            raise AnswerKeyUnavailable(_message(dotted, exercise))
        _active().add(exercise)
        try:
            return target(*args, **kwargs)
        finally:
            _active().discard(exercise)

    forward.__course_answer_key__ = True  # type: ignore[attr-defined]
    forward.__name__ = dotted.rsplit(".", 1)[-1]
    forward.__qualname__ = forward.__name__
    forward.__doc__ = _message(dotted, exercise)
    return forward
