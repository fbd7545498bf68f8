"""The Summary sheet: every learning rate's E_total curve on one chart, and E_total at a few iterations."""

from __future__ import annotations

import numpy as np
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from excelgen import layout
from excelgen.spec import NetworkSpec
from excelgen.styles import Styles

TABLE_HEADER_ROW = 3
_MILESTONES = (0, 1, 10, 50, 100, 500, 1_000, 5_000, 10_000, 50_000, 100_000)
_CURVE_COLOURS = ("#1F77B4", "#FF7F0E", "#2CA02C", "#D62728", "#9467BD", "#8C564B", "#E377C2", "#7F7F7F")


def milestones(iterations: int) -> list[int]:
    """The iterations the table shows: 0, 1, 10, 50, 100, 500, ... up to and including the last."""
    return sorted({k for k in _MILESTONES if k <= iterations} | {iterations})


def write_summary_sheet(wb: Workbook, ws: Worksheet, styles: Styles, spec: NetworkSpec, e_total: np.ndarray) -> None:
    """e_total[j, k]: the saved E_total of learning rate j at iteration k."""
    sheets = [layout.lr_sheet_name(rate) for rate in spec.learning_rates]
    total_col = layout.column_index("E_total")
    ws.set_column(0, 0, 14)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.set_column(1, len(sheets), 14)
    ws.write_string(0, 0, "Summary: how fast each learning rate lowers E_total", styles.title)
    ws.write_string(
        1, 0, "Each number below is a live formula that reads E_total from its LR sheet; change η there and it follows.",
        styles.subtitle,
    )
    ws.write_string(TABLE_HEADER_ROW, 0, "iteration", styles.table_header)
    for j, sheet in enumerate(sheets):
        ws.write_string(TABLE_HEADER_ROW, j + 1, f"E_total, {sheet}", styles.block_header[1])
    rows = milestones(spec.iterations)
    for i, k in enumerate(rows):
        row = TABLE_HEADER_ROW + 1 + i
        ws.write_number(row, 0, k, styles.iteration)
        for j, sheet in enumerate(sheets):
            source = layout.sheet_ref(sheet, layout.FIRST_DATA_ROW + k, total_col)
            ws.write_formula(row, j + 1, f"={source}", styles.table_value["E_total"], float(e_total[j, k]))
    _insert_chart(wb, ws, sheets, spec.iterations, TABLE_HEADER_ROW + len(rows) + 2)


def _insert_chart(wb: Workbook, ws: Worksheet, sheets: list[str], iterations: int, row: int) -> None:
    chart = wb.add_chart({"type": "scatter", "subtype": "straight"})
    first, last = layout.FIRST_DATA_ROW, layout.FIRST_DATA_ROW + iterations
    total_col = layout.column_index("E_total")
    for j, sheet in enumerate(sheets):
        chart.add_series(
            {
                "name": f"η = {sheet[len(layout.LR_SHEET_PREFIX):]}",
                "categories": [sheet, first, 0, last, 0],
                "values": [sheet, first, total_col, last, total_col],
                "line": {"width": 2, "color": _CURVE_COLOURS[j % len(_CURVE_COLOURS)]},
                "marker": {"type": "none"},
            }
        )
    chart.set_title({"name": "E_total per iteration, every learning rate", "name_font": {"size": 12, "bold": True}})
    chart.set_x_axis({"name": "iteration", "min": 0, "max": iterations, "major_gridlines": {"visible": False}})
    chart.set_y_axis({"name": "E_total", "min": 0, "major_gridlines": {"visible": True, "line": {"color": "#E0E0E0"}}})
    chart.set_legend({"position": "right"})
    chart.set_size({"width": 760, "height": 400})
    ws.insert_chart(row, 0, chart)
