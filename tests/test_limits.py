"""Excel's own limits (issue 24, item 8): a workbook past one is "not a workbook Excel could have saved", one line,
in milliseconds; and REPT past a cell's 32,767 characters is #VALUE!, as in Excel.

The hostile workbooks are written here as raw xlsx XML (no library would write them): each is read by the checker's
reader, checked in one child process with the formulas engine, and timed loosely."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from excelgen.errors import WorkbookError
from verify.engines import formulas_engine
from verify.reading import book

REPO = Path(__file__).resolve().parents[1]
SECONDS = 5  # "milliseconds" with room for a loaded machine


def raw_xlsx(path: Path, cells: str) -> Path:
    """An xlsx of one sheet `Sheet1` whose <sheetData> holds `cells` (rows of <c> elements) as given."""
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ),
        "xl/workbook.xml": (
            '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            "</Relationships>"
        ),
        "xl/worksheets/sheet1.xml": (
            '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f"<sheetData>{cells}</sheetData></worksheet>"
        ),
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return path


def formula_cell(ref: str, formula: str, value: str = "0") -> str:
    row = "".join(ch for ch in ref if ch.isdigit())
    return f'<row r="{row}"><c r="{ref}"><f>{escape(formula)}</f><v>{value}</v></c></row>'


ARRAY = "{" + ",".join(["1"] * 50_000) + "}"
HOSTILE = {
    # name: (sheetData, words of the one line)
    "100k-character formula": (formula_cell("A1", "1+" * 50_000 + "1"), "has 100,001 characters, over Excel's 8,192"),
    "100k nested parentheses": (formula_cell("A1", "(" * 100_000 + "1" + ")" * 100_000), "over Excel's 8,192"),
    "65 nested functions": (formula_cell("A1", "ABS(" * 65 + "1" + ")" * 65), "nests over Excel's 64 levels"),
    "50k-element array literal": (formula_cell("A1", f"SUM({ARRAY})"), "over Excel's 8,192"),
    "20k & joins": (formula_cell("A1", '&'.join(['"x"'] * 20_000)), "over Excel's 8,192"),
    "row 99,999,999": (formula_cell("A99999999", "1+1", "2"), "row 99,999,999"),
    "column past XFD": ('<row r="1"><c r="XFE1"><v>1</v></c></row>', "column 16,385"),
    "text over 32,767": (
        f'<row r="1"><c r="A1" t="inlineStr"><is><t>{"x" * 40_000}</t></is></c></row>', "40,000 characters, over Excel's 32,767"
    ),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_a_workbook_past_excels_limits_is_refused_at_once(name, tmp_path):
    cells, words = HOSTILE[name]
    path = raw_xlsx(tmp_path / "hostile.xlsx", cells)
    started = time.monotonic()
    with pytest.raises(WorkbookError) as caught:
        book.read(path)
    assert time.monotonic() - started < SECONDS
    message = str(caught.value)
    assert "not a workbook Excel could have saved" in message and words in message and "\n" not in message, message


def test_the_verify_command_says_it_in_one_line(tmp_path):
    """End to end, as a student's file in a class would be: exit 2, one line naming the file, within seconds."""
    cells, _ = HOSTILE["100k-character formula"]
    path = raw_xlsx(tmp_path / "hostile.xlsx", cells)
    command = [sys.executable, "-c", "from backprop_sheet.cli import main; main()", "verify", str(path), "--engine", "formulas"]
    started = time.monotonic()
    done = subprocess.run(command, capture_output=True, timeout=120, env=os.environ | {"PYTHONPATH": str(REPO)})
    assert done.returncode == 2, done.stderr
    assert done.stderr.decode().count("\n") == 1 and "not a workbook Excel could have saved" in done.stderr.decode()
    assert time.monotonic() - started < 30  # a Python start and the imports included


def test_what_excel_allows_is_still_read(tmp_path):
    """At the limits, not past them: an 8,192-character formula nested 64 deep, XFD1048576, 32,767 characters."""
    nested = "ABS(" * 64 + "1" + ")" * 64
    formula = nested + "+1" * ((8_192 - len(nested)) // 2)
    assert 8_191 <= len(formula) <= 8_192
    cells = (
        f'<row r="1"><c r="A1"><f>{formula}</f><v>0</v></c><c r="B1" t="inlineStr"><is><t>{"x" * 32_767}</t></is></c></row>'
        '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    )
    sheet = book.read(raw_xlsx(tmp_path / "edge.xlsx", cells)).sheets["Sheet1"]
    assert (sheet.max_row, sheet.max_col) == (1_048_576, 16_384)
    assert sheet.formulas[(1, 1)] == "=" + formula and len(sheet.saved[(1, 2)][0]) == 32_767


@pytest.mark.parametrize(
    "formula, expected",
    [
        ('REPT(REPT("x",32767),32767)', "#VALUE!"),  # a billion characters: Excel says #VALUE!
        ('REPT("ab",16384)', "#VALUE!"),  # 32,768 characters: one past the limit
        ('LEN(REPT("ab",16383))', 32_766.0),  # within it
    ],
)
def test_rept_past_a_cells_text_is_value_error_as_in_excel(formula, expected, tmp_path):
    warm = raw_xlsx(tmp_path / "warm.xlsx", formula_cell("A1", 'REPT("ab",3)'))
    assert formulas_engine.evaluate(book.read(warm), [("Sheet1", 1, 1)])[("Sheet1", 1, 1)] == "ababab"  # loads `formulas`
    path = raw_xlsx(tmp_path / "rept.xlsx", formula_cell("A1", formula))
    started = time.monotonic()
    values = formulas_engine.evaluate(book.read(path), [("Sheet1", 1, 1)])
    assert time.monotonic() - started < SECONDS
    assert values[("Sheet1", 1, 1)] == expected
