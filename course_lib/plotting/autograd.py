"""Figures for lesson 04: the computation graph of an expression, and what a tiny MLP learned.

The graph is drawn by matplotlib from a networkx ``DiGraph`` with a layered layout (no system
graphviz): leaves on the left, each node one layer right of its deepest input, the output last.
Every node shows its ``data`` and ``grad`` (``∂output/∂node``); every edge ``parent → child``
shows the local derivative ``∂child/∂parent`` the engine stored there, so the chain rule can be
read off the picture: ``parent.grad = Σ over its edges of (edge label) × child.grad``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import networkx as nx
import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import FancyArrowPatch
from matplotlib.path import Path
from matplotlib.transforms import Bbox

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


Route = list[Any]
"""An edge's way through the layers: ``[parent, dummy, …, dummy, child]``. A dummy is a tuple
``("via", parent, child, layer)``: a point the edge passes in an intermediate layer, which takes a
(narrow) place in that layer's column like a node, so no edge is drawn through a box."""

DUMMY_SIZE = 0.45
"""The room a passing edge takes in a column, next to a node's 1."""


def _crossings(upper: list[Any], lower: list[Any], segments: list[tuple[Any, Any]]) -> int:
    """How many of the ``segments`` (from a member of ``upper`` to one of ``lower``) cross."""
    rank_upper = {item: i for i, item in enumerate(upper)}
    rank_lower = {item: i for i, item in enumerate(lower)}
    ends = sorted((rank_upper[a], rank_lower[b]) for a, b in segments if a in rank_upper and b in rank_lower)
    return sum(1 for i, (a1, b1) in enumerate(ends) for a2, b2 in ends[i + 1:] if a2 > a1 and b2 < b1)


Layers = dict[int, list[Any]]
Routes = dict[tuple[int, int], Route]


def layer_orders(graph: nx.DiGraph, sweeps: int = 12) -> tuple[Layers, Routes]:
    """Each layer's members top to bottom (nodes and dummies), and each edge's route.

    A layered drawing in the manner of Sugiyama: every edge that skips layers gets a dummy in each
    layer it passes; then the members of each layer are ordered to cross few edges — sweeps of the
    barycentre rule (a member goes to the mean rank of its neighbours in the layer before, or
    after), then swaps of neighbours while a swap removes crossings. The order with the fewest
    crossings seen is kept. Deterministic: ties keep the topological order.
    """
    layer_of = {node: graph.nodes[node]["layer"] for node in graph}
    routes: dict[tuple[int, int], Route] = {}
    for parent, child in graph.edges:
        via = [("via", parent, child, layer) for layer in range(layer_of[parent] + 1, layer_of[child])]
        for dummy in via:
            layer_of[dummy] = dummy[3]
        routes[(parent, child)] = [parent, *via, child]
    segments = [(route[i], route[i + 1]) for route in routes.values() for i in range(len(route) - 1)]
    before: dict[Any, list[Any]] = {item: [] for item in layer_of}
    after: dict[Any, list[Any]] = {item: [] for item in layer_of}
    for a, b in segments:
        after[a].append(b)
        before[b].append(a)
    n_layers = 1 + max(layer_of.values())

    def sort_key(item: Any) -> tuple[int, int]:
        return (item[1], item[2]) if isinstance(item, tuple) else (item, -1)

    layers = [sorted((item for item, layer in layer_of.items() if layer == k), key=sort_key)
              for k in range(n_layers)]

    def total(orders: list[list[Any]]) -> int:
        return sum(_crossings(orders[k], orders[k + 1], segments) for k in range(n_layers - 1))

    def barycentre(k: int, neighbours: dict[Any, list[Any]], reference: list[Any]) -> None:
        rank = {item: i for i, item in enumerate(reference)}
        current = {item: i for i, item in enumerate(layers[k])}
        keys = {item: (sum(rank[n] for n in neighbours[item]) / len(neighbours[item])
                       if neighbours[item] else current[item] * len(reference) / max(1, len(layers[k])))
                for item in layers[k]}
        layers[k].sort(key=lambda item: keys[item])

    def around(k: int) -> int:
        """The crossings between layer ``k`` and its two neighbours."""
        return sum(_crossings(layers[j], layers[j + 1], segments)
                   for j in (k - 1, k) if 0 <= j < n_layers - 1)

    def swap_neighbours() -> None:
        improved = True
        while improved:
            improved = False
            for k in range(n_layers):
                for i in range(len(layers[k]) - 1):
                    old = around(k)
                    layers[k][i], layers[k][i + 1] = layers[k][i + 1], layers[k][i]
                    if around(k) < old:
                        improved = True
                    else:
                        layers[k][i], layers[k][i + 1] = layers[k][i + 1], layers[k][i]

    best, best_count = [list(layer) for layer in layers], total(layers)
    for sweep in range(sweeps):
        if sweep % 2 == 0:
            for k in range(1, n_layers):
                barycentre(k, before, layers[k - 1])
        else:
            for k in range(n_layers - 2, -1, -1):
                barycentre(k, after, layers[k + 1])
        swap_neighbours()
        count = total(layers)
        if count < best_count:
            best, best_count = [list(layer) for layer in layers], count
    return dict(enumerate(best)), routes


