"""Dump a workbook cell by cell as JSON: the pinned output of tests/test_classic_pinned.py.

    python tests/golden/dump.py            # rewrite tests/golden/*.json from the current generator

Run it only when the classic workbook changes on purpose, and say so in the commit: the files pin the
classic 2-2-2 workbook as it was before its formulas, notation and saved values were derived from the one
network description (network/) and before the code moved into its packages, so no refactor could change a cell,
a format or a chart.

What a file holds (it is read back with openpyxl and the package's own XML; the workbook is never re-saved):
    names    {name: refers_to}: the workbook's names, then each sheet's own ("Sheet!name") and its print area
             and print titles ("Sheet!print_area", "Sheet!print_titles")
    formats  [format, ...]: every distinct cell format, numbered in the order first met
    sheets   {sheet: {cell: [formula or constant, saved value, note, format number]}}: every cell that has a
             value, a note or a format of its own
    charts   {sheet: [chart, ...]}: each chart's anchor, kind, title, axes and series (see charts())
"""

from __future__ import annotations

import json
import posixpath
import sys
import tempfile
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import openpyxl

HERE = Path(__file__).resolve().parent
# name -> (template, iterations, exercise)
CASES = {
    "era-s6": ("era-s6", 3, None),
    "mazur": ("mazur", 3, None),
    "era-s6-gradients": ("era-s6", 2, "gradients"),
    "mazur-forward": ("mazur", 2, "forward"),
}

NS = {
    "c": "http://schemas.openxmlformats.org/drawingml/2006/chart",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "xdr": "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
    "main": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
}


def dump(path: Path) -> dict:
    """The workbook at path as the pinned files hold it (see the module's docstring)."""
    formulas = openpyxl.load_workbook(path)
    values = openpyxl.load_workbook(path, data_only=True)
    formats: dict[str, int] = {}  # a format as JSON -> its number
    sheets = {}
    names = {name: dn.attr_text for name, dn in formulas.defined_names.items()}
    for ws in formulas.worksheets:
        saved = values[ws.title]
        cells = {}
        for row in ws.iter_rows():
            for c in row:
                note = c.comment.text if c.comment is not None else None
                if c.value is None and note is None and not c.has_style:
                    continue
                value = c.value if not hasattr(c.value, "text") else f"{{array {c.value.ref}}}{c.value.text}"
                style = json.dumps(cell_format(c), sort_keys=True)
                number = formats.setdefault(style, len(formats))
                cells[c.coordinate] = [value, saved[c.coordinate].value, note, number]
        sheets[ws.title] = cells
        names |= {f"{ws.title}!{name}": dn.attr_text for name, dn in ws.defined_names.items()}
        names |= {f"{ws.title}!print_area": ws.print_area, f"{ws.title}!print_titles": ws.print_titles}
    return {"names": names, "formats": [json.loads(f) for f in formats], "sheets": sheets, "charts": charts(path)}


def cell_format(c) -> dict:
    """What a reader sees of a cell's look: number format, font, fill, borders, alignment."""
    font, fill, border, align = c.font, c.fill, c.border, c.alignment
    return {
        "number": c.number_format,
        "font": [font.b, font.i, font.u, font.sz, colour(font.color)],
        "fill": [fill.patternType, colour(fill.fgColor)] if fill.patternType else None,
        "border": [[side.style, colour(side.color)] if side.style else None
                   for side in (border.left, border.right, border.top, border.bottom)],
        "align": [align.horizontal, align.vertical, align.wrap_text, align.indent],
    }


def colour(color) -> str | None:
    if color is None:
        return None
    if color.type == "rgb":
        return color.rgb
    return f"{color.type} {color.value} tint {color.tint}"


