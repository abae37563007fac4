"""Grading a class in parallel and on a Dask cluster gives the same results as one student at a
time; an unchanged class is not graded again."""

from __future__ import annotations

import copy
import csv
import shutil
from pathlib import Path

import nbformat
import pytest

from course_lib.grading import grade
from course_lib.grading.cli import main as course

from .notebooks import SOLUTIONS, cell, completed, grade_test_cells, read

pytestmark = pytest.mark.e2e

LESSON = "01_predict_compare_learn"
NOTEBOOK = f"{LESSON}.ipynb"


@pytest.fixture(scope="module")
def classroom(tmp_path_factory):
    """A course with four students whose exact scores are known from the source's points."""
    root = tmp_path_factory.mktemp("parallel")
    shutil.copytree(SOLUTIONS / LESSON, root / "solutions" / LESSON)
    grade.Course(root).release([LESSON])
    release = read(root / "notebooks" / LESSON / NOTEBOOK)
    source = read(SOLUTIONS / LESSON / NOTEBOOK)
    good = completed(release, source)
    wrong = copy.deepcopy(good)
    cell(wrong, "critical_alpha").source = "def critical_alpha(input):\n    return 1 / input**2"
    crash = copy.deepcopy(good)
    cell(crash, "squared_error").source += "\nimport os\nos._exit(3)"
    points = {c.metadata.nbgrader["grade_id"]: c.metadata.nbgrader["points"]
              for c in grade_test_cells(source)}
    total = sum(points.values())
    expected = {"ann": total, "ben": 0.0, "cat": total - points["test_critical_alpha"],
                # squared_error never gets defined; train uses it
                "dan": total - points["test_squared_error"] - points["test_train"]}
    for student, notebook in zip(expected, (good, release, wrong, crash), strict=True):
        (root / "submitted" / student / LESSON).mkdir(parents=True)
        nbformat.write(notebook, root / "submitted" / student / LESSON / NOTEBOOK)
    return root, expected


def _scores(root: Path) -> dict[str, float]:
    with (root / "grades" / f"{LESSON}.csv").open() as handle:
        return {row["student_id"]: float(row["score"]) for row in csv.DictReader(handle)}


def test_two_local_workers_grade_exactly(classroom, capsys):
    root, expected = classroom
    assert course(["--root", str(root), "grade", LESSON, "--jobs", "2", "--timeout", "10"]) == 0
    assert _scores(root) == expected
    assert len(list((root / "feedback").glob(f"*/{LESSON}/*.html"))) == len(expected)


def test_an_unchanged_class_is_not_graded_again(classroom, capsys, monkeypatch):
    root, expected = classroom
    capsys.readouterr()
    monkeypatch.setattr(grade.Course, "grade_student", _must_not_run)
    monkeypatch.setattr(grade.dispatch, "submit_student", _must_not_run)
    monkeypatch.setattr(grade.Course, "release", _must_not_run)  # released already, nothing changed
    assert course(["--root", str(root), "grade", LESSON]) == 0
    out = capsys.readouterr().out
    assert all(student in out for student in expected), "every student is reported again"
    assert _scores(root) == expected


def test_one_student_can_be_regraded_alone(classroom, capsys):
    root, expected = classroom
    before = (root / "grades" / ".results" / LESSON / "ann.json").stat().st_mtime_ns
    other = (root / "grades" / ".results" / LESSON / "cat.json").stat().st_mtime_ns
    assert course(["--root", str(root), "grade", LESSON, "--student", "ann", "--force"]) == 0
    assert (root / "grades" / ".results" / LESSON / "ann.json").stat().st_mtime_ns > before
    assert (root / "grades" / ".results" / LESSON / "cat.json").stat().st_mtime_ns == other
    assert _scores(root) == expected


def _must_not_run(*args, **kwargs):
    raise AssertionError("an unchanged submission was graded again")


def test_a_dask_cluster_grades_exactly_like_this_machine(classroom, tmp_path, monkeypatch):
    distributed = pytest.importorskip("distributed")
    root, expected = classroom
    monkeypatch.chdir(tmp_path)  # the workers' working directory holds nothing of the course
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  local_directory=str(tmp_path / "dask")) as cluster:
        address = cluster.scheduler_address
        results = grade.Course(root).grade(LESSON, timeout=10, force=True, scheduler=address)
    assert {r.student_id: r.score for r in results} == expected
    assert _scores(root) == expected


def test_a_lesson_is_released_again_only_when_something_it_depends_on_changed(classroom, tmp_path):
    root, _ = classroom
    lesson = grade.Course(root)
    assert not lesson.ensure_released(LESSON)
    stray = root / "notebooks" / LESSON / "stray.txt"  # the release folder was edited by hand
    stray.write_text("not from the source")
    assert lesson.ensure_released(LESSON)
    assert not lesson.ensure_released(LESSON)
    other_gradebook = grade.Course(root, db_url=f"sqlite:///{tmp_path / 'other.db'}")
    assert other_gradebook.ensure_released(LESSON), "a gradebook that does not know the lesson"
    assert not other_gradebook.ensure_released(LESSON)
    config = root / "nbgrader_config.py"
    config.write_text("c = get_config()\n")
    assert lesson.ensure_released(LESSON)
    config.unlink()
    assert lesson.ensure_released(LESSON)
    assert not lesson.ensure_released(LESSON)
