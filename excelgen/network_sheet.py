"""The Network sheet: the editable inputs, a row picker, a live diagram and the six blocks.

    ┌ inputs (yellow, with defined names) ┐  ┌ show iteration [0]  η [0.1] ┐
    │                                     │  │ the live diagram             │
    ├ blocks 1-3: forward pass, output    ┤  ├ blocks 4-6: hidden layer,    ┤
    └ layer                               ┘  └ update rule                  ┘

Every value in the blocks and the diagram is a live formula that reads the chosen row
(show_iteration) of the chosen LR sheet (show_rate) with INDEX, or computes a step of the
derivation from other lines. The saved values are those of iteration 0 on the first LR sheet.
"""

from __future__ import annotations

from dataclasses import dataclass

from xlsxwriter.utility import quote_sheetname, xl_range_abs, xl_rowcol_to_cell
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from excelgen import notation
from network import Kind, Network, Quantity, layout, parse
from excelgen.diagram import write_diagram
from excelgen.notation import grad, paths
from excelgen.grid import Grid
from excelgen.printing import page_setup
from excelgen.spec import NetworkSpec
from excelgen.summary_sheet import LIVE_LABELS, live_rows
from excelgen.styles import BLOCK_TITLES, COUNT, DECIMALS, Styles, number_format

MAX_INLINE_LIST = 255  # characters of a data validation's inline list (Excel's limit; XlsxWriter warns past it)

INPUT_HEADER_ROW = 3
VALUE_COL = 1  # column B holds the editable values
LINE_WIDTH = 6  # an equation line is filled across six columns; its value sits in the seventh
LEFT, RIGHT = 0, 8  # blocks 1-3 start in column A, blocks 4-6 in column I
DIAGRAM_COL = RIGHT  # the pickers and the diagram sit above blocks 4-6
# A..G: inputs and blocks 1-3; H: a gap; I..N: blocks 4-6 and the diagram; O: their values
COLUMN_WIDTHS = (24, 13, 13, 34, 10, 10, 16, 3, 14, 14, 14, 14, 14, 14, 16)
VALUE_HEADER = "at the chosen row"
# the picker cells and their defined names
PICKERS = {"show_iteration": (INPUT_HEADER_ROW, RIGHT + 1), "show_rate": (INPUT_HEADER_ROW, RIGHT + 3)}
SHOWN_SHEET = (INPUT_HEADER_ROW + 1, RIGHT + 1)  # the number of the chosen LR sheet, 1..n
DIAGRAM_ROW = INPUT_HEADER_ROW + 3
EXERCISE_NOTE = (
    "Exercise: on every LR sheet, type the formula of each yellow column in row 5 (iteration 0) and fill it down; "
    "the blocks below use the same names. Then check it: backprop-sheet verify this-file.xlsx"
)


@dataclass(frozen=True)
class Line:
    """One equation line of a block, with an optional live value (formula and saved result)."""

    text: str
    formula: str | None = None
    value: float | None = None


def network_cells(spec: NetworkSpec) -> dict[str, tuple[int, int]]:
    """Quantity (i1, t2, w5, b1, ...) -> its (row, col) on the Network sheet."""
    quantities = ["i1", "i2", "t1", "t2", *layout.WEIGHTS] + (["b1", "b2"] if spec.has_biases else [])
    return {q: (INPUT_HEADER_ROW + 1 + k, VALUE_COL) for k, q in enumerate(quantities)}


def picked(spec: NetworkSpec, header: str, offset: int = 0) -> str:
    """The formula text (no '=') of an LR-table value at the chosen iteration (+ offset) of the chosen LR sheet."""
    return picked_column(spec, layout.column_index(header), offset)


def picked_column(spec, col: int, offset: int = 0) -> str:
    """picked() for a column given by its 0-based index; `spec` has `iterations` and `learning_rates`."""
    rows = layout.FIRST_DATA_ROW, layout.FIRST_DATA_ROW + spec.iterations
    shift = f"+{offset + 1}"
    choices = [
        f"INDEX({quote_sheetname(layout.lr_sheet_name(rate))}!{xl_range_abs(rows[0], col, rows[1], col)},show_iteration{shift})"
        for rate in spec.learning_rates
    ]
    return f"CHOOSE(show_sheet,{','.join(choices)})"


