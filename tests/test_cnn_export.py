"""The CNN sheets: the round trip from the run folder, nothing else in the workbook changed, live formulas."""

from __future__ import annotations

import csv
import json
import shutil
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from click.testing import CliRunner

from cnn.config import Layer, receptive_fields
from cnn.export import ARCHITECTURE_HEADERS, ARCHITECTURE_SHEET, CNN_SHEETS, CONFUSION_SHEET, TRAINING_SHEET, cnn_sheets
from cnn.runfolder import METRIC_COLUMNS, layers_as_records
from excelgen.errors import RunFolderError
from conftest import need_soffice
from backprop_sheet.cli import cli
from network import load_network
from excelgen.workbook import write_workbook
from verify.reading.libreoffice import recalculate

# Published hand-worked example: Dang Ha The Hien, "A guide to receptive field arithmetic for CNNs" (2017):
# a 5×5 input, then twice a 3×3 convolution with padding 1 and stride 2 -> 3×3 (jump 2, field 3),
# then 2×2 (jump 4, field 7).
GUIDE = (
    Layer("conv1", "conv", 3, 2, 1, 1, 1, False, False, 5),
    Layer("conv2", "conv", 3, 2, 1, 1, 1, False, False, 3),
)
GUIDE_SIZES_JUMPS_FIELDS = [(3, 2, 3), (2, 4, 7)]
# Worked by hand: 28 -> conv 3×3 (26, j 1, r 3) -> conv 3×3 (24, 1, 5) -> max-pool 2×2 (12, 2, 6)
# -> conv 3×3 (10, 2, 10) -> global average pool over 10×10 (1, 2, 28) -> 1×1 conv (1, 2, 28).
# Parameters: 9·1·8 + 2·8 = 88; 9·8·16 + 2·16 = 1184; 9·16·16 + 32 = 2336; 16·10 + 10 = 170.
COURSE = (
    Layer("conv1", "conv", 3, 1, 0, 1, 8, False, True, 28),
    Layer("conv2", "conv", 3, 1, 0, 8, 16, False, True, 26),
    Layer("pool1", "maxpool", 2, 2, 0, 16, 16, False, False, 24),
    Layer("conv3", "conv", 3, 1, 0, 16, 16, False, True, 12),
    Layer("gap", "gap", 10, 1, 0, 16, 16, False, False, 10),
    Layer("head", "conv", 1, 1, 0, 16, 10, True, False, 1),
)
COURSE_SIZES_JUMPS_FIELDS = [(26, 1, 3), (24, 1, 5), (12, 2, 6), (10, 2, 10), (1, 2, 28), (1, 2, 28)]
COURSE_PARAMS = [88, 1184, 0, 2336, 0, 170]


@pytest.mark.parametrize("layers, expected", [(GUIDE, GUIDE_SIZES_JUMPS_FIELDS), (COURSE, COURSE_SIZES_JUMPS_FIELDS)])
def test_receptive_field_arithmetic_against_hand_worked_examples(layers, expected):
    fields = receptive_fields(layers)
    assert [(layer.output_size, jump, field) for layer, (jump, field) in zip(layers, fields)] == expected


def test_parameter_formula_against_a_hand_count():
    assert [layer.params for layer in COURSE] == COURSE_PARAMS


@pytest.fixture(scope="module")
def workbooks(cnn_run, tmp_path_factory) -> tuple[Path, Path]:
    """The default workbook without and with the CNN sheets."""
    folder = tmp_path_factory.mktemp("export")
    spec = load_network()
    return write_workbook(spec, folder / "plain.xlsx"), write_workbook(spec, folder / "cnn.xlsx", extra_sheets=cnn_sheets(cnn_run))


def test_cnn_sheets_come_after_the_backprop_sheets(workbooks):
    plain, with_cnn = (openpyxl.load_workbook(p, read_only=True).sheetnames for p in workbooks)
    assert with_cnn == plain + list(CNN_SHEETS)


def test_backprop_sheets_unchanged_part_by_part(workbooks):
    """Every part of the plain workbook is byte for byte in the other, except the workbook-wide lists."""
    plain, with_cnn = (zipfile.ZipFile(p) for p in workbooks)
    listing = {"[Content_Types].xml", "docProps/app.xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels",
               "xl/styles.xml"}
    for name in plain.namelist():
        if name not in listing:
            assert plain.read(name) == with_cnn.read(name), name
    sheets = [n for n in plain.namelist() if n.startswith("xl/worksheets/sheet")]
    assert len(sheets) == len(load_network().learning_rates) + 2  # Network, one per rate, Summary


