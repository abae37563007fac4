"""Checks for lesson 06 (:mod:`course_lib.overfitting`): training, validation and overfitting.

Exercises: ``split(n_samples, val_fraction, generator)``,
``train_and_validate(n_epochs, optimizer, model, loss_fn, train, val, penalty=None)``,
``l2_penalty(model, lam)``, ``early_stopping(model, train_epoch, val_loss, max_epochs, patience)``
and ``diagnose(train_losses, val_losses, tolerance=0.1)``.

As in lesson 05 (:mod:`.optim`), a case holds plain data, and ``adapt`` builds for every call the
objects the student's function works on (a generator, a model, an optimizer), runs it, and
returns a *record* (:mod:`.records`) of what happened. The model ``train_and_validate`` gets is
watched: each forward pass notes which inputs it saw and whether autograd was recording, so a
validation pass inside the graph is seen, not guessed. ``early_stopping`` gets a model whose
parameters say which epoch they come from, and a scripted validation curve.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from .. import overfitting as ref
from ..optim import make_optimizer
from .core import Case, Check, Mistake
from .optim import OPTIMIZER_NAMES  # noqa: F401 - loading it takes each optimizer's first step (see there)
from .records import close, kind, record_coercer, recorded, settled
from .text import fmt

# ---------------------------------------------------------------------------------------------
# split


@dataclass(frozen=True)
class Seeded:
    """A case's generator, as plain data: ``build()`` makes ``torch.Generator().manual_seed(seed)``."""

    seed: int

    def build(self) -> torch.Generator:
        return torch.Generator().manual_seed(self.seed)

    def __repr__(self) -> str:
        return f"torch.Generator().manual_seed({self.seed})"


def _indices(value: Any) -> list[int] | str:
    """The indices in a returned tensor, or what is wrong with it."""
    if not isinstance(value, torch.Tensor):
        return f"expected two tensors of indices, got {kind(value)}"
    if value.dtype != torch.long:
        return f"indices must be a torch.long tensor (what torch.randperm gives), got {value.dtype}"
    return [int(i) for i in torch.Tensor.tolist(value.reshape(-1))]


def _adapt_split(student: Callable[..., Any]) -> Callable[..., dict[str, Any]]:
    def run(n_samples: int, val_fraction: float, seeded: Seeded) -> dict[str, Any]:
        def record() -> dict[str, Any]:
            generator = seeded.build()
            before = generator.get_state()
            result = student(n_samples, val_fraction, generator)
            if not isinstance(result, tuple | list) or len(result) != 2:
                return {"returned": f"expected (train_indices, val_indices), got {kind(result)}"}
            train, val = (_indices(part) for part in result)
            for part in (train, val):
                if isinstance(part, str):
                    return {"returned": part}
            again = student(n_samples, val_fraction, seeded.build())
            same = (isinstance(again, tuple | list) and len(again) == 2
                    and all(isinstance(a, torch.Tensor) and a.shape == b.shape and torch.equal(a, b)
                            for a, b in zip(again, result, strict=True)))
            perm = torch.randperm(n_samples, generator=seeded.build()).tolist()
            n_val = len(val)
            return {"train": train, "val": val, "drew": not torch.equal(before, generator.get_state()),
                    "reproducible": same, "first": perm[:n_val]}
        return recorded(record)
    return run


def _split_problem(n_samples: int, train: list[float], val: list[float]) -> str | None:
    train, val = [int(i) for i in train], [int(i) for i in val]
    both, everything = set(train) & set(val), set(train) | set(val)
    if both:
        return f"the training and validation indices overlap: {fmt(sorted(both))} are in both"
    if len(set(train)) < len(train) or len(set(val)) < len(val):
        return "an index appears twice (draw a permutation, torch.randperm, rather than random picks)"
    outside = sorted(everything - set(range(n_samples)))
    if outside:
        return f"indices {fmt(outside)} are not samples: they must be in range(n_samples)"
    dropped = sorted(set(range(n_samples)) - everything)
    if dropped:
        return f"samples {fmt(dropped)} are in neither part: every sample goes to training or to validation"
    return None


def _compare_splits(expected: dict[str, Any], got: dict[str, Any]) -> str | None:
    if got == expected:  # also how a mistake's split is recognised, overlapping parts and all
        return None
    decided, problem = settled(expected, got)
    if decided:
        return problem
    n_samples = len(expected["train"]) + len(expected["val"])
    problem = _split_problem(n_samples, got["train"], got["val"])
    if problem is not None:
        return problem
    if len(got["val"]) != len(expected["val"]):
        return (f"expected {len(expected['val'])} validation indices (int(val_fraction * n_samples), which "
                f"rounds down), got {len(got['val'])}")
    if not got["drew"] or not got["reproducible"]:
        return ("the split does not come from the generator it was given: two generators seeded alike must "
                "give the same split. Draw with torch.randperm(n_samples, generator=generator)")
    if sorted(got["val"]) == sorted(expected["val"]):
        return None
    if sorted(got["val"]) == sorted(expected["first"]):
        return ("your validation indices are the *first* n_val of the permutation; the exercise takes the "
                "*last* n_val (perm[n_train:]), the training indices being the ones before them")
    return (f"expected the validation indices {fmt(sorted(expected['val']))} (the last n_val of "
            f"torch.randperm(n_samples, generator=generator)), got {fmt(sorted(got['val']))}")


