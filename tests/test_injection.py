"""A student's text never runs as a formula in what `verify` writes (issue 24, items 6 and 13).

The class workbook (--report) writes every string from a student's file (file names, sheet names,
headers, formulas quoted, reasons) as text; the CSV (--csv) neutralises a cell that a spreadsheet
app would take for a formula (it starts with =, +, -, @, a tab or a carriage return) with a
leading ' as OWASP advises. The workbooks here carry hostile sheet names (renamed in the archive's
XML, which Excel's own rules would not allow for some) and a file is named `=1+2.xlsx`; the report
is read back with openpyxl (no cell may be a formula) and the CSV with Python's csv module.
"""

from __future__ import annotations

import csv
import html
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from test_hostile import Hostile, plant

ROOT = Path(__file__).resolve().parents[1]
HOSTILE_SHEETS = ["=cmd|' /C calc'!A0", '=HYPERLINK("http://e.vil","x")', "=1+2"]


@pytest.fixture(scope="module")
def hostile_class(tmp_path_factory) -> Path:
    """One workbook per hostile sheet name (its LR 0.1 sheet renamed, with a wrong formula planted there so
    that the report names the sheet), and a correct workbook named `=1+2.xlsx`."""
    from network import load_network
    from excelgen.workbook import write_workbook

    folder = tmp_path_factory.mktemp("hostile-class")
    spec = load_network().with_options(iterations=12, learning_rates=(0.1, 0.5))
    small = write_workbook(spec, folder.parent / "small.xlsx")
    planted = plant(small, folder.parent / "planted.xlsx", "LR 0.1", {"R5": Hostile("({f})*2")})
    for k, name in enumerate(HOSTILE_SHEETS):
        _rename_sheet(planted, folder / f"s{k}.xlsx", "LR 0.1", name)
    shutil.copy(small, folder / "=1+2.xlsx")
    return folder


@pytest.fixture(scope="module")
def outputs(hostile_class) -> tuple[subprocess.CompletedProcess, Path, Path]:
    """`verify =1+2.xlsx s0.xlsx ... --csv g.csv --report r.xlsx`, run inside the class's folder."""
    names = ["=1+2.xlsx"] + [f"s{k}.xlsx" for k in range(len(HOSTILE_SHEETS))]
    out = hostile_class / "out"
    out.mkdir()
    args = ["verify", *names, "--engine", "formulas", "--csv", "out/g.csv", "--report", "out/r.xlsx"]
    result = subprocess.run(
        [sys.executable, "-c", "from backprop_sheet.cli import main; main()", *args],
        cwd=hostile_class, capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=300,
    )  # fmt: skip
    return result, out / "g.csv", out / "r.xlsx"


def test_the_hostile_names_reach_the_outputs(outputs):
    """The oracle for the other tests: each hostile text is really there."""
    result, csv_path, _ = outputs
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stdout + result.stderr
    text = csv_path.read_text("utf-8-sig")
    for name in HOSTILE_SHEETS + ["=1+2.xlsx"]:
        assert name.replace('"', '""') in text, name
    lines = result.stdout.splitlines()
    for k, name in enumerate(HOSTILE_SHEETS):
        assert any(line.startswith(f"s{k}.xlsx  FAIL  '{name}") for line in lines), result.stdout


def test_no_cell_of_the_class_workbook_is_a_formula(outputs):
    _, _, report = outputs
    book = openpyxl.load_workbook(report)
    formulas = [(s.title, c.coordinate, c.value) for s in book for row in s.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []
    texts = {c.value for s in book for row in s.iter_rows() for c in row if isinstance(c.value, str)}
    assert set(HOSTILE_SHEETS) | {"=1+2.xlsx"} <= texts


def test_csv_cells_that_look_like_formulas_start_with_a_quote(outputs):
    _, csv_path, _ = outputs
    cells = [cell for row in csv.reader(csv_path.read_text("utf-8-sig").splitlines()) for cell in row]
    risky = [cell for cell in cells if cell.startswith(("=", "+", "-", "@", "\t", "\r"))]
    assert risky == []
    for name in HOSTILE_SHEETS + ["=1+2.xlsx"]:
        assert "'" + name in cells, name


@pytest.mark.parametrize(
    "value, written",
    [
        ("=1+2", "'=1+2"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("plain", "plain"),
        ("a=1", "a=1"),
        (0.5, 0.5),
        ("x" * 40_000, "x" * 32_766 + "…"),
        ("=" + "x" * 40_000, "'=" + "x" * 32_764 + "…"),
    ],
    ids=["=", "+", "-", "@", "tab", "cr", "plain", "inner =", "number", "40,000 characters", "=, 40,000 characters"],
)
def test_csv_cell(value, written):
    from verify.reports.classreport import csv_cell

    assert csv_cell(value) == written
    assert not isinstance(written, str) or len(written) <= 32_767


def _rename_sheet(source: Path, target: Path, old: str, new: str) -> Path:
    """Copy an xlsx with sheet `old` renamed `new` in workbook.xml and in every reference to it."""
    quoted_old, quoted_new = (f"'{n.replace(chr(39), chr(39) * 2)}'!" for n in (old, new))
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.endswith(".xml") or item.filename.endswith(".rels"):
                text = data.decode("utf-8").replace(html.escape(quoted_old, quote=False), html.escape(quoted_new, quote=False))
                text = text.replace(f'name="{old}"', f'name="{html.escape(new)}"')
                data = text.encode("utf-8")
            zout.writestr(item, data)
    return target
