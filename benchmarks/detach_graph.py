"""What an update without ``.detach()`` keeps alive: lesson 05's claim, measured.

    .venv/bin/python benchmarks/detach_graph.py [--steps 200000]

Each update ``params = params - lr * grad`` recorded by autograd hangs one more node (``SubBackward0``)
behind ``params``; with ``.detach().requires_grad_()`` nothing stays. This builds the chain of
``--steps`` updates both ways (the gradient is a constant, as ``params.grad`` is in the update) and
prints, in the same run:

- the resident memory each way, in bytes per update (the nodes live in PyTorch's C++ memory, where
  no tensor size counts them);
- the seconds one ``backward()`` takes from the end of each: it walks the whole chain back to the
  first parameters, or one step.
"""

from __future__ import annotations

import argparse
import gc
import time

import psutil
import torch


def _resident() -> int:
    gc.collect()
    return psutil.Process().memory_info().rss


def _chain(steps: int, detach: bool) -> tuple[torch.Tensor, int]:
    """The params after ``steps`` updates, and the resident bytes the updates added."""
    grad = torch.tensor([0.5, -0.25])
    before = _resident()
    params = torch.tensor([1.0, 0.0], requires_grad=True)
    for _ in range(steps):
        params = params - 1e-3 * grad
        if detach:
            params = params.detach().requires_grad_()
    return params, _resident() - before


def _backward_seconds(params: torch.Tensor) -> float:
    began = time.perf_counter()
    (params * params).sum().backward()
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200_000)
    args = parser.parse_args()
    chained, chained_bytes = _chain(args.steps, detach=False)
    chained_seconds = _backward_seconds(chained)
    del chained
    detached, detached_bytes = _chain(args.steps, detach=True)
    detached_seconds = _backward_seconds(detached)
    n = args.steps
    print(f"{n} updates of params = params - lr * grad")
    print(f"  memory kept:  without detach {chained_bytes / n:8.1f} B per update "
          f"({chained_bytes / 2**20:.0f} MiB), with detach {max(detached_bytes, 0) / n:6.1f} B per update")
    print(f"  one backward(): without detach {chained_seconds * 1e3:8.2f} ms, "
          f"with detach {detached_seconds * 1e3:6.3f} ms "
          f"(ratio {chained_seconds / max(detached_seconds, 1e-9):.0f}×)")


if __name__ == "__main__":
    main()
