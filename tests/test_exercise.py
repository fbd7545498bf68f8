"""generate --exercise: the workbook a student fills in, and verify on it unfinished, finished and wrong.

A student's work is simulated with openpyxl: the formulas below are typed as a student would
write them (not taken from excelgen.formulas), then LibreOffice recalculates the file, as it
does when a student saves it, and `backprop-sheet verify` grades it.
"""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from conftest import need_soffice, recalculate_all
from network import layout
from backprop_sheet.cli import cli
from excelgen.exercise import empty_columns
from excelgen.styles import INPUT_FILL
from network import Kind, load_network
from test_recalc_libreoffice import compare
from verify.reading.libreoffice import recalculate

FIRST = layout.FIRST_DATA_ROW + 1  # Excel row of iteration 0
CLASSIC = load_network()
ITERATIONS = 20
GRADIENTS = [h for h in layout.HEADERS if h.startswith("∂")]
FORWARD = list(layout.HEADERS[9:20])  # h1, a_h1, ..., a_o2, E1, E2, E_total: between the weights and the ∂E columns
C = {h: layout.column_letter(layout.column_index(h) + 1) for h in layout.HEADERS}


def student_formulas(r: int, *, mistake: bool = False) -> dict[str, str]:
    """What a student types for the ∂E columns of Excel row r (mistake: ∂E/∂w3 with a_h1's slope)."""
    a_h1, a_h2, a_o1, a_o2 = (f"{C[q]}{r}" for q in ("a_h1", "a_h2", "a_o1", "a_o2"))
    d_o1 = f"({a_o1}-tgt_t1)*{a_o1}*(1-{a_o1})"
    d_o2 = f"({a_o2}-tgt_t2)*{a_o2}*(1-{a_o2})"
    w = {k: f"{C[f'w{k}']}{r}" for k in range(1, 9)}
    dh1, dh2 = f"{C['∂E_total/∂a_h1']}{r}", f"{C['∂E_total/∂a_h2']}{r}"
    slope3 = a_h1 if mistake else a_h2
    return {
        "∂E_total/∂a_h1": f"={d_o1}*{w[5]}+{d_o2}*{w[7]}",
        "∂E_total/∂a_h2": f"={d_o1}*{w[6]}+{d_o2}*{w[8]}",
        "∂E_total/∂w1": f"={dh1}*{a_h1}*(1-{a_h1})*in_i1",
        "∂E_total/∂w2": f"={dh1}*{a_h1}*(1-{a_h1})*in_i2",
        "∂E_total/∂w3": f"={dh2}*{slope3}*(1-{slope3})*in_i1",
        "∂E_total/∂w4": f"={dh2}*{a_h2}*(1-{a_h2})*in_i2",
        "∂E_total/∂w5": f"={d_o1}*{a_h1}",
        "∂E_total/∂w6": f"={d_o1}*{a_h2}",
        "∂E_total/∂w7": f"={d_o2}*{a_h1}",
        "∂E_total/∂w8": f"={d_o2}*{a_h2}",
    }


def fill_in(path, target, *, mistake: bool = False):
    """Type every empty column of a gradients exercise (η reached as $B$2), save with openpyxl."""
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        if not ws.title.startswith(layout.LR_SHEET_PREFIX):
            continue
        for r in range(FIRST, FIRST + ITERATIONS + 1):
            for header, formula in student_formulas(r, mistake=mistake).items():
                ws[f"{C[header]}{r}"] = formula
            if r > FIRST:
                for k in range(1, 9):
                    w, g = C[f"w{k}"], C[f"∂E_total/∂w{k}"]
                    ws[f"{w}{r}"] = f"={w}{r - 1}-$B$2*{g}{r - 1}"
    wb.save(target)
    return target


@pytest.fixture(scope="module")
def exercises(tmp_path_factory) -> dict[str, object]:
    folder = tmp_path_factory.mktemp("exercise")
    runner = CliRunner()
    books = {}
    for kind in ("gradients", "forward"):
        out = folder / f"{kind}.xlsx"
        args = ["generate", "--iterations", str(ITERATIONS), "-o", str(out), "--exercise"]
        result = runner.invoke(cli, args + ([] if kind == "gradients" else ["forward"]))
        assert result.exit_code == 0, result.output
        assert f"It is an exercise ({kind})" in result.output
        books[kind] = out
    return books


