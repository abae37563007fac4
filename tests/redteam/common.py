"""Submissions every lesson gets: the honest students around the attacks, and builders shared by
the lessons' attack lists."""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from pathlib import Path

from . import snippets
from .model import ALL, Built, Context, Submission, insert_after, notebook_bytes

HONEST_FIRST = "r00_honest_first"
HONEST_MID = "r50_honest_mid"
HONEST_LAST = "r97_honest_last"
WRONG_STUDENT = "r98_wrong_last"


def honest(lesson_exercises_note: str = "") -> list[Submission]:
    """Honest students before, between and after the attacks: three complete, one with every
    exercise wrong and one blank (both graded last: any global tampering shows on them)."""
    return [
        Submission(HONEST_FIRST, None, "complete and correct, graded first",
                   lambda ctx: Built(ctx.completed())),
        Submission(HONEST_MID, None, "complete and correct, graded between the attacks",
                   lambda ctx: Built(ctx.completed())),
        Submission(HONEST_LAST, None, "complete and correct, graded after the attacks (and the target "
                   "of the sabotage attack)", lambda ctx: Built(ctx.completed())),
        Submission(WRONG_STUDENT, None, "every exercise answered with a typical wrong answer",
                   lambda ctx: Built(ctx.variant(wrong=ALL)), loses=ALL),
        Submission("r99_blank_last", None, "the release handed in untouched",
                   lambda ctx: Built(ctx.blank()), loses=ALL),
    ]


def cells(ctx: Context, *snippet_after: tuple[str, str], wrong: Iterable[str] = (),
          blank: Iterable[str] = (), **render: object) -> Built:
    """The completed notebook with ``wrong``/``blank`` exercises and attack cells inserted."""
    return Built(ctx.variant(wrong=wrong, blank=blank,
                             after=[(anchor, ctx.render(code, **render)) for anchor, code in snippet_after]))


def checks_module(ctx: Context):
    return importlib.import_module(ctx.lesson.checks_module)


def course_module(ctx: Context):
    return importlib.import_module(ctx.lesson.course_module)


def public_reprs(ctx: Context, exercises: Iterable[str]) -> dict[str, list[str]]:
    """``repr(case.args)`` of each exercise's public cases: what a student sees in the test cells."""
    module = checks_module(ctx)
    return {name: [repr(case.args) for case in getattr(module, name).public] for name in exercises}


def public_table(ctx: Context, exercise: str) -> dict[str, object]:
    """The right answers to the public cases only (what a student can copy from the feedback)."""
    check = getattr(checks_module(ctx), exercise)
    reference = getattr(course_module(ctx), exercise)
    return {repr(case.args): reference(*case.args) for case in check.public}


def shipped_course_lib(checks_file: str) -> dict[str, str]:
    """A ``course_lib/`` overlay beside the notebook whose lesson checks always pass."""
    return {"course_lib/__init__.py": snippets.FAKE_PACKAGE_INIT,
            "course_lib/checks/__init__.py": snippets.FAKE_CHECKS_INIT,
            f"course_lib/checks/{checks_file}": snippets.FAKE_CHECKS_MODULE}


def steal(ctx: Context, patterns: list[str], start_blank: bool = True) -> Built:
    """Every solution cell replaced by code that copies the same cell from ``patterns`` (globs)."""
    notebook = ctx.blank() if start_blank else ctx.completed()
    insert_after(notebook, "imports", ctx.render(snippets.STEAL, patterns=patterns))
    for exercise in ctx.exercises():
        for cell in notebook.cells:
            if cell.metadata.get("nbgrader", {}).get("grade_id") == exercise:
                cell.source = ctx.render(snippets.STEAL_CELL, cell=exercise)
    return Built(notebook)


def classmates(ctx: Context) -> list[str]:
    return [str(ctx.root / "submitted" / "*" / ctx.lesson.name / "*.ipynb"),
            str(ctx.root / "autograded" / "*" / ctx.lesson.name / "*.ipynb")]


def instructors(ctx: Context) -> list[str]:
    return [str(ctx.root / "solutions" / ctx.lesson.name / "*.ipynb"),
            str(ctx.repo / "solutions" / ctx.lesson.name / "*.ipynb")]


def invalid_json(ctx: Context) -> Built:
    return Built(raw=b'{"cells": [ {"cell_type": "code", "source": "this is not json')


def not_a_notebook(ctx: Context) -> Built:
    return Built(raw=b'{"cells": 42, "metadata": "none", "nbformat": 4, "nbformat_minor": 5}')


def missing_notebook(ctx: Context) -> Built:
    def write(folder: Path) -> None:
        (folder / "my_answers.ipynb").write_bytes(notebook_bytes(ctx.completed()))
    return Built(write=write)


def huge_sparse_notebook(ctx: Context) -> Built:
    """A 1 GiB notebook file of NUL bytes (sparse: no disk used) that a grader must not read whole."""
    def write(folder: Path) -> None:
        with (folder / ctx.lesson.notebook).open("wb") as handle:
            handle.truncate(1 << 30)
    return Built(write=write)


def symlink_to_solution(ctx: Context) -> Built:
    """The notebook is a symbolic link to the instructor's solution notebook."""
    def write(folder: Path) -> None:
        target = Path("../../../solutions") / ctx.lesson.name / ctx.lesson.notebook
        (folder / ctx.lesson.notebook).symlink_to(target)
    return Built(write=write)


def read_files(ctx: Context, anchor: str, wrong: Iterable[str] = ()) -> Built:
    notebook = ctx.variant(wrong=wrong)
    sources = [snippets.READ_FILES, *snippets.READ_FILES_CALLS]
    for source in reversed(sources):
        insert_after(notebook, anchor, ctx.render(source))
    return Built(notebook)


def read_files_and_history(ctx: Context, anchor: str) -> Built:
    notebook = read_files(ctx, anchor).notebook
    return Built(ctx.variant(start=notebook, after=[("end", ctx.render(snippets.PRINT_HISTORY))]))


def print_history(ctx: Context, hook_anchor: str) -> Built:
    return cells(ctx, (hook_anchor, snippets.PRINT_HISTORY_HOOK), ("end", snippets.PRINT_HISTORY))


def leak_hidden_inputs(ctx: Context, exercises: Iterable[str]) -> Built:
    """Every exercise wrapped so that it logs the arguments it is called with, and the log published
    by every channel the kernel has (the attack of class 5 on hidden inputs)."""
    exercises = tuple(exercises)
    notebook = ctx.variant(after=[("imports", ctx.render(
        snippets.LEAK_HIDDEN_INPUTS, public=public_reprs(ctx, exercises)))])
    for name in exercises:
        insert_after(notebook, name, f"{name} = _rt_logged({name!r}, {name})\n")
    return Built(notebook)
