"""verify.check(): check workbooks from Python (the `verify` command calls it).

    >>> import verify
    >>> report = verify.check("backprop.xlsx")           # one workbook: a Report
    >>> report.passed, len(report.tables)
    (True, 6)
    >>> class_report = verify.check("submissions/")      # a folder, or a list of paths: a ClassReport
    >>> class_report.to_frame()                          # one row per workbook and table (the CSV's rows)

Errors are BackpropSheetError subclasses (excelgen.errors), never SystemExit.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from network.errors import BackpropSheetError, OutputExistsError, WorkbookError
from verify import batch
from verify.checking.workbook import DEFAULT_ATOL, DEFAULT_RTOL
from verify.reports import marks
from verify.reports.classreport import ClassReport, Outcome, printable
from verify.engines.recalculation import resolve
from verify.reports.report import Report

PathLike = str | os.PathLike


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
    force: bool = False,
    on_done: Callable[[Outcome], None] | None = None,
) -> Report | ClassReport:
    """Check that workbooks still compute backpropagation correctly.

    path_or_paths: one workbook (.xlsx, .xlsm, .ods, .xls) gives its Report; a folder (searched
        recursively) or a list of files and folders gives a ClassReport.
    engine: "auto" (LibreOffice when installed, else formulas), "libreoffice", "formulas" or "none".
    rtol, atol: cells are equal when |actual − expected| ≤ max(atol, rtol·max(|actual|, |expected|)).
    jobs: workbooks checked at once (default: the CPUs); each gets `timeout` seconds and
        `max_memory` bytes (or a size like "2GB") in its worker process.
    csv, xlsx: also write the class's CSV rows and its class workbook (`--csv`, `--report`): never
        onto one of the workbooks checked, nor onto anything but a regular file, nor onto an existing
        file unless `force` (see Outputs).
    on_done: called with each workbook's Outcome as it finishes (a progress bar).

    A Report's and a ClassReport's .to_dict() is the `--json` output; a Report's .to_frame() is a pandas
    DataFrame of its findings, a ClassReport's a row per workbook and table (.findings_frame(): the findings);
    in Jupyter both show as a coloured table. Workbooks this tool wrote (a class report) are never checked.
    Raises WorkbookError when the one workbook cannot be checked (missing, damaged, no table),
    EngineError for an unknown or missing engine, BackpropSheetError for a bad option.

    >>> report = check("planted.xlsx", engine="formulas")   # ∂E/∂w3 uses a_h1·(1−a_h1) on LR 0.5
    >>> [(f.cell, f.mistake_key) for f in report.findings]
    [("'LR 0.5'!Y5", 'other-hidden-slope')]
    """
    single = isinstance(path_or_paths, (str, os.PathLike)) and not Path(path_or_paths).is_dir()
    paths = [path_or_paths] if isinstance(path_or_paths, (str, os.PathLike)) else list(path_or_paths)
    if any(os.fspath(p) == "" for p in paths):
        raise BackpropSheetError("an empty path names no workbook (write . for the current folder)")
    if rtol < 0 or atol < 0:
        raise BackpropSheetError(f"tolerances must be ≥ 0, got rtol {rtol:g}, atol {atol:g}")
    try:
        size = batch.parse_size(max_memory) if isinstance(max_memory, str) else max_memory
    except ValueError as exc:
        raise BackpropSheetError(f"max_memory: {exc}") from None
    outputs = Outputs(csv, xlsx, force)
    engine = resolve(engine)
    found = batch.find_workbooks(paths)
    if not found:
        names = ", ".join(map(str, paths))
        ours = [f"{p} is a {what} written by backprop-sheet, not a student's workbook"
                for p in paths if (what := marks.tool_written(p))]
        message = "; ".join(ours) or f"no workbook (*.xlsx, *.xlsm, *.ods, *.xls) found in {names}"
        raise WorkbookError(printable(message))
    outputs.refuse_unwritable(found)
    budget = batch.Budget(timeout=timeout, max_memory=size)
    run = batch.check_many(
        found, engine=engine, rtol=rtol, atol=atol, jobs=jobs or batch.default_jobs(), budget=budget,
        on_done=on_done,
    )
    try:
        outputs.write(run.report)
    except BackpropSheetError as exc:
        checked = run.report if not single else run.report.outcomes[0].report
        raise OutputError(str(exc), checked) from None
    return _only(run.report.outcomes[0]) if single else run.report


class OutputError(BackpropSheetError):
    """The CSV or the class workbook could not be written; `checked` is what check() would have returned
    (None for one workbook that could not be checked), so that the verdicts can still be shown."""

    def __init__(self, message: str, checked: Report | ClassReport | None):
        super().__init__(message)
        self.checked = checked


@dataclass(frozen=True)
class Outputs:
    """Where a class's CSV (`--csv`) and class workbook (`--report`) go, and whether an existing file may be replaced.

    An output is refused, before anything is checked, when it is one of the workbooks to check (a
    student's `class.xlsx` is never replaced by the report, even with `force`), when it exists and is
    not a regular file (a device, a FIFO, a folder, a symbolic link), when it exists and `force` is
    not given, and when its folder does not exist. Each is written to a temporary file beside it,
    created with the umask's mode, that becomes it only when complete.
    """

    csv: PathLike | None = None
    xlsx: PathLike | None = None
    force: bool = False

    def __post_init__(self) -> None:
        if self.xlsx and Path(self.xlsx).suffix.lower() != ".xlsx":
            raise BackpropSheetError(f"cannot write the class report {self.xlsx}: it is an .xlsx file")
        for path in self._paths():
            if not Path(os.path.realpath(path)).parent.is_dir():
                raise BackpropSheetError(f"cannot write {path}: folder {Path(path).parent} does not exist")

    def refuse_unwritable(self, workbooks: Sequence[PathLike]) -> None:
        """BackpropSheetError for an output that is one of `workbooks`, or that exists and may not be replaced."""
        inputs = {_identity(p) for p in workbooks} - {None}
        for path in self._paths():
            if _identity(path) in inputs:
                raise BackpropSheetError(
                    printable(f"cannot write {path}: it is one of the workbooks to check; write it outside their folders")
                )
            self._refuse_existing(path)

    def write(self, report: ClassReport) -> None:
        """Write the CSV and the class workbook (BackpropSheetError when one cannot be written)."""
        for path, write in ((self.csv, report.write_csv), (self.xlsx, report.write_xlsx)):
            if path:
                self._refuse_existing(path)  # it may have appeared while the class was checked
                try:
                    write(path, replace=self.force)
                except OSError as exc:
                    raise BackpropSheetError(printable(f"cannot write {path}: {exc.strerror or exc}")) from None
                except OutputExistsError as exc:  # it appeared while the class was checked
                    raise BackpropSheetError(str(exc)) from None

    def _paths(self) -> list[PathLike]:
        return [p for p in (self.csv, self.xlsx) if p]

    def _refuse_existing(self, path: PathLike) -> None:
        try:
            mode = os.lstat(path).st_mode
        except FileNotFoundError:
            return
        except OSError as exc:
            raise BackpropSheetError(printable(f"cannot write {path}: {exc.strerror or exc}")) from None
        if not stat.S_ISREG(mode):
            raise BackpropSheetError(printable(f"cannot write {path}: it exists and is not a regular file"))
        if not self.force:
            raise OutputExistsError(printable(f"{path} exists (use --force to replace it)"))


def _identity(path: PathLike) -> tuple[int, int] | None:
    """(device, inode) of the file at `path` (links followed), None when there is none."""
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_dev, found.st_ino


def _only(outcome: Outcome) -> Report:
    """The report of a single workbook, or WorkbookError with the reason it could not be checked."""
    if outcome.report is None:
        name = Path(outcome.file).name
        reason = outcome.reason if name in outcome.reason else f"{outcome.file}: {outcome.reason}"
        raise WorkbookError(printable(reason))
    return outcome.report
