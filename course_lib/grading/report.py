"""``course report LESSON``: one HTML page on how the class did, for the next lecture.

The page is built from the results ``course grade`` stored (``grades/.results/<lesson>/``), never by
grading again, and from the lesson's source notebooks (the exercises, their order and points). It
goes to ``reports/<lesson>/index.html`` with its figures beside it as PNG files:

- a summary: students, graded, rejected (could not be graded), not graded yet, mean and median score;
- the distribution of total scores (graded submissions; rejected ones are counted, not drawn);
- the pass rate per exercise, in notebook order, split into passed / failed with a known mistake /
  failed with no known mistake / not written (``raise NotImplementedError()`` left in);
- per exercise, the class's most frequent diagnosed mistakes (the hints the checks gave).

:func:`summarize` does the counting on plain records (unit-tested on hand-written ones);
:func:`load` gathers them from a course directory; :func:`write_report` draws and writes the page.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import statistics
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .config import SOURCE_DIRECTORY
from .grade import Course, CourseError, submission_digest

REPORT_DIRECTORY = "reports"
RESULTS_DIRECTORY = Path("grades") / ".results"
TOP_MISTAKES = 5
"""Hints listed per exercise; the rest are summed up in one line."""
SCORE_FIGURE = "scores.png"
PASS_RATE_FIGURE = "pass_rates.png"

NOT_WRITTEN_HINT = "replace `raise NotImplementedError()` with your code."
"""The hint a check gives for an exercise left blank (``checks.core.judge``): counted as *not
written*, not as a mistake."""

PASSED_COLOUR, KNOWN_COLOUR, UNKNOWN_COLOUR, BLANK_COLOUR = "#4c9a5b", "#e0913a", "#8c8c8c", "#d9dee8"


# --- the numbers --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Exercise:
    """A graded test cell of the lesson: ``grade_id`` is ``test_<exercise>``."""

    grade_id: str
    points: float

    @property
    def name(self) -> str:
        return self.grade_id.removeprefix("test_")

    @property
    def label(self) -> str:
        """The exercise with its points, e.g. ``critical_alpha (2 pts)``."""
        unit = "pt" if self.points == 1 else "pts"
        return f"{self.name} ({self.points:g} {unit})"


@dataclass(frozen=True)
class HintCount:
    """A known mistake and how many students' answers to one exercise showed it."""

    hint: str
    students: int
    share: float
    """Of the students graded on the exercise."""


@dataclass(frozen=True)
class ExerciseSummary:
    """How the class did on one exercise (graded submissions only)."""

    exercise: Exercise
    graded: int
    """Students with a verdict on this exercise."""
    passed: int
    mistakes: tuple[HintCount, ...]
    """Every hint given, most frequent first (ties: alphabetically)."""
    unexplained: int
    """Students who failed it and got no hint: no known mistake matched."""
    not_written: int = 0
    """Students who left it blank (``raise NotImplementedError()`` still there)."""

    @property
    def failed(self) -> int:
        return self.graded - self.passed

    @property
    def known(self) -> int:
        """Students who failed it with at least one known mistake."""
        return self.failed - self.unexplained - self.not_written

    @property
    def pass_rate(self) -> float | None:
        return self.passed / self.graded if self.graded else None


@dataclass(frozen=True)
class StudentResult:
    """One student's stored result, as the report needs it."""

    student_id: str
    status: str
    """``graded``, ``error`` (rejected: could not be graded) or ``pending`` (no result stored yet)."""
    score: float = 0.0
    message: str = ""
    exercises: tuple[Mapping, ...] = ()
    current: bool = True
    """False when the submission or the lesson changed after this result was stored."""


@dataclass(frozen=True)
class ClassReport:
    """Everything on the page, as numbers."""

    lesson: str
    max_score: float
    students: tuple[StudentResult, ...]
    exercises: tuple[ExerciseSummary, ...]
    left_out: tuple[str, ...] = field(default=())
    """Stored results of students who are no longer in ``submitted/`` (not in the report)."""

    def with_status(self, status: str) -> list[StudentResult]:
        return [s for s in self.students if s.status == status]

    @property
    def scores(self) -> list[float]:
        """Total scores of the graded submissions."""
        return [s.score for s in self.with_status("graded")]

    @property
    def mean(self) -> float | None:
        return statistics.fmean(self.scores) if self.scores else None

    @property
    def median(self) -> float | None:
        return statistics.median(self.scores) if self.scores else None

    @property
    def outdated(self) -> list[StudentResult]:
        return [s for s in self.students if s.status != "pending" and not s.current]


