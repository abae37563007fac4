"""Typical wrong answers, and accepted alternatives, per lesson: one module each (``lNN.py``).

Each module defines ``LESSON`` (the lesson's folder name), ``WRONG_ANSWERS`` and ``ALTERNATIVES``,
written as *edits of the instructor's solution* (the solution cell's source, markers stripped):

- :class:`Wrong` ``(exercise, old, new, hint)``: replace ``old`` by ``new`` (each ``old`` must occur
  exactly once, so the table follows later edits of the lesson and fails loudly when it no longer
  applies; ``old`` and ``new`` may be tuples, for several edits of one cell). The exercise's test
  cell must then fail with an ``AssertionError`` whose message contains ``hint``; ``hint=None``
  means the answer matches no known mistake, so the message must have no ``Hint:`` line.
- :class:`Rewritten` ``(exercise, source, hint)``: the escape hatch for a wrong answer that is not
  an edit of the solution (a different approach altogether), written out whole.
- :class:`Alternative` ``(exercise, old, new)``: another correct way to write the exercise; its test
  cell must pass.

Every exercise needs at least two wrong answers and one alternative. ``WRONG_ANSWERS`` (this
package's) maps each lesson to ``(exercise, source, hint)`` triples with the edits applied, for the
grading and red-team suites, which hand in whole sources.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator, Mapping
from typing import NamedTuple

from ..notebooks import Edit, apply_edits, solution_source


class Wrong(NamedTuple):
    """A wrong answer: the solution with ``old`` replaced by ``new``; its check says ``hint``."""

    exercise: str
    old: Edit
    new: Edit
    hint: str | None

    def source(self, lesson: str) -> str:
        return apply_edits(solution_source(lesson, self.exercise), self.old, self.new)


class Rewritten(NamedTuple):
    """A wrong answer that is not an edit of the solution (another approach), written out whole."""

    exercise: str
    written: str
    hint: str | None

    def source(self, lesson: str) -> str:  # noqa: ARG002 - same interface as Wrong
        return self.written


class Alternative(NamedTuple):
    """Another correct answer: the solution with ``old`` replaced by ``new``; its check passes."""

    exercise: str
    old: Edit
    new: Edit

    def source(self, lesson: str) -> str:
        return apply_edits(solution_source(lesson, self.exercise), self.old, self.new)


def _modules() -> dict[str, object]:
    modules = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        modules[module.LESSON] = module
    return modules


_MODULES = _modules()
WRONG: dict[str, list[Wrong | Rewritten]] = {lesson: m.WRONG_ANSWERS for lesson, m in _MODULES.items()}
ALTERNATIVES: dict[str, list[Alternative]] = {lesson: m.ALTERNATIVES for lesson, m in _MODULES.items()}


class _Sources(Mapping):
    """lesson -> ``[(exercise, source, hint), ...]``, the edits applied when a lesson is looked up."""

    def __getitem__(self, lesson: str) -> list[tuple[str, str, str | None]]:
        return [(wrong.exercise, wrong.source(lesson), wrong.hint) for wrong in WRONG[lesson]]

    def __iter__(self) -> Iterator[str]:
        return iter(WRONG)

    def __len__(self) -> int:
        return len(WRONG)


WRONG_ANSWERS: Mapping[str, list[tuple[str, str, str | None]]] = _Sources()
