"""Checks for lesson 03 (:mod:`course_lib.linear`): the chain rule and the training loop.

Exercises: ``dloss_fn(t_p, t_c)``, ``dmodel_dw(t_u, w, b)``, ``dmodel_db(t_u, w, b)``,
``grad_fn(t_u, t_c, t_p, w, b)`` and ``training_loop(n_epochs, learning_rate, params, t_u, t_c)``.

The API is the one documented in :mod:`course_lib.linear`: ``dloss_fn`` includes the mean's
``1/N`` (it returns ``∂L/∂t_pᵢ`` for every sample) and ``grad_fn`` sums over the samples. The
book's first version (``dloss_fn = 2 (t_p − t_c)``, a mean in ``grad_fn``) yields the same
``grad_fn`` but fails the ``dloss_fn`` check, with a hint saying why.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

from .. import linear as ref
from ..data import temperature
from .arrays import close_arrays
from .coerce import CoercionError, as_array
from .core import Case, Check, Mistake
from .printed import compare_training_output

_T_C, _T_U = temperature()


def _tensor(what: str) -> Callable[[Any], str | None]:
    """``returns`` for an exercise that returns a tensor: the next exercise computes with it (a list
    or an array would pass here and break there)."""
    def kind(value: Any) -> str | None:
        if isinstance(value, torch.Tensor):
            return None
        forgot = " (did you forget `return`?)" if value is None else ""
        return f"expected {what}, got a {type(value).__name__}{forgot}"
    return kind


def _tensor_or_number(value: Any) -> str | None:
    """``returns`` for a derivative of the prediction: a number, or a tensor (one value per sample)."""
    if isinstance(value, torch.Tensor) or (isinstance(value, numbers.Real) and not isinstance(value, bool)):
        return None
    forgot = " (did you forget `return`?)" if value is None else ""
    return f"expected a number or a tensor, got a {type(value).__name__}{forgot}"


def _round(value: float, digits: int = 3) -> float:
    return float(f"{value:.{digits}g}")


def _line(rng: np.random.Generator, n: int, dtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor]:
    """``(t_u, t_c)``: ``n`` noisy points on a random line (readings spread like ``0.1 · t_u``)."""
    t_u = np.round(rng.uniform(1.0, 9.0, n), 2)
    t_c = np.round(rng.uniform(2.0, 6.0) * t_u + rng.uniform(-20.0, 0.0) + rng.normal(0.0, 1.0, n), 2)
    return torch.tensor(t_u, dtype=dtype), torch.tensor(t_c, dtype=dtype)


def _size(rng: np.random.Generator) -> int:
    """A sample count, never 2 (where some wrong answers coincide: 2/N = 1)."""
    n = int(rng.integers(1, 40))
    return 3 if n == 2 else n


def _dtype(rng: np.random.Generator) -> torch.dtype:
    return torch.float64 if rng.random() < 0.7 else torch.float32


# ---------------------------------------------------------------------------------------------
# dloss_fn


_PER_SAMPLE = ("dloss_fn returns one derivative per sample (a tensor shaped like t_p), without summing or "
               "averaging: combining the samples is grad_fn's job.")


def _dloss_fn_cases(rng: np.random.Generator) -> Sequence[Case]:
    cases = []
    for _ in range(12):
        t_u, t_c = _line(rng, _size(rng), _dtype(rng))
        w, b = _round(rng.uniform(-5.0, 5.0)), _round(rng.uniform(-20.0, 20.0))
        cases.append(Case((ref.model(t_u, w, b), t_c)))
    return cases


dloss_fn = Check(
    name="dloss_fn",
    params=("t_p", "t_c"),
    reference=ref.dloss_fn,
    public=(
        Case((_T_U.clone(), _T_C.clone())),
        Case((torch.tensor([1.0, 2.0, 3.0]), torch.tensor([0.0, 2.0, 5.0]))),
        Case((torch.tensor([0.5, -1.5, 4.0, 2.0, 7.25], dtype=torch.float64),
                   torch.tensor([1.0, 1.0, 1.0, 1.0, 1.0], dtype=torch.float64))),
        Case((torch.tensor([2.0]), torch.tensor([0.5]))),
    ),
    hidden=_dloss_fn_cases,
    coerce=as_array,
    returns=_tensor("a tensor shaped like t_p"),
    compare=close_arrays(rtol=1e-5, atol=1e-8),
    what="function returning one derivative per sample",
    mistakes=(
        Mistake("you forgot the 2: the derivative of (t_p - t_c)**2 is 2 * (t_p - t_c).",
                lambda t_p, t_c: (t_p - t_c) / len(t_p)),
        Mistake("the sign is flipped: d/dt_p of (t_p - t_c)**2 is 2 * (t_p - t_c), not 2 * (t_c - t_p). "
                "(Check the order of t_p and t_c.)",
                lambda t_p, t_c: 2 * (t_c - t_p) / len(t_p)),
        Mistake("that is the derivative of the *sum* of squared errors: the book's first dloss_fn (in Deep "
                "Learning with PyTorch, whose grad_fn then takes a mean). The loss is a mean, and in this "
                "course dloss_fn includes its 1/N: 2 * (t_p - t_c) / N, with N = len(t_p); grad_fn then "
                "sums.",
                lambda t_p, t_c: 2 * (t_p - t_c)),
        Mistake("you divided by N twice: 2 * (t_p - t_c) / N is already the derivative of the mean.",
                lambda t_p, t_c: 2 * (t_p - t_c) / len(t_p) ** 2),
        Mistake("you returned the squared differences, i.e. the terms of the loss itself; return their "
                "derivative 2 * (t_p - t_c) / N.",
                lambda t_p, t_c: (t_p - t_c) ** 2),
        Mistake(_PER_SAMPLE, lambda t_p, t_c: (2 * (t_p - t_c) / len(t_p)).sum()),
        Mistake(_PER_SAMPLE, lambda t_p, t_c: (2 * (t_p - t_c) / len(t_p)).mean()),
    ),
)


# ---------------------------------------------------------------------------------------------
# dmodel_dw and dmodel_db


def _dmodel_cases(rng: np.random.Generator) -> Sequence[Case]:
    cases = []
    for _ in range(8):
        dtype = _dtype(rng)
        t_u, _ = _line(rng, _size(rng), dtype)
        w, b = _round(rng.uniform(-5.0, 5.0)), _round(rng.uniform(-20.0, 20.0))
        if rng.random() < 0.5:  # as the training loop passes them: 0-d tensors from `w, b = params`
            w, b = torch.tensor(w, dtype=dtype), torch.tensor(b, dtype=dtype)
        cases.append(Case((t_u, w, b)))
    return cases


def _one_per_sample(args: tuple[Any, ...], value: np.ndarray) -> np.ndarray:
    """A derivative of the prediction is a single number or one per sample: its shape must
    broadcast with ``t_u`` *to* ``t_u``'s shape (``grad_fn`` multiplies it by ``dloss_fn``)."""
    shape = tuple(np.shape(args[0]))
    try:
        fits = np.broadcast_shapes(value.shape, shape) == shape
    except ValueError:
        fits = False
    if not fits:
        raise CoercionError(f"expected a single number or one value per sample (shape {shape}, like "
                            f"t_u), got shape {value.shape}")
    return value


