"""Notes (comments) on a worksheet's cells, added to the package: the comments part and its VML drawing.

A sheet that has comments already keeps them: ours are added to its comments part (a cell that holds a note
of its own gets ours after it, in the same note) and their shapes to its VML drawing. A sheet without any
gets a new comments part, a new VML drawing and the sheet's <legacyDrawing> pointing at it.
"""

from __future__ import annotations

import re

from lxml import etree

from network.errors import WorkbookError
from verify.marking.package import CONTENT_TYPE, RELATIONSHIPS, Package, main, xml_text
from network.layout import column_letter

AUTHOR = "backprop-sheet"
# the elements a worksheet may hold after <legacyDrawing>, in the schema's order
_AFTER_LEGACY_DRAWING = ("legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls", "webPublishItems",
                         "tableParts", "extLst")
_SHAPE_TYPE = (
    '<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe">'
    '<v:stroke joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>'
)
_VML = (
    '<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
    'xmlns:x="urn:schemas-microsoft-com:office:excel"><o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="{block}"/>'
    "</o:shapelayout>" + _SHAPE_TYPE + "{shapes}</xml>"
)
_SHAPE = (
    '<v:shape id="_x0000_s{id}" type="#_x0000_t202" style="position:absolute;margin-left:59.25pt;margin-top:1.5pt;'
    'width:240pt;height:{height}pt;z-index:{id};visibility:hidden" fillcolor="#ffffe1" o:insetmode="auto">'
    '<v:fill color2="#ffffe1"/><v:shadow on="t" color="black" obscured="t"/><v:path o:connecttype="none"/>'
    '<v:textbox style="mso-direction-alt:auto"><div style="text-align:left"></div></v:textbox>'
    '<x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/>'
    "<x:Anchor>{left}, 15, {top}, 2, {right}, 15, {bottom}, 4</x:Anchor><x:AutoFill>False</x:AutoFill>"
    "<x:Row>{row}</x:Row><x:Column>{col}</x:Column></x:ClientData></v:shape>"
)
_SHAPE_ID = re.compile(rb"_x0000_s(\d+)")


def add_notes(package: Package, sheet_part: str, sheet: etree._Element, notes: dict[tuple[int, int], str]) -> None:
    """Put `notes` ((row, col), 1-based -> text) on the worksheet `sheet` (parsed; the caller saves it)."""
    if not notes:
        return
    comments_part = package.target(sheet_part, "comments")
    if comments_part is not None and comments_part in package.parts:
        comments = package.xml(comments_part)
    else:
        comments_part = package.new_name("xl/comments{}.xml")
        ns = main(sheet)
        comments = etree.Element(f"{{{ns}}}comments", nsmap={None: ns})
        etree.SubElement(comments, f"{{{ns}}}authors")
        etree.SubElement(comments, f"{{{ns}}}commentList")
        package.relate(sheet_part, "comments", comments_part)
        package.declare(comments_part, CONTENT_TYPE["comments"])
    new_cells = _add_comments(comments, notes)
    package.put(comments_part, comments)
    if new_cells:
        _add_shapes(package, sheet_part, sheet, {cell: notes[cell] for cell in new_cells})


