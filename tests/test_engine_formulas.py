"""The `formulas` engine (verify/engines/formulas_engine.py) against LibreOffice on arbitrary formulas.

Hand-built workbooks use whatever formulas a student writes, so the engine is checked on a
workbook of assorted ones (ranges, SUM/MAX/IF, defined names, other sheets, errors, empty
cells), with LibreOffice's recalculation of the same file as the oracle. The shortcut through
saved values must give what a full recalculation gives, also when a formula was edited and
its saved value is stale.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.workbook.defined_name import DefinedName

from conftest import need_soffice
from verify.reading import book
from verify.reading import cells
from verify.engines import formulas_engine
from verify.reading import refs
from verify.checking.workbook import check_workbook
from verify.reading.libreoffice import recalculate

SHEET = "Data sheet"  # a space: references to it must be quoted
ROWS = range(2, 21)
COLUMNS = {  # column -> formula for row r
    "B": "=SUM($A$1:A{r})",
    "C": "=IF(A{r}>1,LN(A{r}),-A{r}^2)",
    "D": "=MAX(A{r},B{r})/(1+ABS(C{r}))",
    "E": "='Data sheet'!A{r}*Net!$B$3+SQRT(ABS(C{r}))",
    "F": "=POWER(A{r},2)+MOD({r},3)+ROUND(A{r},3)",
    "G": "=A{r}/({r}-10)",  # #DIV/0! in row 10
    "H": "=G{r}+two",  # the error flows on
    "J": "=1E-3*A{r}+0.5^2-(-A{r})",
    "K": "=-A{r}^2",  # Excel: (-A)^2, not -(A^2)
}
SINGLE = {
    "I1": "=AVERAGE(A1:A20)",
    "I2": "=SUMPRODUCT(A1:A3,B1:B3)",
    "I3": "=A40+1",  # an empty cell counts as 0
    "I4": '=IF(I3=1,"one","other")',
    "I5": "=Z9*2+two",  # an empty cell on the way
    "I6": "=NOSUCHFUNCTION(1)",
}


@pytest.fixture(scope="module")
def assorted(tmp_path_factory) -> tuple[Path, Path]:
    """(the workbook as openpyxl wrote it, without saved values; its LibreOffice recalculation)."""
    need_soffice()
    folder = tmp_path_factory.mktemp("assorted")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = SHEET
    net = wb.create_sheet("Net")
    net["B3"] = 2.0
    wb.defined_names["two"] = DefinedName("two", attr_text="Net!$B$3")
    ws["A1"] = 0.5
    for r in ROWS:
        ws[f"A{r}"] = f"=A{r - 1}*two-EXP(-A{r - 1})/3+0.1"
        for col, formula in COLUMNS.items():
            ws[f"{col}{r}"] = formula.format(r=r)
    for address, formula in SINGLE.items():
        ws[address] = formula
    wb.save(folder / "assorted.xlsx")
    return folder / "assorted.xlsx", recalculate(folder / "assorted.xlsx", folder / "recalculated.xlsx")


def _targets() -> list[tuple[str, int, int]]:
    keys = [(SHEET, r, openpyxl.utils.column_index_from_string(c)) for r in ROWS for c in ["A", *COLUMNS]]
    return keys + [(SHEET, *openpyxl.utils.cell.coordinate_to_tuple(a)) for a in SINGLE]


def _assert_same(ours: dict, theirs: dict) -> None:
    for key, expected in theirs.items():
        got = ours[key]
        where = cells.address(key)
        if isinstance(expected, float):
            assert got == pytest.approx(expected, rel=1e-12, abs=1e-300), where
        elif cells.is_error(expected):
            assert cells.is_error(got), f"{where}: {got!r}, LibreOffice {expected!r}"
        else:
            assert got == expected, where


def test_full_recalculation_matches_libreoffice(assorted):
    written, recalculated = assorted
    targets = _targets()
    theirs = cells.read_values(book.read(recalculated), targets)
    ours = formulas_engine.evaluate(book.read(written), targets, shortcut=False)
    _assert_same(ours, theirs)
    assert theirs[(SHEET, 10, 7)] == "#DIV/0!" and ours[(SHEET, 10, 7)] == "#DIV/0!"
    assert ours[(SHEET, 3, 9)] == 1.0 and ours[(SHEET, 4, 9)] == "one"
    assert ours[(SHEET, 6, 9)] == "#NAME?"


def test_shortcut_through_saved_values_gives_the_full_recalculation(assorted):
    _, recalculated = assorted
    targets = _targets()
    workbook = book.read(recalculated)
    full = formulas_engine.evaluate(workbook, targets, shortcut=False)
    shortcut = formulas_engine.evaluate(workbook, targets, shortcut=True)
    # The shortcut reads LibreOffice's saved values, rounded to 15 digits: equal to the last bits.
    _assert_same(shortcut, full)


def test_shortcut_recalculates_downstream_of_an_edited_formula(assorted, tmp_path):
    # Edit A5's formula in the XML and keep its (now stale) saved value: A5, and everything
    # that reads it directly or not, must come out as LibreOffice recalculates the edited file.
    _, recalculated = assorted
    edited = tmp_path / "edited.xlsx"
    with zipfile.ZipFile(recalculated) as zin, zipfile.ZipFile(edited, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text, n = re.subn(r'(<c r="A5"[^>]*><f[^>]*>)[^<]*', r"\g<1>A4*3", data.decode("utf-8"))
                assert n == 1
                data = text.encode("utf-8")
            zout.writestr(item, data)
    targets = _targets()
    shortcut = formulas_engine.evaluate(book.read(edited), targets, shortcut=True)
    stale = cells.read_values(book.read(edited), targets)
    assert shortcut[(SHEET, 5, 1)] != pytest.approx(stale[(SHEET, 5, 1)])
    oracle = recalculate(edited, tmp_path / "oracle.xlsx")
    _assert_same(shortcut, cells.read_values(book.read(oracle), targets))


def test_a_circular_reference_is_an_error_not_a_hang(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"], ws["A2"], ws["A3"], ws["B1"] = "=A2+1", "=A1+1", "=A2*2", "=5"
    wb.save(tmp_path / "cycle.xlsx")
    values = formulas_engine.evaluate(book.read(tmp_path / "cycle.xlsx"), [("Sheet", 3, 1), ("Sheet", 1, 2)])
    assert values[("Sheet", 3, 1)] == formulas_engine.CIRCULAR
    assert values[("Sheet", 1, 2)] == 5.0


@pytest.mark.parametrize(
    "formula, row, col, placeholders, relative",
    [
        ("=B5-$B$2*AA5", 6, 2, "=_R0-_R1*_R2", [(-1, 0), (2, 2), (-1, 25)]),
        ("=1/(1+EXP(-J5))", 5, 11, "=1/(1+EXP(-_R0))", [(0, -1)]),
        ("=in_i1*B5+LOG10(C5)", 5, 10, "=_R0*_R1+LOG10(_R2)", [(5, 2), (0, -8), (0, -7)]),
        ('="B5"&w1_init&E2', 3, 1, '="B5"&_R0&_R1', [(9, 2), (-1, 4)]),
        ("='it''s'!A1*1E-3", 2, 2, "=_R0*1E-3", [(-1, -1)]),
    ],
)
def test_formula_shape(formula, row, col, placeholders, relative):
    names = {"IN_I1": refs.absolute_ref("Network", "$B$5"), "W1_INIT": refs.absolute_ref("Network", "$B$9")}
    shape = refs.shape(formula, row, col, names)
    assert shape.text == placeholders
    assert [(r.top.value, r.left.value) for r in shape.refs] == relative
    assert shape.render(row, col) == formula
    # the same shape one row down is the formula filled down
    assert refs.shape(shape.render(row + 1, col), row + 1, col, names) == shape
    assert [shape.column_renderer(col)(r) for r in (row, row + 1, row + 9)] == [shape.render(r, col) for r in (row, row + 1, row + 9)]


@pytest.mark.parametrize("book", ["typical", "cells_above", "per_learning_rate", "biases_left", "mistakes"])
def test_hand_built_workbooks_get_the_same_report_from_both_engines(handbuilt_books, handbuilt_recalculated, book):
    # Students' own formulas and layouts (tests/handbuilt.py), the planted mistakes included.
    path = handbuilt_books[book]
    reports = {"formulas": check_workbook(path, engine="formulas"),
               "libreoffice": check_workbook(path, engine="libreoffice", recalculated=handbuilt_recalculated[path])}
    found = {
        engine: [(t.sheet, [(f.check.replace(engine, "engine"), f.cell, f.kind) for f in t.findings]) for t in r.tables]
        for engine, r in reports.items()
    }
    assert found["formulas"] == found["libreoffice"]
    assert reports["formulas"].passed == (book != "mistakes")  # the planted mistakes are found
