"""Time course_lib.autograd against micrograd on the same workload, in one run, alternating.

Workload: a 2-16-16-1 MLP (ReLU hidden layers, linear output), the same weights in both engines,
the mean hinge loss over 100 samples of the two-moons data — one forward pass building the whole
graph, ``zero_grad()``, then ``backward()``. Both engines build graphs of the same shape (the
loss uses only ``+``, ``*`` and ``relu``, which are single nodes in both), and the script checks
that they agree on the loss and on every parameter's gradient before timing anything.

Each repetition times micrograd and ours back to back (the order alternating), so slow drifts of
the machine hit both. Printed: each engine's median time, the median of the per-repetition ratios
micrograd / ours, and the share of each engine's time spent in Python's cyclic garbage collector.

    .venv/bin/python benchmarks/autograd_vs_micrograd.py [--repeats 15] [--samples 100] [--import-torch]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from collections.abc import Callable

import micrograd.nn

from course_lib import autograd
from course_lib.datasets import two_moons

SIZES = [16, 16, 1]


class GcTimer:
    """Total time spent inside the cyclic garbage collector while active (via ``gc.callbacks``)."""

    def __init__(self) -> None:
        self.total = 0.0
        self._start = 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.total += time.perf_counter() - self._start

    def __enter__(self) -> GcTimer:
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self)


def make_models(seed: int) -> tuple[autograd.MLP, micrograd.nn.MLP]:
    """Our MLP (seeded) and a micrograd MLP holding the same weights."""
    ours = autograd.MLP(2, SIZES, rng=seed)
    theirs = micrograd.nn.MLP(2, SIZES)
    for p, q in zip(ours.parameters(), theirs.parameters(), strict=True):
        q.data = p.data
    return ours, theirs


def step(model, X, y) -> tuple[object, object]:
    """One forward + backward pass: the mean hinge loss over the samples (same graph shape in both
    engines: ``*``, ``+`` and ``relu`` only). Returns the loss node."""
    scores = [model([float(a), float(b)]) for a, b in X]
    losses = [(1 + -float(yi) * s).relu() for yi, s in zip(y, scores, strict=True)]
    loss = sum(losses) * (1.0 / len(losses))
    model.zero_grad()
    loss.backward()
    return loss


def count_nodes(root, parents: Callable) -> int:
    seen, stack = {root}, [root]
    while stack:
        for p in parents(stack.pop()):
            if p not in seen:
                seen.add(p)
                stack.append(p)
    return len(seen)


def timed(model, X, y) -> tuple[float, float]:
    gc.collect()
    with GcTimer() as gc_time:
        start = time.perf_counter()
        step(model, X, y)
        elapsed = time.perf_counter() - start
    return elapsed, gc_time.total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--import-torch", action="store_true",
                        help="import torch first, as a lesson notebook does (a larger heap to scan)")
    args = parser.parse_args()
    if args.import_torch:
        import torch  # noqa: F401

    X, y = two_moons(args.samples, noise=0.1, seed=args.seed)
    ours, theirs = make_models(args.seed)

    loss_ours, loss_theirs = step(ours, X, y), step(theirs, X, y)
    assert abs(loss_ours.data - loss_theirs.data) <= 1e-12 * max(1.0, abs(loss_theirs.data))
    for p, q in zip(ours.parameters(), theirs.parameters(), strict=True):
        assert abs(p.grad - q.grad) <= 1e-9 * max(1.0, abs(q.grad)), (p.grad, q.grad)
    n_ours = count_nodes(loss_ours, lambda v: v._prev)
    n_theirs = count_nodes(loss_theirs, lambda v: v._prev)
    del loss_ours, loss_theirs

    times = {"micrograd": [], "ours": []}
    gc_times = {"micrograd": [], "ours": []}
    engines = {"micrograd": theirs, "ours": ours}
    for r in range(args.repeats):
        order = ("micrograd", "ours") if r % 2 == 0 else ("ours", "micrograd")
        for name in order:
            elapsed, in_gc = timed(engines[name], X, y)
            times[name].append(elapsed)
            gc_times[name].append(in_gc)

    ratios = [m / o for m, o in zip(times["micrograd"], times["ours"], strict=True)]
    print(f"workload: MLP 2-{'-'.join(map(str, SIZES))}, forward + backward of the mean hinge loss over "
          f"{args.samples} samples; graph nodes: micrograd {n_theirs}, ours {n_ours}; "
          f"{args.repeats} repetitions, alternating; Python {sys.version.split()[0]}"
          f"{'; torch imported' if args.import_torch else ''}")
    for name in ("micrograd", "ours"):
        median = statistics.median(times[name])
        share = statistics.median(g / t for g, t in zip(gc_times[name], times[name], strict=True))
        print(f"{name:>9}: median {median * 1e3:7.1f} ms  (min {min(times[name]) * 1e3:.1f}, "
              f"max {max(times[name]) * 1e3:.1f}); in the garbage collector: {share:.0%}")
    print(f"median ratio micrograd / ours: {statistics.median(ratios):.2f}x "
          f"(min {min(ratios):.2f}, max {max(ratios):.2f})")


if __name__ == "__main__":
    main()
