"""Planting a mistake into a workbook (the tests' one helper for it; benchmarks/verify.py imports it too), and
small generated workbooks to plant into, for the checker's, feedback, grading and Gradescope tests.

A mistake is planted the way a student makes it in a program that does not recalculate: one formula (or a
column of them) edited in the sheet's XML, the saved values left as they were, so that the checker's
recalculating engine finds it. Cells are found by their column header, read with verify's own reader, or given
by their address:

    edit_sheet(good, tmp / "wrong.xlsx", "LR 0.5", formulas_in_column("Y", "M{r}*(1-M{r})", "K{r}*(1-K{r})"))
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from xml.etree import ElementTree
from collections.abc import Callable
from pathlib import Path

from verify.reading import book
from network.layout import column_letter

FIRST = 5  # the Excel row of iteration 0 on a generated LR sheet
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def small_workbook(template: str, path: Path, *, rate: float = 0.5, iterations: int = 8, exercise: str | None = None,
                   extra_sheets: Callable | None = None) -> Path:
    """The workbook `generate --template TEMPLATE` writes, with one learning rate and a few iterations."""
    from excelgen.workbook import write_workbook
    from network import load_network

    net = load_network(template).with_options(iterations=iterations, learning_rates=(rate,))
    return write_workbook(net, path, extra_sheets=extra_sheets, exercise=exercise, force=True)


def sheet_part(path: Path, sheet: str) -> str:
    """The worksheet part of `sheet`, read from the package's workbook part and its relationships."""
    with zipfile.ZipFile(path) as archive:
        workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    rid = next(s.get(f"{{{R}}}id") for s in workbook.iter() if s.tag.endswith("}sheet") and s.get("name") == sheet)
    target = next(r.get("Target") for r in rels if r.get("Id") == rid)
    return "xl/" + target.removeprefix("/xl/").removeprefix("/")


def column(path: Path, sheet: str, header: str) -> str:
    """The column letter under the header `header` on `sheet`."""
    found = [col for (row, col), (value, _) in book.read(path).sheets[sheet].saved.items() if value == header]
    assert found, f"no column {header!r} on {sheet}"
    return column_letter(found[0])


def edit_part(source: Path, target: Path, part: str, edit: Callable[[str], str]) -> Path:
    """A copy of `source` with one part's text edited; every other entry as it was."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == part:
                changed = edit(data.decode())
                assert changed != data.decode(), f"nothing planted in {part}"
                data = changed.encode()
            zout.writestr(info, data)
    return target


def edit_sheet(source: Path, target: Path, sheet: str, edit: Callable[[str], str]) -> Path:
    """A copy of `source` with one worksheet's XML passed through `edit` (sheet XML -> sheet XML)."""
    return edit_part(source, target, sheet_part(source, sheet), edit)


def column_formulas(letter: str, change: Callable[[str, int], str]) -> Callable[[str], str]:
    """An edit of a sheet's XML: every formula of column `letter` passed through change(formula, row)."""

    def edit(xml: str) -> str:
        def fix(m: re.Match) -> str:
            return m.group(1) + change(m.group(3), int(m.group(2))) + "</f>"

        return re.sub(rf'(<c r="{letter}(\d+)"[^>]*><f>)(.*?)</f>', fix, xml)

    return edit


def formulas_in_column(letter: str, old: str, new: str) -> Callable[[str], str]:
    """Every formula of column `letter` with `old` replaced by `new` ({r}: the cell's own row)."""
    return column_formulas(letter, lambda f, r: f.replace(old.format(r=r), new.format(r=r)))


def formula_of_cell(cell: str, change: Callable[[str], str] | str) -> Callable[[str], str]:
    """The formula of `cell` passed through `change` (or replaced by it, a text)."""
    new = change if callable(change) else lambda _: change
    return lambda xml: re.sub(
        rf'(<c r="{cell}"[^>]*><f>)(.*?)(</f>)', lambda m: m.group(1) + new(m.group(2)) + m.group(3), xml, count=1
    )


def constant_instead_of_formula(cell: str) -> Callable[[str], str]:
    """The formula removed; its saved value stays, as a typed-in number."""
    return lambda xml: re.sub(rf'(<c r="{cell}"[^>]*>)<f>.*?</f>', r"\g<1>", xml, count=1)


def saved_value(cell: str, value: str) -> Callable[[str], str]:
    """The saved value of `cell` (a formula's) replaced: a tampered value."""
    return lambda xml: re.sub(rf'(<c r="{cell}"[^>]*><f>.*?</f><v>)[^<]*', rf"\g<1>{value}", xml, count=1)


def plant(source: Path, target: Path, sheet: str, header: str, rows: range | None = None,
          wrong: Callable[[str, int], str] = lambda f, r: f"2*({f})") -> Path:
    """Plant a mistake: the formulas of column `header` in `rows` (default: iteration 0 only) made wrong by
    `wrong(formula, row)` (default: twice the right value)."""
    letter = column(source, sheet, header)
    rows = rows or range(FIRST, FIRST + 1)
    return edit_sheet(source, target, sheet, column_formulas(letter, lambda f, r: wrong(f, r) if r in rows else f))


def png(path: Path, size: int = 8) -> Path:
    """A small red square as a PNG file."""
    raw = b"".join(b"\x00" + bytes((220, 30, 30)) * size for _ in range(size))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    return path
