"""The class report (``course report``): its counting on hand-written records, the page, and one
end-to-end run over a graded class of known submissions."""

from __future__ import annotations

import copy
import html
import json
import re
import shutil
from pathlib import Path

import nbformat
import pytest

from course_lib.checks.core import judge
from course_lib.checks.learning import CHECKS as LESSON_01_CHECKS
from course_lib.grading import report
from course_lib.grading.cli import main as course
from course_lib.grading.grade import Course

from .notebooks import SOLUTIONS, cell, completed, grade_test_cells, read

LESSON = "01_predict_compare_learn"
NOTEBOOK = f"{LESSON}.ipynb"

A, B = report.Exercise("test_alpha", 1.0), report.Exercise("test_beta", 2.0)


def _verdict(exercise: report.Exercise, passed: bool, *hints: str) -> dict:
    return {"grade_id": exercise.grade_id, "points": exercise.points, "passed": passed, "hints": list(hints)}


def _record(student: str, status: str, score: float, *verdicts: dict, message: str = "") -> dict:
    return {"digest": "d", "version": "v", "exercises": list(verdicts),
            "result": {"student_id": student, "score": score, "max_score": 3.0, "status": status,
                       "message": message}}


RECORDS = {
    "ann": _record("ann", "graded", 3.0, _verdict(A, True), _verdict(B, True)),
    "ben": _record("ben", "graded", 1.0, _verdict(A, True), _verdict(B, False, "sign flipped")),
    "cat": _record("cat", "graded", 0.0, _verdict(A, False), _verdict(B, False, "sign flipped", "off by 2")),
    "dan": _record("dan", "error", 0.0, message="broken JSON at line 1"),
    "eve": None,  # submitted, not graded yet
    "fay": _record("fay", "graded", 1.0, _verdict(A, True), _verdict(B, False, report.NOT_WRITTEN_HINT)),
}


def _class() -> report.ClassReport:
    students = [report.student_result(student, record) for student, record in RECORDS.items()]
    return report.summarize(LESSON, [A, B], students)


def test_the_summary_counts_students_by_status_and_scores_only_graded_ones():
    summary = _class()
    assert [len(summary.with_status(s)) for s in ("graded", "error", "pending")] == [4, 1, 1]
    assert summary.max_score == 3.0
    assert sorted(summary.scores) == [0.0, 1.0, 1.0, 3.0]
    assert summary.mean == pytest.approx(5 / 4)
    assert summary.median == 1.0


def test_pass_rates_and_mistakes_are_counted_per_exercise_over_graded_submissions():
    alpha, beta = _class().exercises
    assert (alpha.exercise, alpha.graded, alpha.passed, alpha.unexplained, alpha.known) == (A, 4, 3, 1, 0)
    assert alpha.mistakes == ()
    assert (beta.graded, beta.passed, beta.unexplained, beta.known, beta.not_written) == (4, 1, 0, 2, 1)
    assert [(m.hint, m.students) for m in beta.mistakes] == [("sign flipped", 2), ("off by 2", 1)]
    assert beta.mistakes[0].share == pytest.approx(2 / 4)
    assert beta.pass_rate == pytest.approx(1 / 4)


def test_a_blank_exercise_is_not_written_with_the_hint_the_checks_give():
    """The report recognises blanks by the checks' own hint for them."""
    check = LESSON_01_CHECKS["predict"]
    (failure,) = judge(check, check.public, [{"stop": "not written"}])
    assert failure.hint == report.NOT_WRITTEN_HINT


def test_a_hint_counts_once_per_student_and_passing_students_give_none():
    students = [report.student_result("x", _record("x", "graded", 0, _verdict(A, False, "h", "h"))),
                report.student_result("y", _record("y", "graded", 1, _verdict(A, True, "stray")))]
    (alpha,) = report.summarize(LESSON, [A], students).exercises
    assert [(m.hint, m.students) for m in alpha.mistakes] == [("h", 1)]


def test_exercises_keep_notebook_order_and_unknown_ones_come_last():
    odd = report.Exercise("test_gone", 1.0)
    record = _record("x", "graded", 0, _verdict(odd, False), _verdict(B, True))
    students = [report.student_result("x", record)]
    summary = report.summarize(LESSON, [B, A], students)
    assert [e.exercise.grade_id for e in summary.exercises] == ["test_beta", "test_alpha", "test_gone"]
    assert summary.max_score == 3.0, "points of exercises the lesson no longer has do not count"
    assert summary.exercises[1].graded == 0 and summary.exercises[1].pass_rate is None


def test_a_broken_record_is_not_graded_yet():
    assert report.student_result("x", {"result": "nonsense"}).status == "pending"
    assert report.student_result("x", None).status == "pending"


def test_the_page_escapes_student_ids_and_hints_and_cuts_the_hint_list():
    hints = [f"hint <{i}> & `code`" for i in range(7)]
    students = [report.student_result(f"s{i}", _record(f"s{i}", "graded", 0, _verdict(A, False, hints[i])))
                for i in range(7)]
    evil = '<img src=x onerror="alert(1)">'
    students.append(report.student_result(evil, _record(evil, "error", 0, message="<b>bad</b>")))
    page = report.render_html(report.summarize("<lesson>", [A], students))
    assert evil not in page and "<b>bad" not in page and "<lesson>" not in page
    assert html.escape(evil) in page and "&lt;b&gt;bad&lt;/b&gt;" in page
    assert page.count('class="hint"') == report.TOP_MISTAKES
    assert "… 2 more known mistake(s)" in page
    assert "hint &lt;0&gt; &amp; <code>code</code>" in page


