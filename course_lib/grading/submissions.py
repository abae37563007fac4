"""Look at a submission before nbgrader does, so that a broken one gets a clear message.

nbgrader stops at the first notebook it cannot read and reports it only in a log; here each
expected notebook is read with nbformat first, and what is wrong is said in a sentence.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import nbformat

MAX_NOTEBOOK_BYTES = 50 * 2**20
"""Larger notebooks are not read (an honest one with all its figures is a few megabytes)."""


def notebook_problem(path: Path) -> str | None:
    """Why the notebook at ``path`` cannot be graded, or ``None`` if it can be read."""
    if path.is_symlink():
        return f"{path.name} is a link, not a notebook file: hand in the notebook itself"
    if not path.is_file():
        return f"{path.name} is missing from the submission"
    if path.stat().st_size > MAX_NOTEBOOK_BYTES:
        return f"{path.name} is too large to grade ({path.stat().st_size / 2**20:.0f} MiB)"
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return f"{path.name} cannot be read ({exc})"
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        return f"{path.name} is not a valid notebook: broken JSON at line {exc.lineno}, column {exc.colno}"
    try:
        nbformat.reads(text, as_version=4)
    except Exception as exc:  # noqa: BLE001 - nbformat raises several kinds for malformed notebooks
        return f"{path.name} is not a valid notebook ({type(exc).__name__}: {exc})"
    return None


def submission_problems(submission_dir: Path, notebook_names: list[str]) -> list[str]:
    """What stops the notebooks ``notebook_names`` in ``submission_dir`` from being graded."""
    problems = [notebook_problem(submission_dir / name) for name in notebook_names]
    return [p for p in problems if p is not None]


def duplicated_cells(path: Path) -> list[str]:
    """Grade ids that occur more than once in the (readable) notebook at ``path``."""
    notebook = nbformat.read(path, as_version=4)
    ids = Counter(cell.metadata.get("nbgrader", {}).get("grade_id") for cell in notebook.cells)
    return sorted(grade_id for grade_id, count in ids.items() if grade_id and count > 1)
