"""Find the backprop tables in a workbook (minimal first version: generated layout only).

find_tables() returns one Table per recognised LR table; it will grow into the tolerant
detector for hand-built workbooks.
"""

from __future__ import annotations

from openpyxl.utils.cell import range_boundaries
from openpyxl.workbook.workbook import Workbook

from excelgen import layout
from excelgen.errors import WorkbookError
from verify.table import CellRef, Table

_SCALAR_NAMES = layout.INPUT_NAMES | layout.BIAS_NAMES


def find_tables(wb: Workbook) -> list[Table]:
    """Every backprop table in `wb`; WorkbookError when there is none."""
    scalars = _named_scalars(wb)
    tables = [
        _generated_table(wb[name], scalars)
        for name in wb.sheetnames
        if name.startswith(layout.LR_SHEET_PREFIX)
    ]
    tables = [t for t in tables if t is not None]
    if not tables:
        raise WorkbookError("no backpropagation table found (no sheet with the LR table headers)")
    return tables


def _generated_table(ws, scalars: dict[str, CellRef]) -> Table | None:
    header_row = layout.HEADER_ROW + 1
    headers = [ws.cell(header_row, c + 1).value for c in range(len(layout.HEADERS))]
    if tuple(headers) != layout.HEADERS:
        return None
    last = layout.FIRST_DATA_ROW + 1
    while ws.cell(last + 1, 1).value is not None:
        last += 1
    eta_row, eta_col = layout.ETA_CELL
    return Table(
        sheet=ws.title,
        header_row=header_row,
        first_row=layout.FIRST_DATA_ROW + 1,
        last_row=last,
        columns={h: i + 1 for i, h in enumerate(layout.HEADERS)},
        eta=CellRef(ws.title, eta_row + 1, eta_col + 1),
        scalars=scalars,
        headers={h: h for h in layout.HEADERS},
    )


def _named_scalars(wb: Workbook) -> dict[str, CellRef]:
    """i1, i2, t1, t2 (b1, b2) -> their cells, through the Network sheet's defined names."""
    found = {}
    for quantity, name in (_SCALAR_NAMES | layout.WEIGHT_NAMES).items():
        defined = wb.defined_names.get(name)
        if defined is None:
            continue
        for sheet, ref in defined.destinations:
            min_col, min_row, _, _ = range_boundaries(ref.replace("$", ""))
            found[quantity] = CellRef(sheet, min_row, min_col)
    return found
