"""The sheets of a general network (network.Network): its Network sheet and its LR sheets.

Everything is derived from the network's description: the columns (network.columns), the names
(network.names) and the formulas (excelgen.formulas). The Network sheet holds the editable
examples, initial weights and biases (yellow, with defined names), the row pickers, a live diagram
of the layers, and five blocks that derive every step at the chosen row for example 1:

    1 forward pass      z_l_j = Σ_k w_l_j_k·a_(l-1)_k + b_l_j, a_l_j = f(z_l_j), E, E_total
    2 output δ          δ_L_j = ∂E/∂z_L_j (a − t for softmax or sigmoid with cross-entropy, and why)
    3 hidden δ          δ_l_j = (Σ_k δ_(l+1)_k·w_(l+1)_k_j)·f'(z_l_j), layer by layer down
    4 gradients         ∂E_total/∂w_l_j_k = mean over the examples of δ_l_j·a_(l-1)_k
    5 update            w_new = w − η·∂E_total/∂w, worked for the first weight
"""

from __future__ import annotations

from typing import Sequence

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from excelgen.exercise import HINT, empty_columns
from excelgen.formulas import constant_name, fixed_bias_name, row_formulas
from excelgen.grid import Grid
from excelgen.network_sheet import EXERCISE_NOTE, LINE_WIDTH, RIGHT, absolute, filled, picked_column, write_pickers
from excelgen.printing import page_setup, table_setup
from excelgen.rowstream import RowCell, RowStreamWorksheet
from excelgen.styles import DECIMALS, SCIENTIFIC, Styles, value_axis
from network import Kind, Network, Quantity, layout
from network.layout import rate_text
from network.names import name

# column kind -> the colour block of its header (styles.BLOCK_COLOURS)
KIND_BLOCK = {
    Kind.WEIGHT: 0, Kind.BIAS: 0, Kind.Z: 1, Kind.A: 1, Kind.LOSS: 1, Kind.E_TOTAL: 1,
    Kind.DELTA: 4, Kind.GRAD_WEIGHT: 3, Kind.GRAD_BIAS: 3, Kind.ITERATION: 0,
}
GENERAL_TITLES = {
    1: "Block 1 · forward pass of example 1: every z and activation, then the loss",
    2: "Block 2 · the output layer's δ = ∂E/∂z",
    3: "Block 3 · the hidden layers' δ, from the layer above",
    4: "Block 4 · the gradients: the mean over the examples of δ · the activation below",
    5: "Update rule · w_new = w − η · ∂E_total/∂w",
}
BLOCK_STYLE = {1: 1, 2: 3, 3: 4, 4: 5, 5: 6}  # general block -> colour block
FIRST_INPUT_ROW = 3
COLUMN_WIDTHS = (26, 12, 12, 12, 12, 12, 16, 3, 12, 12, 12, 12, 12, 12, 12)
ACTIVATION_TEXT = {
    "sigmoid": ("σ", "a·(1 − a)"), "tanh": ("tanh", "(1 − a²)"), "relu": ("max(0, ·)", "1 if z > 0 else 0"),
    "linear": ("", "1"), "softmax": ("softmax", ""),
}


