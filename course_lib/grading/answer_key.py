"""Build the copy of ``course_lib`` that a sandbox sees: the lesson's answer key switched off.

Each checks module a lesson's test cells use lists its ``ANSWER_KEY`` (dotted name → the exercise
whose student function stands in for it, or ``None``). :func:`build_library` copies the package
and rewrites those definitions, in the source, into
:func:`course_lib.checks.answer_key.forwarder` stand-ins: the course's answer is not in the copy
at all, so it cannot be imported, read with ``inspect``, or reached by any trick inside the
sandbox. Everything else (data, plotting, widgets, other lessons' modules) stays as it is.
"""

from __future__ import annotations

import ast
import compileall
import importlib
import shutil
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

import course_lib

PACKAGE = Path(course_lib.__file__).resolve().parent


FACTORY = "<factory>"
"""The value of a key entry that is a checks module's mistake factory (``MISTAKE_FACTORIES``)."""


class AnswerKeyError(ValueError):
    """An ``ANSWER_KEY`` entry that names nothing in the course's source."""


def answer_key(check_modules: Iterable[str]) -> dict[str, str | None]:
    """The union of ``ANSWER_KEY`` of the checks modules ``course_lib.checks.<name>``."""
    key: dict[str, str | None] = {}
    for name in sorted(set(check_modules)):
        module = importlib.import_module(f"course_lib.checks.{name}")
        key.update(getattr(module, "ANSWER_KEY", {}))
        key.update(dict.fromkeys(getattr(module, "MISTAKE_FACTORIES", ()), FACTORY))
    return key


def _split(dotted: str) -> tuple[Path, list[str]]:
    """``course_lib.autograd.Value.backward`` → (``autograd.py``, ``["Value", "backward"]``)."""
    parts = dotted.split(".")
    if parts[0] != "course_lib":
        raise AnswerKeyError(f"{dotted}: not a course_lib name")
    for end in range(len(parts), 1, -1):
        path = PACKAGE.joinpath(*parts[1:end]).with_suffix(".py")
        if path.is_file():
            return path.relative_to(PACKAGE), parts[end:]
    raise AnswerKeyError(f"{dotted}: no such module in course_lib")


def _stand_in(name: str, exercise: str | None, dotted: str) -> ast.Assign:
    module = "__import__('course_lib.checks.answer_key', fromlist=['forwarder'])"
    if exercise == FACTORY:
        call = f"{name} = {module}.refusing_factory({dotted!r})"
    else:
        call = f"{name} = {module}.forwarder({exercise!r}, {dotted!r})"
    return ast.parse(call).body[0]


def _replace(body: list[ast.stmt], path: list[str], exercise: str | None, dotted: str) -> None:
    for index, node in enumerate(body):
        if getattr(node, "name", None) != path[0]:
            continue
        if len(path) == 1 and isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            body[index] = ast.copy_location(_stand_in(path[0], exercise, dotted), node)
            return
        if len(path) > 1 and isinstance(node, ast.ClassDef):
            _replace(node.body, path[1:], exercise, dotted)
            return
    raise AnswerKeyError(f"{dotted}: no such function in the course's source")


def strip_source(source: str, entries: dict[str, str | None], names: dict[str, list[str]]) -> str:
    """``source`` with each entry's definition replaced by its stand-in (``names``: dotted → path)."""
    tree = ast.parse(source)
    for dotted, exercise in entries.items():
        _replace(tree.body, names[dotted], exercise, dotted)
    return ast.unparse(ast.fix_missing_locations(tree)) + "\n"


def build_library(destination: Path, key: dict[str, str | None]) -> Path:
    """Copy ``course_lib`` to ``destination/course_lib`` with ``key`` switched off; return the copy."""
    target = destination / "course_lib"
    shutil.copytree(PACKAGE, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    by_file: dict[Path, dict[str, str | None]] = defaultdict(dict)
    names: dict[str, list[str]] = {}
    for dotted, exercise in key.items():
        relative, path = _split(dotted)
        by_file[relative][dotted] = exercise
        names[dotted] = path
    for relative, entries in by_file.items():
        source = (PACKAGE / relative).read_text(encoding="utf-8")
        (target / relative).write_text(strip_source(source, entries, names), encoding="utf-8")
    # Compiled here, once: the sandbox cannot write bytecode, and would compile every import again.
    compileall.compile_dir(target, quiet=1)
    return target