def _add_comments(comments: etree._Element, notes: dict[tuple[int, int], str]) -> list[tuple[int, int]]:
    """Add the notes to a comments part; the cells that had no comment before (they need a shape)."""
    ns = main(comments)
    listed = comments.find(f"{{{ns}}}commentList")
    if listed is None:
        raise WorkbookError("a comments part without a comment list")
    authors = comments.find(f"{{{ns}}}authors")
    if authors is None:  # Gnumeric writes none
        authors = etree.Element(f"{{{ns}}}authors")
        comments.insert(0, authors)
    names = [a.text or "" for a in authors]
    if not names and len(listed):  # comments without an author (Gnumeric's) stay without one: author 0 is ""
        etree.SubElement(authors, f"{{{ns}}}author")
        names.append("")
    if AUTHOR not in names:
        etree.SubElement(authors, f"{{{ns}}}author").text = AUTHOR
        names.append(AUTHOR)
    existing = {c.get("ref", "").upper(): c for c in listed}
    new_cells = []
    for (row, col), text in notes.items():
        ref = f"{column_letter(col)}{row}"
        comment = existing.get(ref)
        if comment is None:
            comment = etree.SubElement(listed, f"{{{ns}}}comment", ref=ref, authorId=str(names.index(AUTHOR)))
            etree.SubElement(comment, f"{{{ns}}}text")
            new_cells.append((row, col))
            lead = ""
        else:
            lead = "\n\n"
        body = comment.find(f"{{{ns}}}text")
        if body is None:
            body = etree.SubElement(comment, f"{{{ns}}}text")
        if len(body) == 0 and body.find(f"{{{ns}}}t") is None and lead:  # a plain <text> with no runs
            lead = ""
        _run(body, ns, lead + f"{AUTHOR}:", bold=True)
        _run(body, ns, "\n" + text, bold=False)
    return new_cells


def _run(body: etree._Element, ns: str, text: str, *, bold: bool) -> None:
    run = etree.SubElement(body, f"{{{ns}}}r")
    props = etree.SubElement(run, f"{{{ns}}}rPr")
    if bold:
        etree.SubElement(props, f"{{{ns}}}b")
    etree.SubElement(props, f"{{{ns}}}sz", val="9")
    etree.SubElement(props, f"{{{ns}}}rFont", val="Tahoma")
    t = etree.SubElement(run, f"{{{ns}}}t")
    t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    t.text = xml_text(text)


def _add_shapes(package: Package, sheet_part: str, sheet: etree._Element, notes: dict[tuple[int, int], str]) -> None:
    """The notes' shapes in the sheet's VML drawing (a new one, linked from the sheet, where it has none)."""
    used = [int(n) for name, data in package.parts.items() if name.lower().endswith(".vml") for n in _SHAPE_ID.findall(data)]
    next_id = max(used, default=1024) + 1
    legacy = sheet.find(f"{{{main(sheet)}}}legacyDrawing")
    vml_part = None
    if legacy is not None:
        vml_part = package.target(sheet_part, "vmlDrawing", legacy.get(f"{{{RELATIONSHIPS}}}id"))
    if vml_part is not None and vml_part in package.parts:
        data = package.parts[vml_part]
        end = data.rfind(b"</xml>")
        if end < 0:
            raise WorkbookError(f"the VML drawing {vml_part} does not end in </xml>")
        shape_type = b"" if b'id="_x0000_t202"' in data else _SHAPE_TYPE.encode()
        package.put(vml_part, data[:end] + shape_type + _shapes(notes, next_id).encode() + data[end:])
        return
    if legacy is not None:
        raise WorkbookError(f"the legacy drawing of {sheet_part} cannot be found")
    block = max(used, default=0) // 1024 + 1
    vml_part = package.new_name("xl/drawings/vmlDrawing{}.vml")
    package.put(vml_part, _VML.format(block=block, shapes=_shapes(notes, block * 1024 + 1)).encode())
    package.declare(vml_part, CONTENT_TYPE["vml"])
    rid = package.relate(sheet_part, "vmlDrawing", vml_part)
    legacy = etree.Element(f"{{{main(sheet)}}}legacyDrawing")
    legacy.set(f"{{{RELATIONSHIPS}}}id", rid)
    after = next((child for child in sheet if etree.QName(child).localname in _AFTER_LEGACY_DRAWING), None)
    if after is None:
        sheet.append(legacy)
    else:
        after.addprevious(legacy)


def _shapes(notes: dict[tuple[int, int], str], first_id: int) -> str:
    shapes = []
    for k, ((row, col), text) in enumerate(notes.items()):
        lines = sum(1 + len(line) // 45 for line in text.splitlines()) + 1
        height = min(max(lines, 3), 20) * 12
        span = max(height // 15, 3)
        shapes.append(_SHAPE.format(
            id=first_id + k, height=height, left=col, top=max(row - 2, 0), right=col + 4, bottom=max(row - 2, 0) + span,
            row=row - 1, col=col - 1,
        ))
    return "".join(shapes)

