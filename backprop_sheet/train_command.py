"""The `backprop-sheet train` command: a thin layer over cnn.train (cnn/api.py).

torch is imported only when training starts, so `generate` and `verify` work without the [cnn] extra.
"""

from __future__ import annotations

from pathlib import Path

import click

from cnn.api import configure, default_out
from cnn.api import train as train_cnn
from cnn.config import DEFAULT_MODEL, SCHEDULERS, builtin_configs, parameter_count
from backprop_sheet.signals import stop_at_safe_points_only
from backprop_sheet.workbook import generate
from excelgen.api import template_network
from network.description import DEFAULT_TEMPLATE


@click.command()
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("data"),
              envvar="BACKPROP_SHEET_MNIST", show_envvar=True,
              help="Folder holding MNIST/raw/*-ubyte (torchvision's layout), as the notebook finds it.")
@click.option("--download", is_flag=True, help="Fetch missing MNIST files with torchvision (needs internet).")
@click.option("--model", "model_name", default=DEFAULT_MODEL, metavar="NAME",
              help=f"Built-in configuration: {', '.join(builtin_configs())} (templates/cnn-NAME.toml).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Your own configuration TOML (same keys as templates/cnn-8k.toml); replaces --model.")
@click.option("--epochs", type=int, help="Epochs to train  [default: from the configuration, 15]")
@click.option("--batch-size", type=int, help="Training batch size  [default: from the configuration]")
@click.option("--lr", type=float, help="Peak (OneCycle) or starting (Step) learning rate  [default: from the configuration]")
@click.option("--seed", type=int, help="Random seed for weights, shuffling and augmentation  [default: from the configuration]")
@click.option("--dropout", type=float, help="Dropout rate after each max-pool and before GAP  [default: from the configuration]")
@click.option("--scheduler", type=click.Choice(SCHEDULERS), help="Learning-rate schedule  [default: from the configuration]")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda", "mps"]), default="auto", help="Where to train.")
@click.option("--threads", type=click.IntRange(min=1), help="CPU threads for torch (torch.set_num_threads).")
@click.option("--dry-run", is_flag=True, help="A few batches of a small slice, 2 epochs: a quick smoke test.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Run folder to write  [default: runs/MODEL-seedSEED, with -dry-run for a dry run]")
@click.option("--force", is_flag=True, help="Replace an existing run folder (and the --workbook).")
@click.option("--workbook", type=click.Path(dir_okay=False, path_type=Path),
              help="Also generate this workbook with the CNN sheets added (an existing one only with --force).")
@click.option("--template", default=DEFAULT_TEMPLATE, metavar="NAME|PATH.toml",
              help="Network template of the workbook's backprop sheets (with --workbook).")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def train(
    data_dir: Path,
    download: bool,
    model_name: str,
    config_path: Path | None,
    epochs: int | None,
    batch_size: int | None,
    lr: float | None,
    seed: int | None,
    dropout: float | None,
    scheduler: str | None,
    device: str,
    threads: int | None,
    dry_run: bool,
    out: Path | None,
    force: bool,
    workbook: Path | None,
    template: str,
    quiet: bool,
) -> None:
    """Train the small MNIST CNN and write a run folder (metrics.csv, model.pt, confusion.csv, ...)."""
    stop_at_safe_points_only()  # a signal stops the run between batches, never half-way through a file
    config = configure(
        config_path if config_path is not None else model_name,
        epochs=epochs, batch_size=batch_size, lr=lr, seed=seed, dropout=dropout, scheduler=scheduler,
    )
    out = out if out is not None else default_out(config, dry_run)
    net = template_network(template) if workbook is not None else None  # fail now, not after training
    if workbook is not None:
        from excelgen.workbook import check_targets  # XlsxWriter loads only when needed

        check_targets([workbook], force)  # its name, its folder, an existing file: now, not after training

    def on_epoch(metrics) -> None:
        if metrics.epoch == 1:  # printed once the data has loaded, so a data error is the only line
            click.echo(f"model {config.name}: {parameter_count(config.model):,} parameters; writing {out}")
            click.echo(_HEADER)
        click.echo(_row(metrics))

    run = train_cnn(
        config, data_dir, out=out, force=force, dry_run=dry_run, device=device, threads=threads, download=download,
        progress=not quiet, on_epoch=on_epoch,
    )
    metrics = run.files.metrics
    last = ", ".join(f"{m.test_accuracy:.2f}%" for m in metrics[-3:])
    click.echo(f"test accuracy of the last {min(3, len(metrics))} epochs: {last}")
    click.echo(f"{run.summary['parameters']:,} parameters, {run.summary['seconds']:.1f} s in all; wrote {run.folder}")

    if workbook is not None:
        generate(net, workbook, cnn_run=run.folder, force=force)
        click.echo(f"wrote {workbook} with the CNN sheets")


_HEADER = f"{'epoch':>5} {'lr':>9} {'train loss':>10} {'train acc':>9} {'test loss':>9} {'test acc':>8} {'s':>6} {'img/s':>6}"


def _row(m) -> str:
    return (
        f"{m.epoch:>5} {m.lr:>9.5f} {m.train_loss:>10.4f} {m.train_accuracy:>8.2f}% {m.test_loss:>9.4f} "
        f"{m.test_accuracy:>7.2f}% {m.seconds:>6.1f} {m.images_per_s:>6.0f}"
    )
