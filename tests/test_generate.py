"""The generated workbook (excelgen.workbook.write_workbook), read back with openpyxl, pandas and zipfile.

Values are checked against tests/oracle.py (plain Python and finite differences, no shared code)
and the published figures; the LibreOffice recalculation is in test_recalc_libreoffice.py.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import xlsxwriter.workbook
import pandas as pd
import pytest

import oracle
from network import layout
from excelgen.errors import OutputExistsError, TemplateError
from network import load_network
from conftest import classic_values
from excelgen.styles import BLOCK_COLOURS
from excelgen.workbook import build_workbook, write_workbook

RATES = (0.1, 0.2, 0.5, 0.8, 1.0, 2.0)
LR_SHEETS = [f"LR {r}" for r in ("0.1", "0.2", "0.5", "0.8", "1.0", "2.0")]
FIRST = layout.FIRST_DATA_ROW + 1  # 1-based row of iteration 0
COL = {h: layout.column_letter(i + 1) for i, h in enumerate(layout.HEADERS)}


@pytest.fixture(scope="module")
def formulas_book(default_workbook):
    return openpyxl.load_workbook(default_workbook)


@pytest.fixture(scope="module")
def values_book(default_workbook):
    return openpyxl.load_workbook(default_workbook, data_only=True)


@pytest.fixture(scope="module")
def mazur_book(tmp_path_factory) -> Path:
    spec = load_network("mazur").with_options(iterations=30)
    return write_workbook(spec, tmp_path_factory.mktemp("mazur") / "mazur.xlsx")


def test_sheets_in_order(formulas_book):
    assert formulas_book.sheetnames == ["Network", *LR_SHEETS, "Summary"]


@pytest.mark.parametrize("sheet", LR_SHEETS)
def test_e_total_at_iteration_0_matches_the_oracle(values_book, sheet):
    saved = values_book[sheet][f"{COL['E_total']}{FIRST}"].value
    assert round(saved, 10) == oracle.ERA_S6_E_TOTAL_0
    assert saved == pytest.approx(oracle.e_total(oracle.INITIAL_WEIGHTS, oracle.ERA_S6), rel=1e-12)


@pytest.mark.parametrize("sheet, rate", zip(LR_SHEETS, RATES))
def test_saved_gradients_and_updates_match_finite_differences(values_book, sheet, rate):
    ws = values_book[sheet]
    grads = oracle.gradient(oracle.INITIAL_WEIGHTS, oracle.ERA_S6)
    for k, w in enumerate(layout.WEIGHTS):
        assert ws[f"{COL[f'∂E_total/∂{w}']}{FIRST}"].value == pytest.approx(grads[k], rel=1e-6)
    after_10 = oracle.weights_after(10, rate, oracle.INITIAL_WEIGHTS, oracle.ERA_S6)
    saved_10 = tuple(ws[f"{COL[w]}{FIRST + 10}"].value for w in layout.WEIGHTS)
    assert saved_10 == pytest.approx(after_10, rel=1e-8)
    assert ws[f"{COL['E_total']}{FIRST + 10}"].value == pytest.approx(oracle.e_total(after_10, oracle.ERA_S6), rel=1e-8)


def test_mazur_published_figures(mazur_book):
    ws = openpyxl.load_workbook(mazur_book, data_only=True)["LR 0.5"]
    assert round(ws[f"{COL['E_total']}{FIRST}"].value, 9) == oracle.MAZUR_E_TOTAL_0
    for w, published in oracle.MAZUR_AFTER_ONE_UPDATE.items():
        assert ws[f"{COL[w]}{FIRST + 1}"].value == pytest.approx(published, abs=5e-9)


def test_every_computed_cell_is_a_formula(formulas_book):
    last = FIRST + 100
    for sheet in LR_SHEETS:
        ws = formulas_book[sheet]
        assert [ws.cell(r, 1).value for r in range(FIRST, last + 1)] == list(range(101))
        assert ws.cell(last + 1, 1).value is None
        for row in ws.iter_rows(min_row=FIRST, max_row=last, min_col=2, max_col=len(layout.HEADERS), values_only=True):
            assert all(isinstance(v, str) and v.startswith("=") for v in row)


@pytest.mark.parametrize(
    "header, row0, row1",
    [
        ("w1", "=w1_init", "=B5-$B$2*W5"),
        ("w8", "=w8_init", "=I5-$B$2*AD5"),
        ("h1", "=B5*in_i1+C5*in_i2", "=B6*in_i1+C6*in_i2"),
        ("a_h1", "=1/(1+EXP(-J5))", "=1/(1+EXP(-J6))"),
        ("o2", "=H5*K5+I5*M5", "=H6*K6+I6*M6"),
        ("E1", "=0.5*(tgt_t1-O5)^2", "=0.5*(tgt_t1-O6)^2"),
        ("E_total", "=R5+S5", "=R6+S6"),
        ("∂E_total/∂a_h1", "=(O5-tgt_t1)*O5*(1-O5)*F5+(Q5-tgt_t2)*Q5*(1-Q5)*H5", None),
        ("∂E_total/∂w1", "=U5*K5*(1-K5)*in_i1", "=U6*K6*(1-K6)*in_i1"),
        ("∂E_total/∂w8", "=(Q5-tgt_t2)*Q5*(1-Q5)*M5", "=(Q6-tgt_t2)*Q6*(1-Q6)*M6"),
    ],
)
def test_formulas_follow_the_network(formulas_book, header, row0, row1):
    ws = formulas_book["LR 0.5"]
    assert ws[f"{COL[header]}{FIRST}"].value == row0
    if row1:
        assert ws[f"{COL[header]}{FIRST + 1}"].value == row1


def test_no_bias_anywhere_without_biases(formulas_book):
    assert "bias_b1" not in formulas_book.defined_names and "bias_b2" not in formulas_book.defined_names
    for ws in formulas_book.worksheets:
        for row in ws.iter_rows(values_only=True):
            assert not any(isinstance(v, str) and v.startswith("=") and "bias" in v for v in row)


def test_biases_are_named_and_used(mazur_book):
    wb = openpyxl.load_workbook(mazur_book)
    assert wb.defined_names["bias_b1"].attr_text.startswith("Network!")
    ws = wb["LR 0.5"]
    assert ws[f"{COL['h2']}{FIRST}"].value == "=D5*in_i1+E5*in_i2+bias_b1"
    assert ws[f"{COL['o1']}{FIRST}"].value == "=F5*K5+G5*M5+bias_b2"


def test_defined_names_hold_the_template(formulas_book, values_book):
    spec = load_network()
    v = classic_values(spec)
    expected = {"in_i1": v["i1"], "in_i2": v["i2"], "tgt_t1": v["t1"], "tgt_t2": v["t2"]}
    expected |= {f"w{k}_init": v[f"w{k}"] for k in range(1, 9)}
    for name, value in expected.items():
        ((sheet, ref),) = formulas_book.defined_names[name].destinations
        assert sheet == "Network"
        assert values_book[sheet][ref.replace("$", "")].value == value


# the classic LR sheet's header colours, block by block of the Network sheet (README): weights 0, forward pass 1,
# ∂E_total/∂a_h 4, ∂E_total/∂w1..w4 5, ∂E_total/∂w5..w8 3
CLASSIC_BLOCKS = {"iteration": 0} | {f"w{k}": 0 for k in range(1, 9)} | {
    h: 1 for h in ("h1", "a_h1", "h2", "a_h2", "o1", "a_o1", "o2", "a_o2", "E1", "E2", "E_total")} | {
    "∂E_total/∂a_h1": 4, "∂E_total/∂a_h2": 4} | {f"∂E_total/∂w{k}": 5 if k <= 4 else 3 for k in range(1, 9)}


@pytest.mark.parametrize("sheet, rate", zip(LR_SHEETS, RATES))
def test_eta_cell_header_notes_colours_and_frozen_panes(formulas_book, sheet, rate):
    ws = formulas_book[sheet]
    assert ws["A2"].value == "η (learning rate)" and ws["B2"].value == rate
    assert ws.freeze_panes == f"B{FIRST}"
    for col, header_text in enumerate(layout.HEADERS, start=1):
        header = ws.cell(layout.HEADER_ROW + 1, col)
        assert header.value == header_text
        assert header.fill.fgColor.rgb == "FF" + BLOCK_COLOURS[CLASSIC_BLOCKS[header_text]][0].lstrip("#")
        assert header.comment is not None and len(header.comment.text) > 10
    assert "e^(−h1)" in ws[f"{COL['a_h1']}4"].comment.text
    assert "∂E_total/∂a_h1 · a_h1·(1 − a_h1) · i1" in ws[f"{COL['∂E_total/∂w1']}4"].comment.text


def test_every_computed_column_reads_as_numbers_in_pandas(default_workbook):
    for sheet in LR_SHEETS:
        frame = pd.read_excel(default_workbook, sheet_name=sheet, header=layout.HEADER_ROW)
        assert list(frame.columns) == list(layout.HEADERS)
        assert len(frame) == 101
        for header in layout.COMPUTED_HEADERS:
            column = frame[header]
            assert column.dtype == float and column.notna().all() and (column != 0).all(), (sheet, header)


def test_summary_reads_e_total_from_every_lr_sheet(formulas_book, values_book):
    ws, saved = formulas_book["Summary"], values_book["Summary"]
    assert [c.value for c in ws[4]][: 1 + len(LR_SHEETS)] == ["iteration", *(f"E_total, {s}" for s in LR_SHEETS)]
    assert [ws.cell(r, 1).value for r in range(5, 10)] == [0, 1, 10, 50, 100]
    for row, k in zip(range(5, 10), (0, 1, 10, 50, 100)):
        for col, sheet in enumerate(LR_SHEETS, start=2):
            assert ws.cell(row, col).value == f"='{sheet}'!${COL['E_total']}${FIRST + k}"
            assert saved.cell(row, col).value == values_book[sheet][f"{COL['E_total']}{FIRST + k}"].value


def test_charts_on_every_lr_sheet_and_the_summary(default_workbook):
    charts = _charts_by_sheet(default_workbook)
    e_total = f"${COL['E_total']}${FIRST}:${COL['E_total']}${FIRST + 100}</c:f>"
    for sheet in LR_SHEETS:
        linear, log, weights = charts[sheet]  # E_total, E_total on a log scale, and the weights
        assert f"<c:f>'{sheet}'!{e_total}" in linear and f"<c:f>'{sheet}'!{e_total}" in log
        assert '<c:logBase val="10"/>' in log and "logBase" not in linear + weights
        assert all(f"'{sheet}'!${COL[w]}$" in weights for w in layout.WEIGHTS)
    linear, log = charts["Summary"]
    for chart in (linear, log):
        assert all(f"'{sheet}'!{e_total}" in chart for sheet in LR_SHEETS)
    assert '<c:logBase val="10"/>' in log and "logBase" not in linear


def test_lr_sheet_charts_sit_side_by_side_in_the_chart_band(default_workbook):
    """Each chart is anchored in the chart band's first row and spans CHART_COLUMNS columns, the next one starting
    where it ends (tests/test_lr_charts.py: they never reach the table)."""
    from excelgen.lr_sheet import CHART_COLUMNS

    CHART_ROW = layout.CHART_BAND[0]

    z = zipfile.ZipFile(default_workbook)
    drawing = z.read("xl/drawings/drawing2.xml").decode()  # the first LR sheet's
    anchors = [(int(c), int(r)) for c, r in re.findall(r"<xdr:from><xdr:col>(\d+)</xdr:col>.*?<xdr:row>(\d+)</xdr:row>", drawing)]
    assert anchors == [(1 + i * CHART_COLUMNS, CHART_ROW) for i in range(3)]


def test_same_input_gives_the_same_bytes(tmp_path):
    spec = load_network("mazur").with_options(iterations=5, learning_rates=(0.5, 1.5))
    first = write_workbook(spec, tmp_path / "a.xlsx")
    second = write_workbook(spec, tmp_path / "b.xlsx")
    assert first.read_bytes() == second.read_bytes()


def test_parts_are_deflated_at_the_fast_level(default_workbook):
    """Every part is stored as zlib's level DEFLATE_LEVEL makes it (a raw deflate stream of the same bytes), and
    XlsxWriter's own ZipFile is back afterwards."""
    import zlib

    from excelgen.workbook import DEFLATE_LEVEL

    with zipfile.ZipFile(default_workbook) as z:
        for info in z.infolist():
            packer = zlib.compressobj(DEFLATE_LEVEL, zlib.DEFLATED, -15)
            stream = packer.compress(z.read(info)) + packer.flush()
            assert (info.compress_type, info.compress_size) == (zipfile.ZIP_DEFLATED, len(stream)), info.filename
    assert xlsxwriter.workbook.ZipFile is zipfile.ZipFile