# w and b are never 0 or 1 here: some wrong answers (w, b, 0, 1) would look alike.
_dmodel_public = (
    Case((_T_U.clone(), torch.tensor(2.0), torch.tensor(-3.0))),
    Case((_T_U.clone(), 0.5, 4.0)),
    Case((torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64), -1.5, 0.25)),
)

dmodel_dw = Check(
    name="dmodel_dw",
    params=("t_u", "w", "b"),
    reference=ref.dmodel_dw,
    public=_dmodel_public,
    hidden=_dmodel_cases,
    coerce=as_array,
    returns=_tensor_or_number,
    compare=close_arrays(rtol=1e-6, atol=1e-9, broadcast=True),
    interpret=_one_per_sample,
    mistakes=(
        Mistake("d(w * t_u + b)/dw is t_u (w's coefficient), not w.", lambda t_u, w, b: w),
        Mistake("1 is the derivative with respect to b; with respect to w it is t_u.",
                lambda t_u, w, b: 1.0),
        Mistake("that is the prediction w * t_u + b itself; its derivative with respect to w is t_u.",
                lambda t_u, w, b: w * t_u + b),
        Mistake("that is w * t_u, the term containing w; differentiate it: d(w * t_u)/dw = t_u.",
                lambda t_u, w, b: w * t_u),
    ),
)

