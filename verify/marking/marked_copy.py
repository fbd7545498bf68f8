"""write_marked_copy(): the student's own workbook handed back, marked.

The copy is the student's package with:

- a first sheet, Feedback (verify/marking/feedback_sheet.py), the one the workbook opens on;
- every root-cause cell (each finding's cell) styled ROOT with a note holding the mistake and the value
  expected; every cell computed from one (its formula reads it, directly or through other cells of the
  checked tables) styled FOLLOWS with a note naming the root cause (up to MAX_FOLLOWER_NOTES notes; the rest
  are only shaded);
- nothing else changed: the parts a mark needs are the styles, the marked sheets (the marked cells' style
  index, a <legacyDrawing> where a sheet had no notes), their comments and VML drawing parts and
  relationships, the workbook part (the new sheet first, the sheet-local defined names' indexes moved by one,
  the Feedback sheet active), its relationships and [Content_Types].xml. The sheet that was active loses its
  tabSelected flag (two selected tabs would be a group). Every other part is copied byte for byte.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from network.errors import OutputExistsError, WorkbookError
from verify.marking.styles import FOLLOWS, ROOT, Styles
from verify.marking.feedback_sheet import TITLE, feedback_sheet
from verify.marking.notes import add_notes
from verify.marking.package import CONTENT_TYPE, RELATIONSHIPS, Package, main, split_cell, without_tab_selected
from verify.reading import book
from network.layout import column_letter, column_number
from verify.reading import refs
from verify.reading.cells import CellKey, show
from verify.reports.outputfile import atomically
from verify.reports.report import Finding, Report, TableReport

MAX_FOLLOWER_NOTES = 300  # notes on the cells computed from a mistake; more are only shaded
MAX_RANGE = 10_000  # cells of one range a formula reads that are followed (a SUM over a column, say)
XLSX = (".xlsx", ".xlsm")
_CELL = re.compile(r"\$?([A-Z]{1,3})\$?(\d+)")


@dataclass(frozen=True)
class Marks:
    """What to mark: root causes and the cells that follow from them, each with its note (None: no note)."""

    roots: dict[CellKey, str]
    follows: dict[CellKey, str | None]


def write_marked_copy(source: str | Path, report: Report, target: str | Path, *, checked: str, force: bool = False) -> Path:
    """Write the marked copy of the workbook `source` (checked in `report`) to `target`, atomically.

    `checked`: when and with what it was checked, for the Feedback sheet. Refuses (OutputExistsError) an
    existing `target` unless `force`, and the source itself always; WorkbookError for a package it cannot mark.
    """
    source, target = Path(source), Path(target)
    if source.suffix.lower() not in XLSX:
        raise WorkbookError(f"{source.name}: a marked copy is made of an .xlsx or .xlsm workbook, not {source.suffix}")
    if target.resolve() == source.resolve():
        raise OutputExistsError(f"{target} is the student's own workbook: write the marked copies to another folder")
    if target.exists() and not force:
        raise OutputExistsError(f"{target} already exists: use --force to overwrite it")
    package = Package(source)
    plan = plan_marks(source, report)
    styles = Styles(package)
    sheets = package.sheets()
    for name, part in sheets.items():
        roots = {(r, c): note for (s, r, c), note in plan.roots.items() if s == name}
        follows = {(r, c): note for (s, r, c), note in plan.follows.items() if s == name}
        if roots or follows:
            _mark_sheet(package, part, styles, roots, follows)
        elif b"tabSelected" in package.parts[part]:
            changed = without_tab_selected(package.parts[part])
            if changed != package.parts[part]:
                package.put(part, changed)
    sheet = feedback_sheet(report, styles.sheet, name=source.name, checked=checked, followers=len(plan.follows))
    _add_first_sheet(package, sheet, _free_title(sheets))
    styles.save()
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with atomically(target, replace=force) as tmp:  # the umask's mode; one that appeared meanwhile is kept
            package.save(tmp)
    except OutputExistsError:
        raise OutputExistsError(f"{target} already exists: use --force to overwrite it") from None
    return target


def plan_marks(source: Path, report: Report) -> Marks:
    """The root causes of `report` and the cells of its tables computed from them, with their notes."""
    roots: dict[CellKey, list[str]] = {}
    for finding in report.findings:
        key = _key(finding.cell)
        if key is not None:
            roots.setdefault(key, [])
            text = _root_note(finding)
            if text not in roots[key]:
                roots[key].append(text)
    follows: dict[CellKey, str | None] = {}
    if roots:
        graph = _dependents(source, _tables_reached(report, set(roots)))
        for root in roots:
            cause = next(f for f in report.findings if _key(f.cell) == root)
            for cell in _downstream(graph, root):
                if cell not in roots and cell not in follows:
                    follows[cell] = _follow_note(cause) if len(follows) < MAX_FOLLOWER_NOTES else None
    return Marks({key: "\n\n".join(texts) for key, texts in roots.items()}, follows)


def _root_note(f: Finding) -> str:
    lines = [f.mistake or f.message()]
    if f.mistake:
        lines.append(f"Found: {show(f.actual) if f.actual not in (None, '') else '(empty)'}")
    if f.expected is not None:
        lines.append(f"Expected: {show(f.expected)}")
    if f.kind == "not a formula":
        lines.append("It must hold a formula, not a typed-in value.")
    return "\n".join(lines)


def _follow_note(cause: Finding) -> str:
    _, cell = split_cell(cause.cell)
    return (f"Computed from {cause.cell}, which is wrong: this cell follows from that mistake. "
            f"Fix {cell} first ({cause.header}).")


def _key(address: str) -> CellKey | None:
    sheet, cell = split_cell(address)
    found = _CELL.fullmatch(cell)
    return (sheet, int(found.group(2)), column_number(found.group(1))) if found else None


def _tables_reached(report: Report, roots: set[CellKey]) -> list[TableReport]:
    """The tables the root causes can reach: their own, or every table when one lies outside them all (a cell
    that every table reads, on another sheet). A table never reads another table."""

    def inside(key: CellKey, t: TableReport) -> bool:
        return key[0] == t.sheet and t.first_row <= key[1] <= t.last_row

    if all(any(inside(key, t) for t in report.tables) for key in roots):
        return [t for t in report.tables if any(inside(key, t) for key in roots)]
    return list(report.tables)


def _dependents(source: Path, tables: list[TableReport]) -> dict[CellKey, set[CellKey]]:
    """cell -> the cells of `tables` whose formulas read it."""
    workbook = book.read(source)
    names = {}
    for name, text in workbook.names.items():
        found = book.parse_reference(text)
        if found:
            try:
                names[name] = refs.absolute_ref(*found)
            except (ValueError, TypeError):
                continue
    graph: dict[CellKey, set[CellKey]] = {}
    for table in tables:
        sheet = workbook.sheets.get(table.sheet)
        if sheet is None:
            continue
        for (row, col), formula in sheet.formulas.items():
            if not table.first_row <= row <= table.last_row:
                continue
            try:
                shape = refs.shape(formula, row, col, names)
            except ValueError:
                continue
            for ref in shape.refs:
                if ref.name is not None:
                    continue
                on = ref.sheet or table.sheet
                target = workbook.sheets.get(on)
                if target is None:
                    continue
                top, left, bottom, right = ref.box(row, col, target.max_row, target.max_col)
                if (bottom - top + 1) * (right - left + 1) > MAX_RANGE:
                    continue
                for r in range(top, bottom + 1):
                    for c in range(left, right + 1):
                        graph.setdefault((on, r, c), set()).add((table.sheet, row, col))
    return graph


def _downstream(graph: dict[CellKey, set[CellKey]], root: CellKey) -> list[CellKey]:
    """Every cell computed from `root`, nearest first."""
    seen, queue, order = {root}, deque([root]), []
    while queue:
        for cell in sorted(graph.get(queue.popleft(), ())):
            if cell not in seen:
                seen.add(cell)
                order.append(cell)
                queue.append(cell)
    return sorted(order, key=lambda key: (key[0] != root[0], key[1], key[2]))


def _mark_sheet(package: Package, part: str, styles: Styles, roots: dict, follows: dict) -> None:
    sheet = package.xml(part)
    ns = main(sheet)
    for view in sheet.iter(f"{{{ns}}}sheetView"):
        view.attrib.pop("tabSelected", None)
    data = sheet.find(f"{{{ns}}}sheetData")
    if data is None:
        raise WorkbookError(f"{part} has no <sheetData>")
    rows = _rows(data, ns)
    present = _cells(rows, ns)
    for kind, cells in ((ROOT, roots), (FOLLOWS, follows)):
        for row, col in cells:
            cell, base = present.get((row, col)) or _cell(data, rows, ns, row, col)
            cell.set("s", str(styles.mark(int(cell.get("s", base)), kind)))
    notes = dict(roots)
    notes.update({cell: note for cell, note in follows.items() if note})
    add_notes(package, part, sheet, notes)
    package.put(part, sheet)


def _rows(data: etree._Element, ns: str) -> dict[int, etree._Element]:
    found, number = {}, 0
    for row in data.iter(f"{{{ns}}}row"):
        number = int(row.get("r", number + 1))
        found[number] = row
    return found


def _cells(rows: dict[int, etree._Element], ns: str) -> dict[tuple[int, int], tuple[etree._Element, str]]:
    """(row, col) -> the <c> the sheet holds there, and the style an unstyled cell of its row shows."""
    found = {}
    for number, row in rows.items():
        base = row.get("s", "0") if row.get("customFormat") in ("1", "true") else "0"
        col = 0
        for cell in row.iter(f"{{{ns}}}c"):
            reference = cell.get("r")
            col = column_number(reference.rstrip("0123456789")) if reference else col + 1
            found[(number, col)] = (cell, base)
    return found


def _cell(data, rows: dict[int, etree._Element], ns: str, row: int, col: int) -> tuple[etree._Element, str]:
    """The <c> of (row, col), made in its place (the sheet holds none there); and the style an unstyled cell of
    its row shows."""
    element = rows.get(row)
    if element is None:
        element = etree.Element(f"{{{ns}}}row", r=str(row))
        later = next((r for number, r in sorted(rows.items()) if number > row), None)
        if later is None:
            data.append(element)
        else:
            later.addprevious(element)
        rows[row] = element
    base = element.get("s", "0") if element.get("customFormat") in ("1", "true") else "0"
    number = 0
    for cell in element.iter(f"{{{ns}}}c"):
        reference = cell.get("r")
        number = column_number("".join(ch for ch in reference if ch.isalpha())) if reference else number + 1
        if number == col:
            return cell, base
        if number > col:
            new = etree.Element(f"{{{ns}}}c", r=f"{column_letter(col)}{row}")
            cell.addprevious(new)
            return new, base
    new = etree.SubElement(element, f"{{{ns}}}c", r=f"{column_letter(col)}{row}")
    return new, base


def _free_title(sheets: dict[str, str]) -> str:
    taken = {name.lower() for name in sheets}
    title, n = TITLE, 1
    while title.lower() in taken:
        n += 1
        title = f"{TITLE} ({n})"
    return title


def _add_first_sheet(package: Package, sheet: etree._Element, title: str) -> None:
    """The Feedback sheet as the workbook's first tab, the one it opens on."""
    part = package.new_name("xl/worksheets/sheet{}.xml")
    package.put(part, sheet)
    package.declare(part, CONTENT_TYPE["worksheet"])
    rid = package.relate(package.workbook, "worksheet", part)
    workbook = package.xml(package.workbook)
    ns = main(workbook)
    listed = workbook.find(f"{{{ns}}}sheets")
    if listed is None:
        raise WorkbookError("the workbook part lists no sheets")
    ids = [int(s.get("sheetId", "0")) for s in listed]
    new = etree.Element(f"{{{ns}}}sheet", name=title, sheetId=str(max(ids, default=0) + 1))
    new.set(f"{{{RELATIONSHIPS}}}id", rid)
    listed.insert(0, new)
    for name in workbook.iter(f"{{{ns}}}definedName"):
        if name.get("localSheetId") is not None:
            name.set("localSheetId", str(int(name.get("localSheetId")) + 1))
    for view in workbook.iter(f"{{{ns}}}workbookView"):
        view.set("activeTab", "0")
        view.set("firstSheet", "0")
    package.put(package.workbook, workbook)
