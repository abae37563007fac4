"""Lesson 06 (training, validation and overfitting): the attacks that are about this lesson — its
checks, which record what the student's code did (patched, or shipped beside the notebook), its
answer key and the checks' mistake factories handed in as answers, and a crash in one exercise's
cell; reading files and history is lesson 01's and 03's to show.

Exercises and points: split 2, train_and_validate 3, diagnose 2, l2_penalty 2, early_stopping 3
(12). No check calls another exercise's function: the checks of ``train_and_validate`` and
``early_stopping`` build their own data, model and epochs.
"""

from __future__ import annotations

from . import common, snippets
from .common import cells
from .model import ALL, Built, Lesson, Submission

LESSON = Lesson(
    name="06_overfitting",
    depends={},
    checks_module="course_lib.checks.overfitting",
    course_module="course_lib.overfitting",
)

SUBMISSIONS = common.honest() + [
    Submission("r01_patch_record_checks", 3, "Check.__call__ and the core functions patched, every compare "
               "made to agree; nothing written",
               lambda ctx: cells(ctx, ("imports", snippets.PATCH_CHECK_CALL),
                                 ("imports", snippets.PATCH_CORE), blank=ALL), loses=ALL),
    Submission("r02_shipped_course_lib", 4, "a course_lib/ overlay with always-passing checks.overfitting "
               "beside the notebook; nothing written", lambda ctx: Built(
                   ctx.variant(blank=ALL, after=[("start", snippets.SYS_PATH_CELL)]),
                   files=common.shipped_course_lib("overfitting.py")), loses=ALL),
    Submission("r03_course_answers", 7, "split is the course's own; diagnose wraps the course's",
               lambda ctx: Built(ctx.variant(replace={
                   "split": "from course_lib.overfitting import split\n",
                   "diagnose": ("from course_lib import overfitting\n\n\n"
                                "def diagnose(train_losses, val_losses, tolerance=0.1):\n"
                                "    return overfitting.diagnose(train_losses, val_losses, tolerance)\n")})),
               loses=("split", "diagnose"), own_code=True),
    Submission("r04_launder_mistake_factories", 7, "l2_penalty, early_stopping and diagnose made by the "
               "checks' mistake factories with arguments that name no mistake (the right answers)",
               lambda ctx: Built(ctx.variant(replace={
                   "l2_penalty": "from course_lib.checks import overfitting as _checks\n"
                                 "l2_penalty = _checks._wrong_penalty()\n",
                   "early_stopping": "from course_lib.checks import overfitting as _checks\n"
                                     "early_stopping = _checks._wrong_stopping('none')\n",
                   "diagnose": "from course_lib.checks import overfitting as _checks\n"
                               "diagnose = _checks._wrong_diagnose('none')\n"})),
               loses=("l2_penalty", "early_stopping", "diagnose")),
    Submission("r05_crash_in_early_stopping_cell", 6, "os._exit at the top of early_stopping's solution cell",
               lambda ctx: Built(ctx.variant(prepend={
                   "early_stopping": ctx.render(snippets.CRASHES["exit"])})),
               loses=("early_stopping",)),
]
