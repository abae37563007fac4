"""Release lessons and grade a class with nbgrader, treating every submission as hostile.

For each student, nbgrader's ``autograde`` runs with its execution step replaced by
:class:`~.execute.SandboxedExecute`: student code runs in a bubblewrap sandbox, and the points are
decided here, outside it. This process (the trusted grader) reads the configuration once, before
any student code runs, and alone writes the gradebook, the feedback and the CSV. Each student's
result is stored as soon as it is known (``grades/.results/``), so a run that is stopped loses
nothing: a re-run grades only the students not yet graded (or whose submission changed).
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import json
import re
import shutil
import tempfile
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from nbgrader.api import Gradebook
from nbgrader.apps import NbGraderAPI
from sqlalchemy.exc import SAWarning

import course_lib

from . import answer_key, dispatch, sandbox
from .config import CELL_TIMEOUT, RELEASE_DIRECTORY, SOURCE_DIRECTORY
from .feedback import FeedbackWriter
from .nbgrader_api import course_api
from .submissions import MAX_NOTEBOOK_BYTES, duplicated_cells, submission_problems

PHASES: Counter[str] = Counter()
"""Seconds spent per phase of grading, summed over runs (``benchmarks/grading.py`` prints them)."""


@contextlib.contextmanager
def _phase(name: str) -> Iterator[None]:
    began = time.perf_counter()
    try:
        yield
    finally:
        PHASES[name] += time.perf_counter() - began


MEMORY_LIMIT_GB = 4.0
"""Memory allowed to a student's sandbox (address space per process; the whole sandbox, as root)."""


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
class GradingOptions:
    """How ``course grade`` runs student code."""

    timeout: int = CELL_TIMEOUT
    memory_limit_gb: float = MEMORY_LIMIT_GB
    sandbox: bool = True
    force: bool = False
    """Regrade students whose stored result is for the same submission and lesson version."""
    draw_figures: bool = False
    """Draw the notebook's figures into the feedback (else each is a one-line note: faster)."""


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
            stamp = self._stamp_path(assignment)
            stamp.parent.mkdir(parents=True, exist_ok=True)
            stamp.write_text(json.dumps(self._release_stamp(assignment, api)))
        return chosen

    def ensure_released(self, assignment: str) -> bool:
        """Release ``assignment`` (:meth:`release`) unless its release and gradebook entry are already
        those of the current source and ``course_lib``; returns whether it released."""
        api = self.api()
        try:
            stored = json.loads(self._stamp_path(assignment).read_text())
        except (OSError, json.JSONDecodeError):
            stored = None
        if stored == self._release_stamp(assignment, api) and self._gradebook_has(assignment, api):
            return False
        self.release([assignment])
        return True

    def _stamp_path(self, assignment: str) -> Path:
        return self.root / "grades" / ".releases" / f"{assignment}.json"

    def _release_stamp(self, assignment: str, api: NbGraderAPI) -> dict[str, str]:
        """What a release depends on and what it wrote: the lesson version, the course's nbgrader
        configuration, the released files, the gradebook it was recorded in."""
        folder = self.root / RELEASE_DIRECTORY / assignment
        released = sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []
        config = self.root / "nbgrader_config.py"
        return {"version": self.lesson_version(assignment),
                "config": _digest([config] if config.is_file() else [], self.root),
                "released": _digest(released, folder), "gradebook": api.coursedir.db_url}

    def _gradebook_has(self, assignment: str, api: NbGraderAPI) -> bool:
        """Whether the gradebook records ``assignment`` with every one of its source notebooks."""
        sources = {p.stem for p in (self.root / SOURCE_DIRECTORY / assignment).glob("*.ipynb")}
        try:
            with warnings.catch_warnings(), Gradebook(api.coursedir.db_url, api.coursedir.course_id) as book:
                warnings.simplefilter("ignore", SAWarning)
                return {nb.name for nb in book.find_assignment(assignment).notebooks} == sources
        except Exception:  # noqa: BLE001 - no such assignment, or no usable gradebook: release again
            return False

    def submitted_students(self, assignment: str) -> list[str]:
        """Students with a folder ``submitted/<student>/<assignment>``, sorted."""
        submitted = self.root / "submitted"
        if not submitted.is_dir():
            return []
        return sorted(p.name for p in submitted.iterdir() if (p / assignment).is_dir())

    def released_notebooks(self, assignment: str) -> list[str]:
        return sorted(p.name for p in (self.root / RELEASE_DIRECTORY / assignment).glob("*.ipynb"))

    def grade(self, assignment: str, timeout: int = CELL_TIMEOUT, memory_limit_gb: float = MEMORY_LIMIT_GB,
              progress: Callable[[StudentResult], None] | None = None, sandbox: bool = True,
              force: bool = False, students: list[str] | None = None, jobs: int | None = None,
              scheduler: str | None = None, draw_figures: bool = False) -> list[StudentResult]:
        """Grade every student who submitted ``assignment`` (or only ``students``); write
        ``grades/<assignment>.csv`` listing every student. The lesson is released first, so the
        gradebook knows its cells even on a fresh clone (release is deterministic).

        Notebooks run on ``jobs`` local worker processes (default: the CPUs available) or on the
        Dask cluster at ``scheduler``; this process alone prepares them and writes the results."""
        options = GradingOptions(timeout, memory_limit_gb, sandbox, force, draw_figures)
        with _phase("release, sandbox probe"):
            self.ensure_released(assignment)
        notebooks = self.released_notebooks(assignment)
        store = ResultStore(self.root / "grades" / ".results" / assignment)
        version = self.lesson_version(assignment)
        everyone = self.submitted_students(assignment)
        chosen = everyone if students is None else [s for s in everyone if s in students]
        csv_path = self.root / "grades" / f"{assignment}.csv"
        with tempfile.TemporaryDirectory(prefix="course-grading-") as work, warnings.catch_warnings():
            # nbgrader's gradebook code trips SQLAlchemy warnings that say nothing to an instructor.
            warnings.simplefilter("ignore", SAWarning)
            with _phase("release, sandbox probe"):
                api = self.grading_api(assignment, options, Path(work))
            max_score = float(api.get_assignment(assignment)["max_score"])
            table = {result.student_id: result for result in store.all(everyone, max_score)}

            def finish(student: str, result: StudentResult, exercises: list[dict], digest: str) -> None:
                store.put(student, digest, version, result, exercises)
                if progress is not None:
                    progress(result)
                table[student] = result  # the CSV stays current as the class is graded
                write_csv(csv_path, list(table.values()))

            to_run: dict[str, str] = {}
            for student in chosen:
                digest = submission_digest(self.root / "submitted" / student / assignment, notebooks)
                stored = None if options.force else store.get(student, digest, version)
                if stored is not None:
                    if progress is not None:
                        progress(stored)
                    continue
                with _phase("check and stage submissions"):
                    problem = self.prepare(api, assignment, student, notebooks)
                if problem:
                    finish(student, self._rejected(api, assignment, student, max_score, problem), [], digest)
                else:
                    to_run[student] = digest
            if to_run:
                self._run_and_grade(api, assignment, notebooks, max_score, to_run, Path(work), finish,
                                    dispatch.make_pool(jobs, scheduler))
        results = store.all(everyone, max_score)
        write_csv(csv_path, results)
        return [r for r in results if r.student_id in chosen]

    def _run_and_grade(self, api: NbGraderAPI, assignment: str, notebooks: list[str], max_score: float,
                       to_run: dict[str, str], work: Path, finish: Callable, pool: Any) -> None:
        """Send every notebook to the pool; grade each student as soon as all of theirs are back."""
        try:
            pending, owner = {}, {}
            for index, student in enumerate(to_run):
                stage = Path(api.coursedir.submitted_directory) / student / assignment
                jobs_after = (len(to_run) - index - 1) * len(notebooks)
                with _phase("sanitize, plan, send"):
                    pending[student] = dispatch.submit_student(pool, api, assignment, student, stage,
                                                               notebooks, jobs_after)
                owner.update(dict.fromkeys(pending[student].jobs, student))
            waited = time.perf_counter()
            for future in pool.as_completed(list(owner)):
                PHASES["waiting for workers"] += time.perf_counter() - waited
                student = owner[future]
                PHASES["notebooks run (workers)"] += dispatch.record_answer(pending[student], future)
                if pending[student].done():
                    dispatch.hand_over(pending[student], work)
                    result, exercises = self.grade_student(api, assignment, student, notebooks, max_score)
                    finish(student, result, exercises, to_run[student])
                waited = time.perf_counter()
        finally:
            pool.close()

    def prepare(self, api: NbGraderAPI, assignment: str, student: str, notebooks: list[str]) -> str:
        """Check a submission and stage the copy nbgrader reads; why it cannot be graded, or ''."""
        submission_dir = self.root / "submitted" / student / assignment
        problems = submission_problems(submission_dir, notebooks)
        if problems:
            return "; ".join(problems)
        stage_submission(submission_dir, Path(api.coursedir.submitted_directory) / student / assignment,
                         notebooks)
        return ""

    def grading_api(self, assignment: str, options: GradingOptions, work: Path) -> NbGraderAPI:
        """nbgrader's API with the execution step replaced by the sandboxed one."""
        api = course_api(self.root, timeout=options.timeout, db_url=self.db_url)
        config = api.config
        source = str((self.root / SOURCE_DIRECTORY).resolve())
        config.SandboxedExecute.timeout = options.timeout
        config.SandboxedExecute.sandbox = options.sandbox
        config.SandboxedExecute.memory_limit = options.memory_limit_gb
        config.SandboxedExecute.draw_figures = options.draw_figures
        config.SandboxedExecute.source_directory = source
        config.SandboxedExecute.work_directory = str(work)
        config.RestoreFromSource.source_directory = source
        if options.sandbox:
            self._probe_sandbox(work)
        # nbgrader reads staged copies (see stage_submission), never the submitted folder itself.
        api.coursedir.submitted_directory = str(work / "submitted")
        return NbGraderAPI(coursedir=api.coursedir, config=config)

    def _probe_sandbox(self, work: Path) -> None:
        probe_dir = work / "probe"
        probe_dir.mkdir()
        library = answer_key.build_library(probe_dir, {})
        try:
            sandbox.probe(str(library), str(probe_dir))
        except sandbox.SandboxUnavailable as exc:
            raise CourseError(str(exc)) from None
        finally:
            shutil.rmtree(probe_dir, ignore_errors=True)

    def lesson_version(self, assignment: str) -> str:
        """A digest of what grading a lesson depends on: its source notebooks and ``course_lib``."""
        digest = hashlib.sha256()
        package = Path(course_lib.__file__).resolve().parent
        notebooks = sorted((self.root / SOURCE_DIRECTORY / assignment).glob("*.ipynb"))
        files = notebooks + sorted(package.rglob("*.py"))
        for path in files:
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
        return digest.hexdigest()

    def grade_student(self, api: NbGraderAPI, assignment: str, student: str, notebooks: list[str],
                      max_score: float) -> tuple[StudentResult, list[dict]]:
        """Autograde one prepared student (:meth:`prepare`) and write their feedback; never raises
        for bad input. Returns the result and, per exercise, what was decided
        (:func:`.execute.exercise_record`)."""
        try:
            with _phase("autograde: verdicts, gradebook"):
                result = api.autograde(assignment, student, force=True, create=True)
        except Exception as exc:  # noqa: BLE001 - nbgrader normally reports, but never let one student stop all
            result = {"success": False, "error": f"{type(exc).__name__}: {exc}"}
        if not result.get("success"):
            return self._rejected(api, assignment, student, max_score, _error_summary(result)), []
        _keep_only(self.root / "autograded" / student / assignment, ".ipynb")
        with _phase("feedback pages"):
            feedback = self._feedback(api).write(assignment, student)
        _keep_only(self.root / "feedback" / student / assignment, ".html")
        submission = api.get_submission(assignment, student)
        exercises = _exercise_records(Path(api.config.SandboxedExecute.work_directory), student, notebooks)
        notes = _notes(self.root / "submitted" / student / assignment, notebooks)
        if not feedback.get("success"):
            notes = "; ".join(filter(None, [notes, "feedback could not be written"]))
        return StudentResult(student, float(submission["score"]), float(submission["max_score"]),
                             "graded", notes), exercises

    @staticmethod
    def _feedback(api: NbGraderAPI) -> FeedbackWriter:
        if not hasattr(api, "course_feedback"):
            api.course_feedback = FeedbackWriter(api)
        return api.course_feedback

    def _rejected(self, api: NbGraderAPI, assignment: str, student: str, max_score: float,
                  reason: str) -> StudentResult:
        """Record 0 points in the gradebook for a submission that could not be graded."""
        record_zero(api, assignment, student)
        shutil.rmtree(self.root / "autograded" / student / assignment, ignore_errors=True)
        shutil.rmtree(self.root / "feedback" / student / assignment, ignore_errors=True)
        return StudentResult(student, 0.0, max_score, "error", reason)