dmodel_db = Check(
    name="dmodel_db",
    params=("t_u", "w", "b"),
    reference=ref.dmodel_db,
    public=_dmodel_public,
    hidden=_dmodel_cases,
    coerce=as_array,
    returns=_tensor_or_number,
    compare=close_arrays(rtol=1e-6, atol=1e-9, broadcast=True),
    interpret=_one_per_sample,
    mistakes=(
        Mistake("t_u is the derivative with respect to w; b shifts every prediction by exactly b, "
                "so d(w * t_u + b)/db = 1.",
                lambda t_u, w, b: t_u),
        Mistake("d(w * t_u + b)/db is 1 (the coefficient of b), not b.", lambda t_u, w, b: b),
        Mistake("b does change the prediction (one for one), so the derivative is 1, not 0.",
                lambda t_u, w, b: 0.0),
        Mistake("d(w * t_u + b)/db is 1; w belongs to the other derivative.", lambda t_u, w, b: w),
    ),
)


# ---------------------------------------------------------------------------------------------
# grad_fn


def _grad_case(t_u: torch.Tensor, t_c: torch.Tensor, w: Any, b: Any) -> Case:
    return Case((t_u, t_c, ref.model(t_u, w, b), w, b))


def _grad_fn_cases(rng: np.random.Generator) -> Sequence[Case]:
    cases = []
    for _ in range(12):
        dtype = _dtype(rng)
        t_u, t_c = _line(rng, _size(rng), dtype)
        w, b = _round(rng.uniform(-5.0, 0.0)), _round(rng.uniform(-20.0, 20.0))  # far from the fit
        if rng.random() < 0.5:
            w, b = torch.tensor(w, dtype=dtype), torch.tensor(b, dtype=dtype)
        cases.append(_grad_case(t_u, t_c, w, b))
    return cases


def _wrong_grad_fn(dloss: Callable[[Any, Any], Any], reduce: str = "sum", chain: bool = True,
                   swap: bool = False) -> Callable[..., Any]:
    def wrong(t_u: Any, t_c: Any, t_p: Any, w: Any, b: Any) -> Any:
        dloss_dtp = dloss(t_p, t_c)
        dw = dloss_dtp * (t_u if chain else 1.0)
        db = dloss_dtp * torch.ones_like(t_p)
        if reduce == "none":
            return torch.stack([dw, db])
        dw, db = (dw.sum(), db.sum()) if reduce == "sum" else (dw.mean(), db.mean())
        return torch.stack([db, dw] if swap else [dw, db])
    return wrong


def _right_dloss(t_p: Any, t_c: Any) -> Any:
    return 2 * (t_p - t_c) / len(t_p)


grad_fn = Check(
    name="grad_fn",
    params=("t_u", "t_c", "t_p", "w", "b"),
    reference=ref.grad_fn,
    public=(
        _grad_case(_T_U.clone(), _T_C.clone(), torch.tensor(1.0), torch.tensor(0.0)),
        _grad_case(0.1 * _T_U, _T_C.clone(), torch.tensor(1.0), torch.tensor(0.0)),
        _grad_case(torch.tensor([1.0, 2.0, 3.0, 4.0], dtype=torch.float64),
                   torch.tensor([3.0, 5.0, 6.5, 9.0], dtype=torch.float64), 0.5, -1.0),
    ),
    hidden=_grad_fn_cases,
    coerce=as_array,
    returns=_tensor("a tensor of shape (2,)"),
    compare=close_arrays(rtol=1e-5, atol=1e-8, relative_to_largest=True),
    what="function returning the gradient [dL/dw, dL/db]",
    mistakes=(
        Mistake("you divided by N twice: dloss_fn already includes the mean's 1/N, so grad_fn must "
                "*sum* the products over the samples (.sum(), not .mean()).",
                _wrong_grad_fn(_right_dloss, reduce="mean")),
        Mistake("your gradient is N times too large: the loss is a *mean*, so dL/dt_p = 2 * (t_p - t_c) / N "
                "(that 1/N belongs in dloss_fn); grad_fn then sums the products.",
                _wrong_grad_fn(lambda t_p, t_c: 2 * (t_p - t_c))),
        Mistake("you forgot the 2 of the derivative of the square (check dloss_fn).",
                _wrong_grad_fn(lambda t_p, t_c: (t_p - t_c) / len(t_p))),
        Mistake("the sign is flipped (check dloss_fn: 2 * (t_p - t_c) / N, with t_p first).",
                _wrong_grad_fn(lambda t_p, t_c: 2 * (t_c - t_p) / len(t_p))),
        Mistake("the two components are swapped: return [dL/dw, dL/db], in that order "
                "(like params = [w, b]).",
                _wrong_grad_fn(_right_dloss, swap=True)),
        Mistake("dL/dw needs the chain rule: multiply dloss_fn by dmodel_dw (= t_u) before summing.",
                _wrong_grad_fn(_right_dloss, chain=False)),
        Mistake("sum the per-sample products: the gradient has one number per parameter, "
                "[sum(dloss_dtp * dmodel_dw), sum(dloss_dtp * dmodel_db)].",
                _wrong_grad_fn(_right_dloss, reduce="none")),
    ),
)


