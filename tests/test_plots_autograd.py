"""Lesson-04 figures, headless: the expression graph (nodes, edges, labels) and the classifier plots."""

from __future__ import annotations

import io

import micrograd.nn
import numpy as np
import pytest
from matplotlib.collections import PathCollection
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch
from matplotlib.text import Annotation

from course_lib.autograd import MLP, Value, train_classifier
from course_lib.datasets import two_blobs
from course_lib.plotting import autograd as plotting


def labels(ax) -> list[str]:
    """The texts drawn on ``ax`` (boxes and edge labels), without the arrows (empty annotations)."""
    return [t.get_text() for t in ax.texts if not isinstance(t, Annotation)]


def small_expression():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    product = a * b
    out = product + a
    out.label = "out"
    out.backward()
    return a, b, product, out


def test_the_graph_has_one_node_per_value_in_topological_order_with_data_grad_op_and_layer():
    a, b, product, out = small_expression()
    graph = plotting.expression_graph(out)
    assert list(graph.nodes) == [0, 1, 2, 3]
    by_value = {attributes["value"]: node for node, attributes in graph.nodes(data=True)}
    assert by_value[out] == 3
    expected = {a: ("a", "", 2.0, 1.0 + b.data, 0), b: ("b", "", -3.0, 2.0, 0),
                product: ("", "*", -6.0, 1.0, 1), out: ("out", "+", -4.0, 1.0, 2)}
    for value, (name, op, data, grad, layer) in expected.items():
        attributes = graph.nodes[by_value[value]]
        assert (attributes["name"], attributes["op"], attributes["data"], attributes["grad"],
                attributes["layer"]) == (name, op, data, grad, layer)


def test_every_edge_goes_from_an_input_to_its_result_with_the_local_derivative():
    a, b, product, out = small_expression()
    graph = plotting.expression_graph(out)
    index = {attributes["value"]: node for node, attributes in graph.nodes(data=True)}
    edges = {(graph.nodes[u]["value"], graph.nodes[v]["value"]): d["local_grad"]
             for u, v, d in graph.edges(data=True)}
    assert edges == {(a, product): b.data, (b, product): a.data, (product, out): 1.0, (a, out): 1.0}
    assert all(u < v for u, v in graph.edges)  # topological numbering
    assert graph.number_of_edges() == 4 and index[a] < index[product]


def test_an_input_used_twice_by_one_node_is_one_edge_with_the_summed_derivative():
    a = Value(1.5, label="a")
    graph = plotting.expression_graph(a + a)
    (edge,) = graph.edges(data=True)
    assert edge[2] == {"local_grad": 2.0, "multiplicity": 2}


def test_names_given_by_the_caller_override_labels():
    a, b, product, out = small_expression()
    graph = plotting.expression_graph(out, names={product: "p", a: "x"})
    names = {attributes["value"]: attributes["name"] for _, attributes in graph.nodes(data=True)}
    assert names == {a: "x", b: "b", product: "p", out: "out"}


def test_the_layout_puts_each_layer_in_a_column_centred_on_zero():
    a, b, product, out = small_expression()
    graph = plotting.expression_graph(out)
    pos = plotting.layered_layout(graph)
    assert {node: x for node, (x, _) in pos.items()} == {0: 0.0, 1: 0.0, 2: 1.0, 3: 2.0}
    assert sorted(y for x, y in pos.values() if x == 0.0) == [-0.5, 0.5]
    assert pos[3][1] == 0.0


def test_the_drawing_shows_every_node_box_and_every_local_derivative():
    a, b, product, out = small_expression()
    ax = plotting.draw_expression(out)
    texts = labels(ax)
    assert "a\ndata 2\ngrad -2" in texts
    assert "b\ndata -3\ngrad 2" in texts
    assert "(*)\ndata -6\ngrad 1" in texts
    assert "out (+)\ndata -4\ngrad 1" in texts
    edge_labels = sorted(t for t in texts if "\n" not in t)
    assert edge_labels == sorted(["-3", "2", "1", "1"])
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    assert len(arrows) == 4
    assert "∂child/∂parent" in ax.get_title()
    ax.figure.savefig(io.BytesIO(), format="png")  # renders headlessly


def test_the_drawing_can_hide_gradients_and_local_derivatives_and_uses_a_given_axes():
    a, b, product, out = small_expression()
    ax = Figure().add_subplot()
    assert plotting.draw_expression(out, ax=ax, show_grad=False, show_local_grads=False) is ax
    texts = labels(ax)
    assert len(texts) == 4 and not any("grad" in t for t in texts)


