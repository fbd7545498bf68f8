"""The `backprop-sheet generate` command: a thin layer over excelgen.workbook.write_workbook."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from excelgen.layout import COMPUTED_HEADERS
from excelgen.spec import DEFAULT_TEMPLATE, builtin_templates, load_template

PROGRESS_MIN_CELLS = 1_000_000  # larger writes show a progress bar (when stderr is a terminal)


@click.command()
@click.option("-o", "--output", type=click.Path(path_type=Path), default=Path("backprop.xlsx"), help="Workbook to write.")
@click.option(
    "--template",
    default=DEFAULT_TEMPLATE,
    metavar="NAME|PATH.toml",
    help=f"Built-in template ({', '.join(builtin_templates())}) or your own TOML file.",
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
@click.option("--force", is_flag=True, help="Overwrite an existing workbook (and plots).")
def generate(
    output: Path,
    template: str,
    iterations: int | None,
    learning_rates: tuple[float, ...],
    plots_dir: Path | None,
    cnn_run: Path | None,
    cnn_digit: int | None,
    force: bool,
) -> None:
    """Write a workbook that works backpropagation out with live formulas, one sheet per learning rate."""
    from excelgen.workbook import write_workbook  # matplotlib and XlsxWriter load only when needed

    if cnn_digit is not None and cnn_run is None:
        raise click.UsageError("--cnn-digit needs --cnn-run DIR: it picks the test image of the CNN Forward sheet")
    cnn_digit = 0 if cnn_digit is None else cnn_digit
    spec = load_template(template).with_options(iterations=iterations, learning_rates=learning_rates or None)
    rates = len(spec.learning_rates)
    cells = rates * (spec.iterations + 1) * len(COMPUTED_HEADERS)
    if cells > PROGRESS_MIN_CELLS and sys.stderr.isatty():
        with click.progressbar(length=spec.iterations, label=f"Writing {output}", file=sys.stderr) as bar:
            path = write_workbook(spec, output, force=force, cnn_run=cnn_run, cnn_digit=cnn_digit, plots_dir=plots_dir,
                                  progress=bar.update)
    else:
        path = write_workbook(spec, output, force=force, cnn_run=cnn_run, cnn_digit=cnn_digit, plots_dir=plots_dir)
    click.echo(
        f"Wrote {path}: template {spec.name}, {rates} learning-rate sheet{'s' if rates > 1 else ''} "
        f"× {spec.iterations + 1:,} rows × {len(COMPUTED_HEADERS)} formulas."
    )
    if cnn_run is not None:
        from cnn.export import CNN_SHEETS

        click.echo(f"Added the CNN sheets {', '.join(CNN_SHEETS)} from {cnn_run}.")
    if plots_dir is not None:
        click.echo(f"Wrote {rates + 1} plots to {plots_dir}.")