def layout_with_routes(graph: nx.DiGraph) -> tuple[dict[Any, tuple[float, float]], Routes]:
    """``(pos, routes)``: the position of every node and dummy, and every edge's route
    (:func:`layer_orders`). ``x = layer``; down a column the members are stacked in their order,
    a node taking 1 unit and a dummy :data:`DUMMY_SIZE`, centred on ``y = 0``."""
    orders, routes = layer_orders(graph)
    pos: dict[Any, tuple[float, float]] = {}
    for layer, members in orders.items():
        sizes = [DUMMY_SIZE if isinstance(item, tuple) else 1.0 for item in members]
        centres = np.cumsum(sizes) - np.array(sizes) / 2
        middle = sum(sizes) / 2
        for item, centre in zip(members, centres, strict=True):
            pos[item] = (float(layer), float(middle - centre))
    return pos, routes


def layered_layout(graph: nx.DiGraph) -> dict[int, tuple[float, float]]:
    """``x = layer``; within a layer the nodes (and the edges passing through, see
    :func:`layout_with_routes`) are stacked top to bottom in an order that crosses few edges,
    centred on ``y = 0``. Only the nodes' positions are returned."""
    pos, _ = layout_with_routes(graph)
    return {node: xy for node, xy in pos.items() if not isinstance(node, tuple)}


def node_text(attributes: Mapping[str, Any], show_grad: bool = True) -> str:
    """A node's box: its name and operation (if any), ``data``, and ``grad``."""
    op = f"({attributes['op']})" if attributes["op"] else ""
    title = " ".join(part for part in (attributes["name"], op) if part)
    lines = [title] if title else []
    lines.append(f"data {_short(attributes['data'])}")
    if show_grad:
        lines.append(f"grad {_short(attributes['grad'])}")
    return "\n".join(lines)


