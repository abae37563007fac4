"""The parts of safe grading, each on its own: the wire, the plan, the answer key, the sandbox,
the runner's fault isolation and the verdicts (the red-team suite tests them together)."""

from __future__ import annotations

import importlib
import json
import math
import secrets
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest

from course_lib.checks import learning as learning_checks
from course_lib.checks import wire
from course_lib.checks.answer_key import AnswerKeyUnavailable, forwarder
from course_lib.grading import answer_key, sandbox
from course_lib.grading.execute import verdict_outputs
from course_lib.grading.kernel import KernelSession, Outcome
from course_lib.grading.plan import PlanError, parse_test_cell
from course_lib.grading.run import Runner, Step

from .notebooks import SOLUTIONS, grade_test_cells, lesson_names, read

# --- the wire -----------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [1.5, -0.0, 3, None, "text", [1.0, [2.0, "x"]], (1.0, 2.0),
                                   {"a": [1.0]}, np.arange(6, dtype=np.float32).reshape(2, 3),
                                   [("out", 1.0), ("a.grad", 2.0)]])
def test_wire_round_trips_plain_values(value):
    back = wire.loads(wire.dumps(value))
    if isinstance(value, np.ndarray):
        assert back.dtype == value.dtype and back.shape == value.shape
        np.testing.assert_array_equal(back, value)
    else:
        assert back == value and type(back) is type(value)


def test_wire_keeps_nan_and_infinities():
    back = wire.loads(wire.dumps([math.nan, math.inf, -math.inf]))
    assert math.isnan(back[0]) and back[1:] == [math.inf, -math.inf]


class Rigged(float):
    def __eq__(self, other):
        return True


@pytest.mark.parametrize("value", [Rigged(1.0), object(), {1: 2}, np.array(["a"]), lambda: 1])
def test_wire_refuses_anything_but_plain_data(value):
    with pytest.raises(wire.WireError):
        wire.dumps(value)


@pytest.mark.parametrize("text", ["{", '{"pickle": "x"}', '{"array": 1, "dtype": "f8", "shape": [2]}',
                                  "[" * 100_000 + "]" * 100_000, "x" * (wire.MAX_BYTES + 1)])
def test_wire_refuses_malformed_text(text):
    with pytest.raises(wire.WireError):
        wire.loads(text)


# --- the plan: test cells read from the instructor's notebook -------------------------------------


@pytest.mark.parametrize("lesson", lesson_names())
def test_every_test_cell_of_every_lesson_follows_the_convention(lesson):
    source = read(SOLUTIONS / lesson / f"{lesson}.ipynb")
    for test in grade_test_cells(source):
        plan = parse_test_cell(test.metadata.nbgrader["grade_id"], test.source)
        assert any(not call.hidden for call in plan.calls) and any(call.hidden for call in plan.calls)
        module = __import__(f"course_lib.checks.{plan.module}", fromlist=["x"])
        for call in plan.calls:
            check = getattr(module, call.check)
            assert callable(check.observe) and callable(check.verdict), (plan.grade_id, call.check)


def test_the_harvest_code_names_only_what_the_instructor_wrote():
    plan = parse_test_cell("test_predict", "from course_lib.checks import learning as check\n"
                                           "check.predict(predict)\ncheck.predict(predict, hidden=True)\n")
    assert plan.public_source() == ("__import__('course_lib.checks.harvest', fromlist=['public']).public("
                                    "'test_predict', 'learning', [('predict', lambda: (predict))], [0])")
    assert plan.hidden_source(7).endswith("hidden('test_predict', 'learning', [(0, 'predict')], 7)")


@pytest.mark.parametrize("source", ["import os\ncheck.predict(predict)",
                                    "from course_lib.checks import learning as check\nprint(1)",
                                    "from course_lib.checks import learning as check\n",
                                    "check.predict(predict, hidden=x)"])
def test_a_test_cell_outside_the_convention_is_refused(source):
    with pytest.raises(PlanError):
        parse_test_cell("test_x", source)


# --- the answer key ------------------------------------------------------------------------------


@pytest.mark.parametrize("lesson", lesson_names())
def test_the_sandbox_library_has_no_answer_of_the_lesson(lesson, tmp_path):
    source = read(SOLUTIONS / lesson / f"{lesson}.ipynb")
    modules = {parse_test_cell(t.metadata.nbgrader["grade_id"], t.source).module
               for t in grade_test_cells(source)}
    key = answer_key.answer_key(modules)
    assert key, f"{lesson} declares no ANSWER_KEY"
    library = answer_key.build_library(tmp_path, key)
    for dotted in key:
        relative, path = answer_key._split(dotted)
        text = (library / relative).read_text()
        assert f"def {path[-1]}(" not in text, f"{dotted} is still defined in the sandbox's copy"
        assert f"{path[-1]} = __import__('course_lib.checks.answer_key'" in text
    untouched = [p for p in Path(answer_key.PACKAGE).rglob("*.py")
                 if str(p.relative_to(answer_key.PACKAGE)) not in {str(answer_key._split(d)[0]) for d in key}]
    for path in untouched:
        assert (library / path.relative_to(answer_key.PACKAGE)).read_bytes() == path.read_bytes()


