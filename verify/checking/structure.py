"""The structure check of a table: formulas where formulas belong; an unfinished table; a starting number
that is not a number.

Every cell of every computed column of the table must hold a formula, but for the first row of a column that
holds its own starting number (a classic sheet's initial weights may be typed in); empty ones make the table
unfinished (an exercise not done yet).
"""

from __future__ import annotations

from network import Kind
from verify.checking.starts import BadInput
from verify.reading import cells
from verify.reading.book import Book
from verify.reading.cells import CellKey
from verify.reading.table import CellRef, Table
from verify.reports.report import Finding

UNFINISHED = "unfinished"  # the mistake key of a table with empty computed columns (an exercise not done yet)
MAX_LISTED = 6  # the empty columns a finding names before "and N more"


def structure(table: Table, book: Book) -> list[Finding]:
    """The table's structure findings: unfinished (empty cells), and typed-in values where formulas belong."""
    computed = computed_cells(table)
    return [f for f in (still_empty(table, book, computed), not_formulas(table, book, computed)) if f]


def computed_cells(table: Table) -> list[tuple[CellKey, str, int]]:
    """(cell, column name, iteration) of every cell that must hold a formula, row by row, each row in the
    sheet's order of the network's columns."""
    names = [c.header for c in table.net.columns() if c.kind is not Kind.ITERATION and c.header in table.columns]
    own_start = {q for q in names if table.starts.get(q) == CellRef(table.sheet, table.first_row, table.columns[q])}
    return [
        ((table.sheet, row, table.columns[q]), q, i)
        for i, row in enumerate(range(table.first_row, table.last_row + 1))
        for q in names
        if not (i == 0 and q in own_start)
    ]


def still_empty(table: Table, book: Book, computed: list[tuple[CellKey, str, int]]) -> Finding | None:
    """An unfinished table (an exercise): its empty computed cells, the columns they are in named."""
    found = [(cell, q, i) for cell, q, i in computed if book.formula(cell) is None and _empty(book, cell)]
    if not found:
        return None
    columns = list(dict.fromkeys(table.headers.get(q, q) for _, q, _ in found))
    listed = ", ".join(columns[:MAX_LISTED]) + (f" and {len(columns) - MAX_LISTED} more" if len(columns) > MAX_LISTED else "")
    mistake = f"unfinished: {len(columns)} column{'s' if len(columns) != 1 else ''} still empty ({listed})"
    return _structure_finding(table, book, "empty", found, mistake=mistake, mistake_key=UNFINISHED)


def not_formulas(table: Table, book: Book, computed: list[tuple[CellKey, str, int]]) -> Finding | None:
    """The first computed cell that holds a typed-in value instead of a formula (empty cells: still_empty())."""
    found = [(cell, q, i) for cell, q, i in computed if book.formula(cell) is None and not _empty(book, cell)]
    return _structure_finding(table, book, "not a formula", found) if found else None


def bad_input(table: Table, check: str, bad: BadInput) -> Finding:
    """A finding for a starting value (input, initial weight, η) that is not a number."""
    in_table = bad.cell[0] == table.sheet and bad.cell[2] in table.columns.values() and bad.cell[1] >= table.first_row
    label = table.eta_label if bad.quantity == "η" else None
    return Finding(
        check=check,
        kind="error value" if cells.is_error(bad.value) else "bad input",
        cell=cells.address(bad.cell),
        quantity=bad.quantity,
        header=label or table.headers.get(bad.quantity, bad.quantity),
        iteration=bad.cell[1] - table.first_row if in_table else None,
        formula=None,
        expected=None,
        actual=bad.value,
    )


def _structure_finding(
    table: Table, book: Book, kind: str, found: list[tuple[CellKey, str, int]], **mistake: str
) -> Finding:
    """The structure check's finding for the first of `found` (cell, quantity, iteration), counting the rest."""
    cell, q, i = found[0]
    value = book.sheets[cell[0]].value(cell[1], cell[2])
    return Finding(
        check="structure", kind=kind, cell=cells.address(cell), quantity=q, header=table.headers.get(q, q),
        iteration=i, formula=None, expected=None, actual=None if value == "" else value, others=len(found) - 1,
        **mistake,
    )


def _empty(book: Book, cell: CellKey) -> bool:
    return book.sheets[cell[0]].value(cell[1], cell[2]) in (None, "")
