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

5. ``counterexample()`` — the find-the-bug exercise: a pair ``(x, out)`` built with any engine
   whose nodes keep ``_parents`` and ``_local_grads``, on which :func:`assigning_backward` (the
   backward pass with ``=`` for ``+=``) gets ``∂out/∂x`` wrong; ``check.counterexample(
   counterexample)``. No cases: the check inspects the graph and says why it does not expose the
   bug (no node used twice; the reused node off ``x``'s path; the dropped contributions are 0).
   The hidden run also tries a second valid order, so the answer may not rely on which write
   comes last.

6. ``train_step(model, X, y, learning_rate)`` — one step of gradient descent on
   :func:`course_lib.autograd.hinge_loss`, returning ``(loss.data, accuracy)``;
   ``check.train_step(train_step)``. Each case (:class:`Training`) calls it a few times on a
   fresh seeded course ``MLP`` and a small seeded data set, and compares every returned number
   and every parameter afterwards with :func:`course_lib.autograd.train_step` (known mistakes: no
   ``zero_grad()``, a step uphill, parameters that never change). A hidden run trains to 100 %.

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
from .core import Case, Check, Mistake, close_float_lists, close_floats, quiet
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


# --- 5. a counterexample: a graph on which `=` instead of `+=` goes wrong ------------------------

NO_REUSE_HINT = ("every node of your graph is used by one operation only, so each grad is written once and "
                 "`=` does no harm. The bug needs a node that is used twice, as in b = a + a.")
OFF_PATH_HINT = ("a node of your graph is used twice, but the gradient of x does not flow through it: make x "
                 "itself, or a node computed from x, the one that is used twice.")
COINCIDE_HINT = ("your graph uses a node twice, but at these values the contributions that `=` throws away "
                 "are 0 (a local derivative of 0: a * a at a = 0, a ReLU switched off, …), so `=` happens to "
                 "give the right number. Choose other values.")


def _is_node(value: Any) -> bool:
    return all(hasattr(value, attribute) for attribute in ("data", "grad", "_parents", "_local_grads"))


def _order_inputs_reversed(root: ref.Value) -> list[ref.Value]:
    """Another valid topological order: depth first, each node's inputs visited last to first."""
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


def assigning_backward(root: ref.Value, order: Callable[[ref.Value], list[ref.Value]] = ref.topological_order,
                       ) -> None:
    """The bug of the exercise: :func:`course_lib.autograd.backward` with ``parent.grad = …`` for
    ``parent.grad += …``, so a node used several times keeps only the contribution written last."""
    root.grad = 1.0
    for node in reversed(order(root)):
        for parent, local_grad in zip(node._parents, node._local_grads, strict=True):
            parent.grad = local_grad * node.grad


@dataclass(frozen=True)
class CounterexampleCheck:
    """``counterexample()`` returns ``(x, out)``: a node ``x`` (usually a leaf) of an expression
    ``out``, built with a ``Value`` that keeps ``_parents`` and ``_local_grads`` (the course's,
    or the student's own). It passes when :func:`assigning_backward` gets ``∂out/∂x`` wrong;
    the hidden run also visits the nodes in a second valid order (each node's inputs in reverse),
    so a counterexample may not rely on which of two contributions happens to be written last.

    The student's function is called twice per order (two fresh graphs: one for the bug, one for
    the right answer), so it must build a new graph each time. There are no cases: a wrong
    answer is diagnosed from the graph itself (no node used twice; the reused node off x's path;
    the contributions `=` drops are 0)."""

    name: str = "counterexample"

    def _build(self, student: Callable[[], Any]) -> tuple[Any, Any]:
        try:
            with quiet():
                result = student()
        except NotImplementedError:
            raise AssertionError("`counterexample` is not written yet.\n"
                                 "Hint: replace `raise NotImplementedError()` with your code.") from None
        except Exception as exc:  # noqa: BLE001 - any error in student code fails the check
            raise AssertionError(f"counterexample() raised {type(exc).__name__}: {exc}.") from None
        if not (isinstance(result, tuple | list) and len(result) == 2 and all(map(_is_node, result))):
            shown = "None (did you forget `return`?)" if result is None else fmt(result)
            raise AssertionError(f"counterexample() must return a pair (x, out) of Values; "
                                 f"it returned {shown}.")
        x, out = result
        if x is out:
            raise AssertionError("counterexample() returned out itself as x: ∂out/∂out = 1 whatever the "
                                 "backward pass. Return a node that out was computed from, such as a leaf.")
        nodes = ref.topological_order(out)
        if not any(node is x for node in nodes):
            raise AssertionError("x is not part of the graph of out: out was not computed from it. Build out "
                                 "from x, then return x, out.")
        for node in nodes:  # start from a fresh graph, even if counterexample() ran backward itself
            node.grad = 0.0
        return x, out

    @staticmethod
    def _hint(x: Any, out: Any) -> str:
        nodes = ref.topological_order(out)
        uses = Counter(id(parent) for node in nodes for parent in node._parents)
        reused = [node for node in nodes if uses[id(node)] > 1]
        if not reused:
            return NO_REUSE_HINT
        if not any(any(node is x for node in ref.topological_order(r)) for r in reused):
            return OFF_PATH_HINT
        return COINCIDE_HINT

    def __call__(self, student: Any, hidden: bool = False) -> None:
        """Print a ✓ line, or raise ``AssertionError`` saying why the graph does not expose the bug."""
        if not callable(student):
            raise AssertionError(f"`counterexample` is {fmt(student)}, not a function.")
        orders = [("", ref.topological_order)]
        if hidden:
            orders.append((" (visiting each node's inputs in reverse, another valid order)",
                           _order_inputs_reversed))
        for how, order in orders:
            x, out = self._build(student)
            true_x, true_out = self._build(student)
            assigning_backward(out, order)
            ref.backward(true_out)
            wrong, right = as_float(x.grad), as_float(true_x.grad)
            if close_floats(right, wrong) is None:
                raise AssertionError(
                    f"On your graph, assigning_backward{how} gives ∂out/∂x = {number(wrong)}, which is "
                    f"right: the graph does not show the bug.\nHint: {self._hint(x, out)}")
        kind = "hidden" if hidden else "public"
        print(f"✓ counterexample passes the {kind} check: with `=`, ∂out/∂x comes out as {number(wrong)}; "
              f"the true value is {number(right)}.")


counterexample = CounterexampleCheck()


# --- 6. a training step --------------------------------------------------------------------------


@dataclass(frozen=True)
class Training:
    """``steps`` calls of ``train_step(model, X, y, learning_rate)`` on a fresh course
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


_NOT_A_PAIR = "the result"


def _named_parameters(model: ref.MLP) -> list[tuple[str, Any]]:
    named = []
    for i, layer in enumerate(model.layers):
        for j, neuron in enumerate(layer.neurons):
            named += [(f"layers[{i}].neurons[{j}].w[{k}]", w) for k, w in enumerate(neuron.w)]
            named.append((f"layers[{i}].neurons[{j}].b", neuron.b))
    return named


def _training_answer(function: Callable[..., Any]) -> Callable[[Training], list[tuple[str, Any]]]:
    """``train_step`` as a function of a :class:`Training`: what each call returns, then every
    parameter's ``data`` after the last call."""
    def answer(training: Training) -> list[tuple[str, Any]]:
        X, y = training.dataset()
        model = ref.MLP(2, training.sizes, rng=training.seed)
        named: list[tuple[str, Any]] = []
        for call in range(1, training.steps + 1):
            result = function(model, X, y, training.learning_rate)
            if not (isinstance(result, tuple | list) and len(result) == 2):
                return [(_NOT_A_PAIR, result)]
            loss, accuracy = result
            named += [(f"the loss returned by call {call}", loss),
                      (f"the accuracy returned by call {call}", accuracy)]
        after = f" after {training.steps} calls"
        return named + [(f"{name}.data{after}", p.data) for name, p in _named_parameters(model)]
    answer.__name__ = getattr(function, "__name__", "train_step")
    return answer


def _as_training_floats(answer: Any) -> list[tuple[str, float]]:
    """The named floats of a training answer, or a :class:`CoercionError` saying what is off."""
    if answer and answer[0][0] == _NOT_A_PAIR:
        result = answer[0][1]
        shown = "None (did you forget `return`?)" if result is None else fmt(result)
        raise CoercionError(f"train_step must return the pair (loss, accuracy); it returned {shown}")
    for name, value in answer:
        if _is_node(value):
            raise CoercionError(f"{name} is a Value: return its number, loss.data")
    return _as_named_floats(answer)


def _step(model: ref.Module, X: Any, y: Any, learning_rate: float, zero_grad: bool = True,
          backward: bool = True, sign: float = -1.0) -> tuple[float, float]:
    """:func:`course_lib.autograd.train_step`, optionally with one of its typical bugs."""
    loss, accuracy = ref.hinge_loss(model, X, y)
    if zero_grad:
        model.zero_grad()
    if backward:
        loss.backward()
    for p in model.parameters():
        p.data += sign * learning_rate * p.grad
    return loss.data, accuracy


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


NO_ZERO_GRAD_HINT = ("a leaf's grad adds up over backward() calls, so from the second call on you step along "
                     "the sum of every gradient so far: call model.zero_grad() before loss.backward().")
UPHILL_HINT = "you stepped *up* the gradient, which makes the loss grow: p.data -= learning_rate * p.grad."
FROZEN_HINT = ("the parameters did not change. Call model.zero_grad(), then loss.backward() (so that every "
               "p.grad holds ∂loss/∂p when you step), and change each parameter in place: "
               "p.data -= learning_rate * p.grad.")

train_step_check = Check(
    name="train_step",
    params=("training",),
    reference=_training_answer(ref.train_step),
    public=(TrainingCase((Training("two_moons", 12, 0, (4, 4, 1), 0, 0.5, 3),)),
            TrainingCase((Training("two_blobs", 10, 1, (3, 1), 2, 0.2, 2),))),
    hidden=_training_cases,
    coerce=_as_training_floats,
    compare=close_named,
    mistakes=(
        Mistake(NO_ZERO_GRAD_HINT, _training_answer(functools.partial(_step, zero_grad=False))),
        Mistake(UPHILL_HINT, _training_answer(functools.partial(_step, sign=1.0))),
        Mistake(FROZEN_HINT, _training_answer(functools.partial(_step, backward=False))),
    ),
)


# --- checks on programs, as a notebook calls them --------------------------------------------


@dataclass(frozen=True)
class ProgramCheck:
    """A :class:`~.core.Check` whose cases are programs (or training runs), and how the student's
    object (a function of a root node, a class, a training step) becomes a function of a case:
    ``adapt``."""

    check: Check
    adapt: Callable[[Any], Callable[[Any], Any]]

    @property
    def name(self) -> str:
        return self.check.name

    @property
    def mistakes(self) -> tuple[Mistake, ...]:
        return self.check.mistakes

    def cases(self, hidden: bool = False) -> list[Case]:
        return self.check.cases(hidden)

    def __call__(self, student: Any, hidden: bool = False) -> None:
        """Run the public (or hidden) cases; print a ✓ line or raise ``AssertionError``."""
        self.check(self.adapt(student) if callable(student) else student, hidden)


topological_order = ProgramCheck(topological_order_check, _order_answer)
backward = ProgramCheck(backward_check, _backward_answer)
engine = ProgramCheck(engine_check, _engine_answer)
Value = engine  # the check named after what it grades: CHECKS["Value"] is check.Value
train_step = ProgramCheck(train_step_check, _training_answer)

CHECKS: dict[str, Check | ProgramCheck] = {
    check.name: check for check in (add_local_grads, mul_local_grads, pow_local_grad, relu_local_grad,
                                    tanh_local_grad, topological_order, backward, engine, train_step)
}
"""Every lesson-04 check with cases, by exercise name (``"Value"`` for the engine). The
:data:`counterexample` check has no cases (it inspects the student's graph) and is not listed."""
