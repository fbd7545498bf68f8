"""The Python API: excelgen.generate, verify.check, cnn.train and cnn.load_run give what the CLI gives,
raise the project's own errors, and show themselves in Jupyter (HTML) and pandas (DataFrames)."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

import cnn
import excelgen
import network
import verify
from conftest import need_torch
from backprop_sheet.cli import cli
from excelgen.errors import (
    BackpropSheetError, ConfigError, EngineError, OutputExistsError, RunFolderError, TemplateError, WorkbookError,
)  # fmt: skip
from verify.reports.classreport import CSV_COLUMNS
from verify.reports.html import FRAME_COLUMNS

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def planted(default_workbook, tmp_path_factory) -> Path:
    """The default workbook with ∂E_total/∂w3 using a_h1·(1−a_h1) on LR 0.5, edited with openpyxl as the tour does."""
    book = openpyxl.load_workbook(default_workbook)
    sheet = book["LR 0.5"]
    for row in range(5, 106):
        sheet[f"Y{row}"] = sheet[f"Y{row}"].value.replace(f"M{row}*(1-M{row})", f"K{row}*(1-K{row})")
    path = tmp_path_factory.mktemp("planted") / "planted.xlsx"
    book.save(path)
    return path


# ---- the CLI and the API give the same results ----


@pytest.mark.parametrize("exercise, flags", [(None, []), ("gradients", ["--exercise"]), ("forward", ["--exercise", "forward"])])
def test_generate_cli_and_api_write_the_same_bytes(tmp_path, exercise, flags):
    args = ["--template", "mazur", "--iterations", "20", "--lr", "0.5", "--lr", "3", *flags]
    result = CliRunner().invoke(cli, ["generate", "-o", str(tmp_path / "cli.xlsx"), *args])
    assert result.exit_code == 0, result.output
    path = excelgen.generate("mazur", tmp_path / "api.xlsx", iterations=20, learning_rates=[0.5, 3], exercise=exercise)
    assert path == tmp_path / "api.xlsx"
    assert path.read_bytes() == (tmp_path / "cli.xlsx").read_bytes()


def test_verify_cli_json_is_the_api_reports_to_dict(planted):
    result = CliRunner().invoke(cli, ["verify", str(planted), "--engine", "formulas", "--json"])
    assert result.exit_code == 1, result.output
    report = verify.check(str(planted), engine="formulas")
    assert isinstance(report, verify.Report)
    assert json.loads(result.output) == report.to_dict()


def test_verify_class_cli_json_is_the_api_class_reports_to_dict(planted, default_workbook):
    paths = [str(default_workbook), str(planted)]
    result = CliRunner().invoke(cli, ["verify", *paths, "--engine", "formulas", "--json", "--jobs", "2"])
    assert result.exit_code == 1, result.output
    report = verify.check(paths, engine="formulas", jobs=2)
    assert isinstance(report, verify.ClassReport)

    def without_seconds(data: dict) -> dict:  # the wall time of each workbook differs from run to run
        return {**data, "workbooks": [{k: v for k, v in w.items() if k != "seconds"} for w in data["workbooks"]]}

    assert without_seconds(json.loads(result.output)) == without_seconds(report.to_dict())


def test_dry_run_train_cli_and_api_give_the_same_run(cnn_run, mnist_dir, tmp_path):
    """cnn_run is `backprop-sheet train --dry-run --threads 1 --quiet`; the API with the same settings."""
    run = cnn.train(data_dir=mnist_dir, dry_run=True, threads=1, progress=False, out=tmp_path / "run")
    by_cli = cnn.load_run(cnn_run)
    assert run.folder == tmp_path / "run"
    assert run.metrics["train_loss"].tolist() == pytest.approx(by_cli.metrics["train_loss"].tolist(), rel=1e-4)
    assert run.metrics["test_accuracy"].tolist() == by_cli.metrics["test_accuracy"].tolist()
    assert run.confusion.equals(by_cli.confusion)
    same = ("model", "parameters", "seed", "epochs", "dry_run", "device", "config")
    assert {k: run.summary[k] for k in same} == {k: by_cli.summary[k] for k in same}


# ---- what each function takes ----


def test_a_template_may_be_a_name_a_path_a_dict_or_a_network(tmp_path):
    data = tomllib.loads((ROOT / "templates" / "mazur.toml").read_text("utf-8"))
    forms = {
        "name": "mazur",
        "path": ROOT / "templates" / "mazur.toml",
        "dict": data,
        "network": network.load_network("mazur"),
    }
    written = {form: excelgen.generate(t, tmp_path / f"{form}.xlsx", iterations=5).read_bytes() for form, t in forms.items()}
    assert len(set(written.values())) == 1


def test_one_workbook_gives_a_report_a_folder_or_a_list_a_class_report(planted, default_workbook):
    single = verify.check(planted, engine="formulas")
    assert isinstance(single, verify.Report) and not single.passed
    assert [(f.cell, f.column, f.iteration, f.mistake_key) for f in single.findings] == [
        ("'LR 0.5'!Y5", "∂E_total/∂w3", 0, "other-hidden-slope")
    ]
    assert [t.passed for t in single.tables] == [True, True, False, True, True, True]
    folder = verify.check(planted.parent, engine="formulas")
    assert isinstance(folder, verify.ClassReport) and [o.file for o in folder.outcomes] == [str(planted)]
    listed = verify.check([default_workbook], engine="none")
    assert isinstance(listed, verify.ClassReport) and listed.passed


@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda tmp: excelgen.generate("no-such-template", tmp / "b.xlsx"), TemplateError, "unknown template"),
        (lambda tmp: excelgen.generate({"iterations": 5}, tmp / "b.xlsx"), TemplateError, "missing section [inputs]"),
        (lambda tmp: excelgen.generate(output=tmp / "b.xls"), WorkbookError, "must end in .xlsx"),
        (lambda tmp: excelgen.generate(output=tmp / "b.xlsx", learning_rates=[0]), TemplateError, "must be positive"),
        (lambda tmp: excelgen.generate(42, tmp / "b.xlsx"), TemplateError, "not int"),
        (lambda tmp: verify.check(tmp / "missing.xlsx"), WorkbookError, "missing.xlsx"),
        (lambda tmp: verify.check(tmp), WorkbookError, "no workbook"),
        (lambda tmp: verify.check(tmp, engine="excel"), EngineError, "unknown engine 'excel'"),
        (lambda tmp: verify.check(tmp, rtol=-1), BackpropSheetError, "tolerances must be ≥ 0"),
        (lambda tmp: verify.check(tmp, max_memory="lots"), BackpropSheetError, "not a size"),
        (lambda tmp: verify.check(tmp, xlsx=tmp / "class.csv"), BackpropSheetError, "is an .xlsx file"),
        (lambda tmp: verify.check(tmp, csv=tmp / "no" / "g.csv"), BackpropSheetError, "does not exist"),
        (lambda tmp: cnn.load_run(tmp / "no-run"), RunFolderError, "not found"),
        (lambda tmp: cnn.train("99k", tmp), ConfigError, "unknown CNN model '99k'"),
        (lambda tmp: cnn.train(epochs=0, data_dir=tmp), ConfigError, "epochs"),
    ],
)
def test_errors_are_the_projects_own(call, error, words, tmp_path):
    with pytest.raises(error) as caught:
        call(tmp_path)
    assert words in str(caught.value)


def test_an_existing_run_is_kept_without_force(cnn_run, mnist_dir):
    with pytest.raises(OutputExistsError, match="already holds a training run"):
        cnn.train(data_dir=mnist_dir, dry_run=True, out=cnn_run)


def test_an_unavailable_device_is_a_config_error(mnist_dir, tmp_path):
    need_torch()
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    with pytest.raises(ConfigError, match="--device cuda: no such device"):
        cnn.train(data_dir=mnist_dir, dry_run=True, device="cuda", out=tmp_path / "run")


# ---- pandas and Jupyter ----


def test_to_frame_has_one_row_per_finding(planted, default_workbook):
    frame = verify.check(planted, engine="formulas").to_frame()
    assert tuple(frame.columns) == FRAME_COLUMNS and len(frame) == 1
    row = frame.iloc[0]
    assert (row["file"], row["sheet"], row["cell"], row["column"]) == (str(planted), "LR 0.5", "'LR 0.5'!Y5", "∂E_total/∂w3")
    assert (row["iteration"], row["mistake_key"]) == (0, "other-hidden-slope")
    assert row["expected"] == pytest.approx(0.00035177632159073217) and row["actual"] != row["expected"]
    assert verify.check(default_workbook, engine="none").to_frame().empty
    whole_class = verify.check([default_workbook, planted], engine="formulas")
    assert whole_class.findings_frame()["file"].tolist() == [str(planted)]


def test_class_frame_has_a_row_per_workbook_and_table(planted, default_workbook, tmp_path):
    """Students who passed and files that could not be checked are rows too: the CSV's rows."""
    (tmp_path / "broken.xlsx").write_text("not a workbook", "utf-8")
    whole_class = verify.check([default_workbook, planted, tmp_path / "broken.xlsx"], engine="formulas")
    frame = whole_class.to_frame()
    assert tuple(frame.columns) == CSV_COLUMNS
    assert [(row.file, row.sheet, row.status) for row in frame.itertuples()] == [
        *((str(default_workbook), f"LR {rate}", "pass") for rate in ("0.1", "0.2", "0.5", "0.8", "1.0", "2.0")),
        *((str(planted), f"LR {rate}", "fail" if rate == "0.5" else "pass") for rate in ("0.1", "0.2", "0.5", "0.8", "1.0", "2.0")),
        (str(tmp_path / "broken.xlsx"), "", "could not check"),
    ]
    assert frame.loc[frame["status"] == "fail", "mistake_keys"].tolist() == ["other-hidden-slope"]


