"""One sheet per learning rate, for any network: η in B2, the charts in a band of their own, one row per iteration.

    row 1   the title
    row 2   η (learning rate) [B2], editable
    row 3   the chart band (network.layout.CHART_BAND): E_total, E_total on a log scale, the weights; a colour key in A3
    row 4   the header: one column per column record of the network (network/columns.py), coloured by its block
    row 5…  iteration 0 (the weights from the Network sheet), then one row per iteration

The charts sit inside the band's rows only, never over the header or the table, whatever the network.
"""

from __future__ import annotations

from typing import Sequence

from xlsxwriter.workbook import Workbook

from excelgen.exercise import HINT, empty_columns
from excelgen.formulas import row_formulas
from excelgen.printing import page_setup
from excelgen.rowstream import RowCell, RowStreamWorksheet
from excelgen.derivation import colour_key, header_notes
from excelgen.styles import BLOCK_COLOURS, SERIES_COLOURS, SERIES_DASHES, Styles, colour_block, value_axis, value_format
from network import Column, Kind, Network, layout
from network.layout import rate_text

PRINTED_ROWS = 50  # a printed LR sheet: the charts and the table's first 50 rows (the screen shows them all)
CHART_ROW_HEIGHT = 400  # pixels: the band's height (one row; Excel allows up to 545)
CHART_COLUMNS = 6  # each chart spans six table columns
CHART_MARGIN = 4  # pixels between a chart and the band's edges
MAX_WEIGHT_LINES = 16  # the weights chart shows at most this many weights (the first ones)
COLUMN_WIDTH = 13
ITERATION_WIDTH = 17
NOTE_SHAPE = {"x_scale": 2.2, "y_scale": 1.4, "font_name": "Calibri"}


def start_lr_sheet(
    wb: Workbook,
    ws: RowStreamWorksheet,
    styles: Styles,
    net: Network,
    rate: float,
    row0: Sequence[float],
    *,
    fast: bool = True,
    exercise: str | None = None,
) -> None:
    """Write the top, the charts, the header and iteration 0 (`row0`, in the order of net.columns()).

    Iterations 1..N follow with ws.add_row(values), one call per iteration.
    exercise: None, or the columns left empty for a student (excelgen/exercise.py).
    """
    columns = net.columns()
    _write_top(ws, styles, net, rate, exercise)
    _insert_charts(wb, ws, net, rate)
    _write_header(ws, styles, net)
    formats = [styles.iteration, *(_value_style(styles, net, c) for c in columns[1:])]

    def row_cells(first_row: bool, empty: set[str]) -> list[RowCell]:  # an exercise's columns: empty and yellow
        formulas = row_formulas(net, first_row=first_row)
        return [RowCell(None, styles.exercise, blank=True) if c.header in empty else RowCell(f, fmt)
                for c, f, fmt in zip(columns, formulas, formats)]

    # Row 0 takes its weights from the Network sheet; every later row updates the row above.
    # A row has up to hundreds of row numbers: marks=True fills them by str.replace (the same bytes, faster).
    ws.start_rows(layout.FIRST_DATA_ROW, row_cells(True, set(empty_columns(net, exercise, iteration0=True))),
                  fast=fast, marks=True)
    ws.add_row(row0)
    ws.start_rows(layout.FIRST_DATA_ROW + 1, row_cells(False, set(empty_columns(net, exercise))), fast=fast, marks=True)
    last = layout.FIRST_DATA_ROW + min(PRINTED_ROWS - 1, net.iterations)
    page_setup(ws, repeat_row=layout.HEADER_ROW, last_row=last, last_col=len(columns) - 1)


def _write_top(ws: RowStreamWorksheet, styles: Styles, net: Network, rate: float, exercise: str | None) -> None:
    ws.set_column(0, 0, ITERATION_WIDTH)
    ws.set_column(1, len(net.columns()) - 1, COLUMN_WIDTH)
    ws.write_string(0, 0, f"Gradient descent with learning rate η = {rate_text(rate)}: one row per iteration", styles.title)
    label_row, label_col = layout.ETA_LABEL_CELL
    ws.write_string(label_row, label_col, "η (learning rate)", styles.label)
    ws.write_number(*layout.ETA_CELL, rate, styles.eta)
    ws.write_string(label_row, 2, "← type another η: the table and the charts follow", styles.hint)
    if exercise is not None:
        ws.write_string(label_row, 6, HINT, styles.label)
    first, last = layout.CHART_BAND
    for row in range(first, last + 1):
        ws.set_row_pixels(row, CHART_ROW_HEIGHT)
    # a cell in the band: in constant_memory mode a row without one is not written, and its height with it
    ws.write_string(first, 0, colour_key(net), styles.key)
    ws.freeze_panes(layout.FIRST_DATA_ROW, 1)


