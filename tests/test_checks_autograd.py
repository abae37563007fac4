"""Every lesson-04 check accepts the reference, rejects each known mistake with its hint, and grades
code written the way students write it (a micrograd-style engine with closures, other valid orders).

Each check runs in two halves (:mod:`course_lib.checks.core`): ``observe`` where the student's code
runs, ``verdict`` in the grader. Here both halves are also run apart, with the observations sent
through :mod:`course_lib.checks.wire` as JSON; with the answer key switched off, as in the sandbox;
and on garbage a hostile student could send instead."""

from __future__ import annotations

import math
import re
import sys
import time

import numpy as np
import pytest

from course_lib import autograd
from course_lib.checks import autograd as checks
from course_lib.checks import core, programs, recursion, slowness, topological, wire
from course_lib.checks import engine as engine_module
from course_lib.checks import training_step as training_module
from course_lib.checks.answer_key import AnswerKeyUnavailable
from course_lib.checks.coerce import CoercionError

from .notebooks import notebook_function, run_solutions

CHECKS = checks.CHECKS
MISTAKES = [(name, mistake) for name, check in CHECKS.items() for mistake in check.mistakes]
PROGRAM_CHECKS = ("topological_order", "backward", "Value")
GRAPH_CHECKS = (*PROGRAM_CHECKS, "train_step")
"""Checks whose cases are programs or training runs (slow to run in full on hidden cases)."""


def course_leaf(name: str, value: float) -> autograd.Value:
    return autograd.Value(value)


# --- student code: correct answers, written as students write them -------------------------------


def kahn_order(root):
    """A valid order that is not depth-first: leaves first, by counting each node's unmet inputs."""
    nodes, stack = {root}, [root]
    while stack:
        for parent in stack.pop()._parents:
            if parent not in nodes:
                nodes.add(parent)
                stack.append(parent)
    waiting = {node: len(set(node._parents)) for node in nodes}
    users = {node: [] for node in nodes}
    for node in nodes:
        for parent in set(node._parents):
            users[parent].append(node)
    ready = [node for node in nodes if waiting[node] == 0]
    order = []
    while ready:
        node = ready.pop()
        order.append(node)
        for user in users[node]:
            waiting[user] -= 1
            if waiting[user] == 0:
                ready.append(user)
    return order


_L04 = "04_autograd_engine"
student_order = run_solutions(_L04, ("topological_order",))["topological_order"]
"""The notebook's solution: depth first with an explicit stack (deterministic, unlike kahn_order)."""


def student_backward(root):
    order = student_order(root)
    root.grad = 1
    for node in order[::-1]:
        for parent, local_grad in zip(node._parents, node._local_grads, strict=True):
            parent.grad += local_grad * node.grad


def student_engine(bug: str | None = None, prev=set):
    """A micrograd-style engine (closures, an `_prev` set), as a student would write it, with an
    optional typical bug. (``prev=ordered`` keeps a node's inputs in order: the same sums in the
    same order on every run.)"""

    class Value:
        def __init__(self, data, _children=(), _op=""):
            self.data = data
            self.grad = 0
            self._backward = lambda: None
            self._prev = prev(_children)
            self._op = _op

        def __add__(self, other):
            other = other if isinstance(other, Value) else Value(other)
            out = Value(self.data + other.data, (self, other), "+")

            def _backward():
                if bug == "equals":
                    self.grad = out.grad
                    other.grad = out.grad
                else:
                    self.grad += out.grad
                    other.grad += out.grad
            out._backward = _backward
            return out

        def __mul__(self, other):
            other = other if isinstance(other, Value) else Value(other)
            out = Value(self.data * other.data, (self, other), "*")

            def _backward():
                if bug == "equals":
                    self.grad = other.data * out.grad
                    other.grad = self.data * out.grad
                else:
                    self.grad += other.data * out.grad
                    other.grad += self.data * out.grad
            out._backward = _backward
            return out

        def __pow__(self, other):
            out = Value(self.data**other, (self,), f"**{other}")

            def _backward():
                factor = 1 if bug == "pow" else other
                self.grad += factor * self.data ** (other - 1) * out.grad
            out._backward = _backward
            return out

        def relu(self):
            out = Value(0 if self.data < 0 else self.data, (self,), "ReLU")

            def _backward():
                self.grad += (1 if bug == "relu" else (out.data > 0)) * out.grad
            out._backward = _backward
            return out

        def tanh(self):
            t = math.tanh(self.data)
            out = Value(t, (self,), "tanh")

            def _backward():
                self.grad += (1 - t**2) * out.grad
            out._backward = _backward
            return out

        def backward(self):
            topo, visited = [], set()
            if bug == "recursive":
                def build(v):
                    if v not in visited:
                        visited.add(v)
                        for child in v._prev:
                            build(child)
                        topo.append(v)
                build(self)
            else:
                stack = [(self, False)]
                while stack:
                    node, expanded = stack.pop()
                    if expanded:
                        topo.append(node)
                    elif node not in visited:
                        visited.add(node)
                        stack.append((node, True))
                        stack.extend((child, False) for child in node._prev if child not in visited)
            self.grad = 1
            for v in (topo if bug == "order" else reversed(topo)):
                v._backward()

        def __neg__(self):
            return self * -1

        def __radd__(self, other):
            return self + other

        def __sub__(self, other):
            return self + (-other)

        def __rsub__(self, other):
            return other + (-self)

        def __rmul__(self, other):
            return self * other

        def __truediv__(self, other):
            return self * other**-1

        def __rtruediv__(self, other):
            return other * self**-1

    return Value


def ordered(children):
    return tuple(dict.fromkeys(children))


def student_train_step(model, X, y, learning_rate):
    loss, accuracy = autograd.hinge_loss(model, X, y)
    model.zero_grad()
    loss.backward()
    for p in model.parameters():
        p.data -= learning_rate * p.grad
    return loss.data, accuracy