@pytest.mark.parametrize(
    "template, exercise", [("era-s6", None), ("mazur", None), ("era-s6", "gradients"), ("mazur", "forward")]
)
def test_fast_rows_write_exactly_what_write_formula_writes(tmp_path, template, exercise):
    """Every part of the zip, compared: the row templates against XlsxWriter's own cell-by-cell path
    (an exercise's empty yellow cells included)."""
    spec = load_network(template).with_options(iterations=12, learning_rates=(0.5, 3.0))
    build_workbook(spec, tmp_path / "fast.xlsx", exercise=exercise)
    build_workbook(spec, tmp_path / "slow.xlsx", fast=False, exercise=exercise)
    fast, slow = zipfile.ZipFile(tmp_path / "fast.xlsx"), zipfile.ZipFile(tmp_path / "slow.xlsx")
    assert fast.namelist() == slow.namelist()
    sheets = [n for n in fast.namelist() if n.startswith("xl/worksheets/sheet")]
    assert len(sheets) == 4 and {"xl/charts/chart5.xml", "xl/comments2.xml"} <= set(fast.namelist())
    for name in fast.namelist():
        assert fast.read(name) == slow.read(name), name
    assert b'<row r="6"><c r="A6" s="' in fast.read("xl/worksheets/sheet2.xml")


