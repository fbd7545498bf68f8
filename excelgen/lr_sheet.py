"""One sheet per learning rate: η in B2, charts of E_total (linear and log scale) and the weights, one row per iteration."""

from __future__ import annotations

from typing import Sequence

from xlsxwriter.workbook import Workbook

from excelgen.exercise import HINT, empty_columns
from excelgen.formulas import row_formulas
from excelgen.notation import header_note
from excelgen.printing import table_setup
from excelgen.rowstream import RowCell, RowStreamWorksheet
from excelgen.spec import NetworkSpec
from excelgen.styles import BLOCK_COLOURS, Styles, value_axis
from network import Network, layout
from network.layout import rate_text

CHART_ROW = 2  # the tall row above the header holds the charts, so they stay in view
CHART_ROW_HEIGHT = 180  # pixels
CHART_COLUMNS = 5  # each chart spans five table columns, so a printed page holds it whole
COLUMN_WIDTH = 10
ITERATION_WIDTH = 12
COLOUR_KEY = (
    "Header colours: blue = weights, green = forward pass (block 1), purple = ∂E_total/∂a_h (block 4), "
    "red = ∂E_total/∂w1…w4 (block 5), orange = ∂E_total/∂w5…w8 (block 3). Hover a header for its formula."
)


def start_lr_sheet(
    wb: Workbook,
    ws: RowStreamWorksheet,
    styles: Styles,
    spec: NetworkSpec,
    rate: float,
    row0: Sequence[float],
    *,
    fast: bool = True,
    exercise: str | None = None,
) -> None:
    """Write the top, the charts, the header and iteration 0 (`row0`, in layout.HEADERS order).

    Iterations 1..N follow with ws.add_row(values), one call per iteration.
    exercise: None, or the columns left empty for a student (excelgen/exercise.py).
    """
    _write_top(ws, styles, rate, exercise)
    _insert_charts(wb, ws, rate, rows=spec.iterations + 1)
    _write_header(ws, styles, spec.net)
    empty = empty_columns(spec.net, exercise)
    cells = _row_cells(styles, spec, empty)
    # Row 0 takes its weights from the Network sheet; every later row updates the row above.
    ws.start_rows(layout.FIRST_DATA_ROW, _iteration0_cells(styles, cells, spec, empty), fast=fast)
    ws.add_row(row0)
    ws.start_rows(layout.FIRST_DATA_ROW + 1, cells, fast=fast)
    table_setup(ws, last_col=len(layout.HEADERS) - 1, iterations=spec.iterations)


def _write_top(ws: RowStreamWorksheet, styles: Styles, rate: float, exercise: str | None) -> None:
    ws.set_column(0, 0, ITERATION_WIDTH)
    ws.set_column(1, len(layout.HEADERS) - 1, COLUMN_WIDTH)
    ws.write_string(0, 0, f"Gradient descent with learning rate η = {rate_text(rate)}: one row per iteration", styles.title)
    label_row, label_col = layout.ETA_LABEL_CELL
    ws.write_string(label_row, label_col, "η (learning rate)", styles.label)
    ws.write_number(*layout.ETA_CELL, rate, styles.eta)
    ws.write_string(label_row, 2, "← type another η: the table and the charts follow", styles.hint)
    if exercise is not None:
        ws.write_string(label_row, 6, HINT, styles.label)
    ws.set_row_pixels(CHART_ROW, CHART_ROW_HEIGHT)
    ws.write_string(CHART_ROW, 0, COLOUR_KEY, styles.key)
    ws.freeze_panes(layout.FIRST_DATA_ROW, 1)


def _insert_charts(wb: Workbook, ws: RowStreamWorksheet, rate: float, rows: int) -> None:
    """E_total against iteration on a linear and on a log scale, and the eight weights, side by side."""
    title = f"E_total per iteration (η = {rate_text(rate)})"
    loss = _line_chart(wb, ws, rows, ["E_total"], title, "E_total")
    log_loss = _line_chart(wb, ws, rows, ["E_total"], f"{title}, log scale", "E_total (log scale)", log=True)
    weights = _line_chart(wb, ws, rows, list(layout.WEIGHTS), "The weights w1 … w8 per iteration", "weight")
    loss.set_legend({"none": True})
    log_loss.set_legend({"none": True})
    weights.set_legend({"position": "right"})
    for i, chart in enumerate((loss, log_loss, weights)):
        ws.insert_chart(CHART_ROW, 1 + i * CHART_COLUMNS, chart, {"x_offset": 4, "y_offset": 4, "object_position": 3})


def _line_chart(
    wb: Workbook, ws: RowStreamWorksheet, rows: int, headers: list[str], title: str, y_name: str, *, log: bool = False
):
    chart = wb.add_chart({"type": "scatter", "subtype": "straight"})
    first, last = layout.FIRST_DATA_ROW, layout.FIRST_DATA_ROW + rows - 1
    for header in headers:
        col = layout.column_index(header)
        series = {"name": header, "categories": [ws.name, first, 0, last, 0], "values": [ws.name, first, col, last, col]}
        series["marker"] = {"type": "none"}
        series["line"] = {"width": 1.75} | ({"color": "#C00000"} if header == "E_total" else {})
        chart.add_series(series)
    chart.set_title({"name": title, "name_font": {"size": 11, "bold": True}})
    chart.set_x_axis({"name": "iteration", "min": 0, "max": rows - 1, "major_gridlines": {"visible": False}})
    chart.set_y_axis(value_axis(y_name, log=log))
    chart.set_size({"width": CHART_COLUMNS * _column_pixels(COLUMN_WIDTH) - 8, "height": CHART_ROW_HEIGHT - 8})
    return chart


def _write_header(ws: RowStreamWorksheet, styles: Styles, net: Network) -> None:
    for col, column in enumerate(layout.COLUMNS):
        ws.write_string(layout.HEADER_ROW, col, column.header, styles.block_header[column.block])
        ws.write_comment(
            layout.HEADER_ROW, col, header_note(net, column.header),
            {"x_scale": 2.2, "y_scale": 1.4, "color": BLOCK_COLOURS[column.block][1], "font_name": "Calibri"},
        )


def _row_cells(styles: Styles, spec: NetworkSpec, empty: tuple[str, ...]) -> list[RowCell]:
    """The columns of an iteration row k >= 1, as formula templates with {r} and {p}; `empty` columns blank."""
    formulas_ = row_formulas(spec.net, first_row=False)[1:]
    computed = [
        RowCell(None, styles.exercise, blank=True) if h in empty else RowCell(f, styles.table_value[h])
        for f, h in zip(formulas_, layout.COMPUTED_HEADERS)
    ]
    return [RowCell(None, styles.iteration), *computed]


def _iteration0_cells(styles: Styles, cells: list[RowCell], spec: NetworkSpec, empty: tuple[str, ...]) -> list[RowCell]:
    """Row 0: the weights read from the Network sheet; an exercise fills its forward pass (the worked example)."""
    row0 = row_formulas(spec.net, first_row=True)[1:]
    empty0 = set(empty_columns(spec.net, "gradients", iteration0=True)) if empty else set()
    return [cells[0], *(
        RowCell(None, styles.exercise, blank=True) if h in empty0 else RowCell(f, styles.table_value[h])
        for f, h in zip(row0, layout.COMPUTED_HEADERS)
    )]


def _column_pixels(width: float) -> int:
    """A column's width in pixels, as Excel and XlsxWriter count it (7 pixels a character plus 5)."""
    return int(width * 7 + 5)
