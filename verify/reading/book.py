"""A workbook as the checks see it: every sheet's cells, formulas and saved values, and the defined names.

Read straight from the xlsx archive, keeping only what the checks need: a worksheet part in the
plain form nearly every app writes by one regular expression (verify/reading/plainxml.py, which proves
the form first), any other part with lxml, one streaming pass per sheet. Styles, comments, drawings, charts and printer settings are never opened, so a
part that some app writes oddly (a comment without an author, prefixed tags such as
`<x:styleSheet>`) cannot make a workbook unreadable. Tags are matched by their local name, so
any namespace prefix, and Strict OOXML's namespace, read the same.

Workbooks come from students, so the archive is size-checked first (verify/reading/opening.py) and the
XML parser refuses what defusedxml refuses: no DTD (hence no entity expansion), no external
entities, no network, no huge trees. The plain reader expands no entity at all (only XML's
five and character references), and leaves everything outside the cells to that parser.

Shared formulas (`<f t="shared" si="0"/>`, as Excel saves a filled-down column) are expanded
into each cell's own formula; the master cell of an array formula holds the formula, the other
cells of the array hold their values.
"""

from __future__ import annotations

import itertools
import posixpath
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import IO, Iterator

from lxml import etree

from network.errors import WorkbookError
from verify.reading import gcpause
from verify.reading import plainxml
from network.layout import column_letter, column_number
from verify.reading import refs
from verify.reading.table import CellRef

Saved = tuple[object, str]  # (value, type): "n" number, "s" text, "b" bool, "e" error ("#DIV/0!"), "d" date text

# Excel's own limits: a workbook past one is "not a workbook Excel could have saved", refused at once rather than
# handed to an engine that would spend its whole budget on it (a 100,000-character formula, a cell at row 99,999,999)
MAX_FORMULA_CHARS = 8_192  # a formula's text, the "=" left out
MAX_NESTING = 64  # levels of parentheses (function calls and groups) inside one another
MAX_CELL_CHARS = 32_767  # a cell's text


@dataclass(frozen=True)
class Sheet:
    """One worksheet: formulas and saved values by (row, col), 1-based."""

    title: str
    formulas: dict[tuple[int, int], str]  # "=B5-$B$2*AA5"
    saved: dict[tuple[int, int], Saved]  # what the file holds for each non-empty cell
    max_row: int  # the used area: the last row and column holding anything
    max_col: int

    def value(self, row: int, col: int) -> object:
        """What a person sees in edit mode: the formula ("=...") of a formula cell, else its value (None: empty)."""
        formula = self.formulas.get((row, col))
        if formula is not None:
            return formula
        found = self.saved.get((row, col))
        return None if found is None else found[0]

    def cells(self, max_row: int, max_col: int) -> Iterator[tuple[int, int, object]]:
        """(row, col, value) of the non-empty cells within the first max_row rows and max_col columns.

        The top corner of a big sheet is looked up cell by cell (rows and columns are never
        negative) rather than every cell of the sheet filtered.
        """
        rows, cols = min(max_row, self.max_row), min(max_col, self.max_col)
        if (rows + 1) * (cols + 1) < len(self.formulas) + len(self.saved):  # the top corner of a big sheet
            grid = itertools.product(range(rows + 1), range(cols + 1))
            inside = [key for key in grid if key in self.formulas or key in self.saved]
        else:
            inside = {(row, col) for row, col in itertools.chain(self.formulas, self.saved) if row <= max_row and col <= max_col}
        for row, col in sorted(inside):
            yield row, col, self.value(row, col)