def test_a_forwarder_runs_the_students_function_and_refuses_the_course(monkeypatch):
    import __main__

    stand_in = forwarder("predict", "course_lib.learning.predict")
    monkeypatch.setattr(__main__, "predict", lambda i, w: i * w + 100, raising=False)
    assert stand_in(2.0, 3.0) == 106.0  # the student's own code, wrong or right
    monkeypatch.setattr(__main__, "predict", stand_in)  # predict = learning.predict
    with pytest.raises(AnswerKeyUnavailable, match="must be your own code"):
        stand_in(2.0, 3.0)
    monkeypatch.setattr(__main__, "predict", lambda i, w: stand_in(i, w))  # a wrapper around it
    with pytest.raises(AnswerKeyUnavailable):
        stand_in(2.0, 3.0)


def test_case_drawing_never_uses_the_answer_key(monkeypatch):
    """Hidden cases are drawn twice (sandbox, grader); with the answer key off they must not change."""
    from course_lib.checks import derivatives, linear

    for module in (learning_checks, derivatives, linear):
        before = {name: repr(check.cases(hidden=True, seed=99)) for name, check in module.CHECKS.items()}
        with monkeypatch.context() as patch:
            for dotted in module.ANSWER_KEY:
                owner, name = dotted.rsplit(".", 1)
                patch.setattr(importlib.import_module(owner), name, forwarder(None, dotted))
            after = {name: repr(check.cases(hidden=True, seed=99)) for name, check in module.CHECKS.items()}
        assert after == before, module.__name__


# --- verdicts from observations ------------------------------------------------------------------


def _test_cell():
    return parse_test_cell("test_predict", "from course_lib.checks import learning as check\n"
                                           "check.predict(predict)\ncheck.predict(predict, hidden=True)\n")


def _observed(function, seed):
    check = learning_checks.predict
    return {"public": {"calls": {"0": check.observe(function)}},
            "hidden": {"calls": {"0": check.observe(function, hidden=True, seed=seed)}}}


def test_verdicts_pass_a_right_answer_and_fail_a_wrong_one_without_hidden_inputs():
    right = verdict_outputs(_test_cell(), _observed(lambda i, w: i * w, 5), 5)
    assert right[0].output_type == "stream" and right[0].text.count("✓") == 2
    wrong = verdict_outputs(_test_cell(), _observed(lambda i, w: i + w, 5), 5)
    assert wrong[0].output_type == "error"
    public, hidden = wrong[0].evalue.split("\n`predict` fails")
    assert "predict(input=0.5, weight=0.8)" in public  # public inputs may be shown
    assert "input=" not in hidden and "you added them" in hidden  # hidden: a count and the hint


def test_hidden_cases_depend_on_the_secret_seed():
    check = learning_checks.predict
    assert repr(check.cases(hidden=True, seed=1)) != repr(check.cases(hidden=True, seed=2))
    observed = _observed(lambda i, w: i * w, 1)  # right answers for seed 1 …
    outputs = verdict_outputs(_test_cell(), observed, 2)  # … judged against the cases of seed 2
    assert outputs[0].output_type == "error"


@pytest.mark.parametrize("garbage", [None, 3, "x", [], [{"value": 1.0}] * 1000, [{"stop": "nonsense"}],
                                     [{"value": {"array": [1], "dtype": "<f8", "shape": [5]}}] * 4,
                                     [{"value": 1e308 * 10}] * 4, [["not", "a", "dict"]] * 4])
def test_garbage_observations_fail_the_exercise_never_the_grader(garbage):
    observed = {"public": {"calls": {"0": garbage}}, "hidden": {"calls": {"0": garbage}}}
    outputs = verdict_outputs(_test_cell(), observed, 3)
    assert outputs[0].output_type == "error"


def test_a_harvest_that_never_arrived_fails_with_the_reason():
    outputs = verdict_outputs(_test_cell(), {}, 3, notes={"public": "This cell ran longer than 5 s"})
    assert outputs[0].output_type == "error" and "ran longer than 5 s" in outputs[0].evalue


# --- the runner: one fault costs one cell --------------------------------------------------------


class FakeSession:
    """Runs steps whose source is 'ok', 'loop' or 'die'; counts what ran, in which session."""

    log: list[tuple[int, str]] = []
    started = 0

    def __init__(self):
        FakeSession.started += 1
        self.number = FakeSession.started

    def run(self, source, timeout):
        FakeSession.log.append((self.number, source))
        return Outcome({"loop": "timeout", "die": "died"}.get(source.split(":")[0], "ok"))

    def close(self):
        pass


