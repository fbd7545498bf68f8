"""What real classes hand in (issue 21): tests/realclass.py's layouts, correct and planted, checked end to end
(saved values and a real LibreOffice recalculation); a class run over its own report; each mistake said once.

Each layout is a table finder (verify/tables/: classic_tables.py stacked or continued, vertical_tables.py, shaped_tables.py)
and each mistake a catalogue entry (verify/naming/mistakes.py, COMBINATIONS for two in one formula).
"""

from __future__ import annotations

import json
import re
import shutil

import pytest
from click.testing import CliRunner

import realclass
from conftest import recalculate_all
from backprop_sheet.cli import cli
from verify.checking.workbook import check_workbook
from verify.reports import marks

CORRECT = [
    "stacked",
    "continued",
    "one-iteration",
    "vertical",
    "2-4-1",
    "rounded",  # compared at the 10 digits it stores (a note says so)
]
PLANTED = [
    "stacked-planted",
    "continued-planted",
    "one-iteration-planted",
    "vertical-planted",
    "2-4-1-planted",
    "rounded-planted",
    "combined",
]


@pytest.fixture(scope="module")
def checked(realclass_books, tmp_path_factory):
    """name -> the Report of check_workbook(..., engine="libreoffice"), each workbook checked once, all of them
    recalculated in one LibreOffice start beforehand as a class run does (verify/batch.py)."""
    names = CORRECT + PLANTED
    recalculated = recalculate_all([realclass_books[name] for name in names], tmp_path_factory.mktemp("recalculated"))
    reports = {}

    def check(name: str):
        if name not in reports:
            book = realclass_books[name]
            reports[name] = check_workbook(book, engine="libreoffice", recalculated=recalculated[book])
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
    second = CliRunner().invoke(cli, [*args, *outputs, "--force"])  # replacing the earlier outputs takes --force
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


# ---- what looks like a table but cannot be read is named; what cannot be checked says what was found ----


def test_a_vertical_sheet_that_cannot_be_read_is_named_beside_the_tables_found():
    from conftest import read_book
    from verify.tables.find import tables_and_unread

    wb = realclass.vertical()
    broken = wb.copy_worksheet(wb["iter 3"])
    broken.title = "iter 4"
    broken["D8"] = "note"  # the learning rate's label gone
    tables, unread = tables_and_unread(read_book(wb))
    assert [t.sheet for t in tables] == list(realclass.VERTICAL_SHEETS)
    assert unread == ["sheet 'iter 4' looks like a vertical table (labels in column D) but has no cell labelled η"]


def test_another_shape_whose_formulas_do_not_fit_says_what_was_found():
    from conftest import read_book
    from network.errors import WorkbookError
    from verify.tables.find import find_tables

    wb = realclass.shape_2_4_1()
    ws = wb["2-4-1"]
    h2 = f"{realclass.shape_column('h2')}{realclass.SHAPE_TOP + 1}"
    ws[h2] = ws[h2].value.replace(realclass.shape_column("w3"), realclass.shape_column("w5"))  # h2 reads w5, not w3
    with pytest.raises(WorkbookError) as caught:
        find_tables(read_book(wb))
    assert "sheet '2-4-1' has a table of a network with 4 hidden units and 1 output, 12 weights" in str(caught.value)
    assert f"the formula of h2 in row {realclass.SHAPE_TOP + 1}" in str(caught.value)


@pytest.mark.parametrize("weight, unit, key", [("w3", "a_h1", "other-hidden-slope"), ("w2", "a_h2", "later-hidden-slope")])
def test_each_hidden_slope_mistake_has_its_own_key(weight, unit, key, tmp_path):
    """∂E/∂w3 with a_h1's slope and ∂E/∂w2 with a_h2's are two mistakes, counted apart in a class."""
    from handbuilt import Plant, _hidden_error, cells_above, g
    from verify.reading.libreoffice import recalculate

    j = 1 if weight in ("w1", "w2") else 2
    x = "i1" if weight in ("w1", "w3") else "i2"

    def formula(A, r, p, eta):
        return f"=({_hidden_error(j, A, r)})*{A(unit, r)}*(1-{A(unit, r)})*{A(x, r)}"

    cells_above(Plant(key, g(weight), 0, formula)).save(tmp_path / "planted.xlsx")
    report = check_workbook(recalculate(tmp_path / "planted.xlsx", tmp_path / "saved.xlsx"), engine="none")
    [cause] = report.root_causes
    assert cause.finding.quantity == g(weight) and cause.finding.mistake_key == key


