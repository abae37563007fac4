"""Autograde's execution step, in a sandbox, with the verdicts decided outside it.

nbgrader's ``Autograde`` normally executes the notebook (its ``Execute`` step) and scores each
test cell by whether it raised. :class:`SandboxedExecute` takes that step's place:

1. every test cell is swapped for a harvest of the student's objects (:mod:`.plan`, read from the
   *instructor's* notebook), and the notebook runs in a sandboxed kernel with fault isolation
   (:mod:`.run`); after the last cell the hidden cases are harvested with a secret seed;
2. here, outside the sandbox, each check's :meth:`verdict` compares what came out with the
   reference; the test cell's outputs become the ✓ lines or the diagnosis (hidden cases: counts
   and hints only), so nbgrader's ``SaveAutoGrades`` scores exactly those verdicts.

:class:`RestoreFromSource` (a sanitizing step) makes the submission's graded cells match the
instructor's notebook before anything runs.
"""

from __future__ import annotations

import importlib
import json
import re
import secrets
from pathlib import Path
from typing import Any

import nbformat
from nbconvert.exporters.exporter import ResourcesDict
from nbformat import NotebookNode
from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Bool, Float, Integer, Unicode

from ..checks.harvest import MIME
from . import sandbox, worker
from .plan import TestCell, parse_test_cell
from .run import Result, Step, fault_output

HIDDEN_TIMEOUT_FACTOR = 4
"""The hidden cases of one test cell may take this many cell timeouts (they include large cases)."""
_MARKER = re.compile(r"(BEGIN|END) (HIDDEN TESTS|SOLUTION)")
"""nbgrader acts on these anywhere in a line; in a student's own cells a thin space defuses them."""


def read_source(source_directory: str, assignment: str, notebook: str) -> NotebookNode:
    return nbformat.read(Path(source_directory) / assignment / f"{notebook}.ipynb", as_version=4)


def _grade_id(cell: NotebookNode) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def _is_test(cell: NotebookNode) -> bool:
    return utils.is_grade(cell) and not utils.is_solution(cell) and cell.cell_type == "code"


class RestoreFromSource(NbGraderPreprocessor):
    """Make the submission's graded cells the instructor's: test cells get the source's code and
    metadata, solution cells the source's metadata, and a cell whose ``grade_id`` the source does
    not have loses its grading metadata. nbgrader's markers in the student's own cells are
    defused (they are comments there, but nbgrader's feedback step would act on them)."""

    source_directory = Unicode("", help="absolute path of the course's source notebooks").tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: ResourcesDict) -> tuple[NotebookNode, ResourcesDict]:
        info = resources["nbgrader"]
        source = read_source(self.source_directory, info["assignment"], info["notebook"])
        trusted = {_grade_id(cell): cell for cell in source.cells if _grade_id(cell)}
        for cell in nb.cells:
            grade_id = _grade_id(cell)
            if grade_id is None or grade_id not in trusted or trusted[grade_id].cell_type != cell.cell_type:
                cell.metadata.pop("nbgrader", None)
            else:
                original = trusted[grade_id]
                cell.metadata["nbgrader"] = {**original.metadata["nbgrader"]}
                if _is_test(original):
                    cell.source = original.source
            if not _is_test(cell):
                cell.source = _MARKER.sub("\\1\u2009\\2", cell.source)
        return nb, resources


class Plan:
    """What runs for one sanitized notebook: the steps (student cells, harvests; hidden harvests
    with ``seed`` at the end) and where each step's outputs go."""

    def __init__(self, nb: NotebookNode, source: NotebookNode, timeout: int, seed: int) -> None:
        self.seed = seed
        self.tests = {_grade_id(cell): parse_test_cell(_grade_id(cell), cell.source)
                      for cell in source.cells if _is_test(cell)}
        self.modules = sorted({test.module for test in self.tests.values()})
        self.libraries = _libraries_imported(source)
        self.steps: list[Step] = []
        self.cells: dict[tuple, int] = {}
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            grade_id = _grade_id(cell)
            if grade_id in self.tests:
                self.steps.append(Step(("public", grade_id), self.tests[grade_id].public_source(), timeout))
            else:
                self.steps.append(Step(("cell", index), cell.source, timeout))
            self.cells[self.steps[-1].key] = index
        for grade_id, test in self.tests.items():
            hidden = test.hidden_source(seed)
            if hidden is not None:
                self.steps.append(Step(("hidden", grade_id), hidden, HIDDEN_TIMEOUT_FACTOR * timeout))

    def job(self, limits: sandbox.Limits, use_sandbox: bool, budget: float, spare: bool = True,
            figures: bool = False) -> dict[str, Any]:
        return worker.job_for(self.steps, self.modules, limits, use_sandbox, budget, spare, self.libraries,
                              figures)