def lesson_exercises(source: Path) -> list[Exercise]:
    """The graded test cells of the source notebooks in the folder ``source``, in notebook order."""
    exercises = []
    for path in sorted(source.glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
                exercises.append(Exercise(meta["grade_id"], float(meta.get("points", 0))))
    return exercises


def student_result(student: str, record: Mapping | None, current: bool = True) -> StudentResult:
    """A stored record (``ResultStore``'s JSON, or ``None``: not graded yet) as a :class:`StudentResult`."""
    try:
        result = record["result"]
        return StudentResult(student, str(result["status"]), float(result["score"]),
                             str(result.get("message", "")), tuple(record.get("exercises") or ()), current)
    except (KeyError, TypeError, ValueError):
        return StudentResult(student, "pending", message="not graded yet")


def summarize_exercise(exercise: Exercise, students: Sequence[StudentResult]) -> ExerciseSummary:
    """Pass count, hints, blanks and unexplained failures of one exercise over the graded ``students``."""
    verdicts = [record for student in students if student.status == "graded"
                for record in student.exercises if record.get("grade_id") == exercise.grade_id]
    failures = [set(record.get("hints") or ()) for record in verdicts if not record.get("passed")]
    blank = [hints for hints in failures if NOT_WRITTEN_HINT in hints]
    hints = Counter(hint for found in failures if NOT_WRITTEN_HINT not in found for hint in found)
    ranked = sorted(hints.items(), key=lambda item: (-item[1], item[0]))
    mistakes = tuple(HintCount(hint, count, count / len(verdicts)) for hint, count in ranked)
    unexplained = sum(1 for found in failures if not found)
    return ExerciseSummary(exercise, len(verdicts), len(verdicts) - len(failures), mistakes, unexplained,
                           len(blank))


def _all_exercises(exercises: Sequence[Exercise], students: Sequence[StudentResult]) -> list[Exercise]:
    """The lesson's exercises, then any the records name that the lesson no longer has."""
    known = {e.grade_id for e in exercises}
    extra = {}
    for student in students:
        for record in student.exercises:
            grade_id = record.get("grade_id")
            if grade_id and grade_id not in known and grade_id not in extra:
                extra[grade_id] = Exercise(grade_id, float(record.get("points", 0)))
    return [*exercises, *extra.values()]


def summarize(lesson: str, exercises: Sequence[Exercise], students: Sequence[StudentResult],
              left_out: Sequence[str] = ()) -> ClassReport:
    """The class report's numbers from the lesson's exercises and each student's result."""
    every = _all_exercises(exercises, students)
    max_score = sum(e.points for e in exercises)
    summaries = tuple(summarize_exercise(exercise, students) for exercise in every)
    return ClassReport(lesson, max_score, tuple(students), summaries, tuple(left_out))


def load(course: Course, lesson: str) -> ClassReport:
    """The class report of ``lesson`` from the results stored in ``course``'s directory.

    The class is everyone with a submission (``submitted/<student>/<lesson>/``), as in the grades
    CSV; if there are no submissions (results copied on their own), everyone with a stored result."""
    if lesson not in course.lessons():
        raise CourseError(f"no such lesson in {SOURCE_DIRECTORY}/: {lesson} "
                          f"(lessons: {', '.join(course.lessons())})")
    folder = course.root / RESULTS_DIRECTORY / lesson
    records = _read_records(folder)
    if not records:
        raise CourseError(f"no grading results for {lesson} yet (nothing in {RESULTS_DIRECTORY / lesson}/): "
                          f"run `course grade {lesson}` first")
    submitted = course.submitted_students(lesson)
    students = submitted or sorted(records)
    source = course.root / SOURCE_DIRECTORY / lesson
    notebooks = sorted(p.name for p in source.glob("*.ipynb"))
    version = course.lesson_version(lesson)
    results = []
    for student in students:
        record = records.get(student)
        current = True
        if record is not None and submitted:
            digest = submission_digest(course.root / "submitted" / student / lesson, notebooks)
            current = record.get("digest") == digest and record.get("version") == version
        results.append(student_result(student, record, current))
    left_out = sorted(set(records) - set(students))
    return summarize(lesson, lesson_exercises(source), results, left_out)


def _read_records(folder: Path) -> dict[str, dict]:
    """Every readable stored result in ``folder``, by student id (the file's name)."""
    records = {}
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            continue
        if isinstance(data, dict):
            records[path.stem] = data
    return records


# --- the figures --------------------------------------------------------------------------------


def _score_step(report: ClassReport) -> float:
    """Width of one histogram bar: a point, half a point, or a 25th of the maximum."""
    points = [e.exercise.points for e in report.exercises] + report.scores
    for step in (1.0, 0.5):
        if all(float(p / step).is_integer() for p in points) and report.max_score / step <= 40:
            return step
    return max(report.max_score, 1.0) / 25


def _new_figure(width: float, height: float):
    """A figure drawn by matplotlib's Agg renderer, unknown to pyplot (imported here: only the report
    needs matplotlib, not every ``course`` command)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def score_figure(report: ClassReport, path: Path) -> Path:
    """Histogram of the graded submissions' total scores, the maximum marked; saved as PNG."""
    from matplotlib.ticker import MaxNLocator

    figure = _new_figure(8, 3.6)
    ax = figure.add_subplot()
    step, top = _score_step(report), max(report.max_score, *report.scores, 0.0)
    edges = [(k - 0.5) * step for k in range(round(top / step) + 2)]
    counts, _, _ = ax.hist(report.scores, bins=edges, color=PASSED_COLOUR, edgecolor="white")
    ax.set_ylim(0, max(max(counts, default=0), 1) * 1.2)  # headroom for the label of the maximum
    ax.axvline(report.max_score, color="black", linestyle="--", linewidth=1.2)
    ax.annotate(f"max {report.max_score:g}", (report.max_score, 1), xycoords=("data", "axes fraction"),
                xytext=(-4, -3), textcoords="offset points", ha="right", va="top")
    ax.set_xlim(edges[0], edges[-1])
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("total score")
    ax.set_ylabel("students")
    rejected = len(report.with_status("error"))
    title = f"Total scores of {len(report.scores)} graded submission(s)"
    if rejected:
        title += f"; {rejected} rejected (scored 0) not shown"
    ax.set_title(title, fontsize=11)
    ax.spines[["top", "right"]].set_visible(False)
    figure.savefig(path, dpi=100)
    return path


def pass_rate_figure(report: ClassReport, path: Path) -> Path:
    """Horizontal bars, one per exercise in notebook order: passed, failed with a known mistake,
    failed with no known mistake, not written (shares of the graded submissions); saved as PNG."""
    from matplotlib.ticker import PercentFormatter

    rows = report.exercises
    figure = _new_figure(8, 1.2 + 0.45 * len(rows))
    ax = figure.add_subplot()
    labels = [e.exercise.label for e in rows]
    def share(count: str) -> list[float]:
        return [getattr(e, count) / e.graded if e.graded else 0.0 for e in rows]

    shares = [share("passed"), share("known"), share("unexplained"), share("not_written")]
    left = [0.0] * len(rows)
    for share, colour, name in zip(shares, (PASSED_COLOUR, KNOWN_COLOUR, UNKNOWN_COLOUR, BLANK_COLOUR),
                                   ("passed", "known mistake", "no known mistake", "not written"),
                                   strict=True):
        ax.barh(labels, share, left=left, color=colour, label=name, height=0.65)
        left = [a + b for a, b in zip(left, share, strict=True)]
    for y, e in enumerate(rows):
        text = f"{e.pass_rate:.0%} ({e.passed}/{e.graded})" if e.graded else "no verdicts"
        ax.annotate(text, (1, y), xytext=(6, 0), textcoords="offset points", va="center", fontsize=9)
    ax.set_xlim(0, 1)
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel("share of graded submissions")
    figure.legend(loc="outside upper center", ncol=4, frameon=False, fontsize=9)
    ax.spines[["top", "right"]].set_visible(False)
    figure.get_layout_engine().set(w_pad=0.25)
    figure.savefig(path, dpi=100)
    return path


# --- the page -----------------------------------------------------------------------------------


def _text(value: object) -> str:
    """Escaped text, with `backticked` words set as code (after escaping, so nothing else is markup)."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(str(value)))


def _number(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}".rstrip("0").rstrip(".")


def _percent(share: float | None) -> str:
    return "–" if share is None else f"{share:.0%}"


def _summary_html(report: ClassReport) -> str:
    rows = [("Students", len(report.students)), ("Graded", len(report.with_status("graded"))),
            ("Rejected (could not be graded, scored 0)", len(report.with_status("error")))]
    if report.with_status("pending"):
        rows.append(("Not graded yet", len(report.with_status("pending"))))
    rows += [("Mean score (graded)", f"{_number(report.mean)} / {report.max_score:g}"),
             ("Median score (graded)", f"{_number(report.median)} / {report.max_score:g}")]
    cells = "".join(f"<tr><th>{_text(name)}</th><td>{_text(value)}</td></tr>" for name, value in rows)
    return f'<table class="summary">{cells}</table>'


def _notes_html(report: ClassReport) -> str:
    notes = []
    if report.outdated:
        notes.append(f"{len(report.outdated)} result(s) are out of date (the submission or the lesson "
                     f"changed after grading): run <code>course grade {_text(report.lesson)}</code> "
                     "to update them.")
    if report.with_status("pending"):
        notes.append(f"{len(report.with_status('pending'))} submission(s) have not been graded yet.")
    if report.left_out:
        notes.append(f"{len(report.left_out)} stored result(s) of students no longer in "
                     "<code>submitted/</code> are left out.")
    return "".join(f'<p class="note">{note}</p>' for note in notes)


def _pass_table_html(report: ClassReport) -> str:
    head = ("<tr><th>Exercise</th><th>Points</th><th>Passed</th><th>Pass rate</th>"
            "<th>Failed: known mistake</th><th>Failed: no known mistake</th><th>Not written</th></tr>")
    rows = "".join(
        f'<tr data-exercise="{_text(e.exercise.name)}" data-passed="{e.passed}" data-graded="{e.graded}">'
        f"<td><code>{_text(e.exercise.name)}</code></td><td>{e.exercise.points:g}</td>"
        f"<td>{e.passed} / {e.graded}</td><td>{_percent(e.pass_rate)}</td>"
        f"<td>{e.known}</td><td>{e.unexplained}</td><td>{e.not_written}</td></tr>" for e in report.exercises)
    return f'<table class="rates">{head}{rows}</table>'


def _mistakes_html(summary: ExerciseSummary) -> str:
    """One exercise's heading and its table of the most frequent hints."""
    e = summary
    points = e.exercise.label.removeprefix(e.exercise.name).strip()
    heading = (f'<h3><code>{_text(e.exercise.name)}</code> <span class="muted">'
               f"{_text(points)} — {e.passed} of {e.graded} passed</span></h3>")
    if e.failed == 0:
        return heading + f"<p>{'Everyone passed.' if e.graded else 'No verdicts stored.'}</p>"
    rows = [f'<tr class="hint" data-count="{m.students}"><td>{_text(m.hint)}</td><td>{m.students}</td>'
            f"<td>{_percent(m.share)}</td></tr>" for m in e.mistakes[:TOP_MISTAKES]]
    rest = e.mistakes[TOP_MISTAKES:]
    if rest:
        rows.append(f'<tr class="more"><td>… {len(rest)} more known mistake(s)</td>'
                    f"<td>{sum(m.students for m in rest)}</td><td></td></tr>")
    for kind, count, text in (("unexplained", e.unexplained, "failed with no known mistake"),
                              ("not-written", e.not_written,
                               "not written (`raise NotImplementedError()` left in)")):
        if count:
            rows.append(f'<tr class="{kind}" data-count="{count}"><td><em>{_text(text)}</em></td>'
                        f"<td>{count}</td><td>{_percent(count / e.graded)}</td></tr>")
    head = "<tr><th>Diagnosed mistake (hint given)</th><th>Students</th><th>Share</th></tr>"
    return f'{heading}<table class="mistakes">{head}{"".join(rows)}</table>'


def _rejected_html(report: ClassReport) -> str:
    rejected = report.with_status("error")
    if not rejected:
        return ""
    rows = "".join(f"<tr><td>{_text(s.student_id)}</td><td>{_text(s.message)}</td></tr>" for s in rejected)
    return ("<h2>Submissions that could not be graded</h2><table class=\"rejected\">"
            f"<tr><th>Student</th><th>Reason</th></tr>{rows}</table>")


STYLE = """
body { font-family: system-ui, sans-serif; max-width: 860px; margin: 2em auto; padding: 0 1em;
       color: #222; line-height: 1.45; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { margin-top: 1.8em; border-bottom: 1px solid #ddd; }
h3 { font-size: 1.05em; margin: 1.4em 0 0.4em; } .muted { color: #666; font-weight: normal; }
table { border-collapse: collapse; margin: 0.5em 0; } th, td { padding: 0.3em 0.7em; text-align: left;
        vertical-align: top; border-bottom: 1px solid #e4e4e4; }
table.summary th { font-weight: normal; color: #555; } table.summary td { font-weight: bold; }
table.mistakes { width: 100%; } table.mistakes td:nth-child(n+2), table.rates td:nth-child(n+2)
        { text-align: right; white-space: nowrap; }
table.mistakes th:nth-child(n+2) { width: 5.5em; text-align: right; }
.note { background: #fff6e0; border-left: 4px solid #e0913a; padding: 0.4em 0.8em; }
img { max-width: 100%; } code { background: #f3f3f3; padding: 0 0.2em; border-radius: 3px; }
"""


def render_html(report: ClassReport, score_png: str = SCORE_FIGURE, pass_png: str = PASS_RATE_FIGURE) -> str:
    """The page: summary, score distribution, pass rates, mistakes per exercise, rejected submissions."""
    lesson = _text(report.lesson)
    graded = len(report.with_status("graded"))
    mistakes = "".join(_mistakes_html(e) for e in report.exercises)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Class report — {lesson}</title>
<style>{STYLE}</style></head><body>
<h1>Class report — {lesson}</h1>
<p class="muted">From the results stored by <code>course grade {lesson}</code>.
Rejected submissions count as students, not in the score statistics or pass rates.</p>
{_notes_html(report)}{_summary_html(report)}
<h2>Score distribution</h2>
<img src="{_text(score_png)}" alt="Histogram of the total scores of {graded} graded submissions">
<h2>Pass rate per exercise</h2>
<img src="{_text(pass_png)}" alt="Pass rate of each exercise, in notebook order">
{_pass_table_html(report)}
<h2>Most frequent mistakes</h2>
<p class="muted">Per exercise, the known mistakes the checks recognised (top {TOP_MISTAKES}); a student
can show more than one. Shares are of the {graded} graded submissions.</p>
{mistakes}
{_rejected_html(report)}
</body></html>
"""


def write_report(course: Course, lesson: str) -> tuple[Path, ClassReport]:
    """Write ``reports/<lesson>/index.html`` and its figures; return the page's path and the numbers."""
    report = load(course, lesson)
    folder = course.root / REPORT_DIRECTORY / lesson
    folder.mkdir(parents=True, exist_ok=True)
    score_figure(report, folder / SCORE_FIGURE)
    pass_rate_figure(report, folder / PASS_RATE_FIGURE)
    page = folder / "index.html"
    page.write_text(render_html(report), encoding="utf-8")
    return page, report


# --- the command --------------------------------------------------------------------------------


def _run(args: argparse.Namespace) -> int:
    page, report = write_report(Course(args.root, db_url=args.db_url), args.lesson)
    print(f"{report.lesson}: {len(report.students)} student(s), {len(report.with_status('graded'))} graded, "
          f"{len(report.with_status('error'))} rejected, {len(report.with_status('pending'))} not graded yet")
    print(f"report: {page.relative_to(args.root) if page.is_relative_to(args.root) else page}")
    return 0


def add_parser(commands: argparse._SubParsersAction) -> None:
    """The ``course report`` subcommand."""
    parser = commands.add_parser(
        "report", help="write a class report (HTML + figures) from the stored grading results",
        description="Write reports/LESSON/index.html with its figures: the score distribution, the "
                    "pass rate per exercise and the most frequent diagnosed mistakes, from the results "
                    "`course grade LESSON` stored (nothing is graded again).")
    parser.add_argument("lesson", help="the lesson, e.g. 01_predict_compare_learn")
    parser.set_defaults(run=_run)
