"""Keep hidden tests out of the feedback students read.

nbgrader's feedback shows each test cell's source and the traceback of its error. ``ClearHiddenTests``
(configured in :mod:`.config`) removes the hidden block from the source; an IPython traceback still
quotes the lines around the failure, hidden ones included. :class:`HideTestTracebacks` replaces the
traceback of every test cell by its last line, ``ExceptionName: message``: our checks put the whole
diagnosis in that message, so nothing useful is lost.
"""

from __future__ import annotations

from nbconvert.exporters.exporter import ResourcesDict
from nbformat import NotebookNode
from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor


class HideTestTracebacks(NbGraderPreprocessor):
    """Replace the traceback of errors in test cells (grade cells that are not solutions)."""

    def preprocess_cell(self, cell: NotebookNode, resources: ResourcesDict,
                        cell_index: int) -> tuple[NotebookNode, ResourcesDict]:
        if cell.cell_type == "code" and utils.is_grade(cell) and not utils.is_solution(cell):
            for output in cell.get("outputs", []):
                if output.output_type == "error":
                    output.traceback = [f"{output.ename}: {output.evalue}"]
        return cell, resources
