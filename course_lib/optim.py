"""Lesson 05 — PyTorch's autograd and ``torch.optim``: lesson 03's training loop, handed to torch.

The model and the loss stay those of lesson 03 (:mod:`course_lib.linear`): ``t_p = w · t_u + b``
and the mean squared error. What changes is who does the work. Autograd computes ``∇L`` (a
tensor made with ``requires_grad=True`` records the operations applied to it, and
``loss.backward()`` runs the chain rule back through them, *adding* the result to ``params.grad``,
hence the ``zero_grad()`` before every ``backward()``); an optimizer owns the parameters and
applies the update rule (``optimizer.step()``). With ``g = ∇L`` at step ``t`` (counted from 1)
and learning rate ``lr``:

- **SGD**: ``p ← p − lr · g``. Lesson 03's update, written by ``torch.optim.SGD``.
- **SGD with momentum** μ (here 0.9), in PyTorch's form: ``v ← μ · v + g`` (``v = g`` at the
  first step), ``p ← p − lr · v``. The velocity ``v`` sums past gradients: steps along a
  direction in which the gradient keeps its sign grow up to ``1 / (1 − μ) = 10`` times, and
  steps that zig-zag across a valley partly cancel.
- **Adam** (Kingma & Ba, 2015, "Adam: a method for stochastic optimization"), with β₁ = 0.9,
  β₂ = 0.999, ε = 1e-8::

      m ← β₁ · m + (1 − β₁) · g          m̂ = m / (1 − β₁ᵗ)      (mean of recent gradients)
      v ← β₂ · v + (1 − β₂) · g²         v̂ = v / (1 − β₂ᵗ)      (mean of recent squares)
      p ← p − lr · m̂ / (√v̂ + ε)

  element by element, so every parameter gets its own step size ``lr / (√v̂ + ε)``.

**Why Adam copes with badly scaled inputs.** The step of each parameter is ``≈ lr · m̂ / √v̂``.
While a gradient keeps its sign and size, ``m̂ ≈ g`` and ``√v̂ ≈ |g|``, so the parameter moves by
about ``lr`` per step *whatever the size of its gradient*; the very first step is exactly
``lr · g / (|g| + ε)``, i.e. ``lr`` against the sign of the gradient. On the raw readings ``t_u``
lesson 03 measured ``∂L/∂w`` about 54.7 times ``∂L/∂b`` at ``[1, 0]``
(:func:`course_lib.linear.gradient_ratio`): one learning rate for plain SGD is then too large for
``w`` or too small for ``b``, while Adam moves both by about ``lr``. At ``lr = 0.1`` it reaches
the least-squares line from ``[1, 0]`` on the *unscaled* ``t_u`` in 2000 epochs, where plain SGD
diverges at any learning rate above about 3.4e-4 (2 over the steepest curvature of the loss) and
crawls below it.

Adam only rescales the *axes*, though. The loss is a bowl whose valley runs diagonally here
(``w`` and ``b`` trade off, because the readings average about 52, far from 0): the ratio of its
steepest to its flattest curvature is about 33 600 on the raw readings and 357 on
``0.1 · t_u``, and a per-parameter scaling at best brings it down to about 44, not to 1 (which
centring the input would do). So Adam still needs many steps along the valley.

The training loops follow *Deep Learning with PyTorch* (Stevens, Antiga, Viehmann), ch. 5 "The
mechanics of learning": each epoch is forward, loss, ``optimizer.zero_grad()``,
``loss.backward()``, ``optimizer.step()``. The last part of the module fits a linear layer
(``nn.Linear`` and ``nn.MSELoss``, as in the stochastic-gradient-descent example of that
chapter's notes) on a synthetic problem with known weights, by stochastic (one random sample per
step), mini-batch and full-batch gradient descent.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import torch
from torch import nn

from .data import temperature
from .linear import loss_fn, model

__all__ = ["CALLS", "INPUT_SCALE", "MOMENTUM", "OPTIMIZERS", "Fit", "Regression", "batch_indices",
           "compare_batch_sizes", "descent_path", "fit_linear", "grad_after", "inputs", "make_optimizer",
           "make_regression", "manual_training_loop", "path_losses", "train_minibatches", "training_loop",
           "updated"]

OPTIMIZERS: tuple[str, ...] = ("SGD", "SGD with momentum", "Adam")
"""The optimizers :func:`make_optimizer` builds, by name."""

MOMENTUM = 0.9
"""μ of "SGD with momentum"."""

INPUT_SCALE = 0.1
"""The rescaled input of lesson 03: ``t_un = INPUT_SCALE · t_u``."""


def make_optimizer(name: str, params: torch.Tensor | Iterable[torch.Tensor],
                   learning_rate: float) -> torch.optim.Optimizer:
    """``torch.optim.SGD`` (``"SGD"``), ``SGD(momentum=0.9)`` (``"SGD with momentum"``) or
    ``torch.optim.Adam`` (``"Adam"``, default betas (0.9, 0.999) and ε = 1e-8) over ``params``."""
    group = [params] if isinstance(params, torch.Tensor) else list(params)
    if name == "SGD":
        return torch.optim.SGD(group, lr=learning_rate)
    if name == "SGD with momentum":
        return torch.optim.SGD(group, lr=learning_rate, momentum=MOMENTUM)
    if name == "Adam":
        return torch.optim.Adam(group, lr=learning_rate)
    raise ValueError(f"unknown optimizer {name!r}; choose one of {OPTIMIZERS}")


def inputs(t_u: torch.Tensor, scaled: bool) -> torch.Tensor:
    """What the model sees: the raw readings ``t_u``, or ``t_un = 0.1 · t_u`` if ``scaled``."""
    return INPUT_SCALE * t_u if scaled else t_u


def _owns(optimizer: torch.optim.Optimizer, params: torch.Tensor) -> bool:
    return any(p is params for group in optimizer.param_groups for p in group["params"])


def _report_divergence(epoch: int, loss: float, print_every: int) -> None:
    if print_every:
        print(f"Epoch {epoch}, Loss {loss}: the loss is not finite, so training diverged; stopping. "
              "Try a smaller learning rate or rescaled inputs.")


def training_loop(n_epochs: int, optimizer: torch.optim.Optimizer, params: torch.Tensor, t_u: torch.Tensor,
                  t_c: torch.Tensor, print_every: int = 500, *,
                  history: list[float] | None = None) -> torch.Tensor:
    """Train ``params = [w, b]`` with ``optimizer`` for ``n_epochs``; return ``params``.

    ``optimizer`` must have been built over ``[params]``, a leaf tensor with ``requires_grad=True``:
    it updates that tensor in place, and the same tensor is returned. Epoch ``e`` (counted from 1)
    computes ``L = loss_fn(model(t_u, w, b), t_c)``, then ``optimizer.zero_grad()``,
    ``L.backward()`` (autograd fills ``params.grad`` with ``∇L``) and ``optimizer.step()``.

    As in lesson 03's :func:`course_lib.linear.training_loop`: every ``print_every`` epochs it
    prints ``Epoch e, Loss …`` (the loss *before* that epoch's step); ``print_every=0`` prints
    nothing at all; if ``history`` is a list, the loss of every epoch is appended to it; and as
    soon as a loss is not finite it says so and stops without stepping.
    """
    if not _owns(optimizer, params):
        raise ValueError("the optimizer does not hold `params`: build it over [params]")

    def update(loss: torch.Tensor) -> None:
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    return _epochs(n_epochs, params, t_u, t_c, update, print_every, history)


def manual_training_loop(n_epochs: int, learning_rate: float, params: torch.Tensor, t_u: torch.Tensor,
                         t_c: torch.Tensor, print_every: int = 500, *,
                         history: list[float] | None = None) -> torch.Tensor:
    """Gradient descent with autograd but no optimizer: what ``torch.optim.SGD`` does, by hand.

    ``params`` is a leaf tensor with ``requires_grad=True``, updated in place and returned. Each
    epoch: the loss; ``params.grad.zero_()`` (``backward`` *adds* to ``.grad``, so the gradient of
    the previous epoch must go); ``loss.backward()``; then, under ``torch.no_grad()`` so that the
    update is not itself recorded in the graph, ``params -= learning_rate · params.grad``. (The
    book instead makes a new tensor each epoch, ``(params − lr · params.grad).detach()
    .requires_grad_()``; updating in place keeps the tensor an optimizer would hold.) Printing,
    ``history`` and stopping at a loss that is not finite are those of :func:`training_loop`.
    """
    def update(loss: torch.Tensor) -> None:
        if params.grad is not None:
            params.grad.zero_()
        loss.backward()
        with torch.no_grad():
            params.sub_(learning_rate * params.grad)  # in place: the same tensor stays the leaf

    return _epochs(n_epochs, params, t_u, t_c, update, print_every, history)


def _epochs(n_epochs: int, params: torch.Tensor, t_u: torch.Tensor, t_c: torch.Tensor,
            update: Callable[[torch.Tensor], None], print_every: int,
            history: list[float] | None) -> torch.Tensor:
    """The loop both training loops share: each epoch the loss ``L`` of ``params``, recorded in
    ``history``; a stop (said when printing) at a loss that is not finite; else ``update(L)``, and
    ``Epoch e, Loss …`` every ``print_every`` epochs."""
    for epoch in range(1, n_epochs + 1):
        loss = loss_fn(model(t_u, *params), t_c)
        value = loss.item()
        if history is not None:
            history.append(value)
        if not math.isfinite(value):
            _report_divergence(epoch, value, print_every)
            break
        update(loss)
        if print_every and epoch % print_every == 0:
            print(f"Epoch {epoch}, Loss {value:f}")
    return params


CALLS: tuple[str, ...] = ("backward", "grad.zero_", "zero_grad", "step")
"""The calls :func:`grad_after` follows: ``loss.backward()``, ``params.grad.zero_()``,
``optimizer.zero_grad()`` and ``optimizer.step()``."""


def grad_after(calls: Sequence[str], g: torch.Tensor) -> torch.Tensor | None:
    """What ``params.grad`` holds after ``calls`` (names of :data:`CALLS`), starting from a new leaf.

    Every ``backward`` computes the same gradient ``g`` (the loss is recomputed at the same
    ``params``) and *adds* it to ``.grad``, which starts as ``None``; ``grad.zero_`` fills ``.grad``
    with zeros in place (there must be one); ``zero_grad`` sets it back to ``None`` (PyTorch's
    default, ``set_to_none=True``, since 2.0); ``step`` reads ``.grad`` and leaves it alone (it is
    called here with a learning rate of 0, so ``params`` and hence ``g`` do not change). So the
    answer is ``None`` or ``k · g``, ``k`` counting the ``backward`` calls since the last
    ``zero_grad``, or since the last ``grad.zero_``.
    """
    grad: torch.Tensor | None = None
    for call in calls:
        if call == "backward":
            grad = g.clone() if grad is None else grad + g
        elif call == "grad.zero_":
            if grad is None:
                raise AttributeError("'NoneType' object has no attribute 'zero_'")
            grad = torch.zeros_like(grad)
        elif call == "zero_grad":
            grad = None
        elif call != "step":
            raise ValueError(f"unknown call {call!r}; the calls are {CALLS}")
    return grad


def updated(params: torch.Tensor, learning_rate: float) -> torch.Tensor:
    """One step of gradient descent, as a new leaf: ``(params − lr · params.grad).detach()
    .requires_grad_()``. The subtraction is recorded by autograd (``params`` requires grad), so
    ``.detach()`` cuts the new tensor from that graph, and ``.requires_grad_()`` makes autograd
    track it again: the next epoch's graph then starts at this tensor, and ``backward`` fills its
    ``.grad``. The seeds' line ``params * lr * params.grad`` multiplies where it must subtract."""
    return (params - learning_rate * params.grad).detach().requires_grad_()


def train_minibatches(layer: nn.Module, optimizer: torch.optim.Optimizer, X: torch.Tensor, y: torch.Tensor,
                      batches: Iterable[torch.Tensor]) -> list[float]:
    """One optimizer step per batch of sample indices; the loss of each batch, before its step.

    For each ``batch``: ``loss = nn.MSELoss()(layer(X[batch]), y[batch])`` (the *mean* squared
    error of that batch), ``optimizer.zero_grad()``, ``loss.backward()``, ``optimizer.step()``.
    ``optimizer`` holds ``layer.parameters()``. A batch of one index is stochastic gradient descent,
    every index full-batch gradient descent.
    """
    mse = nn.MSELoss()
    losses = []
    for batch in batches:
        loss = mse(layer(X[batch]), y[batch])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def descent_path(optimizer: str, learning_rate: float, n_steps: int, scaled: bool,
                 start: Sequence[float] = (1.0, 0.0)) -> torch.Tensor:
    """The parameters ``[w, b]`` visited by ``n_steps`` of :func:`training_loop` on the thermometer data.

    ``optimizer`` is a name of :data:`OPTIMIZERS`; the input is the raw ``t_u`` or, if ``scaled``,
    ``0.1 · t_u``; training starts at ``start`` (float32). Row ``k`` of the result is ``[w, b]``
    after ``k`` steps, so a finished run has shape ``(n_steps + 1, 2)``. If the loss at a point
    is not finite the run stops there, as the loop does, and the path ends with that point: then
    it has fewer rows and the loss of its last row (:func:`path_losses`) is ``inf`` or ``nan``.
    """
    t_c, t_u = temperature()
    x = inputs(t_u, scaled)
    params = torch.tensor(start, dtype=torch.float32, requires_grad=True)
    chosen = make_optimizer(optimizer, params, learning_rate)
    visited = [params.detach().clone()]
    losses: list[float] = []
    for _ in range(n_steps):
        training_loop(1, chosen, params, x, t_c, print_every=0, history=losses)
        if not math.isfinite(losses[-1]):
            break
        visited.append(params.detach().clone())
    return torch.stack(visited)


def path_losses(path: torch.Tensor, scaled: bool) -> torch.Tensor:
    """The loss at every row ``[w, b]`` of ``path``, computed as the loop computes it (float32)."""
    t_c, t_u = temperature()
    x = inputs(t_u, scaled)
    return torch.stack([loss_fn(model(x, w, b), t_c) for w, b in path.to(torch.float32)])


# --- stochastic, mini-batch and full-batch gradient descent on a synthetic problem ------------------


@dataclass(frozen=True)
class Regression:
    """A synthetic linear-regression problem: ``y = X · true_w + true_b + noise · ε``, ε ~ N(0, 1).

    ``X`` has shape ``(n_samples, n_features)`` and ``y`` shape ``(n_samples, 1)``, as
    ``nn.Linear(n_features, 1)`` outputs. Fitted exactly, the mean squared error is about ``noise²``.
    """

    X: torch.Tensor
    y: torch.Tensor
    true_w: torch.Tensor
    true_b: float
    noise: float


def make_regression(generator: torch.Generator, n_samples: int = 200,
                    true_w: Sequence[float] = (2.0, -3.0), true_b: float = 1.0,
                    noise: float = 0.1) -> Regression:
    """A :class:`Regression` with inputs ``X ~ N(0, 1)``, drawn from ``generator`` only (float32)."""
    weights = torch.tensor(true_w, dtype=torch.float32)
    X = torch.randn(n_samples, len(weights), generator=generator)
    y = X @ weights + true_b + noise * torch.randn(n_samples, generator=generator)
    return Regression(X, y.unsqueeze(1), weights, float(true_b), float(noise))


def batch_indices(n_samples: int, batch_size: int | None, generator: torch.Generator) -> torch.Tensor:
    """The samples one step uses: ``batch_size`` distinct random indices drawn from ``generator``.

    ``batch_size=1`` is one random sample (stochastic gradient descent); ``None`` or at least
    ``n_samples`` is every sample in order (full batch, which draws nothing from ``generator``).
    """
    if batch_size is None or batch_size >= n_samples:
        return torch.arange(n_samples)
    return torch.randperm(n_samples, generator=generator)[:batch_size]


@dataclass(frozen=True)
class Fit:
    """The result of :func:`fit_linear`.

    ``losses[k]`` is the mean squared error on *all* samples after ``k`` steps (``n_steps + 1``
    values, from the starting weights on); ``batch_losses[k]`` is the loss of the batch that step
    ``k + 1`` descended; ``weight`` (shape ``(n_features,)``) and ``bias`` are the learned ones;
    ``batch_size`` is the number of samples per step.
    """

    losses: list[float]
    batch_losses: list[float]
    weight: torch.Tensor
    bias: float
    batch_size: int


def _zero_linear(n_features: int) -> nn.Linear:
    """``nn.Linear(n_features, 1)`` starting at weight 0 and bias 0 (built without drawing from the
    global random generator, which its default initialisation would use)."""
    layer = nn.utils.skip_init(nn.Linear, n_features, 1)
    nn.init.zeros_(layer.weight)
    nn.init.zeros_(layer.bias)
    return layer


def fit_linear(problem: Regression, batch_size: int | None, n_steps: int, learning_rate: float,
               generator: torch.Generator, optimizer: str = "SGD") -> Fit:
    """Fit ``nn.Linear`` to ``problem`` with ``nn.MSELoss``, ``batch_size`` samples per step.

    Every step draws a batch with :func:`batch_indices` (``1``: stochastic; ``None``: full batch),
    then ``zero_grad``, ``backward`` and ``step`` of ``optimizer`` (a name of :data:`OPTIMIZERS`).
    The layer starts at weight 0 and bias 0, so runs differ only by their batches; all randomness
    comes from ``generator``, so the same seed gives the same fit.
    """
    X, y = problem.X, problem.y
    layer, mse = _zero_linear(X.shape[1]), nn.MSELoss()
    chosen = make_optimizer(optimizer, layer.parameters(), learning_rate)
    with torch.no_grad():
        losses = [mse(layer(X), y).item()]
    batch_losses: list[float] = []
    for _ in range(n_steps):
        batch = batch_indices(len(X), batch_size, generator)
        loss = mse(layer(X[batch]), y[batch])
        chosen.zero_grad()
        loss.backward()
        chosen.step()
        batch_losses.append(loss.item())
        with torch.no_grad():
            losses.append(mse(layer(X), y).item())
    size = len(X) if batch_size is None else min(batch_size, len(X))
    return Fit(losses, batch_losses, layer.weight.detach().reshape(-1).clone(), layer.bias.item(), size)


def compare_batch_sizes(problem: Regression, n_steps: int, learning_rate: float, generator: torch.Generator,
                        batch_size: int = 16) -> dict[str, Fit]:
    """:func:`fit_linear` three times with the same learning rate and number of steps: stochastic
    (1 sample per step), mini-batch (``batch_size``) and full batch (every sample), in that order,
    drawing from ``generator`` one after the other. Keys are the labels of the figures."""
    n = len(problem.X)
    sizes = {"stochastic (1 sample per step)": 1, f"mini-batch ({batch_size} samples per step)": batch_size,
             f"full batch ({n} samples per step)": None}
    return {label: fit_linear(problem, size, n_steps, learning_rate, generator)
            for label, size in sizes.items()}
