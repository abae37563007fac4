"""Figures for lesson 04: the computation graph of an expression, and what a tiny MLP learned.

The graph is drawn by matplotlib from a networkx ``DiGraph`` with a layered layout (no system
graphviz): leaves on the left, each node one layer right of its deepest input, the output last.
Every node shows its ``data`` and ``grad`` (``∂output/∂node``); every edge ``parent → child``
shows the local derivative ``∂child/∂parent`` the engine stored there, so the chain rule can be
read off the picture: ``parent.grad = Σ over its edges of (edge label) × child.grad``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import networkx as nx
import numpy as np
from matplotlib.axes import Axes

from ..autograd import Value, topological_order
from .axes import new_axes


def _short(x: float) -> str:
    return f"{x:.4g}"


def expression_graph(root: Value, names: Mapping[Value, str] | None = None) -> nx.DiGraph:
    """The graph that computed ``root``, as a ``DiGraph`` ready to draw or to inspect.

    Nodes are the integers ``0 … n−1`` in topological order (``root`` is ``n−1``), with the
    attributes ``value`` (the :class:`~course_lib.autograd.Value`), ``name`` (from ``names``, else
    the node's ``label``, else ``""``), ``op`` (``""`` for leaves), ``data``, ``grad`` and
    ``layer``: an operation is one layer right of its deepest input (counting every leaf as 0),
    and a leaf sits one layer left of its first user, so that a constant such as the ``10`` of
    ``10.0 / f`` is drawn next to the operation that uses it. An edge ``parent → child``
    carries ``local_grad = ∂child/∂parent``; an input used twice by one node (``a + a``) gives one
    edge with ``multiplicity = 2`` and the summed local derivative (``∂(a+a)/∂a = 2``).

    Any engine whose nodes keep ``data``, ``grad``, ``_parents`` and ``_local_grads`` can be drawn
    (``_op`` and ``label`` are optional): lesson 04 draws the student's own ``Value`` too.
    """
    names = names or {}
    order = topological_order(root)
    index = {node: i for i, node in enumerate(order)}
    graph = nx.DiGraph()
    for i, node in enumerate(order):
        layer = 1 + max(graph.nodes[index[p]]["layer"] for p in node._parents) if node._parents else 0
        graph.add_node(i, value=node, name=names.get(node, getattr(node, "label", "")),
                       op=getattr(node, "_op", ""), data=node.data, grad=node.grad, layer=layer)
        for parent, local_grad in zip(node._parents, node._local_grads, strict=True):
            edge = (index[parent], i)
            if graph.has_edge(*edge):
                graph.edges[edge]["local_grad"] += local_grad
                graph.edges[edge]["multiplicity"] += 1
            else:
                graph.add_edge(*edge, local_grad=local_grad, multiplicity=1)
    for node in graph:  # leaves were counted as 0 above; now move each next to its first user
        users = list(graph.successors(node))
        if graph.in_degree(node) == 0 and users:
            graph.nodes[node]["layer"] = min(graph.nodes[user]["layer"] for user in users) - 1
    return graph


def layered_layout(graph: nx.DiGraph) -> dict[int, tuple[float, float]]:
    """``x = layer``; within a layer the nodes are stacked top to bottom in topological order,
    one unit apart and centred on ``y = 0``."""
    layers: dict[int, list[int]] = {}
    for node in sorted(graph.nodes):
        layers.setdefault(graph.nodes[node]["layer"], []).append(node)
    return {node: (float(layer), (len(members) - 1) / 2 - row)
            for layer, members in layers.items() for row, node in enumerate(members)}


def node_text(attributes: Mapping[str, Any], show_grad: bool = True) -> str:
    """A node's box: its name and operation (if any), ``data``, and ``grad``."""
    op = f"({attributes['op']})" if attributes["op"] else ""
    title = " ".join(part for part in (attributes["name"], op) if part)
    lines = [title] if title else []
    lines.append(f"data {_short(attributes['data'])}")
    if show_grad:
        lines.append(f"grad {_short(attributes['grad'])}")
    return "\n".join(lines)


def draw_expression(root: Value, ax: Axes | None = None, names: Mapping[Value, str] | None = None,
                    show_grad: bool = True, show_local_grads: bool = True) -> Axes:
    """Draw the graph of ``root`` (see :func:`expression_graph`) left to right on ``ax``.

    Boxes: leaves in blue, operations in grey, ``root`` in orange. Edge labels (if
    ``show_local_grads``): ``∂child/∂parent``.
    """
    graph = expression_graph(root, names)
    pos = layered_layout(graph)
    n_layers = 1 + max(x for x, _ in pos.values())
    tallest = max(sum(1 for x, _ in pos.values() if x == layer) for layer in range(int(n_layers)))
    ax = new_axes(ax, figsize=(max(6.0, 2.2 * n_layers), max(2.5, 1.1 * tallest)))
    boxes = {}
    for node, attributes in graph.nodes(data=True):
        colour = "#ffd8a8" if node == len(graph) - 1 else "#d0e2ff" if not attributes["op"] else "#eeeeee"
        boxes[node] = ax.text(*pos[node], node_text(attributes, show_grad), ha="center", va="center",
                              fontsize=8, family="monospace", zorder=3,
                              bbox={"boxstyle": "round,pad=0.4", "facecolor": colour, "edgecolor": "0.4"})
    for parent, child, attributes in graph.edges(data=True):
        ax.annotate("", xy=pos[child], xytext=pos[parent], zorder=1,
                    arrowprops={"arrowstyle": "-|>", "color": "0.5", "shrinkA": 28, "shrinkB": 28})
        if show_local_grads:
            (x0, y0), (x1, y1) = pos[parent], pos[child]
            ax.text(x0 + 0.55 * (x1 - x0), y0 + 0.55 * (y1 - y0), _short(attributes["local_grad"]),
                    ha="center", va="center", fontsize=7, color="0.3", zorder=2,
                    bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none"})
    ys = [y for _, y in pos.values()]
    ax.set_xlim(-0.6, n_layers - 0.4)
    ax.set_ylim(min(ys) - 0.7, max(ys) + 0.7)
    ax.set_axis_off()
    legend = ["edge label: ∂child/∂parent"] if show_local_grads else []
    legend += ["grad: ∂output/∂node"] if show_grad else []
    ax.set_title(";  ".join(legend), fontsize=9)
    return ax


# --- a tiny classifier ------------------------------------------------------------------------


def mlp_scores(model: Any, points: Any) -> np.ndarray:
    """The output of an MLP (the course's or micrograd's) for each row of ``points``, with numpy
    from its parameters' ``data`` — no graph, so a whole grid is fast. Per layer:
    ``h ← W·h + b``, then ``relu`` for the neurons with ``nonlin``."""
    h = np.asarray(points, dtype=np.float64)
    for layer in model.layers:
        weights = np.array([[w.data for w in neuron.w] for neuron in layer.neurons], dtype=np.float64)
        biases = np.array([neuron.b.data for neuron in layer.neurons], dtype=np.float64)
        nonlin = np.array([neuron.nonlin for neuron in layer.neurons])
        h = h @ weights.T + biases
        h = np.where(nonlin, np.maximum(h, 0.0), h)
    return h[:, 0] if h.shape[1] == 1 else h


def plot_decision_boundary(model: Any, X: Any, y: Any, ax: Axes | None = None, resolution: int = 150,
                           margin: float = 0.5) -> Axes:
    """The plane coloured by the sign of the model's score (its prediction), the boundary
    ``score = 0`` as a line, and the samples ``X`` coloured by their labels ``y`` (±1)."""
    ax = new_axes(ax, figsize=(5.0, 4.0))
    X, y = np.asarray(X, dtype=np.float64), np.asarray(y)
    (x_min, y_min), (x_max, y_max) = X.min(axis=0) - margin, X.max(axis=0) + margin
    xx, yy = np.meshgrid(np.linspace(x_min, x_max, resolution), np.linspace(y_min, y_max, resolution))
    scores = mlp_scores(model, np.column_stack([xx.ravel(), yy.ravel()])).reshape(xx.shape)
    ax.contourf(xx, yy, scores > 0, levels=[-0.5, 0.5, 1.5], colors=["#c6dbef", "#fdd0a2"], alpha=0.8)
    if scores.min() < 0 < scores.max():
        ax.contour(xx, yy, scores, levels=[0.0], colors="0.3", linewidths=1)
    for label, colour, marker in ((-1, "C0", "o"), (1, "C1", "s")):
        ax.scatter(*X[y == label].T, c=colour, marker=marker, s=18, edgecolors="k", linewidths=0.4,
                   label=f"y = {label:+d}")
    accuracy = float(np.mean((mlp_scores(model, X) > 0) == (y > 0)))
    ax.set_title(f"decision boundary (accuracy {accuracy:.0%})", fontsize=10)
    ax.set_xlabel("x₁")
    ax.set_ylabel("x₂")
    ax.legend(fontsize="small", loc="upper right")
    return ax


def plot_training_history(history: Sequence[tuple[float, float]], ax: Axes | None = None) -> Axes:
    """The loss (left axis) and the accuracy (right axis) of every step of
    :func:`course_lib.autograd.train_classifier`."""
    ax = new_axes(ax)
    steps = np.arange(len(history))
    losses, accuracies = np.array(history, dtype=np.float64).reshape(-1, 2).T
    ax.plot(steps, losses, color="C3", label="loss")
    ax.set_xlabel("step")
    ax.set_ylabel("loss", color="C3")
    right = ax.twinx()
    right.plot(steps, accuracies, color="C2", label="accuracy")
    right.set_ylim(0, 1.05)
    right.set_ylabel("accuracy", color="C2")
    return ax
