"""Checks for lesson 05 (:mod:`course_lib.optim`): PyTorch's autograd and ``torch.optim``.

Exercises: ``grad_after(calls, g)``, ``updated(params, learning_rate)``,
``manual_training_loop(n_epochs, learning_rate, params, t_u, t_c)``,
``training_loop(n_epochs, optimizer, params, t_u, t_c)`` and
``train_minibatches(layer, optimizer, X, y, batches)``.

The last four take tensors that autograd tracks, so a case cannot hand the student a tensor made
once: each case holds plain numbers, and the check's ``adapt`` builds, for every call, a new leaf
``params`` (and the optimizer or ``nn.Linear`` layer over it), runs the student's function, and
returns a *record* of what happened as plain data: the values returned, whether they are a leaf
that requires grad, how many times ``optimizer.step()`` ran, or the error raised (autograd's
errors say what went wrong, so they are compared like values: a loop that updates ``params``
inside the graph fails with the same message as the mistake that does so). The mistakes are
written as student code and run through the same ``adapt``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from .. import optim as ref
from ..data import temperature
from ..linear import loss_fn, model
from .coerce import as_array
from .core import Case, Check, Mistake
from .records import close, kind, record_coercer, recorded, settled
from .text import fmt

_T_C, _T_U = temperature()


def _tensor_record(value: Any) -> dict[str, Any]:
    """What a returned tensor is: its values, and whether autograd tracks it as a leaf."""
    if not isinstance(value, torch.Tensor):
        return {"returned": kind(value)}
    return {"values": torch.Tensor.tolist(torch.Tensor.detach(value).double().reshape(-1)),
            "leaf": bool(value.is_leaf), "requires_grad": bool(value.requires_grad)}


_as_record = record_coercer(lists=("values", "losses"), flags=("leaf", "requires_grad", "changed"),
                            counts=("steps",))
"""``coerce``: a record built by ``adapt`` (a dict of numbers, strings and lists)."""


def _compare_records(what: str, returns: str = "the params as a tensor"
                     ) -> Callable[[dict[str, Any], dict[str, Any]], str | None]:
    """``compare`` of two records; ``what`` names the values compared (``the params``), ``returns``
    what the function must return."""
    def compare(expected: dict[str, Any], got: dict[str, Any]) -> str | None:
        if "error" in got or "error" in expected:
            return settled(expected, got)[1]
        if "returned" in got:
            return f"expected {returns}, got {got['returned']}"
        if got.get("changed"):
            return ("it changed the params it was given, in place (the caller's tensor moved too): "
                    "compute the new values into a new tensor and leave params as it is")
        if "steps" in expected and got.get("steps") != expected["steps"]:
            return (f"the optimizer it was given stepped {got.get('steps')} times, expected "
                    f"{expected['steps']} (one optimizer.step() per epoch, or per batch, on that optimizer: "
                    "the check counts its steps, so build no other)")
        for key, name in (("values", what), ("losses", "the batch losses")):
            if key in expected:
                problem = close(expected[key], got.get(key, []), name)
                if problem is not None:
                    return problem
        if expected.get("requires_grad") and not got.get("requires_grad"):
            return f"{what} returned no longer require grad, so the next backward() cannot reach them"
        if expected.get("leaf") and not got.get("leaf"):
            return (f"{what} returned are not a leaf: they hang off the graph of the computation that "
                    "made them")
        return None
    return compare


# ---------------------------------------------------------------------------------------------
# grad_after


_NONE = "None"
"""How ``coerce`` writes an answer of ``None`` (``returns`` has refused any other string)."""


def _as_grad(value: Any) -> Any:
    """``coerce`` of :func:`grad_after`'s answer: :data:`_NONE`, or the tensor's values."""
    if value is None or (isinstance(value, str) and value == _NONE):
        return _NONE
    return as_array(value)


def _shown(value: Any) -> str:
    return _NONE if isinstance(value, str) else f"tensor({fmt(np.asarray(value).tolist())})"


def _compare_grads(expected: Any, got: Any) -> str | None:
    if isinstance(expected, str) or isinstance(got, str):
        if isinstance(expected, str) and isinstance(got, str):
            return None
        return f"expected {_shown(expected)}, got {_shown(got)}"
    if np.shape(expected) != np.shape(got):
        return f"expected shape {np.shape(expected)}, got {np.shape(got)}"
    if np.allclose(got, expected, rtol=1e-6, atol=1e-9):
        return None
    return f"expected {_shown(expected)}, got {_shown(got)}"


def _grad_or_none(value: Any) -> str | None:
    if value is None or isinstance(value, torch.Tensor):
        return None
    return f"expected a tensor or None, got {kind(value)}"


def _wrong_grad_after(backward: str = "add", zero_: str = "zeros", zero_grad: str = "none",
                      step: str = "keep") -> Callable[..., Any]:
    """A wrong model of ``.grad``: ``backward`` "add"s or "replace"s; ``zero_`` gives "zeros" or
    "none"; ``zero_grad`` gives "none" or "zeros"; ``step`` "keep"s or "clear"s it."""
    def wrong(calls: Sequence[str], g: torch.Tensor) -> Any:
        grad = None
        for call in calls:
            if call == "backward":
                grad = g.clone() if grad is None or backward == "replace" else grad + g
            elif call in ("grad.zero_", "zero_grad"):
                to = zero_ if call == "grad.zero_" else zero_grad
                grad = None if to == "none" or grad is None else torch.zeros_like(grad)
            elif call == "step" and step == "clear":
                grad = None
        return grad
    return wrong


def _calls(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` random calls (``grad.zero_`` only where ``.grad`` is a tensor)."""
    calls, has_grad = [], False
    for _ in range(n):
        options = ["backward", "backward", "zero_grad", "step"] + (["grad.zero_"] if has_grad else [])
        call = str(rng.choice(options))
        has_grad = (has_grad or call == "backward") and call != "zero_grad"
        calls.append(call)
    return calls


