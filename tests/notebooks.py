"""Helpers for tests: read lessons, build submissions from the release, find cells by grade id."""

from __future__ import annotations

import ast
import copy
import functools
from pathlib import Path

import nbformat
from nbformat import NotebookNode

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
RELEASE = ROOT / "notebooks"
MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")


def lesson_names() -> list[str]:
    return sorted(p.name for p in SOLUTIONS.iterdir() if p.is_dir())


def lesson_notebooks(directory: Path = SOLUTIONS) -> list[Path]:
    return sorted(directory.glob("*/*.ipynb"))


def read(path: Path) -> NotebookNode:
    return nbformat.read(path, as_version=4)


def grade_id(cell: NotebookNode) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def cell(notebook: NotebookNode, grade_id_: str) -> NotebookNode:
    matches = [c for c in notebook.cells if grade_id(c) == grade_id_]
    assert len(matches) == 1, f"expected one cell {grade_id_!r}, found {len(matches)}"
    return matches[0]


def solution_ids(notebook: NotebookNode) -> list[str]:
    return [grade_id(c) for c in notebook.cells if c.metadata.get("nbgrader", {}).get("solution")]


def grade_test_cells(notebook: NotebookNode) -> list[NotebookNode]:
    """Autograded test cells: grade cells that are not solution cells."""
    return [c for c in notebook.cells
            if c.metadata.get("nbgrader", {}).get("grade") and not c.metadata["nbgrader"].get("solution")]


def strip_markers(source: str) -> str:
    return "\n".join(line for line in source.splitlines() if line.strip() not in MARKERS)


def completed(release: NotebookNode, source: NotebookNode) -> NotebookNode:
    """The release notebook as a student who wrote the instructor's solutions would submit it."""
    notebook = copy.deepcopy(release)
    for solution_id in solution_ids(notebook):
        cell(notebook, solution_id).source = strip_markers(cell(source, solution_id).source)
    return notebook


def hidden_lines(source: NotebookNode) -> set[str]:
    """Every line of code inside the source notebook's hidden-test blocks."""
    lines, inside = set(), False
    for test in grade_test_cells(source):
        for line in test.source.splitlines():
            if "BEGIN HIDDEN TESTS" in line or "END HIDDEN TESTS" in line:
                inside = "BEGIN" in line
            elif inside and line.strip():
                lines.add(line.strip())
    return lines


Edit = str | tuple[str, ...]
"""One fragment of a solution, or several (for several edits of one cell)."""


@functools.cache
def solution_source(lesson: str, exercise: str) -> str:
    """The instructor's solution cell of ``exercise``, markers stripped (what the student would see
    after writing the course's answer)."""
    return strip_markers(cell(read(SOLUTIONS / lesson / f"{lesson}.ipynb"), exercise).source)


def apply_edits(source: str, old: Edit, new: Edit) -> str:
    """``source`` with each ``old`` replaced by the matching ``new``; each ``old`` must occur once, so
    that an edit fails loudly when the lesson changes."""
    olds, news = (old, new) if isinstance(old, tuple) else ((old,), (new,))
    assert len(olds) == len(news), f"{len(olds)} old fragments for {len(news)} new ones"
    for before, after in zip(olds, news, strict=True):
        count = source.count(before)
        assert count == 1, (
            f"the edit's old text occurs {count} times in the solution (must be once); "
            f"update the edit:\n{before}\n--- in ---\n{source}"
        )
        source = source.replace(before, after)
    return source


def run_solutions(lesson: str, exercises: tuple[str, ...], namespace: dict | None = None,
                  edits: dict[str, tuple[Edit, Edit]] | None = None) -> dict:
    """Run the solution cells of ``exercises``, in order, in ``namespace`` (as a student's kernel
    would, without the rest of the notebook); returns the namespace."""
    namespace = {} if namespace is None else namespace
    for exercise in exercises:
        old, new = (edits or {}).get(exercise, ((), ()))
        exec(apply_edits(solution_source(lesson, exercise), old, new), namespace)  # noqa: S102
    return namespace


def notebook_function(lesson: str, name: str) -> str:
    """The source of the function ``name`` as the lesson's notebook defines it, in any code cell
    (e.g. a version the text shows and the exercise then improves on)."""
    for code_cell in read(SOLUTIONS / lesson / f"{lesson}.ipynb").cells:
        if code_cell.cell_type != "code" or f"def {name}(" not in code_cell.source:
            continue
        source = strip_markers(code_cell.source)
        for node in ast.parse(source).body:
            if isinstance(node, ast.FunctionDef) and node.name == name:
                return ast.get_source_segment(source, node)
    raise AssertionError(f"no function {name} in {lesson}")
