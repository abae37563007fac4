"""Run one student's notebook in a sandbox, as a pure function of plain data.

:func:`execute_job` is what a grading worker does — in the grader's own process, in a local pool
of processes (``course grade --jobs N``), or on the workers of a Dask cluster (``--scheduler``):
it gets a *job* (the steps to run, the lesson's checks modules, the limits; JSON-ready) and
returns the outcomes (each step's status, outputs and note; JSON-ready). It decides nothing:
verdicts, gradebook and feedback stay with the grader.

A worker keeps one kernel *launched ahead* for the next job (its *spare*): while a student's
notebook runs, the next sandbox boots and imports the heavy libraries, so the next student
starts warm. Every kernel serves one student only. A job marked ``spare=False`` (the grader knows
no job will follow it on this worker) launches none, so that no kernel is booted for nothing.
"""

from __future__ import annotations

import atexit
import contextlib
import shutil
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from . import answer_key, sandbox
from .kernel import KernelSession, Outcome
from .run import Result, Runner, Step

WARM_IMPORTS = ("numpy", "matplotlib.pyplot", "IPython.display")
LESSON_LIBRARIES = ("torch",)
"""Loaded ahead only for a lesson whose source notebook imports it (torch takes a second and brings
some 140 000 objects, which lesson 01 has no use for)."""


class _State:
    """Per-process caches: the answer-key-free libraries, and the kernel launched ahead."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.folder = Path(tempfile.mkdtemp(prefix="course-worker-"))
        self.libraries: dict[tuple[str, ...], str] = {}
        self.spare: tuple[tuple, KernelSession] | None = None
        self._fonts: tuple[tuple[str, str], ...] | None = None
        atexit.register(self.close)

    def fonts(self) -> tuple[tuple[str, str], ...]:
        """matplotlib's font list, shared read-only, so each sandbox does not rebuild it."""
        if self._fonts is None:
            import matplotlib
            from matplotlib import font_manager  # noqa: F401 - importing it writes the cache once

            cache = Path(matplotlib.get_cachedir())
            self._fonts = tuple((str(path), f"/tmp/matplotlib/{path.name}")
                                for path in sorted(cache.glob("fontlist-*.json")))
        return self._fonts

    def library(self, modules: tuple[str, ...]) -> str:
        with self.lock:
            if modules not in self.libraries:
                folder = self.folder / ("library-" + "-".join(modules))
                key = answer_key.answer_key(modules)
                self.libraries[modules] = str(answer_key.build_library(folder, key))
            return self.libraries[modules]

    def close(self) -> None:
        if self.spare is not None:
            self.spare[1].close()
            self.spare = None
        shutil.rmtree(self.folder, ignore_errors=True)


_STATE: _State | None = None


def _state() -> _State:
    global _STATE
    if _STATE is None:
        _STATE = _State()
    return _STATE


def _warm_lines(modules: tuple[str, ...], libraries: tuple[str, ...] = (),
                figures: bool = False) -> list[str]:
    imports = [*WARM_IMPORTS, *libraries, "course_lib.checks.harvest",
               *(f"course_lib.checks.{name}" for name in modules)]
    # Frozen, the libraries' objects are skipped by every later garbage collection: a notebook
    # that builds large graphs of small objects sets off many (lesson 04 trains on thousands).
    return [*(f"import {name}" for name in imports),
            "course_lib.checks.harvest.release_failed_cells(get_ipython())",
            *([] if figures else ["course_lib.checks.harvest.figures_as_notes(get_ipython())"]),
            "import gc; gc.freeze()"]


def _launcher(job: dict[str, Any]):
    """A function starting a new kernel for ``job``, taking the one launched ahead if it fits."""
    state = _state()
    modules, libraries = tuple(job["modules"]), tuple(job.get("libraries", ()))
    figures = bool(job.get("figures", False))
    limits = sandbox.Limits(**job["limits"])
    library = state.library(modules) if job["sandbox"] else None
    fonts = state.fonts()
    # A kernel's client belongs to the thread that launched it: a spare is only taken by that thread.
    key = (threading.get_ident(), modules, libraries, figures, job["sandbox"],
           tuple(sorted(job["limits"].items())), fonts)

    def new() -> KernelSession:
        return KernelSession(library, limits, state.folder, extra_ro=fonts,
                             warm=_warm_lines(modules, libraries, figures), connect=False)

    def start() -> KernelSession:
        spare, state.spare = state.spare, None
        session = spare[1] if spare is not None and spare[0] == key else None
        if spare is not None and session is None:
            spare[1].close()
        if session is None:
            session = new()
        if job.get("spare", True):
            with contextlib.suppress(Exception):  # no spare this time: the next start makes its own
                state.spare = (key, new())  # boots while this student's notebook runs
        session.connect()
        return session

    return start


def execute_job(job: dict[str, Any]) -> dict[str, Any]:
    """Run ``job["steps"]`` with fault isolation (:class:`~.run.Runner`); outcomes as plain data."""
    began = time.perf_counter()
    steps = [Step(tuple(step["key"]), step["source"], float(step["timeout"])) for step in job["steps"]]
    runner = Runner(_launcher(job), time_budget=float(job["budget"]))
    results = runner.run(steps)
    return {"results": [_result_data(result) for result in results], "restarts": runner.restarts,
            "seconds": time.perf_counter() - began}


def _result_data(result: Result) -> dict[str, Any]:
    return {"key": list(result.step.key), "status": result.outcome.status,
            "outputs": [dict(out) for out in result.outcome.outputs], "note": result.note}


def results_from_data(data: dict[str, Any], steps: list[Step]) -> list[Result]:
    """The :class:`~.run.Result` s of :func:`execute_job`'s answer, matched to ``steps``."""
    import nbformat

    results = []
    for step, item in zip(steps, data["results"], strict=True):
        outputs = [nbformat.from_dict(out) for out in item["outputs"]]
        results.append(Result(step, Outcome(str(item["status"]), outputs), str(item["note"])))
    return results


def job_for(steps: list[Step], modules: list[str], limits: sandbox.Limits, use_sandbox: bool,
            budget: float, spare: bool = True, libraries: Sequence[str] = (),
            figures: bool = False) -> dict[str, Any]:
    """The plain-data job :func:`execute_job` runs; ``spare=False`` when no job will follow it on
    its worker (the kernel launched ahead would be thrown away); ``libraries`` (of
    :data:`LESSON_LIBRARIES`) are loaded before the student's code runs; ``figures``: draw
    matplotlib figures (else each shows as a one-line note, see
    :func:`course_lib.checks.harvest.figures_as_notes`)."""
    return {"steps": [{"key": list(step.key), "source": step.source, "timeout": step.timeout}
                      for step in steps],
            "modules": sorted(modules), "libraries": sorted(libraries), "limits": asdict(limits),
            "sandbox": use_sandbox, "budget": budget, "spare": spare, "figures": figures}
