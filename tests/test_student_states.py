"""Every state a student can reach leaves each exercise checkable, with a true message (every lesson).

The test replays what a student does, in one kernel per lesson: Run All on the untouched release
(errors and all), then fill in the exercises in order, re-running each exercise's cell and every
cell after it, as a student would (except the cells whose result cannot have changed: those that
use none of the names just written). At every stage each check must tell the truth: "✓" only for
an exercise that is written and right, "`name` is not written yet" only for an exercise that is
still the stub, and a cell fails only where it uses an exercise that is not written yet.

Lesson 04 used to have a dead end. The student's exercise cell ``class Value:`` rebinds ``Value``
for the whole notebook, and earlier cells used that name for the course's engine. After "Run All"
on the untouched release (the cell defines a stub whose methods raise ``NotImplementedError``), a
correct ``counterexample`` built with ``Value`` was reported as "not written yet", and earlier demo
cells raised a bare ``NotImplementedError`` with nothing pointing at the cause. So in lesson 04's
kernel the student then erases every answer, runs everything again, and writes the exercises out
of order.

Running the untouched release here also shows what ``nbgrader validate --invert`` would: every test
cell fails when nothing is filled in.
"""

from __future__ import annotations

import io
import re
import tokenize

import nbformat
import pytest
from nbclient import NotebookClient
from nbformat import NotebookNode

from .notebooks import RELEASE, SOLUTIONS, cell, grade_id, lesson_names, read, solution_ids, strip_markers
from .replay import FREEZE_LIBRARIES
from .replay import text as _text

ENGINE = "04_autograd_engine"
PASSED = re.compile(r"✓ (\w+) passes")
NOT_WRITTEN = re.compile(r"`(\w+)` is not written yet")


def _errored(code_cell: NotebookNode) -> bool:
    return any(output.output_type == "error" for output in code_cell.outputs)


def _student_names(notebook: NotebookNode) -> dict[str, int]:
    """The names the student defines (``def name`` / ``class name`` in a solution cell), each with
    the index of the cell that defines it."""
    names = {}
    for solution_id in solution_ids(notebook):
        exercise = cell(notebook, solution_id)
        for name in re.findall(r"^(?:def|class) (\w+)", exercise.source, flags=re.MULTILINE):
            names[name] = notebook.cells.index(exercise)
    return names


def _names_used(source: str) -> set[str]:
    """The names a cell's code refers to: identifiers outside strings (f-string fields included) and
    comments, except attributes (``course.Value``, ``g.backward()``) and the names it defines with
    ``def``."""
    used, previous = set(), None
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.NAME and previous not in (".", "def", "class"):
            used.add(token.string)
        elif token.type == tokenize.STRING and "f" in token.string.split("'")[0].split('"')[0].lower():
            for expression in re.findall(r"\{([^{}]+)\}", token.string):  # an f-string's fields
                used |= _names_used(expression)
        if token.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT, tokenize.INDENT,
                              tokenize.DEDENT):
            previous = token.string
    return used


def _dependencies(notebook: NotebookNode, names: dict[str, int]) -> dict[int, set[str]]:
    """For each code cell that is not an exercise, the student's names it depends on: used in it,
    or used by a function or variable that an earlier cell defined (``assigning_backward`` calls the
    student's ``topological_order``; lesson 01's ``history`` comes from the student's ``train``)."""
    derived: dict[str, set[str]] = {}
    dependencies = {}
    for index, code_cell in enumerate(notebook.cells):
        if code_cell.cell_type != "code" or grade_id(code_cell):
            continue
        referred = _names_used(code_cell.source)
        used = {name for name in names if name in referred}
        used |= {dep for name, deps in derived.items() if name in referred for dep in deps}
        for name in re.findall(r"^def (\w+)", code_cell.source, flags=re.MULTILINE):
            derived[name] = used
        for targets in re.findall(r"^(\w+(?:\s*,\s*\w+)*)\s*=[^=]", code_cell.source, flags=re.MULTILINE):
            for name in re.split(r"\s*,\s*", targets):  # a variable computed from a student's function
                derived[name] = used
        dependencies[index] = used
    return dependencies