def write_network_sheet(
    wb: Workbook, ws: Worksheet, styles: Styles, spec: NetworkSpec, row0: dict[str, float], *, exercise: str | None = None
) -> None:
    """row0: the values of iteration 0 on the first LR sheet as a spreadsheet computes them, by header
    (an exercise's empty columns count as 0)."""
    for col, width in enumerate(COLUMN_WIDTHS):
        ws.set_column(col, col, width)
    grid = Grid()
    grid.string(0, 0, "Backpropagation by hand: two inputs, two hidden and two output sigmoid neurons", styles.title)
    grid.string(1, 0, f"Template {spec.name}. {spec.description}".strip(), styles.subtitle)
    if exercise is not None:
        grid.string(2, 0, EXERCISE_NOTE, styles.label)
    inputs_end = _write_inputs(wb, grid, styles, spec)
    grid.string(inputs_end, 0, "Type new values into the yellow cells: every LR sheet and the Summary recalculate.", styles.hint)
    write_pickers(wb, ws, grid, styles, spec)
    weights = write_diagram(grid, styles, spec, row0, DIAGRAM_ROW, DIAGRAM_COL, picked)
    first = max(inputs_end, grid.last_row()) + 2
    where = dict(weights)  # quantity -> the absolute address of its value on this sheet
    row = first
    for block in (1, 2, 3):
        row = _write_block(grid, styles, block, _lines(block, spec, row0, where, row), row, LEFT) + 1
    row = first
    for block in (4, 5, 6):
        row = _write_block(grid, styles, block, _lines(block, spec, row0, where, row), row, RIGHT) + 1
    _write_update_rule(grid, styles, spec, row0, where, row, exercise)
    grid.write(ws)
    page_setup(ws, pages_tall=1, last_row=grid.last_row(), last_col=len(COLUMN_WIDTHS) - 1)


def _write_inputs(wb: Workbook, grid: Grid, styles: Styles, spec: NetworkSpec) -> int:
    """The editable table; returns the first row below it."""
    for col, text in enumerate(("quantity", "value", "defined name", "meaning")):
        grid.string(INPUT_HEADER_ROW, col, text, styles.table_header)
    values = {"i1": spec.i1, "i2": spec.i2, "t1": spec.t1, "t2": spec.t2, "b1": spec.b1, "b2": spec.b2}
    values |= dict(zip(layout.WEIGHTS, spec.weights))
    names = layout.INPUT_NAMES | layout.WEIGHT_NAMES | layout.BIAS_NAMES
    cells = network_cells(spec)
    for quantity, (row, col) in cells.items():
        grid.string(row, 0, quantity, styles.label)
        grid.number(row, col, values[quantity], styles.input)
        grid.string(row, 2, names[quantity], styles.name)
        grid.string(row, 3, meaning(spec.net, quantity))
        wb.define_name(names[quantity], f"={absolute(row, col)}")
    return max(r for r, _ in cells.values()) + 1


def write_pickers(wb: Workbook, ws: Worksheet, grid: Grid, styles: Styles, spec) -> None:
    """Two yellow cells choose the row the diagram and the blocks show: an iteration and a learning rate.

    `spec` has `iterations` and `learning_rates` (a NetworkSpec or a general network.Network)."""
    (row, it_col), (_, rate_col) = PICKERS["show_iteration"], PICKERS["show_rate"]
    grid.string(row, RIGHT, "show iteration", styles.label)
    grid.number(row, it_col, 0, styles.input)
    grid.string(row, it_col + 1, "on the LR sheet of η", styles.label)
    grid.number(row, rate_col, spec.learning_rates[0], styles.eta)
    grid.string(row, rate_col + 1, "← the diagram and the blocks show this row", styles.hint)
    rates = ",".join(repr(float(r)) for r in spec.learning_rates)
    grid.string(SHOWN_SHEET[0], RIGHT, "LR sheet number", styles.hint)
    grid.formula(*SHOWN_SHEET, f"=MATCH(show_rate,{{{rates}}},0)", styles.value[COUNT], 1)
    for name, (r, c) in PICKERS.items():
        wb.define_name(name, f"={absolute(r, c)}")
    wb.define_name("show_sheet", f"={absolute(*SHOWN_SHEET)}")
    ws.data_validation(row, it_col, row, it_col, {
        "validate": "integer", "criteria": "between", "minimum": 0, "maximum": spec.iterations,
        "input_title": "Which iteration?", "input_message": f"0 to {spec.iterations}",
        "error_title": "Not an iteration", "error_message": f"Type a whole number from 0 to {spec.iterations}.",
    })
    ws.data_validation(row, rate_col, row, rate_col, {
        "validate": "list", "source": _rate_choices(spec),
        "input_title": "Which LR sheet?", "input_message": "One of the learning rates of the LR sheets",
    })


