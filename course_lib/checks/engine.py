"""Lesson 04, exercise 7: the student's own engine, a ``Value`` class.

``Value(x)``, ``.data``, ``.grad``, ``.backward()``, ``+ - * / **`` (number exponent), unary ``-``,
the reflected forms (``2 * x``, ``1 - x``, ``10.0 / x``), ``relu()`` and ``tanh()`` — micrograd's
public API, whatever the class stores inside. Each case runs a program (:mod:`.programs`) with
the class's leaves and calls ``out.backward()``; ``out.data``, every leaf's ``grad`` and
``out.grad`` are compared with PyTorch in float64.

It must be the student's own: the course's ``Value``, a subclass of it, or a class borrowing its
methods is refused (:class:`~.answer_key.AnswerKeyUnavailable`), and so is a class built on this
module's engines. The check is named ``Value`` after the exercise (``CHECKS["Value"]``); a test
cell calls it as ``check.engine(Value)``.
"""

from __future__ import annotations

import math
import types
from collections.abc import Callable
from typing import Any

from .. import autograd as ref
from .answer_key import AnswerKeyUnavailable
from .backward_pass import (
    ACCUMULATE_HINT,
    ORDER_HINT,
    ROOT_GRAD,
    backward_assigning,
    backward_forward_order,
    backward_unseeded,
)
from .core import Check, Mistake
from .graph_runs import Unanswerable, leaf_grads, program_arg, readable
from .programs import (
    PUBLIC_PROGRAMS,
    Program,
    ProgramCase,
    as_named_floats,
    close_named,
    expect_names,
    graph_cases,
    run_program,
    torch_answer,
)
from .recursion import recursion_problem
from .slowness import list_search, timed, too_slow


def _course_backward(root: Any) -> None:
    ref.backward(root)


def lesson_engine(add_grads: Callable[[float, float], Any] = lambda a, b: ref.add_local_grads(a, b),
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
_CHECKS = "an engine of course_lib.checks.engine, a known wrong answer"


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
    for source, said in ((ref.Value, _COURSE), (lesson_engine(), _CHECKS)):
        name = _takes_from(cls, source)
        if name is not None:
            raise _own_class(f"takes `{name}` from", said)


def _engine_answer(cls: Any) -> Callable[[Program], Any]:
    """A ``Value`` class as a function of a program: run it with ``cls`` leaves, call
    ``out.backward()``, read ``out.data``, the leaves' ``grad`` and ``out.grad`` (timed first on a
    large chain). Refuses the course's engine (and the check's own), before any case: the refusal
    is the whole answer."""
    _refuse_borrowed_engines(cls)

    def run(program: Program) -> tuple[Any, dict[str, Any]]:
        out, scope = run_program(program, lambda name, value: cls(value))
        if any(issubclass(type(scope[name]), ref.Value) for name in program.leaf_names()):
            raise _own_class("makes the values of")
        out.backward()
        return out, scope

    measured: dict[int, float] = {}

    def answer(program: Program) -> Any:
        try:
            slow = too_slow(lambda program: timed(lambda: run(program)), program,
                            lambda program: list_search(lambda: run(program)), measured)
            if slow is not None:
                return Unanswerable(slow)
            out, scope = run(program)
        except RecursionError as exc:
            raise RecursionError(recursion_problem(exc)) from None
        return [("out", out.data), *leaf_grads(program, scope), (ROOT_GRAD, out.grad)]
    answer.__name__ = getattr(cls, "__name__", "Value")
    return answer


def _value_names(args: tuple[Any, ...], answer: list[tuple[str, float]]) -> list[tuple[str, float]]:
    leaves = [f"{name}.grad" for name in program_arg(args).leaf_names()]
    return expect_names(["out", *leaves, ROOT_GRAD], answer)


def _reference(program: Program) -> list[tuple[str, float]]:
    """PyTorch's ``out`` and ``∂out/∂leaf`` for every leaf, then ``∂out/∂out = 1``."""
    return [*torch_answer(program), (ROOT_GRAD, 1.0)]


engine = Check(
    name="Value",
    params=("program",),
    reference=_reference,
    public=tuple(ProgramCase((program,)) for program in PUBLIC_PROGRAMS),
    hidden=graph_cases,
    adapt=_engine_answer,
    coerce=readable(as_named_floats),
    interpret=_value_names,
    compare=close_named,
    what="class",
    mistakes=(
        Mistake(ACCUMULATE_HINT, lesson_engine(backward=backward_assigning)),
        Mistake(ORDER_HINT, lesson_engine(backward=backward_forward_order)),
        Mistake("relu's slope is 0 for negative inputs (its output does not move): your relu passes "
                "the gradient through for negative inputs too.", lesson_engine(relu_grad=lambda x: 1.0)),
        Mistake("the power rule brings the exponent down: ∂xⁿ/∂x = n · x**(n - 1); you left out n.",
                lesson_engine(pow_grad=lambda x, n: x ** (n - 1))),
        Mistake("in a product each input's slope is the *other* input: ∂(a·b)/∂a = b.data.",
                lesson_engine(mul_grads=lambda a, b: (a, b))),
        Mistake("tanh's local derivative is 1 − t² with t = tanh(x) (the output); you used 1 − t.",
                lesson_engine(tanh_grad=lambda x: 1.0 - math.tanh(x))),
        Mistake("start backward() with self.grad = 1 (∂out/∂out = 1): without it every gradient stays 0.",
                lesson_engine(backward=backward_unseeded)),
    ),
)