def _wrong_split(mistake: str) -> Callable[..., Any]:
    def wrong(n_samples: int, val_fraction: float, generator: torch.Generator) -> tuple[torch.Tensor, ...]:
        n_val = round(val_fraction * n_samples) if mistake == "round" else int(val_fraction * n_samples)
        perm = torch.randperm(n_samples, generator=generator)
        if mistake == "negative slice":
            return perm[:-n_val], perm[-n_val:]
        if mistake == "two draws":
            again = torch.randperm(n_samples, generator=generator)
            return perm[:n_samples - n_val], again[n_samples - n_val:]
        return perm[:n_samples - n_val], perm[n_samples - n_val:]
    return wrong


def _split_cases(rng: np.random.Generator) -> Sequence[Case]:
    cases = [Case((int(n), float(f), Seeded(int(rng.integers(10_000)))))
             for n, f in [(int(rng.integers(2, 5)), 0.2), (int(rng.integers(10, 40)), 0.2)]]
    for _ in range(4):
        cases.append(Case((int(rng.integers(2, 80)), float(rng.choice([0.1, 0.15, 0.25, 0.3, 0.5])),
                           Seeded(int(rng.integers(10_000))))))
    return cases


split = Check(
    name="split",
    params=("n_samples", "val_fraction", "generator"),
    reference=_adapt_split(ref.split),
    adapt=_adapt_split,
    public=(
        Case((10, 0.2, Seeded(0))),
        Case((11, 0.2, Seeded(1))),
        Case((13, 0.2, Seeded(2))),
        Case((4, 0.2, Seeded(3))),
        Case((7, 0.5, Seeded(4))),
    ),
    hidden=_split_cases,
    coerce=record_coercer(flags=("drew", "reproducible"), lists=("train", "val", "first")),
    compare=_compare_splits,
    what="function returning (train_indices, val_indices)",
    mistakes=(
        Mistake("perm[:-n_val] is the whole permutation but its last n_val entries only while n_val > 0: "
                "when int(val_fraction * n_samples) is 0, -0 is 0 and perm[:-0] is perm[:0], empty. Cut at "
                "n_train = n_samples - n_val instead: perm[:n_train], perm[n_train:].",
                _wrong_split("negative slice")),
        Mistake("n_val is int(val_fraction * n_samples), which rounds *down*; round() goes to the nearest "
                "whole number (13 samples at 20 % is 2.6: int gives 2, round gives 3).",
                _wrong_split("round")),
        Mistake("the two parts come from two permutations: each torch.randperm call draws a new one (the "
                "generator moves on), so their parts overlap and miss samples. Draw perm once and cut it "
                "in two.", _wrong_split("two draws")),
    ),
)


# ---------------------------------------------------------------------------------------------
# train_and_validate


class _Watched(nn.Module):
    """``inner``, noting for every forward pass whether it saw the validation inputs and whether
    autograd was recording: ``tracked_validation`` is True once a validation pass was recorded."""

    def __init__(self, inner: nn.Module, val_inputs: torch.Tensor) -> None:
        super().__init__()
        self.inner = inner
        self.val_inputs = val_inputs
        self.tracked_validation = False

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if torch.is_grad_enabled() and x.shape == self.val_inputs.shape and torch.equal(x, self.val_inputs):
            self.tracked_validation = True
        return self.inner(x)


@dataclass(frozen=True)
class Run:
    """A case of ``train_and_validate`` as plain data: :func:`course_lib.overfitting.curve_data`
    from ``seed``, split into ``n_train`` training and ``n_val`` validation samples; a model of
    ``hidden`` units (:func:`course_lib.overfitting.make_model`); ``optimizer`` (a name of
    :data:`course_lib.optim.OPTIMIZERS`) at ``lr``; a ``penalty`` λ (0: none), here
    ``λ · Σ |p|`` over every parameter (see :func:`_penalty`)."""

    seed: int
    n_train: int
    n_val: int
    hidden: int
    optimizer: str
    lr: float
    n_epochs: int
    penalty: float = 0.0

    def build(self) -> tuple[_Watched, torch.optim.Optimizer, Any, ref.Data, ref.Data, Any]:
        generator = torch.Generator().manual_seed(self.seed)
        data = ref.curve_data(self.n_train + self.n_val, 0.3, generator)
        train = (data.x[:self.n_train], data.y[:self.n_train])
        val = (data.x[self.n_train:], data.y[self.n_train:])
        model = _Watched(ref.make_model(self.hidden, self.seed), val[0])
        optimizer = make_optimizer(self.optimizer, model.parameters(), self.lr)
        penalty = _penalty(model.inner, self.penalty) if self.penalty else None
        return model, optimizer, nn.MSELoss(), train, val, penalty

    def __repr__(self) -> str:
        model = "nn.Linear(1, 1)" if self.hidden == 0 else f"a model of {self.hidden} hidden units"
        penalty = f", penalty λ · Σ |p| with λ = {self.penalty:g}" if self.penalty else ", no penalty"
        epochs = "1 epoch" if self.n_epochs == 1 else f"{self.n_epochs} epochs"
        return (f"{epochs} of {self.optimizer} at lr={self.lr:g} on {model}, "
                f"{self.n_train} training and {self.n_val} validation samples (seed {self.seed}){penalty}")


