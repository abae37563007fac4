"""Checks for lesson 02 (:mod:`course_lib.derivatives`): numerical derivatives.

Exercises: ``central_difference(f, x, delta)``, ``numerical_grad(loss_of_params, params, delta)``,
``fixed_central_difference(f, x, delta)`` (the find-and-fix-the-bug exercise) and
``best_delta(f, dfdx, x, dtype)`` (which step size is best, in float64 and in float32).

``best_delta`` asks for the δ in the sweep ``DELTAS`` (1e-1 … 1e-12) whose central difference of
``f`` at ``x``, computed in ``dtype``, is closest to ``dfdx(x)``. Near the optimum the error is
round-off noise, so two correct programs may pick neighbouring δ: the check accepts any δ from
the smallest to the largest whose error is within :data:`GOOD_ENOUGH` times the best one,
widened by :data:`SLACK` (≈ 1e-7…1e-5 in float64, 1e-3…1e-2 in float32 for ``exp`` at 1). The
usual wrong answers — computing in float64 whatever the dtype, sweeping the forward difference,
taking the smallest δ — land well outside.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from .. import derivatives as ref
from ..data import temperature
from .arrays import Named, close_arrays
from .coerce import CoercionError, as_array, as_float
from .core import Case, Check, Mistake

# ---------------------------------------------------------------------------------------------
# Functions used as arguments


def _loss_of_w(t_u: Any, t_c: Any, b: float, data: tuple[str, str]) -> Named:
    return Named(f"lambda w: loss_fn(model({data[0]}, w, {b}), {data[1]})",
                 lambda w: ref.loss_fn(ref.model(t_u, w, b), t_c))


def _loss_of_params(t_u: Any, t_c: Any, data: tuple[str, str]) -> Named:
    return Named(f"lambda p: loss_fn(model({data[0]}, p[0], p[1]), {data[1]})",
                 lambda p: ref.loss_fn(ref.model(t_u, p[0], p[1]), t_c))


_T_C, _T_U = temperature()
_TEMPERATURE = ("t_u", "t_c")

_SQUARE = Named("lambda x: x**2", lambda x: x**2)
_CUBE = Named("lambda x: x**3", lambda x: x**3)
_SCALAR_FUNCTIONS: tuple[tuple[Named, Named], ...] = (
    (_SQUARE, Named("lambda x: 2*x", lambda x: 2 * x)),
    (_CUBE, Named("lambda x: 3*x**2", lambda x: 3 * x**2)),
    (Named("np.sin", np.sin), Named("np.cos", np.cos)),
    (Named("np.cos", np.cos), Named("lambda x: -np.sin(x)", lambda x: -np.sin(x))),
    (Named("np.exp", np.exp), Named("np.exp", np.exp)),
    (Named("np.log", np.log), Named("lambda x: 1/x", lambda x: 1 / x)),
    (Named("np.tanh", np.tanh), Named("lambda x: 1 - np.tanh(x)**2", lambda x: 1 - np.tanh(x) ** 2)),
)
_TORCH_FUNCTIONS = (Named("torch.sin", torch.sin), Named("torch.exp", torch.exp),
                    Named("torch.tanh", torch.tanh), Named("lambda x: x**3", lambda x: x**3))


def _round(value: float, digits: int = 3) -> float:
    return float(f"{value:.{digits}g}")


def _log_uniform(rng: np.random.Generator, low: float, high: float) -> float:
    return _round(10 ** rng.uniform(math.log10(low), math.log10(high)), 2)


def _synthetic_line(rng: np.random.Generator, n: int, dtype: torch.dtype) -> tuple[torch.Tensor,
                                                                                      torch.Tensor]:
    """``(x, y)``: ``n`` noisy points on a random line, like the temperature data."""
    x = np.round(rng.uniform(-3.0, 3.0, n), 2)
    y = np.round(rng.uniform(-2.0, 2.0) * x + rng.uniform(-1.0, 1.0) + rng.normal(0.0, 0.3, n), 2)
    return torch.tensor(x, dtype=dtype), torch.tensor(y, dtype=dtype)


# ---------------------------------------------------------------------------------------------
# central_difference and fixed_central_difference


def _scalar_cases(rng: np.random.Generator, count: int) -> list[Case]:
    cases = []
    for _ in range(count):
        f, _ = _SCALAR_FUNCTIONS[rng.integers(len(_SCALAR_FUNCTIONS))]
        cases.append(Case((f, _round(rng.uniform(0.2, 3.0)), _log_uniform(rng, 1e-4, 0.1))))
    return cases


def _central_difference_cases(rng: np.random.Generator) -> Sequence[Case]:
    cases = _scalar_cases(rng, 12)
    cases.append(Case((_CUBE, np.float64(-1.5), 0.5)))
    for _ in range(3):  # element-wise on numpy arrays of other shapes
        f, _ = _SCALAR_FUNCTIONS[rng.integers(len(_SCALAR_FUNCTIONS))]
        shape = (int(rng.integers(2, 7)),) if rng.random() < 0.5 else (2, 3)
        cases.append(Case((f, np.round(rng.uniform(0.2, 3.0, shape), 3), _log_uniform(rng, 1e-4, 1e-2))))
    for dtype, low in ((torch.float64, 1e-5), (torch.float64, 1e-3), (torch.float32, 1e-2)):
        f = _TORCH_FUNCTIONS[rng.integers(len(_TORCH_FUNCTIONS))]
        x = torch.tensor(np.round(rng.uniform(-1.0, 1.0, int(rng.integers(2, 6))), 3), dtype=dtype)
        cases.append(Case((f, x, _log_uniform(rng, low, 0.1))))
    for dtype in (torch.float64, torch.float32):  # the loss as a function of w, on other data
        x, y = _synthetic_line(rng, int(rng.integers(5, 30)), dtype)
        b = _round(rng.uniform(-1.0, 1.0), 2)
        cases.append(Case((_loss_of_w(x, y, b, ("xs", "ys")), _round(rng.uniform(-3.0, 3.0)), 1e-2)))
    return cases


def _difference(numerator: Callable[[Any, Any, Any], Any],
                scale: Callable[[Any, Any], Any]) -> Callable[[Any, Any, Any], Any]:
    """A wrong difference quotient: ``scale(numerator(f, x, δ), δ)``."""
    def wrong(f: Any, x: Any, delta: Any) -> Any:
        return scale(numerator(f, x, delta), delta)
    return wrong


def _symmetric(f: Any, x: Any, delta: Any) -> Any:
    return f(x + delta) - f(x - delta)


def _flipped(f: Any, x: Any, delta: Any) -> Any:
    return f(x - delta) - f(x + delta)


def _ahead(f: Any, x: Any, delta: Any) -> Any:
    return f(x + delta) - f(x)


def _behind(f: Any, x: Any, delta: Any) -> Any:
    return f(x) - f(x - delta)


_TIMES_DELTA = ("`/ 2.0 * delta` means `((f(x + delta) - f(x - delta)) / 2.0) * delta`, because / and * "
                "group left to right: that multiplies by delta instead of dividing by 2*delta, so the "
                "result is delta**2 times the central difference. Write `/ (2 * delta)`.")
_FORWARD = ("that is the forward difference (f(x + delta) - f(x)) / delta; the central difference uses "
            "the two points on either side of x: (f(x + delta) - f(x - delta)) / (2 * delta).")
_NO_TWO = ("the points x - delta and x + delta are 2*delta apart: divide by 2 * delta, not by delta "
           "(your result is twice the derivative).")

# Every kind of x the exercise names: a number, a NumPy array, a tensor.
_ARRAY_CASE = Case((Named("np.sin", np.sin), np.array([0.0, 0.5, 1.0, 2.0]), 1e-3))
_TENSOR_CASE = Case((Named("torch.exp", torch.exp), torch.tensor([-1.0, 0.0, 1.5], dtype=torch.float64),
                     1e-4))

_difference_public = (
    Case((_SQUARE, 3.0, 0.1)),
    Case((Named("np.sin", np.sin), 1.0, 1e-3)),
    Case((_loss_of_w(_T_U, _T_C, 0.0, _TEMPERATURE), 1.0, 1e-2)),
    Case((_CUBE, 2.0, 0.5)),
    _ARRAY_CASE,
    _TENSOR_CASE,
)

central_difference = Check(
    name="central_difference",
    params=("f", "x", "delta"),
    reference=ref.central_difference,
    public=_difference_public,
    hidden=_central_difference_cases,
    coerce=as_array,
    compare=close_arrays(rtol=1e-6, atol=1e-9),
    mistakes=(
        Mistake(_FORWARD, _difference(_ahead, lambda d, delta: d / delta)),
        Mistake("that is the backward difference (f(x) - f(x - delta)) / delta; the central difference "
                "is (f(x + delta) - f(x - delta)) / (2 * delta).",
                _difference(_behind, lambda d, delta: d / delta)),
        Mistake(_NO_TWO, _difference(_symmetric, lambda d, delta: d / delta)),
        Mistake(_TIMES_DELTA, _difference(_symmetric, lambda d, delta: d / 2.0 * delta)),
        Mistake("the sign is flipped: subtract f(x - delta) from f(x + delta), not the other way round.",
                _difference(_flipped, lambda d, delta: d / (2 * delta))),
        Mistake("divide the difference f(x + delta) - f(x - delta) by the distance 2 * delta between the "
                "two points: a derivative is a change *per unit* of x.",
                _difference(_symmetric, lambda d, delta: d)),
    ),
)


_fixed_public = (
    Case((_loss_of_w(_T_U, _T_C, 0.0, _TEMPERATURE), 1.0, 1e-2)),
    Case((_SQUARE, 3.0, 0.1)),
    Case((Named("np.sin", np.sin), 1.0, 1e-3)),
    Case((_CUBE, 2.0, 0.5)),
    _ARRAY_CASE,
    _TENSOR_CASE,
)

fixed_central_difference = Check(
    name="fixed_central_difference",
    params=("f", "x", "delta"),
    reference=ref.central_difference,
    public=_fixed_public,
    hidden=_central_difference_cases,
    coerce=as_array,
    compare=close_arrays(rtol=1e-6, atol=1e-9),
    mistakes=(
        Mistake("this is still the bug: " + _TIMES_DELTA, ref.buggy_central_difference),
        Mistake("you multiply by delta: the difference must be *divided* by the distance 2 * delta "
                "between the two points, `/ (2 * delta)`.",
                _difference(_symmetric, lambda d, delta: d * delta)),
        Mistake("you dropped delta: after dividing by 2 you must also divide by delta, "
                "i.e. divide by (2 * delta).",
                _difference(_symmetric, lambda d, delta: d / 2.0)),
        Mistake(_NO_TWO, _difference(_symmetric, lambda d, delta: d / delta)),
        Mistake("you turned it into a forward difference (f(x + delta) - f(x)) / delta; keep the "
                "central difference and fix only how it is scaled: / (2 * delta).",
                _difference(_ahead, lambda d, delta: d / delta)),
    ),
)


# ---------------------------------------------------------------------------------------------
# numerical_grad


def _bowl(rng: np.random.Generator, n: int, dtype: type[np.floating]) -> tuple[Named, np.ndarray]:
    """A quadratic ``Σ c_i (p_i − t_i)² + k · p_0 · p_last`` with random ``c``, ``t``, ``k``."""
    c_values = np.round(rng.uniform(0.5, 20.0, n), 1)
    t_values = np.round(rng.uniform(-2.0, 2.0, n), 2)
    c, t = c_values.astype(dtype), t_values.astype(dtype)
    k = dtype(_round(rng.uniform(2.0, 10.0), 2))
    name = (f"lambda p: (np.array({c_values.tolist()}) * (p - np.array({t_values.tolist()}))**2).sum() "
            f"+ {float(k):.3g} * p[0] * p[-1]")
    loss = Named(name, lambda p: (c * (p - t) ** 2).sum() + k * p[0] * p[-1])
    params = np.round(rng.uniform(-3.0, 3.0, n), 2).astype(dtype)
    return loss, params


def _numerical_grad_cases(rng: np.random.Generator) -> Sequence[Case]:
    cases = []
    for dtype, delta in ((torch.float64, 1e-3), (torch.float64, 1e-5), (torch.float32, 1e-2)):
        x, y = _synthetic_line(rng, int(rng.integers(5, 40)), dtype)
        params = torch.tensor([_round(rng.uniform(2.5, 4.0)), _round(rng.uniform(-4.0, 4.0))], dtype=dtype)
        cases.append(Case((_loss_of_params(x, y, ("xs", "ys")), params, delta)))
    for n in (1, 3, 6):
        cases.append(Case((*_bowl(rng, n, np.float64), _log_uniform(rng, 1e-5, 1e-2))))
    # float32 arrays: a large step, so that a correct answer computed in float64 (np.eye promotes)
    # agrees with one computed in float32 (the losses are quadratic: the step adds no error).
    cases.append(Case((*_bowl(rng, 4, np.float32), 0.1)))
    t_u, t_c = _T_U.numpy(), _T_C.numpy()
    params = np.array([_round(rng.uniform(0.5, 2.0)), _round(rng.uniform(-5.0, 5.0))], dtype=np.float32)
    cases.append(Case((_loss_of_params(t_u, t_c, ("t_u.numpy()", "t_c.numpy()")), params, 0.1)))
    cases.append(Case((_loss_of_params(_T_U.double(), _T_C.double(), ("t_u.double()", "t_c.double()")),
                            torch.tensor([1.0, 0.0], dtype=torch.float64), 1e-6)))
    return cases


def _wrong_grad(numerator: Callable[[Any, Any, Any, int, float], tuple[float, float]],
                scale: Callable[[float, float], float], restore: bool = True) -> Callable[..., list[float]]:
    """A wrong numerical gradient: element i is ``scale(L(a) − L(b), δ)`` with ``(a, b) = numerator(...)``."""
    def wrong(loss_of_params: Any, params: Any, delta: float) -> list[float]:
        work = params.clone() if isinstance(params, torch.Tensor) else params.copy()
        grads = []
        for i in range(len(work)):
            original = work[i].item()
            high, low = numerator(loss_of_params, work, i, delta, original)
            grads.append(scale(high - low, delta))
            if restore:
                work[i] = original
        return grads
    return wrong


def _value(loss: Any) -> float:
    return float(loss.item()) if hasattr(loss, "item") else float(loss)


def _shift_both(loss_of_params: Any, work: Any, i: int, delta: float,
                original: float) -> tuple[float, float]:
    work[i] = original + delta
    high = _value(loss_of_params(work))
    work[i] = original - delta
    return high, _value(loss_of_params(work))


def _shift_ahead(loss_of_params: Any, work: Any, i: int, delta: float,
                 original: float) -> tuple[float, float]:
    work[i] = original + delta
    high = _value(loss_of_params(work))
    work[i] = original
    return high, _value(loss_of_params(work))


def _shift_flipped(loss_of_params: Any, work: Any, i: int, delta: float,
                   original: float) -> tuple[float, float]:
    high, low = _shift_both(loss_of_params, work, i, delta, original)
    return low, high


def _shift_everything(loss_of_params: Any, work: Any, i: int, delta: float,
                      original: float) -> tuple[float, float]:
    base = work.clone() if isinstance(work, torch.Tensor) else work.copy()
    return _value(loss_of_params(base + delta)), _value(loss_of_params(base - delta))


numerical_grad = Check(
    name="numerical_grad",
    params=("loss_of_params", "params", "delta"),
    reference=ref.numerical_grad,
    public=(
        Case((_loss_of_params(_T_U, _T_C, _TEMPERATURE), torch.tensor([1.0, 0.0]), 1e-2)),
        Case((_loss_of_params(_T_U, _T_C, _TEMPERATURE), torch.tensor([4.0, -10.0]), 1e-2)),
        Case((Named("lambda p: (np.array([1.0, 10.0, 100.0]) * (p - np.array([1.0, 2.0, 3.0]))**2)"
                         ".sum() + 50.0 * p[0] * p[1]",
                         lambda p: (np.array([1.0, 10.0, 100.0]) * (p - np.array([1.0, 2.0, 3.0])) ** 2).sum()
                         + 50.0 * p[0] * p[1]),
                   np.array([0.5, -1.0, 2.0]), 1e-3)),
        Case((Named("lambda p: torch.sin(p).sum() + p[0] * p[1]**2",
                         lambda p: torch.sin(p).sum() + p[0] * p[1] ** 2),
                   torch.tensor([0.3, -1.2, 2.0], dtype=torch.float64), 1e-4)),
    ),
    hidden=_numerical_grad_cases,
    coerce=as_array,
    compare=close_arrays(rtol=1e-5, atol=1e-8, relative_to_largest=True),
    what="function returning one derivative per parameter",
    mistakes=(
        Mistake("that is the forward difference (L(p + delta*e_i) - L(p)) / delta; use the central "
                "difference (L(p + delta*e_i) - L(p - delta*e_i)) / (2 * delta) for every element i.",
                _wrong_grad(_shift_ahead, lambda d, delta: d / delta)),
        Mistake("params[i] - delta and params[i] + delta are 2*delta apart: divide by 2 * delta, not by "
                "delta (your gradient is twice too large).",
                _wrong_grad(_shift_both, lambda d, delta: d / delta)),
        Mistake("you multiplied by delta instead of dividing by 2*delta: `/ 2 * delta` means "
                "`(... / 2) * delta`, so your gradient is delta**2 times the right one. "
                "Write `/ (2 * delta)`.",
                _wrong_grad(_shift_both, lambda d, delta: d / 2.0 * delta)),
        Mistake("the sign is flipped: subtract L(p - delta*e_i) from L(p + delta*e_i).",
                _wrong_grad(_shift_flipped, lambda d, delta: d / (2 * delta))),
        Mistake("you shifted *all* parameters at once (p + delta), which measures the slope along the "
                "diagonal; shift one element at a time: p_i + delta, the others unchanged.",
                _wrong_grad(_shift_everything, lambda d, delta: d / (2 * delta))),
        Mistake("you did not put params[i] back after perturbing it, so the later elements are measured "
                "at the wrong point: restore it (or work on a fresh copy) before moving to i + 1.",
                _wrong_grad(_shift_both, lambda d, delta: d / (2 * delta), restore=False)),
    ),
)


# ---------------------------------------------------------------------------------------------
# best_delta


GOOD_ENOUGH = 10.0
"""A δ is accepted when its error is within this factor of the smallest error in the sweep."""

SLACK = math.sqrt(10.0)
"""…and the accepted range of δ is widened by this factor on each side (other sweeps, noise)."""


@dataclass(frozen=True)
class DeltaRange:
    """What the reference of :data:`best_delta` returns: the sweep's best δ and the accepted range."""

    best: float
    best_error: float
    low: float
    high: float

    def __repr__(self) -> str:
        return f"a δ between {self.low:.2g} and {self.high:.2g} (best: {self.best:.0e})"


