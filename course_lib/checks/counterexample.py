"""Lesson 04, exercise 5: ``counterexample()``, a graph on which ``=`` for ``+=`` goes wrong.

The answer returns a pair ``(x, out)`` built with any engine whose nodes keep ``_parents`` and
``_local_grads`` (the course's, or the student's own). It passes when :func:`assigning_backward`
(the backward pass with ``parent.grad = …`` for ``parent.grad += …``) gets ``∂out/∂x`` wrong.

A plain :class:`~.core.Check`. Its cases are the orders in which :func:`assigning_backward`
visits the nodes: the course's topological order (public), and also each node's inputs visited in
reverse (hidden, :func:`order_inputs_reversed`), so that an answer may not rely on which of two
writes happens to come last. Each case calls ``counterexample()`` twice: the two graphs must be
separate objects (a graph built once, outside the function, is shared by every call), and the
first is sent out of the student's kernel as plain data. The grader rebuilds it with course nodes,
afresh for each backward pass (every ``grad`` 0, whatever the student's code did to its own graph),
and classifies it (:class:`Exposure`): the bug shows; or no node is used twice; or the reused node
is off ``x``'s path; or the contributions ``=`` drops are 0 at these values; or ``x`` is ``out``,
or not in its graph. The known mistakes are graphs of each kind, so the hint comes from the one
report path of :mod:`.core`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from .. import autograd as ref
from .coerce import CoercionError, as_float
from .core import Case, Check, Mistake, close_floats
from .graph_runs import Unanswerable, is_node, readable, shown
from .programs import GraphTooLarge, graph_nodes, tokens
from .text import number

LARGEST_GRAPH = 20_000
"""The most nodes a counterexample's graph may have (a few are enough)."""

COURSE_ORDER = "course order"
INPUTS_REVERSED = "inputs reversed"


@dataclass(frozen=True)
class OrderCase(Case):
    """A case of the counterexample: its one argument names the order :func:`assigning_backward` uses."""

    def describe(self, name: str, params: Sequence[str]) -> str:
        if self.args[0] == INPUTS_REVERSED:
            return (f"{name}(), with assigning_backward visiting each node's inputs in reverse "
                    "(another valid order)")
        return f"{name}()"


# --- the bug, and a second valid order -------------------------------------------------------------


def order_inputs_reversed(root: Any) -> list[Any]:
    """Another valid topological order: depth first, each node's inputs visited last to first.

    Found by the course's :func:`~course_lib.autograd.topological_order` on a mirror image of the
    graph whose nodes list their inputs in reverse (so this module holds no sort of its own)."""
    nodes = graph_nodes(root)
    index = tokens(nodes)
    mirror = [ref.Value(0.0) for _ in nodes]
    for node, image in zip(nodes, mirror, strict=True):
        image._parents = tuple(mirror[index[id(parent)]] for parent in reversed(tuple(node._parents)))
    position = tokens(mirror)
    return [nodes[position[id(image)]] for image in ref.topological_order(mirror[0])]


def assigning_backward(root: Any, order: Callable[[Any], list[Any]] | None = None) -> None:
    """The bug of the exercise: :func:`course_lib.autograd.backward` with ``parent.grad = …`` for
    ``parent.grad += …``, so a node used several times keeps only the contribution written last.
    ``order`` sorts the nodes (default: the course's topological order)."""
    root.grad = 1.0
    for node in reversed(ref.topological_order(root) if order is None else order(root)):
        for parent, local_grad in zip(node._parents, node._local_grads, strict=True):
            parent.grad = local_grad * node.grad


# --- the student's side: the graph as plain data -----------------------------------------------------


def _number_of(value: Any, what: str) -> float:
    try:
        return as_float(value)
    except CoercionError as exc:
        raise CoercionError(f"{what}: {exc}") from None


def graph_data(x: Any, out: Any) -> dict[str, Any]:
    """The graph of ``out`` as plain data (runs where the student's code runs): per node, in the
    order of :func:`.programs.graph_nodes`, its ``data``, ``_local_grads`` and the tokens of its
    ``_parents``; and the token of ``x`` (``-1`` if ``out`` does not depend on it)."""
    nodes = graph_nodes(out, limit=LARGEST_GRAPH)
    index = tokens(nodes)
    data, local_grads, parents = [], [], []
    for node in nodes:
        inputs, slopes = tuple(node._parents), tuple(node._local_grads)
        if len(inputs) != len(slopes):
            raise CoercionError(f"a node has {len(inputs)} inputs (_parents) but {len(slopes)} local "
                                "derivatives (_local_grads)")
        data.append(_number_of(node.data, "a node's data"))
        local_grads.append([_number_of(slope, "a local derivative") for slope in slopes])
        parents.append([index[id(parent)] for parent in inputs])
    return {"x": index.get(id(x), -1), "data": data, "local_grads": local_grads, "parents": parents}


