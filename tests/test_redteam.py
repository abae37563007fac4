"""Red-team acceptance suite of ``course grade`` (issue 7), through the command line only.

For each of three lessons, one temporary course directory receives honest students (graded first,
between and last) and adversarial submissions (``tests/redteam/``), and ONE ``course grade`` run
grades them all, sandbox on (the default). Then:

- every student has exactly the expected score in the CSV and in nbgrader's gradebook (0 unearned
  points; every honest student and every honest part at full points), with the right status;
- the course's inputs, the repository (and its virtual environment) and the instructor's home are
  unchanged, no file named with the run's token exists anywhere an attack tried to write, and no
  output was defaced;
- no process started during grading is left;
- feedback is the HTML page only (and not a flood), without hidden-test code, instructor files or
  secrets, other students' notes or logged hidden inputs; a submission that used the course's
  answer key is told the exercise must be "your own code";
- the probes for the sandbox's limits (disk, processes, memory) report no cap they could reach.

Knobs (see ``tests/redteam/__init__.py``): ``REDTEAM_ONLY`` / ``REDTEAM_SKIP`` / ``REDTEAM_LESSONS``
select what is graded; ``REDTEAM_SCHEDULER=dask`` grades on a Dask cluster of two worker processes
instead of ``course grade``'s local workers; ``REDTEAM_SHARED_CHECKOUT=1`` makes the repository
check ignore edits made by others meanwhile (only changes carrying the run's token count);
``REDTEAM_RUN_TIMEOUT`` bounds a lesson's run (default 600 s + 60 s per student);
``REDTEAM_REPORT_DIR`` keeps each run's ``report.json`` (everything observed, per student).
"""

from __future__ import annotations

import os
import re

import pytest

from .redteam import LESSONS, harness, selected
from .redteam.common import WRONG_STUDENT
from .redteam.harness import Run
from .wrong_answers import WRONG_ANSWERS

pytestmark = pytest.mark.e2e

CASES = [(lesson, submission) for lesson, module in LESSONS.items()
         for submission in selected(module.SUBMISSIONS)]
STUDENTS = [pytest.param(lesson, s.student, id=f"{lesson[:2]}-{s.student}") for lesson, s in CASES]
OWN_CODE = [pytest.param(lesson, s.student, id=f"{lesson[:2]}-{s.student}")
            for lesson, s in CASES if s.own_code]
LESSON_IDS = [pytest.param(lesson, id=lesson[:2]) for lesson in LESSONS]
MAX_FEEDBACK_BYTES = 20 << 20
"""A feedback page larger than this publishes a flood (and fills the instructor's disk)."""


def _run_timeout(n_students: int) -> float:
    """Seconds the whole grading run may take before it counts as hung."""
    return float(os.environ.get("REDTEAM_RUN_TIMEOUT", 600 + 60 * n_students))


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """``runs(lesson)``: the lesson graded once (on first use), with everything observed."""
    done: dict[str, Run] = {}

    def get(lesson: str) -> Run:
        if lesson not in done:
            module = LESSONS[lesson]
            submissions = selected(module.SUBMISSIONS)
            run = harness.prepare(module, tmp_path_factory.mktemp(f"redteam-{lesson[:2]}"), submissions)
            harness.grade(run, _run_timeout(len(submissions)))
            done[lesson] = run
        return done[lesson]

    return get


# --- the run as a whole -------------------------------------------------------------------------


@pytest.mark.parametrize("lesson", LESSON_IDS)
def test_grading_run_completes(runs, lesson):
    run = runs(lesson)
    assert not run.report.get("timed_out") and run.report.get("returncode") == 0, run.summary()


@pytest.mark.parametrize("lesson", LESSON_IDS)
def test_every_student_in_csv_and_gradebook(runs, lesson):
    run = runs(lesson)
    students = sorted(s.student for s in run.submissions)
    assert run.csv_rows is not None and not run.csv_error, f"grades CSV: {run.csv_error}\n{run.summary()}"
    assert sorted(run.csv_rows) == students, "the CSV must list every student, once"
    assert run.gradebook_scores is not None, f"gradebook: {run.gradebook_error}"
    assert sorted(run.gradebook_scores) == students, "the gradebook must hold every student"


@pytest.mark.parametrize("lesson", LESSON_IDS)
def test_no_process_left(runs, lesson):
    left = runs(lesson).report.get("left")
    assert left == [], f"processes left after grading (killed since): {left}"


@pytest.mark.parametrize("lesson", LESSON_IDS)
def test_course_inputs_unchanged(runs, lesson):
    before, after = runs(lesson).inputs
    changed = sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))
    assert not changed, f"course files changed, added or deleted outside {harness.OUTPUTS}: {changed}"


SHARED_CHECKOUT = os.environ.get("REDTEAM_SHARED_CHECKOUT") == "1"
"""Set when others edit the checkout during the run: then only changes that carry the run's token
(certainly made by an attack) count, instead of any change."""


@pytest.mark.parametrize("lesson", LESSON_IDS)
def test_repository_unchanged(runs, lesson):
    run = runs(lesson)
    before, after = run.repo
    changed = sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))
    if SHARED_CHECKOUT:
        changed = run.repo_token_hits
    assert not changed, f"repository or virtual environment changed (undone since): {changed}"


