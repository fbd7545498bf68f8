"""The `backprop-sheet verify` command: a thin layer over verify.check (verify/api.py)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from network.errors import BackpropSheetError
from verify import batch
from verify.api import OutputError, check
from verify.checking.workbook import DEFAULT_ATOL, DEFAULT_RTOL
from verify.engines.recalculation import ENGINES
from verify.reports.classreport import printable
from verify.reports.report import Report, error_dict


class _Size(click.ParamType):
    name = "size"

    def convert(self, value, param, ctx) -> int:
        if isinstance(value, int):
            return value
        try:
            return batch.parse_size(value)
        except (ValueError, OverflowError) as exc:  # OverflowError: more digits than a float holds
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
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print the report as JSON (shape documented in the README); always one document, with an error "
    "object when nothing could be checked.",
)
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
    default="4GB",
    help="Memory ceiling of each worker process (address space, LibreOffice included), e.g. 2GB, 512MB.",
)
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False), help="Write one CSV row per workbook and table.")
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False),
    help="Write the class workbook (.xlsx): a row per file with a link to it, mistake frequencies and a chart.",
)
@click.option(
    "--rubric",
    default="default",
    show_default=True,
    help="The rubric the score is given under: `default` or a TOML file giving points to the parts of the work "
    "(forward-pass, output-gradients, hidden-gradients, weight-updates, filled).",
)
@click.option(
    "--feedback",
    "feedback_dir",
    type=click.Path(file_okay=False),
    help="Hand each workbook back, marked, into this folder: a Feedback sheet first, every mistake's cell marked "
    "with a note; everything else of the student's file kept.",
)
@click.option(
    "--force", is_flag=True,
    help="Replace existing --csv, --report, --gradescope files and marked copies in the --feedback folder "
    "(never one of the workbooks checked).",
)
@click.option(
    "--gradescope",
    "gradescope_path",
    type=click.Path(dir_okay=False),
    help="Write Gradescope's autograder results.json (one test per rubric part) to this path.",
)
@click.option(
    "--student-id",
    metavar="REGEX",
    help="Find the student in each file name (the group `student`, else the first group) for the CSV's student "
    "column [default: the file name without its extension].",
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
    rubric: str,
    feedback_dir: str | None,
    force: bool,
    gradescope_path: str | None,
    student_id: str | None,
) -> int:
    """Check that each workbook still computes backpropagation correctly.

    WORKBOOKS are files and folders; folders are searched recursively for *.xlsx, *.xlsm, *.ods
    and *.xls (Office lock files skipped). Recomputes every table in NumPy from the workbook's own
    inputs, initial weights and η, and compares the saved values and a spreadsheet engine's
    recalculation cell by cell; each failing table names its first wrong cell in dependency order.
    Several workbooks give one line each (pass, FAIL with every distinct mistake, or could not
    check) and a summary. Exit code 0: all checks pass; 1: something differs; 2: a workbook could
    not be checked (and none failed). Each checked workbook gets a score under the rubric. The --csv,
    --report and --gradescope files are never one of the workbooks checked, nor a device; an existing
    one is replaced only with --force. Should one fail to be written (a full disk), the verdicts are
    printed first.
    """
    try:
        with _progress(workbooks) as advance:
            report = check(
                workbooks[0] if len(workbooks) == 1 else list(workbooks), engine=engine, rtol=rtol, atol=atol,
                jobs=jobs, timeout=timeout, max_memory=max_memory, csv=csv_path, xlsx=report_path, on_done=advance,
                rubric=rubric, feedback=feedback_dir, force=force, gradescope=gradescope_path, student_id=student_id,
            )
    except BackpropSheetError as exc:
        if isinstance(exc, OutputError) and exc.checked is not None:  # the verdicts first, then the error
            _show(exc.checked, as_json, verbose)
        elif as_json:  # a script reading stdout still gets one JSON document; the CLI prints the line on stderr
            single = len(workbooks) == 1 and not Path(workbooks[0]).is_dir()
            document = error_dict(str(exc), workbooks[0] if single else None)
            click.echo(printable(json.dumps(document, indent=2, ensure_ascii=False)))
        raise
    if feedback_dir and isinstance(report, Report):
        click.echo(f"marked copy written: {Path(feedback_dir) / Path(workbooks[0]).name}", err=True)
    _show(report, as_json, verbose)
    return report.exit_code


def _show(report, as_json: bool, verbose: bool) -> None:
    """Print a Report or ClassReport (names that are not UTF-8 with U+FFFD: classreport.printable)."""
    if as_json:
        click.echo(printable(json.dumps(report.to_dict(), indent=2, ensure_ascii=False)))
    else:
        click.echo(printable(report.to_text(verbose=verbose)))


class _progress:
    """A progress bar on stderr for a class (not for one workbook), only when stderr is a terminal;
    the context value advances it by one."""

    def __init__(self, workbooks: tuple[str, ...]):
        self.bar = None
        if (len(workbooks) > 1 or Path(workbooks[0]).is_dir()) and sys.stderr.isatty():
            length = len(batch.find_workbooks(workbooks))
            self.bar = click.progressbar(length=length, label="checking", file=sys.stderr)

    def __enter__(self):
        if self.bar is None:
            return lambda outcome: None
        bar = self.bar.__enter__()
        return lambda outcome: bar.update(1)

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.__exit__(*exc)