def reuse():
    a = autograd.Value(3.0)
    return a, a + a


STUDENT = {
    "counterexample": reuse,
    "add_local_grads": lambda a, b: (1.0, 1.0),
    "mul_local_grads": lambda a, b: (b, a),
    "pow_local_grad": lambda x, n: n * x ** (n - 1),
    "relu_local_grad": lambda x: 1.0 if x > 0 else 0.0,
    "tanh_local_grad": lambda x: 1 - math.tanh(x) ** 2,
    "topological_order": student_order,
    "backward": student_backward,
    "Value": student_engine(prev=ordered),
    "train_step": student_train_step,
}
"""A correct answer to each check, that uses nothing of the answer key."""


def reference(name: str):
    """The course's own answer (for ``Value``, which refuses the course's engine, and for the
    counterexample, which the course does not hold: a student's)."""
    return STUDENT[name] if name in ("Value", "counterexample") else getattr(autograd, name)


def round_trip(check, student, hidden: bool = False) -> tuple[bool, str]:
    """Observe, send the observations through JSON as the sandbox does, and judge them."""
    text = wire.dumps(check.observe(student, hidden=hidden))
    return check.verdict(wire.loads(text), hidden=hidden)


# --- every check: the reference passes, each mistake fails with its hint ------------------------


@pytest.mark.parametrize(("name", "mistake"), [m for m in MISTAKES if m[0] in GRAPH_CHECKS])
def test_each_known_mistake_of_a_graph_exercise_is_wrong_on_hidden_programs_too(name, mistake):
    """On the hidden cases but the slow deep chain, the mistake fails several. The recursion
    mistake can only show on the deep chain."""
    check = CHECKS[name]
    cases = check.cases(hidden=True)
    recursive = "recursive" in mistake.hint
    cases = cases[-1:] if recursive else cases[:-1]
    failures = core.judge(check, cases, core.observe(check, mistake.implementation, cases))
    assert len(failures) >= (1 if recursive else 3)


def test_the_four_named_typical_wrong_answers_have_their_hints():
    hints = {name: [m.hint for m in CHECKS[name].mistakes] for name in CHECKS}
    assert any("`+=`" in h and "overwrites" in h for h in hints["backward"])
    assert any("`+=`" in h for h in hints["Value"])
    assert any("reverse" in h for h in hints["backward"]) and any("reverse" in h for h in hints["Value"])
    assert any("starts with the root" in h for h in hints["topological_order"])
    assert any("negative inputs" in h for h in hints["relu_local_grad"])
    assert any("negative inputs" in h for h in hints["Value"])
    assert any("exponent" in h for h in hints["pow_local_grad"])
    assert any("left out n" in h for h in hints["Value"])


def test_the_answer_key_names_the_course_s_answers_and_the_exercises():
    assert set(checks.ANSWER_KEY.values()) - {None} == {
        "add_local_grads", "mul_local_grads", "pow_local_grad", "relu_local_grad", "tanh_local_grad",
        "topological_order", "backward", "train_step"}
    for dotted in checks.ANSWER_KEY:
        obj = autograd
        for part in dotted.removeprefix("course_lib.autograd.").split("."):
            obj = getattr(obj, part)
        assert callable(obj), dotted
    assert checks.ANSWER_KEY["course_lib.autograd.Value.backward"] == "backward"
    assert checks.ANSWER_KEY["course_lib.autograd.train_classifier"] is None


# --- the two halves apart: plain data across the wall ---------------------------------------------


class RiggedFloat(float):
    """A float that claims to equal everything and to be the right answer."""

    def __eq__(self, other):
        return True

    def __float__(self):
        return 12345.0

    __hash__ = float.__hash__


class RiggedList(list):
    """A list that claims to be any list, and iterates over another one."""

    def __init__(self, shown, held):
        super().__init__(held)
        self.shown = shown

    def __eq__(self, other):
        return True

    def __iter__(self):
        return iter(self.shown)

    def __len__(self):
        return len(self.shown)

    __hash__ = None


def test_a_rigged_list_cannot_pass_for_a_topological_order():
    def rigged(root):
        return RiggedList(autograd.topological_order(root), held=[])

    passed, message = round_trip(checks.topological_order, rigged)
    assert not passed and "nodes are missing" in message


def test_rigged_gradients_are_read_as_what_they_hold():
    def rigged(root):
        student_backward(root)
        for node in kahn_order(root):
            if not node._parents:
                node.grad = RiggedFloat(0.0)

    passed, message = round_trip(checks.backward, rigged)
    assert not passed and "got 0.0" in message


def test_an_engine_whose_numbers_are_not_numbers_is_named():
    class Opaque:
        def __eq__(self, other):
            return True

        def __float__(self):
            return 1.0

        def __add__(self, other):
            return self

        __radd__ = __add__
        __hash__ = None

    class Value(student_engine()):
        @property
        def grad(self):
            return Opaque()

        @grad.setter
        def grad(self, value):
            pass

    passed, message = round_trip(checks.engine, Value)
    assert not passed and "a.grad: expected a single number, got a Opaque" in message


def test_a_rigged_loss_in_a_training_step_is_read_as_what_it_holds():
    def rigged(model, X, y, learning_rate):
        loss, accuracy = student_train_step(model, X, y, learning_rate)
        return RiggedFloat(0.0), accuracy

    passed, message = round_trip(checks.train_step, rigged)
    assert not passed and "the loss returned by call 1: expected" in message


class Unreadable:
    def __iter__(self):
        raise KeyError("no parents for you")


class Hostile:
    """A node-like object that raises when its inputs are read (or even looked up)."""

    data = 1.0
    grad = 0.0
    _local_grads = (1.0,)
    _parents = Unreadable()


class Touchy(Hostile):
    @property
    def _parents(self):
        raise KeyError("don't look")


