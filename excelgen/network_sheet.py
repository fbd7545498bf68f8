"""The Network sheet, for any network: the editable constants, a row picker, a live diagram and the derivation.

    ┌ constants (yellow, with defined names) ┐  ┌ show iteration [0]  η [0.1] ┐
    │                                        │  │ the live diagram             │
    ├ the first half of the blocks           ┤  ├ the other half, then the     ┤
    └                                        ┘  └ update rule                  ┘

Every value in the blocks and the diagram is a live formula that reads the chosen row (show_iteration) of the
chosen LR sheet (show_rate) with INDEX, or computes a step of the derivation from other lines. The saved values
are those of iteration 0 on the first LR sheet. What the diagram and the blocks hold is data (excelgen/diagram.py,
excelgen/derivation.py); this module lays out any of it the same way.
"""

from __future__ import annotations

import re

from xlsxwriter.utility import quote_sheetname, xl_range_abs
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from excelgen import diagram
from excelgen.derivation import ETA, Block, Line, derivation, title
from excelgen.grid import Grid
from excelgen.printing import page_setup
from excelgen.styles import DECIMALS, EDGE_COLOUR, NODE_FILLS, SCIENTIFIC, Styles
from excelgen.summary_sheet import LIVE_LABELS, live_rows
from network import Kind, Network, Quantity, layout
from network.layout import cell, column_range, constant_name, fixed_bias_name, sheet_ref
from network.names import name

MAX_INLINE_LIST = 255  # characters of a data validation's inline list (Excel's limit; XlsxWriter warns past it)
INPUT_HEADER_ROW = 3
VALUE_COL = 1  # column B holds the editable values
LINE_WIDTH = 6  # an equation line is filled across six columns; its value sits in the seventh
LEFT, RIGHT = 0, 8  # the first half of the blocks starts in column A, the other half in column I
DIAGRAM_COL = RIGHT  # the pickers and the diagram sit above the right-hand blocks
# A..G: constants and the first blocks; H: a gap; I..N: the other blocks and the diagram; O: their values
COLUMN_WIDTHS = (24, 13, 13, 34, 10, 10, 16, 3, 14, 14, 19, 14, 14, 14, 16)  # K: room for 'on the LR sheet of η'
VALUE_HEADER = "at the chosen row"
# the picker cells and their defined names
PICKERS = {"show_iteration": (INPUT_HEADER_ROW, RIGHT + 1), "show_rate": (INPUT_HEADER_ROW, RIGHT + 3)}
SHOWN_SHEET = (INPUT_HEADER_ROW + 1, RIGHT + 1)  # the number of the chosen LR sheet, 1..n
DIAGRAM_ROW = INPUT_HEADER_ROW + 3
LABEL_PLACES = {"input": "left", "neuron": "above", "target": "above", "error": "right"}  # a node's label
DATA_COL = len(COLUMN_WIDTHS) + 1  # the diagram's table of points, right of the printed page (column Q on)
EXERCISE_NOTE = (
    "Exercise: on every LR sheet, type the formula of each yellow column in row 5 (iteration 0) and fill it down; "
    "the blocks below use the same names. Then check it: backprop-sheet verify this-file.xlsx"
)
_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


def constants(net: Network) -> list[tuple[Quantity, str]]:
    """The Network sheet's constants in order, each with its defined name: every example's inputs and targets,
    the initial weights, then the biases (a fixed bias once per defined name: the classic b1 serves h1 and h2)."""
    n = len(net.examples)
    found = []
    for e in range(1, n + 1):
        found += [(q, constant_name(q, n, net.classic)) for q in
                  [Quantity(Kind.INPUT, 0, k, example=e) for k in range(1, net.layers[0] + 1)]
                  + [Quantity(Kind.TARGET, neuron=k, example=e) for k in range(1, net.layers[-1] + 1)]]
    layers = range(1, len(net.layers))
    for l in layers:
        found += [(Quantity(Kind.WEIGHT, l, j, k), constant_name(Quantity(Kind.WEIGHT, l, j, k), n, net.classic))
                  for j in range(1, net.layers[l] + 1) for k in range(1, net.layers[l - 1] + 1)]
    if net.train_biases or net.biases_given:
        for l in layers:
            for j in range(1, net.layers[l] + 1):
                b = Quantity(Kind.BIAS, l, j)
                defined = constant_name(b, n) if net.train_biases else fixed_bias_name(l, j, net.classic)
                if defined not in {d for _, d in found}:
                    found.append((b, defined))
    return found


