"""Lesson 04 — a scalar autograd engine: every number remembers where it came from.

A :class:`Value` holds a number ``data`` and, after :meth:`Value.backward`, the derivative of the
output with respect to it, ``grad``. Every operation creates a new node and stores, next to its
forward rule, its inputs and the *local derivative* of its result with respect to each input::

    out = a · b        out._parents = (a, b)        out._local_grads = (∂out/∂a, ∂out/∂b) = (b, a)

Backpropagation is then the chain rule, applied node by node from the output back to the
leaves (each node after every node that uses it — the reverse of a topological order)::

    parent.grad += ∂out/∂parent · out.grad

It is ``+=``, not ``=``: a node used twice (``b = a + a``) receives a contribution from each use,
and ``∂output/∂node`` is their sum.

**Representation.** A node stores its parents and their local derivatives as two plain tuples
(in ``__slots__``); there are no closures. micrograd stores a closure ``_backward`` on each node
that refers back to the node: a reference cycle and half a dozen small objects (closure, cells,
set, ``__dict__``) per operation, which Python's cyclic garbage collector — run after every few
hundred new objects — rescans again and again while the graph grows: most of micrograd's run
time. Here the numbers stored with the node make the chain rule explicit, and the collector has
far less to scan (it even stops tracking a tuple that holds only floats); see
``benchmarks/autograd_vs_micrograd.py``.

**A second ``backward()``.** Like PyTorch, gradients of *leaves* (nodes made by ``Value(x)``, e.g.
a network's parameters) accumulate over calls: call ``zero_grad()`` (or set ``grad = 0``) between
training steps. Interior nodes are recomputed afresh by each call: their ``grad`` is the
derivative of the output of the *latest* ``backward()`` that reached them. So two calls leave
every leaf with exactly twice the gradient of one call. (micrograd instead resets only the
output's ``grad`` and lets interior nodes pile up, so a second call over-counts every path
longer than one edge.)

**Compatibility with micrograd** (``micrograd.engine.Value``, ``micrograd.nn``). micrograd code
runs unchanged and gives the same numbers: ``Value(data)``, ``.data``, ``.grad``, the operators
``+ - * / **`` (number exponent), unary ``-`` and the reflected forms, ``relu()``, ``backward()``
on a fresh graph, ``_prev`` (the set of a node's inputs) and ``_op`` (a short text naming the
operation) that graph-drawing code reads, ``_backward()`` (the chain-rule step at one node), and
``Neuron``/``Layer``/``MLP`` with ``parameters()``, ``zero_grad()``, ``w``, ``b``, ``nonlin``,
``neurons``, ``layers``. Not covered: the exact graph shape (here ``a - b``, ``a / b`` and ``-a``
are single nodes; micrograd builds them from ``+``, ``*`` and ``**-1``), creating nodes by passing
``_children`` to the constructor, micrograd's global-``random`` initialisation (ours is seeded),
and the second-``backward()`` behaviour described above. ``grad`` starts as ``0.0`` (micrograd:
``0``). Beyond micrograd: ``tanh()``, ``exp()``, ``log()``, ``sigmoid()`` and a ``label``.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from typing import Any

Number = int | float


class Value:
    """A scalar in a computation graph: ``data``, ``grad`` = ∂output/∂this, and its parents.

    ``_parents`` are the inputs of the operation that made this node and ``_local_grads[i]`` is
    ``∂self/∂_parents[i]``, evaluated at the forward values. Leaves (made by the user) have none.
    """

    __slots__ = ("data", "grad", "_parents", "_local_grads", "_op", "label")

    def __init__(self, data: Number, _parents: tuple[Value, ...] = (), _local_grads: tuple[float, ...] = (),
                 _op: str = "", label: str = "") -> None:
        self.data = data
        self.grad = 0.0
        self._parents = _parents
        self._local_grads = _local_grads
        self._op = _op
        self.label = label

    # --- arithmetic: each line pairs the forward rule with the local derivatives -------------

    def __add__(self, other: Value | Number) -> Value:
        other = other if isinstance(other, Value) else Value(other)
        # a + b;  ∂/∂a = 1,  ∂/∂b = 1
        return Value(self.data + other.data, (self, other), (1.0, 1.0), "+")

    def __mul__(self, other: Value | Number) -> Value:
        other = other if isinstance(other, Value) else Value(other)
        # a · b;  ∂/∂a = b,  ∂/∂b = a
        return Value(self.data * other.data, (self, other), (other.data, self.data), "*")

    def __sub__(self, other: Value | Number) -> Value:
        other = other if isinstance(other, Value) else Value(other)
        # a − b;  ∂/∂a = 1,  ∂/∂b = −1
        return Value(self.data - other.data, (self, other), (1.0, -1.0), "-")

    def __truediv__(self, other: Value | Number) -> Value:
        other = other if isinstance(other, Value) else Value(other)
        # a / b;  ∂/∂a = 1/b,  ∂/∂b = −a/b²
        return Value(self.data / other.data, (self, other),
                     (1.0 / other.data, -self.data / other.data**2), "/")

    def __pow__(self, n: Number) -> Value:
        if isinstance(n, Value):
            raise TypeError("only a number exponent is supported (x ** 2, x ** -0.5), not a Value")
        x = self.data
        # xⁿ;  ∂/∂x = n·xⁿ⁻¹ (at x = 0 with n < 1: 0 for n = 0, else inf, like PyTorch). Written out,
        # not pow_local_grad(x, n): that function is an exercise, switched off while lesson 04 is graded
        local_grad = (0.0 if n == 0 else math.inf) if x == 0 and n < 1 else n * x ** (n - 1)
        return Value(x**n, (self,), (local_grad,), f"**{n}")

    def __neg__(self) -> Value:
        # −a;  ∂/∂a = −1
        return Value(-self.data, (self,), (-1.0,), "neg")

    def __radd__(self, other: Number) -> Value:  # other + self
        return Value(other) + self

    def __rsub__(self, other: Number) -> Value:  # other − self
        return Value(other) - self

    def __rmul__(self, other: Number) -> Value:  # other · self
        return Value(other) * self

    def __rtruediv__(self, other: Number) -> Value:  # other / self
        return Value(other) / self

    # --- functions of one input ---------------------------------------------------------------

    def relu(self) -> Value:
        x = self.data
        # max(0, x);  ∂/∂x = 1 if x > 0 else 0
        return Value(x if x > 0 else 0.0, (self,), (1.0 if x > 0 else 0.0,), "ReLU")

    def tanh(self) -> Value:
        t = math.tanh(self.data)
        # tanh x;  ∂/∂x = 1 − tanh²x
        return Value(t, (self,), (1.0 - t * t,), "tanh")

    def exp(self) -> Value:
        e = math.exp(self.data)
        # eˣ;  ∂/∂x = eˣ
        return Value(e, (self,), (e,), "exp")

    def log(self) -> Value:
        # ln x;  ∂/∂x = 1/x
        return Value(math.log(self.data), (self,), (1.0 / self.data,), "log")

    def sigmoid(self) -> Value:
        s = _sigmoid(self.data)
        # σ(x) = 1/(1 + e⁻ˣ);  ∂/∂x = σ(x)·(1 − σ(x))
        return Value(s, (self,), (s * (1.0 - s),), "sigmoid")

    # --- backpropagation ----------------------------------------------------------------------

    def _backward(self) -> None:
        """The chain rule at this node: ``parent.grad += ∂self/∂parent · self.grad`` for each parent."""
        grad = self.grad
        for parent, local_grad in zip(self._parents, self._local_grads, strict=False):  # same length
            parent.grad += local_grad * grad

    def backward(self) -> None:
        """Fill ``grad`` of every node this one depends on with ``∂self/∂node``.

        Visits the nodes in reverse topological order, so each node has received the
        contributions of all its uses before it passes its gradient on. Leaves accumulate over
        calls (see the module docstring); interior nodes start again from 0.
        """
        order = topological_order(self)
        for node in order:
            if node._parents:
                node.grad = 0.0
        self.grad += 1.0  # ∂self/∂self
        for node in reversed(order):
            node._backward()

    @property
    def _prev(self) -> set[Value]:
        """The set of this node's inputs (micrograd's name, read by graph-drawing code)."""
        return set(self._parents)

    def __repr__(self) -> str:
        return f"Value(data={self.data}, grad={self.grad})"


def _sigmoid(x: float) -> float:
    """``1 / (1 + e⁻ˣ)``, computed without overflow for large ``|x|``."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def topological_order(root: Value) -> list[Value]:
    """Every node ``root`` depends on, each once, every node after all of its parents (``root`` last).

    Depth-first, with an explicit stack instead of recursion, so a chain of 100 000 operations
    works (a recursive version stops at Python's recursion limit, about 1 000). Each stack entry
    is a node and an iterator over its parents; a node is appended once the iterator is used up.
    """
    order: list[Value] = []
    visited = {root}
    stack = [(root, iter(root._parents))]
    while stack:
        node, parents = stack[-1]
        for parent in parents:
            if parent not in visited:
                visited.add(parent)
                stack.append((parent, iter(parent._parents)))
                break
        else:  # every parent is already in `order`
            stack.pop()
            order.append(node)
    return order


