"""The LR sheets' charts sit in a band of their own above the table, for every network: read from the .xlsx package.

Each LR sheet's drawing (xl/drawings/drawingN.xml, found through the sheet's rels) anchors its charts between two
cells (`xdr:from`, `xdr:to`: 0-based rows and an offset in EMU). No chart may reach the table: the header row (the
row whose first cell says "iteration") or any row below it; and the offset into its last row must fit in that row's
height as the sheet XML declares it (a row the XML leaves out has the default 15 pt, and a chart anchored for a taller
one then spills over the rows below).
"""

from __future__ import annotations

import posixpath
import random
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest

from excelgen.workbook import write_workbook
from network import load_network, parse_network

NS = {
    "main": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "rel": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "pkg": "http://schemas.openxmlformats.org/package/2006/relationships",
    "xdr": "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing",
    "c": "http://schemas.openxmlformats.org/drawingml/2006/chart",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
}
EMU_PER_POINT = 12_700
DEFAULT_ROW_POINTS = 15.0


def random_layers(seed: int) -> dict:
    """A seeded random `layers` template: 2 or 3 layers after the inputs, 2 to 6 neurons each, random weights."""
    rng = random.Random(seed)
    layers = [rng.randint(2, 6) for _ in range(rng.randint(3, 4))]
    return {
        "name": f"random-{seed}", "iterations": 6, "learning_rates": [0.1, 0.7],
        "layers": layers, "activations": ["sigmoid"] * (len(layers) - 1), "loss": "half-squared-error",
        "train_biases": rng.random() < 0.5, "init": {"seed": seed},
        "examples": [{"inputs": [rng.uniform(-1, 1) for _ in range(layers[0])],
                      "targets": [rng.uniform(0, 1) for _ in range(layers[-1])]} for _ in range(rng.randint(1, 3))],
    }


NETWORKS = {
    "era-s6": lambda: load_network("era-s6").with_options(iterations=6),
    "mazur": lambda: load_network("mazur").with_options(iterations=6),
    "xor": lambda: load_network("xor").with_options(iterations=6),
    "softmax": lambda: load_network("softmax").with_options(iterations=6),
    "random-layers": lambda: parse_network(random_layers(19), "random"),
}


def _xml(z: zipfile.ZipFile, part: str) -> ElementTree.Element:
    return ElementTree.fromstring(z.read(part))


def _target(base: str, target: str) -> str:
    """A relationship's target as a path inside the package."""
    return target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(posixpath.dirname(base), target))


def _rels(z: zipfile.ZipFile, part: str) -> dict[str, str]:
    """Relationship id -> the part it points at, for `part`."""
    rels = posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")
    if rels not in z.namelist():
        return {}
    return {r.get("Id"): _target(part, r.get("Target")) for r in _xml(z, rels).findall("pkg:Relationship", NS)}


def lr_sheets(path: Path) -> dict[str, dict]:
    """Each LR sheet -> {"header_row": 0-based row of its "iteration" header, "heights": {row: points},
    "anchors": [((from_row, from_off), (to_row, to_off)), ...], "charts": [chart XML, ...]}."""
    found = {}
    with zipfile.ZipFile(path) as z:
        book_rels = _rels(z, "xl/workbook.xml")
        shared = _xml(z, "xl/sharedStrings.xml").findall("main:si", NS) if "xl/sharedStrings.xml" in z.namelist() else []
        strings = [si.findtext("main:t", "", NS) for si in shared]
        for sheet in _xml(z, "xl/workbook.xml").find("main:sheets", NS):
            name = sheet.get("name")
            if not name.startswith("LR "):
                continue
            part = book_rels[sheet.get(f"{{{NS['rel']}}}id")]
            xml = _xml(z, part)
            heights, header_row = {}, None
            for row in xml.iter(f"{{{NS['main']}}}row"):
                r = int(row.get("r")) - 1
                if row.get("ht") is not None:
                    heights[r] = float(row.get("ht"))
                first = row.find("main:c", NS)
                if header_row is None and first is not None and first.get("r") == f"A{r + 1}":
                    text = (strings[int(first.findtext("main:v", "", NS))] if first.get("t") == "s"
                            else first.findtext("main:is/main:t", "", NS))
                    if text == "iteration":
                        header_row = r
            (drawing,) = [p for p in _rels(z, part).values() if "/drawings/drawing" in p]
            anchors, charts = [], []
            drawing_rels = _rels(z, drawing)
            for anchor in _xml(z, drawing).findall("xdr:twoCellAnchor", NS):
                ends = [(int(anchor.find(f"xdr:{end}/xdr:row", NS).text), int(anchor.find(f"xdr:{end}/xdr:rowOff", NS).text))
                        for end in ("from", "to")]
                anchors.append(tuple(ends))
                chart_id = anchor.find(".//c:chart", NS).get(f"{{{NS['rel']}}}id")
                charts.append(z.read(drawing_rels[chart_id]).decode())
            found[name] = {"header_row": header_row, "heights": heights, "anchors": anchors, "charts": charts}
    return found


@pytest.fixture(scope="module", params=list(NETWORKS))
def workbook(request, tmp_path_factory) -> tuple[str, Path]:
    net = NETWORKS[request.param]()
    return request.param, write_workbook(net, tmp_path_factory.mktemp("charts") / f"{request.param}.xlsx")


def test_no_chart_covers_the_header_row_or_the_table(workbook):
    name, path = workbook
    sheets = lr_sheets(path)
    assert sheets, name
    for sheet, found in sheets.items():
        header = found["header_row"]
        assert header is not None and len(found["anchors"]) == 3, (name, sheet)
        for (top, _), (bottom, offset) in found["anchors"]:
            assert 0 < top <= bottom < header, (name, sheet, top, bottom, header)
            height = found["heights"].get(bottom, DEFAULT_ROW_POINTS) * EMU_PER_POINT
            assert offset <= height, (name, sheet, f"the chart reaches {offset} EMU into row {bottom + 1}, {height} tall")


def test_the_charts_are_large_and_share_one_band(workbook):
    """Every chart of every LR sheet lies in the same rows, at least 300 pixels (225 pt) tall."""
    name, path = workbook
    bands = set()
    for sheet, found in lr_sheets(path).items():
        for (top, _), (bottom, _) in found["anchors"]:
            bands.add((top, bottom))
            tall = sum(found["heights"].get(r, DEFAULT_ROW_POINTS) for r in range(top, bottom + 1))
            assert tall >= 225, (name, sheet, tall)
    assert len(bands) == 1, (name, bands)


def test_the_lines_of_a_chart_differ_in_colour_and_dash_and_have_a_legend(workbook):
    name, path = workbook
    for sheet, found in lr_sheets(path).items():
        several = [chart for chart in found["charts"] if chart.count("<c:ser>") > 1]
        assert several, (name, sheet)  # the weights chart
        for chart in several:
            series = re.findall(r"<c:ser>.*?</c:ser>", chart, re.S)
            styles = [(re.search(r'<a:srgbClr val="(\w+)"', s).group(1), re.search(r'<a:prstDash val="(\w+)"', s))
                      for s in series]
            pairs = [(colour, dash.group(1) if dash else "solid") for colour, dash in styles]
            assert len(set(pairs)) == len(pairs), (name, sheet, pairs)
            assert all(a[0] != b[0] and a[1] != b[1] for a, b in zip(pairs, pairs[1:])), (name, sheet, pairs)
            assert "<c:legend>" in chart, (name, sheet)
