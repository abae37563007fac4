"""The red-team acceptance suite of ``course grade`` (issue 7): adversarial submissions as data.

One module per lesson (:mod:`.l01`, :mod:`.l03`, :mod:`.l04`, :mod:`.l06`) lists its ``SUBMISSIONS``: honest
students before, between and after the attacks, and attacks of the seven classes of the issue,
each with the score it must get (see :mod:`.model`). :mod:`.snippets` holds the attack code,
:mod:`.harness` builds a course, grades it in one ``course grade`` run under :mod:`.reaper`, and
records what happened; ``tests/test_redteam.py`` asserts on it.

``REDTEAM_ONLY=r07,r12 pytest tests/test_redteam.py`` grades only the attacks whose id contains
one of the given strings (the honest students always), to debug a few attacks quickly;
``REDTEAM_SKIP`` leaves attacks out the same way; ``REDTEAM_LESSONS=01,04`` grades only those lessons.
``REDTEAM_SCHEDULER=dask`` grades on a Dask ``LocalCluster`` of two worker processes
(``course grade --scheduler``, see :mod:`.on_dask`) instead of ``course grade``'s local workers.
"""

from __future__ import annotations

import os

from . import l01, l03, l04, l06
from .model import Submission

LESSONS = {module.LESSON.name: module for module in (l01, l03, l04, l06)
           if not os.environ.get("REDTEAM_LESSONS")
           or any(part.strip() and module.LESSON.name.startswith(part.strip())
                  for part in os.environ["REDTEAM_LESSONS"].split(","))}


def _names(variable: str) -> list[str]:
    return [part.strip() for part in os.environ.get(variable, "").split(",") if part.strip()]


def selected(submissions: list[Submission]) -> list[Submission]:
    """The submissions to grade: all, or the honest ones and those named in ``REDTEAM_ONLY``,
    without those named in ``REDTEAM_SKIP``."""
    only, skip = _names("REDTEAM_ONLY"), _names("REDTEAM_SKIP")
    return [s for s in submissions
            if (s.honest or not only or any(part in s.student for part in only))
            and not (not s.honest and any(part in s.student for part in skip))]
