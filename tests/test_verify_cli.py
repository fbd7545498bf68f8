"""The `verify` command line: options, the documented JSON shape, exit codes 0 and 1."""

from __future__ import annotations

import json

from click.testing import CliRunner

from backprop_sheet.cli import cli

TABLE_KEYS = {
    "sheet", "header_row", "first_row", "last_row", "eta_cell", "eta", "cells", "checks", "passed",
    "root_causes", "findings", "recognised", "unchecked", "coverage",
}
FINDING_KEYS = {
    "check", "kind", "cell", "quantity", "header", "iteration", "formula", "expected", "actual", "others",
    "mistake", "mistake_key", "message",
}


def test_json_report_has_the_documented_shape(default_workbook):
    result = CliRunner().invoke(cli, ["verify", str(default_workbook), "--json", "--engine", "none"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert set(report) == {"version", "file", "engine", "rtol", "atol", "passed", "notes", "score", "tables"}
    assert report["version"] == 2 and report["engine"] == "none" and report["passed"] is True
    assert (report["rtol"], report["atol"]) == (1e-9, 1e-12)
    assert len(report["tables"]) == 6
    for table in report["tables"]:
        assert set(table) == TABLE_KEYS
        assert table["checks"] == ["structure", "saved values"]
        assert table["eta_cell"] == f"'{table['sheet']}'!B2"
        assert (table["header_row"], table["first_row"], table["last_row"]) == (4, 5, 105)


def test_tolerances_are_options(recalculated_default_workbook):
    # LibreOffice saved 15 significant digits: with no tolerance at all that shows, as exit 1
    # and a finding with every documented key.
    args = ["verify", str(recalculated_default_workbook), "--engine", "none", "--json"]
    strict = CliRunner().invoke(cli, [*args, "--rtol", "0", "--atol", "0"])
    assert strict.exit_code == 1, strict.output
    report = json.loads(strict.output)
    assert (report["rtol"], report["atol"]) == (0, 0)
    findings = [f for t in report["tables"] for f in t["findings"]]
    assert findings and all(set(f) == FINDING_KEYS and f["check"] == "saved values" for f in findings)
    assert CliRunner().invoke(cli, [*args, "--rtol", "1e-9"]).exit_code == 0


def test_negative_tolerance_is_refused(default_workbook):
    result = CliRunner().invoke(cli, ["verify", str(default_workbook), "--rtol", "-1"])
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: ") and "Traceback" not in result.output


def test_verbose_shows_what_was_recognised(default_workbook):
    result = CliRunner().invoke(cli, ["verify", str(default_workbook), "--engine", "none", "-v"])
    assert result.exit_code == 0, result.output
    assert "η: 'LR 0.1'!B2" in result.output
    assert "Y ∂E_total/∂w3" in result.output


def test_help_lists_engines_and_exit_codes():
    result = CliRunner().invoke(cli, ["verify", "--help"])
    assert result.exit_code == 0
    for word in ("libreoffice", "formulas", "none", "auto", "--json", "--rtol", "--atol", "Exit code"):
        assert word in result.output


def test_json_of_a_workbook_that_cannot_be_checked_is_an_error_document(tmp_path):
    """--json always prints one JSON document on stdout; the one-line error still goes to stderr, exit 2."""
    missing = tmp_path / "missing.xlsx"
    result = CliRunner().invoke(cli, ["verify", str(missing), "--json"])
    assert result.exit_code == 2
    message = f"workbook {missing} not found"
    assert json.loads(result.stdout) == {"version": 2, "file": str(missing), "error": message}
    assert result.stderr == f"Error: {message}\n"


def test_json_of_a_run_that_checked_nothing_is_an_error_document(tmp_path):
    result = CliRunner().invoke(cli, ["verify", str(tmp_path), "--json"])
    assert result.exit_code == 2
    report = json.loads(result.stdout)
    assert set(report) == {"version", "error"} and report["error"].startswith("no workbook (*.xlsx")
    assert result.stderr == f"Error: {report['error']}\n"
