"""Programs: the cases of the checks on computation graphs (lesson 04, reused by later lessons).

A :class:`Program` is a few Python statements over named leaves whose result is the variable
``out``. The same text runs with any engine — the course's :class:`course_lib.autograd.Value`, a
student's own class, PyTorch tensors — so one case serves a topological sort, a backward pass and
a whole engine. :func:`torch_answer` is the reference: ``out`` and ``∂out/∂leaf`` by PyTorch in
float64. Public programs are written by hand (micrograd's README example, reused nodes, a ReLU
switched off, a chain too deep for recursion); hidden ones are drawn by :func:`random_program`.

Graph nodes cross the sandbox wall as **tokens**: :func:`graph_nodes` numbers the nodes an output
depends on breadth first from the output (first seen, first numbered). The grader rebuilds the same
graph from the same program, so token ``i`` names the same node on both sides. Breadth-first order
is deliberately not a topological order (a node may come before one of its inputs), and nothing
here sorts a graph: this module ships inside the sandbox, where the course's sort is switched off.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import autograd as ref
from .coerce import CoercionError, as_float
from .core import Case, close_floats
from .text import number

# --- graphs: numbering nodes --------------------------------------------------------------------


class GraphTooLarge(ValueError):
    """A graph with more nodes than the limit given to :func:`graph_nodes`."""


def graph_nodes(root: Any, limit: int | None = None) -> list[Any]:
    """Every node ``root`` depends on (``root`` included), each once, breadth first over
    ``node._parents`` in the order first seen: ``root`` is node 0, its inputs 1, 2, …

    Nodes are told apart by ``id`` (never by ``==`` or ``hash``, which a student's class may
    redefine). Not a topological order. Raises :class:`GraphTooLarge` beyond ``limit`` nodes.
    """
    nodes, seen = [root], {id(root)}
    for node in nodes:  # the list grows while it is read: a queue
        for parent in tuple(node._parents):
            if id(parent) not in seen:
                seen.add(id(parent))
                nodes.append(parent)
                if limit is not None and len(nodes) > limit:
                    raise GraphTooLarge(f"more than {limit:,} nodes".replace(",", " "))
    return nodes


def tokens(nodes: Sequence[Any]) -> dict[int, int]:
    """``id(node) → its token`` (its position in ``nodes``, as :func:`graph_nodes` lists them)."""
    return {id(node): i for i, node in enumerate(nodes)}


# --- programs ------------------------------------------------------------------------------------


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

    def leaf_names(self) -> list[str]:
        return [name for name, _ in self.leaves]

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


def course_graph(program: Program) -> tuple[ref.Value, dict[str, Any]]:
    """``program`` run on the course's ``Value`` (leaves labelled with their names): ``out``, scope.

    Uses only the operators of :class:`course_lib.autograd.Value`, none of the lesson's answers,
    so it builds the same graph inside the sandbox and in the grader."""
    return run_program(program, lambda name, value: ref.Value(value, label=name))


def torch_answer(program: Program, with_value: bool = True) -> list[tuple[str, float]]:
    """``("out", value)`` (if ``with_value``) and ``("a.grad", ∂out/∂a)`` for every leaf, by PyTorch
    in float64 — the reference of the backward pass and of an engine."""
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


# --- named numbers: what a program check observes -----------------------------------------------


def as_named_floats(answer: Any) -> list[tuple[str, float]]:
    """``[(name, value), …]`` with each value a plain float, naming the value in any error.

    Reads student objects (in the sandbox) and untrusted plain data (in the grader) alike: anything
    that is not a list of ``(str, number)`` pairs is a :class:`CoercionError`."""
    if not isinstance(answer, list | tuple):
        raise CoercionError(f"expected (name, number) pairs, got a {type(answer).__name__}")
    named = []
    for item in answer:
        if not (isinstance(item, list | tuple) and len(item) == 2 and isinstance(item[0], str)):
            raise CoercionError("expected (name, number) pairs")
        name, value = item
        named.append((str.__str__(name), _named_float(name, value)))
    return named


def _named_float(name: str, value: Any) -> float:
    try:
        return as_float(value)
    except CoercionError as exc:
        raise CoercionError(f"{name}: {exc}") from None
    except Exception as exc:  # noqa: BLE001 - a student's number-like object may raise anything
        raise CoercionError(f"{name}: unreadable as a number ({type(exc).__name__})") from None


def expect_names(names: Sequence[str], answer: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """``answer`` if it names exactly ``names``, in order; else a :class:`CoercionError` (the grader's
    guard: honest observations always do, so :func:`close_named` can pair them up)."""
    if [name for name, _ in answer] != list(names):
        shown = ", ".join(names[:4]) + (", …" if len(names) > 4 else "")
        raise CoercionError(f"expected {len(names)} values ({shown}), got {len(answer)} others")
    return answer


def close_named(expected: list[tuple[str, float]], got: list[tuple[str, float]]) -> str | None:
    """Every named value agrees as in :func:`~.core.close_floats`; else the first that does not."""
    if len(got) != len(expected):
        return f"expected {len(expected)} values, got {len(got)}"
    problems = [f"{name}: {problem}" for (name, e), (_, g) in zip(expected, got, strict=True)
                if (problem := close_floats(e, g)) is not None]
    if not problems:
        return None
    if len(problems) == 1:
        return problems[0]
    more = "1 more value differs" if len(problems) == 2 else f"{len(problems) - 1} more values differ"
    return f"{problems[0]} (and {more})"


# --- hand-written programs ---------------------------------------------------------------------

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
"""The public cases of every graph exercise: a chain of 10 000 is beyond a recursive sort."""

REUSE_PROGRAMS = (
    Program("b = a * a; c = b * b; d = c * c; out = d + b", (("a", 1.1),)),
    Program("c = a * b; d = c + a; e = d * c; out = e - b", (("a", -0.7), ("b", 1.3))),
    Program("d = a + b; e = d * d; f = e.tanh() * d; out = (f + c) * d",
            (("a", 0.4), ("b", -0.9), ("c", 0.6))),
    Program("c = a - b; d = c.relu(); e = (a * 2.0 - b).relu(); out = d * e + d", (("a", 1.2), ("b", -0.5))),
    Program("c = a * b; d = c.relu(); e = (c + 1.0).relu(); out = d + e * a", (("a", 0.8), ("b", -0.6))),
)
"""Hidden programs that reuse nodes on purpose (where `=` for `+=` goes wrong)."""


# --- random programs: one operation per statement, inputs kept where every rule is smooth -------


def magnitude(rng: np.random.Generator, low: float, high: float) -> float:
    """A value in ±[low, high], rounded to 2 decimals, never near ±1 (where x, x², x³ coincide)."""
    value = round(float(rng.uniform(low, high)), 2)
    while abs(value - 1) < 0.1:
        value = round(float(rng.uniform(low, high)), 2)
    return value if rng.random() < 0.5 else -value


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
    leaves = tuple((name, magnitude(rng, 0.3, 2)) for name in "abcdefgh"[:n_leaves])
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


def graph_cases(rng: np.random.Generator, chain_length: int = 100_000) -> Sequence[Case]:
    """The hidden cases of a graph exercise: :data:`REUSE_PROGRAMS`, 26 random programs, and a
    chain of ``chain_length`` additions."""
    programs = list(REUSE_PROGRAMS)
    programs += [random_program(rng, int(rng.integers(1, 4)), int(rng.integers(2, 9))) for _ in range(26)]
    programs.append(chain(chain_length, start=-0.25))
    return [ProgramCase((program,)) for program in programs]
