"""Vertical tables: the classic network worked out down a column, one iteration per sheet (Matt Mazur's layout).

Quantities are labelled down one column (`i1`, `target o1`, `learning rate`, `w1`, `net_h1`, `out_h1`, ...,
`E_total`, `∂E_total/∂w5`, ...; the header vocabulary of verify/tables/vocabulary.py) with each value in the
column to the right of its label. A sheet holds one iteration: the weights (typed in, or taken from the previous
sheet's updated weights, `='iter 1'!E38`), the forward pass, the gradients, and the updated weights, which are
recognised by their formulas (the cell that reads a weight and its gradient: `=E14-E8*E29`, labelled or not).
Each such sheet is one table of the one table model (verify/reading/table.py): iteration 0 is the sheet's
weights and everything computed from them, iteration 1 holds only the updated weights (Table.placed). The
sheets are checked one by one, each from its own weights, so a mistake on one sheet is named there and the
sheets after it are judged on what they were given.

A column labelled like a vertical table that cannot be read (no η, no updated weights) is named in the
WorkbookError find.py raises when no table at all was found.
"""

from __future__ import annotations

import re

from network import Kind
from verify.naming.recompute import columns_of
from verify.reading.book import Book, Sheet
from verify.reading.refs import column_letter, column_number
from verify.reading.table import CLASSIC, CellRef, Table
from verify.tables import vocabulary
from verify.tables.scan import SCAN_ROWS, filled

WEIGHTS = tuple(c.header for c in CLASSIC.columns() if c.kind is Kind.WEIGHT)
EXAMPLE = ("i1", "i2", "t1", "t2")
BIASES = ("b1", "b2")
MIN_QUANTITIES = 8  # labels naming computed quantities (h1, a_h1, ..., ∂E/∂w1, ...), besides the eight weights
SCAN_COLS = 30

_REF = re.compile(r"(?<![\w.!'])\$?([A-Z]{1,3})\$?(\d+)(?![\w(!])")


def find_tables(book: Book) -> tuple[list[Table], list[str]]:
    """The vertical tables of `book`, sheet by sheet, and what could not be read of sheets that look like one."""
    tables, problems = [], []
    for ws in book.sheets.values():
        found = _labels(ws)
        if found is None:
            continue
        col, rows, texts = found
        table = _read(ws, col, rows, texts)
        if isinstance(table, str):
            problems.append(f"sheet '{ws.title}' looks like a vertical table (labels in column {column_letter(col)}) "
                            f"but {table}")
        else:
            tables.append(table)
    return tables, problems


def _labels(ws: Sheet) -> tuple[int, dict[str, int], dict[str, str]] | None:
    """(label column, quantity -> its row, quantity -> its label) of the column that labels the most quantities
    with a value beside them, when it names the eight weights and enough else."""
    grid = {(row, col): value for row, col, value in ws.cells(SCAN_ROWS, SCAN_COLS)}
    by_col: dict[int, tuple[dict[str, int], dict[str, str]]] = {}
    for (row, col), text in sorted(grid.items(), key=lambda item: (item[0][1], item[0][0])):
        if not isinstance(text, str) or text.startswith("=") or not filled(grid.get((row, col + 1))):
            continue
        q = "η" if vocabulary.is_eta_label(text) else vocabulary.quantity(text)
        rows, texts = by_col.setdefault(col, ({}, {}))
        if q is not None and q not in rows:
            rows[q], texts[q] = row, text
    if not by_col:
        return None
    col, (rows, texts) = max(by_col.items(), key=lambda item: len(item[1][0]))
    computed = [q for q in columns_of(CLASSIC) if q in rows and q not in WEIGHTS]
    if not all(w in rows for w in WEIGHTS) or len(computed) < MIN_QUANTITIES:
        return None  # a Network sheet's labelled inputs and weights are no table
    return col, rows, texts


def _read(ws: Sheet, label_col: int, rows: dict[str, int], texts: dict[str, str]) -> Table | str:
    """The sheet's table, or what it lacks (a sentence)."""
    col = label_col + 1
    computed = [q for q in columns_of(CLASSIC) if q in rows]
    if not any(ws.formulas.get((rows[q], col)) for q in computed if q not in WEIGHTS):
        return f"column {column_letter(col)} holds no formulas to check"
    missing = [q for q in (*EXAMPLE, "η") if q not in rows]
    updated = _updated_weights(ws, col, rows)
    if missing:
        return f"has no cell labelled {', '.join(missing)}"
    if len(updated) < len(WEIGHTS):
        lacking = [w for w in WEIGHTS if w not in updated]
        return f"no formula updates {', '.join(lacking)} (a cell reading the weight and its gradient)"
    placed = {q: ((rows[q], col), None) for q in computed if q not in WEIGHTS}
    placed |= {w: ((rows[w], col), (updated[w], col)) for w in WEIGHTS}
    scalars = {q: CellRef(ws.title, rows[q], col) for q in (*EXAMPLE, *BIASES) if q in rows}
    starts = scalars | {w: CellRef(ws.title, rows[w], col) for w in WEIGHTS}
    every = [r for at in placed.values() for cell in at if cell for r in cell[:1]]
    return Table(
        sheet=ws.title,
        header_row=min(rows.values()),
        first_row=min(every),
        last_row=max(every),
        columns={q: col for q in placed},
        eta=CellRef(ws.title, rows["η"], col),
        scalars=scalars,
        headers={q: texts[q] for q in placed},
        eta_label=texts["η"],
        net=CLASSIC,
        starts=starts,
        placed=placed,
    )


def _updated_weights(ws: Sheet, col: int, rows: dict[str, int]) -> dict[str, int]:
    """w1..w8 -> the row of the cell in column `col` whose formula reads that weight and its gradient (same sheet)."""
    labelled = set(rows.values())
    reads = {
        row: {int(r) for c, r in _REF.findall(text.upper()) if column_number(c) == col}
        for (row, c), text in ws.formulas.items()
        if c == col and row not in labelled and "!" not in text
    }
    found = {}
    for w in WEIGHTS:
        grad = rows.get(f"∂E_total/∂{w}")
        hits = [row for row, refs in sorted(reads.items()) if grad is not None and {rows[w], grad} <= refs]
        if hits:
            found[w] = hits[0]
    return found