def _temporary_course(tmp_path: Path) -> Path:
    shutil.copytree(SOLUTIONS / LESSON, tmp_path / "solutions" / LESSON)
    return tmp_path


def test_without_results_the_command_says_to_grade_first(tmp_path, capsys):
    root = _temporary_course(tmp_path)
    assert course(["--root", str(root), "report", LESSON]) == 2
    assert f"no grading results for {LESSON} yet" in capsys.readouterr().err
    assert not (root / "reports").exists()
    assert course(["--root", str(root), "report", "99_nothing"]) == 2
    assert "no such lesson" in capsys.readouterr().err


def test_the_report_is_written_from_stored_records_alone(tmp_path):
    root = _temporary_course(tmp_path)
    exercises = report.lesson_exercises(root / "solutions" / LESSON)
    assert [e.name for e in exercises] == ["predict", "squared_error", "gradient_step", "train",
                                           "critical_alpha"]
    folder = root / "grades" / ".results" / LESSON
    folder.mkdir(parents=True)
    everything = [_verdict(e, True) for e in exercises]
    (folder / "ann.json").write_text(json.dumps(_record("ann", "graded", 8.0, *everything)))
    (folder / "bob.json").write_text(json.dumps(_record("bob", "error", 0.0, message="not a notebook")))
    page, summary = report.write_report(Course(root), LESSON)
    assert page == root / "reports" / LESSON / "index.html"
    for figure in (report.SCORE_FIGURE, report.PASS_RATE_FIGURE):
        assert (page.parent / figure).read_bytes().startswith(b"\x89PNG")
        assert f'src="{figure}"' in page.read_text()
    assert [s.student_id for s in summary.students] == ["ann", "bob"]
    assert all(e.pass_rate == 1.0 for e in summary.exercises)


# --- end to end: grade a known class, then report on it ----------------------------------------

ONE_STEP_HINT = "1 / input**2 is the alpha that lands on the goal in *one* step"
MIX = {  # student -> what their submission does wrong, per exercise
    "amy_complete": {},
    "bea_complete": {},
    "cid_blank": "blank",  # every exercise left as released
    "dee_one_step_alpha": {"critical_alpha": ONE_STEP_HINT},  # a known mistake
    "eli_broken_json": None,  # not a notebook: rejected
}


def _build_class(root: Path) -> None:
    release = read(root / "notebooks" / LESSON / NOTEBOOK)
    good = completed(release, read(SOLUTIONS / LESSON / NOTEBOOK))
    one_step = copy.deepcopy(good)
    cell(one_step, "critical_alpha").source = "def critical_alpha(input):\n    return 1 / input**2"
    notebooks = {"amy_complete": good, "bea_complete": good, "cid_blank": release,
                 "dee_one_step_alpha": one_step}
    for student in MIX:
        folder = root / "submitted" / student / LESSON
        folder.mkdir(parents=True)
        if student in notebooks:
            nbformat.write(notebooks[student], folder / NOTEBOOK)
        else:
            (folder / NOTEBOOK).write_text('{"cells": [ not json')


def _expected(exercise: str) -> dict[str, int]:
    """Graded, passed, not written and known-mistake counts of ``exercise``, from the mix."""
    graded = {s: wrong for s, wrong in MIX.items() if wrong is not None}
    blank = sum(wrong == "blank" for wrong in graded.values())
    known = sum(isinstance(wrong, dict) and exercise in wrong for wrong in graded.values())
    return {"graded": len(graded), "passed": len(graded) - blank - known, "not_written": blank,
            "known": known, "unexplained": 0}


@pytest.mark.e2e
def test_report_of_a_graded_class_shows_its_pass_rates_and_known_mistakes(tmp_path, capsys):
    root = _temporary_course(tmp_path)
    args = ["--root", str(root)]
    assert course([*args, "release", LESSON]) == 0
    _build_class(root)
    assert course([*args, "grade", LESSON, "--timeout", "10"]) == 0
    capsys.readouterr()
    assert course([*args, "report", LESSON]) == 0
    assert f"reports/{LESSON}/index.html" in capsys.readouterr().out

    source = read(SOLUTIONS / LESSON / NOTEBOOK)
    exercises = [c.metadata.nbgrader["grade_id"].removeprefix("test_") for c in grade_test_cells(source)]
    page = (root / "reports" / LESSON / "index.html").read_text()
    rows = {name: (int(passed), int(of)) for name, passed, of in
            re.findall(r'data-exercise="(\w+)" data-passed="(\d+)" data-graded="(\d+)"', page)}
    assert list(rows) == exercises, "exercises in notebook order"
    assert rows == {name: (_expected(name)["passed"], _expected(name)["graded"]) for name in exercises}

    summary = report.load(Course(root), LESSON)
    assert len(summary.with_status("error")) == sum(wrong is None for wrong in MIX.values())
    for e in summary.exercises:
        assert {key: getattr(e, key) for key in _expected(e.exercise.name)} == _expected(e.exercise.name)
    (alpha,) = [e for e in summary.exercises if e.exercise.name == "critical_alpha"]
    assert [(m.hint[:len(ONE_STEP_HINT)], m.students) for m in alpha.mistakes] == [(ONE_STEP_HINT, 1)]
    hint_rows = re.findall(r'<tr class="hint" data-count="(\d+)"><td>([^<]*)', page)
    assert [(text[:len(ONE_STEP_HINT)], count) for count, text in hint_rows] == [(ONE_STEP_HINT, "1")]
    assert re.search(r"Rejected \(could not be graded, scored 0\)</th><td>1<", page)
    assert "eli_broken_json" in page and "not a valid notebook" in page