@pytest.mark.parametrize(("node", "message"), [
    (Hostile, "counterexample(): the graph of out cannot be read: KeyError('no parents for you')."),
    (Touchy, "counterexample(): counterexample() must return a pair (x, out) of Values; it returned ("),
])
def test_a_hostile_counterexample_is_an_invalid_observation_not_a_crash(node, message):
    observations = checks.counterexample.observe(lambda: (node(), node()))
    assert list(observations[0]) == ["invalid"]
    wire.dumps(observations)
    passed, said = checks.counterexample.verdict(observations)
    assert not passed and said.startswith(message)


def answer_key_off(monkeypatch):
    """Every entry of ANSWER_KEY replaced by a function that raises, as in the sandbox."""
    def switched_off(*args, **kwargs):
        raise AnswerKeyUnavailable("switched off")

    for dotted in checks.ANSWER_KEY:
        *owner_path, name = dotted.removeprefix("course_lib.autograd.").split(".")
        owner = autograd
        for part in owner_path:
            owner = getattr(owner, part)
        monkeypatch.setattr(owner, name, switched_off)


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_cases_and_observations_do_not_use_the_answer_key(name, monkeypatch):
    """No cascade, no crash: with the course's answers switched off (as in the sandbox), the cases
    and a correct student's observations are exactly what they are with them."""
    check = CHECKS[name]
    student = STUDENT[name]
    with_key = [check.observe(student), check.observe(student, hidden=True, seed=123)]
    cases = check.cases(hidden=True, seed=123)
    answer_key_off(monkeypatch)
    with pytest.raises(AnswerKeyUnavailable):
        autograd.Value(1.0).backward()
    assert check.cases(hidden=True, seed=123) == cases
    assert [check.observe(student), check.observe(student, hidden=True, seed=123)] == with_key
    assert all("value" in observation for observations in with_key for observation in observations)


def garbage(n: int) -> list:
    """Observation lists a hostile student could send instead of ``n`` honest ones."""
    each = [None, "x", 1e308, 10**400, -1, [], [[1, 2], "a"], [("a.grad", 1.0)], {"tuple": ["out", 1.0]},
            {"dict": {"order": [1, "a"], "stranger": 3}},
            {"dict": {"order": [10**30, -5, 3], "stranger": ""}},
            {"dict": {"order": [0.5], "stranger": ""}}, "recursion",
            {"array": [1.0, 2.0], "dtype": "object", "shape": [2]},
            {"array": [1.0, 2.0], "dtype": "<U3", "shape": [2]},
            {"array": [1e308] * 4, "dtype": "<f8", "shape": [2, 2]},
            [{"tuple": ["out", 10**400]}], [{"tuple": [5, 1.0]}] * 3, [{"tuple": ["a.grad", "1.0"]}],
            {"dict": {"x": 1, "data": [1.0, 2.0], "local_grads": [[1.0], []], "parents": [[1], []]}},
            {"dict": {"x": 1, "data": [1.0, 2.0], "local_grads": [[1.0, 2.0], []], "parents": [[1], []]}},
            {"dict": {"x": 1, "data": [1.0, 2.0], "local_grads": [[1.0], []], "parents": [[7], []]}},
            {"dict": {"x": 1, "data": [1.0, 2.0], "local_grads": [[10**400], []], "parents": [[1], []]}},
            {"dict": {"x": 1, "data": [1.0, 1.0], "local_grads": [[2.0], [3.0]], "parents": [[1], [0]]}},
            {"dict": {"x": 1, "data": [], "local_grads": [], "parents": []}}]
    lists = [None, "x", [], [None] * n, [{}] * n, [{"stop": 5}], [{"stop": "not written"}] * 2,
             [{"raised": 5}] * n, [{"invalid": None}] * n, [{"value": 1.0}] * (n + 1)]
    return lists + [[{"value": value}] * n for value in each]


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_the_verdict_survives_garbage_observations(name):
    """Fails each, never raises. (Hidden cases only where that is quick: on the graph exercises,
    well-formed garbage is diagnosed on the chain of 100 000.)"""
    check = CHECKS[name]
    for hidden in (False, True) if name not in GRAPH_CHECKS else (False,):
        n = len(check.cases(hidden=hidden, seed=5))
        for observations in garbage(n):
            passed, message = check.verdict(observations, hidden=hidden, seed=5, reveal=not hidden)
            assert passed is False and isinstance(message, str) and message, (name, observations)


# --- the programs themselves: well posed, and PyTorch's answers confirmed independently ------


def all_programs():
    programs_ = {case.args[0] for name in PROGRAM_CHECKS for hidden in (False, True)
                 for case in CHECKS[name].cases(hidden)}
    return sorted(programs_, key=repr)


@pytest.mark.parametrize("program", all_programs(), ids=lambda p: repr(p)[:60])
def test_torch_answers_agree_with_central_differences_and_the_course_engine(program):
    expected = dict(programs.torch_answer(program))
    out, scope = programs.run_program(program, course_leaf)
    relu_inputs = [n._parents[0].data for n in autograd.topological_order(out) if n._op == "ReLU"]
    assert all(abs(x) >= 0.05 for x in relu_inputs), "ReLU inputs must stay away from the kink"
    out.backward()
    assert out.data == pytest.approx(expected["out"], rel=1e-9)
    delta = 1e-6
    for i, (name, _) in enumerate(program.leaves):
        assert scope[name].grad == pytest.approx(expected[f"{name}.grad"], rel=1e-9, abs=1e-12)

        def shifted(step, i=i):
            leaves = tuple((n, v + step if j == i else v) for j, (n, v) in enumerate(program.leaves))
            moved = programs.Program(program.source, leaves)
            return programs.run_program(moved, course_leaf)[0].data

        numerical = (shifted(delta) - shifted(-delta)) / (2 * delta)
        grad = expected[f"{name}.grad"]
        assert abs(grad - numerical) <= 1e-5 * max(1.0, abs(grad)), (name, grad, numerical)