def _penalty(model: nn.Module, lam: float) -> Callable[[], torch.Tensor]:
    """The case's penalty, ``λ · Σ |p|`` over every parameter: any penalty will do to check that it
    reaches ``backward()``, and this one answers no exercise."""
    parameters = list(model.parameters())
    return lambda: lam * torch.stack([p.abs().sum() for p in parameters]).sum()


def _floats(values: Any) -> list[float] | str:
    """A list of Python numbers, or what is wrong with ``values``."""
    if not isinstance(values, list | tuple):
        return kind(values)
    odd = sorted({type(v).__name__ for v in values if not isinstance(v, int | float) or isinstance(v, bool)})
    if odd:
        return f"a list holding {', '.join(odd)} values (use loss.item())"
    return [float(v) for v in values]


def _parameters(model: nn.Module) -> list[float]:
    return torch.cat([p.detach().reshape(-1) for p in model.parameters()]).double().tolist()


def _adapt_validate(student: Callable[..., Any]) -> Callable[..., dict[str, Any]]:
    def run(setup: Run) -> dict[str, Any]:
        model, optimizer, loss_fn, train, val, penalty = setup.build()
        steps = [0]
        optimizer.register_step_pre_hook(lambda *_: steps.__setitem__(0, steps[0] + 1))

        def record() -> dict[str, Any]:
            result = student(setup.n_epochs, optimizer, model, loss_fn, train, val, penalty)
            if not isinstance(result, tuple | list) or len(result) != 2:
                return {"returned": f"expected (train_losses, val_losses), got {kind(result)}"}
            losses = [_floats(part) for part in result]
            for part in losses:
                if isinstance(part, str):
                    return {"returned": f"expected two lists of losses, got {part}"}
            return {"train_losses": losses[0], "val_losses": losses[1], "values": _parameters(model),
                    "steps": steps[0], "tracked": model.tracked_validation}
        return recorded(record)
    return run


def _compare_runs(expected: dict[str, Any], got: dict[str, Any]) -> str | None:
    decided, problem = settled(expected, got)
    if decided:
        return problem
    if got["tracked"] and not expected["tracked"]:
        return ("the validation pass was recorded by autograd: the model ran on the validation inputs while "
                "grad mode was on. Nobody calls backward() on the validation loss, so compute it under "
                "`with torch.no_grad():`")
    if got["steps"] != expected["steps"]:
        return (f"the optimizer stepped {got['steps']} times, expected {expected['steps']}: one "
                "optimizer.step() per epoch, on the optimizer it was given")
    for key, what in (("train_losses", "the training losses"), ("val_losses", "the validation losses"),
                      ("values", "the trained parameters")):
        problem = close(expected[key], got[key], what)
        if problem is not None:
            return problem
    return None


def _wrong_validate(mistake: str) -> Callable[..., Any]:
    """A wrong ``train_and_validate``; ``mistake`` names what it does wrong (see the hints)."""
    def wrong(n_epochs: int, optimizer: torch.optim.Optimizer, model: Any, loss_fn: Any, train: ref.Data,
              val: ref.Data, penalty: Callable[[], torch.Tensor] | None = None) -> tuple[list[float], ...]:
        train_losses, val_losses = [], []
        for _ in range(n_epochs):
            train_loss = loss_fn(model(train[0]), train[1])
            with torch.set_grad_enabled(mistake in ("backward on val", "backward on sum")):
                val_loss = loss_fn(model(val[0]), val[1])
            extra = penalty() if penalty is not None and mistake != "no penalty" else 0.0
            objective = {"backward on val": val_loss, "backward on sum": train_loss + val_loss,
                         "backward on no-grad val": val_loss}.get(mistake, train_loss) + extra
            if mistake != "no zero_grad":
                optimizer.zero_grad()
            objective.backward()
            optimizer.step()
            if mistake in ("val after step", "both after step"):
                with torch.no_grad():
                    val_loss = loss_fn(model(val[0]), val[1])
                    if mistake == "both after step":
                        train_loss = loss_fn(model(train[0]), train[1])
            shown = objective if mistake == "penalty in loss" else train_loss
            val_shown = val_loss + extra if mistake == "penalty on val" else val_loss
            train_losses.append(float(shown))
            val_losses.append(float(val_shown))
        return (val_losses, train_losses) if mistake == "swapped" else (train_losses, val_losses)
    return wrong


def _validate_cases(rng: np.random.Generator) -> Sequence[Case]:
    cases = []
    for penalty in (0.0, 0.0, 1e-2, 1e-1, 0.0):
        hidden = int(rng.choice([0, 2, 4, 8]))
        optimizer = str(rng.choice(["SGD", "SGD with momentum", "Adam"]))
        cases.append(Case((Run(int(rng.integers(1000)), int(rng.integers(5, 20)), int(rng.integers(3, 10)),
                               hidden, optimizer, float(rng.choice([1e-2, 3e-2])), int(rng.integers(2, 25)),
                               penalty),)))
    return cases


