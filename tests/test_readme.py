"""README's lesson table says what the lessons are: every lesson, in order, with the number of
exercises and points its solution notebook grades."""

from __future__ import annotations

import re

from course_lib.checks.registry import lessons

from .notebooks import ROOT, SOLUTIONS, grade_test_cells, read, solution_ids


def _table() -> list[list[str]]:
    text = (ROOT / "README.md").read_text()
    start = text.index("| # | lesson | exercises | points | status |")
    rows = text[start:].split("\n\n", 1)[0].splitlines()[2:]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows]


def test_the_lesson_table_lists_every_lesson_with_its_exercises_and_points():
    table = {number: (exercises, points, status) for number, _, exercises, points, status in _table()}
    expected = {}
    for lesson in lessons():
        notebook = read(SOLUTIONS / lesson / f"{lesson}.ipynb")
        points = sum(cell.metadata.nbgrader["points"] for cell in grade_test_cells(notebook))
        expected[lesson[:2]] = (str(len(solution_ids(notebook))), f"{points:g}", "ready")
    assert table == expected


def test_each_lesson_row_says_what_it_teaches():
    for number, text, *_ in _table():
        assert re.fullmatch(r"\d\d", number) and " — " in text and len(text) > 60, (number, text)
