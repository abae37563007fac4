"""The pieces of the grading wrapper, without running nbgrader."""

from __future__ import annotations

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from course_lib.grading import grade, worker
from course_lib.grading.cli import main as course
from course_lib.grading.execute import Plan
from course_lib.grading.feedback import HideTestTracebacks
from course_lib.grading.sanitize import DropEmptyGraderMetadata
from course_lib.grading.submissions import duplicated_cells, notebook_problem

from .notebooks import SOLUTIONS, read


def _graded(source: str, grade_id: str, solution: bool = False):
    cell = new_code_cell(source)
    cell.metadata.nbgrader = {"grade": not solution, "solution": solution, "grade_id": grade_id,
                              "locked": not solution, "schema_version": 3, "points": 1}
    return cell


def test_notebook_problems_are_sentences(tmp_path):
    assert notebook_problem(tmp_path / "lesson.ipynb") == "lesson.ipynb is missing from the submission"
    (tmp_path / "broken.ipynb").write_text('{"cells": [')
    assert notebook_problem(tmp_path / "broken.ipynb").startswith(
        "broken.ipynb is not a valid notebook: broken JSON at line 1")
    (tmp_path / "odd.ipynb").write_text('{"cells": 3}')
    assert "odd.ipynb is not a valid notebook" in notebook_problem(tmp_path / "odd.ipynb")
    nbformat.write(new_notebook(), tmp_path / "fine.ipynb")
    assert notebook_problem(tmp_path / "fine.ipynb") is None


def test_duplicated_cells_are_found(tmp_path):
    notebook = new_notebook(cells=[_graded("1", "test_a"), _graded("2", "test_a"), _graded("3", "test_b")])
    nbformat.write(notebook, tmp_path / "n.ipynb")
    assert duplicated_cells(tmp_path / "n.ipynb") == ["test_a"]


def test_feedback_tracebacks_of_test_cells_keep_only_the_message():
    test = _graded("check(x)\n### BEGIN HIDDEN TESTS\nsecret()\n### END HIDDEN TESTS", "test_a")
    answer = _graded("x = 1", "a", solution=True)
    for cell in (test, answer):
        cell.outputs = [new_output("error", ename="AssertionError", evalue="expected 3, got 2",
                                   traceback=["----> 3 secret()", "AssertionError: expected 3, got 2"])]
    notebook, _ = HideTestTracebacks().preprocess(new_notebook(cells=[test, answer]), {})
    assert notebook.cells[0].outputs[0].traceback == ["AssertionError: expected 3, got 2"]
    assert notebook.cells[1].outputs[0].traceback[0] == "----> 3 secret()"  # the student's own code


def test_empty_grader_metadata_is_dropped():
    copied = new_code_cell("x")
    copied.metadata.nbgrader = {}
    kept = _graded("y", "test_a")
    notebook, _ = DropEmptyGraderMetadata().preprocess(new_notebook(cells=[copied, kept]), {})
    assert "nbgrader" not in notebook.cells[0].metadata
    assert notebook.cells[1].metadata.nbgrader["grade_id"] == "test_a"


def test_error_summary_picks_the_exception():
    log = ("[ERROR] Traceback (most recent call last):\n  File 'x.py', line 3\n"
           "    KeyError: 'grade_id'\n[ERROR] There was an error processing assignment 'a'\n")
    error = "nbgrader.converters.base.NbGraderException: Please see the the above traceback"
    assert grade._error_summary({"log": log, "error": error}) == "nbgrader failed: KeyError: 'grade_id'"


def test_course_refuses_a_directory_without_solutions(tmp_path, capsys):
    assert course(["--root", str(tmp_path), "release"]) == 2
    assert "no solutions/ directory" in capsys.readouterr().err


def test_course_names_the_lessons_when_one_is_unknown(tmp_path, capsys):
    (tmp_path / "solutions" / "01_x").mkdir(parents=True)
    assert course(["--root", str(tmp_path), "release", "02_y"]) == 2
    assert "no such lesson in solutions/: 02_y (lessons: 01_x)" in capsys.readouterr().err


def test_course_help_lists_the_commands(capsys):
    with pytest.raises(SystemExit) as exit_:
        course(["--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert all(command in out for command in ("release", "grade", "run-solutions"))


def test_the_gradebook_url_comes_from_the_config_file_or_the_command_line(tmp_path):
    from course_lib.grading.nbgrader_api import load_config

    assert "db_url" not in load_config(tmp_path).CourseDirectory  # nbgrader's default: root/gradebook.db
    (tmp_path / "nbgrader_config.py").write_text(
        "c = get_config()\nc.CourseDirectory.db_url = 'sqlite:////srv/class.db'\n")
    assert load_config(tmp_path).CourseDirectory.db_url == "sqlite:////srv/class.db"
    assert load_config(tmp_path, db_url="sqlite:////x.db").CourseDirectory.db_url == "sqlite:////x.db"
    assert load_config(tmp_path, timeout=7).Execute.timeout == 7


def test_progress_is_one_line_per_student_when_not_on_a_terminal(capsys):
    from course_lib.grading import cli

    with cli._progress(2) as report:
        report(grade.StudentResult("ann", 8.0, 8.0, "graded"))
        report(grade.StudentResult("ben", 0.0, 8.0, "error", "broken JSON"))
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["ann", "8.0", "/", "8.0"]
    assert "ben" in lines[1] and "NOT GRADED: broken JSON" in lines[1]


def test_the_grade_command_passes_its_limits_on(monkeypatch, tmp_path):
    """``--timeout`` and ``--memory-limit`` reach the grading run (the red team grades with the
    default memory limit)."""
    seen = {}
    monkeypatch.setattr(grade.Course, "submitted_students", lambda self, assignment: ["alice"])
    monkeypatch.setattr(grade.Course, "grade",
                        lambda self, assignment, **options: seen.update(options) or [])
    assert course(["--root", str(tmp_path), "grade", "01_predict_compare_learn", "--timeout", "7",
                   "--memory-limit", "1.5"]) == 0
    assert (seen["timeout"], seen["memory_limit_gb"], seen["draw_figures"]) == (7, 1.5, False)
    assert course(["--root", str(tmp_path), "grade", "01_predict_compare_learn", "--draw-figures"]) == 0
    assert seen["draw_figures"] is True


@pytest.mark.parametrize(("lesson", "libraries"),
                         [("01_predict_compare_learn", []), ("04_autograd_engine", ["torch"])])
def test_a_kernel_loads_ahead_the_libraries_its_lesson_imports_then_freezes_them(lesson, libraries):
    source = read(SOLUTIONS / lesson / f"{lesson}.ipynb")
    plan = Plan(source, source, timeout=30, seed=0)
    assert plan.libraries == libraries
    lines = worker._warm_lines(tuple(plan.modules), tuple(plan.libraries))
    assert [line for line in lines if line.startswith("import torch")] == [f"import {n}" for n in libraries]
    assert lines[-1] == "import gc; gc.freeze()", "the libraries are frozen after every import"
