"""The lesson-04 engine (course_lib.autograd) against PyTorch, central differences and micrograd."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Any

import micrograd.engine
import micrograd.nn
import pytest
import torch
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from course_lib import autograd
from course_lib.autograd import MLP, Value, topological_order
from course_lib.datasets import two_blobs
from course_lib.linear import relative_error

# --- random expressions, evaluated by any engine ----------------------------------------------
#
# A tree is ("leaf", i), (op, child), (op, left, right) or (op, child, k) with a number k. Every
# rule with a restricted domain gets a positive input by construction: log, the divisors, and the
# bases of negative or fractional powers see `e * e + 0.5` (≥ 0.5), exp sees `e.tanh()` (|·| < 1).

LEAVES = ("a", "b", "c")
UNARY = ("neg", "relu", "tanh", "sigmoid", "exp", "log", "square", "cube", "reciprocal", "sqrt")
BINARY = ("add", "sub", "mul", "div")
WITH_NUMBER = ("x+k", "x-k", "x*k", "x/k", "k+x", "k-x", "k*x", "k/x")


def evaluate(tree: tuple, leaves: list[Any]) -> Any:
    """The tree's value with ``leaves`` (Values or tensors): only operators and methods both share."""
    kind = tree[0]
    if kind == "leaf":
        return leaves[tree[1]]
    x = evaluate(tree[1], leaves)
    positive = x * x + 0.5
    if kind in UNARY:
        return {"neg": lambda: -x, "relu": x.relu, "tanh": x.tanh, "sigmoid": x.sigmoid,
                "exp": lambda: x.tanh().exp(), "log": positive.log, "square": lambda: x**2,
                "cube": lambda: x**3, "reciprocal": lambda: positive**-1,
                "sqrt": lambda: positive**0.5}[kind]()
    if kind in WITH_NUMBER:
        k = tree[2]
        return {"x+k": lambda: x + k, "x-k": lambda: x - k, "x*k": lambda: x * k, "x/k": lambda: x / k,
                "k+x": lambda: k + x, "k-x": lambda: k - x, "k*x": lambda: k * x,
                "k/x": lambda: k / positive}[kind]()
    y = evaluate(tree[2], leaves)
    return {"add": lambda: x + y, "sub": lambda: x - y, "mul": lambda: x * y,
            "div": lambda: x / (y * y + 0.5)}[kind]()


numbers = st.sampled_from([-2.0, -1.5, -0.5, 0.5, 1.5, 2.0, 3.0])


def _tree(children: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(st.tuples(st.sampled_from(UNARY), children),
                     st.tuples(st.sampled_from(BINARY), children, children),
                     st.tuples(st.sampled_from(WITH_NUMBER), children, numbers))


trees = st.recursive(st.tuples(st.just("leaf"), st.integers(0, len(LEAVES) - 1)), _tree, max_leaves=10)
leaf_values = st.lists(st.floats(-2, 2, allow_nan=False, allow_subnormal=False), min_size=3, max_size=3)


def with_course_engine(tree: tuple, values: list[float]) -> tuple[Value, list[Value]]:
    leaves = [Value(v) for v in values]
    return evaluate(tree, leaves), leaves


def with_torch(tree: tuple, values: list[float]) -> tuple[float, list[float]]:
    leaves = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in values]
    out = evaluate(tree, leaves)
    out.backward()
    return float(out.detach()), [0.0 if leaf.grad is None else float(leaf.grad) for leaf in leaves]


def near_a_kink(root: Value, distance: float) -> bool:
    """Whether some ReLU input lies within ``distance`` of 0 (where the slope jumps)."""
    return any(node._op == "ReLU" and abs(node._parents[0].data) < distance
               for node in topological_order(root))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tree=trees, values=leaf_values)
def test_value_and_every_leaf_gradient_agree_with_torch_float64(tree, values):
    expected_out, expected_grads = with_torch(tree, values)
    assume(math.isfinite(expected_out) and abs(expected_out) < 1e8)
    out, leaves = with_course_engine(tree, values)
    out.backward()
    assert out.data == pytest.approx(expected_out, rel=1e-9, abs=1e-12)
    assert [leaf.grad for leaf in leaves] == pytest.approx(expected_grads, rel=1e-7, abs=1e-9)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tree=trees, values=leaf_values)
