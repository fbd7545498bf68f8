"""The live network diagram on the Network sheet, drawn with cells so it renders in every spreadsheet app.

Each node is a boxed pair of cells, its name above its value; each weight sits on its edge as
a name with an arrow above its value. Every value is a live formula for the chosen row:

    i1       w1 →      a_h1      w5 →      a_o1    t1      E1
    0.0500   0.1500    0.5069    0.4000    0.6067  0.5000  5.67E-03
             w3 ↘ h2             w7 ↘ o2
             0.2500              0.5000
             w2 ↗ h1             w6 ↗ o1
             0.2000              0.4500
    i2       w4 →      a_h2      w8 →      a_o2    t2      E2
    0.1000   0.3000    0.5104    0.5500    0.6305  0.5000  8.51E-03
                       b1                  b2              E_total
"""

from __future__ import annotations

from typing import Callable

from xlsxwriter.utility import xl_rowcol_to_cell

from excelgen.formulas import constant_name, fixed_bias_name
from excelgen.grid import Grid
from excelgen.styles import Styles
from network import Kind, Network, Quantity, layout, parse

ROWS = 10  # the diagram's height in rows
NODE_ROWS = (0, 6)  # neuron 1 of every layer in the top row, neuron 2 six rows below
# an edge's row offset by (to neuron j, from neuron k): straight ones in the node rows, crossing ones between them
_EDGE_ROWS = {(1, 1): 0, (2, 1): 2, (1, 2): 4, (2, 2): 6}
_ARROWS = {0: "→", 1: "↘", -1: "↗"}  # by the sign of j − k


def nodes(net: Network) -> dict[str, tuple[int, int, str, str | None]]:
    """Each node of the classic 2-2-2 network -> (row offset, column offset, kind, defined name or None for an
    LR-table value): inputs in column 0, layer l's activations in column 2·l, then targets, errors and E_total."""
    name, constant = net.name_of, lambda q: constant_name(q, 1, classic=True)
    found = {}
    for j, dr in enumerate(NODE_ROWS, start=1):
        x, t = Quantity(Kind.INPUT, 0, j, example=1), Quantity(Kind.TARGET, neuron=j, example=1)
        found[name(x)] = (dr, 0, "input", constant(x))
        found |= {name(Quantity(Kind.A, l, j, example=1)): (dr, 2 * l, "neuron", None) for l in (1, 2)}
        found[name(t)] = (dr, 5, "target", constant(t))
        found[name(Quantity(Kind.ERROR, neuron=j, example=1))] = (dr, 6, "error", None)
    found[name(Quantity(Kind.E_TOTAL))] = (8, 6, "error", None)
    if net.biases_given:  # one fixed bias per layer, under the layer
        found |= {name(Quantity(Kind.BIAS, l, 1)): (8, 2 * l, "target", fixed_bias_name(l, 1, classic=True)) for l in (1, 2)}
    return found


def edges(net: Network) -> dict[str, tuple[int, int, str]]:
    """Each weight w_l_j_k -> (row offset, column offset, label): "w1 →", "w3 ↘ h2" (it goes down into h2)."""
    found = {}
    for l in (1, 2):
        for j in (1, 2):
            for k in (1, 2):
                w = net.name_of(Quantity(Kind.WEIGHT, l, j, k))
                arrow = _ARROWS[(j > k) - (j < k)]
                to = "" if j == k else " " + net.name_of(Quantity(Kind.Z, l, j, example=1))
                found[w] = (_EDGE_ROWS[(j, k)], 2 * l - 1, f"{w} {arrow}{to}")
    return dict(sorted(found.items(), key=lambda item: item[1][:2][::-1]))


def write_diagram(
    grid: Grid, styles: Styles, net: Network, row0: dict[str, float], row: int, col: int,
    picked: Callable[[Network, str], str],
) -> dict[str, str]:
    """Draw the diagram with its top-left corner at (row, col); returns each weight's value cell (Network!$J$8).

    picked(net, header) is the formula text of an LR-table value at the chosen row.
    """
    for node, (dr, dc, kind, formula) in nodes(net).items():
        value = net.constant(parse(node, classic=True)) if formula is not None else row0[node]
        grid.string(row + dr, col + dc, node, styles.node_label[kind])
        grid.formula(row + dr + 1, col + dc, f"={formula or picked(net, node)}", styles.node_value[kind], value)
    cells = {}
    for weight, (dr, dc, label) in edges(net).items():
        grid.string(row + dr, col + dc, label, styles.edge_label)
        grid.formula(row + dr + 1, col + dc, f"={picked(net, weight)}", styles.edge_value, row0[weight])
        cells[weight] = f"{layout.NETWORK_SHEET}!{xl_rowcol_to_cell(row + dr + 1, col + dc, row_abs=True, col_abs=True)}"
    return cells