def _ports(routes: Routes, centre: Mapping[Any, np.ndarray], extents: Mapping[int, Bbox],
           gap: float = 2.0) -> dict[tuple[int, int], tuple[np.ndarray, np.ndarray]]:
    """Where each edge leaves its parent and enters its child (display units): on the right side of
    the parent's box and the left side of the child's, a little outside, so that an edge only ever
    runs in the gaps between columns. The edges at one side of a box are spread over the middle 60 %
    of its height, in the order of where they come from or go to, so they do not cross there."""
    outgoing: dict[int, list[tuple[int, int]]] = {}
    incoming: dict[int, list[tuple[int, int]]] = {}
    for edge in routes:
        outgoing.setdefault(edge[0], []).append(edge)
        incoming.setdefault(edge[1], []).append(edge)

    def spread(node: int, edges: list[tuple[int, int]], other_end: Callable[[tuple[int, int]], Any],
               x: float) -> dict[tuple[int, int], np.ndarray]:
        extent = extents[node]
        ranked = sorted(edges, key=lambda edge: -centre[other_end(edge)][1])
        n = len(ranked)
        return {edge: np.array([x, centre[node][1] + (0.5 - (i + 0.5) / n) * 0.6 * extent.height])
                for i, edge in enumerate(ranked)}

    starts: dict[tuple[int, int], np.ndarray] = {}
    ends: dict[tuple[int, int], np.ndarray] = {}
    for node, edges in outgoing.items():  # towards the first point of the route after the parent
        starts |= spread(node, edges, lambda edge: routes[edge][1], extents[node].x1 + gap)
    for node, edges in incoming.items():  # from the last point of the route before the child
        ends |= spread(node, edges, lambda edge: routes[edge][-2], extents[node].x0 - gap - 1.0)
    return {edge: (starts[edge], ends[edge]) for edge in routes}


def _overlaps(box: Bbox, others: Sequence[Bbox]) -> bool:
    return any(box.overlaps(other) for other in others)