def test_backprop_styles_keep_their_meaning(workbooks):
    """Every cell style index of the plain workbook resolves to the same font, fill, border and number format."""
    plain, with_cnn = (_resolved_styles(zipfile.ZipFile(p).read("xl/styles.xml")) for p in workbooks)
    assert with_cnn[: len(plain)] == plain


def _resolved_styles(xml: bytes) -> list[tuple[str, ...]]:
    from xml.etree import ElementTree as ET

    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    root = ET.fromstring(xml)

    def items(tag: str, child: str) -> list[str]:
        return [ET.tostring(e).decode() for e in root.findall(f"m:{tag}/m:{child}", ns)]

    fonts, fills, borders = items("fonts", "font"), items("fills", "fill"), items("borders", "border")
    formats = {e.get("numFmtId"): e.get("formatCode") for e in root.findall("m:numFmts/m:numFmt", ns)}
    resolved = []
    for xf in root.findall("m:cellXfs/m:xf", ns):
        number = xf.get("numFmtId", "0")
        resolved.append((
            fonts[int(xf.get("fontId", 0))], fills[int(xf.get("fillId", 0))], borders[int(xf.get("borderId", 0))],
            formats.get(number, number), "".join(ET.tostring(child).decode() for child in xf),
        ))
    return resolved


def test_training_sheet_equals_metrics_csv(workbooks, cnn_run):
    ws = openpyxl.load_workbook(workbooks[1])[TRAINING_SHEET]
    rows = list(ws.iter_rows(min_row=3, values_only=True))
    assert tuple(rows[0][: len(METRIC_COLUMNS)]) == METRIC_COLUMNS
    with (cnn_run / "metrics.csv").open(newline="") as f:
        expected = [[float(v) for v in row] for row in list(csv.reader(f))[1:]]
    assert [list(r[: len(METRIC_COLUMNS)]) for r in rows[1 : 1 + len(expected)]] == expected
    charts = zipfile.ZipFile(workbooks[1]).namelist()
    assert len([n for n in charts if n.startswith("xl/charts/chart")]) >= 2


def test_confusion_sheet_equals_confusion_csv(workbooks, cnn_run):
    ws = openpyxl.load_workbook(workbooks[1])[CONFUSION_SHEET]
    with (cnn_run / "confusion.csv").open(newline="") as f:
        expected = [[int(v) for v in row[1:]] for row in list(csv.reader(f))[1:]]
    matrix = [list(r[1:11]) for r in ws.iter_rows(min_row=4, max_row=13, values_only=True)]
    assert matrix == expected
    assert ws.conditional_formatting  # the colour scale


@pytest.fixture(scope="module")
def recalculated(workbooks, tmp_path_factory) -> Path:
    need_soffice()
    return recalculate(workbooks[1], tmp_path_factory.mktemp("recalc") / "cnn.xlsx")


def test_cnn_formulas_recalculate_to_their_saved_values(workbooks, recalculated):
    saved, fresh = (openpyxl.load_workbook(p, data_only=True) for p in (workbooks[1], recalculated))
    formulas = openpyxl.load_workbook(workbooks[1])
    checked = 0
    for name in (TRAINING_SHEET, ARCHITECTURE_SHEET, CONFUSION_SHEET):  # CNN Forward: tests/test_cnn_forward.py
        for row in formulas[name].iter_rows():
            for c in row:
                if isinstance(c.value, str) and c.value.startswith("="):
                    a, b = saved[name][c.coordinate].value, fresh[name][c.coordinate].value
                    assert b == pytest.approx(a, rel=1e-12), f"{name}!{c.coordinate} {c.value}"
                    checked += 1
    assert checked > 50


def test_architecture_sheet_total_equals_what_pytorch_counts(workbooks, recalculated, cnn_run):
    ws = openpyxl.load_workbook(recalculated, data_only=True)[ARCHITECTURE_SHEET]
    params_col = ARCHITECTURE_HEADERS.index("parameters")
    labelled = {r[0]: r[params_col] for r in ws.iter_rows(values_only=True) if r[0]}
    counted = json.loads((cnn_run / "summary.json").read_text())["parameters"]
    assert labelled["total parameters (sum of the column)"] == counted
    assert labelled["the two agree"] is True


