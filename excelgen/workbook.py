"""Write the whole workbook: Network sheet, one sheet per learning rate, Summary (and any extra sheets, the CNN's).

write_workbook() builds the workbook with XlsxWriter in constant_memory mode into a temporary
file next to the target, and moves it into place only when everything succeeded: a failed run
leaves an existing file untouched. The saved values come from the NumPy reference one
iteration at a time (network/reference.py, the one training loop), so memory does not grow with the iterations.
"""

from __future__ import annotations

import datetime as dt
import itertools
import tempfile
import zipfile
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Callable, Iterator

import numpy as np
import xlsxwriter
import xlsxwriter.exceptions
import xlsxwriter.workbook
from network import Network
from network import iteration_rows as network_rows

from network import layout
from network.stopping import stop_point
from excelgen.errors import OutputInUseError, WorkbookError
from excelgen.output import check_room, exists_error, new_file
from excelgen.exercise import EXERCISES, empty_columns, exercise_row
from excelgen.lr_sheet import start_lr_sheet
from excelgen.network_sheet import write_network_sheet
from excelgen.plots import plot_paths, write_plots
from excelgen.rowstream import RowStreamWorksheet
from excelgen.styles import make_styles
from excelgen.summary_sheet import write_summary_sheet

# A fixed creation date: the same template and options give the same bytes.
CREATED = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
PROGRESS_ROWS = 500  # iterations between two progress(n) calls
# zlib's fastest level for the parts of the .xlsx: saving takes about half the time of level 6, the default,
# for files about a quarter larger (benchmarks/generate.py; README, Development)
DEFLATE_LEVEL = 1


def write_workbook(
    net: Network,
    path: str | Path,
    *,
    force: bool = False,
    extra_sheets: Callable[[xlsxwriter.Workbook], None] | None = None,
    plots_dir: str | Path | None = None,
    progress: Callable[[int], None] | None = None,
    exercise: str | None = None,
) -> Path:
    """Write the workbook of `net` to `path` (and loss plots to `plots_dir`); returns the path.

    exercise: None for the worked workbook; "gradients" leaves every ∂E column and every update empty
    for a student to fill in, "forward" also the forward pass after iteration 0 (excelgen/exercise.py).
    `extra_sheets(workbook)` adds more sheets after these (the CNN sheets: cnn.export.cnn_sheets()).
    `progress(n)` is called after every PROGRESS_ROWS iterations (and the last few) with the
    number of iterations just written, for a progress bar.
    Raises WorkbookError when `path` does not end in .xlsx or cannot be written,
    OutputInUseError when a spreadsheet app's lock file lies beside it (even with `force`),
    OutputExistsError when `path` (or a plot) exists and `force` is false, and TemplateError
    when the learning rates make the weights overflow. An exception of any kind, a signal the
    caller turned into one included, leaves no temporary file or folder behind.
    """
    path = Path(path)
    if exercise is not None and exercise not in EXERCISES:
        raise WorkbookError(f"unknown exercise {exercise!r}: choose one of {', '.join(EXERCISES)}")
    plot_files = plot_paths(net, Path(plots_dir)) if plots_dir is not None else []
    check_targets([path, *plot_files], force)
    check_room(path, net.formula_cells())
    with new_file(path, force) as tmp:  # excelgen/output.py: the old file survives any failure or stop
        e_total = build_workbook(net, tmp, extra_sheets=extra_sheets, progress=progress, exercise=exercise)
        if plots_dir is not None:
            write_plots(net, e_total, Path(plots_dir))
    return path


def build_workbook(
    net: Network,
    target: Path,
    *,
    extra_sheets: Callable[[xlsxwriter.Workbook], None] | None = None,
    fast: bool = True,
    progress: Callable[[int], None] | None = None,
    exercise: str | None = None,
) -> np.ndarray:
    """Write the workbook to `target` (overwriting it); returns E_total[rate, iteration] of the worked solution.

    `fast=False` writes the LR tables cell by cell with write_formula (for comparison);
    `extra_sheets`, `progress` and `exercise` as in write_workbook().
    """
    with tempfile.TemporaryDirectory(prefix="backprop-sheet-", ignore_cleanup_errors=True) as rows_dir:
        wb = xlsxwriter.Workbook(str(target), {"constant_memory": True, "tmpdir": rows_dir})
        try:
            e_total = _fill(wb, net, fast, progress, exercise)
            if extra_sheets is not None:
                extra_sheets(wb)
        except BaseException:
            for ws in wb.worksheets():  # the row streams of constant_memory mode
                if ws.row_data_fh is not None:
                    ws.row_data_fh.close()
            raise
        try:
            with _fast_deflate():
                wb.close()
        except xlsxwriter.exceptions.FileCreateError as exc:  # XlsxWriter's wrapper of an OSError
            cause = exc.args[0] if exc.args else None
            if isinstance(cause, OSError):
                raise cause from None  # the caller names the user's file, not the temporary one
            raise WorkbookError(f"cannot write {target}: {exc}") from None
    return e_total


@contextmanager
def _fast_deflate() -> Iterator[None]:
    """Workbook.close() zips the parts with _WorkbookZip: XlsxWriter (pinned in pyproject.toml) has no setting
    for the level, so its module's ZipFile is replaced for the duration."""
    plain = xlsxwriter.workbook.ZipFile
    xlsxwriter.workbook.ZipFile = _WorkbookZip
    try:
        yield
    finally:
        xlsxwriter.workbook.ZipFile = plain


