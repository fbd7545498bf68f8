"""check_workbook(): the whole verification of one workbook, as a Report.

1. the file is checked for size (a zip bomb) and read (verify/reading/book.py); an .ods or .xls is
   converted to xlsx by LibreOffice first;
2. verify.tables.find.find_tables() says where each table, its η and its starting numbers are, and which
   network it trains (a general network's, rebuilt from its workbook, or the classic network);
3. structure: every computed cell holds a formula (verify/checking/structure.py);
4. saved values against the reference computed from the saved inputs, initial weights and η
   (skipped, with a note, for a file saved without values: the engine decides), at the precision the file
   stores (verify/naming/tolerance.py: an app that exports 10 significant digits, with a note);
5. recalculated values (LibreOffice or `formulas`) against the reference computed from the
   recalculated inputs, initial weights and η.

Each check of each table reports its root causes: the first wrong cell in dependency order, and
every other column that is wrong given its own inputs (verify/checking/root_causes.py, the same for every network).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from network.errors import WorkbookError
from verify.checking import starts
from verify.checking.root_causes import compared, root_causes
from verify.checking.structure import bad_input, structure
from verify.engines.recalculation import Recalculation, resolve
from verify.naming.tolerance import DEFAULT_ATOL, DEFAULT_RTOL, FULL_PRECISION, stored_digits
from verify.reading import cells, gcpause, opening
from verify.reading.book import Book
from verify.reading.cells import CellKey, Value
from verify.reading.table import Table
from verify.reports.report import Finding, Report, TableReport
from verify.tables.find import tables_and_unread

__all__ = ["DEFAULT_ATOL", "DEFAULT_RTOL", "check_workbook"]


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
    # An .ods or .xls: LibreOffice recalculates it as it converts it to xlsx, so with the libreoffice engine that
    # conversion is the recalculation too, made here or beforehand (`recalculated`, a class run's): one start.
    with opening.as_xlsx(path, converted=recalculated) as (xlsx, note), gcpause.paused():  # no cycles: no gc
        if note is not None and resolve(engine) == "libreoffice":
            recalculated = xlsx
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
        tables, unread = _find_tables(path, book)
        notes += [f"not checked: {part}" for part in unread]
        wanted = [cell for table in tables for cell in cells.table_cells(table)]
        recalculation.start(book, wanted)  # the formulas engine: a big workbook recalculates while the rest is checked
        checks = {}
        if book.has_saved_values:
            checks["saved values"] = cells.read_values(book, wanted)
            digits = stored_digits(checks["saved values"].values())
            if digits < FULL_PRECISION:
                notes.append(f"the saved values carry {digits} significant digits: they are compared at that precision")
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
        structures = {_key(t): structure(t, book) for t in tables}  # several tables may share a sheet
        findings = {key: found for key, (found, _) in structures.items()}
        # An unfinished table's filled cells are compared too (root_causes.judgeable: not those that read an empty one).
        # The saved values and the engine nearly always start the same: the reference is trained once for both.
        references: dict[tuple, list] = {}
        for check, values in checks.items():  # the saved values, while the engine recalculates
            _add_value_findings(findings, tables, check, values, book, rtol, atol, references)
        recalculated = recalculation.values(book, wanted)
        if recalculated is not None:
            checks[recalculation.engine] = recalculated
            _add_value_findings(findings, tables, recalculation.engine, recalculated, book, rtol, atol, references)
    first = next(iter(checks.values()))
    reports = tuple(_table_report(t, tuple(checks), findings[_key(t)], first, structures[_key(t)][1]) for t in tables)
    return Report(str(path), recalculation.engine, rtol, atol, reports, tuple(notes))


def _add_value_findings(findings: dict[tuple[str, int], list[Finding]], tables: list[Table], check: str,
                        values: dict[CellKey, Value], book: Book, rtol: float, atol: float,
                        references: dict[tuple, list]) -> None:
    """One check (saved values, or an engine's) of every table: its root causes added to the table's findings.

    `references`: the reference of each list of starts already trained, by those starts."""
    digits = stored_digits(values.values())  # a file exported with fewer digits is compared at its precision
    found = [starts.start(t, values) for t in tables]
    good = tuple(s for s in found if isinstance(s, starts.Start))
    if good not in references:
        references[good] = starts.expected(list(good))
    columns = iter(references[good])
    for table, start in zip(tables, found):
        if isinstance(start, starts.BadInput):
            findings[_key(table)].append(bad_input(table, check, start))
        else:
            findings[_key(table)] += root_causes(table, check, start, next(columns), values, book, rtol=rtol, atol=atol,
                                                  digits=digits)


def _table_report(table: Table, checks: tuple[str, ...], findings: list[Finding], saved: dict, coverage: str) -> TableReport:
    return TableReport(
        sheet=table.sheet,
        header_row=table.header_row,
        first_row=table.first_row,
        last_row=table.last_row,
        eta_cell=table.eta.address(),
        eta=cells.number(saved.get(cells.key(table.eta))),
        cells=(table.iterations + 1) * len(compared(table)),  # compared per check
        checks=("structure", *checks),
        findings=tuple(findings),
        recognised=table.describe(),
        unchecked=tuple(table.not_checked()),
        coverage=coverage,
    )


def _key(table: Table) -> tuple[str, int]:
    """A table's identity: its sheet and header row (tables stacked on one sheet)."""
    return table.sheet, table.header_row


def _find_tables(path: Path, book: Book) -> tuple[list[Table], list[str]]:
    """The workbook's tables and what looks like a table but could not be read (verify/tables/find.py);
    WorkbookError, naming the file, when there is none or one lacks something."""
    try:
        return tables_and_unread(book)
    except WorkbookError as exc:
        raise WorkbookError(f"{exc} (in {path})") from None
