"""The cell styles a marked copy adds to the workbook's styles part, and nothing else there changes.

A marked cell keeps its own style (number format, font, alignment) with a fill and a border added: its
cellXfs entry is cloned, not replaced. The fills are patterns, so that they print in black and white too:

- ROOT, a root cause: a red trellis on pink, inside a thick black border;
- FOLLOWS, a cell computed from a root cause: sparse orange dots on pale yellow, inside a thin dashed border.

The Feedback sheet's own styles (a title, bold headings, wrapped text, links) are added the same way.
"""

from __future__ import annotations

import copy

from lxml import etree

from network.errors import WorkbookError

from verify.marking.package import Package, main

ROOT, FOLLOWS = "root", "follows"
_FILLS = {ROOT: ("lightTrellis", "FFFF0000", "FFFFC7CE"), FOLLOWS: ("gray0625", "FFED7D31", "FFFFF2CC")}
_BORDERS = {ROOT: ("thick", "FF000000"), FOLLOWS: ("dashed", "FF7F7F7F")}
# the Feedback sheet: name -> (bold, size, colour, underline, wrap)
SHEET_STYLES = {
    "title": (True, 14, "FF1F3864", False, False),
    "heading": (True, 11, "FF000000", False, False),
    "plain": (False, 11, "FF000000", False, False),
    "text": (False, 11, "FF000000", False, True),
    "link": (False, 11, "FF0563C1", True, False),
}


class Styles:
    """The workbook's styles part, open for new entries; save() puts it back into the package."""

    def __init__(self, package: Package):
        self.package = package
        self.name = package.target(package.workbook, "styles")
        if self.name is None or self.name not in package.parts:
            raise WorkbookError("the workbook has no styles part")
        self.root = package.xml(self.name)
        self.ns = main(self.root)
        self.cell_xfs = self._list("cellXfs")
        self.marked: dict[tuple[int, str], int] = {}  # (original style, ROOT or FOLLOWS) -> new style
        self._fills = {kind: self._add(self._list("fills"), _fill(self.ns, *spec)) for kind, spec in _FILLS.items()}
        self._borders = {kind: self._add(self._list("borders"), _border(self.ns, *spec)) for kind, spec in _BORDERS.items()}
        self.sheet = {name: self._sheet_style(*spec) for name, spec in SHEET_STYLES.items()}

    def mark(self, style: int, kind: str) -> int:
        """The style of a cell of `style` marked as `kind` (ROOT or FOLLOWS)."""
        if (style, kind) not in self.marked:
            xfs = self.cell_xfs.findall(f"{{{self.ns}}}xf")
            xf = copy.deepcopy(xfs[style] if style < len(xfs) else xfs[0])
            xf.set("fillId", str(self._fills[kind]))
            xf.set("borderId", str(self._borders[kind]))
            xf.set("applyFill", "1")
            xf.set("applyBorder", "1")
            self.marked[(style, kind)] = self._add(self.cell_xfs, xf)
        return self.marked[(style, kind)]

    def save(self) -> None:
        self.package.put(self.name, self.root)

    def _list(self, tag: str) -> etree._Element:
        found = self.root.find(f"{{{self.ns}}}{tag}")
        if found is None:
            raise WorkbookError(f"the styles part has no <{tag}>")
        return found

    def _add(self, parent: etree._Element, element: etree._Element) -> int:
        """Append `element` to a counted list (fonts, fills, borders, cellXfs); its index."""
        index = len(parent)
        parent.append(element)
        parent.set("count", str(len(parent)))
        return index

    def _sheet_style(self, bold: bool, size: int, colour: str, underline: bool, wrap: bool) -> int:
        font = etree.Element(f"{{{self.ns}}}font")
        if bold:
            etree.SubElement(font, f"{{{self.ns}}}b")
        if underline:
            etree.SubElement(font, f"{{{self.ns}}}u")
        etree.SubElement(font, f"{{{self.ns}}}sz", val=str(size))
        etree.SubElement(font, f"{{{self.ns}}}color", rgb=colour)
        etree.SubElement(font, f"{{{self.ns}}}name", val="Calibri")
        font_id = self._add(self._list("fonts"), font)
        xf = etree.Element(f"{{{self.ns}}}xf", numFmtId="0", fontId=str(font_id), fillId="0", borderId="0", xfId="0",
                           applyFont="1", applyAlignment="1")
        alignment = etree.SubElement(xf, f"{{{self.ns}}}alignment", vertical="top")
        if wrap:
            alignment.set("wrapText", "1")
        return self._add(self.cell_xfs, xf)


def _fill(ns: str, pattern: str, foreground: str, background: str) -> etree._Element:
    fill = etree.Element(f"{{{ns}}}fill")
    pattern_fill = etree.SubElement(fill, f"{{{ns}}}patternFill", patternType=pattern)
    etree.SubElement(pattern_fill, f"{{{ns}}}fgColor", rgb=foreground)
    etree.SubElement(pattern_fill, f"{{{ns}}}bgColor", rgb=background)
    return fill


def _border(ns: str, style: str, colour: str) -> etree._Element:
    border = etree.Element(f"{{{ns}}}border")
    for side in ("left", "right", "top", "bottom"):
        etree.SubElement(etree.SubElement(border, f"{{{ns}}}{side}", style=style), f"{{{ns}}}color", rgb=colour)
    etree.SubElement(border, f"{{{ns}}}diagonal")
    return border
