"""The `backprop-sheet verify` command (stub: to be written)."""

import click

from excelgen.errors import BackpropSheetError


@click.command()
def verify() -> None:
    """Not written yet."""
    raise BackpropSheetError("verify is not implemented yet")
