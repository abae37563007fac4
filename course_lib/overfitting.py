"""Lesson 06 — training, validation and overfitting: a model that fits its training data is not yet
a model that works.

**Validation.** :func:`split` shuffles the sample indices with ``torch.randperm`` and keeps the
last ``n_val = int(val_fraction · n_samples)`` of the permutation for validation. The model is
trained on the rest only; the validation samples measure how it does on data it never learned
from. :func:`train_and_validate` tracks both mean squared errors, but calls ``backward()`` on
the *training* loss only, and computes the validation loss under ``torch.no_grad()``: nobody
will call ``backward()`` on it, so recording its graph would only cost time and memory.

**The two rules** (:func:`diagnose`):

1. The training loss does not decrease → the model is too simple for the data, or the inputs
   carry no information about the output (*underfitting*).
2. The training loss keeps decreasing while the validation loss turns back up → the model
   learns the training samples' noise instead of the law behind them (*overfitting*).

**Remedies for overfitting**, each one a way to make the model behave more regularly *between*
the training samples: more data; a penalty on large weights in the loss,
``L = MSE + λ · Σ w²`` (:func:`l2_penalty`, the weights of every layer, biases excluded, since a
bias only shifts the output and cannot make it wiggle); noisy copies of the training inputs
(:func:`with_input_noise`, new points between the samples); a smaller model; stopping the
training when the validation loss stops improving (:func:`early_stopping`).

The synthetic data of the lesson (:func:`curve_data`) follow a known law, :func:`true_curve`,
``cos(πx)`` on ``[−1, 1]``, plus Gaussian noise, so a fitted curve can be compared with the truth.
The law is even and averages 0 there, so the best straight line through many samples is nearly
flat at 0: a line learns next to nothing from them (rule 1, a model too simple). Every model of
:func:`make_model` starts with its output layer at zero, predicting 0 everywhere, so every run
starts from the same loss, the mean of ``y²``.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import torch
from torch import nn

__all__ = ["DIAGNOSES", "TRUTH", "CurveData", "Experiment", "Trained", "curve_data", "diagnose",
           "early_stopping", "l2_penalty", "lesson_data", "make_model", "one_thread", "run_experiment",
           "split", "train_and_validate", "true_curve", "with_input_noise"]

Data = tuple[torch.Tensor, torch.Tensor]
"""``(inputs, targets)``: a model's inputs and the outputs it should give for them."""

DIAGNOSES = ("underfitting", "overfitting", "fine")
"""What :func:`diagnose` can answer."""


def split(n_samples: int, val_fraction: float,
          generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """``(train_indices, val_indices)``: a random partition of ``range(n_samples)``.

    ``perm = torch.randperm(n_samples, generator=generator)``; the validation indices are its last
    ``n_val = int(val_fraction · n_samples)`` entries, the training indices the ones before them
    (both ``torch.long``, in the permutation's order). Every sample lands in exactly one of the
    two, and the same ``generator`` state gives the same split.

    (``perm[:-n_val]`` would give *no* training sample when ``n_val`` is 0: ``-0`` is ``0``.)
    """
    n_val = int(val_fraction * n_samples)
    perm = torch.randperm(n_samples, generator=generator)
    n_train = n_samples - n_val
    return perm[:n_train], perm[n_train:]


def train_and_validate(n_epochs: int, optimizer: torch.optim.Optimizer,
                       model: Callable[[torch.Tensor], torch.Tensor],
                       loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor], train: Data, val: Data,
                       penalty: Callable[[], torch.Tensor] | None = None) -> tuple[list[float], list[float]]:
    """Train ``model`` on ``train`` for ``n_epochs``, measuring it on ``val``; return both losses.

    Each epoch: ``L_train = loss_fn(model(x_train), y_train)``; under ``torch.no_grad()``,
    ``L_val = loss_fn(model(x_val), y_val)``; then ``optimizer.zero_grad()``,
    ``backward()`` of the training objective ``L_train (+ penalty())`` and ``optimizer.step()``.
    Returns ``(train_losses, val_losses)``, one Python float per epoch each: both measured at the
    parameters the epoch starts with, and both *without* the penalty (the penalty is part of
    what the optimizer minimises, not of how well the model fits).
    """
    (x_train, y_train), (x_val, y_val) = train, val
    train_losses: list[float] = []
    val_losses: list[float] = []
    for _ in range(n_epochs):
        train_loss = loss_fn(model(x_train), y_train)
        with torch.no_grad():
            val_loss = loss_fn(model(x_val), y_val)
        objective = train_loss if penalty is None else train_loss + penalty()
        optimizer.zero_grad()
        objective.backward()
        optimizer.step()
        train_losses.append(train_loss.item())
        val_losses.append(val_loss.item())
    return train_losses, val_losses


