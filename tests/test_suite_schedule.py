"""The suite's own scheduling (``conftest.py``): which tests go to a worker together, and that the
longest-first list names parts of the suite that exist."""

from __future__ import annotations

from conftest import LONGEST_FIRST, scope_of

from .notebooks import ROOT


def test_a_red_team_lesson_is_a_scope_of_its_own():
    assert scope_of("tests/test_redteam.py::test_grading_run_completes[04]") == "tests/test_redteam.py[04]"
    red_team = "tests/test_redteam.py::test_score_in_csv[01-r07_kill_grader]"
    assert scope_of(red_team) == "tests/test_redteam.py[01]"


def test_the_browser_tests_are_one_scope_and_others_keep_xdists():
    assert scope_of("tests/browser/test_first_steps.py::test_x[01_predict_compare_learn]") == "tests/browser"
    release = "tests/test_release.py::TestLesson04::test_y[a-1]"
    assert scope_of(release) == "tests/test_release.py::TestLesson04"
    assert scope_of("tests/test_learning.py::test_z[01]") == "tests/test_learning.py"
    assert scope_of("solutions/01_a/01_a.ipynb::Cell 3") == "solutions/01_a/01_a.ipynb"


def test_every_longest_first_entry_names_a_part_of_the_suite():
    for entry in LONGEST_FIRST:
        path = entry.split("::")[0].split("[")[0]
        assert (ROOT / path).exists(), f"{entry}: no {path} (renamed? update conftest.LONGEST_FIRST)"