# ---------------------------------------------------------------------------------------------
# training_loop


_BROKEN_READING = torch.where(torch.arange(len(_T_U)) == 1, torch.tensor(math.nan), 0.1 * _T_U)
"""Rescaled readings, one of them missing (nan): the loss is nan from the first epoch, with no inf."""


def _training_loop_cases(rng: np.random.Generator) -> Sequence[Case]:
    cases = []
    for _ in range(6):  # converging, on other data
        dtype = _dtype(rng)
        t_u, t_c = _line(rng, int(rng.integers(3, 30)), dtype)
        params = torch.tensor([_round(rng.uniform(-1.0, 1.0)), _round(rng.uniform(-1.0, 1.0))], dtype=dtype)
        stable = 2.0 / (2.0 * float((t_u.double() ** 2).mean() + 1.0))  # below 2 / largest curvature
        learning_rate = _round(rng.uniform(0.05, 0.5) * stable, 2)
        n_epochs = int(rng.integers(2, 150))
        cases.append(Case((n_epochs, learning_rate, params, t_u, t_c, int(rng.integers(1, n_epochs + 10)))))
    for violent in (True, False):  # diverging: stop at the first loss that is not finite
        t_u, t_c = _line(rng, int(rng.integers(5, 20)), torch.float32)
        # a gentle divergence passes through inf losses before nan ones; a violent one may not
        learning_rate = _round(rng.uniform(0.5, 2.0)) if violent else 1e-2
        print_every = int(rng.integers(1, 4))
        cases.append(Case((50, learning_rate, torch.tensor([1.0, 0.0]), 10.0 * t_u, t_c, print_every)))
    t_u, t_c = _line(rng, int(rng.integers(5, 20)), _dtype(rng))  # a missing reading: nan, never inf
    t_u[int(rng.integers(len(t_u)))] = math.nan
    params = torch.tensor([1.0, 0.0], dtype=t_u.dtype)
    cases.append(Case((int(rng.integers(2, 20)), 1e-2, params, t_u, t_c, 1)))
    # Last, so that the first failure a wrong loop meets is an unambiguous one.
    cases.append(Case((1, 1e-4, torch.tensor([1.0, 0.0]), _T_U.clone(), _T_C.clone(), 1)))
    cases.append(Case((0, 1e-2, torch.tensor([1.0, 0.0]), 0.1 * _T_U, _T_C.clone(), 500)))
    return cases


def _wrong_training_loop(step: Callable[[Any, float, Any], Any] = lambda p, lr, g: p - lr * g,
                         epochs: Callable[[int], range] = lambda n: range(n),
                         stop: str = "before", returns: str = "params") -> Callable[..., Any]:
    """A wrong training loop: ``step`` updates, ``epochs`` counts, ``stop`` says when divergence stops it,
    ``returns`` what it hands back (``"params"``, or ``"loss"``: the last loss it computed)."""
    def wrong(n_epochs: int, learning_rate: float, params: Any, t_u: Any, t_c: Any,
              print_every: int = 500) -> Any:
        loss = math.nan
        for _ in epochs(n_epochs):
            w, b = params
            t_p = w * t_u + b
            loss = float(((t_p - t_c) ** 2).mean())
            if stop == "before" and not math.isfinite(loss):
                return params
            if stop == "nan" and math.isnan(loss):
                break
            if stop == "inf" and math.isinf(loss):
                return params
            dloss = 2 * (t_p - t_c) / len(t_p)
            params = step(params, learning_rate, torch.stack([(dloss * t_u).sum(), dloss.sum()]))
            if stop == "after" and not math.isfinite(loss):
                break
        return torch.tensor(loss) if returns == "loss" else params
    return wrong


