"""verify/engines/filldown.py, the formulas engine's run-at-a-time shortcut, against the engine's general path.

The oracle is formulas_engine.evaluate(..., shortcut=False): a full recalculation, cell by cell
in dependency order, that never looks at a saved value. With the shortcut (filldown.settle()
first, the general path for the rest) every cell must get the same value, on generated
workbooks, on every hand-built one, and on deliberately irregular ones: a cell in the middle
of a column with another formula (one that gives the same value, one that does not), an η
reference that slides, a reference to a later row, to another sheet's formula, to a fixed cell
further down, a circular reference within a row, a range, text where a number should be.
Where the shortcut must stop (the first row that is not proved), the test says so too.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from openpyxl.utils.cell import coordinate_to_tuple

from network import load_network
from excelgen.workbook import write_workbook
from verify.reading import book as books
from verify.reading import cells
from verify.tables import classic_tables
from verify.engines import filldown
from verify.engines import formulas_engine

SHEET = "LR 0.1"


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    spec = load_network().with_options(iterations=30, learning_rates=(0.1, 0.5))
    return write_workbook(spec, tmp_path_factory.mktemp("filldown") / "generated.xlsx")


def _targets(workbook: books.Book) -> list[cells.CellKey]:
    return [key for table in classic_tables.find_tables(workbook) for key in cells.table_cells(table)]


def _assert_same_as_full_recalculation(workbook: books.Book, targets: list[cells.CellKey]) -> None:
    fast = formulas_engine.evaluate(workbook, targets)
    full = formulas_engine.evaluate(workbook, targets, shortcut=False)
    for key in targets:
        expected, got = full[key], fast[key]
        if isinstance(expected, float) and isinstance(got, float):
            assert got == pytest.approx(expected, rel=1e-12, abs=1e-15), cells.address(key)
        else:
            assert got == expected, cells.address(key)


def _settled(workbook: books.Book, targets: list[cells.CellKey]) -> dict[cells.CellKey, float]:
    names = formulas_engine._Book(workbook).names_of
    return filldown.settle(workbook, targets, names, max_shapes=formulas_engine.SHAPE_BUDGET)


def _plant(source: Path, target: Path, formulas: dict[str, str], sheet: str = SHEET) -> books.Book:
    """A copy of `source` with the formulas of some cells of `sheet` replaced (their saved values kept)."""
    with zipfile.ZipFile(source) as zin:
        workbook = zin.read("xl/workbook.xml").decode()
        rid = re.search(rf'<sheet name="{re.escape(sheet)}" sheetId="\d+" r:id="(rId\d+)"', workbook).group(1)
        rels = zin.read("xl/_rels/workbook.xml.rels").decode()
        part = "xl/" + re.search(rf'<Relationship Id="{rid}" [^>]*Target="([^"]+)"', rels).group(1).removeprefix("/xl/")
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
            for item in zin.infolist():
                data = zin.read(item.filename)
                if item.filename == part:
                    xml = data.decode()
                    for cell, formula in formulas.items():
                        xml, n = re.subn(rf'(<c r="{cell}"[^>]*><f>)[^<]*(</f>)', rf"\g<1>{formula}\g<2>", xml)
                        assert n == 1, cell
                    data = xml.encode()
                zout.writestr(item, data)
    return books.read(target)


def _key(address: str, sheet: str = SHEET) -> cells.CellKey:
    return (sheet, *coordinate_to_tuple(address))


def test_a_generated_workbook_is_settled_whole_and_as_a_full_recalculation(generated):
    workbook = books.read(generated)
    targets = _targets(workbook)
    settled = _settled(workbook, targets)
    assert set(settled) == {key for key in targets if workbook.formula(key) is not None}
    _assert_same_as_full_recalculation(workbook, targets)


def test_hand_built_workbooks_get_the_full_recalculation(handbuilt_books):
    for name, path in handbuilt_books.items():
        workbook = books.read(path)
        try:
            targets = _targets(workbook)
        except Exception:  # a layout that is not recognised: nothing to evaluate
            continue
        _assert_same_as_full_recalculation(workbook, targets)


# cell -> formula planted in LR 0.1 (rows 5.. hold iterations 0..30); the first row the shortcut may not settle.
IRREGULAR = {
    "the same value written another way mid-column": ({"B15": "B14-W14*$B$2"}, None),
    "another formula mid-column (its saved value stale)": ({"K15": "1/(1+EXP(-J15))+0.001"}, 15),
    "an η reference that slides": ({f"H{r}": f"H{r - 1}-B{r - 4}*AC{r - 1}" for r in range(6, 36)}, 7),  # B2 is η: row 6 holds
    "a reference to a later row": ({"T12": "R13+S13"}, 12),
    "a fixed cell further down": ({"T12": "R12+S12+0*$T$20"}, 12),
    "another sheet's formula": ({"T12": "R12+S12+0*'LR 0.5'!T5"}, 12),
    "its own sheet's formula, named": ({"T12": "R12+S12+0*'LR 0.1'!T11"}, 12),
    "a circular reference within a row": ({"J12": "B12*in_i1+C12*in_i2+0*K12"}, 0),
    "a range": ({"T12": "SUM(R12:S12)"}, 12),
    "a function fastmath leaves alone": ({"T12": "IF(R12>0,R12+S12,0)"}, 12),
    "text where a number should be": ({"T12": "R12+S12+0*A4"}, 12),
    "a cell that reads itself": ({"T12": "R12+S12+0*T12"}, 12),
}


@pytest.mark.parametrize("name", IRREGULAR)
def test_irregular_columns_get_the_full_recalculation(name, generated, tmp_path):
    planted, first_unsettled = IRREGULAR[name]
    workbook = _plant(generated, tmp_path / "planted.xlsx", planted)
    targets = _targets(workbook)
    _assert_same_as_full_recalculation(workbook, targets)
    settled = _settled(workbook, targets)
    rows = {row for sheet, row, _ in settled if sheet == SHEET}
    if first_unsettled is None:
        assert _key("B15") in settled and _key("AD35") in settled
    else:
        assert all(row < first_unsettled for row in rows), name
        assert first_unsettled <= 5 or max(rows) == first_unsettled - 1, name
    assert _key("AD35", "LR 0.5") in settled  # the other sheet is settled whatever happens to this one


def test_more_shapes_than_the_budget_settle_nothing(generated):
    workbook = books.read(generated)
    targets = _targets(workbook)
    assert filldown.settle(workbook, targets, formulas_engine._Book(workbook).names_of, max_shapes=3) == {}
