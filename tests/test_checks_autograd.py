"""Every lesson-04 check accepts the reference, rejects each known mistake with its hint, and grades
code written the way students write it (a micrograd-style engine with closures, other valid orders)."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from course_lib import autograd
from course_lib.checks import autograd as checks
from course_lib.checks.core import Check

CHECKS = checks.CHECKS
MISTAKES = [(name, mistake) for name, check in CHECKS.items() for mistake in check.mistakes]
PROGRAM_CHECKS = ("topological_order", "backward", "Value")
ADAPTED_CHECKS = (*PROGRAM_CHECKS, "train_step")
"""Checks whose mistakes are already adapted to a case (a program, a training run)."""


def course_leaf(name: str, value: float) -> autograd.Value:
    return autograd.Value(value)


def reference(name: str):
    return autograd.Value if name == "Value" else getattr(autograd, name)


def core(check) -> Check:
    return check.check if isinstance(check, checks.ProgramCheck) else check


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_the_reference_passes_public_and_hidden_cases(name, capsys):
    CHECKS[name](reference(name))
    CHECKS[name](reference(name), hidden=True)
    assert capsys.readouterr().out.count("✓") == 2


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_hidden_cases_go_beyond_the_public_ones(name):
    check = CHECKS[name]
    hidden = check.cases(hidden=True)
    assert len(hidden) >= 20
    assert not set(hidden) & set(check.cases())


@pytest.mark.parametrize(("name", "mistake"), MISTAKES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(MISTAKES)])
def test_each_known_mistake_fails_with_its_hint(name, mistake):
    with pytest.raises(AssertionError) as public:
        core(CHECKS[name])(mistake.implementation)
    assert f"Hint: {mistake.hint}" in str(public.value)


@pytest.mark.parametrize(("name", "mistake"), [m for m in MISTAKES if m[0] not in ADAPTED_CHECKS])
def test_each_known_mistake_also_fails_the_hidden_cases(name, mistake):
    with pytest.raises(AssertionError):
        CHECKS[name](mistake.implementation, hidden=True)


@pytest.mark.parametrize(("name", "mistake"), [m for m in MISTAKES if m[0] in ADAPTED_CHECKS])
def test_each_known_mistake_of_a_graph_exercise_is_wrong_on_hidden_programs_too(name, mistake):
    """Without running the full (slow) diagnosis: count the hidden programs where the mistake's
    answer differs from the reference's. The recursion mistake can only show on the deep chain."""
    check = core(CHECKS[name])
    cases = check.cases(hidden=True)
    recursive = "recursive" in mistake.hint
    cases = cases[-1:] if recursive else cases[:-1]
    wrong = sum(check.compare(check.coerce(check.reference(*case.args)),
                              check.coerce(mistake.implementation(*case.args))) is not None for case in cases)
    assert wrong >= (1 if recursive else 3)


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_every_check_has_at_least_two_known_mistakes(name):
    assert len(CHECKS[name].mistakes) >= 2


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_the_blank_stub_fails(name):
    class Stub:
        def __init__(self, *args):
            raise NotImplementedError()

    def stub(*args):
        raise NotImplementedError()

    with pytest.raises(AssertionError, match="not written yet"):
        CHECKS[name](Stub if name == "Value" else stub)


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


# --- the programs themselves: well posed, and PyTorch's answers confirmed independently ------


def all_programs():
    programs = {case.args[0] for name in PROGRAM_CHECKS for hidden in (False, True)
                for case in CHECKS[name].cases(hidden)}
    return sorted(programs, key=repr)


