"""Faults planted into a generated workbook are found, with the right cell named, and exit code 1.

Most faults are planted by editing the sheet XML inside the xlsx: the formula changes and the
saved values stay as they were, as after a student's edit in a program that does not
recalculate. Only a recalculating engine can then see the fault. The η change is made with
openpyxl and the workbook recalculated in LibreOffice, as the issue asks.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import openpyxl
import pytest
from click.testing import CliRunner

from conftest import need_soffice
from planting import constant_instead_of_formula, edit_sheet, formula_of_cell, formulas_in_column, saved_value
from backprop_sheet.cli import cli
from verify.reading.libreoffice import recalculate

FIRST = 5  # Excel row of iteration 0 on an LR sheet


@dataclass(frozen=True)
class Fault:
    """One planted fault and what the report must say about it (None: that check passes)."""

    sheet: str
    edit: Callable[[str], str]  # sheet XML -> sheet XML
    structure: tuple[str, str, int] | None  # (cell, quantity, iteration) reported as "not a formula"
    saved: tuple[str, str, int] | None  # first wrong saved value
    recalculated: tuple[str, str, int] | None  # first wrong value after the engine's recalculation


FAULTS = {
    # ∂E_total/∂w3 = ∂E_total/∂a_h2 · a_h1(1 − a_h1) · i1: a mistake in several published workbooks.
    "dw3 uses a_h1 instead of a_h2": Fault(
        "LR 0.5",
        formulas_in_column("Y", "M{r}*(1-M{r})", "K{r}*(1-K{r})"),
        structure=None,
        saved=None,
        recalculated=(f"'LR 0.5'!Y{FIRST}", "∂E_total/∂w3", 0),
    ),
    "a formula replaced by its own value": Fault(
        "LR 0.2",
        constant_instead_of_formula(f"K{FIRST + 2}"),
        structure=(f"'LR 0.2'!K{FIRST + 2}", "a_h1", 2),
        saved=None,
        recalculated=None,
    ),
    "w1 update reads w1 of its own row (circular)": Fault(
        "LR 0.1",
        formula_of_cell(f"B{FIRST + 1}", f"B{FIRST + 1}-$B$2*W{FIRST}"),
        structure=None,
        saved=None,
        recalculated=(f"'LR 0.1'!B{FIRST + 1}", "w1", 1),
    ),
    "h1 reads w1 of the row above": Fault(
        "LR 2.0",
        formula_of_cell(f"J{FIRST + 3}", f"B{FIRST + 2}*in_i1+C{FIRST + 3}*in_i2"),
        structure=None,
        saved=None,
        recalculated=(f"'LR 2.0'!J{FIRST + 3}", "h1", 3),
    ),
    "a tampered saved value": Fault(
        "LR 1.0",
        saved_value(f"T{FIRST + 40}", "0.0123"),
        structure=None,
        saved=(f"'LR 1.0'!T{FIRST + 40}", "E_total", 40),
        recalculated=None,
    ),
}


@pytest.fixture(scope="module")
def broken_workbook(default_workbook, tmp_path_factory) -> Path:
    """The default workbook with every fault of FAULTS planted, each on its own sheet."""
    assert len({f.sheet for f in FAULTS.values()}) == len(FAULTS)
    path = default_workbook
    folder = tmp_path_factory.mktemp("faults")
    for k, fault in enumerate(FAULTS.values()):
        path = edit_sheet(path, folder / f"broken-{k}.xlsx", fault.sheet, fault.edit)
    return path


@pytest.fixture(scope="module")
def verify_json(broken_workbook):
    """`verify --json` of the broken workbook, run once per engine: engine -> (exit code, report)."""
    runs = {}

    def run(engine: str) -> tuple[int, dict]:
        if engine not in runs:
            result = CliRunner().invoke(cli, ["verify", str(broken_workbook), "--json", "--engine", engine])
            runs[engine] = (result.exit_code, json.loads(result.output) if result.exit_code == 1 else result.output)
        return runs[engine]

    return run


@pytest.mark.parametrize("engine", ["libreoffice", "formulas"])
@pytest.mark.parametrize("name", FAULTS)
def test_planted_fault_is_reported_at_its_cell(verify_json, name, engine):
    if engine == "libreoffice":
        need_soffice()
    fault = FAULTS[name]
    exit_code, report = verify_json(engine)
    assert exit_code == 1, report
    assert report["engine"] == engine and report["passed"] is False
    table = next(t for t in report["tables"] if t["sheet"] == fault.sheet)
    assert not table["passed"]
    found = {f["check"]: f for f in table["findings"]}
    expected = {"structure": fault.structure, "saved values": fault.saved, engine: fault.recalculated}
    assert set(found) == {check for check, where in expected.items() if where}
    for check, where in expected.items():
        if where:
            f = found[check]
            assert (f["cell"], f["quantity"], f["iteration"]) == where, f["message"]
            assert f["cell"] in f["message"]


@pytest.mark.parametrize("engine", ["libreoffice", "formulas"])
def test_the_sheet_without_a_fault_passes(verify_json, engine):
    if engine == "libreoffice":
        need_soffice()
    _, report = verify_json(engine)
    assert [t["sheet"] for t in report["tables"] if t["passed"]] == ["LR 0.8"]


def test_report_shows_formula_expected_actual_and_count(verify_json):
    _, report = verify_json("formulas")
    [f] = [f for t in report["tables"] if t["sheet"] == "LR 0.5" for f in t["findings"]]
    assert f["kind"] == "mismatch"
    assert f["formula"] == "=V5*K5*(1-K5)*in_i1"
    assert f["expected"] != pytest.approx(f["actual"], rel=1e-6)
    assert f["others"] > 1000  # everything downstream on that sheet: counted, not listed
    assert f["message"].startswith("'LR 0.5'!Y5 (column ∂E_total/∂w3, iteration 0) is ")
    # verify/naming/mistakes.py's catalogue is consulted for the root cause and names the mistake
    assert f["mistake"] and "a_h1" in f["mistake"] and "a_h2" in f["mistake"], f["mistake"]


def test_text_report_names_the_typed_in_value(broken_workbook):
    result = CliRunner().invoke(cli, ["verify", str(broken_workbook), "--engine", "none"])
    assert result.exit_code == 1
    assert "structure: 'LR 0.2'!K7 (column a_h1, iteration 2) holds the typed-in value 0.50" in result.output
    assert "FAILED: 2 of 6 table(s)" in result.output  # without recalculation only two faults show


def test_changed_eta_recalculated_still_passes(default_workbook, tmp_path):
    need_soffice()  # the workbook is recalculated in LibreOffice after the edit
    wb = openpyxl.load_workbook(default_workbook)
    wb["LR 0.8"]["B2"] = 0.3
    wb.save(tmp_path / "edited.xlsx")  # openpyxl drops every saved value ...
    recalculated = recalculate(tmp_path / "edited.xlsx", tmp_path / "recalculated.xlsx")  # ... LibreOffice restores them
    for engine in ("formulas", "none"):  # (the file was just recalculated by LibreOffice itself)
        result = CliRunner().invoke(cli, ["verify", str(recalculated), "--json", "--engine", engine])
        assert result.exit_code == 0, result.output
        etas = {t["sheet"]: t["eta"] for t in json.loads(result.output)["tables"]}
        assert etas["LR 0.8"] == 0.3
