"""The columns of an LR sheet, as data: one frozen `Column` per column, in order, each saying what it depends on.

One iteration per row. The classic network keeps today's order (iteration, w1..w8, the forward pass,
E1, E2, E_total, ∂E_total/∂a_h1, ∂E_total/∂a_h2, ∂E_total/∂w1..w8). Any other network:

    iteration
    for each example e1, e2, ...:   z_1_1, a_1_1, z_1_2, a_1_2, ... up to the outputs; E (several examples only);
                                    δ of the output layer, then down to layer 1
    E_total
    the mean gradients              ∂E_total/∂w_1_1_1, ... (layer by layer), ∂E_total/∂b_l_j after each layer's weights
                                    when biases are trained
    the weights and biases          w_1_1_1, ..., b_l_j (trained biases only): this iteration's values, those its
                                    forward pass uses; the next row's are these − η · the gradients beside them

A formula writer and a checker can both be derived from the records: `depends` lists, in the order a formula
uses them, what a column's value is computed from, and where each lies (`At`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from enum import StrEnum
from typing import TYPE_CHECKING, Iterator

from network.names import Kind, Quantity, name

if TYPE_CHECKING:
    from network.description import Network

MAX_COLUMNS = 16_384  # Excel's last column, XFD


class At(StrEnum):
    """Where a dependency lies, seen from a row of an LR sheet."""

    ROW = "row"  # a column of the same row
    PREVIOUS = "previous row"  # a column of the row above
    NETWORK = "Network sheet"  # a constant on the Network sheet: an input, a target, a fixed bias, an initial value
    SHEET = "LR sheet"  # a constant of the LR sheet itself: its η


@dataclass(frozen=True)
class Dep:
    """One input of a column's formula: a name (a column header, or a Network-sheet constant, or η) and where it lies."""

    name: str
    at: At


@dataclass(frozen=True)
class Column:
    """One column of an LR sheet: its header text, the quantity it holds, and what its formula is computed from.

    A weight or trained bias holds its initial value (depends[0], on the Network sheet) in iteration 0 and
    previous − η · previous gradient (depends[1:]) in every later row.
    """

    header: str
    quantity: Quantity
    depends: tuple[Dep, ...] = ()

    @property
    def kind(self) -> Kind:
        return self.quantity.kind

    @property
    def layer(self) -> int | None:
        return self.quantity.layer

    @property
    def neuron(self) -> int | None:
        return self.quantity.neuron

    @property
    def source(self) -> int | None:
        return self.quantity.source

    @property
    def example(self) -> int | None:
        return self.quantity.example


def sheet_width(layers: tuple[int, ...], examples: int, train_biases: bool) -> int:
    """How many columns a general network's LR sheet has (the same count as len(lr_columns(net)))."""
    neurons = sum(layers[1:])
    weights = sum(a * b for a, b in zip(layers, layers[1:]))
    params = weights + (neurons if train_biases else 0)
    per_example = 2 * neurons + (1 if examples > 1 else 0) + neurons  # z and a, E, δ
    return 1 + examples * per_example + 1 + 2 * params  # iteration, examples, E_total, gradients, parameters


def width_problem(width: int) -> str | None:
    """The message when a sheet of `width` columns does not fit in Excel, else None."""
    if width > MAX_COLUMNS:
        return (
            f"the LR sheet would need {width:,} columns, more than Excel's {MAX_COLUMNS:,}: "
            "use fewer examples, layers or neurons"
        )
    return None


@lru_cache(maxsize=16)
def lr_columns(net: Network) -> tuple[Column, ...]:
    """Every column of the network's LR sheet, in order (built once per network: the writer, the notes, the
    exercise and the checker all ask for them, many times per workbook)."""
    return tuple(_ClassicColumns(net) if net.classic else _GeneralColumns(net))


