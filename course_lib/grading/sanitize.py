"""A sanitizing step for autograde, added by configuration (nbgrader itself is not changed).

When a student copies a graded cell, nbgrader's ``DeduplicateIds`` keeps the last copy and leaves
``"nbgrader": {}`` on the others; with ``OverwriteCells.add_missing_cells`` on, nbgrader then fails
on the empty metadata (``KeyError: 'grade_id'``) and the whole submission is lost.
:class:`DropEmptyGraderMetadata` removes the empty entries right after ``DeduplicateIds``, so the
copies become ordinary cells and the submission is graded.
"""

from __future__ import annotations

from nbconvert.exporters.exporter import ResourcesDict
from nbformat import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor


class DropEmptyGraderMetadata(NbGraderPreprocessor):
    """Delete ``metadata.nbgrader`` where it is empty."""

    def preprocess_cell(self, cell: NotebookNode, resources: ResourcesDict,
                        cell_index: int) -> tuple[NotebookNode, ResourcesDict]:
        if "nbgrader" in cell.metadata and not cell.metadata.nbgrader:
            del cell.metadata["nbgrader"]
        return cell, resources