def test_after_a_fault_the_earlier_cells_are_replayed_and_the_run_goes_on():
    FakeSession.log, FakeSession.started = [], 0
    sources = ["ok:a", "ok:b", "loop:c", "ok:d", "die:e", "ok:f"]
    steps = [Step(i, source, 5) for i, source in enumerate(sources)]
    results = Runner(FakeSession).run(steps)
    assert [r.outcome.status for r in results] == ["ok", "ok", "timeout", "ok", "died", "ok"]
    assert "ran longer than 5 s" in results[2].note and "stopped the kernel" in results[4].note
    assert FakeSession.log == [(1, "ok:a"), (1, "ok:b"), (1, "loop:c"),
                               (2, "ok:a"), (2, "ok:b"), (2, "ok:d"), (2, "die:e"),
                               (3, "ok:a"), (3, "ok:b"), (3, "ok:d"), (3, "ok:f")]


def test_restarts_are_bounded():
    FakeSession.log, FakeSession.started = [], 0
    results = Runner(FakeSession, max_restarts=2).run([Step(i, "die", 5) for i in range(6)])
    assert [r.outcome.status for r in results] == ["died", "died", "died", "skipped", "skipped", "skipped"]
    assert "more than 2 times" in results[-1].note


# --- the real sandbox ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def session():
    with tempfile.TemporaryDirectory() as work:
        library = answer_key.build_library(Path(work) / "lib", answer_key.answer_key(["learning"]))
        kernel = KernelSession(str(library), sandbox.Limits(memory_bytes=2 * 2**30, processes=64), Path(work))
        yield kernel
        kernel.close()


def _text(outcome: Outcome) -> str:
    return "".join(out.get("text", "") + out.get("evalue", "") for out in outcome.outputs)


def test_the_sandbox_sees_no_course_directory_and_no_network(session):
    outcome = session.run("import os, socket\nprint(os.getuid(), sorted(os.listdir(os.path.dirname("
                          "os.path.dirname(__import__('course_lib').__file__)))), "
                          "[n for _, n in socket.if_nameindex()])", 30)
    assert outcome.status == "ok", _text(outcome)
    uid, listing = _text(outcome).split(" ", 1)
    assert uid == "65534"
    assert "solutions" not in listing and "tests" not in listing and "['lo']" in listing


def test_the_sandbox_cannot_write_the_course_library_or_fill_the_disk(session):
    code = ("import course_lib, pathlib\n"
            "try:\n    (pathlib.Path(course_lib.__file__).parent / 'x.py').write_text('1')\n"
            "except OSError as e:\n    print('library:', e.errno)\n"
            "try:\n    open('big', 'wb').write(b'0' * (600 * 2**20))\n"
            "except OSError as e:\n    print('disk:', e.errno)\n")
    outcome = session.run(code, 60)
    assert "library: 30" in _text(outcome)  # EROFS
    assert "disk:" in _text(outcome) or outcome.status != "ok"


def test_the_answer_key_is_off_inside(session):
    outcome = session.run("from course_lib import learning\nlearning.predict(1.0, 2.0)", 30)
    assert outcome.status == "error" and "own code" in _text(outcome)


@pytest.mark.skipif(not sandbox.cgroups_available(), reason="process limit needs root and cgroup v1")
def test_a_fork_bomb_is_contained(session):
    code = ("import os, time\nn = 0\ntry:\n    while True:\n        if os.fork() == 0:\n"
            "            time.sleep(30)\n            os._exit(0)\n        n += 1\n"
            "except OSError:\n    print('stopped at', n)\n")
    outcome = session.run(code, 30)
    assert "stopped at" in _text(outcome)
    assert int(_text(outcome).split()[-1]) < 64


def test_nothing_outlives_the_sandbox(tmp_path):
    library = answer_key.build_library(tmp_path / "lib", {})
    kernel = KernelSession(str(library), sandbox.Limits(), tmp_path)
    mark = f"300.{secrets.randbelow(10**9):09d}"  # this test's sleeps only: others may run in parallel
    kernel.run(f"import subprocess\nsubprocess.Popen(['sleep', '{mark}1'], start_new_session=True)\n"
               "import os\nif os.fork() == 0:\n    os.setsid()\n"
               f"    os.execvp('sleep', ['sleep', '{mark}2'])", 30)
    kernel.close()
    left = subprocess.run(["pgrep", "-f", f"sleep {mark}"], capture_output=True, text=True).stdout.split()
    assert not left, f"processes left behind: {left}"