_ENDINGS = (["backward", "backward"], ["backward", "grad.zero_"], ["backward", "zero_grad"],
            ["backward", "step"])
"""Endings that tell each known mistake from the right answer, after a random start."""


def _grad_after_cases(rng: np.random.Generator) -> Sequence[Case]:
    sequences = [_calls(rng, int(rng.integers(0, 5))) + ending for ending in _ENDINGS]
    sequences += [_calls(rng, int(rng.integers(1, 9))) for _ in range(4)]
    return [Case((calls, torch.tensor(np.round(rng.uniform(-5.0, 5.0, int(rng.integers(1, 4))), 2),
                                      dtype=torch.float32)))
            for calls in sequences]


grad_after = Check(
    name="grad_after",
    params=("calls", "g"),
    reference=ref.grad_after,
    public=(
        Case((["backward"], torch.tensor([-44.5, -0.8]))),
        Case((["backward", "backward"], torch.tensor([-44.5, -0.8]))),
        Case((["backward", "backward", "grad.zero_", "backward"], torch.tensor([3.0, -1.5]))),
        Case((["backward", "grad.zero_"], torch.tensor([3.0, -1.5]))),
        Case((["backward", "zero_grad"], torch.tensor([3.0, -1.5]))),
        Case((["backward", "step", "backward", "step"], torch.tensor([0.5, 2.0]))),
        Case(([], torch.tensor([0.5, 2.0]))),
    ),
    hidden=_grad_after_cases,
    coerce=_as_grad,
    compare=_compare_grads,
    returns=_grad_or_none,
    what="function returning .grad (a tensor or None)",
    mistakes=(
        Mistake("backward() does not replace .grad: it *adds* the new gradient to what .grad already "
                "holds. Two backward() calls at the same params give 2 · g.",
                _wrong_grad_after(backward="replace")),
        Mistake("optimizer.zero_grad() sets .grad to None (its default, set_to_none=True, since "
                "PyTorch 2.0); it is params.grad.zero_() that leaves a tensor of zeros.",
                _wrong_grad_after(zero_grad="zeros")),
        Mistake("params.grad.zero_() fills the tensor .grad with zeros, in place: .grad stays a tensor "
                "(of zeros), it does not become None. optimizer.zero_grad() is the one that sets None.",
                _wrong_grad_after(zero_="none")),
        Mistake("optimizer.step() reads .grad to update params, but leaves .grad as it is: only "
                "zeroing clears it.",
                _wrong_grad_after(step="clear")),
    ),
)