def record_zero(api: NbGraderAPI, assignment: str, student: str) -> None:
    """The student and a submission with every grade at 0, in nbgrader's gradebook."""
    with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gradebook:
        gradebook.update_or_create_student(student)
        submission = gradebook.update_or_create_submission(assignment, student)
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                grade.auto_score = 0.0
                grade.manual_score = None
                grade.needs_manual_grade = False
        gradebook.db.commit()


def stage_submission(submission: Path, stage: Path, notebooks: list[str]) -> None:
    """Copy what nbgrader needs of a submission — the lesson's notebooks and nbgrader's timestamp,
    regular files only — to ``stage``. Anything else the student handed in (other files, links,
    folders) is left behind: neither nbgrader nor the sandbox ever sees it."""
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir(parents=True)
    for name in notebooks:
        shutil.copyfile(submission / name, stage / name, follow_symlinks=False)
    timestamp = submission / "timestamp.txt"
    if timestamp.is_file() and not timestamp.is_symlink() and timestamp.stat().st_size < 1024:
        shutil.copyfile(timestamp, stage / "timestamp.txt")


def _keep_only(folder: Path, suffix: str) -> None:
    """Delete everything in ``folder`` except files ending in ``suffix`` (no student or instructor
    files travel into the autograded copy or the feedback)."""
    if not folder.is_dir():
        return
    for path in folder.iterdir():
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif not path.name.endswith(suffix) or path.is_symlink():
            path.unlink()