class _Names:
    """Builds quantities' names and dependencies for one network."""

    def __init__(self, net: Network):
        self.net = net
        self.L = len(net.layers) - 1
        self.n_examples = len(net.examples)

    def text(self, q: Quantity) -> str:
        return name(q, classic=self.net.classic, examples=self.n_examples)

    def col(self, q: Quantity, *depends: Dep) -> Column:
        return Column(self.text(q), q, tuple(depends))

    def row(self, q: Quantity) -> Dep:
        return Dep(self.text(q), At.ROW)

    def network(self, q: Quantity) -> Dep:
        return Dep(self.text(q), At.NETWORK)

    # the quantities
    def w(self, l: int, j: int, k: int) -> Quantity:
        return Quantity(Kind.WEIGHT, l, j, k)

    def b(self, l: int, j: int) -> Quantity:
        return Quantity(Kind.BIAS, l, j)

    def z(self, l: int, j: int, e: int) -> Quantity:
        return Quantity(Kind.Z, l, j, example=e)

    def a(self, l: int, j: int, e: int) -> Quantity:
        return Quantity(Kind.INPUT, 0, j, example=e) if l == 0 else Quantity(Kind.A, l, j, example=e)

    def t(self, j: int, e: int) -> Quantity:
        return Quantity(Kind.TARGET, neuron=j, example=e)

    def delta(self, l: int, j: int, e: int) -> Quantity:
        return Quantity(Kind.DELTA, l, j, example=e)

    def activation_below(self, l: int, k: int, e: int) -> Dep:
        """a_(l-1)_k as a dependency: an input lies on the Network sheet."""
        below = self.a(l - 1, k, e)
        return self.network(below) if l == 1 else self.row(below)

    def bias(self, l: int, j: int) -> list[Dep]:
        """b_l_j as a dependency of z_l_j: a column when trained, a Network-sheet constant when fixed, none when absent."""
        if self.net.train_biases:
            return [self.row(self.b(l, j))]
        return [self.network(self.b(l, j))] if self.net.biases_given else []

    def z_column(self, l: int, j: int, e: int) -> Column:
        # z_l_j = Σ_k w_l_j_k · a_(l-1)_k + b_l_j
        deps = []
        for k in range(1, self.net.layers[l - 1] + 1):
            deps += [self.row(self.w(l, j, k)), self.activation_below(l, k, e)]
        return self.col(self.z(l, j, e), *deps, *self.bias(l, j))

    def a_column(self, l: int, j: int, e: int) -> Column:
        # a_l_j = f(z_l_j); softmax reads every z of its layer
        if self.net.activations[l - 1] == "softmax":
            deps = [self.row(self.z(l, k, e)) for k in range(1, self.net.layers[l] + 1)]
        else:
            deps = [self.row(self.z(l, j, e))]
        return self.col(self.a(l, j, e), *deps)

    def derivative(self, l: int, j: int, e: int) -> list[Dep]:
        """What f'(z_l_j) is written with: a (sigmoid a·(1 − a)), z (tanh 4/(e^z + e^−z)², which is 1 − a² without
        its cancellation near a = ±1; relu), nothing (linear)."""
        f = self.net.activations[l - 1]
        return {"sigmoid": [self.row(self.a(l, j, e))], "tanh": [self.row(self.z(l, j, e))],
                "relu": [self.row(self.z(l, j, e))], "linear": []}[f]

    def outputs(self, e: int) -> list[Dep]:
        """a_L_1, t_1, a_L_2, t_2, ...: what an example's loss reads."""
        deps = []
        for k in range(1, self.net.layers[-1] + 1):
            deps += [self.row(self.a(self.L, k, e)), self.network(self.t(k, e))]
        return deps

    def weight_column(self, q: Quantity, gradient: Quantity) -> Column:
        # w_new = w − η · ∂E_total/∂w; iteration 0: the initial value
        return self.col(q, self.network(q), Dep(self.text(q), At.PREVIOUS), Dep(self.text(gradient), At.PREVIOUS),
                        Dep(self.text(Quantity(Kind.ETA)), At.SHEET))


