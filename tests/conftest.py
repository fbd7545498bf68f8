"""Shared pytest fixtures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from verify.reading.libreoffice import find_soffice, recalculate


def need_soffice() -> None:
    """Skip a LibreOffice test where soffice is missing; fail instead in CI (CI=true)."""
    if find_soffice() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("LibreOffice (soffice) is required in CI")
        pytest.skip("LibreOffice (soffice) not installed")


@pytest.fixture(scope="session")
def handbuilt_books(tmp_path_factory) -> dict[str, Path]:
    """tests/handbuilt.py's workbooks (every layout, the planted mistakes, a budget), with saved
    values from one real LibreOffice recalculation each, built once per session: name -> path."""
    import handbuilt  # tests/ is on sys.path (pytest puts a rootless conftest's folder there)

    need_soffice()
    built = handbuilt.build_all(tmp_path_factory.mktemp("handbuilt-formulas"))
    folder = tmp_path_factory.mktemp("handbuilt")
    return {name: recalculate(path, folder / path.name) for name, path in built.items()}


@pytest.fixture(scope="session")
def realclass_books(tmp_path_factory) -> dict[str, Path]:
    """tests/realclass.py's workbooks (what real classes hand in, correct and planted), with saved values from ONE
    LibreOffice start that recalculates each once, and the copies saved with 10 significant digits: name -> path."""
    import realclass
    from verify.reading.libreoffice import convert_many

    need_soffice()
    built = tmp_path_factory.mktemp("realclass-formulas")
    sources = {}
    for name, wb in realclass.builders().items():
        sources[name] = built / f"{name}.xlsx"
        wb.save(sources[name])
    recalculated = convert_many(list(sources.values()), tmp_path_factory.mktemp("realclass"), timeout=300)
    assert set(recalculated) == set(sources.values()), "LibreOffice did not recalculate every workbook"
    books = {name: recalculated[path].rename(recalculated[path].with_name(path.name)) for name, path in sources.items()}
    for name, source in realclass.ROUNDED.items():
        books[name] = realclass.round_saved_values(books[source], books[source].with_name(f"{name}.xlsx"))
    return books


def need_ssconvert() -> None:
    """Skip a Gnumeric test where ssconvert is missing; fail instead in CI (CI=true)."""
    import shutil

    if shutil.which("ssconvert") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Gnumeric (ssconvert) is required in CI")
        pytest.skip("Gnumeric (ssconvert) not installed")


def need_torch() -> None:
    """Skip a PyTorch test where torch is missing (no [cnn] extra); fail instead in CI (CI=true)."""
    try:
        import torch  # noqa: F401
    except ImportError:
        if os.environ.get("CI") == "true":
            pytest.fail("PyTorch is required in CI: pip install -e '.[cnn]'")
        pytest.skip("PyTorch not installed (pip install -e '.[cnn]')")


def need_notebook_runner() -> None:
    """Skip a notebook test where nbclient, nbformat or ipykernel is missing; fail instead in CI (CI=true)."""
    try:
        import ipykernel  # noqa: F401
        import nbclient  # noqa: F401
        import nbformat  # noqa: F401
    except ImportError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{exc.name} is required in CI: pip install -e '.[test]'")
        pytest.skip(f"{exc.name} not installed (pip install -e '.[test]')")


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    """The folder holding MNIST/raw/*-ubyte: $BACKPROP_SHEET_MNIST, else ../shared/data beside the repo.

    Missing: skip locally, fail in CI (CI=true). The dataset is never copied into the repository.
    """
    folder = Path(os.environ.get("BACKPROP_SHEET_MNIST", Path(__file__).resolve().parents[1] / ".." / "shared" / "data"))
    if not (folder / "MNIST" / "raw" / "t10k-images-idx3-ubyte").is_file():
        message = f"MNIST raw files not found under {folder}/MNIST/raw (set BACKPROP_SHEET_MNIST)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return folder.resolve()


@pytest.fixture(scope="session")
def cnn_run(mnist_dir, tmp_path_factory) -> Path:
    """A run folder from one `backprop-sheet train --dry-run` on a small slice of the real MNIST files."""
    need_torch()
    from click.testing import CliRunner

    from backprop_sheet.cli import cli

    out = tmp_path_factory.mktemp("cnn") / "run"
    result = CliRunner().invoke(
        cli, ["train", "--data-dir", str(mnist_dir), "--dry-run", "--threads", "1", "--quiet", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="session")
def default_workbook(tmp_path_factory) -> Path:
    """The workbook `backprop-sheet generate` writes from the default template (era-s6), built once."""
    from excelgen.spec import load_template
    from excelgen.workbook import write_workbook

    return write_workbook(load_template(), tmp_path_factory.mktemp("default") / "backprop.xlsx")


@pytest.fixture(scope="session")
def recalculated_default_workbook(default_workbook, tmp_path_factory) -> Path:
    """default_workbook after one forced full recalculation in LibreOffice (saved values replaced)."""
    need_soffice()
    return recalculate(default_workbook, tmp_path_factory.mktemp("default-lo") / "backprop.xlsx")


@pytest.fixture(scope="session")
def builtin_workbooks(default_workbook, tmp_path_factory) -> dict[str, Path]:
    """The generated workbook of every built-in template, as `generate --template NAME` writes it."""
    from excelgen.spec import DEFAULT_TEMPLATE, builtin_templates, load_template
    from excelgen.workbook import write_workbook

    folder = tmp_path_factory.mktemp("builtin")
    return {
        name: default_workbook if name == DEFAULT_TEMPLATE else write_workbook(load_template(name), folder / f"{name}.xlsx")
        for name in builtin_templates()
    }


def read_book(workbook) -> "Book":
    """verify's own reading (verify.reading.book) of a path, or of an openpyxl Workbook saved to a temporary file."""
    import tempfile

    from verify.reading import book

    if isinstance(workbook, (str, Path)):
        return book.read(workbook)
    with tempfile.TemporaryDirectory(prefix="read-book-") as tmp:
        path = Path(tmp, "book.xlsx")
        workbook.save(path)
        return book.read(path)


# A model of our own for the CNN Forward sheet: padded convolutions (the windows at the border are cut) and
# odd widths, so nothing there is written for the built-in models only.
OWN_CNN_CONFIG = """
name = "padded"
[model]
blocks = [[4], [6, 5]]
padding = [1, 2]
[training]
batch_size = 64
"""


@pytest.fixture(scope="session")
def cnn_runs(cnn_run, mnist_dir, tmp_path_factory) -> dict[str, Path]:
    """Run folders of `backprop-sheet train --dry-run` (real MNIST, a few batches) for the 8k model (cnn_run), the
    20k model and OWN_CNN_CONFIG: name -> folder. They train in a child process: training grows a process's
    memory for good, and tests/test_hostile.py measures the peak memory of children this process starts."""
    import subprocess
    import sys

    need_torch()
    root = Path(__file__).resolve().parents[1]
    folder = tmp_path_factory.mktemp("cnn-runs")
    (folder / "padded.toml").write_text(OWN_CNN_CONFIG)
    runs = {"8k": cnn_run}
    for name, model in (("20k", ["--model", "20k"]), ("padded", ["--config", str(folder / "padded.toml")])):
        args = ["train", "--data-dir", str(mnist_dir), "--dry-run", "--threads", "1", "--quiet", "--out", str(folder / name)]
        result = subprocess.run(
            [sys.executable, "-c", "from backprop_sheet.cli import main; main()", *args, *model],
            capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(root)),
        )
        assert result.returncode == 0, result.stdout + result.stderr
        runs[name] = folder / name
    return runs


# The general networks' workbooks the verify tests check: 40 iterations, four learning rates (one sheet each).
GENERAL_TEMPLATES = {"xor": (0.5, 1.0, 2.0, 5.0), "softmax": (0.1, 0.5, 1.0, 2.0)}


@pytest.fixture(scope="session")
def general_workbooks(tmp_path_factory) -> dict[str, Path]:
    """The workbooks `generate --template xor` and `--template softmax` write (GENERAL_TEMPLATES' iterations and
    learning rates), built once: name -> path."""
    from excelgen.workbook import write_workbook
    from network import load_network

    folder = tmp_path_factory.mktemp("general")
    return {
        name: write_workbook(load_network(name).with_options(iterations=40, learning_rates=rates), folder / f"{name}.xlsx")
        for name, rates in GENERAL_TEMPLATES.items()
    }
