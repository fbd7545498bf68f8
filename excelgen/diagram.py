"""The live network diagram on the Network sheet, drawn with cells so it renders in every spreadsheet app.

One layout for every network: layer l's neurons in column 2·l (the inputs in column 0), each weight on its edge
in the column between its two layers, then the targets, each output's loss share (where the LR sheet has one)
and E_total. A node is a boxed pair of cells, its name above its value; a weight is its name with an arrow above
its value. Every value is a live formula for the chosen row. The classic 2-2-2 network:

    i1       w1 →      a_h1      w5 →      a_o1    t1      E1
    0.0500   0.1500    0.5069    0.4000    0.6067  0.5000  5.67E-03
             w3 ↘ h2             w7 ↘ o2
             0.2500              0.5000
             w2 ↗ h1             w6 ↗ o1
             0.2000              0.4500
    i2       w4 →      a_h2      w8 →      a_o2    t2      E2
    0.1000   0.3000    0.5104    0.5500    0.6305  0.5000  8.51E-03
                       b1                  b2              E_total

The edges between two layers take two rows each, ordered by the neuron they leave and then the one they reach;
the tallest such column sets the height, and each layer's neurons spread evenly over it.
"""

from __future__ import annotations

from dataclasses import dataclass

from network import Kind, Network, Quantity
from network.layout import constant_name, fixed_bias_name
from network.names import name


@dataclass(frozen=True)
class Cell:
    """One node or edge: its name at (row, col) from the diagram's corner, its value in the row below.

    kind: "input", "neuron", "target", "error" (a node's colours) or "edge"; the value is the Network-sheet
    constant `constant` (a defined name) or else the LR-sheet value of `header` at the chosen row."""

    row: int
    col: int
    label: str
    kind: str
    header: str | None = None
    constant: str | None = None
    quantity: Quantity | None = None  # a constant's quantity (its value: Network.constant)


def height(net: Network) -> int:
    """The rows between the first and the last node's name: two per edge of the widest pair of layers, less two."""
    return 2 * max(a * b for a, b in zip(net.layers, net.layers[1:])) - 2


def node_rows(net: Network, layer: int) -> list[int]:
    """The row of each neuron of a layer: spread evenly from the top row to the diagram's height."""
    n, span = net.layers[layer], height(net)
    if n == 1:
        return [span // 2]
    return [round((j * span / (n - 1)) / 2) * 2 for j in range(n)]  # even rows: a node's value sits below its name


def cells(net: Network) -> list[Cell]:
    """Every node and edge of the diagram."""
    n, L = len(net.examples), len(net.layers) - 1
    label = lambda q: name(q, classic=net.classic)  # noqa: E731: a node's name, example 1 without its suffix
    header = net.name_of
    found = []
    for j, row in enumerate(node_rows(net, 0), start=1):
        x = Quantity(Kind.INPUT, 0, j, example=1)
        found.append(Cell(row, 0, label(x), "input", constant=constant_name(x, n, net.classic), quantity=x))
    for l in range(1, L + 1):
        for j, row in enumerate(node_rows(net, l), start=1):
            a = Quantity(Kind.A, l, j, example=1)
            found.append(Cell(row, 2 * l, label(a), "neuron", header=header(a)))
        found += _edges(net, l)
    errors = {c.header for c in net.columns() if c.kind is Kind.ERROR}
    for j, row in enumerate(node_rows(net, L), start=1):
        t, e = Quantity(Kind.TARGET, neuron=j, example=1), Quantity(Kind.ERROR, neuron=j, example=1)
        found.append(Cell(row, 2 * L + 1, label(t), "target", constant=constant_name(t, n, net.classic), quantity=t))
        if header(e) in errors:
            found.append(Cell(row, 2 * L + 2, label(e), "error", header=header(e)))
    below = height(net) + 2
    found.append(Cell(below, 2 * L + 2, "E_total", "error", header="E_total"))
    found += _biases(net, below)
    return found


def _edges(net: Network, l: int) -> list[Cell]:
    """The weights into layer l: "w1 →" when it runs level, "w3 ↘ h2" when it goes down into h2, "w2 ↗ h1" up."""
    found = []
    rows_from, rows_to = node_rows(net, l - 1), node_rows(net, l)
    for k in range(1, net.layers[l - 1] + 1):
        for j in range(1, net.layers[l] + 1):
            w = net.name_of(Quantity(Kind.WEIGHT, l, j, k))
            step = rows_to[j - 1] - rows_from[k - 1]
            arrow = "→" if step == 0 else "↘" if step > 0 else "↗"
            to = "" if step == 0 else " " + name(Quantity(Kind.Z, l, j, example=1), classic=net.classic)
            slot = (k - 1) * net.layers[l] + (j - 1)
            found.append(Cell(2 * slot, 2 * l - 1, f"{w} {arrow}{to}", "edge", header=w))
    return found


def _biases(net: Network, row: int) -> list[Cell]:
    """Under each layer, its biases: a trained one's LR-sheet value, a fixed one's constant (one cell per
    defined name: the classic network's two neurons of a layer share b1)."""
    if not (net.train_biases or net.biases_given):
        return []
    found, seen = [], set()
    for l in range(1, len(net.layers)):
        for j in range(1, net.layers[l] + 1):
            b = Quantity(Kind.BIAS, l, j)
            if net.train_biases:
                found.append(Cell(row + 2 * (j - 1), 2 * l, net.name_of(b), "target", header=net.name_of(b)))
                continue
            defined = fixed_bias_name(l, j, net.classic)
            if defined not in seen:
                seen.add(defined)
                found.append(Cell(row + 2 * (j - 1), 2 * l, net.name_of(b), "target", constant=defined, quantity=b))
    return found
