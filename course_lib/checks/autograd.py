"""Checks for lesson 04 (:mod:`course_lib.autograd`): a scalar autograd engine, piece by piece.

This is the module the notebook's test cells import (``from course_lib.checks import autograd as
check``); each exercise's check lives in a module of its own:

============================  ===============================  ===================================
exercise (solution cell)      test cell                        module
============================  ===============================  ===================================
``add_mul_local_grads``       ``check.add_local_grads(…)``,    :mod:`.local_grads`
                              ``check.mul_local_grads(…)``
``pow_local_grad``            ``check.pow_local_grad(…)``      :mod:`.local_grads`
``relu_tanh_local_grads``     ``check.relu_local_grad(…)``,    :mod:`.local_grads`
                              ``check.tanh_local_grad(…)``
``topological_order``         ``check.topological_order(…)``   :mod:`.topological`
``counterexample``            ``check.counterexample(…)``      :mod:`.counterexample`
``backward``                  ``check.backward(…)``            :mod:`.backward_pass`
``Value``                     ``check.engine(Value)``          :mod:`.engine`
``train_step``                ``check.train_step(…)``          :mod:`.training_step`
============================  ===============================  ===================================

Every one is a plain :class:`~.core.Check`. The cases of the graph exercises are small programs
(:mod:`.programs`, shared with later lessons); what running them on a student's code can reveal
beyond a wrong value — recursion, a walk that slows down as the square of the graph — is found by
:mod:`.recursion` and :mod:`.slowness`.

While the lesson is graded, the course's answers (:data:`ANSWER_KEY`) are switched off in the
sandbox: nothing that runs there for a check — drawing cases, building graphs, adapting and
observing the student's object — calls them.
"""

from __future__ import annotations

from .backward_pass import ACCUMULATE_HINT, ORDER_HINT, UNSEEDED_HINT, backward
from .core import Check
from .counterexample import (
    COINCIDE_HINT,
    LARGEST_GRAPH,
    NO_REUSE_HINT,
    OFF_PATH_HINT,
    ExposureKind,
    assigning_backward,
    counterexample,
    order_inputs_reversed,
)
from .engine import engine
from .local_grads import add_local_grads, mul_local_grads, pow_local_grad, relu_local_grad, tanh_local_grad
from .topological import RECURSIVE_HINT, VALID, OrderKind, Verdict, classify_order, topological_order
from .training_step import FROZEN_HINT, NO_ZERO_GRAD_HINT, UPHILL_HINT, Training, train_step

__all__ = [
    "ACCUMULATE_HINT", "ANSWER_KEY", "CHECKS", "COINCIDE_HINT", "FROZEN_HINT", "LARGEST_GRAPH",
    "NO_REUSE_HINT", "NO_ZERO_GRAD_HINT", "OFF_PATH_HINT", "ORDER_HINT", "RECURSIVE_HINT", "UNSEEDED_HINT",
    "UPHILL_HINT", "VALID", "ExposureKind", "OrderKind", "Training", "Verdict", "add_local_grads",
    "assigning_backward", "backward", "classify_order", "counterexample", "engine", "mul_local_grads",
    "order_inputs_reversed", "pow_local_grad", "relu_local_grad", "tanh_local_grad", "topological_order",
    "train_step",
]

CHECKS: dict[str, Check] = {
    check.name: check for check in (add_local_grads, mul_local_grads, pow_local_grad, relu_local_grad,
                                    tanh_local_grad, topological_order, counterexample, backward, engine,
                                    train_step)
}
"""Every lesson-04 check, by name: the exercise's solution cell id where one check grades it
(``"Value"`` for :data:`engine`), the function's name for the local derivatives."""

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