def test_architecture_formulas_reproduce_the_hand_worked_examples(cnn_run, tmp_path):
    """Live formulas, recalculated by LibreOffice, against the published example and a hand count."""
    need_soffice()
    book = tmp_path / "course.xlsx"
    for layers, expected, name in ((GUIDE, GUIDE_SIZES_JUMPS_FIELDS, "guide"), (COURSE, COURSE_SIZES_JUMPS_FIELDS, "course")):
        run = tmp_path / name
        shutil.copytree(cnn_run, run)
        (run / "architecture.json").write_text(json.dumps(layers_as_records(layers)))
        # these layers are no model of cnn.model, so no CNN Forward sheet (model.pt is of another model)
        book = write_workbook(load_network(), tmp_path / f"{name}.xlsx", extra_sheets=cnn_sheets(run, None))
        fresh = openpyxl.load_workbook(recalculate(book, tmp_path / f"{name}-recalc.xlsx"), data_only=True)
        rows = list(fresh[ARCHITECTURE_SHEET].iter_rows(min_row=5, max_row=4 + len(layers), values_only=True))
        col = ARCHITECTURE_HEADERS.index
        got = [(r[col("output size")], r[col("jump")], r[col("receptive field")]) for r in rows]
        assert got == expected
        if layers is COURSE:
            assert [r[col("parameters")] for r in rows] == COURSE_PARAMS


@pytest.mark.parametrize("damage, message", [
    (lambda run: shutil.rmtree(run), "not found: train first"),
    (lambda run: (run / "metrics.csv").unlink(), "metrics.csv not found"),
    (lambda run: (run / "metrics.csv").write_text("epoch,lr\n1,0.1\n"), "expected a header"),
    (lambda run: (run / "confusion.csv").write_text("x\n1,2\n"), "10 rows of 10"),
    (lambda run: (run / "architecture.json").write_text("{broken"), "not valid JSON"),
])
def test_bad_run_folder_is_exit_2_and_writes_nothing(cnn_run, tmp_path, damage, message):
    run = tmp_path / "run"
    shutil.copytree(cnn_run, run)
    damage(run)
    target = tmp_path / "book.xlsx"
    with pytest.raises(RunFolderError, match=message):
        write_workbook(load_network(), target, extra_sheets=cnn_sheets(run))
    assert not target.exists()
    if run.exists():  # generate's --cnn-run itself refuses a missing folder through click
        result = CliRunner().invoke(cli, ["generate", "-o", str(target), "--cnn-run", str(run)])
        assert result.exit_code == 2
        assert message in result.output and "Traceback" not in result.output
        assert not target.exists()


