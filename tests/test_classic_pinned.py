"""The classic 2-2-2 workbook, cell by cell, against its pinned output (tests/golden/*.json, tests/golden/dump.py).

Every formula, constant, note, defined name, cell format and chart must be exactly as pinned; every saved value
within SAVED_VALUE_ULPS units in the last place. The saved values come from network/libm.py's exp, log and tanh,
which give the same last bit on every CPU (tests/test_reproducible.py), so any machine writes the pinned values
exactly; the few ulp of room are for a future libm or NumPy that rounds one operation differently. With NumPy's own
exp (its kernel chosen by CPU) a 1-ulp difference in a sigmoid grew to 8 ulp where the sheet subtracts nearly equal
numbers (E = ½(t − a)², δ = (a − t)·a·(1 − a)); the pinned values moved by at most 12 ulp (2.3e-15 relative, in
E1 = ½(t1 − a_o1)²) when libm replaced it, the same size as the difference between two CPUs' NumPy kernels.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from golden.dump import CASES, dump, write_case

GOLDEN = Path(__file__).resolve().parent / "golden"
SAVED_VALUE_ULPS = 4


def same_saved_value(pinned, now) -> bool:
    if isinstance(pinned, float) and isinstance(now, float) and math.isfinite(pinned):
        return abs(now - pinned) <= SAVED_VALUE_ULPS * math.ulp(pinned)
    return now == pinned and type(now) is type(pinned)


@pytest.mark.parametrize(
    "pinned, now, same",
    [
        (0.013699244962516488, 0.013699244962516474, False),  # 8 ulp: NumPy's baseline kernels before libm
        (1.0, 1.0 + 4 * math.ulp(1.0), True),
        (1.0, 1.0 + 5 * math.ulp(1.0), False),
        (0.5, 0.5 - 4 * math.ulp(0.5), True),
        (0.5, 0.5 - 5 * math.ulp(0.5), False),
        (1e-3, 1e-3 * (1 + 1e-14), False),  # a relative difference of 1e-14: 46 ulp at 0.001
        (1e-300, 2e-300, False),
        (0.0, 0.0, True),
        (1, 1.0, False),  # an integer the file holds as a number without a fraction: openpyxl reads an int
        ("0.5", 0.5, False),
        (None, 0.0, False),
    ],
)
def test_saved_values_compare_within_a_few_ulp(pinned, now, same):
    assert same_saved_value(pinned, now) is same


@pytest.fixture(scope="module")
def dumped(tmp_path_factory) -> dict[str, dict]:
    """Each case's workbook as written now, dumped as the golden files hold it: case -> dump."""
    folder = tmp_path_factory.mktemp("pinned")
    return {case: json.loads(json.dumps(dump(write_case(case, folder)), ensure_ascii=False)) for case in CASES}


def pinned(case: str) -> dict:
    return json.loads((GOLDEN / f"{case}.json").read_text("utf-8"))


@pytest.mark.parametrize("case", CASES)
def test_the_classic_workbook_is_cell_for_cell_as_pinned(case, dumped):
    was, now = pinned(case), dumped[case]
    assert now["names"] == was["names"]
    assert list(now["sheets"]) == list(was["sheets"])
    for sheet, cells in was["sheets"].items():
        differ = {}
        for cell, (content, saved, note, number) in cells.items():
            got = now["sheets"][sheet].get(cell)
            if got is None:
                differ[cell] = ("missing", content)
                continue
            if [got[0], got[2], now["formats"][got[3]]] != [content, note, was["formats"][number]]:
                differ[cell] = ([content, note, was["formats"][number]], [got[0], got[2], now["formats"][got[3]]])
            elif not same_saved_value(saved, got[1]):
                differ[cell] = (saved, got[1])
        extra = sorted(set(now["sheets"][sheet]) - set(cells))
        assert (differ, extra) == ({}, []), f"sheet {sheet}"


@pytest.mark.parametrize("case", CASES)
def test_the_classic_workbooks_charts_are_as_pinned(case, dumped):
    assert dumped[case]["charts"] == pinned(case)["charts"]
    assert dumped[case]["charts"], "a classic workbook has charts"
