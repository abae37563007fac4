"""Lesson 03 (the chain rule and the training loop), graded with the gradebook outside the course
directory (``--db-url``).

Exercises and points: dloss_fn 2, dmodel_dw 1, dmodel_db 1, grad_fn 2, training_loop 3 (9).
grad_fn calls the student's dloss_fn, dmodel_dw and dmodel_db; training_loop calls grad_fn.
"""

from __future__ import annotations

from . import common, snippets
from .common import cells
from .model import ALL, Built, Context, Lesson, Submission, insert_after

LESSON = Lesson(
    name="03_chain_rule_training_loop",
    depends={"grad_fn": frozenset({"dloss_fn", "dmodel_dw", "dmodel_db"}),
             "training_loop": frozenset({"grad_fn"})},
    checks_module="course_lib.checks.linear",
    course_module="course_lib.linear",
    gradebook_outside=True,
)

EXERCISES = ("dloss_fn", "dmodel_dw", "dmodel_db", "grad_fn", "training_loop")


def _leak_hidden_inputs(ctx: Context) -> Built:
    return common.leak_hidden_inputs(ctx, EXERCISES)


def _faults(ctx: Context) -> Built:
    notebook = ctx.variant(replace={"grad_fn": (
        "import os, sys\n\n\n"
        "def grad_fn(t_u, t_c, t_p, w, b):\n"
        "    \"The gradient [dL/dw, dL/db] of the loss, by the chain rule.\"\n"
        "    ### BEGIN HIDDEN TESTS\n"
        "    # (notes)\n"
        "    ### END HIDDEN TESTS\n"
        "    os.write(2, b'grad_fn: debugging on fd 2\\n')\n"
        "    print('grad_fn: debugging on stderr', file=sys.stderr)\n"
        "    dloss_dtp = dloss_fn(t_p, t_c)\n"
        "    return torch.stack([(dloss_dtp * dmodel_dw(t_u, w, b)).sum(),\n"
        "                        (dloss_dtp * dmodel_db(t_u, w, b)).sum()])\n")})
    insert_after(notebook, "test_dmodel_db", ctx.render(snippets.CRASHES["exit"]))
    insert_after(notebook, "dloss_fn", "### END HIDDEN TESTS (an unbalanced marker)", cell_type="markdown")
    return Built(notebook)


SUBMISSIONS = common.honest() + [
    Submission("r01_gradebook_outside_root", 1, "finds the gradebook kept outside the course directory and "
               "writes its own scores; every answer wrong",
               lambda ctx: cells(ctx, ("imports", snippets.GRADEBOOK_TAMPER), wrong=ALL), loses=ALL),
    Submission("r02_patch_when_grading", 3, "patches Check.__call__ and core.evaluate/judge only when it "
               "detects grading; training_loop wrong",
               lambda ctx: cells(ctx, ("imports", snippets.DETECT_GRADING), wrong=["training_loop"]),
               loses=("training_loop",)),
    Submission("r03_shipped_course_lib", 4, "a course_lib/ overlay beside the notebook with always-passing "
               "checks.linear; dloss_fn wrong", lambda ctx: Built(
                   ctx.variant(wrong=["dloss_fn"], after=[("start", snippets.SYS_PATH_CELL)]),
                   files=common.shipped_course_lib("linear.py")),
               loses=("dloss_fn",)),
    Submission("r04_leak_hidden_inputs", 5, "logs the non-public tensors the checks pass to its functions "
               "and publishes them by every channel; answers correct", _leak_hidden_inputs),
    Submission("r05_sigint_loop_in_solution", 6, "an infinite loop ignoring SIGINT at the top of "
               "training_loop's solution cell", lambda ctx: Built(ctx.variant(
                   prepend={"training_loop": snippets.SIGINT_LOOP})), loses=("training_loop",), slow=True),
    Submission("r06_delegate_dmodel_db", 7, "dmodel_db wraps course_lib.linear.dmodel_db (grad_fn and "
               "training_loop call it)", lambda ctx: Built(ctx.variant(replace={"dmodel_db": (
                   "from course_lib import linear\n\n\n"
                   "def dmodel_db(t_u, w, b):\n    return linear.dmodel_db(t_u, w, b)\n")})),
               loses=("dmodel_db",), own_code=True),
    Submission("r07_launder_descent_path", 7, "training_loop is the course's plots.descent_path (the same "
               "loop, step for step), last point of the path", lambda ctx: Built(ctx.variant(replace={
                   "training_loop": (
                       "def training_loop(n_epochs, learning_rate, params, t_u, t_c, print_every=500):\n"
                       "    path, _ = plots.descent_path(n_epochs, learning_rate, params, t_u, t_c)\n"
                       "    return torch.tensor(path[-1], dtype=params.dtype)\n")})),
               loses=("training_loop",)),
    Submission("r08_daemons_and_kill", 2, "daemons holding the kernel's pipes, then SIGKILL to the grader; "
               "answers correct", lambda ctx: cells(ctx, ("test_dloss_fn", snippets.HOLD_PIPES),
                                                    ("test_grad_fn", snippets.KILL_GRADER),
                                                    stubborn=snippets.STUBBORN)),
    Submission("r09_faults_stderr_markers_exit", 6, "grad_fn writes to fd 2 and stderr and holds hidden-test "
               "markers; os._exit in a non-graded cell; an unbalanced marker in markdown", _faults),
    Submission("r10_read_files_and_history", 5, "prints files, environment and the kernel's history; answers "
               "correct", lambda ctx: common.read_files_and_history(ctx, "imports")),
    Submission("r11_launder_check_helpers", 7, "dloss_fn, grad_fn and training_loop from the checks' own "
               "helpers (_right_dloss, the mistake factories with their default arguments)",
               lambda ctx: Built(ctx.variant(replace={
                   "dloss_fn": "from course_lib.checks.linear import _right_dloss as dloss_fn\n",
                   "grad_fn": "from course_lib.checks import linear as _checks\n"
                              "grad_fn = _checks._wrong_grad_fn(_checks._right_dloss)\n",
                   "training_loop": "from course_lib.checks import linear as _checks\n"
                                    "training_loop = _checks._wrong_training_loop()\n"})),
               loses=("dloss_fn", "grad_fn", "training_loop")),
]
