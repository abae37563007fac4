"""Lesson 04, exercise 4: ``topological_order(root)``, without recursion.

The answer lists the nodes ``root`` depends on, each once, every node after its inputs (``node._parents``),
``root`` last; any valid order passes. It receives graphs of the course's
:class:`course_lib.autograd.Value` built from :mod:`.programs`. Where the student's code runs, the
returned list is only *observed*, as node tokens (:func:`.programs.graph_nodes`); the grader
rebuilds the same graph and classifies the answer (:class:`OrderKind`) instead of comparing it
with one particular order.

Two ways to fail are found while the answer runs, not in what it returns:

- recursion (:mod:`.recursion`): the exercise forbids it, and raising ``sys.setrecursionlimit``
  does not make a recursive sort iterative — a function called inside itself :data:`.recursion.NESTED`
  deep is one;
- a sort that slows down as the square of the graph (:mod:`.slowness`): measured on short chains
  before the public chain of 50 000 runs (hidden: 100 000).
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from .. import autograd as ref
from .coerce import CoercionError
from .core import Check, Mistake
from .graph_runs import Unanswerable, program_arg, readable, shown
from .programs import (
    PUBLIC_PROGRAMS,
    Program,
    ProgramCase,
    chain,
    course_graph,
    graph_cases,
    graph_nodes,
    tokens,
)
from .recursion import Recursive, forbidding_recursion, recursion_problem
from .slowness import list_search, timed, too_slow
from .text import fmt


class OrderKind(StrEnum):
    """What kind of answer a list of nodes is, as a topological order."""

    VALID = "valid"
    NOT_A_LIST = "not a list"
    STRANGER = "stranger"
    DUPLICATES = "duplicates"
    MISSING = "missing"
    REVERSED = "reversed"
    MISPLACED = "misplaced"
    RECURSIVE = "recursive"


VALID = OrderKind.VALID


@dataclass(frozen=True)
class Verdict:
    """What kind of answer a topological order is (``kind``), and the details for the student."""

    kind: OrderKind
    detail: str

    def __repr__(self) -> str:
        return self.detail


LONGEST_ORDER = 300_000
"""Longer lists are not sent out of the sandbox: the largest graph has 100 001 nodes, and a sort
that lists a node once per path to it lists about 200 000 on the deepest chain."""


def _node_names(scope: dict[str, Any]) -> dict[int, str]:
    names: dict[int, str] = {}
    for name, obj in scope.items():
        if isinstance(obj, ref.Value):
            names.setdefault(id(obj), name)
    return names


def _describe(node: ref.Value, names: dict[int, str]) -> str:
    if id(node) in names:
        name = names[id(node)]
        return f"the leaf {name}" if not node._parents else f"{name} (a '{node._op}' node)"
    if not node._parents:
        return f"the constant {fmt(node.data)}"
    return f"a '{node._op}' node"


def classify_order(root: ref.Value, order: Any, names: dict[int, str],
                   nodes: Sequence[ref.Value] | None = None) -> Verdict:
    """Whether ``order`` lists every node ``root`` depends on once, each after its inputs; if not,
    the first thing wrong with it. ``nodes``: the graph's nodes in the course's topological order,
    if known (the grader's; the default sorts them, so this runs only where the course's sort does)."""
    nodes = ref.topological_order(root) if nodes is None else nodes
    if not isinstance(order, list | tuple):
        return Verdict(OrderKind.NOT_A_LIST, f"returned {fmt(order)}, not a list of nodes")
    known = {id(node) for node in nodes}
    stranger = next((item for item in order if id(item) not in known), None)
    if stranger is not None:
        return Verdict(OrderKind.STRANGER,
                       f"the list holds {fmt(stranger)}, which is not a node of this graph")
    counts = Counter(id(item) for item in order)
    twice = next((node for node in nodes if counts[id(node)] > 1), None)
    if twice is not None:
        return Verdict(OrderKind.DUPLICATES, f"{_describe(twice, names)} appears {counts[id(twice)]} times; "
                                             "every node must appear exactly once")
    missing = [node for node in nodes if id(node) not in counts]
    if missing:
        return Verdict(OrderKind.MISSING, f"{len(missing)} of the {len(nodes)} nodes are missing, "
                                          f"e.g. {_describe(missing[0], names)}")
    position = {id(item): i for i, item in enumerate(order)}
    edges = [(parent, node) for node in nodes for parent in node._parents]
    early = [(parent, node) for parent, node in edges if position[id(parent)] > position[id(node)]]
    if not early:
        return Verdict(OrderKind.VALID, "a valid topological order")
    if len(early) == len(edges):
        return Verdict(OrderKind.REVERSED, f"every node comes *before* its inputs (the list starts with "
                                           f"{_describe(order[0], names)})")
    parent, node = early[0]
    return Verdict(OrderKind.MISPLACED, f"{_describe(node, names)} (position {position[id(node)]}) comes "
                                        f"before its input {_describe(parent, names)} (position "
                                        f"{position[id(parent)]})")


# --- the student's side: the answer as tokens ------------------------------------------------------


def _order_tokens(order: Any, index: dict[int, int]) -> dict[str, Any] | Unanswerable:
    """The tokens of the nodes in ``order`` (``-1`` for anything else) and, if there is anything
    else, how the first such item looks. Reads a list or tuple through the base type's own
    iterator: a subclass cannot show the check other items than it holds."""
    if not isinstance(order, list | tuple):
        return Unanswerable(f"returned {shown(order)}, not a list of nodes")
    items = list(list.__iter__(order) if isinstance(order, list) else tuple.__iter__(order))
    if len(items) > LONGEST_ORDER:
        return Unanswerable(f"returned a list of {len(items):,} items for a graph of {len(index):,} nodes; "
                            "every node must appear exactly once".replace(",", " "))
    marks = [index.get(id(item), -1) for item in items]
    stranger = next((shown(item) for item, mark in zip(items, marks, strict=True) if mark < 0), "")
    return {"order": marks, "stranger": stranger}


def _seconds_on(function: Callable[[ref.Value], Any]) -> Callable[[Program], float]:
    def seconds(program: Program) -> float:
        root, _ = course_graph(program)
        return timed(lambda: function(root))
    return seconds


def _list_search_in(function: Callable[[ref.Value], Any]) -> Callable[[Program], str | None]:
    def explain(program: Program) -> str | None:
        root, _ = course_graph(program)
        return list_search(lambda: function(root))
    return explain


def _order_answer(function: Callable[[ref.Value], Any]) -> Callable[[Program], Any]:
    """``topological_order`` as a function of a program: build its course graph, number its nodes
    (before the student's code can touch them), run the function — refusing recursion, and timing
    it first on a large chain — and return the answer as tokens, or ``{"recursive": function}``."""
    measured: dict[int, float] = {}

    def answer(program: Program) -> Any:
        root, _ = course_graph(program)
        index = tokens(graph_nodes(root))
        try:
            with forbidding_recursion():
                slow = too_slow(_seconds_on(function), program, _list_search_in(function), measured)
                if slow is not None:
                    return Unanswerable(slow)
                order = function(root)
        except Recursive as exc:
            return {"recursive": exc.function}
        except RecursionError as exc:  # recursion the trace did not see: named from the traceback
            return Unanswerable(f"raised RecursionError: {recursion_problem(exc)}")
        return _order_tokens(order, index)
    answer.__name__ = getattr(function, "__name__", "topological_order")
    return answer


def _is_token_list(value: Any) -> bool:
    return type(value) is list and all(type(mark) is int for mark in value)


@readable
def _as_order(value: Any) -> dict[str, Any]:
    """Plain tokens (``{"order": [int, …], "stranger": str}``) or ``{"recursive": str}``."""
    if type(value) is dict and set(value) == {"recursive"} and type(value["recursive"]) is str:
        return {"recursive": value["recursive"][:100]}
    if (type(value) is dict and set(value) == {"order", "stranger"} and _is_token_list(value["order"])
            and type(value["stranger"]) is str):
        return {"order": value["order"], "stranger": value["stranger"][:100]}
    raise CoercionError("expected a list of the graph's nodes")


# --- the grader's side: tokens back into nodes, classified ---------------------------------------


@dataclass(frozen=True)
class _NumberedGraph:
    """The grader's copy of a program's course graph: nodes by token, names, and a sorted order."""

    root: ref.Value
    nodes: list[ref.Value]
    names: dict[int, str]

    @functools.cached_property
    def sorted(self) -> list[ref.Value]:
        return ref.topological_order(self.root)


@functools.lru_cache(maxsize=64)
def _numbered_graph(program: Program) -> _NumberedGraph:
    """Cached: the reference, the student's answer and every mistake are read on the same graph
    (the grader's own, which no student code ever sees)."""
    root, scope = course_graph(program)
    return _NumberedGraph(root, graph_nodes(root), _node_names(scope))


class _Stranger:
    """Stands for an item of the student's list that is no node of the graph, as it looked there."""

    def __init__(self, looks: str) -> None:
        self.looks = looks or "an object"

    def __repr__(self) -> str:
        return self.looks


def _order_verdict(args: tuple[Any, ...], value: dict[str, Any]) -> Verdict:
    """The tokens of an answer turned back into the grader's nodes, classified."""
    if "recursive" in value:
        return Verdict(OrderKind.RECURSIVE, f"it is recursive: `{value['recursive']}` was called inside "
                                            "itself again and again, which the exercise rules out")
    graph = _numbered_graph(program_arg(args))
    stranger = _Stranger(value["stranger"])
    n = len(graph.nodes)
    order = [graph.nodes[mark] if 0 <= mark < n else stranger for mark in value["order"]]
    return classify_order(graph.root, order, graph.names, graph.sorted)


def _course_order(program: Program) -> dict[str, Any]:
    """The reference: the course's order of the grader's graph, as tokens."""
    graph = _numbered_graph(program)
    index = tokens(graph.nodes)
    return {"order": [index[id(node)] for node in graph.sorted], "stranger": ""}


def _same_kind(expected: Verdict, got: Verdict) -> str | None:
    return None if expected.kind == got.kind else got.detail


# --- known mistakes, as student code ---------------------------------------------------------------


def _order_recursive(root: ref.Value) -> list[ref.Value]:
    order, visited = [], set()

    def visit(node: ref.Value) -> None:
        if node not in visited:
            visited.add(node)
            for parent in node._parents:
                visit(parent)
            order.append(node)

    visit(root)
    return order


def _order_reversed(root: ref.Value) -> list[ref.Value]:
    return ref.topological_order(root)[::-1]


def _order_preorder(root: ref.Value) -> list[ref.Value]:
    """Append each node when first reached, before its inputs."""
    order, visited, stack = [], set(), [root]
    while stack:
        node = stack.pop()
        if node not in visited:
            visited.add(node)
            order.append(node)
            stack.extend(reversed(node._parents))
    return order


def _order_without_visited(root: ref.Value) -> list[ref.Value]:
    """Each node once per use, as a sort that never marks a node visited lists it once per path.
    (Built on the course's sort, which is switched off where students' code runs: the checks hold
    no valid order to copy.)"""
    order = ref.topological_order(root)
    uses = Counter(id(parent) for node in order for parent in node._parents)
    return [node for node in order for _ in range(max(1, uses[id(node)]))]


RECURSIVE_HINT = ("your sort is recursive: it goes one call deeper for each node along a path, and Python "
                  "stops about 1 000 calls deep, so a chain of 10 000 operations is out of reach "
                  "(sys.setrecursionlimit only moves the limit; the exercise asks for a sort without "
                  "recursion). Keep the nodes still to visit in a list used as a stack instead.")

LARGE_CHAIN = chain(50_000)
"""The public case a sort that slows down as the square of the graph cannot finish in time."""

topological_order = Check(
    name="topological_order",
    params=("root",),
    reference=_course_order,
    public=tuple(ProgramCase((program,)) for program in (*PUBLIC_PROGRAMS, LARGE_CHAIN)),
    hidden=graph_cases,
    adapt=_order_answer,
    coerce=_as_order,
    interpret=_order_verdict,
    compare=_same_kind,
    mistakes=(
        Mistake(RECURSIVE_HINT, _order_recursive),
        Mistake("your list starts with the root; it must end with it: the leaves first, every node "
                "after all of its inputs (reverse your list).", _order_reversed),
        Mistake("you add a node to the list as soon as you reach it, before its inputs; add it only "
                "once all of its inputs are in the list.", _order_preorder),
        Mistake("a node reached along two paths (b = a + a) appears twice: remember the nodes you "
                "have visited in a set, and skip them.", _order_without_visited),
    ),
)
