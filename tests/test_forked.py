"""verify/engines/forked.py, and the formulas engine recalculating a big workbook in a forked child.

The oracle is the same function run in this process: a forked child must give back exactly what
it gives (values, their types, the exception and its message), or step aside so that the
function runs here; a child that is cancelled is reaped. Then whole checks, with the engine in a
child and without: the same report for a workbook with every kind of planted fault, and the
same refusal when the engine refuses a workbook.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from network.errors import WorkbookError
from planting import edit_sheet
from test_verify_faults import FAULTS
from verify.reading import book as books
from verify.reading import cells
from verify.tables import classic_tables
from verify.engines import formulas_engine
from verify.engines import forked
from verify.checking.workbook import check_workbook


_CAN_FORK = forked._can_fork


@pytest.fixture(autouse=True)
def forks(monkeypatch):
    """This test process has more threads than verify's workers (NumPy's): let it fork all the same."""
    if not sys.platform.startswith("linux"):
        pytest.skip("forks only on Linux")
    monkeypatch.setattr(forked, "_can_fork", lambda: True)


def _pair(x, y):
    return (x, y, os.getpid())


def _fails(message):
    raise WorkbookError(message)


def test_a_child_gives_back_what_the_function_returns():
    child = forked.Forked(_pair, 2.5, "text")
    assert child.pid is not None and child.pid != os.getpid()
    x, y, pid = child.result()
    assert (x, y) == (2.5, "text") and pid != os.getpid()


def test_a_large_answer_comes_through_the_pipe():
    data = os.urandom(3_000_000)
    assert forked.Forked(bytes, data).result() == data


def test_the_child_s_exception_is_raised_here_with_its_message():
    child = forked.Forked(_fails, "refusing: too many shapes")
    with pytest.raises(WorkbookError, match="^refusing: too many shapes$"):
        child.result()


class _Unpicklable(Exception):
    def __init__(self, a, b):  # pickle cannot rebuild it from args
        super().__init__(f"{a} {b}")


def _raises_unpicklable(parent: int):
    raise _Unpicklable(1, 2) if os.getpid() != parent else ValueError("run here")


def _dies_in_the_child(parent: int):
    if os.getpid() != parent:
        os.kill(os.getpid(), signal.SIGKILL)
    return "run here"


def test_a_child_without_an_answer_lets_the_function_run_here():
    parent = os.getpid()
    assert forked.Forked(_dies_in_the_child, parent).result() == "run here"
    with pytest.raises(ValueError, match="run here"):
        forked.Forked(_raises_unpicklable, parent).result()


def test_cancel_kills_and_reaps_the_child():
    child = forked.Forked(__import__("time").sleep, 60)
    pid = child.pid
    child.cancel()
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # no such child any more: killed and reaped
    assert child.pid is None
    child.cancel()  # again: nothing to do


def test_a_process_with_other_threads_does_not_fork(monkeypatch):
    monkeypatch.setattr(forked, "_can_fork", _CAN_FORK)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        child = forked.Forked(_pair, 1, 2)
        assert child.pid is None
        assert child.result() == (1, 2, os.getpid())  # run here
    finally:
        stop.set()
        other.join()


def test_a_worker_forks():
    """A fork of a process that imported the checker, as verify/batch.py's workers are, has one thread."""
    code = (
        "import os, verify.batch, verify.checking.workbook, verify.engines.formulas_engine; from verify.engines import forked\n"
        "pid = os.fork()\n"
        "if pid == 0:\n    os._exit(0 if forked._can_fork() else 1)\n"
        "raise SystemExit(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))"
    )
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


@pytest.fixture(scope="module")
def broken_workbook(default_workbook, tmp_path_factory) -> Path:
    """The default workbook with every fault of test_verify_faults planted, each on its own sheet."""
    path, folder = default_workbook, tmp_path_factory.mktemp("forked")
    for k, fault in enumerate(FAULTS.values()):
        path = edit_sheet(path, folder / f"broken-{k}.xlsx", fault.sheet, fault.edit)
    return path


def test_the_engine_in_a_child_gives_every_value_evaluate_gives(broken_workbook, monkeypatch):
    workbook = books.read(broken_workbook)
    targets = [key for table in classic_tables.find_tables(workbook) for key in cells.table_cells(table)]
    here = formulas_engine.evaluate(workbook, targets)
    monkeypatch.setattr(formulas_engine, "BACKGROUND_CELLS", 0)
    recalculating = formulas_engine.start(workbook, targets)
    assert recalculating._child is not None and recalculating._child.pid is not None
    found = recalculating.result()
    assert list(found) == list(dict.fromkeys(targets))  # in their order (the inputs are wanted once per table)
    assert [(found[k], type(found[k])) for k in targets] == [(here[k], type(here[k])) for k in targets]
    assert any(type(v) is not float for v in found.values())  # the planted circular reference, as text


def test_a_check_reports_the_same_with_the_engine_in_a_child(broken_workbook, monkeypatch):
    here = check_workbook(broken_workbook, engine="formulas").to_dict()
    monkeypatch.setattr(formulas_engine, "BACKGROUND_CELLS", 0)
    assert check_workbook(broken_workbook, engine="formulas").to_dict() == here


def test_a_refusal_of_the_engine_in_a_child_reads_the_same(default_workbook, monkeypatch):
    monkeypatch.setattr(formulas_engine, "SHAPE_BUDGET", 3)
    with pytest.raises(WorkbookError) as here:
        check_workbook(default_workbook, engine="formulas")
    monkeypatch.setattr(formulas_engine, "BACKGROUND_CELLS", 0)
    with pytest.raises(WorkbookError) as there:
        check_workbook(default_workbook, engine="formulas")
    assert str(there.value) == str(here.value) and "shapes" in str(here.value)


def test_a_small_workbook_is_recalculated_here(default_workbook):
    workbook = books.read(default_workbook)
    targets = [key for table in classic_tables.find_tables(workbook) for key in cells.table_cells(table)]
    assert len(targets) < formulas_engine.BACKGROUND_CELLS
    assert formulas_engine.start(workbook, targets)._child is None