def _accepted_deltas(f: Any, dfdx: Any, x: float, dtype: Any) -> DeltaRange:
    _, errors = ref.difference_errors(f, dfdx, x, ref.DELTAS, dtype)
    deltas = np.array(ref.DELTAS)
    best = int(np.argmin(errors))
    good = deltas[errors <= GOOD_ENOUGH * errors[best]]
    return DeltaRange(float(deltas[best]), float(errors[best]), float(good.min()) / SLACK,
                      float(good.max()) * SLACK)


def _coerce_delta(value: Any) -> Any:
    """The step returned, which must be one of the sweep's ``DELTAS``."""
    if type(value) is DeltaRange:  # our own reference's answer (exact type: no student subclass)
        return value
    delta = as_float(value)
    if any(math.isclose(delta, step, rel_tol=1e-9) for step in ref.DELTAS):
        return delta
    if isinstance(value, int | np.integer) and 0 <= int(value) < len(ref.DELTAS):
        raise CoercionError(f"expected a step from DELTAS, got {int(value)}: that is an index into DELTAS; "
                            f"return the step itself, DELTAS[{int(value)}]")
    raise CoercionError(f"expected one of the steps in DELTAS (1e-1, 1e-2, …, 1e-12), got {delta:.3g}")


def _compare_delta(expected: Any, got: Any) -> str | None:
    if not isinstance(got, float):
        return "expected a number"
    if isinstance(expected, float):  # a known mistake's answer against the student's
        same = math.isclose(expected, got, rel_tol=1e-6)
        return None if same else f"expected {expected:.2g}, got {got:.2g}"
    if expected.low <= got <= expected.high:
        return None
    side = "large: truncation error" if got > expected.high else "small: round-off error"
    return (f"expected {expected!r}, got {got:.2g} — too {side} dominates there "
            f"(the best δ's error is {expected.best_error:.2g})")


