"""``course`` — the instructor's command: release lessons, grade a class, refresh solution outputs."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from tqdm import tqdm

from . import collect as collecting
from . import grade as grading
from . import report as reporting
from .config import CELL_TIMEOUT
from .solutions import run_solutions


def _result_line(result: grading.StudentResult) -> str:
    line = f"  {result.student_id:<20} {result.score:6.1f} / {result.max_score:<6.1f}"
    if result.status != "graded":
        line += f"  NOT GRADED: {result.message}"
    elif result.message:
        line += f"  note: {result.message}"
    return line


@contextlib.contextmanager
def _progress(total: int) -> Iterator[Callable[[grading.StudentResult], None]]:
    """A progress bar with an ETA on a terminal (tqdm), one plain line per student otherwise."""
    if not sys.stdout.isatty():
        yield lambda result: print(_result_line(result), flush=True)
        return
    with tqdm(total=total, unit="student", dynamic_ncols=True) as bar:
        def report(result: grading.StudentResult) -> None:
            bar.write(_result_line(result))
            bar.update(1)
        yield report


def _course(args: argparse.Namespace) -> grading.Course:
    return grading.Course(args.root, db_url=args.db_url)


def _release(args: argparse.Namespace) -> int:
    for lesson in _course(args).release(args.lessons or None):
        print(f"released {lesson} -> notebooks/{lesson}/")
    return 0


NO_SANDBOX_WARNING = """\
!!! --no-sandbox: student code runs with YOUR permissions, outside any sandbox. It can read and
!!! change every file you can (the gradebook, other students' work, this repository) and reach the
!!! network. Use it only for submissions you trust. Points are still decided outside the student's
!!! kernel, but nothing else is protected."""


def _grade(args: argparse.Namespace) -> int:
    course = _course(args)
    students = course.submitted_students(args.assignment)
    if args.student:
        missing = sorted(set(args.student) - set(students))
        if missing:
            raise grading.CourseError(f"no submission of {args.assignment} from: {', '.join(missing)}")
    print(f"grading {args.assignment}: {len(students)} submission(s) in submitted/*/{args.assignment}/")
    if args.no_sandbox:
        print(NO_SANDBOX_WARNING, file=sys.stderr, flush=True)
    chosen = args.student or students
    with _progress(len(chosen)) as report:
        results = course.grade(args.assignment, timeout=args.timeout, memory_limit_gb=args.memory_limit,
                               progress=report, sandbox=not args.no_sandbox, force=args.force,
                               students=args.student or None, jobs=args.jobs, scheduler=args.scheduler,
                               draw_figures=args.draw_figures)
    failed = [r for r in results if r.status == "error"]
    print(f"{len(results) - len(failed)} graded, {len(failed)} could not be graded (scored 0).")
    print(f"grades: grades/{args.assignment}.csv   feedback: feedback/<student>/{args.assignment}/")
    return 0


def _run_solutions(args: argparse.Namespace) -> int:
    for path in run_solutions(args.root, args.lessons or None):
        print(f"executed {path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="course",
        description="Release and grade The Mechanics of Learning with nbgrader. Run it from the "
                    "course directory (the repository root), or pass --root.")
    parser.add_argument("--root", type=Path, default=Path.cwd(),
                        help="course directory holding solutions/ (default: the current directory)")
    parser.add_argument("--db-url", default=None,
                        help="nbgrader gradebook URL (default: CourseDirectory.db_url from the course's "
                             "nbgrader_config.py, else sqlite:///<root>/gradebook.db)")
    commands = parser.add_subparsers(dest="command", required=True)

    release = commands.add_parser(
        "release", help="regenerate notebooks/ (the student version) from solutions/",
        description="Regenerate notebooks/<lesson>/ from solutions/<lesson>/ with nbgrader's "
                    "generate_assignment: solutions replaced by stubs, hidden tests and outputs removed.")
    release.add_argument("lessons", nargs="*", help="lessons to release (default: all)")
    release.set_defaults(run=_release)

    grade = commands.add_parser(
        "grade", help="autograde every submission of a lesson; write feedback and a grades CSV",
        description="Grade submitted/<student>/ASSIGNMENT/ for every student, each in a bubblewrap "
                    "sandbox, with the points decided outside it; write feedback/<student>/ASSIGNMENT/"
                    "*.html and grades/ASSIGNMENT.csv, and print a per-student summary.")
    grade.add_argument("assignment", help="the lesson, e.g. 01_predict_compare_learn")
    grade.add_argument("--timeout", type=int, default=CELL_TIMEOUT,
                       help=f"seconds one cell may run before it is interrupted (default {CELL_TIMEOUT})")
    grade.add_argument("--memory-limit", type=float, default=grading.MEMORY_LIMIT_GB,
                       help=f"GiB of memory per student (default {grading.MEMORY_LIMIT_GB:g})")
    grade.add_argument("--jobs", type=int, default=None, metavar="N",
                       help="students graded at once on this machine (default: the CPUs available)")
    grade.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                       help="run the notebooks on the workers of this Dask cluster instead (the grader "
                            "keeps verdicts, gradebook and feedback; see README)")
    grade.add_argument("--student", action="append", metavar="ID",
                       help="grade only this student (repeat for several); the CSV still lists everyone")
    grade.add_argument("--force", action="store_true",
                       help="regrade students whose submission and lesson have not changed since "
                            "their last grading (by default their stored result is reused)")
    grade.add_argument("--draw-figures", action="store_true",
                       help="draw the notebooks' figures into the feedback (by default each shows as a "
                            "one-line note: no point depends on a figure, and drawing them is slow)")
    grade.add_argument("--no-sandbox", action="store_true",
                       help="UNSAFE: run student code without the bubblewrap sandbox "
                            "(trusted submissions only)")
    grade.set_defaults(run=_grade)

    refresh = commands.add_parser(
        "run-solutions", help="execute solutions/ notebooks in place (refresh their stored outputs)",
        description="Run every cell of the solution notebooks and save the outputs, which the "
                    "notebook tests (pytest --nbval) compare against.")
    refresh.add_argument("lessons", nargs="*", help="lessons to run (default: all)")
    refresh.set_defaults(run=_run_solutions)
    reporting.add_parser(commands)
    collecting.add_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.root = args.root.resolve()
    try:
        return args.run(args)
    except grading.CourseError as exc:
        print(f"course: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