class _GeneralColumns(_Names):
    def __iter__(self) -> Iterator[Column]:
        net, L = self.net, self.L
        yield self.col(Quantity(Kind.ITERATION))
        examples = range(1, self.n_examples + 1)
        for e in examples:
            for l in range(1, L + 1):
                for j in range(1, net.layers[l] + 1):
                    yield self.z_column(l, j, e)
                    yield self.a_column(l, j, e)
            if self.n_examples > 1:
                yield self.col(Quantity(Kind.LOSS, example=e), *self.outputs(e))
            for l in range(L, 0, -1):
                for j in range(1, net.layers[l] + 1):
                    yield self.delta_column(l, j, e)
        if self.n_examples > 1:
            yield self.col(Quantity(Kind.E_TOTAL), *(self.row(Quantity(Kind.LOSS, example=e)) for e in examples))
        else:
            yield self.col(Quantity(Kind.E_TOTAL), *self.outputs(1))
        for l, j, k in self.parameters():
            if k is None:  # ∂E_total/∂b_l_j = mean over e of δ_l_j
                yield self.col(Quantity(Kind.GRAD_BIAS, l, j), *(self.row(self.delta(l, j, e)) for e in examples))
            else:  # ∂E_total/∂w_l_j_k = mean over e of δ_l_j · a_(l-1)_k
                deps = [d for e in examples for d in (self.row(self.delta(l, j, e)), self.activation_below(l, k, e))]
                yield self.col(Quantity(Kind.GRAD_WEIGHT, l, j, k), *deps)
        for l, j, k in self.parameters():
            if k is None:
                yield self.weight_column(self.b(l, j), Quantity(Kind.GRAD_BIAS, l, j))
            else:
                yield self.weight_column(self.w(l, j, k), Quantity(Kind.GRAD_WEIGHT, l, j, k))

    def parameters(self) -> Iterator[tuple[int, int, int | None]]:
        """(l, j, k) of every weight, then (l, j, None) of every trained bias, layer by layer."""
        for l in range(1, self.L + 1):
            for j in range(1, self.net.layers[l] + 1):
                for k in range(1, self.net.layers[l - 1] + 1):
                    yield l, j, k
            if self.net.train_biases:
                for j in range(1, self.net.layers[l] + 1):
                    yield l, j, None

    def delta_column(self, l: int, j: int, e: int) -> Column:
        net, L = self.net, self.L
        if l == L:
            f, loss = net.activations[-1], net.loss
            if loss == "cross-entropy":  # δ = a − t (softmax with −Σ t·ln a; sigmoid with binary cross-entropy)
                deps = [self.row(self.a(L, j, e)), self.network(self.t(j, e))]
            elif f == "softmax":  # δ_j = a_j · ((a_j − t_j) − Σ_k (a_k − t_k) · a_k)
                deps = [self.row(self.a(L, j, e)), self.network(self.t(j, e)), *self.outputs(e)]
            else:  # δ = (a − t) · f'(z)
                deps = [self.row(self.a(L, j, e)), self.network(self.t(j, e)), *self.derivative(L, j, e)]
        else:  # δ_l_j = (Σ_k δ_(l+1)_k · w_(l+1)_k_j) · f'(z_l_j)
            deps = []
            for k in range(1, net.layers[l + 1] + 1):
                deps += [self.row(self.delta(l + 1, k, e)), self.row(self.w(l + 1, k, j))]
            deps += self.derivative(l, j, e)
        return self.col(self.delta(l, j, e), *_unique(deps))


class _ClassicColumns(_Names):
    """Today's LR sheet (network/layout.py): the same headers in the same order."""

    def __iter__(self) -> Iterator[Column]:
        yield self.col(Quantity(Kind.ITERATION))
        weights = [(l, j, k) for l in (1, 2) for j in (1, 2) for k in (1, 2)]
        for l, j, k in weights:
            yield self.weight_column(self.w(l, j, k), Quantity(Kind.GRAD_WEIGHT, l, j, k))
        for l in (1, 2):
            for j in (1, 2):
                yield self.z_column(l, j, 1)
                yield self.a_column(l, j, 1)
        for j in (1, 2):  # E_j = ½(t_j − a_o_j)²
            yield self.col(Quantity(Kind.ERROR, neuron=j, example=1), self.network(self.t(j, 1)), self.row(self.a(2, j, 1)))
        yield self.col(Quantity(Kind.E_TOTAL), *(self.row(Quantity(Kind.ERROR, neuron=j, example=1)) for j in (1, 2)))
        for j in (1, 2):  # ∂E_total/∂a_h_j = Σ_k (a_o_k − t_k) · a_o_k · (1 − a_o_k) · w_(k j)
            deps = [d for k in (1, 2) for d in (self.row(self.a(2, k, 1)), self.network(self.t(k, 1)), self.row(self.w(2, k, j)))]
            yield self.col(Quantity(Kind.DE_DA, 1, j, example=1), *deps)
        for l, j, k in weights:
            q = Quantity(Kind.GRAD_WEIGHT, l, j, k)
            if l == 1:  # ∂E_total/∂w = ∂E_total/∂a_h_j · a_h_j · (1 − a_h_j) · i_k
                deps = [self.row(Quantity(Kind.DE_DA, 1, j, example=1)), self.row(self.a(1, j, 1)), self.network(self.a(0, k, 1))]
            else:  # ∂E_total/∂w = (a_o_j − t_j) · a_o_j · (1 − a_o_j) · a_h_k
                deps = [self.row(self.a(2, j, 1)), self.network(self.t(j, 1)), self.row(self.a(1, k, 1))]
            yield self.col(q, *deps)


def _unique(deps: list[Dep]) -> list[Dep]:
    """deps without repeats, first occurrence kept."""
    return list(dict.fromkeys(deps))
