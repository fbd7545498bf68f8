"""What `generate` refuses before writing, in one line and at once (issue 24, items 7 and 10): a template that is not
a regular file or is over 1 MB, one nested too deep; a workbook no spreadsheet app could open or that cannot fit on
the disk; more learning rates than a sheet per rate and a chart can take. And what it accepts: a UTF-8 byte-order
mark, and 60 learning rates without a warning."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import warnings
import zipfile
from pathlib import Path

import openpyxl
import pytest

from conftest import small_disk
from click.testing import CliRunner

import excelgen
from backprop_sheet.cli import cli
from network.description import MAX_LEARNING_RATES

REPO = Path(__file__).resolve().parents[1]
XOR = Path(__file__).resolve().parents[1] / "templates" / "networks" / "xor.toml"


def generate(*args: str) -> "click.testing.Result":  # noqa: F821
    return CliRunner().invoke(cli, ["generate", *args])


def assert_one_line(result, *words: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1, result.stderr
    for word in words:
        assert word in result.stderr, result.stderr


def test_a_template_with_a_byte_order_mark_is_read(tmp_path):
    template = tmp_path / "mine.toml"
    template.write_bytes(b"\xef\xbb\xbf" + XOR.read_bytes())
    result = generate("--template", str(template), "-o", str(tmp_path / "b.xlsx"), "--iterations", "3")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "b.xlsx").is_file()


@pytest.mark.parametrize("recursion_limit", [None, 100_000], ids=["python's limit", "raised as PyTorch raises it"])
def test_a_template_nested_500_deep_is_one_line(tmp_path, recursion_limit):
    """Nested deeper than Python's recursion limit, or parsed because something in the process raised it (importing
    torch.optim raises it to 10,000 and more, in a notebook that trained before it generates): the same one line."""
    before = sys.getrecursionlimit()
    if recursion_limit:
        sys.setrecursionlimit(recursion_limit)
    try:
        _generate_a_deep_template(tmp_path)
    finally:
        sys.setrecursionlimit(before)


def _generate_a_deep_template(tmp_path):
    template = tmp_path / "deep.toml"
    template.write_text("x = " + "[" * 500 + "]" * 500 + "\n", "utf-8")
    assert_one_line(generate("--template", str(template), "-o", str(tmp_path / "b.xlsx")), "nested too deep")


def test_a_template_over_1_mb_is_one_line(tmp_path):
    template = tmp_path / "big.toml"
    template.write_text(XOR.read_text("utf-8") + "#" * (1024**2 + 1) + "\n", "utf-8")
    assert_one_line(generate("--template", str(template), "-o", str(tmp_path / "b.xlsx")), "over 1 MB")


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "folder"])
def test_a_template_that_is_no_regular_file_is_refused_at_once(tmp_path, kind):
    """A FIFO would hang the read, /dev/zero never ends: each is one line within seconds, in a child process so that a
    hang is a failure, not a stuck test run."""
    if kind == "fifo":
        template = tmp_path / "pipe.toml"
        os.mkfifo(template)
    elif kind == "dev-zero":
        template = Path("/dev/zero")
    else:
        template = tmp_path / "folder.toml"
        template.mkdir()
    if not template.exists():
        pytest.skip(f"no {template} here")
    command = [sys.executable, "-c", "from backprop_sheet.cli import main; main()", "generate", "--template",
               str(template), "-o", str(tmp_path / "b.xlsx")]
    started = time.monotonic()
    done = subprocess.run(command, capture_output=True, timeout=60, env=os.environ | {"PYTHONPATH": str(REPO)})
    assert done.returncode == 2, done.stderr
    assert done.stderr.decode().count("\n") == 1 and b"Error: " in done.stderr, done.stderr
    assert time.monotonic() - started < 30
    assert not (tmp_path / "b.xlsx").exists()


def test_a_workbook_too_big_to_open_is_refused_naming_its_size(tmp_path):
    """The issue's 8-8-8-8-8 network, 8 examples, 8 rates, 100,000 iterations: over a billion formulas."""
    examples = ",\n".join("  { inputs = [%s], targets = [%s] }" % (", ".join(["0.5"] * 8), ", ".join(["0.1"] * 8))
                          for _ in range(8))
    template = tmp_path / "huge.toml"
    template.write_text(
        f"layers = [8, 8, 8, 8, 8]\nactivations = ['sigmoid', 'sigmoid', 'sigmoid', 'sigmoid']\n"
        f"iterations = 100000\nlearning_rates = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]\n"
        f"init = {{ seed = 1 }}\nexamples = [\n{examples}\n]\n",
        "utf-8",
    )
    started = time.monotonic()
    result = generate("--template", str(template), "-o", str(tmp_path / "b.xlsx"))
    assert_one_line(result, "formula cells", "8 learning rates × 100,001 rows", "20,000,000")
    assert time.monotonic() - started < 5
    assert sorted(p.name for p in tmp_path.iterdir()) == ["huge.toml"]


def test_more_learning_rates_than_the_maximum_is_one_line(tmp_path):
    rates = [arg for i in range(1, 1001) for arg in ("--lr", str(i / 1000))]
    assert_one_line(generate("-o", str(tmp_path / "b.xlsx"), "--iterations", "2", *rates),
                    f"at most {MAX_LEARNING_RATES} learning rates", "1,000")


def test_60_learning_rates_write_without_a_warning_and_the_picker_lists_them(tmp_path):
    """60 rates make an inline list over Excel's 255 characters: the η picker then lists the Summary's live η row."""
    rates = [round(0.01 * (i + 1), 2) for i in range(60)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        excelgen.generate("era-s6", tmp_path / "b.xlsx", iterations=2, learning_rates=rates)
    with zipfile.ZipFile(tmp_path / "b.xlsx") as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
    source = sheet.split('type="list"', 1)[1].split("<formula1>", 1)[1].split("</formula1>", 1)[0]
    sheet_name, cells = source.split("!")
    assert sheet_name == "Summary"
    saved = openpyxl.load_workbook(tmp_path / "b.xlsx", data_only=True, read_only=True)["Summary"]
    first, last = cells.replace("$", "").split(":")
    listed = [c.value for row in saved[first:last] for c in row]
    assert listed == rates


@pytest.fixture
def small_folder(tmp_path):
    """A 1 MB tmpfs (needs the right to mount, as root in CI's container has)."""
    with small_disk(tmp_path / "small", "1m") as folder:
        yield folder


@pytest.mark.parametrize("where", ["target", "TMPDIR"])
def test_a_workbook_that_cannot_fit_is_refused_before_writing(tmp_path, small_folder, monkeypatch, where):
    """6 rates × 20,001 rows × 29 formulas: 3.5 million cells, at least 35 MB zipped and 174 MB of rows."""
    target = small_folder / "b.xlsx" if where == "target" else tmp_path / "b.xlsx"
    if where == "TMPDIR":
        monkeypatch.setenv("TMPDIR", str(small_folder))
        import tempfile

        monkeypatch.setattr(tempfile, "tempdir", None)  # gettempdir() reads TMPDIR again
    started = time.monotonic()
    result = generate("-o", str(target), "--iterations", "20000")
    assert_one_line(result, "needs at least", "3,480,174 formula cells", "MB free")
    assert time.monotonic() - started < 5
    assert not target.exists() and list(small_folder.iterdir()) == []
