"""The `backprop-sheet verify` command: a thin layer over verify.check.check_workbook()."""

from __future__ import annotations

import json

import click

from verify.check import DEFAULT_ATOL, DEFAULT_RTOL, check_workbook
from verify.engines import ENGINES


@click.command()
@click.argument("workbook", type=click.Path(dir_okay=False, path_type=str))
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
def verify(workbook: str, engine: str, as_json: bool, rtol: float, atol: float, verbose: bool) -> int:
    """Check that WORKBOOK still computes backpropagation correctly.

    Recomputes every table in NumPy from the workbook's own inputs, initial weights and η, and
    compares the saved values and a spreadsheet engine's recalculation cell by cell. For each
    failing table it names the first wrong cell in dependency order. Exit code 0: all checks
    pass; 1: something differs; 2: the file could not be checked.
    """
    report = check_workbook(workbook, engine=engine, rtol=rtol, atol=atol)
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo(report.to_text(verbose=verbose))
    return report.exit_code
