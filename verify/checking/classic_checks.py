"""The checks on one table: formulas where formulas belong, and values against the reference.

Cells are visited in dependency order, row by row: within a row the inputs, then
w -> h -> a_h -> o -> a_o -> E -> ∂E/∂a_h -> ∂E/∂w, then the next row's weights. The first cell
that is wrong there is a root cause; so is every other wrong column that is wrong even given its
own inputs as the sheet holds them (a second, independent mistake). Everything downstream of
them differs too, and is only counted.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Mapping

import numpy as np

from verify.reading import cells
from verify.naming import mistakes
from verify.reading.book import Book
from verify.reading.cells import CellKey, Value
from verify.checking.expected import BIASES, INPUTS, BadInput, Start
from verify.naming.reference import WEIGHTS
from verify.reports.report import Finding
from verify.reading.table import Table

DERIVATIVES = ("∂E_total/∂a_h1", "∂E_total/∂a_h2", *(f"∂E_total/∂{w}" for w in WEIGHTS))
FORWARD = ("h1", "h2", "a_h1", "a_h2", "o1", "o2", "a_o1", "a_o2", "E1", "E2", "E_total")
COMPUTED = WEIGHTS + FORWARD + DERIVATIVES  # columns that must hold formulas (weights after row 0)
ORDER = INPUTS + BIASES + COMPUTED  # dependency order within a row
UNFINISHED = "unfinished"  # the mistake key of a table with empty computed columns (an exercise not done yet)
MAX_LISTED = 6  # the empty columns a finding names before "and N more"


def still_empty(table: Table, book: Book, computed: list[tuple[CellKey, str, int]] | None = None) -> Finding | None:
    """An unfinished table (an exercise): its empty computed cells, the columns they are in named.

    `computed`: (cell, quantity, iteration) of every cell that must hold a formula, row by row; by default the
    classic table's (a general network's come from verify/checking/layered_checks.py)."""
    cells_ = _computed_cells(table) if computed is None else computed
    found = [(cell, q, i) for cell, q, i in cells_ if book.formula(cell) is None and _empty(book, cell)]
    if not found:
        return None
    columns = list(dict.fromkeys(table.headers.get(q, q) for _, q, _ in found))
    listed = ", ".join(columns[:MAX_LISTED]) + (f" and {len(columns) - MAX_LISTED} more" if len(columns) > MAX_LISTED else "")
    mistake = f"unfinished: {len(columns)} column{'s' if len(columns) != 1 else ''} still empty ({listed})"
    return _structure_finding(table, book, "empty", found, mistake=mistake, mistake_key=UNFINISHED)


def not_formulas(table: Table, book: Book, computed: list[tuple[CellKey, str, int]] | None = None) -> Finding | None:
    """The first computed cell that holds a typed-in value instead of a formula (empty cells: still_empty());
    `computed` as for still_empty()."""
    cells_ = _computed_cells(table) if computed is None else computed
    found = [(cell, q, i) for cell, q, i in cells_ if book.formula(cell) is None and not _empty(book, cell)]
    return _structure_finding(table, book, "not a formula", found) if found else None


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


def root_causes(
    table: Table,
    check: str,
    start: Start,
    expected: Mapping[str, np.ndarray],
    values: Mapping[CellKey, Value],
    book: Book,
    *,
    rtol: float,
    atol: float,
) -> list[Finding]:
    """Every independent root cause among the table's values (saved or recalculated), in
    dependency order; [] when all agree with the reference.

    The first is the first wrong cell in dependency order. Each other wrong column counts when
    it is wrong even given its own inputs as the sheet holds them (mistakes.root_causes()), so
    a wrong column downstream of another mistake is not reported, an independent one is.
    """
    quantities = present(table, ORDER)
    rows = range(table.first_row, table.last_row + 1)
    raw = [[values.get((table.sheet, row, table.columns[q])) for q in quantities] for row in rows]
    actual = np.array([[_float(v) for v in line] for line in raw], dtype=float)
    want = np.column_stack([expected[q] for q in quantities])
    with np.errstate(invalid="ignore"):
        close = np.abs(actual - want) <= np.maximum(atol, rtol * np.maximum(np.abs(actual), np.abs(want)))
    wrong = ~close
    flat = np.flatnonzero(wrong)  # row-major: row by row, columns in dependency order
    if flat.size == 0:
        return []
    first_i, first_j = divmod(int(flat[0]), len(quantities))
    columns = {name: actual[:, k] for k, name in enumerate(quantities)}
    suspects = [q for k, q in enumerate(quantities) if wrong[:, k].any()]
    causes = mistakes.root_causes(columns, start.inputs, start.eta, suspects, rtol=rtol, atol=atol)
    for k, q in enumerate(quantities):  # inputs typed into columns have no formula to recompute
        if q in INPUTS + BIASES and wrong[:, k].any():
            i = int(np.argmax(wrong[:, k]))
            causes[q] = (i, float(want[i, k]))
    causes[quantities[first_j]] = (first_i, float(want[first_i, first_j]))
    ordered = sorted(causes.items(), key=lambda item: (item[1][0], quantities.index(item[0])))
    findings = []
    for n, (q, (i, should)) in enumerate(ordered):
        j = quantities.index(q)
        cell = (table.sheet, table.first_row + i, table.columns[q])
        finding = Finding(
            check=check,
            kind="error value" if cells.is_error(raw[i][j]) else "mismatch",
            cell=cells.address(cell),
            quantity=q,
            header=table.headers.get(q, q),
            iteration=i,
            formula=book.formula(cell),
            expected=should,
            actual=raw[i][j],
            # the first finding counts every other wrong cell of the table, the others their column's
            others=int(flat.size) - 1 if n == 0 else int(wrong[i + 1 :, j].sum()),
        )
        named = _name_mistake(table, q, i, quantities, actual, start, values, book, rtol=rtol, atol=atol)
        findings.append(replace(finding, mistake=named.sentence, mistake_key=named.key) if named else finding)
    return findings


def _name_mistake(
    table: Table,
    q: str,
    i: int,
    quantities: list[str],
    actual: np.ndarray,
    start: Start,
    values: Mapping[CellKey, Value],
    book: Book,
    *,
    rtol: float,
    atol: float,
) -> mistakes.Named | None:
    """Ask the catalogue (verify/naming/mistakes.py) which known mistake makes column `q` wrong from row i."""
    rows = range(table.first_row, table.last_row + 1)
    initial = {
        w: v
        for w in WEIGHTS
        if w in table.scalars and (v := cells.number(values.get(cells.key(table.scalars[w])))) is not None
    }
    return mistakes.identify(
        table,
        q,
        i,
        {name: actual[:, k] for k, name in enumerate(quantities)},
        start.inputs,
        start.eta,
        formulas={name: [book.formula((table.sheet, r, table.columns[name])) for r in rows] for name in quantities},
        initial_weights=initial or None,
        rtol=rtol,
        atol=atol,
    )


def _computed_cells(table: Table) -> list[tuple[CellKey, str, int]]:
    """(cell, quantity, iteration) of every cell that must hold a formula, row by row (initial weights may be typed)."""
    return [
        ((table.sheet, row, table.columns[q]), q, i)
        for i, row in enumerate(range(table.first_row, table.last_row + 1))
        for q in present(table, COMPUTED)
        if not (i == 0 and q in WEIGHTS)
    ]


def _empty(book: Book, cell: CellKey) -> bool:
    return book.sheets[cell[0]].value(cell[1], cell[2]) in (None, "")


def present(table: Table, quantities: tuple[str, ...] = ORDER) -> list[str]:
    """The quantities of `quantities` that the table has a column for, in that order."""
    return [q for q in quantities if q in table.columns]


def _float(value: Value) -> float:
    x = cells.number(value)
    return np.nan if x is None else x