class _WorkbookZip(zipfile.ZipFile):
    """The zip XlsxWriter saves into: parts deflated at DEFLATE_LEVEL, a stop point before each part, and on any
    failure (a full disk, a stop) its file is closed as it is, so that no `ZipFile.__del__` later tries to
    finish it and prints "Exception ignored" under the one-line error."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, compresslevel=DEFLATE_LEVEL, **kwargs)

    def write(self, *args, **kwargs):
        return self._part(super().write, *args, **kwargs)

    def writestr(self, *args, **kwargs):
        return self._part(super().writestr, *args, **kwargs)

    def _part(self, add, *args, **kwargs):
        try:
            stop_point()
            return add(*args, **kwargs)
        except BaseException:
            fp, self.fp = self.fp, None  # close() does nothing once fp is None
            with suppress(OSError):
                fp.close()
            raise


def lock_files(path: Path) -> tuple[Path, Path]:
    """The lock files a spreadsheet app keeps beside a file it has open: LibreOffice's, then Excel's."""
    return path.with_name(f".~lock.{path.name}#"), path.with_name(f"~${path.name}")


def _fill(
    wb: xlsxwriter.Workbook,
    net: Network,
    fast: bool,
    progress: Callable[[int], None] | None,
    exercise: str | None,
) -> np.ndarray:
    """Every sheet, the same for every network; the LR tables grow side by side, one iteration at a time.

    An exercise's saved values are what a spreadsheet computes before the student types anything:
    its empty cells count as 0 (exercise.exercise_row()).
    """
    shape = "-".join(str(n) for n in net.layers) + (f" {net.activations[0]}" if len(set(net.activations)) == 1 else "")
    wb.set_properties({"title": f"Backpropagation by hand ({net.name})", "author": "backprop-sheet", "created": CREATED,
                       "subject": f"Backpropagation on a {shape} network, one sheet per learning rate"})
    styles = make_styles(wb)
    headers = [c.header for c in net.columns()]
    e_col = headers.index("E_total")
    rows = network_rows(net)
    row0 = next(rows)
    later = exercise_row(net, exercise) if exercise is not None else None  # every row k >= 1 of an exercise
    e_total = np.empty((len(net.learning_rates), net.iterations + 1))
    e_total[:, 0] = row0[:, e_col]
    shown = dict(zip(headers, row0[0].tolist()))  # iteration 0 of the first LR sheet, as computed there
    shown |= dict.fromkeys(empty_columns(net, exercise, iteration0=True), 0.0)
    row1 = next(rows)  # ... and iteration 1, for the update rule's "one row further down"
    rows = itertools.chain([row1], rows)
    shown_next = dict(zip(headers, (row1 if later is None else later)[0].tolist()))
    network = wb.add_worksheet(layout.NETWORK_SHEET)
    write_network_sheet(wb, network, styles, net, shown, shown_next, exercise=exercise)
    sheets = []
    for rate, values in zip(net.learning_rates, row0.tolist()):
        ws = wb.add_worksheet(layout.lr_sheet_name(rate), worksheet_class=RowStreamWorksheet)
        start_lr_sheet(wb, ws, styles, net, rate, values, fast=fast, exercise=exercise)
        sheets.append(ws)
    for k, table in enumerate(rows, start=1):
        written = table if later is None else later
        if later is not None:
            later[:, 0] = k
        stop_point()  # a safe point: a stop asked for by a signal ends the write here (network/stopping.py)
        for ws, values in zip(sheets, written.tolist()):  # Python floats: their text is the exact repr
            ws.add_row(values)
        e_total[:, k] = table[:, e_col]
        if progress is not None and k % PROGRESS_ROWS == 0:  # per chunk of rows: the loop stays fast
            progress(PROGRESS_ROWS)
    if progress is not None:
        progress(net.iterations % PROGRESS_ROWS)
    summary = wb.add_worksheet(layout.SUMMARY_SHEET)
    if later is None:
        write_summary_sheet(wb, summary, styles, net, e_total)
    else:  # the Summary reads the exercise's own E_total column
        on_sheets = np.repeat(later[:, e_col : e_col + 1], net.iterations + 1, axis=1)
        on_sheets[:, 0] = e_total[:, 0]
        write_summary_sheet(wb, summary, styles, net, on_sheets, exercise=True)
    network.activate()
    return e_total


def check_targets(paths: list[Path], force: bool) -> None:
    """Refuse, before any work, a workbook (paths[0]) or plot that cannot or must not be written: a folder, a name
    not ending in .xlsx, a file a spreadsheet app holds open, an existing file without `force`, a missing folder."""
    workbook = paths[0]
    if workbook.is_dir():
        raise WorkbookError(f"{workbook} is a folder: give a file name, e.g. -o {workbook / 'backprop.xlsx'}")
    if workbook.suffix.lower() != ".xlsx":
        raise WorkbookError(f"cannot write {workbook}: a workbook's name must end in .xlsx, e.g. -o {_xlsx_name(workbook)}")
    for lock in lock_files(workbook):
        if lock.exists():
            raise OutputInUseError(
                f"{workbook} is open in a spreadsheet app (lock file {lock}): close it there first "
                "(or delete the lock file if no app has it open)"
            )
    for path in paths:
        if path.is_dir():
            raise WorkbookError(f"{path} is a folder: give a file name, e.g. -o {path / 'backprop.xlsx'}")
        if path.exists() and not force:
            raise exists_error(path)  # early, before any work; new_file() checks again, atomically
    parent = paths[0].parent
    if not parent.is_dir():
        raise WorkbookError(f"cannot write {paths[0]}: folder {parent} does not exist")


def _xlsx_name(path: Path) -> Path:
    """out.xls -> out.xlsx, out -> out.xlsx, out.xlsx.bak -> out.xlsx.bak.xlsx: the name to suggest."""
    return path.with_suffix(".xlsx") if path.suffix.lower() in (".xls", ".xlsm", "") else path.with_name(path.name + ".xlsx")
