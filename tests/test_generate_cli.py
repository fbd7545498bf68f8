"""`backprop-sheet generate` through click's CliRunner: options, messages, exit codes, files."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from network import layout
from backprop_sheet.cli import cli

PNG = b"\x89PNG\r\n\x1a\n"


def generate(*args: str):
    return CliRunner().invoke(cli, ["generate", *args])


def test_generate_writes_backprop_xlsx_from_the_default_template(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = generate()
    assert result.exit_code == 0, result.output
    assert result.output == (
        "Wrote backprop.xlsx: template era-s6, 6 learning-rate sheets × 101 rows × 29 formulas.\n"
    )
    wb = openpyxl.load_workbook(tmp_path / "backprop.xlsx", read_only=True)
    assert wb.sheetnames == ["Network", "LR 0.1", "LR 0.2", "LR 0.5", "LR 0.8", "LR 1.0", "LR 2.0", "Summary"]


def test_options_replace_the_templates_schedule(tmp_path):
    out = tmp_path / "short.xlsx"
    result = generate("-o", str(out), "--template", "mazur", "--iterations", "7", "--lr", "0.3", "--lr", "3")
    assert result.exit_code == 0, result.output
    assert "template mazur, 2 learning-rate sheets × 8 rows" in result.output
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Network", "LR 0.3", "LR 3.0", "Summary"]
    ws = wb["LR 3.0"]
    assert ws["B2"].value == 3.0
    first = layout.FIRST_DATA_ROW + 1
    assert [ws.cell(r, 1).value for r in range(first, first + 9)] == [*range(8), None]


def test_plots_writes_one_png_per_learning_rate_and_one_with_every_curve(tmp_path):
    plots = tmp_path / "plots"
    result = generate("-o", str(tmp_path / "b.xlsx"), "--iterations", "20", "--lr", "0.5", "--lr", "2", "--plots", str(plots))
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in plots.iterdir())
    assert names == ["e_total_all.png", "e_total_lr_0.5.png", "e_total_lr_2.0.png"]
    assert all((plots / n).read_bytes().startswith(PNG) for n in names)
    assert "Wrote 3 plots" in result.output


def test_an_existing_workbook_is_kept_without_force_and_replaced_with_it(tmp_path):
    out = tmp_path / "backprop.xlsx"
    out.write_bytes(b"a teacher's edited copy")
    result = generate("-o", str(out))
    assert result.exit_code != 0
    assert result.output == f"Error: {out} already exists: use --force to overwrite it, or -o to choose another name\n"
    assert out.read_bytes() == b"a teacher's edited copy"
    result = generate("-o", str(out), "--force", "--iterations", "3")
    assert result.exit_code == 0, result.output
    assert openpyxl.load_workbook(out).sheetnames[0] == "Network"


def test_existing_plots_are_kept_without_force(tmp_path):
    plots = tmp_path / "plots"
    plots.mkdir()
    (plots / "e_total_all.png").write_bytes(b"old")
    result = generate("-o", str(tmp_path / "b.xlsx"), "--plots", str(plots))
    assert result.exit_code != 0 and "e_total_all.png already exists" in result.output
    assert (plots / "e_total_all.png").read_bytes() == b"old"
    assert not (tmp_path / "b.xlsx").exists()


@pytest.mark.parametrize(
    "args, message",
    [
        (["--iterations", "0"], "--iterations must be between 1 and 100,000"),
        (["--iterations", "100001"], "--iterations must be between 1 and 100,000"),
        (["--iterations", "-5"], "--iterations must be between 1 and 100,000"),
        (["--iterations", "many"], "'many' is not a valid integer"),
        (["--lr", "0"], "learning rate must be positive"),
        (["--lr", "-0.5"], "learning rate must be positive"),
        (["--lr", "nan"], "finite number"),
        (["--lr", "inf"], "finite number"),
        (["--lr", "fast"], "'fast' is not a valid float"),
        (["--lr", "0.5", "--lr", "0.5"], "distinct"),
        (["--lr", "1e9"], "overflow"),
        (["--template", "nope"], "unknown template 'nope'"),
        (["--cnn-run", "no-such-run"], "'no-such-run' does not exist"),
        (["--bogus"], "--bogus"),
        (["-o", "missing-folder/b.xlsx"], "folder missing-folder does not exist"),
        (["-o", "."], "is a folder"),
        (["-o", "out.xls"], "cannot write out.xls: a workbook's name must end in .xlsx, e.g. -o out.xlsx"),
        (["-o", "out"], "cannot write out: a workbook's name must end in .xlsx, e.g. -o out.xlsx"),
        (["-o", "out.csv"], "must end in .xlsx"),
        (["--template", "mazur.toml"], "no file mazur.toml; did you mean the built-in template 'mazur'? use --template mazur"),
        (["--template", "mazurr"], "unknown template 'mazurr': did you mean 'mazur'?"),
    ],
)
def test_bad_flags_give_one_line_errors_and_no_file(tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    result = generate(*args)
    assert result.exit_code != 0
    assert result.output.startswith("Error: ") and result.output.count("\n") == 1, result.output
    assert message in result.output and "Traceback" not in result.output
    assert list(Path(tmp_path).iterdir()) == []


@pytest.mark.parametrize("typo, meant", [("xorr", "xor"), ("softmx", "softmax"), ("mazurr", "mazur"), ("era-s7", "era-s6")])
def test_a_misspelt_template_name_is_matched_against_every_built_in_template(tmp_path, monkeypatch, typo, meant):
    """The general templates (xor, softmax) are suggested and listed as the classic ones are."""
    monkeypatch.chdir(tmp_path)
    result = generate("--template", typo)
    assert result.exit_code == 2
    assert result.output == (
        f"Error: unknown template {typo!r}: did you mean {meant!r}? "
        "use a built-in name (era-s6, mazur, softmax, xor) or a path to a .toml file\n"
    )
    result = generate("--template", f"{meant}.toml")  # no such file, but a built-in name
    assert result.exit_code == 2
    assert result.output == f"Error: no file {meant}.toml; did you mean the built-in template {meant!r}? use --template {meant}\n"
    assert list(tmp_path.iterdir()) == []


def test_a_damaged_cnn_run_folder_is_one_error_and_no_file(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    result = generate("-o", str(tmp_path / "b.xlsx"), "--cnn-run", str(run), "--iterations", "2")
    assert result.exit_code != 0
    assert result.output.startswith("Error: ") and result.output.count("\n") == 1, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_cnn_sheets_follow_the_backprop_sheets(tmp_path, cnn_run):
    out = tmp_path / "with-cnn.xlsx"
    result = generate("-o", str(out), "--iterations", "2", "--cnn-run", str(cnn_run))
    assert result.exit_code == 0, result.output
    names = openpyxl.load_workbook(out, read_only=True).sheetnames
    assert names[:8] == ["Network", "LR 0.1", "LR 0.2", "LR 0.5", "LR 0.8", "LR 1.0", "LR 2.0", "Summary"]
    assert len(names) > 8 and all(n.startswith("CNN") for n in names[8:])


def test_the_xlsx_extension_is_case_insensitive(tmp_path):
    result = generate("-o", str(tmp_path / "LOUD.XLSX"), "--iterations", "2")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "LOUD.XLSX").exists()


@pytest.mark.parametrize("lock_name", [".~lock.book.xlsx#", "~$book.xlsx"], ids=["libreoffice", "excel"])
@pytest.mark.parametrize("flags", [[], ["--force"]], ids=["plain", "force"])
def test_a_workbook_open_in_a_spreadsheet_app_is_refused_even_with_force(tmp_path, lock_name, flags):
    out, lock = tmp_path / "book.xlsx", tmp_path / lock_name
    out.write_bytes(b"open in LibreOffice")
    lock.write_text("user,host,2026", "utf-8")
    result = generate("-o", str(out), "--iterations", "2", *flags)
    assert result.exit_code == 2
    assert result.output == (
        f"Error: {out} is open in a spreadsheet app (lock file {lock}): close it there first "
        "(or delete the lock file if no app has it open)\n"
    )
    assert out.read_bytes() == b"open in LibreOffice"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["book.xlsx", lock_name])


def test_a_large_write_draws_no_progress_bar_when_stderr_is_not_a_terminal(tmp_path):
    # 1 sheet x 40,001 rows x 29 formulas = 1.16 million cells: above the bar's threshold
    result = CliRunner().invoke(cli, ["generate", "-o", str(tmp_path / "big.xlsx"), "--lr", "0.5", "--iterations", "40000"])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert result.stdout == f"Wrote {tmp_path / 'big.xlsx'}: template era-s6, 1 learning-rate sheet × 40,001 rows × 29 formulas.\n"
