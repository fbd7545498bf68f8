"""Where a backprop table sits in a workbook: the contract between layout detection and the checks.

A detector (for generated workbooks, or the tolerant one for hand-built workbooks) finds each
table and says which column holds which quantity; the checks then read values and formulas
through this record and never guess positions themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping


@dataclass(frozen=True)
class CellRef:
    """One cell outside a table, e.g. an input above it or on the Network sheet (1-based row)."""

    sheet: str
    row: int
    col: int  # 1-based, as openpyxl counts

    def address(self) -> str:
        from openpyxl.utils import get_column_letter

        return f"'{self.sheet}'!{get_column_letter(self.col)}{self.row}"


@dataclass(frozen=True)
class Table:
    """One recognised table of iterations.

    `columns` maps a canonical quantity to its 1-based column on `sheet`. Canonical names are
    the generated sheet's headers (excelgen.layout.HEADERS: "w1", "a_h1", "E_total",
    "∂E_total/∂w3", ...) plus "i1", "i2", "t1", "t2" (and "b1", "b2") when a hand-built table
    holds them as columns. Quantities held in single cells instead (inputs above the table, on
    the Network sheet) are in `scalars`. `eta` is the learning-rate cell the updates use.
    """

    sheet: str
    header_row: int  # 1-based row of the header texts
    first_row: int  # 1-based row of iteration 0 (the initial weights)
    last_row: int  # 1-based last row of the table
    columns: Mapping[str, int]
    eta: CellRef
    scalars: Mapping[str, CellRef] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)  # canonical -> header text as written