def start_general_lr_sheet(
    wb: Workbook, ws: RowStreamWorksheet, styles: Styles, net: Network, rate: float, row0: Sequence[float],
    *, fast: bool = True, exercise: str | None = None,
) -> None:
    """The top, the E_total charts, the header and iteration 0; iterations 1..N follow with ws.add_row().
    exercise: None, or the columns left empty for a student (excelgen/exercise.py)."""
    columns = net.columns()
    ws.set_column(0, 0, 12)
    ws.set_column(1, len(columns) - 1, 13)
    ws.write_string(0, 0, f"Gradient descent with learning rate η = {rate_text(rate)}: one row per iteration", styles.title)
    ws.write_string(*layout.ETA_LABEL_CELL, "η (learning rate)", styles.label)
    ws.write_number(*layout.ETA_CELL, rate, styles.eta)
    ws.write_string(layout.ETA_LABEL_CELL[0], 2, "← type another η: the table and the charts follow", styles.hint)
    if exercise is not None:
        ws.write_string(layout.ETA_LABEL_CELL[0], 6, HINT, styles.label)
    ws.set_row_pixels(2, 180)
    e_total = next(i for i, c in enumerate(columns) if c.kind is Kind.E_TOTAL)
    for i, log in enumerate((False, True)):
        chart = wb.add_chart({"type": "scatter", "subtype": "straight"})
        first, last = layout.FIRST_DATA_ROW, layout.FIRST_DATA_ROW + net.iterations
        chart.add_series({"name": "E_total", "categories": [ws.name, first, 0, last, 0],
                          "values": [ws.name, first, e_total, last, e_total],
                          "marker": {"type": "none"}, "line": {"width": 1.75, "color": "#C00000"}})
        chart.set_title({"name": f"E_total per iteration (η = {rate_text(rate)})" + (", log scale" if log else ""),
                         "name_font": {"size": 11, "bold": True}})
        chart.set_x_axis({"name": "iteration", "min": 0, "max": net.iterations, "major_gridlines": {"visible": False}})
        chart.set_y_axis(value_axis("E_total (log scale)" if log else "E_total", log=log))
        chart.set_legend({"none": True})
        chart.set_size({"width": 5 * 96 - 8, "height": 172})
        ws.insert_chart(2, 1 + 5 * i, chart, {"x_offset": 4, "y_offset": 4, "object_position": 3})
    for col, c in enumerate(columns):
        ws.write_string(layout.HEADER_ROW, col, c.header, styles.block_header[KIND_BLOCK[c.kind]])
    ws.freeze_panes(layout.FIRST_DATA_ROW, 1)
    formats = [styles.iteration, *(_value_format(styles, c) for c in columns[1:])]
    empty, empty0 = set(empty_columns(net, exercise)), set(empty_columns(net, exercise, iteration0=True))

    def row_cells(first_row: bool, blank: set[str]) -> list[RowCell]:  # an exercise's columns: empty and yellow
        formulas = row_formulas(net, first_row=first_row)
        return [RowCell(None, styles.exercise, blank=True) if c.header in blank else RowCell(f, fmt)
                for c, f, fmt in zip(columns, formulas, formats)]

    cells = row_cells(False, empty)
    ws.start_rows(layout.FIRST_DATA_ROW, row_cells(True, empty0), fast=fast, marks=True)
    ws.add_row(row0)
    # a row has hundreds of row numbers: marks=True fills them by str.replace (the same bytes, faster)
    ws.start_rows(layout.FIRST_DATA_ROW + 1, cells, fast=fast, marks=True)
    table_setup(ws, last_col=len(columns) - 1, iterations=net.iterations)


def write_general_network_sheet(
    wb: Workbook, ws: Worksheet, styles: Styles, net: Network, row0: dict[str, float], *, exercise: str | None = None
) -> None:
    """row0: iteration 0 of the first LR sheet, by header (an exercise's empty columns as 0)."""
    for col, width in enumerate(COLUMN_WIDTHS):
        ws.set_column(col, col, width)
    grid = Grid()
    shape = "-".join(str(n) for n in net.layers)
    grid.string(0, 0, f"Backpropagation by hand: a {shape} network ({', '.join(net.activations)}; {net.loss})", styles.title)
    grid.string(1, 0, f"Template {net.name}. {net.description}".strip(), styles.subtitle)
    row = _write_constants(wb, grid, styles, net)
    wb.define_name(layout.GENERAL_DESCRIPTION_NAME, f'="{layout.general_shape(net).text()}"')  # read by verify
    grid.string(row, 0, "Type new values into the yellow cells: every LR sheet recalculates.", styles.hint)
    if exercise is not None:
        grid.string(2, 0, EXERCISE_NOTE, styles.label)
    write_pickers(wb, ws, grid, styles, net)
    diagram_end = _write_diagram(grid, styles, net, row0)
    row = max(row, diagram_end) + 2
    for block in (1, 2, 3, 4):
        lines = _lines(block, net)
        if lines:
            row = _write_block(grid, styles, net, row0, block, lines, row) + 1
    _write_update(grid, styles, net, row0, row, exercise)
    grid.write(ws)
    page_setup(ws, last_row=grid.last_row(), last_col=len(COLUMN_WIDTHS) - 1, split_col=RIGHT)


# ---------------------------------------------------------------- the editable constants


