"""What both table finders look at: the rows at the top of a sheet, and whether a cell holds a number or formula."""

from __future__ import annotations

SCAN_ROWS = 200  # header rows and labels are looked for in this many rows at the top of a sheet


def filled(value: object) -> bool:
    """A number or a formula (what a table cell or a labelled value holds)."""
    if isinstance(value, bool):
        return False
    return isinstance(value, (int, float)) or (isinstance(value, str) and value.startswith("="))
