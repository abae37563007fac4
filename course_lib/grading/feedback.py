"""Keep hidden tests out of the feedback students read.

nbgrader's feedback shows each test cell's source and the traceback of its error. ``ClearHiddenTests``
(configured in :mod:`.config`) removes the hidden block from the source; an IPython traceback still
quotes the lines around the failure, hidden ones included. :class:`HideTestTracebacks` replaces the
traceback of every test cell by its last line, ``ExceptionName: message``: our checks put the whole
diagnosis in that message, so nothing useful is lost.
"""

from __future__ import annotations

import os

from nbconvert.exporters.exporter import ResourcesDict
from nbconvert.writers import FilesWriter
from nbformat import NotebookNode
from nbgrader import utils
from nbgrader.apps import NbGraderAPI
from nbgrader.converters import GenerateFeedback
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets.config import Config


class HideTestTracebacks(NbGraderPreprocessor):
    """Replace the traceback of errors in test cells (grade cells that are not solutions)."""

    def preprocess_cell(self, cell: NotebookNode, resources: ResourcesDict,
                        cell_index: int) -> tuple[NotebookNode, ResourcesDict]:
        if cell.cell_type == "code" and utils.is_grade(cell) and not utils.is_solution(cell):
            for output in cell.get("outputs", []):
                if output.output_type == "error":
                    output.traceback = [f"{output.ename}: {output.evalue}"]
        return cell, resources


class ReusedExporterFeedback(GenerateFeedback):
    """nbgrader's ``generate_feedback``, keeping one HTML exporter for every student: nbgrader's
    own makes a new one per call, and compiling the feedback templates again costs more than
    rendering a page."""

    _exporter = None

    def start(self) -> None:  # BaseConverter.start, with the exporter made once
        self.init_notebooks()
        self.writer = FilesWriter(parent=self, config=self.config)
        if self._exporter is None:
            self._exporter = self.exporter_class(parent=self, config=self.config)
            for preprocessor in self.preprocessors:
                self._exporter.register_preprocessor(preprocessor)
        self.exporter = self._exporter
        here = os.getcwd()
        os.chdir(self.coursedir.root)
        try:
            self.convert_notebooks()
        finally:
            os.chdir(here)


class FeedbackWriter:
    """Writes ``feedback/<student>/<assignment>/*.html`` as ``nbgrader generate_feedback`` does."""

    def __init__(self, api: NbGraderAPI) -> None:
        self.api = api
        self.app = ReusedExporterFeedback(coursedir=api.coursedir, parent=api)
        config = Config()
        config.HTMLExporter.template_name = "feedback"
        self.app.update_config(config)
        self.app.force = True

    def write(self, assignment: str, student: str) -> dict:
        """nbgrader's result dictionary (``success``, ``error``, ``log``)."""
        with utils.temp_attrs(self.api.coursedir, assignment_id=assignment, student_id=student):
            return utils.capture_log(self.app)
