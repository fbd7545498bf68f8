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


def structure(table: Table, book: Book) -> tuple[list[Finding], str]:
    """The table's structure findings (unfinished: empty cells; typed-in values where formulas belong), and its
    coverage() line."""
    computed = computed_cells(table)
    not_formula = [(cell, q, i) for cell, q, i in computed if book.formula(cell) is None]
    empty = [(cell, q, i) for cell, q, i in not_formula if _empty(book, cell)]
    typed = [(cell, q, i) for cell, q, i in not_formula if not _empty(book, cell)]
    findings = [still_empty(table, book, empty), _structure_finding(table, book, "not a formula", typed) if typed else None]
    return [f for f in findings if f], coverage(table, empty)


def computed_cells(table: Table) -> list[tuple[CellKey, str, int]]:
    """(cell, column name, iteration) of every cell that must hold a formula, row by row, each row in the
    sheet's order of the network's columns."""
    names = [c.header for c in table.net.columns() if c.kind is not Kind.ITERATION and c.header in table.columns]
    own_start = {q for q in names if table.starts.get(q) == CellRef(*table.cell(q, 0))}
    by_column = [table.column_cells(q) for q in names]
    return [
        (cell, q, i)
        for i, row in enumerate(zip(*by_column))
        for q, cell in zip(names, row)
        if cell is not None and not (i == 0 and q in own_start)
    ]


def still_empty(table: Table, book: Book, found: list[tuple[CellKey, str, int]]) -> Finding | None:
    """An unfinished table (an exercise): its empty computed cells (`found`), the columns they are in named. A last
    row that holds only the updated weights (the weights after the last iteration) is not unfinished."""
    if not found or _only_weights_in_last_row(table, found):
        return None
    if not found:
        return None
    columns = list(dict.fromkeys(table.headers.get(q, q) for _, q, _ in found))
    listed = ", ".join(columns[:MAX_LISTED]) + (f" and {len(columns) - MAX_LISTED} more" if len(columns) > MAX_LISTED else "")
    mistake = f"unfinished: {len(columns)} column{'s' if len(columns) != 1 else ''} still empty ({listed})"
    return _structure_finding(table, book, "empty", found, mistake=mistake, mistake_key=UNFINISHED)


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


def coverage(table: Table, empty: list[tuple[CellKey, str, int]]) -> str:
    """What the value checks could judge, when the table has `empty` computed cells: "checked: iterations 0–0 of
    1; not filled: iteration 1's h1, a_h1, ... (it holds only the updated weights)"; "" for a complete table."""
    if not empty:
        return ""
    last = table.iterations
    first_gap = min(i for _, _, i in empty)
    checked = f"iterations 0–{first_gap - 1} of {last}" if first_gap else "the filled cells whose inputs are filled"
    columns = list(dict.fromkeys(table.headers.get(q, q) for _, q, _ in empty))
    listed = ", ".join(columns[:MAX_LISTED]) + (f" and {len(columns) - MAX_LISTED} more" if len(columns) > MAX_LISTED else "")
    if _only_weights_in_last_row(table, empty):
        gap = f"iteration {last}'s {listed} (it holds only the updated weights, which are checked)"
    else:
        rows = sorted({i for _, _, i in empty})
        span = f"iteration {rows[0]}" if len(rows) == 1 else f"iterations {rows[0]}–{rows[-1]}"
        gap = f"{len(empty):,} cells of {span} in {listed}"
    return f"checked: {checked}; not filled: {gap}"


def _only_weights_in_last_row(table: Table, empty: list[tuple[CellKey, str, int]]) -> bool:
    """The empty cells are the last row's, every column but the weights and biases (filled): the weights after the
    last iteration, nothing more to compute in that row."""
    last = table.iterations
    if not empty or last == 0 or any(i != last for _, _, i in empty):
        return False
    kinds = {c.header: c.kind for c in table.net.columns()}
    return all(kinds.get(q) not in (Kind.WEIGHT, Kind.BIAS) for _, q, _ in empty)