def network_cells(net: Network) -> dict[str, tuple[int, int]]:
    """Each constant's name (i1, t2, w5, b1, x_1[e2], ...) -> its (row, col) on the Network sheet."""
    return {net.name_of(q): (INPUT_HEADER_ROW + 1 + k, VALUE_COL) for k, (q, _) in enumerate(constants(net))}


def picked(net: Network, header: str, offset: int = 0) -> str:
    """The formula text (no '=') of an LR-table value at the chosen iteration (+ offset) of the chosen LR sheet."""
    col = [c.header for c in net.columns()].index(header)
    first = layout.FIRST_DATA_ROW
    choices = [f"INDEX({column_range(layout.lr_sheet_name(rate), first, first + net.iterations, col)},"
               f"show_iteration+{offset + 1},1)" for rate in net.learning_rates]
    return f"CHOOSE(show_sheet,{','.join(choices)})"


def write_network_sheet(
    wb: Workbook, ws: Worksheet, styles: Styles, net: Network, row0: dict[str, float], row1: dict[str, float],
    *, exercise: str | None = None,
) -> None:
    """row0, row1: the values of iterations 0 and 1 on the first LR sheet as a spreadsheet computes them, by header
    (an exercise's empty columns count as 0)."""
    for col, width in enumerate(COLUMN_WIDTHS):
        ws.set_column(col, col, width)
    grid = Grid()
    grid.string(0, 0, title(net), styles.title)
    grid.string(1, 0, f"Template {net.name}. {net.description}".strip(), styles.subtitle)
    if exercise is not None:
        grid.string(2, 0, EXERCISE_NOTE, styles.label)
    inputs_end = _write_constants(wb, grid, styles, net)
    grid.string(inputs_end, 0, "Type new values into the yellow cells: every LR sheet and the Summary recalculate.", styles.hint)
    if not net.classic:  # the checker reads a general network's shape here; the classic headers say it themselves
        wb.define_name(layout.GENERAL_DESCRIPTION_NAME, f'="{layout.general_shape(net).text()}"')
    _write_pickers(wb, ws, grid, styles, net)
    weights, below_diagram = _write_diagram(wb, ws, grid, styles, net, row0)
    shown = _Shown(net, row0, row1, weights)
    blocks = derivation(net)
    first = max(inputs_end, below_diagram) + 2
    half = len(blocks) // 2  # the first half of the blocks on the left, the rest and the update rule on the right
    placed, row = [], first
    for k, block in enumerate(blocks):
        if k == half:
            row = first
        placed.append((block, row, LEFT if k < half else RIGHT))
        row += len(block.lines) + 2  # the title, the lines, a blank row
    for block, row, col in placed:  # later lines win: a formula reads the last cell that shows a quantity
        for i, line in enumerate(block.lines, start=1):
            shown.add(line, absolute(row + i, col + LINE_WIDTH))
    for block, row, col in placed:
        _write_block(grid, styles, block, row, col, shown)
    grid.write(ws)
    # on paper: the blocks and the diagram, not the diagram's table right of column O
    last_row = max(below_diagram, *(row + len(block.lines) for block, row, _ in placed))
    page_setup(ws, last_row=last_row, last_col=len(COLUMN_WIDTHS) - 1, split_col=RIGHT)


def _write_constants(wb: Workbook, grid: Grid, styles: Styles, net: Network) -> int:
    """The editable table; returns the first row below it."""
    for col, text in enumerate(("quantity", "value", "defined name", "meaning")):
        grid.string(INPUT_HEADER_ROW, col, text, styles.table_header)
    row = INPUT_HEADER_ROW
    for row, (q, defined) in enumerate(constants(net), start=INPUT_HEADER_ROW + 1):
        grid.string(row, 0, net.name_of(q), styles.label)
        grid.number(row, VALUE_COL, net.constant(q), styles.input)
        grid.string(row, 2, defined, styles.name)
        grid.string(row, 3, meaning(net, q))
        wb.define_name(defined, f"={absolute(row, VALUE_COL)}")
    return row + 1


def _rate_choices(net: Network) -> list[str] | str:
    """The η picker's list: inline while it fits a data validation's 255 characters, else the Summary's live η row."""
    rates = [repr(float(r)) for r in net.learning_rates]
    if len(",".join(rates)) <= MAX_INLINE_LIST:
        return rates
    row = live_rows(net.iterations)[LIVE_LABELS[0]]
    return f"={quote_sheetname(layout.SUMMARY_SHEET)}!{xl_range_abs(row, 1, row, len(rates))}"


