"""Shared pytest fixtures.

The suite runs in pytest-xdist workers (pyproject.toml: -n auto, --dist loadfile: each test file on one
worker). The expensive session fixtures (LibreOffice recalculations, trained dry runs) are built once per
pytest session, whatever the number of workers, through built_once().
"""

from __future__ import annotations

import contextlib
import math
import os
import pickle
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, TypeVar

import pytest

from verify.reading.libreoffice import convert_many, find_soffice, recalculate

try:
    import fcntl
except ImportError:  # Windows: each worker builds its own
    fcntl = None

T = TypeVar("T")


def built_once(tmp_path_factory, name: str, build: Callable[[Path], T]) -> T:
    """build(folder) once per pytest session: `folder` is a new empty folder, and what build returns (paths
    into it) is what every caller gets. Under pytest-xdist the first worker to ask builds in a folder all the
    workers share while the others wait on a lock, then read its result; without xdist it is plain mktemp."""
    if os.environ.get("PYTEST_XDIST_WORKER") is None or fcntl is None:
        return build(tmp_path_factory.mktemp(name))
    shared = tmp_path_factory.getbasetemp().parent  # this session's folder, above each worker's own
    result = shared / f"{name}.pickle"
    with open(shared / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not result.is_file():
            folder = shared / name
            shutil.rmtree(folder, ignore_errors=True)  # what a worker whose build failed left
            folder.mkdir()
            result.write_bytes(pickle.dumps(build(folder)))
        return pickle.loads(result.read_bytes())


# The test files that take longest (each 15 s of work or more on 2 cores), longest first. pytest-xdist hands the
# files out in collection order (--no-loadscope-reorder in pyproject.toml), so these start first and no worker
# is left alone with one of them at the end. A file missing here just runs after them, in its usual order.
LONGEST_FIRST = (
    "test_hostile.py",
    "test_cnn_forward.py",
    "test_signals.py",
    "test_libreoffice_debris.py",
    "test_verify_general.py",
    "test_cnn_export.py",
    "test_exercise.py",
    "test_notebook.py",
    "test_general_workbook.py",
    "test_verify_class.py",
    "test_printing.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: k for k, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: each file's tests keep their order


def recalculate_all(sources: list[Path], folder: Path, *, processes: int = 1) -> dict[Path, Path]:
    """Every source recalculated by LibreOffice in `processes` starts side by side (verify.reading.libreoffice.convert_many,
    each its own share of the sources), each written to folder / its own name: source -> recalculated."""
    from concurrent.futures import ThreadPoolExecutor

    shares = [sources[k::processes] for k in range(processes)]
    with ThreadPoolExecutor(processes) as pool:
        runs = pool.map(lambda k: convert_many(shares[k], folder / f"converted-{k}", timeout=600), range(processes))
        converted = {source: path for run in runs for source, path in run.items()}
    assert len(converted) == len(sources), f"LibreOffice recalculated {len(converted)} of {len(sources)} workbooks"
    return {source: converted[source].rename(folder / source.name) for source in sources}


def classic_values(net) -> dict[str, float]:
    """A classic network's constants under their classic names: i1, i2, t1, t2, w1..w8, and b1, b2 when the
    template gives biases (w1: i1→h1, w2: i2→h1, w3: i1→h2, ... as the brief wires them)."""
    (i1, i2), (t1, t2) = net.examples[0].inputs, net.examples[0].targets
    values = {"i1": i1, "i2": i2, "t1": t1, "t2": t2}
    values |= {f"w{k}": w for k, w in enumerate((w for layer in net.weights for row in layer for w in row), start=1)}
    if net.biases_given:
        values |= {"b1": net.biases[0][0], "b2": net.biases[1][0]}
    return values


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

    def build(folder: Path) -> dict[str, Path]:
        (folder / "formulas").mkdir()
        built = handbuilt.build_all(folder / "formulas")
        recalculated = recalculate_all(list(built.values()), folder)
        return {name: recalculated[path] for name, path in built.items()}

    return built_once(tmp_path_factory, "handbuilt", build)


@pytest.fixture(scope="session")
def handbuilt_recalculated(handbuilt_books, tmp_path_factory) -> dict[Path, Path]:
    """Each of handbuilt_books (but the budget) -> its recalculation by LibreOffice, all in one start, once per
    session: check_workbook(book, engine="libreoffice", recalculated=...) checks it as a class run does."""

    def build(folder: Path) -> dict[Path, Path]:
        return recalculate_all([path for name, path in handbuilt_books.items() if name != "budget"], folder)

    return built_once(tmp_path_factory, "handbuilt-lo", build)


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

    def build(folder: Path) -> Path:
        args = ["train", "--data-dir", str(mnist_dir), "--dry-run", "--threads", "1", "--quiet", "--out", str(folder / "run")]
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, result.output
        return folder / "run"

    return built_once(tmp_path_factory, "cnn", build)


@pytest.fixture(scope="session")
def default_workbook(tmp_path_factory) -> Path:
    """The workbook `backprop-sheet generate` writes from the default template (era-s6), built once."""
    from network import load_network
    from excelgen.workbook import write_workbook

    return write_workbook(load_network(), tmp_path_factory.mktemp("default") / "backprop.xlsx")


@pytest.fixture(scope="session")
def recalculated_default_workbook(default_workbook, tmp_path_factory) -> Path:
    """default_workbook after one forced full recalculation in LibreOffice (saved values replaced)."""
    need_soffice()
    return built_once(tmp_path_factory, "default-lo", lambda folder: recalculate(default_workbook, folder / "backprop.xlsx"))


@pytest.fixture(scope="session")
def builtin_workbooks(default_workbook, tmp_path_factory) -> dict[str, Path]:
    """The generated workbook of every built-in template, as `generate --template NAME` writes it."""
    from network import load_network
    from network.description import DEFAULT_TEMPLATE, classic_templates
    from excelgen.workbook import write_workbook

    folder = tmp_path_factory.mktemp("builtin")
    return {
        name: default_workbook if name == DEFAULT_TEMPLATE else write_workbook(load_network(name), folder / f"{name}.xlsx")
        for name in sorted(classic_templates())
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

    def build(folder: Path) -> dict[str, Path]:
        (folder / "padded.toml").write_text(OWN_CNN_CONFIG)
        training = {  # both at once, one thread each
            name: subprocess.Popen(
                [sys.executable, "-c", "from backprop_sheet.cli import main; main()", "train", "--data-dir", str(mnist_dir),
                 "--dry-run", "--threads", "1", "--quiet", "--out", str(folder / name), *model],
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=dict(os.environ, PYTHONPATH=str(root)),
            )
            for name, model in (("20k", ["--model", "20k"]), ("padded", ["--config", str(folder / "padded.toml")]))
        }
        for name, child in training.items():
            output = child.communicate()[0]
            assert child.returncode == 0, f"{name}: {output}"
        return {"8k": cnn_run} | {name: folder / name for name in training}

    return built_once(tmp_path_factory, "cnn-runs", build)


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


@dataclass(frozen=True)
class Inputs:
    """The classic network's numbers that are no column of its LR sheet: inputs, targets, fixed biases."""

    i1: float
    i2: float
    t1: float
    t2: float
    b1: float = 0.0
    b2: float = 0.0


def train_classic(weights: tuple[float, ...], x: Inputs, learning_rates: tuple[float, ...], iterations: int):
    """The one reference (network/reference.py) on the classic network with these numbers: .learning_rates, and
    .columns[header] of shape (n_learning_rates, iterations + 1)."""
    from types import SimpleNamespace

    from network import trajectory
    from network.description import classic_network

    net = classic_network((x.i1, x.i2), (x.t1, x.t2), tuple(weights), (x.b1, x.b2),
                          learning_rates=tuple(float(r) for r in learning_rates), iterations=iterations)
    return SimpleNamespace(learning_rates=net.learning_rates, columns=trajectory(net))


@dataclass(frozen=True)
class DiagramLabel:
    """One label of the Network sheet's diagram as its chart shows it: the cell its text comes from (the series'
    name), that text, and the cells of its point."""

    cell: str  # "S7": the label's text cell on the Network sheet
    text: str  # "w5 0.4000", the cell's value in the workbook read
    x: float
    y: float

    @property
    def name(self) -> str:
        return self.text.rsplit(" ", 1)[0]

    @property
    def number(self) -> float:
        return float(self.text.rsplit(" ", 1)[1])

    def shows(self, value: float) -> bool:
        """Whether the text shows `value` to the digits it prints: 0.1234 (4 decimals) or 1.23E-02 (3 figures)."""
        digits = self.text.rsplit(" ", 1)[1]
        tolerance = {"rel_tol": 0.51e-2} if "E" in digits else {"abs_tol": 0.51e-4}
        return math.isclose(self.number, value, **tolerance)


def diagram_chart(path: Path, values=None) -> tuple[list[DiagramLabel], list[list[tuple[float, float]]]]:
    """The diagram chart of a workbook's Network sheet, read from its XML (xl/charts/chartN.xml, the one chart whose
    series read the Network sheet): every series labelled with its name (a label, with its text and point from the
    cells of `values`, an openpyxl Network sheet; by default the workbook's saved values), and the points of every
    series drawn as a line."""
    import re
    import zipfile

    import openpyxl

    ws = values if values is not None else openpyxl.load_workbook(path, data_only=True)["Network"]
    with zipfile.ZipFile(path) as z:
        (xml,) = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/chart")
                  and "<c:f>Network!" in z.read(n).decode()]
    def cells(ref: str) -> list:
        ref = ref.split("!")[1].replace("$", "")
        return [c.value for row in ws[ref] for c in row] if ":" in ref else [ws[ref].value]

    labels, lines = [], []
    for ser in re.findall(r"<c:ser>(.*?)</c:ser>", xml, re.S):
        x_ref = re.search(r"<c:xVal>.*?<c:f>(.*?)</c:f>", ser, re.S).group(1)
        y_ref = re.search(r"<c:yVal>.*?<c:f>(.*?)</c:f>", ser, re.S).group(1)
        name = re.search(r"<c:tx><c:strRef><c:f>(.*?)</c:f>", ser)
        if name is not None:
            assert '<c:showSerName val="1"/>' in ser, name.group(1)
            ((x,), (y,)) = cells(x_ref), cells(y_ref)
            labels.append(DiagramLabel(name.group(1).split("!")[1].replace("$", ""), cells(name.group(1))[0], x, y))
        elif "<a:ln><a:noFill/>" not in ser.split("<c:marker>")[0]:
            lines.append(list(zip(cells(x_ref), cells(y_ref))))
    return labels, lines


@contextlib.contextmanager
def small_disk(folder: Path, size: str):
    """A tmpfs of `size` ("64k", "1m") mounted at `folder`: a real full disk (ENOSPC). Needs the right to mount
    (root, as CI has): skipped elsewhere, a failure in CI (CI=true)."""
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], capture_output=True)
    if mounted.returncode != 0:
        message = f"cannot mount a small tmpfs here: {mounted.stderr.decode().strip()}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


@pytest.fixture
def logging_soffice(tmp_path, monkeypatch) -> Path:
    """A `soffice` on the PATH that logs its command line (one line per start), then runs the real one: the
    log's path. Tests count LibreOffice's starts and find its profiles through it."""
    need_soffice()
    real = Path(find_soffice()).resolve()
    log = tmp_path / "starts.log"
    wrapper = tmp_path / "bin" / "soffice"
    wrapper.parent.mkdir()
    wrapper.write_text(f'#!/bin/sh\necho "$@" >> "{log}"\nexec "{real}" "$@"\n', "utf-8")
    wrapper.chmod(0o755)
    monkeypatch.setenv("PATH", f"{wrapper.parent}:/usr/bin:/bin")
    return log
