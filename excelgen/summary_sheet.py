"""The Summary sheet: what the learning rates did, in words true to the numbers, a live table and two charts.

Under the title, a sentence computed from the trajectory: which η reaches E_total < 1e-3 first, and
whether any η overshoots (E_total rises at some iteration). The table holds E_total at a few
iterations and, below, live lines: each sheet's η, the first iteration with E_total < 1e-3, how many
iterations raise E_total, and the fastest η (INDEX/MATCH). The charts show every rate's E_total
curve on a linear and on a log scale.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from network import Kind, Network, layout, reference
from network.layout import cell, rate_text
from excelgen.printing import page_setup
from excelgen.styles import COUNT, RATE, SCIENTIFIC, SERIES_COLOURS, Styles, value_axis

TARGET = 1e-3  # "fast" means: E_total below this
NOT_REACHED = "not reached"
TABLE_HEADER_ROW = 3
LIVE_LABELS = (
    "η (live from its sheet)",
    "first iteration with E_total < 1e-3",
    "iterations where E_total rises",
    "fastest to E_total < 1e-3: η",
    "… at iteration",
)
_MILESTONES = (0, 1, 10, 50, 100, 500, 1_000, 5_000, 10_000, 50_000, 100_000)
_CHART_WIDTH, _CHART_HEIGHT = 560, 380


def milestones(iterations: int) -> list[int]:
    """The iterations the table shows: 0, 1, 10, 50, 100, 500, ... up to and including the last."""
    return sorted({k for k in _MILESTONES if k <= iterations} | {iterations})


def first_below(e_total: np.ndarray, target: float = TARGET) -> list[int | None]:
    """For each learning rate (row of e_total[rate, iteration]): the first iteration with E_total < target, or None."""
    below = e_total < target
    return [int(np.argmax(row)) if row.any() else None for row in below]


def lesson(net: Network, e_total: np.ndarray) -> str:
    """The Summary's words: the fastest rate and whether any rate overshoots, computed from the trajectory."""
    rates, iterations = net.learning_rates, net.iterations
    reached = [(k, j) for j, k in enumerate(first_below(e_total)) if k is not None]
    if reached:
        k, j = min(reached)
        fastest = f"η = {rate_text(rates[j])} is the fastest to E_total < 1e-3: at iteration {k:,}."
    else:
        fastest = f"No rate here brings E_total below 1e-3 within {iterations:,} iterations."
    rises = [(k, j) for j, k in enumerate(first_rises(e_total)) if k is not None]
    if rises:
        named = ", ".join(f"η = {rate_text(rates[j])} (from iteration {k - 1:,} to {k:,})" for k, j in rises)
        overshoot = f"E_total rises, a sign that the step jumps past the minimum (overshoots), with {named}."
    else:
        horizon = min(iterations, 1_000)
        threshold = overshoot_rate(net)
        where = (
            f"with this network E_total first rises near η ≈ {threshold:.2g}"
            if threshold is not None
            else "with this network not even η = 10,000 makes it rise"
        )
        overshoot = (
            f"No rate here overshoots: E_total falls at every iteration for every η; {where} "
            f"(within {horizon:,} iterations)."
        )
    return f"As generated: {fastest} {overshoot} The live lines under the table follow any edit of η or a weight."


EXERCISE_LESSON = (
    "An exercise: once every LR sheet is filled in, this table, the live lines and the charts show how fast "
    "each η lowers E_total, and whether a large η overshoots."
)


