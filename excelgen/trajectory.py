"""The classic sheets' saved values, from the one training loop (network/reference.py).

iteration_rows() hands out each iteration as soon as it is computed, so writing a 100,000-iteration
workbook never holds the whole trajectory in memory. The classic network's columns (network/columns.py)
are the LR sheet's headers, network/layout.py's HEADERS, in the same order.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Iterator

import numpy as np

from excelgen.spec import NetworkSpec
from network import Network, layout, reference
from network.names import Kind

# what a sheet computes before any weight is typed in: the forward pass and the errors
_FORWARD_KINDS = {Kind.Z, Kind.A, Kind.ERROR, Kind.E_TOTAL}


def iteration_rows(spec: NetworkSpec) -> Iterator[np.ndarray]:
    """Row k = 0..iterations of every LR table: shape (n_learning_rates, len(layout.HEADERS)).

    Raises TemplateError when the numbers overflow (a learning rate far too large).
    """
    return reference.iteration_rows(spec.net)


def exercise_row(spec: NetworkSpec, exercise: str) -> np.ndarray:
    """What a spreadsheet computes in every row k >= 1 of an exercise before the student types anything,
    shape (n_learning_rates, len(layout.HEADERS)), iteration column 0.

    Empty cells count as 0: with "gradients" the forward pass runs on empty (zero) weights; with
    "forward" every column is empty.
    """
    n = len(spec.learning_rates)
    if exercise != "gradients":
        return np.zeros((n, len(layout.HEADERS)))
    zero = tuple(tuple(tuple(0.0 for _ in row) for row in m) for m in spec.net.weights)
    row = next(reference.iteration_rows(replace(spec.net, weights=zero)))
    computed = np.array([c.kind in _FORWARD_KINDS for c in spec.net.columns()])
    return np.where(computed, row, 0.0)


def first_rises(e_total: np.ndarray) -> list[int | None]:
    """For each learning rate (row of e_total[rate, iteration]): the first iteration whose E_total is above the one
    before it (the rate overshoots), or None when E_total falls or stays at every step."""
    rising = np.diff(e_total, axis=1) > 0
    return [int(np.argmax(row)) + 1 if row.any() else None for row in rising]


def overshoot_rate(net: Network, max_iterations: int = 1_000) -> float | None:
    """The smallest η on a grid of 20 steps per decade, 0.1 … 10,000, whose E_total rises at some iteration
    within the template's iterations (at most max_iterations); None when none does.

    One vectorised run of the reference over the whole grid; a rate whose numbers overflow counts as rising.
    """
    grid = 10.0 ** (np.arange(-20, 81) / 20)
    iterations = net.iterations
    net = replace(net, learning_rates=tuple(grid))
    p = reference.initial_params(net)
    previous = np.full(grid.shape, np.inf)
    rises = np.zeros(grid.shape, dtype=bool)
    with np.errstate(all="ignore"):
        for _ in range(min(iterations, max_iterations) + 1):
            f = reference.forward(net, p)
            rises |= ~np.isfinite(f.E_total) | (f.E_total > previous)
            previous = f.E_total
            p = reference.step(net, p, reference.backward(net, p, f), grid)
    return float(grid[np.argmax(rises)]) if rises.any() else None