train_and_validate = Check(
    name="train_and_validate",
    params=("setup",),
    reference=_adapt_validate(ref.train_and_validate),
    adapt=_adapt_validate,
    public=(
        Case((Run(0, 8, 4, 0, "SGD", 1e-1, 1),)),
        Case((Run(1, 9, 3, 0, "SGD", 1e-1, 20),)),
        Case((Run(2, 10, 5, 4, "Adam", 3e-2, 15),)),
        Case((Run(3, 10, 5, 4, "Adam", 3e-2, 15, penalty=1e-1),)),
    ),
    hidden=_validate_cases,
    coerce=record_coercer(lists=("train_losses", "val_losses", "values"), flags=("tracked",),
                          counts=("steps",)),
    compare=_compare_runs,
    what="function returning (train_losses, val_losses)",
    mistakes=(
        Mistake("backward() runs on the validation loss: the model then learns from the validation samples, "
                "which are there to measure it on data it never learned from. Call backward() on the "
                "training loss only.", _wrong_validate("backward on val")),
        Mistake("backward() runs on the sum of the training and the validation loss, so the validation "
                "samples are learned from too. Call backward() on the training loss (plus the penalty) only.",
                _wrong_validate("backward on sum")),
        Mistake("backward() is called on the validation loss, which was computed under torch.no_grad(): "
                "it has no graph to go back through. Call backward() on the training loss.",
                _wrong_validate("backward on no-grad val")),
        Mistake("the validation losses are measured after the epoch's optimizer.step(): measure both losses "
                "at the parameters the epoch starts with (the validation pass before the step).",
                _wrong_validate("val after step")),
        Mistake("both losses are measured after the epoch's optimizer.step(): measure them at the "
                "parameters the epoch starts with, the training loss from the same forward pass that "
                "backward() goes through, and the validation pass before the step.",
                _wrong_validate("both after step")),
        Mistake("the two lists come back swapped: return (train_losses, val_losses), in that order.",
                _wrong_validate("swapped")),
        Mistake("the penalty is missing from what backward() differentiates: the training objective is the "
                "training loss + penalty() when a penalty is given.", _wrong_validate("no penalty")),
        Mistake("the training losses returned include the penalty: return the loss alone (the penalty is "
                "part of what the optimizer minimises, not of how well the model fits).",
                _wrong_validate("penalty in loss")),
        Mistake("the penalty is added to the validation loss: the validation loss measures the fit only; the "
                "penalty belongs to the training objective.", _wrong_validate("penalty on val")),
        Mistake("backward() adds to .grad: without optimizer.zero_grad() each epoch, every step uses the sum "
                "of all the gradients so far.", _wrong_validate("no zero_grad")),
    ),
)


# ---------------------------------------------------------------------------------------------
# l2_penalty


@dataclass(frozen=True)
class Net:
    """A case's model as plain data: ``nn.Linear`` layers of the given ``sizes`` with ``nn.Tanh``
    between them (``bias=False`` for the layers listed in ``no_bias``), initialised from ``seed``."""

    sizes: tuple[int, ...]
    seed: int
    no_bias: tuple[int, ...] = ()

    def build(self) -> nn.Module:
        layers: list[nn.Module] = []
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            for i, (n_in, n_out) in enumerate(zip(self.sizes, self.sizes[1:], strict=False)):
                layers += [nn.Linear(n_in, n_out, bias=i not in self.no_bias), nn.Tanh()]
        return nn.Sequential(*layers[:-1])

    def __repr__(self) -> str:
        layers = " ".join(repr(self.build()).split())
        return f"{layers} (initial weights drawn after torch.manual_seed({self.seed}))"


def _adapt_penalty(student: Callable[..., Any]) -> Callable[..., dict[str, Any]]:
    def run(net: Net, lam: float) -> dict[str, Any]:
        model = net.build()

        def record() -> dict[str, Any]:
            value = student(model, lam)
            if not isinstance(value, torch.Tensor):
                hint = " (return the tensor, not .item(), so that autograd can differentiate it)"
                hint = hint if isinstance(value, float) else ""
                return {"returned": f"expected a tensor, got {kind(value)}{hint}"}
            if value.numel() != 1:
                return {"returned": f"expected one number (a tensor of one element), got shape "
                                    f"{tuple(value.shape)}"}
            record = {"value": float(value), "tracked": value.requires_grad}
            if value.requires_grad:
                value.reshape(()).backward()
                grads = [torch.zeros_like(p) if p.grad is None else p.grad for p in model.parameters()]
                record["grads"] = torch.cat([g.reshape(-1) for g in grads]).double().tolist()
            return record
        return recorded(record)
    return run