def _is_pair(result: Any) -> bool:
    return isinstance(result, tuple | list) and len(result) == 2 and all(map(is_node, result))


def _graph_of(first: Any, second: Any) -> dict[str, Any] | Unanswerable:
    """The graph of the first call's result, or why there is none (the second call only shows
    whether each call builds a graph of its own)."""
    if not _is_pair(first):
        said = "None (did you forget `return`?)" if first is None else shown(first)
        return Unanswerable(f"counterexample() must return a pair (x, out) of Values; it returned {said}")
    if _is_pair(second) and (first[0] is second[0] or first[1] is second[1]):
        return Unanswerable("it returned the very same x and out on two calls: it must build a new graph "
                            "each time it is called (make the Values inside the function), so that every "
                            "backward pass starts from a fresh graph")
    try:
        return graph_data(*first)
    except GraphTooLarge as exc:
        return Unanswerable(f"the graph of out has {exc}; a few nodes are enough")
    except Exception as exc:  # noqa: BLE001 - a student's nodes may raise anything when read
        detail = exc if isinstance(exc, CoercionError) else repr(exc)
        return Unanswerable(f"the graph of out cannot be read: {detail}")


def _graph_answer(student: Callable[[], Any]) -> Callable[[str], Any]:
    """``counterexample`` as a function of a case (an order, which only the grader uses): call it
    twice, return the first graph as plain data."""
    def answer(order: str) -> Any:
        first = student()
        second = student()
        return _graph_of(first, second)
    answer.__name__ = getattr(student, "__name__", "counterexample")
    return answer


def _numbers(value: Any, what: str) -> list[float]:
    if type(value) is not list or not all(type(v) in (int, float) for v in value):
        raise CoercionError(f"the graph of out cannot be read: malformed {what}")
    try:
        return [float(v) for v in value]
    except OverflowError:
        raise CoercionError(f"the graph of out cannot be read: malformed {what}") from None


@readable
def checked_graph(value: Any) -> dict[str, Any]:
    """An observed graph, checked to be well formed (untrusted: it crossed the sandbox wall)."""
    unreadable = CoercionError("the graph of out cannot be read")
    if type(value) is not dict or not {"x", "data", "local_grads", "parents"} <= set(value):
        raise unreadable
    data, local_grads, parents = value["data"], value["local_grads"], value["parents"]
    if not all(type(part) is list for part in (data, local_grads, parents)):
        raise unreadable
    n = len(data)
    if not (0 < n <= LARGEST_GRAPH and len(local_grads) == n == len(parents) and type(value["x"]) is int):
        raise unreadable
    slopes = [_numbers(s, "local derivatives") for s in local_grads]
    inputs = [p if type(p) is list and all(type(i) is int and 0 <= i < n for i in p) else None
              for p in parents]
    if any(p is None or len(p) != len(s) for p, s in zip(inputs, slopes, strict=True)):
        raise CoercionError("the graph of out cannot be read: malformed inputs")
    return {"x": value["x"], "data": _numbers(data, "data"), "local_grads": slopes, "parents": inputs}


# --- the grader's side: what the graph shows --------------------------------------------------------


class ExposureKind(StrEnum):
    """What a counterexample's graph shows about :func:`assigning_backward`."""

    EXPOSED = "exposed"
    OUT_AS_X = "out as x"
    X_OFF_GRAPH = "x off the graph"
    NO_REUSE = "no reuse"
    OFF_PATH = "reuse off the path"
    COINCIDE = "dropped contributions are 0"


@dataclass(frozen=True)
class Exposure:
    """The kind of a graph (:class:`ExposureKind`) and the sentence saying what it shows."""

    kind: ExposureKind
    detail: str

    def __repr__(self) -> str:
        return self.detail


def _course_nodes(graph: dict[str, Any]) -> list[ref.Value]:
    """A fresh course-``Value`` copy of an observed graph (every ``grad`` 0), by token."""
    nodes = [ref.Value(data) for data in graph["data"]]
    for node, inputs, slopes in zip(nodes, graph["parents"], graph["local_grads"], strict=True):
        node._parents = tuple(nodes[i] for i in inputs)
        node._local_grads = tuple(slopes)
    return nodes