def l2_penalty(model: nn.Module, lam: float) -> torch.Tensor:
    """``λ · Σ w²`` over every entry of every *weight* of ``model`` (parameters whose name ends in
    ``weight``), biases excluded; a tensor autograd tracks, so its gradient is ``2 · λ · w`` for
    each weight and 0 for each bias."""
    weights = [p for name, p in model.named_parameters() if name.endswith("weight")]
    return lam * sum((w ** 2).sum() for w in weights)


def early_stopping(model: nn.Module, train_epoch: Callable[[], object], val_loss: Callable[[], float],
                   max_epochs: int, patience: int) -> int:
    """Train epoch by epoch while the validation loss improves; leave ``model`` at its best epoch.

    Epochs count from 1: after ``train_epoch()`` number ``e``, ``val_loss()`` is the validation
    loss of epoch ``e``. An epoch *improves* if its loss is strictly below every earlier one.
    Training stops after ``patience`` epochs in a row without improvement (``patience ≥ 1``), or
    after ``max_epochs``. The parameters of the best epoch (the first with the lowest loss) are
    copied when it happens (``copy.deepcopy(model.state_dict())``: ``state_dict()`` alone holds
    the live tensors, which the next epochs change) and loaded back at the end. Returns the best
    epoch.
    """
    best_epoch, best_loss, best_state, waited = 0, math.inf, copy.deepcopy(model.state_dict()), 0
    for epoch in range(1, max_epochs + 1):
        train_epoch()
        loss = val_loss()
        if loss < best_loss:
            best_epoch, best_loss, best_state, waited = epoch, loss, copy.deepcopy(model.state_dict()), 0
        else:
            waited += 1
            if waited >= patience:
                break
    model.load_state_dict(best_state)
    return best_epoch


def diagnose(train_losses: Sequence[float], val_losses: Sequence[float], tolerance: float = 0.1) -> str:
    """Which rule a pair of loss curves (one value per epoch, same length) shows, checked in order:

    1. ``"underfitting"`` if the training loss never gets ``tolerance`` below where it started:
       ``min(train) > (1 − tolerance) · train[0]``;
    2. ``"overfitting"`` if the validation loss ends more than ``tolerance`` above its lowest value:
       ``val[-1] > (1 + tolerance) · min(val)``;
    3. ``"fine"`` otherwise.

    Rule 1 comes first: while a model cannot fit its training data, how it does on other data
    says nothing about overfitting.
    """
    if min(train_losses) > (1 - tolerance) * train_losses[0]:
        return "underfitting"
    if val_losses[-1] > (1 + tolerance) * min(val_losses):
        return "overfitting"
    return "fine"


# --- the lesson's data and experiments ------------------------------------------------------------


TRUTH = "cos(πx)"
""":func:`true_curve`, as the figures write it."""


def true_curve(x: torch.Tensor) -> torch.Tensor:
    """The law behind :func:`curve_data`: ``cos(πx)``."""
    return torch.cos(math.pi * x)


@dataclass(frozen=True)
class CurveData:
    """``n`` samples ``y = true_curve(x) + noise · ε`` with ``x`` uniform in [−1, 1] and
    ``ε ~ N(0, 1)``, as columns (shape ``(n, 1)``, what ``nn.Linear(1, …)`` takes)."""

    x: torch.Tensor
    y: torch.Tensor
    noise: float


def curve_data(n_samples: int, noise: float, generator: torch.Generator) -> CurveData:
    """:class:`CurveData` drawn from ``generator`` only (float32)."""
    x = 2 * torch.rand(n_samples, 1, generator=generator) - 1
    y = true_curve(x) + noise * torch.randn(n_samples, 1, generator=generator)
    return CurveData(x, y, noise)