def _write_pickers(wb: Workbook, ws: Worksheet, grid: Grid, styles: Styles, net: Network) -> None:
    """Two yellow cells choose the row the diagram and the blocks show: an iteration and a learning rate."""
    (row, it_col), (_, rate_col) = PICKERS["show_iteration"], PICKERS["show_rate"]
    grid.string(row, RIGHT, "show iteration", styles.label)
    grid.number(row, it_col, 0, styles.picker)
    grid.string(row, it_col + 1, "on the LR sheet of η", styles.label)
    grid.number(row, rate_col, net.learning_rates[0], styles.eta)
    grid.string(row, rate_col + 1, "← the diagram and the blocks show this row", styles.hint)
    rates = ",".join(repr(float(r)) for r in net.learning_rates)
    # a helper the formulas read (show_sheet), hidden: its text and number do not show on screen or paper
    grid.string(SHOWN_SHEET[0], RIGHT, "LR sheet number", styles.hidden)
    grid.formula(*SHOWN_SHEET, f"=MATCH(show_rate,{{{rates}}},0)", styles.hidden, 1)
    for name_, (r, c) in PICKERS.items():
        wb.define_name(name_, f"={absolute(r, c)}")
    wb.define_name("show_sheet", f"={absolute(*SHOWN_SHEET)}")
    ws.data_validation(row, it_col, row, it_col, {
        "validate": "integer", "criteria": "between", "minimum": 0, "maximum": net.iterations,
        "input_title": "Which iteration?", "input_message": f"0 to {net.iterations}",
        "error_title": "Not an iteration", "error_message": f"Type a whole number from 0 to {net.iterations}.",
    })
    ws.data_validation(row, rate_col, row, rate_col, {
        "validate": "list", "source": _rate_choices(net),
        "input_title": "Which LR sheet?", "input_message": "One of the learning rates of the LR sheets",
    })


def _write_diagram(wb: Workbook, ws: Worksheet, grid: Grid, styles: Styles, net: Network, row0: dict[str, float],
                   ) -> tuple[dict[str, tuple[str, float]], int]:
    """The diagram: an XY chart over columns I..O from DIAGRAM_ROW, drawn from a table right of the printed page
    (from DATA_COL): each node and weight's live value and label text, and the lines' points. Every label is a
    one-point series named by its label cell: LibreOffice shows a label taken from the series name, not one that
    refers to a cell itself. Returns each weight's value cell and saved value, and the first row below the chart."""
    where = {}
    ws.set_column(DATA_COL + 2, DATA_COL + 2, 22)
    chart = wb.add_chart({"type": "scatter", "subtype": "straight"})
    top = DIAGRAM_ROW - 1
    grid.string(top - 1, DATA_COL, "The diagram's points: the chart left of here draws them, each label the text of "
                "its label cell; every value is a live formula for the row the pickers choose.", styles.diagram_header)
    for k, text in enumerate(("point", "value", "label", "x", "y", "", "line x", "line y")):
        grid.string(top, DATA_COL + k, text, styles.diagram_header)
    row = top + 1
    for l in range(1, len(net.layers)):  # a line series per gap between two layers: one path along every edge
        path = [(e.x0, e.y0, e.x1, e.y1) for e in diagram.edges(net) if e.layer == l]
        for k, (x0, y0, x1, y1) in enumerate(path):  # ..., k, j, k, j', ...: the way back retraces an edge
            for r, (x, y) in ((row + 2 * k, (x0, y0)), (row + 2 * k + 1, (x1, y1))):
                grid.number(r, DATA_COL + 6, x, styles.diagram_data)
                grid.number(r, DATA_COL + 7, y, styles.diagram_data)
        chart.add_series(_series(row, row + 2 * len(path) - 1, DATA_COL + 6,
                                 line={"color": EDGE_COLOUR, "width": 1.25}))
        row += 2 * len(path)
    row = top + 1
    for node in diagram.nodes(net):
        label = _diagram_row(grid, styles, net, row, node, (node.x, node.y), row0)[0]
        chart.add_series(_series(row, row, DATA_COL + 3, name=label, position=LABEL_PLACES[node.kind],
                                 marker={"type": "circle", "size": 9, "fill": {"color": NODE_FILLS[node.kind]},
                                         "border": {"color": "#404040"}}))
        row += 1
    for e in diagram.edges(net):
        label, value = _diagram_row(grid, styles, net, row, e, e.label_point, row0)
        where[e.header] = (absolute(row, DATA_COL + 1), value)
        if e.labelled:
            chart.add_series(_series(row, row, DATA_COL + 3, name=label, position="center"))
        row += 1
    points = diagram.nodes(net)
    high, low = max(p.y for p in points), min(p.y for p in points)
    x_min, x_max = diagram.x_range(net)
    chart.set_x_axis({"visible": False, "min": x_min, "max": x_max, "major_gridlines": {"visible": False}})
    chart.set_y_axis({"visible": False, "min": low - 0.5, "max": high + 0.6, "major_gridlines": {"visible": False}})
    chart.set_legend({"none": True})
    chart.set_title({"none": True})
    rows = max(14, round((high - low + 1.1) * diagram.Y_UNIT_PX / 20))  # rows of 20 px
    chart.set_size({"width": diagram.WIDTH_PX, "height": rows * 20})
    ws.insert_chart(DIAGRAM_ROW, DIAGRAM_COL, chart, {"object_position": 1})
    below = DIAGRAM_ROW + rows
    if not all(e.labelled for e in diagram.edges(net)):
        grid.string(below, DIAGRAM_COL, f"Between two layers with more than {diagram.LABELLED_EDGES} weights the "
                    "diagram draws the edges without their values; the LR sheets show every weight.", styles.hint)
        below += 1
    return where, below


