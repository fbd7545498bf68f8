"""check_workbook(): the whole verification of one workbook, as a Report.

1. the file is checked for size (a zip bomb) and read (verify/book.py); an .ods or .xls is
   converted to xlsx by LibreOffice first;
2. verify.detect.find_tables() says where each table, its η and its inputs are;
3. structure: every computed cell holds a formula;
4. saved values against the reference computed from the saved inputs, initial weights and η
   (skipped, with a note, for a file saved without values: the engine decides);
5. recalculated values (LibreOffice or `formulas`) against the reference computed from the
   recalculated inputs, initial weights and η.

Each check of each table reports its root causes: the first wrong cell in dependency order, and
every other column that is wrong given its own inputs.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from network.errors import WorkbookError
from verify import cells, compare, detect, engines, expected, source
from verify.book import Book
from verify.cells import CellKey, Value
from verify.report import Finding, Report, TableReport
from verify.table import Table

DEFAULT_RTOL = 1e-9
# A weight that crosses zero keeps only absolute accuracy after the cancellation in w − η·g.
DEFAULT_ATOL = 1e-12


def check_workbook(
    path: str | Path,
    *,
    engine: str = "auto",
    rtol: float = DEFAULT_RTOL,
    atol: float = DEFAULT_ATOL,
    recalculated: Path | None = None,
) -> Report:
    """Verify the workbook at `path` (xlsx, xlsm; .ods and .xls through LibreOffice).

    `recalculated`: LibreOffice's recalculation of `path`, made beforehand (engine libreoffice).
    Raises WorkbookError/EngineError when it cannot be checked.
    """
    with source.as_xlsx(path) as (xlsx, note):
        report = _check_xlsx(xlsx, engine=engine, rtol=rtol, atol=atol, recalculated=recalculated)
    if note is None:
        return report
    return replace(report, file=str(path), notes=(note, *report.notes))


def _check_xlsx(path: Path, *, engine: str, rtol: float, atol: float, recalculated: Path | None) -> Report:
    path = source.check_archive(path)
    notes = []
    # LibreOffice (if it is the engine) starts now and recalculates while the rest is read.
    with engines.Recalculation(engine, path, recalculated=recalculated) as recalculation:
        book = source.load(path)
        tables = _find_tables(path, book)
        wanted = [cell for table in tables for cell in cells.table_cells(table)]
        checks = {}
        if book.has_saved_values:
            checks["saved values"] = cells.read_values(book, wanted)
        elif recalculation.engine == "none":
            raise WorkbookError(
                f"{path} holds formulas without their saved values (written by openpyxl or a similar library?): "
                "check it with --engine formulas or --engine libreoffice"
            )
        else:
            notes.append(
                "the file holds no saved values (written by openpyxl or a similar library?): "
                f"the {recalculation.engine} engine's recalculation decided"
            )
        findings = {t.sheet: [f for f in [compare.still_empty(t, book), compare.not_formulas(t, book)] if f] for t in tables}
        recalculated = recalculation.values(book, wanted)
        if recalculated is not None:
            checks[recalculation.engine] = recalculated
    # An unfinished table (empty columns) gets that one finding: its values are not worth comparing yet.
    finished = [t for t in tables if not any(f.mistake_key == compare.UNFINISHED for f in findings[t.sheet])]
    for check, values in checks.items():
        for table, found in zip(finished, _value_checks(finished, check, values, book, rtol, atol)):
            findings[table.sheet] += found
    first = next(iter(checks.values()))
    reports = tuple(_table_report(t, tuple(checks), findings[t.sheet], first) for t in tables)
    return Report(str(path), recalculation.engine, rtol, atol, reports, tuple(notes))


def _table_report(table: Table, checks: tuple[str, ...], findings: list[Finding], saved: dict) -> TableReport:
    return TableReport(
        sheet=table.sheet,
        header_row=table.header_row,
        first_row=table.first_row,
        last_row=table.last_row,
        eta_cell=table.eta.address(),
        eta=cells.number(saved.get(cells.key(table.eta))),
        cells=(table.last_row - table.first_row + 1) * len(compare.present(table)),
        checks=("structure", *checks),
        findings=tuple(findings),
        recognised=table.describe(),
        unchecked=tuple(table.not_checked()),
    )


def _find_tables(path: Path, book: Book) -> list[Table]:
    """verify.detect.find_tables(), with the file named in its error."""
    try:
        return detect.find_tables(book)
    except WorkbookError as exc:
        raise WorkbookError(f"{exc} (in {path})") from None


def _value_checks(
    tables: list[Table], check: str, values: dict[CellKey, Value], book: Book, rtol: float, atol: float
) -> list[list[Finding]]:
    """One check (saved values, or an engine's) of every table: its root causes, [] when it passes."""
    starts = [expected.start(t, values) for t in tables]
    good = [s for s in starts if isinstance(s, expected.Start)]
    columns = iter(expected.expected(good))
    results: list[list[Finding]] = []
    for table, start in zip(tables, starts):
        if isinstance(start, expected.BadInput):
            results.append([compare.bad_input(table, check, start)])
            continue
        results.append(
            compare.root_causes(table, check, start, next(columns), values, book, rtol=rtol, atol=atol)
        )
    return results