def test_every_leaf_gradient_agrees_with_central_differences(tree, values):
    out, leaves = with_course_engine(tree, values)
    assume(math.isfinite(out.data) and abs(out.data) < 1e6 and not near_a_kink(out, 1e-4))
    out.backward()
    delta = 1e-6
    for i, leaf in enumerate(leaves):
        up, down = list(values), list(values)
        up[i] += delta
        down[i] -= delta
        up_out, down_out = with_course_engine(tree, up)[0], with_course_engine(tree, down)[0]
        numerical = (up_out.data - down_out.data) / (2 * delta)
        scale = max(1.0, abs(out.data))
        assert abs(leaf.grad - numerical) < 1e-5 * scale or relative_error(leaf.grad, numerical) < 1e-5


def test_the_random_expressions_use_every_operation():
    """The strategy really reaches every rule (a guard against a strategy that silently narrows)."""
    seen = set()

    @settings(max_examples=300, database=None)
    @given(tree=trees)
    def collect(tree):
        stack = [tree]
        while stack:
            node = stack.pop()
            seen.add(node[0])
            stack.extend(child for child in node[1:] if isinstance(child, tuple))

    collect()
    assert seen >= set(UNARY) | set(BINARY) | set(WITH_NUMBER) | {"leaf"}


# --- the seeds' example: micrograd's README --------------------------------------------------


def micrograd_example(value: Callable[[float], Any]) -> tuple[Any, Any, Any]:
    """micrograd's README example, written once for any Value class (returns g, a, b)."""
    a = value(-4.0)
    b = value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    return g, a, b


@pytest.mark.parametrize("engine", [Value, micrograd.engine.Value], ids=["course", "micrograd"])
def test_the_readme_example_gives_the_readme_numbers(engine):
    g, a, b = micrograd_example(engine)
    assert f"{g.data:.4f}" == "24.7041"
    assert f"{a.grad:.4f}" == "138.8338"
    assert f"{b.grad:.4f}" == "645.5773"


def test_the_readme_example_agrees_with_micrograd_and_torch_to_rounding():
    ours, theirs = micrograd_example(Value), micrograd_example(micrograd.engine.Value)
    for mine, other in zip(ours, theirs, strict=True):
        assert mine.data == pytest.approx(other.data, rel=1e-12)
        assert mine.grad == pytest.approx(other.grad, rel=1e-12)
    a, b = (torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (-4.0, 2.0))
    c = a + b
    d = a * b + b**3
    c = c + (c + 1)
    c = c + (1 + c + (-a))
    d = d + (d * 2 + (b + a).relu())
    d = d + (3 * d + (b - a).relu())
    f = (c - d) ** 2
    g = f / 2.0 + 10.0 / f
    g.backward()
    assert ours[0].data == pytest.approx(float(g.detach()), rel=1e-12)
    assert (ours[1].grad, ours[2].grad) == pytest.approx((float(a.grad), float(b.grad)), rel=1e-12)


# --- depth, reuse, repeated backward ----------------------------------------------------------


def test_a_chain_of_100_000_operations_backpropagates_without_recursion():
    a = Value(0.5)
    x = a
    for _ in range(100_000):
        x = x + a
    x.backward()
    assert x.data == pytest.approx(0.5 * 100_001)
    assert a.grad == 100_001.0
    assert len(topological_order(x)) == 100_001


def test_a_deep_chain_of_mixed_operations_matches_its_closed_form():
    """``x ← 0.5·x + a`` 100 000 times: ``∂out/∂a = Σ 0.5ᵏ = 2 − 0.5¹⁰⁰⁰⁰⁰`` (≈ 2)."""
    a = Value(1.0)
    x = Value(0.0)
    for _ in range(100_000):
        x = 0.5 * x + a
    x.backward()
    assert a.grad == pytest.approx(2.0, rel=1e-12)


def test_micrograd_itself_cannot_go_that_deep():
    a = micrograd.engine.Value(0.5)
    x = a
    for _ in range(5_000):
        x = x + a
    with pytest.raises(RecursionError):
        x.backward()


@pytest.mark.parametrize(("build", "expected"), [
    (lambda a: (a + a) + (a + a), 4.0),
    (lambda a: a * a, 2 * 3.0),
    (lambda a: (a * a) * a, 3 * 3.0**2),
    (lambda a: (a + 1) * (a - 1) + a / a, 2 * 3.0),
])
def test_gradients_accumulate_through_reused_nodes(build, expected):
    a = Value(3.0)
    build(a).backward()
    assert a.grad == pytest.approx(expected)


def test_b_equals_a_plus_a_then_c_equals_b_plus_b_gives_dc_da_4():
    a = Value(-1.5)
    b = a + a
    c = b + b
    c.backward()
    assert (a.grad, b.grad, c.grad) == (4.0, 2.0, 1.0)


