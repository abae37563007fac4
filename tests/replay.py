"""A lesson's completed release notebook run once in a kernel, then answers replayed in that kernel.

:class:`LessonKernel` runs every cell of the release as a student who wrote the instructor's
solutions would hand it in (the *prefix*: every cell that defines what a test cell needs has run),
and snapshots the kernel's globals. :meth:`LessonKernel.replay` then runs one edited solution cell
and its test cell, and puts the kernel back as the prefix left it: every global rebound to the
object it held (the correct solutions, a class the answer redefined, a name it added removed) and
the recursion limit reset. A cell that runs past its time limit, or kills the kernel, gets a fresh
kernel (the prefix run again) for the next replay.
"""

from __future__ import annotations

import contextlib
import copy
from dataclasses import dataclass

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode

from .notebooks import RELEASE, SOLUTIONS, cell, completed, grade_id, read

PREFIX_TIMEOUT = 300
"""Seconds a cell of the prefix may take (lesson 03 trains for 5000 epochs in one cell)."""

REPLAY_TIMEOUT = 120
"""Seconds a replayed cell may take. A check stops a slow case after 10 s; a test cell still running
after this long hangs, which is itself a defect: it is reported, and the kernel replaced."""

FREEZE_LIBRARIES = "import gc as _replay_gc; _replay_gc.freeze()"
"""Run after a lesson's first cell (its imports): the garbage collector then skips the libraries'
objects, as the grading kernel does. Nothing a cell prints changes; lesson 04's training cell,
which builds thousands of small graphs, takes 1 s instead of 4."""

_SNAPSHOT = """\
import sys as _replay_sys


def _replay_restore(saved=None, limit=_replay_sys.getrecursionlimit()):
    "Rebind every global to what it was after the prefix; drop the ones added since."
    namespace = globals()
    for name in [name for name in namespace if name not in saved]:
        del namespace[name]
    namespace.update(saved)
    _replay_sys.setrecursionlimit(limit)


_replay_restore.__defaults__ = (dict(globals()), _replay_sys.getrecursionlimit())
"""


def text(code_cell: NotebookNode) -> str:
    """What a cell printed: its streams and its error (``name: message``)."""
    parts = []
    for output in code_cell.outputs:
        if output.output_type == "stream":
            parts.append(output.text)
        elif output.output_type == "error":
            parts.append(f"{output.ename}: {output.evalue}")
    return "\n".join(parts)


def error(code_cell: NotebookNode) -> str | None:
    """The cell's error as ``name: message``, or ``None``."""
    errors = [o for o in code_cell.outputs if o.output_type == "error"]
    return f"{errors[0].ename}: {errors[0].evalue}" if errors else None


@dataclass
class Outcome:
    """What a replay left: the edited solution cell and the test cell after running, or why not."""

    solution: NotebookNode | None = None
    test: NotebookNode | None = None
    broken: str | None = None
    """Set when a cell ran out of time or the kernel died (the kernel has been replaced)."""


class LessonKernel:
    """One kernel holding a lesson's completed release, run from the top once."""

    def __init__(self, lesson: str) -> None:
        self.lesson = lesson
        self.folder = RELEASE / lesson
        self.notebook = completed(read(self.folder / f"{lesson}.ipynb"),
                                  read(SOLUTIONS / lesson / f"{lesson}.ipynb"))
        self.prefix_runs = 0
        self._stack: contextlib.ExitStack | None = None
        self.client: NotebookClient | None = None

    def __enter__(self) -> LessonKernel:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """A new kernel; the whole completed notebook run in it (outputs kept in ``self.notebook``)."""
        self.client = NotebookClient(self.notebook, timeout=PREFIX_TIMEOUT, kernel_name="python3",
                                     allow_errors=True, resources={"metadata": {"path": str(self.folder)}})
        self._stack = contextlib.ExitStack()
        self._stack.enter_context(self.client.setup_kernel())
        self.prefix_runs += 1
        frozen = False
        for index, code_cell in enumerate(self.notebook.cells):
            if code_cell.cell_type == "code":
                code_cell.outputs = []
                self.client.execute_cell(code_cell, index)
                if not frozen:  # after the lesson's imports (see FREEZE_LIBRARIES)
                    self._run(nbformat.v4.new_code_cell(FREEZE_LIBRARIES), 0, PREFIX_TIMEOUT)
                    frozen = True
        snapshot = self._run(nbformat.v4.new_code_cell(_SNAPSHOT), 0, PREFIX_TIMEOUT)
        assert error(snapshot) is None, text(snapshot)

    def stop(self) -> None:
        if self._stack is not None:
            self._stack.close()
            self._stack = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def _run(self, code_cell: NotebookNode, index: int, timeout: int) -> NotebookNode:
        code_cell.outputs = []
        self.client.timeout = timeout
        self.client.execute_cell(code_cell, index, store_history=False)
        return code_cell

    def replay(self, exercise: str, source: str | None, timeout: int = REPLAY_TIMEOUT,
               test_source: str | None = None) -> Outcome:
        """Run the exercise's solution cell with ``source`` in it (``None``: leave the kernel's
        definition as it is), then its test cell (with ``test_source`` in it, if given); then
        restore the kernel to the prefix's state (or replace it, if a cell hung or killed it)."""
        outcome = Outcome()
        try:
            if source is not None:
                outcome.solution = self._run_as(exercise, source, timeout)
            outcome.test = self._run_as(f"test_{exercise}", test_source, timeout)
            restored = self._run(nbformat.v4.new_code_cell("_replay_restore()"), 0, timeout)
            assert error(restored) is None, text(restored)
        except (CellTimeoutError, DeadKernelError) as failure:
            outcome.broken = f"{type(failure).__name__}: {failure}"
            self.restart()
        return outcome

    def _run_as(self, grade_id_: str, source: str | None, timeout: int) -> NotebookNode:
        """Run a copy of the cell ``grade_id_`` (with ``source`` in it, if given)."""
        original = cell(self.notebook, grade_id_)
        code_cell = copy.deepcopy(original)
        if source is not None:
            code_cell.source = source
        return self._run(code_cell, self.notebook.cells.index(original), timeout)

    def test_cells(self) -> list[NotebookNode]:
        """The test cells of the completed notebook, with the outputs of the prefix run."""
        return [c for c in self.notebook.cells if (grade_id(c) or "").startswith("test_")]