def _diagram_row(grid: Grid, styles: Styles, net: Network, row: int, point: diagram.Node | diagram.Edge,
                 xy: tuple[float, float], row0: dict[str, float]) -> tuple[str, float]:
    """One row of the diagram's table: a node's or weight's name, its live value, its label text (name and value:
    "w5 0.4000", a loss "E1 5.67E-03") and the place of its label; returns the label cell's address and the saved
    value."""
    node = isinstance(point, diagram.Node)
    label, scientific = (point.label, point.kind == "error") if node else (point.header, False)
    if node and point.constant is not None:
        formula, value = f"={point.constant}", net.constant(point.quantity)
    else:
        formula, value = f"={picked(net, point.header)}", row0[point.header]
    # A value that rounds to 0 shows as 0.0000 in every app: ROUND(v,4)+0 is +0 even where v is a tiny negative
    # number (Excel's TEXT would write -0.0000, LibreOffice's 0.0000).
    number = cell(row, DATA_COL + 1)
    shown, text = (f"{value:.2E}", f'TEXT({number},"0.00E+00")') if scientific else (
        f"{round(value, 4) + 0.0:.4f}", f'TEXT(ROUND({number},4)+0,"0.0000")')
    grid.string(row, DATA_COL, label, styles.diagram_data)
    grid.formula(row, DATA_COL + 1, formula, styles.diagram_data, value)
    grid.formula(row, DATA_COL + 2, f'={cell(row, DATA_COL)}&" "&{text}', styles.diagram_data, f"{label} {shown}")
    grid.number(row, DATA_COL + 3, xy[0], styles.diagram_data)
    grid.number(row, DATA_COL + 4, xy[1], styles.diagram_data)
    return absolute(row, DATA_COL + 2), value


def _series(first: int, last: int, x_col: int, *, line: dict | None = None, marker: dict | None = None,
            name: str | None = None, position: str | None = None) -> dict:
    """A chart series over rows first..last of the diagram's table (x in x_col, y right of it); with a name, its
    one point is labelled with that cell's text (a weight's label on a white box, on its edge)."""
    column = lambda k: [layout.NETWORK_SHEET, first, k, last, k]  # noqa: E731
    series = {"categories": column(x_col), "values": column(x_col + 1), "marker": marker or {"type": "none"},
              "line": line or {"none": True}}
    if name is not None:
        series["name"] = f"={name}"
        font = {"size": diagram.LABEL_PT, "color": "#202020"}
        series["data_labels"] = {"series_name": True, "position": position, "font": font,
                                 **({"fill": {"color": "#FFFFFF"}} if position == "center" else {})}
    return series


