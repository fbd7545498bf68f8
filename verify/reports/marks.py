"""The mark on the workbooks this tool writes for the teacher, so that a class run never takes them for students'.

A class report (`verify submissions/ --report submissions/class.xlsx`) lands beside the students'
files; the next run over that folder must not check it as one more student. Each such workbook
carries a custom document property `backprop-sheet` whose value says what it is ("class report");
batch.find_workbooks skips every workbook that carries it. Generated exercise workbooks are not
marked: checking them is the point.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

PROPERTY = "backprop-sheet"
CLASS_REPORT = "class report"

_CUSTOM_XML = "docProps/custom.xml"
_MAX_BYTES = 64 * 1024  # a custom-properties part this large is no mark of ours: not read
_VALUE = re.compile(rb'name="' + PROPERTY.encode() + rb'"[^>]*>\s*<vt:lpwstr>([^<]{1,100})</vt:lpwstr>')


def mark(book, what: str) -> None:
    """Mark an XlsxWriter workbook as written by this tool; `what` says what it is (CLASS_REPORT)."""
    book.set_custom_property(PROPERTY, what)


def tool_written(path: str | Path) -> str | None:
    """What this tool wrote `path` as ("class report"), or None for any other file (a student's, or no zip)."""
    if not Path(path).is_file():  # a folder, a pipe, a missing file: never opened here
        return None
    try:
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo(_CUSTOM_XML)
            if info.file_size > _MAX_BYTES:
                return None
            with archive.open(info) as part:
                data = part.read(_MAX_BYTES)
    except (KeyError, OSError, zipfile.BadZipFile, RuntimeError, ValueError, EOFError, NotImplementedError):
        return None  # no custom properties, not a zip, encrypted, damaged: not ours
    found = _VALUE.search(data)
    return found.group(1).decode("utf-8", "replace") if found else None
