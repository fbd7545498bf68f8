"""cnn.train() and cnn.load_run(): train the MNIST CNN from Python (the `train` command calls them).

    >>> import cnn
    >>> run = cnn.train("8k", "data", dry_run=True)       # a Run: in Jupyter, its curves and last epoch
    >>> run.metrics[["train_loss", "test_accuracy"]]       # a pandas DataFrame, one row per epoch
    >>> cnn.load_run("runs/8k-seed1").summary["parameters"]
    6706

torch is imported only by train(): load_run() and everything about a run folder work without it.
Errors are BackpropSheetError subclasses (excelgen.errors), never SystemExit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cnn import runfolder
from cnn.config import DEFAULT_MODEL, CnnConfig, load_config, with_overrides
from cnn.runfolder import EpochMetrics, METRIC_COLUMNS
from network.errors import BackpropSheetError, OutputExistsError

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure


@dataclass(frozen=True)
class Run:
    """A finished training run, read from its run folder (cnn.runfolder describes the files).

    >>> run = cnn.load_run("runs/8k-seed1")
    >>> run.metrics.loc[15, "test_accuracy"], run.model_path.name
    (99.5, 'model.pt')
    """

    files: runfolder.RunFiles  # what the run folder holds, as cnn.runfolder read it

    @property
    def folder(self) -> Path:
        return self.files.folder

    @property
    def metrics(self) -> pd.DataFrame:
        """One row per epoch, indexed by epoch: lr, train_loss, train_accuracy, test_loss, test_accuracy
        (accuracies in %), seconds, images_per_s."""
        import pandas as pd

        frame = pd.DataFrame([[getattr(m, c) for c in METRIC_COLUMNS] for m in self.files.metrics], columns=METRIC_COLUMNS)
        return frame.astype({"epoch": "int64"}).set_index("epoch")

    @property
    def summary(self) -> dict:
        """summary.json: model, parameters, seed, epochs, dry_run, device, threads, seconds, the configuration, ..."""
        return self.files.summary

    @property
    def confusion(self) -> pd.DataFrame:
        """The last epoch's confusion matrix on the test set: row = true digit, column = predicted digit."""
        import pandas as pd

        digits = pd.RangeIndex(len(self.files.confusion))
        return pd.DataFrame(self.files.confusion, index=digits.rename("true"), columns=digits.rename("predicted"))

    @property
    def model_path(self) -> Path:
        """The evaluated weights' state_dict: torch.load(run.model_path, weights_only=True)."""
        return self.folder / runfolder.MODEL_FILE

    @property
    def dry_run(self) -> bool:
        return self.files.dry_run

    def plot(self) -> Figure:
        """Loss (log scale) and accuracy against epoch, train and test, as a matplotlib Figure."""
        from cnn import notebook

        return notebook.curves(self)

    def _repr_html_(self) -> str:
        """Jupyter's view: the curves as an inline PNG and the last epoch's numbers."""
        from cnn import notebook

        return notebook.run_html(self)


def load_run(folder: str | Path) -> Run:
    """Read a run folder back (what `train` wrote); RunFolderError names a missing or damaged file.

    >>> cnn.load_run("runs/8k-seed1").metrics.tail(1)
    """
    return Run(runfolder.read_run(Path(folder)))


def configure(
    config: str | Path | CnnConfig = DEFAULT_MODEL,
    *,
    epochs: int | None = None,
    batch_size: int | None = None,
    lr: float | None = None,
    seed: int | None = None,
    dropout: float | None = None,
    scheduler: str | None = None,
) -> CnnConfig:
    """The configuration to train: a built-in name ("8k", "20k"), a TOML path or a CnnConfig, with the
    given values replacing its own (None: keep it). Raises ConfigError naming a bad value.

    >>> configure("8k", epochs=3).training.epochs
    3
    """
    base = config if isinstance(config, CnnConfig) else load_config(config)
    return with_overrides(base, epochs=epochs, batch_size=batch_size, lr=lr, seed=seed, dropout=dropout, scheduler=scheduler)


def default_out(config: CnnConfig, dry_run: bool = False) -> Path:
    """Where a run goes when no folder is named: runs/MODEL-seedSEED, with -dry-run for a dry run."""
    return Path("runs") / f"{config.name}-seed{config.training.seed}{'-dry-run' if dry_run else ''}"


def train(
    config: str | Path | CnnConfig = DEFAULT_MODEL,
    data_dir: str | Path = "data",
    *,
    epochs: int | None = None,
    seed: int | None = None,
    batch_size: int | None = None,
    lr: float | None = None,
    dropout: float | None = None,
    scheduler: str | None = None,
    out: str | Path | None = None,
    force: bool = False,
    dry_run: bool = False,
    device: str = "auto",
    threads: int | None = None,
    download: bool = False,
    progress: bool = True,
    on_epoch: Callable[[EpochMetrics], None] | None = None,
) -> Run:
    """Train the CNN on MNIST, write its run folder and return it as a Run.

    config: a built-in name ("8k", "20k"), a TOML path or a CnnConfig; epochs, seed, batch_size,
        lr, dropout and scheduler replace its values (see configure).
    data_dir: the folder holding MNIST/raw/*-ubyte; download=True fetches missing files (internet).
    out: the run folder (default runs/MODEL-seedSEED[-dry-run]); an existing run is replaced only with force.
    dry_run: a few batches of a small slice, 2 epochs: a smoke test, not a result.
    device: "auto" (CUDA, else Apple's MPS, else the CPU), "cpu", "cuda" (e.g. Colab's GPU) or "mps".
    threads: CPU threads for torch (default: every core).
    progress: a tqdm.auto bar per epoch (a widget in Jupyter and Colab).
    on_epoch: called with each epoch's EpochMetrics as it ends.

    Raises ConfigError (a bad value, or a device that is not there), DatasetError (MNIST missing),
    OutputExistsError (a run is there and not force), BackpropSheetError (PyTorch not installed).

    >>> run = train(dry_run=True, out="runs/smoke", force=True, progress=False)
    >>> list(run.metrics.index)
    [1, 2]
    """
    config = configure(config, epochs=epochs, batch_size=batch_size, lr=lr, seed=seed, dropout=dropout, scheduler=scheduler)
    out = Path(out) if out is not None else default_out(config, dry_run)
    if (out / runfolder.METRICS_FILE).exists() and not force:
        raise OutputExistsError(
            f"{out} already holds a training run; replace it with --force (force=True), or choose another --out"
        )
    try:
        from cnn.training import RunOptions, run
    except ImportError as exc:
        raise BackpropSheetError(f"training needs PyTorch ({exc.name or exc} missing): pip install -e '.[cnn]'") from None
    options = RunOptions(
        data_dir=Path(data_dir), out=out, device=device, threads=threads, download=download, dry_run=dry_run,
        progress=progress,
    )
    result = run(config, options, on_epoch=on_epoch or (lambda metrics: None))
    return load_run(result.folder)
