"""Fixtures of the browser tests: Debian's Chromium driven by Playwright, JupyterLab as `make start` runs it.

One JupyterLab server per session (``scripts/lab.sh student``: loopback, token auth, the student's
interface) on a temporary copy of ``notebooks/``, and one Chromium. Every notebook is opened in a
page of its own through its URL, as a student's bookmark would, and its kernel shut down when the test
is done with it. The tests drive the interface as a student does (menus, clicks, the keyboard); they
read JupyterLab's state (kernel status, outputs) through ``window.jupyterapp``, which the test
server exposes (``--LabApp.expose_app_in_browser``; besides it the server only adds ``--no-browser
--port=0`` to the student's setup, and keeps its settings and workspaces in a fresh directory).

Without Chromium the tests skip with the command that installs it; under CI (``CI`` set) they fail
instead: ``.ci/run`` installs Chromium, so a browser that does not start there is a real failure.
Artifacts go to ``tests/browser/artifacts/`` (ignored by git): each lesson's first screen, its first
check passed, its first explorer, the student's and the instructor's menus, the servers' logs, and a
screenshot of the page of any test that failed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ..notebooks import RELEASE, ROOT, SOLUTIONS

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",  # the tests run as root in CI
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-gpu",
]
VIEWPORT = {"width": 1400, "height": 900}
INSTALL_HINT = "install it with `sudo apt-get install chromium` (Debian/Ubuntu) or set CHROMIUM=/path/to/it"
SERVER_START_TIMEOUT = 90  # seconds
KERNEL_TIMEOUT = 180_000  # ms: Run All of the longest lesson, with margin for a busy machine


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"browser tests: {reason} (CI is set: .ci/run must install Chromium)", pytrace=False)
    pytest.skip(f"browser tests need Chromium: {reason}; {INSTALL_HINT}")


def chromium_executable() -> str | None:
    if os.environ.get("CHROMIUM"):
        return os.environ["CHROMIUM"]
    return next((path for name in ("chromium", "chromium-browser") if (path := shutil.which(name))), None)


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import Error, expect, sync_playwright
    except ImportError as error:  # pragma: no cover - playwright is pinned in pyproject.toml
        _unavailable(f"Playwright is not installed ({error})")
    expect.set_options(timeout=60_000)  # not 5 s: kernels are slow on a busy 2-core machine
    for stale in ARTIFACTS.glob("failed-*.png"):  # the failures of an earlier run
        stale.unlink()
    executable = chromium_executable()
    if executable is None:
        _unavailable("no `chromium` on PATH")
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
    except Error as error:
        playwright.stop()
        _unavailable(f"{executable} did not start: {error.message.splitlines()[0]}")
    yield chromium
    chromium.close()
    playwright.stop()


@dataclass
class Lab:
    """A running JupyterLab server: its URL, its token, the directory it serves and its log."""

    mode: str
    url: str
    token: str
    root: Path
    log: Path
    process: subprocess.Popen

    def page_url(self, path: str = "") -> str:
        # ?reset: a fresh workspace, so that no notebook of an earlier test is restored beside it
        return f"{self.url}lab{'/tree/' + path if path else ''}?reset&token={self.token}"

    def api(self, path: str, method: str = "GET") -> tuple[int, bytes]:
        request = urllib.request.Request(f"{self.url}{path}", method=method,
                                         headers={"Authorization": f"token {self.token}"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def shutdown_kernels(self) -> None:
        _, body = self.api("api/sessions")
        for session in json.loads(body):
            self.api(f"api/sessions/{session['id']}", method="DELETE")


def start_lab(mode: str, root: Path, state: Path) -> Lab:
    """Start ``scripts/lab.sh MODE ROOT`` (what `make start` / `make instructor` run) on a random port."""
    state.mkdir(parents=True, exist_ok=True)
    runtime = state / "runtime"
    env = dict(
        os.environ,
        # the student's settings and workspaces, fresh: a first visit, whatever ~/.jupyter holds
        JUPYTER_CONFIG_DIR=str(state / "config"),
        JUPYTERLAB_SETTINGS_DIR=str(state / "settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(state / "workspaces"),
        JUPYTER_RUNTIME_DIR=str(runtime),
    )
    log = state / "server.log"
    with log.open("w") as log_file:
        process = subprocess.Popen(
            ["bash", str(ROOT / "scripts" / "lab.sh"), mode, str(root),
             "--no-browser", "--port=0", "--LabApp.expose_app_in_browser=True"],
            env=env, stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True)
    info_file = runtime / f"jpserver-{process.pid}.json"  # lab.sh execs jupyter: same pid
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"JupyterLab ({mode}) exited with {process.returncode}:\n"
                               f"{log.read_text()[-3000:]}")
        if info_file.exists():
            try:
                info = json.loads(info_file.read_text())
                lab = Lab(mode, info["url"], info["token"], root, log, process)
                if lab.api("api/status")[0] == 200:
                    return lab
            except (json.JSONDecodeError, OSError):
                pass  # the file is being written, or the server is not listening yet
        if time.monotonic() > deadline:
            _stop(process)
            raise RuntimeError(f"JupyterLab ({mode}) did not start in {SERVER_START_TIMEOUT} s:\n"
                               f"{log.read_text()[-3000:]}")
        time.sleep(0.2)


def stop_lab(lab: Lab) -> None:
    """Stop the server and keep its log with the artifacts."""
    _stop(lab.process)
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(lab.log, ARTIFACTS / f"server-{lab.mode}.log")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)  # jupyter shuts its kernels down on SIGTERM
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture(scope="session")
def course(tmp_path_factory) -> Path:
    """A copy of the course as a student and an instructor have it: notebooks/, solutions/, the config."""
    root = tmp_path_factory.mktemp("course")
    shutil.copytree(RELEASE, root / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    shutil.copytree(SOLUTIONS, root / "solutions", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    shutil.copy(ROOT / "nbgrader_config.py", root)
    return root


@pytest.fixture(scope="session")
def student_lab(browser, course, tmp_path_factory) -> Iterator[Lab]:
    lab = start_lab("student", course / "notebooks", tmp_path_factory.mktemp("student-lab"))
    yield lab
    stop_lab(lab)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """On a failure, keep a screenshot of the test's page and show the end of the server's log."""
    report = yield
    if report.failed and call.when in ("setup", "call"):
        from .jupyterlab import Notebook

        ARTIFACTS.mkdir(exist_ok=True)
        for value in getattr(item, "funcargs", {}).values():
            for candidate in value if isinstance(value, tuple) else (value,):
                if isinstance(candidate, Notebook) and not candidate.page.is_closed():
                    name = re.sub(r"[^\w.-]+", "_", item.name)
                    candidate.page.screenshot(path=str(ARTIFACTS / f"failed-{name}.png"))
                if isinstance(candidate, Lab):
                    report.sections.append((f"JupyterLab server log (end of {candidate.log})",
                                            candidate.log.read_text()[-4000:]))
    return report


@pytest.fixture(scope="session")
def context(browser):
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(60_000)
    yield context
    context.close()
