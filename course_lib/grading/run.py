"""Run a student's notebook so that one fault costs only what depends on it.

The cells run in order in one sandboxed kernel (:class:`~.kernel.KernelSession`). When a cell
runs past its time limit (even one that ignores interrupts) or the kernel dies (``os._exit``, a
crash, a killed process), the whole sandbox is killed, a new one is started, the cells that had
completed are run again (their new outputs are discarded), and the run goes on *after* the faulty
cell. Everything that did not depend on that cell is still graded. Restarts are bounded, and so is
the student's total time.

The cost is paid only on a fault: one sandbox start (under a second) plus the replay of the
cells before it. ``benchmarks/grading_sandbox.py`` measures it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import nbformat
from nbformat import NotebookNode

from .kernel import KernelSession, Outcome

MAX_RESTARTS = 6


@dataclass(frozen=True)
class Step:
    """One piece of code to run, with its time limit, and a key saying what it is."""

    key: object
    source: str
    timeout: float


@dataclass
class Result:
    """How a step went: the outcome of its first real run, or why it did not run."""

    step: Step
    outcome: Outcome
    note: str = ""


@dataclass
class Runner:
    """Runs :class:`Step` s in order with restarts (see the module docstring)."""

    start: Callable[[], KernelSession]
    max_restarts: int = MAX_RESTARTS
    time_budget: float = 3600.0
    restarts: int = 0
    _session: KernelSession | None = field(default=None, repr=False)
    _done: list[Step] = field(default_factory=list, repr=False)
    _deadline: float = field(default=0.0, repr=False)

    def run(self, steps: list[Step]) -> list[Result]:
        self._deadline = time.monotonic() + self.time_budget
        results = []
        try:
            for step in steps:
                results.append(self._run_one(step))
        finally:
            self.close()
        return results

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None

    def _left(self) -> float:
        return self._deadline - time.monotonic()

    def _run_one(self, step: Step) -> Result:
        if self.restarts > self.max_restarts:
            return Result(step, Outcome("skipped"), f"not run: the kernel had to be restarted more than "
                                                  f"{self.max_restarts} times")
        if self._left() <= 0:
            return Result(step, Outcome("skipped"), "not run: the submission used up its time")
        try:
            session = self._ready()
        except Exception as exc:  # noqa: BLE001 - e.g. the sandbox cannot start: this step cannot run
            self.restarts += 1
            return Result(step, Outcome("skipped"), f"not run: the kernel could not be started ({exc})")
        outcome = session.run(step.source, min(step.timeout, max(1.0, self._left())))
        if outcome.completed:
            self._done.append(step)
            return Result(step, outcome)
        self._fault()
        return Result(step, outcome, _fault_note(outcome, step))

    def _fault(self) -> None:
        self.close()
        self.restarts += 1

    def _ready(self) -> KernelSession:
        """The current session, or a new one in which every completed step has been run again."""
        while self._session is None:
            if self.restarts > self.max_restarts or self._left() <= 0:
                raise RuntimeError("out of restarts or time")
            session = self.start()
            self._session = session
            for earlier in list(self._done):
                replay = session.run(earlier.source, min(earlier.timeout, max(1.0, self._left())))
                if not replay.completed:  # it behaved differently this time: leave it out from now on
                    self._done.remove(earlier)
                    self._fault()
                    break
        return self._session


def _fault_note(outcome: Outcome, step: Step) -> str:
    what = {"timeout": f"ran longer than {step.timeout:.0f} s and was stopped",
            "died": "stopped the kernel (a crash, os._exit, a killed process, or too much memory)"}
    return (f"This cell {what.get(outcome.status, outcome.status)}. The grader started a new kernel, ran "
            "the cells before this one again, and went on after it: only what depends on this cell is lost.")


def fault_output(note: str) -> NotebookNode:
    """An error output carrying ``note``, for a cell that timed out, crashed or did not run."""
    return nbformat.v4.new_output("error", ename="GradingStopped", evalue=note, traceback=[note])
