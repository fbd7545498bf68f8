"""The `backprop-sheet verify` command: one workbook, or a whole class (verify.batch, verify.classreport)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from excelgen.errors import BackpropSheetError, WorkbookError
from verify import batch
from verify.check import DEFAULT_ATOL, DEFAULT_RTOL
from verify.engines import ENGINES, resolve


class _Size(click.ParamType):
    name = "size"

    def convert(self, value, param, ctx) -> int:
        if isinstance(value, int):
            return value
        try:
            return batch.parse_size(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


@click.command()
@click.argument("workbooks", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option(
    "--engine",
    type=click.Choice(ENGINES),
    default="auto",
    help="Spreadsheet engine that recalculates the formulas: LibreOffice, the pure-Python `formulas` "
    "package, none (saved values only), or auto (LibreOffice when installed, else formulas).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON (shape documented in the README).")
@click.option("--rtol", type=click.FloatRange(min=0), default=DEFAULT_RTOL, help="Relative tolerance.")
@click.option(
    "--atol",
    type=click.FloatRange(min=0),
    default=DEFAULT_ATOL,
    help="Absolute tolerance, for values near zero.",
)
@click.option("-v", "--verbose", is_flag=True, help="Also show what was recognised in each table.")
@click.option(
    "--jobs", "-j", type=click.IntRange(min=1), default=None, help="Workbooks checked at once [default: the CPUs]."
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=batch.DEFAULT_TIMEOUT,
    help="Seconds one workbook may take; past it: could not check.",
)
@click.option(
    "--max-memory",
    type=_Size(),
    default="2GB",
    help="Memory ceiling of each worker process (address space, LibreOffice included), e.g. 2GB, 512MB.",
)
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False), help="Write one CSV row per workbook and table.")
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False),
    help="Write the class workbook (.xlsx): a row per file with a link to it, mistake frequencies and a chart.",
)
def verify(
    workbooks: tuple[str, ...],
    engine: str,
    as_json: bool,
    rtol: float,
    atol: float,
    verbose: bool,
    jobs: int | None,
    timeout: float,
    max_memory: int,
    csv_path: str | None,
    report_path: str | None,
) -> int:
    """Check that each workbook still computes backpropagation correctly.

    WORKBOOKS are files and folders; folders are searched recursively for *.xlsx, *.xlsm, *.ods
    and *.xls (Office lock files skipped). Recomputes every table in NumPy from the workbook's own
    inputs, initial weights and η, and compares the saved values and a spreadsheet engine's
    recalculation cell by cell; each failing table names its first wrong cell in dependency order.
    Several workbooks give one line each (pass, FAIL with the first named mistake, or could not
    check) and a summary. Exit code 0: all checks pass; 1: something differs; 2: a workbook could
    not be checked (and none failed).
    """
    if report_path and Path(report_path).suffix.lower() != ".xlsx":
        raise click.BadParameter(f"{report_path}: the class report is an .xlsx file", param_hint="--report")
    for option, path in (("--csv", csv_path), ("--report", report_path)):
        if path and not Path(path).resolve().parent.is_dir():  # say so now, not after checking the class
            raise click.BadParameter(f"folder {Path(path).parent} does not exist", param_hint=option)
    single = len(workbooks) == 1 and not Path(workbooks[0]).is_dir()
    paths = batch.find_workbooks(workbooks, exclude=[p for p in (csv_path, report_path) if p])
    if not paths:
        raise WorkbookError(f"no workbook (*.xlsx, *.xlsm, *.ods, *.xls) found in {', '.join(workbooks)}")
    budget = batch.Budget(timeout=timeout, max_memory=max_memory)
    engine = resolve(engine)
    with _progress(len(paths), shown=not single) as advance:
        run = batch.check_many(
            paths, engine=engine, rtol=rtol, atol=atol, jobs=jobs or batch.default_jobs(), budget=budget, on_done=advance
        )
    report = run.report
    for path, write in ((csv_path, report.write_csv), (report_path, report.write_xlsx)):
        if path:
            try:
                write(path)
            except OSError as exc:
                raise BackpropSheetError(f"cannot write {path}: {exc.strerror or exc}") from None
    if single:
        return _single(report.outcomes[0], as_json, verbose)
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo(report.to_text(verbose=verbose))
    return report.exit_code


def _single(outcome, as_json: bool, verbose: bool) -> int:
    """One workbook, as before the class runner: its full report, or one line `Error: ...` (exit 2)."""
    if outcome.report is None:
        name = Path(outcome.file).name
        raise WorkbookError(outcome.reason if name in outcome.reason else f"{outcome.file}: {outcome.reason}")
    if as_json:
        click.echo(json.dumps(outcome.report.to_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo(outcome.report.to_text(verbose=verbose))
    return outcome.report.exit_code


class _progress:
    """A progress bar on stderr, only when stderr is a terminal; the context value advances it by one."""

    def __init__(self, length: int, shown: bool):
        self.bar = None
        if shown and sys.stderr.isatty():
            self.bar = click.progressbar(length=length, label="checking", file=sys.stderr)

    def __enter__(self):
        if self.bar is None:
            return lambda outcome: None
        bar = self.bar.__enter__()
        return lambda outcome: bar.update(1)

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.__exit__(*exc)
