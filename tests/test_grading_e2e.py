"""End to end, through the ``course`` command: release, submit, grade, feedback, CSV.

A temporary course directory gets a copy of ``solutions/``; submissions are built with nbformat
from the generated release, one per kind of student the grader must cope with, and every score is
asserted exactly.
"""

from __future__ import annotations

import copy
import csv
import html
import re
import shutil
from pathlib import Path

import nbformat
import pytest

from course_lib.grading.cli import main as course

from .notebooks import SOLUTIONS, cell, completed, grade_test_cells, hidden_lines, lesson_names, read
from .redteam import l01, l03, l04
from .wrong_answers import WRONG_ANSWERS

pytestmark = pytest.mark.e2e

LESSON = "01_predict_compare_learn"
NOTEBOOK = f"{LESSON}.ipynb"
TIMEOUT = 5  # seconds per cell while grading: keeps the infinite-loop student short
MEMORY_LIMIT_GB = 2  # per student: the memory bomb hits it quickly


def _points(notebook, grade_id: str) -> float:
    return float(cell(notebook, grade_id).metadata.nbgrader["points"])


def _submissions(release, source) -> dict[str, object]:
    """Student id -> submitted notebook (or raw text, for a file that is not JSON)."""
    good = completed(release, source)

    wrong = copy.deepcopy(good)
    cell(wrong, "critical_alpha").source = "def critical_alpha(input):\n    return 1 / input**2"

    cheater = copy.deepcopy(good)  # a wrong step, and the step's test cell replaced by `pass`
    cell(cheater, "gradient_step").source = cell(cheater, "gradient_step").source.replace(
        "weight - alpha", "weight + alpha")
    cell(cheater, "test_gradient_step").source = "pass"

    deleted = copy.deepcopy(good)
    deleted.cells.remove(cell(deleted, "test_train"))

    duplicated = copy.deepcopy(good)
    index = duplicated.cells.index(cell(duplicated, "test_predict"))
    duplicated.cells.insert(index + 1, copy.deepcopy(duplicated.cells[index]))
    duplicated.cells[index + 1].id = "pasted-copy"

    syntax = copy.deepcopy(good)
    cell(syntax, "critical_alpha").source = "def critical_alpha(input)\n    return 2 / input**2"

    looping = copy.deepcopy(good)
    cell(looping, "train").source = ("def train(input, weight, goal_pred, alpha, n_iterations):\n"
                                     "    while True:\n        pass")

    bomb = copy.deepcopy(good)
    cell(bomb, "critical_alpha").source = ("def critical_alpha(input):\n    hoard = []\n"
                                          "    while True:\n        hoard.append(bytearray(50_000_000))")

    return {"alice_complete": good, "bob_blank": release, "carol_wrong_alpha": wrong,
            "dave_edits_test": cheater, "erin_deleted_test": deleted, "frank_duplicate": duplicated,
            "grace_syntax_error": syntax, "heidi_infinite_loop": looping,
            "ivan_invalid_json": '{"cells": [ this is not json', "judy_memory_bomb": bomb}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    shutil.copytree(SOLUTIONS / LESSON, root / "solutions" / LESSON)
    assert course([*_course_args(root), "release", LESSON]) == 0
    release = read(root / "notebooks" / LESSON / NOTEBOOK)
    source = read(SOLUTIONS / LESSON / NOTEBOOK)
    for student, submission in _submissions(release, source).items():
        folder = root / "submitted" / student / LESSON
        folder.mkdir(parents=True)
        if isinstance(submission, str):
            (folder / NOTEBOOK).write_text(submission)
        else:
            nbformat.write(submission, folder / NOTEBOOK)
    return root, source


def _course_args(root: Path) -> list[str]:
    """The gradebook kept outside the course directory, as an instructor may configure it."""
    return ["--root", str(root), "--db-url", f"sqlite:///{root.parent / (root.name + '-gradebook.db')}"]


def _csv(root: Path) -> dict[str, dict[str, str]]:
    with (root / "grades" / f"{LESSON}.csv").open() as handle:
        return {row["student_id"]: row for row in csv.DictReader(handle)}


def test_every_student_gets_the_exact_expected_score(graded, capsys):
    root, source = graded
    assert course([*_course_args(root), "grade", LESSON, "--timeout", str(TIMEOUT),
                   "--memory-limit", str(MEMORY_LIMIT_GB)]) == 0
    summary = capsys.readouterr().out
    total = sum(float(c.metadata.nbgrader["points"]) for c in grade_test_cells(source))
    expected = {
        "alice_complete": total,
        "bob_blank": 0.0,
        "carol_wrong_alpha": total - _points(source, "test_critical_alpha"),
        # The test is put back, and fails; train calls the student's gradient_step, so it fails too.
        "dave_edits_test": total - _points(source, "test_gradient_step") - _points(source, "test_train"),
        "erin_deleted_test": total,  # the deleted test comes back, and passes
        "frank_duplicate": total,
        "grace_syntax_error": total - _points(source, "test_critical_alpha"),
        "heidi_infinite_loop": total - _points(source, "test_train"),
        "ivan_invalid_json": 0.0,
        "judy_memory_bomb": total - _points(source, "test_critical_alpha"),
    }
    rows = _csv(root)
    assert not (root / "gradebook.db").exists()
    assert (root.parent / (root.name + "-gradebook.db")).is_file()
    assert sorted(rows) == sorted(expected), "the CSV must list every student"
    assert {s: float(r["score"]) for s, r in rows.items()} == expected
    assert {float(r["max_score"]) for r in rows.values()} == {total}
    assert rows["ivan_invalid_json"]["status"] == "error"
    assert "not a valid notebook" in rows["ivan_invalid_json"]["message"]
    assert re.search(r"ivan_invalid_json .*NOT GRADED: .*not a valid notebook", summary)
    assert all(rows[s]["status"] == "graded" for s in expected if s != "ivan_invalid_json")
    assert "'test_predict' appears more than once" in rows["frank_duplicate"]["message"]


def test_feedback_has_no_hidden_test_code(graded):
    root, source = graded
    hidden = hidden_lines(source)
    assert hidden, "the lesson should have hidden tests"
    pages = list((root / "feedback").glob(f"*/{LESSON}/*.html"))
    assert len(pages) == 9  # everyone but the student whose file is not a notebook
    for page in pages:
        text = html.unescape(re.sub(r"<[^>]+>", "", page.read_text()))
        assert "HIDDEN TESTS" not in text, page
        leaked = [line for line in hidden if line in text]
        assert not leaked, f"{page} shows hidden test code: {leaked}"


def test_feedback_shows_the_diagnosis(graded):
    root, _ = graded
    page = (root / "feedback" / "carol_wrong_alpha" / LESSON / f"{LESSON}.html").read_text()
    assert "the fastest, not the largest stable one" in page


RED_TEAMED = {module.LESSON.name for module in (l01, l03, l04)}
"""Lessons the red-team suite grades end to end already, honest, blank and wrong students included."""


@pytest.mark.parametrize("lesson", [name for name in lesson_names() if name not in {LESSON, *RED_TEAMED}])
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