def _libraries_imported(source: NotebookNode) -> list[str]:
    """The :data:`~.worker.LESSON_LIBRARIES` that the instructor's notebook imports (never the
    student's: what runs before the student's code is the course's choice)."""
    code = "\n".join(cell.source for cell in source.cells if cell.cell_type == "code")
    return [name for name in worker.LESSON_LIBRARIES
            if re.search(rf"^\s*(?:import|from)\s+{re.escape(name)}\b", code, flags=re.MULTILINE)]


class SandboxedExecute(NbGraderPreprocessor):
    """Run the notebook in a sandbox; decide each test cell here (see the module docstring).

    When ``course grade`` has already run the notebook (in parallel, or on a cluster), the
    outcome waits in ``work_directory/executions/<student>/<notebook>.json``; it is used if it
    ran exactly the steps this notebook needs, else the notebook runs here."""

    timeout = Integer(30, help="seconds a cell may run").tag(config=True)
    sandbox = Bool(True, help="run student code in a bubblewrap sandbox").tag(config=True)
    memory_limit = Float(4.0, help="GiB of memory for the student's sandbox").tag(config=True)
    source_directory = Unicode("", help="absolute path of the course's source notebooks").tag(config=True)
    work_directory = Unicode("", help="folder for sandboxes and the answer-key-free library").tag(config=True)
    draw_figures = Bool(False, help="draw matplotlib figures (else a one-line note each)").tag(config=True)
    time_budget = Float(0.0, help="seconds for the whole notebook (0: 120 + 50 × timeout)").tag(config=True)

    def limits(self) -> sandbox.Limits:
        return sandbox.Limits(memory_bytes=int(self.memory_limit * 2**30))

    def budget(self) -> float:
        return self.time_budget or 120 + 50 * self.timeout

    def job(self, plan: Plan, spare: bool = True) -> dict[str, Any]:
        """``plan``'s job, run with this grading's limits, sandbox, time budget and figures."""
        return plan.job(self.limits(), self.sandbox, self.budget(), spare, self.draw_figures)

    def plan(self, nb: NotebookNode, info: dict, seed: int | None = None) -> Plan:
        source = read_source(self.source_directory, info["assignment"], info["notebook"])
        return Plan(nb, source, self.timeout, secrets.randbits(62) if seed is None else seed)

    def preprocess(self, nb: NotebookNode, resources: ResourcesDict) -> tuple[NotebookNode, ResourcesDict]:
        info = resources["nbgrader"]
        done = self._precomputed(info)
        plan = self.plan(nb, info, None if done is None else done["seed"])
        job = self.job(plan)
        if done is None or done["job"]["steps"] != job["steps"]:
            done = {"seed": plan.seed, "job": job, "answer": worker.execute_job(job)}
        results = worker.results_from_data(done["answer"], plan.steps)
        observations = self._apply(nb, plan, results)
        answer = done["answer"]
        record = {"restarts": answer["restarts"], "seconds": answer["seconds"], "exercises": []}
        for cell in nb.cells:
            if _grade_id(cell) in plan.tests and cell.cell_type == "code":
                test = plan.tests[_grade_id(cell)]
                cell.outputs = verdict_outputs(test, observations.get(test.grade_id, {}), plan.seed,
                                               notes=observations.get(("notes", test.grade_id), {}))
                record["exercises"].append(exercise_record(cell))
        self._save_record(info, record)
        return nb, resources

    def _precomputed(self, info: dict) -> dict | None:
        if not self.work_directory:
            return None
        path = Path(self.work_directory) / "executions" / info["student"] / f"{info['notebook']}.json"
        try:
            done = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError):
            return None
        path.unlink()
        return done

    def _save_record(self, info: dict, record: dict) -> None:
        """Per exercise, what was decided (for the class report): ``verdicts/<student>/<notebook>.json``."""
        if not self.work_directory:
            return
        folder = Path(self.work_directory) / "verdicts" / info["student"]
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{info['notebook']}.json").write_text(json.dumps(record))

    @staticmethod
    def _apply(nb: NotebookNode, plan: Plan, results: list[Result]) -> dict:
        """Put each student cell's outputs in place; collect the harvests' observations."""
        observations: dict[Any, Any] = {}
        count = 0
        for result in results:
            kind, name = result.step.key
            outputs = [out for out in result.outcome.outputs if MIME not in out.get("data", {})]
            if result.note:
                outputs.append(fault_output(result.note))
            if kind in ("public", "hidden"):
                payload = _payload(result.outcome.outputs, name, kind)
                if payload is not None:
                    observations.setdefault(name, {})[kind] = payload
                if result.note:
                    observations.setdefault(("notes", name), {})[kind] = result.note
            if kind in ("public", "cell"):
                count += 1
                cell = nb.cells[plan.cells[result.step.key]]
                cell.execution_count = count
                if kind == "cell":
                    cell.outputs = outputs
        return observations