@pytest.mark.parametrize("engine", ["course", "micrograd"])
def test_mlp_scores_are_the_networks_outputs(engine):
    model = MLP(2, [5, 3, 1], rng=4)
    if engine == "micrograd":
        theirs = micrograd.nn.MLP(2, [5, 3, 1])
        for p, q in zip(model.parameters(), theirs.parameters(), strict=True):
            q.data = p.data
        model = theirs
    points = np.random.default_rng(0).normal(size=(7, 2))
    expected = [model([float(x), float(y)]).data for x, y in points]
    np.testing.assert_allclose(plotting.mlp_scores(model, points), expected, rtol=1e-12)


def test_the_decision_boundary_plot_shows_regions_boundary_samples_and_accuracy():
    X, y = two_blobs(40, seed=2)
    model = MLP(2, [4, 1], rng=1)
    history = train_classifier(model, X, y, steps=10, learning_rate=0.3)
    ax = plotting.plot_decision_boundary(model, X, y, resolution=40)
    scatters = [c for c in ax.collections if isinstance(c, PathCollection)]
    class_sizes = sorted([int(np.sum(y == -1)), int(np.sum(y == 1))])
    assert sorted(len(s.get_offsets()) for s in scatters) == class_sizes
    accuracy = np.mean((plotting.mlp_scores(model, X) > 0) == (y > 0))
    assert f"accuracy {accuracy:.0%}" in ax.get_title()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["y = -1", "y = +1"]
    ax = plotting.plot_training_history(history)
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [loss for loss, _ in history])
    ax.figure.savefig(io.BytesIO(), format="png")


class Bare:
    """An engine of the lesson's shape: data, grad, _parents, _local_grads; no `_op`, no `label`."""

    def __init__(self, data, _parents=(), _local_grads=()):
        self.data, self.grad, self._parents, self._local_grads = data, 0.0, _parents, _local_grads

    def __mul__(self, other):
        return Bare(self.data * other.data, (self, other), (other.data, self.data))


def test_another_engine_with_parents_and_local_grads_can_be_drawn():
    a, b = Bare(2.0), Bare(-3.0)
    out = a * b
    graph = plotting.expression_graph(out, names={a: "a"})
    assert [graph.nodes[n]["name"] for n in graph] == ["a", "", ""]
    assert [graph.nodes[n]["op"] for n in graph] == ["", "", ""]
    ax = plotting.draw_expression(out)
    assert "data -6\ngrad 0" in labels(ax)


@pytest.mark.parametrize(("show_grad", "show_local_grads", "title"), [
    (True, True, "edge label: ∂child/∂parent;  grad: ∂output/∂node"),
    (False, True, "edge label: ∂child/∂parent"),
    (True, False, "grad: ∂output/∂node"),
    (False, False, ""),
])
def test_the_title_explains_only_what_is_shown(show_grad, show_local_grads, title):
    *_, out = small_expression()
    ax = plotting.draw_expression(out, show_grad=show_grad, show_local_grads=show_local_grads)
    assert ax.get_title() == title


def test_a_leaf_sits_one_layer_left_of_its_first_user():
    a, b, ten = Value(2.0), Value(3.0), Value(10.0)
    product = a * b
    total = product + a
    out = total * ten  # ten is first used at layer 3
    graph = plotting.expression_graph(out)
    layer = {graph.nodes[n]["value"]: graph.nodes[n]["layer"] for n in graph}
    assert (layer[a], layer[b], layer[product], layer[total], layer[out]) == (0, 0, 1, 2, 3)
    assert layer[ten] == 2
    assert all(graph.nodes[u]["layer"] < graph.nodes[v]["layer"] for u, v in graph.edges)
    assert plotting.expression_graph(Value(1.0)).nodes[0]["layer"] == 0


# --- the layered drawing: edges around boxes, few crossings, labels apart ----------------------------


def micrograd_example():
    """micrograd's README example on the course engine (returns g, a, b), gradients filled in."""
    a, b = Value(-4.0), Value(2.0)
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


def test_an_edge_that_skips_layers_passes_each_layer_in_a_slot_of_its_own():
    a, b, product, out = small_expression()
    graph = plotting.expression_graph(out)
    pos, routes = plotting.layout_with_routes(graph)
    index = {graph.nodes[n]["value"]: n for n in graph}
    route = routes[(index[a], index[out])]  # a (layer 0) -> out (layer 2): one dummy in layer 1
    assert len(route) == 3 and isinstance(route[1], tuple) and pos[route[1]][0] == 1.0
    assert pos[route[1]] != pos[index[product]]
    assert all(len(r) == 2 for edge, r in routes.items() if edge != (index[a], index[out]))