def test_a_second_backward_doubles_the_leaves_and_recomputes_the_interior():
    def build():
        a, b = Value(0.7), Value(-1.3)
        h = (a * b).tanh()
        out = (h * a + b) ** 2
        return a, b, h, out

    a, b, h, out = build()
    out.backward()
    once = (a.grad, b.grad, h.grad, out.grad)
    out.backward()
    assert (a.grad, b.grad) == pytest.approx((2 * once[0], 2 * once[1]), rel=1e-15)
    assert (h.grad, out.grad) == (once[2], once[3])
    for p in (a, b):
        p.grad = 0.0
    out.backward()
    assert (a.grad, b.grad) == pytest.approx(once[:2], rel=1e-15)


def test_micrograd_over_counts_on_a_second_backward_which_is_why_ours_resets_the_interior():
    def grads(engine):
        a, b = engine(0.7), engine(-1.3)
        out = ((a * b) * a + b) * b
        out.backward()
        first = a.grad
        out.backward()
        return first, a.grad

    first, second = grads(micrograd.engine.Value)
    assert second != pytest.approx(2 * first)
    first, second = grads(Value)
    assert second == pytest.approx(2 * first)


def test_backward_of_a_leaf_is_one_and_accumulates():
    a = Value(2.0)
    a.backward()
    a.backward()
    assert a.grad == 2.0


def test_the_backward_function_is_the_fresh_graph_backward():
    trees_and_values = [(("mul", ("tanh", ("leaf", 0)), ("add", ("leaf", 0), ("leaf", 1))), [0.3, -1.2, 0.0])]
    for tree, values in trees_and_values:
        out, leaves = with_course_engine(tree, values)
        autograd.backward(out)
        by_function = [leaf.grad for leaf in leaves]
        out2, leaves2 = with_course_engine(tree, values)
        out2.backward()
        assert by_function == [leaf.grad for leaf in leaves2]


# --- the topological order --------------------------------------------------------------------


def recursive_order(root: Value) -> list[Value]:
    """The textbook recursive depth-first order (fine for shallow graphs)."""
    order, seen = [], set()

    def visit(node):
        if node not in seen:
            seen.add(node)
            for parent in node._parents:
                visit(parent)
            order.append(node)

    visit(root)
    return order


@settings(max_examples=100, deadline=None)
@given(tree=trees, values=leaf_values)
def test_the_iterative_order_is_the_recursive_depth_first_order(tree, values):
    out, _ = with_course_engine(tree, values)
    order = topological_order(out)
    assert order == recursive_order(out)
    position = {node: i for i, node in enumerate(order)}
    assert len(position) == len(order)
    assert order[-1] is out
    assert all(position[p] < position[node] for node in order for p in node._parents)


# --- the local rules ---------------------------------------------------------------------------


@pytest.mark.parametrize("x", [-2.5, -0.4, 0.3, 1.7])
def test_the_stored_local_derivatives_are_the_exercise_functions(x):
    a, b = Value(x), Value(0.8)
    assert (a + b)._local_grads == autograd.add_local_grads(x, 0.8)
    assert (a * b)._local_grads == autograd.mul_local_grads(x, 0.8)
    for n in (2, 3, -1, -2):
        assert (a**n)._local_grads == (autograd.pow_local_grad(x, n),)
    assert a.relu()._local_grads == (autograd.relu_local_grad(x),)
    assert a.tanh()._local_grads[0] == pytest.approx(autograd.tanh_local_grad(x), rel=1e-15)


@pytest.mark.parametrize("name", ["pow_local_grad", "relu_local_grad", "tanh_local_grad"])
@pytest.mark.parametrize("x", [-2.5, -0.4, 0.3, 1.7])
def test_the_exercise_functions_agree_with_torch(name, x):
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    forward = {"pow_local_grad": lambda t: t**3, "relu_local_grad": torch.relu, "tanh_local_grad": torch.tanh}
    forward[name](t).backward()
    args = (x, 3) if name == "pow_local_grad" else (x,)
    assert getattr(autograd, name)(*args) == pytest.approx(float(t.grad), rel=1e-12)


@pytest.mark.parametrize(("x", "n"), [(0.0, 0.5), (0.0, 2), (0.0, 0), (0.0, 1), (4.0, 0.5), (0.0, 3)])
def test_powers_at_zero_take_pytorchs_slopes(x, n):
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    (t**n).backward()
    assert autograd.pow_local_grad(x, n) == float(t.grad)
    v = Value(x)
    (v**n).backward()
    assert v.grad == float(t.grad)


