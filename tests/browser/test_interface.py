"""The student's interface (`make start`) and the instructor's (`make instructor`).

A student sees JupyterLab's own menus and nbgrader's Validate button, and none of nbgrader's
instructor tools (the Nbgrader menu with Formgrader and Course List, the Create Assignment panel);
the instructor's command brings them all back. Both open the first lesson at once, and print its URL
with the token.
"""

from __future__ import annotations

import re
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from ..notebooks import ROOT
from .conftest import Lab, start_lab, stop_lab
from .jupyterlab import Notebook
from .lessons import LESSONS, Lesson

pytestmark = pytest.mark.browser

JUPYTERLAB_MENUS = ["File", "Edit", "View", "Run", "Kernel", "Tabs", "Settings", "Help"]
INSTRUCTOR_COMMANDS = [
    "nbgrader:open-formgrader", "nbgrader:open-create-assignment", "nbgrader:open-course-list"]
FIRST = Lesson(LESSONS[0])


@pytest.fixture(scope="module")
def instructor_lab(browser, course, tmp_path_factory) -> Iterator[Lab]:
    lab = start_lab("instructor", course, tmp_path_factory.mktemp("instructor-lab"))
    yield lab
    stop_lab(lab)


def _menus(notebook: Notebook) -> list[str]:
    return notebook.page.locator("#jp-menu-panel .lm-MenuBar-itemLabel").all_inner_texts()


def _nbgrader_commands(notebook: Notebook) -> list[str]:
    return notebook.page.evaluate(
        "() => window.jupyterapp.commands.listCommands().filter(id => id.startsWith('nbgrader:'))")


def _side_panels(notebook: Notebook) -> list[str]:
    return notebook.page.evaluate("""() => ['left', 'right'].flatMap(
        area => [...window.jupyterapp.shell.widgets(area)].map(w => w.title.label || w.title.caption))""")


def _redirect(lab: Lab) -> str:
    """Where the server's root URL sends a browser: the page `make start` opens."""
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None
    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(lab.url, headers={"Authorization": f"token {lab.token}"})
    try:
        opener.open(request, timeout=30)
    except urllib.error.HTTPError as error:
        return urllib.parse.urlsplit(error.headers["Location"]).path
    raise AssertionError("the server's root URL does not redirect")


def test_make_start_is_the_student_setup_and_make_instructor_the_instructors():
    dry_run = subprocess.run(["make", "-n", "start", "instructor"], cwd=ROOT, capture_output=True,
                             text=True, check=True).stdout
    assert "scripts/lab.sh student" in dry_run and "scripts/lab.sh instructor" in dry_run, dry_run


def test_the_student_starts_at_lesson_01_from_the_printed_url(student_lab):
    assert _redirect(student_lab) == f"/lab/tree/{FIRST.path}"
    # the line to copy into a browser: loopback, the lesson, the token
    url = f"{student_lab.url}lab/tree/{FIRST.path}?token={student_lab.token}"
    assert url.startswith("http://127.0.0.1:")
    assert url in student_lab.log.read_text()


def test_the_student_sees_no_instructor_tool_and_can_validate(student_lab, context, artifacts):
    notebook = Notebook(student_lab, context, FIRST.path)
    try:
        assert _menus(notebook) == JUPYTERLAB_MENUS
        assert _nbgrader_commands(notebook) == []
        panels = _side_panels(notebook)
        assert not [p for p in panels if "Assignment" in p or "Nbgrader" in p], panels
        assert student_lab.api("formgrader")[0] == 404  # the server side is off too
        # Validate is kept, and works: the untouched lesson fails validation at its first check
        notebook.page.locator(".jp-NotebookPanel-toolbar").get_by_role("button", name="Validate").click()
        dialog = notebook.page.locator(".jp-Dialog")
        expect(dialog).to_contain_text("is not written yet", timeout=120_000)
        notebook.screenshot(artifacts / "student-validate.png")
    finally:
        notebook.close()


def test_the_instructor_command_brings_the_instructor_tools_back(instructor_lab, context, artifacts):
    assert _redirect(instructor_lab) == f"/lab/tree/solutions/{FIRST.path}"
    notebook = Notebook(instructor_lab, context, f"solutions/{FIRST.path}")
    try:
        assert _menus(notebook) == [*JUPYTERLAB_MENUS[:5], "Nbgrader", *JUPYTERLAB_MENUS[5:]]
        assert set(INSTRUCTOR_COMMANDS) <= set(_nbgrader_commands(notebook))
        assert "Create Assignment" in _side_panels(notebook)
        menu_bar = notebook.page.locator("#jp-menu-panel .lm-MenuBar-itemLabel")
        menu_bar.filter(has_text=re.compile("^Nbgrader$")).click()
        items = notebook.page.locator(".lm-Menu .lm-Menu-itemLabel")
        for item in ("Formgrader", "Course List"):
            expect(items.filter(has_text=re.compile(f"^{item}$"))).to_be_visible()
        notebook.screenshot(artifacts / "instructor-menu.png")
        notebook.page.keyboard.press("Escape")
        toolbar = notebook.page.locator(".jp-NotebookPanel-toolbar")
        expect(toolbar.get_by_role("button", name="Validate")).to_be_visible()
        assert instructor_lab.api("formgrader")[0] == 200
        # formgrader found the course: nbgrader runs from the course directory that JupyterLab serves
        assert "course directory root is not a subdirectory" not in instructor_lab.log.read_text()
    finally:
        notebook.close()
