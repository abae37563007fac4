"""Every lesson and its checks, in one table: for tests, tools and graders that go over the course.

:data:`LESSONS` maps a lesson's folder name (``solutions/<lesson>/``) to its checks module
(``course_lib.checks.<module>``, mirroring the reference module ``course_lib.<module>``). Each
checks module lists every graded check in ``CHECKS`` (exercise name → check).

:func:`answer` names what a student who gets an exercise right writes: by default the reference
module's function of the exercise's name (``course_lib.learning.predict`` for lesson 01's
``predict``); :data:`ANSWERS` holds the exceptions. A check's own ``reference`` is not always
that function (lesson 04's checks run it on a program or a training run, lesson 02's
``best_delta`` returns the range of step sizes it accepts), so the answer is kept apart.

Nothing here runs a check or any student code; the answers are resolved only when asked for.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from types import ModuleType
from typing import Any

LESSONS: dict[str, str] = {
    "01_predict_compare_learn": "learning",
    "02_numerical_derivatives": "derivatives",
    "03_chain_rule_training_loop": "linear",
    "04_autograd_engine": "autograd",
    "05_pytorch_autograd": "optim",
    "06_overfitting": "overfitting",
}
"""Lesson folder name → checks module name (``course_lib.checks.<name>``), in course order."""

ANSWERS: dict[str, str | None] = {
    "fixed_central_difference": "course_lib.derivatives.central_difference",
    "Value": None,
    "counterexample": None,
}
"""Exercises whose right answer is not ``course_lib.<module>.<exercise>``: the course function a
correct student's matches, or ``None`` when the course has none a check accepts. Lesson 04's
``Value`` must be the student's own class (the check refuses the course's ``Value``, a subclass
of it, and any class borrowing its methods), and ``counterexample`` has many right answers."""


def lessons() -> list[str]:
    """The lesson folder names, in course order."""
    return list(LESSONS)


def module(lesson: str) -> ModuleType:
    """The checks module of ``lesson`` (``KeyError`` for a lesson not registered)."""
    return importlib.import_module(f"{__package__}.{LESSONS[lesson]}")


def checks(lesson: str) -> dict[str, Any]:
    """Every graded check of ``lesson`` by exercise name: the module's ``CHECKS``."""
    return dict(module(lesson).CHECKS)


def all_checks() -> Iterator[tuple[str, str, Any]]:
    """``(lesson, exercise, check)`` for every check of every lesson, in course order."""
    for lesson in LESSONS:
        for name, check in checks(lesson).items():
            yield lesson, name, check


def answer_name(lesson: str, exercise: str) -> str | None:
    """The dotted name of the course function a correct answer to ``exercise`` matches, or ``None``
    (see :data:`ANSWERS`)."""
    if exercise not in checks(lesson):
        raise KeyError(f"{lesson} has no exercise {exercise!r}")
    if exercise in ANSWERS:
        return ANSWERS[exercise]
    return f"course_lib.{LESSONS[lesson]}.{exercise}"


def answer(lesson: str, exercise: str) -> Any:
    """The course's right answer to ``exercise`` (a function a student could have written), or
    ``None`` when there is none the check accepts (see :data:`ANSWERS`)."""
    dotted = answer_name(lesson, exercise)
    if dotted is None:
        return None
    owner, name = dotted.rsplit(".", 1)
    return getattr(importlib.import_module(owner), name)
