"""The page setup of every sheet: A4, margins, page numbers in the footer, and a print scale at which type stays legible.

    page_setup(ws)                              # the cells and charts: one page if legible (Network, Summary, CNN)
    table_setup(ws, last_col=29, iterations=N)  # an LR sheet: the charts' band on a page of its own, then the table

A sheet is never shrunk below LEGIBLE_SCALE: a sheet too large for one page at that scale prints on more pages
(one page wide where it fits). The scale is computed here from the sheet's column widths and row heights, never
left to the app's "fit to page", so every app prints the same type size.

An LR sheet prints on 1 + W pages (W: the table's width in pages): the title, η and the chart band (down to
layout.CHART_BAND's last row) on a page of its own, then the table's header and first iterations as print titles repeated at
the top of every table page, with the last iterations under them, and the iteration column repeated at the left
of every page. The whole table stays in the file; only the middle iterations stay off paper.

Sizes and charts are read from XlsxWriter's own records of the sheet (col_info, row_sizes, charts; XlsxWriter is
pinned in pyproject.toml), so this is called once a sheet's columns, rows and charts are in place.
"""

from __future__ import annotations

import math

from xlsxwriter.utility import xl_range_abs, quote_sheetname
from xlsxwriter.worksheet import Worksheet

from network import layout

A4 = 9  # XlsxWriter's paper code
MARGINS = {"left": 0.25, "right": 0.25, "top": 0.4, "bottom": 0.55}  # inches
FOOTER_MARGIN = 0.2  # inches from the bottom edge
FOOTER = "&L&{size}&A&C&{size}{middle}&R&{size}page &P of &N"  # the sheet's name, what is left out, "page 2 of 5"
FOOTER_POINTS = 7  # printed: the apps scale the footer with the sheet, so its font size is this over the scale
# 10 pt type printed at 65 % is 6.5 pt: LibreOffice's word boxes of it are 8.4 pt tall, the least this project prints
LEGIBLE_SCALE = 65
A4_POINTS = (841.9, 595.3)  # long and short side
USABLE = 0.97  # room for the apps' own rounding of column widths and row heights
# A column XlsxWriter sizes to N pixels (Excel's measure, 0.75 pt each) prints N points wide in a LibreOffice without
# Calibri's metrics (its fallback font is wider): the widths here take the wider measure, so no app needs more pages
PIXEL_POINTS = 1.0
ROW_PIXEL_POINTS = 0.75  # a row's height is in points in every app: 20 pixels are 15 points
HEADER_ROWS = 3  # the height a table header with wrapped text takes, in default rows
DEFAULT_ROW_PX = 20  # 15 points
DEFAULT_COLUMN_PX = 64


def page_setup(ws: Worksheet, *, last_row: int | None = None, last_col: int | None = None,
               split_col: int | None = None) -> int:
    """Print A1 .. (last_row, last_col) (0-based; by default the cells written so far), and every chart, on one
    page, landscape or portrait, whichever prints it larger (at most 100 %). Below LEGIBLE_SCALE it prints at that
    scale instead, one page wide where it fits, on as many pages as it takes.

    split_col: a sheet of two halves side by side (the Network sheet) prints the columns before split_col on one
    page and the rest on the next, when the whole is too wide for one legible page.
    Returns the print scale in percent.
    """
    chart_row, chart_col = _charts_end(ws)
    last_row = max(ws.dim_rowmax or 0 if last_row is None else last_row, chart_row)
    last_col = max(ws.dim_colmax or 0 if last_col is None else last_col, chart_col)
    width, height = _width(ws, 0, last_col), _height(ws, 0, last_row)
    if split_col is not None and _one_page(width, height)[1] < LEGIBLE_SCALE:
        width = max(_width(ws, 0, split_col - 1), _width(ws, split_col, last_col))
        ws.set_v_pagebreaks([split_col])
    landscape, scale = _one_page(width, height)
    if scale < LEGIBLE_SCALE:  # too large for one page: landscape, as wide as one page if that is legible
        landscape, scale = True, min(100, max(LEGIBLE_SCALE, _fit(width, 0, landscape=True)))
    _common(ws, landscape, scale)
    ws.print_area(0, 0, last_row, last_col)
    return int(scale)


