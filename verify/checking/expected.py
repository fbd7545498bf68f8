"""What every table cell should hold: the NumPy reference, fed with the workbook's own numbers.

The inputs, targets and biases come from the table's scalar cells (or the first row of their
columns), the initial weights from the first row of the w1..w8 columns, η from the table's η
cell. So a student who changed w1 or η is checked against what their own numbers should give.
Tables that share inputs, initial weights and length train side by side in one call.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Mapping

import numpy as np

from verify.naming import reference
from verify.reading.cells import CellKey, Value, key, number
from verify.naming.reference import WEIGHTS, Inputs
from verify.reading.table import Table

INPUTS = ("i1", "i2", "t1", "t2")
BIASES = ("b1", "b2")


@dataclass(frozen=True)
class Start:
    """Everything the reference needs for one table, read from the workbook."""

    inputs: Inputs
    weights: tuple[float, ...]  # w1..w8 in the table's first row
    eta: float
    iterations: int  # the table holds rows 0..iterations


@dataclass(frozen=True)
class BadInput:
    """A cell the reference needs that does not hold a number."""

    quantity: str
    cell: CellKey
    value: Value


def start(table: Table, values: Mapping[CellKey, Value]) -> Start | BadInput:
    """The table's starting point in `values` (saved or recalculated), or the first cell that is not a number."""
    found: dict[str, float] = {}
    for q in INPUTS + BIASES + WEIGHTS + ("η",):
        cell = _where(table, q)
        if cell is None:  # an absent bias is 0; the detector guarantees the rest is present
            found[q] = 0.0
            continue
        x = number(values.get(cell))
        if x is None:
            return BadInput(q, cell, values.get(cell))
        found[q] = x
    return Start(
        Inputs(*(found[q] for q in INPUTS + BIASES)),
        tuple(found[w] for w in WEIGHTS),
        found["η"],
        table.last_row - table.first_row,
    )


def expected(starts: list[Start]) -> list[dict[str, np.ndarray]]:
    """Per start: canonical quantity -> its expected value on every row (inputs included)."""
    groups: dict[tuple, list[int]] = defaultdict(list)
    for k, s in enumerate(starts):
        groups[(s.inputs, s.weights, s.iterations)].append(k)
    result: list[dict[str, np.ndarray]] = [{} for _ in starts]
    for (inputs, weights, iterations), members in groups.items():
        trajectory = reference.train(weights, inputs, tuple(starts[k].eta for k in members), iterations)
        for position, k in enumerate(members):
            columns = {q: values[position] for q, values in trajectory.columns.items()}
            for q in INPUTS + BIASES:
                columns[q] = np.full(iterations + 1, getattr(inputs, q))
            result[k] = columns
    return result


def _where(table: Table, quantity: str) -> CellKey | None:
    """The cell holding a starting quantity: a scalar cell, else the first row of its column."""
    if quantity == "η":
        return key(table.eta)
    if quantity in table.columns and (quantity in WEIGHTS or quantity not in table.scalars):
        return (table.sheet, table.first_row, table.columns[quantity])
    if quantity in table.scalars:
        return key(table.scalars[quantity])
    return None