def write_summary_sheet(
    wb: Workbook, ws: Worksheet, styles: Styles, net: Network, e_total: np.ndarray, *, exercise: bool = False
) -> None:
    """e_total[j, k]: the saved E_total of learning rate j at iteration k (any network, classic or general)."""
    sheets = [layout.lr_sheet_name(rate) for rate in net.learning_rates]
    total_col = e_total_column(net)
    ws.set_column(0, 0, 32)
    page_setup(ws, pages_tall=1)
    ws.set_column(1, max(len(sheets), 3), 14)
    ws.write_string(0, 0, "Summary: how fast each learning rate lowers E_total", styles.title)
    ws.write_string(
        1, 0, "Each number below is a live formula that reads E_total from its LR sheet; change η there and it follows.",
        styles.subtitle,
    )
    ws.set_row(2, 44)
    words = EXERCISE_LESSON if exercise else lesson(net, e_total)
    ws.merge_range(2, 0, 2, max(len(sheets), 3), words, styles.key)
    ws.write_string(TABLE_HEADER_ROW, 0, "iteration", styles.table_header)
    for j, sheet in enumerate(sheets):
        ws.write_string(TABLE_HEADER_ROW, j + 1, f"E_total, {sheet}", styles.block_header[1])
    rows = milestones(net.iterations)
    for i, k in enumerate(rows):
        row = TABLE_HEADER_ROW + 1 + i
        ws.write_number(row, 0, k, styles.iteration)
        for j, sheet in enumerate(sheets):
            source = layout.sheet_ref(sheet, layout.FIRST_DATA_ROW + k, total_col)
            ws.write_formula(row, j + 1, f"={source}", styles.block_value[1, SCIENTIFIC], float(e_total[j, k]))
    live_row = TABLE_HEADER_ROW + len(rows) + 2
    _write_live_lines(ws, styles, net, sheets, e_total, live_row)
    _insert_charts(wb, ws, sheets, net.iterations, total_col, live_row + len(LIVE_LABELS) + 1)


def e_total_column(net: Network) -> int:
    """The 0-based column of E_total on the network's LR sheets."""
    return next(i for i, c in enumerate(net.columns()) if c.kind is Kind.E_TOTAL)


def live_rows(iterations: int) -> dict[str, int]:
    """0-based row of each live line (LIVE_LABELS) on the Summary sheet."""
    first = TABLE_HEADER_ROW + len(milestones(iterations)) + 2
    return {label: first + i for i, label in enumerate(LIVE_LABELS)}


def _write_live_lines(
    ws: Worksheet, styles: Styles, net: Network, sheets: list[str], e_total: np.ndarray, first_row: int
) -> None:
    """η, first iteration below 1e-3 and rising steps per sheet; then the fastest η and its iteration (INDEX/MATCH).

    Written row by row, as XlsxWriter's constant_memory mode needs.
    """
    first, last = layout.FIRST_DATA_ROW, layout.FIRST_DATA_ROW + net.iterations
    total_col = e_total_column(net)
    below = first_below(e_total)
    etas = f"{cell(first_row, 1, True)}:{cell(first_row, len(sheets), True)}"
    firsts = f"{cell(first_row + 1, 1, True)}:{cell(first_row + 1, len(sheets), True)}"
    reached = [(k, j) for j, k in enumerate(below) if k is not None]
    best = min(reached) if reached else None
    per_sheet = [
        [(f"={layout.sheet_ref(sheet, *layout.ETA_CELL)}", rate, RATE) for sheet, rate in zip(sheets, net.learning_rates)],
        [
            (
                f'{{=IFERROR(INDEX({_range(sheet, first, last, 0)},MATCH(TRUE,{_range(sheet, first, last, total_col)}'
                f'<{TARGET!r},0)),"{NOT_REACHED}")}}',
                NOT_REACHED if k is None else k, COUNT,
            )
            for sheet, k in zip(sheets, below)
        ],
        [
            (
                f"=SUMPRODUCT(--({_range(sheet, first + 1, last, total_col)}>{_range(sheet, first, last - 1, total_col)}))",
                int(np.count_nonzero(np.diff(e_total[j]) > 0)), COUNT,
            )
            for j, sheet in enumerate(sheets)
        ],
        [(
            f'=IF(COUNT({firsts})=0,"none",INDEX({etas},MATCH(MIN({firsts}),{firsts},0)))',
            "none" if best is None else net.learning_rates[best[1]], RATE,
        )],
        [(f'=IF(COUNT({firsts})=0,"{NOT_REACHED}",MIN({firsts}))', NOT_REACHED if best is None else best[0], COUNT)],
    ]
    for row, (label, cells) in enumerate(zip(LIVE_LABELS, per_sheet), start=first_row):
        ws.write_string(row, 0, label, styles.label)
        for col, (formula, value, number_format) in enumerate(cells, start=1):
            if formula.startswith("{"):  # MATCH(TRUE, range<x, 0) compares a whole range: an array formula
                ws.write_array_formula(row, col, row, col, formula, styles.value[number_format], value)
            else:
                ws.write_formula(row, col, formula, styles.value[number_format], value)


