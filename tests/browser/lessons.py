"""What the browser tests expect of each lesson, read from its source (solutions/) and release."""

from __future__ import annotations

from dataclasses import dataclass

from ..notebooks import RELEASE, SOLUTIONS, cell, grade_id, lesson_names, read, solution_ids, strip_markers

LESSONS = lesson_names()  # every lesson present: a new one is tested the day it lands


@dataclass(frozen=True)
class Lesson:
    name: str

    @property
    def path(self) -> str:
        """The notebook's path in the student's JupyterLab (relative to notebooks/)."""
        return f"{self.name}/{self.name}.ipynb"

    @property
    def completed_path(self) -> str:
        """Where the browser tests put the lesson with every exercise written: same name, same depth."""
        return f"completed/{self.path}"

    @property
    def number(self) -> str:
        return self.name.split("_")[0]

    def release(self):
        return read(RELEASE / self.path)

    def source(self):
        return read(SOLUTIONS / self.path)

    def index(self, grade_id_: str) -> int:
        """Position of the cell with this grade id (the release has the source's cells, in order)."""
        cells = self.release().cells
        return next(i for i, c in enumerate(cells) if grade_id(c) == grade_id_)

    @property
    def first_exercise(self) -> str:
        return solution_ids(self.release())[0]

    def answer(self, exercise: str) -> str:
        """The instructor's solution of an exercise, as a student would type it."""
        return strip_markers(cell(self.source(), exercise).source)

    def explorers(self) -> list[int]:
        """Cells whose executed source shows a widget: the lesson's explorers."""
        return [i for i, c in enumerate(self.source().cells) if c.cell_type == "code"
                and any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in c.outputs)]