def table_setup(ws: Worksheet, *, last_col: int, iterations: int) -> None:
    """An LR sheet (its table from layout.HEADER_ROW down, `iterations` + 1 rows under the header).

    The scale: the largest at which the table prints on as few pages across as it can at LEGIBLE_SCALE (the
    iteration column repeated on each), and the band, charts included, fits one page's width.
    """
    header, first, last = layout.HEADER_ROW, layout.FIRST_DATA_ROW, layout.FIRST_DATA_ROW + iterations
    iteration_col, table = _width(ws, 0, 0), _width(ws, 0, last_col)
    page_width, legible = _page(landscape=True)[0], LEGIBLE_SCALE / 100
    # pages across at the legible scale: the first holds the iteration column, each further one repeats it
    across = max(1, math.ceil((table - iteration_col) * legible / (page_width - iteration_col * legible)))
    scale = 100 * across * page_width / (table + (across - 1) * iteration_col)  # the largest for as many pages
    if _band_width(ws):
        scale = min(scale, 100 * page_width / _band_width(ws))  # the band's charts on one page
    scale = max(LEGIBLE_SCALE, min(100, scale))
    shown_first, shown_last = print_rows(iterations, scale)
    printed = (f"printed: iterations 0–{shown_first - 1:,} and {iterations - shown_last + 1:,}–{iterations:,}"
               if shown_last else "")
    _common(ws, True, scale, printed)
    band = xl_range_abs(0, 0, layout.CHART_BAND[1], _charts_end(ws)[1] or last_col)  # the charts' width: no empty page
    ws.repeat_rows(header, first + shown_first - 1 if shown_last else header)  # header and first iterations on top
    table = xl_range_abs(last - shown_last + 1 if shown_last else header, 0, last, last_col)
    areas = [band, table]
    ws.repeat_columns(0)
    sheet = quote_sheetname(ws.name)
    # several areas: XlsxWriter's print_area() takes one, so the defined name it would write is written here
    ws.print_area_range = ",".join(f"{sheet}!{area}" for area in areas)


def print_rows(iterations: int, scale: float) -> tuple[int, int]:
    """(first, last): how many of the first and of the last iterations an LR sheet prints at `scale` (in
    percent): as many as one page holds under the header, half and half; (all of them, 0) when they fit."""
    rows = page_rows(scale) - HEADER_ROWS
    if iterations + 1 <= rows:
        return iterations + 1, 0
    return rows // 2, rows - rows // 2


def page_rows(scale: float) -> int:
    """How many rows of the default height a landscape page holds at `scale` percent."""
    return int(_page(landscape=True)[1] * 100 / scale / (ROW_PIXEL_POINTS * DEFAULT_ROW_PX))


def _one_page(width: float, height: float) -> tuple[bool, float]:
    """(landscape?, scale): the orientation that prints width × height points larger on one page, at most 100 %."""
    landscape = _fit(width, height, landscape=True) >= _fit(width, height, landscape=False)
    return landscape, min(100, _fit(width, height, landscape=landscape))


def _common(ws: Worksheet, landscape: bool, scale: float, middle: str = "") -> None:
    """Orientation, A4, margins, the print scale and the footer (`middle`: its centre text)."""
    if landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.set_paper(A4)
    ws.set_margins(**MARGINS)
    ws.set_print_scale(int(scale))
    size = math.ceil(FOOTER_POINTS * 100 / int(scale))
    ws.set_footer(FOOTER.format(size=size, middle=middle.replace("&", "&&")), {"margin": FOOTER_MARGIN})


def _page(*, landscape: bool) -> tuple[float, float]:
    """The printable width and height of an A4 page in points, inside the margins."""
    long, short = A4_POINTS
    width, height = (long, short) if landscape else (short, long)
    width -= 72 * (MARGINS["left"] + MARGINS["right"])
    height -= 72 * (MARGINS["top"] + MARGINS["bottom"])
    return width * USABLE, height * USABLE


def _fit(width: float, height: float, *, landscape: bool) -> float:
    """The scale in percent at which width × height points fit one page (height 0: only the width counts)."""
    page_width, page_height = _page(landscape=landscape)
    return 100 * min(page_width / width, page_height / height if height else math.inf)


def _width(ws: Worksheet, first_col: int, last_col: int) -> float:
    """The printed width of columns first_col .. last_col at 100 %, in points (PIXEL_POINTS a pixel)."""
    info = ws.col_info
    return PIXEL_POINTS * sum(info[c].width if c in info else DEFAULT_COLUMN_PX for c in range(first_col, last_col + 1))


def _height(ws: Worksheet, first_row: int, last_row: int) -> float:
    """The printed height of rows first_row .. last_row at 100 %, in points."""
    sizes = ws.row_sizes
    return ROW_PIXEL_POINTS * sum(sizes[r][0] if r in sizes else DEFAULT_ROW_PX for r in range(first_row, last_row + 1))


def _charts_end(ws: Worksheet) -> tuple[int, int]:
    """The last row and column the charts reach into (0, 0 without charts)."""
    end_row = end_col = 0
    for row, col, chart, x_offset, y_offset, x_scale, y_scale, *_ in ws.charts:
        end_col = max(end_col, _reach(col, x_offset + chart.width * x_scale, lambda c: _width(ws, c, c) / PIXEL_POINTS))
        end_row = max(end_row, _reach(row, y_offset + chart.height * y_scale, lambda r: _height(ws, r, r) / ROW_PIXEL_POINTS))
    return end_row, end_col


def _reach(start: int, pixels: float, size) -> int:
    """The row or column (from `start`, each `size(i)` pixels) in which a length of `pixels` ends."""
    i = start
    pixels -= size(i)
    while pixels > 0:
        i += 1
        pixels -= size(i)
    return i


def _band_width(ws: Worksheet) -> float:
    """How far right the charts reach, in points at 100 % (0 without charts)."""
    right = 0.0
    for row, col, chart, x_offset, _y, x_scale, *_ in ws.charts:
        right = max(right, _width(ws, 0, col - 1) + PIXEL_POINTS * (x_offset + chart.width * x_scale))
    return right