def test_the_micrograd_example_program_gives_the_readme_numbers():
    answer = dict(programs.torch_answer(programs.MICROGRAD_EXAMPLE))
    assert (f"{answer['out']:.4f}", f"{answer['a.grad']:.4f}", f"{answer['b.grad']:.4f}") == (
        "24.7041", "138.8338", "645.5773")


def test_hidden_programs_reuse_nodes_switch_relus_off_and_include_the_deep_chain():
    programs_ = [case.args[0] for case in CHECKS["Value"].cases(hidden=True)]
    sources = " ; ".join(p.source for p in programs_)
    for operation in ("+", " - ", "*", "/", "**", "relu()", "tanh()", "-d"):
        assert operation in sources, operation
    switched_off = 0
    for program in programs_[:-1]:
        out, _ = programs.run_program(program, course_leaf)
        nodes = autograd.topological_order(out)
        switched_off += any(n._op == "ReLU" and n._parents[0].data < 0 for n in nodes)
    assert switched_off >= 3
    assert "100 000" in repr(programs_[-1])
    rng = np.random.default_rng
    assert programs.random_program(rng(3)) == programs.random_program(rng(3))


def test_graph_nodes_numbers_nodes_breadth_first_and_is_no_topological_order():
    a, b = autograd.Value(1.0), autograd.Value(2.0)
    c = a * b
    out = a + c
    nodes = programs.graph_nodes(out)
    assert nodes == [out, a, c, b]
    assert checks.classify_order(out, nodes, {}).kind != checks.VALID
    assert checks.classify_order(out, nodes[::-1], {}).kind != checks.VALID
    assert programs.tokens(nodes) == {id(out): 0, id(a): 1, id(c): 2, id(b): 3}
    with pytest.raises(programs.GraphTooLarge):
        programs.graph_nodes(out, limit=3)


def test_the_course_power_rule_is_written_out_in_the_operator(monkeypatch):
    monkeypatch.setattr(autograd, "pow_local_grad", lambda x, n: 0.0)
    assert (autograd.Value(3.0) ** 2)._local_grads == (6.0,)
    assert (autograd.Value(0.0) ** 0.5)._local_grads == (math.inf,)
    assert (autograd.Value(0.0) ** 0)._local_grads == (0.0,)


# --- the topological order: any valid order passes; wrong ones are named ---------------------


def test_a_different_valid_order_passes(capsys):
    checks.topological_order(kahn_order)
    checks.topological_order(kahn_order, hidden=True)
    assert "✓ topological_order passes" in capsys.readouterr().out


def test_a_recursive_sort_is_told_to_use_a_stack():
    def topological_order(root):
        order, visited = [], set()

        def build(v):
            if v not in visited:
                visited.add(v)
                for child in v._parents:
                    build(child)
                order.append(v)

        build(root)
        return order

    with pytest.raises(AssertionError) as failure:
        checks.topological_order(topological_order)
    message = str(failure.value)
    assert message.startswith("topological_order on a chain of 10 000 additions")
    assert "`build` was called inside itself" in message
    assert f"Hint: {checks.RECURSIVE_HINT}" in message and "stack" in message
    chains = checks.topological_order.observe(topological_order)[-2:]
    assert [wire.decode(o["value"]) for o in chains] == [{"recursive": "build"}] * 2


def test_a_recursive_sort_with_the_recursion_limit_raised_is_still_recursive():
    """The notebook's own recursive sort, with ``sys.setrecursionlimit(1_000_000)`` run first: it
    finishes every chain, but the exercise asks for a sort without recursion."""
    namespace: dict = {}
    exec(notebook_function("04_autograd_engine", "topological_order_recursive"), namespace)  # noqa: S102
    topological_order = namespace["topological_order_recursive"]

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(1_000_000)
    try:
        assert len(topological_order(programs.course_graph(programs.chain(10_000))[0])) == 10_001
        with pytest.raises(AssertionError) as failure:
            checks.topological_order(topological_order)
    finally:
        sys.setrecursionlimit(limit)
    assert sys.getrecursionlimit() == limit
    assert "`place` was called inside itself" in str(failure.value)
    assert "Hint: your sort is recursive" in str(failure.value)


def test_recursion_outside_the_sort_is_no_reason_to_fail_an_iterative_one():
    """Only nesting counts: an iterative sort that calls a helper per node passes."""
    def topological_order(root):
        order, visited, stack = [], set(), [(root, False)]

        def push(node, done):
            stack.append((node, done))

        while stack:
            node, done = stack.pop()
            if done:
                order.append(node)
            elif node not in visited:
                visited.add(node)
                push(node, True)
                for parent in node._parents:
                    push(parent, False)
        return order

    checks.topological_order(topological_order)


list_visited_order = run_solutions(_L04, ("topological_order",), edits={"topological_order": (
    ("order, visited = [], set()", "visited.add(node)"), ("order, visited = [], []", "visited.append(node)"))}
)["topological_order"]
"""The notebook's iterative sort with a list as the visited set: right, and quadratic."""


def test_a_sort_with_a_list_as_visited_set_is_too_slow_and_told_why():
    """Measured on short chains before a long one runs (the 10 000 chain, or at the latest the
    public chain of 50 000, which such a sort cannot finish within the time limit)."""
    with pytest.raises(AssertionError) as failure:
        checks.topological_order(list_visited_order)
    message = str(failure.value)
    assert re.search(r"topological_order on a chain of (10|50) 000 additions \(x = x \+ a\) with a=0.5: too "
                     r"slow on a chain of (10|50) 000 operations: a chain of 1 250 took .*, 2 500 took .*, "
                     r"5 000 took .*, on average .* times as long for twice the nodes", message)
    assert "Is `visited` meant to be a list? Your code tests `… in visited`" in message
    assert "Hint:" not in message


