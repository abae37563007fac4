"""Running a lesson-04 answer on a course graph: what every graph check of the lesson shares.

A student's ``topological_order`` and ``backward`` receive graphs of the course's
:class:`course_lib.autograd.Value`, built from a :class:`~.programs.Program`; what comes back is
read as plain data. The helpers here read student objects defensively: a check fails a strange
answer with a sentence, it never crashes.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from .. import autograd as ref
from .coerce import CoercionError
from .programs import Program, graph_nodes
from .text import fmt


def plain(coerce: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``coerce`` that fails only with :class:`CoercionError`: observations are untrusted, and a
    check must fail a malformed one, never crash (``float(10**400)`` raises OverflowError)."""
    @functools.wraps(coerce)
    def wrapped(value: Any) -> Any:
        try:
            return coerce(value)
        except CoercionError:
            raise
        except Exception as exc:  # noqa: BLE001 - whatever the value, it is a failed case
            raise CoercionError(f"unreadable result ({type(exc).__name__}: {exc})") from None
    return wrapped


def shown(item: Any) -> str:
    """``item`` as the student would print it, at most 100 characters."""
    try:
        return fmt(item)[:100]
    except Exception:  # noqa: BLE001 - a student's __repr__ may raise
        return f"a {type(item).__name__}"


def is_node(value: Any) -> bool:
    """Whether ``value`` looks like an engine's node: ``data``, ``grad``, ``_parents``, ``_local_grads``."""
    try:
        return all(hasattr(value, attribute) for attribute in ("data", "grad", "_parents", "_local_grads"))
    except Exception:  # noqa: BLE001 - a student's __getattr__ may raise anything
        return False


class GradedValue(ref.Value):
    """A course ``Value`` whose own backward pass is off limits (the exercise is to write it)."""

    __slots__ = ()

    def backward(self) -> None:
        raise RuntimeError("this exercise is to write the backward pass yourself: "
                           "don't call the course's `.backward()`")

    def _backward(self) -> None:
        raise RuntimeError("this exercise is to write the chain rule yourself: "
                           "don't call the course's `._backward()`")


def without_backward(root: ref.Value) -> None:
    """Turn every node ``root`` depends on into a :class:`GradedValue`."""
    for node in graph_nodes(root):
        node.__class__ = GradedValue


def leaf_grads(program: Program, scope: dict[str, Any]) -> list[tuple[str, Any]]:
    """``("a.grad", a.grad)`` for every leaf of ``program``, as they are in ``scope``."""
    return [(f"{name}.grad", scope[name].grad) for name in program.leaf_names()]


def program_arg(args: tuple[Any, ...]) -> Program:
    """The program of a graph case (its one argument)."""
    return args[0]


class Unanswerable:
    """What an adapted answer returns when there is no answer to read, with the sentence saying
    why (too slow on a large graph, say); ``coerce`` turns it into a failed case."""

    def __init__(self, problem: str) -> None:
        self.problem = problem


def readable(coerce: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``coerce`` (made :func:`plain`) that fails an :class:`Unanswerable` with its sentence."""
    @plain
    @functools.wraps(coerce)
    def wrapped(value: Any) -> Any:
        if isinstance(value, Unanswerable):
            raise CoercionError(value.problem)
        return coerce(value)
    return wrapped
