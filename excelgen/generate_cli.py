"""The `backprop-sheet generate` command (stub: to be written)."""

import click

from excelgen.errors import BackpropSheetError


@click.command()
def generate() -> None:
    """Not written yet."""
    raise BackpropSheetError("generate is not implemented yet")
