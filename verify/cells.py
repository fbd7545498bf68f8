"""Small typed helpers for the cells the checks read: keys, addresses, values, formulas."""

from __future__ import annotations

import math
from typing import Iterable

from openpyxl.utils import get_column_letter
from openpyxl.cell.cell import Cell
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.formula import ArrayFormula

from verify.table import CellRef, Table

CellKey = tuple[str, int, int]  # (sheet, row, column), 1-based as openpyxl counts
Value = float | str | bool | None  # an error value is its Excel text, e.g. "#DIV/0!"

ERROR_TEXTS = frozenset(
    {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA", "#CIRCULAR!"}
)


def key(ref: CellRef) -> CellKey:
    return (ref.sheet, ref.row, ref.col)


def address(cell: CellKey) -> str:
    """('LR 0.1', 5, 2) -> 'LR 0.1'!B5"""
    sheet, row, col = cell
    return f"'{sheet}'!{get_column_letter(col)}{row}"


def table_cells(table: Table) -> list[CellKey]:
    """Every cell the checks read for a table: its columns on every row, η, and the scalar inputs."""
    cells = [
        (table.sheet, row, col)
        for col in table.columns.values()
        for row in range(table.first_row, table.last_row + 1)
    ]
    return cells + [key(table.eta)] + [key(ref) for ref in table.scalars.values()]


class Grid:
    """Fast reading of a workbook's cells by key, without creating empty ones (ws.cell() would)."""

    def __init__(self, wb: Workbook):
        # wb[name] searches the sheet list on every call: look each sheet up once.
        self._cells = {ws.title: ws._cells for ws in wb.worksheets}

    def cell(self, key: CellKey) -> Cell | None:
        sheet = self._cells.get(key[0])
        return None if sheet is None else sheet.get((key[1], key[2]))

    def formula(self, key: CellKey) -> str | None:
        """The formula text ("=...") of a cell in a formula view, or None for a constant or empty cell."""
        found = self.cell(key)
        if found is None:
            return None
        value = found.value
        if isinstance(value, ArrayFormula):
            return value.text if (value.text or "").startswith("=") else f"={value.text}"
        if found.data_type == "f" or (isinstance(value, str) and value.startswith("=") and len(value) > 1):
            return str(value)
        return None


class SavedValues:
    """The values a workbook was saved with: every non-empty cell -> (value, openpyxl data type).

    Read in one streaming pass (openpyxl's read-only mode): twice as fast as a full load.
    """

    def __init__(self, raw: dict[CellKey, tuple[object, str]]):
        self._raw = raw

    @classmethod
    def read(cls, wb: Workbook) -> SavedValues:
        """From a read-only, data_only openpyxl workbook (closed afterwards)."""
        raw = {}
        try:
            for ws in wb.worksheets:
                ws.reset_dimensions()  # the file's own <dimension> may be wrong: read every row
                for row in ws.iter_rows():
                    for c in row:
                        if c.value is not None:
                            raw[(ws.title, c.row, c.column)] = (c.value, c.data_type)
        finally:
            wb.close()
        return cls(raw)

    def raw(self, key: CellKey) -> tuple[object, str] | None:
        return self._raw.get(key)

    def value(self, key: CellKey) -> Value:
        """A cell's value: float, bool, text (an error value as its text), or None when empty."""
        found = self._raw.get(key)
        if found is None:
            return None
        value = found[0]
        if isinstance(value, bool):
            return value
        if isinstance(value, (int, float)):
            return float(value)
        return str(value)

    def read_values(self, cells: Iterable[CellKey]) -> dict[CellKey, Value]:
        return {cell: self.value(cell) for cell in cells}


def number(value: Value) -> float | None:
    """The value as a finite float, or None when it is text, empty, an error, or a bool."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def is_error(value: Value) -> bool:
    """An Excel error value (#DIV/0!, #NAME?, ...), LibreOffice's Err:5xx, or a circular reference."""
    return isinstance(value, str) and (value in ERROR_TEXTS or value.startswith("Err:"))


def show(value: Value) -> str:
    """A value as the report prints it: full precision for numbers, 'empty' for an empty cell."""
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return repr(value)
    return str(value) if is_error(value) else repr(value)