def _compare_penalties(expected: dict[str, Any], got: dict[str, Any]) -> str | None:
    decided, problem = settled(expected, got)
    if decided:
        return problem
    if not math.isclose(got["value"], expected["value"], rel_tol=1e-5, abs_tol=1e-7):
        return f"expected {fmt(expected['value'])}, got {fmt(got['value'])}"
    if expected["tracked"] and not got["tracked"]:
        return ("the value is right, but autograd does not track it (requires_grad is False): build it from "
                "the parameters themselves, not from .data, .detach(), .item() or model.state_dict() "
                "(whose tensors autograd does not track), and not under torch.no_grad()")
    if any(expected["grads"]) and not any(got["grads"]):
        return ("the value is right, but its gradient with respect to every parameter is 0: it is not "
                "computed from the parameters (a tensor made anew from numbers, torch.tensor(...), has no "
                "link to them, even with requires_grad=True)")
    return close(expected["grads"], got["grads"], "its gradient with respect to the parameters")


def _wrong_penalty(select: str = "weights", form: str = "squares", sign: float = 1.0) -> Callable[..., Any]:
    """A wrong penalty: over the parameters ``select`` ("weights", "all", "biases"), each entry's
    ``form`` ("squares", "abs", "values", "mean squares", "norm", "half"), times ``sign``."""
    def term(p: torch.Tensor) -> torch.Tensor:
        return {"squares": lambda: (p ** 2).sum(), "abs": lambda: p.abs().sum(), "values": lambda: p.sum(),
                "mean squares": lambda: (p ** 2).mean(), "norm": lambda: (p ** 2).sum().sqrt(),
                "half": lambda: 0.5 * (p ** 2).sum()}[form]()

    def wrong(model: nn.Module, lam: float) -> torch.Tensor:
        chosen = [p for name, p in model.named_parameters()
                  if select == "all" or name.endswith("weight" if select == "weights" else "bias")]
        return sign * lam * sum(term(p) for p in chosen)
    return wrong


def _penalty_cases(rng: np.random.Generator) -> Sequence[Case]:
    cases = []
    for _ in range(5):
        depth = int(rng.integers(1, 4))
        sizes = tuple(int(s) for s in rng.integers(1, 6, depth + 1))
        no_bias = (0,) if rng.random() < 0.3 else ()
        lam = float(rng.choice([1e-3, 1e-2, 0.1, 0.5]))
        cases.append(Case((Net(sizes, int(rng.integers(1000)), no_bias), lam)))
    return cases


l2_penalty = Check(
    name="l2_penalty",
    params=("model", "lam"),
    reference=_adapt_penalty(ref.l2_penalty),
    adapt=_adapt_penalty,
    public=(
        Case((Net((1, 1), 0), 0.1)),
        Case((Net((1, 3, 1), 1), 1e-2)),
        Case((Net((2, 4, 3, 1), 2), 0.5)),
        Case((Net((3, 2), 3, no_bias=(0,)), 1.0)),
    ),
    hidden=_penalty_cases,
    coerce=record_coercer(lists=("grads",), flags=("tracked",), numbers=("value",)),
    compare=_compare_penalties,
    what="function returning the penalty λ · Σ w² as a tensor",
    mistakes=(
        Mistake("the penalty has the wrong sign: it is added to the loss to make large weights *cost* more, "
                "so it is +λ · Σ w² (with a minus, the optimizer would grow the weights without end).",
                _wrong_penalty(sign=-1.0)),
        Mistake("the biases are included: the lesson's penalty is on the weights only (parameters whose name "
                "ends in 'weight'): a bias shifts the curve up or down, it cannot make it wiggle.",
                _wrong_penalty(select="all")),
        Mistake("the penalty is on the biases only: it belongs on the weights (the parameters whose name "
                "ends in 'weight'), which decide how steeply the model's output can change.",
                _wrong_penalty(select="biases")),
        Mistake("that is an L1 penalty (λ · Σ |w|); this exercise's is L2, the sum of the *squares*: "
                "λ · Σ w².", _wrong_penalty(form="abs")),
        Mistake("the weights are summed without squaring them: λ · Σ w² squares every entry first "
                "((w ** 2).sum()), so that large weights of either sign cost more.",
                _wrong_penalty(form="values")),
        Mistake("each weight's squares are averaged (.mean()); the penalty is their *sum*, λ · Σ w², over "
                "every entry of every weight.", _wrong_penalty(form="mean squares")),
        Mistake("that is λ times the length of each weight (the square root of the sum of squares); the "
                "penalty is the sum of squares itself, λ · Σ w², whose gradient is 2 · λ · w.",
                _wrong_penalty(form="norm")),
        Mistake("some books write the penalty with a ½ (λ/2 · Σ w², whose gradient is λ · w); this lesson's "
                "is λ · Σ w², without the ½.", _wrong_penalty(form="half")),
    ),
)


# ---------------------------------------------------------------------------------------------
# early_stopping


@dataclass(frozen=True)
class Curve:
    """A case of ``early_stopping``: the validation loss after each epoch (``losses[e - 1]`` after
    epoch ``e``; ``start`` before any), ``max_epochs`` and ``patience``."""

    losses: tuple[float, ...]
    max_epochs: int
    patience: int
    start: float = 10.0

    def __repr__(self) -> str:
        before = f"{fmt(self.start)} before training, then " if self.start != Curve.start else ""
        return (f"validation losses {before}{fmt(list(self.losses))} (epochs 1 to {len(self.losses)}), "
                f"max_epochs={self.max_epochs}, patience={self.patience}")


