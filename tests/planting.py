"""Small generated workbooks with a mistake planted in them, for the feedback, grading and Gradescope tests.

A mistake is planted the way a student makes it in a program that does not recalculate: one formula (or a
column of them) edited in the sheet's XML, the saved values left as they were, so that the checker's
recalculating engine finds it. Cells are found by their column header, read with verify's own reader.
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
from verify.reading.refs import column_letter

FIRST = 5  # the Excel row of iteration 0 on a generated LR sheet
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def small_workbook(template: str, path: Path, *, rate: float = 0.5, iterations: int = 8, exercise: str | None = None,
                   extra_sheets: Callable | None = None) -> Path:
    """The workbook `generate --template TEMPLATE` writes, with one learning rate and a few iterations."""
    from excelgen.spec import builtin_templates, load_template
    from excelgen.workbook import write_workbook
    from network import load_network

    load = load_template if template in builtin_templates() else load_network
    net = load(template).with_options(iterations=iterations, learning_rates=(rate,))
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


def plant(source: Path, target: Path, sheet: str, header: str, rows: range | None = None,
          wrong: Callable[[str, int], str] = lambda f, r: f"2*({f})") -> Path:
    """Plant a mistake: the formulas of column `header` in `rows` (default: iteration 0 only) made wrong by
    `wrong(formula, row)` (default: twice the right value)."""
    letter = column(source, sheet, header)
    rows = rows or range(FIRST, FIRST + 1)

    def edit(xml: str) -> str:
        def fix(m: re.Match) -> str:
            row = int(m.group(2))
            return m.group(1) + (wrong(m.group(3), row) if row in rows else m.group(3)) + "</f>"

        return re.sub(rf'(<c r="{letter}(\d+)"[^>]*><f>)(.*?)</f>', fix, xml)

    return edit_part(source, target, sheet_part(source, sheet), edit)


def png(path: Path, size: int = 8) -> Path:
    """A small red square as a PNG file."""
    raw = b"".join(b"\x00" + bytes((220, 30, 30)) * size for _ in range(size))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    return path