# --- the local derivatives, as plain functions (what the lesson's exercises ask for) ----------

def add_local_grads(a: float, b: float) -> tuple[float, float]:
    """``(∂(a+b)/∂a, ∂(a+b)/∂b) = (1, 1)``: a sum passes its gradient unchanged to both inputs."""
    return 1.0, 1.0


def mul_local_grads(a: float, b: float) -> tuple[float, float]:
    """``(∂(a·b)/∂a, ∂(a·b)/∂b) = (b, a)``: each input's slope is the *other* input."""
    return b, a


def pow_local_grad(x: float, n: float) -> float:
    """``∂xⁿ/∂x = n·xⁿ⁻¹`` (at ``x = 0``: 0 for n = 0 or n ≥ 1, ``inf`` for 0 < n < 1, like PyTorch)."""
    if x == 0 and n < 1:
        return 0.0 if n == 0 else math.inf
    return n * x ** (n - 1)


def relu_local_grad(x: float) -> float:
    """``∂max(0, x)/∂x = 1`` for ``x > 0``, else ``0`` (also at the kink ``x = 0``, like PyTorch)."""
    return 1.0 if x > 0 else 0.0


def tanh_local_grad(x: float) -> float:
    """``∂tanh(x)/∂x = 1 − tanh²(x)``: written with the *output* ``t = tanh(x)``, as ``1 − t²``."""
    t = math.tanh(x)
    return 1.0 - t * t