def _write_constants(wb: Workbook, grid: Grid, styles: Styles, net: Network) -> int:
    """Examples, initial weights and biases, each a yellow cell with a defined name; returns the next free row."""
    n = len(net.examples)
    row = FIRST_INPUT_ROW
    heads = ["example", *(f"x_{k}" for k in range(1, net.layers[0] + 1)), *(f"t_{k}" for k in range(1, net.layers[-1] + 1))]
    for col, text in enumerate(heads):
        grid.string(row, col, text, styles.table_header)
    for e, example in enumerate(net.examples, start=1):
        row += 1
        grid.string(row, 0, f"e{e}", styles.label)
        values = [(Kind.INPUT, k, v) for k, v in enumerate(example.inputs, 1)]
        values += [(Kind.TARGET, k, v) for k, v in enumerate(example.targets, 1)]
        for col, (kind, k, value) in enumerate(values, start=1):
            _constant(wb, grid, styles, row, col, value, constant_name(Quantity(kind, neuron=k, example=e), n))
    for l in range(1, len(net.layers)):
        row += 2
        below = "x" if l == 1 else f"a_{l - 1}"
        grid.string(row, 0, f"w_{l}_j_k: layer {l} ({net.activations[l - 1]})", styles.table_header)
        for k in range(1, net.layers[l - 1] + 1):
            grid.string(row, k, f"from {below}_{k}", styles.table_header)
        if net.train_biases or net.biases_given:
            grid.string(row, net.layers[l - 1] + 1, f"b_{l}_j" + ("" if net.train_biases else " (fixed)"), styles.table_header)
        for j in range(1, net.layers[l] + 1):
            row += 1
            grid.string(row, 0, f"to neuron {j}: w_{l}_{j}_k", styles.label)
            for k in range(1, net.layers[l - 1] + 1):
                q = Quantity(Kind.WEIGHT, l, j, k)
                _constant(wb, grid, styles, row, k, net.weights[l - 1][j - 1][k - 1], constant_name(q, n))
            if net.train_biases or net.biases_given:
                bias_name = constant_name(Quantity(Kind.BIAS, l, j), n) if net.train_biases else fixed_bias_name(l, j)
                _constant(wb, grid, styles, row, net.layers[l - 1] + 1, net.biases[l - 1][j - 1], bias_name)
    return row + 1


def _constant(wb: Workbook, grid: Grid, styles: Styles, row: int, col: int, value: float, defined: str) -> None:
    grid.number(row, col, value, styles.input)
    wb.define_name(defined, f"={absolute(row, col)}")


# ---------------------------------------------------------------- the diagram


def _write_diagram(grid: Grid, styles: Styles, net: Network, row0: dict[str, float]) -> int:
    """One column per layer (inputs, then each layer), a boxed node per neuron with its activation for example 1
    at the chosen row, E_total at the end; returns the last row used."""
    top, left = FIRST_INPUT_ROW + 3, 8
    grid.string(top - 1, left, "The network at the chosen row (example 1): the activations a_l_j", styles.hint)
    n = len(net.examples)
    for l, width in enumerate(net.layers):
        col = left + l
        grid.string(top, col, "inputs" if l == 0 else f"layer {l}: {net.activations[l - 1]}", styles.edge_label)
        for j in range(1, width + 1):
            r = top + 2 * j - 1
            if l == 0:
                label = name(Quantity(Kind.INPUT, 0, j, example=1), examples=1)
                formula = "=" + constant_name(Quantity(Kind.INPUT, 0, j, example=1), n)
                value = net.examples[0].inputs[j - 1]
                kind = "input"
            else:
                label = f"a_{l}_{j}"
                header = name(Quantity(Kind.A, l, j, example=1), examples=n)
                formula, value, kind = f"={_pick(net, header)}", row0[header], "neuron"
            grid.string(r, col, label, styles.node_label[kind])
            grid.formula(r + 1, col, formula, styles.node_value[kind], value)
    col = left + len(net.layers)
    grid.string(top + 1, col, "E_total", styles.node_label["error"])
    grid.formula(top + 2, col, f"={_pick(net, 'E_total')}", styles.node_value["error"], row0["E_total"])
    return top + 2 * max(net.layers) + 1


# ---------------------------------------------------------------- the blocks


