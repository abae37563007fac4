"""What the grader runs in the sandbox in place of each test cell, read from the trusted source.

A test cell follows one convention (see docs/adding-a-lesson.md)::

    from course_lib.checks import learning as check
    check.predict(predict)                  # public cases
    ### BEGIN HIDDEN TESTS
    check.predict(predict, hidden=True)     # hidden cases
    ### END HIDDEN TESTS

:func:`parse_test_cell` reads that from the *instructor's* notebook (never from the student's) and
:class:`TestCell` writes the code the sandbox runs instead: :func:`course_lib.checks.harvest.public`
at the cell's place, :func:`course_lib.checks.harvest.hidden` after the last cell.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

CHECKS_PACKAGE = "course_lib.checks"


class PlanError(ValueError):
    """A test cell that does not follow the convention; the message says where."""


@dataclass(frozen=True)
class Call:
    """``check.<check>(<expression>[, hidden=True])``."""

    check: str
    expression: str
    hidden: bool


@dataclass(frozen=True)
class TestCell:
    """A graded test cell: its id, its checks module, and the check calls it makes."""

    grade_id: str
    module: str
    calls: tuple[Call, ...]

    @property
    def objects(self) -> tuple[tuple[str, str], ...]:
        """The distinct ``(check, expression)`` pairs, in order: the student objects it grades."""
        seen: list[tuple[str, str]] = []
        for call in self.calls:
            if (call.check, call.expression) not in seen:
                seen.append((call.check, call.expression))
        return tuple(seen)

    def index(self, call: Call) -> int:
        return self.objects.index((call.check, call.expression))

    def public_source(self) -> str:
        """Code run at the test cell's place: keep the objects, emit the public observations."""
        getters = ", ".join(f"({check!r}, lambda: ({expression}))" for check, expression in self.objects)
        observed = sorted({self.index(call) for call in self.calls if not call.hidden})
        return (f"__import__({CHECKS_PACKAGE + '.harvest'!r}, fromlist=['public']).public("
                f"{self.grade_id!r}, {self.module!r}, [{getters}], {observed!r})")

    def hidden_source(self, seed: int) -> str | None:
        """Code run after the last cell: the hidden observations with the secret ``seed``."""
        calls = [(self.index(call), call.check) for call in self.calls if call.hidden]
        if not calls:
            return None
        return (f"__import__({CHECKS_PACKAGE + '.harvest'!r}, fromlist=['hidden']).hidden("
                f"{self.grade_id!r}, {self.module!r}, {calls!r}, {int(seed)})")


def _module(statement: ast.stmt) -> str | None:
    if (isinstance(statement, ast.ImportFrom) and statement.module == CHECKS_PACKAGE
            and len(statement.names) == 1 and statement.names[0].asname == "check"):
        return statement.names[0].name
    return None


def _call(statement: ast.stmt) -> Call | None:
    if not (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call)):
        return None
    call = statement.value
    function = call.func
    if not (isinstance(function, ast.Attribute) and isinstance(function.value, ast.Name)
            and function.value.id == "check" and len(call.args) == 1):
        return None
    hidden = False
    for keyword in call.keywords:
        if keyword.arg != "hidden" or not isinstance(keyword.value, ast.Constant):
            return None
        hidden = bool(keyword.value.value)
    return Call(function.attr, ast.unparse(call.args[0]), hidden)


def parse_test_cell(grade_id: str, source: str) -> TestCell:
    """The :class:`TestCell` of a test cell's (instructor) source; :class:`PlanError` otherwise."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise PlanError(f"test cell {grade_id!r}: {exc}") from None
    module, calls = None, []
    for statement in tree.body:
        if (name := _module(statement)) is not None:
            module = name
        elif (call := _call(statement)) is not None:
            calls.append(call)
        else:
            raise PlanError(f"test cell {grade_id!r}: line {statement.lineno} is neither "
                            f"`from {CHECKS_PACKAGE} import <lesson> as check` nor `check.<name>(<answer>)`")
    if module is None or not calls:
        raise PlanError(f"test cell {grade_id!r}: no `from {CHECKS_PACKAGE} import … as check`, "
                        "or no check call")
    return TestCell(grade_id, module, tuple(calls))