@pytest.mark.parametrize("kind", ["gradients", "forward"])
def test_the_empty_columns_are_yellow_and_the_rest_as_generated(exercises, kind):
    formulas = openpyxl.load_workbook(exercises[kind])
    for sheet in ("LR 0.1", "LR 2.0"):
        ws = formulas[sheet]
        assert [c.value for c in ws[layout.HEADER_ROW + 1]] == list(layout.HEADERS)  # same headers
        for header in layout.COMPUTED_HEADERS:
            for r in (FIRST, FIRST + 1, FIRST + ITERATIONS):
                cell = ws[f"{C[header]}{r}"]
                empty = header in empty_columns(CLASSIC, kind, iteration0=(r == FIRST))
                assert (cell.value is None) == empty, (sheet, cell.coordinate, kind)
                if empty:
                    assert cell.fill.fgColor.rgb.endswith(INPUT_FILL[1:]), cell.coordinate
        for header in FORWARD:  # the worked example: iteration 0's forward pass is always there
            assert str(ws[f"{C[header]}{FIRST}"].value).startswith("=")
    texts = [c for row in formulas["Network"].iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert any(t.startswith("Exercise: on every LR sheet") for t in texts)


def test_gradients_leaves_the_forward_pass_and_forward_empties_it(exercises):
    assert set(empty_columns(CLASSIC, "gradients")) == {*layout.WEIGHTS, *GRADIENTS}
    assert set(empty_columns(CLASSIC, "forward")) == {*layout.WEIGHTS, *GRADIENTS, *FORWARD}
    assert set(empty_columns(CLASSIC, "forward", iteration0=True)) == set(GRADIENTS)


def test_the_exercise_keeps_the_charts(exercises, default_workbook):
    import zipfile

    charts = lambda path: sorted(n for n in zipfile.ZipFile(path).namelist() if n.startswith("xl/charts/"))  # noqa: E731
    assert charts(exercises["gradients"]) == charts(default_workbook)


@pytest.mark.parametrize("kind, count", [("gradients", 18), ("forward", 29)])
def test_verify_names_the_columns_still_empty(exercises, kind, count):
    result = CliRunner().invoke(cli, ["verify", str(exercises[kind]), "--engine", "formulas", "--json"])
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    assert len(report["tables"]) == 6
    for table in report["tables"]:
        assert table["last_row"] == FIRST + ITERATIONS  # the whole table, though its weight columns are empty
        (finding,) = table["findings"]
        assert finding["kind"] == "empty" and finding["mistake_key"] == "unfinished"
        assert finding["cell"] == f"'{table['sheet']}'!{C['∂E_total/∂a_h1']}{FIRST}"
        assert f"{count} columns still empty" in finding["mistake"]


def test_the_class_summary_counts_unfinished_workbooks(exercises, default_workbook):
    result = CliRunner().invoke(cli, ["verify", str(exercises["gradients"]), str(default_workbook), "--engine", "formulas"])
    assert result.exit_code == 1, result.output
    assert "FAIL  'LR 0.1'!U5: unfinished: 18 columns still empty" in result.output
    assert "1  unfinished" in result.output


@pytest.mark.parametrize("mistake, exit_code", [(False, 0), (True, 1)])
def test_a_completed_exercise_is_graded_like_any_workbook(exercises, tmp_path, mistake, exit_code):
    need_soffice()
    typed = fill_in(exercises["gradients"], tmp_path / "typed.xlsx", mistake=mistake)
    saved = recalculate(typed, tmp_path / "saved.xlsx")  # what LibreOffice saves: formulas and their values
    # openpyxl's file has no saved values: LibreOffice decides; LibreOffice's own file: its values and the formulas engine
    for workbook, engine in ((typed, "libreoffice"), (saved, "formulas")):
        result = CliRunner().invoke(cli, ["verify", str(workbook), "--engine", engine, "--json"])
        assert result.exit_code == exit_code, result.output
        report = json.loads(result.output)
        assert report["passed"] is not mistake
        if mistake:
            first = report["tables"][0]["findings"][0]
            assert first["mistake_key"] == "other-hidden-slope"
            assert first["cell"] == f"'LR 0.1'!{C['∂E_total/∂w3']}{FIRST}"


# ---------------------------------------------------------------- general networks


GENERAL_ITERATIONS = 12
DERIVATIVES = {Kind.DELTA, Kind.GRAD_WEIGHT, Kind.GRAD_BIAS}


@pytest.fixture(scope="module")
def general_exercises(tmp_path_factory) -> dict[tuple[str, str | None], object]:
    """(template, exercise) -> workbook, the worked one (exercise None) beside both exercises, for xor and softmax."""
    folder = tmp_path_factory.mktemp("general-exercise")
    books = {}
    for template in ("xor", "softmax"):
        for kind in (None, "gradients", "forward"):
            out = folder / f"{template}-{kind}.xlsx"
            args = ["generate", "--template", template, "--iterations", str(GENERAL_ITERATIONS), "-o", str(out)]
            result = CliRunner().invoke(cli, args + ([] if kind is None else ["--exercise", kind]))
            assert result.exit_code == 0, result.output
            books[template, kind] = out
    return books


@pytest.fixture(scope="module")
def recalculated_general_exercises(general_exercises, tmp_path_factory) -> dict[Path, Path]:
    """Each general exercise -> the same recalculated by LibreOffice, all in one start."""
    need_soffice()
    exercises = [book for (template, kind), book in general_exercises.items() if kind is not None]
    return recalculate_all(exercises, tmp_path_factory.mktemp("general-exercise-lo"))


@pytest.mark.parametrize("template", ["xor", "softmax"])
@pytest.mark.parametrize("kind", ["gradients", "forward"])
def test_a_general_exercise_empties_what_the_student_derives(general_exercises, recalculated_general_exercises, template, kind):
    """δ, the gradients and the updates are empty and yellow (forward: the forward pass after iteration 0 too);
    everything else is the worked workbook's formula; LibreOffice computes the saved values of what is left."""
    net = load_network(template)
    worked = openpyxl.load_workbook(general_exercises[template, None])
    exercise = openpyxl.load_workbook(general_exercises[template, kind])
    updates = {Kind.WEIGHT, Kind.BIAS} | ({Kind.Z, Kind.A, Kind.LOSS, Kind.E_TOTAL} if kind == "forward" else set())
    for sheet in ("LR 0.5",):
        ws, full = exercise[sheet], worked[sheet]
        assert [c.value for c in ws[layout.HEADER_ROW + 1]] == [c.header for c in net.columns()]
        for col, c in enumerate(net.columns()[1:], start=2):
            for r in (FIRST, FIRST + 1, FIRST + GENERAL_ITERATIONS):
                cell = ws.cell(r, col)
                empty = c.kind in DERIVATIVES or (r > FIRST and c.kind in updates)
                assert (c.header in empty_columns(net, kind, iteration0=(r == FIRST))) == empty, (c.header, r)
                if empty:
                    assert cell.value is None and cell.fill.fgColor.rgb.endswith(INPUT_FILL[1:]), cell.coordinate
                else:
                    assert cell.value == full.cell(r, col).value, cell.coordinate
    book = general_exercises[template, kind]
    count, problems = compare(book, recalculated_general_exercises[book])
    assert count > 0 and problems == []


@pytest.mark.parametrize("template", ["xor", "softmax"])
def test_verify_says_a_general_exercise_is_unfinished(general_exercises, template):
    net = load_network(template)
    result = CliRunner().invoke(cli, ["verify", str(general_exercises[template, "gradients"]), "--engine", "formulas", "--json"])
    assert result.exit_code == 1, result.output
    first_derivative = next(i for i, c in enumerate(net.columns()) if c.kind in DERIVATIVES)
    for table in json.loads(result.output)["tables"]:
        finding = table["findings"][0]
        assert finding["kind"] == "empty" and finding["mistake_key"] == "unfinished"
        assert finding["cell"] == f"'{table['sheet']}'!{layout.column_letter(first_derivative + 1)}{FIRST}"


@pytest.fixture(scope="module")
def filled_general_exercises(general_exercises, tmp_path_factory) -> dict[tuple[str, bool], tuple[Path, str]]:
    """(template, slip) -> (the gradients exercise with its empty cells typed in, the worked workbook's formulas, and
    recalculated by LibreOffice; the δ cell of LR 0.5 at iteration 3, twice its value where `slip`)."""
    need_soffice()
    folder = tmp_path_factory.mktemp("general-filled")
    typed, slipped_cells = {}, {}
    for template in ("xor", "softmax"):
        net = load_network(template)
        delta = next(i for i, c in enumerate(net.columns(), start=1) if c.kind is Kind.DELTA)
        for slip in (False, True):
            worked = openpyxl.load_workbook(general_exercises[template, None])
            wb = openpyxl.load_workbook(general_exercises[template, "gradients"])
            for ws in wb.worksheets:
                if ws.title.startswith(layout.LR_SHEET_PREFIX):
                    for row in ws.iter_rows(min_row=FIRST, max_row=FIRST + GENERAL_ITERATIONS):
                        for cell in row:
                            if cell.value is None:
                                cell.value = worked[ws.title][cell.coordinate].value
            slipped = wb["LR 0.5"].cell(FIRST + 3, delta)
            if slip:
                slipped.value = f"=2*({slipped.value[1:]})"
            typed[template, slip] = folder / f"{template}-{'slip' if slip else 'right'}.xlsx"
            wb.save(typed[template, slip])
            slipped_cells[template, slip] = slipped.coordinate
    saved = recalculate_all(list(typed.values()), tmp_path_factory.mktemp("general-filled-lo"))
    return {case: (saved[path], slipped_cells[case]) for case, path in typed.items()}


@pytest.mark.parametrize("template", ["xor", "softmax"])
@pytest.mark.parametrize("slip", [False, True])
def test_a_general_exercise_filled_in_is_graded(filled_general_exercises, template, slip):
    """The empty cells typed in (the worked workbook's formulas), LibreOffice recalculates, verify grades it: it
    passes, and a slip in one δ cell at iteration 3 (twice its value) is named at that cell."""
    saved, slipped = filled_general_exercises[template, slip]
    result = CliRunner().invoke(cli, ["verify", str(saved), "--engine", "formulas", "--json"])
    assert result.exit_code == (1 if slip else 0), result.output
    findings = [f for t in json.loads(result.output)["tables"] for f in t["findings"]]
    assert [f["cell"] for f in findings][:1] == ([f"'LR 0.5'!{slipped}"] if slip else [])