@dataclass(frozen=True)
class Book:
    """The worksheets in tab order, and the defined names (upper-case name -> its text, e.g. "Network!$B$5")."""

    path: Path
    sheets: dict[str, Sheet]
    names: dict[str, str]  # workbook-wide names
    local_names: dict[str, dict[str, str]]  # sheet title -> the names defined for that sheet alone

    @property
    def has_saved_values(self) -> bool:
        """False when formulas were saved without their results (openpyxl writes files like that)."""
        formulas = ((s, key) for s in self.sheets.values() for key in s.formulas)
        first = next(formulas, None)
        return first is None or first[1] in first[0].saved or any(key in s.saved for s, key in formulas)

    def formula(self, key: tuple[str, int, int]) -> str | None:
        """The formula of a (sheet, row, col) cell, None for none (called for every cell a check reads)."""
        try:
            return self.sheets[key[0]].formulas.get(key[1:])
        except KeyError:  # no such sheet
            return None

    def saved(self, key: tuple[str, int, int]) -> Saved | None:
        """The saved (value, type) of a (sheet, row, col) cell, None for an empty one."""
        try:
            return self.sheets[key[0]].saved.get(key[1:])
        except KeyError:  # no such sheet
            return None

    def names_for(self, sheet: str) -> dict[str, str]:
        """The names a formula on `sheet` sees: the workbook's, with the sheet's own taking precedence."""
        return self.names | self.local_names.get(sheet, {})

    def destination(self, name: str, sheet: str | None = None) -> CellRef | None:
        """The first cell a defined name points to, or None for a name that is not a plain reference."""
        found = parse_reference(self.names_for(sheet).get(name.upper()) if sheet else self.names.get(name.upper()))
        corner = _CELL.match(found[1].partition(":")[0]) if found else None
        if corner is None:
            return None
        return CellRef(found[0], int(corner.group(2)), column_number(corner.group(1)))


