"""Small helpers of the checks: saved values read a sheet at a time (verify/reading/cells.py) against
reading them one cell at a time, a sheet's top corner against filtering every cell, column
letters (network/layout.py) against openpyxl's, and what the checker imports."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from openpyxl.utils import column_index_from_string, get_column_letter

from network import layout
from verify.reading import cells
from verify.reading.book import Book, Sheet


def _book() -> Book:
    saved = {
        (1, 1): (0.5, "n"), (2, 1): (2, "n"), (3, 1): (True, "b"), (4, 1): ("abc", "s"), (5, 1): ("#DIV/0!", "e"),
        (6, 1): (np.float64(1.25), "n"), (7, 1): (float("inf"), "n"), (8, 1): ("2024-01-01", "d"), (9, 1): (None, "s"),
    }
    floats = {(row, 2): (row / 3, "n") for row in range(1, 10)}
    return Book(Path("x.xlsx"), {"A": Sheet("A", {}, saved, 9, 1), "B": Sheet("B", {}, floats, 9, 2)}, {}, {})


def test_read_values_reads_what_saved_value_reads_cell_by_cell():
    book = _book()
    wanted = [("A", row, col) for col in (1, 2) for row in range(0, 11)] + [("B", row, 2) for row in range(1, 10)]
    wanted += [("missing", 1, 1), ("B", 3, 2), ("A", 1, 1)]
    one_by_one = {cell: cells.saved_value(book.saved(cell)) for cell in wanted}
    found = cells.read_values(book, iter(wanted))
    assert found == one_by_one
    assert list(found) == list(one_by_one)
    assert [type(v) for v in found.values()] == [type(v) for v in one_by_one.values()]


def test_number_takes_finite_numbers_only():
    assert [cells.number(v) for v in (1.5, 2, True, "1", None, float("nan"), float("inf"), np.float64(0.25))] == [
        1.5, 2.0, None, None, None, None, None, 0.25,
    ]


def test_a_sheet_s_top_corner_holds_what_filtering_every_cell_finds():
    formulas = {(row, col): f"=A{row}" for row in range(0, 300) for col in range(1, 40, 3)}
    saved = {(row, col): (float(row), "n") for row in range(0, 300, 2) for col in range(1, 50)}
    sheet = Sheet("S", formulas, saved, 299, 49)
    for max_row, max_col in [(5, 5), (200, 120), (0, 3), (1000, 1000), (299, 49), (10, 0)]:
        keys = {key for key in [*formulas, *saved] if key[0] <= max_row and key[1] <= max_col}
        expected = [(row, col, sheet.value(row, col)) for row, col in sorted(keys)]
        assert list(sheet.cells(max_row, max_col)) == expected, (max_row, max_col)


def test_column_letters_are_openpyxl_s():
    for col in range(1, 18_279):
        letters = get_column_letter(col)
        assert layout.column_letter(col) == letters
        assert layout.column_number(letters) == layout.column_number(letters.lower()) == column_index_from_string(letters) == col
    for bad in (0, -1, 18_279):
        with pytest.raises(ValueError):
            layout.column_letter(bad)
    for bad in ("", "AAAA", "A1", "$A", "é", " A"):
        with pytest.raises(ValueError):
            column_index_from_string(bad)
        with pytest.raises(ValueError):
            layout.column_number(bad)


def test_the_checker_does_not_import_what_it_does_not_need():
    """openpyxl and pandas cost every `verify` start-up (its process and its worker's fork server) time for nothing."""
    code = "import sys, backprop_sheet.verify_command, verify.batch, verify.checking.workbook, verify.engines.formulas_engine; print(sorted(sys.modules))"
    modules = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "'openpyxl'" not in modules and "'pandas'" not in modules


def test_a_check_imports_nothing_the_fork_server_has_not(tmp_path):
    """A module first imported inside a worker can fail to map near the worker's memory ceiling
    (an ImportError, not a MemoryError): whatever a check needs comes with verify.batch's preload."""
    from network import load_network
    from excelgen.workbook import write_workbook

    path = write_workbook(load_network(), tmp_path / "default.xlsx")
    code = (
        "import sys, verify.batch, verify.checking.workbook, verify.engines.formulas_engine; from verify.checking.workbook import check_workbook; "
        "before = set(sys.modules); check_workbook(sys.argv[1], engine='formulas'); print(*sorted(set(sys.modules) - before))"
    )
    new = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True).stdout
    assert [m for m in new.split() if not m.startswith("encodings.")] == []
