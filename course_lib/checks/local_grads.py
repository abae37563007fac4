"""Lesson 04, exercises 1–3: the local derivatives of the engine's basic operations.

Numbers in, numbers out (plain :class:`~.core.Check` s)::

    add_local_grads(a, b) -> (∂(a+b)/∂a, ∂(a+b)/∂b) = (1, 1)
    mul_local_grads(a, b) -> (∂(a·b)/∂a, ∂(a·b)/∂b) = (b, a)
    pow_local_grad(x, n)  -> ∂xⁿ/∂x = n·xⁿ⁻¹
    relu_local_grad(x)    -> ∂relu(x)/∂x = 1 for x > 0, 0 for x < 0
    tanh_local_grad(x)    -> ∂tanh(x)/∂x = 1 − tanh²(x)

At the kink ``x = 0`` ReLU has no slope; the notebook states the convention (0, as PyTorch), so a
public case of ``relu_local_grad`` asks about ``x = 0``. Its other inputs, and tanh's, are at
least 0.05 away from 0.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from .. import autograd as ref
from .coerce import as_float, as_float_list
from .core import Case, Check, Mistake, close_float_lists, close_floats
from .graph_runs import plain
from .programs import magnitude


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
                 coerce=plain(as_float_list if pair else as_float),
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
    # the kink again, as -0.0 (equal to 0, and another case than the public 0.0)
    return [Case((-0.0,))] + [Case((magnitude(rng, 0.05, 5),)) for _ in range(25)]


relu_local_grad = _local_check(
    "relu_local_grad", ("x",), ((2.0,), (-1.5,), (0.7,), (-0.3,), (3.5,), (0.0,)), _relu_cases,
    mistakes=(
        Mistake("for x < 0, relu outputs 0 whatever x does, so its slope there is 0: your function "
                "passes the gradient through for negative inputs.", lambda x: 1.0),
        Mistake("that is relu(x) itself (the forward value); the local derivative is its slope: "
                "1 for x > 0, 0 for x < 0.", lambda x: max(0.0, x)),
        Mistake("inverted: the slope is 1 where relu lets x through (x > 0) and 0 where it outputs 0.",
                lambda x: 1.0 if x < 0 else 0.0),
        Mistake("at exactly x = 0 relu has a kink and no slope; the convention (PyTorch's too) is 0 "
                "there: 1 only for x > 0.", lambda x: 1.0 if x >= 0 else 0.0),
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