def test_report_html_names_each_table_and_the_mistake_in_colour(planted, default_workbook):
    html = verify.check(planted, engine="formulas")._repr_html_()
    assert html.count(">pass<") == 5 and html.count(">FAIL<") == 1
    assert "other-hidden-slope" in html and "uses a_h1·(1−a_h1) instead of a_h2·(1−a_h2)" in html
    assert "&#x27;LR 0.5&#x27;!Y5" in html and "background:#FFC7CE" in html  # escaped, red
    assert "every check passed" in verify.check(default_workbook, engine="none")._repr_html_()
    class_html = verify.check([default_workbook, planted], engine="formulas")._repr_html_()
    assert class_html.count(">pass<") == 1 and class_html.count(">FAIL<") == 1 and "other-hidden-slope" in class_html


def test_a_run_reads_back_as_frames_and_shows_its_curves(cnn_run):
    run = cnn.load_run(cnn_run)
    assert isinstance(run, cnn.Run) and run.folder == cnn_run and run.dry_run
    assert run.metrics.index.tolist() == [1, 2] and run.metrics.index.name == "epoch"
    assert list(run.metrics.columns) == ["lr", "train_loss", "train_accuracy", "test_loss", "test_accuracy", "seconds", "images_per_s"]
    assert run.confusion.shape == (10, 10) and int(run.confusion.to_numpy().sum()) == 500
    assert run.model_path == cnn_run / "model.pt" and run.model_path.is_file()
    assert run.summary["model"] == "8k"
    html = run._repr_html_()
    assert "data:image/png;base64," in html and "DRY RUN" in html and "test accuracy" in html
    assert [axes.get_yscale() for axes in run.plot().axes] == ["log", "linear"]


# ---- imports ----


@pytest.mark.parametrize(
    "code",
    [
        # generate and verify need neither torch nor pandas at import; pandas loads only for a frame
        "import excelgen, verify, cnn, sys; assert not {'torch', 'pandas'} & set(sys.modules), sorted(sys.modules)",
        # verify.check stays the function whichever submodule loads later
        "import verify, verify.checking.workbook, backprop_sheet.verify_command, verify.batch; from verify.checking.workbook import check_workbook; "
        "assert callable(verify.check) and verify.check.__module__ == 'verify.api'",
        # generating a workbook leaves matplotlib's backend (a notebook's inline plots) alone
        "import matplotlib; matplotlib.use('svg'); import excelgen, tempfile, pathlib; "
        "excelgen.generate(output=pathlib.Path(tempfile.mkdtemp()) / 'b.xlsx', iterations=2); "
        "assert matplotlib.get_backend() == 'svg', matplotlib.get_backend()",
    ],
)
def test_imports(code):
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