class _EpochModel(nn.Linear):
    """``nn.Linear(1, 1)`` whose weight is the number of epochs trained (and its bias minus that),
    changed in place as training does: its parameters tell which epoch they come from."""

    def __init__(self) -> None:
        super().__init__(1, 1)
        self.trained = 0
        self.set_epoch(0)

    def set_epoch(self, epoch: int) -> None:
        with torch.no_grad():
            self.weight.fill_(float(epoch))
            self.bias.fill_(-float(epoch))

    def train_epoch(self) -> None:
        self.trained += 1
        self.set_epoch(self.trained)

    def epoch_held(self) -> float:
        return float(self.weight.detach().reshape(-1)[0])


def _adapt_stopping(student: Callable[..., Any]) -> Callable[..., dict[str, Any]]:
    def run(curve: Curve) -> dict[str, Any]:
        model = _EpochModel()

        def val_loss() -> float:
            if model.trained == 0:
                return curve.start
            return curve.losses[min(model.trained, len(curve.losses)) - 1]

        def record() -> dict[str, Any]:
            best = student(model, model.train_epoch, val_loss, curve.max_epochs, curve.patience)
            if not isinstance(best, int) or isinstance(best, bool):
                return {"returned": f"expected the best epoch as an int, got {kind(best)}"}
            return {"best": best, "held": model.epoch_held(), "trained": model.trained}
        return recorded(record)
    return run


def _compare_stopping(expected: dict[str, Any], got: dict[str, Any]) -> str | None:
    decided, problem = settled(expected, got)
    if decided:
        return problem
    if got["best"] != expected["best"]:
        return (f"expected best epoch {expected['best']} (the first epoch with the lowest validation loss, "
                f"counting from 1), got {got['best']}")
    if got["trained"] != expected["trained"]:
        return (f"it trained {got['trained']} epochs, expected {expected['trained']}: stop once `patience` "
                "epochs in a row have not improved on the best loss (or at max_epochs)")
    if got["held"] != expected["held"]:
        held = int(got["held"]) if float(got["held"]).is_integer() else fmt(got["held"])
        return (f"the model is left with the parameters of epoch {held}, not those of the best "
                f"epoch, {expected['best']}: load the saved copy back with model.load_state_dict(...)")
    return None


def _wrong_stopping(mistake: str) -> Callable[..., Any]:
    """A wrong ``early_stopping``; ``mistake`` names what it does wrong (see the hints)."""
    def wrong(model: nn.Module, train_epoch: Callable[[], Any], val_loss: Callable[[], float],
              max_epochs: int, patience: int) -> int:
        best_epoch, best_loss, waited = 0, val_loss() if mistake == "epoch 0" else math.inf, 0
        best_state = {k: v.clone() for k, v in model.state_dict().items()}
        for epoch in range(1, max_epochs + 1):
            train_epoch()
            loss = val_loss()
            better = loss <= best_loss if mistake == "ties" else loss < best_loss
            if better:
                best_epoch, best_loss = epoch, loss
                best_state = (model.state_dict() if mistake == "no copy"
                              else {k: v.clone() for k, v in model.state_dict().items()})
                waited = 0 if mistake != "no reset" else waited
            else:
                waited += 1
                if waited >= {"first uptick": 1, "one more": patience + 1}.get(mistake, patience):
                    break
        if mistake != "no restore":
            model.load_state_dict(best_state)
        return best_epoch
    return wrong


def _curve(rng: np.random.Generator, n: int) -> tuple[float, ...]:
    """A U-shaped validation curve with noise and a tie or two, rounded to 2 decimals."""
    t = np.arange(1, n + 1)
    bottom = rng.uniform(0.3, 0.8) * n
    values = 1 + 3 * np.exp(-t / rng.uniform(1.5, 4)) + 0.004 * np.maximum(0, t - bottom) ** 2
    values += rng.normal(0, 0.05, n)
    return tuple(float(v) for v in np.round(values, 2))


def _stopping_cases(rng: np.random.Generator) -> Sequence[Case]:
    """Seven U-shaped curves; before the first, the model's loss is below every epoch's (training
    only made it worse), which tells an answer that counts the untrained model as epoch 0."""
    cases = []
    for i in range(7):
        n = int(rng.integers(8, 40))
        losses = _curve(rng, n)
        start = round(min(losses) - 0.1, 2) if i == 0 else 10.0
        cases.append(Case((Curve(losses, n, int(rng.integers(1, 6)), start),)))
    return cases


