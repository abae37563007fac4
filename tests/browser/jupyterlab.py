"""A notebook open in JupyterLab, driven the way a student drives it: menus, clicks and the keyboard.

State that the screen shows only loosely (is the kernel idle, which outputs are errors) is read from
JupyterLab's own model through ``window.jupyterapp`` (the test server exposes it).
"""

from __future__ import annotations

import re
import time
from typing import Any

from playwright.sync_api import BrowserContext, Locator, Page

from .conftest import ARTIFACTS, KERNEL_TIMEOUT, Lab

# The open notebook's state, outputs summarised (a figure's PNG would make it megabytes).
_STATE_JS = """() => {
  const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  if (!panel || !panel.content || !panel.sessionContext || !panel.content.widgets) return null;
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  const text = value => Array.isArray(value) ? value.join('') : (value || '');
  return {
    path: panel.context.path,
    ready: panel.context.isReady,
    kernel: kernel ? kernel.status : null,
    cells: panel.content.widgets.map(cell => {
      const code = cell.model.type === 'code';
      const prompt = code ? cell.node.querySelector('.jp-InputPrompt') : null;
      return {
        type: cell.model.type,
        count: code ? cell.model.executionCount : null,
        queued: !!(prompt && prompt.textContent.includes('*')),
        outputs: code ? cell.model.outputs.toJSON().map(output => ({
          output_type: output.output_type,
          name: output.name || null,
          ename: output.ename || null,
          evalue: output.evalue || null,
          text: text(output.text || (output.data && output.data['text/plain'])).slice(0, 2000),
          widget: !!(output.data && output.data['application/vnd.jupyter.widget-view+json']),
        })) : [],
      };
    }),
  };
}"""

# Scroll cell i into view and tag its node, so that a locator finds it whatever JupyterLab's windowing.
_SHOW_CELL_JS = """async i => {
  const notebook = window.jupyterapp.shell.currentWidget.content;
  await notebook.scrollToItem(i, 'start');
  notebook.widgets[i].node.setAttribute('data-course-test-cell', String(i));
}"""

_SOURCE_JS = "i => window.jupyterapp.shell.currentWidget.content.widgets[i].model.sharedModel.getSource()"


class Notebook:
    """A notebook opened in its own page: ``Notebook(lab, context, 'lesson/lesson.ipynb')``."""

    def __init__(self, lab: Lab, context: BrowserContext, path: str) -> None:
        self.lab = lab
        self.path = path
        self.page: Page = context.new_page()
        try:
            self.page.goto(lab.page_url(path))
            self.wait(lambda s: s["path"] == path and s["ready"] and s["kernel"] == "idle",
                      "the notebook to open with an idle kernel", timeout=KERNEL_TIMEOUT)
        except Exception:
            self.close(keep_screenshot=True)
            raise

    def close(self, keep_screenshot: bool = False) -> None:
        """Close the page and shut its kernel down; keep_screenshot: first save the page in artifacts/."""
        if keep_screenshot and not self.page.is_closed():
            ARTIFACTS.mkdir(exist_ok=True)
            name = re.sub(r"[^\w.-]+", "_", self.path)
            self.screenshot(ARTIFACTS / f"failed-{name}.png")
        self.page.close()
        self.lab.shutdown_kernels()

    # -- state --------------------------------------------------------------------------------------
    def state(self) -> dict[str, Any] | None:
        return self.page.evaluate(_STATE_JS)

    def wait(self, condition, what: str, timeout: float = 60_000, stable: int = 1) -> dict[str, Any]:
        """Poll the state until condition(state) holds `stable` times in a row; return that state."""
        deadline = time.monotonic() + timeout / 1000
        held, state = 0, None
        while True:
            state = self.state()
            held = held + 1 if state is not None and condition(state) else 0
            if held >= stable:
                return state
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.path}: timed out waiting for {what}; last state: "
                                     f"{_summary(state)}")
            self.page.wait_for_timeout(250)

    def wait_until_idle(self, timeout: float = KERNEL_TIMEOUT) -> dict[str, Any]:
        return self.wait(lambda s: s["kernel"] == "idle" and not any(c["queued"] for c in s["cells"]),
                         "the kernel to finish", timeout=timeout, stable=3)

    def source(self, index: int) -> str:
        return self.page.evaluate(_SOURCE_JS, index)

    # -- the interface --------------------------------------------------------------------------------
    def menu(self, menu: str, item: str) -> None:
        """Click a menu of the menu bar, then one of its items (the student's Run > Run All Cells)."""
        self.page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{re.escape(menu)}$")).click()
        self.page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{re.escape(item)}$")).click()

    def run_all(self) -> dict[str, Any]:
        self.menu("Run", "Run All Cells")
        # the first cell to run shows it has started: queued, or already counted
        self.wait(lambda s: any(c["queued"] or c["count"] for c in s["cells"]), "Run All to start")
        return self.wait_until_idle()

    def cell(self, index: int) -> Locator:
        self.page.evaluate(_SHOW_CELL_JS, index)
        return self.page.locator(f'[data-course-test-cell="{index}"]')

    def show(self, element: Locator, block: str = "center") -> None:
        """Scroll element into the middle of the notebook (cells above it may still change height
        as they render, hence the retries), for a screenshot or a mouse drag."""
        viewport = self.page.viewport_size
        for _ in range(5):
            element.evaluate(f"e => e.scrollIntoView({{block: '{block}'}})")
            self.page.wait_for_timeout(200)
            box = element.bounding_box()
            if box and box["y"] >= 0 and box["y"] + min(box["height"], 300) <= viewport["height"] - 40:
                return

    def type_into(self, index: int, text: str) -> None:
        """Replace cell `index`'s code in its editor with `text`, typed as a student would."""
        editor = self.cell(index).locator(".cm-content")
        editor.click()
        self.page.keyboard.press("ControlOrMeta+A")
        # insert_text sends the text as one input, as a paste: no auto-indent of the typed lines
        self.page.keyboard.insert_text(text)

    def run_cell(self, index: int) -> None:
        """Select cell `index` (click its prompt) and run it with Shift+Enter."""
        self.cell(index).locator(".jp-InputPrompt").click()
        self.page.keyboard.press("Shift+Enter")

    def screenshot(self, path) -> None:
        self.page.screenshot(path=str(path))


def errors(state: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    """(cell index, output) of every error output and every stderr stream."""
    return [(i, output) for i, cell in enumerate(state["cells"]) for output in cell["outputs"]
            if output["output_type"] == "error" or output["name"] == "stderr"]


def _summary(state: dict[str, Any] | None) -> str:
    if state is None:
        return "no notebook open"
    counted = sum(1 for c in state["cells"] if c["count"])
    queued = [i for i, c in enumerate(state["cells"]) if c["queued"]]
    return (f"kernel {state['kernel']}, {counted} cells run, queued {queued}, "
            f"errors {[(i, o['ename'] or o['text'][:80]) for i, o in errors(state)]}")
