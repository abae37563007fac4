"""Lesson 01 (predict → compare → learn): most attacks, since its kernels are the fastest.

Exercises and points: predict 1, squared_error 1, gradient_step 2, train 2, critical_alpha 2 (8).
gradient_step calls the student's predict; train calls predict, squared_error and gradient_step.
"""

from __future__ import annotations

import copy

from ..notebooks import cell as cell_of
from . import common, snippets
from .common import HONEST_FIRST, cells
from .model import ALL, Built, Context, Lesson, Submission, insert_after

LESSON = Lesson(
    name="01_predict_compare_learn",
    depends={"gradient_step": frozenset({"predict"}),
             "train": frozenset({"predict", "squared_error", "gradient_step"})},
    checks_module="course_lib.checks.learning",
    course_module="course_lib.learning",
)

EXERCISES = ("predict", "squared_error", "gradient_step", "train", "critical_alpha")


def _accomplice(ctx: Context) -> Built:
    """Every answer wrong and every test cell emptied: only scores if tests are not restored."""
    notebook = ctx.variant(wrong=ALL)
    for cell in notebook.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id", "").startswith("test_"):
            cell.source = "pass"
    return Built(notebook)


def _suppress_hidden(ctx: Context) -> Built:
    notebook = ctx.variant(after=[("imports", ctx.render(snippets.SUPPRESS_HIDDEN))])
    for name in EXERCISES:
        table = common.public_table(ctx, name)
        notebook.cells[[c.metadata.get("nbgrader", {}).get("grade_id") for c in notebook.cells].index(name)] \
            .source = f"{name} = _rt_table({name!r}, {table!r})\n"
    return Built(notebook)


def _leak_hidden_inputs(ctx: Context) -> Built:
    return common.leak_hidden_inputs(ctx, EXERCISES)


def _hidden_markers(ctx: Context) -> Built:
    notebook = ctx.variant(replace={"predict": (
        "def predict(input, weight):\n"
        "    \"The prediction: input times weight.\"\n"
        "    ### BEGIN HIDDEN TESTS\n"
        "    # my own notes, between the markers I saw in the course's source\n"
        "    ### END HIDDEN TESTS\n"
        "    return input * weight\n")})
    insert_after(notebook, "predict", "### BEGIN HIDDEN TESTS\n(an unbalanced marker in a markdown cell)",
                 cell_type="markdown")
    insert_after(notebook, "squared_error",
                 "# ### BEGIN SOLUTION\nprint('### BEGIN HIDDEN TESTS')\n# ### END SOLUTION\n")
    return Built(notebook)


def _forged_metadata(ctx: Context) -> Built:
    notebook = ctx.variant(wrong=["critical_alpha"])
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade_id") == "test_critical_alpha":
            meta["points"] = 100
    insert_after(notebook, "end", "pass  # a bonus test of my own")
    notebook.cells[-1].metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True,
                                               "points": 100, "grade_id": "test_bonus", "schema_version": 3}
    return Built(notebook)


def _test_cell_edited(ctx: Context) -> Built:
    notebook = ctx.variant(wrong=["gradient_step"])
    cell_of(notebook, "test_gradient_step").source = "pass"
    return Built(notebook)


def _test_cell_deleted(ctx: Context) -> Built:
    notebook = ctx.completed()
    notebook.cells.remove(cell_of(notebook, "test_train"))
    return Built(notebook)


def _test_cell_duplicated(ctx: Context) -> Built:
    notebook = ctx.completed()
    index = notebook.cells.index(cell_of(notebook, "test_predict"))
    notebook.cells.insert(index + 1, copy.deepcopy(notebook.cells[index]))
    notebook.cells[index + 1].id = "pasted-copy"
    return Built(notebook)


def _delegate_all(ctx: Context) -> Built:
    return Built(ctx.variant(replace={name: f"from course_lib.learning import {name}\n"
                                      for name in EXERCISES}))


def _delegate_predict(ctx: Context) -> Built:
    return Built(ctx.variant(replace={"predict": "def predict(input, weight):\n"
                                                 "    return learning.predict(input, weight)\n"}))