early_stopping = Check(
    name="early_stopping",
    params=("curve",),
    reference=_adapt_stopping(ref.early_stopping),
    adapt=_adapt_stopping,
    public=(
        Case((Curve((5.0, 4.0, 3.0, 2.5, 2.6, 2.7, 2.8, 2.9, 3.0, 3.1), 10, 3),)),
        Case((Curve((5.0, 4.0, 4.2, 3.9, 4.1, 4.3, 3.5, 3.6, 3.7, 3.8, 3.9), 11, 3),)),
        Case((Curve((4.0, 3.0, 3.1, 3.2, 2.9, 3.0), 6, 1),)),
        Case((Curve((4.0, 3.0, 3.5, 3.0, 3.6, 3.7), 6, 3),)),
        Case((Curve((4.0, 3.5, 3.0, 2.5, 2.0, 1.5), 6, 2),)),
        Case((Curve((0.72, 0.65, 0.5, 0.55, 0.6, 0.7), 6, 2, start=0.61),)),  # worse after epoch 1
    ),
    hidden=_stopping_cases,
    coerce=record_coercer(counts=("best", "trained"), numbers=("held",)),
    compare=_compare_stopping,
    what="function returning the best epoch",
    mistakes=(
        Mistake("the model ends with the parameters of the last epoch trained, not of the best one. Keep "
                "a copy when an epoch improves, copy.deepcopy(model.state_dict()), and load it back at the "
                "end with model.load_state_dict(...). (A copy: state_dict() alone holds the model's live "
                "tensors, which the next epochs change in place, so loading it back changes nothing.)",
                _wrong_stopping("no restore")),
        Mistake("training stops at the first epoch that does not improve: wait `patience` epochs in a row "
                "without improvement before stopping; a noisy validation loss often dips again.",
                _wrong_stopping("first uptick")),
        Mistake("an epoch that only equals the best loss counts as an improvement here; the exercise counts "
                "only a loss strictly below the best so far (the first epoch with the lowest loss wins).",
                _wrong_stopping("ties")),
        Mistake("the untrained model is no candidate: epochs count from 1, and the first epoch always "
                "improves (start from a best loss of infinity, float('inf'), not from the loss before "
                "training).", _wrong_stopping("epoch 0")),
        Mistake("it waits one epoch too many: stop as soon as `patience` epochs in a row have not improved.",
                _wrong_stopping("one more")),
        Mistake("the count of epochs without improvement must start again at 0 whenever an epoch improves: "
                "patience counts epochs *in a row*.", _wrong_stopping("no reset")),
    ),
)


# ---------------------------------------------------------------------------------------------
# diagnose


def _as_diagnosis(value: Any) -> str:
    return str(value)


def _a_diagnosis(value: Any) -> str | None:
    if isinstance(value, str) and value in ref.DIAGNOSES:
        return None
    got = repr(value) if isinstance(value, str) else kind(value)
    return f"expected one of {', '.join(repr(d) for d in ref.DIAGNOSES)}, got {got}"


def _compare_diagnoses(expected: str, got: str) -> str | None:
    return None if got == expected else f"expected {expected!r}, got {got!r}"


def _wrong_diagnose(mistake: str) -> Callable[..., str]:
    """A wrong ``diagnose``; ``mistake`` names what it does wrong (see the hints)."""
    def wrong(train_losses: Sequence[float], val_losses: Sequence[float], tolerance: float = 0.1) -> str:
        tol = 0.1 if mistake == "fixed tolerance" else tolerance
        lowest = train_losses[-1] if mistake == "last train" else min(train_losses)
        underfit = lowest > (1 - tol) * train_losses[0]
        if mistake == "final gap":
            overfit = val_losses[-1] > (1 + tol) * train_losses[-1]
        elif mistake == "against start":
            overfit = val_losses[-1] > (1 + tol) * val_losses[0]
        else:
            overfit = val_losses[-1] > (1 + tol) * min(val_losses)
        if mistake == "rules swapped" and overfit:
            return "overfitting"
        return "underfitting" if underfit else "overfitting" if overfit else "fine"
    return wrong


def _curves(rng: np.random.Generator, kind_: str, tolerance: float) -> tuple[list[float], list[float]]:
    """A pair of loss curves that clearly shows ``kind_`` at ``tolerance`` (far from every threshold).

    Underfitting: the training loss falls by less than half the tolerance, and the validation loss
    may rise (to tell a diagnosis that checks rule 2 first). Otherwise the training loss falls to
    a floor, and the validation loss, well above it, falls to its own floor and then rises by
    ``4 · tolerance`` (overfitting) or ``0.3 · tolerance`` (fine) at the end.
    """
    n = int(rng.integers(8, 26))
    t = np.arange(n) / (n - 1)
    start = rng.uniform(0.5, 5.0)
    if kind_ == "underfitting":
        train = start * (1 - 0.4 * tolerance * (1 - np.exp(-5 * t)))
        val = train * rng.uniform(1.0, 1.5) * (1 + 3 * tolerance * t ** 2 * rng.integers(0, 2))
    else:
        floor, val_floor = rng.uniform(0.05, 0.3), rng.uniform(0.3, 0.6)
        train = start * (floor + (1 - floor) * np.exp(-6 * t))
        bottom = rng.uniform(0.5, 0.7)
        rise = (4 if kind_ == "overfitting" else 0.3) * tolerance
        late = np.clip((t - bottom) / (1 - bottom), 0, None) ** 2
        falling = val_floor + (1 - val_floor) * np.exp(-8 * t)
        val = rng.uniform(1.5, 2.5) * start * falling * (1 + rise * late)
    return [float(v) for v in np.round(train, 4)], [float(v) for v in np.round(val, 4)]