# ---------------------------------------------------------------------------------------------
# updated


def _leaf(values: Sequence[float], grad: Sequence[float]) -> torch.Tensor:
    params = torch.tensor(values, requires_grad=True)
    params.grad = torch.tensor(grad)
    return params


def _adapt_updated(student: Callable[..., Any]) -> Callable[..., dict[str, Any]]:
    def run(values: list[float], grad: list[float], learning_rate: float) -> dict[str, Any]:
        params = _leaf(values, grad)

        def record() -> dict[str, Any]:
            result = _tensor_record(student(params, learning_rate))
            changed = torch.Tensor.tolist(torch.Tensor.detach(params)) != torch.tensor(values).tolist()
            return result | {"changed": changed}
        return recorded(record)
    return run


def _updated_cases(rng: np.random.Generator) -> Sequence[Case]:
    cases = []
    for _ in range(5):
        n = int(rng.integers(1, 5))
        values = [float(v) for v in np.round(rng.uniform(-3.0, 3.0, n), 2)]
        grad = [float(v) for v in np.round(rng.uniform(-50.0, 50.0, n), 1)]
        cases.append(Case((values, grad, float(rng.choice([1e-1, 1e-2, 1e-3, 1e-4])))))
    return cases


def _wrong_update(step: Callable[[Any, float], Any]) -> Callable[..., Any]:
    return lambda params, learning_rate: step(params, learning_rate)


updated = Check(
    name="updated",
    params=("params", "grad", "learning_rate"),
    reference=_adapt_updated(ref.updated),
    adapt=_adapt_updated,
    public=(
        Case(([1.0, 0.0], [-44.5, -0.8], 1e-2)),
        Case(([2.5, -1.0], [4.0, 10.0], 1e-1)),
        Case(([0.5], [-3.0], 1e-3)),
    ),
    hidden=_updated_cases,
    coerce=_as_record,
    compare=_compare_records("the params"),
    what="function returning the updated params",
    mistakes=(
        Mistake("that is the misprinted update from the notes on the book: params * learning_rate * "
                "params.grad multiplies the three. A step of gradient descent subtracts: "
                "params - learning_rate * params.grad.",
                _wrong_update(lambda p, lr: (p * lr * p.grad).detach().requires_grad_())),
        Mistake("you step *up* the gradient: gradient descent subtracts, params - learning_rate * "
                "params.grad.",
                _wrong_update(lambda p, lr: (p + lr * p.grad).detach().requires_grad_())),
        Mistake("the new params are still part of the graph that computed them (they have a grad_fn, "
                "so they are no leaf): .detach() cuts them loose, then .requires_grad_() makes autograd "
                "track them again.",
                _wrong_update(lambda p, lr: p - lr * p.grad)),
        Mistake("the new params are cut from the graph, but autograd no longer tracks them "
                "(requires_grad is False, as after .detach() or .data): add .requires_grad_(), or the "
                "next backward() has nothing to fill.",
                _wrong_update(lambda p, lr: (p - lr * p.grad).detach())),
    ),
)


# ---------------------------------------------------------------------------------------------
# manual_training_loop and training_loop


@dataclass(frozen=True)
class Optimizer:
    """A case's optimizer, as plain data: ``name`` (a ``torch.optim`` class, or ``"SGD with
    momentum"``) and the learning rate. :meth:`build` makes it over a case's new ``params``."""

    name: str
    lr: float

    def build(self, params: torch.Tensor) -> torch.optim.Optimizer:
        if self.name in ref.OPTIMIZERS:
            return ref.make_optimizer(self.name, params, self.lr)
        return getattr(torch.optim, self.name)([params], lr=self.lr)

    def __repr__(self) -> str:
        if self.name == "SGD with momentum":
            return f"SGD([params], lr={self.lr:g}, momentum={ref.MOMENTUM:g})"
        return f"{self.name}([params], lr={self.lr:g})"


OPTIMIZER_NAMES = ("SGD", "SGD with momentum", "Adam", "RMSprop", "Adagrad", "Adamax")
"""The optimizers the cases build (the public ones, then the hidden ones too)."""