def read(path: str | Path) -> Book:
    """The workbook at `path` (an archive already checked by verify.reading.opening.check_archive)."""
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as archive, gcpause.paused():
            return _Reader(archive, path).book()
    except WorkbookError:
        raise
    except (etree.LxmlError, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise WorkbookError(f"{path} is not a readable xlsx workbook ({reason})") from None


_CORNER = r"\$?[A-Za-z]{1,3}\$?\d+|\$?[A-Za-z]{1,3}|\$?\d+"  # B5, $B$5, B (a whole column), 5 (a whole row)
_REFERENCE = re.compile(rf"^(?:'((?:[^']|'')+)'|([^'!:]+))!((?:{_CORNER})(?::(?:{_CORNER}))?)$")


def parse_reference(text: str | None) -> tuple[str, str] | None:
    """ "'LR 0.1'!$B$2:$C$3" -> ("LR 0.1", "$B$2:$C$3"); None for anything else (a constant, a formula)."""
    match = _REFERENCE.match((text or "").strip().lstrip("="))
    if match is None:
        return None
    quoted, plain, reference = match.groups()
    return (quoted.replace("''", "'") if quoted else plain), reference


# --- reading the archive ------------------------------------------------------------------------------

_RELATIONSHIP = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_STRICT_RELATIONSHIP = "{http://purl.oclc.org/ooxml/officeDocument/relationships}id"
_CELL = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")


class _BeyondExcel(ValueError):
    """Something no Excel workbook can hold; the reader names the file and the sheet."""


def _check_excel_limits(formulas: dict[tuple[int, int], str], max_row: int, max_col: int) -> None:
    """Raise _BeyondExcel for a cell past Excel's grid, a formula over MAX_FORMULA_CHARS or nested over MAX_NESTING.

    Fast on a big workbook: one C-speed pass for the longest formula; only a formula long enough to nest 65
    levels (130 characters) has its parentheses counted."""
    if max_row > refs.MAX_ROW or max_col > refs.MAX_COL:
        raise _BeyondExcel(
            f"a cell at row {max_row:,}, column {max_col:,}, past Excel's {refs.MAX_ROW:,} rows and {refs.MAX_COL:,} columns"
        )
    longest = max(map(len, formulas.values()), default=0)
    if longest - 1 > MAX_FORMULA_CHARS:
        cell = next(key for key, text in formulas.items() if len(text) == longest)
        raise _BeyondExcel(f"the formula of {_cell_name(cell)} has {longest - 1:,} characters, over Excel's {MAX_FORMULA_CHARS:,}")
    if longest > 2 * MAX_NESTING + 1:
        for cell, text in formulas.items():
            if len(text) > 2 * MAX_NESTING + 1 and text.count("(") > MAX_NESTING and _nesting(text) > MAX_NESTING:
                raise _BeyondExcel(f"the formula of {_cell_name(cell)} nests over Excel's {MAX_NESTING} levels")


def _nesting(formula: str) -> int:
    """The deepest level of parentheses in a formula, outside its string literals."""
    depth = deepest = 0
    quoted = False
    for char in formula:
        if char == '"':
            quoted = not quoted
        elif not quoted and char == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif not quoted and char == ")":
            depth -= 1
    return deepest


def _check_text(text: str) -> str:
    if len(text) > MAX_CELL_CHARS:
        raise _BeyondExcel(f"a cell's text has {len(text):,} characters, over Excel's {MAX_CELL_CHARS:,}")
    return text


def _cell_name(cell: tuple[int, int]) -> str:
    return f"{refs.column_letter(cell[1])}{cell[0]}"


class _Reader:
    def __init__(self, archive: zipfile.ZipFile, path: Path):
        self.archive = archive
        self.path = path
        self.members = set(archive.namelist())

    def book(self) -> Book:
        if "xl/workbook.xml" not in self.members:
            raise WorkbookError(f"{self.path} is a zip archive but not an xlsx workbook (no xl/workbook.xml)")
        targets, shared_strings_part = self._relationships("xl/workbook.xml")
        strings = self._shared_strings(shared_strings_part)
        entries, names, local = self._workbook()
        sheets: dict[str, Sheet] = {}
        titles = [title for title, _ in entries]
        for title, rel in entries:
            part = targets.get(rel)
            if part is not None and part in self.members:
                try:
                    sheets[title] = self._sheet(title, part, strings)
                except _BeyondExcel as exc:
                    raise WorkbookError(f"{self.path}: not a workbook Excel could have saved: {exc} (sheet {title!r})") from None
        local_names = {titles[i]: found for i, found in local.items() if i < len(titles) and titles[i] in sheets}
        return Book(self.path, sheets, names, local_names)

    def _workbook(self) -> tuple[list[tuple[str, str]], dict[str, str], dict[int, dict[str, str]]]:
        """([(sheet title, relationship id)], workbook names, {sheet index: local names})."""
        entries, names, local = [], {}, {}
        for element in self._elements("xl/workbook.xml", ("sheet", "definedName")):
            if _local(element.tag) == "sheet":
                rel = element.get(_RELATIONSHIP) or element.get(_STRICT_RELATIONSHIP) or ""
                entries.append((element.get("name", ""), rel))
            else:
                name, text = (element.get("name") or "").upper(), element.text or ""
                if element.get("localSheetId", "").isdigit():
                    local.setdefault(int(element.get("localSheetId")), {})[name] = text
                else:
                    names[name] = text
        return entries, names, local

    def _relationships(self, part: str) -> tuple[dict[str, str], str | None]:
        """(relationship id -> the worksheet part it names, the shared-strings part) of `part`."""
        folder, file = posixpath.split(part)
        rels = posixpath.join(folder, "_rels", file + ".rels")
        targets, shared = {}, None
        if rels not in self.members:
            return targets, None
        for element in self._elements(rels, ("Relationship",)):
            target = element.get("Target", "")
            target = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
            kind = element.get("Type", "")
            if kind.endswith("/worksheet"):
                targets[element.get("Id", "")] = target
            elif kind.endswith("/sharedStrings"):
                shared = target
        return targets, shared

    def _shared_strings(self, part: str | None) -> list[str]:
        if part is None or part not in self.members:
            return []
        return [_text(si) for si in self._elements(part, ("si",))]  # each checked by _value() when a cell uses it

    def _sheet(self, title: str, part: str, strings: list[str]) -> Sheet:
        """One worksheet part: in the plain form that nearly every app writes, read by _plain_cells()
        from the part's bytes; else streamed through lxml by _cells(), which reads any form."""
        found = None
        if self.archive.getinfo(part).file_size <= _PLAIN_LIMIT:
            try:
                data = _read_member(self.archive, part)
            except (zipfile.BadZipFile, EOFError, OSError, ValueError, zlib.error):  # _cells() says what is wrong
                data = None
            found = None if data is None else _plain_cells(data, strings)
        if found is None:
            with self.archive.open(part) as stream:
                found = _cells(stream, part, strings)
        formulas, saved = found
        max_row = max(map(itemgetter(0), itertools.chain(formulas, saved)), default=0)
        max_col = max(map(itemgetter(1), itertools.chain(formulas, saved)), default=0)
        _check_excel_limits(formulas, max_row, max_col)
        return Sheet(title, formulas, saved, max_row, max_col)

    def _elements(self, part: str, tags: tuple[str, ...]) -> Iterator[etree._Element]:
        """The complete elements of `part` with these local names (small parts: workbook, relationships, strings)."""
        with self.archive.open(part) as stream:
            for element in _parse(stream, part, tags):
                yield element
                element.clear(keep_tail=True)


Cells = tuple[dict[tuple[int, int], str], dict[tuple[int, int], Saved]]  # (formulas, saved values)

_CHUNK = 1024**2


def _read_member(archive: zipfile.ZipFile, part: str) -> bytes:
    """A part's bytes, inflated a chunk at a time. zipfile stops at the size the archive declares (then
    finds the CRC wrong when there is more), but ZipFile.read() inflates a whole compressed block at once
    first: an entry declaring 1,000 bytes that inflates to 2 GB would take 2 GB."""
    with archive.open(part) as stream:
        return b"".join(iter(lambda: stream.read(_CHUNK), b""))


def check_inflation(path: str | Path) -> None:
    """WorkbookError when an entry of the zip archive at `path` inflates to more than the size it declares.

    For an archive handed to LibreOffice, which trusts no declared size: every entry is inflated here
    through a counting stream, a chunk at a time, and given up past its declared size (which the size
    limits of verify/reading/opening.py have already bounded). Our own reader needs no such pass:
    zipfile never gives more than the declared size (_read_member)."""
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as archive, open(path, "rb") as raw:
            for info in archive.infolist():
                if not _inflates_as_declared(raw, info):
                    raise WorkbookError(
                        f"{path}: {info.filename} inflates to more than the {info.file_size:,} bytes it declares; "
                        "refusing it (a zip bomb?)"
                    )
    except (zipfile.BadZipFile, OSError, ValueError, zlib.error, struct.error) as exc:
        raise WorkbookError(f"{path} is not a readable zip archive ({exc})") from None


def _inflates_as_declared(raw: IO[bytes], info: zipfile.ZipInfo) -> bool:
    """Whether the entry's compressed data inflate to at most its declared size (at most that much is inflated)."""
    if info.compress_type == zipfile.ZIP_STORED:
        return info.compress_size <= info.file_size
    if info.compress_type != zipfile.ZIP_DEFLATED:
        raise WorkbookError(f"{info.filename} is compressed with method {info.compress_type}, which no spreadsheet app writes")
    raw.seek(info.header_offset)
    header = raw.read(30)
    if header[:4] != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"no local header for {info.filename}")
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    raw.seek(info.header_offset + 30 + name_length + extra_length)
    inflater, left, inflated = zlib.decompressobj(-zlib.MAX_WBITS), info.compress_size, 0
    while left > 0 and not inflater.eof:
        data = raw.read(min(left, _CHUNK))
        if not data:
            break
        left -= len(data)
        while data:
            inflated += len(inflater.decompress(data, _CHUNK))
            if inflated > info.file_size:
                return False
            data = inflater.unconsumed_tail
    return True