def charts(path: Path) -> dict[str, list[dict]]:
    """{sheet: [chart]} from the package's drawing and chart parts, each chart as
    {"anchor": [from col, row, col offset, row offset, to ...], "kind": [c:*Chart, ...], "title": text,
     "axes": [[title, min, max, log base], ...], "series": [[name, x or category ref, y or value ref, line colour], ...]}."""
    with zipfile.ZipFile(path) as z:
        part = lambda name: ElementTree.fromstring(z.read(name))  # noqa: E731
        book = part("xl/workbook.xml")
        book_rels = _rels(z, "xl/workbook.xml")
        found = {}
        for sheet in book.find("main:sheets", NS):
            sheet_part = book_rels[sheet.get(f"{{{NS['r']}}}id")]
            drawings = [t for t in _rels(z, sheet_part).values() if "/drawings/" in t and t.endswith(".xml")]
            found[sheet.get("name")] = [
                _chart(anchor, part(_rels(z, drawing)[frame.get(f"{{{NS['r']}}}id")]))
                for drawing in drawings
                for anchor in part(drawing)
                for frame in anchor.iterfind(".//c:chart", NS)
            ]
        return {sheet: found_charts for sheet, found_charts in found.items() if found_charts}


def _rels(z: zipfile.ZipFile, part: str) -> dict[str, str]:
    """A part's relationships: id -> the target part's name in the package."""
    folder, name = posixpath.split(part)
    rels = posixpath.join(folder, "_rels", name + ".rels")
    if rels not in z.namelist():
        return {}
    return {r.get("Id"): posixpath.normpath(posixpath.join(folder, r.get("Target")))
            for r in ElementTree.fromstring(z.read(rels)).iterfind("rel:Relationship", NS)}


def _chart(anchor, chart) -> dict:
    ends = [anchor.find(f"xdr:{end}", NS) for end in ("from", "to")]
    place = [int(end.find(f"xdr:{field}", NS).text) for end in ends if end is not None
             for field in ("col", "row", "colOff", "rowOff")]
    plot = chart.find("c:chart/c:plotArea", NS)
    kinds = [child for child in plot if child.tag.endswith("Chart")]
    series = []
    for ser in (s for kind in kinds for s in kind.iterfind("c:ser", NS)):
        name = ser.find("c:tx", NS)
        refs = [_first(ser, "c:xVal//c:f", "c:cat//c:f"), _first(ser, "c:yVal//c:f", "c:val//c:f")]
        line = ser.find("c:spPr/a:ln//a:srgbClr", NS)
        series.append([_text(name) if name is not None else None, *refs, line.get("val") if line is not None else None])
    axes = [[_text(axis.find("c:title", NS)),
             *(_val(axis.find(f"c:scaling/c:{bound}", NS)) for bound in ("min", "max", "logBase"))]
            for axis in plot if axis.tag.endswith("Ax")]
    return {"anchor": place, "kind": [k.tag.split("}")[1] for k in kinds], "title": _text(chart.find("c:chart/c:title", NS)),
            "axes": axes, "series": series}


def _first(element, *paths: str) -> str | None:
    for path in paths:
        found = element.find(path, NS)
        if found is not None:
            return found.text
    return None


def _text(element) -> str | None:
    """A title's or a series name's text: its rich text runs, or its cell reference, or its plain value."""
    if element is None:
        return None
    runs = [t.text or "" for t in element.iterfind(".//a:t", NS)]
    if runs:
        return "".join(runs)
    return _first(element, ".//c:f", ".//c:v")


def _val(element) -> str | None:
    return element.get("val") if element is not None else None


def as_lines(value, depth: int) -> str:
    """JSON with the outer `depth` levels one item a line (a cell, a format, a chart), the rest on that line."""
    if depth == 0 or not isinstance(value, (dict, list)) or not value:
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        items = [f"{json.dumps(k, ensure_ascii=False)}: {as_lines(v, depth - 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n}"
    return "[\n" + ",\n".join(as_lines(v, depth - 1) for v in value) + "\n]"


def write_case(name: str, folder: Path) -> Path:
    from network import load_network
    from excelgen.workbook import write_workbook

    template, iterations, exercise = CASES[name]
    spec = load_network(template).with_options(iterations=iterations)
    return write_workbook(spec, folder / f"{name}.xlsx", exercise=exercise)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for name in CASES:
            data = dump(write_case(name, Path(tmp)))
            (HERE / f"{name}.json").write_text(as_lines(data, depth=3) + "\n", "utf-8")
            print(f"wrote {HERE / name}.json", file=sys.stderr)


if __name__ == "__main__":
    main()
