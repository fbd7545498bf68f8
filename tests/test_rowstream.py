"""excelgen.rowstream: both row templates write the bytes of XlsxWriter's own write_formula/write_number/write_blank."""

from __future__ import annotations

import zipfile

import pytest
import xlsxwriter

from excelgen.rowstream import PREV, ROW, RowCell, RowStreamWorksheet

ROWS = [[0.0, 0.1, 2.5, -1e-300, 7.0], [1.0, 1 / 3, float(10**20), 5e-324, 123456789.0], [2.0, -0.0, 1e16, 2.0, 0.5]]


def write(path, *, fast: bool, marks: bool) -> bytes:
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    fmt = wb.add_format({"num_format": "0.00"})
    ws = wb.add_worksheet("rows", worksheet_class=RowStreamWorksheet)
    ws.write_string(0, 0, "above the rows")
    cells = [
        RowCell(None, fmt),  # a number
        RowCell(f"=B{PREV}*5%+A{ROW}"),  # a percent sign, which %-formatting must leave alone
        RowCell(None, fmt, blank=True),  # its value is ignored
        RowCell(f'=IF(A{ROW}>0,"<a> & b",A{ROW}&"%s")'),  # text with <, > and & escaped, and a %s
        RowCell(f"=SUM(A{PREV}:A{ROW})", fmt),
    ]
    ws.start_rows(3, cells, fast=fast, marks=marks)
    for values in ROWS:
        ws.add_row(values)
    wb.close()
    return zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml")


@pytest.mark.parametrize("marks", [False, True])
def test_a_row_template_writes_what_the_cell_by_cell_path_writes(tmp_path, marks):
    slow = write(tmp_path / "slow.xlsx", fast=False, marks=False)
    assert write(tmp_path / "fast.xlsx", fast=True, marks=marks) == slow
    assert b'<row r="6"><c r="A6" s="1"><v>2</v></c><c r="B6"><f>B5*5%+A6</f>' in slow