def test_the_probe_reports_a_working_sandbox(tmp_path):
    library = answer_key.build_library(tmp_path / "lib", {})
    sandbox.probe(str(library), str(tmp_path))


def test_json_spec_round_trips():
    spec = sandbox.Spec(library="/l", io_dir="/io", cgroups=("/c",), extra_ro=(("/a", "/b"),))
    assert sandbox._spec_from_json(json.dumps(__import__("dataclasses").asdict(spec))) == spec


def test_packages_that_solve_exercises_are_hidden(session):
    outcome = session.run("from micrograd.engine import Value", 30)
    assert outcome.status == "error" and "ModuleNotFoundError" in _text(outcome) + str(outcome.outputs)


def test_integers_too_large_for_a_float_fail_the_case():
    observed = {"public": {"calls": {"0": [{"value": 10**400}] * len(learning_checks.predict.public)}}}
    outputs = verdict_outputs(_test_cell(), observed, 3)
    assert outputs[0].output_type == "error" and "too large for a float" in outputs[0].evalue
    with pytest.raises(wire.WireError):
        wire.loads("[" + "9" * 5000 + "]")


def test_the_graders_environment_is_not_visible_inside(session, monkeypatch):
    outcome = session.run("import os\nprint(sorted(os.environ))\n"
                          "print(repr(open('/proc/1/environ', 'rb').read()))", 30)
    text = _text(outcome)
    assert "b''" in text, text  # PID 1 (bwrap) was started with an empty environment
    assert "PATH" in text and "PYTEST_CURRENT_TEST" not in text


def test_a_worker_launches_a_kernel_ahead_only_when_another_job_will_follow():
    from course_lib.grading import worker

    def job(spare: bool) -> dict:
        steps = [Step(("cell", 0), "print(6 * 7)", 30)]
        return worker.job_for(steps, ["learning"], sandbox.Limits(), True, 300, spare=spare)

    state = worker._state()
    try:
        answer = worker.execute_job(job(spare=True))
        assert "42" in answer["results"][0]["outputs"][0]["text"]
        assert state.spare is not None, "the next student's kernel boots while this one runs"
        warm = state.spare[1]
        worker.execute_job(job(spare=False))
        assert state.spare is None, "the last job on a worker leaves no kernel behind"
        assert warm.io_dir.exists() is False, "the kernel launched ahead served that job, and was closed"
    finally:
        state.close()
        worker._STATE = None


@pytest.mark.parametrize("figures", [False, True])
def test_a_graded_figure_is_a_one_line_note_unless_figures_are_drawn(figures):
    from course_lib.checks.harvest import FIGURE_NOTE
    from course_lib.grading import worker

    shown = "import matplotlib.pyplot as plt\nplt.plot([1, 2], [3, 5])\nplt.show()"
    returned = "figure, axes = plt.subplots()\naxes.plot([0, 1])\nfigure"
    explorer = "from course_lib.widgets import base\nprint(len(base.figure_png(figure)) > 0)"
    steps = [Step(("cell", 0), shown, 30), Step(("cell", 1), returned, 30), Step(("cell", 2), explorer, 30)]
    job = worker.job_for(steps, ["learning"], sandbox.Limits(), True, 300, spare=False, figures=figures)
    try:
        results = worker.execute_job(job)["results"]
    finally:
        worker._state().close()
        worker._STATE = None
    assert results[2]["outputs"][0]["text"].strip() == str(figures), "an explorer's image is drawn or not"
    for result in results[:2]:
        assert result["status"] == "ok", result
        data = [output["data"] for output in result["outputs"] if output["output_type"] != "stream"]
        assert data, "the figure's place is kept"
        for bundle in data:
            assert ("image/png" in bundle) == figures, bundle.keys()
            assert (bundle["text/plain"] == FIGURE_NOTE) != figures, bundle["text/plain"]


def test_a_failed_cell_lets_go_of_its_memory_and_keeps_the_students_namespace():
    """After a memory bomb, the exception IPython keeps would hold the sandbox's memory through the
    frames' variables (and the traceback display's snapshot of them): the next cells, and the
    hidden harvest, could not even be compiled."""
    from IPython.core.interactiveshell import InteractiveShell

    from course_lib.checks import harvest

    shell = InteractiveShell.instance()
    harvest.release_failed_cells(shell)
    try:
        shell.run_cell("import weakref\nclass Hoard: pass\nkept = 5\n"
                       "def bomb():\n    hoard = Hoard()\n    global probe\n    probe = weakref.ref(hoard)\n"
                       "    raise MemoryError")
        shell.run_cell("bomb()")
        assert shell.user_ns["probe"]() is None, "the failed call's variables are released"
        assert shell.user_ns["kept"] == 5, "the student's own variables stay"
        assert shell.run_cell("kept + 1").result == 6
    finally:
        InteractiveShell.clear_instance()
