"""The nbgrader configuration of the course, as one function both ``nbgrader_config.py`` and the
``course`` command apply (so grading in a temporary directory behaves like grading in the repo)."""

from __future__ import annotations

import os

from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import (
    AssignLatePenalties,
    CheckCellMetadata,
    ClearHiddenTests,
    ClearOutput,
    DeduplicateIds,
    GetGrades,
    LimitOutput,
    OverwriteCells,
    OverwriteKernelspec,
    SaveAutoGrades,
)
from traitlets.config import Config

from .execute import RestoreFromSource, SandboxedExecute
from .feedback import HideTestTracebacks
from .sanitize import DropEmptyGraderMetadata

SOURCE_DIRECTORY = "solutions"
RELEASE_DIRECTORY = "notebooks"
COURSE_ID = "mechanics-of-learning"
CELL_TIMEOUT = 30
"""Seconds a cell may run while autograding (nbgrader's default); the cell is interrupted after."""

KNOWN_WARNINGS = r"\w+Warning: |Matplotlib is building the font cache"
"""stderr from libraries, not students; nbgrader scores a test cell with any stderr as 0."""


def configure(c: Config, root: str | None = None, timeout: int = CELL_TIMEOUT) -> Config:
    """Fill ``c`` with the course's nbgrader settings; ``root`` is the course directory."""
    if root is not None:
        c.CourseDirectory.root = root
    c.CourseDirectory.course_id = COURSE_ID
    c.CourseDirectory.source_directory = SOURCE_DIRECTORY
    c.CourseDirectory.release_directory = RELEASE_DIRECTORY
    # A student who deletes a test cell gets it back, so deleting tests gains nothing.
    c.OverwriteCells.add_missing_cells = True
    # nbgrader's default sanitizing steps, plus one that lets a copied graded cell be graded and one
    # that makes every graded cell the instructor's.
    c.Autograde.sanitize_preprocessors = [ClearOutput, DeduplicateIds, DropEmptyGraderMetadata,
                                          RestoreFromSource, OverwriteKernelspec, OverwriteCells,
                                          CheckCellMetadata]
    # Execution in a sandbox, verdicts decided outside it (execute.py), instead of nbgrader's Execute.
    c.Autograde.autograde_preprocessors = [SandboxedExecute, ClearMetadataPreprocessor, LimitOutput,
                                           SaveAutoGrades, AssignLatePenalties, CheckCellMetadata]
    source = os.path.abspath(os.path.join(root or os.getcwd(), SOURCE_DIRECTORY))
    c.RestoreFromSource.source_directory = source
    c.SandboxedExecute.source_directory = source
    c.SandboxedExecute.timeout = timeout
    c.Execute.timeout = timeout
    c.IgnorePattern.enabled = True
    c.IgnorePattern.pattern = KNOWN_WARNINGS
    c.GenerateFeedback.preprocessors = [GetGrades, ClearHiddenTests, HideTestTracebacks,
                                        CSSHTMLHeaderPreprocessor]
    return c


def course_config(root: str | None = None, timeout: int = CELL_TIMEOUT) -> Config:
    """A fresh :class:`traitlets.config.Config` with the course's settings."""
    return configure(Config(), root=root, timeout=timeout)
