"""The classic 2-2-2 network's reference values, under the names a checker reads: the one NumPy reference
(network/reference.py) run on the network the Network sheet's quantities describe.

    train(weights, Inputs(i1, i2, t1, t2, b1, b2), learning_rates, iterations).columns["∂E_total/∂w5"]

Every array has one entry per learning rate, so all learning rates train side by side.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from network import layout, trajectory
from network.description import classic_network

WEIGHTS = layout.WEIGHTS


@dataclass(frozen=True)
class Inputs:
    """What the Network sheet holds: inputs, targets and fixed biases (0 when absent)."""

    i1: float
    i2: float
    t1: float
    t2: float
    b1: float = 0.0
    b2: float = 0.0


@dataclass(frozen=True)
class Trajectory:
    """Every column of an LR sheet: columns[header] has shape (n_learning_rates, iterations + 1)."""

    learning_rates: tuple[float, ...]
    columns: dict[str, np.ndarray]


def train(
    weights: tuple[float, ...], x: Inputs, learning_rates: tuple[float, ...], iterations: int
) -> Trajectory:
    """Rows 0..iterations of every LR sheet column, for all learning rates at once."""
    rates = tuple(float(r) for r in learning_rates)
    net = classic_network((x.i1, x.i2), (x.t1, x.t2), tuple(weights), (x.b1, x.b2), learning_rates=rates,
                          iterations=iterations)
    return Trajectory(rates, trajectory(net))


def train_spec(spec) -> Trajectory:  # spec: excelgen.spec.NetworkSpec
    """train() for a NetworkSpec, with absent biases as 0."""
    return Trajectory(spec.learning_rates, trajectory(spec.net))
