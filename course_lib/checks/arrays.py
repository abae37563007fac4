"""Check helpers for exercises whose inputs and outputs are arrays or tensors.

- :func:`close_arrays` builds a ``compare`` for values coerced with
  :func:`course_lib.checks.coerce.as_array`: same shape (or, optionally, shapes that
  broadcast), then element-wise closeness; the message names the first differing element.
- :class:`Named` wraps a function given as an argument so that it prints as its formula.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .core import Compare
from .text import elements, number


class Named:
    """A function passed to a student's function, printed as ``name`` (e.g. ``lambda x: x**3``).

    Copying returns the same object: the function and any data it closes over are shared.
    """

    def __init__(self, name: str, function: Callable[..., Any]) -> None:
        self.name = name
        self.function = function

    def __call__(self, *args: Any) -> Any:
        return self.function(*args)

    def __repr__(self) -> str:
        return self.name

    def __deepcopy__(self, memo: dict[int, Any]) -> Named:
        return self


def _broadcast(expected: np.ndarray, got: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    try:
        return np.broadcast_arrays(expected, got)
    except ValueError:
        return None


def _shape_text(shape: tuple[int, ...]) -> str:
    return "a single number" if shape == () else f"shape {shape}"


def close_arrays(rtol: float = 1e-5, atol: float = 1e-8, *, broadcast: bool = False,
                 relative_to_largest: bool = False) -> Compare:
    """A ``compare(expected, got)`` for two float64 arrays (as made by ``coerce.as_array``).

    The shapes must be equal — or, with ``broadcast=True``, broadcast together (so ``1.0``
    matches a tensor of ones). Then element ``i`` agrees when
    ``|got_i − expected_i| ≤ atol + rtol · scale_i``, where ``scale_i`` is ``|expected_i|``, or
    with ``relative_to_largest=True`` the largest ``|expected_j|`` (right for gradients, whose
    small components carry the rounding noise of the large ones). NaN matches NaN and ±inf
    match only themselves.
    """
    def compare(expected: np.ndarray, got: np.ndarray) -> str | None:
        expected, got = np.asarray(expected, dtype=np.float64), np.asarray(got, dtype=np.float64)
        if expected.shape == got.shape:
            return _first_difference(expected, got, rtol, atol, relative_to_largest)
        pair = _broadcast(expected, got) if broadcast else None
        if pair is None:
            return f"expected {_shape_text(expected.shape)}, got {_shape_text(got.shape)}"
        problem = _first_difference(*pair, rtol, atol, relative_to_largest)
        if problem is None or got.shape != ():
            return problem
        return f"{problem}; you returned a single number, expected {_shape_text(expected.shape)}"

    return compare


def _first_difference(expected: np.ndarray, got: np.ndarray, rtol: float, atol: float,
                      relative_to_largest: bool) -> str | None:
    finite = np.isfinite(expected)
    if relative_to_largest:
        scale = np.full(expected.shape, np.max(np.abs(expected[finite]), initial=0.0))
    else:
        scale = np.abs(expected)
    with np.errstate(invalid="ignore"):
        close = np.abs(got - expected) <= atol + rtol * scale
    agree = np.where(finite, close, (expected == got) | (np.isnan(expected) & np.isnan(got)))
    if agree.all():
        return None
    if expected.ndim == 0:
        return f"expected {number(float(expected))}, got {number(float(got))}"
    index = tuple(int(i) for i in np.argwhere(~agree)[0])
    where = ", ".join(str(i) for i in index)
    return (f"element [{where}] differs: expected {number(float(expected[index]))}, "
            f"got {number(float(got[index]))} ({int((~agree).sum())} of {agree.size} elements "
            f"differ; expected [{elements(expected)}], got [{elements(got)}])")

