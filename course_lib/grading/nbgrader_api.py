"""One way to build nbgrader's :class:`~nbgrader.apps.NbGraderAPI` with the course's configuration."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from nbgrader.apps import NbGraderAPI
from nbgrader.coursedir import CourseDirectory
from traitlets.config import Config, PyFileConfigLoader

from .config import CELL_TIMEOUT, SOURCE_DIRECTORY, course_config


def _put_environment_on_path() -> None:
    """nbgrader's gradebook runs the ``alembic`` executable by name: make this environment's win."""
    bin_dir = str(Path(sys.executable).parent)
    path = os.environ.get("PATH", "")
    if path.split(os.pathsep)[0] != bin_dir:
        os.environ["PATH"] = bin_dir + os.pathsep + path


CONFIG_FILE = "nbgrader_config.py"


def load_config(root: Path, timeout: int = CELL_TIMEOUT, db_url: str | None = None) -> Config:
    """The course's settings, then ``root/nbgrader_config.py`` if there is one (so what an
    instructor sets there, e.g. ``c.CourseDirectory.db_url``, holds for ``course`` as for
    ``nbgrader``), then the explicit arguments."""
    config = course_config(str(root), timeout=timeout)
    if (root / CONFIG_FILE).is_file():
        config.merge(PyFileConfigLoader(CONFIG_FILE, path=str(root)).load_config())
    config.CourseDirectory.root = str(root)
    config.Execute.timeout = timeout
    config.SandboxedExecute.timeout = timeout
    source = str((root / SOURCE_DIRECTORY).resolve())
    config.SandboxedExecute.source_directory = source
    config.RestoreFromSource.source_directory = source
    if db_url is not None:
        config.CourseDirectory.db_url = db_url
    return config


def course_api(root: Path, timeout: int = CELL_TIMEOUT, db_url: str | None = None) -> NbGraderAPI:
    """nbgrader's API for the course directory ``root``; the gradebook is nbgrader's default,
    ``root/gradebook.db``, unless the config file or ``db_url`` names another database."""
    _put_environment_on_path()
    config = load_config(root, timeout, db_url)
    coursedir = CourseDirectory(config=config)
    api = NbGraderAPI(coursedir=coursedir, config=config)
    api.log.setLevel(logging.WARNING)
    return api