def test_relu_at_the_kink_has_slope_zero_like_torch_and_micrograd():
    t = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    torch.relu(t).backward()
    m = micrograd.engine.Value(0.0)
    m.relu().backward()
    v = Value(0.0)
    v.relu().backward()
    assert v.grad == float(t.grad) == m.grad == 0.0


def test_sigmoid_does_not_overflow_far_from_zero():
    for x in (-1000.0, 1000.0):
        v = Value(x)
        s = v.sigmoid()
        s.backward()
        assert s.data == (0.0 if x < 0 else 1.0)
        assert v.grad == 0.0


def test_a_value_exponent_is_refused_with_a_clear_message():
    with pytest.raises(TypeError, match="number exponent"):
        Value(2.0) ** Value(3.0)


# --- micrograd compatibility -----------------------------------------------------------------


def micrograd_style_program(engine) -> list[Any]:
    """Code written for micrograd: reflected operators, `+=`, relu, division, a list sum."""
    x = engine(1.5)
    y = engine(-0.5)
    z = 2 * x - y / 4.0 + 1 - x
    z += z * y
    w = 10.0 / (x + 3) + (-z).relu() + (z * 3).relu() + sum([x, y, z])
    v = (w ** 2 - 1 - w) * 0.5
    v.backward()
    return [v, w, z, x, y]


def test_micrograd_code_runs_unchanged_and_gives_the_same_numbers():
    ours, theirs = micrograd_style_program(Value), micrograd_style_program(micrograd.engine.Value)
    for mine, other in zip(ours, theirs, strict=True):
        assert mine.data == pytest.approx(other.data, rel=1e-12)
        assert mine.grad == pytest.approx(other.grad, rel=1e-12)


def test_drawing_code_finds_prev_op_data_and_grad():
    """What micrograd's trace/draw_dot code reads: _prev (a set of Values), _op, data, grad."""
    a, b = Value(2.0), Value(-3.0)
    c = a * b + a
    c.backward()
    assert isinstance(c._prev, set) and c._prev == {c._parents[0], a}
    assert c._op == "+" and c._parents[0]._op == "*" and a._op == ""
    assert repr(a) == f"Value(data=2.0, grad={a.grad})"
    mg = micrograd.engine.Value(2.0)
    assert repr(mg * 1).startswith("Value(data=2.0, grad=")
    assert (b**2)._op == (micrograd.engine.Value(-3.0) ** 2)._op == "**2"
    assert a.relu()._op == micrograd.engine.Value(2.0).relu()._op == "ReLU"


def test_backward_step_by_step_with_underscore_backward_like_the_video():
    a, b = Value(2.0), Value(-3.0)
    c = a * b
    d = c + a
    d.grad = 1.0
    d._backward()
    c._backward()
    assert (a.grad, b.grad) == (1.0 + b.data, a.data)


def test_the_nn_api_matches_micrograd_and_the_same_weights_give_the_same_numbers():
    ours, theirs = MLP(3, [4, 4, 1], rng=7), micrograd.nn.MLP(3, [4, 4, 1])
    assert len(ours.parameters()) == len(theirs.parameters())
    assert repr(ours) == repr(theirs)
    for p, q in zip(ours.parameters(), theirs.parameters(), strict=True):
        q.data = p.data
    x = [0.5, -1.0, 2.0]
    out_ours, out_theirs = ours(x), theirs(x)
    (out_ours * out_ours).backward()
    (out_theirs * out_theirs).backward()
    assert out_ours.data == pytest.approx(out_theirs.data, rel=1e-12)
    assert [p.grad for p in ours.parameters()] == pytest.approx([q.grad for q in theirs.parameters()])
    layer = ours.layers[0]
    assert len(layer.neurons) == 4 and len(layer.neurons[0].w) == 3 and layer.neurons[0].nonlin
    assert not ours.layers[-1].neurons[0].nonlin
    assert isinstance(ours.layers[0](x), list)
    ours.zero_grad()
    assert all(p.grad == 0 for p in ours.parameters())


# --- networks: seeded ------------------------------------------------------------------------


def test_an_mlp_is_the_same_for_the_same_seed_and_differs_for_another():
    def weights(model):
        return [p.data for p in model.parameters()]

    assert weights(MLP(2, [16, 16, 1], rng=3)) == weights(MLP(2, [16, 16, 1], rng=3))
    assert weights(MLP(2, [16, 16, 1], rng=3)) != weights(MLP(2, [16, 16, 1], rng=4))
    assert weights(MLP(2, [8, 1], rng=random.Random(5))) == weights(MLP(2, [8, 1], rng=5))
    state = random.getstate()
    MLP(2, [8, 1])
    assert random.getstate() == state, "the global random generator must not be used"


