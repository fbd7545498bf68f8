"""The exercise version (`generate --exercise`): which columns a student fills in, and what the sheet
computes before they do. The same for the classic network and any general one: the columns are chosen by
the kind of quantity they hold (network/columns.py).

    gradients   every derivative column (∂E_total/∂a_h, δ, ∂E_total/∂w, ∂E_total/∂b), at every iteration,
                and every update (the weights and trained biases from iteration 1 on)
    forward     also the forward pass (z, a, the errors, E_total) from iteration 1 on; iteration 0 stays
                filled in as the worked example
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from network import Kind, Network, reference

EXERCISES = ("gradients", "forward")  # generate --exercise: what the student fills in
HINT = "Exercise: type the formula of each yellow column in row 5 (iteration 0), then fill it down."
_DERIVATIVES = {Kind.DE_DA, Kind.DELTA, Kind.GRAD_WEIGHT, Kind.GRAD_BIAS}
_UPDATES = {Kind.WEIGHT, Kind.BIAS}
_FORWARD = {Kind.Z, Kind.A, Kind.ERROR, Kind.LOSS, Kind.E_TOTAL}


def empty_columns(net: Network, exercise: str | None, *, iteration0: bool = False) -> tuple[str, ...]:
    """The headers of the columns an exercise leaves empty (module docstring), in the sheet's order;
    iteration0=True: those empty in row 0 itself (the derivatives only)."""
    if exercise is None:
        return ()
    kinds = set(_DERIVATIVES)
    if not iteration0:
        kinds |= _UPDATES | (_FORWARD if exercise == "forward" else set())
    return tuple(c.header for c in net.columns() if c.kind in kinds)


def exercise_row(net: Network, exercise: str) -> np.ndarray:
    """What a spreadsheet computes in every row k >= 1 of an exercise before the student types anything,
    shape (n_learning_rates, n_columns), iteration column 0.

    Empty cells count as 0: with "gradients" the forward pass runs on empty (zero) weights and trained biases
    (fixed biases are Network-sheet constants); with "forward" every column is empty.
    """
    columns = net.columns()
    if exercise != "gradients":
        return np.zeros((len(net.learning_rates), len(columns)))
    zero_weights = tuple(tuple(tuple(0.0 for _ in row) for row in m) for m in net.weights)
    zero_biases = tuple(tuple(0.0 for _ in b) for b in net.biases) if net.train_biases else net.biases
    row = next(reference.iteration_rows(replace(net, weights=zero_weights, biases=zero_biases)))
    computed = np.array([c.kind in _FORWARD for c in columns])
    return np.where(computed, row, 0.0)
