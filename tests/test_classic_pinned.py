"""The classic 2-2-2 workbook, cell by cell, against its pinned output (tests/golden/*.json, tests/golden/dump.py).

Every formula, constant, note, defined name, cell format and chart must be exactly as pinned; every saved value
within SAVED_VALUE_ULPS units in the last place. Saved values are not compared bit for bit: NumPy picks its exp
kernel by CPU, and a 1-ulp difference in a sigmoid grows where the sheet subtracts nearly equal numbers
(E = ½(t − a)², δ = (a − t)·a·(1 − a)): NumPy's baseline kernels (NPY_DISABLE_CPU_FEATURES) move the
era-s6 workbook's values by up to 8 ulp from those of the AVX-512 kernels the files were written with.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from golden.dump import CASES, dump, write_case

GOLDEN = Path(__file__).resolve().parent / "golden"
SAVED_VALUE_ULPS = 32  # 4 x the 8 ulp measured (see above): other CPUs' kernels may differ by more than 1 ulp in exp


def same_saved_value(pinned, now) -> bool:
    if isinstance(pinned, float) and isinstance(now, float) and math.isfinite(pinned):
        return abs(now - pinned) <= SAVED_VALUE_ULPS * math.ulp(pinned)
    return now == pinned and type(now) is type(pinned)


@pytest.mark.parametrize(
    "pinned, now, same",
    [
        (0.013699244962516488, 0.013699244962516474, True),  # 8 ulp: measured under NumPy's baseline kernels
        (1.0, 1.0 + 32 * math.ulp(1.0), True),
        (1.0, 1.0 + 33 * math.ulp(1.0), False),
        (0.5, 0.5 - 33 * math.ulp(0.5), False),
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
