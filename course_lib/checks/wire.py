"""Plain data across the sandbox wall: what a student's function returned, as JSON.

While a class is graded, student code runs in a sandbox and only *observations* come out: the
values a student's function returned on each case, already turned into plain numbers by the
check's ``coerce``. This module writes them as JSON and reads them back, for a closed set of
types — numbers (NaN and ±inf included), strings, ``None``, lists, tuples, string-keyed dicts and
numeric numpy arrays — so that nothing a student controls is ever unpickled or executed by the
grader. Anything else cannot be encoded (:class:`WireError`).
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

MAX_BYTES = 8 * 2**20
"""The largest observation text the grader reads (an honest one is a few kilobytes)."""


class WireError(ValueError):
    """A value that cannot cross the wall, or a text that is not an observation."""


def _encode(value: Any) -> Any:
    if value is None or type(value) in (bool, int, float, str):
        return value
    if type(value) is list:
        return [_encode(item) for item in value]
    if type(value) is tuple:
        return {"tuple": [_encode(item) for item in value]}
    if type(value) is dict and all(type(key) is str for key in value):
        return {"dict": {key: _encode(item) for key, item in value.items()}}
    if type(value) is np.ndarray and value.dtype.kind in "biuf":
        return {"array": np.asarray(value, dtype=np.float64).ravel().tolist(),
                "dtype": value.dtype.str, "shape": list(value.shape)}
    raise WireError(f"cannot send a {type(value).__name__} out of the sandbox")


def _decode(data: Any) -> Any:
    if data is None or type(data) in (bool, int, float, str):
        return data
    if type(data) is list:
        return [_decode(item) for item in data]
    if type(data) is dict and len(data) == 1 and "tuple" in data:
        return tuple(_decode(item) for item in _list(data["tuple"]))
    if type(data) is dict and len(data) == 1 and "dict" in data and type(data["dict"]) is dict:
        return {str(key): _decode(item) for key, item in data["dict"].items()}
    if type(data) is dict and set(data) == {"array", "dtype", "shape"}:
        shape = tuple(int(n) for n in _list(data["shape"]))
        values = np.array(_list(data["array"]), dtype=np.float64)
        try:
            return values.reshape(shape).astype(np.dtype(str(data["dtype"])))
        except (ValueError, TypeError) as exc:
            raise WireError(f"malformed array: {exc}") from None
    raise WireError(f"not an observation: {str(data)[:80]}")


def _list(data: Any) -> list[Any]:
    if type(data) is not list:
        raise WireError("malformed observation")
    return data


def dumps(value: Any) -> str:
    """``value`` as JSON text (see the module docstring for the types allowed)."""
    return json.dumps(_encode(value), allow_nan=True, separators=(",", ":"))


def loads(text: str) -> Any:
    """The value :func:`dumps` wrote; :class:`WireError` for anything else or anything too large."""
    if not isinstance(text, str) or len(text) > MAX_BYTES:
        raise WireError("observation missing or too large")
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, or an integer of 4 300+ digits
        raise WireError(f"not JSON: {exc}") from None
    try:
        return _decode(data)
    except RecursionError:
        raise WireError("observation nested too deeply") from None


def encode(value: Any) -> Any:
    """``value`` as JSON-ready data (lists, dicts, numbers)."""
    return _encode(value)


def decode(data: Any) -> Any:
    """The value :func:`encode` produced."""
    try:
        return _decode(data)
    except RecursionError:
        raise WireError("observation nested too deeply") from None