def _load_optimizers() -> None:
    """Take one step of every optimizer the cases build, now, as this module loads.

    torch loads some 800 modules (``torch._dynamo`` and what it needs) on the first step of an
    optimizer: a second or more. Inside a case, that would use up the case's time limit on a busy
    machine, and an import cut short by it would leave torch half-loaded for the rest of the
    session; at the student's desk and in a grading kernel, this module loads outside any limit."""
    params = torch.zeros(1, requires_grad=True)
    params.grad = torch.zeros(1)
    for name in OPTIMIZER_NAMES:
        Optimizer(name, 0.0).build(params).step()


_load_optimizers()


def _start(values: Sequence[float], dtype: torch.dtype) -> torch.Tensor:
    return torch.tensor(values, dtype=dtype, requires_grad=True)


def _adapt_manual(student: Callable[..., Any]) -> Callable[..., dict[str, Any]]:
    def run(n_epochs: int, learning_rate: float, start: list[float], t_u: torch.Tensor,
            t_c: torch.Tensor) -> dict[str, Any]:
        return recorded(lambda: _tensor_record(
            student(n_epochs, learning_rate, _start(start, t_u.dtype), t_u, t_c)))
    return run


def _adapt_optimizer_loop(student: Callable[..., Any]) -> Callable[..., dict[str, Any]]:
    def run(n_epochs: int, optimizer: Optimizer, start: list[float], t_u: torch.Tensor,
            t_c: torch.Tensor) -> dict[str, Any]:
        params = _start(start, t_u.dtype)
        built = optimizer.build(params)
        steps = [0]
        built.register_step_pre_hook(lambda *_: steps.__setitem__(0, steps[0] + 1))

        def record() -> dict[str, Any]:
            result = _tensor_record(student(n_epochs, built, params, t_u, t_c))
            return result | {"steps": steps[0]}
        return recorded(record)
    return run


def _quiet(loop: Callable[..., Any]) -> Callable[..., Any]:
    """The course's loop without its progress lines (the exercise does not ask for them)."""
    return lambda *args: loop(*args, print_every=0)


def _loop_cases(rng: np.random.Generator, optimizers: Sequence[Any]) -> list[Case]:
    cases = []
    for chosen in optimizers:
        dtype = torch.float32 if rng.random() < 0.5 else torch.float64
        n = int(rng.integers(4, 20))
        t_u = np.round(rng.uniform(1.0, 9.0, n), 2)
        t_c = np.round(rng.uniform(2.0, 6.0) * t_u + rng.uniform(-20.0, 0.0) + rng.normal(0.0, 1.0, n), 2)
        start = [float(v) for v in np.round(rng.uniform(-1.0, 1.0, 2), 2)]
        cases.append(Case((int(rng.integers(1, 60)), chosen, start, torch.tensor(t_u, dtype=dtype),
                           torch.tensor(t_c, dtype=dtype))))
    return cases


def _manual_cases(rng: np.random.Generator) -> Sequence[Case]:
    return _loop_cases(rng, [float(rng.choice([1e-3, 3e-3, 1e-2])) for _ in range(6)])


def _optimizer_cases(rng: np.random.Generator) -> Sequence[Case]:
    names = list(OPTIMIZER_NAMES)
    rates = {"SGD": [1e-3, 3e-3, 1e-2], "SGD with momentum": [1e-3, 3e-3]}
    chosen = [Optimizer(str(name), float(rng.choice(rates.get(str(name), [1e-2, 1e-1]))))
              for name in rng.permutation(names)]
    return _loop_cases(rng, chosen)


def _loss(params: torch.Tensor, t_u: torch.Tensor, t_c: torch.Tensor, reduce: str = "mean") -> torch.Tensor:
    """The loss as the exercises compute it (``reduce="mean"``), or a wrong one: ``"sum"`` of the
    squared errors, or ``"none"`` (one squared error per sample)."""
    squared = (model(t_u, *params) - t_c) ** 2
    if reduce == "mean":
        return loss_fn(model(t_u, *params), t_c)
    return squared.sum() if reduce == "sum" else squared