def test_the_list_search_is_named_only_when_it_is_there():
    def shifting(root):  # quadratic too, but by list.insert(0, …), not by `in` on a list
        order, seen, stack = [], set(), [root]
        while stack:
            node = stack.pop()
            if id(node) not in seen:
                seen.add(id(node))
                order.insert(0, node)
                stack.extend(node._parents)
        return order

    root = programs.course_graph(programs.chain(300))[0]
    assert slowness.list_search(lambda: shifting(root)) is None
    said = slowness.list_search(lambda: list_visited_order(root))
    assert said is not None and said.startswith("Is `visited` meant to be a list?")
    assert slowness.membership_lists(lambda: list_visited_order(root)) == [("visited", 301)]


def test_a_linear_sort_is_never_measured_as_too_slow():
    def seconds(program):
        root = programs.course_graph(program)[0]
        return slowness.timed(lambda: autograd.topological_order(root))

    assert slowness.too_slow(seconds, programs.chain(100_000)) is None



def _measured(seconds_by_length):
    """A fake ``timed`` that answers with the given seconds per chain length."""
    return lambda program: seconds_by_length[slowness.operations(program)]


@pytest.mark.parametrize("seconds, slow", [
    ({1_250: 0.05, 2_500: 0.2, 5_000: 0.8}, True),  # quadratic: four times per doubling
    ({1_250: 0.05, 2_500: 0.29, 5_000: 0.78}, True),  # quadratic, one doubling measured at 2.7x (seen in CI)
    ({1_250: 0.01, 2_500: 0.02, 5_000: 0.04}, False),  # linear
    ({1_250: 0.01, 2_500: 0.035, 5_000: 0.04}, False),  # linear, one doubling measured at 3.5x
    ({1_250: 0.05, 2_500: 0.04, 5_000: 0.5}, False),  # shorter on a longer chain: noise, not a trend
    ({1_250: 0.001, 2_500: 0.004, 5_000: 0.016}, False),  # below the noise floor
])
def test_the_trend_is_judged_over_the_whole_span(seconds, slow):
    verdict = slowness.too_slow(_measured(seconds), programs.chain(100_000))
    assert (verdict is not None) == slow, verdict


def test_a_list_missing_the_leaves_is_named():
    def only_operations(root):
        return [node for node in autograd.topological_order(root) if node._parents]

    with pytest.raises(AssertionError, match="nodes are missing, e.g. the leaf a"):
        checks.topological_order(only_operations)


def test_returning_something_else_than_a_list_is_named():
    with pytest.raises(AssertionError, match="returned None, not a list of nodes"):
        checks.topological_order(lambda root: None)
    assert checks.topological_order.observe(lambda root: None)[0] == {
        "invalid": "returned None, not a list of nodes"}


def test_a_node_of_another_graph_is_named_as_it_looked():
    def with_a_stranger(root):
        return [*autograd.topological_order(root), autograd.Value(42.0)]

    with pytest.raises(AssertionError, match=re.escape("the list holds Value(data=42.0, grad=0.0), which is "
                                                       "not a node of this graph")):
        checks.topological_order(with_a_stranger)


def test_the_observed_order_is_tokens_of_the_breadth_first_numbering():
    program = programs.Program("c = a * b; out = c + a", (("a", 2.0), ("b", 3.0)))
    answer = topological._order_answer(kahn_order)(program)
    assert sorted(answer["order"]) == [0, 1, 2, 3] and answer["stranger"] == ""
    assert topological._order_verdict((program,), answer).kind == checks.VALID


def test_classify_order_names_each_kind_of_answer():
    a, b = autograd.Value(1.0, label="a"), autograd.Value(2.0, label="b")
    c = a * b
    out = c + a
    names = {id(a): "a", id(b): "b", id(c): "c", id(out): "out"}
    valid = autograd.topological_order(out)
    assert checks.classify_order(out, valid, names).kind == checks.VALID
    assert checks.classify_order(out, [b, a, c, out], names).kind == checks.VALID
    assert checks.classify_order(out, valid[::-1], names).kind == checks.OrderKind.REVERSED
    assert checks.classify_order(out, [a, c, b, out], names).detail.startswith("c (a '*' node) (position 1)")
    assert checks.classify_order(out, [a, a, b, c, out], names).kind == checks.OrderKind.DUPLICATES
    assert checks.classify_order(out, [a, c, out], names).kind == checks.OrderKind.MISSING
    stranger = autograd.Value(0)
    assert checks.classify_order(out, [a, b, c, out, stranger], names).kind == checks.OrderKind.STRANGER


# --- backward: the chain-rule pass on the course graph -----------------------------------------


def test_a_micrograd_style_engine_with_equals_gets_no_hint_that_does_not_reproduce_it():
    """With `=` the numbers depend on the graph's shape and the order of the walk; no known mistake
    reproduces this engine's on every case, so no hint is given (strict diagnosis)."""
    with pytest.raises(AssertionError) as failure:
        checks.engine(student_engine("equals"))
    assert "Hint:" not in str(failure.value)


def test_a_student_backward_using_equals_gets_the_accumulation_hint():
    """In the notebook's order (which the known mistake reproduces exactly)."""
    def topological_order(root):
        return student_order(root)

    def backward(root):
        root.grad = 1.0
        for node in reversed(topological_order(root)):
            for parent, local_grad in zip(node._parents, node._local_grads, strict=True):
                parent.grad = local_grad * node.grad

    with pytest.raises(AssertionError) as failure:
        checks.backward(backward)
    assert "b = a + a" in str(failure.value) and "`+=`" in str(failure.value)


def topological_order(root):
    """The name a student's ``backward`` calls (the notebook's solution of exercise 4)."""
    return student_order(root)


