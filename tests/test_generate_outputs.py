"""What `generate` and `train --workbook` write, and never overwrite (issue 24, items 3, 4 and 7's full disk).

"Refuse if it exists" is atomic (excelgen/output.py): of two runs racing for one new name exactly one wins.
A write that fails (here: a file-size limit, as a full disk) ends in one line, with no "Exception ignored".
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import small_disk
from click.testing import CliRunner

from backprop_sheet.cli import cli
from excelgen.errors import OutputExistsError
from excelgen.output import new_file

REPO = Path(__file__).resolve().parents[1]
OLD = b"the teacher's copy"


def generate_process(folder: Path, *args: str, preexec_fn=None) -> subprocess.Popen:
    (folder / "tmp").mkdir(exist_ok=True)
    env = os.environ | {"PYTHONPATH": str(REPO), "TMPDIR": str(folder / "tmp")}
    command = [sys.executable, "-c", "from backprop_sheet.cli import main; main()", "generate", *args]
    return subprocess.Popen(
        command, cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=preexec_fn
    )


def test_two_generates_racing_for_one_new_name_one_wins(tmp_path):
    """Both start before either has written (each takes a second or more): both pass the early check."""
    runs = [generate_process(tmp_path, "-o", "book.xlsx", "--iterations", "300", "--lr", str(rate)) for rate in (0.5, 2.0)]
    results = [(run.wait(timeout=300), *(s.decode() for s in run.communicate())) for run in runs]
    codes = sorted(code for code, _, _ in results)
    assert codes == [0, 2], results
    loser = next(err for code, _, err in results if code == 2)
    assert loser == "Error: book.xlsx already exists: use --force to overwrite it, or -o to choose another name\n"
    winner = next(out for code, out, _ in results if code == 0)
    assert winner.startswith("Wrote book.xlsx")
    sheets = _sheets(tmp_path / "book.xlsx")  # one run's whole workbook, not a mix
    assert ("LR 0.5" in sheets) != ("LR 2.0" in sheets)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx", "tmp"]
    assert list((tmp_path / "tmp").iterdir()) == []


def _sheets(path: Path) -> str:
    import zipfile

    with zipfile.ZipFile(path) as book:
        return book.read("xl/workbook.xml").decode()


@pytest.mark.parametrize("force", [False, True], ids=["no-force", "force"])
def test_a_file_created_while_writing_is_kept_without_force(tmp_path, force):
    target = tmp_path / "book.xlsx"
    with pytest.raises(OutputExistsError) if not force else _nothing():
        with new_file(target, force) as tmp:
            tmp.write_bytes(b"new")
            target.write_bytes(OLD)  # another run (or the user) creates the name meanwhile
    assert target.read_bytes() == (b"new" if force else OLD)
    assert [p.name for p in tmp_path.iterdir()] == ["book.xlsx"]


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _file_size_limit():
    """In the child: files may not grow past 200 kB (EFBIG, as a full disk gives ENOSPC), without SIGXFSZ."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (200_000, 200_000))


def test_a_write_that_runs_out_of_room_is_one_line_and_keeps_the_old_file(tmp_path):
    (tmp_path / "book.xlsx").write_bytes(OLD)
    run = generate_process(tmp_path, "-o", "book.xlsx", "--force", "--iterations", "2000", preexec_fn=_file_size_limit)
    out, err = run.communicate(timeout=300)
    assert run.returncode == 2, err
    assert err.decode() == "Error: cannot write book.xlsx: File too large\n"
    assert (tmp_path / "book.xlsx").read_bytes() == OLD
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx", "tmp"]
    assert list((tmp_path / "tmp").iterdir()) == []


@pytest.fixture
def small_folder(tmp_path):
    """A 64 kB tmpfs: a real full disk (ENOSPC) for the workbook, while TMPDIR stays on the big one. Needs the
    right to mount (root, as in CI's container); elsewhere the file-size-limit test above stands in for it."""
    with small_disk(tmp_path / "small", "64k") as folder:
        yield folder


def test_a_full_disk_is_one_line_with_no_exception_ignored(tmp_path, small_folder):
    """The zip fails half-way: its file is closed as it is, so no ZipFile.__del__ prints "Exception ignored"."""
    (small_folder / "book.xlsx").write_bytes(OLD)
    run = generate_process(tmp_path, "-o", "small/book.xlsx", "--force", "--iterations", "200", "--lr", "0.5")  # passes check_room
    out, err = run.communicate(timeout=300)
    assert run.returncode == 2, err
    assert err.decode() == "Error: cannot write small/book.xlsx: No space left on device\n"
    assert (small_folder / "book.xlsx").read_bytes() == OLD
    assert [p.name for p in small_folder.iterdir()] == ["book.xlsx"]
    assert list((tmp_path / "tmp").iterdir()) == []


@pytest.mark.parametrize(
    "name, existing, message",
    [
        ("w.xls", False, "a workbook's name must end in .xlsx, e.g. -o w.xlsx"),
        ("w.xlsx", True, "w.xlsx already exists: use --force to overwrite it"),
        ("missing/w.xlsx", False, "folder missing does not exist"),
    ],
    ids=["xls", "exists", "no-folder"],
)
def test_train_refuses_its_workbook_before_training(tmp_path, monkeypatch, name, existing, message):
    """No MNIST and no torch are needed: the workbook is refused before the data is even looked for."""
    monkeypatch.chdir(tmp_path)
    if existing:
        Path(name).write_bytes(OLD)
    result = CliRunner().invoke(cli, ["train", "--data-dir", "nowhere", "--out", "run", "--workbook", name])
    assert result.exit_code == 2, result.output
    assert message in result.output and result.output.count("\n") == 1, result.output
    assert not Path("run").exists() and not Path("run.partial").exists()
    if existing:
        assert Path(name).read_bytes() == OLD
