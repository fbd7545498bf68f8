"""`verify`'s outputs (--csv, --report) never overwrite what a user has (issue 24, items 2, 5, 7, 13).

Never an input (a student's workbook), never a device or anything but a regular file, never an
existing file without --force; created with the umask's mode; written whatever the file names
hold (a name that is not UTF-8, a long name); and when they cannot be written (a full disk), the
verdicts are printed first. Each case runs the real command in a child process, with its own
$TMPDIR, so that what it leaves there can be looked at.
"""

from __future__ import annotations

import csv
import hashlib
import os
import resource
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def small_workbook(tmp_path_factory) -> Path:
    """A generated workbook with two learning rates and 12 iterations: quick to check."""
    from network import load_network
    from excelgen.workbook import write_workbook

    spec = load_network().with_options(iterations=12, learning_rates=(0.1, 0.5))
    return write_workbook(spec, tmp_path_factory.mktemp("small") / "small.xlsx")


@pytest.fixture
def class_folder(small_workbook, tmp_path) -> Path:
    folder = tmp_path / "sub"
    folder.mkdir()
    for name in ("ada.xlsx", "class.xlsx"):  # class.xlsx: a student's submission, named like a report
        shutil.copy(small_workbook, folder / name)
    return folder


def verify(*args: str | Path, cwd: Path, umask: int | None = None, max_file_size: int | None = None):
    """`backprop-sheet verify ARGS --engine formulas` in a child process whose $TMPDIR is cwd/tmp (created empty)."""
    tmp = cwd / "tmp"
    tmp.mkdir(exist_ok=True)

    def limits():
        if umask is not None:
            os.umask(umask)
        if max_file_size is not None:  # a write past it fails with EFBIG, as on a full disk
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (max_file_size, max_file_size))

    return subprocess.run(
        [sys.executable, "-c", "from backprop_sheet.cli import main; main()", "verify", *map(os.fsdecode, args)]
        + ["--engine", "formulas", "--jobs", "1"],
        cwd=cwd, capture_output=True, env=dict(os.environ, PYTHONPATH=str(ROOT), TMPDIR=str(tmp)),
        preexec_fn=limits, timeout=300,
    )  # fmt: skip


def _one_line_error(result, words: str) -> None:
    out, err = result.stdout.decode(), result.stderr.decode()
    assert result.returncode == 2, out + err
    assert err.startswith("Error: ") and err.count("\n") == 1 and "Traceback" not in err, err
    assert words in err, err


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---- item 2: never an input, never a device, never an existing file without --force ----


@pytest.mark.parametrize(
    "args, target",
    [
        (["sub", "--report", "sub/class.xlsx"], "sub/class.xlsx"),  # the report named like a student's workbook
        (["sub/ada.xlsx", "sub/class.xlsx", "--csv", "sub/class.xlsx"], "sub/class.xlsx"),
        (["sub/ada.xlsx", "sub/class.xlsx", "--report", "sub/class.xlsx", "--force"], "sub/class.xlsx"),
        (["sub", "--csv", "sub/../sub/ada.xlsx", "--force"], "sub/ada.xlsx"),
    ],
)
def test_an_output_that_is_an_input_is_refused(args, target, class_folder):
    before = _digest(class_folder.parent / target)
    result = verify(*args, cwd=class_folder.parent)
    _one_line_error(result, "is one of the workbooks to check")
    assert result.stdout == b""  # refused before any check
    assert _digest(class_folder.parent / target) == before


def test_an_existing_output_is_kept_without_force_and_replaced_with_it(class_folder):
    grades = class_folder.parent / "grades.csv"
    grades.write_text("my own notes\n", "utf-8")
    result = verify("sub", "--csv", grades, cwd=class_folder.parent)
    _one_line_error(result, "exists (use --force to replace it)")
    assert grades.read_text("utf-8") == "my own notes\n"
    result = verify("sub", "--csv", grades, "--force", cwd=class_folder.parent)
    assert result.returncode == 0, result.stderr
    assert grades.read_text("utf-8-sig").startswith("file,sheet,status")


@pytest.mark.parametrize("kind", ["fifo", "folder", "link to a file"])
def test_an_output_that_is_not_a_regular_file_is_refused(kind, class_folder):
    """A FIFO stands for any device (as root, `--csv /dev/full` replaced the device node with a file)."""
    target = class_folder.parent / "out.csv"
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "folder":
        target.mkdir()
    else:
        (class_folder.parent / "real.csv").write_text("mine\n", "utf-8")
        target.symlink_to("real.csv")
    result = verify("sub", "--csv", target, "--force", cwd=class_folder.parent)
    _one_line_error(result, "is a directory" if kind == "folder" else "is not a regular file")
    mode = os.lstat(target).st_mode
    assert {"fifo": stat.S_ISFIFO, "folder": stat.S_ISDIR, "link to a file": stat.S_ISLNK}[kind](mode)


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_outputs_get_the_umasks_mode(umask, class_folder):
    cwd = class_folder.parent
    result = verify("sub/ada.xlsx", "--csv", "g.csv", "--report", "r.xlsx", cwd=cwd, umask=umask)
    assert result.returncode == 0, result.stderr
    for name in ("g.csv", "r.xlsx"):
        assert stat.S_IMODE(os.stat(cwd / name).st_mode) == 0o666 & ~umask, name


def test_an_empty_path_is_refused(class_folder):
    """`verify ""` checked the current folder recursively."""
    _one_line_error(verify("", cwd=class_folder), "empty path")


