"""A column recomputed from the numbers its formula reads: the right formula of every column of any network,
written over its column record (network/columns.py, Column.depends).

`Numbers` holds one table's numbers by name, every row at once: its columns as the sheet holds them, the
network's constants (inputs, targets, fixed biases, initial weights) and η. `numbers.right("∂E_total/∂w3")`
is that column computed the right way from the sheet's OWN values of what it reads (the row's a_h2, the row
above's weights, ...): a column that disagrees with it makes a mistake of its own there, and a column it
agrees with is at most wrong because what it reads is. A column the table lacks (a hand-built sheet without
∂E_total/∂a_h1) is computed the right way from the others.

The maths is network/reference.py's (activate, losses, times_derivative), one column at a time.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

import numpy as np

from network import Column, Kind, Network, Quantity, parse
from network.reference import activate, losses, times_derivative


class Numbers:
    """One table's numbers by name: `given` columns (name -> one value per row), `constants` (name -> the
    Network-sheet value: an input, a target, a fixed bias, an initial weight), η, and the row count."""

    def __init__(self, net: Network, given: Mapping[str, np.ndarray], constants: Mapping[str, float], eta: float,
                 rows: int) -> None:
        self.net = net
        self._given = {q: np.asarray(v, dtype=float) for q, v in given.items()}
        self._constants = dict(constants)
        self._computed: dict[str, np.ndarray] = {}
        self.eta = eta
        self.rows = rows

    def actual(self, name: str) -> np.ndarray:
        """The column as the sheet holds it."""
        return self._given[name]

    def constant(self, name: str) -> float:
        """A Network-sheet constant (0 for a bias the workbook does not have)."""
        return float(self._constants.get(name, 0.0))

    def __getitem__(self, name: str) -> np.ndarray:
        """A column as the sheet holds it (computed the right way when the table lacks it); a constant on every row."""
        if name in self._given and name in columns_of(self.net):
            return self._given[name]
        if name not in self._computed:
            if name in columns_of(self.net):
                self._computed[name] = self.right(name)
            else:
                self._computed[name] = np.full(self.rows, self.constant(name))
        return self._computed[name]

    def prev(self, name: str) -> np.ndarray:
        """The column of the row above (NaN for the first row)."""
        return np.concatenate(([np.nan], self[name][:-1]))

    def with_value(self, name: str, value: float, row: int) -> Numbers:
        """The same numbers with column `name` holding `value` in one row."""
        column = self[name].copy()
        column[row] = value
        return Numbers(self.net, self._given | {name: column}, self._constants, self.eta, self.rows)

    def right(self, name: str, swap: Mapping[str, str] | None = None) -> np.ndarray:
        """Column `name` computed the right way from these numbers; `swap` (name -> name) reads another quantity
        where the formula reads one (a mistake: the slope of the other hidden unit)."""
        return _right(columns_of(self.net)[name], self, swap or {})


@lru_cache(maxsize=16)
def columns_of(net: Network) -> dict[str, Column]:
    """The network's computed columns by name (every column but `iteration`)."""
    return {c.header: c for c in net.columns() if c.kind is not Kind.ITERATION}


def slope_of(net: Network, column: Column) -> tuple[str, str] | None:
    """(the name a column's formula writes a hidden unit's slope f'(z) with, the activation) for the columns whose
    formula multiplies by it: a hidden δ (sigmoid: a·(1 − a), written with a; tanh and relu: with z) and the
    classic ∂E_total/∂w1..w4 (∂E_total/∂a_h · a_h·(1 − a_h) · i); else None."""
    q = column.quantity
    if column.kind is Kind.DELTA and q.layer < len(net.layers) - 1:
        f = net.activations[q.layer - 1]
        kind = {"sigmoid": Kind.A, "tanh": Kind.Z, "relu": Kind.Z}.get(f)
        return (net.name_of(Quantity(kind, q.layer, q.neuron, example=q.example)), f) if kind else None
    if column.kind is Kind.GRAD_WEIGHT and _kind(net, column.depends[0].name) is Kind.DE_DA:
        return column.depends[1].name, net.activations[q.layer - 1]
    return None


def _kind(net: Network, name: str) -> Kind | None:
    q = parse(name, classic=net.classic)
    return q.kind if q else None


