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

import json
import math
import os
import re
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from network.errors import BackpropSheetError, OutputExistsError, WorkbookError
from verify import batch, feedback as handing_back
from verify.grading.grade import grade, output_layer_of
from verify.grading.rubric import DEFAULT, PARTS, Rubric, load_rubric
from verify.marking.marked_copy import XLSX
from verify.reports import gradescope as gradescope_results
from verify.checking.workbook import DEFAULT_ATOL, DEFAULT_RTOL
from verify.reports import marks
from verify.reports.outputfile import atomically
from verify.reports.classreport import ClassReport, Outcome, printable
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
    rubric: PathLike = DEFAULT,
    feedback: PathLike | None = None,
    force: bool = False,
    gradescope: PathLike | None = None,
    student_id: str | None = None,
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
    rubric: the rubric every report is graded under (`default`, or a TOML file: verify/grading/rubric.py);
        the grade is the report's `score`.
    feedback: a folder to hand each checked .xlsx/.xlsm workbook back to, marked (verify/feedback.py); an
        existing copy is refused (OutputExistsError) unless `force`.
    gradescope: also write Gradescope's results.json for the submission (verify/reports/gradescope.py).
    student_id: a regular expression finding the student in a file's name (its group `student`, else its
        first group); by default the name without its extension.

    A Report's and a ClassReport's .to_dict() is the `--json` output; a Report's .to_frame() is a pandas
    DataFrame of its findings, a ClassReport's a row per workbook and table (.findings_frame(): the findings);
    in Jupyter both show as a coloured table. Workbooks this tool wrote (a class report) are never checked.
    Raises WorkbookError when the one workbook cannot be checked (missing, damaged, no table),
    EngineError for an unknown or missing engine, RubricError for a bad rubric, BackpropSheetError for a bad
    option; with `feedback`, a single workbook that cannot be marked raises its reason too.

    >>> report = check("planted.xlsx", engine="formulas")   # ∂E/∂w3 uses a_h1·(1−a_h1) on LR 0.5
    >>> [(f.cell, f.mistake_key) for f in report.findings]
    [("'LR 0.5'!Y5", 'other-hidden-slope')]
    """
    single = isinstance(path_or_paths, (str, os.PathLike)) and not Path(path_or_paths).is_dir()
    paths = [path_or_paths] if isinstance(path_or_paths, (str, os.PathLike)) else list(path_or_paths)
    if any(os.fspath(p) == "" for p in paths):
        raise BackpropSheetError("an empty path names no workbook (write . for the current folder)")
    size = _checked_options(rtol, atol, timeout, max_memory)
    outputs = Outputs(csv, xlsx, gradescope, force)
    graded_by = load_rubric(str(rubric))
    pattern = _student_pattern(student_id)
    engine = resolve(engine)
    found = batch.find_workbooks(paths)
    if feedback:
        _check_folder(feedback, paths)
        if single and Path(path_or_paths).suffix.lower() not in XLSX:
            raise BackpropSheetError(f"--feedback: a marked copy is made of an .xlsx or .xlsm workbook, not of "
                                     f"{Path(path_or_paths).name}")
        found = [p for p in found if not p.resolve().is_relative_to(Path(feedback).resolve())]
    outputs.refuse_unwritable(found)
    if not found:
        names = ", ".join(map(str, paths))
        ours = [f"{p} is a {what} written by backprop-sheet, not a student's workbook"
                for p in paths if (what := marks.tool_written(p))]
        problem = printable("; ".join(ours) or f"no workbook (*.xlsx, *.xlsm, *.ods, *.xls) found in {names}")
        if gradescope:
            _write(gradescope, _json(gradescope_results.results(None, _titles(graded_by), problem)), force)
        raise WorkbookError(problem)
    placed = handing_back.targets(found, [Path(p) for p in paths], Path(feedback)) if feedback else {}
    handing_back.refuse_existing(placed, force)
    budget = batch.Budget(timeout=timeout, max_memory=size)
    run = batch.check_many(
        found, engine=engine, rtol=rtol, atol=atol, jobs=jobs or batch.default_jobs(), budget=budget,
        on_done=on_done,
    )
    report = _graded(run.report, graded_by, pattern)
    if feedback:
        report = handing_back.give_back(report, placed, force=force)
    try:
        outputs.write(report)
    except BackpropSheetError as exc:
        checked = report if not single else report.outcomes[0].report
        raise OutputError(str(exc), checked) from None
    if gradescope:
        _write(gradescope, _json(gradescope_results.results(report, _titles(graded_by))), force)
    if single and report.outcomes[0].feedback_problem:
        raise BackpropSheetError(f"no marked copy of {found[0]}: {report.outcomes[0].feedback_problem}")
    return _only(report.outcomes[0]) if single else report


class OutputError(BackpropSheetError):
    """The CSV or the class workbook could not be written; `checked` is what check() would have returned
    (None for one workbook that could not be checked), so that the verdicts can still be shown."""

    def __init__(self, message: str, checked: Report | ClassReport | None):
        super().__init__(message)
        self.checked = checked


@dataclass(frozen=True)
class Outputs:
    """Where a class's CSV (`--csv`), class workbook (`--report`) and Gradescope results (`--gradescope`) go, and
    whether an existing file may be replaced (the Gradescope file is written by check() itself).

    An output is refused, before anything is checked, when it is one of the workbooks to check (a
    student's `class.xlsx` is never replaced by the report, even with `force`), when it exists and is
    not a regular file (a device, a FIFO, a folder, a symbolic link), when it exists and `force` is
    not given, and when its folder does not exist. Each is written to a temporary file beside it,
    created with the umask's mode, that becomes it only when complete.
    """

    csv: PathLike | None = None
    xlsx: PathLike | None = None
    gradescope: PathLike | None = None
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
        return [p for p in (self.csv, self.xlsx, self.gradescope) if p]

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


def _only(outcome: Outcome) -> Report:
    """The report of a single workbook, or WorkbookError with the reason it could not be checked."""
    if outcome.report is None:
        name = Path(outcome.file).name
        reason = outcome.reason if name in outcome.reason else f"{outcome.file}: {outcome.reason}"
        raise WorkbookError(printable(reason))
    return outcome.report


def _check_folder(folder: PathLike, paths: list[PathLike]) -> None:
    """The folder marked copies go to: made if missing (its parent must exist), and never one that holds a workbook
    or folder to check (a copy inside a checked folder's own subfolder is fine: copies there are not checked)."""
    folder = Path(folder)
    for path in map(Path, paths):
        if path.resolve().is_relative_to(folder.resolve()):
            raise OutputExistsError(
                f"--feedback {folder} holds the workbooks checked: the marked copies would overwrite the students' "
                "own files; choose another folder"
            )
    if folder.exists() and not folder.is_dir():
        raise BackpropSheetError(f"--feedback {folder}: not a folder")
    if not folder.resolve().parent.is_dir():
        raise BackpropSheetError(f"cannot write to {folder}: folder {folder.parent} does not exist")


def _student_pattern(student_id: str | None) -> re.Pattern | None:
    if student_id is None:
        return None
    try:
        return re.compile(student_id)
    except re.error as exc:
        raise BackpropSheetError(f"--student-id {student_id!r} is not a regular expression: {exc}") from None


def _graded(report: ClassReport, rubric: Rubric, pattern: re.Pattern | None) -> ClassReport:
    """Every checked workbook graded under `rubric`, and every outcome given its student."""
    outcomes = []
    for o in report.outcomes:
        if o.report is not None:
            score = grade(o.report, rubric, output_layer=output_layer_of(o.file))
            o = replace(o, report=replace(o.report, score=score))
        outcomes.append(replace(o, student=handing_back.student(o.file, pattern)))
    return replace(report, outcomes=tuple(outcomes))


def _titles(rubric: Rubric) -> tuple[tuple[str, float], ...]:
    return tuple((PARTS[part], points) for part, points in rubric.points)


def _json(data: dict) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _write(path: PathLike, text: str, replace: bool) -> None:
    """`text` into `path` whole or not at all (an existing file is replaced only when `replace`)."""
    try:
        with atomically(path, replace) as tmp:
            tmp.write_text(text, "utf-8")
    except OSError as exc:
        raise BackpropSheetError(f"cannot write {path}: {exc.strerror or exc}") from None
