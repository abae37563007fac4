"""Checks for lesson 04 (:mod:`course_lib.autograd`): a scalar autograd engine, piece by piece.

What the student writes, and what a test cell calls (``from course_lib.checks import autograd as
check``):

1. **Local derivatives** — numbers in, numbers out (plain :class:`~.core.Check` s)::

       add_local_grads(a, b) -> (∂(a+b)/∂a, ∂(a+b)/∂b)     check.add_local_grads(add_local_grads)
       mul_local_grads(a, b) -> (∂(a·b)/∂a, ∂(a·b)/∂b)     check.mul_local_grads(mul_local_grads)
       pow_local_grad(x, n)  -> ∂xⁿ/∂x                     check.pow_local_grad(pow_local_grad)
       relu_local_grad(x)    -> ∂relu(x)/∂x                check.relu_local_grad(relu_local_grad)
       tanh_local_grad(x)    -> ∂tanh(x)/∂x                check.tanh_local_grad(tanh_local_grad)

   ``relu_local_grad`` is never asked about the kink ``x = 0`` (a convention, not a skill).

2. ``topological_order(root)`` — the nodes ``root`` depends on, each once, every node after its
   inputs, without recursion; ``check.topological_order(topological_order)``. It receives graphs
   of the course's :class:`course_lib.autograd.Value` (a node's inputs are ``node._parents``).
   Any valid order passes. Where the student's code runs, the returned list is only *observed*,
   as node tokens (:func:`.programs.graph_nodes`); the grader rebuilds the same graph and
   classifies the answer (valid; root first; a node before one of its inputs; a node twice;
   nodes missing; recursion too deep) instead of comparing it with one particular order.

3. ``backward(root)`` — fills ``grad`` in a fresh graph of course ``Value`` nodes, whose
   ``_local_grads`` are right by construction, so only the chain-rule pass is graded;
   ``check.backward(backward)``. Calling the course's own ``.backward()`` there raises an error.

4. **The student's own engine**: a ``Value`` class with ``Value(x)``, ``.data``, ``.grad``,
   ``.backward()``, ``+ - * / **`` (number exponent), unary ``-``, the reflected forms
   (``2 * x``, ``1 - x``, ``10.0 / x``), ``relu()`` and ``tanh()`` — micrograd's public API,
   whatever the class stores inside; ``check.engine(Value)``. It must be the student's own: the
   course's ``Value``, a subclass of it, or a class borrowing its methods is refused
   (:class:`~.answer_key.AnswerKeyUnavailable`).

5. ``counterexample()`` — the find-the-bug exercise: a pair ``(x, out)`` built with any engine
   whose nodes keep ``_parents`` and ``_local_grads``, on which :func:`assigning_backward` (the
   backward pass with ``=`` for ``+=``) gets ``∂out/∂x`` wrong; ``check.counterexample(
   counterexample)``. The student's graph is observed as plain data and rebuilt by the grader
   with course nodes. No cases: the check says why a graph does not expose the bug (no node used
   twice; the reused node off ``x``'s path; the dropped contributions are 0). The hidden run also
   tries a second valid order, so the answer may not rely on which write comes last.

6. ``train_step(model, X, y, learning_rate)`` — one step of gradient descent on
   :func:`course_lib.autograd.hinge_loss`, returning ``(loss.data, accuracy)``;
   ``check.train_step(train_step)``. Each case (:class:`Training`) calls it a few times on a
   fresh seeded ``MLP`` and a small seeded data set, and compares every returned number and every
   parameter afterwards with :func:`course_lib.autograd.train_step` (known mistakes: no
   ``zero_grad()``, a step uphill, parameters that never change). The network's nodes carry a
   backward pass of the check's own, so the step is judged apart from the student's ``backward``.
   A hidden run trains to 100 %.

The cases of 2–4 are small programs (:mod:`.programs`). The answers of 3 and 4 are compared with
PyTorch in float64 (``tests/test_checks_autograd.py`` confirms every case's answer with central
differences, and keeps ReLU inputs away from the kink). Public cases: micrograd's README example,
reused nodes, a ReLU switched off, and a chain of 10 000 operations; hidden ones add random
programs (seeded by the check's name) and a chain of 100 000. Known mistakes are written as
student code: wrong ``topological_order`` and ``backward`` functions, engines with a typical bug,
wrong ``train_step`` s.

While the lesson is graded, the course's answers (:data:`ANSWER_KEY`) are switched off in the
sandbox: nothing that runs there for a check — drawing cases, building graphs, adapting and
observing the student's object — calls them.
"""

from __future__ import annotations

import functools
import itertools
import math
import types
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import autograd as ref
from . import wire
from .answer_key import AnswerKeyUnavailable
from .coerce import CoercionError, as_float, as_float_list
from .core import Case, Check, Mistake, Observation, close_float_lists, close_floats, quiet
from .programs import (
    MICROGRAD_EXAMPLE,  # noqa: F401 - importable from here, as before the split
    PUBLIC_PROGRAMS,
    REUSE_PROGRAMS,  # noqa: F401 - importable from here, as before the split
    GraphTooLarge,
    Program,
    ProgramCase,
    as_named_floats,
    chain,  # noqa: F401 - importable from here, as before the split
    close_named,
    course_graph,
    expect_names,
    graph_cases,
    graph_nodes,
    magnitude,
    random_program,  # noqa: F401 - importable from here, as before the split
    run_program,
    tokens,
    torch_answer,
)
from .text import fmt, number


