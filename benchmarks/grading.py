"""``course grade`` against plain nbgrader on the same class, in one run.

    .venv/bin/python benchmarks/grading.py [--lesson 01_predict_compare_learn] [--students 20] [--jobs N]

Builds N honest submissions of a lesson, then grades them twice:

- ``nbgrader``: stock ``nbgrader autograde`` + ``nbgrader generate_feedback`` (nbgrader's own
  configuration: no sandbox, one student after another, verdicts inside the student's kernel);
- ``course grade``: sandboxed, verdicts outside, ``--jobs`` workers with kernels launched ahead.

It asserts that both give every student the same score, then prints seconds per submission, the
ratio, and where ``course grade``'s seconds went.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from course_lib.grading import grade  # noqa: E402
from course_lib.grading.dispatch import available_cpus  # noqa: E402
from tests.notebooks import SOLUTIONS, completed, read  # noqa: E402

STOCK_CONFIG = """c = get_config()
c.CourseDirectory.course_id = "benchmark"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "notebooks"
"""


def _submit(course: Path, lesson: str, notebook: nbformat.NotebookNode, names: list[str]) -> None:
    for student in names:
        folder = course / "submitted" / student / lesson
        folder.mkdir(parents=True)
        nbformat.write(notebook, folder / f"{lesson}.ipynb")


def _nbgrader(course: Path, *args: str, force: bool = True) -> None:
    bin_dir = str(Path(sys.executable).parent)  # nbgrader runs `alembic` by name
    environment = {**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", "")}
    command = [str(Path(bin_dir) / "nbgrader"), *args, *(["--force"] if force else [])]
    subprocess.run(command, cwd=course, check=True, capture_output=True, env=environment)


def _stock_scores(course: Path, lesson: str) -> dict[str, float]:
    _nbgrader(course, "export", "--to", str(course / "grades.csv"), force=False)
    with (course / "grades.csv").open() as handle:
        return {row["student_id"]: float(row["raw_score"]) for row in csv.DictReader(handle)
                if row["assignment"] == lesson}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lesson", default="01_predict_compare_learn")
    parser.add_argument("--students", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=available_cpus())
    args = parser.parse_args()
    lesson, names = args.lesson, [f"student{i:03d}" for i in range(args.students)]
    with tempfile.TemporaryDirectory() as scratch:
        stock, ours = Path(scratch) / "stock", Path(scratch) / "ours"
        for course in (stock, ours):
            shutil.copytree(SOLUTIONS / lesson, course / "solutions" / lesson)
        (stock / "nbgrader_config.py").write_text(STOCK_CONFIG)
        _nbgrader(stock, "generate_assignment", lesson)
        release = read(stock / "notebooks" / lesson / f"{lesson}.ipynb")
        honest = completed(release, read(SOLUTIONS / lesson / f"{lesson}.ipynb"))
        _submit(stock, lesson, honest, names)
        _submit(ours, lesson, honest, names)

        began = time.perf_counter()
        _nbgrader(stock, "autograde", lesson)
        autograde = time.perf_counter() - began
        _nbgrader(stock, "generate_feedback", lesson)
        stock_seconds = time.perf_counter() - began
        stock_scores = _stock_scores(stock, lesson)

        grade.Course(ours).release([lesson])  # as stock's generate_assignment above, before the clock
        grade.PHASES.clear()
        began = time.perf_counter()
        results = grade.Course(ours).grade(lesson, jobs=args.jobs)
        our_seconds = time.perf_counter() - began
        our_scores = {r.student_id: r.score for r in results}
    assert our_scores == stock_scores, f"scores differ: {our_scores} vs {stock_scores}"
    n = args.students
    print(f"{lesson}: {n} honest submissions, every score equal ({sorted(set(our_scores.values()))}), "
          f"{available_cpus()} CPUs")
    print(f"  nbgrader autograde + generate_feedback: {stock_seconds / n:6.2f} s per submission "
          f"(autograde {autograde / n:.2f}, feedback {(stock_seconds - autograde) / n:.2f})")
    print(f"  course grade (sandbox, --jobs {args.jobs}):   {our_seconds / n:6.2f} s per submission")
    print(f"  ratio: course grade is {stock_seconds / our_seconds:.2f}× as fast")
    print("  where course grade's seconds went, per submission ('notebooks run' is worker time, "
          "spent in parallel):")
    for phase, seconds in grade.PHASES.items():
        print(f"    {phase:<28} {seconds / n:6.2f} s")


if __name__ == "__main__":
    main()
