"""Open an untrusted workbook safely: size limits first, then the reader (verify/reading/book.py).

Workbooks come from students, so before anything is unpacked the zip directory is checked: a
file that would unpack to an unreasonable size, or compresses suspiciously well (a zip bomb),
is refused. The reader's XML parser refuses DTDs, entities and network access, as defusedxml
would. An .ods or .xls is converted to xlsx by LibreOffice first. Nothing here evaluates any text.
"""

from __future__ import annotations

import contextlib
import tempfile
import zipfile
from pathlib import Path
from typing import Iterator

from network.errors import BackpropSheetError, EngineError, WorkbookError
from verify.reading import book
from verify.reading import libreoffice
from verify.reading.book import Book

# The 6 x 10,000-iteration workbook unpacks to about 0.3 GB; leave head room, refuse more.
MAX_UNPACKED_BYTES = 2 * 1024**3
MAX_MEMBERS = 10_000
# Spreadsheet XML compresses 5-40x; a zip bomb compresses 1,000x and more.
MAX_RATIO = 200
_RATIO_APPLIES_ABOVE = 1024**2  # a small part may compress well without being dangerous


# Formats LibreOffice converts to xlsx before the checks; anything else must be an xlsx (or xlsm).
CONVERTED = (".ods", ".xls")


@contextlib.contextmanager
def as_xlsx(path: str | Path, *, timeout: float = 120, converted: Path | None = None) -> Iterator[tuple[Path, str | None]]:
    """(an xlsx to check, a note on how it was made): an .ods or .xls converted by LibreOffice into a
    temporary folder (removed afterwards), or the file itself with no note. `converted`: LibreOffice's
    conversion of the .ods or .xls, made beforehand (a class run converts many in one start)."""
    path = Path(path)
    if path.suffix.lower() not in CONVERTED or not path.is_file():
        yield path, None
        return
    if path.suffix.lower() == ".ods":
        check_archive(path, member="content.xml")
    elif path.stat().st_size > MAX_UNPACKED_BYTES // 8:
        raise WorkbookError(f"{path} is {path.stat().st_size / 1024**2:,.0f} MB; refusing an .xls that large")
    if converted is None and libreoffice.find_soffice() is None:
        raise WorkbookError(
            f"{path} is an {path.suffix} file: install LibreOffice (Debian: apt-get install libreoffice-calc-nogui) "
            "to check it, or save it as .xlsx"
        )
    with tempfile.TemporaryDirectory(prefix="backprop-sheet-convert-") as tmp:
        target = converted if converted is not None else Path(tmp, path.stem + ".xlsx")
        if converted is None:
            try:
                libreoffice.recalculate(path, target, timeout=timeout)
            except EngineError as exc:
                raise WorkbookError(f"{path} could not be converted to xlsx by LibreOffice ({exc})") from None
        try:
            yield target, f"converted from {path.suffix} to xlsx by LibreOffice (which recalculated it)"
        except BackpropSheetError as exc:  # name the user's file, not the temporary copy (gone by then)
            if str(target) not in str(exc):
                raise
            raise type(exc)(str(exc).replace(str(target), str(path))) from None


def check_archive(path: str | Path, *, member: str = "xl/workbook.xml") -> Path:
    """The path of a readable, reasonably sized xlsx archive; WorkbookError otherwise."""
    path = Path(path)
    if not path.exists():
        raise WorkbookError(f"workbook {path} not found")
    if not path.is_file():
        raise WorkbookError(f"{path} is not a file")
    if not zipfile.is_zipfile(path):
        raise WorkbookError(f"{path} is not an xlsx workbook (not a zip archive); save it as .xlsx and try again")
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise WorkbookError(f"{path} is not a readable xlsx workbook ({exc})") from None
    if len(members) > MAX_MEMBERS:
        raise WorkbookError(f"{path} holds {len(members):,} files; refusing to unpack more than {MAX_MEMBERS:,}")
    unpacked = sum(m.file_size for m in members)
    if unpacked > MAX_UNPACKED_BYTES:
        raise WorkbookError(
            f"{path} would unpack to {unpacked / 1024**2:,.0f} MB; refusing more than "
            f"{MAX_UNPACKED_BYTES / 1024**2:,.0f} MB (a zip bomb?)"
        )
    for m in members:
        if m.file_size > _RATIO_APPLIES_ABOVE and m.file_size > MAX_RATIO * max(m.compress_size, 1):
            raise WorkbookError(
                f"{path}: {m.filename} compresses {m.file_size / max(m.compress_size, 1):,.0f}:1; "
                f"refusing more than {MAX_RATIO}:1 (a zip bomb?)"
            )
    if member not in {m.filename for m in members}:
        raise WorkbookError(f"{path} is a zip archive but not an {_format(member)} workbook (no {member})")
    return path


def _format(member: str) -> str:
    return "xlsx" if member.startswith("xl/") else "ods"


def load(path: str | Path) -> Book:
    """The workbook at `path`, size-checked and read (formulas, saved values, defined names)."""
    return book.read(check_archive(path))