def _wrong_manual(update: str) -> Callable[..., Any]:
    """A wrong manual loop; ``update`` names the wrong step (see the mistakes below)."""
    def wrong(n_epochs: int, learning_rate: float, params: torch.Tensor, t_u: torch.Tensor,
              t_c: torch.Tensor) -> torch.Tensor:
        for _ in range(n_epochs):
            if params.grad is not None and update != "no zeroing":
                params.grad.zero_()
            loss = _loss(params, t_u, t_c, {"no mean": "none", "sum": "sum"}.get(update, "mean"))
            loss.backward()
            if update == "in graph":
                params = params - learning_rate * params.grad
            elif update == "in place in graph":
                params -= learning_rate * params.grad
            elif update == "data":
                params = (params - learning_rate * params.grad).data
            elif update == "misprint":
                params = (params * learning_rate * params.grad).detach().requires_grad_()
            else:
                sign = 1 if update == "up" else -1
                with torch.no_grad():
                    params += sign * learning_rate * params.grad
        return params
    return wrong


_ZEROING = ("backward() adds to .grad: without zeroing it each epoch, every step uses the sum of all the "
            "gradients so far. Zero it before backward(): ")
_IN_GRAPH = ("the update is recorded by autograd, so the new params are no leaf and the next backward() "
             "leaves their .grad empty (None). Update under `with torch.no_grad():` (in place: "
             "params -= ...), or build a new leaf with (params - learning_rate * params.grad).detach()"
             ".requires_grad_().")

manual_training_loop = Check(
    name="manual_training_loop",
    params=("n_epochs", "learning_rate", "params", "t_u", "t_c"),
    reference=_adapt_manual(_quiet(ref.manual_training_loop)),
    adapt=_adapt_manual,
    public=(
        Case((1, 1e-2, [1.0, 0.0], 0.1 * _T_U, _T_C.clone())),
        Case((3, 1e-2, [1.0, 0.0], 0.1 * _T_U, _T_C.clone())),
        Case((100, 1e-2, [1.0, 0.0], 0.1 * _T_U, _T_C.clone())),
        Case((20, 1e-4, [1.0, 0.0], _T_U.clone(), _T_C.clone())),
        Case((10, 1e-2, [0.5, -1.0], 0.1 * _T_U.double(), _T_C.double())),
    ),
    hidden=_manual_cases,
    coerce=_as_record,
    compare=_compare_records("the params"),
    what="function returning the trained params",
    mistakes=(
        Mistake(_ZEROING + "if params.grad is not None: params.grad.zero_().", _wrong_manual("no zeroing")),
        Mistake(_IN_GRAPH, _wrong_manual("in graph")),
        Mistake("autograd refuses to change a leaf it tracks in place while it records: put the "
                "update under `with torch.no_grad():`.", _wrong_manual("in place in graph")),
        Mistake("(...).data gives a tensor autograd does not track (requires_grad is False): the next "
                "loss has no graph and backward() fails. Use .detach().requires_grad_(), or update in "
                "place under torch.no_grad().", _wrong_manual("data")),
        Mistake("that is the misprinted update from the notes on the book: params * learning_rate * "
                "params.grad multiplies the three. The step subtracts: params - learning_rate * params.grad.",
                _wrong_manual("misprint")),
        Mistake("you step *up* the gradient: gradient descent subtracts learning_rate * params.grad.",
                _wrong_manual("up")),
        Mistake("backward() needs one number to start from: the loss must be the *mean* of the squared "
                "errors (loss_fn), not one squared error per sample.", _wrong_manual("no mean")),
        Mistake("the loss is the *mean* of the squared errors (loss_fn); their sum makes every gradient, "
                "and so every step, N times larger (N samples).", _wrong_manual("sum")),
    ),
)


def _wrong_optimizer_loop(order: str) -> Callable[..., Any]:
    """A wrong loop with an optimizer; ``order`` names what it does wrong."""
    def wrong(n_epochs: int, optimizer: torch.optim.Optimizer, params: torch.Tensor, t_u: torch.Tensor,
              t_c: torch.Tensor) -> torch.Tensor:
        for _ in range(n_epochs):
            loss = _loss(params, t_u, t_c, {"no mean": "none", "sum": "sum"}.get(order, "mean"))
            if order == "step first":
                optimizer.step()
            if order != "no zero_grad":
                optimizer.zero_grad()
            if order == "step after zero_grad":
                optimizer.step()
            loss.backward()
            if order == "own update":
                with torch.no_grad():
                    params -= optimizer.param_groups[0]["lr"] * params.grad
            elif order not in ("step first", "step after zero_grad"):
                optimizer.step()
        return params
    return wrong