training_loop = Check(
    name="training_loop",
    params=("n_epochs", "learning_rate", "params", "t_u", "t_c", "print_every"),
    reference=ref.training_loop,
    public=(
        Case((200, 1e-2, torch.tensor([1.0, 0.0]), 0.1 * _T_U, _T_C.clone(), 50)),
        Case((100, 1e-4, torch.tensor([1.0, 0.0]), _T_U.clone(), _T_C.clone(), 30)),
        Case((3, 1e-2, torch.tensor([1.0, 0.0]), 0.1 * _T_U, _T_C.clone(), 1)),
        Case((100, 1e-2, torch.tensor([1.0, 0.0]), _T_U.clone(), _T_C.clone(), 1)),
        Case((10, 1e-2, torch.tensor([1.0, 0.0]), _BROKEN_READING, _T_C.clone(), 1)),
    ),
    hidden=_training_loop_cases,
    coerce=as_array,
    returns=_tensor("the params tensor [w, b]"),
    compare=close_arrays(rtol=1e-5, atol=1e-6),
    output=compare_training_output,
    what="function returning the trained params",
    mistakes=(
        Mistake("your loop does not stop at the first loss that is not finite (inf counts, as well as "
                "nan): check every epoch, before the step, with `math.isfinite(float(loss))`, print a "
                "message and return params right away.",
                _wrong_training_loop(stop="never")),
        Mistake("you only stop at nan; inf is not finite either — test with math.isfinite (or "
                "torch.isfinite), which catches both.",
                _wrong_training_loop(stop="nan")),
        Mistake("you only stop at inf; nan is not finite either (a missing reading makes the loss nan "
                "from the first epoch) — test with math.isfinite, which catches both.",
                _wrong_training_loop(stop="inf")),
        Mistake("you stop one step late: check the loss *before* updating params, and return the params "
                "that produced the non-finite loss.",
                _wrong_training_loop(stop="after")),
        Mistake("you step *up* the gradient: gradient descent subtracts, params - learning_rate * grad.",
                _wrong_training_loop(step=lambda p, lr, g: p + lr * g)),
        Mistake("you forgot the learning rate: params - learning_rate * grad.",
                _wrong_training_loop(step=lambda p, lr, g: p - g)),
        Mistake("the params you return are the ones you were given: nothing changed them. Assign each "
                "update back (params = params - learning_rate * grad) and return after the loop.",
                _wrong_training_loop(step=lambda p, lr, g: p)),
        Mistake("you ran one epoch too few: range(1, n_epochs + 1) counts n_epochs epochs, "
                "range(1, n_epochs) only n_epochs - 1.",
                _wrong_training_loop(epochs=lambda n: range(max(n - 1, 0)))),
        Mistake("you ran one epoch too many: range(n_epochs) already counts n_epochs epochs.",
                _wrong_training_loop(epochs=lambda n: range(n + 1))),
        Mistake("you returned the loss; training_loop must return the trained params, the tensor [w, b] "
                "(print the loss instead).",
                _wrong_training_loop(returns="loss")),
    ),
)


CHECKS = {check.name: check for check in (dloss_fn, dmodel_dw, dmodel_db, grad_fn, training_loop)}
"""Every lesson-03 check by exercise name (for graders that run them outside the notebook)."""

ANSWER_KEY = {f"course_lib.linear.{name}": name for name in CHECKS} | {
    # runs lesson 03's training loop (on the student's grad_fn): a training_loop in disguise
    "course_lib.plotting.linear.descent_path": None}
MISTAKE_FACTORIES = tuple(f"course_lib.checks.linear.{name}"
                          for name in ("_wrong_grad_fn", "_right_dloss", "_wrong_training_loop"))
"""Helpers that make a correct answer when given the right arguments; off in the sandbox too."""
"""The course's answers to this lesson's exercises, switched off while it is graded
(:mod:`.answer_key`): each maps to the exercise whose student function stands in for it."""
