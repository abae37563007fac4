"""``course collect``: submissions from an LMS download (nbgrader's zip collect) and from nbgrader's
exchange (release → fetch → submit → collect, with students simulated in temporary home folders),
ending in ``submitted/<student>/<lesson>/<lesson>.ipynb``."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from course_lib.grading.cli import main as course
from course_lib.grading.collect import LessonFileCollector, valid_student_id
from course_lib.grading.config import COURSE_ID

from .notebooks import SOLUTIONS, cell, completed, read

LESSON = "01_predict_compare_learn"
NOTEBOOK = f"{LESSON}.ipynb"
NBGRADER = str(Path(sys.executable).parent / "nbgrader")


@pytest.fixture(scope="module")
def released(tmp_path_factory) -> Path:
    """A course directory with lesson 01's source and its student release (made once)."""
    root = tmp_path_factory.mktemp("released")
    shutil.copytree(SOLUTIONS / LESSON, root / "solutions" / LESSON)
    assert course(["--root", str(root), "release", LESSON]) == 0
    return root


@pytest.fixture
def root(released, tmp_path) -> Path:
    """A fresh copy of the released course directory."""
    return Path(shutil.copytree(released, tmp_path / "course"))


def _notebooks(root: Path) -> tuple[str, str]:
    """Two different submissions as text: the blank release and a completed one."""
    release = read(root / "notebooks" / LESSON / NOTEBOOK)
    return nbformat.writes(release), nbformat.writes(completed(release, read(SOLUTIONS / LESSON / NOTEBOOK)))