def _plain_cells(data: bytes, strings: list[str]) -> Cells | None:
    """(formulas, saved values) of a worksheet part in the plain form (verify/reading/plainxml.py); None otherwise.

    What _cells() gives, read from plainxml's tokens instead of lxml's elements: the hot loop of
    the reader (a cell at a time, 350k for a big workbook). The text of a formula, a value or an
    inline string is unescaped only when it holds an "&".
    """
    chunks = plainxml.cells(data, _PARSER)
    if chunks is None:
        return None
    formulas: dict[tuple[int, int], str] = {}
    saved: dict[tuple[int, int], Saved] = {}
    shared: dict[str, tuple[refs.Shape | None, int, int]] = {}
    plain, unescape = _PLAIN_COLUMNS, plainxml.unescape
    try:
        for chunk in chunks:
            for letters, digits, kind, formula, attributes, text, raw, inline_tag, inline, _, _ in chunk:
                if not letters:  # a row tag, </row>, whitespace
                    continue
                position = (int(digits), plain.get(letters) or column_number(letters))
                if formula:  # <f>B5-$B$2*W5</f>: the common case
                    if "&" in formula:
                        formula = unescape(formula)
                    if formula.strip():
                        formulas[position] = "=" + formula
                elif attributes:  # <f t="shared" si="0">, <f aca="false">
                    attrs = plainxml.attributes(attributes)
                    found = _expand_shared((unescape(text) if "&" in text else text, attrs), shared, *position)
                    if found:
                        formulas[position] = found
                if "&" in raw:
                    raw = unescape(raw)
                if not kind or kind == "n":
                    if raw:
                        try:
                            saved[position] = (float(raw), "n")
                        except ValueError:
                            saved[position] = (_check_text(raw), "s")
                else:
                    value = _value(kind, raw or None, unescape(inline) if inline_tag else None, strings)
                    if value is not None:
                        saved[position] = value
    except plainxml.NotPlain:
        return None
    return formulas, saved


