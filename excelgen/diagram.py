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

from network import layout
from excelgen.grid import Grid
from excelgen.spec import NetworkSpec
from excelgen.styles import Styles

ROWS = 10  # the diagram's height in rows
# node -> (row offset, column offset, kind, formula without '=' or None for an LR-table value)
_NODES = {
    "i1": (0, 0, "input", "in_i1"),
    "i2": (6, 0, "input", "in_i2"),
    "a_h1": (0, 2, "neuron", None),
    "a_h2": (6, 2, "neuron", None),
    "a_o1": (0, 4, "neuron", None),
    "a_o2": (6, 4, "neuron", None),
    "t1": (0, 5, "target", "tgt_t1"),
    "t2": (6, 5, "target", "tgt_t2"),
    "E1": (0, 6, "error", None),
    "E2": (6, 6, "error", None),
    "E_total": (8, 6, "error", None),
}
_BIASES = {"b1": (8, 2, "target", "bias_b1"), "b2": (8, 4, "target", "bias_b2")}
# weight -> (row offset, column offset, label): straight edges in the node rows, crossing ones between them
_EDGES = {
    "w1": (0, 1, "w1 →"),
    "w3": (2, 1, "w3 ↘ h2"),
    "w2": (4, 1, "w2 ↗ h1"),
    "w4": (6, 1, "w4 →"),
    "w5": (0, 3, "w5 →"),
    "w7": (2, 3, "w7 ↘ o2"),
    "w6": (4, 3, "w6 ↗ o1"),
    "w8": (6, 3, "w8 →"),
}


def write_diagram(
    grid: Grid, styles: Styles, spec: NetworkSpec, row0: dict[str, float], row: int, col: int,
    picked: Callable[[NetworkSpec, str], str],
) -> dict[str, str]:
    """Draw the diagram with its top-left corner at (row, col); returns each weight's value cell (Network!$J$8).

    picked(spec, header) is the formula text of an LR-table value at the chosen row.
    """
    inputs = {"i1": spec.i1, "i2": spec.i2, "t1": spec.t1, "t2": spec.t2, "b1": spec.b1, "b2": spec.b2}
    nodes = _NODES | (_BIASES if spec.has_biases else {})
    for node, (dr, dc, kind, formula) in nodes.items():
        value = inputs[node] if formula is not None else row0[node]
        grid.string(row + dr, col + dc, node, styles.node_label[kind])
        grid.formula(row + dr + 1, col + dc, f"={formula or picked(spec, node)}", styles.node_value[kind], value)
    cells = {}
    for weight, (dr, dc, label) in _EDGES.items():
        grid.string(row + dr, col + dc, label, styles.edge_label)
        grid.formula(row + dr + 1, col + dc, f"={picked(spec, weight)}", styles.edge_value, row0[weight])
        cells[weight] = f"{layout.NETWORK_SHEET}!{xl_rowcol_to_cell(row + dr + 1, col + dc, row_abs=True, col_abs=True)}"
    return cells
