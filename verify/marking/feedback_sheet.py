"""The Feedback sheet of a marked copy: the verdict and score, every mistake with a link to its cell, what could
not be checked, and when and with what it was checked.

Every text is an inline string: a student's text (a sheet name, a formula, a header) is shown, never run.
"""

from __future__ import annotations

from lxml import etree

from verify.grading.grade import sentence
from verify.marking.package import RELATIONSHIPS, location, split_cell, xml_text
from verify.reading.cells import number, show
from network.layout import column_letter
from verify.reports.report import Report

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
TITLE = "Feedback"
WIDTHS = (24, 10, 20, 10, 14, 70, 22, 22)  # A..H
FINDING_HEADERS = ("Sheet", "Cell", "Column", "Iteration", "Check", "Mistake", "Found", "Expected")


def feedback_sheet(report: Report, styles: dict[str, int], *, name: str, checked: str, followers: int) -> etree._Element:
    """The worksheet element. `styles`: the Feedback styles' indexes (verify/marking/styles.py, Styles.sheet);
    `name`: the workbook's file name; `checked`: when and with what ("2026-12-07 23:10 UTC, backprop-sheet 0.1.0");
    `followers`: how many cells computed from a mistake are shaded lighter."""
    rows: list[list] = []
    links: list[tuple[str, str]] = []  # (cell of the Feedback sheet, location)
    add = rows.append
    add([(f"Feedback on {name}", "title")])
    tables = len(report.tables)
    cells_checked = sum(t.cells for t in report.tables)
    if report.passed:
        verdict = f"pass: every check passed ({cells_checked:,} cells checked in {tables} table{'s' * (tables != 1)})"
    else:
        failed = sum(not t.passed for t in report.tables)
        found = len(report.root_causes)
        verdict = (f"FAIL: {found} mistake{'s' * (found != 1)} found in {failed} of "
                   f"{tables} table{'s' * (tables != 1)} ({cells_checked:,} cells checked)")
    add([("Verdict", "heading"), (verdict, None)])
    if report.score:
        add([("Score", "heading"), (report.score.show(), "heading"), (f"rubric: {report.score.rubric}", None)])
        add([])
        add([("Part", "heading"), ("Points", "heading"), ("Of", "heading"), None, None, ("Mistakes charged to it", "heading")])
        for part in report.score.parts:
            charged = "; ".join(part.mistakes) if part.mistakes else "none"
            add([(part.title, None), (part.score, None), (part.max_score, None), None, None, (charged, "text")])
    add([])
    add([("Mistakes", "heading")])
    if report.passed:
        add([("none: every check passed", None)])
    else:
        add([("Each is marked in its sheet (a red trellis inside a thick border) with a note naming it and the value "
              "expected" + (f"; the {followers:,} cells computed from them are shaded lighter (dots, dashed border), "
                         "each with a note naming the mistake it follows from" if followers else "") + ".", None)])
        add([(h, "heading") for h in FINDING_HEADERS])
        for cause in report.root_causes:  # each mistake once, with the checks it shows in
            f = cause.finding
            sheet, cell = split_cell(f.cell)
            links.append((f"B{len(rows) + 1}", location(sheet, cell)))
            add([
                (sheet, None), (cell, "link"), (f.header, None),
                (f.iteration, None) if f.iteration is not None else None, (cause.shown_in(), "text"),
                (sentence(f), "text"), _value(f.actual), _value(f.expected),
            ])
    add([])
    add([("Not checked", "heading")])
    unchecked = [f"{t.sheet}: {line.strip()}" for t in report.tables for line in t.unchecked] + [
        f"note: {note}" for note in report.notes
    ]
    for line in unchecked or ["nothing: every column recognised was checked"]:
        add([(line, None)])
    add([])
    engine = "saved values only, nothing recalculated" if report.engine == "none" else (
        f"formulas recalculated with the {report.engine} engine")
    add([("Checked", "heading"), (f"{checked}; {engine}; rtol {report.rtol:g}, atol {report.atol:g}", None)])
    return _worksheet(rows, links, styles)


def _lines(text: str, width: int) -> int:
    """The lines a text wraps into in a column `width` characters wide."""
    return sum(1 + len(part) // max(int(width * 1.2), 1) for part in text.splitlines() or [""])


def _value(value) -> tuple | None:
    if value is None or value == "":
        return ("(empty)", None)
    x = number(value) if not isinstance(value, str) else None
    return (x, None) if x is not None else (show(value), None)


def _worksheet(rows: list[list], links: list[tuple[str, str]], styles: dict[str, int]) -> etree._Element:
    sheet = etree.Element(f"{{{MAIN}}}worksheet", nsmap={None: MAIN, "r": RELATIONSHIPS})
    properties = etree.SubElement(sheet, f"{{{MAIN}}}sheetPr")
    etree.SubElement(properties, f"{{{MAIN}}}pageSetUpPr", fitToPage="1")
    views = etree.SubElement(sheet, f"{{{MAIN}}}sheetViews")
    etree.SubElement(views, f"{{{MAIN}}}sheetView", tabSelected="1", workbookViewId="0")
    etree.SubElement(sheet, f"{{{MAIN}}}sheetFormatPr", defaultRowHeight="15")
    cols = etree.SubElement(sheet, f"{{{MAIN}}}cols")
    for k, width in enumerate(WIDTHS, start=1):
        etree.SubElement(cols, f"{{{MAIN}}}col", min=str(k), max=str(k), width=str(width), customWidth="1")
    data = etree.SubElement(sheet, f"{{{MAIN}}}sheetData")
    for r, line in enumerate(rows, start=1):
        row = etree.SubElement(data, f"{{{MAIN}}}row", r=str(r))
        lines = max([_lines(str(item[0]), WIDTHS[c - 1]) for c, item in enumerate(line, start=1)
                     if item is not None and item[1] == "text"] + [1])
        if lines > 1:  # wrapped text: a row tall enough for it (LibreOffice does not grow it on opening)
            row.set("ht", str(15 * lines))
            row.set("customHeight", "1")
        for c, item in enumerate(line, start=1):
            if item is None:
                continue
            value, style = item
            cell = etree.SubElement(row, f"{{{MAIN}}}c", r=f"{column_letter(c)}{r}", s=str(styles[style or "plain"]))
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                etree.SubElement(cell, f"{{{MAIN}}}v").text = repr(float(value)) if isinstance(value, float) else str(value)
            else:
                cell.set("t", "inlineStr")
                text = etree.SubElement(etree.SubElement(cell, f"{{{MAIN}}}is"), f"{{{MAIN}}}t")
                text.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
                text.text = xml_text(str(value))
    if links:
        hyperlinks = etree.SubElement(sheet, f"{{{MAIN}}}hyperlinks")
        for ref, location in links:
            etree.SubElement(hyperlinks, f"{{{MAIN}}}hyperlink", ref=ref, location=xml_text(location),
                             display=xml_text(location))
    etree.SubElement(sheet, f"{{{MAIN}}}pageMargins", left="0.5", right="0.5", top="0.6", bottom="0.6", header="0.3",
                     footer="0.3")
    etree.SubElement(sheet, f"{{{MAIN}}}pageSetup", orientation="landscape", fitToWidth="1", fitToHeight="0")
    return sheet
