"""Files that cannot be checked: exit code 2, one line `Error: ...`, no traceback, nothing unpacked."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from conftest import need_soffice
from backprop_sheet.cli import cli
from excelgen.errors import WorkbookError
from verify.reading import libreoffice
from verify.reading import opening
from verify.checking.workbook import check_workbook


def _missing(folder: Path, default_workbook: Path) -> Path:
    return folder / "no-such-file.xlsx"


def _text_renamed(folder: Path, default_workbook: Path) -> Path:
    path = folder / "notes.xlsx"
    path.write_text("w1 = 0.15\nthis is not a spreadsheet\n", "utf-8")
    return path


def _zero_bytes(folder: Path, default_workbook: Path) -> Path:
    path = folder / "empty.xlsx"
    path.write_bytes(b"")
    return path


def _empty_workbook(folder: Path, default_workbook: Path) -> Path:
    path = folder / "blank.xlsx"
    openpyxl.Workbook().save(path)
    return path


def _no_lr_sheets(folder: Path, default_workbook: Path) -> Path:
    wb = openpyxl.load_workbook(default_workbook)
    for name in [n for n in wb.sheetnames if n.startswith("LR ")]:
        del wb[name]
    path = folder / "network-only.xlsx"
    wb.save(path)
    return path


def _budget(folder: Path, default_workbook: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Item", "January", "February", "Total"])
    for item, jan, feb in (("Rent", 800, 800), ("Food", 250.5, 231.2), ("Books", 40, 0)):
        ws.append([item, jan, feb, f"=B{ws.max_row + 1}+C{ws.max_row + 1}"])
    path = folder / "budget.xlsx"
    wb.save(path)
    return path


def _truncated(folder: Path, default_workbook: Path) -> Path:
    path = folder / "truncated.xlsx"
    path.write_bytes(default_workbook.read_bytes()[: default_workbook.stat().st_size // 2])
    return path


def _zip_not_xlsx(folder: Path, default_workbook: Path) -> Path:
    path = folder / "photos.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("holiday.txt", "not a workbook")
    return path


def _zip_bomb(folder: Path, default_workbook: Path) -> Path:
    """A real xlsx plus one member of 64 MB of zeros that deflates to about 64 kB (1000:1)."""
    path = folder / "bomb.xlsx"
    with zipfile.ZipFile(default_workbook) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            zout.writestr(item, zin.read(item.filename))
        with zout.open("xl/media/padding.bin", "w") as member:
            block = bytes(1024 * 1024)
            for _ in range(64):
                member.write(block)
    return path


def _entity_bomb(folder: Path, default_workbook: Path) -> Path:
    """A real xlsx whose first sheet declares 'billion laughs' entities and uses one in a cell."""
    lol = "".join(f'<!ENTITY lol{k} "{f"&lol{k - 1};" * 10}">' for k in range(1, 10))
    dtd = f'<!DOCTYPE worksheet [<!ENTITY lol0 "lol">{lol}]>'
    path = folder / "laughs.xlsx"
    with zipfile.ZipFile(default_workbook) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode("utf-8").replace("?>", "?>" + dtd, 1)
                data = text.replace("<t>", "<t>&lol9;", 1).encode("utf-8")
            zout.writestr(item, data)
    return path


BAD_INPUTS = {
    "missing path": (_missing, "not found"),
    "text file renamed .xlsx": (_text_renamed, "not an xlsx workbook"),
    "zero-byte file": (_zero_bytes, "not an xlsx workbook"),
    "empty workbook": (_empty_workbook, "no backpropagation table found"),
    "workbook without LR sheets": (_no_lr_sheets, "no backpropagation table found"),
    "a budget spreadsheet": (_budget, "no backpropagation table found"),
    "truncated xlsx": (_truncated, "not an xlsx workbook"),
    "zip that is no xlsx": (_zip_not_xlsx, "not an xlsx workbook"),
    "zip bomb": (_zip_bomb, "zip bomb"),
    "XML entity bomb": (_entity_bomb, "entity"),
}


@pytest.mark.parametrize("engine", ["auto", "formulas"])
@pytest.mark.parametrize("case", BAD_INPUTS)
def test_bad_input_exits_2_with_one_line(default_workbook, tmp_path, case, engine):
    make, reason = BAD_INPUTS[case]
    path = make(tmp_path, default_workbook)
    result = CliRunner().invoke(cli, ["verify", str(path), "--engine", engine])
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert reason in lines[0]
    assert path.name in lines[0]
    assert "Traceback" not in result.output and result.exception is None or isinstance(result.exception, SystemExit)


def test_size_limit_is_checked_before_anything_is_unpacked(default_workbook, monkeypatch):
    monkeypatch.setattr(opening, "MAX_UNPACKED_BYTES", 100_000)  # the default workbook unpacks to more
    with pytest.raises(WorkbookError, match="would unpack to"):
        opening.check_archive(default_workbook)


def test_unknown_engine_is_a_usage_error(default_workbook):
    result = CliRunner().invoke(cli, ["verify", str(default_workbook), "--engine", "excel"])
    assert result.exit_code == 2
    assert "excel" in result.stderr and "Traceback" not in result.output


def test_libreoffice_is_stopped_when_the_file_cannot_be_checked(tmp_path, monkeypatch):
    need_soffice()
    started = []

    def start(*args, **kwargs):
        started.append(real_start(*args, **kwargs))
        return started[-1]

    real_start = libreoffice.start
    monkeypatch.setattr(libreoffice, "start", start)
    path = _budget(tmp_path, tmp_path)
    with pytest.raises(WorkbookError, match="no backpropagation table found"):
        check_workbook(path, engine="libreoffice")
    [running] = started
    assert running._proc.poll() is not None  # killed, not left to finish in the background


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["ods", "xls"])
def test_ods_and_xls_are_converted_by_libreoffice(fmt, default_workbook, tmp_path):
    """A workbook saved as .ods or .xls is converted to xlsx by LibreOffice and checked; the report says so."""
    need_soffice()
    converted = libreoffice.recalculate(default_workbook, tmp_path / f"backprop.{fmt}", convert_to=fmt)
    result = CliRunner().invoke(cli, ["verify", str(converted), "--engine", "formulas"])
    assert result.exit_code == 0, result.output
    assert f"converted from .{fmt} to xlsx by LibreOffice" in result.output
    assert result.output.startswith(str(converted))


def test_an_ods_checked_with_libreoffice_starts_it_once(tmp_path, logging_soffice):
    """LibreOffice recalculates the file as it converts it to xlsx: that conversion is the libreoffice check, no second
    start (an .xls takes the same path, opening.as_xlsx). A planted mistake (∂E/∂w3 with a_h1's slope on LR 0.5,
    iteration 0) is found by both checks at its cell."""
    fmt = "ods"
    from excelgen.workbook import write_workbook
    from network import load_network

    wb = openpyxl.load_workbook(write_workbook(load_network().with_options(iterations=12), tmp_path / "small.xlsx"))
    cell = wb["LR 0.5"]["Y5"]
    assert "M5*(1-M5)" in cell.value
    cell.value = cell.value.replace("M5*(1-M5)", "K5*(1-K5)")
    wb.save(tmp_path / "planted.xlsx")
    converted = libreoffice.recalculate(tmp_path / "planted.xlsx", tmp_path / f"planted.{fmt}", convert_to=fmt)
    logging_soffice.unlink()
    result = CliRunner().invoke(cli, ["verify", str(converted), "--engine", "libreoffice", "--json"])
    assert result.exit_code == 1, result.output
    assert len(logging_soffice.read_text().splitlines()) == 1  # the conversion only
    [table] = [t for t in json.loads(result.output)["tables"] if t["sheet"] == "LR 0.5"]
    assert [(f["check"], f["cell"], f["mistake_key"]) for f in table["findings"]] == [
        (check, "'LR 0.5'!Y5", "other-hidden-slope") for check in ("saved values", "libreoffice")]


def test_ods_without_libreoffice_says_how_to_fix(default_workbook, tmp_path, monkeypatch):
    need_soffice()
    ods = libreoffice.recalculate(default_workbook, tmp_path / "backprop.ods", convert_to="ods")
    monkeypatch.setenv("PATH", "/nonexistent")  # no soffice on PATH (the check runs in a worker process)
    result = CliRunner().invoke(cli, ["verify", str(ods), "--engine", "none"])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "install LibreOffice" in result.output and "save it as .xlsx" in result.output
