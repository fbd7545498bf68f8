"""verify.check(): check workbooks from Python (the `verify` command calls it).

    >>> import verify
    >>> report = verify.check("backprop.xlsx")           # one workbook: a Report
    >>> report.passed, len(report.tables)
    (True, 6)
    >>> class_report = verify.check("submissions/")      # a folder, or a list of paths: a ClassReport
    >>> class_report.to_frame()                          # one row per finding, with its file

Errors are BackpropSheetError subclasses (excelgen.errors), never SystemExit.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from pathlib import Path

from network.errors import BackpropSheetError, WorkbookError
from verify import batch
from verify.checking.workbook import DEFAULT_ATOL, DEFAULT_RTOL
from verify.reports.classreport import ClassReport, Outcome
from verify.engines.recalculation import resolve
from verify.reports.report import Report

PathLike = str | os.PathLike
MAX_TIMEOUT = 24 * 3600.0  # seconds one workbook may take: a day
MIN_MEMORY, MAX_MEMORY = 64 * 1024**2, 1024 * 1024**3  # a worker's ceiling: 64 MB (Python alone) to 1,024 GB


def check(
    path_or_paths: PathLike | Sequence[PathLike],
    *,
    engine: str = "auto",
    rtol: float = DEFAULT_RTOL,
    atol: float = DEFAULT_ATOL,
    jobs: int | None = None,
    timeout: float = batch.DEFAULT_TIMEOUT,
    max_memory: int | str = batch.DEFAULT_MAX_MEMORY,
    csv: PathLike | None = None,
    xlsx: PathLike | None = None,
    on_done: Callable[[Outcome], None] | None = None,
) -> Report | ClassReport:
    """Check that workbooks still compute backpropagation correctly.

    path_or_paths: one workbook (.xlsx, .xlsm, .ods, .xls) gives its Report; a folder (searched
        recursively) or a list of files and folders gives a ClassReport.
    engine: "auto" (LibreOffice when installed, else formulas), "libreoffice", "formulas" or "none".
    rtol, atol: cells are equal when |actual − expected| ≤ max(atol, rtol·max(|actual|, |expected|)).
    jobs: workbooks checked at once (default: the CPUs); each gets `timeout` seconds and
        `max_memory` bytes (or a size like "2GB") in its worker process.
    csv, xlsx: also write the class's CSV rows and its class workbook (`--csv`, `--report`).
    on_done: called with each workbook's Outcome as it finishes (a progress bar).

    A Report's and a ClassReport's .to_dict() is the `--json` output; .to_frame() is a pandas
    DataFrame of the findings; in Jupyter both show as a coloured table.
    Raises WorkbookError when the one workbook cannot be checked (missing, damaged, no table),
    EngineError for an unknown or missing engine, BackpropSheetError for a bad option.

    >>> report = check("planted.xlsx", engine="formulas")   # ∂E/∂w3 uses a_h1·(1−a_h1) on LR 0.5
    >>> [(f.cell, f.mistake_key) for f in report.findings]
    [("'LR 0.5'!Y5", 'other-hidden-slope')]
    """
    single = isinstance(path_or_paths, (str, os.PathLike)) and not Path(path_or_paths).is_dir()
    paths = [path_or_paths] if isinstance(path_or_paths, (str, os.PathLike)) else list(path_or_paths)
    size = _checked_options(rtol, atol, timeout, max_memory)
    _check_outputs(csv, xlsx)
    engine = resolve(engine)
    found = batch.find_workbooks(paths, exclude=[p for p in (csv, xlsx) if p])
    if not found:
        names = ", ".join(map(str, paths))
        raise WorkbookError(f"no workbook (*.xlsx, *.xlsm, *.ods, *.xls) found in {names}")
    budget = batch.Budget(timeout=timeout, max_memory=size)
    run = batch.check_many(
        found, engine=engine, rtol=rtol, atol=atol, jobs=jobs or batch.default_jobs(), budget=budget,
        on_done=on_done,
    )
    report = run.report
    for path, write in ((csv, report.write_csv), (xlsx, report.write_xlsx)):
        if path:
            try:
                write(path)
            except OSError as exc:
                raise BackpropSheetError(f"cannot write {path}: {exc.strerror or exc}") from None
    return _only(report.outcomes[0]) if single else report


def _checked_options(rtol: float, atol: float, timeout: float, max_memory: int | str) -> int:
    """Refuse a tolerance or budget no check could use (NaN, infinite, negative, past what the system takes),
    before any work; returns max_memory in bytes."""
    if not all(isinstance(t, (int, float)) and math.isfinite(t) and t >= 0 for t in (rtol, atol)):
        raise BackpropSheetError(f"tolerances must be ≥ 0 and finite, got rtol {rtol!r}, atol {atol!r}")
    if not (isinstance(timeout, (int, float)) and math.isfinite(timeout) and 0 < timeout <= MAX_TIMEOUT):
        raise BackpropSheetError(f"timeout must be more than 0 and at most {MAX_TIMEOUT:,.0f} seconds, got {timeout!r}")
    try:
        size = batch.parse_size(max_memory) if isinstance(max_memory, str) else max_memory
    except (ValueError, OverflowError) as exc:
        raise BackpropSheetError(f"max_memory: {exc}") from None
    if isinstance(size, bool) or not isinstance(size, int) or not MIN_MEMORY <= size <= MAX_MEMORY:
        raise BackpropSheetError(
            f"max_memory must be from 64 MB to 1,024 GB, got {max_memory!r}"
        )
    return size


def _check_outputs(csv: PathLike | None, xlsx: PathLike | None) -> None:
    """Refuse an output that cannot be written now, not after checking the class."""
    if xlsx and Path(xlsx).suffix.lower() != ".xlsx":
        raise BackpropSheetError(f"cannot write the class report {xlsx}: it is an .xlsx file")
    for path in (csv, xlsx):
        if path and not Path(path).resolve().parent.is_dir():
            raise BackpropSheetError(f"cannot write {path}: folder {Path(path).parent} does not exist")


def _only(outcome: Outcome) -> Report:
    """The report of a single workbook, or WorkbookError with the reason it could not be checked."""
    if outcome.report is None:
        name = Path(outcome.file).name
        raise WorkbookError(outcome.reason if name in outcome.reason else f"{outcome.file}: {outcome.reason}")
    return outcome.report
