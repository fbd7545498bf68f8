"""The `backprop-sheet generate` command: a thin layer over excelgen.generate (excelgen/api.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from network import builtin_networks
from network.description import DEFAULT_TEMPLATE

from backprop_sheet.signals import stop_at_safe_points_only
from backprop_sheet.workbook import generate as write
from excelgen.api import template_network
from excelgen.exercise import EXERCISES

PROGRESS_MIN_CELLS = 1_000_000  # larger writes show a progress bar (when stderr is a terminal)


@click.command()
@click.option("-o", "--output", type=click.Path(path_type=Path), default=Path("backprop.xlsx"), help="Workbook to write.")
@click.option(
    "--template",
    default=DEFAULT_TEMPLATE,
    metavar="NAME|PATH.toml",
    help=f"Built-in template ({', '.join(builtin_networks())}) or your own TOML file.",
)
@click.option("--iterations", type=int, metavar="N", help="Rows 0..N on every LR sheet (1 to 100,000); replaces the template's.")
@click.option(
    "--lr", "learning_rates", type=float, multiple=True, metavar="RATE",
    help="A learning rate, one sheet each; repeat it (--lr 0.1 --lr 0.5). Replaces the template's list.",
)
@click.option(
    "--plots", "plots_dir", type=click.Path(path_type=Path), metavar="DIR",
    help="Also write a PNG of E_total per learning rate, and one with every curve, into DIR.",
)
@click.option(
    "--cnn-run", type=click.Path(path_type=Path, exists=True, file_okay=False), metavar="DIR",
    help="Also add the CNN sheets of a `backprop-sheet train` run folder.",
)
@click.option(
    "--cnn-digit", type=int, metavar="N",
    help="With --cnn-run: the test image the CNN Forward sheet sends through the model (0 to 99)  [default: 0]",
)
@click.option(
    "--exercise", type=click.Choice(EXERCISES), is_flag=False, flag_value="gradients", default=None,
    help="Write the version a student fills in: `gradients` (the default when given alone) leaves every ∂E column "
    "and every update empty; `forward` also empties the forward pass after iteration 0.",
)
@click.option("--force", is_flag=True, help="Overwrite an existing workbook (and plots).")
def generate(
    output: Path,
    template: str,
    iterations: int | None,
    learning_rates: tuple[float, ...],
    plots_dir: Path | None,
    cnn_run: Path | None,
    cnn_digit: int | None,
    exercise: str | None,
    force: bool,
) -> None:
    """Write a workbook that works backpropagation out with live formulas, one sheet per learning rate."""
    stop_at_safe_points_only()  # a signal stops the write between rows, never half-way through a file
    if cnn_digit is not None and cnn_run is None:
        raise click.UsageError("--cnn-digit needs --cnn-run DIR: it picks the test image of the CNN Forward sheet")
    cnn_digit = 0 if cnn_digit is None else cnn_digit
    net = template_network(template, iterations=iterations, learning_rates=learning_rates or None)
    rates = len(net.learning_rates)
    formulas = len(net.columns()) - 1  # every column but the iteration number
    cells = rates * (net.iterations + 1) * formulas
    if cells > PROGRESS_MIN_CELLS and sys.stderr.isatty():
        with click.progressbar(length=net.iterations, label=f"Writing {output}", file=sys.stderr) as bar:
            path = write(
                net, output, force=force, cnn_run=cnn_run, cnn_digit=cnn_digit, plots=plots_dir, progress=bar.update,
                exercise=exercise,
            )
    else:
        path = write(net, output, force=force, cnn_run=cnn_run, cnn_digit=cnn_digit, plots=plots_dir, exercise=exercise)
    click.echo(
        f"Wrote {path}: template {net.name}, {rates} learning-rate sheet{'s' if rates > 1 else ''} "
        f"× {net.iterations + 1:,} rows × {formulas} formulas."
    )
    if exercise is not None:
        click.echo(f"It is an exercise ({exercise}): the yellow columns of every LR sheet are for the student to fill in.")
    if cnn_run is not None:
        from cnn.export import CNN_SHEETS

        click.echo(f"Added the CNN sheets {', '.join(CNN_SHEETS)} from {cnn_run}.")
    if plots_dir is not None:
        click.echo(f"Wrote {rates + 1} plots to {plots_dir}.")

