"""Turn whatever a student's function returned into plain Python numbers.

Checks compare *plain* floats, never the student's objects: an object with a rigged
``__eq__`` (or ``__float__`` on a subclass) must not be able to pass a check. Each
converter reads the underlying value through the base type's own method, so a subclass
cannot substitute its own answer.
"""

from __future__ import annotations

import numbers
import sys
from typing import Any

import numpy as np


class CoercionError(TypeError):
    """The value is not of a kind the check accepts; the message says what was expected."""


def _describe(value: Any) -> str:
    if value is None:
        return "None (did you forget `return`?)"
    return f"a {type(value).__name__}"


def _torch_to_numpy(value: Any) -> np.ndarray | None:
    """The values of a tensor, read with the base class's methods only (a subclass, or one that
    overrides ``__torch_function__``, cannot answer for itself)."""
    torch = sys.modules.get("torch")  # never import torch just to coerce a float
    if torch is None or not isinstance(value, torch.Tensor):
        return None
    try:
        with torch._C.DisableTorchFunction():
            plain = torch.Tensor.as_subclass(value, torch.Tensor)
            return np.array(torch.Tensor.numpy(torch.Tensor.cpu(torch.Tensor.detach(plain))))
    except Exception as exc:  # noqa: BLE001 - any failure means "not numbers"
        raise CoercionError(f"expected numbers, got a tensor that cannot be read ({exc})") from None


def _items(value: list[Any] | tuple[Any, ...]) -> list[Any]:
    """The items of a list or tuple, by the base class's iteration (a subclass may override it)."""
    return list(list.__iter__(value) if isinstance(value, list) else tuple.__iter__(value))


def as_array(value: Any) -> np.ndarray:
    """A float64 numpy array holding the values of ``value`` (a number, list, array or tensor)."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        raise CoercionError(f"expected numbers, got {_describe(value)}")
    if isinstance(value, numbers.Real):  # through the base type: a subclass's __array__ is not asked
        return np.array(as_float(value), dtype=np.float64)
    converted = _torch_to_numpy(value)
    if converted is None and isinstance(value, list | tuple):
        converted = np.array([as_float(item) for item in _items(value)], dtype=np.float64)
    if converted is None:
        converted = value
    try:
        array = np.asarray(converted)  # asarray returns a base ndarray, not a subclass
    except Exception as exc:  # noqa: BLE001 - any failure means "not numbers"
        raise CoercionError(f"expected numbers, got {_describe(value)}") from exc
    if array.dtype.kind not in "iuf":
        raise CoercionError(f"expected numbers, got {_describe(value)}")
    return np.array(array, dtype=np.float64)


def as_float(value: Any) -> float:
    """``value`` as a plain ``float``: accepts int, float, numpy scalars and one-element arrays/tensors."""
    if isinstance(value, bool):
        raise CoercionError("expected a number, got a bool")
    if isinstance(value, float):
        return float.__float__(value)
    if isinstance(value, int):
        try:
            return float(int.__index__(value))
        except OverflowError:
            raise CoercionError("expected a number, got an integer too large for a float") from None
    if isinstance(value, numbers.Number) and not isinstance(value, complex | np.complexfloating):
        return float(np.asarray(value, dtype=np.float64))
    if value is None or isinstance(value, list | tuple | str | dict | set):
        raise CoercionError(f"expected a single number, got {_describe(value)}")
    try:
        array = as_array(value)
    except CoercionError:
        raise CoercionError(f"expected a single number, got {_describe(value)}") from None
    if array.size != 1:
        raise CoercionError(f"expected a single number, got {array.size} values of shape {array.shape}")
    return float(array.reshape(()).item())


def as_float_list(value: Any) -> list[float]:
    """``value`` (a list, tuple, 1-D array or tensor of numbers) as a list of plain floats."""
    if value is None:
        raise CoercionError(f"expected a list of numbers, got {_describe(value)}")
    if isinstance(value, numbers.Real):
        raise CoercionError(f"expected a list of numbers, got a single number ({as_float(value)!r})")
    if not isinstance(value, list | tuple) and np.ndim(as_array(value)) == 0:
        raise CoercionError("expected a list of numbers, got a single number")
    return [float(v) for v in as_array(value).ravel()]
