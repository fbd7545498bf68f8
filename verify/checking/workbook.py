"""check_workbook(): the whole verification of one workbook, as a Report.

1. the file is checked for size (a zip bomb) and read (verify/reading/book.py); an .ods or .xls is
   converted to xlsx by LibreOffice first;
2. verify.tables.layered_tables.find_tables() recognises a general network's workbook (a template with `layers`) and
   rebuilds its network; any other workbook is the classic network's, and verify.tables.classic_tables.find_tables()
   says where each table, its η and its inputs are;
3. structure: every computed cell holds a formula;
4. saved values against the reference computed from the saved inputs, initial weights and η
   (skipped, with a note, for a file saved without values: the engine decides);
5. recalculated values (LibreOffice or `formulas`) against the reference computed from the
   recalculated inputs, initial weights and η.

Each check of each table reports its root causes: the first wrong cell in dependency order, and
every other column that is wrong given its own inputs (verify/checking/classic_checks.py for the classic network,
verify/checking/layered_checks.py for a general one).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from network.errors import WorkbookError
from verify.reading import cells
from verify.checking import classic_checks
from verify.tables import classic_tables
from verify.engines.recalculation import Recalculation
from verify.checking import expected
from verify.reading import gcpause
from verify.tables import layered_tables
from verify.checking import layered_checks
from verify.reading import opening
from verify.reading.book import Book
from verify.reading.cells import CellKey, Value
from verify.reports.report import Finding, Report, TableReport
from verify.reading.table import Table

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
    with opening.as_xlsx(path) as (xlsx, note), gcpause.paused():  # a million small containers, no cycles among them
        report = _check_xlsx(xlsx, engine=engine, rtol=rtol, atol=atol, recalculated=recalculated)
    if note is None:
        return report
    return replace(report, file=str(path), notes=(note, *report.notes))


def _check_xlsx(path: Path, *, engine: str, rtol: float, atol: float, recalculated: Path | None) -> Report:
    path = opening.check_archive(path)
    notes = []
    # LibreOffice (if it is the engine) starts now and recalculates while the rest is read.
    with Recalculation(engine, path, recalculated=recalculated) as recalculation:
        book = opening.load(path)
        kind = _find_tables(path, book)
        tables = kind.tables
        wanted = [cell for table in tables for cell in cells.table_cells(table)]
        recalculation.start(book, wanted)  # the formulas engine: a big workbook recalculates while the rest is checked
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
        findings = {t.sheet: kind.structure(t, book) for t in tables}
        # An unfinished table (empty columns) gets that one finding: its values are not worth comparing yet.
        finished = [t for t in tables if not any(f.mistake_key == classic_checks.UNFINISHED for f in findings[t.sheet])]
        for check, values in checks.items():  # the saved values, while the engine recalculates
            _add_value_findings(findings, kind, finished, check, values, book, rtol, atol)
        recalculated = recalculation.values(book, wanted)
        if recalculated is not None:
            checks[recalculation.engine] = recalculated
            _add_value_findings(findings, kind, finished, recalculation.engine, recalculated, book, rtol, atol)
    first = next(iter(checks.values()))
    reports = tuple(_table_report(kind, t, tuple(checks), findings[t.sheet], first) for t in tables)
    return Report(str(path), recalculation.engine, rtol, atol, reports, tuple(notes))


def _add_value_findings(findings: dict[str, list[Finding]], kind: _Classic | layered_checks.GeneralChecks,
                        tables: list[Table], check: str, values: dict[CellKey, Value], book: Book, rtol: float,
                        atol: float) -> None:
    """One check (saved values, or an engine's) of every table: its root causes added to the table's findings."""
    for table, found in zip(tables, kind.values(tables, check, values, book, rtol, atol)):
        findings[table.sheet] += found


def _table_report(kind: _Classic | layered_checks.GeneralChecks, table: Table, checks: tuple[str, ...],
                  findings: list[Finding], saved: dict) -> TableReport:
    return TableReport(
        sheet=table.sheet,
        header_row=table.header_row,
        first_row=table.first_row,
        last_row=table.last_row,
        eta_cell=table.eta.address(),
        eta=cells.number(saved.get(cells.key(table.eta))),
        cells=kind.cells(table),
        checks=("structure", *checks),
        findings=tuple(findings),
        recognised=kind.describe(table),
        unchecked=tuple(table.not_checked()),
    )


def _find_tables(path: Path, book: Book) -> _Classic | layered_checks.GeneralChecks:
    """The workbook's tables with how to check them: a general network's (verify/tables/layered_tables.py), else the classic
    network's (verify/tables/classic_tables.py); WorkbookError, naming the file, when there is none or one lacks something."""
    try:
        found = layered_tables.find_tables(book)
        return layered_checks.GeneralChecks(found) if found is not None else _Classic(classic_tables.find_tables(book))
    except WorkbookError as exc:
        raise WorkbookError(f"{exc} (in {path})") from None


class _Classic:
    """The checks of the classic network's tables, generated or hand-built (verify/checking/classic_checks.py, mistakes.py);
    verify/checking/layered_checks.py's GeneralChecks has the same methods for a general network."""

    def __init__(self, tables: list[Table]):
        self.tables = tables
        # The saved values and the engine nearly always start the same: the reference is trained once for both.
        self.references: dict[tuple, list] = {}

    def structure(self, table: Table, book: Book) -> list[Finding]:
        return [f for f in [classic_checks.still_empty(table, book), classic_checks.not_formulas(table, book)] if f]

    def values(self, tables: list[Table], check: str, values: dict[CellKey, Value], book: Book, rtol: float,
               atol: float) -> list[list[Finding]]:
        return _value_checks(tables, check, values, book, rtol, atol, self.references)

    def cells(self, table: Table) -> int:
        """The cells compared per check."""
        return (table.last_row - table.first_row + 1) * len(classic_checks.present(table))

    def describe(self, table: Table) -> str:
        return table.describe()


def _value_checks(
    tables: list[Table], check: str, values: dict[CellKey, Value], book: Book, rtol: float, atol: float,
    references: dict[tuple, list],
) -> list[list[Finding]]:
    """One check (saved values, or an engine's) of every table: its root causes, [] when it passes.

    `references`: the reference of each list of starts already trained, by those starts.
    """
    starts = [expected.start(t, values) for t in tables]
    good = tuple(s for s in starts if isinstance(s, expected.Start))
    if good not in references:
        references[good] = expected.expected(list(good))
    columns = iter(references[good])
    results: list[list[Finding]] = []
    for table, start in zip(tables, starts):
        if isinstance(start, expected.BadInput):
            results.append([classic_checks.bad_input(table, check, start)])
            continue
        results.append(
            classic_checks.root_causes(table, check, start, next(columns), values, book, rtol=rtol, atol=atol)
        )
    return results
