"""verify's tolerances and budgets (issue 24, item 7): a value no check could use is one line and exit 2, before
any work, from the command line (click's types let NaN through a range) and from verify.check()."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

import verify
from backprop_sheet.cli import cli
from network.errors import BackpropSheetError


@pytest.fixture(scope="module")
def workbook(tmp_path_factory):
    """Any file named .xlsx: every value below is refused before a workbook is opened."""
    path = tmp_path_factory.mktemp("args") / "book.xlsx"
    path.write_bytes(b"not even a zip")
    return path


@pytest.mark.parametrize(
    "option, value, words",
    [
        ("--timeout", "nan", "timeout must be more than 0"),
        ("--timeout", "inf", "timeout must be more than 0"),
        ("--timeout", "1e308", "at most 86,400 seconds"),
        ("--max-memory", "99999999999999999999GB", "max_memory must be from 64 MB to 1,024 GB"),
        ("--max-memory", "9" * 400 + "GB", "max-memory"),
        ("--max-memory", "1kB", "max_memory must be from 64 MB"),
        ("--rtol", "nan", "tolerances must be ≥ 0 and finite"),
        ("--rtol", "inf", "tolerances must be ≥ 0 and finite"),
        ("--atol", "nan", "tolerances must be ≥ 0 and finite"),
    ],
)
def test_a_value_no_check_could_use_is_one_line(workbook, option, value, words):
    result = CliRunner().invoke(cli, ["verify", str(workbook), "--engine", "none", option, value])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1, result.stderr
    assert words in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    "options",
    [{"timeout": float("nan")}, {"timeout": 1e308}, {"max_memory": 10**30}, {"max_memory": "1e400GB"},
     {"rtol": float("nan")}, {"atol": float("inf")}],
    ids=["timeout-nan", "timeout-1e308", "memory-huge", "memory-text-huge", "rtol-nan", "atol-inf"],
)
def test_the_library_refuses_them_too(workbook, options):
    with pytest.raises(BackpropSheetError):
        verify.check(workbook, engine="none", **options)