def test_a_backward_with_the_chain_rule_reversed_gets_no_false_hint():
    """``node.grad += local_grad * parent.grad`` after ``root.grad = 1.0``: every leaf stays at 0
    as with a missing seed, but the root is seeded, so that hint would be false."""
    def backward(root):
        root.grad = 1.0
        for node in reversed(topological_order(root)):
            for parent, local_grad in zip(node._parents, node._local_grads, strict=True):
                node.grad += local_grad * parent.grad

    with pytest.raises(AssertionError) as failure:
        checks.backward(backward)
    assert "a.grad: expected 138.834, got 0.0" in str(failure.value)
    assert "Hint:" not in str(failure.value)
    observed = wire.decode(checks.backward.observe(backward)[0]["value"])
    assert observed[-1] == ("out.grad", 1.0)


def test_a_backward_that_skips_a_parent_gets_no_false_hint():
    def backward(root):
        root.grad = 1.0
        for node in reversed(topological_order(root)):
            for parent, local_grad in zip(node._parents[:1], node._local_grads[:1], strict=True):
                parent.grad += local_grad * node.grad

    with pytest.raises(AssertionError) as failure:
        checks.backward(backward)
    assert "Hint:" not in str(failure.value)


def test_an_unseeded_backward_still_gets_its_hint():
    def backward(root):
        for node in reversed(topological_order(root)):
            for parent, local_grad in zip(node._parents, node._local_grads, strict=True):
                parent.grad += local_grad * node.grad

    with pytest.raises(AssertionError) as failure:
        checks.backward(backward)
    assert f"Hint: {checks.UNSEEDED_HINT}" in str(failure.value)


def test_a_recursive_backward_is_told_where_the_recursion_was():
    def backward(root):
        order, visited = [], set()

        def place(node):
            if node not in visited:
                visited.add(node)
                for parent in node._parents:
                    place(parent)
                order.append(node)

        place(root)
        root.grad = 1.0
        for node in reversed(order):
            for parent, local_grad in zip(node._parents, node._local_grads, strict=True):
                parent.grad += local_grad * node.grad

    with pytest.raises(AssertionError) as failure:
        checks.backward(backward)
    first = str(failure.value).splitlines()[0]
    assert first.startswith("backward on a chain of 10 000 additions (x = x + a) with a=0.5: raised "
                            "RecursionError: maximum recursion depth exceeded: `place` calls itself, one "
                            "call deeper for each node along a path")


def test_a_student_backward_may_not_call_the_course_backward():
    def backward(root):
        root.backward()

    with pytest.raises(AssertionError, match="write the backward pass yourself"):
        checks.backward(backward)


# --- the engine: a class written the way students write it ----------------------------------


def test_a_correct_micrograd_style_engine_passes(capsys):
    checks.engine(student_engine())
    checks.engine(student_engine(), hidden=True)
    assert capsys.readouterr().out.count("✓ Value passes") == 2


@pytest.mark.parametrize(("bug", "hint"), [
    ("order", "*reverse* topological order"),
    ("relu", "passes the gradient through for negative inputs"),
    ("pow", "you left out n"),
])
def test_a_micrograd_style_engine_with_a_typical_bug_gets_its_hint(bug, hint):
    with pytest.raises(AssertionError) as failure:
        checks.engine(student_engine(bug))
    assert hint in str(failure.value)


def test_a_recursive_engine_is_told_why_the_chain_fails():
    with pytest.raises(AssertionError) as failure:
        checks.engine(student_engine("recursive"))
    message = str(failure.value)
    assert "chain of 10 000" in message and "RecursionError" in message and "stack" in message


def test_the_course_engine_and_a_subclass_of_it_are_refused():
    class Mine(autograd.Value):
        __slots__ = ()

    for engine in (autograd.Value, Mine):
        with pytest.raises(AssertionError, match="cannot be graded: `Value` must be your own class: yours"):
            checks.engine(engine)


def test_an_engine_borrowing_the_course_s_methods_is_refused():
    class Borrower(student_engine()):
        __add__ = autograd.Value.__add__

    with pytest.raises(AssertionError, match="takes `__add__` from course_lib.autograd.Value"):
        checks.engine(Borrower)


def test_an_engine_built_on_the_check_s_own_engines_is_refused():
    class Fixed(checks.engine.mistakes[2].implementation):  # relu passes the gradient through
        def relu(self):
            return type(self)(max(0.0, self.data), (self,), (1.0 if self.data > 0 else 0.0,))

    with pytest.raises(AssertionError, match="takes `__init__` from an engine of course_lib.checks"):
        checks.engine(Fixed)
    with pytest.raises(AssertionError, match="an engine of course_lib.checks.engine"):
        checks.engine(engine_module.lesson_engine())


def test_a_function_making_course_values_is_refused_case_by_case():
    def Value(data):  # noqa: N802 - it stands for a class
        return autograd.Value(data)

    observations = checks.engine.observe(Value)
    assert all(o["raised"].startswith("AnswerKeyUnavailable: `Value` must be your own class: yours makes")
               for o in observations)
    assert not checks.engine.verdict(observations)[0]


def test_an_answer_that_is_not_a_number_is_named():
    with pytest.raises(CoercionError, match="a.grad: expected a single number, got a Value"):
        programs.as_named_floats([("out", 1.0), ("a.grad", autograd.Value(2.0))])


def test_an_operator_recursing_forever_is_named_not_blamed_on_a_sort():
    """``a / b = a * (1 / b)`` with ``1 / b = Value(1) / b``: the two methods call each other."""
    Value = run_solutions(  # the notebook's engine, with that one line changed
        "04_autograd_engine", ("topological_order", "backward", "Value"), {"math": math},
        edits={"Value": ("return self * other**-1", "return self * (1 / other)")})["Value"]

    with pytest.raises(AssertionError) as failure:
        checks.engine(Value)
    message = str(failure.value)
    assert message.startswith("Value on micrograd's README example")
    assert ("raised RecursionError: maximum recursion depth exceeded: `Value.__truediv__` → "
            "`Value.__rtruediv__` → `Value.__truediv__` call each other over and over without end") in message
    assert "sort" not in message and "stack" not in message and "Hint:" not in message


