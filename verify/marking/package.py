"""An xlsx package opened for surgery: every part's bytes as read, a few parts changed or added, written back.

Nothing is re-saved by a spreadsheet library: a part nobody changed is written back byte for byte (with its
own zip entry settings), so charts, images, comments, defined names and print settings stay as they were.
Parts are found the way the package itself says (the relationships), not by their usual names.
"""

from __future__ import annotations

import copy
import posixpath
import re
import zipfile
from pathlib import Path

from lxml import etree

from network.errors import WorkbookError

RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTENT_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
TYPE = {  # relationship types, by their last word
    "worksheet": f"{RELATIONSHIPS}/worksheet",
    "styles": f"{RELATIONSHIPS}/styles",
    "comments": f"{RELATIONSHIPS}/comments",
    "vmlDrawing": f"{RELATIONSHIPS}/vmlDrawing",
    "officeDocument": f"{RELATIONSHIPS}/officeDocument",
}
CONTENT_TYPE = {
    "worksheet": "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml",
    "comments": "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml",
    "vml": "application/vnd.openxmlformats-officedocument.vmlDrawing",
}
_DECLARATION = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, remove_blank_text=False)


class Package:
    """The parts of an xlsx file: name -> bytes, in the archive's order; `changed` names what was written anew."""

    def __init__(self, path: str | Path):
        try:
            with zipfile.ZipFile(path) as archive:
                self.infos = {info.filename: info for info in archive.infolist() if not info.is_dir()}
                self.parts = {name: archive.read(name) for name in self.infos}
        except (OSError, zipfile.BadZipFile) as exc:
            raise WorkbookError(f"{path} cannot be read as an xlsx package ({exc})") from None
        self.changed: set[str] = set()
        self.workbook = self.target("", "officeDocument")
        if self.workbook is None or self.workbook not in self.parts:
            raise WorkbookError(f"{path} has no workbook part (a Strict OOXML workbook is not marked: save it as an "
                               "ordinary .xlsx)")

    # --- reading ---

    def xml(self, name: str) -> etree._Element:
        try:
            return etree.fromstring(self.parts[name], _PARSER)
        except (KeyError, etree.XMLSyntaxError) as exc:
            raise WorkbookError(f"part {name} cannot be read ({exc})") from None

    def relationships(self, part: str) -> list[etree._Element]:
        """The <Relationship> elements of `part` ("" for the package's own)."""
        name = rels_name(part)
        return list(self.xml(name).iter(f"{{{PACKAGE_RELATIONSHIPS}}}Relationship")) if name in self.parts else []

    def target(self, part: str, kind: str, rid: str | None = None) -> str | None:
        """The part that `part` relates to by a relationship of `kind` (and id `rid`), as a part name."""
        for rel in self.relationships(part):
            if rel.get("Type", "").endswith("/" + kind) and (rid is None or rel.get("Id") == rid):
                if rel.get("TargetMode") == "External":
                    return None
                return resolve(part, rel.get("Target", ""))
        return None

    def sheets(self) -> dict[str, str]:
        """Sheet name -> worksheet part, in tab order (chart sheets left out)."""
        found = {}
        root = self.xml(self.workbook)
        for sheet in root.iter(f"{{{main(root)}}}sheet"):
            part = self.target(self.workbook, "worksheet", sheet.get(f"{{{RELATIONSHIPS}}}id"))
            if part in self.parts:
                found[sheet.get("name")] = part
        return found

    def new_name(self, pattern: str) -> str:
        """The first unused part name of `pattern` ("xl/comments{}.xml"), counting from 1."""
        n = 1
        taken = {name.lower() for name in self.parts}
        while pattern.format(n).lower() in taken:
            n += 1
        return pattern.format(n)

    # --- writing ---

    def put(self, name: str, data: bytes | etree._Element) -> None:
        if isinstance(data, etree._Element):
            data = _DECLARATION + etree.tostring(data, encoding="UTF-8")
        self.parts[name] = data
        self.changed.add(name)

    def relate(self, part: str, kind: str, target: str) -> str:
        """Add a relationship of `kind` from `part` to the part `target`; its new id."""
        name = rels_name(part)
        if name in self.parts:
            root = self.xml(name)
        else:
            root = etree.Element(f"{{{PACKAGE_RELATIONSHIPS}}}Relationships", nsmap={None: PACKAGE_RELATIONSHIPS})
        ids = {rel.get("Id") for rel in root}
        n = 1
        while f"rId{n}" in ids:
            n += 1
        rel = etree.SubElement(root, f"{{{PACKAGE_RELATIONSHIPS}}}Relationship")
        rel.set("Id", f"rId{n}")
        rel.set("Type", TYPE[kind])
        rel.set("Target", posixpath.relpath(target, posixpath.dirname(part) or "."))
        self.put(name, root)
        return f"rId{n}"

    def declare(self, name: str, content_type: str) -> None:
        """Give the new part `name` its content type ([Content_Types].xml)."""
        root = self.xml("[Content_Types].xml")
        extension = name.rsplit(".", 1)[-1].lower()
        defaults = {d.get("Extension", "").lower(): d.get("ContentType") for d in root.iter(f"{{{CONTENT_TYPES}}}Default")}
        if extension in defaults and defaults[extension] == content_type:
            return
        element = etree.Element(f"{{{CONTENT_TYPES}}}Override", PartName="/" + name, ContentType=content_type)
        root.append(element)
        self.put("[Content_Types].xml", root)

    def save(self, path: str | Path) -> None:
        """Every part, in the archive's order (the unchanged ones with their own entry settings), new parts last."""
        with zipfile.ZipFile(path, "w") as archive:
            for name, data in self.parts.items():
                info = self.infos.get(name)
                if info is None:
                    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                    info.compress_type = zipfile.ZIP_DEFLATED
                else:
                    info = copy.copy(info)
                    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                        info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, data)


def main(root: etree._Element) -> str:
    """The namespace of a SpreadsheetML part's root (transitional or strict)."""
    return etree.QName(root).namespace or ""


def rels_name(part: str) -> str:
    """xl/workbook.xml -> xl/_rels/workbook.xml.rels; "" -> _rels/.rels"""
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def resolve(source: str, target: str) -> str:
    """A relationship's target as a part name (relative to the source part's folder, or absolute)."""
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target))


def without_tab_selected(data: bytes) -> bytes:
    """A worksheet part with its first <sheetView> no longer selected (only that attribute changes)."""
    return re.sub(rb'(<(?:\w+:)?sheetView\b[^>]*?)\s+tabSelected="(?:1|true)"', rb"\1", data, count=1)


def xml_text(text: str) -> str:
    """Text as XML can hold it: a character XML forbids (a control character) becomes "?"."""
    return re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", "?", text)


def split_cell(address: str) -> tuple[str, str]:
    """A finding's cell, "'LR 0.5'!Y5", as (sheet, "Y5"); a sheet name's apostrophes may come doubled or not."""
    sheet, _, cell = address.rpartition("!")
    if len(sheet) > 1 and sheet[0] == sheet[-1] == "'":
        sheet = sheet[1:-1].replace("''", "'")
    return sheet, cell


def location(sheet: str, cell: str) -> str:
    """An internal link's target: 'Ada''s sheet'!Y5"""
    return "'" + sheet.replace("'", "''") + "'!" + cell