def _range(sheet: str, first: int, last: int, col: int) -> str:
    return f"'{sheet}'!{cell(first, col, True)}:{cell(last, col, True)}"


def _insert_charts(wb: Workbook, ws: Worksheet, sheets: list[str], iterations: int, total_col: int, row: int) -> None:
    """Every rate's E_total curve: linear scale on the left, log scale on the right."""
    for i, log in enumerate((False, True)):
        chart = wb.add_chart({"type": "scatter", "subtype": "straight"})
        first, last = layout.FIRST_DATA_ROW, layout.FIRST_DATA_ROW + iterations
        for j, sheet in enumerate(sheets):
            chart.add_series(
                {
                    "name": f"η = {sheet[len(layout.LR_SHEET_PREFIX):]}",
                    "categories": [sheet, first, 0, last, 0],
                    "values": [sheet, first, total_col, last, total_col],
                    "line": {"width": 2, "color": SERIES_COLOURS[j % len(SERIES_COLOURS)]},
                    "marker": {"type": "none"},
                }
            )
        title = "E_total per iteration, every learning rate" + (" (log scale)" if log else "")
        chart.set_title({"name": title, "name_font": {"size": 12, "bold": True}})
        chart.set_x_axis({"name": "iteration", "min": 0, "max": iterations, "major_gridlines": {"visible": False}})
        chart.set_y_axis(value_axis("E_total (log scale)", log=True) if log else value_axis("E_total", min=0))
        chart.set_legend({"position": "bottom"})
        chart.set_size({"width": _CHART_WIDTH, "height": _CHART_HEIGHT})
        ws.insert_chart(row, 0, chart, {"x_offset": i * (_CHART_WIDTH + 12)})


def first_rises(e_total: np.ndarray) -> list[int | None]:
    """For each learning rate (row of e_total[rate, iteration]): the first iteration whose E_total is above the one
    before it (the rate overshoots), or None when E_total falls or stays at every step."""
    rising = np.diff(e_total, axis=1) > 0
    return [int(np.argmax(row)) + 1 if row.any() else None for row in rising]


def overshoot_rate(net: Network, max_iterations: int = 1_000) -> float | None:
    """The smallest η on a grid of 20 steps per decade, 0.1 … 10,000, whose E_total rises at some iteration
    within the template's iterations (at most max_iterations); None when none does.

    One vectorised run of the reference over the whole grid; a rate whose numbers overflow counts as rising.
    """
    grid = 10.0 ** (np.arange(-20, 81) / 20)
    iterations = net.iterations
    net = replace(net, learning_rates=tuple(grid))
    p = reference.initial_params(net)
    previous = np.full(grid.shape, np.inf)
    rises = np.zeros(grid.shape, dtype=bool)
    with np.errstate(all="ignore"):
        for _ in range(min(iterations, max_iterations) + 1):
            f = reference.forward(net, p)
            rises |= ~np.isfinite(f.E_total) | (f.E_total > previous)
            previous = f.E_total
            p = reference.step(net, p, reference.backward(net, p, f), grid)
    return float(grid[np.argmax(rises)]) if rises.any() else None
