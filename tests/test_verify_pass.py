"""`backprop-sheet verify` passes on freshly generated workbooks, for every template and engine."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from conftest import need_soffice
from backprop_sheet.cli import cli
from network.description import classic_templates
from verify.engines import recalculation
from verify.checking.workbook import check_workbook

ENGINES = ["libreoffice", "formulas", "none"]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("template", sorted(classic_templates()))
def test_generated_workbook_passes(builtin_workbooks, template, engine):
    if engine == "libreoffice":
        need_soffice()
    report = check_workbook(builtin_workbooks[template], engine=engine)
    assert report.engine == engine
    assert report.tables, "no table checked"
    expected_checks = ("structure", "saved values") + (() if engine == "none" else (engine,))
    for table in report.tables:
        assert table.findings == ()
        assert table.checks == expected_checks
        assert table.cells == 29 * (table.last_row - table.first_row + 1)  # every computed column, every row
    assert report.passed and report.exit_code == 0


def test_every_learning_rate_sheet_is_checked_with_its_own_eta(default_workbook):
    report = check_workbook(default_workbook, engine="none")
    assert [(t.sheet, t.eta) for t in report.tables] == [
        (f"LR {r}", r) for r in (0.1, 0.2, 0.5, 0.8, 1.0, 2.0)
    ]


@pytest.mark.parametrize("engine", ["formulas", "none"])
def test_saved_values_rounded_by_libreoffice_still_pass(recalculated_default_workbook, engine):
    # LibreOffice saves 15 significant digits: the default tolerances must allow for that.
    assert check_workbook(recalculated_default_workbook, engine=engine).passed


def test_cli_passes_and_says_which_engine_ran(default_workbook):
    result = CliRunner().invoke(cli, ["verify", str(default_workbook), "--engine", "none"])
    assert result.exit_code == 0, result.output
    assert "no engine (saved values only)" in result.output
    assert len(re.findall(r"^  LR \S+ +pass  \(", result.output, re.M)) == 6  # one line per table
    assert "OK: every check passed" in result.output


def test_auto_engine_is_libreoffice_when_installed():
    need_soffice()
    assert recalculation.resolve("auto") == "libreoffice"


def test_auto_engine_falls_back_to_formulas_without_soffice(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")  # no soffice on PATH
    assert recalculation.resolve("auto") == "formulas"