training_loop = Check(
    name="training_loop",
    params=("n_epochs", "optimizer", "params", "t_u", "t_c"),
    reference=_adapt_optimizer_loop(_quiet(ref.training_loop)),
    adapt=_adapt_optimizer_loop,
    public=(
        Case((1, Optimizer("SGD", 1e-2), [1.0, 0.0], 0.1 * _T_U, _T_C.clone())),
        Case((50, Optimizer("SGD", 1e-2), [1.0, 0.0], 0.1 * _T_U, _T_C.clone())),
        Case((30, Optimizer("Adam", 1e-1), [1.0, 0.0], _T_U.clone(), _T_C.clone())),
        Case((20, Optimizer("SGD with momentum", 1e-3), [1.0, 0.0], 0.1 * _T_U, _T_C.clone())),
        Case((10, Optimizer("Adam", 1e-1), [0.5, -1.0], _T_U.double(), _T_C.double())),
    ),
    hidden=_optimizer_cases,
    coerce=_as_record,
    compare=_compare_records("the params"),
    what="function returning the trained params",
    mistakes=(
        Mistake(_ZEROING + "optimizer.zero_grad().", _wrong_optimizer_loop("no zero_grad")),
        Mistake("optimizer.step() uses the gradient in .grad, so it comes after loss.backward(): each "
                "epoch is zero_grad(), backward(), step(). Stepping first uses the previous epoch's "
                "gradient (and none at all in the first epoch).", _wrong_optimizer_loop("step first")),
        Mistake("your loop updates params itself instead of calling optimizer.step(): the optimizer it "
                "was given (Adam, say) decides how to step; plain SGD is only one of them.",
                _wrong_optimizer_loop("own update")),
        Mistake("backward() needs one number to start from: the loss must be the *mean* of the squared "
                "errors (loss_fn), not one squared error per sample.", _wrong_optimizer_loop("no mean")),
        Mistake("the loss is the *mean* of the squared errors (loss_fn); their sum makes every gradient "
                "N times larger (N samples), and most optimizers' steps with it.",
                _wrong_optimizer_loop("sum")),
        Mistake("optimizer.step() uses the gradient in .grad, and right after zero_grad() there is none: "
                "that step does nothing. Each epoch is zero_grad(), backward(), step().",
                _wrong_optimizer_loop("step after zero_grad")),
    ),
)


# ---------------------------------------------------------------------------------------------
# train_minibatches


@dataclass(frozen=True)
class Problem:
    """A case as plain data: a regression problem (samples drawn from ``seed``), the optimizer, and
    ``n_steps`` batches of ``batch_size`` distinct samples (``None``: all of them, in order)."""

    seed: int
    n_samples: int
    n_features: int
    optimizer: str
    lr: float
    batch_size: int | None
    n_steps: int

    def batches(self) -> list[torch.Tensor]:
        if self.batch_size is None:
            return [torch.arange(self.n_samples) for _ in range(self.n_steps)]
        rng = np.random.default_rng(self.seed)
        return [torch.tensor(np.sort(rng.choice(self.n_samples, self.batch_size, replace=False)))
                for _ in range(self.n_steps)]

    def build(self) -> tuple[nn.Linear, torch.optim.Optimizer, torch.Tensor, torch.Tensor]:
        generator = torch.Generator().manual_seed(self.seed)
        true_w = tuple(float(v) for v in torch.linspace(-2.0, 3.0, self.n_features))
        problem = ref.make_regression(generator, self.n_samples, true_w, 0.5, 0.1)
        layer = nn.Linear(self.n_features, 1)
        with torch.no_grad():
            layer.weight.copy_(torch.linspace(0.5, -0.5, self.n_features).reshape(1, -1))
            layer.bias.fill_(0.1)
        return layer, ref.make_optimizer(self.optimizer, layer.parameters(), self.lr), problem.X, problem.y

    def __repr__(self) -> str:
        size = "all samples" if self.batch_size is None else f"batches of {self.batch_size}"
        return (f"{self.n_samples} samples of {self.n_features} features (seed {self.seed}), {size}, "
                f"{self.n_steps} steps of {self.optimizer} at lr={self.lr:g}")


