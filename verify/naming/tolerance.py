"""The one tolerance of the checker: when a number a workbook holds agrees with the number it should hold.

    |a − b| ≤ max(atol, rtol · max(|a|, |b|))      (NaN agrees with nothing)

The checks compare every cell with it, the root-cause search compares a column with its own recomputation with
it, and the mistake catalogue compares a mistaken variant with the column with it.
"""

from __future__ import annotations

import numpy as np

DEFAULT_RTOL = 1e-9
# A weight that crosses zero keeps only absolute accuracy after the cancellation in w − η·g.
DEFAULT_ATOL = 1e-12


def close(a: np.ndarray, b: np.ndarray, rtol: float, atol: float) -> np.ndarray:
    """Elementwise agreement of a and b (arrays of the same shape)."""
    with np.errstate(invalid="ignore"):
        return np.abs(a - b) <= np.maximum(atol, rtol * np.maximum(np.abs(a), np.abs(b)))