def test_an_existing_file_is_untouched_without_force(tmp_path):
    target = tmp_path / "backprop.xlsx"
    target.write_bytes(b"my own work")
    with pytest.raises(OutputExistsError, match="--force"):
        write_workbook(load_network(), target)
    assert target.read_bytes() == b"my own work"
    write_workbook(load_network(), target, force=True)
    assert zipfile.is_zipfile(target)


def test_a_failed_run_leaves_the_old_file_and_no_temporary_files(tmp_path):
    target = tmp_path / "backprop.xlsx"
    target.write_bytes(b"my own work")
    diverging = load_network().with_options(learning_rates=(1e9,))
    with pytest.raises(TemplateError, match="overflow"):
        write_workbook(diverging, target, force=True)
    assert target.read_bytes() == b"my own work"
    assert [p.name for p in tmp_path.iterdir()] == ["backprop.xlsx"]


def _charts_by_sheet(path: Path) -> dict[str, list[str]]:
    """Sheet name -> the XML of its charts, following workbook -> sheet -> drawing -> chart relations."""
    z = zipfile.ZipFile(path)
    ns = {
        "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
        "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    }

    def targets(part: str, kind: str) -> list[str]:
        rels = posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")
        if rels not in z.namelist():
            return []
        root = ElementTree.fromstring(z.read(rels))
        return [
            posixpath.normpath(posixpath.join(posixpath.dirname(part), r.get("Target")))
            for r in root
            if r.get("Type").endswith("/" + kind)
        ]

    book = ElementTree.fromstring(z.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    by_id = {r.get("Id"): posixpath.join("xl", r.get("Target")) for r in rels}
    charts = {}
    for sheet in book.find("m:sheets", ns):
        part = by_id[sheet.get(f"{{{ns['r']}}}id")]
        found = [c for d in targets(part, "drawing") for c in targets(d, "chart")]
        charts[sheet.get("name")] = [z.read(c).decode() for c in found]
    return charts
