"""How ``make test`` shares the suite between pytest-xdist's workers: the longest parts first.

``make test`` runs ``pytest -n auto --dist loadscope``: each test module (or class) goes to one
worker as a whole, and so do a solution notebook's cells (nbval runs them in order, in one kernel).
Two changes to xdist's way of handing those scopes out, both about the end of the run, when one
worker may still have minutes of work while the other has none:

- the red-team suite (``tests/test_redteam.py``) is one scope per lesson, not one for the module:
  each lesson's class is graded in a run of its own (1½–3 minutes), and the three can go to
  different workers (its ``runs`` fixture grades a lesson on first use, wherever that is);
- the browser tests are one scope, so that one worker starts Chromium and JupyterLab, not both;
- the scopes are handed out longest first (:data:`LONGEST_FIRST`, from measured durations)
  instead of xdist's order by number of tests, which started the student-state runs (four tests,
  two minutes together) last.
"""

from __future__ import annotations

import re

import pytest

LONGEST_FIRST = (
    "tests/test_redteam.py[01]",
    "tests/browser",
    "tests/test_redteam.py[04]",
    "tests/test_student_states.py",
    "tests/test_redteam.py[03]",
    "tests/test_redteam.py[06]",
    "tests/test_release.py::TestLesson04",
    "tests/test_check_contract.py",
    "tests/test_grading_parallel.py",
    "tests/test_grading_e2e.py",
    "tests/test_checks_autograd.py",
    "solutions/04_autograd_engine",
)
"""Scopes (or prefixes of them) in the order they start; the others follow in collection order."""

_LESSON_PARAMETER = re.compile(r"\[(\d\d)[-\]]")


def scope_of(nodeid: str) -> str:
    """The unit of work ``nodeid`` belongs to: its module or class, as in xdist's ``loadscope``,
    except that a red-team test belongs to its lesson's scope (``tests/test_redteam.py[01]``), and
    the browser tests are one scope (one Chromium and one JupyterLab for all of them)."""
    if nodeid.startswith("tests/browser/"):
        return "tests/browser"
    scope = nodeid.rsplit("::", 1)[0]
    lesson = _LESSON_PARAMETER.search(nodeid)
    if scope == "tests/test_redteam.py" and lesson:
        return f"{scope}[{lesson.group(1)}]"
    return scope


def _rank(scope: str) -> int:
    return next((i for i, prefix in enumerate(LONGEST_FIRST) if scope.startswith(prefix)), len(LONGEST_FIRST))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Reorder the items scope by scope, longest scopes first; the order within a scope is kept."""
    items.sort(key=lambda item: _rank(scope_of(item.nodeid)))


try:
    from xdist.scheduler import LoadScopeScheduling
except ImportError:  # pragma: no cover - xdist is part of the test environment
    LoadScopeScheduling = None

if LoadScopeScheduling is not None:
    class LongestFirstScheduling(LoadScopeScheduling):
        """``loadscope`` with the scopes of :func:`scope_of`, handed out in collection order
        (which :func:`pytest_collection_modifyitems` made longest first)."""

        def __init__(self, config: pytest.Config, log=None) -> None:
            super().__init__(config, log)
            config.option.loadscopereorder = False

        def _split_scope(self, nodeid: str) -> str:
            return scope_of(nodeid)

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_make_scheduler(config: pytest.Config, log):
        if config.getoption("dist") == "loadscope":
            return LongestFirstScheduling(config, log)
        return None
