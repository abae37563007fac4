"""Release lessons and grade a class, student by student, with nbgrader.

``nbgrader autograde ASSIGNMENT`` grades every student in one run, and one malformed submission
can abort it for all. Here every student is graded by a separate worker process
(:mod:`.worker`) with a memory limit and a wall-clock limit; whatever happens to one student, the
others are graded, and each result carries a sentence the instructor can act on.
"""

from __future__ import annotations

import csv
import json
import os
import re
import resource
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from nbgrader.apps import NbGraderAPI

from .config import CELL_TIMEOUT, RELEASE_DIRECTORY, SOURCE_DIRECTORY
from .nbgrader_api import course_api
from .submissions import duplicated_cells, submission_problems

MEMORY_LIMIT_GB = 4.0
"""Address space allowed to a student's grading process and its kernel."""


class CourseError(Exception):
    """A problem with the course directory or the request, stated for the instructor."""


@dataclass(frozen=True)
class StudentResult:
    """One line of the grades CSV."""

    student_id: str
    score: float
    max_score: float
    status: str
    """``graded``, or ``error`` when the submission could not be graded (scored 0)."""
    message: str = ""


@dataclass(frozen=True)
class Course:
    """A course directory: ``solutions/``, ``notebooks/``, ``submitted/``, … and its gradebook."""

    root: Path
    db_url: str | None = None
    """nbgrader's gradebook URL; ``None``: nbgrader_config.py's, else ``root/gradebook.db``."""

    def api(self, timeout: int = CELL_TIMEOUT) -> NbGraderAPI:
        return course_api(self.root, timeout=timeout, db_url=self.db_url)

    def lessons(self) -> list[str]:
        """The lessons (nbgrader assignments) in ``solutions/``, in course order."""
        source = self.root / SOURCE_DIRECTORY
        if not source.is_dir():
            raise CourseError(f"no {SOURCE_DIRECTORY}/ directory in {self.root}: run from the course "
                              "directory or pass --root")
        return sorted(p.name for p in source.iterdir() if p.is_dir() and not p.name.startswith("."))

    def release(self, assignments: list[str] | None = None) -> list[str]:
        """Regenerate ``notebooks/<lesson>`` from ``solutions/<lesson>`` with nbgrader, and record each
        lesson's cells (hidden tests included) in the gradebook. Returns the lessons released."""
        known = self.lessons()
        chosen = assignments or known
        unknown = sorted(set(chosen) - set(known))
        if unknown:
            raise CourseError(f"no such lesson in {SOURCE_DIRECTORY}/: {', '.join(unknown)} "
                              f"(lessons: {', '.join(known)})")
        api = self.api()
        for assignment in chosen:
            result = api.generate_assignment(assignment, force=True)
            if not result["success"]:
                raise CourseError(f"releasing {assignment} failed:\n{result.get('log', '')}"
                                  f"{result.get('error', '')}")
        return chosen

    def submitted_students(self, assignment: str) -> list[str]:
        """Students with a folder ``submitted/<student>/<assignment>``, sorted."""
        submitted = self.root / "submitted"
        if not submitted.is_dir():
            return []
        return sorted(p.name for p in submitted.iterdir() if (p / assignment).is_dir())

    def released_notebooks(self, assignment: str) -> list[str]:
        return sorted(p.name for p in (self.root / RELEASE_DIRECTORY / assignment).glob("*.ipynb"))

    def grade(self, assignment: str, timeout: int = CELL_TIMEOUT, memory_limit_gb: float = MEMORY_LIMIT_GB,
              progress: Callable[[StudentResult], None] | None = None) -> list[StudentResult]:
        """Grade every student who submitted ``assignment``; write ``grades/<assignment>.csv``.

        The lesson is released first, so the gradebook knows its cells (and hidden tests) even on a
        fresh clone; release is deterministic, so ``notebooks/`` does not change.
        """
        self.release([assignment])
        notebooks = self.released_notebooks(assignment)
        max_score = float(self.api().get_assignment(assignment)["max_score"])
        results = []
        for student in self.submitted_students(assignment):
            result = self.grade_student(assignment, student, notebooks, max_score, timeout,
                                        memory_limit_gb)
            results.append(result)
            if progress is not None:
                progress(result)
        write_csv(self.root / "grades" / f"{assignment}.csv", results)
        return results

    def grade_student(self, assignment: str, student: str, notebooks: list[str], max_score: float,
                      timeout: int = CELL_TIMEOUT, memory_limit_gb: float = MEMORY_LIMIT_GB) -> StudentResult:
        """Autograde one student's submission and write their feedback; never raises for bad input."""
        submission_dir = self.root / "submitted" / student / assignment
        problems = submission_problems(submission_dir, notebooks)
        if problems:
            return StudentResult(student, 0.0, max_score, "error", "; ".join(problems))
        command = [sys.executable, "-m", "course_lib.grading.worker", str(self.root), assignment,
                   student, "--timeout", str(timeout)]
        if self.db_url is not None:
            command += ["--db-url", self.db_url]
        wall_limit = 120 + 50 * timeout * len(notebooks)
        result = _run_isolated(command, wall_limit, memory_limit_gb)
        if not result.get("success"):
            return StudentResult(student, 0.0, max_score, "error", _error_summary(result))
        submission = self.api().get_submission(assignment, student)
        return StudentResult(student, float(submission["score"]), float(submission["max_score"]),
                             "graded", _notes(submission_dir, notebooks))


def _limit_resources(memory_limit_gb: float) -> Callable[[], None]:
    def apply() -> None:
        os.setsid()  # own process group: a timeout kills the kernel too
        limit = int(memory_limit_gb * 2**30)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    return apply


def _run_isolated(command: list[str], wall_limit: float, memory_limit_gb: float) -> dict:
    """Run a worker command in its own process group under the limits; parse its JSON line."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               preexec_fn=_limit_resources(memory_limit_gb))
    try:
        stdout, stderr = process.communicate(timeout=wall_limit)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        return {"success": False, "error": f"grading took longer than {wall_limit:.0f} s and was stopped"}
    try:
        return json.loads(stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        tail = stderr.strip().splitlines()[-3:]
        return {"success": False,
                "error": f"the grading process died (exit {process.returncode}): " + " / ".join(tail)}


_EXCEPTION_LINE = re.compile(r"^[\w.]*(Error|Exception|Interrupt|Exit)\b(: .*)?$")


def _error_summary(result: dict) -> str:
    """The most telling line of a failed nbgrader run: its last exception, else its last line."""
    text = (result.get("log") or "") + "\n" + (result.get("error") or "")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    exceptions = [line for line in lines
                  if _EXCEPTION_LINE.match(line) and not line.startswith("nbgrader.")]
    if exceptions:
        return "nbgrader failed: " + exceptions[-1]
    return lines[-1] if lines else "unknown error"


def _notes(submission_dir: Path, notebooks: list[str]) -> str:
    notes = [f"{name}: cell {grade_id!r} appears more than once; the last copy was graded"
             for name in notebooks for grade_id in duplicated_cells(submission_dir / name)]
    return "; ".join(notes)


def write_csv(path: Path, results: list[StudentResult]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(StudentResult.__dataclass_fields__))
        writer.writeheader()
        writer.writerows(asdict(result) for result in results)
