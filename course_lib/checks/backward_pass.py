"""Lesson 04, exercise 6: ``backward(root)``, the chain rule over a graph.

The answer fills in ``node.grad = ∂root/∂node`` on a fresh graph of course ``Value`` nodes, whose
``_local_grads`` are right by construction, so only the chain-rule pass is graded::

    root.grad = 1;   for node in reversed(topological order):   parent.grad += local_grad · node.grad

What is observed is every leaf's ``grad`` and ``root.grad`` itself, compared with PyTorch in
float64 (``∂root/∂root = 1``): the root's own gradient tells a pass that never set it from one
that set it and then never passed it on. Calling the course's ``.backward()`` raises an error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import autograd as ref
from .core import Check, Mistake
from .graph_runs import Unanswerable, leaf_grads, program_arg, readable, without_backward
from .programs import (
    PUBLIC_PROGRAMS,
    Program,
    ProgramCase,
    as_named_floats,
    close_named,
    course_graph,
    expect_names,
    graph_cases,
    torch_answer,
)
from .recursion import recursion_problem
from .slowness import list_search, timed, too_slow

ROOT_GRAD = "out.grad"
"""The name of the root's own gradient in an answer (the programs call their result ``out``)."""


def _graded_graph(program: Program) -> tuple[ref.Value, dict[str, Any]]:
    root, scope = course_graph(program)
    without_backward(root)
    return root, scope


def _backward_answer(function: Callable[[ref.Value], Any]) -> Callable[[Program], Any]:
    """``backward`` as a function of a program: run it on the program's course graph (with the
    course's own backward switched off; timed first on a large chain), read the leaves' gradients
    and the root's."""
    def seconds(program: Program) -> float:
        root, _ = _graded_graph(program)
        return timed(lambda: function(root))

    def explain(program: Program) -> str | None:
        root, _ = _graded_graph(program)
        return list_search(lambda: function(root))

    measured: dict[int, float] = {}

    def answer(program: Program) -> Any:
        try:
            slow = too_slow(seconds, program, explain, measured)
            if slow is not None:
                return Unanswerable(slow)
            root, scope = _graded_graph(program)
            function(root)
        except RecursionError as exc:
            raise RecursionError(recursion_problem(exc)) from None
        return [*leaf_grads(program, scope), (ROOT_GRAD, root.grad)]
    answer.__name__ = getattr(function, "__name__", "backward")
    return answer


def _grad_names(args: tuple[Any, ...], answer: list[tuple[str, float]]) -> list[tuple[str, float]]:
    return expect_names([*(f"{name}.grad" for name in program_arg(args).leaf_names()), ROOT_GRAD], answer)


def _reference(program: Program) -> list[tuple[str, float]]:
    """PyTorch's ``∂out/∂leaf`` for every leaf, then ``∂out/∂out = 1``."""
    return [*torch_answer(program, with_value=False), (ROOT_GRAD, 1.0)]


# --- known mistakes, as student code (the engine check reuses them) ---------------------------------


def backward_assigning(root: Any) -> None:
    root.grad = 1.0
    for node in reversed(ref.topological_order(root)):
        for parent, local_grad in zip(node._parents, node._local_grads, strict=True):
            parent.grad = local_grad * node.grad


def backward_forward_order(root: Any) -> None:
    root.grad = 1.0
    for node in ref.topological_order(root):
        for parent, local_grad in zip(node._parents, node._local_grads, strict=True):
            parent.grad += local_grad * node.grad


def backward_unseeded(root: Any) -> None:
    for node in reversed(ref.topological_order(root)):
        for parent, local_grad in zip(node._parents, node._local_grads, strict=True):
            parent.grad += local_grad * node.grad


def backward_local_only(root: Any) -> None:
    root.grad = 1.0
    for node in reversed(ref.topological_order(root)):
        for parent, local_grad in zip(node._parents, node._local_grads, strict=True):
            parent.grad += local_grad


ACCUMULATE_HINT = ("a node used more than once (b = a + a) must collect the gradient from every use: add "
                   "to its grad with `+=` (parent.grad += local_grad * node.grad). With `=` each use "
                   "overwrites the previous one.")
ORDER_HINT = ("go through the nodes in *reverse* topological order (root first): a node may pass its "
              "gradient on only after every node that uses it has added its share.")
UNSEEDED_HINT = ("start with root.grad = 1.0 (∂root/∂root = 1): every gradient is a multiple of it, so "
                 "without it they all stay 0.")

backward = Check(
    name="backward",
    params=("root",),
    reference=_reference,
    public=tuple(ProgramCase((program,)) for program in PUBLIC_PROGRAMS),
    hidden=graph_cases,
    adapt=_backward_answer,
    coerce=readable(as_named_floats),
    interpret=_grad_names,
    compare=close_named,
    mistakes=(
        Mistake(ACCUMULATE_HINT, backward_assigning),
        Mistake(ORDER_HINT, backward_forward_order),
        Mistake(UNSEEDED_HINT, backward_unseeded),
        Mistake("the chain rule multiplies the local derivative by the gradient that reached the node: "
                "parent.grad += local_grad * node.grad.", backward_local_only),
    ),
)
