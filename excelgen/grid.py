"""Cells collected in any order, then written row by row, as XlsxWriter's constant_memory mode needs.

    grid = Grid()
    grid.string(10, 8, "block 4", fmt)     # the right-hand column of a sheet...
    grid.formula(3, 0, "=1+1", fmt, 2)     # ...then the left, higher up
    grid.write(ws)                         # sorted by row, then column
"""

from __future__ import annotations

from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet


class Grid:
    """A sheet's cells, kept until write()."""

    def __init__(self) -> None:
        self._cells: dict[tuple[int, int], tuple[str, tuple]] = {}

    def string(self, row: int, col: int, text: str, cell_format: Format | None = None) -> None:
        self._cells[row, col] = ("write_string", (text, cell_format))

    def number(self, row: int, col: int, value: float, cell_format: Format | None = None) -> None:
        self._cells[row, col] = ("write_number", (value, cell_format))

    def formula(self, row: int, col: int, formula: str, cell_format: Format | None, value: float | str) -> None:
        self._cells[row, col] = ("write_formula", (formula, cell_format, value))

    def blank(self, row: int, col: int, cell_format: Format) -> None:
        self._cells[row, col] = ("write_blank", (None, cell_format))

    def last_row(self) -> int:
        return max(row for row, _ in self._cells)

    def last_col(self) -> int:
        return max(col for _, col in self._cells)

    def write(self, ws: Worksheet) -> None:
        for (row, col), (method, args) in sorted(self._cells.items()):
            getattr(ws, method)(row, col, *args)
