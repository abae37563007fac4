"""Each lesson with every exercise written (the instructor's solutions): Run All, then the explorers.

One page per lesson: the release notebook filled from solutions/, saved as
``completed/<lesson>/<lesson>.ipynb`` for the test's duration and run once with Run All.
"""

from __future__ import annotations

import shutil

import nbformat
import pytest
from playwright.sync_api import Locator, expect

from ..notebooks import completed
from .jupyterlab import Notebook, errors
from .lessons import LESSONS, Lesson

pytestmark = pytest.mark.browser

CONTROLS = ".widget-slider, .widget-toggle-buttons, .widget-checkbox, .widget-dropdown"


@pytest.fixture(scope="module", params=LESSONS)
def worked(request, student_lab, context):
    lesson = Lesson(request.param)
    path = student_lab.root / lesson.completed_path
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(completed(lesson.release(), lesson.source()), path)
    try:
        notebook = Notebook(student_lab, context, lesson.completed_path)
        try:
            state = notebook.run_all()
        except Exception:
            notebook.close(keep_screenshot=True)
            raise
        yield lesson, notebook, state
        notebook.close()
    finally:
        shutil.rmtree(student_lab.root / "completed")


def test_run_all_completes_without_an_error(worked):
    lesson, _notebook, state = worked
    failures = errors(state)
    assert not failures, "\n".join(f"cell {i}: {o['ename'] or o['name']}: {o['evalue'] or o['text']}"
                                   for i, o in failures)
    not_run = [i for i, c in enumerate(state["cells"]) if c["type"] == "code" and not c["count"]]
    assert not not_run, f"{lesson.name}: Run All left cells {not_run} unrun, with no error"


def test_every_explorer_renders_and_redraws_when_a_control_moves(worked, artifacts):
    lesson, notebook, state = worked
    shown = [i for i, c in enumerate(state["cells"]) if any(o["widget"] for o in c["outputs"])]
    assert shown == lesson.explorers(), "the explorers shown are not those of the lesson's source"
    for number, index in enumerate(shown):
        output = notebook.cell(index).locator(".jp-OutputArea-output")
        image = output.locator("img.widget-image")
        expect(image).to_be_visible()
        assert image.evaluate("img => img.complete && img.naturalWidth") > 100, "the figure is empty"
        controls = output.locator(CONTROLS)
        assert controls.count() > 0, f"cell {index}: the explorer shows no control"
        for control in controls.all():
            expect(control).to_be_visible()
        if number == 0:  # the picture in the README: the left sidebar folded away, the explorer centred
            notebook.page.evaluate("() => window.jupyterapp.commands.execute('application:toggle-left-area')")
            notebook.show(output)
            notebook.screenshot(artifacts / f"{lesson.name}-explorer.png")
        for control in controls.all():
            before = image.get_attribute("src")
            moved = _move(notebook, control)
            expect(image, f"cell {index}: the figure did not change when {moved}").not_to_have_attribute(
                "src", before, timeout=60_000)
            expect(image).to_be_visible()
            notebook.wait_until_idle()


def _move(notebook: Notebook, control: Locator) -> str:
    """Move a control as a student would: drag a slider, click another toggle button or the checkbox."""
    classes = control.get_attribute("class") or ""
    if "widget-slider" in classes:
        handle = control.locator(".noUi-handle")
        notebook.show(handle)
        box, track = handle.bounding_box(), control.locator(".noUi-target").bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        step = 25 if x + 25 < track["x"] + track["width"] else -25  # away from the end it is at
        mouse = notebook.page.mouse
        mouse.move(x, y)
        mouse.down()
        mouse.move(x + step, y, steps=2)
        mouse.up()
        return f"the slider {control.inner_text()!r} was dragged by {step} px"
    elif "widget-toggle-buttons" in classes:
        button = control.locator("button:not(.mod-active)").first
        button.click()
        return f"the toggle button {button.inner_text()!r} was clicked"
    elif "widget-checkbox" in classes:
        control.locator("input[type=checkbox]").click()
        return f"the checkbox {control.inner_text()!r} was clicked"
    else:  # a dropdown
        select = control.locator("select")
        options = select.locator("option").all_inner_texts()
        current = select.input_value()
        choice = next(o for o in options if o != current)
        select.select_option(choice)
        return f"{choice!r} was chosen in the dropdown"
