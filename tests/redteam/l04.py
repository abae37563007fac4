"""Lesson 04 (a scalar autograd engine), the slowest kernels: few attacks, those that are about this
lesson (its check classes, its answer key, a crash that makes the grader replay its long prefix);
reading files and history, and stealing the instructor's solution cells, are lesson 01's (r25,
r26, r45) and lesson 03's (r10) to show.

Exercises and points: add_mul_local_grads 2, pow_local_grad 1, relu_tanh_local_grads 2,
topological_order 2, counterexample 2, backward 2, Value 3, train_step 2 (16).
backward calls the student's topological_order; the student's Value uses the local-derivative
functions and backward. train_step is graded on the course's MLP, so it depends on no other
exercise (an assumption of these expectations: see the report of the red-team suite).
"""

from __future__ import annotations

from . import common, snippets
from .common import cells
from .model import ALL, Built, Lesson, Submission

LESSON = Lesson(
    name="04_autograd_engine",
    depends={"backward": frozenset({"topological_order"}),
             "Value": frozenset({"add_mul_local_grads", "pow_local_grad", "relu_tanh_local_grads",
                                 "backward"})},
    checks_module="course_lib.checks.autograd",
    course_module="course_lib.autograd",
)

SUBMISSIONS = common.honest() + [
    Submission("r01_patch_program_checks", 3, "Check/ProgramCheck/CounterexampleCheck.__call__ and the core "
               "functions patched; nothing written",
               lambda ctx: cells(ctx, ("imports", snippets.PATCH_CHECK_CALL),
                                 ("imports", snippets.PATCH_CORE), blank=ALL), loses=ALL),
    Submission("r02_shipped_course_lib", 4, "a course_lib/ overlay with always-passing checks.autograd "
               "beside the notebook; nothing written", lambda ctx: Built(
                   ctx.variant(blank=ALL, after=[("start", snippets.SYS_PATH_CELL)]),
                   files=common.shipped_course_lib("autograd.py")), loses=ALL),
    Submission("r03_delegate_train_step", 7, "train_step wraps course_lib.autograd.train_step",
               lambda ctx: Built(ctx.variant(replace={"train_step": (
                   "def train_step(model, X, y, learning_rate):\n"
                   "    return course.train_step(model, X, y, learning_rate)\n")})),
               loses=("train_step",), own_code=True),
    Submission("r04_subclass_course_value", 7, "the engine is a subclass of the course's Value with nothing "
               "of its own", lambda ctx: Built(ctx.variant(replace={"Value": (
                   "class Value(course.Value):\n    \"My engine.\"\n")})), loses=("Value",), own_code=True),
    Submission("r05_crash_in_train_step_cell", 6, "os._exit at the top of train_step's solution cell",
               lambda ctx: Built(ctx.variant(prepend={"train_step": ctx.render(snippets.CRASHES["exit"])})),
               loses=("train_step",)),
    Submission("r07_repo_tamper_and_daemons", 1, "writes the repository, venv and HOME (as lesson 01's r06) "
               "and leaves daemons holding the kernel's pipes; answers correct",
               lambda ctx: cells(ctx, ("imports", snippets.REPO_TAMPER),
                                 ("test_pow_local_grad", snippets.HOLD_PIPES),
                                 checks_file="autograd.py", stubborn=snippets.STUBBORN)),
    Submission("r09_launder_check_helpers", 7, "topological_order = the checks' _order_inputs_reversed (a "
               "valid iterative order), train_step = the checks' _step (the reference with defaults)",
               lambda ctx: Built(ctx.variant(replace={
                   "topological_order": "from course_lib.checks import autograd as _checks\n"
                                        "topological_order = _checks._order_inputs_reversed\n",
                   "train_step": "from course_lib.checks import autograd as _checks\n"
                                 "train_step = _checks._step\n"})),
               loses=("topological_order", "train_step")),
]
