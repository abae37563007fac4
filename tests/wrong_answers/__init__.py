"""Typical wrong answers per lesson, one module each (``lNN.py``), for the notebook tests.

Each module defines ``LESSON`` (the lesson's folder name) and ``WRONG_ANSWERS``: a list of
``(exercise, source, hint)`` — the source replaces the exercise's solution cell in an otherwise
correct notebook, and the exercise's test cell must then fail with ``hint`` in its message.
Every exercise needs at least two.
"""

from __future__ import annotations

import importlib
import pkgutil

WRONG_ANSWERS: dict[str, list[tuple[str, str, str]]] = {}
for _info in pkgutil.iter_modules(__path__):
    _module = importlib.import_module(f"{__name__}.{_info.name}")
    WRONG_ANSWERS[_module.LESSON] = _module.WRONG_ANSWERS
