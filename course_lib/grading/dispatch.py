"""Run many students' notebooks at once: a local pool of workers, or a Dask cluster.

The grader prepares each submission itself (nbgrader's sanitizing steps, then the
:class:`~.execute.Plan` with a fresh secret seed), sends the plain-data job to a worker
(:func:`.worker.execute_job`), and, as each comes back, hands the outcome to nbgrader's
autograde through ``work/executions/`` (see :class:`~.execute.SandboxedExecute`). Only the
grader writes the gradebook, the feedback and the CSV.

- :class:`LocalPool`: ``--jobs N`` worker processes on this machine (default: the CPUs available).
- :class:`DaskPool`: ``--scheduler tcp://HOST:PORT``, the workers of a Dask ``distributed``
  cluster that have the course environment installed; each job travels as JSON-ready data and each
  worker runs the same sandbox.
"""

from __future__ import annotations

import concurrent.futures
import json
import multiprocessing
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
from nbgrader.apps import NbGraderAPI

from . import worker
from .execute import SandboxedExecute


def available_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


class LocalPool:
    """``jobs`` worker processes, each keeping a kernel launched ahead."""

    def __init__(self, jobs: int) -> None:
        context = multiprocessing.get_context("forkserver")
        # The fork server imports the worker's libraries once; each worker process starts from it.
        context.set_forkserver_preload(["course_lib.grading.worker"])
        self.workers = max(1, jobs)
        self.executor = concurrent.futures.ProcessPoolExecutor(max_workers=self.workers, mp_context=context)

    def submit(self, job: dict[str, Any]) -> concurrent.futures.Future:
        return self.executor.submit(worker.execute_job, job)

    def as_completed(self, futures: list) -> Iterator:
        return concurrent.futures.as_completed(futures)

    def close(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)


class DaskPool:
    """The workers of the Dask cluster whose scheduler is at ``address``."""

    def __init__(self, address: str) -> None:
        from distributed import Client

        self.client = Client(address, timeout=30)

    @property
    def workers(self) -> int:
        return max(1, len(self.client.scheduler_info().get("workers", {})))

    def submit(self, job: dict[str, Any]) -> Any:
        return self.client.submit(worker.execute_job, job, pure=False)

    def as_completed(self, futures: list) -> Iterator:
        from distributed import as_completed

        return iter(as_completed(futures))

    def close(self) -> None:
        self.client.close()


def make_pool(jobs: int | None, scheduler: str | None) -> LocalPool | DaskPool:
    if scheduler:
        return DaskPool(scheduler)
    return LocalPool(jobs or available_cpus())


def sanitized(api: NbGraderAPI, assignment: str, student: str, path: Path) -> nbformat.NotebookNode:
    """The notebook at ``path`` after nbgrader's sanitizing steps, as autograde will see it."""
    notebook = nbformat.read(path, as_version=4)
    resources: dict[str, Any] = {"nbgrader": {"student": student, "assignment": assignment,
                                              "notebook": path.stem, "db_url": api.coursedir.db_url}}
    for step in api.config.Autograde.sanitize_preprocessors:
        preprocessor = step(config=api.config)
        notebook, resources = preprocessor(notebook, resources)
    return notebook


@dataclass
class Pending:
    """A student whose notebooks are running: their futures, and what was sent."""

    student: str
    jobs: dict[Any, tuple[str, int, dict]] = field(default_factory=dict)
    """future → (notebook name, seed, job)"""
    answers: dict[str, dict] = field(default_factory=dict)

    def done(self) -> bool:
        return len(self.answers) == len(self.jobs)


def submit_student(pool: LocalPool | DaskPool, api: NbGraderAPI, assignment: str, student: str,
                   stage: Path, notebooks: list[str], jobs_after: int = 0) -> Pending:
    """Prepare each of a student's staged notebooks and send it to the pool; ``jobs_after``
    notebooks of other students will be sent after these."""
    executor = SandboxedExecute(config=api.config)
    pending = Pending(student)
    workers = pool.workers
    for index, name in enumerate(notebooks):
        notebook = sanitized(api, assignment, student, stage / name)
        plan = executor.plan(notebook, {"assignment": assignment, "notebook": Path(name).stem})
        following = jobs_after + len(notebooks) - index - 1
        # Among the last jobs, one per worker: none follows it there, so no kernel is launched ahead.
        job = executor.job(plan, spare=following >= workers)
        pending.jobs[pool.submit(job)] = (name, plan.seed, job)
    return pending


def hand_over(pending: Pending, work: Path) -> None:
    """Leave each notebook's outcome where :class:`~.execute.SandboxedExecute` looks for it."""
    folder = work / "executions" / pending.student
    folder.mkdir(parents=True, exist_ok=True)
    for name, _seed, _job in pending.jobs.values():
        (folder / f"{Path(name).stem}.json").write_text(json.dumps(pending.answers[name]))


def record_answer(pending: Pending, future: Any) -> float:
    """Store the outcome of ``future`` (a failed worker becomes an outcome that ran nothing);
    return the seconds the worker spent on it."""
    name, seed, job = pending.jobs[future]
    try:
        answer = future.result()
    except Exception as exc:  # noqa: BLE001 - a worker that failed must not stop the class
        note = f"not run: the grading worker failed ({type(exc).__name__}: {exc})"
        answer = {"results": [{"key": step["key"], "status": "skipped", "outputs": [], "note": note}
                              for step in job["steps"]], "restarts": 0, "seconds": 0.0}
    pending.answers[name] = {"seed": seed, "job": job, "answer": answer}
    return float(answer.get("seconds", 0.0))