def test_weights_are_uniform_in_minus_one_one_and_biases_start_at_zero():
    model = MLP(2, [16, 16, 1], rng=0)
    for layer in model.layers:
        for neuron in layer.neurons:
            assert all(-1 <= w.data <= 1 for w in neuron.w)
            assert neuron.b.data == 0


def test_training_a_tiny_mlp_on_two_blobs_lowers_the_loss_and_separates_them():
    X, y = two_blobs(30, distance=3.0, spread=0.4, seed=1)
    model = MLP(2, [4, 1], rng=2)
    history = autograd.train_classifier(model, X, y, steps=25, learning_rate=0.3)
    assert history[-1][0] < 0.5 * history[0][0]
    assert history[-1][1] == 1.0
    assert all(isinstance(loss, float) and isinstance(acc, float) for loss, acc in history)


def test_the_hinge_loss_is_the_mean_of_relu_of_one_minus_y_score_plus_the_penalty():
    model = MLP(2, [3, 1], rng=1)
    X, y = [[0.5, -0.2], [1.0, 2.0]], [1, -1]
    loss, accuracy = autograd.hinge_loss(model, X, y, alpha=0.01)
    scores = [model(x).data for x in X]
    expected = sum(max(0.0, 1 - yi * s) for yi, s in zip(y, scores, strict=True)) / 2
    expected += 0.01 * sum(p.data**2 for p in model.parameters())
    assert loss.data == pytest.approx(expected)
    assert accuracy == sum((s > 0) == (yi > 0) for yi, s in zip(y, scores, strict=True)) / 2


def test_an_mlp_can_be_built_on_another_engine_with_the_same_numbers():
    """``value_type``: the lesson trains a network made of the student's own Values."""
    model = MLP(2, [4, 3, 1], rng=5, value_type=micrograd.engine.Value)
    ours = MLP(2, [4, 3, 1], rng=5)
    assert all(type(p) is micrograd.engine.Value for p in model.parameters())
    assert [p.data for p in model.parameters()] == [p.data for p in ours.parameters()]
    X, y = two_blobs(12, seed=3)
    theirs_loss, theirs_accuracy = autograd.hinge_loss(model, X, y)
    our_loss, our_accuracy = autograd.hinge_loss(ours, X, y)
    theirs_loss.backward()
    our_loss.backward()
    assert (theirs_loss.data, theirs_accuracy) == pytest.approx((our_loss.data, our_accuracy), rel=1e-12)
    assert [p.grad for p in model.parameters()] == pytest.approx([p.grad for p in ours.parameters()],
                                                                 rel=1e-9)


def test_a_train_step_returns_the_loss_before_the_step_and_moves_every_parameter_downhill():
    X, y = two_blobs(16, seed=2)
    model = MLP(2, [3, 1], rng=1)
    before = [p.data for p in model.parameters()]
    expected_loss, expected_accuracy = autograd.hinge_loss(model, X, y)
    expected_loss.backward()
    gradients = [p.grad for p in model.parameters()]
    loss, accuracy = autograd.train_step(model, X, y, 0.1)
    assert isinstance(loss, float) and (loss, accuracy) == (expected_loss.data, expected_accuracy)
    after = [p.data for p in model.parameters()]
    assert after == pytest.approx([p - 0.1 * g for p, g in zip(before, gradients, strict=True)], rel=1e-12)
    assert autograd.hinge_loss(model, X, y)[0].data < loss


def test_train_step_zeroes_the_gradients_first_so_steps_do_not_accumulate():
    X, y = two_blobs(16, seed=2)
    model = MLP(2, [3, 1], rng=1)
    autograd.train_step(model, X, y, 0.1)
    twin = MLP(2, [3, 1], rng=1)  # the same network, after that first step, with fresh gradients
    for p, q in zip(twin.parameters(), model.parameters(), strict=True):
        p.data = q.data
    autograd.hinge_loss(twin, X, y)[0].backward()
    autograd.train_step(model, X, y, 0.1)
    assert [p.grad for p in model.parameters()] == [p.grad for p in twin.parameters()]


def test_train_classifier_is_train_step_with_a_decaying_learning_rate():
    X, y = two_blobs(20, seed=4)
    by_classifier = autograd.train_classifier(MLP(2, [4, 1], rng=3), X, y, steps=5, learning_rate=0.4)
    model = MLP(2, [4, 1], rng=3)
    by_steps = [autograd.train_step(model, X, y, 0.4 * (1 - 0.9 * step / 5)) for step in range(5)]
    assert by_classifier == by_steps
