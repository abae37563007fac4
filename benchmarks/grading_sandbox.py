"""What the sandbox and the fault isolation cost per submission, measured in one run.

    .venv/bin/python benchmarks/grading_sandbox.py [--lesson 01_predict_compare_learn] [--students 4]

Grades the same honest submissions of a lesson three ways, in one process, and prints seconds per
submission and the ratios:

- ``sandbox``     — ``course grade`` as instructors run it (bubblewrap per student);
- ``no sandbox``  — ``course grade --no-sandbox`` (same pipeline, plain kernels);
- ``crash``       — with the sandbox, every submission's second exercise cell ending in
  ``os._exit(1)``: the kernel dies there, a new sandbox starts and the earlier cells are replayed
  (the price of per-exercise fault isolation, paid only by a submission that crashes).
"""

from __future__ import annotations

import argparse
import copy
import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from course_lib.grading.grade import Course  # noqa: E402
from tests.notebooks import SOLUTIONS, completed, read, solution_ids  # noqa: E402


def _course(folder: Path, lesson: str, submissions: dict[str, nbformat.NotebookNode]) -> Course:
    shutil.copytree(SOLUTIONS / lesson, folder / "solutions" / lesson)
    course = Course(folder)
    course.release([lesson])
    for student, notebook in submissions.items():
        target = folder / "submitted" / student / lesson
        target.mkdir(parents=True)
        nbformat.write(notebook, target / f"{lesson}.ipynb")
    return course


def _timed(course: Course, lesson: str, **options) -> tuple[float, list[float]]:
    start = time.perf_counter()
    results = course.grade(lesson, force=True, jobs=1, **options)
    return time.perf_counter() - start, [r.score for r in results]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lesson", default="01_predict_compare_learn")
    parser.add_argument("--students", type=int, default=4)
    args = parser.parse_args()
    notebook = f"{args.lesson}.ipynb"
    source = read(SOLUTIONS / args.lesson / notebook)
    with tempfile.TemporaryDirectory() as scratch:
        release_course = _course(Path(scratch) / "release", args.lesson, {})
        release = read(release_course.root / "notebooks" / args.lesson / notebook)
        honest = completed(release, source)
        crashing = copy.deepcopy(honest)
        second = [c for c in crashing.cells if c.metadata.get("nbgrader", {}).get("grade_id")
                  == solution_ids(crashing)[1]][0]
        second.source += "\nimport os\nos._exit(1)"
        names = [f"student{i:02d}" for i in range(args.students)]
        course = _course(Path(scratch) / "course", args.lesson, dict.fromkeys(names, honest))
        crash_course = _course(Path(scratch) / "crash", args.lesson, dict.fromkeys(names, crashing))
        course.grade(args.lesson, students=names[:1], force=True, jobs=1)  # warm caches (imports, fonts)
        runs = {"sandbox": _timed(course, args.lesson),
                "no sandbox": _timed(course, args.lesson, sandbox=False),
                "crash": _timed(crash_course, args.lesson)}
    n = args.students
    print(f"{args.lesson}, {n} honest submissions (scores {sorted(set(runs['sandbox'][1]))}), one run:")
    for name, (seconds, scores) in runs.items():
        print(f"  {name:<11} {seconds / n:6.2f} s per submission   (scores {sorted(set(scores))})")
    base = runs["no sandbox"][0]
    print(f"  sandbox / no sandbox:  {runs['sandbox'][0] / base:.2f}×")
    ratio = runs["crash"][0] / runs["sandbox"][0]
    print(f"  crash / sandbox:       {ratio:.2f}×  (one kernel death per submission)")
    assert runs["sandbox"][1] == runs["no sandbox"][1], "the sandbox must not change any score"


if __name__ == "__main__":
    main()
