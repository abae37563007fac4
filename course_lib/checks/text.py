"""Short, readable text for the values a check shows a student: numbers, arrays, tensors, functions."""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

SHOWN_ELEMENTS = 6
"""Arrays with more elements are shown as their first three, ``…``, and their last."""


def number(value: float) -> str:
    """Six significant digits, still recognisably a float (``1.0``, not ``1``)."""
    text = f"{value:.6g}"
    return text if any(c in text for c in ".einn") else text + ".0"


def elements(values: np.ndarray) -> str:
    flat = [number(float(v)) for v in values.ravel()]
    if len(flat) > SHOWN_ELEMENTS:
        return ", ".join(flat[:3]) + f", …, {flat[-1]}"
    return ", ".join(flat)


def _array_text(prefix: str, values: np.ndarray, dtype: str, default_dtype: str) -> str:
    if values.ndim == 0:
        body = number(float(values))
    else:
        body = f"[{elements(values)}]"
        if values.ndim > 1 or values.size > SHOWN_ELEMENTS:
            body += f", shape {tuple(values.shape)}"
    suffix = "" if dtype == default_dtype else f", dtype={dtype}"
    return f"{prefix}({body}{suffix})"


def fmt(value: Any) -> str:
    """A short, readable text for an argument or a result: numbers, tensors, arrays, dtypes, functions."""
    torch = sys.modules.get("torch")  # lessons without torch never import it
    if torch is not None and isinstance(value, torch.Tensor):
        return _array_text("tensor", value.detach().cpu().numpy(), str(value.dtype), "torch.float32")
    if isinstance(value, np.ndarray):
        return _array_text("array", value, str(value.dtype), "float64")
    if isinstance(value, np.generic):
        return f"np.{type(value).__name__}({number(float(value))})"
    if isinstance(value, type) and issubclass(value, np.generic):
        return f"np.{value.__name__}"
    if isinstance(value, float):
        return number(value)
    if isinstance(value, list | tuple):
        inner = ", ".join(fmt(v) for v in value)
        return f"[{inner}]" if isinstance(value, list) else f"({inner})"
    if callable(value) and hasattr(value, "__name__") and not isinstance(value, type):
        module = getattr(value, "__module__", None) or ""
        if module == "numpy" or isinstance(value, np.ufunc):
            return f"np.{value.__name__}"
        return value.__name__
    return repr(value)