def test_the_recursion_in_a_traceback_is_found_by_its_repeating_tail():
    def countdown(n):
        return countdown(n - 1)  # no base case

    with pytest.raises(RecursionError) as endless:
        countdown(3)
    loop = recursion.recursion_loop(endless.value)
    assert loop == recursion.Loop(("countdown",), walks_graph=False)
    assert recursion.recursion_problem(endless.value).endswith("`countdown` calls itself over and over "
                                                                "without end (each call makes the next one, "
                                                                "not one per node of the graph)")

    def place(node):
        for parent in node._parents:
            place(parent)

    deep = programs.course_graph(programs.chain(5_000))[0]
    with pytest.raises(RecursionError) as walk:
        place(deep)
    assert recursion.recursion_loop(walk.value) == recursion.Loop(("place",), walks_graph=True)


def test_a_failure_names_the_program_and_the_gradient():
    with pytest.raises(AssertionError) as failure:
        checks.engine(student_engine("equals"))
    first_line = str(failure.value).splitlines()[0]
    assert first_line.startswith("Value on micrograd's README example")
    assert "a.grad: expected 138.834" in first_line


# --- the counterexample: a graph on which `=` for `+=` goes wrong -------------------------------


def square():
    a = autograd.Value(3.0)
    return a, a * a


def relu_switched_off_written_last():
    a = autograd.Value(-1.0)
    return a, a.relu() + a


def already_backpropagated():
    a = autograd.Value(3.0)
    out = a * a
    out.backward()
    return a, out


def student_value_class():
    """A minimal engine of the lesson's shape: _parents and _local_grads, no closures."""

    class Value:
        def __init__(self, data, _parents=(), _local_grads=()):
            self.data, self.grad, self._parents, self._local_grads = data, 0.0, _parents, _local_grads

        def __add__(self, other):
            return Value(self.data + other.data, (self, other), (1.0, 1.0))

        def __mul__(self, other):
            return Value(self.data * other.data, (self, other), (other.data, self.data))

    return Value


def with_the_lesson_shaped_engine():
    Value = student_value_class()  # noqa: N806 - a class
    a, b = Value(1.5), Value(-2.0)
    return a, a * b + a


@pytest.mark.parametrize("answer", [reuse, square, relu_switched_off_written_last, already_backpropagated,
                                    with_the_lesson_shaped_engine])
def test_a_graph_that_exposes_the_bug_passes_public_and_hidden(answer, capsys):
    checks.counterexample(answer)
    checks.counterexample(answer, hidden=True)
    out = capsys.readouterr().out
    assert out.count("✓ counterexample passes") == 2
    assert round_trip(checks.counterexample, answer, hidden=True)[0]


def test_the_counterexample_is_called_twice_per_case_and_observed_as_its_graph():
    calls = []

    def counted():
        calls.append(1)
        return reuse()

    observations = checks.counterexample.observe(counted, hidden=True)
    assert len(calls) == 4
    graph = {"x": 1, "data": [6.0, 3.0], "local_grads": [[1.0, 1.0], []], "parents": [[1, 1], []]}
    assert observations == [{"value": wire.encode(graph)}] * 2


X_ONCE = autograd.Value(3.0)
OUT_ONCE = X_ONCE + X_ONCE


def test_a_graph_built_once_outside_the_function_is_refused_with_the_reason():
    """The same (x, out) on every call: the check says so, and gives no hint (no known mistake)."""
    def counterexample():
        return X_ONCE, OUT_ONCE

    for hidden in (False, True):
        with pytest.raises(AssertionError) as failure:
            checks.counterexample(counterexample, hidden=hidden)
        message = str(failure.value)
        assert message.startswith("counterexample(): it returned the very same x and out on two calls: it "
                                  "must build a new graph each time it is called")
        assert "which is right" not in message and "Hint:" not in message


def no_reuse():
    x, w = autograd.Value(2.0), autograd.Value(3.0)
    return x, x * w


def zero_contributions():
    x = autograd.Value(0.0)
    return x, x * x


def reuse_off_the_path():
    x, w = autograd.Value(2.0), autograd.Value(3.0)
    return x, x * (w + w)


@pytest.mark.parametrize(("answer", "hint"), [
    (no_reuse, checks.NO_REUSE_HINT),
    (zero_contributions, checks.COINCIDE_HINT),
    (reuse_off_the_path, checks.OFF_PATH_HINT),
])
def test_a_graph_that_does_not_expose_the_bug_gets_the_reason(answer, hint):
    with pytest.raises(AssertionError) as failure:
        checks.counterexample(answer)
    message = str(failure.value)
    assert message.startswith("counterexample(): assigning_backward gives ∂out/∂x =")
    assert "which is right: the graph does not show the bug." in message
    assert f"Hint: {hint}" in message
    assert round_trip(checks.counterexample, answer) == (False, message)


def test_the_no_reuse_hint_names_the_b_equals_a_plus_a_case():
    assert "b = a + a" in checks.NO_REUSE_HINT and "`=`" in checks.NO_REUSE_HINT


def order_dependent():
    """x feeds p (local derivative 0) and q (3): `=` is right or wrong depending on which write is
    last, so the course order exposes the bug and the order with reversed inputs does not."""
    x, zero = autograd.Value(2.0), autograd.Value(0.0)
    return x, x * zero + x * 3.0


def test_the_hidden_run_also_tries_another_valid_order():
    checks.counterexample(order_dependent)
    with pytest.raises(AssertionError) as failure:
        checks.counterexample(order_dependent, hidden=True)
    assert "another valid order" in str(failure.value)
    assert checks.COINCIDE_HINT in str(failure.value)