def test_the_ordering_crosses_fewer_edges_than_the_topological_order():
    g, a, b = micrograd_example()
    graph = plotting.expression_graph(g)
    orders, routes = plotting.layer_orders(graph)
    segments = [(r[i], r[i + 1]) for r in routes.values() for i in range(len(r) - 1)]
    layers = sorted(orders)

    def crossings(ordering):
        return sum(plotting._crossings(ordering[k], ordering[k + 1], segments) for k in layers[:-1])

    naive = {k: sorted(members, key=lambda m: (m[1], m[2]) if isinstance(m, tuple) else (m, -1))
             for k, members in orders.items()}
    assert crossings(orders) < crossings(naive)
    nodes = sorted(n for members in orders.values() for n in members if not isinstance(n, tuple))
    assert nodes == list(graph)


def _display_boxes(ax):
    ax.figure.draw_without_rendering()
    boxes = [t.get_bbox_patch().get_window_extent() for t in ax.texts if "data" in t.get_text()]
    labels = [t.get_window_extent() for t in ax.texts if t.get_text() and "data" not in t.get_text()]
    return boxes, labels


@pytest.mark.parametrize("show_local_grads", [True, False])
def test_no_edge_runs_through_a_box_other_than_its_own_ends(show_local_grads):
    g, a, b = micrograd_example()
    fig = Figure(figsize=(15, 7), layout="constrained")
    ax = plotting.draw_expression(g, ax=fig.add_subplot(), names={a: "a", b: "b", g: "g"},
                                  show_local_grads=show_local_grads)
    boxes, _ = _display_boxes(ax)
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    assert len(arrows) == plotting.expression_graph(g).number_of_edges()
    for arrow in arrows:
        points = ax.transData.transform(arrow._path_original.vertices)  # the route, without the head
        ends = [box for box in boxes if box.padded(4).contains(*points[0])
                or box.padded(4).contains(*points[-1])]
        assert len(ends) == 2  # the route starts at its parent's box and ends at its child's
        samples = [p0 + t * (p1 - p0) for p0, p1 in zip(points[:-1], points[1:], strict=True)
                   for t in np.linspace(0.02, 0.98, 40)]
        for box in boxes:
            if any(box is end for end in ends):
                continue
            inside = [p for p in samples if box.shrunk(0.9, 0.8).contains(*p)]
            assert not inside, "an edge is drawn through a box that is not one of its ends"


def test_edge_labels_overlap_no_box_and_no_other_label():
    a, b = Value(3.0), Value(2.0)
    q = (a + b * -1) * b**-1  # the lesson's (a - b) / b, as the student's engine builds it
    q.backward()
    fig = Figure(figsize=(10, 3.2), layout="constrained")
    ax = plotting.draw_expression(q, ax=fig.add_subplot(), names={a: "a", b: "b", q: "q"})
    boxes, labels = _display_boxes(ax)
    assert sorted(t.get_text() for t in ax.texts if "data" not in t.get_text() and t.get_text()) == \
        sorted(["1", "1", "-1", "2", "-0.25", "1", "0.5"])
    for i, label in enumerate(labels):
        assert not any(label.overlaps(box) for box in boxes)
        assert not any(label.overlaps(other) for other in labels[i + 1:])


def test_highlight_colours_the_edges_leaving_a_node():
    g, a, b = micrograd_example()
    ax = plotting.draw_expression(g, names={a: "a", b: "b"}, show_local_grads=False,
                                  highlight={a: "tab:blue"})
    graph = plotting.expression_graph(g)
    a_edges = sum(1 for u, _ in graph.edges if graph.nodes[u]["value"] is a)
    blue = [p for p in ax.patches if isinstance(p, FancyArrowPatch)
            and np.allclose(p.get_edgecolor()[:3], to_rgb("tab:blue"))]
    assert len(blue) == a_edges > 1


def test_the_margin_losses_figure_shows_the_three_losses_of_one_point():
    ax = plotting.plot_margin_losses()
    mistakes, squared, hinge = ax.get_lines()[:3]
    m = hinge.get_xdata()
    np.testing.assert_allclose(hinge.get_ydata(), np.maximum(0, 1 - m))
    np.testing.assert_allclose(squared.get_ydata(), (1 - m) ** 2)
    np.testing.assert_allclose(mistakes.get_ydata(), np.where(m < 0, 1.0, 0.0))
    assert [t.get_text().split(":")[0] for t in ax.get_legend().get_texts()] == \
        ["mistake count", "squared error", "hinge"]
    ax.figure.savefig(io.BytesIO(), format="png")