def _rate_choices(spec: NetworkSpec) -> list[str] | str:
    """The η picker's list: inline while it fits a data validation's 255 characters, else the Summary's live η row."""
    rates = [repr(float(r)) for r in spec.learning_rates]
    if len(",".join(rates)) <= MAX_INLINE_LIST:
        return rates
    row = live_rows(spec.iterations)[LIVE_LABELS[0]]
    return f"={quote_sheetname(layout.SUMMARY_SHEET)}!{xl_range_abs(row, 1, row, len(rates))}"


def _lines(block: int, spec: NetworkSpec, row0: dict[str, float], where: dict[str, str], row: int) -> list[Line]:
    """A block's lines, with live values; records in `where` the cell of each quantity a later line needs.

    `row` is the block's title row: line k sits in row + 1 + k.
    """
    def live(text: str, header: str) -> Line:
        return Line(text, f"={picked(spec, header)}", row0[header])

    col = LEFT if block <= 3 else RIGHT
    address = lambda k: absolute(row + 1 + k, col + LINE_WIDTH)  # noqa: E731: the value cell of line k
    if block == 1:
        headers = layout.HEADERS[9:20]
        where |= {h: address(k) for k, h in enumerate(headers)}
        return [live(notation.equation(spec.net, h), h) for h in headers]
    if block == 2:
        a_o1, a_h1 = where["a_o1"], where["a_h1"]
        v = row0
        factors = (v["a_o1"] - spec.t1, v["a_o1"] * (1 - v["a_o1"]), v["a_h1"])
        return [
            live("∂E_total/∂w5 = ∂(E1 + E2)/∂w5 = ∂E1/∂w5   (E2 does not depend on w5)", grad("w5")),
            Line(
                "∂E1/∂w5 = ∂E1/∂a_o1 · ∂a_o1/∂o1 · ∂o1/∂w5   (the product of the three lines below)",
                f"={address(2)}*{address(3)}*{address(4)}", factors[0] * factors[1] * factors[2],
            ),
            Line("∂E1/∂a_o1 = a_o1 − t1   (from E1 = ½·(t1 − a_o1)²)", f"={a_o1}-tgt_t1", factors[0]),
            Line("∂a_o1/∂o1 = a_o1·(1 − a_o1)   (the derivative of the sigmoid)", f"={a_o1}*(1-{a_o1})", factors[1]),
            Line("∂o1/∂w5 = a_h1   (o1 = w5·a_h1 + w6·a_h2 …)", f"={a_h1}", factors[2]),
        ]
    if block == 3:
        where |= {grad(w): address(k) for k, w in enumerate(layout.WEIGHTS[4:])}
        return [live(notation.equation(spec.net, grad(w)), grad(w)) for w in layout.WEIGHTS[4:]]
    if block == 4:
        lines = []
        for a in ("a_h1", "a_h2"):
            for k, w in enumerate(paths(spec.net, grad(a)), start=1):
                lines.append(_path_line(spec, row0, where, a, k, w))
            lines.append(live(f"∂E_total/∂{a} = ∂E1/∂{a} + ∂E2/∂{a}   (the two paths above)", grad(a)))
        return lines
    if block == 5:
        general = "∂E_total/∂w1 = ∂E_total/∂a_h1 · ∂a_h1/∂h1 · ∂h1/∂w1   (the same three factors for w2, w3, w4)"
        return [live(general, grad("w1")), *(live(notation.equation(spec.net, grad(w)), grad(w)) for w in layout.WEIGHTS[:4])]
    return [live(notation.hidden_grad_expanded(spec.net, grad(w)), grad(w)) for w in layout.WEIGHTS[:4]]


def _path_line(spec: NetworkSpec, row0: dict[str, float], where: dict[str, str], a: str, k: int, w: str) -> Line:
    """Block 4: ∂E1/∂a_h1 = ∂E1/∂o1 · ∂o1/∂a_h1 = (a_o1 − t1)·a_o1·(1 − a_o1)·w5: the path through output k."""
    o, t = f"a_o{k}", f"t{k}"
    a_o, target = where[o], layout.INPUT_NAMES[t]
    value = (row0[o] - getattr(spec, t)) * row0[o] * (1 - row0[o]) * row0[w]
    text = f"∂E{k}/∂{a} = ∂E{k}/∂o{k} · ∂o{k}/∂{a} = ({o} − {t})·{o}·(1 − {o})·{w}"
    return Line(text, f"=({a_o}-{target})*{a_o}*(1-{a_o})*{where[w]}", value)


