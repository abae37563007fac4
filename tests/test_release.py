"""The student release: generated from solutions/ without drift, and every test cell bites.

- ``notebooks/`` is exactly what ``course release`` makes of ``solutions/``;
- ``nbgrader validate`` passes on every source notebook, and ``--invert`` on every release
  notebook (every test cell fails when nothing is filled in);
- each test cell also fails, with the expected hint, on typical wrong answers written as a
  student would write them, in an otherwise correct notebook.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest
from nbclient import NotebookClient
from nbgrader.validator import Validator

from course_lib.grading.cli import main as course

from .notebooks import RELEASE, SOLUTIONS, cell, completed, grade_test_cells, lesson_names, read
from .wrong_answers import WRONG_ANSWERS


@pytest.fixture(autouse=True)
def _environment_on_path(monkeypatch):
    # nbgrader's gradebook runs `alembic` by name
    monkeypatch.setenv("PATH", str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"])


def test_release_has_no_drift(tmp_path):
    shutil.copytree(SOLUTIONS, tmp_path / "solutions")
    assert course(["--root", str(tmp_path), "release"]) == 0
    generated = sorted(p.relative_to(tmp_path / "notebooks") for p in (tmp_path / "notebooks").rglob("*")
                       if p.is_file())
    committed = sorted(p.relative_to(RELEASE) for p in RELEASE.rglob("*") if p.is_file()
                       and ".ipynb_checkpoints" not in p.parts)
    assert generated == committed, "run `course release` and commit notebooks/"
    for relative in generated:
        assert (tmp_path / "notebooks" / relative).read_bytes() == (RELEASE / relative).read_bytes(), (
            f"notebooks/{relative} differs from what `course release` generates: run it and commit")


@pytest.mark.parametrize("lesson", lesson_names())
def test_every_lesson_has_graded_exercises_and_wrong_answers_to_prove_them(lesson):
    source = read(SOLUTIONS / lesson / f"{lesson}.ipynb")
    tests = grade_test_cells(source)
    assert tests, "a lesson without graded exercises"
    assert lesson in WRONG_ANSWERS, f"add tests/wrong_answers/l{lesson[:2]}.py for {lesson}"
    exercises = {exercise for exercise, _, _ in WRONG_ANSWERS[lesson]}
    for test in tests:
        exercise = test.metadata.nbgrader["grade_id"].removeprefix("test_")
        assert exercise in exercises, f"no wrong answers listed for {exercise}"
        assert sum(e == exercise for e, _, _ in WRONG_ANSWERS[lesson]) >= 2


@pytest.mark.parametrize("path", sorted(SOLUTIONS.glob("*/*.ipynb")), ids=lambda p: p.parent.name)
def test_nbgrader_validate_passes_on_the_source(path):
    assert Validator().validate(str(path)) == {}


@pytest.mark.parametrize("path", sorted(RELEASE.glob("*/*.ipynb")), ids=lambda p: p.parent.name)
def test_every_test_cell_fails_on_the_blank_release(path):
    assert Validator(invert=True).validate(str(path)) == {}


def _run(notebook, folder: Path):
    NotebookClient(notebook, timeout=120, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(folder)}}).execute()
    return notebook


def _error_text(test_cell) -> str | None:
    errors = [o for o in test_cell.outputs if o.output_type == "error"]
    return f"{errors[0].ename}: {errors[0].evalue}" if errors else None


CASES = [(lesson, *wrong) for lesson, wrongs in WRONG_ANSWERS.items() for wrong in wrongs]


@pytest.mark.parametrize(("lesson", "exercise", "source", "hint"), CASES,
                         ids=[f"{c[1]}-{i}" for i, c in enumerate(CASES)])
def test_the_test_cell_fails_on_a_typical_wrong_answer(lesson, exercise, source, hint):
    release = read(RELEASE / lesson / f"{lesson}.ipynb")
    notebook = completed(release, read(SOLUTIONS / lesson / f"{lesson}.ipynb"))
    cell(notebook, exercise).source = source
    test = cell(notebook, f"test_{exercise}")
    del notebook.cells[notebook.cells.index(test) + 1:]  # later cells cannot change this verdict
    _run(notebook, RELEASE / lesson)
    error = _error_text(cell(notebook, f"test_{exercise}"))
    assert error is not None, f"test_{exercise} passed a wrong answer"
    assert error.startswith("AssertionError"), error
    assert hint in error


@pytest.mark.parametrize("lesson", lesson_names())
def test_the_completed_release_passes_every_test_cell(lesson):
    release = read(RELEASE / lesson / f"{lesson}.ipynb")
    notebook = _run(completed(release, read(SOLUTIONS / lesson / f"{lesson}.ipynb")), RELEASE / lesson)
    failing = {c.metadata.nbgrader["grade_id"]: _error_text(c) for c in grade_test_cells(notebook)
               if _error_text(c)}
    assert failing == {}
    streams = [o for c in grade_test_cells(notebook) for o in c.outputs if o.output_type == "stream"]
    assert all(o.name == "stdout" for o in streams), "a test cell wrote to stderr (nbgrader scores it 0)"
