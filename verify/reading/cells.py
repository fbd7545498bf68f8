"""Small typed helpers for the cells the checks read: keys, addresses, values, formulas."""

from __future__ import annotations

import math
from itertools import groupby, repeat
from operator import itemgetter
from typing import Iterable

from verify.reading.book import Book, Saved
from network.layout import column_letter
from verify.reading.table import CellRef, Table

CellKey = tuple[str, int, int]  # (sheet, row, column), 1-based
Value = float | str | bool | None  # an error value is its Excel text, e.g. "#DIV/0!"

ERROR_TEXTS = frozenset(
    {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA", "#CIRCULAR!"}
)


def key(ref: CellRef) -> CellKey:
    return (ref.sheet, ref.row, ref.col)


def address(cell: CellKey) -> str:
    """('LR 0.1', 5, 2) -> 'LR 0.1'!B5"""
    sheet, row, col = cell
    return f"'{sheet}'!{column_letter(col)}{row}"


def table_cells(table: Table) -> list[CellKey]:
    """Every cell the checks read for a table: its columns on every row, η, and the scalar inputs."""
    cells = [
        (table.sheet, row, col)
        for col in table.columns.values()
        for row in range(table.first_row, table.last_row + 1)
    ]
    return cells + [key(table.eta)] + [key(ref) for ref in table.scalars.values()]


def read_values(book: Book, wanted: Iterable[CellKey]) -> dict[CellKey, Value]:
    """The saved value of each cell in `wanted`, as saved_value() gives it.

    A sheet at a time, looked up without a Python call per cell while every value is a float
    (nearly always); a sheet with anything else (an empty cell, text, a bool) goes cell by cell.
    """
    found: dict[CellKey, Value] = {}
    for sheet, keys in groupby(wanted, key=itemgetter(0)):  # a check wants whole columns: few groups
        keys = list(keys)
        saved = book.sheets[sheet].saved if sheet in book.sheets else {}
        values = list(map(itemgetter(0), map(saved.get, map(itemgetter(1, 2), keys), repeat(_EMPTY))))
        if set(map(type, values)) != {float}:
            values = [None if v is _NOTHING else v if type(v) is float else saved_value((v, "")) for v in values]
        found.update(zip(keys, values))
    return found


_NOTHING = object()  # what read_values() reads for an empty cell before it says None
_EMPTY = (_NOTHING, "")


def saved_value(found: Saved | None) -> Value:
    """A saved (value, type) as the checks take it: float, bool, text (an error as its text), or None when empty."""
    if found is None:
        return None
    value = found[0]
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    return str(value)


def number(value: Value) -> float | None:
    """The value as a finite float, or None when it is text, empty, an error, or a bool."""
    if type(value) is float:  # nearly always
        return value if math.isfinite(value) else None
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