def _right(c: Column, u: Numbers, swap: Mapping[str, str]) -> np.ndarray:
    """The column's right formula (network/columns.py says what each reads, in order)."""
    net, q = u.net, c.quantity

    def v(name: str) -> np.ndarray:
        return u[swap.get(name, name)]

    deps = [d.name for d in c.depends]
    n_examples = len(net.examples)
    if c.kind in (Kind.WEIGHT, Kind.BIAS):  # previous − η · previous gradient; row 0 its initial value
        values = u.prev(deps[1]) - u.eta * u.prev(deps[2])
        values[0] = u.constant(deps[0])
        return values
    if c.kind is Kind.Z:  # Σ_k w_k · a_k (+ b), left to right
        n = 2 * net.layers[q.layer - 1]
        total = v(deps[0]) * v(deps[1])
        for k in range(2, n, 2):
            total = total + v(deps[k]) * v(deps[k + 1])
        return total + v(deps[n]) if len(deps) > n else total
    if c.kind is Kind.A:  # f(z); softmax reads every z of its layer
        f = net.activations[q.layer - 1]
        if f == "softmax":
            return activate(f, np.stack([v(d) for d in deps], axis=-1))[..., q.neuron - 1]
        return activate(f, v(deps[0]))
    if c.kind is Kind.ERROR:  # one output's share of the loss: reads (t, a)
        return losses(net, v(deps[1]), v(deps[0]))
    if c.kind is Kind.LOSS:  # Σ_j E_j over the outputs: reads (a_j, t_j) pairs
        return _loss(net, deps, v)
    if c.kind is Kind.E_TOTAL:  # the mean of the examples' losses
        if _kind(net, deps[0]) is Kind.A:  # one example: its loss written out
            return _loss(net, deps, v) / n_examples
        return _sum([v(d) for d in deps]) / n_examples
    if c.kind is Kind.DE_DA:  # the classic ∂E_total/∂a_h: Σ_k (a_o_k − t_k)·a_o_k·(1 − a_o_k)·w, reads (a, t, w)s
        return _sum([_output_delta(v(deps[k]), v(deps[k + 1])) * v(deps[k + 2]) for k in range(0, len(deps), 3)])
    if c.kind is Kind.DELTA:
        return _delta(net, q, deps, v)
    if c.kind is Kind.GRAD_WEIGHT:
        first = _kind(net, deps[0])
        if first is Kind.DE_DA:  # the classic ∂E_total/∂w1..w4 = ∂E_total/∂a_h · a_h·(1 − a_h) · i
            a = v(deps[1])
            return v(deps[0]) * (a * (1 - a)) * v(deps[2])
        if first is Kind.A:  # the classic ∂E_total/∂w5..w8 = (a_o − t)·a_o·(1 − a_o) · a_h
            return _output_delta(v(deps[0]), v(deps[1])) * v(deps[2])
        # the mean over the examples of δ · a_below: reads (δ, a_below) pairs
        return _sum([v(deps[k]) * v(deps[k + 1]) for k in range(0, len(deps), 2)]) / n_examples
    if c.kind is Kind.GRAD_BIAS:  # the mean over the examples of δ
        return _sum([v(d) for d in deps]) / n_examples
    raise ValueError(f"no formula for {c.header}")


def _delta(net: Network, q: Quantity, deps: list[str], v) -> np.ndarray:
    """δ_l_j = ∂E/∂z_l_j (network/reference.py: output_delta, backprop, times_derivative)."""
    L = len(net.layers) - 1
    f = net.activations[q.layer - 1]
    z = v(net.name_of(Quantity(Kind.Z, q.layer, q.neuron, example=q.example)))
    a = v(net.name_of(Quantity(Kind.A, q.layer, q.neuron, example=q.example)))
    if q.layer == L:
        t = v(deps[1])
        if net.loss == "cross-entropy":
            return a - t  # δ = a − t
        if f == "softmax":  # δ_j = a_j·((a_j − t_j) − Σ_k (a_k − t_k)·a_k)
            outputs = [(v(net.name_of(Quantity(Kind.A, L, k, example=q.example))),
                        v(net.name_of(Quantity(Kind.TARGET, neuron=k, example=q.example))))
                       for k in range(1, net.layers[-1] + 1)]
            return a * ((a - t) - _sum([(ak - tk) * ak for ak, tk in outputs]))
        return times_derivative(f, a - t, z, a)  # δ = (a − t)·f'(z)
    n_above = net.layers[q.layer + 1]  # δ_l_j = (Σ_k δ_(l+1)_k · w_(l+1)_k_j) · f'(z_l_j)
    g = _sum([v(deps[2 * k]) * v(deps[2 * k + 1]) for k in range(n_above)])
    return times_derivative(f, g, z, a)


def _loss(net: Network, deps: list[str], v) -> np.ndarray:
    """Σ_j E_j of one example, from its (a_j, t_j) pairs."""
    return _sum([losses(net, v(deps[k]), v(deps[k + 1])) for k in range(0, len(deps), 2)])


def _output_delta(a: np.ndarray, t: np.ndarray) -> np.ndarray:
    """(a − t)·a·(1 − a): a sigmoid output's δ with half-squared-error (the classic network's)."""
    return (a - t) * (a * (1 - a))


def _sum(terms: list[np.ndarray]) -> np.ndarray:
    """Σ left to right, as a sheet's A + B + C."""
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total
