"""The CNN Forward sheet: the trained model's forward pass on one digit, live, equal to PyTorch.

The oracle is PyTorch itself (cnn.predict runs the model of model.pt), and every workbook is recalculated by
real LibreOffice. The run folders come from `train --dry-run`: the sheet must equal PyTorch for any weights.
"""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from click.testing import CliRunner

from cnn.export import CNN_SHEETS, cnn_sheets
from cnn.forward_sheet import FORWARD_SHEET, LABEL_NAME, PIXELS_NAME, PREDICTION_NAME, PROBABILITIES_NAME
from cnn.runfolder import read_run
from conftest import need_soffice, need_torch, recalculate_all
from backprop_sheet.cli import cli
from excelgen.printing import LEGIBLE_SCALE
from network import load_network
from excelgen.workbook import write_workbook

SPEC = load_network().with_options(iterations=2)  # small LR sheets: the CNN sheets are the point here
# (model, test image): the first five test images (digits 7, 2, 1, 0, 4) shared out over the three models
CASES = [("8k", 0), ("8k", 1), ("8k", 2), ("20k", 3), ("20k", 4), ("padded", 0)]
FIRST = {model: next(case for case in CASES if case[0] == model) for model, _ in CASES}  # model -> its first case
STROKE = "stroke"  # the 8k workbook of digit 0, with a bar painted across the digit in a copy
RTOL, ATOL = 1e-9, 1e-12  # saved values against LibreOffice, as `verify` compares cells


@pytest.fixture(scope="module")
def generated_books(cnn_runs, tmp_path_factory) -> dict[object, Path]:
    """case -> the workbook as generated (STROKE: the 8k workbook of digit 0 with a bar painted across it)."""
    folder = tmp_path_factory.mktemp("forward")
    made = {
        (model, digit): write_workbook(SPEC, folder / f"{model}-{digit}.xlsx", extra_sheets=cnn_sheets(cnn_runs[model], digit))
        for model, digit in CASES
    }
    made[STROKE] = _paint_stroke(made[("8k", 0)], folder / "stroke.xlsx")
    return made


@pytest.fixture(scope="module")
def books(generated_books, tmp_path_factory) -> dict[object, tuple[Path, Path]]:
    """case -> (the workbook as generated, the same recalculated by LibreOffice), in two LibreOffice runs at once."""
    need_soffice()
    fresh = recalculate_all(list(generated_books.values()), tmp_path_factory.mktemp("recalculated"), processes=2)
    return {case: (path, fresh[path]) for case, path in generated_books.items()}


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}-digit{c[1]}")
def test_the_sheet_equals_pytorch_after_recalculation(books, cnn_runs, mnist_dir, case):
    from cnn import predict
    from cnn.data import load_mnist

    model, digit = case
    wb = _open(books[case][1], data_only=True)
    pixels = _named(wb, PIXELS_NAME)
    test = load_mnist(mnist_dir, train=False)
    assert pixels.shape == (28, 28) and (pixels == test.images[digit].numpy()).all()
    assert _named(wb, LABEL_NAME).item() == test.labels[digit].item()
    expected = predict(cnn_runs[model], pixels)
    probabilities = _named(wb, PROBABILITIES_NAME).reshape(-1)
    assert probabilities.shape == (10,)
    assert np.abs(probabilities - expected).max() <= 1e-6
    assert _named(wb, PREDICTION_NAME).item() == int(np.argmax(expected))
    _assert_no_error_values(wb[FORWARD_SHEET])


@pytest.mark.slow
def test_a_painted_stroke_changes_the_sheet_as_it_changes_pytorch(books, cnn_runs):
    from cnn import predict

    before, after = (_open(books[case][1], data_only=True) for case in (("8k", 0), STROKE))
    pixels = _named(after, PIXELS_NAME)
    assert (pixels != _named(before, PIXELS_NAME)).sum() > 20
    probabilities = _named(after, PROBABILITIES_NAME).reshape(-1)
    assert np.abs(probabilities - predict(cnn_runs["8k"], pixels)).max() <= 1e-6
    assert np.abs(probabilities - _named(before, PROBABILITIES_NAME).reshape(-1)).max() > 1e-3  # it did change
    _assert_no_error_values(after[FORWARD_SHEET])


