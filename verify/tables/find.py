"""find_tables(): every backprop table of a workbook, as the one table model (verify/reading/table.py).

Classic or general is decided here, once: a workbook whose header row names a general network's quantities
(`z_1_1[e1]`, `δ_2_1[e1]`, ...) is a general network's (verify/tables/layered_tables.py, rebuilt from its
defined name network_description); any other is the classic network's, generated or hand-built
(verify/tables/classic_tables.py).
"""

from __future__ import annotations

from verify.reading.book import Book
from verify.reading.table import Table
from verify.tables import classic_tables, layered_tables


def find_tables(book: Book) -> list[Table]:
    """Every table in `book`; WorkbookError when there is none, or when one lacks something."""
    found = layered_tables.find_tables(book)
    return found if found is not None else classic_tables.find_tables(book)