class Student:
    """A kernel running the lesson's release, and the cells of the notebook as the student edits them."""

    def __init__(self, lesson: str, client: NotebookClient, notebook: NotebookNode,
                 names: dict[str, int]) -> None:
        self.client, self.notebook = client, notebook
        self.dependencies = _dependencies(notebook, names)
        self.release = read(RELEASE / lesson / f"{lesson}.ipynb")
        self.solution = read(SOLUTIONS / lesson / f"{lesson}.ipynb")

    def run(self, index: int) -> NotebookNode:
        code_cell = self.notebook.cells[index]
        code_cell.outputs = []
        self.client.execute_cell(code_cell, index)
        return code_cell

    def run_all(self, start: int = 0, changed: set[str] | None = None) -> None:
        """Run every code cell from ``start`` on, as a student would; given the student's names
        whose definitions ``changed``, skip the cells that would compute what they computed before:
        those that are no exercise or check and use none of those names (directly or through a
        variable or function computed from them; see :func:`_dependencies`)."""
        for index in range(start, len(self.notebook.cells)):
            code_cell = self.notebook.cells[index]
            if code_cell.cell_type != "code":
                continue
            if changed is None or grade_id(code_cell) or self.dependencies[index] & changed:
                self.run(index)

    def write(self, exercise: str) -> int:
        """Fill in the exercise with the course's answer, keeping the lines given around it, run the
        cell, then its check; return the cell's index."""
        exercise_cell = cell(self.notebook, exercise)
        exercise_cell.source = strip_markers(cell(self.solution, exercise).source)
        index = self.notebook.cells.index(exercise_cell)
        self.run(index)
        self.check(exercise)
        return index

    def erase(self, exercise: str) -> None:
        """Put the release's stub back in the exercise's cell (not run)."""
        cell(self.notebook, exercise).source = cell(self.release, exercise).source

    def check(self, exercise: str) -> str:
        """Run the exercise's test cell; what it says."""
        return _text(self.run(self.notebook.cells.index(cell(self.notebook, f"test_{exercise}"))))

    def probe(self, source: str) -> str:
        """Run a scratch cell (as a student typing into a new cell); what it prints."""
        self.notebook.cells.append(nbformat.v4.new_code_cell(source))
        try:
            return _text(self.run(len(self.notebook.cells) - 1))
        finally:
            self.notebook.cells.pop()


def _test_cells(notebook: NotebookNode) -> list[NotebookNode]:
    return [c for c in notebook.cells if (grade_id(c) or "").startswith("test_")]


def _assert_true_verdicts(notebook: NotebookNode, written: set[str]) -> None:
    """Every test cell that ran tells the truth about which exercises are written."""
    for test in (c for c in _test_cells(notebook) if c.outputs):
        text = _text(test)
        for name in NOT_WRITTEN.findall(text):
            assert name not in written, f"{grade_id(test)} says `{name}` is not written yet; it is:\n{text}"
        for name in PASSED.findall(text):
            assert name in written, f"{grade_id(test)} passes `{name}`, which is not written:\n{text}"


def _cells_failing_on_written_exercises(notebook: NotebookNode, names: dict[str, int], written: set[str],
                                        start: int) -> list[str]:
    """The cells (from ``start`` on) that fail although every exercise they use is written."""
    return [f"cell {index} ({notebook.cells[index].id}) fails with {sorted(written & set(names))} written, "
            f"yet it uses no exercise still to write (uses {sorted(used)}):\n{_text(notebook.cells[index])}"
            for index, used in _dependencies(notebook, names).items()
            if index >= start and _errored(notebook.cells[index]) and not used - written]


def _exercise_order(notebook: NotebookNode, names: dict[str, int]) -> list[str]:
    return list(dict.fromkeys(grade_id(notebook.cells[i]) for i in sorted(names.values())))


def _defined(notebook: NotebookNode, exercise: str) -> set[str]:
    """The exercise and the names its cell defines (Exercise 1 of lesson 04 writes two functions)."""
    source = cell(notebook, exercise).source
    return {exercise, *re.findall(r"^(?:def|class) (\w+)", source, flags=re.MULTILINE)}


def _run_all_on_the_blank_release(student: Student, names: dict[str, int]) -> None:
    """Run All, then every cell again from below the imports: every check says "not written yet",
    truthfully, and fails; a demo cell fails only where it uses an exercise that comes before it
    (so the traceback leads to a stub the student has already been asked to write), never a later
    one."""
    notebook = student.notebook
    student.run_all()
    student.probe(FREEZE_LIBRARIES)  # speed only: see tests/replay.py
    first_code = next(i for i, c in enumerate(notebook.cells) if c.cell_type == "code")
    student.run_all(start=first_code + 1, changed=set(names))  # now every cell runs after the stubs
    _assert_true_verdicts(notebook, written=set())
    for test in _test_cells(notebook):
        assert _errored(test) and NOT_WRITTEN.search(_text(test)), (grade_id(test), _text(test))
    for index, used in _dependencies(notebook, names).items():
        if _errored(notebook.cells[index]):
            later = sorted(name for name in used if names[name] > index)
            assert used and not later, (
                f"cell {notebook.cells[index].id} fails after Run All, yet it uses no earlier exercise "
                f"(uses {sorted(used)}, of which later ones: {later}):\n{_text(notebook.cells[index])}")


