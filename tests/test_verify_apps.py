"""Reading what spreadsheet apps save: a part verify does not need never makes a workbook unreadable.

A generated workbook goes through each app (or a rewrite of its XML that mimics one) and must
still verify with exit 0: saved again by LibreOffice and by Gnumeric (whose comments have no
author), re-saved by openpyxl (no saved values: the engine decides), written with namespace
prefixes (`<x:workbook>`, `<x:styleSheet>`), and with shared formulas as Excel saves a
filled-down column.
"""

from __future__ import annotations

import re
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from conftest import need_soffice, need_ssconvert
from backprop_sheet.cli import cli
from verify.reading import book
from verify.reading import libreoffice

_PREFIXED_PARTS = ("xl/workbook.xml", "xl/styles.xml", "xl/worksheets/sheet2.xml")


def _libreoffice(default_workbook: Path, folder: Path) -> Path:
    need_soffice()
    return libreoffice.recalculate(default_workbook, folder / "libreoffice.xlsx")


def _gnumeric(default_workbook: Path, folder: Path) -> Path:
    need_ssconvert()
    target = folder / "gnumeric.xlsx"
    subprocess.run(["ssconvert", str(default_workbook), str(target)], check=True, capture_output=True, timeout=120)
    with zipfile.ZipFile(target) as archive:  # what made openpyxl refuse it: comments without an author
        comments = [archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/comments")]
    assert comments and all("<author>" not in c for c in comments)
    return target


def _prefixed(default_workbook: Path, folder: Path) -> Path:
    """The main namespace as a prefix, x:, on the workbook, the styles and a sheet, as some office suites write."""
    return _rewrite(default_workbook, folder / "prefixed.xlsx", {part: _add_prefix for part in _PREFIXED_PARTS})


def _shared_formulas(default_workbook: Path, folder: Path) -> Path:
    """Every filled-down column of 'LR 0.1' as one shared formula, the way Excel saves it."""
    return _rewrite(default_workbook, folder / "shared.xlsx", {"xl/worksheets/sheet2.xml": _share_formulas})


ROUND_TRIPS = {
    "saved by LibreOffice": _libreoffice,
    "saved by Gnumeric": _gnumeric,
    "namespace prefixes": _prefixed,
    "shared formulas": _shared_formulas,
}


@pytest.fixture(scope="module")
def round_trip(default_workbook, tmp_path_factory):
    """app -> the default workbook as ROUND_TRIPS[app] saves it, each made once, when first asked for."""
    made = {}

    def saved_by(app: str) -> Path:
        if app not in made:
            made[app] = ROUND_TRIPS[app](default_workbook, tmp_path_factory.mktemp("round-trip"))
        return made[app]

    return saved_by


@pytest.mark.parametrize("engine", ["formulas", "libreoffice"])
@pytest.mark.parametrize("app", ROUND_TRIPS)
def test_workbook_saved_by_an_app_verifies(app, engine, round_trip):
    if engine == "libreoffice":
        need_soffice()
    path = round_trip(app)
    result = CliRunner().invoke(cli, ["verify", str(path), "--engine", engine])
    assert result.exit_code == 0, result.output
    assert result.output.count(" pass ") == 6


def test_shared_formulas_are_expanded_to_each_cells_formula(default_workbook, tmp_path):
    shared = book.read(_shared_formulas(default_workbook, tmp_path))
    original = book.read(default_workbook)
    assert shared.sheets["LR 0.1"].formulas == original.sheets["LR 0.1"].formulas
    with zipfile.ZipFile(tmp_path / "shared.xlsx") as archive:
        assert archive.read("xl/worksheets/sheet2.xml").count(b't="shared"') > 2000


def test_prefixed_parts_read_like_plain_ones(default_workbook, tmp_path):
    prefixed = book.read(_prefixed(default_workbook, tmp_path))
    original = book.read(default_workbook)
    assert list(prefixed.sheets) == list(original.sheets)
    assert prefixed.names == original.names
    assert prefixed.sheets["LR 0.1"] == original.sheets["LR 0.1"]


@pytest.mark.parametrize("engine", ["formulas", "libreoffice"])
def test_openpyxl_resave_has_no_saved_values_and_the_engine_decides(engine, default_workbook, tmp_path):
    if engine == "libreoffice":
        need_soffice()
    path = tmp_path / "openpyxl.xlsx"
    openpyxl.load_workbook(default_workbook).save(path)
    assert not book.read(path).has_saved_values
    result = CliRunner().invoke(cli, ["verify", str(path), "--engine", engine])
    assert result.exit_code == 0, result.output
    assert f"no saved values" in result.output and f"the {engine} engine's recalculation decided" in result.output
    assert "saved values" not in result.output.split("checks: ")[1].split(")")[0]


def test_openpyxl_resave_without_an_engine_says_what_to_do(default_workbook, tmp_path):
    path = tmp_path / "openpyxl.xlsx"
    openpyxl.load_workbook(default_workbook).save(path)
    result = CliRunner().invoke(cli, ["verify", str(path), "--engine", "none"])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "--engine formulas" in result.stderr


def test_a_planted_mistake_is_still_found_without_saved_values(default_workbook, tmp_path):
    wb = openpyxl.load_workbook(default_workbook)
    wb["LR 0.1"]["O5"] = "=1/(1+EXP(N5))"  # a_o1 with the sign of the exponent flipped
    wb.save(tmp_path / "planted.xlsx")
    result = CliRunner().invoke(cli, ["verify", str(tmp_path / "planted.xlsx"), "--engine", "formulas"])
    assert result.exit_code == 1, result.output
    assert "'LR 0.1'!O5" in result.output


# --- rewriting parts of an archive ------------------------------------------------------------------------


def _rewrite(source: Path, target: Path, edits: dict) -> Path:
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename in edits:
                data = edits[item.filename](data.decode("utf-8")).encode("utf-8")
            zout.writestr(item, data)
    return target


def _add_prefix(xml: str) -> str:
    """<workbook xmlns="main"><sheets>... -> <x:workbook xmlns:x="main"><x:sheets>..."""
    xml = re.sub(r'xmlns="', 'xmlns:x="', xml, count=1)
    return re.sub(r"<(/?)(?![?!])([A-Za-z]+)(?=[\s/>])", r"<\1x:\2", xml)


def _share_formulas(xml: str) -> str:
    """Rows 6 on of each column: the first formula becomes the master, the others refer to it."""
    masters: dict[str, tuple[int, int]] = {}  # column -> (shared index, master row)

    def share(match: re.Match) -> str:
        column, row, attrs, formula = match.group(1), int(match.group(2)), match.group(3), match.group(4)
        if row < 6:
            return match.group(0)
        if column not in masters:
            masters[column] = (len(masters), row)
            si = masters[column][0]
            return f'<c r="{column}{row}"{attrs}><f t="shared" ref="{column}{row}:{column}105" si="{si}">{formula}</f>'
        return f'<c r="{column}{row}"{attrs}><f t="shared" si="{masters[column][0]}"/>'

    return re.sub(r'<c r="([A-Z]+)(\d+)"([^>]*)><f>([^<]*)</f>', share, xml)