# ---- item 5: names that are not UTF-8; a full disk ----


@pytest.fixture
def foreign_class(small_workbook, tmp_path) -> Path:
    """ada.xlsx and a file named M\\xfcller.xlsx (Latin-1 bytes: not UTF-8)."""
    folder = tmp_path / "sub"
    folder.mkdir()
    shutil.copy(small_workbook, folder / "ada.xlsx")
    shutil.copy(small_workbook, os.path.join(os.fsencode(folder), b"M\xfcller.xlsx"))
    return folder


def test_a_name_that_is_not_utf8_is_shown_with_a_replacement_character(foreign_class):
    cwd = foreign_class.parent
    result = verify("sub", "--csv", "g.csv", "--report", "r.xlsx", cwd=cwd)
    out, err = result.stdout.decode(), result.stderr.decode()
    assert result.returncode == 0 and err == "", out + err
    assert any(line.startswith("sub/M\ufffdller.xlsx  pass") for line in out.splitlines()), out
    rows = list(csv.DictReader((cwd / "g.csv").read_text("utf-8-sig").splitlines()))
    assert {r["file"] for r in rows} == {"sub/ada.xlsx", "sub/M\ufffdller.xlsx"}
    files = [row[0].value for row in openpyxl.load_workbook(cwd / "r.xlsx")["Workbooks"].iter_rows(min_row=2, max_row=3)]
    assert files == ["sub/M\ufffdller.xlsx", "sub/ada.xlsx"]
    assert list((cwd / "tmp").iterdir()) == []  # no XlsxWriter temporary file left


def test_verdicts_are_printed_before_an_output_that_cannot_be_written(small_workbook, class_folder):
    """A write past RLIMIT_FSIZE fails with EFBIG as a write to a full disk fails with ENOSPC."""
    cwd = class_folder.parent
    result = verify("sub", "--csv", "g.csv", cwd=cwd, max_file_size=64)
    out, err = result.stdout.decode(), result.stderr.decode()
    assert "sub/ada.xlsx  pass" in out and "2 workbooks: 2 passed" in out, out + err
    _one_line_error(result, "cannot write g.csv")
    assert sorted(p.name for p in cwd.iterdir()) == ["sub", "tmp"]  # no partial CSV, no temporary file


# ---- item 7: long names, symlink loops ----


def test_long_names_are_checked_and_written(small_workbook, class_folder):
    cwd = class_folder.parent
    long_input = class_folder / ("b" * 246 + ".xlsx")  # 251 characters
    shutil.copy(small_workbook, long_input)
    long_output = "c" * 246 + ".csv"  # 250 characters: a temporary name beside it must not be longer
    result = verify(long_input, "--csv", long_output, cwd=cwd)
    assert result.returncode == 0, result.stdout.decode() + result.stderr.decode()
    assert (cwd / long_output).is_file()


def test_a_symlink_loop_is_one_line(class_folder):
    (class_folder / "loop.xlsx").symlink_to("loop.xlsx")
    result = verify(class_folder / "loop.xlsx", cwd=class_folder.parent)
    _one_line_error(result, "loop.xlsx")
    result = verify("sub", cwd=class_folder.parent)  # in a folder: could not check, the others go on
    out = result.stdout.decode()
    assert result.returncode == 2 and "Traceback" not in out + result.stderr.decode(), out
    assert "sub/loop.xlsx  could not check: " in out and "sub/ada.xlsx  pass" in out


def test_a_long_tmpdir_is_no_error(class_folder):
    """The fork server's socket lives under $TMPDIR, and a socket's path holds 107 bytes at most."""
    cwd = class_folder.parent
    tmp = cwd / "tmp" / ("t" * 100)
    tmp.mkdir(parents=True)
    result = subprocess.run(
        [sys.executable, "-c", "from backprop_sheet.cli import main; main()", "verify", "sub", "--engine", "formulas"],
        cwd=cwd, capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(ROOT), TMPDIR=str(tmp)),
        timeout=300,
    )  # fmt: skip
    assert result.returncode == 0 and result.stderr == "", result.stdout + result.stderr
    assert list(tmp.iterdir()) == []


def test_ctrl_c_during_a_class_is_one_line(small_workbook, tmp_path):
    """Ctrl-C reaches every process of the terminal's process group: the workers too."""
    from network import load_network
    from excelgen.workbook import write_workbook

    folder = tmp_path / "sub"
    folder.mkdir()
    big = write_workbook(load_network().with_options(iterations=400), folder / "big0.xlsx")
    for k in range(1, 4):
        shutil.copy(big, folder / f"big{k}.xlsx")
    proc = subprocess.Popen(
        [sys.executable, "-c", "from backprop_sheet.cli import main; main()", "verify", "sub", "--engine", "formulas",
         "--jobs", "2"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )  # fmt: skip
    import psutil

    deadline = time.monotonic() + 60
    while len(psutil.Process(proc.pid).children(recursive=True)) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)  # the fork server and two workers
    time.sleep(0.5)
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and err.strip() == "Error: interrupted", out + err  # click starts a new line after ^C


# ---- item 13: files that are not regular ----


def test_files_that_are_not_regular_are_listed_as_could_not_check(class_folder):
    os.mkfifo(class_folder / "pipe.xlsx")
    result = verify("sub", cwd=class_folder.parent)
    out = result.stdout.decode()
    assert result.returncode == 2, out + result.stderr.decode()
    assert "sub/pipe.xlsx  could not check: not a regular file" in out.splitlines()
