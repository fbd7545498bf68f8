"""The Network sheet: the editable inputs (with defined names), a picture, and the six blocks.

Rows are written top to bottom, as XlsxWriter's constant_memory mode requires.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from excelgen import layout, notation
from excelgen.formulas import grad
from excelgen.layout import rate_text
from excelgen.picture import network_png
from excelgen.spec import NetworkSpec
from excelgen.styles import BLOCK_TITLES, DECIMALS, Styles, number_format

INPUT_HEADER_ROW = 3
VALUE_COL = 1  # column B holds the editable values
LINE_WIDTH = 6  # an equation line is filled across columns A..F; its value sits in G
VALUE_AT_0_COL = LINE_WIDTH
COLUMN_WIDTHS = (24, 13, 13, 34, 10, 10, 16)
_MEANINGS = {
    "i1": "input 1",
    "i2": "input 2",
    "t1": "target of output 1 (what a_o1 should become)",
    "t2": "target of output 2 (what a_o2 should become)",
    "w1": "weight i1 → h1",
    "w2": "weight i2 → h1",
    "w3": "weight i1 → h2",
    "w4": "weight i2 → h2",
    "w5": "weight a_h1 → o1",
    "w6": "weight a_h2 → o1",
    "w7": "weight a_h1 → o2",
    "w8": "weight a_h2 → o2",
    "b1": "bias of h1 and h2 (held fixed)",
    "b2": "bias of o1 and o2 (held fixed)",
}


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


def write_network_sheet(wb: Workbook, ws: Worksheet, styles: Styles, spec: NetworkSpec, row0: dict[str, float]) -> None:
    """row0: the saved values of iteration 0 on the first LR sheet, by header (the same on every LR sheet)."""
    for col, width in enumerate(COLUMN_WIDTHS):
        ws.set_column(col, col, width)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)  # printed one page wide
    ws.write_string(0, 0, "Backpropagation by hand: two inputs, two hidden and two output sigmoid neurons", styles.title)
    ws.write_string(1, 0, f"Template {spec.name}. {spec.description}".strip(), styles.subtitle)
    row = _write_inputs(wb, ws, styles, spec)
    ws.write_string(row, 0, "Type new values into the yellow cells: every LR sheet and the Summary recalculate.", styles.hint)
    row += 2
    blocks = _blocks(spec, row0)
    for block, lines in blocks.items():
        row = _write_block(ws, styles, block, lines, row, spec) + 1
    _write_update_rule(ws, styles, spec, row0, row)
    ws.insert_image(
        INPUT_HEADER_ROW, 4, "network.png",
        {"image_data": io.BytesIO(network_png(spec.has_biases)), "x_offset": 16, "y_offset": 0, "object_position": 3},
    )


def _write_inputs(wb: Workbook, ws: Worksheet, styles: Styles, spec: NetworkSpec) -> int:
    """The editable table; returns the first row below it."""
    for col, text in enumerate(("quantity", "value", "defined name", "meaning")):
        ws.write_string(INPUT_HEADER_ROW, col, text, styles.table_header)
    values = {"i1": spec.i1, "i2": spec.i2, "t1": spec.t1, "t2": spec.t2, "b1": spec.b1, "b2": spec.b2}
    values |= dict(zip(layout.WEIGHTS, spec.weights))
    names = layout.INPUT_NAMES | layout.WEIGHT_NAMES | layout.BIAS_NAMES
    cells = network_cells(spec)
    for quantity, (row, col) in cells.items():
        ws.write_string(row, 0, quantity, styles.label)
        ws.write_number(row, col, values[quantity], styles.input)
        ws.write_string(row, 2, names[quantity], styles.name)
        ws.write_string(row, 3, _MEANINGS[quantity])
        wb.define_name(names[quantity], f"={layout.NETWORK_SHEET}!{layout.cell(row, col, absolute=True)}")
    return max(r for r, _ in cells.values()) + 1


def _write_block(ws: Worksheet, styles: Styles, block: int, lines: list[Line], row: int, spec: NetworkSpec) -> int:
    """A block title and its equation lines; returns the first row below the block."""
    _filled(ws, row, BLOCK_TITLES[block], styles.block_title[block])
    ws.write_string(row, VALUE_AT_0_COL, f"iteration 0, {_first_sheet(spec)}", styles.block_title[block])
    for line in lines:
        row += 1
        _filled(ws, row, line.text, styles.block_line[block])
        if line.formula is not None:
            quantity = line.text.split(" = ", 1)[0]
            ws.write_formula(row, VALUE_AT_0_COL, line.formula, styles.value[number_format(quantity)], line.value)
    return row + 1


def _write_update_rule(ws: Worksheet, styles: Styles, spec: NetworkSpec, row0: dict[str, float], row: int) -> None:
    sheet = _first_sheet(spec)
    _filled(ws, row, f"Update rule · {notation.UPDATE_RULE}", styles.update_rule)
    ws.write_string(row, VALUE_AT_0_COL, f"iteration 1, {sheet}", styles.update_rule)
    rate = spec.learning_rates[0]
    w5_after = row0["w5"] - rate * row0[grad("w5")]
    ws.write_string(row + 1, 0, f"Each LR sheet applies it once per row, with its own η in cell B2: for example on {sheet},")
    ws.write_string(row + 2, 0, f"w5 at iteration 1 = w5 − {rate_text(rate)} · ∂E_total/∂w5, both at iteration 0")
    ws.write_formula(row + 2, VALUE_AT_0_COL, f"={_at(sheet, 'w5', 1)}", styles.value[DECIMALS], w5_after)
    if spec.has_biases:
        ws.write_string(row + 3, 0, "The biases b1 and b2 are not trained: they keep their values, as in the classic example.")


def _blocks(spec: NetworkSpec, row0: dict[str, float]) -> dict[int, list[Line]]:
    """The six blocks as lines of text with their values at iteration 0 on the first LR sheet."""
    sheet = _first_sheet(spec)

    def live(text: str, header: str) -> Line:
        return Line(text, f"={_at(sheet, header)}", row0[header])

    a_o1 = _at(sheet, "a_o1")
    return {
        1: [live(notation.forward(h, spec.has_biases), h) for h in layout.HEADERS[9:20]],
        2: [
            live("∂E_total/∂w5 = ∂E_total/∂a_o1 · ∂a_o1/∂o1 · ∂o1/∂w5   (the product of the three lines below)", grad("w5")),
            Line("∂E_total/∂a_o1 = a_o1 − t1   (only E1 depends on a_o1)", f"={a_o1}-tgt_t1", row0["a_o1"] - spec.t1),
            Line(
                "∂a_o1/∂o1 = a_o1·(1 − a_o1)   (the derivative of the sigmoid)",
                f"={a_o1}*(1-{a_o1})",
                row0["a_o1"] * (1 - row0["a_o1"]),
            ),
            live("∂o1/∂w5 = a_h1   (o1 = w5·a_h1 + w6·a_h2 …)", "a_h1"),
        ],
        3: [live(notation.OUTPUT_GRADS[w], grad(w)) for w in ("w5", "w6", "w7", "w8")],
        4: [live(notation.HIDDEN_ERROR[a], grad(a)) for a in ("a_h1", "a_h2")],
        5: [live(notation.hidden_grad_chain(w), grad(w)) for w in ("w1", "w2", "w3", "w4")],
        6: [live(notation.hidden_grad_expanded(w), grad(w)) for w in ("w1", "w2", "w3", "w4")],
    }


def _filled(ws: Worksheet, row: int, text: str, cell_format) -> None:
    """Text in column A, its background carried across A..F (the text flows over the blank cells)."""
    ws.write_string(row, 0, text, cell_format)
    for col in range(1, LINE_WIDTH):
        ws.write_blank(row, col, None, cell_format)


def _first_sheet(spec: NetworkSpec) -> str:
    return layout.lr_sheet_name(spec.learning_rates[0])


def _at(sheet: str, header: str, iteration: int = 0) -> str:
    return layout.sheet_ref(sheet, layout.FIRST_DATA_ROW + iteration, layout.column_index(header))