@pytest.mark.slow
@pytest.mark.parametrize("case", [("8k", 0), ("20k", 3), ("padded", 0)], ids=lambda c: f"{c[0]}-digit{c[1]}")
def test_saved_values_come_from_pytorch_and_equal_libreoffice(books, cnn_runs, case):
    """Every formula cell's saved value equals LibreOffice's recalculation; the saved probabilities are PyTorch's."""
    from cnn import predict

    generated, recalculated = books[case]
    saved = _open(generated, data_only=True)
    sheets = (_open(generated)[FORWARD_SHEET], saved[FORWARD_SHEET], _open(recalculated, data_only=True)[FORWARD_SHEET])
    checked = 0
    for rows in zip(*(ws.iter_rows() for ws in sheets)):
        for c, a, b in zip(*(_padded(row, len(rows[0])) for row in rows)):
            if isinstance(c.value, str) and c.value.startswith("="):
                a, b = a.value, b.value
                assert isinstance(b, (int, float)), f"{c.coordinate} {c.value}: {b!r}"
                assert abs(a - b) <= max(ATOL, RTOL * max(abs(a), abs(b))), f"{c.coordinate} {c.value[:60]}: {a} {b}"
                checked += 1
    layers = read_run(cnn_runs[case[0]]).layers
    maps = sum(layer.channels_out * layer.output_size**2 for layer in layers[:-1])
    assert checked > maps  # every map cell, the normalisation and the softmax
    pixels = _named(saved, PIXELS_NAME)
    assert _named(saved, PROBABILITIES_NAME).reshape(-1) == pytest.approx(predict(cnn_runs[case[0]], pixels), abs=1e-12)


@pytest.mark.parametrize("model", ["8k", "20k", "padded"])
def test_every_trained_value_is_a_yellow_typed_cell(generated_books, cnn_runs, model):
    """The yellow cells are the pixels, the label and every number of model.pt (weights, BatchNorm's running
    statistics, γ, β, biases), each once; no yellow cell holds a formula."""
    import torch

    from excelgen.styles import INPUT_FILL

    state = torch.load(cnn_runs[model] / "model.pt", weights_only=True)
    expected = 28 * 28 + 1 + sum(t.numel() for name, t in state.items() if not name.endswith("num_batches_tracked"))
    ws = _open(generated_books[FIRST[model]])[FORWARD_SHEET]
    yellow = [c for row in ws.iter_rows() for c in row
              if c.value is not None and (c.fill.fgColor.rgb or "").upper().endswith(INPUT_FILL.lstrip("#").upper())]
    assert all(isinstance(c.value, (int, float)) for c in yellow)
    assert len(yellow) == expected


@pytest.mark.parametrize("model", ["8k", "20k", "padded"])
def test_each_layer_is_labelled_with_its_shape(generated_books, cnn_runs, model):
    ws = _open(generated_books[FIRST[model]])[FORWARD_SHEET]
    texts = [v for row in ws.iter_rows(values_only=True) for v in row if isinstance(v, str)]
    for layer in read_run(cnn_runs[model]).layers:
        shape = (f"output {layer.channels_out} × {layer.output_size} × {layer.output_size}" if layer.name != "head"
                 else "output 10 probabilities")
        assert any(t.startswith(f"{layer.name} · ") and shape in t for t in texts), (layer.name, shape)