def draw_expression(root: Value, ax: Axes | None = None, names: Mapping[Value, str] | None = None,
                    show_grad: bool = True, show_local_grads: bool = True,
                    highlight: Mapping[Value, str] | None = None) -> Axes:
    """Draw the graph of ``root`` (see :func:`expression_graph`) left to right on ``ax``.

    Boxes: leaves in blue, operations in grey, ``root`` in orange. Edges go around boxes, never
    through them: each leaves its parent's box on the right and enters its child's on the left
    (:func:`_ports`), and crosses any column in between level, in a slot of its own
    (:func:`layout_with_routes`). Edge labels (if ``show_local_grads``): ``∂child/∂parent``, each
    put at the first place along its edge (from the middle outwards) where it overlaps no box and
    no other label.
    ``highlight`` colours the edges leaving the given nodes (e.g. ``{a: "C0"}``) so their uses
    can be followed.
    """
    graph = expression_graph(root, names)
    pos, routes = layout_with_routes(graph)
    n_layers = 1 + max(x for x, _ in pos.values())
    ys = [y for _, y in pos.values()]
    height = max(ys) - min(ys) + 1
    ax = new_axes(ax, figsize=(max(6.0, 2.2 * n_layers), max(2.5, 0.75 * height)))
    ax.set_xlim(-0.6, n_layers - 0.4)
    ax.set_ylim(min(ys) - 0.7, max(ys) + 0.7)
    ax.set_axis_off()
    legend = ["edge label: ∂child/∂parent"] if show_local_grads else []
    legend += ["grad: ∂output/∂node"] if show_grad else []
    ax.set_title(";  ".join(legend), fontsize=9)
    highlight = highlight or {}
    edge_colour = {node: highlight[attributes["value"]] for node, attributes in graph.nodes(data=True)
                   if attributes["value"] in highlight}
    boxes = {}
    for node, attributes in graph.nodes(data=True):
        colour = "#ffd8a8" if node == len(graph) - 1 else "#d0e2ff" if not attributes["op"] else "#eeeeee"
        boxes[node] = ax.text(*pos[node], node_text(attributes, show_grad), ha="center", va="center",
                              fontsize=8, family="monospace", zorder=3,
                              bbox={"boxstyle": "round,pad=0.4", "facecolor": colour, "edgecolor": "0.4"})
    ax.figure.draw_without_rendering()  # lays the figure out, so boxes have their final size
    to_display, to_data = ax.transData, ax.transData.inverted()
    extents = {node: box.get_bbox_patch().get_window_extent() for node, box in boxes.items()}
    centre = {item: to_display.transform(xy) for item, xy in pos.items()}
    column_half_width = {}
    for node, extent in extents.items():
        layer = pos[node][0]
        column_half_width[layer] = max(column_half_width.get(layer, 0.0), extent.width / 2)
    ports = _ports(routes, centre, extents)
    placed = list(extents.values())
    for (parent, child), route in routes.items():
        points = [ports[(parent, child)][0]]
        for dummy in route[1:-1]:  # cross a column level, in the dummy's own slot
            x, y = centre[dummy]
            half = column_half_width.get(pos[dummy][0], 0.0) + 2.0
            points += [np.array([x - half, y]), np.array([x + half, y])]
        points.append(ports[(parent, child)][1])
        points = np.array(points)
        colour = edge_colour.get(parent, "0.5")
        ax.add_patch(FancyArrowPatch(path=Path(to_data.transform(points)), arrowstyle="-|>",
                                     mutation_scale=10, color=colour, linewidth=1.0, zorder=1,
                                     shrinkA=0, shrinkB=0))
        if show_local_grads:
            label = ax.text(0, 0, _short(graph.edges[parent, child]["local_grad"]), ha="center",
                            va="center", fontsize=7, color="0.25" if colour == "0.5" else colour, zorder=2,
                            bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none"})
            size = label.get_window_extent()
            lengths = np.hypot(*np.diff(points, axis=0).T)
            along = np.concatenate([[0.0], np.cumsum(lengths)])
            for t in (0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8, 0.5):  # the last: the middle, if all collide
                spot = np.array([np.interp(t * along[-1], along, points[:, i]) for i in (0, 1)])
                box = Bbox.from_bounds(spot[0] - size.width / 2 - 2, spot[1] - size.height / 2 - 2,
                                       size.width + 4, size.height + 4)
                if not _overlaps(box, placed):
                    break
            label.set_position(tuple(to_data.transform(spot)))
            placed.append(box)
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
    ax.legend(fontsize="small", loc="center left", bbox_to_anchor=(1.02, 0.5))
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


def plot_margin_losses(ax: Axes | None = None, margins: tuple[float, float] = (-2.0, 3.0)) -> Axes:
    """The loss of one point as a function of its margin ``m = y · score`` (``y = ±1``; ``m > 0``
    when the sign of the score is right), for three ways of scoring a classifier:

    * the mistake count, 1 for ``m < 0`` and 0 otherwise — what accuracy counts, but flat
      everywhere, so its gradient says nothing;
    * the squared error ``(score − y)² = (1 − m)²`` of lessons 01–03, which also punishes a point
      that is right by a lot (``m > 1``);
    * the hinge loss ``max(0, 1 − m)``: 0 once the point is right with a margin of 1, and a slope
      of −1 below that.
    """
    ax = new_axes(ax, figsize=(9.0, 3.6))
    m = np.linspace(*margins, 501)
    ax.plot(m, np.where(m < 0, 1.0, 0.0), color="0.45", linewidth=1.5, drawstyle="steps-post",
            label="mistake count: 1 if y·s < 0 else 0")
    ax.plot(m, (1 - m) ** 2, color="C0", linestyle="--", label="squared error: (s − y)² = (1 − y·s)²")
    ax.plot(m, np.maximum(0.0, 1 - m), color="C3", linewidth=2, label="hinge: max(0, 1 − y·s)")
    ax.axvline(0.0, color="0.7", linewidth=0.8)
    ax.axvline(1.0, color="0.7", linewidth=0.8, linestyle=":")
    ax.annotate("wrong side | right side", (0.0, 3.6), ha="center", va="top", fontsize="small",
                color="0.4")
    ax.annotate("margin 1", (1.0, 2.0), xytext=(4, 0), textcoords="offset points", ha="left", va="top",
                fontsize="small", color="0.4")
    ax.set_ylim(-0.1, 3.7)
    ax.set_xlim(*margins)
    ax.set_xlabel("margin y·s (label times score)")
    ax.set_ylabel("loss of one point")
    ax.legend(fontsize="small", loc="center left", bbox_to_anchor=(1.02, 0.5))
    return ax