def _cells(stream: IO[bytes], part: str, strings: list[str]) -> Cells:
    """(formulas, saved values) of any worksheet part: a cell without an address is the next one of its row."""
    formulas: dict[tuple[int, int], str] = {}
    saved: dict[tuple[int, int], Saved] = {}
    shared: dict[str, tuple[refs.Shape | None, int, int]] = {}  # si -> the master's shape and cell
    rows_done, row_element, row, col = 0, None, 0, 0
    for element in _parse(stream, part, ("c", "row")):
        if element.tag.endswith("row"):
            rows_done = int(element.get("r") or rows_done + 1)
            _free(element)
            continue
        parent = element.getparent()
        if parent is not row_element:  # the first cell of a row
            row_element, row, col = parent, int(parent.get("r") or rows_done + 1), 0
        row, col = _position(element.get("r"), row, col + 1)
        value, formula = _cell(element, strings)
        element.clear()
        if formula is not None:
            formula = _expand_shared(formula, shared, row, col)
            if formula:
                formulas[(row, col)] = formula
        if value is not None:
            saved[(row, col)] = value
    return formulas, saved


def _free(row: etree._Element) -> None:
    """A row's cells are read: free them, and the rows before it."""
    row.clear()
    while row.getprevious() is not None:
        del row.getparent()[0]


# What defusedxml allows: no entity expansion, no DTD loaded, nothing fetched, no huge trees.
_SAFE = dict(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True)
_PARSER = etree.XMLParser(**_SAFE)  # for the rest of a plain worksheet part (verify/reading/plainxml.py)
# A worksheet part up to this size is read whole for the plain reader; a larger one is streamed.
# (A sheet of the 6 x 10,000-iteration workbook is about 25 MB.)
_PLAIN_LIMIT = 64 * 1024**2


