"""Hand-built workbooks end to end: the whole verification (detection, saved values, a real
LibreOffice recalculation, root cause, mistake catalogue) on tests/handbuilt.py's layouts."""

from __future__ import annotations

import handbuilt
import openpyxl
import pytest
from click.testing import CliRunner
from openpyxl.utils import get_column_letter

from backprop_sheet.cli import cli
from excelgen.errors import WorkbookError
from verify.checking.workbook import check_workbook
from conftest import read_book
from verify.tables.classic_tables import find_tables


def checked_by_libreoffice(book, recalculated):
    """check_workbook(book, engine="libreoffice") on the session's one LibreOffice recalculation of it."""
    return check_workbook(book, engine="libreoffice", recalculated=recalculated[book])


@pytest.fixture(scope="module")
def mistakes_report(handbuilt_books, handbuilt_recalculated):
    """One verification of the workbook holding every planted mistake, one per sheet."""
    return {t.sheet: t for t in checked_by_libreoffice(handbuilt_books["mistakes"], handbuilt_recalculated).tables}


@pytest.mark.parametrize("layout", handbuilt.LAYOUTS)
def test_correct_handbuilt_layout_passes(layout, handbuilt_books, handbuilt_recalculated):
    report = checked_by_libreoffice(handbuilt_books[layout], handbuilt_recalculated)
    assert report.engine == "libreoffice"
    assert report.tables, "no table checked"
    for table in report.tables:
        assert table.findings == (), table.sheet
        assert "libreoffice" in table.checks and "saved values" in table.checks


@pytest.mark.parametrize("name", handbuilt.PLANTS)
def test_planted_mistake_is_reported_and_named(name, mistakes_report, handbuilt_books):
    plant = handbuilt.PLANTS[name]
    (table,) = [t for t in find_tables(read_book(handbuilt_books["mistakes"])) if t.sheet == name]
    cell = f"'{name}'!{get_column_letter(table.columns[plant.wrong_column])}{table.first_row + plant.first_wrong}"
    findings = mistakes_report[name].findings
    assert {f.check for f in findings} == {"saved values", "libreoffice"}
    for f in findings:  # the saved values and the recalculation both point at the root cause
        assert (f.cell, f.quantity, f.iteration) == (cell, plant.wrong_column, plant.first_wrong)
        assert f.mistake is not None and handbuilt.NAMED[name] in f.mistake


@pytest.mark.parametrize("name", handbuilt.KEYS)
def test_catalogue_additions_carry_their_key(name, mistakes_report):
    assert {f.mistake_key for f in mistakes_report[name].findings} == {handbuilt.KEYS[name]}


@pytest.fixture(scope="module")
def several_report(handbuilt_books, handbuilt_recalculated):
    return {t.sheet: t for t in checked_by_libreoffice(handbuilt_books["several"], handbuilt_recalculated).tables}


@pytest.mark.parametrize("sheet", handbuilt.SEVERAL)
def test_every_independent_mistake_is_reported_in_dependency_order(sheet, several_report, handbuilt_books):
    """Each check names every root cause: located (first cell, column) and named, in order."""
    _, _, causes = handbuilt.SEVERAL[sheet]
    (table,) = [t for t in find_tables(read_book(handbuilt_books["several"])) if t.sheet == sheet]
    want = [
        (f"'{sheet}'!{get_column_letter(table.columns[q])}{table.first_row + i}", q, i, key) for i, q, key in causes
    ]
    findings = several_report[sheet].findings
    for check in ("saved values", "libreoffice"):
        got = [(f.cell, f.quantity, f.iteration, f.mistake_key) for f in findings if f.check == check]
        assert got == want, check
    assert all(f.mistake for f in findings)


def test_cli_lists_every_mistake_of_the_class_template(handbuilt_books):
    result = CliRunner().invoke(cli, ["verify", str(handbuilt_books["several"]), "--engine", "none"])
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    start = lines.index(next(line for line in lines if line.strip().startswith("class template")))
    block = "\n".join(lines[start : start + 12])
    for part in (
        "'class template'!Z10 (column ∂E/∂w3, iteration 0)",
        "'class template'!AA10 (column ∂E/∂w4, iteration 0)",
        "'class template'!O12 (column w7, iteration 2)",
        "uses a_h1·(1−a_h1) instead of a_h2·(1−a_h2)",
        "its η reference B8 has no $ on the row",
    ):
        assert part in block, part


def test_columns_nothing_recognised_are_listed_not_skipped(handbuilt_books):
    report = check_workbook(handbuilt_books["own_words"], engine="none")
    (table,) = report.tables
    assert table.passed
    assert table.unchecked == ("column U 'delta_o1': not checked", "column V 'delta_o2': not checked")
    assert table.to_dict()["unchecked"] == list(table.unchecked)
    assert "    column U 'delta_o1': not checked" in report.to_text().splitlines()


def test_cli_verbose_says_how_each_column_was_recognised(handbuilt_books):
    result = CliRunner().invoke(cli, ["verify", str(handbuilt_books["own_words"]), "-v", "--engine", "none"])
    assert result.exit_code == 0, result.output
    for part in (
        "columns (by header): A # = iteration",
        "K act_h1 = a_h1",
        "W dw1 = ∂E_total/∂w1",
        "X ∂E∂W2 = ∂E_total/∂w2",
        "Y Etotaldw3 = ∂E_total/∂w3",
        "columns (by formula): Q 'y2' = a_o2 (computes a_o2)",
        "AA 'g5' = ∂E_total/∂w5 (the update of w5 subtracts η times it)",
        "η: 'My backprop'!B5 (labelled 'ͷ')",
        "column V 'delta_o2': not checked",
    ):
        assert part in result.output, part


def test_budget_is_not_a_backprop_sheet(handbuilt_books):
    with pytest.raises(WorkbookError, match="no backpropagation table found") as err:
        check_workbook(handbuilt_books["budget"], engine="none")
    assert err.value.exit_code == 2


def test_cli_says_what_it_recognised_and_passes(handbuilt_books):
    result = CliRunner().invoke(cli, ["verify", str(handbuilt_books["typical"]), "-v"])
    assert result.exit_code == 0, result.output
    for part in ("sheet 'Backprop': header row 9", "η: 'Backprop'!B7 (labelled 'LR')", "W E_tot = E_total"):
        assert part in result.output


def test_cli_names_every_planted_mistake(handbuilt_books):
    result = CliRunner().invoke(cli, ["verify", str(handbuilt_books["mistakes"]), "--engine", "none"])
    assert result.exit_code == 1, result.output
    for name in handbuilt.PLANTS:
        assert handbuilt.NAMED[name] in result.output, name


def test_cli_budget_exits_2(handbuilt_books):
    result = CliRunner().invoke(cli, ["verify", str(handbuilt_books["budget"])])
    assert result.exit_code == 2
    assert "Error: no backpropagation table found" in result.output
    assert "Traceback" not in result.output
