"""The one tolerance of the checker: when a number a workbook holds agrees with the number it should hold.

    |a − b| ≤ max(atol, rtol · max(|a|, |b|))      (NaN agrees with nothing)

The checks compare every cell with it, the root-cause search compares a column with its own recomputation with
it, and the mistake catalogue compares a mistaken variant with the column with it.

A file that stores fewer digits than a double (an app that exports 10 significant digits) is compared at the
precision it stores: stored_digits() tells it from the saved numbers, at_precision() loosens rtol to one unit of
the last stored digit, and rounding_slack() says how far a column recomputed from the sheet's own rounded numbers
may drift (the formulas check, on recalculated values, stays at 1e-9).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence

import numpy as np

DEFAULT_RTOL = 1e-9
# A weight that crosses zero keeps only absolute accuracy after the cancellation in w − η·g.
DEFAULT_ATOL = 1e-12


def close(a: np.ndarray, b: np.ndarray, rtol: float, atol: float) -> np.ndarray:
    """Elementwise agreement of a and b (arrays of the same shape)."""
    with np.errstate(invalid="ignore"):
        return np.abs(a - b) <= np.maximum(atol, rtol * np.maximum(np.abs(a), np.abs(b)))


# --- the precision a file stores ------------------------------------------------------------------------------

FULL_PRECISION = 15  # digits a spreadsheet keeps of a double; a file that stores at least these is exact
_SAMPLE = 20_000  # saved numbers looked at to tell the stored precision


def stored_digits(numbers: Iterable[object]) -> int:
    """The most significant digits any of `numbers` carries as saved (an app that exports 10 digits: 10; a file
    saved with every digit: 15 or more). Typed-in numbers carry few digits; computed ones show the file's precision."""
    most = 0
    for x in itertools.islice((x for x in numbers if isinstance(x, float) and math.isfinite(x) and x), _SAMPLE):
        most = max(most, len(repr(abs(x)).split("e")[0].replace(".", "").strip("0")))  # the shortest repr
        if most >= FULL_PRECISION:
            break
    return most or FULL_PRECISION


def at_precision(rtol: float, digits: int) -> float:
    """`rtol`, or one unit of the last stored digit when the file stores fewer digits than that resolves."""
    return rtol if digits >= FULL_PRECISION else max(rtol, 10.0 ** (1 - digits))


def rounding_slack(exact: np.ndarray, perturbed: Sequence[np.ndarray], factor: float = 8.0) -> np.ndarray:
    """How far a value recomputed from rounded numbers may drift: `factor` times the largest change among the same
    computation on numbers perturbed within their last stored digit (`perturbed`); cancellation (a_o − t with
    a_o close to t) shows as a large change."""
    with np.errstate(invalid="ignore"):
        return factor * np.max([np.abs(p - exact) for p in perturbed], axis=0)
