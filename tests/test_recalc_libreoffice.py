"""Generated workbooks recalculated in real LibreOffice: the formulas compute the saved values.

Needs `soffice`: skipped where it is missing, a failure in CI (CI=true).
"""

from __future__ import annotations

import math
from pathlib import Path

import openpyxl
import pytest

import oracle
from conftest import need_soffice
from network import layout
from excelgen.network_sheet import network_cells
from network import load_network
from excelgen.workbook import write_workbook
from verify.reading.libreoffice import recalculate

LR_SHEETS = ["LR 0.1", "LR 0.2", "LR 0.5", "LR 0.8", "LR 1.0", "LR 2.0"]
FIRST = layout.FIRST_DATA_ROW + 1
E_TOTAL = layout.column_letter(layout.column_index("E_total") + 1)
ERROR_VALUES = ("#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!", "Err:")


def agree(a: float, b: float) -> bool:
    """The issue's tolerance: 1e-12 relative to max(|a|, |b|) plus a floor of 1e-3."""
    return abs(a - b) <= 1e-12 * (max(abs(a), abs(b)) + 1e-3)


def compare(generated: Path, recalculated: Path) -> tuple[int, list[str]]:
    """(number of formula cells, problems): every formula cell's LibreOffice value against its saved value."""
    formulas = openpyxl.load_workbook(generated)
    saved = openpyxl.load_workbook(generated, data_only=True)
    fresh = openpyxl.load_workbook(recalculated, data_only=True)
    count, problems = 0, []
    for ws in formulas.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if not (isinstance(cell.value, str) and cell.value.startswith("=")):
                    continue
                count += 1
                a = saved[ws.title][cell.coordinate].value
                b = fresh[ws.title][cell.coordinate].value
                if isinstance(a, str) and a == b:  # a text result ("not reached" on the Summary)
                    continue
                if not isinstance(b, (int, float)) or isinstance(b, bool) or not agree(a, b):
                    problems.append(f"{ws.title}!{cell.coordinate} {cell.value}: saved {a!r}, LibreOffice {b!r}")
    return count, problems


def test_every_formula_cell_equals_its_saved_value(default_workbook, recalculated_default_workbook):
    count, problems = compare(default_workbook, recalculated_default_workbook)
    assert count >= len(LR_SHEETS) * 101 * len(layout.COMPUTED_HEADERS)
    assert problems == []


def test_no_error_values_after_recalculation(recalculated_default_workbook):
    wb = openpyxl.load_workbook(recalculated_default_workbook, data_only=True)
    errors = [
        f"{ws.title}!{c.coordinate}={c.value}"
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for c in row
        if isinstance(c.value, str) and c.value.startswith(ERROR_VALUES)
    ]
    assert errors == []


@pytest.mark.parametrize("sheet", LR_SHEETS)
def test_e_total_at_iteration_0_after_recalculation(recalculated_default_workbook, sheet):
    value = openpyxl.load_workbook(recalculated_default_workbook, data_only=True)[sheet][f"{E_TOTAL}{FIRST}"].value
    assert round(value, 10) == oracle.ERA_S6_E_TOTAL_0
    assert value == pytest.approx(oracle.e_total(oracle.INITIAL_WEIGHTS, oracle.ERA_S6), rel=1e-12)


def test_editing_w1_init_and_eta_recalculates_every_lr_sheet(default_workbook, recalculated_default_workbook, tmp_path):
    """A student types w1 = 0.35 on the Network sheet and η = 2.0 on LR 0.1, then recalculates."""
    need_soffice()
    edited = tmp_path / "edited.xlsx"
    wb = openpyxl.load_workbook(default_workbook)
    row, col = network_cells(load_network())["w1"]
    wb["Network"].cell(row + 1, col + 1).value = 0.35
    wb["LR 0.1"]["B2"].value = 2.0
    wb.save(edited)
    after = openpyxl.load_workbook(recalculate(edited, tmp_path / "edited-lo.xlsx"), data_only=True)
    before = openpyxl.load_workbook(recalculated_default_workbook, data_only=True)
    weights = (0.35, *oracle.INITIAL_WEIGHTS[1:])
    for sheet, rate in zip(LR_SHEETS, (2.0, 0.2, 0.5, 0.8, 1.0, 2.0)):
        new = [after[sheet][f"{E_TOTAL}{FIRST + k}"].value for k in (0, 5)]
        old = [before[sheet][f"{E_TOTAL}{FIRST + k}"].value for k in (0, 5)]
        assert new[0] != old[0] and new[1] != old[1]
        expected = [oracle.e_total(oracle.weights_after(k, rate, weights, oracle.ERA_S6), oracle.ERA_S6) for k in (0, 5)]
        assert new == pytest.approx(expected, rel=1e-8)
    assert after["LR 0.1"][f"{E_TOTAL}{FIRST + 100}"].value == after["LR 2.0"][f"{E_TOTAL}{FIRST + 100}"].value
    assert after["Summary"]["B9"].value == after["LR 0.1"][f"{E_TOTAL}{FIRST + 100}"].value


def test_a_network_with_biases_recalculates_to_its_saved_values(tmp_path):
    need_soffice()
    spec = load_network("mazur").with_options(iterations=40, learning_rates=(0.5, 5.0))
    generated = write_workbook(spec, tmp_path / "mazur.xlsx")
    count, problems = compare(generated, recalculate(generated, tmp_path / "mazur-lo.xlsx"))
    assert count >= 2 * 41 * len(layout.COMPUTED_HEADERS)
    assert problems == []
    value = openpyxl.load_workbook(tmp_path / "mazur-lo.xlsx", data_only=True)["LR 0.5"][f"{E_TOTAL}{FIRST}"].value
    assert round(value, 9) == oracle.MAZUR_E_TOTAL_0
    assert not math.isclose(value, oracle.e_total(oracle.INITIAL_WEIGHTS, {**oracle.MAZUR, "b1": 0, "b2": 0}))