def _why_right(x: ref.Value, out: ref.Value) -> ExposureKind:
    """Why a graph on which ``=`` gives the right ``∂out/∂x`` does not expose the bug."""
    nodes = ref.topological_order(out)
    uses = Counter(id(parent) for node in nodes for parent in node._parents)
    reused = [node for node in nodes if uses[id(node)] > 1]
    if not reused:
        return ExposureKind.NO_REUSE
    if not any(any(node is x for node in ref.topological_order(r)) for r in reused):
        return ExposureKind.OFF_PATH
    return ExposureKind.COINCIDE


def exposure(args: tuple[Any, ...], graph: dict[str, Any]) -> Exposure:
    """What ``graph`` shows when :func:`assigning_backward` visits it in the case's order."""
    x = graph["x"]
    if x == 0:
        return Exposure(ExposureKind.OUT_AS_X, "it returned out itself as x: ∂out/∂out = 1 whatever the "
                        "backward pass. Return a node that out was computed from, such as a leaf")
    if not 0 < x < len(graph["data"]):
        return Exposure(ExposureKind.X_OFF_GRAPH, "x is not part of the graph of out: out was not computed "
                        "from it. Build out from x, then return x, out")
    right_nodes = _course_nodes(graph)
    ref.backward(right_nodes[0])
    right = right_nodes[x].grad
    nodes = _course_nodes(graph)
    assigning_backward(nodes[0], order_inputs_reversed if args[0] == INPUTS_REVERSED else None)
    wrong = nodes[x].grad
    if close_floats(right, wrong) is not None:
        return Exposure(ExposureKind.EXPOSED,
                        f"with `=`, ∂out/∂x comes out as {number(wrong)}; the true value is {number(right)}")
    return Exposure(_why_right(nodes[x], nodes[0]),
                    f"assigning_backward gives ∂out/∂x = {number(wrong)}, which is right: the graph does not "
                    "show the bug")


def _same_kind(expected: Exposure, got: Exposure) -> str | None:
    return None if expected.kind == got.kind else got.detail


# --- the reference and the known mistakes: graphs, as student code ----------------------------------


def _reused() -> tuple[ref.Value, ref.Value]:
    x = ref.Value(3.0)
    return x, x + x


def _no_reuse() -> tuple[ref.Value, ref.Value]:
    x, w = ref.Value(2.0), ref.Value(3.0)
    return x, x * w


def _reuse_off_the_path() -> tuple[ref.Value, ref.Value]:
    x, w = ref.Value(2.0), ref.Value(3.0)
    return x, x * (w + w)


def _zero_contributions() -> tuple[ref.Value, ref.Value]:
    x = ref.Value(0.0)
    return x, x * x


def _order_dependent() -> tuple[ref.Value, ref.Value]:
    """x feeds p (local derivative 0) and q (3): `=` is wrong in the course order only."""
    x, zero = ref.Value(2.0), ref.Value(0.0)
    return x, x * zero + x * 3.0


NO_REUSE_HINT = ("every node of your graph is used by one operation only, so each grad is written once and "
                 "`=` does no harm. The bug needs a node that is used twice, as in b = a + a.")
OFF_PATH_HINT = ("a node of your graph is used twice, but the gradient of x does not flow through it: make x "
                 "itself, or a node computed from x, the one that is used twice.")
COINCIDE_HINT = ("your graph uses a node twice, but at these values the contributions that `=` throws away "
                 "are 0 (a local derivative of 0: a * a at a = 0, a ReLU switched off, …), so `=` happens to "
                 "give the right number. Choose other values.")

counterexample = Check(
    name="counterexample",
    params=(),
    reference=lambda order: graph_data(*_reused()),
    public=(OrderCase((COURSE_ORDER,)),),
    hidden=lambda rng: [OrderCase((COURSE_ORDER,)), OrderCase((INPUTS_REVERSED,))],
    adapt=_graph_answer,
    coerce=checked_graph,
    interpret=exposure,
    compare=_same_kind,
    mistakes=(
        Mistake(NO_REUSE_HINT, _no_reuse),
        Mistake(OFF_PATH_HINT, _reuse_off_the_path),
        Mistake(COINCIDE_HINT, _zero_contributions),
        Mistake(COINCIDE_HINT, _order_dependent),
    ),
)