def test_the_other_sheets_are_unchanged(cnn_run, tmp_path):
    """Every part of a workbook generated without CNN Forward is byte for byte in the one with it, except the
    workbook-wide lists; the cell styles of the one without are the first ones of the other, unchanged."""
    without = write_workbook(load_network(), tmp_path / "without.xlsx", extra_sheets=cnn_sheets(cnn_run, None))
    with_it = write_workbook(load_network(), tmp_path / "with.xlsx", extra_sheets=cnn_sheets(cnn_run, 0))
    a, b = zipfile.ZipFile(without), zipfile.ZipFile(with_it)
    listing = {"[Content_Types].xml", "docProps/app.xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels",
               "xl/styles.xml"}
    for name in a.namelist():
        if name not in listing:
            assert a.read(name) == b.read(name), name
    styles = [re.search(rb"<cellXfs[^>]*>(.*)</cellXfs>", z.read("xl/styles.xml"), re.S)[1] for z in (a, b)]
    assert b"<xf " in styles[0] and styles[1].startswith(styles[0])
    names = openpyxl.load_workbook(with_it, read_only=True).sheetnames
    assert names == openpyxl.load_workbook(without, read_only=True).sheetnames + [FORWARD_SHEET]
    assert names[-len(CNN_SHEETS):] == list(CNN_SHEETS)


def test_same_run_and_digit_give_the_same_bytes(cnn_run, tmp_path):
    first, second = (write_workbook(SPEC, tmp_path / f"{k}.xlsx", extra_sheets=cnn_sheets(cnn_run, 3)) for k in (1, 2))
    assert first.read_bytes() == second.read_bytes()


def test_printed_landscape_at_a_legible_scale_with_page_numbers(generated_books):
    book = zipfile.ZipFile(generated_books[("8k", 0)])
    workbook = book.read("xl/workbook.xml").decode()
    sheets = re.findall(r'<sheet name="([^"]+)" sheetId="\d+" r:id="rId(\d+)"', workbook)
    number = next(i for i, (name, _) in enumerate(sheets, start=1) if name == FORWARD_SHEET)
    xml = book.read(f"xl/worksheets/sheet{number}.xml").decode()
    setup = re.search(r'<pageSetup [^>]*scale="(\d+)"[^>]*orientation="landscape"', xml)
    assert setup and int(setup[1]) >= LEGIBLE_SCALE and "fitToPage" not in xml  # tests/test_printing.py prints it
    assert "&amp;P of &amp;N" in xml and "<pageMargins " in xml
    assert "<rowBreaks " in xml  # pages break between maps, not through them


@pytest.fixture
def run_copy(cnn_runs, tmp_path) -> Path:
    run = tmp_path / "run"
    shutil.copytree(cnn_runs["8k"], run)
    return run


@pytest.mark.parametrize("damage, flags, message", [
    (None, ["--cnn-digit", "100"], "--cnn-digit 100: out of range"),
    (None, ["--cnn-digit", "-1"], "--cnn-digit -1: out of range"),
    (lambda run, runs: (run / "model.pt").unlink(), [], "model.pt not found"),
    (lambda run, runs: shutil.copy(runs["20k"] / "model.pt", run / "model.pt"), [],
     "model.pt does not match architecture.json: features.3.weight is (16, 8, 3, 3) there, (8, 8, 3, 3) by the architecture"),
    (lambda run, runs: (run / "model.pt").write_bytes(b"not a model"), [], "model.pt: cannot load it"),
    (lambda run, runs: (run / "test_digits.csv").unlink(), [], "test_digits.csv not found"),
    (lambda run, runs: (run / "architecture.json").write_text(json.dumps(
        json.loads((run / "architecture.json").read_text())[:-1])), [], "architecture.json: these layers are not"),
], ids=["digit-too-large", "digit-negative", "no-model", "another-model", "damaged-model", "no-digits",
        "not-a-model"])
def test_bad_input_is_one_line_exit_2_and_nothing_written(run_copy, cnn_runs, tmp_path, damage, flags, message):
    need_torch()
    if damage is not None:
        damage(run_copy, cnn_runs)
    target = tmp_path / "out" / "book.xlsx"
    target.parent.mkdir()
    result = CliRunner().invoke(cli, ["generate", "-o", str(target), "--cnn-run", str(run_copy), *flags])
    assert result.exit_code == 2, result.output
    assert result.output.startswith("Error: ") and result.output.count("\n") == 1, result.output
    assert message in result.output and "Traceback" not in result.output
    assert list(target.parent.iterdir()) == []