def test_a_stacked_table_of_typed_numbers_is_named_and_the_others_are_checked():
    from conftest import read_book
    from verify.tables.find import tables_and_unread

    wb = realclass.stacked()
    ws = wb["Stacked"]
    top = realclass.stacked_top(5)  # the last table (η 2.0): its formulas replaced by numbers
    for row in ws.iter_rows(min_row=top + 1, max_row=top + 1 + realclass.ITERATIONS):
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.value = 0.5
    tables, unread = tables_and_unread(read_book(wb))
    assert [t.header_row for t in tables] == [realclass.stacked_top(k) for k in range(5)]
    assert unread == [f"sheet 'Stacked' has a backpropagation table (header row {top}) but no computed rows: "
                      "under the header there are only typed-in numbers, no formulas to check"]


def test_the_sentence_quotes_the_target_the_student_wrote(tmp_path):
    """∂E/∂w5 = (o1 − t2)·a_o1·(1−a_o1)·a_h1 on a sheet where t1 = t2: the numbers are those of (o1 − t1), the
    sentence says what the student wrote, t2, and what belongs, (a_o1 − t1)."""
    from handbuilt import ERA_S6, Plant, Table, g, write_table
    from openpyxl import Workbook
    from verify.reading.libreoffice import recalculate

    def formula(A, r, p, eta):
        return f"=({A('o1', r)}-{A('t2', r)})*{A('a_o1', r)}*(1-{A('a_o1', r)})*{A('a_h1', r)}"

    wb = Workbook()
    ws = wb.active
    ws["A7"], ws["B7"] = "LR", 0.5
    same_targets = dict(ERA_S6) | {"t2": ERA_S6["t1"]}
    write_table(ws, Table(9, 1, realclass._TYPICAL_HEADERS, {"η": "$B$7"}, same_targets), Plant("o1 − t2", g("w5"), 0, formula), 3)
    wb.save(tmp_path / "planted.xlsx")
    report = check_workbook(recalculate(tmp_path / "planted.xlsx", tmp_path / "saved.xlsx"), engine="none")
    [cause] = report.root_causes
    assert cause.finding.mistake_key == "net-in-error"
    assert cause.finding.mistake.endswith("uses (o1 − t2) (before the sigmoid) instead of (a_o1 − t1)")


def test_the_gradient_added_and_of_another_weight_is_named_by_both_entries(tmp_path):
    """w7 = w7 + η·∂E/∂w8 (row above): the sign and the column wrong at once, `adds+wrong-column`."""
    from handbuilt import Plant, cells_above, g
    from verify.reading.libreoffice import recalculate

    plant = Plant("adds wrong column", "w7", 1, lambda A, r, p, eta: f"={A('w7', p)}+{eta}*{A(g('w8'), p)}")
    cells_above(plant).save(tmp_path / "planted.xlsx")
    report = check_workbook(recalculate(tmp_path / "planted.xlsx", tmp_path / "saved.xlsx"), engine="none")
    [cause] = report.root_causes
    assert (cause.finding.cell, _keys(cause.finding.mistake_key)) == ("'Sheet1'!H14", {"adds", "wrong-column"})
    assert cause.finding.mistake.endswith("adds η·∂E/∂w8 instead of subtracting η·∂E/∂w7")


def test_another_shape_with_biases_is_named_not_checked_wrongly():
    from conftest import read_book
    from network.errors import WorkbookError
    from verify.tables.find import find_tables

    wb = realclass.shape_2_4_1()
    wb["2-4-1"]["D2"], wb["2-4-1"]["E2"] = "b1", 0.35
    with pytest.raises(WorkbookError, match=r"4 hidden units and 1 output, 12 weights \(header row 7\), with biases: verify checks"):
        find_tables(read_book(wb))
