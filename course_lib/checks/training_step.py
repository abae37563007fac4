"""Lesson 04, exercise 8: ``train_step(model, X, y, learning_rate)``, one step of gradient descent.

The step: ``loss, accuracy = hinge_loss(model, X, y)``; ``model.zero_grad()``; ``loss.backward()``;
``p.data -= learning_rate · p.grad`` for every parameter; return ``(loss.data, accuracy)`` from
before the step. Each case (:class:`Training`) calls it a few times on a fresh seeded ``MLP`` and a
small seeded data set, and compares every returned number and every parameter afterwards with
:func:`course_lib.autograd.train_step` (known mistakes: no ``zero_grad()``, a step uphill,
parameters that never change). The network's nodes carry a backward pass of the check's own, so
the step is judged apart from the student's ``backward``. A hidden run trains to 100 %.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import autograd as ref
from .coerce import CoercionError
from .core import Case, Check, Mistake
from .graph_runs import is_node, plain, shown
from .programs import as_named_floats, close_named, expect_names, graph_nodes
from .text import number


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


@plain
def _as_training_floats(answer: Any) -> list[tuple[str, float]]:
    """The named floats of a training answer, or a :class:`CoercionError` saying what is off."""
    if isinstance(answer, _NotAPair):
        result = answer.result
        said = "None (did you forget `return`?)" if result is None else shown(result)
        raise CoercionError(f"train_step must return the pair (loss, accuracy); it returned {said}")
    if isinstance(answer, list):
        for item in answer:
            if isinstance(item, tuple) and len(item) == 2 and is_node(item[1]):
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


def _step_returning_swapped(model: ref.Module, X: Any, y: Any, learning_rate: float) -> tuple[float, float]:
    loss, accuracy = _course_train_step(model, X, y, learning_rate)
    return accuracy, loss


def _step_returning_after(model: ref.Module, X: Any, y: Any, learning_rate: float) -> tuple[float, float]:
    _course_train_step(model, X, y, learning_rate)
    loss, accuracy = ref.hinge_loss(model, X, y)
    return loss.data, accuracy


NO_ZERO_GRAD_HINT = ("a leaf's grad adds up over backward() calls, so from the second call on you step along "
                     "the sum of every gradient so far: call model.zero_grad() before loss.backward().")
UPHILL_HINT = "you stepped *up* the gradient, which makes the loss grow: p.data -= learning_rate * p.grad."
SWAPPED_HINT = ("you returned (accuracy, loss); return them in the order the exercise asks for: "
                "(loss, accuracy).")
AFTER_HINT = ("you returned the loss and accuracy of the model *after* the step; return those from before it "
              "(the loss whose gradient the step followed): keep them from the start, then step.")
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
        Mistake(SWAPPED_HINT, _step_returning_swapped),
        Mistake(AFTER_HINT, _step_returning_after),
    ),
)