def _adapt_minibatches(student: Callable[..., Any]) -> Callable[..., dict[str, Any]]:
    def run(problem: Problem) -> dict[str, Any]:
        layer, optimizer, X, y = problem.build()
        steps = [0]
        optimizer.register_step_pre_hook(lambda *_: steps.__setitem__(0, steps[0] + 1))

        def record() -> dict[str, Any]:
            losses = student(layer, optimizer, X, y, problem.batches())
            if not isinstance(losses, list | tuple):
                return {"returned": kind(losses)}
            kinds = {type(loss).__name__ for loss in losses if not isinstance(loss, int | float) or
                     isinstance(loss, bool)}
            if kinds:
                return {"returned": f"a list holding {', '.join(sorted(kinds))} values (use loss.item())"}
            weights = torch.cat([layer.weight.detach().reshape(-1), layer.bias.detach()]).double()
            return {"losses": [float(loss) for loss in losses], "values": weights.tolist(), "steps": steps[0]}
        return recorded(record)
    return run


def _minibatch_cases(rng: np.random.Generator) -> Sequence[Case]:
    return [Case((Problem(int(rng.integers(1000)), int(rng.integers(20, 60)), int(rng.integers(1, 4)),
                          str(rng.choice(ref.OPTIMIZERS)), float(rng.choice([1e-2, 3e-2])), size,
                          int(rng.integers(3, 12))),))
            for size in (1, 4, 16, None, 8)]


def _wrong_minibatches(mistake: str) -> Callable[..., Any]:
    def wrong(layer: nn.Module, optimizer: torch.optim.Optimizer, X: torch.Tensor, y: torch.Tensor,
              batches: Sequence[torch.Tensor]) -> list[float]:
        mse = nn.MSELoss(reduction="sum" if mistake == "sum" else "mean")
        losses = []
        for batch in batches:
            loss = mse(layer(X), y) if mistake == "all samples" else mse(layer(X[batch]), y[batch])
            if mistake != "no zero_grad":
                optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        return losses
    return wrong


train_minibatches = Check(
    name="train_minibatches",
    params=("problem",),
    reference=_adapt_minibatches(ref.train_minibatches),
    adapt=_adapt_minibatches,
    public=(
        Case((Problem(0, 40, 2, "SGD", 3e-2, 8, 6),)),
        Case((Problem(1, 30, 2, "SGD", 3e-2, 1, 6),)),
        Case((Problem(2, 25, 3, "Adam", 1e-2, None, 4),)),
    ),
    hidden=_minibatch_cases,
    coerce=_as_record,
    compare=_compare_records("the weights and bias of the layer",
                             returns="a list of the batch losses, as Python numbers"),
    what="function returning the list of batch losses",
    mistakes=(
        Mistake("each step must use only its batch: X[batch] and y[batch], not all of X and y.",
                _wrong_minibatches("all samples")),
        Mistake(_ZEROING + "optimizer.zero_grad().", _wrong_minibatches("no zero_grad")),
        Mistake("nn.MSELoss() averages over the batch (reduction='mean'); a sum makes each step as "
                "many times larger as the batch has samples.", _wrong_minibatches("sum")),
    ),
)


CHECKS = {check.name: check for check in (grad_after, updated, manual_training_loop, training_loop,
                                          train_minibatches)}
"""Every lesson-05 check by exercise name."""

ANSWER_KEY = {f"course_lib.optim.{name}": name for name in CHECKS}
"""The course's answers to this lesson's exercises, switched off while it is graded. (The course's
other training functions, ``descent_path``, ``fit_linear`` and ``compare_batch_sizes``, answer no
exercise: they train on fixed data or draw their own batches.)"""

MISTAKE_FACTORIES = tuple(f"course_lib.checks.optim.{name}" for name in (
    "_wrong_grad_after", "_wrong_update", "_wrong_manual", "_wrong_optimizer_loop", "_wrong_minibatches"))
"""Helpers that make a correct answer when given the right arguments; off in the sandbox too."""

__all__ = ["CHECKS", "Optimizer", "Problem", "grad_after", "manual_training_loop", "train_minibatches",
           "training_loop", "updated"]
