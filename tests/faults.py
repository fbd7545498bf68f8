"""Planting a fault into an xlsx by editing one worksheet's XML: the formula changes and the saved values stay as
they were, as after a student's edit in a program that does not recalculate. Only a recalculating engine can then
see the fault. The tests plant with it, and so does benchmarks/verify.py (it puts tests/ on its path).

    plant(good, tmp / "wrong.xlsx", "LR 0.5", formulas_in_column("Y", "M{r}*(1-M{r})", "K{r}*(1-K{r})"))
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Callable

Edit = Callable[[str], str]  # sheet XML -> sheet XML


def plant(source: Path, target: Path, sheet: str, edit: Edit) -> Path:
    """Copy an xlsx with one worksheet's XML passed through `edit`; everything else byte for byte."""
    with zipfile.ZipFile(source) as zin:
        part = sheet_part(zin, sheet)
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
            for item in zin.infolist():
                data = zin.read(item.filename)
                if item.filename == part:
                    edited = edit(data.decode("utf-8"))
                    assert edited != data.decode("utf-8"), f"nothing planted in {Path(target).name}"
                    data = edited.encode("utf-8")
                zout.writestr(item, data)
    return target


def sheet_part(archive: zipfile.ZipFile, sheet: str) -> str:
    """xl/worksheets/sheetN.xml of a sheet name, through workbook.xml and its relationships."""
    workbook = archive.read("xl/workbook.xml").decode("utf-8")
    rid = re.search(rf'<sheet name="{re.escape(sheet)}" sheetId="\d+" r:id="(rId\d+)"', workbook).group(1)
    rels = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8")
    target = re.search(rf'<Relationship Id="{rid}" [^>]*Target="([^"]+)"', rels).group(1)
    return "xl/" + target.removeprefix("/xl/")


def formulas_in_column(col: str, old: str, new: str) -> Edit:
    """Every formula of column `col` with `old` replaced by `new` ({r}: the cell's own row)."""

    def edit(xml: str) -> str:
        def fix(m: re.Match) -> str:
            row = m.group(2)
            return m.group(1) + m.group(3).replace(old.format(r=row), new.format(r=row)) + "</f>"

        return re.sub(rf'(<c r="{col}(\d+)"[^>]*><f>)(.*?)</f>', fix, xml)

    return edit


def formula_of_cell(cell: str, change: Callable[[str], str] | str) -> Edit:
    """The formula of `cell` passed through `change` (or replaced by it, a text)."""
    new = change if callable(change) else lambda _: change
    return lambda xml: re.sub(
        rf'(<c r="{cell}"[^>]*><f>)(.*?)(</f>)', lambda m: m.group(1) + new(m.group(2)) + m.group(3), xml, count=1
    )


def constant_instead_of_formula(cell: str) -> Edit:
    """The formula removed; its saved value stays, as a typed-in number."""
    return lambda xml: re.sub(rf'(<c r="{cell}"[^>]*>)<f>.*?</f>', r"\g<1>", xml, count=1)


def saved_value(cell: str, value: str) -> Edit:
    """The saved value of `cell` (a formula's) replaced: a tampered value."""
    return lambda xml: re.sub(rf'(<c r="{cell}"[^>]*><f>.*?</f><v>)[^<]*', rf"\g<1>{value}", xml, count=1)
