"""find_tables(): every backprop table of a workbook, as the one table model (verify/reading/table.py).

Classic or general is decided here, once: a workbook whose header row names a general network's quantities
(`z_1_1[e1]`, `δ_2_1[e1]`, ...) is a general network's (verify/tables/layered_tables.py, rebuilt from its
defined name network_description); any other is the classic network's, generated or hand-built, in columns
under a header row (verify/tables/classic_tables.py: one or several tables per sheet) or down a column, one
iteration per sheet (verify/tables/vertical_tables.py).
"""

from __future__ import annotations

from network.errors import WorkbookError
from verify.reading.book import Book
from verify.reading.table import Table
from verify.tables import classic_tables, layered_tables, vertical_tables


def find_tables(book: Book) -> list[Table]:
    """Every table in `book`, in sheet order; WorkbookError when there is none, or when one lacks something."""
    found = layered_tables.find_tables(book)
    if found is not None:
        return found
    vertical, unread = vertical_tables.find_tables(book)
    try:
        tables = classic_tables.find_tables(book)
    except WorkbookError as exc:
        if vertical:
            return vertical
        raise WorkbookError("; ".join([*unread, str(exc)])) from None
    order = {title: k for k, title in enumerate(book.sheets)}
    return sorted(tables + vertical, key=lambda t: (order[t.sheet], t.header_row))
