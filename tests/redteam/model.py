"""The red-team submissions as data: who hands in what, and the score they must get.

A :class:`Submission` is one student of the red-team run: an id (which also fixes the grading
order, ids are graded sorted), the attack class of issue 7 it belongs to (``None`` for the honest
students around the attacks), a sentence saying what it tries, a ``build`` function that makes
the files it hands in from a :class:`Context`, and what it legitimately loses: the exercises it
answers wrongly (or not at all, or through the course's own answer key), from which the expected
score follows as *total − the points of those exercises and of every exercise that calls them*.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode

from .. import notebooks as nb_helpers
from ..wrong_answers import WRONG_ANSWERS


@dataclass(frozen=True)
class Lesson:
    """What the red team needs to know about a lesson: its exercises, who calls whom, and where its
    gradebook lives during the run."""

    name: str
    depends: Mapping[str, frozenset[str]]
    """exercise -> the exercises whose student functions it calls (directly)."""
    checks_module: str
    """``course_lib.checks.<module>``: the lesson's checks, which the attacks patch."""
    course_module: str
    """``course_lib.<module>``: the lesson's reference implementations (the answer key)."""
    gradebook_outside: bool = False
    """Keep the gradebook outside the course directory (``--db-url``), as an instructor may."""

    @property
    def notebook(self) -> str:
        return f"{self.name}.ipynb"

    def lost(self, exercises: Iterable[str]) -> list[str]:
        """``exercises`` and every exercise that (transitively) calls one of them."""
        lost = set(exercises)
        changed = True
        while changed:
            changed = False
            for exercise, calls in self.depends.items():
                if exercise not in lost and calls & lost:
                    lost.add(exercise)
                    changed = True
        return sorted(lost)


ALL = ("*",)
"""``loses=ALL``: the submission earns nothing."""


@dataclass(frozen=True)
class Built:
    """What a submission hands in: a notebook (or raw bytes), and files beside it."""

    notebook: NotebookNode | None = None
    raw: bytes | None = None
    """Written as the notebook file instead of ``notebook`` (not JSON, not a notebook, …)."""
    files: Mapping[str, bytes | str] = field(default_factory=dict)
    """Extra files beside the notebook, by path relative to the submission folder."""
    write: Callable[[Path], None] | None = None
    """Writes the submission folder itself (a symlink, a sparse file, a missing notebook, …)."""


@dataclass(frozen=True)
class Submission:
    """One student of the red-team run (see the module docstring)."""

    student: str
    attack_class: int | None
    description: str
    build: Callable[[Context], Built]
    loses: tuple[str, ...] = ()
    """Exercises answered wrongly, not at all, or not by the student; ``ALL`` for everything."""
    status: str | None = "graded"
    """The CSV status expected, or ``None`` when either ``graded`` or ``error`` is right."""
    own_code: bool = False
    """The feedback must say the exercise has to be "your own code" (it used the answer key)."""
    slow: bool = False
    """Costs at least one cell timeout."""
    message: str = ""
    """Words the CSV's message for this student must contain (what the instructor is told)."""

    @property
    def honest(self) -> bool:
        return self.attack_class is None


