"""End to end, through the ``course`` command: release, submit, grade, CSV, for each lesson that
the red-team suite (``tests/test_redteam.py``) does not grade already.

A temporary course directory gets a copy of ``solutions/``; a complete, a blank and a wrong
submission are built with nbformat from the generated release, and every score is asserted exactly.
Malformed submissions (a test cell edited, deleted or pasted twice, a syntax error, a file that is
not a notebook, an endless loop, a memory bomb) are among the red team's students of lesson 01.
"""

from __future__ import annotations

import csv
import shutil

import nbformat
import pytest

from course_lib.grading.cli import main as course

from .notebooks import SOLUTIONS, cell, completed, grade_test_cells, lesson_names, read
from .redteam import l01, l03, l04, l06
from .wrong_answers import WRONG_ANSWERS

pytestmark = pytest.mark.e2e

RED_TEAMED = {module.LESSON.name for module in (l01, l03, l04, l06)}
"""Lessons the red-team suite grades end to end already, honest, blank and wrong students included."""


@pytest.mark.parametrize("lesson", [name for name in lesson_names() if name not in RED_TEAMED])
def test_every_other_lesson_grades_complete_blank_and_wrong_exactly(lesson, tmp_path):
    """Each lesson through the same pipeline, with the last exercise answered wrong (nothing later
    can depend on it, so exactly its points are lost). Lessons the red team grades are left to it
    (``tests/test_redteam.py``: complete students before, between and after the attacks, one with
    every exercise wrong, one blank, exact scores)."""
    shutil.copytree(SOLUTIONS / lesson, tmp_path / "solutions" / lesson)
    assert course(["--root", str(tmp_path), "release", lesson]) == 0
    notebook = f"{lesson}.ipynb"
    release = read(tmp_path / "notebooks" / lesson / notebook)
    source = read(SOLUTIONS / lesson / notebook)
    last_test = grade_test_cells(source)[-1]
    exercise = last_test.metadata.nbgrader["grade_id"].removeprefix("test_")
    wrong = completed(release, source)
    cell(wrong, exercise).source = next(src for ex, src, _ in WRONG_ANSWERS[lesson] if ex == exercise)
    for student, submission in {"complete": completed(release, source), "blank": release,
                                "wrong": wrong}.items():
        (tmp_path / "submitted" / student / lesson).mkdir(parents=True)
        nbformat.write(submission, tmp_path / "submitted" / student / lesson / notebook)
    assert course(["--root", str(tmp_path), "grade", lesson]) == 0
    with (tmp_path / "grades" / f"{lesson}.csv").open() as handle:
        scores = {row["student_id"]: float(row["score"]) for row in csv.DictReader(handle)}
    total = sum(float(c.metadata.nbgrader["points"]) for c in grade_test_cells(source))
    assert scores == {"complete": total, "blank": 0.0,
                      "wrong": total - float(last_test.metadata.nbgrader["points"])}

