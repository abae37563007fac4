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
   Any valid order passes: the check classifies the answer (valid; root first; a node before one
   of its inputs; a node twice; nodes missing; recursion too deep) instead of comparing it with
   one particular order.

3. ``backward(root)`` — fills ``grad`` in a fresh graph of course ``Value`` nodes, whose
   ``_local_grads`` are right by construction, so only the chain-rule pass is graded;
   ``check.backward(backward)``. Calling the course's own ``.backward()`` there raises an error.

4. **The student's own engine**: a ``Value`` class with ``Value(x)``, ``.data``, ``.grad``,
   ``.backward()``, ``+ - * / **`` (number exponent), unary ``-``, the reflected forms
   (``2 * x``, ``1 - x``, ``10.0 / x``), ``relu()`` and ``tanh()`` — micrograd's public API,
   whatever the class stores inside; ``check.engine(Value)``.

The cases of 2–4 are small **programs** (:class:`Program`): Python statements over named leaves,
run with the same text by any engine — the student's class, the course's, or PyTorch tensors.
The answers of 3 and 4 are compared with PyTorch in float64 (``tests/test_checks_autograd.py``
confirms every case's answer with central differences, and keeps ReLU inputs away from the
kink). Public cases: micrograd's README example, reused nodes, a ReLU switched off, and a chain
of 10 000 operations; hidden ones add random programs (seeded by the check's name) and a chain
of 100 000. Known mistakes of 2–4 are implemented on the course engine: a wrong topological
order, ``=`` for ``+=``, a missing seed, a wrong local rule edited into the graph.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import autograd as ref
from .coerce import CoercionError, as_float, as_float_list
from .core import Case, Check, Mistake, close_float_lists, close_floats
from .text import fmt, number

# --- 1. local derivatives ------------------------------------------------------------------


def _magnitude(rng: np.random.Generator, low: float, high: float) -> float:
    """A value in ±[low, high], rounded to 2 decimals, never near ±1 (where x, x², x³ coincide)."""
    value = round(float(rng.uniform(low, high)), 2)
    while abs(value - 1) < 0.1:
        value = round(float(rng.uniform(low, high)), 2)
    return value if rng.random() < 0.5 else -value


def _pair_cases(rng: np.random.Generator) -> Sequence[Case]:
    cases = []
    while len(cases) < 25:
        a, b = _magnitude(rng, 0.2, 5), _magnitude(rng, 0.2, 5)
        if abs(a - b) > 0.1:
            cases.append(Case((a, b)))
    return cases


def _local_check(name: str, params: tuple[str, ...], public: tuple[tuple[float, ...], ...],
                 hidden: Callable[[np.random.Generator], Sequence[Case]], mistakes: tuple[Mistake, ...],
                 pair: bool = False) -> Check:
    return Check(name=name, params=params, reference=getattr(ref, name),
                 public=tuple(Case(args) for args in public), hidden=hidden, mistakes=mistakes,
                 coerce=as_float_list if pair else as_float,
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
            cases.append(Case((_magnitude(rng, 0.3, 3), int(rng.choice([2, 3, 4, -1, -2])))))
        else:
            cases.append(Case((abs(_magnitude(rng, 0.3, 4)), float(rng.choice([0.5, 1.5, -0.5, 2.5])))))
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
    return [Case((_magnitude(rng, 0.05, 5),)) for _ in range(25)]


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
    return [Case((_magnitude(rng, 0.1, 3),)) for _ in range(25)]


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


# --- programs: the cases of the graph exercises --------------------------------------------


@dataclass(frozen=True)
class Program:
    """Python statements over the named ``leaves``; the result is the variable ``out``.

    ``x += y`` runs as ``x = x + (y)`` — what it means for micrograd's ``Value``, which has no
    ``__iadd__``, and it keeps PyTorch from modifying a tensor in place. ``title``, when set, is
    shown instead of the source (for long programs).
    """

    source: str
    leaves: tuple[tuple[str, float], ...]
    title: str = ""

    def runnable(self) -> str:
        return re.sub(r"^(\s*)(\w+) \+= (.+)$", r"\1\2 = \2 + (\3)", self.source, flags=re.MULTILINE)

    def __repr__(self) -> str:
        at = ", ".join(f"{name}={number(value)}" for name, value in self.leaves)
        return f"{self.title or '`' + self.source + '`'} with {at}"


@dataclass(frozen=True)
class ProgramCase(Case):
    """A case whose one argument is a :class:`Program`; described as ``name on `source` with a=…``."""

    def describe(self, name: str, params: Sequence[str]) -> str:
        return f"{name} on {self.args[0]!r}"


def run_program(program: Program, make_leaf: Callable[[str, float], Any]) -> tuple[Any, dict[str, Any]]:
    """Run ``program`` with leaves ``make_leaf(name, value)``; return ``out`` and every variable."""
    scope: dict[str, Any] = {name: make_leaf(name, value) for name, value in program.leaves}
    scope["__builtins__"] = {"range": range}
    exec(program.runnable(), scope)  # the programs are the course's own
    del scope["__builtins__"]
    return scope["out"], scope


def torch_answer(program: Program, with_value: bool = True) -> list[tuple[str, float]]:
    """``("out", value)`` (if ``with_value``) and ``("a.grad", ∂out/∂a)`` for every leaf, by PyTorch
    in float64 — the reference of :data:`backward` and :data:`engine`."""
    answer = _torch_answer(program)
    return list(answer) if with_value else list(answer[1:])


@functools.lru_cache(maxsize=512)
def _torch_answer(program: Program) -> tuple[tuple[str, float], ...]:
    """Cached: every check call (and every diagnosis) asks again for the same programs."""
    import torch  # only graders and tests need it

    out, scope = run_program(program, lambda name, value: torch.tensor(
        float(value), dtype=torch.float64, requires_grad=True))
    out.backward()
    grads = [(f"{name}.grad", 0.0 if scope[name].grad is None else float(scope[name].grad))
             for name, _ in program.leaves]
    return (("out", float(out.detach())), *grads)


def _as_named_floats(answer: Any) -> list[tuple[str, float]]:
    """Coerce each ``(name, value)`` pair's value to a plain float, naming it in any error."""
    named = []
    for name, value in answer:
        try:
            named.append((name, as_float(value)))
        except CoercionError as exc:
            raise CoercionError(f"{name}: {exc}") from None
    return named


def close_named(expected: list[tuple[str, float]], got: list[tuple[str, float]]) -> str | None:
    """Every named value agrees as in :func:`~.core.close_floats`; else the first that does not."""
    problems = [f"{name}: {problem}" for (name, e), (_, g) in zip(expected, got, strict=True)
                if (problem := close_floats(e, g)) is not None]
    if not problems:
        return None
    if len(problems) == 1:
        return problems[0]
    more = "1 more value differs" if len(problems) == 2 else f"{len(problems) - 1} more values differ"
    return f"{problems[0]} (and {more})"


# hand-written programs

MICROGRAD_EXAMPLE = Program(
    "c = a + b\nd = a * b + b**3\nc += c + 1\nc += 1 + c + (-a)\nd += d * 2 + (b + a).relu()\n"
    "d += 3 * d + (b - a).relu()\ne = c - d\nf = e**2\ng = f / 2.0\ng += 10.0 / f\nout = g",
    (("a", -4.0), ("b", 2.0)), title="micrograd's README example (out = g = f / 2.0 + 10.0 / f)")
"""The expression of micrograd's README: ``g = 24.7041``, ``∂g/∂a = 138.8338``, ``∂g/∂b = 645.5773``."""


def chain(n: int, start: float = 0.5) -> Program:
    """``x = a``, then ``n`` times ``x = x + a``: a graph ``n`` nodes deep in which ``a`` is used
    ``n + 1`` times, so ``out = (n + 1)·a`` and ``∂out/∂a = n + 1``."""
    return Program(f"x = a\nfor _ in range({n}):\n    x = x + a\nout = x", (("a", start),),
                   title=f"a chain of {n:,} additions (x = x + a)".replace(",", " "))


PUBLIC_PROGRAMS = (
    MICROGRAD_EXAMPLE,
    Program("b = a + a; out = b + b", (("a", 3.0),)),
    Program("c = a * b; out = c.relu()", (("a", 1.5), ("b", -2.0))),
    Program("c = a ** 3; d = c.tanh(); out = d * b + a", (("a", 0.5), ("b", 2.0))),
    chain(10_000),
)

_REUSE_PROGRAMS = (
    Program("b = a * a; c = b * b; d = c * c; out = d + b", (("a", 1.1),)),
    Program("c = a * b; d = c + a; e = d * c; out = e - b", (("a", -0.7), ("b", 1.3))),
    Program("d = a + b; e = d * d; f = e.tanh() * d; out = (f + c) * d",
            (("a", 0.4), ("b", -0.9), ("c", 0.6))),
    Program("c = a - b; d = c.relu(); e = (a * 2.0 - b).relu(); out = d * e + d", (("a", 1.2), ("b", -0.5))),
    Program("c = a * b; d = c.relu(); e = (c + 1.0).relu(); out = d + e * a", (("a", 0.8), ("b", -0.6))),
)


# random programs: one operation per statement, inputs kept where every rule is smooth

Rule = Callable[[float, float, float], float]
"""``rule(x, y, k)``: an operation's value on the floats of its operands ``x``, ``y`` and constant ``k``."""
Allowed = Callable[[float, float], bool]
"""``allowed(x, y)``: whether the operands are in the operation's safe domain."""

_OPERATIONS: tuple[tuple[str, Rule, Allowed], ...] = (
    ("{x} + {y}", lambda x, y, k: x + y, lambda x, y: True),
    ("{x} - {y}", lambda x, y, k: x - y, lambda x, y: True),
    ("{x} * {y}", lambda x, y, k: x * y, lambda x, y: True),
    ("{x} / {y}", lambda x, y, k: x / y, lambda x, y: abs(y) >= 0.3),
    ("{k} + {x}", lambda x, y, k: k + x, lambda x, y: True),
    ("{k} - {x}", lambda x, y, k: k - x, lambda x, y: True),
    ("{k} * {x}", lambda x, y, k: k * x, lambda x, y: True),
    ("{k} / {x}", lambda x, y, k: k / x, lambda x, y: abs(x) >= 0.3),
    ("-{x}", lambda x, y, k: -x, lambda x, y: True),
    ("{x} ** 2", lambda x, y, k: x**2, lambda x, y: True),
    ("{x} ** 3", lambda x, y, k: x**3, lambda x, y: True),
    ("{x} ** -1", lambda x, y, k: x**-1, lambda x, y: abs(x) >= 0.3),
    ("{x} ** 0.5", lambda x, y, k: x**0.5, lambda x, y: x >= 0.3),
    ("{x}.relu()", lambda x, y, k: max(x, 0.0), lambda x, y: abs(x) >= 0.05),
    ("{x}.tanh()", lambda x, y, k: math.tanh(x), lambda x, y: True),
)
_WEIGHTS = np.array([3.0 if "relu" in t or "tanh" in t else 1.0 for t, _, _ in _OPERATIONS])
_WEIGHTS /= _WEIGHTS.sum()
"""ReLU and tanh three times as often as each arithmetic operation (ReLUs switched off matter)."""
_VARIABLES = "defghijkmnpq"


def random_program(rng: np.random.Generator, n_leaves: int = 3, n_statements: int = 5) -> Program:
    """Leaves ``a, b, c, …`` in ±[0.3, 2]; then ``n_statements`` one-operation statements over
    earlier variables (half the time the latest one, so results get reused), the last one ``out``.
    Divisors and the bases of negative or fractional powers stay ≥ 0.3 in size, ReLU inputs
    ≥ 0.05 away from the kink, and every intermediate value below 50 in size."""
    leaves = tuple((name, _magnitude(rng, 0.3, 2)) for name in "abcdefgh"[:n_leaves])
    values = dict(leaves)
    names = list(values)
    lines = []
    for i in range(n_statements):
        target = "out" if i == n_statements - 1 else _VARIABLES[i]
        while True:
            x = names[-1] if rng.random() < 0.5 else str(rng.choice(names))
            y = str(rng.choice(names))
            k = round(float(rng.uniform(0.5, 3)), 1) * (1 if rng.random() < 0.5 else -1)
            template, rule, allowed = _OPERATIONS[int(rng.choice(len(_OPERATIONS), p=_WEIGHTS))]
            if allowed(values[x], values[y]) and abs(value := rule(values[x], values[y], k)) < 50:
                break
        lines.append(f"{target} = {template.format(x=x, y=y, k=k)}")
        values[target] = value
        names.append(target)
    return Program("; ".join(lines), leaves)


def _graph_cases(rng: np.random.Generator, chain_length: int = 100_000) -> Sequence[Case]:
    programs = list(_REUSE_PROGRAMS)
    programs += [random_program(rng, int(rng.integers(1, 4)), int(rng.integers(2, 9))) for _ in range(26)]
    programs.append(chain(chain_length, start=-0.25))
    return [ProgramCase((program,)) for program in programs]


# --- the course graph a student's function receives ----------------------------------------


def _course_leaf(name: str, value: float) -> ref.Value:
    return ref.Value(value, label=name)


def _course_graph(program: Program) -> tuple[ref.Value, dict[str, Any]]:
    return run_program(program, _course_leaf)


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
    for node in ref.topological_order(root):
        node.__class__ = _GradedValue


def _leaf_grads(program: Program, scope: dict[str, Any]) -> list[tuple[str, Any]]:
    return [(f"{name}.grad", scope[name].grad) for name, _ in program.leaves]


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


def classify_order(root: ref.Value, order: Any, names: dict[int, str]) -> Verdict:
    """Whether ``order`` lists every node ``root`` depends on once, each after its inputs; if not,
    the first thing wrong with it."""
    nodes = ref.topological_order(root)
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


def _order_answer(function: Callable[[ref.Value], Any]) -> Callable[[Program], Verdict]:
    """``topological_order`` as a function of a program: build its course graph, classify the answer."""
    def answer(program: Program) -> Verdict:
        root, scope = _course_graph(program)
        try:
            order = function(root)
        except RecursionError:
            return Verdict("recursion", f"raised RecursionError: {_TOO_DEEP}")
        return classify_order(root, order, _node_names(scope))
    answer.__name__ = getattr(function, "__name__", "topological_order")
    return answer


def _as_verdict(value: Any) -> Verdict:
    if not isinstance(value, Verdict):
        raise CoercionError(f"expected a verdict, got {fmt(value)}")  # pragma: no cover - adapters make them
    return value


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
    """Post-order, but every path to a node appends it again."""
    order, stack = [], [(root, iter(root._parents))]
    while stack:
        node, parents = stack[-1]
        for parent in parents:
            stack.append((parent, iter(parent._parents)))
            break
        else:
            stack.pop()
            order.append(node)
    return order


topological_order_check = Check(
    name="topological_order",
    params=("root",),
    reference=_order_answer(ref.topological_order),
    public=tuple(ProgramCase((program,)) for program in PUBLIC_PROGRAMS),
    hidden=_graph_cases,
    coerce=_as_verdict,
    compare=_same_kind,
    mistakes=(
        Mistake("your sort is recursive: Python stops recursion about 1 000 calls deep, so a chain of "
                "10 000 operations is out of reach. Keep the nodes still to visit in a list used as a "
                "stack instead.", _order_answer(_order_recursive)),
        Mistake("your list starts with the root; it must end with it: the leaves first, every node "
                "after all of its inputs (reverse your list).", _order_answer(_order_reversed)),
        Mistake("you add a node to the list as soon as you reach it, before its inputs; add it only "
                "once all of its inputs are in the list.", _order_answer(_order_preorder)),
        Mistake("a node reached along two paths (b = a + a) appears twice: remember the nodes you "
                "have visited in a set, and skip them.", _order_answer(_order_without_visited)),
    ),
)


# --- 3. backward ---------------------------------------------------------------------------


def _backward_answer(function: Callable[[ref.Value], Any]) -> Callable[[Program], list[tuple[str, Any]]]:
    """``backward`` as a function of a program: run it on the program's course graph, read the
    leaves' gradients."""
    def answer(program: Program) -> list[tuple[str, Any]]:
        root, scope = _course_graph(program)
        _without_backward(root)
        try:
            function(root)
        except RecursionError:
            raise RecursionError(_TOO_DEEP) from None
        return _leaf_grads(program, scope)
    answer.__name__ = getattr(function, "__name__", "backward")
    return answer


def _backward_assigning(root: ref.Value) -> None:
    root.grad = 1.0
    for node in reversed(ref.topological_order(root)):
        for parent, local_grad in zip(node._parents, node._local_grads, strict=True):
            parent.grad = local_grad * node.grad


def _backward_forward_order(root: ref.Value) -> None:
    root.grad = 1.0
    for node in ref.topological_order(root):
        for parent, local_grad in zip(node._parents, node._local_grads, strict=True):
            parent.grad += local_grad * node.grad


def _backward_unseeded(root: ref.Value) -> None:
    for node in reversed(ref.topological_order(root)):
        for parent, local_grad in zip(node._parents, node._local_grads, strict=True):
            parent.grad += local_grad * node.grad


def _backward_local_only(root: ref.Value) -> None:
    root.grad = 1.0
    for node in reversed(ref.topological_order(root)):
        for parent, local_grad in zip(node._parents, node._local_grads, strict=True):
            parent.grad += local_grad


ACCUMULATE_HINT = ("a node used more than once (b = a + a) must collect the gradient from every use: add "
                   "to its grad with `+=` (parent.grad += local_grad * node.grad). With `=` each use "
                   "overwrites the previous one.")
ORDER_HINT = ("go through the nodes in *reverse* topological order (root first): a node may pass its "
              "gradient on only after every node that uses it has added its share.")

backward_check = Check(
    name="backward",
    params=("root",),
    reference=lambda program: torch_answer(program, with_value=False),
    public=tuple(ProgramCase((program,)) for program in PUBLIC_PROGRAMS),
    hidden=_graph_cases,
    coerce=_as_named_floats,
    compare=close_named,
    mistakes=(
        Mistake(ACCUMULATE_HINT, _backward_answer(_backward_assigning)),
        Mistake(ORDER_HINT, _backward_answer(_backward_forward_order)),
        Mistake("start with root.grad = 1.0 (∂root/∂root = 1): every gradient is a multiple of it, so "
                "without it they all stay 0.", _backward_answer(_backward_unseeded)),
        Mistake("the chain rule multiplies the local derivative by the gradient that reached the node: "
                "parent.grad += local_grad * node.grad.", _backward_answer(_backward_local_only)),
    ),
)


# --- 4. the student's engine ---------------------------------------------------------------


def _engine_answer(cls: Callable[[float], Any]) -> Callable[[Program], list[tuple[str, Any]]]:
    """A ``Value`` class as a function of a program: run it with ``cls`` leaves, call
    ``out.backward()``, read ``out.data`` and the leaves' ``grad``."""
    def answer(program: Program) -> list[tuple[str, Any]]:
        try:
            out, scope = run_program(program, lambda name, value: cls(value))
            out.backward()
        except RecursionError:
            raise RecursionError(_TOO_DEEP) from None
        return [("out", out.data)] + _leaf_grads(program, scope)
    answer.__name__ = getattr(cls, "__name__", "Value")
    return answer


LocalRule = Callable[[ref.Value], tuple[float, ...]]


def _course_engine_with(op: Callable[[str], bool] = bool, wrong_local_grads: LocalRule | None = None,
                        backward: Callable[[ref.Value], None] = ref.backward) -> Callable[[Program], list]:
    """The course engine with one bug: the local derivatives of every node whose ``_op`` satisfies
    ``op`` replaced by ``wrong_local_grads(node)``, or a wrong ``backward``."""
    def answer(program: Program) -> list[tuple[str, Any]]:
        out, scope = _course_graph(program)
        if wrong_local_grads is not None:
            for node in ref.topological_order(out):
                if op(node._op):
                    node._local_grads = wrong_local_grads(node)
        backward(out)
        return [("out", out.data)] + _leaf_grads(program, scope)
    return answer


def _exponent(node: ref.Value) -> float:
    return float(node._op.removeprefix("**"))


engine_check = Check(
    name="Value",
    params=("program",),
    reference=torch_answer,
    public=tuple(ProgramCase((program,)) for program in PUBLIC_PROGRAMS),
    hidden=_graph_cases,
    coerce=_as_named_floats,
    compare=close_named,
    what="class",
    mistakes=(
        Mistake(ACCUMULATE_HINT, _course_engine_with(backward=_backward_assigning)),
        Mistake(ORDER_HINT, _course_engine_with(backward=_backward_forward_order)),
        Mistake("relu's slope is 0 for negative inputs (its output does not move): your relu passes "
                "the gradient through for negative inputs too.",
                _course_engine_with(lambda op: op == "ReLU", lambda node: (1.0,))),
        Mistake("the power rule brings the exponent down: ∂xⁿ/∂x = n · x**(n - 1); you left out n.",
                _course_engine_with(lambda op: op.startswith("**"),
                                    lambda node: (node._parents[0].data ** (_exponent(node) - 1),))),
        Mistake("in a product each input's slope is the *other* input: ∂(a·b)/∂a = b.data.",
                _course_engine_with(lambda op: op == "*", lambda node: tuple(p.data for p in node._parents))),
        Mistake("tanh's local derivative is 1 − t² with t = tanh(x) (the output); you used 1 − t.",
                _course_engine_with(lambda op: op == "tanh", lambda node: (1.0 - node.data,))),
        Mistake("start backward() with self.grad = 1 (∂out/∂out = 1): without it every gradient stays 0.",
                _course_engine_with(backward=_backward_unseeded)),
    ),
)


# --- checks on programs, as a notebook calls them --------------------------------------------


@dataclass(frozen=True)
class ProgramCheck:
    """A :class:`~.core.Check` whose cases are programs, and how the student's object (a function
    of a root node, or a class) becomes a function of a program: ``adapt``."""

    check: Check
    adapt: Callable[[Any], Callable[[Program], Any]]

    @property
    def name(self) -> str:
        return self.check.name

    @property
    def mistakes(self) -> tuple[Mistake, ...]:
        return self.check.mistakes

    def cases(self, hidden: bool = False) -> list[Case]:
        return self.check.cases(hidden)

    def __call__(self, student: Any, hidden: bool = False) -> None:
        """Run the public (or hidden) programs; print a ✓ line or raise ``AssertionError``."""
        self.check(self.adapt(student) if callable(student) else student, hidden)


topological_order = ProgramCheck(topological_order_check, _order_answer)
backward = ProgramCheck(backward_check, _backward_answer)
engine = ProgramCheck(engine_check, _engine_answer)
Value = engine  # the check named after what it grades: CHECKS["Value"] is check.Value

CHECKS: dict[str, Check | ProgramCheck] = {
    check.name: check for check in (add_local_grads, mul_local_grads, pow_local_grad, relu_local_grad,
                                    tanh_local_grad, topological_order, backward, engine)
}
"""Every lesson-04 check by exercise name (``"Value"`` for the engine)."""