def _payload(outputs: list[NotebookNode], grade_id: str, phase: str) -> dict | None:
    """The last observations of ``phase`` for ``grade_id`` among a harvest's outputs."""
    found = None
    for out in outputs:
        text = out.get("data", {}).get(MIME)
        if not isinstance(text, str):
            continue
        try:
            payload = json.loads(text)
        except (ValueError, RecursionError):  # not JSON, or an integer of 4 300+ digits
            continue
        if (isinstance(payload, dict) and payload.get("cell") == grade_id and payload.get("phase") == phase
                and isinstance(payload.get("calls"), dict)):
            found = payload
    return found


# --- verdicts ---------------------------------------------------------------------------------


def _verdict(test: TestCell, call_index: int, observed: dict, hidden: bool, seed: int,
             note: str | None) -> tuple[bool, str]:
    call = test.calls[call_index]
    phase = "hidden" if hidden else "public"
    payload = observed.get(phase)
    if payload is None:
        why = note or ("the check did not run (an earlier cell stopped the kernel, or the harvest "
                       "was tampered with)")
        return False, f"`{call.check}` could not be checked on the {phase} cases: {why}"
    observations = payload["calls"].get(str(test.index(call)))
    try:
        check = getattr(importlib.import_module(f"course_lib.checks.{test.module}"), call.check)
        return check.verdict(observations, hidden=hidden, seed=seed if hidden else None, reveal=not hidden)
    except Exception as exc:  # noqa: BLE001 - a malformed observation fails the call, never the run
        return False, f"`{call.check}`: the grader could not read the results ({type(exc).__name__}: {exc})"


def exercise_record(cell: NotebookNode) -> dict:
    """What a graded test cell says, as data: passed or not, and the hints it gave."""
    text = "\n".join(str(out.get("text", "")) + str(out.get("evalue", "")) for out in cell.outputs)
    hints = sorted({line.removeprefix("Hint: ").strip() for line in text.splitlines()
                    if line.startswith("Hint: ")})
    passed = not any(out.output_type == "error" for out in cell.outputs)
    return {"grade_id": _grade_id(cell), "points": float(cell.metadata["nbgrader"].get("points", 0)),
            "passed": passed, "hints": hints}


def verdict_outputs(test: TestCell, observed: dict, seed: int,
                    notes: dict | None = None) -> list[NotebookNode]:
    """The test cell's outputs: ✓ lines, or an error output with every diagnosis."""
    notes = notes or {}
    lines, passed = [], True
    for index, call in enumerate(test.calls):
        if call.hidden and "public" not in observed and not passed:
            continue  # the public check already says why nothing could be checked
        ok, message = _verdict(test, index, observed, call.hidden, seed, notes.get(
            "hidden" if call.hidden else "public"))
        passed = passed and ok
        if message not in lines:
            lines.append(message)
    text = "\n".join(lines)
    if passed:
        return [nbformat.v4.new_output("stream", name="stdout", text=text + "\n")]
    return [nbformat.v4.new_output("error", ename="AssertionError", evalue=text, traceback=text.splitlines())]
