"""The `backprop-sheet train` command (stub: to be written)."""

import click

from excelgen.errors import BackpropSheetError


@click.command()
def train() -> None:
    """Not written yet."""
    raise BackpropSheetError("train is not implemented yet")