def _signed_errors(f: Any, dfdx: Any, x: float, dtype: Any) -> np.ndarray:
    return np.array([float(ref.central_difference(f, dtype(x), dtype(delta))) - float(dfdx(x))
                     for delta in ref.DELTAS])


def _best_delta_mistake(scheme: str = "central", dtype: Any = None,
                        pick: str = "min") -> Callable[..., float]:
    def wrong(f: Any, dfdx: Any, x: float, asked: Any) -> float:
        forward, central = ref.difference_errors(f, dfdx, x, ref.DELTAS, dtype or asked)
        errors = central if scheme == "central" else forward
        if scheme == "signed":
            errors = _signed_errors(f, dfdx, x, dtype or asked)
        if pick == "smallest":
            return ref.DELTAS[-1]
        return ref.DELTAS[int(np.argmin(errors) if pick == "min" else np.argmax(errors))]
    return wrong


_BEST_DELTA_FUNCTIONS = (
    (Named("np.exp", np.exp), Named("np.exp", np.exp), (-1.0, 2.0)),
    (Named("np.sin", np.sin), Named("np.cos", np.cos), (0.3, 1.2)),
    (Named("np.cos", np.cos), Named("lambda x: -np.sin(x)", lambda x: -np.sin(x)), (-1.2, -0.3)),
    (_CUBE, Named("lambda x: 3*x**2", lambda x: 3 * x**2), (0.5, 3.0)),
    (Named("np.log", np.log), Named("lambda x: 1/x", lambda x: 1 / x), (0.3, 2.0)),
)