@pytest.mark.parametrize("lesson", LESSON_IDS)
def test_instructor_home_unchanged(runs, lesson):
    before, after = runs(lesson).home_files
    assert not harness.home_changes(before, after)


@pytest.mark.parametrize("lesson", LESSON_IDS)
def test_nothing_written_outside_the_sandbox(runs, lesson):
    run = runs(lesson)
    assert not run.canaries, f"files written by submissions (deleted since): {run.canaries}"
    assert not run.defaced, f"outputs defaced by a submission: {run.defaced}"


# --- each student ------------------------------------------------------------------------------


@pytest.mark.parametrize("lesson, student", STUDENTS)
def test_score_in_csv(runs, lesson, student):
    run = runs(lesson)
    submission = run.by_student()[student]
    expected, why = run.expected(submission)
    assert run.csv_rows is not None, f"no grades CSV: {run.csv_error}\n{run.summary()}"
    row = run.csv_rows.get(student)
    assert row is not None, f"{student} is missing from the CSV"
    assert float(row["score"]) == pytest.approx(expected), \
        f"{submission.description}\nexpected {why}; got {row['score']} ({row['status']}: {row['message']})"
    assert float(row["max_score"]) == pytest.approx(run.total)
    if submission.status is not None:
        assert row["status"] == submission.status, row
    assert row["status"] in ("graded", "error"), row
    if row["status"] == "error":
        assert row["message"].strip(), "a rejected submission needs a reason"
    assert submission.message in row["message"], row


@pytest.mark.parametrize("lesson", LESSON_IDS)
def test_the_summary_names_every_rejected_student_and_why(runs, lesson):
    run = runs(lesson)
    assert run.csv_rows is not None, run.csv_error
    rejected = {student: row["message"] for student, row in run.csv_rows.items() if row["status"] == "error"}
    if not any(s.status == "error" for s in run.submissions):
        pytest.skip("no submission of this lesson must be rejected")
    assert rejected, "no student was rejected, although some submissions are not notebooks"
    for student, message in rejected.items():
        assert re.search(rf"^\s*{re.escape(student)}\s.*NOT GRADED: {re.escape(message[:40])}", run.stdout,
                         re.MULTILINE), f"{student} ({message}) is not in the summary:\n{run.stdout[-3000:]}"


@pytest.mark.parametrize("lesson", LESSON_IDS)
def test_feedback_shows_the_diagnosis_of_typical_wrong_answers(runs, lesson):
    """The student with every exercise wrong reads each hint of the exercises that call no other
    (a wrong answer elsewhere cannot change their verdict)."""
    run = runs(lesson)
    pages = run.feedback.get(WRONG_STUDENT, {})
    text = " ".join(harness.page_text(page) for page in pages.values())
    first = {}
    for exercise, _, hint in WRONG_ANSWERS[lesson]:
        first.setdefault(exercise, hint)
    expected = {exercise: hint for exercise, hint in first.items()
                if hint is not None and exercise not in run.lesson.depends}
    assert expected, "no exercise whose typical wrong answer has a hint"
    missing = {exercise: hint for exercise, hint in expected.items() if hint not in text}
    assert not missing, f"hints missing from {WRONG_STUDENT}'s feedback: {missing}"


@pytest.mark.parametrize("lesson, student", STUDENTS)
def test_score_in_gradebook(runs, lesson, student):
    run = runs(lesson)
    submission = run.by_student()[student]
    expected, why = run.expected(submission)
    assert run.gradebook_scores is not None, f"gradebook: {run.gradebook_error}"
    assert student in run.gradebook_scores, f"{student} is missing from the gradebook"
    score, max_score = run.gradebook_scores[student]
    assert score == pytest.approx(expected), \
        f"{submission.description}\nexpected {why}; the gradebook has {score}"
    assert max_score == pytest.approx(run.total)


@pytest.mark.parametrize("lesson, student", STUDENTS)
def test_feedback_is_one_html_page(runs, lesson, student):
    run = runs(lesson)
    pages = run.feedback.get(student, {})
    assert all(name.endswith(".html") for name in pages), f"feedback holds other files: {sorted(pages)}"
    assert all(name.startswith(f"{lesson}/") for name in pages), sorted(pages)
    if run.by_student()[student].status == "graded":
        assert f"{lesson}/{lesson}.html" in pages, f"no feedback page for {student}: {sorted(pages)}"
    sizes = run.feedback_bytes.get(student, {})
    assert all(size <= MAX_FEEDBACK_BYTES for size in sizes.values()), f"feedback too large: {sizes}"


@pytest.mark.parametrize("lesson, student", STUDENTS)
def test_sandbox_limits_hold(runs, lesson, student):
    """Probes (disk, processes, memory) report in their output when nothing stopped them."""
    missing = runs(lesson).limits_missing(student)
    assert not missing, "\n".join(missing)


@pytest.mark.parametrize("lesson, student", STUDENTS)
def test_feedback_leaks_nothing(runs, lesson, student):
    leaks = runs(lesson).leaks(student)
    assert not leaks, "\n".join(leaks)


@pytest.mark.parametrize("lesson, student", OWN_CODE)
def test_feedback_says_own_code(runs, lesson, student):
    pages = runs(lesson).feedback.get(student, {})
    text = " ".join(harness.page_text(page) for page in pages.values()).lower()
    assert "your own code" in text, "the feedback must say the exercise has to be the student's own code"