@pytest.mark.parametrize("program", all_programs(), ids=lambda p: repr(p)[:60])
def test_torch_answers_agree_with_central_differences_and_the_course_engine(program):
    expected = dict(checks.torch_answer(program))
    out, scope = checks.run_program(program, course_leaf)
    relu_inputs = [n._parents[0].data for n in autograd.topological_order(out) if n._op == "ReLU"]
    assert all(abs(x) >= 0.05 for x in relu_inputs), "ReLU inputs must stay away from the kink"
    out.backward()
    assert out.data == pytest.approx(expected["out"], rel=1e-9)
    delta = 1e-6
    for i, (name, _) in enumerate(program.leaves):
        assert scope[name].grad == pytest.approx(expected[f"{name}.grad"], rel=1e-9, abs=1e-12)

        def shifted(step, i=i):
            leaves = tuple((n, v + step if j == i else v) for j, (n, v) in enumerate(program.leaves))
            moved = checks.Program(program.source, leaves)
            return checks.run_program(moved, course_leaf)[0].data

        numerical = (shifted(delta) - shifted(-delta)) / (2 * delta)
        grad = expected[f"{name}.grad"]
        assert abs(grad - numerical) <= 1e-5 * max(1.0, abs(grad)), (name, grad, numerical)


def test_the_micrograd_example_program_gives_the_readme_numbers():
    answer = dict(checks.torch_answer(checks.MICROGRAD_EXAMPLE))
    assert (f"{answer['out']:.4f}", f"{answer['a.grad']:.4f}", f"{answer['b.grad']:.4f}") == (
        "24.7041", "138.8338", "645.5773")


def test_hidden_programs_reuse_nodes_switch_relus_off_and_include_the_deep_chain():
    programs = [case.args[0] for case in CHECKS["Value"].cases(hidden=True)]
    sources = " ; ".join(p.source for p in programs)
    for operation in ("+", " - ", "*", "/", "**", "relu()", "tanh()", "-d"):
        assert operation in sources, operation
    switched_off = 0
    for program in programs[:-1]:
        out, _ = checks.run_program(program, course_leaf)
        nodes = autograd.topological_order(out)
        switched_off += any(n._op == "ReLU" and n._parents[0].data < 0 for n in nodes)
    assert switched_off >= 3
    assert "100 000" in repr(programs[-1])
    assert checks.random_program(np.random.default_rng(3)) == checks.random_program(np.random.default_rng(3))


# --- the topological order: any valid order passes; wrong ones are named ---------------------


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

    with pytest.raises(AssertionError, match="RecursionError") as failure:
        checks.topological_order(topological_order)
    assert "stack" in str(failure.value) and "chain of 10 000" in str(failure.value)


def test_a_list_missing_the_leaves_is_named():
    def only_operations(root):
        return [node for node in autograd.topological_order(root) if node._parents]

    with pytest.raises(AssertionError, match="nodes are missing, e.g. the leaf a"):
        checks.topological_order(only_operations)


def test_returning_something_else_than_a_list_is_named():
    with pytest.raises(AssertionError, match="not a list of nodes"):
        checks.topological_order(lambda root: None)


def test_classify_order_names_each_kind_of_answer():
    a, b = autograd.Value(1.0, label="a"), autograd.Value(2.0, label="b")
    c = a * b
    out = c + a
    names = {id(a): "a", id(b): "b", id(c): "c", id(out): "out"}
    valid = autograd.topological_order(out)
    assert checks.classify_order(out, valid, names).kind == checks.VALID
    assert checks.classify_order(out, [b, a, c, out], names).kind == checks.VALID
    assert checks.classify_order(out, valid[::-1], names).kind == "reversed"
    assert checks.classify_order(out, [a, c, b, out], names).detail.startswith("c (a '*' node) (position 1)")
    assert checks.classify_order(out, [a, a, b, c, out], names).kind == "duplicates"
    assert checks.classify_order(out, [a, c, out], names).kind == "missing"
    assert checks.classify_order(out, [a, b, c, out, autograd.Value(0)], names).kind == "stranger"


# --- backward: the chain-rule pass on the course graph -----------------------------------------


def test_a_student_backward_using_equals_gets_the_accumulation_hint():
    def topological_order(root):
        return autograd.topological_order(root)

    def backward(root):
        root.grad = 1.0
        for node in reversed(topological_order(root)):
            for parent, local_grad in zip(node._parents, node._local_grads, strict=True):
                parent.grad = local_grad * node.grad

    with pytest.raises(AssertionError) as failure:
        checks.backward(backward)
    assert "b = a + a" in str(failure.value) and "`+=`" in str(failure.value)


