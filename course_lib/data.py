"""Small data sets used by the lessons.

:func:`temperature` is the thermometer data of *Deep Learning with PyTorch* (ch. 4/5): eleven
readings ``t_c`` in degrees Celsius and the same moments read on a thermometer with unknown
units, ``t_u``. Their relation is close to linear, ``t_c ≈ w · t_u + b``; the lessons estimate
``w`` and ``b`` from the data.
"""

from __future__ import annotations

import torch

_T_C = (0.5, 14.0, 15.0, 28.0, 11.0, 8.0, 3.0, -4.0, 6.0, 13.0, 21.0)
_T_U = (35.7, 55.9, 58.2, 81.9, 56.3, 48.9, 33.9, 21.8, 48.4, 60.4, 68.4)


def temperature() -> tuple[torch.Tensor, torch.Tensor]:
    """``(t_c, t_u)``: 11 temperatures in °C and the matching readings in unknown units (float32).

    Every call builds new tensors, so a caller may modify them in place without affecting
    anyone else.
    """
    return (torch.tensor(_T_C, dtype=torch.float32), torch.tensor(_T_U, dtype=torch.float32))