def _launder(ctx: Context) -> Built:
    """The course's answers fetched through modules that use them: a non-graded helper, a plot,
    the check object itself."""
    return Built(ctx.variant(replace={
        "squared_error": ("def squared_error(pred, goal_pred):\n"
                          "    # (1 * pred - goal_pred)**2, computed by the course's hot-and-cold helper\n"
                          "    return learning.hot_cold_learning(1.0, pred, goal_pred, 0.0, 1)[0].error\n"),
        "train": ("def train(input, weight, goal_pred, alpha, n_iterations):\n"
                  "    fig, ax = plt.subplots()\n"
                  "    plots.plot_training_errors(input, weight, goal_pred, [alpha], n_iterations, ax=ax)\n"
                  "    errors = [0.0 if e != e else float(e) for e in ax.lines[0].get_ydata()]\n"
                  "    plt.close(fig)\n"
                  "    return errors\n"),
        "critical_alpha": ("from course_lib.checks import learning as _course_checks\n"
                           "critical_alpha = _course_checks.critical_alpha.reference\n"),
    }))


def _launder_check_helpers(ctx: Context) -> Built:
    """train from the checks' own code: a "mistake" factory whose defaults are the right loop."""
    return Built(ctx.variant(replace={"train": "from course_lib.checks.learning import _train_mistake\n"
                                               "train = _train_mistake()\n"}))


def _read_answer_key(ctx: Context) -> Built:
    notebook = ctx.variant(blank=ALL, after=[("imports", ctx.render(snippets.READ_ANSWER_KEY))])
    return Built(ctx.variant(start=notebook, replace={
        name: f"{name} = _RT_KEY.get({name!r}) or (lambda *args: 0.0)\n" for name in EXERCISES}))


