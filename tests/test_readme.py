"""The README's quick start works as written: every command of its marked block runs, in order, in an empty
folder, exits with 0 and writes the files its comment names (`# writes a.xlsx, b.csv`). So the README cannot
drift from the CLI."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

from conftest import need_torch

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"


def quick_start() -> list[str]:
    """The command lines of the README's block between <!-- quick-start --> and <!-- /quick-start -->."""
    text = README.read_text("utf-8")
    block = re.search(r"<!-- quick-start -->\s*```[^\n]*\n(.*?)```\s*<!-- /quick-start -->", text, re.S)
    assert block, "README.md has no quick-start block (<!-- quick-start --> ... <!-- /quick-start -->)"
    return [line.strip() for line in block.group(1).splitlines() if line.strip()]


def backprop_sheet() -> list[str]:
    """The argv that runs the command word `backprop-sheet`: the console script pyproject.toml declares, run by
    this Python, so that it is this checkout's code whether or not it was installed from here."""
    target = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["scripts"]["backprop-sheet"]
    module, function = target.split(":")
    return [sys.executable, "-c", f"import sys; sys.argv[0] = 'backprop-sheet'; from {module} import {function}; {function}()"]


def written(line: str) -> list[str]:
    """The files a line's comment says it writes: `... # writes a.xlsx, b.csv` -> ['a.xlsx', 'b.csv']."""
    comment = line.partition(" # ")[2]
    found = re.search(r"\bwrites (.+)$", comment)
    return [name.strip() for name in found.group(1).split(",")] if found else []


def test_the_quick_start_block_is_there_and_has_each_job():
    lines = quick_start()
    words = [shlex.split(line, comments=True)[:2] for line in lines]
    assert ["backprop-sheet", "generate"] in words and ["backprop-sheet", "verify"] in words
    assert ["backprop-sheet", "train"] in words
    assert any(written(line) for line in lines)


def test_every_quick_start_command_runs(tmp_path, mnist_dir):
    need_torch()  # the block trains the CNN (a dry run)
    (tmp_path / "data").symlink_to(mnist_dir)  # MNIST already there, so `--download` fetches nothing
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    ran = 0
    for line in quick_start():
        argv = shlex.split(line, comments=True)
        if argv[:2] == ["pip", "install"]:
            continue  # already installed: the test runs in the environment it was installed into
        if argv[0] == "backprop-sheet":
            argv = backprop_sheet() + argv[1:]
        result = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, f"{line}\nexit code {result.returncode}\n{result.stdout}\n{result.stderr}"
        for name in written(line):
            assert (tmp_path / name).is_file(), f"{line}: wrote no {name}\n{result.stdout}"
        ran += 1
    assert ran >= 6
