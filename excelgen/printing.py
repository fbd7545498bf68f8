"""The page setup every sheet shares: A4 landscape, one page wide, margins, page numbers in the footer.

    page_setup(ws)                                  # the whole used area, as many pages tall as it needs
    page_setup(ws, repeat_row=3, last_row=54)       # a table: its header on every page, rows 0..54 printed
"""

from __future__ import annotations

from xlsxwriter.worksheet import Worksheet

A4 = 9  # XlsxWriter's paper code
MARGINS = {"left": 0.5, "right": 0.5, "top": 0.6, "bottom": 0.7}  # inches
FOOTER = "&L&8&A&R&8page &P of &N"  # the sheet's name on the left, "page 2 of 5" on the right


def page_setup(
    ws: Worksheet,
    *,
    repeat_row: int | None = None,
    last_row: int | None = None,
    last_col: int | None = None,
    pages_tall: int = 0,
) -> None:
    """Landscape A4, scaled to one page wide (and `pages_tall` pages tall; 0: as many as needed).

    repeat_row: a header row printed at the top of every page. last_row, last_col: the print area
    runs from A1 to there (0-based); without them the whole used area prints.
    """
    ws.set_landscape()
    ws.set_paper(A4)
    ws.set_margins(**MARGINS)
    ws.set_footer(FOOTER)
    ws.fit_to_pages(1, pages_tall)
    if repeat_row is not None:
        ws.repeat_rows(repeat_row)
    if last_row is not None and last_col is not None:
        ws.print_area(0, 0, last_row, last_col)