def backward(root: Value) -> None:
    """Backpropagation on a fresh graph (every ``grad`` still 0), written out: the lesson's exercise.

    Seeds ``∂root/∂root = 1``, then visits the nodes in reverse topological order and adds
    ``∂node/∂parent · node.grad`` into each parent's ``grad`` (the chain rule; ``+=`` because a
    parent used by several nodes collects a term from each). :meth:`Value.backward` does the
    same, and also handles repeated calls.
    """
    root.grad = 1.0
    for node in reversed(topological_order(root)):
        for parent, local_grad in zip(node._parents, node._local_grads, strict=True):
            parent.grad += local_grad * node.grad


# --- networks (the same shape and API as micrograd.nn, but seeded) ----------------------------

def _as_rng(rng: random.Random | int) -> random.Random:
    return rng if isinstance(rng, random.Random) else random.Random(rng)


class Module:
    """Something with parameters: ``parameters()`` lists them, ``zero_grad()`` sets their grads to 0."""

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad = 0.0

    def parameters(self) -> list[Value]:
        return []


class Neuron(Module):
    """``act = Σᵢ wᵢ·xᵢ + b``, then ``relu(act)`` if ``nonlin``; weights ~ U(−1, 1), bias 0.

    ``rng`` is a ``random.Random`` (shared by the neurons of a network) or a seed. The parameters
    are ``value_type(number)``: the course's :class:`Value` unless another engine with the same
    API is given (lesson 04 trains a network with the engine the student wrote).
    """

    def __init__(self, nin: int, nonlin: bool = True, rng: random.Random | int = 0,
                 value_type: Callable[[float], Any] = Value) -> None:
        rng = _as_rng(rng)
        self.w = [value_type(rng.uniform(-1, 1)) for _ in range(nin)]
        self.b = value_type(0.0)
        self.nonlin = nonlin

    def __call__(self, x: Sequence[Value | Number]) -> Value:
        act = sum((wi * xi for wi, xi in zip(self.w, x, strict=True)), self.b)
        return act.relu() if self.nonlin else act

    def parameters(self) -> list[Value]:
        return self.w + [self.b]

    def __repr__(self) -> str:
        return f"{'ReLU' if self.nonlin else 'Linear'}Neuron({len(self.w)})"