def _plain(coerce: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``coerce`` that fails only with :class:`CoercionError`: observations are untrusted, and a
    check must fail a malformed one, never crash (``float(10**400)`` raises OverflowError)."""
    @functools.wraps(coerce)
    def plain(value: Any) -> Any:
        try:
            return coerce(value)
        except CoercionError:
            raise
        except Exception as exc:  # noqa: BLE001 - whatever the value, it is a failed case
            raise CoercionError(f"unreadable result ({type(exc).__name__}: {exc})") from None
    return plain


# --- 1. local derivatives ------------------------------------------------------------------


def _pair_cases(rng: np.random.Generator) -> Sequence[Case]:
    cases = []
    while len(cases) < 25:
        a, b = magnitude(rng, 0.2, 5), magnitude(rng, 0.2, 5)
        if abs(a - b) > 0.1:
            cases.append(Case((a, b)))
    return cases


def _local_check(name: str, params: tuple[str, ...], public: tuple[tuple[float, ...], ...],
                 hidden: Callable[[np.random.Generator], Sequence[Case]], mistakes: tuple[Mistake, ...],
                 pair: bool = False) -> Check:
    return Check(name=name, params=params, reference=getattr(ref, name),
                 public=tuple(Case(args) for args in public), hidden=hidden, mistakes=mistakes,
                 coerce=_plain(as_float_list if pair else as_float),
                 compare=close_float_lists if pair else close_floats,
                 what="function returning (∂out/∂a, ∂out/∂b)" if pair else "function")


add_local_grads = _local_check(
    "add_local_grads", ("a", "b"), ((2.0, 3.0), (-1.5, 4.0), (0.5, -2.5)), _pair_cases, pair=True,
    mistakes=(
        Mistake("those are the inputs themselves; the local derivative is a slope: nudging a by ε "
                "moves a + b by ε, so ∂(a+b)/∂a = 1, and likewise for b.", lambda a, b: (a, b)),
        Mistake("(b, a) is the rule for a * b; a sum passes a nudge of either input through "
                "unchanged: both derivatives are 1.", lambda a, b: (b, a)),
        Mistake("that is the sum (the forward value); return the slopes ∂(a+b)/∂a and ∂(a+b)/∂b.",
                lambda a, b: (a + b, a + b)),
        Mistake("∂(a+b)/∂b is 1 too: b enters the sum exactly as a does.", lambda a, b: (1.0, 0.0)),
    ),
)

mul_local_grads = _local_check(
    "mul_local_grads", ("a", "b"), ((2.0, 3.0), (-1.5, 4.0), (0.5, -2.5)), _pair_cases, pair=True,
    mistakes=(
        Mistake("you swapped them: each input's slope is the *other* input — ∂(a·b)/∂a = b and "
                "∂(a·b)/∂b = a.", lambda a, b: (a, b)),
        Mistake("(1, 1) is the rule for a + b; for a product, nudging a by ε moves a·b by b·ε.",
                lambda a, b: (1.0, 1.0)),
        Mistake("that is the product (the forward value); return the slopes (b, a).",
                lambda a, b: (a * b, a * b)),
    ),
)


def _pow_cases(rng: np.random.Generator) -> Sequence[Case]:
    cases = []
    for _ in range(25):
        if rng.random() < 0.6:
            cases.append(Case((magnitude(rng, 0.3, 3), int(rng.choice([2, 3, 4, -1, -2])))))
        else:
            cases.append(Case((abs(magnitude(rng, 0.3, 4)), float(rng.choice([0.5, 1.5, -0.5, 2.5])))))
    return cases


pow_local_grad = _local_check(
    "pow_local_grad", ("x", "n"), ((3.0, 2), (2.0, 3), (-1.5, 3), (2.0, -1), (4.0, 0.5)), _pow_cases,
    mistakes=(
        Mistake("you forgot the exponent in front: the power rule brings n down, "
                "∂xⁿ/∂x = n · x**(n - 1).", lambda x, n: x ** (n - 1)),
        Mistake("the power drops by one: ∂xⁿ/∂x = n · x**(n - 1), not n · x**n.", lambda x, n: n * x**n),
        Mistake("xⁿ · ln x is the slope with respect to the *exponent* n; with respect to x it is "
                "n · x**(n - 1).", lambda x, n: x**n * math.log(x)),
    ),
)


def _relu_cases(rng: np.random.Generator) -> Sequence[Case]:
    return [Case((magnitude(rng, 0.05, 5),)) for _ in range(25)]


relu_local_grad = _local_check(
    "relu_local_grad", ("x",), ((2.0,), (-1.5,), (0.7,), (-0.3,), (3.5,)), _relu_cases,
    mistakes=(
        Mistake("for x < 0, relu outputs 0 whatever x does, so its slope there is 0: your function "
                "passes the gradient through for negative inputs.", lambda x: 1.0),
        Mistake("that is relu(x) itself (the forward value); the local derivative is its slope: "
                "1 for x > 0, 0 for x < 0.", lambda x: max(0.0, x)),
        Mistake("inverted: the slope is 1 where relu lets x through (x > 0) and 0 where it outputs 0.",
                lambda x: 1.0 if x < 0 else 0.0),
    ),
)


def _tanh_cases(rng: np.random.Generator) -> Sequence[Case]:
    return [Case((magnitude(rng, 0.1, 3),)) for _ in range(25)]


tanh_local_grad = _local_check(
    "tanh_local_grad", ("x",), ((0.5,), (-1.2,), (2.0,), (-0.3,)), _tanh_cases,
    mistakes=(
        Mistake("the rule 1 − t² uses the *output* t = tanh(x), not the input: 1 - math.tanh(x)**2.",
                lambda x: 1 - x**2),
        Mistake("square the output: ∂tanh(x)/∂x = 1 − tanh(x)², not 1 − tanh(x).",
                lambda x: 1 - math.tanh(x)),
        Mistake("t · (1 − t) is the sigmoid's rule; tanh's is 1 − t² with t = tanh(x).",
                lambda x: math.tanh(x) * (1 - math.tanh(x))),
        Mistake("that is tanh(x) itself (the forward value); its slope is 1 − tanh(x)².",
                lambda x: math.tanh(x)),
    ),
)


# --- the course graph a student's function receives ----------------------------------------


class _GradedValue(ref.Value):
    """A course ``Value`` whose own backward pass is off limits (the exercise is to write it)."""

    __slots__ = ()

    def backward(self) -> None:
        raise RuntimeError("this exercise is to write the backward pass yourself: "
                           "don't call the course's `.backward()`")

    def _backward(self) -> None:
        raise RuntimeError("this exercise is to write the chain rule yourself: "
                           "don't call the course's `._backward()`")


def _without_backward(root: ref.Value) -> None:
    for node in graph_nodes(root):
        node.__class__ = _GradedValue


def _leaf_grads(program: Program, scope: dict[str, Any]) -> list[tuple[str, Any]]:
    return [(f"{name}.grad", scope[name].grad) for name in program.leaf_names()]


def _program_arg(args: tuple[Any, ...]) -> Program:
    return args[0]


_TOO_DEEP = ("maximum recursion depth exceeded — a recursive topological sort stops about 1 000 calls "
             "deep; keep the nodes still to visit in a list used as a stack instead")


# --- 2. topological order ------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """What kind of answer a topological order is (``kind``), and the details for the student."""

    kind: str
    detail: str

    def __repr__(self) -> str:
        return self.detail


VALID = "valid"
RECURSION = "recursion"
"""The observation of a sort that raised RecursionError (a plain string, in place of the tokens)."""
_LONGEST_ORDER = 300_000
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
        return Verdict("not a list", f"returned {fmt(order)}, not a list of nodes")
    known = {id(node) for node in nodes}
    stranger = next((item for item in order if id(item) not in known), None)
    if stranger is not None:
        return Verdict("stranger", f"the list holds {fmt(stranger)}, which is not a node of this graph")
    counts = Counter(id(item) for item in order)
    twice = next((node for node in nodes if counts[id(node)] > 1), None)
    if twice is not None:
        return Verdict("duplicates", f"{_describe(twice, names)} appears {counts[id(twice)]} times; "
                                     "every node must appear exactly once")
    missing = [node for node in nodes if id(node) not in counts]
    if missing:
        return Verdict("missing", f"{len(missing)} of the {len(nodes)} nodes are missing, "
                                  f"e.g. {_describe(missing[0], names)}")
    position = {id(item): i for i, item in enumerate(order)}
    edges = [(parent, node) for node in nodes for parent in node._parents]
    early = [(parent, node) for parent, node in edges if position[id(parent)] > position[id(node)]]
    if not early:
        return Verdict(VALID, "a valid topological order")
    if len(early) == len(edges):
        return Verdict("reversed", f"every node comes *before* its inputs (the list starts with "
                                   f"{_describe(order[0], names)})")
    parent, node = early[0]
    return Verdict("misplaced", f"{_describe(node, names)} (position {position[id(node)]}) comes before "
                                f"its input {_describe(parent, names)} (position {position[id(parent)]})")


@dataclass(frozen=True)
class _NotAnOrder:
    """What a student's ``topological_order`` returned when it is no list of nodes: said in ``coerce``."""

    problem: str


def _shown(item: Any) -> str:
    try:
        return fmt(item)[:100]
    except Exception:  # noqa: BLE001 - a student's __repr__ may raise
        return f"a {type(item).__name__}"


def _order_tokens(order: Any, index: dict[int, int]) -> dict[str, Any] | _NotAnOrder:
    """The tokens of the nodes in ``order`` (``-1`` for anything else) and, if there is anything
    else, how the first such item looks. Reads a list or tuple through the base type's own
    iterator: a subclass cannot show the check other items than it holds."""
    if not isinstance(order, list | tuple):
        return _NotAnOrder(f"returned {_shown(order)}, not a list of nodes")
    items = list(list.__iter__(order) if isinstance(order, list) else tuple.__iter__(order))
    if len(items) > _LONGEST_ORDER:
        return _NotAnOrder(f"returned a list of {len(items):,} items for a graph of {len(index):,} nodes; "
                           "every node must appear exactly once".replace(",", " "))
    marks = [index.get(id(item), -1) for item in items]
    stranger = next((_shown(item) for item, mark in zip(items, marks, strict=True) if mark < 0), "")
    return {"order": marks, "stranger": stranger}


def _order_answer(function: Callable[[ref.Value], Any]) -> Callable[[Program], Any]:
    """``topological_order`` as a function of a program: build its course graph, number its nodes
    (before the student's code can touch them), run the function, and return the answer as tokens."""
    def answer(program: Program) -> Any:
        root, _ = course_graph(program)
        index = tokens(graph_nodes(root))
        try:
            order = function(root)
        except RecursionError:
            return RECURSION
        return _order_tokens(order, index)
    answer.__name__ = getattr(function, "__name__", "topological_order")
    return answer


def _is_token_list(value: Any) -> bool:
    return type(value) is list and all(type(mark) is int for mark in value)


@_plain
def _as_order(value: Any) -> dict[str, Any] | str:
    """Plain tokens (``{"order": [int, …], "stranger": str}``) or :data:`RECURSION`."""
    if isinstance(value, _NotAnOrder):
        raise CoercionError(value.problem)
    if type(value) is str and value == RECURSION:
        return RECURSION
    if (type(value) is dict and set(value) == {"order", "stranger"} and _is_token_list(value["order"])
            and type(value["stranger"]) is str):
        return {"order": value["order"], "stranger": value["stranger"][:100]}
    raise CoercionError("expected a list of the graph's nodes")


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

    def __init__(self, shown: str) -> None:
        self.shown = shown or "an object"

    def __repr__(self) -> str:
        return self.shown


def _order_verdict(args: tuple[Any, ...], value: dict[str, Any] | str) -> Verdict:
    """The tokens of an answer turned back into the grader's nodes, classified."""
    if value == RECURSION:
        return Verdict("recursion", f"raised RecursionError: {_TOO_DEEP}")
    graph = _numbered_graph(_program_arg(args))
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


topological_order = Check(
    name="topological_order",
    params=("root",),
    reference=_course_order,
    public=tuple(ProgramCase((program,)) for program in PUBLIC_PROGRAMS),
    hidden=graph_cases,
    adapt=_order_answer,
    coerce=_as_order,
    interpret=_order_verdict,
    compare=_same_kind,
    mistakes=(
        Mistake("your sort is recursive: Python stops recursion about 1 000 calls deep, so a chain of "
                "10 000 operations is out of reach. Keep the nodes still to visit in a list used as a "
                "stack instead.", _order_recursive),
        Mistake("your list starts with the root; it must end with it: the leaves first, every node "
                "after all of its inputs (reverse your list).", _order_reversed),
        Mistake("you add a node to the list as soon as you reach it, before its inputs; add it only "
                "once all of its inputs are in the list.", _order_preorder),
        Mistake("a node reached along two paths (b = a + a) appears twice: remember the nodes you "
                "have visited in a set, and skip them.", _order_without_visited),
    ),
)


# --- 3. backward ---------------------------------------------------------------------------


def _backward_answer(function: Callable[[ref.Value], Any]) -> Callable[[Program], list[tuple[str, Any]]]:
    """``backward`` as a function of a program: run it on the program's course graph (with the
    course's own backward switched off), read the leaves' gradients."""
    def answer(program: Program) -> list[tuple[str, Any]]:
        root, scope = course_graph(program)
        _without_backward(root)
        try:
            function(root)
        except RecursionError:
            raise RecursionError(_TOO_DEEP) from None
        return _leaf_grads(program, scope)
    answer.__name__ = getattr(function, "__name__", "backward")
    return answer


def _grad_names(args: tuple[Any, ...], answer: list[tuple[str, float]]) -> list[tuple[str, float]]:
    return expect_names([f"{name}.grad" for name in _program_arg(args).leaf_names()], answer)


def _backward_assigning(root: Any) -> None:
    root.grad = 1.0
    for node in reversed(ref.topological_order(root)):
        for parent, local_grad in zip(node._parents, node._local_grads, strict=True):
            parent.grad = local_grad * node.grad


def _backward_forward_order(root: Any) -> None:
    root.grad = 1.0
    for node in ref.topological_order(root):
        for parent, local_grad in zip(node._parents, node._local_grads, strict=True):
            parent.grad += local_grad * node.grad


def _backward_unseeded(root: Any) -> None:
    for node in reversed(ref.topological_order(root)):
        for parent, local_grad in zip(node._parents, node._local_grads, strict=True):
            parent.grad += local_grad * node.grad


def _backward_local_only(root: Any) -> None:
    root.grad = 1.0
    for node in reversed(ref.topological_order(root)):
        for parent, local_grad in zip(node._parents, node._local_grads, strict=True):
            parent.grad += local_grad


ACCUMULATE_HINT = ("a node used more than once (b = a + a) must collect the gradient from every use: add "
                   "to its grad with `+=` (parent.grad += local_grad * node.grad). With `=` each use "
                   "overwrites the previous one.")
ORDER_HINT = ("go through the nodes in *reverse* topological order (root first): a node may pass its "
              "gradient on only after every node that uses it has added its share.")

backward = Check(
    name="backward",
    params=("root",),
    reference=lambda program: torch_answer(program, with_value=False),
    public=tuple(ProgramCase((program,)) for program in PUBLIC_PROGRAMS),
    hidden=graph_cases,
    adapt=_backward_answer,
    coerce=as_named_floats,
    interpret=_grad_names,
    compare=close_named,
    mistakes=(
        Mistake(ACCUMULATE_HINT, _backward_assigning),
        Mistake(ORDER_HINT, _backward_forward_order),
        Mistake("start with root.grad = 1.0 (∂root/∂root = 1): every gradient is a multiple of it, so "
                "without it they all stay 0.", _backward_unseeded),
        Mistake("the chain rule multiplies the local derivative by the gradient that reached the node: "
                "parent.grad += local_grad * node.grad.", _backward_local_only),
    ),
)


# --- 4. the student's engine ---------------------------------------------------------------


def _course_backward(root: Any) -> None:
    ref.backward(root)


def _lesson_engine(add_grads: Callable[[float, float], Any] = lambda a, b: ref.add_local_grads(a, b),
                   mul_grads: Callable[[float, float], Any] = lambda a, b: ref.mul_local_grads(a, b),
                   pow_grad: Callable[[float, float], float] = lambda x, n: ref.pow_local_grad(x, n),
                   relu_grad: Callable[[float], float] = lambda x: ref.relu_local_grad(x),
                   tanh_grad: Callable[[float], float] = lambda x: ref.tanh_local_grad(x),
                   backward: Callable[[Any], None] = _course_backward) -> type:
    """A student's engine as the notebook shapes it (``_parents``, ``_local_grads``; ``-``, ``/``
    and unary ``-`` built from ``+``, ``*`` and ``**``), with the local rules and the backward pass
    given: each known mistake of the engine exercise is one of them wrong. The right ones are the
    course's answers, looked up when called (switched off where the student's code runs), and
    :func:`_engine_answer` refuses any class built on these: they are no answer to launder."""

    class Value:
        def __init__(self, data, _parents=(), _local_grads=()):
            self.data, self.grad, self._parents, self._local_grads = data, 0.0, _parents, _local_grads

        def __add__(self, other):
            other = other if isinstance(other, Value) else Value(other)
            return Value(self.data + other.data, (self, other), tuple(add_grads(self.data, other.data)))

        def __mul__(self, other):
            other = other if isinstance(other, Value) else Value(other)
            return Value(self.data * other.data, (self, other), tuple(mul_grads(self.data, other.data)))

        def __pow__(self, n):
            return Value(self.data**n, (self,), (pow_grad(self.data, n),))

        def relu(self):
            return Value(max(0.0, self.data), (self,), (relu_grad(self.data),))

        def tanh(self):
            return Value(math.tanh(self.data), (self,), (tanh_grad(self.data),))

        def __neg__(self):
            return self * -1

        def __sub__(self, other):
            return self + (-other)

        def __truediv__(self, other):
            return self * other**-1

        def __radd__(self, other):
            return self + other

        def __rsub__(self, other):
            return Value(other) - self

        def __rmul__(self, other):
            return self * other

        def __rtruediv__(self, other):
            return Value(other) / self

        def backward(self):
            backward(self)

    return Value


_COURSE = "course_lib.autograd.Value, the course's own answer to this exercise"
_CHECKS = "an engine of course_lib.checks.autograd, a known wrong answer"


def _own_class(what: str, source: str = _COURSE) -> AnswerKeyUnavailable:
    return AnswerKeyUnavailable(f"`Value` must be your own class: yours {what} {source}")


def _parts(cls: type) -> tuple[set[int], set[int]]:
    """The ids of the methods and slots of ``cls`` itself, and of its methods' code."""
    kinds = (types.FunctionType, property, types.MemberDescriptorType, staticmethod, classmethod)
    parts = [attr for attr in vars(cls).values() if isinstance(attr, kinds)]
    codes = {id(code) for attr in parts if (code := _code(attr)) is not None}
    return {id(attr) for attr in parts}, codes


def _code(attr: Any) -> Any:
    function = attr.fget if isinstance(attr, property) else attr
    return getattr(function, "__code__", None) if isinstance(function, types.FunctionType) else None


def _takes_from(cls: type, source: type) -> str | None:
    """The name of the first attribute ``cls`` (or a base) takes from ``source``: the very method,
    a copy of its code, or a wrapper of it."""
    parts, codes = _parts(source)
    for klass in type.__dict__["__mro__"].__get__(cls):
        for name, attr in vars(klass).items():
            wrapped = getattr(attr, "__wrapped__", None) if isinstance(attr, types.FunctionType) else None
            code = _code(attr)
            if id(attr) in parts or id(wrapped) in parts or (code is not None and id(code) in codes):
                return name
    return None


def _refuse_borrowed_engines(cls: Any) -> None:
    """Raise :class:`AnswerKeyUnavailable` if ``cls`` is, extends or borrows from the course's
    ``Value`` or from one of this module's engines (whose code all of them share); the known
    mistakes themselves are judged as they are (they are wrong)."""
    if not isinstance(cls, type) or any(cls is mistake.implementation for mistake in engine.mistakes):
        return
    if issubclass(cls, ref.Value):
        raise _own_class("is (a subclass of)")
    for source, said in ((ref.Value, _COURSE), (_lesson_engine(), _CHECKS)):
        name = _takes_from(cls, source)
        if name is not None:
            raise _own_class(f"takes `{name}` from", said)


def _engine_answer(cls: Any) -> Callable[[Program], list[tuple[str, Any]]]:
    """A ``Value`` class as a function of a program: run it with ``cls`` leaves, call
    ``out.backward()``, read ``out.data`` and the leaves' ``grad``. Refuses the course's engine
    (and the check's own), before any case: the refusal is the whole answer."""
    _refuse_borrowed_engines(cls)

    def answer(program: Program) -> list[tuple[str, Any]]:
        try:
            out, scope = run_program(program, lambda name, value: cls(value))
            if any(issubclass(type(scope[name]), ref.Value) for name in program.leaf_names()):
                raise _own_class("makes the values of")
            out.backward()
        except RecursionError:
            raise RecursionError(_TOO_DEEP) from None
        return [("out", out.data)] + _leaf_grads(program, scope)
    answer.__name__ = getattr(cls, "__name__", "Value")
    return answer


def _value_names(args: tuple[Any, ...], answer: list[tuple[str, float]]) -> list[tuple[str, float]]:
    return expect_names(["out"] + [f"{name}.grad" for name in _program_arg(args).leaf_names()], answer)


engine = Check(
    name="Value",
    params=("program",),
    reference=torch_answer,
    public=tuple(ProgramCase((program,)) for program in PUBLIC_PROGRAMS),
    hidden=graph_cases,
    adapt=_engine_answer,
    coerce=as_named_floats,
    interpret=_value_names,
    compare=close_named,
    what="class",
    mistakes=(
        Mistake(ACCUMULATE_HINT, _lesson_engine(backward=_backward_assigning)),
        Mistake(ORDER_HINT, _lesson_engine(backward=_backward_forward_order)),
        Mistake("relu's slope is 0 for negative inputs (its output does not move): your relu passes "
                "the gradient through for negative inputs too.", _lesson_engine(relu_grad=lambda x: 1.0)),
        Mistake("the power rule brings the exponent down: ∂xⁿ/∂x = n · x**(n - 1); you left out n.",
                _lesson_engine(pow_grad=lambda x, n: x ** (n - 1))),
        Mistake("in a product each input's slope is the *other* input: ∂(a·b)/∂a = b.data.",
                _lesson_engine(mul_grads=lambda a, b: (a, b))),
        Mistake("tanh's local derivative is 1 − t² with t = tanh(x) (the output); you used 1 − t.",
                _lesson_engine(tanh_grad=lambda x: 1.0 - math.tanh(x))),
        Mistake("start backward() with self.grad = 1 (∂out/∂out = 1): without it every gradient stays 0.",
                _lesson_engine(backward=_backward_unseeded)),
    ),
)
Value = engine  # the check named after what it grades: CHECKS["Value"] is check.Value


# --- 5. a counterexample: a graph on which `=` instead of `+=` goes wrong ------------------------

NO_REUSE_HINT = ("every node of your graph is used by one operation only, so each grad is written once and "
                 "`=` does no harm. The bug needs a node that is used twice, as in b = a + a.")
OFF_PATH_HINT = ("a node of your graph is used twice, but the gradient of x does not flow through it: make x "
                 "itself, or a node computed from x, the one that is used twice.")
COINCIDE_HINT = ("your graph uses a node twice, but at these values the contributions that `=` throws away "
                 "are 0 (a local derivative of 0: a * a at a = 0, a ReLU switched off, …), so `=` happens to "
                 "give the right number. Choose other values.")
LARGEST_GRAPH = 20_000
"""The most nodes a counterexample's graph may have (a few are enough)."""


def _is_node(value: Any) -> bool:
    try:
        return all(hasattr(value, attribute) for attribute in ("data", "grad", "_parents", "_local_grads"))
    except Exception:  # noqa: BLE001 - a student's __getattr__ may raise anything
        return False


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


def _graph_data(x: Any, out: Any) -> dict[str, Any]:
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


def _number_of(value: Any, what: str) -> float:
    try:
        return as_float(value)
    except CoercionError as exc:
        raise CoercionError(f"{what}: {exc}") from None


def _counterexample_observation(result: Any) -> Observation:
    """What ``counterexample()`` returned: its graph as plain data, or why there is none."""
    try:
        if not (isinstance(result, tuple | list) and len(result) == 2 and all(map(_is_node, result))):
            shown = "None (did you forget `return`?)" if result is None else _shown(result)
            return {"invalid": f"counterexample() must return a pair (x, out) of Values; it returned {shown}"}
        return {"value": wire.encode(_graph_data(*result))}
    except GraphTooLarge as exc:
        return {"invalid": f"the graph of out has {exc}; a few nodes are enough"}
    except Exception as exc:  # noqa: BLE001 - a student's nodes may raise anything when read
        detail = exc if isinstance(exc, CoercionError) else repr(exc)
        return {"invalid": f"the graph of out cannot be read: {detail}"}


class _Rejected(Exception):
    """An observation that is no counterexample; the message says why."""


def _numbers(value: Any, what: str) -> list[float]:
    if type(value) is not list or not all(type(v) in (int, float) for v in value):
        raise _Rejected(f"the graph of out cannot be read: malformed {what}.")
    try:
        return [float(v) for v in value]
    except OverflowError:
        raise _Rejected(f"the graph of out cannot be read: malformed {what}.") from None


def _checked_graph(value: Any) -> dict[str, Any]:
    """An observed graph, checked to be well formed (untrusted: it crossed the sandbox wall)."""
    if type(value) is not dict or not {"x", "data", "local_grads", "parents"} <= set(value):
        raise _Rejected("the graph of out cannot be read.")
    data, local_grads, parents = value["data"], value["local_grads"], value["parents"]
    if not all(type(part) is list for part in (data, local_grads, parents)):
        raise _Rejected("the graph of out cannot be read.")
    n = len(data)
    if not (0 < n <= LARGEST_GRAPH and len(local_grads) == n == len(parents) and type(value["x"]) is int):
        raise _Rejected("the graph of out cannot be read.")
    slopes = [_numbers(s, "local derivatives") for s in local_grads]
    inputs = [p if type(p) is list and all(type(i) is int and 0 <= i < n for i in p) else None
              for p in parents]
    if any(p is None or len(p) != len(s) for p, s in zip(inputs, slopes, strict=True)):
        raise _Rejected("the graph of out cannot be read: malformed inputs.")
    return {"x": value["x"], "data": _numbers(data, "data"), "local_grads": slopes, "parents": inputs}


def _course_nodes(graph: dict[str, Any]) -> list[ref.Value]:
    """A fresh course-``Value`` copy of an observed graph (every ``grad`` 0), by token."""
    nodes = [ref.Value(data) for data in graph["data"]]
    for node, inputs, slopes in zip(nodes, graph["parents"], graph["local_grads"], strict=True):
        node._parents = tuple(nodes[i] for i in inputs)
        node._local_grads = tuple(slopes)
    return nodes


def _reuse_hint(x: ref.Value, out: ref.Value) -> str:
    """Why a graph does not expose the bug: no node used twice; the reused one off x's path; else
    the contributions `=` drops are 0 at these values."""
    nodes = ref.topological_order(out)
    uses = Counter(id(parent) for node in nodes for parent in node._parents)
    reused = [node for node in nodes if uses[id(node)] > 1]
    if not reused:
        return NO_REUSE_HINT
    if not any(any(node is x for node in ref.topological_order(r)) for r in reused):
        return OFF_PATH_HINT
    return COINCIDE_HINT


@dataclass(frozen=True)
class CounterexampleCheck:
    """``counterexample()`` returns ``(x, out)``: a node ``x`` (usually a leaf) of an expression
    ``out``, built with a ``Value`` that keeps ``_parents`` and ``_local_grads`` (the course's,
    or the student's own). It passes when :func:`assigning_backward` gets ``∂out/∂x`` wrong;
    the hidden run also visits the nodes in a second valid order (:func:`order_inputs_reversed`),
    so a counterexample may not rely on which of two contributions happens to be written last.

    :meth:`observe` calls the student's function once and sends its graph out as plain data;
    :meth:`verdict` rebuilds it with course nodes, afresh for each backward pass (every ``grad``
    0, whatever the student's code did to its own graph, e.g. a ``backward()`` of its own). There
    are no cases: a wrong answer is diagnosed from the graph itself."""

    name: str = "counterexample"

    def observe(self, student: Any, hidden: bool = False, seed: int | None = None) -> list[Observation]:
        """The student's graph as plain data (runs student code); the same for public and hidden."""
        if not callable(student):
            return [{"stop": "not callable", "what": fmt(student)}]
        with quiet():
            try:
                result = student()
            except NotImplementedError:
                return [{"stop": "not written"}]
            except Exception as exc:  # noqa: BLE001 - any error in student code fails the check
                return [{"raised": f"{type(exc).__name__}: {exc}"}]
            return [_counterexample_observation(result)]

    def verdict(self, observations: Any, hidden: bool = False, seed: int | None = None,
                reveal: bool = True) -> tuple[bool, str]:
        """``(passed, message)`` (trusted: rebuilds the graph, never runs student code). The message
        names no input either way: the only input is the student's own graph."""
        try:
            graph = self._graph(observations)
        except _Rejected as exc:
            return False, str(exc)
        x = graph["x"]
        if x == 0:
            return False, ("counterexample() returned out itself as x: ∂out/∂out = 1 whatever the backward "
                           "pass. Return a node that out was computed from, such as a leaf.")
        if not 0 < x < len(graph["data"]):
            return False, ("x is not part of the graph of out: out was not computed from it. Build out "
                           "from x, then return x, out.")
        right_nodes = _course_nodes(graph)
        ref.backward(right_nodes[0])
        right = right_nodes[x].grad
        orders = [("", None)]
        if hidden:
            orders.append((" (visiting each node's inputs in reverse, another valid order)",
                           order_inputs_reversed))
        for how, order in orders:
            nodes = _course_nodes(graph)
            assigning_backward(nodes[0], order)
            wrong = nodes[x].grad
            if close_floats(right, wrong) is None:
                return False, (f"On your graph, assigning_backward{how} gives ∂out/∂x = {number(wrong)}, "
                               f"which is right: the graph does not show the bug.\n"
                               f"Hint: {_reuse_hint(nodes[x], nodes[0])}")
        kind = "hidden" if hidden else "public"
        return True, (f"✓ counterexample passes the {kind} check: with `=`, ∂out/∂x comes out as "
                      f"{number(wrong)}; the true value is {number(right)}.")

    @staticmethod
    def _graph(observations: Any) -> dict[str, Any]:
        """The observed graph, or :class:`_Rejected` with the message for the student."""
        if not (isinstance(observations, list) and len(observations) == 1
                and isinstance(observations[0], dict)):
            raise _Rejected("`counterexample` could not be run (no result).")
        observation = observations[0]
        if "stop" in observation:
            if observation["stop"] == "not written":
                raise _Rejected("`counterexample` is not written yet.\n"
                                "Hint: replace `raise NotImplementedError()` with your code.")
            raise _Rejected(f"`counterexample` is {observation.get('what', 'missing')}, not a function.")
        if "raised" in observation:
            raise _Rejected(f"counterexample() raised {observation['raised']}.")
        if "invalid" in observation:
            raise _Rejected(f"{observation['invalid']}.")
        try:
            value = wire.decode(observation.get("value"))
        except wire.WireError:
            raise _Rejected("the graph of out cannot be read.") from None
        return _checked_graph(value)

    def __call__(self, student: Any, hidden: bool = False) -> None:
        """Print a ✓ line, or raise ``AssertionError`` saying why the graph does not expose the bug."""
        passed, message = self.verdict(self.observe(student, hidden), hidden)
        if not passed:
            raise AssertionError(message)
        print(message)


counterexample = CounterexampleCheck()


# --- 6. a training step --------------------------------------------------------------------------


@dataclass(frozen=True)
class Training:
    """``steps`` calls of ``train_step(model, X, y, learning_rate)`` on a fresh
    ``MLP(2, sizes, rng=seed)`` and the seeded data set ``data(n_samples, seed=data_seed)``."""

    data: str
    n_samples: int
    data_seed: int
    sizes: tuple[int, ...]
    seed: int
    learning_rate: float
    steps: int

    def dataset(self) -> tuple[np.ndarray, np.ndarray]:
        from .. import datasets

        return getattr(datasets, self.data)(self.n_samples, seed=self.data_seed)

    def __repr__(self) -> str:
        return (f"{self.steps} calls with learning_rate={number(self.learning_rate)}, model = "
                f"MLP(2, {list(self.sizes)}, rng={self.seed}), X, y = {self.data}({self.n_samples}, "
                f"seed={self.data_seed})")


@dataclass(frozen=True)
class TrainingCase(Case):
    """A case whose one argument is a :class:`Training`."""

    def describe(self, name: str, params: Sequence[str]) -> str:
        return f"{name}, {self.args[0]!r}"


def _training_value_type() -> type[ref.Value]:
    """A fresh course-``Value`` subclass for one training case, whose ``backward()`` is the check's
    own: while the lesson is graded, the course's ``Value.backward`` runs the student's ``backward``,
    and ``train_step`` must be judged apart from it.

    Every operation on these nodes makes another such node, stamped with a creation count; a node
    is made after its inputs, so by falling count is an order in which each node comes before its
    inputs — the chain rule ``parent.grad += ∂node/∂parent · node.grad`` runs in it. The count
    orders only these nodes, so the class sorts no other graph (and it exists only inside this
    function's call). Leaves accumulate over calls and interior nodes start from 0, as with the
    course's ``backward()``."""
    count = itertools.count()

    class TrainingValue(ref.Value):
        __slots__ = ("_made",)

        def __init__(self, data: float, _parents: tuple = (), _local_grads: tuple = (), _op: str = "",
                     label: str = "") -> None:
            super().__init__(data, _parents, _local_grads, _op, label)
            self._made = next(count)

        def backward(self) -> None:
            interior = [node for node in graph_nodes(self) if node._parents]
            if not all(isinstance(node, TrainingValue) for node in interior):
                raise RuntimeError("the loss depends on a Value made outside the model's own arithmetic; "
                                   "compute it from the model's outputs (hinge_loss(model, X, y))")
            for node in interior:
                node.grad = 0.0
            self.grad += 1.0
            for node in sorted(interior, key=lambda node: node._made, reverse=True):
                for parent, local_grad in zip(node._parents, node._local_grads, strict=True):
                    parent.grad += local_grad * node.grad

    for name in ("__add__", "__mul__", "__sub__", "__truediv__", "__pow__", "__neg__",
                 "relu", "tanh", "exp", "log", "sigmoid"):
        setattr(TrainingValue, name, _stamped(getattr(ref.Value, name), TrainingValue))
    for name, forward in (("__radd__", "__add__"), ("__rsub__", "__sub__"), ("__rmul__", "__mul__"),
                          ("__rtruediv__", "__truediv__")):
        setattr(TrainingValue, name, _stamped(_reflected(getattr(ref.Value, forward)), TrainingValue))
    return TrainingValue


def _stamped(operation: Callable[..., ref.Value], cls: type[ref.Value]) -> Callable[..., ref.Value]:
    """The course's ``operation``, its result made again as a ``cls`` node (same data, parents,
    local derivatives)."""
    def method(self: ref.Value, *args: Any) -> ref.Value:
        node = operation(self, *args)
        return cls(node.data, node._parents, node._local_grads, node._op)
    return method


def _reflected(operation: Callable[..., ref.Value]) -> Callable[..., ref.Value]:
    """``other ∘ self`` from the course's ``self ∘ other`` (``other`` a number or a course node)."""
    def method(self: ref.Value, other: Any) -> ref.Value:
        return operation(other if isinstance(other, ref.Value) else ref.Value(other), self)
    return method


def _named_parameters(model: ref.MLP) -> list[tuple[str, Any]]:
    named = []
    for i, layer in enumerate(model.layers):
        for j, neuron in enumerate(layer.neurons):
            named += [(f"layers[{i}].neurons[{j}].w[{k}]", w) for k, w in enumerate(neuron.w)]
            named.append((f"layers[{i}].neurons[{j}].b", neuron.b))
    return named


@dataclass(frozen=True)
class _NotAPair:
    """What a call of ``train_step`` returned when it is no pair: said in ``coerce``."""

    result: Any


def _training_answer(function: Callable[..., Any],
                     value_type: Callable[[], Callable[[float], Any]] = _training_value_type,
                     ) -> Callable[[Training], list[tuple[str, Any]] | _NotAPair]:
    """``train_step`` as a function of a :class:`Training`: what each call returns, then every
    parameter's ``data`` after the last call. The model's parameters are ``value_type()`` nodes."""
    def answer(training: Training) -> list[tuple[str, Any]] | _NotAPair:
        X, y = training.dataset()
        model = ref.MLP(2, training.sizes, rng=training.seed, value_type=value_type())
        named: list[tuple[str, Any]] = []
        for call in range(1, training.steps + 1):
            result = function(model, X, y, training.learning_rate)
            if not (isinstance(result, tuple | list) and len(result) == 2):
                return _NotAPair(result)
            loss, accuracy = result
            named += [(f"the loss returned by call {call}", loss),
                      (f"the accuracy returned by call {call}", accuracy)]
        after = f" after {training.steps} calls"
        return named + [(f"{name}.data{after}", p.data) for name, p in _named_parameters(model)]
    answer.__name__ = getattr(function, "__name__", "train_step")
    return answer


@_plain
def _as_training_floats(answer: Any) -> list[tuple[str, float]]:
    """The named floats of a training answer, or a :class:`CoercionError` saying what is off."""
    if isinstance(answer, _NotAPair):
        result = answer.result
        shown = "None (did you forget `return`?)" if result is None else _shown(result)
        raise CoercionError(f"train_step must return the pair (loss, accuracy); it returned {shown}")
    if isinstance(answer, list):
        for item in answer:
            if isinstance(item, tuple) and len(item) == 2 and _is_node(item[1]):
                raise CoercionError(f"{item[0]} is a Value: return its number, loss.data")
    return as_named_floats(answer)


@functools.lru_cache(maxsize=64)
def _training_names(training: Training) -> tuple[str, ...]:
    """The names of a training answer: two per call, then one per parameter."""
    calls = [f"the {what} returned by call {call}" for call in range(1, training.steps + 1)
             for what in ("loss", "accuracy")]
    after = f" after {training.steps} calls"
    model = ref.MLP(2, training.sizes, rng=training.seed)
    return (*calls, *(f"{name}.data{after}" for name, _ in _named_parameters(model)))


def _training_floats(args: tuple[Any, ...], answer: list[tuple[str, float]]) -> list[tuple[str, float]]:
    return expect_names(_training_names(args[0]), answer)


def _course_train_step(model: ref.Module, X: Any, y: Any, learning_rate: float) -> tuple[float, float]:
    return ref.train_step(model, X, y, learning_rate)


def _training_cases(rng: np.random.Generator) -> Sequence[Case]:
    shapes = [(4, 1), (3, 3, 1), (5, 1), (4, 4, 1), (2, 4, 1), (6, 1)]
    cases = []
    for _ in range(20):
        training = Training("two_moons" if rng.random() < 0.5 else "two_blobs", int(rng.integers(6, 17)),
                            int(rng.integers(0, 100)), shapes[int(rng.integers(len(shapes)))],
                            int(rng.integers(0, 100)), round(float(rng.uniform(0.05, 1.0)), 2),
                            int(rng.integers(2, 4)))
        cases.append(TrainingCase((training,)))
    cases.append(TrainingCase((Training("two_blobs", 30, 3, (4, 1), 1, 0.3, 15),)))  # reaches 100 %
    return cases


def _step_without_zero_grad(model: ref.Module, X: Any, y: Any, learning_rate: float) -> tuple[float, float]:
    loss, accuracy = ref.hinge_loss(model, X, y)
    loss.backward()
    for p in model.parameters():
        p.data -= learning_rate * p.grad
    return loss.data, accuracy


def _step_uphill(model: ref.Module, X: Any, y: Any, learning_rate: float) -> tuple[float, float]:
    loss, accuracy = ref.hinge_loss(model, X, y)
    model.zero_grad()
    loss.backward()
    for p in model.parameters():
        p.data += learning_rate * p.grad
    return loss.data, accuracy


def _step_without_backward(model: ref.Module, X: Any, y: Any, learning_rate: float) -> tuple[float, float]:
    loss, accuracy = ref.hinge_loss(model, X, y)
    model.zero_grad()
    for p in model.parameters():
        p.data -= learning_rate * p.grad
    return loss.data, accuracy


NO_ZERO_GRAD_HINT = ("a leaf's grad adds up over backward() calls, so from the second call on you step along "
                     "the sum of every gradient so far: call model.zero_grad() before loss.backward().")
UPHILL_HINT = "you stepped *up* the gradient, which makes the loss grow: p.data -= learning_rate * p.grad."
FROZEN_HINT = ("the parameters did not change. Call model.zero_grad(), then loss.backward() (so that every "
               "p.grad holds ∂loss/∂p when you step), and change each parameter in place: "
               "p.data -= learning_rate * p.grad.")

train_step = Check(
    name="train_step",
    params=("training",),
    reference=_training_answer(_course_train_step, value_type=lambda: ref.Value),
    public=(TrainingCase((Training("two_moons", 12, 0, (4, 4, 1), 0, 0.5, 3),)),
            TrainingCase((Training("two_blobs", 10, 1, (3, 1), 2, 0.2, 2),))),
    hidden=_training_cases,
    adapt=_training_answer,
    coerce=_as_training_floats,
    interpret=_training_floats,
    compare=close_named,
    mistakes=(
        Mistake(NO_ZERO_GRAD_HINT, _step_without_zero_grad),
        Mistake(UPHILL_HINT, _step_uphill),
        Mistake(FROZEN_HINT, _step_without_backward),
    ),
)


# --- every check, and the answer key -------------------------------------------------------

CHECKS: dict[str, Check] = {
    check.name: check for check in (add_local_grads, mul_local_grads, pow_local_grad, relu_local_grad,
                                    tanh_local_grad, topological_order, backward, engine, train_step)
}
"""Every lesson-04 check with cases, by exercise name (``"Value"`` for the engine). The
:data:`counterexample` check has no cases (it inspects the student's graph) and is not listed."""

ANSWER_KEY: dict[str, str | None] = {
    **{f"course_lib.autograd.{name}": name
       for name in ("add_local_grads", "mul_local_grads", "pow_local_grad", "relu_local_grad",
                    "tanh_local_grad", "topological_order", "backward", "train_step")},
    "course_lib.autograd.train_classifier": None,
    "course_lib.autograd.Value.backward": "backward",
    "course_lib.autograd.Value._backward": None,
}
"""The course's answers to this lesson's exercises, switched off while it is graded
(:mod:`.answer_key`): each maps to the exercise whose student function stands in for it. The
course's ``Value`` itself stays (its operators build every graph the checks hand out); a student's
engine built on it is refused by :data:`engine` instead."""