def _insert_charts(wb: Workbook, ws: RowStreamWorksheet, net: Network, rate: float) -> None:
    """E_total against iteration on a linear and on a log scale, and the weights, side by side in the chart band."""
    title = f"E_total per iteration (η = {rate_text(rate)})"
    e_total = [c for c in net.columns() if c.kind is Kind.E_TOTAL]
    weights = [c for c in net.columns() if c.kind is Kind.WEIGHT]
    shown = weights[:MAX_WEIGHT_LINES]
    which = "The weights" if len(shown) == len(weights) else f"The first {len(shown)} of {len(weights)} weights"
    charts = (
        _line_chart(wb, ws, net, e_total, title, "E_total"),
        _line_chart(wb, ws, net, e_total, f"{title}, log scale", "E_total (log scale)", log=True),
        _line_chart(wb, ws, net, shown, f"{which} {shown[0].header} … {shown[-1].header} per iteration", "weight"),
    )
    first = layout.CHART_BAND[0]
    for i, chart in enumerate(charts):
        ws.insert_chart(first, 1 + i * CHART_COLUMNS, chart,
                        {"x_offset": CHART_MARGIN, "y_offset": CHART_MARGIN, "object_position": 3})


def _line_chart(
    wb: Workbook, ws: RowStreamWorksheet, net: Network, columns: list[Column], title: str, y_name: str, *,
    log: bool = False,
):
    """A line per column against the iteration; several lines differ in colour and dash and have a legend."""
    chart = wb.add_chart({"type": "scatter", "subtype": "straight"})
    first, last = layout.FIRST_DATA_ROW, layout.FIRST_DATA_ROW + net.iterations
    index = {c.header: i for i, c in enumerate(net.columns())}
    for k, column in enumerate(columns):
        col = index[column.header]
        if len(columns) == 1:
            line = {"width": 1.75, "color": "#C00000"}
        else:
            line = {"width": 1.75, "color": SERIES_COLOURS[k % len(SERIES_COLOURS)],
                    "dash_type": SERIES_DASHES[k % len(SERIES_DASHES)]}
        chart.add_series({"name": column.header, "categories": [ws.name, first, 0, last, 0],
                          "values": [ws.name, first, col, last, col], "marker": {"type": "none"}, "line": line})
    chart.set_title({"name": title, "name_font": {"size": 11, "bold": True}})
    chart.set_x_axis({"name": "iteration", "min": 0, "max": net.iterations, "major_gridlines": {"visible": False}})
    chart.set_y_axis(value_axis(y_name, log=log))
    chart.set_legend({"none": True} if len(columns) == 1 else {"position": "right"})
    band = layout.CHART_BAND[1] - layout.CHART_BAND[0] + 1
    chart.set_size({"width": CHART_COLUMNS * _column_pixels(COLUMN_WIDTH) - 2 * CHART_MARGIN,
                    "height": band * CHART_ROW_HEIGHT - 2 * CHART_MARGIN})
    return chart


def _write_header(ws: RowStreamWorksheet, styles: Styles, net: Network) -> None:
    """Each header in its block's colour, with a note of its formula in mathematical notation where there is one."""
    notes = header_notes(net)
    for col, column in enumerate(net.columns()):
        block = colour_block(net, column)
        ws.write_string(layout.HEADER_ROW, col, column.header, styles.block_header[block])
        note = notes.get(column.header)
        if note is not None:
            ws.write_comment(layout.HEADER_ROW, col, note, NOTE_SHAPE | {"color": BLOCK_COLOURS[block][1]})


def _value_style(styles: Styles, net: Network, column: Column):
    return styles.block_value[colour_block(net, column), value_format(column.kind)]


def _column_pixels(width: float) -> int:
    """A column's width in pixels, as Excel and XlsxWriter count it (7 pixels a character plus 5)."""
    return int(width * 7 + 5)
