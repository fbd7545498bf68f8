"""The saved values, one iteration at a time, from the NumPy reference (verify/reference.py).

iteration_rows() runs the reference's own forward(), backward() and step() exactly as its
train() does, but hands out each iteration as soon as it is computed, so writing a
100,000-iteration workbook never holds the whole trajectory in memory.
"""

from __future__ import annotations

from typing import Iterator

import numpy as np

from network import layout
from excelgen.errors import TemplateError
from excelgen.spec import NetworkSpec
from verify.reference import Inputs, backward, forward, step

_FORWARD = ("h1", "a_h1", "h2", "a_h2", "o1", "a_o1", "o2", "a_o2", "E1", "E2", "E_total")


def iteration_rows(spec: NetworkSpec) -> Iterator[np.ndarray]:
    """Row k = 0..iterations of every LR table: shape (n_learning_rates, len(layout.HEADERS)).

    Raises TemplateError when the numbers overflow (a learning rate far too large).
    """
    x = Inputs(spec.i1, spec.i2, spec.t1, spec.t2, spec.b1 or 0.0, spec.b2 or 0.0)
    lr = np.asarray(spec.learning_rates, dtype=float)
    w = tuple(np.full(lr.shape, wk, dtype=float) for wk in spec.weights)
    for k in range(spec.iterations + 1):
        with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
            try:
                f = forward(w, x)
                g = backward(w, x, f)
                w_next = step(w, g, lr)
            except FloatingPointError:
                raise TemplateError(
                    f"the weights overflow at iteration {k} with learning rates {list(spec.learning_rates)}: "
                    "use smaller learning rates or fewer iterations"
                ) from None
        by_header = dict(zip(layout.WEIGHTS, w)) | {q: getattr(f, q) for q in _FORWARD}
        by_header |= {"∂E_total/∂a_h1": g.dE_da_h1, "∂E_total/∂a_h2": g.dE_da_h2}
        by_header |= {f"∂E_total/∂{wk}": gk for wk, gk in zip(layout.WEIGHTS, g.dE_dw)}
        yield np.stack([np.full(lr.shape, float(k)), *(by_header[h] for h in layout.COMPUTED_HEADERS)], axis=1)
        w = w_next


def exercise_row(spec: NetworkSpec, exercise: str) -> np.ndarray:
    """What a spreadsheet computes in every row k >= 1 of an exercise before the student types anything,
    shape (n_learning_rates, len(layout.HEADERS)), iteration column 0.

    Empty cells count as 0: with "gradients" the forward pass runs on empty (zero) weights; with
    "forward" every column is empty.
    """
    n = len(spec.learning_rates)
    values = {h: np.zeros(n) for h in layout.HEADERS}
    if exercise == "gradients":
        x = Inputs(spec.i1, spec.i2, spec.t1, spec.t2, spec.b1 or 0.0, spec.b2 or 0.0)
        f = forward(tuple(np.zeros(n) for _ in layout.WEIGHTS), x)
        values |= {q: getattr(f, q) for q in _FORWARD}
    return np.stack([values[h] for h in layout.HEADERS], axis=1)


def first_rises(e_total: np.ndarray) -> list[int | None]:
    """For each learning rate (row of e_total[rate, iteration]): the first iteration whose E_total is above the one
    before it (the rate overshoots), or None when E_total falls or stays at every step."""
    rising = np.diff(e_total, axis=1) > 0
    return [int(np.argmax(row)) + 1 if row.any() else None for row in rising]


def overshoot_rate(spec: NetworkSpec, max_iterations: int = 1_000) -> float | None:
    """The smallest η on a grid of 20 steps per decade, 0.1 … 10,000, whose E_total rises at some iteration
    within the template's iterations (at most max_iterations); None when none does.

    One vectorised run of the reference over the whole grid; a rate whose numbers overflow counts as rising.
    """
    grid = 10.0 ** (np.arange(-20, 81) / 20)
    x = Inputs(spec.i1, spec.i2, spec.t1, spec.t2, spec.b1 or 0.0, spec.b2 or 0.0)
    w = tuple(np.full(grid.shape, wk, dtype=float) for wk in spec.weights)
    previous = np.full(grid.shape, np.inf)
    rises = np.zeros(grid.shape, dtype=bool)
    with np.errstate(all="ignore"):
        for _ in range(min(spec.iterations, max_iterations) + 1):
            f = forward(w, x)
            rises |= ~np.isfinite(f.E_total) | (f.E_total > previous)
            previous = f.E_total
            w = step(w, backward(w, x, f), grid)
    return float(grid[np.argmax(rises)]) if rises.any() else None