class _Shown:
    """What this sheet shows, for the formulas of its lines: each quantity or line label -> its cell and saved value."""

    def __init__(self, net: Network, row0: dict, row1: dict, diagram_cells: dict[str, tuple[str, float]]) -> None:
        self.net, self.row0, self.row1 = net, row0, row1
        self.cells = {key: address for key, (address, _) in diagram_cells.items()}
        self.values = {key: value for key, (_, value) in diagram_cells.items()}
        self.lines: dict[str, Line] = {}
        self.constants = {net.name_of(q): (defined, net.constant(q)) for q, defined in constants(net)}

    def add(self, line: Line, address: str) -> None:
        """The line's value sits at `address`: its label and the quantity it shows (not one row further) read it."""
        for key in (line.label, None if line.offset else line.shows):
            if key is not None:
                self.cells[key], self.lines[key] = address, line
                self.values.pop(key, None)

    def operand(self, key: str) -> tuple[str, float]:
        """A placeholder of a formula: the cell that shows it, or a constant's defined name; with its value."""
        if key in self.cells:
            return self.cells[key], self.values[key] if key in self.values else self.value(self.lines[key])
        return self.constants[key]

    def value(self, line: Line) -> float | None:
        """A line's saved value: the LR sheet's at iteration 0 (1 with offset=1), η, or its formula's result."""
        if line.shows == ETA:
            return self.net.learning_rates[0]
        if line.shows is not None:
            return (self.row1 if line.offset else self.row0)[line.shows]
        if line.formula is not None:
            numbers = _PLACEHOLDER.sub(lambda m: repr(self.operand(m.group(1))[1]), line.formula)
            return float(eval(numbers, {"__builtins__": {}}))  # floats, + − * and parentheses, as a sheet computes
        return None

    def formula(self, line: Line) -> str | None:
        net = self.net
        if line.shows == ETA:
            eta = ",".join(sheet_ref(layout.lr_sheet_name(r), *layout.ETA_CELL) for r in net.learning_rates)
            return f"=CHOOSE(show_sheet,{eta})"
        if line.shows is not None and line.offset:
            return f'=IF(show_iteration<{net.iterations},{picked(net, line.shows, offset=line.offset)},"no next row")'
        if line.shows is not None:
            return f"={picked(net, line.shows)}"
        if line.formula is not None:
            return "=" + _PLACEHOLDER.sub(lambda m: self.operand(m.group(1))[0], line.formula)
        return None


def _write_block(grid: Grid, styles: Styles, block: Block, row: int, col: int, shown: _Shown) -> None:
    """A block's title and lines from (row, col), each line's value in the seventh column."""
    title_style = styles.update_rule if block.update else styles.block_title[block.colour]
    filled(grid, row, col, block.title, title_style)
    grid.string(row, col + LINE_WIDTH, VALUE_HEADER, title_style)
    for i, line in enumerate(block.lines, start=1):
        if block.update:
            grid.string(row + i, col, line.text)
        else:
            filled(grid, row + i, col, line.text, styles.block_line[block.colour])
        formula = shown.formula(line)
        if formula is not None:
            number = SCIENTIFIC if line.text.startswith(("E", "∂", "δ")) else DECIMALS
            grid.formula(row + i, col + LINE_WIDTH, formula, styles.value[number], shown.value(line))


def filled(grid: Grid, row: int, col: int, text: str, cell_format) -> None:
    """Text in column `col`, its background carried across the line (the text flows over the blank cells)."""
    grid.string(row, col, text, cell_format)
    for c in range(col + 1, col + LINE_WIDTH):
        grid.blank(row, c, cell_format)


def absolute(row: int, col: int) -> str:
    """Network!$B$5: an absolute address on this sheet, usable from any sheet and in a defined name."""
    return f"{layout.NETWORK_SHEET}!{cell(row, col, absolute=True)}"


def meaning(net: Network, q: Quantity) -> str:
    """What a Network-sheet constant is, in words: "input 1", "weight a_h1 → o1" (from its wiring), "bias of h1 and h2"."""
    L, n = len(net.layers) - 1, len(net.examples)
    of = f" of example {q.example}" if n > 1 and q.example is not None else ""
    plain = lambda q: name(q, classic=net.classic)  # noqa: E731: without an example's suffix
    if q.kind is Kind.INPUT:
        return f"input {q.neuron}{of}"
    if q.kind is Kind.TARGET:
        return f"target of output {q.neuron}{of} (what {plain(Quantity(Kind.A, L, q.neuron, example=1))} should become)"
    if q.kind is Kind.WEIGHT:
        below = Quantity(Kind.INPUT, 0, q.source, example=1) if q.layer == 1 else Quantity(Kind.A, q.layer - 1, q.source, example=1)
        return f"weight {plain(below)} → {plain(Quantity(Kind.Z, q.layer, q.neuron, example=1))}"
    if net.train_biases:
        return f"initial bias of {plain(Quantity(Kind.Z, q.layer, q.neuron, example=1))}"
    defined = fixed_bias_name(q.layer, q.neuron, net.classic)
    shared = [j for j in range(1, net.layers[q.layer] + 1) if fixed_bias_name(q.layer, j, net.classic) == defined]
    neurons = " and ".join(plain(Quantity(Kind.Z, q.layer, j, example=1)) for j in shared)
    return f"bias of {neurons} (held fixed)"
