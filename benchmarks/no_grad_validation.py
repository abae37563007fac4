"""What recording a validation pass costs when nobody calls ``backward()``: lesson 06's claim, measured.

    .venv/bin/python benchmarks/no_grad_validation.py [--sizes 40 10000 1000000] [--hidden 32]
                                                      [--repeats 15] [--threads 1]

The validation pass is the lesson's: the mean squared error of ``course_lib.overfitting.make_model``
(``Linear(1, hidden) → Tanh → Linear(hidden, 1)``) on ``n`` samples. For each size it runs that pass
with autograd recording (as if the loop forgot ``torch.no_grad()``; the loss and its graph are dropped
right after, as a loop that never calls ``backward()`` would) and under ``torch.no_grad()``, alternating,
and prints, in the same run:

- the graph nodes each way, and the bytes of the tensors the graph saved for a ``backward()`` that
  never comes, each storage counted once and split into what the pass computed (kept alive only by the
  graph) and what exists anyway (the parameters, the inputs and targets);
- the median seconds per pass each way, and their ratio against the ``no_grad`` pass (the baseline);
- for the largest size, the resident memory (RSS) the process gains while the loss of one pass is
  still alive, each way: what the saved tensors cost in practice.

``--threads 1`` (the default) is what the lesson's notebook uses: on tensors this small, PyTorch's
thread pool only adds overhead.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time

import psutil
import torch
from torch import nn

from course_lib.overfitting import make_model, true_curve


def _graph_nodes(loss: torch.Tensor) -> int:
    found, stack = set(), [loss.grad_fn]
    while stack:
        node = stack.pop()
        if node is not None and node not in found:
            found.add(node)
            stack.extend(parent for parent, _ in node.next_functions)
    return len(found)


def _saved_bytes(model: nn.Module, x: torch.Tensor, y: torch.Tensor, record: bool) -> tuple[int, int, int]:
    """``(nodes, bytes computed by the pass, bytes that exist anyway)`` of what one pass saves."""
    saved: dict[int, tuple[int, bool]] = {}
    existing = {t.untyped_storage().data_ptr() for t in (x, y, *model.parameters())}

    def pack(tensor: torch.Tensor) -> torch.Tensor:
        storage = tensor.untyped_storage()
        saved[storage.data_ptr()] = (storage.nbytes(), storage.data_ptr() in existing)
        return tensor

    hooks = torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor)
    with hooks, torch.set_grad_enabled(record):
        loss = nn.functional.mse_loss(model(x), y)
        nodes = _graph_nodes(loss) if loss.grad_fn is not None else 0
    computed = sum(size for size, exists in saved.values() if not exists)
    return nodes, computed, sum(size for size, exists in saved.values() if exists)


def _seconds(model: nn.Module, x: torch.Tensor, y: torch.Tensor, record: bool, passes: int) -> float:
    """Seconds per validation pass (the loss and its graph dropped each time)."""
    began = time.perf_counter()
    with torch.set_grad_enabled(record):
        for _ in range(passes):
            nn.functional.mse_loss(model(x), y).item()
    return (time.perf_counter() - began) / passes


def _held(model: nn.Module, x: torch.Tensor, y: torch.Tensor, record: bool) -> int:
    """Resident bytes gained while the loss of one pass (and so its graph, if recorded) is alive."""
    gc.collect()
    before = psutil.Process().memory_info().rss
    with torch.set_grad_enabled(record):
        loss = nn.functional.mse_loss(model(x), y)
    held = psutil.Process().memory_info().rss - before
    del loss
    return held


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[40, 10_000, 1_000_000])
    parser.add_argument("--hidden", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    model = make_model(args.hidden)
    parameters = sum(p.numel() for p in model.parameters())
    print(f"validation pass: mse_loss(make_model({args.hidden})(x), y), {parameters} parameters, "
          f"{args.threads} thread(s), median of {args.repeats} repeats")
    print(f"{'samples':>9} {'nodes':>11} {'saved: computed':>16} {'saved: existing':>16} "
          f"{'recorded':>11} {'no_grad':>11} {'ratio':>6}")
    for n in args.sizes:
        x = torch.linspace(-1, 1, n).unsqueeze(1)
        y = true_curve(x)
        nodes, computed, existing = _saved_bytes(model, x, y, record=True)
        nodes_off, computed_off, existing_off = _saved_bytes(model, x, y, record=False)
        _seconds(model, x, y, True, 3), _seconds(model, x, y, False, 3)  # warm up
        passes = max(1, round(0.1 / _seconds(model, x, y, False, 3)))  # about 0.1 s per repeat and way
        recorded, plain = [], []
        for _ in range(args.repeats):  # alternate, so that a busy moment hits both
            recorded.append(_seconds(model, x, y, True, passes))
            plain.append(_seconds(model, x, y, False, passes))
        slow, fast = statistics.median(recorded), statistics.median(plain)
        ratios = sorted(r / p for r, p in zip(recorded, plain, strict=True))
        print(f"{n:9,} {nodes:4} vs {nodes_off:<4} {computed:12,} B {existing:13,} B "
              f"{slow * 1e6:8.1f} µs {fast * 1e6:8.1f} µs {slow / fast:5.2f}× "
              f"(per-repeat ratios {ratios[0]:.2f}–{ratios[-1]:.2f}; no_grad saves "
              f"{computed_off + existing_off} B)")
    x = torch.linspace(-1, 1, max(args.sizes)).unsqueeze(1)
    y = true_curve(x)
    _held(model, x, y, False)  # the allocator's first large blocks
    recorded_held, plain_held = _held(model, x, y, True), _held(model, x, y, False)
    print(f"resident memory gained while the loss of one pass on {len(x):,} samples is alive: "
          f"recorded {recorded_held / 2**20:.1f} MiB, under no_grad {plain_held / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