def _lines(block: int, net: Network) -> list[tuple[str, str | None]]:
    """(text, LR-sheet header whose value the line shows, or None) of a block, for example 1."""
    n, L = len(net.examples), len(net.layers) - 1
    h = lambda q: name(q, examples=n)  # noqa: E731: a column's header
    # the names of network/names.py without an example's suffix: the blocks show example 1
    w = lambda l, j, k: name(Quantity(Kind.WEIGHT, l, j, k))  # noqa: E731
    z = lambda l, j: name(Quantity(Kind.Z, l, j, example=1))  # noqa: E731
    a = lambda l, j: name(Quantity(Kind.A, l, j, example=1) if l else Quantity(Kind.INPUT, 0, j, example=1))  # noqa: E731
    t = lambda j: name(Quantity(Kind.TARGET, neuron=j, example=1))  # noqa: E731
    d = lambda l, j: name(Quantity(Kind.DELTA, l, j, example=1))  # noqa: E731
    below = lambda l, k: a(l - 1, k)  # noqa: E731
    lines: list[tuple[str, str | None]] = []
    if block == 1:
        for l in range(1, L + 1):
            f, _ = ACTIVATION_TEXT[net.activations[l - 1]]
            for j in range(1, net.layers[l] + 1):
                terms = " + ".join(f"{w(l, j, k)}·{below(l, k)}" for k in range(1, net.layers[l - 1] + 1))
                bias = f" + {name(Quantity(Kind.BIAS, l, j))}" if net.train_biases or net.biases_given else ""
                lines.append((f"{z(l, j)} = {terms}{bias}", h(Quantity(Kind.Z, l, j, example=1))))
                value = f"{f}({z(l, j)})" if f else z(l, j)
                if net.activations[l - 1] == "softmax":
                    value = f"e^{z(l, j)} / Σ_k e^z_{l}_k   (computed as e^(z − max z): no overflow)"
                lines.append((f"{a(l, j)} = {value}", h(Quantity(Kind.A, l, j, example=1))))
        loss = {"half-squared-error": "Σ_j ½(t_j − a_L_j)²", "cross-entropy": "−Σ_j t_j·ln a_L_j"}[net.loss]
        if net.loss == "cross-entropy" and net.activations[-1] != "softmax":
            loss = "−(t·ln a + (1 − t)·ln(1 − a))"
        loss = loss.replace("L", str(L))
        if n > 1:
            lines.append((f"E = {loss}   (this example's loss)", h(Quantity(Kind.LOSS, example=1))))
            lines.append((f"E_total = (E[e1] + … + E[e{n}]) / {n}   (the mean over the examples)", "E_total"))
        else:
            lines.append((f"E_total = {loss}", "E_total"))
    elif block == 2:
        f, derivative = ACTIVATION_TEXT[net.activations[-1]]
        for j in range(1, net.layers[L] + 1):
            header = h(Quantity(Kind.DELTA, L, j, example=1))
            if net.loss == "cross-entropy":
                lines.append((f"{d(L, j)} = ∂E/∂{z(L, j)} = {a(L, j)} − {t(j)}", header))
            elif net.activations[-1] == "softmax":
                lines.append((f"{d(L, j)} = {a(L, j)}·(({a(L, j)} − {t(j)}) − Σ_k (a_{L}_k − t_k)·a_{L}_k)", header))
            else:
                lines.append((f"{d(L, j)} = ∂E/∂{a(L, j)} · f'({z(L, j)}) = ({a(L, j)} − {t(j)})·{derivative}", header))
        if net.loss == "cross-entropy":
            why = ("why a − t: Σ_j ∂E/∂a_j · ∂a_j/∂z_i = Σ_j (−t_j/a_j)·a_j(1[i=j] − a_i) = a_i·Σ_j t_j − t_i "
                   "= a_i − t_i (the targets sum to 1)") if net.activations[-1] == "softmax" else (
                   "why a − t: ∂E/∂a = (a − t)/(a(1 − a)) and σ'(z) = a(1 − a) cancel")
            lines.append((why, None))
    elif block == 3:
        for l in range(L - 1, 0, -1):
            _, derivative = ACTIVATION_TEXT[net.activations[l - 1]]
            for j in range(1, net.layers[l] + 1):
                above = " + ".join(f"{d(l + 1, k)}·{w(l + 1, k, j)}" for k in range(1, net.layers[l + 1] + 1))
                slope = derivative.replace("a", a(l, j)).replace("z", z(l, j))
                lines.append((f"{d(l, j)} = ({above})·{slope}", h(Quantity(Kind.DELTA, l, j, example=1))))
    elif block == 4:
        mean = "mean over the examples of " if n > 1 else ""
        for l in range(1, L + 1):
            for j in range(1, net.layers[l] + 1):
                for k in range(1, net.layers[l - 1] + 1):
                    gradient = h(Quantity(Kind.GRAD_WEIGHT, l, j, k))
                    lines.append((f"{gradient} = {mean}{d(l, j)}·{below(l, k)}", gradient))
                if net.train_biases:
                    gradient = h(Quantity(Kind.GRAD_BIAS, l, j))
                    lines.append((f"{gradient} = {mean}{d(l, j)}", gradient))
    return lines


