"""The classic 2-2-2 workbook, cell by cell, against its pinned output (tests/golden/*.json).

The pinned files were written by tests/golden/dump.py before the classic sheets' formulas, notation and saved
values came from the one network description (network/); every formula, constant, note and defined name must
be as it was, and every saved value bit for bit.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from golden.dump import CASES, dump, write_case

GOLDEN = Path(__file__).resolve().parent / "golden"


@pytest.mark.parametrize("case", CASES)
def test_the_classic_workbook_is_cell_for_cell_as_pinned(case, tmp_path):
    pinned = json.loads((GOLDEN / f"{case}.json").read_text("utf-8"))
    now = json.loads(json.dumps(dump(write_case(case, tmp_path)), ensure_ascii=False))  # tuples as lists
    assert now["names"] == pinned["names"]
    assert list(now["sheets"]) == list(pinned["sheets"])
    for sheet, cells in pinned["sheets"].items():
        differ = {cell: (pinned_cell, now["sheets"][sheet].get(cell))
                  for cell, pinned_cell in cells.items() if now["sheets"][sheet].get(cell) != pinned_cell}
        extra = sorted(set(now["sheets"][sheet]) - set(cells))
        assert (differ, extra) == ({}, []), f"sheet {sheet}"