def lesson_data(seed: int = 0, n_samples: int = 200, noise: float = 0.3,
                val_fraction: float = 0.2) -> tuple[Data, Data]:
    """The lesson's ``(train, val)``: :func:`curve_data`, then the split :func:`split` makes, both
    drawn from one generator seeded with ``seed``. The training samples come in random order, so
    the first ``n`` of them are a random sample of ``n``; the validation samples stay the same
    whatever ``n``."""
    generator = torch.Generator().manual_seed(seed)
    data = curve_data(n_samples, noise, generator)
    # split's permutation, drawn here rather than by calling split: while the lesson is graded,
    # split is the student's own (see course_lib.checks.answer_key), and the data must not hang on it
    perm = torch.randperm(n_samples, generator=generator)
    n_train = n_samples - int(val_fraction * n_samples)
    train, val = perm[:n_train], perm[n_train:]
    return (data.x[train], data.y[train]), (data.x[val], data.y[val])


def make_model(hidden: int, seed: int = 0) -> nn.Module:
    """``nn.Linear(1, 1)`` if ``hidden`` is 0, else ``nn.Sequential(nn.Linear(1, hidden), nn.Tanh(),
    nn.Linear(hidden, 1))``: ``3 · hidden + 1`` parameters.

    The output layer starts at zero (weight and bias), so the model first predicts 0 everywhere;
    the hidden layer's weights are PyTorch's usual random ones, drawn with the global generator
    seeded by ``seed`` inside ``torch.random.fork_rng()``: the same ``seed`` gives the same model,
    and the caller's random state is left as it was. (A zero output layer still learns: the
    gradient of its weights is the hidden units' outputs times the error, which is not zero.)
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = nn.Linear(1, 1) if hidden == 0 else nn.Sequential(nn.Linear(1, hidden), nn.Tanh(),
                                                                  nn.Linear(hidden, 1))
    output = model if hidden == 0 else model[-1]
    nn.init.zeros_(output.weight)
    nn.init.zeros_(output.bias)
    return model


def with_input_noise(train: Data, copies: int, sigma: float, generator: torch.Generator) -> Data:
    """The training samples plus ``copies`` noisy copies of each: inputs moved by ``sigma · ε``,
    ``ε ~ N(0, 1)``, targets kept. New points between the samples, with the outputs of their
    neighbours, make a curve that wiggles between the samples cost more."""
    x, y = train
    shifted = x.repeat(copies, 1) + sigma * torch.randn(copies * len(x), *x.shape[1:], generator=generator)
    return torch.cat([x, shifted]), torch.cat([y, y.repeat(copies, 1)])


@dataclass(frozen=True)
class Experiment:
    """One training run of the lesson: a model of ``hidden`` units (0: a line) fitted with Adam to
    the first ``n_train`` training samples, with an L2 ``penalty`` λ and ``noise_copies`` noisy
    copies of each input (``input_noise`` σ), for ``n_epochs``."""

    hidden: int = 32
    n_train: int = 10
    penalty: float = 0.0
    input_noise: float = 0.0
    noise_copies: int = 10
    n_epochs: int = 400
    learning_rate: float = 3e-2
    seed: int = 0


@dataclass
class Trained:
    """What :func:`run_experiment` gives back: the trained model and both loss curves."""

    model: nn.Module
    train_losses: list[float] = field(default_factory=list)
    val_losses: list[float] = field(default_factory=list)
    train: Data | None = None


@contextmanager
def one_thread() -> Iterator[None]:
    """Run torch on one thread inside the block, then restore the number it had. The lesson's
    tensors are far too small to gain from threads, and on a busy machine waiting for them costs
    several times the work."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def run_experiment(experiment: Experiment, train: Data, val: Data) -> Trained:
    """Train a fresh :func:`make_model` as ``experiment`` says, with :func:`train_and_validate`
    (losses without the penalty; with input noise, the training loss is that of the samples *and*
    their noisy copies, the data the model is fitted to), on one thread (:func:`one_thread`)."""
    with one_thread():
        return _run(experiment, train, val)


def _run(experiment: Experiment, train: Data, val: Data) -> Trained:
    model = make_model(experiment.hidden, experiment.seed)
    x, y = train[0][:experiment.n_train], train[1][:experiment.n_train]
    fitted: Data = (x, y)
    if experiment.input_noise > 0:
        generator = torch.Generator().manual_seed(experiment.seed)
        fitted = with_input_noise((x, y), experiment.noise_copies, experiment.input_noise, generator)
    penalty = (lambda: l2_penalty(model, experiment.penalty)) if experiment.penalty > 0 else None
    optimizer = torch.optim.Adam(model.parameters(), lr=experiment.learning_rate)
    train_losses, val_losses = train_and_validate(experiment.n_epochs, optimizer, model, nn.MSELoss(), fitted,
                                                  val, penalty)
    return Trained(model, train_losses, val_losses, (x, y))
