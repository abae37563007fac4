"""Execute the solution notebooks in place, so their stored outputs are the ones nbval expects."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbclient import NotebookClient

from .config import SOURCE_DIRECTORY
from .grade import Course


def run_notebook(path: Path, timeout: int = 600) -> None:
    """Run every cell of ``path`` in a fresh kernel (working directory: its folder) and save it."""
    notebook = nbformat.read(path, as_version=4)
    # Timings and saved widget state would make every run a diff, in the release too.
    notebook.metadata.pop("widgets", None)
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                            store_widget_state=False, record_timing=False, coalesce_streams=True,
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    nbformat.write(notebook, path)


def run_solutions(root: Path, chosen: list[str] | None = None) -> list[Path]:
    paths = []
    for lesson in chosen or Course(root).lessons():
        for path in sorted((root / SOURCE_DIRECTORY / lesson).glob("*.ipynb")):
            run_notebook(path)
            paths.append(path)
    return paths