def depth_first_inputs_reversed(root):
    """The second order as the check used to compute it: depth first, inputs last to first."""
    order, visited = [], {root}
    stack = [(root, iter(root._parents[::-1]))]
    while stack:
        node, parents = stack[-1]
        for parent in parents:
            if parent not in visited:
                visited.add(parent)
                stack.append((parent, iter(parent._parents[::-1])))
                break
        else:
            stack.pop()
            order.append(node)
    return order


@pytest.mark.parametrize("answer", [order_dependent, with_the_lesson_shaped_engine, square])
def test_the_other_order_is_a_valid_topological_order_different_from_the_course_one(answer):
    x, out = answer()
    other = checks.order_inputs_reversed(out)
    assert other == depth_first_inputs_reversed(out)
    if isinstance(out, autograd.Value):
        assert checks.classify_order(out, other, {}).kind == checks.VALID
    if answer is order_dependent:
        assert other != autograd.topological_order(out)


def test_assigning_backward_keeps_only_the_last_contribution():
    a = autograd.Value(3.0)
    b = a + a
    checks.assigning_backward(b)
    assert a.grad == 1.0


@pytest.mark.parametrize(("answer", "message"), [
    (lambda: None, "it returned None (did you forget `return`?)"),
    (lambda: autograd.Value(1.0), "must return a pair (x, out) of Values"),
    (lambda: (1.0, 2.0), "must return a pair (x, out) of Values"),
    (lambda: (lambda out: (out, out))(autograd.Value(1.0) * 2), "returned out itself as x"),
    (lambda: (autograd.Value(1.0), autograd.Value(2.0) * 2), "x is not part of the graph of out"),
    (lambda: 1 / 0, "counterexample(): raised ZeroDivisionError"),
])
def test_a_malformed_answer_is_named(answer, message):
    with pytest.raises(AssertionError, match=re.escape(message)):
        checks.counterexample(answer)


def test_a_graph_too_large_or_with_unreadable_numbers_is_named():
    def huge():
        a = autograd.Value(1.0)
        x = a
        for _ in range(checks.LARGEST_GRAPH):
            x = x + 1.0
        return a, x

    def values_as_local_grads():
        Value = student_value_class()  # noqa: N806 - a class
        a = Value(2.0)
        out = a + a
        out._local_grads = (a, a)
        return a, out

    with pytest.raises(AssertionError, match="more than 20 000 nodes; a few nodes are enough"):
        checks.counterexample(huge)
    with pytest.raises(AssertionError, match="a local derivative: expected a single number, got a Value"):
        checks.counterexample(values_as_local_grads)


# --- train_step: one step of gradient descent with the engine ----------------------------------


def step_written_another_way(model, X, y, learning_rate):
    loss, accuracy = autograd.hinge_loss(model, X, y)
    loss.backward()
    for p in model.parameters():
        p.data = p.data - learning_rate * p.grad
    model.zero_grad()  # zeroing after the step is as good as before the next one
    return float(loss.data), accuracy


def test_a_step_written_another_way_passes(capsys):
    checks.train_step(step_written_another_way)
    checks.train_step(step_written_another_way, hidden=True)
    assert capsys.readouterr().out.count("✓ train_step passes") == 2


def test_the_hidden_training_cases_include_a_run_that_reaches_full_accuracy():
    case = checks.train_step.cases(hidden=True)[-1]
    answer = dict(checks.train_step.reference(*case.args))
    assert answer[f"the accuracy returned by call {case.args[0].steps}"] == 1.0


def test_the_training_network_has_a_backward_of_its_own_equal_to_the_course_s(monkeypatch):
    X, y = training_module.Training("two_moons", 12, 0, (4, 4, 1), 0, 0.5, 3).dataset()
    course = autograd.MLP(2, [4, 4, 1], rng=0)
    loss, _ = autograd.hinge_loss(course, X, y)
    loss.backward()
    loss.backward()  # leaves accumulate, interior nodes start again
    answer_key_off(monkeypatch)
    value_type = training_module._training_value_type()
    model = autograd.MLP(2, [4, 4, 1], rng=0, value_type=value_type)
    loss, _ = autograd.hinge_loss(model, X, y)
    assert type(loss) is value_type
    loss.backward()
    loss.backward()
    for p, q in zip(model.parameters(), course.parameters(), strict=True):
        assert p.grad == pytest.approx(q.grad, rel=1e-12, abs=1e-15)
    assert value_type is not training_module._training_value_type()


def test_returning_the_loss_value_instead_of_its_number_is_named():
    def returns_the_value(model, X, y, learning_rate):
        loss, accuracy = autograd.hinge_loss(model, X, y)
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        return loss, accuracy

    with pytest.raises(AssertionError, match=re.escape("is a Value: return its number, loss.data")):
        checks.train_step(returns_the_value)


@pytest.mark.parametrize(("result", "message"), [
    (None, "it returned None (did you forget `return`?)"),
    (0.5, "must return the pair (loss, accuracy); it returned 0.5"),
])
def test_a_result_that_is_not_a_pair_is_named(result, message):
    with pytest.raises(AssertionError, match=re.escape(message)):
        checks.train_step(lambda model, X, y, learning_rate: result)


def test_a_training_case_describes_the_model_the_data_and_the_calls():
    case = checks.train_step.cases()[0]
    text = case.describe("train_step", ("training",))
    assert text == ("train_step, 3 calls with learning_rate=0.5, model = MLP(2, [4, 4, 1], rng=0), "
                    "X, y = two_moons(12, seed=0)")


# --- cost: what grading a lesson-04 submission takes ------------------------------------------


def test_public_verdicts_of_a_correct_submission_take_seconds_not_minutes():
    start = time.perf_counter()
    for name, check in CHECKS.items():
        assert check.verdict(check.observe(STUDENT[name]))[0], name
    assert time.perf_counter() - start < 60