def _write_block(grid: Grid, styles: Styles, block: int, lines: list[Line], row: int, col: int) -> int:
    """A block title and its equation lines from column `col`; returns the first row below the block."""
    filled(grid, row, col, BLOCK_TITLES[block], styles.block_title[block])
    grid.string(row, col + LINE_WIDTH, VALUE_HEADER, styles.block_title[block])
    for line in lines:
        row += 1
        filled(grid, row, col, line.text, styles.block_line[block])
        if line.formula is not None:
            quantity = line.text.split(" = ", 1)[0]
            grid.formula(row, col + LINE_WIDTH, line.formula, styles.value[number_format(quantity)], line.value)
    return row + 1


def _write_update_rule(
    grid: Grid, styles: Styles, spec: NetworkSpec, row0: dict[str, float], where: dict[str, str], row: int,
    exercise: str | None,
) -> None:
    """The update rule, worked for w5 at the chosen row: w5 − η·∂E_total/∂w5 equals the LR sheet's next w5."""
    filled(grid, row, RIGHT, f"Update rule · {notation.UPDATE_RULE}", styles.update_rule)
    grid.string(row, RIGHT + LINE_WIDTH, VALUE_HEADER, styles.update_rule)
    rate = spec.learning_rates[0]
    eta = xl_rowcol_to_cell(*layout.ETA_CELL, row_abs=True, col_abs=True)
    etas = ",".join(f"{quote_sheetname(layout.lr_sheet_name(r))}!{eta}" for r in spec.learning_rates)
    eta_cell = absolute(row + 1, RIGHT + LINE_WIDTH)
    w5, g5 = row0["w5"], row0[grad("w5")]
    next_w5 = 0.0 if exercise is not None else w5 - rate * g5  # an exercise's update column starts empty
    lines = [
        Line("η, the learning rate of the chosen LR sheet (its cell B2)", f"=CHOOSE(show_sheet,{etas})", rate),
        Line("w5 − η · ∂E_total/∂w5, both at the chosen iteration", f"={where['w5']}-{eta_cell}*{where[grad('w5')]}",
             w5 - rate * g5),
        Line(
            "= w5 one row further down that LR sheet (the next iteration)",
            f'=IF(show_iteration<{spec.iterations},{picked(spec, "w5", offset=1)},"no next row")', next_w5,
        ),
        Line("Every LR sheet applies the rule to all eight weights in every row, with its own η in B2."),
    ]
    if spec.has_biases:
        lines.append(Line("The biases b1 and b2 are not trained: they keep their values, as in the classic example."))
    for k, line in enumerate(lines, start=1):
        grid.string(row + k, RIGHT, line.text)
        if line.formula is not None:
            grid.formula(row + k, RIGHT + LINE_WIDTH, line.formula, styles.value[DECIMALS], line.value)


def filled(grid: Grid, row: int, col: int, text: str, cell_format) -> None:
    """Text in column `col`, its background carried across the line (the text flows over the blank cells)."""
    grid.string(row, col, text, cell_format)
    for c in range(col + 1, col + LINE_WIDTH):
        grid.blank(row, c, cell_format)


def absolute(row: int, col: int) -> str:
    """Network!$B$5: an absolute address on this sheet, usable from any sheet and in a defined name."""
    return f"{layout.NETWORK_SHEET}!{xl_rowcol_to_cell(row, col, row_abs=True, col_abs=True)}"


def meaning(net: Network, quantity: str) -> str:
    """What a Network-sheet constant is, in words: "input 1", "weight a_h1 → o1" (from its wiring), "bias of h1 and h2"."""
    q = parse(quantity, classic=True)
    if q.kind is Kind.INPUT:
        return f"input {q.neuron}"
    if q.kind is Kind.TARGET:
        output = net.name_of(Quantity(Kind.A, 2, q.neuron, example=1))
        return f"target of output {q.neuron} (what {output} should become)"
    if q.kind is Kind.WEIGHT:
        below = Quantity(Kind.INPUT, 0, q.source, example=1) if q.layer == 1 else Quantity(Kind.A, 1, q.source, example=1)
        return f"weight {net.name_of(below)} → {net.name_of(Quantity(Kind.Z, q.layer, q.neuron, example=1))}"
    neurons = " and ".join(net.name_of(Quantity(Kind.Z, q.layer, j, example=1)) for j in (1, 2))
    return f"bias of {neurons} (held fixed)"
