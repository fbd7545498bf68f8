"""examples/tour.ipynb runs top to bottom in a real python3 kernel (nbclient), against the MNIST files
of ../shared/data: a failing cell fails the test. It is committed without outputs."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from conftest import need_notebook_runner, need_soffice, need_torch

TOUR = Path(__file__).resolve().parents[1] / "examples" / "tour.ipynb"
TIME_LIMIT = 600  # seconds for the whole notebook; it takes about a minute on 2 cores


def test_tour_is_committed_without_outputs():
    need_notebook_runner()
    import nbformat

    notebook = nbformat.read(TOUR, as_version=4)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code and all(cell.outputs == [] and cell.execution_count is None for cell in code)
    assert notebook.metadata.kernelspec.name == "python3"


@pytest.mark.slow
def test_tour_runs_top_to_bottom(mnist_dir, tmp_path, monkeypatch):
    need_notebook_runner()
    need_torch()
    need_soffice()  # the tour verifies with engine "auto": LibreOffice where installed, as in CI
    import nbclient
    import nbformat

    notebook = nbformat.read(TOUR, as_version=4)
    monkeypatch.setenv("BACKPROP_SHEET_MNIST", str(mnist_dir))  # the kernel inherits the environment
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")  # plots inline, whatever the shell set
    started = time.perf_counter()
    client = nbclient.NotebookClient(
        notebook, kernel_name="python3", timeout=TIME_LIMIT, resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()  # raises CellExecutionError, with the cell and its traceback, when a cell fails
    seconds = time.perf_counter() - started
    print(f"tour.ipynb ran in {seconds:.1f} s")

    outputs = {i: cell.outputs for i, cell in enumerate(notebook.cells) if cell.cell_type == "code"}
    html = "".join(o.get("data", {}).get("text/html", "") for cells in outputs.values() for o in cells)
    assert "backprop-sheet-report" in html and "other-hidden-slope" in html  # the planted mistake, named
    assert "backprop-sheet-run" in html and "data:image/png;base64," in html  # the run, with its curves
    images = [o for cells in outputs.values() for o in cells if "image/png" in o.get("data", {})]
    assert images  # the E_total plot
    assert (tmp_path / "backprop.xlsx").is_file() and (tmp_path / "planted.xlsx").is_file()
    assert (tmp_path / "runs" / "8k-seed1-dry-run" / "model.pt").is_file()