def _parse(stream: IO[bytes], part: str, tags: tuple[str, ...]) -> Iterator[etree._Element]:
    """The end of each element with one of these local names (any namespace), parsed as defusedxml would allow."""
    events = etree.iterparse(stream, events=("end",), tag=[f"{{*}}{t}" for t in tags], **_SAFE)
    first = next(events, None)
    if first is None:
        return iter(())
    if first[1].getroottree().docinfo.doctype:
        raise WorkbookError(f"{part} declares a DTD; refusing it (entity expansion attack?)")
    return itertools.chain([first[1]], map(itemgetter(1), events))  # no Python frame per element


def _cell(element: etree._Element, strings: list[str]) -> tuple[Saved | None, tuple[str, dict] | None]:
    """(saved value, (formula text, <f> attributes)) of one <c> element."""
    raw = formula = inline = None
    for child in element:
        which = _CHILDREN[child.tag]
        if which == "v":
            raw = child.text
        elif which == "f":
            formula = (child.text or "", child.attrib)
        elif which == "is":
            inline = _text(child)
    return _value(element.get("t", "n"), raw, inline, strings), formula


def _value(kind: str, raw: str | None, inline: str | None, strings: list[str]) -> Saved | None:
    """A cell's saved (value, type) from its t="..." attribute, its <v> text and its inline string."""
    if kind == "inlineStr":
        return None if inline is None else (_check_text(inline), "s")
    if raw is None:
        return None
    if kind == "s":
        return (_check_text(strings[int(raw)]), "s") if raw.strip().isdigit() and int(raw) < len(strings) else (raw, "s")
    if kind == "str":
        return (_check_text(raw), "s")
    if kind == "b":
        return (raw.strip() in ("1", "true"), "b")
    if kind == "e":
        return (raw, "e")
    if kind == "d":
        return (raw, "d")
    try:
        return (float(raw), "n")
    except ValueError:
        return (raw, "s")


class _ChildKinds(dict):
    """A child's tag -> "v", "f", "is" or None, by its local name ("{namespace}v": the end, whatever the namespace)."""

    def __missing__(self, tag: str) -> str | None:
        kind = next((k for k in ("v", "f", "is") if tag.endswith("}" + k) or tag == k), None)
        self[tag] = kind
        return kind


_CHILDREN = _ChildKinds()


def _expand_shared(formula: tuple[str, dict], shared: dict, row: int, col: int) -> str | None:
    """The cell's own formula ("=..."), expanding a shared formula from its master cell."""
    text, attrs = formula
    kind = attrs.get("t")
    if kind == "dataTable":
        return None
    if kind == "shared" and "si" in attrs:
        si = attrs["si"]
        if text.strip():  # the master cell: remember its shape
            try:
                shared[si] = (refs.shape("=" + text, row, col), row, col)
            except refs.UnsupportedFormula:
                shared[si] = (None, row, col)
        elif si in shared:
            shape = shared[si][0]
            return None if shape is None else shape.render(row, col)
        else:
            return None
    return "=" + text if text.strip() else None


def _position(reference: str | None, row: int, col: int) -> tuple[int, int]:
    """(row, col) of a cell from its r="B5" attribute; without one, the next cell of the row."""
    match = _CELL.match(reference or "")
    if match is None:
        return row, col
    return int(match.group(2)), column_number(match.group(1))


_PLAIN_COLUMNS = {column_letter(c): c for c in range(1, 703)}  # A..ZZ: where nearly every cell is


def _text(element: etree._Element) -> str:
    """The text of a string item: its <t>, or its runs' <t>s (phonetic hints left out)."""
    parts = []
    for node in element.iter():
        name = _local(node.tag) if isinstance(node.tag, str) else ""
        if name == "t" and _local(node.getparent().tag) != "rPh":
            parts.append(node.text or "")
    return "".join(parts)


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]