def test_cnn_digit_needs_a_run_folder(tmp_path):
    result = CliRunner().invoke(cli, ["generate", "-o", str(tmp_path / "b.xlsx"), "--cnn-digit", "3"])
    assert result.exit_code == 2 and "--cnn-digit needs --cnn-run" in result.output
    assert list(tmp_path.iterdir()) == []


def test_predict_is_the_trained_model_in_eval_mode(cnn_runs, mnist_dir):
    """cnn.predict against the training code's own path: the configuration of summary.json, cnn.data's float32
    normalisation and the float32 model, as evaluate() runs it."""
    import torch

    from cnn import predict
    from cnn.config import ModelConfig
    from cnn.data import load_mnist, normalise
    from cnn.model import Net

    images = load_mnist(mnist_dir, train=False).head(8).images
    for name, run in cnn_runs.items():
        model = json.loads((run / "summary.json").read_text())["config"]["model"]
        net = Net(ModelConfig(tuple(map(tuple, model["blocks"])), tuple(model["padding"]), model["dropout"]))
        net.load_state_dict(torch.load(run / "model.pt", weights_only=True))
        with torch.inference_mode():
            expected = torch.softmax(net.eval()(normalise(images.clone())), dim=1).numpy()
        got = np.stack([predict(run, image.numpy()) for image in images])
        assert got.shape == (8, 10) and got.sum(axis=1) == pytest.approx(1, abs=1e-12)
        assert np.abs(got - expected).max() < 1e-5, name
    with pytest.raises(ValueError, match="28 × 28"):
        predict(cnn_runs["8k"], np.zeros((28, 27)))


def _open(path: Path, data_only: bool = False) -> openpyxl.Workbook:
    """A workbook read lazily (openpyxl's read-only mode): the test process stays small, for tests that measure
    the memory of the children it starts (tests/test_hostile.py)."""
    return openpyxl.load_workbook(path, read_only=True, data_only=data_only)


def _padded(row: tuple, width: int) -> tuple:
    """A read-only row, which ends at its last cell, padded with empty cells to `width`."""
    return row + (openpyxl.cell.read_only.EMPTY_CELL,) * (width - len(row))


def _named(wb: openpyxl.Workbook, name: str) -> np.ndarray:
    """The values of a defined name's cells, as a 2-D array."""
    ((sheet, ref),) = wb.defined_names[name].destinations
    cells = wb[sheet][ref.replace("$", "")]
    rows = cells if isinstance(cells, tuple) else ((cells,),)
    return np.array([[c.value for c in row] for row in rows])


def _assert_no_error_values(ws) -> None:
    errors = [(c.coordinate, c.value) for row in ws.iter_rows() for c in row
              if isinstance(c.value, str) and re.fullmatch(r"#[A-Z0-9/]+[!?]?|Err:\d+|#N/A", c.value)]
    assert not errors


def _paint_stroke(source: Path, target: Path) -> Path:
    """A copy of the workbook with a thick bar of ink painted across the digit (rows 13-14, columns 4-23)."""
    wb = openpyxl.load_workbook(source)
    ((sheet, ref),) = wb.defined_names[PIXELS_NAME].destinations
    rows = wb[sheet][ref.replace("$", "")]
    for row in rows[13:15]:
        for c in row[4:24]:
            c.value = 255
    wb.save(target)
    return target


def test_the_fast_worksheet_writes_what_xlsxwriter_writes(cnn_run, tmp_path, monkeypatch):
    """CNN Forward skips XlsxWriter's rewrites for Excel 365's new functions: none of its formulas needs one."""
    from xlsxwriter.worksheet import Worksheet

    import cnn.forward_sheet

    fast = write_workbook(SPEC, tmp_path / "fast.xlsx", extra_sheets=cnn_sheets(cnn_run))
    monkeypatch.setattr(cnn.forward_sheet, "WORKSHEET_CLASS", Worksheet)
    plain = write_workbook(SPEC, tmp_path / "plain.xlsx", extra_sheets=cnn_sheets(cnn_run))
    assert fast.read_bytes() == plain.read_bytes()
