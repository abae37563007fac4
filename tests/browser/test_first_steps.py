"""Each lesson as a student first meets it in JupyterLab: the first screen, Run All, the first exercise.

One page per lesson (the untouched release notebook), used by the three tests in order.
"""

from __future__ import annotations

import re
import shutil

import pytest
from playwright.sync_api import expect

from ..notebooks import RELEASE
from .jupyterlab import Notebook, errors
from .lessons import LESSONS, Lesson

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module", params=LESSONS)
def untouched(request, student_lab, context):
    lesson = Lesson(request.param)
    notebook = Notebook(student_lab, context, lesson.path)
    yield lesson, notebook
    notebook.close()
    # JupyterLab may have autosaved the typed answer: put the untouched lesson back for later tests
    shutil.copy(RELEASE / lesson.path, student_lab.root / lesson.path)


def test_first_screen_shows_the_lesson_and_no_pop_up(untouched, artifacts):
    lesson, notebook = untouched
    page = notebook.page
    page.wait_for_timeout(1500)  # JupyterLab's first-run prompts come shortly after start-up
    notebook.screenshot(artifacts / f"{lesson.name}-first-screen.png")
    title = page.locator(".jp-Notebook .jp-MarkdownOutput h1").first
    expect(title).to_be_visible()
    expect(title).to_contain_text(f"Lesson {lesson.number}")
    tab = page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current")
    expect(tab).to_contain_text(lesson.name[:12])
    # no news prompt ("get notified about official Jupyter news?"), no toast, no dialog
    expect(page.locator(".Toastify__toast")).to_have_count(0)
    expect(page.locator(".jp-Dialog")).to_have_count(0)
    expect(page.locator(".jp-Notification-Status")).to_have_text("0")


def test_run_all_stops_at_the_first_exercise_saying_it_is_not_written_yet(untouched):
    lesson, notebook = untouched
    state = notebook.run_all()
    failures = [(i, output) for i, output in errors(state) if output["output_type"] == "error"]
    check = lesson.index(f"test_{lesson.first_exercise}")
    assert failures, "Run All of the untouched lesson ran through: its first check did not fail"
    index, error = failures[0]
    assert index == check, f"Run All stopped at cell {index}, not at the first check (cell {check}): {error}"
    assert error["ename"] == "AssertionError" and "is not written yet" in error["evalue"], error
    after = [i for i, c in enumerate(state["cells"]) if i > check and c["count"]]
    assert not after, f"cells {after} ran after the failed check"
    # and the student sees the message under the check cell
    expect(notebook.cell(check).locator(".jp-OutputArea-output")).to_contain_text("is not written yet")


def test_typing_the_first_answer_then_running_its_check_shows_a_tick(untouched, artifacts):
    lesson, notebook = untouched
    exercise = lesson.first_exercise
    solution, check = lesson.index(exercise), lesson.index(f"test_{exercise}")
    answer = lesson.answer(exercise)
    notebook.type_into(solution, answer)
    assert notebook.source(solution) == answer, "the editor does not hold the typed answer"
    notebook.run_cell(solution)
    notebook.wait_until_idle()
    notebook.run_cell(check)
    expect(notebook.cell(check).locator(".jp-OutputArea-output")).to_contain_text("✓")
    notebook.screenshot(artifacts / f"{lesson.name}-first-check.png")
    state = notebook.wait_until_idle()
    assert not [e for e in errors(state) if e[0] in (solution, check)], errors(state)
    printed = "".join(o["text"] for o in state["cells"][check]["outputs"] if o["name"] == "stdout")
    assert re.search(r"^✓", printed, re.MULTILINE), printed