def _best_delta_cases(rng: np.random.Generator) -> Sequence[Case]:
    cases = []
    for f, dfdx, (low, high) in _BEST_DELTA_FUNCTIONS:
        for dtype in (np.float64, np.float32):
            cases.append(Case((f, dfdx, _round(rng.uniform(low, high), 2), dtype)))
    return cases


best_delta = Check(
    name="best_delta",
    params=("f", "dfdx", "x", "dtype"),
    reference=_accepted_deltas,
    public=(
        Case((Named("np.exp", np.exp), Named("np.exp", np.exp), 1.0, np.float64)),
        Case((Named("np.exp", np.exp), Named("np.exp", np.exp), 1.0, np.float32)),
        Case((Named("np.sin", np.sin), Named("np.cos", np.cos), 0.5, np.float64)),
        Case((Named("np.sin", np.sin), Named("np.cos", np.cos), 0.5, np.float32)),
    ),
    hidden=_best_delta_cases,
    coerce=_coerce_delta,
    compare=_compare_delta,
    what="function returning a step size",
    mistakes=(
        Mistake("you computed in float64 whatever dtype was asked: convert x and each delta with "
                "dtype(...) so that f is evaluated in that precision. float32 rounds about 1e9 times "
                "more coarsely (eps ≈ 1.2e-7), so its round-off error is far larger and its best delta too.",
                _best_delta_mistake(dtype=np.float64)),
        Mistake("you swept the forward difference: its truncation error falls only like delta (not "
                "delta**2), so its best delta is smaller (about sqrt(eps), not eps**(1/3)). Measure the "
                "central difference.",
                _best_delta_mistake(scheme="forward")),
        Mistake("smaller is not always better: below the best delta, round-off error grows like eps / delta. "
                "Pick the delta with the smallest measured error.",
                _best_delta_mistake(pick="smallest")),
        Mistake("you picked the delta with the *largest* error; use the smallest (np.argmin).",
                _best_delta_mistake(pick="max")),
        Mistake("the error is a distance: take abs(estimate - dfdx(x)). Without abs, np.argmin picks the "
                "most *negative* error, not the one closest to 0.",
                _best_delta_mistake(scheme="signed")),
    ),
)


CHECKS = {check.name: check for check in (central_difference, numerical_grad, fixed_central_difference,
                                          best_delta)}
"""Every lesson-02 check by exercise name (for graders that run them outside the notebook)."""

MISTAKE_FACTORIES = tuple(f"course_lib.checks.derivatives.{name}"
                          for name in ("_difference", "_symmetric", "_wrong_grad", "_shift_both",
                                       "_best_delta_mistake", "_accepted_deltas", "_signed_errors"))
"""Helpers that make a correct answer when given the right arguments; off in the sandbox too."""

ANSWER_KEY = {
    "course_lib.derivatives.central_difference": "central_difference",
    "course_lib.derivatives.numerical_grad": "numerical_grad",
    "course_lib.derivatives.best_delta": "best_delta",
}
"""The course's answers to this lesson's exercises, switched off while it is graded
(:mod:`.answer_key`): each maps to the exercise whose student function stands in for it."""