class Layer(Module):
    """``nout`` neurons reading the same inputs; returns a list, or one Value when ``nout == 1``."""

    def __init__(self, nin: int, nout: int, nonlin: bool = True, rng: random.Random | int = 0,
                 value_type: Callable[[float], Any] = Value) -> None:
        rng = _as_rng(rng)
        self.neurons = [Neuron(nin, nonlin, rng, value_type) for _ in range(nout)]

    def __call__(self, x: Sequence[Value | Number]) -> Value | list[Value]:
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def parameters(self) -> list[Value]:
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """Layers of sizes ``nin → nouts[0] → … → nouts[-1]``: ReLU everywhere except the last (linear).

    Deterministic: the weights are drawn from ``random.Random(rng)`` (or from ``rng`` itself).
    ``value_type`` makes the parameters (see :class:`Neuron`): the same seed gives the same
    numbers whatever the engine.
    """

    def __init__(self, nin: int, nouts: Sequence[int], rng: random.Random | int = 0,
                 value_type: Callable[[float], Any] = Value) -> None:
        rng = _as_rng(rng)
        sizes = [nin, *nouts]
        self.layers = [Layer(sizes[i], sizes[i + 1], nonlin=i != len(nouts) - 1, rng=rng,
                             value_type=value_type)
                       for i in range(len(nouts))]

    def __call__(self, x: Sequence[Value | Number]) -> Value | list[Value]:
        for layer in self.layers:
            x = layer(x)
        return x

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"


# --- training a tiny classifier ---------------------------------------------------------------

def hinge_loss(model: Module, X: Sequence[Sequence[float]], y: Sequence[int],
               alpha: float = 1e-4) -> tuple[Value, float]:
    """The mean hinge loss ``(1/N) Σᵢ max(0, 1 − yᵢ·scoreᵢ)`` plus ``alpha · Σ p²`` over the
    parameters, and the accuracy (the fraction of samples with ``sign(scoreᵢ) = yᵢ``).

    Labels are ``−1`` or ``+1``; ``scoreᵢ = model(Xᵢ)``.
    """
    scores = [model(list(map(float, xi))) for xi in X]
    losses = [(1 + -float(yi) * score).relu() for yi, score in zip(y, scores, strict=True)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = alpha * sum(p * p for p in model.parameters())
    accuracy = sum(bool(yi > 0) == (score.data > 0) for yi, score in zip(y, scores, strict=True)) / len(y)
    return data_loss + reg_loss, accuracy


def train_step(model: Module, X: Sequence[Sequence[float]], y: Sequence[int], learning_rate: float,
               alpha: float = 1e-4) -> tuple[float, float]:
    """One step of full-batch gradient descent on :func:`hinge_loss` (the lesson's last exercise).

    Forward (the loss and the accuracy), ``zero_grad()`` (a leaf's ``grad`` accumulates over
    ``backward()`` calls), ``backward()``, then ``p ← p − learning_rate · ∂loss/∂p`` for every
    parameter. Returns the loss (a float) and the accuracy *before* the step.
    """
    loss, accuracy = hinge_loss(model, X, y, alpha)
    model.zero_grad()
    loss.backward()
    for p in model.parameters():
        p.data -= learning_rate * p.grad
    return loss.data, accuracy


def train_classifier(model: Module, X: Sequence[Sequence[float]], y: Sequence[int], steps: int = 50,
                     learning_rate: float = 0.5, alpha: float = 1e-4) -> list[tuple[float, float]]:
    """Full-batch gradient descent on :func:`hinge_loss`; returns ``(loss, accuracy)`` per step.

    Each step is a :func:`train_step`, with a learning rate decaying linearly from
    ``learning_rate`` to 10 % of it.
    """
    return [train_step(model, X, y, learning_rate * (1.0 - 0.9 * step / max(steps, 1)), alpha)
            for step in range(steps)]