def _write_in_order(student: Student, names: dict[str, int]) -> list[str]:
    """Each exercise in turn: written, its cell and every cell after it run again. Its check passes,
    the later ones say "not written yet"; returns the cells that failed although they use no exercise
    still to write (collected, so that one such cell does not hide the later stages)."""
    broken_cells: list[str] = []
    notebook = student.notebook
    written: set[str] = set()
    exercises = _exercise_order(notebook, names)
    for position, exercise in enumerate(exercises):
        written |= _defined(notebook, exercise)
        index = student.write(exercise)
        student.run_all(index, changed=_defined(notebook, exercise))
        _assert_true_verdicts(notebook, written)
        broken_cells += _cells_failing_on_written_exercises(notebook, names, written, start=index)
        for done in exercises[:position + 1]:
            assert not _errored(cell(notebook, f"test_{done}")), _text(cell(notebook, f"test_{done}"))
        for later in exercises[position + 1:]:
            verdict = cell(notebook, f"test_{later}")
            assert _errored(verdict) and NOT_WRITTEN.search(_text(verdict)), (later, _text(verdict))
    return broken_cells


@pytest.mark.parametrize("lesson", lesson_names())
def test_every_check_tells_the_truth_from_run_all_to_every_exercise_written(lesson):
    notebook = read(RELEASE / lesson / f"{lesson}.ipynb")
    names = _student_names(notebook)
    client = NotebookClient(notebook, timeout=300, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(RELEASE / lesson)}})
    with client.setup_kernel():
        student = Student(lesson, client, notebook, names)
        _run_all_on_the_blank_release(student, names)
        broken_cells = _write_in_order(student, names)
        if lesson == ENGINE:
            for exercise in _exercise_order(notebook, names):
                student.erase(exercise)
            _run_all_on_the_blank_release(student, names)
            _write_the_engine_out_of_order(student, names)
    assert not broken_cells, "\n\n".join(broken_cells)


def _write_the_engine_out_of_order(student: Student, names: dict[str, int]) -> None:
    """Lesson 04, from the blank release run: the dead end, and the engine before its parts."""
    notebook = student.notebook
    exercises = _exercise_order(notebook, names)

    # 1. The dead end: now write a correct counterexample (the `class Value:` stub is defined,
    #    since Run All ran it) and run it and everything below, as a student would.
    written = {"counterexample"}
    index = student.write("counterexample")
    student.run_all(index, changed=_defined(notebook, "counterexample"))
    assert "✓ counterexample passes" in student.check("counterexample")
    _assert_true_verdicts(notebook, written)
    for later in ("backward", "Value", "train_step"):
        assert f"`{later}` is not written yet" in student.check(later)

    # 2. The engine class written before the exercises it builds on: its check names them.
    written.add("Value")
    student.write("Value")
    verdict = student.check("Value")
    assert not NOT_WRITTEN.search(verdict) and "Exercise 6" in verdict, verdict
    _assert_true_verdicts(notebook, written)

    # 3. Those exercises written afterwards, out of order: the class now passes, as does
    #    everything written so far, with the demo cells below it run again.
    for exercise in ("topological_order", "backward"):
        written.add(exercise)
        student.write(exercise)
    assert "✓ Value passes" in student.check("Value")
    assert "✓ backward passes" in student.check("backward")
    assert "✓ counterexample passes" in student.check("counterexample")
    _assert_true_verdicts(notebook, written)

    # 4. Running the first cell again (imports) keeps the student's class: `Value` is not
    #    silently swapped back to the course's engine, so its check still grades the student's.
    student.run(1)
    assert student.probe("print(Value is course.Value, Value.__module__)").startswith("False")
    assert "✓ Value passes" in student.check("Value")

    # 5. The rest, in order, and a last check of every exercise: all true.
    for exercise in exercises:
        if exercise not in written:
            written.add(exercise)
            student.write(exercise)
    for exercise in exercises:
        student.check(exercise)
    written |= set(names)  # the pairs of functions of Exercises 1 and 3 included
    _assert_true_verdicts(notebook, written)
    assert all(not _errored(c) for c in _test_cells(notebook))