def test_train_workbook_regenerates_the_whole_workbook(mnist_dir, tmp_path):
    book = tmp_path / "backprop.xlsx"
    book.write_bytes(b"an older workbook")  # replaced with --force only (tests/test_generate_outputs.py: refused without)
    args = ["train", "--data-dir", str(mnist_dir), "--dry-run", "--threads", "1", "--quiet",
            "--out", str(tmp_path / "run"), "--workbook", str(book), "--template", "mazur", "--force"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    names = openpyxl.load_workbook(book, read_only=True).sheetnames
    assert names[0] == "Network" and "LR 0.5" in names and names[-len(CNN_SHEETS):] == list(CNN_SHEETS)


def test_train_checks_the_workbook_template_before_training(mnist_dir, tmp_path):
    args = ["train", "--data-dir", str(mnist_dir), "--dry-run", "--out", str(tmp_path / "run"),
            "--workbook", str(tmp_path / "book.xlsx"), "--template", "no-such-template"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert "no-such-template" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "run").exists() and not (tmp_path / "book.xlsx").exists()


def _cnn_texts(path: Path) -> list[str]:
    wb = openpyxl.load_workbook(path, read_only=True)
    return [v for name in CNN_SHEETS for row in wb[name].iter_rows(values_only=True) for v in row if isinstance(v, str)]


def test_words_and_numbers_come_from_the_run_folder(workbooks, cnn_run):
    """A dry run used a slice of the test set: the sheets say how many images, and that it was a dry run."""
    with (cnn_run / "confusion.csv").open(newline="") as f:
        images = sum(int(v) for row in list(csv.reader(f))[1:] for v in row[1:])
    assert json.loads((cnn_run / "summary.json").read_text())["dry_run"] is True and images < 10_000
    wb = openpyxl.load_workbook(workbooks[1], read_only=True)
    titles = {name: wb[name]["A1"].value for name in CNN_SHEETS}
    assert all(t.startswith(f"DRY RUN ({images:,} test images") for t in titles.values()), titles
    assert f"on the {images:,} test images" in titles[CONFUSION_SHEET]
    assert f"on the {images:,} test images" in wb[TRAINING_SHEET]["A2"].value
    assert not any("10,000" in t for t in _cnn_texts(workbooks[1]))


def test_a_full_run_is_not_marked_as_a_dry_run(cnn_run, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(cnn_run, run)
    summary = json.loads((run / "summary.json").read_text())
    (run / "summary.json").write_text(json.dumps(summary | {"dry_run": False}))
    book = write_workbook(load_network(), tmp_path / "book.xlsx", extra_sheets=cnn_sheets(run))
    assert not any("DRY RUN" in t for t in _cnn_texts(book))


def test_yellow_means_type_here_on_every_sheet(workbooks):
    """Every yellow cell of the whole workbook holds a typed value, never a formula; the CNN Architecture's
    kernels, strides and paddings of the convolutions are yellow."""
    from excelgen.styles import INPUT_FILL

    wb = openpyxl.load_workbook(workbooks[1])
    yellow = INPUT_FILL.lstrip("#").upper()
    formulas_checked = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                is_yellow = (c.fill.fgColor.rgb or "").upper().endswith(yellow)
                is_formula = isinstance(c.value, str) and c.value.startswith("=")
                assert not (is_yellow and is_formula), f"{ws.title}!{c.coordinate} {c.value}"
                formulas_checked += is_formula
    assert formulas_checked > 1000
    ws = wb[ARCHITECTURE_SHEET]
    col = {name: i + 1 for i, name in enumerate(ARCHITECTURE_HEADERS)}
    convs = [r for r in range(5, ws.max_row + 1) if ws.cell(r, col["kind"]).value == "conv"]
    assert convs
    for r in convs:
        for name in ("kernel", "stride", "padding", "channels out"):
            assert ws.cell(r, col[name]).fill.fgColor.rgb.upper().endswith(yellow), (r, name)


def test_counts_share_one_number_format(workbooks):
    wb = openpyxl.load_workbook(workbooks[1])
    confusion = wb[CONFUSION_SHEET]
    cells = [confusion.cell(r, c) for r in range(4, 15) for c in range(2, 13)]  # counts, images per digit, all
    params = ARCHITECTURE_HEADERS.index("parameters") + 1
    arch = wb[ARCHITECTURE_SHEET]
    cells += [arch.cell(r, params) for r in range(4, arch.max_row + 1) if isinstance(arch.cell(r, params).value, int)]
    cells = [c for c in cells if c.value is not None and not isinstance(c.value, bool)]
    assert len(cells) > 100
    assert {c.number_format for c in cells if not str(c.value).startswith("=IF")} == {"#,##0"}


def test_accuracy_axis_ticks_on_round_numbers(workbooks):
    import re

    z = zipfile.ZipFile(workbooks[1])
    (chart,) = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/") and b"Accuracy against" in z.read(n)]
    value_axis = chart[chart.rindex("<c:valAx>"):]
    low, high, unit = (float(re.search(f'<c:{tag} val="([^"]+)"/>', value_axis)[1]) for tag in ("min", "max", "majorUnit"))
    assert high == 100 and low % unit == 0 and 0 <= low < 100
    assert unit / 10 ** np.floor(np.log10(unit)) in (1, 2, 5)


@pytest.mark.parametrize("low, high, expected", [
    (11.3, 100, (0, 100, 20)),
    (93.2, 100, (92, 100, 2)),
    (97.5, 99.1, (97.5, 99.5, 0.5)),
    (98.94, 99.42, (98.9, 99.5, 0.1)),
])
def test_round_scale(low, high, expected):
    from excelgen.styles import round_scale

    assert tuple(round_scale(low, high).values()) == expected


def test_generate_says_which_sheets_it_added(cnn_run, tmp_path):
    result = CliRunner().invoke(cli, ["generate", "-o", str(tmp_path / "b.xlsx"), "--cnn-run", str(cnn_run)])
    assert result.exit_code == 0, result.output
    assert f"Added the CNN sheets {', '.join(CNN_SHEETS)} from {cnn_run}." in result.output.splitlines()