SUBMISSIONS = common.honest() + [
    # --- 1. student code runs as the instructor, with the course directory in reach
    Submission("r01_config_rewrite", 1, "appends to the course's nbgrader_config.py: test cells no longer "
               "restored for later students, code run by the grader itself; own answers correct",
               lambda ctx: cells(ctx, ("imports", snippets.CONFIG_REWRITE))),
    Submission("r02_accomplice_empties_tests", 1, "profits from r01: every answer wrong, every test cell "
               "replaced by `pass`", _accomplice, loses=ALL),
    Submission("r03_gradebook_tamper", 1, "writes the gradebook: manual scores and extra credit for itself, "
               "zero for the students graded before; every answer wrong",
               lambda ctx: cells(ctx, ("imports", snippets.GRADEBOOK_TAMPER), wrong=ALL), loses=ALL),
    Submission("r04_steal_classmates", 1, "blank, but each solution cell copies the same cell from a "
               "classmate's submitted or autograded notebook at grading time",
               lambda ctx: common.steal(ctx, common.classmates(ctx)), loses=ALL),
    Submission("r05_sabotage_classmates", 1, "replaces a later classmate's submission by the blank release, "
               "defaces earlier feedback, deletes others' autograded folders; own answers correct",
               lambda ctx: cells(ctx, ("imports", snippets.SABOTAGE))),
    Submission("r06_repo_and_home_tamper", 1, "writes the installed course_lib (the repository), its config, "
               "a .pth in the venv, an IPython startup file and a python3 kernel spec in HOME, canaries in "
               "/tmp, /var/tmp, /dev/shm, HOME, the course; own answers correct",
               lambda ctx: cells(ctx, ("imports", snippets.REPO_TAMPER), checks_file="learning.py")),
    Submission("r48_plant_in_kernel_folder", 1, "writes into the folder of its kernel's connection file and "
               "(in a sandbox) replaces its files by symlinks to a host canary, then crashes the kernel so "
               "that the grader restarts it; answers correct",
               lambda ctx: cells(ctx, ("test_squared_error", snippets.IO_DIR_PLANT),
                                 ("test_squared_error", snippets.CRASHES["exit"]))),
    # --- 2. one submission stops grading for everyone
    Submission("r07_kill_grader", 2, "SIGKILLs the grader's processes (ancestors, anything naming the course "
               "directory; in a sandbox its init) in a non-graded cell; answers correct",
               lambda ctx: cells(ctx, ("test_predict", snippets.KILL_GRADER))),
    Submission("r08_freeze_grader", 2, "SIGSTOPs the grader's processes in a non-graded cell; answers "
               "correct",
               lambda ctx: cells(ctx, ("test_squared_error", snippets.FREEZE_GRADER))),
    Submission("r09_daemons_hold_pipes", 2, "double-forked daemon, nohup sleep, setsid sleep and a "
               "new-session child, all holding the kernel's stdout/stderr; answers correct",
               lambda ctx: cells(ctx, ("test_predict", snippets.HOLD_PIPES), stubborn=snippets.STUBBORN)),
    Submission("r10_lock_gradebook", 2, "a daemon holding an exclusive sqlite lock on the gradebook for an "
               "hour; answers correct", lambda ctx: cells(ctx, ("imports", snippets.LOCK_GRADEBOOK))),
    Submission("r11_time_bomb_results", 2, "a daemon that waits for grades/<lesson>.csv and rewrites it (and "
               "the gradebook) with full marks for everyone; answers correct",
               lambda ctx: cells(ctx, ("imports", snippets.TIME_BOMB))),
    Submission("r47_output_flood", 2, "floods the grader with output (up to 512 MiB of lines and of one "
               "endless line, 20000 displays) in a non-graded cell; answers correct",
               lambda ctx: cells(ctx, ("test_predict", snippets.OUTPUT_FLOOD))),
    # --- 3. verdicts computed inside the student's interpreter
    Submission("r12_patch_check_call", 3, "Check.__call__ replaced by a ✓ printer; every answer wrong",
               lambda ctx: cells(ctx, ("imports", snippets.PATCH_CHECK_CALL), wrong=ALL), loses=ALL),
    Submission("r13_patch_core_functions", 3, "evaluate/judge/report/close_floats/close_float_lists and each "
               "check's compare patched; predict wrong", lambda ctx: cells(
                   ctx, ("imports", snippets.PATCH_CORE), wrong=["predict"]), loses=("predict",)),
    Submission("r14_patch_coerce", 3, "coerce functions (modules and each check's) return a constant; every "
               "answer wrong", lambda ctx: cells(ctx, ("imports", snippets.PATCH_COERCE), wrong=ALL),
               loses=ALL),
    Submission("r15_patch_isclose", 3, "math.isclose, numpy.isclose/allclose always true; train and "
               "critical_alpha wrong", lambda ctx: cells(ctx, ("imports", snippets.PATCH_ISCLOSE),
                                                         wrong=["train", "critical_alpha"]),
               loses=("train", "critical_alpha")),
    Submission("r16_patch_builtins", 3, "builtins.__import__ hands out fake always-passing checks, "
               "builtins.AssertionError replaced; every answer wrong",
               lambda ctx: cells(ctx, ("imports", snippets.PATCH_BUILTINS), wrong=ALL), loses=ALL),
    Submission("r17_input_transformer", 3, "an IPython input transformer turns check calls into `pass`; "
               "gradient_step wrong", lambda ctx: cells(ctx, ("imports", snippets.INPUT_TRANSFORMER),
                                                        wrong=["gradient_step"]), loses=("gradient_step",)),
    Submission("r18_suppress_second_phase", 3, "functions right on the public cases only, that end the "
               "kernel when a check calls them on any other case, and a transformer emptying every cell "
               "that mentions hidden cases", _suppress_hidden, loses=ALL),
    Submission("r19_exception_hooks", 3, "custom exception handler swallowing AssertionError, excepthook, "
               "post_run_cell hook clearing error_in_exec; critical_alpha wrong",
               lambda ctx: cells(ctx, ("imports", snippets.EXCEPTION_HOOKS), wrong=["critical_alpha"]),
               loses=("critical_alpha",)),
    Submission("r20_settrace_jump", 3, "sys.settrace on Check.__call__ jumps over `raise AssertionError`; "
               "train wrong", lambda ctx: cells(ctx, ("imports", snippets.SETTRACE_JUMP), wrong=["train"]),
               loses=("train",)),
    Submission("r21_detect_grading", 3, "patches the checks only when it detects grading "
               "(NBGRADER_EXECUTION, cwd, hostname, sandbox); predict and squared_error wrong",
               lambda ctx: cells(ctx, ("imports", snippets.DETECT_GRADING),
                                 wrong=["predict", "squared_error"]),
               loses=("predict", "squared_error")),
    # --- 4. files shipped beside the notebook
    Submission("r22_shipped_course_lib", 4, "a course_lib/ overlay beside the notebook whose checks always "
               "pass; everything wrong but critical_alpha",
               lambda ctx: Built(ctx.variant(wrong=[e for e in EXERCISES if e != "critical_alpha"],
                                             after=[("start", snippets.SYS_PATH_CELL)]),
                                 files=common.shipped_course_lib("learning.py")),
               loses=tuple(e for e in EXERCISES if e != "critical_alpha")),
    Submission("r23_shipped_numpy", 4, "a numpy.py beside the notebook: the real numpy with isclose always "
               "true; train wrong",
               lambda ctx: Built(ctx.variant(wrong=["train"], after=[("start", snippets.SYS_PATH_CELL)]),
                                                      files={"numpy.py": snippets.FAKE_NUMPY}),
               loses=("train",)),
    Submission("r24_shipped_startup_files", 4, "ipython_config.py, ipython_kernel_config.py, "
               "sitecustomize.py and a matplotlib_inline/ overlay that patch the checks at start-up; "
               "predict wrong",
               lambda ctx: Built(ctx.variant(wrong=["predict"], after=[("start", snippets.SYS_PATH_CELL)]),
                                 files={
                   "ipython_config.py": "c.InteractiveShellApp.exec_lines = ["
                                        + repr(f"exec({snippets.PATCH_ON_IMPORT!r})") + "]\n",
                   "ipython_kernel_config.py": "c.InteractiveShellApp.exec_lines = ["
                                               + repr(f"exec({snippets.PATCH_ON_IMPORT!r})") + "]\n",
                   "sitecustomize.py": snippets.PATCH_ON_IMPORT,
                   "usercustomize.py": snippets.PATCH_ON_IMPORT,
                   "matplotlib_inline/__init__.py": snippets.FAKE_MATPLOTLIB_INLINE}),
               loses=("predict",)),
    # --- 5. feedback publishes too much
    Submission("r25_print_history", 5, "a post_run_cell hook printing each cell's code (In[-1]), and a last "
               "cell printing _ih/In/Out/history_manager and the instructor's IPython history; answers "
               "correct",
               lambda ctx: common.print_history(ctx, "imports")),
    Submission("r26_read_files", 5, "lists and prints the working folder and its parents, the course "
               "(solutions, config, submissions, gradebook), the homes, /tmp, the environment and the "
               "grader's /proc entries; answers correct", lambda ctx: common.read_files(ctx, "imports")),
    Submission("r27_leak_hidden_inputs", 5, "logs every non-public case a check calls its functions on and "
               "publishes it via fd 1/2, a post_run_cell hook, a thread and an earlier display; answers "
               "correct", _leak_hidden_inputs),
    # --- 6. faults cost too much
    Submission("r28_crash_kernel", 6, "os._exit, killpg of its own group, kill of pid 1 / every process in "
               "its namespace (sandbox only), each in a non-graded cell; answers correct",
               lambda ctx: cells(ctx, ("imports", snippets.CRASHES["exit"]),
                                 ("test_squared_error", snippets.CRASHES["killpg"]),
                                 ("test_train", snippets.CRASHES["kill_init"]))),
    Submission("r29_segfault_in_solution", 6, "a segfault (ctypes) at the top of gradient_step's solution "
               "cell, before the function is defined",
               lambda ctx: Built(ctx.variant(prepend={"gradient_step": snippets.CRASHES["segfault"]})),
               loses=("gradient_step",)),
    Submission("r30_ignore_sigint_loop", 6, "an infinite loop ignoring SIGINT in a non-graded cell; answers "
               "correct", lambda ctx: cells(ctx, ("test_squared_error", snippets.SIGINT_LOOP)), slow=True),
    Submission("r31_hang_on_hidden_cases", 6, "critical_alpha right on the public cases and on the "
               "notebook's, but ignoring SIGINT and looping forever when a check calls it on any other case",
               lambda ctx: Built(ctx.variant(replace={"critical_alpha": ctx.render(
                   snippets.PRELUDE + "_RT_PUBLIC = @PUBLIC@\n\n\n"
                   "def critical_alpha(input):\n"
                   "    caller = _rt_sys._getframe(1).f_code  # a check calling it\n"
                   "    if (caller.co_filename.endswith(_RT_RUNNERS)\n"
                   "            and repr((input,)) not in _RT_PUBLIC):\n"
                   "        _rt_signal.signal(_rt_signal.SIGINT, _rt_signal.SIG_IGN)\n"
                   "        while True:\n"
                   "            pass\n"
                   "    return 2 / input**2\n",
                   public=common.public_reprs(ctx, ["critical_alpha"])["critical_alpha"])})),
               loses=("critical_alpha",), slow=True),
    Submission("r32_stderr_in_correct_code", 6, "correct functions that write to fd 2, sys.stderr, warnings "
               "and logging on every call", lambda ctx: Built(ctx.variant(replace={
                   "predict": ("import logging, os, sys, warnings\n\n\n"
                               "def _noisy():\n"
                               "    os.write(2, b'debug: fd 2\\n')\n"
                               "    print('debug: sys.stderr', file=sys.stderr)\n"
                               "    warnings.warn('a student warning')\n"
                               "    logging.getLogger('student').error('a student log line')\n\n\n"
                               "def predict(input, weight):\n    _noisy()\n    return input * weight\n"),
                   "squared_error": "def squared_error(pred, goal_pred):\n    _noisy()\n"
                                    "    return (pred - goal_pred) ** 2\n"}))),
    Submission("r33_hidden_markers_in_own_cells", 6, "### BEGIN/END HIDDEN TESTS (and SOLUTION) markers in "
               "its own code and markdown cells, one unbalanced; answers correct", _hidden_markers),
    Submission("r34_fill_disk", 6, "fills the working folder, /tmp and /dev/shm (one non-graded cell "
               "each, SIGXFSZ ignored, up to 1 GiB each, /dev/shm 5 GiB in a sandbox) and leaves the files "
               "there; answers correct",
               lambda ctx: cells(ctx, ("test_predict", snippets.FILL.replace("@PLACE@", "'.'")),
                                 ("test_squared_error", snippets.FILL.replace("@PLACE@", "'/tmp'")),
                                 ("test_gradient_step", snippets.FILL.replace("@PLACE@", "'/dev/shm'")))),
    Submission("r35_fork_and_memory_bombs", 6, "(inside a sandbox only) 400 sleeping children, then five "
               "processes holding 1 GiB each; answers correct",
               lambda ctx: cells(ctx, ("test_squared_error", snippets.FORK_BOMB),
                                 ("test_train", snippets.MEMORY_BOMB))),
    Submission("r36_invalid_json", 6, "not JSON", common.invalid_json, loses=ALL, status="error"),
    Submission("r37_not_a_notebook", 6, "JSON, but not a notebook", common.not_a_notebook, loses=ALL,
               status="error"),
    Submission("r38_missing_notebook", 6, "the notebook handed in under another name",
               common.missing_notebook, loses=ALL, status="error"),
    Submission("r39_huge_sparse_notebook", 6, "a 1 GiB notebook file of NUL bytes",
               common.huge_sparse_notebook, loses=ALL, status="error"),
    Submission("r40_forged_metadata", 6, "a test cell's points set to 100 and a new 'test_bonus' grade cell "
               "worth 100; critical_alpha wrong", _forged_metadata, loses=("critical_alpha",)),
    Submission("r49_test_cell_edited", 6, "gradient_step wrong, and its test cell replaced by `pass`",
               _test_cell_edited, loses=("gradient_step",)),
    Submission("r51_test_cell_deleted", 6, "train's test cell deleted; answers correct", _test_cell_deleted),
    Submission("r52_test_cell_duplicated", 6, "predict's test cell pasted twice; answers correct",
               _test_cell_duplicated, message="'test_predict' appears more than once"),
    Submission("r53_syntax_error", 6, "a syntax error in critical_alpha's cell (a colon missing)",
               lambda ctx: Built(ctx.variant(replace={"critical_alpha": (
                   "def critical_alpha(input)\n    return 2 / input**2\n")})),
               loses=("critical_alpha",)),
    # --- 7. the answer key importable at grading time
    Submission("r41_delegate_all", 7, "every exercise imported from course_lib.learning", _delegate_all,
               loses=ALL, own_code=True),
    Submission("r42_delegate_predict", 7, "predict wraps course_lib.learning.predict; the rest honest (but "
               "gradient_step and train call predict)", _delegate_predict, loses=("predict",), own_code=True),
    Submission("r43_launder_through_course", 7, "squared_error via learning.hot_cold_learning, train via the "
               "lines of plots.plot_training_errors, critical_alpha as the check's .reference",
               _launder, loses=("squared_error", "train", "critical_alpha"), own_code=True),
    Submission("r44_launder_check_helpers", 7, "train = course_lib.checks.learning._train_mistake() (a "
               "mistake factory whose defaults are the right loop)", _launder_check_helpers,
               loses=("train",)),
    Submission("r45_read_answer_key_files", 7, "execs the source of course_lib/learning.py (repository, "
               "inspect.getsource, git show) or the solution notebooks' cells, and hands in those functions",
               _read_answer_key, loses=ALL),
    Submission("r46_symlink_to_solution", 7, "the notebook is a symlink to the instructor's solution "
               "notebook", common.symlink_to_solution, loses=ALL, status=None),
]

assert HONEST_FIRST in {s.student for s in SUBMISSIONS}
