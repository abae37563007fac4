"""Comparing what a training loop prints: ``Epoch <e>, Loss <loss>`` lines and a divergence message.

A student may format the loss as they like (``29.03``, ``2.903e+01``, ``tensor(29.0297)``) and
print anything else besides; what is compared is *which* epochs report a loss, the losses (to
the digits printed), and, when the reference stops because the loss is not finite, that the
student's output says so with the epoch.
"""

from __future__ import annotations

import math
import re

_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[-+]?(?:nan|inf)"
_LOSS_LINE = re.compile(rf"Epoch\D*?(\d+)\D*?Loss\W*?(?:tensor\()?({_NUMBER})", re.IGNORECASE)


def loss_lines(printed: str) -> tuple[dict[int, str], list[str]]:
    """``({epoch: loss as printed}, other lines)`` of ``printed``; a line whose loss is not finite
    counts as an other line (it is the divergence message)."""
    losses, others = {}, []
    for line in printed.splitlines():
        match = _LOSS_LINE.search(line)
        if match and math.isfinite(float(match.group(2))):
            losses.setdefault(int(match.group(1)), match.group(2))
        elif line.strip():
            others.append(line)
    return losses, others


def _close(expected: str, got: str) -> bool:
    """Whether ``got`` is ``expected`` to the digits ``got`` shows (or to 1e-4 relative)."""
    want, have = float(expected), float(got)
    decimals = len(got.split(".")[1]) if "." in got and "e" not in got.lower() else None
    if decimals is not None and abs(want - have) <= 0.5 * 10.0**-decimals * (1 + 1e-9):
        return True
    return math.isclose(want, have, rel_tol=1e-4, abs_tol=1e-9)


def _epochs(epochs: list[int]) -> str:
    return "none" if not epochs else ", ".join(map(str, epochs[:8])) + (", …" if len(epochs) > 8 else "")


def compare_training_output(expected: str, got: str) -> str | None:
    """``None`` when ``got`` reports the losses of the same epochs as ``expected`` (the reference's
    output), with the same values, and, if the reference announced a divergence at epoch ``e``,
    some line of ``got`` other than the loss lines names ``e``."""
    want, want_other = loss_lines(expected)
    have, have_other = loss_lines(got)
    if want and not have:
        return (f"it printed no `Epoch <epoch>, Loss <loss>` line; expected one at epochs "
                f"{_epochs(sorted(want))} (every print_every epochs, counting from 1)")
    if sorted(have) != sorted(want):
        return (f"it printed the loss at epochs {_epochs(sorted(have))}; expected at epochs "
                f"{_epochs(sorted(want))} (when epoch % print_every == 0, counting from 1)")
    for epoch in sorted(want):
        if not _close(want[epoch], have[epoch]):
            return (f"at epoch {epoch} it printed the loss {have[epoch]}; expected {float(want[epoch]):.6g} "
                    "(the loss of the params before that epoch's step)")
    stopped = [_LOSS_LINE.search(line) for line in want_other]
    for match in filter(None, stopped):
        epoch = match.group(1)
        if not any(re.search(rf"\b{epoch}\b", line) for line in have_other):
            return (f"the loss stopped being finite at epoch {epoch}, but nothing it printed says so: "
                    "print a message with the epoch before returning")
    return None