def _zip(path: Path, files: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return path


def _submitted(root: Path) -> dict[str, str]:
    return {p.parent.parent.name: p.read_text() for p in (root / "submitted").glob(f"*/{LESSON}/{NOTEBOOK}")}


# --- from an LMS download ---------------------------------------------------------------------


@pytest.mark.e2e
def test_zip_collect_puts_each_students_notebook_in_submitted(root, tmp_path, capsys):
    blank, done = _notebooks(root)
    download = _zip(tmp_path / "Lesson 01 - submissions.zip", {
        # as Canvas names them: <name>_<user id>_<submission id>_<the student's file name>
        f"submissions/ada_1001_5501_{NOTEBOOK}": done,
        "submissions/grace_late_1002_5502_01_predict_compare_learn-1.ipynb": blank,
        "submissions/grace_notes.txt": "not a notebook",
        "submissions/untitled.ipynb": blank,  # no student id in the name
        "submissions/.._1003_5503_lesson.ipynb": blank,  # a student id that would name ../
        "__MACOSX/submissions/._ada_1001_5501_lesson.ipynb": "resource fork",
    })
    assert course(["--root", str(root), "collect", LESSON, "--zip", str(download)]) == 0
    out = capsys.readouterr().out

    assert _submitted(root) == {"ada": done, "grace": blank}
    assert sorted(p.name for p in (root / "submitted").iterdir()) == ["ada", "grace"]
    assert "2 new" in out
    assert "grace_notes.txt: not a notebook" in out
    assert "untitled.ipynb: its name does not match the student pattern" in out
    assert "'..' is not a usable student id" in out
    assert (root / "downloaded" / LESSON / "archive" / download.name).is_file()
    assert list((root / "downloaded" / LESSON / "extracted").rglob(f"ada_*{NOTEBOOK}"))


@pytest.mark.e2e
def test_zip_collect_again_replaces_a_changed_submission_only_with_force(root, tmp_path, capsys):
    blank, done = _notebooks(root)
    first = _zip(tmp_path / "first.zip", {f"ada_{NOTEBOOK}": blank, f"bob_{NOTEBOOK}": blank})
    again = _zip(tmp_path / "again.zip", {f"ada_{NOTEBOOK}": done, f"bob_{NOTEBOOK}": blank})
    args = ["--root", str(root), "collect", LESSON, "--zip"]
    assert course([*args, str(first)]) == 0
    capsys.readouterr()

    assert course([*args, str(again)]) == 0
    out = capsys.readouterr().out
    assert "pass --force to replace it" in out and "1 unchanged, 1 kept" in out
    assert _submitted(root) == {"ada": blank, "bob": blank}
    assert [p.name for p in (root / "downloaded" / LESSON / "archive").iterdir()] == ["again.zip"]

    assert course([*args, str(again), "--force"]) == 0
    assert "1 updated, 1 unchanged" in capsys.readouterr().out
    assert _submitted(root) == {"ada": done, "bob": blank}


@pytest.mark.e2e
def test_student_pattern_is_configurable_and_checked(root, tmp_path, capsys):
    blank, _ = _notebooks(root)
    download = _zip(tmp_path / "lms.zip", {"Lesson 01 - s1234567 - attempt 2.ipynb": blank})
    args = ["--root", str(root), "collect", LESSON, "--zip", str(download)]
    assert course([*args, "--student-pattern", r"Lesson 01 - (?P<id>\w+)"]) == 2
    assert "needs a group (?P<student_id>...)" in capsys.readouterr().err
    assert course([*args, "--student-pattern", r"Lesson 01 - (?P<student_id>s\d+) - "]) == 0
    assert _submitted(root) == {"s1234567": blank}


def test_student_ids_must_be_plain_names():
    assert all(valid_student_id(s) for s in ["ada", "s1234567", "jane.doe@uni.edu", "o_brien-2"])
    assert not any(valid_student_id(s) for s in ["", ".", "..", ".hidden", "a/b", "Ada Lovelace", "a+b"])
    collector = LessonFileCollector(notebooks=["a.ipynb", "b.ipynb"])
    assert collector.notebook_name("1001_a.ipynb") == "a.ipynb"
    assert collector.notebook_name("other.ipynb") == "other.ipynb"
    assert LessonFileCollector(notebooks=[NOTEBOOK]).notebook_name("whatever-1.ipynb") == NOTEBOOK


@pytest.mark.e2e
def test_a_file_that_is_not_a_zip_is_refused(root, tmp_path, capsys):
    (tmp_path / "grades.zip").write_text("not a zip")
    assert course(["--root", str(root), "collect", LESSON, "--zip", str(tmp_path / "grades.zip")]) == 2
    assert "is not a zip archive" in capsys.readouterr().err


# --- through nbgrader's exchange ------------------------------------------------------------------


def _student_home(tmp_path: Path, student: str, exchange: Path) -> Path:
    """A student's home folder, with the nbgrader settings a course's JupyterHub would give them."""
    home = tmp_path / "home" / student
    (home / ".jupyter").mkdir(parents=True)
    (home / ".jupyter" / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.CourseDirectory.course_id = {COURSE_ID!r}\n"
        f"c.Exchange.root = {str(exchange)!r}\n")
    return home


def _as_student(home: Path, *args: str) -> None:
    """Run ``nbgrader ARGS`` as the student whose home is ``home`` (their id: the folder's name)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER")}
    env["HOME"] = str(home)
    subprocess.run([NBGRADER, *args, f"--student={home.name}"], cwd=home, env=env, check=True,
                   capture_output=True, text=True, timeout=60)


@pytest.mark.e2e
def test_exchange_release_fetch_submit_collect(root, tmp_path, capsys):
    exchange = tmp_path / "exchange"
    exchange.mkdir()
    instructor = ["--root", str(root)]
    assert course([*instructor, "release-to-exchange", LESSON, "--exchange-root", str(exchange)]) == 0
    assert (exchange / COURSE_ID / "outbound" / LESSON / NOTEBOOK).is_file()

    source = read(SOLUTIONS / LESSON / NOTEBOOK)
    handed_in = {}
    for student in ("ada", "bob"):
        home = _student_home(tmp_path, student, exchange)
        _as_student(home, "fetch_assignment", LESSON)
        mine = home / LESSON / NOTEBOOK
        if student == "ada":  # ada does the work; bob hands in the lesson as fetched
            nbformat.write(completed(read(mine), source), mine)
        _as_student(home, "submit", LESSON)
        handed_in[student] = mine.read_text()

    collect = [*instructor, "collect", LESSON, "--exchange", "--exchange-root", str(exchange)]
    assert course(collect) == 0
    assert "2 new" in capsys.readouterr().out
    assert _submitted(root) == handed_in
    assert all((root / "submitted" / s / LESSON / "timestamp.txt").is_file() for s in handed_in)

    bob = tmp_path / "home" / "bob" / LESSON / NOTEBOOK  # bob submits again, with one exercise done
    notebook = read(bob)
    cell(notebook, "predict").source = cell(completed(notebook, source), "predict").source
    nbformat.write(notebook, bob)
    _as_student(tmp_path / "home" / "bob", "submit", LESSON)
    assert course(collect) == 0
    out = capsys.readouterr().out
    assert "1 updated, 1 unchanged" in out
    assert _submitted(root) == {**handed_in, "bob": bob.read_text()}
