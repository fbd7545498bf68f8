"""find_tables(): every backprop table of a workbook, as the one table model (verify/reading/table.py).

Classic or general is decided here, once: a workbook whose header row names a general network's quantities
(`z_1_1[e1]`, `δ_2_1[e1]`, ...) is a general network's (verify/tables/layered_tables.py, rebuilt from its
defined name network_description); a hand-built table of another shape than 2-2-2, written with the classic
names (w1..w12, h1..h4, ...), is the general network its header and formulas give (verify/tables/shaped_tables.py);
any other is the classic network's, generated or hand-built, in columns under a header row
(verify/tables/classic_tables.py: one or several tables per sheet) or down a column, one iteration per sheet
(verify/tables/vertical_tables.py). What looks like a table but could not be read is named in the WorkbookError
raised when nothing at all could be checked.
"""

from __future__ import annotations

from network.errors import WorkbookError
from verify.reading.book import Book
from verify.reading.table import Table
from verify.tables import classic_tables, layered_tables, shaped_tables, vertical_tables


def find_tables(book: Book) -> list[Table]:
    """Every table in `book`, in sheet order; WorkbookError when there is none, or when one lacks something."""
    return tables_and_unread(book)[0]


def tables_and_unread(book: Book) -> tuple[list[Table], list[str]]:
    """find_tables(), and a sentence for each part of a sheet that looks like a table but could not be read (the
    report lists them as notes: never passed over in silence)."""
    found = layered_tables.find_tables(book)
    if found is not None:
        return found, []
    shaped, unread, claimed = shaped_tables.find_tables(book)
    vertical, unread_vertical = vertical_tables.find_tables(book)
    unread += unread_vertical
    try:
        tables, unread_classic = classic_tables.tables_and_unread(book, skip=frozenset(claimed))
        unread += unread_classic
    except WorkbookError as exc:
        if not (shaped or vertical):
            if unread:
                raise WorkbookError("; ".join(unread)) from None
            raise
        tables = []
        if str(exc) != classic_tables.NO_TABLE:
            unread.append(str(exc))  # a classic table that lacks something, beside the tables of other layouts
    order = {title: k for k, title in enumerate(book.sheets)}
    return sorted(tables + shaped + vertical, key=lambda t: (order[t.sheet], t.header_row)), unread