def _write_block(
    grid: Grid, styles: Styles, net: Network, row0: dict[str, float], block: int, lines: list[tuple[str, str | None]], row: int
) -> int:
    """A block's title and lines from column A, each value the LR sheet's at the chosen row; returns the next row."""
    colour = BLOCK_STYLE[block]
    filled(grid, row, 0, GENERAL_TITLES[block], styles.block_title[colour])
    grid.string(row, LINE_WIDTH, "at the chosen row", styles.block_title[colour])
    for text, header in lines:
        row += 1
        filled(grid, row, 0, text, styles.block_line[colour])
        if header is not None:
            number = SCIENTIFIC if text.startswith(("δ", "∂", "E")) else DECIMALS
            grid.formula(row, LINE_WIDTH, f"={_pick(net, header)}", styles.value[number], row0[header])
    return row + 1


def _write_update(
    grid: Grid, styles: Styles, net: Network, row0: dict[str, float], row: int, exercise: str | None
) -> None:
    """The update rule, worked for the first weight at the chosen row."""
    filled(grid, row, 0, GENERAL_TITLES[5], styles.update_rule)
    grid.string(row, LINE_WIDTH, "at the chosen row", styles.update_rule)
    w = name(Quantity(Kind.WEIGHT, 1, 1, 1))
    g = name(Quantity(Kind.GRAD_WEIGHT, 1, 1, 1))
    rate = net.learning_rates[0]
    etas = ",".join(f"'{layout.lr_sheet_name(r)}'!{layout.cell(*layout.ETA_CELL, absolute=True)}" for r in net.learning_rates)
    cells = [absolute(row + k, LINE_WIDTH) for k in (1, 2, 3)]
    following = 0.0 if exercise is not None else row0[w] - rate * row0[g]  # an exercise's updates start empty
    lines = [
        ("η, the learning rate of the chosen LR sheet", f"=CHOOSE(show_sheet,{etas})", rate),
        (f"{w} at the chosen iteration", f"={_pick(net, w)}", row0[w]),
        (f"∂E_total/∂{w} at the chosen iteration", f"={_pick(net, g)}", row0[g]),
        (f"{w} − η · ∂E_total/∂{w}", f"={cells[1]}-{cells[0]}*{cells[2]}", row0[w] - rate * row0[g]),
        (f"= {w} one row further down that LR sheet (the next iteration)",
         f'=IF(show_iteration<{net.iterations},{_pick(net, w, offset=1)},"no next row")', following),
    ]
    biases = " and the biases" if net.train_biases else ""
    lines.append((f"Every LR sheet applies the rule to every weight{biases} in every row, with its own η in B2.", None, None))
    for k, (text, formula, value) in enumerate(lines, start=1):
        grid.string(row + k, 0, text)
        if formula is not None:
            number = SCIENTIFIC if text.startswith("∂") else DECIMALS
            grid.formula(row + k, LINE_WIDTH, formula, styles.value[number], value)


# ---------------------------------------------------------------- helpers

def _pick(net: Network, header: str, offset: int = 0) -> str:
    index = [c.header for c in net.columns()].index(header)
    return picked_column(net, index, offset)


def _value_format(styles: Styles, c) -> object:
    number = SCIENTIFIC if c.kind in (Kind.LOSS, Kind.E_TOTAL, Kind.DELTA, Kind.GRAD_WEIGHT, Kind.GRAD_BIAS) else DECIMALS
    return styles.block_value[KIND_BLOCK[c.kind], number]
