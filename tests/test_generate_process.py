"""`backprop-sheet generate` as a real child process: SIGTERM and SIGHUP mid-write, the progress bar on a terminal.

These need a process of their own (a signal, a pseudo-terminal), so they cannot go through CliRunner.
The child's TMPDIR is a fresh folder, so "no temporary folder left" is checked exactly.
"""

from __future__ import annotations

import os
import pty
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
OLD = b"the teacher's copy, open in no app"


def start_generate(tmp_path: Path, *args: str, **popen) -> subprocess.Popen:
    """`backprop-sheet generate ARGS` with this checkout's code, in tmp_path, with TMPDIR = tmp_path/tmp."""
    (tmp_path / "tmp").mkdir(exist_ok=True)
    env = os.environ | {"PYTHONPATH": str(REPO), "TMPDIR": str(tmp_path / "tmp")}
    command = [sys.executable, "-c", "from backprop_sheet.cli import main; main()", "generate", *args]
    return subprocess.Popen(command, cwd=tmp_path, env=env, **popen)


def wait_for(child: subprocess.Popen, condition, what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert child.poll() is None, f"generate ended (exit {child.returncode}) before {what}"
        assert time.monotonic() < deadline, f"no {what} within {timeout} s"
        time.sleep(0.01)


def rows_being_written(tmp_path: Path) -> bool:
    """XlsxWriter streams the rows into files in a backprop-sheet-* folder under TMPDIR."""
    return any(f.stat().st_size > 1_000_000 for d in (tmp_path / "tmp").glob("backprop-sheet-*") for f in d.glob("*"))


def zip_being_written(tmp_path: Path) -> bool:
    """At the end, the .xlsx (a zip) is written into the temporary file beside the target."""
    return any(f.stat().st_size > 0 for f in tmp_path.glob(".book.xlsx.*.tmp"))


@pytest.mark.parametrize(
    "signum, moment, iterations",
    [
        (signal.SIGTERM, rows_being_written, "100000"),
        (signal.SIGHUP, rows_being_written, "100000"),
        (signal.SIGTERM, zip_being_written, "20000"),
    ],
    ids=["SIGTERM-rows", "SIGHUP-rows", "SIGTERM-saving"],
)
def test_a_signal_mid_write_cleans_up_like_ctrl_c(tmp_path, signum, moment, iterations):
    target = tmp_path / "book.xlsx"
    target.write_bytes(OLD)
    child = start_generate(
        tmp_path, "-o", "book.xlsx", "--force", "--iterations", iterations, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        wait_for(child, lambda: moment(tmp_path), moment.__name__.replace("_", " "))
        child.send_signal(signum)
        stdout, stderr = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == 128 + signum
    assert stderr.decode() == f"Error: stopped by {signal.Signals(signum).name}\n"
    assert stdout == b""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx", "tmp"]  # no .tmp file beside the target
    assert list((tmp_path / "tmp").iterdir()) == []  # no temporary folder
    assert target.read_bytes() == OLD


@pytest.mark.parametrize(
    "args, bar",
    [
        (["--lr", "0.5", "--iterations", "40000"], True),  # 1 × 40,001 × 29 = 1.16 million cells
        (["--lr", "0.5", "--iterations", "30000"], False),  # 0.87 million: no bar
    ],
    ids=["1.16M-cells", "0.87M-cells"],
)
def test_a_large_write_shows_a_progress_bar_on_a_terminal(tmp_path, args, bar):
    leader, terminal = pty.openpty()
    child = start_generate(tmp_path, "-o", "book.xlsx", *args, stdout=subprocess.PIPE, stderr=terminal)
    os.close(terminal)
    seen = b""
    try:
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
        stdout, _ = child.communicate(timeout=120)
    finally:
        os.close(leader)
        if child.poll() is None:
            child.kill()
    assert child.returncode == 0, seen
    assert stdout.decode().startswith("Wrote book.xlsx")
    if bar:
        assert b"Writing book.xlsx" in seen and b"100%" in seen, seen
    else:
        assert seen == b""
