"""The student release: generated from solutions/ without drift, and every test cell bites.

- ``notebooks/`` is exactly what ``course release`` makes of ``solutions/``;
- the completed release passes every test cell, and the source's saved outputs show its test cells
  passing, hidden tests included (``pytest --nbval`` reproduces those outputs);
- each test cell fails, with a true message, on typical wrong answers (tests/wrong_answers), and
  passes the accepted alternatives.

All but the first run in one kernel per lesson (tests/replay.py): the completed notebook once,
then each answer's cell and its test cell. That every test cell fails on the blank release (what
``nbgrader validate --invert`` checked) is shown by tests/test_student_states.py, which runs it.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path

import pytest

from course_lib.grading.cli import main as course

from .notebooks import RELEASE, SOLUTIONS, grade_test_cells, lesson_names, read
from .replay import LessonKernel, error, text
from .wrong_answers import ALTERNATIVES, WRONG, Alternative, Rewritten, Wrong


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


def _exercises(lesson: str) -> list[str]:
    tests = grade_test_cells(read(SOLUTIONS / lesson / f"{lesson}.ipynb"))
    return [test.metadata.nbgrader["grade_id"].removeprefix("test_") for test in tests]


@pytest.mark.parametrize("lesson", lesson_names())
def test_every_exercise_has_wrong_answers_and_an_alternative_that_still_apply(lesson):
    """At least two wrong answers and one alternative per exercise, each an edit that still applies
    to the solution (its old text occurs exactly once)."""
    exercises = _exercises(lesson)
    assert exercises, "a lesson without graded exercises"
    assert lesson in WRONG, f"add tests/wrong_answers/l{lesson[:2]}.py for {lesson}"
    for exercise in exercises:
        assert sum(w.exercise == exercise for w in WRONG[lesson]) >= 2, f"wrong answers to {exercise}"
        assert any(a.exercise == exercise for a in ALTERNATIVES[lesson]), f"an alternative for {exercise}"
    for answer in WRONG[lesson] + ALTERNATIVES[lesson]:
        assert answer.exercise in exercises, answer
        answer.source(lesson)  # asserts that each edit applies once


def _slug(answer: Wrong | Rewritten | Alternative) -> str:
    """A readable test id fragment: the first line of the edit's new text (or the hint)."""
    if isinstance(answer, Rewritten):
        words = answer.hint or "rewritten"
    else:
        news = (answer.new,) if isinstance(answer.new, str) else answer.new
        words = next((line for new in news for line in new.splitlines() if line.strip()), "deleted")
    return re.sub(r"\W+", "_", words).strip("_")[:40] or "edit"


def _ids(answers: list) -> list[str]:
    seen: dict[str, int] = {}
    ids = []
    for answer in answers:
        seen[answer.exercise] = seen.get(answer.exercise, 0) + 1
        ids.append(f"{answer.exercise}-{seen[answer.exercise]}-{_slug(answer)}")
    return ids


def pytest_generate_tests(metafunc):
    """Each lesson class's replays, one test per answer, named after it."""
    lesson = getattr(metafunc.cls, "lesson", None)
    for argname, table in (("wrong", WRONG), ("alternative", ALTERNATIVES)):
        if lesson is not None and argname in metafunc.fixturenames:
            metafunc.parametrize(argname, table[lesson], ids=_ids(table[lesson]))


def _text_has_hidden_verdict(test_cell) -> bool:
    return "hidden cases" in text(test_cell)


def _describe(lesson: str, answer: Wrong | Rewritten | Alternative) -> str:
    return f"{answer!r}\n--- the student's cell ---\n{answer.source(lesson)}"


@pytest.fixture(scope="class")
def kernel(request):
    """The lesson's completed release, run once for the class's tests (see tests/replay.py)."""
    with LessonKernel(request.cls.lesson) as lesson_kernel:
        yield lesson_kernel


class _Lesson:
    """A lesson's completed release in one kernel; the answers replayed in it."""

    lesson: str

    def test_the_completed_release_passes_every_test_cell(self, kernel):
        failing = {c.metadata.nbgrader["grade_id"]: error(c) for c in kernel.test_cells() if error(c)}
        assert failing == {}
        streams = [o for c in kernel.test_cells() for o in c.outputs if o.output_type == "stream"]
        assert all(o.name == "stdout" for o in streams), "a test cell wrote to stderr (nbgrader scores it 0)"

    def test_the_solution_passes_the_hidden_tests_too(self):
        """Each test cell of the source notebook has hidden tests, and its saved output shows them
        passed, without an error (what ``nbgrader validate`` of the source checks). ``pytest --nbval``
        runs the source notebook in the same suite and fails unless it prints exactly that output
        again, so it is not run a second time here."""
        source = read(SOLUTIONS / self.lesson / f"{self.lesson}.ipynb")
        for test in grade_test_cells(source):
            name = test.metadata.nbgrader["grade_id"]
            assert "BEGIN HIDDEN TESTS" in test.source, f"{name} has no hidden tests"
            assert error(test) is None, f"{name}: {error(test)}"
            assert _text_has_hidden_verdict(test), f"{name} shows no verdict on hidden cases: {text(test)}"

    def test_the_test_cell_fails_on_a_typical_wrong_answer(self, kernel, wrong):
        outcome = kernel.replay(wrong.exercise, wrong.source(self.lesson))
        about = _describe(self.lesson, wrong)
        assert outcome.broken is None, f"{outcome.broken}\n{about}"
        assert error(outcome.solution) is None, f"the answer's own cell fails:\n{text(outcome.solution)}"
        message = error(outcome.test)
        assert message is not None, f"test_{wrong.exercise} passed a wrong answer:\n{about}"
        assert message.startswith("AssertionError"), f"{message}\n{about}"
        if wrong.hint is None:
            assert "Hint:" not in message, f"a hint for a mistake this is not:\n{message}\n{about}"
        else:
            assert wrong.hint in message, f"expected {wrong.hint!r} in:\n{message}\n{about}"

    def test_the_test_cell_passes_an_accepted_alternative(self, kernel, alternative):
        outcome = kernel.replay(alternative.exercise, alternative.source(self.lesson))
        about = _describe(self.lesson, alternative)
        assert outcome.broken is None, f"{outcome.broken}\n{about}"
        assert error(outcome.solution) is None, f"the alternative's own cell fails:\n{text(outcome.solution)}"
        assert error(outcome.test) is None, f"test_{alternative.exercise} fails a correct answer:\n" \
                                            f"{error(outcome.test)}\n{about}"

    def test_the_replays_left_the_completed_notebook_passing(self, kernel):
        """After every replay, the restored kernel passes each test cell again (the replays did not
        leak into one another)."""
        for exercise in _exercises(self.lesson):
            outcome = kernel.replay(exercise, None)  # the test cell only, on the restored kernel
            assert outcome.broken is None, outcome.broken
            assert error(outcome.test) is None, f"test_{exercise}: {error(outcome.test)}"


for _lesson in lesson_names():
    _name = f"TestLesson{_lesson[:2]}"
    globals()[_name] = type(_name, (_Lesson,), {"lesson": _lesson, "__doc__": _lesson})
