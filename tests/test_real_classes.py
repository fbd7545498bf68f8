"""What real classes hand in (issue 21): tests/realclass.py's layouts, correct and planted, checked end to end
(saved values and a real LibreOffice recalculation); a class run over its own report; each mistake said once.

The layouts the checker cannot read yet are marked xfail(strict=True) with the finder or feature they wait
for (the one-path checker of issue 19 makes each a table finder or a catalogue entry): once it is merged
they must pass, and the marks go.
"""

from __future__ import annotations

import json
import re
import shutil

import pytest
from click.testing import CliRunner

import realclass
from backprop_sheet.cli import cli
from verify.checking.workbook import check_workbook
from verify.reports import marks


def _waits_for(feature: str):
    return pytest.mark.xfail(strict=True, reason=f"issue 21: needs {feature}")


STACKED = _waits_for("the stacked-tables finder (each table found by its own header and η)")
UNFINISHED = _waits_for("checking every filled cell of an unfinished table")
VERTICAL = _waits_for("the vertical-table finder (labels in a column, one iteration per sheet, chained)")
SHAPE = _waits_for("hand-built tables of another network shape (the layered reference)")
PRECISION = _waits_for("the tolerance from the stored precision of the saved values")
COMBINED = _waits_for("catalogue entries that combine (wrong column with fixed row)")

CORRECT = [
    pytest.param("stacked", marks=STACKED),
    pytest.param("one-iteration", marks=UNFINISHED),
    pytest.param("vertical", marks=VERTICAL),
    pytest.param("2-4-1", marks=SHAPE),
    "rounded",  # passes already: the exact reference is within 1e-9 of every value rounded to 10 digits
]
PLANTED = [
    pytest.param("stacked-planted", marks=STACKED),
    pytest.param("one-iteration-planted", marks=UNFINISHED),
    pytest.param("vertical-planted", marks=VERTICAL),
    pytest.param("2-4-1-planted", marks=SHAPE),
    pytest.param("rounded-planted", marks=PRECISION),
    pytest.param("combined", marks=COMBINED),
]


@pytest.fixture(scope="module")
def checked(realclass_books):
    """name -> the Report of check_workbook(..., engine="libreoffice"), each workbook checked once."""
    reports = {}

    def check(name: str):
        if name not in reports:
            reports[name] = check_workbook(realclass_books[name], engine="libreoffice")
        return reports[name]

    return check


def _keys(mistake_key: str | None) -> frozenset[str]:
    """The catalogue keys a finding names: one, or several for a combined entry ("wrong-column+fixed-row")."""
    return frozenset(re.findall(r"[a-z]+(?:-[a-z]+)*", mistake_key or ""))


def _tables(report) -> list[tuple[str, float | None]]:
    return [(t.sheet, t.eta) for t in report.tables]


@pytest.mark.parametrize("name", CORRECT)
def test_correct_workbook_passes_and_every_table_is_listed(name, checked):
    report = checked(name)
    assert _tables(report) == list(realclass.EXPECTED[name].tables)
    assert [cause.finding.message() for cause in report.root_causes] == []
    text = report.to_text()
    assert text.count("  pass  ") == len(realclass.EXPECTED[name].tables), text


@pytest.mark.parametrize("name", PLANTED)
def test_planted_mistake_is_named_at_its_cell_and_nothing_else(name, checked):
    """Exactly one root cause: the planted cell, named by its catalogue entries; every table still listed."""
    report = checked(name)
    cell, keys = realclass.EXPECTED[name].cause
    assert _tables(report) == list(realclass.EXPECTED[name].tables)
    assert [(c.finding.cell, _keys(c.finding.mistake_key)) for c in report.root_causes] == [(cell, keys)]
    assert report.root_causes[0].finding.mistake  # a sentence, not only a key


@UNFINISHED
def test_unfinished_table_says_what_was_and_was_not_checked(checked):
    text = checked("one-iteration").to_text()
    assert "checked: iterations 0–0" in text and "not filled" in text, text


# ---- each mistake said once ----


def test_text_says_each_root_cause_once_with_where_it_shows(realclass_books):
    result = CliRunner().invoke(cli, ["verify", str(realclass_books["long-planted"]), "--engine", "libreoffice"])
    assert result.exit_code == 1, result.output
    cell = realclass.EXPECTED["rounded-planted"].cause[0]
    assert result.output.count(cell) == 1, result.output
    [line] = [line for line in result.output.splitlines() if cell in line]
    assert line.startswith(f"    in the saved values and after recalculation (libreoffice): {cell} (column ∂E/∂w5, ")
    assert result.output.count("likely mistake: ") == 1