@dataclass
class Context:
    """Everything a submission's ``build`` may use: the lesson, the run's unique token, the paths
    of the course being graded (a white-box attacker knows them), and the notebooks."""

    lesson: Lesson
    token: str
    root: Path
    repo: Path
    home: Path
    gradebook: Path
    host_pidns: str
    release: NotebookNode
    source: NotebookNode
    victim: str
    """An honest student graded after the attacks (the target of sabotage)."""
    classmate: str
    """An honest student graded before the attacks (the one copied from)."""
    student: str = ""

    # --- the notebooks a build starts from ---------------------------------------------------

    def completed(self) -> NotebookNode:
        """The release with the instructor's solution in every solution cell."""
        return nb_helpers.completed(self.release, self.source)

    def blank(self) -> NotebookNode:
        return copy.deepcopy(self.release)

    def exercises(self) -> list[str]:
        tests = nb_helpers.grade_test_cells(self.source)
        return [nb_helpers.grade_id(c).removeprefix("test_") for c in tests]

    def wrong_source(self, exercise: str) -> str:
        """A typical wrong answer to ``exercise`` (the first of tests/wrong_answers)."""
        return next(src for ex, src, _ in WRONG_ANSWERS[self.lesson.name] if ex == exercise)

    def variant(self, *, wrong: Iterable[str] = (), blank: Iterable[str] = (),
                replace: Mapping[str, str] | None = None, prepend: Mapping[str, str] | None = None,
                after: Iterable[tuple[str, str]] = (), start: NotebookNode | None = None) -> NotebookNode:
        """The completed notebook (or ``start``) with exercises answered wrongly (``wrong``, ``"*"``
        for all), left blank, replaced by other code, code put at the top of solution cells
        (``prepend``), and new cells inserted (``after``: ``(anchor, source)``, see :func:`insert_after`)."""
        notebook = copy.deepcopy(start) if start is not None else self.completed()
        exercises = self.exercises()
        wrong = exercises if tuple(wrong) == ALL else list(wrong)
        blank = exercises if tuple(blank) == ALL else list(blank)
        for exercise in wrong:
            nb_helpers.cell(notebook, exercise).source = self.wrong_source(exercise)
        for exercise in blank:
            nb_helpers.cell(notebook, exercise).source = nb_helpers.cell(self.release, exercise).source
        for exercise, source in (replace or {}).items():
            nb_helpers.cell(notebook, exercise).source = source
        for exercise, code in (prepend or {}).items():
            target = nb_helpers.cell(notebook, exercise)
            target.source = code.rstrip("\n") + "\n\n" + target.source
        placed: dict[str, int] = {}
        for anchor, source in after:  # cells after the same anchor keep the order given
            insert_after(notebook, anchor, source, skip=placed.get(anchor, 0))
            placed[anchor] = placed.get(anchor, 0) + 1
        return notebook

    # --- code templates ------------------------------------------------------------------------

    def render(self, code: str, **extra: Any) -> str:
        """``code`` with its ``@NAME@`` placeholders replaced by Python literals of the run's values."""
        values = {
            "TOKEN": self.token, "ROOT": str(self.root), "REPO": str(self.repo), "HOME": str(self.home),
            "LESSON": self.lesson.name, "STUDENT": self.student, "GRADEBOOK": str(self.gradebook),
            "HOST_PIDNS": self.host_pidns, "VICTIM": self.victim, "CLASSMATE": self.classmate,
            "CHECKS_MODULE": self.lesson.checks_module, "COURSE_MODULE": self.lesson.course_module,
            **{key.upper(): value for key, value in extra.items()},
        }
        for key, value in values.items():
            code = code.replace(f"@{key}@", repr(value))
        return code


# --- notebook edits ----------------------------------------------------------------------------


def code_cell(source: str) -> NotebookNode:
    return nbformat.v4.new_code_cell(source)


def insert_after(notebook: NotebookNode, anchor: str, source: str, cell_type: str = "code",
                 skip: int = 0) -> None:
    """Insert a new student cell after the cell ``anchor`` (and ``skip`` cells after it): a grade id,
    ``"imports"`` (the first code cell), ``"start"`` (before everything) or ``"end"``."""
    new = nbformat.v4.new_code_cell(source) if cell_type == "code" else nbformat.v4.new_markdown_cell(source)
    if anchor == "start":
        notebook.cells.insert(skip, new)
    elif anchor == "end":
        notebook.cells.append(new)
    elif anchor == "imports":
        index = next(i for i, c in enumerate(notebook.cells) if c.cell_type == "code")
        notebook.cells.insert(index + 1 + skip, new)
    else:
        index = notebook.cells.index(nb_helpers.cell(notebook, anchor))
        notebook.cells.insert(index + 1 + skip, new)


def notebook_bytes(notebook: NotebookNode) -> bytes:
    return nbformat.writes(notebook).encode("utf-8")