def _digest(paths: list[Path], base: Path) -> str:
    """A digest of ``paths`` (names relative to ``base``, and contents)."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(str(path.relative_to(base)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def submission_digest(folder: Path, notebooks: list[str]) -> str:
    """A digest of what is graded of a submission: its notebooks and timestamp (names and contents)."""
    digest = hashlib.sha256()
    for name in [*notebooks, "timestamp.txt"]:
        path = folder / name
        digest.update(name.encode() + b"\0")
        if path.is_file() and not path.is_symlink() and path.stat().st_size <= 2 * MAX_NOTEBOOK_BYTES:
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


class ResultStore:
    """One JSON file per student: the result, for which submission and lesson version."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def _path(self, student: str) -> Path:
        return self.folder / f"{student}.json"

    def get(self, student: str, digest: str, version: str) -> StudentResult | None:
        try:
            data = json.loads(self._path(student).read_text())
        except (OSError, json.JSONDecodeError):
            return None
        if data.get("digest") != digest or data.get("version") != version:
            return None
        return StudentResult(**data["result"])

    def put(self, student: str, digest: str, version: str, result: StudentResult,
            exercises: list[dict] | None = None) -> None:
        record = {"digest": digest, "version": version, "result": asdict(result),
                  "exercises": exercises or []}
        temporary = self._path(student).with_suffix(".tmp")
        temporary.write_text(json.dumps(record))
        temporary.replace(self._path(student))

    def exercises(self, student: str) -> list[dict]:
        """Per exercise, what was decided for ``student`` (empty when not graded)."""
        try:
            return list(json.loads(self._path(student).read_text()).get("exercises", []))
        except (OSError, json.JSONDecodeError):
            return []

    def all(self, students: list[str], max_score: float) -> list[StudentResult]:
        """Every student's stored result; a student not graded yet is listed as such (0 points)."""
        results = []
        for student in students:
            try:
                data = json.loads(self._path(student).read_text())
                results.append(StudentResult(**data["result"]))
            except (OSError, json.JSONDecodeError, KeyError, TypeError):
                results.append(StudentResult(student, 0.0, max_score, "pending", "not graded yet"))
        return results


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


def _exercise_records(work: Path, student: str, notebooks: list[str]) -> list[dict]:
    records = []
    for name in notebooks:
        path = work / "verdicts" / student / f"{Path(name).stem}.json"
        with contextlib.suppress(OSError, json.JSONDecodeError, KeyError):
            records += json.loads(path.read_text())["exercises"]
    return records


def _notes(submission_dir: Path, notebooks: list[str]) -> str:
    notes = [f"{name}: cell {grade_id!r} appears more than once; the last copy was graded"
             for name in notebooks for grade_id in duplicated_cells(submission_dir / name)]
    return "; ".join(notes)


def write_csv(path: Path, results: list[StudentResult]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".csv.tmp")
    with temporary.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(StudentResult.__dataclass_fields__))
        writer.writeheader()
        writer.writerows(asdict(result) for result in results)
    temporary.replace(path)