def test_a_student_backward_may_not_call_the_course_backward():
    def backward(root):
        root.backward()

    with pytest.raises(AssertionError, match="write the backward pass yourself"):
        checks.backward(backward)


def test_a_correct_student_backward_passes(capsys):
    def backward(root):
        order = kahn_order(root)
        root.grad = 1
        for node in order[::-1]:
            for parent, local_grad in zip(node._parents, node._local_grads, strict=True):
                parent.grad += local_grad * node.grad

    checks.backward(backward)
    checks.backward(backward, hidden=True)
    assert capsys.readouterr().out.count("✓") == 2


# --- the engine: a class written the way students write it ----------------------------------


def student_engine(bug: str | None = None):
    """A micrograd-style engine (closures, an `_prev` set), as a student would write it, with an
    optional typical bug."""

    class Value:
        def __init__(self, data, _children=(), _op=""):
            self.data = data
            self.grad = 0
            self._backward = lambda: None
            self._prev = set(_children)
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


def test_a_correct_micrograd_style_engine_passes(capsys):
    checks.engine(student_engine())
    checks.engine(student_engine(), hidden=True)
    assert capsys.readouterr().out.count("✓ Value passes") == 2


@pytest.mark.parametrize(("bug", "hint"), [
    ("equals", "`+=`"),
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


def test_a_subclass_of_the_course_engine_passes(capsys):
    class Mine(autograd.Value):
        __slots__ = ()

    checks.engine(Mine)
    assert "✓ Value passes" in capsys.readouterr().out


def test_an_answer_that_is_not_a_number_is_named():
    with pytest.raises(checks.CoercionError, match="a.grad: expected a single number, got a Value"):
        checks._as_named_floats([("out", 1.0), ("a.grad", autograd.Value(2.0))])


def test_a_failure_names_the_program_and_the_gradient():
    with pytest.raises(AssertionError) as failure:
        checks.engine(student_engine("equals"))
    first_line = str(failure.value).splitlines()[0]
    assert first_line.startswith("Value on micrograd's README example")
    assert "a.grad: expected 138.834" in first_line


def test_every_check_is_a_module_attribute_named_like_its_exercise():
    for name, check in CHECKS.items():
        assert getattr(checks, name) is check
    assert checks.Value is checks.engine



# --- the counterexample: a graph on which `=` for `+=` goes wrong -------------------------------


def reuse():
    a = autograd.Value(3.0)
    return a, a + a


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
    assert "comes out as" in out and "the true value is" in out


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
    assert message.startswith("On your graph, assigning_backward gives ∂out/∂x =")
    assert f"Hint: {hint}" in message


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


def test_the_other_order_is_a_valid_topological_order_different_from_the_course_one():
    x, out = order_dependent()
    other = checks._order_inputs_reversed(out)
    assert checks.classify_order(out, other, {}).kind == checks.VALID
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
    (lambda: 1 / 0, "counterexample() raised ZeroDivisionError"),
])
def test_a_malformed_answer_is_named(answer, message):
    with pytest.raises(AssertionError, match=re.escape(message)):
        checks.counterexample(answer)


def test_the_blank_counterexample_and_a_non_function_fail():
    def stub():
        raise NotImplementedError()

    with pytest.raises(AssertionError, match="not written yet"):
        checks.counterexample(stub)
    with pytest.raises(AssertionError, match="not a function"):
        checks.counterexample(None)


def test_the_counterexample_may_print_without_it_reaching_the_notebook(capsys):
    def chatty():
        print("debugging")
        return reuse()

    checks.counterexample(chatty)
    assert "debugging" not in capsys.readouterr().out


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
    answer = dict(checks.train_step.check.reference(*case.args))
    assert answer[f"the accuracy returned by call {case.args[0].steps}"] == 1.0


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
