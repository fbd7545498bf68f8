"""The NumPy reference: forward pass, backward pass (blocks 1-6) and gradient descent.

It reads like the workbook: one small function per step, one line per quantity, and the
same names as the sheet headers. Every array has one entry per learning rate, so all
learning rates train side by side. The operations follow the sheet formulas term by term,
left to right, so the saved values match what a spreadsheet engine computes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

WEIGHTS = ("w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8")


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
class Forward:
    """Block 1: every quantity from the inputs up to E_total."""

    h1: np.ndarray
    a_h1: np.ndarray
    h2: np.ndarray
    a_h2: np.ndarray
    o1: np.ndarray
    a_o1: np.ndarray
    o2: np.ndarray
    a_o2: np.ndarray
    E1: np.ndarray
    E2: np.ndarray
    E_total: np.ndarray


@dataclass(frozen=True)
class Backward:
    """Blocks 3-6: dE_total/da_h1, dE_total/da_h2 and dE_total/dw1..dw8."""

    dE_da_h1: np.ndarray
    dE_da_h2: np.ndarray
    dE_dw: tuple[np.ndarray, ...]  # dE_total/dw1 .. dE_total/dw8


@dataclass(frozen=True)
class Trajectory:
    """Every column of an LR sheet: columns[header] has shape (n_learning_rates, iterations + 1)."""

    learning_rates: tuple[float, ...]
    columns: dict[str, np.ndarray]


def sigmoid(x: np.ndarray) -> np.ndarray:
    # a = 1 / (1 + e^-x)
    return 1 / (1 + np.exp(-x))


def forward(w: tuple[np.ndarray, ...], x: Inputs) -> Forward:
    w1, w2, w3, w4, w5, w6, w7, w8 = w
    h1 = w1 * x.i1 + w2 * x.i2 + x.b1  # h1 = w1*i1 + w2*i2 (+ b1)
    h2 = w3 * x.i1 + w4 * x.i2 + x.b1  # h2 = w3*i1 + w4*i2 (+ b1)
    a_h1 = sigmoid(h1)  # a_h1 = σ(h1)
    a_h2 = sigmoid(h2)  # a_h2 = σ(h2)
    o1 = w5 * a_h1 + w6 * a_h2 + x.b2  # o1 = w5*a_h1 + w6*a_h2 (+ b2)
    o2 = w7 * a_h1 + w8 * a_h2 + x.b2  # o2 = w7*a_h1 + w8*a_h2 (+ b2)
    a_o1 = sigmoid(o1)  # a_o1 = σ(o1)
    a_o2 = sigmoid(o2)  # a_o2 = σ(o2)
    E1 = 0.5 * (x.t1 - a_o1) ** 2  # E1 = ½(t1 - a_o1)²
    E2 = 0.5 * (x.t2 - a_o2) ** 2  # E2 = ½(t2 - a_o2)²
    E_total = E1 + E2  # E_total = E1 + E2
    return Forward(h1, a_h1, h2, a_h2, o1, a_o1, o2, a_o2, E1, E2, E_total)


def backward(w: tuple[np.ndarray, ...], x: Inputs, f: Forward) -> Backward:
    w1, w2, w3, w4, w5, w6, w7, w8 = w
    # dE/da_h1 = (a_o1 - t1) * a_o1*(1-a_o1) * w5 + (a_o2 - t2) * a_o2*(1-a_o2) * w7
    dE_da_h1 = (f.a_o1 - x.t1) * f.a_o1 * (1 - f.a_o1) * w5 + (f.a_o2 - x.t2) * f.a_o2 * (1 - f.a_o2) * w7
    # dE/da_h2 = (a_o1 - t1) * a_o1*(1-a_o1) * w6 + (a_o2 - t2) * a_o2*(1-a_o2) * w8
    dE_da_h2 = (f.a_o1 - x.t1) * f.a_o1 * (1 - f.a_o1) * w6 + (f.a_o2 - x.t2) * f.a_o2 * (1 - f.a_o2) * w8
    dE_dw1 = dE_da_h1 * f.a_h1 * (1 - f.a_h1) * x.i1  # dE/dw1 = dE/da_h1 * a_h1*(1-a_h1) * i1
    dE_dw2 = dE_da_h1 * f.a_h1 * (1 - f.a_h1) * x.i2  # dE/dw2 = dE/da_h1 * a_h1*(1-a_h1) * i2
    dE_dw3 = dE_da_h2 * f.a_h2 * (1 - f.a_h2) * x.i1  # dE/dw3 = dE/da_h2 * a_h2*(1-a_h2) * i1
    dE_dw4 = dE_da_h2 * f.a_h2 * (1 - f.a_h2) * x.i2  # dE/dw4 = dE/da_h2 * a_h2*(1-a_h2) * i2
    dE_dw5 = (f.a_o1 - x.t1) * f.a_o1 * (1 - f.a_o1) * f.a_h1  # dE/dw5 = (a_o1 - t1) * a_o1*(1-a_o1) * a_h1
    dE_dw6 = (f.a_o1 - x.t1) * f.a_o1 * (1 - f.a_o1) * f.a_h2  # dE/dw6 = (a_o1 - t1) * a_o1*(1-a_o1) * a_h2
    dE_dw7 = (f.a_o2 - x.t2) * f.a_o2 * (1 - f.a_o2) * f.a_h1  # dE/dw7 = (a_o2 - t2) * a_o2*(1-a_o2) * a_h1
    dE_dw8 = (f.a_o2 - x.t2) * f.a_o2 * (1 - f.a_o2) * f.a_h2  # dE/dw8 = (a_o2 - t2) * a_o2*(1-a_o2) * a_h2
    return Backward(dE_da_h1, dE_da_h2, (dE_dw1, dE_dw2, dE_dw3, dE_dw4, dE_dw5, dE_dw6, dE_dw7, dE_dw8))


def step(w: tuple[np.ndarray, ...], g: Backward, lr: np.ndarray) -> tuple[np.ndarray, ...]:
    # w_new = w_old - η * dE_total/dw
    return tuple(wk - lr * gk for wk, gk in zip(w, g.dE_dw))


def train(
    weights: tuple[float, ...], x: Inputs, learning_rates: tuple[float, ...], iterations: int
) -> Trajectory:
    """Rows 0..iterations of every LR sheet column, for all learning rates at once."""
    lr = np.asarray(learning_rates, dtype=float)
    w = tuple(np.full(lr.shape, wk, dtype=float) for wk in weights)
    rows = []
    for _ in range(iterations + 1):
        f = forward(w, x)
        g = backward(w, x, f)
        rows.append(_row(w, f, g))
        w = step(w, g, lr)
    columns = {name: np.stack([r[name] for r in rows], axis=1) for name in rows[0]}
    return Trajectory(tuple(float(r) for r in lr), columns)


def train_spec(spec) -> Trajectory:  # spec: excelgen.spec.NetworkSpec
    """train() for a NetworkSpec, with absent biases as 0."""
    x = Inputs(spec.i1, spec.i2, spec.t1, spec.t2, spec.b1 or 0.0, spec.b2 or 0.0)
    return train(spec.weights, x, spec.learning_rates, spec.iterations)


def _row(w: tuple[np.ndarray, ...], f: Forward, g: Backward) -> dict[str, np.ndarray]:
    row = dict(zip(WEIGHTS, w))
    row |= {name: getattr(f, name) for name in ("h1", "a_h1", "h2", "a_h2", "o1", "a_o1", "o2", "a_o2", "E1", "E2", "E_total")}
    row["∂E_total/∂a_h1"] = g.dE_da_h1
    row["∂E_total/∂a_h2"] = g.dE_da_h2
    row |= {f"∂E_total/∂{wk}": gk for wk, gk in zip(WEIGHTS, g.dE_dw)}
    return row