def _rebound(rng: np.random.Generator) -> tuple[list[float], list[float]]:
    """A "fine" pair at tolerance 0.5 whose training loss falls to 40 % of its start and ends back
    at 55 % (a noisy optimizer): only its lowest value, not its last, is below the threshold."""
    n = int(rng.integers(8, 20))
    t = np.arange(n) / (n - 1)
    start = rng.uniform(0.5, 5.0)
    train = start * (0.4 + 0.6 * np.exp(-8 * t) + 0.15 * t ** 6)
    val = 1.5 * start * (0.5 + 0.5 * np.exp(-6 * t))
    return [float(v) for v in np.round(train, 4)], [float(v) for v in np.round(val, 4)]


def _diagnose_cases(rng: np.random.Generator) -> Sequence[Case]:
    """Three pairs of curves of each kind; the first three at tolerances where 0.1 would give
    another answer (a training loss 12 % lower, a validation loss 8 % up); then a training loss
    that rebounds (:func:`_rebound`)."""
    kinds = ("underfitting", "overfitting", "fine") * 3
    tolerances = [0.3, 0.02, 0.3] + [float(rng.choice([0.05, 0.1, 0.2])) for _ in range(6)]
    cases = [Case((*_curves(rng, kind_, tolerance), tolerance)) for kind_, tolerance in zip(kinds, tolerances,
                                                                                            strict=True)]
    return [*cases, Case((*_rebound(rng), 0.5))]


diagnose = Check(
    name="diagnose",
    params=("train_losses", "val_losses", "tolerance"),
    reference=ref.diagnose,
    public=(
        Case(([2.0, 1.99, 1.98, 1.98, 1.97], [2.1, 2.0, 2.0, 1.99, 1.99], 0.1)),
        Case(([2.0, 1.2, 0.8, 0.5, 0.3, 0.2], [2.2, 1.4, 1.1, 1.2, 1.4, 1.7], 0.1)),
        Case(([2.0, 1.2, 0.8, 0.5, 0.3, 0.2], [4.0, 2.6, 1.9, 1.6, 1.5, 1.45], 0.1)),
        Case(([3.0, 2.9, 2.95, 2.9, 2.92], [3.0, 3.1, 3.3, 3.6, 4.0], 0.1)),
        Case(([1.0, 0.6, 0.4, 0.3], [1.0, 0.7, 0.6, 0.62], 0.1)),
        Case(([1.0, 0.6, 0.4, 0.3], [1.0, 0.7, 0.6, 0.62], 0.02)),
        Case(([1.0, 0.94, 0.92, 0.91], [1.1, 1.0, 0.98, 0.97], 0.05)),
        Case(([1.0, 0.6, 0.45, 0.55], [1.2, 0.8, 0.7, 0.72], 0.5)),  # the lowest, not the last, training loss
    ),
    hidden=_diagnose_cases,
    coerce=_as_diagnosis,
    compare=_compare_diagnoses,
    returns=_a_diagnosis,
    what="function returning 'underfitting', 'overfitting' or 'fine'",
    mistakes=(
        Mistake("a validation loss above the training loss at the last epoch is not overfitting by itself: "
                "the validation loss is usually higher. Rule 2 is about the validation loss turning back "
                "*up*: compare its last value with its lowest, min(val_losses).",
                _wrong_diagnose("final gap")),
        Mistake("check rule 1 first: when the training loss does not decrease, the model cannot fit even its "
                "training data, and that is the diagnosis, whatever the validation loss does.",
                _wrong_diagnose("rules swapped")),
        Mistake("comparing the last validation loss with the *first* misses a curve that fell a long way "
                "and then turned back up: compare it with the lowest, min(val_losses).",
                _wrong_diagnose("against start")),
        Mistake("use the `tolerance` the function is given (0.1 is only its default).",
                _wrong_diagnose("fixed tolerance")),
        Mistake("rule 1 looks at the *lowest* training loss, min(train_losses), not the last: a training "
                "loss that went well down and then rose a little did decrease.",
                _wrong_diagnose("last train")),
    ),
)


CHECKS = {check.name: check for check in (split, train_and_validate, l2_penalty, early_stopping, diagnose)}
"""Every lesson-06 check by exercise name."""

ANSWER_KEY = {f"course_lib.overfitting.{name}": name for name in CHECKS}
"""The course's answers to this lesson's exercises, switched off while it is graded. (The lesson's
experiments, ``run_experiment`` and the rest, call ``train_and_validate`` and ``l2_penalty`` and so
run the student's own while the lesson is graded.)"""

MISTAKE_FACTORIES = tuple(f"course_lib.checks.overfitting.{name}" for name in (
    "_wrong_split", "_wrong_validate", "_wrong_penalty", "_wrong_stopping", "_wrong_diagnose"))
"""Helpers that make a correct answer when given the right arguments; off in the sandbox too."""

__all__ = ["CHECKS", "Curve", "Net", "Run", "Seeded", "diagnose", "early_stopping", "l2_penalty", "split",
           "train_and_validate"]