def test_json_lists_each_root_cause_once_with_its_checks(realclass_books):
    result = CliRunner().invoke(cli, ["verify", str(realclass_books["long-planted"]), "--engine", "libreoffice", "--json"])
    assert result.exit_code == 1, result.output
    (table,) = json.loads(result.stdout)["tables"]
    (cause,) = table["root_causes"]
    assert cause["cell"] == realclass.EXPECTED["rounded-planted"].cause[0]
    assert cause["checks"] == ["saved values", "libreoffice"] and cause["mistake_key"] == "net-for-activation"
    assert [f["check"] for f in table["findings"]] == ["saved values", "libreoffice"]  # as before: per check


# ---- a class: every distinct mistake, and never its own report ----


@pytest.fixture()
def class_folder(realclass_books, tmp_path):
    """A class: one correct workbook, one with two different mistakes, one that is not a workbook."""
    folder = tmp_path / "submissions"
    folder.mkdir()
    shutil.copy(realclass_books["long"], folder / "ana.xlsx")
    shutil.copy(realclass_books["two-mistakes"], folder / "ben.xlsx")
    (folder / "cleo.xlsx").write_text("a text file named .xlsx", "utf-8")
    return folder


def test_class_line_and_csv_list_every_distinct_mistake(class_folder, tmp_path):
    csv_path = tmp_path / "grades.csv"
    result = CliRunner().invoke(cli, ["verify", str(class_folder), "--engine", "none", "--csv", str(csv_path)])
    assert result.exit_code == 1, result.output
    [line] = [line for line in result.output.splitlines() if line.startswith(str(class_folder / "ben.xlsx"))]
    assert line.index(realclass.TWO_MISTAKES["net-for-activation"]) < line.index(realclass.TWO_MISTAKES["other-hidden-slope"])
    assert "'first'!AB10: " in line and "'second'!AC13: " in line
    rows = csv_path.read_text("utf-8-sig").splitlines()
    for key, sentence in realclass.TWO_MISTAKES.items():
        [row] = [row for row in rows if key in row]
        assert sentence in row and row.count(key) == 1  # once: not once per check


def test_class_html_lists_every_distinct_mistake(class_folder):
    import verify

    html = verify.check(class_folder, engine="none")._repr_html_()
    for key, sentence in realclass.TWO_MISTAKES.items():
        assert f"<code>{key}</code>: " in html and sentence in html


def _outcomes(stdout: str) -> list[tuple]:
    """A class's JSON without the timings: what must be the same from run to run."""
    report = json.loads(stdout)
    return [report["summary"]] + [(w["file"], w["status"], w["reason"], w["mistakes"]) for w in report["workbooks"]]


def test_a_class_run_over_a_folder_holding_its_own_report_gives_the_same_result_twice(class_folder):
    args = ["verify", str(class_folder), "--engine", "none", "--json"]
    outputs = ["--report", str(class_folder / "class.xlsx"), "--csv", str(class_folder / "class.csv")]
    first = CliRunner().invoke(cli, [*args, *outputs])
    assert marks.tool_written(class_folder / "class.xlsx") == marks.CLASS_REPORT
    second = CliRunner().invoke(cli, [*args, *outputs])
    without_outputs = CliRunner().invoke(cli, args)  # the report is in the folder and not named on the command line
    assert first.exit_code == second.exit_code == without_outputs.exit_code == 1, first.output
    assert _outcomes(first.stdout) == _outcomes(second.stdout) == _outcomes(without_outputs.stdout)
    assert [w["file"] for w in json.loads(second.stdout)["workbooks"]] == [
        str(class_folder / name) for name in ("ana.xlsx", "ben.xlsx", "cleo.xlsx")
    ]


def test_the_class_report_named_alone_is_refused_in_one_line(class_folder):
    CliRunner().invoke(cli, ["verify", str(class_folder), "--engine", "none", "--report", str(class_folder / "class.xlsx")])
    result = CliRunner().invoke(cli, ["verify", str(class_folder / "class.xlsx"), "--json"])
    assert result.exit_code == 2
    message = f"{class_folder / 'class.xlsx'} is a class report written by backprop-sheet, not a student's workbook"
    assert json.loads(result.stdout) == {"version": 2, "file": str(class_folder / "class.xlsx"), "error": message}
    assert result.stderr == f"Error: {message}\n"


def test_students_workbooks_carry_no_mark(realclass_books, class_folder):
    assert [marks.tool_written(p) for p in sorted(class_folder.iterdir())] == [None, None, None]


def test_the_mark_survives_a_resave_by_libreoffice(class_folder, tmp_path):
    """A teacher who opens the class report and saves it again keeps it out of the next run."""
    from verify.reading.libreoffice import recalculate

    CliRunner().invoke(cli, ["verify", str(class_folder), "--engine", "none", "--report", str(class_folder / "class.xlsx")])
    resaved = recalculate(class_folder / "class.xlsx", tmp_path / "resaved.xlsx")
    assert marks.tool_written(resaved) == marks.CLASS_REPORT
