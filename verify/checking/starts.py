"""What every table cell should hold: the NumPy reference (network/reference.py), fed with the workbook's own numbers.

A table trains its network (Table.net) from the numbers in its `starts` cells (the inputs, targets and biases,
the initial weights: on the Network sheet, in labelled cells or in the first row of their columns) and η from
its η cell. So a student who changed w1 or η is checked against what their own numbers should give. Tables whose
networks agree but for η train side by side in one call.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Mapping

import numpy as np

from network import Example, Kind, Network, Quantity, trajectory
from verify.reading.cells import CellKey, Value, key, number
from verify.reading.table import Table


@dataclass(frozen=True)
class Start:
    """The network one table trains, with the workbook's numbers (η its one learning rate, one iteration per row
    after the first), and those numbers by name."""

    net: Network
    constants: tuple[tuple[str, float], ...]  # (name, value) of each starting number, as Table.starts orders them

    @property
    def eta(self) -> float:
        return self.net.learning_rates[0]


@dataclass(frozen=True)
class BadInput:
    """A cell the reference needs that does not hold a number."""

    quantity: str
    cell: CellKey
    value: Value


def start(table: Table, values: Mapping[CellKey, Value]) -> Start | BadInput:
    """The table's starting point in `values` (saved or recalculated), or the first cell that is not a number."""
    found: dict[str, float] = {}
    for name, ref in [*table.starts.items(), ("η", table.eta)]:
        cell = key(ref)
        x = number(values.get(cell))
        if x is None:
            return BadInput(name, cell, values.get(cell))
        found[name] = x
    eta = found.pop("η")
    found |= table.typed  # a bias typed into the net inputs' formulas (`+0.35`): the number as written
    return Start(_numbered(table.net, found, eta, table.iterations), tuple(found.items()))


def expected(starts: list[Start]) -> list[dict[str, np.ndarray]]:
    """Per start: name -> its expected value on every row (every column of the network's sheet, and each starting
    number, the same on every row, for a table that holds it in a column)."""
    groups: dict[Network, list[int]] = defaultdict(list)
    for k, s in enumerate(starts):
        groups[replace(s.net, learning_rates=())].append(k)
    result: list[dict[str, np.ndarray]] = [{} for _ in starts]
    for net, members in groups.items():
        rates = tuple(starts[k].eta for k in members)
        columns = trajectory(replace(net, learning_rates=rates), overflow="ignore")
        for position, k in enumerate(members):
            constants = {name: np.full(net.iterations + 1, value) for name, value in starts[k].constants}
            result[k] = constants | {header: rows[position] for header, rows in columns.items()}
    return result


def _numbered(net: Network, found: Mapping[str, float], eta: float, iterations: int) -> Network:
    """`net` with the numbers `found` by name (a bias it lacks is 0), η its one learning rate."""

    def value(q: Quantity) -> float:
        return found.get(net.name_of(q), 0.0)

    examples = tuple(
        Example(tuple(value(Quantity(Kind.INPUT, 0, k, example=e)) for k in range(1, net.layers[0] + 1)),
                tuple(value(Quantity(Kind.TARGET, neuron=j, example=e)) for j in range(1, net.layers[-1] + 1)))
        for e in range(1, len(net.examples) + 1)
    )
    weights = tuple(
        tuple(tuple(value(Quantity(Kind.WEIGHT, l, j, k)) for k in range(1, below + 1)) for j in range(1, width + 1))
        for l, (below, width) in enumerate(zip(net.layers, net.layers[1:]), start=1)
    )
    biases = tuple(tuple(value(Quantity(Kind.BIAS, l, j)) for j in range(1, width + 1))
                   for l, width in enumerate(net.layers[1:], start=1))
    return replace(net, examples=examples, weights=weights, biases=biases, iterations=iterations,
                   learning_rates=(eta,))
