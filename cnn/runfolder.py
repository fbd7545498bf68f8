"""The run folder a training writes and the workbook export reads (plain csv and json: no torch needed).

    metrics.csv        one row per epoch: epoch, lr, train_loss, train_accuracy, test_loss, test_accuracy,
                       seconds, images_per_s (accuracies in %, lr at the end of the epoch; 8 significant digits)
    confusion.csv      10 × 10 counts of the last epoch's test set: row = true digit, column = predicted digit
    architecture.json  one record per shape-changing layer (see cnn.config.Layer)
    summary.json       model name, parameter count, seed, device, torch version, total time, ...
    model.pt           the evaluated weights' state_dict (torch.load(..., weights_only=True))
    test_digits.csv    the first SAMPLE_DIGITS test images: index, label, then the 28 × 28 raw intensities
                       0–255 row by row (px0 … px783), for the CNN Forward sheet
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from cnn.config import IMAGE_SIZE, N_CLASSES, Layer
from network.errors import RunFolderError

METRICS_FILE = "metrics.csv"
CONFUSION_FILE = "confusion.csv"
ARCHITECTURE_FILE = "architecture.json"
SUMMARY_FILE = "summary.json"
MODEL_FILE = "model.pt"
DIGITS_FILE = "test_digits.csv"
SAMPLE_DIGITS = 100  # test images kept in the run folder: the CNN Forward sheet shows one of them


@dataclass(frozen=True)
class EpochMetrics:
    """One line of metrics.csv."""

    epoch: int
    lr: float
    train_loss: float
    train_accuracy: float
    test_loss: float
    test_accuracy: float
    seconds: float
    images_per_s: float


METRIC_COLUMNS = tuple(f.name for f in fields(EpochMetrics))


@dataclass(frozen=True)
class Digit:
    """One test image of test_digits.csv: its index in the MNIST test set, its label and its raw pixels."""

    index: int
    label: int
    pixels: tuple[tuple[int, ...], ...]  # IMAGE_SIZE rows of IMAGE_SIZE intensities, 0 (paper) to 255 (ink)


@dataclass(frozen=True)
class RunFiles:
    """Everything the workbook shows about one training run."""

    folder: Path
    metrics: tuple[EpochMetrics, ...]
    confusion: tuple[tuple[int, ...], ...]
    layers: tuple[Layer, ...]
    summary: dict

    @property
    def test_images(self) -> int:
        """How many test images the confusion matrix counts: 10,000 for a full run, fewer for a dry run."""
        return sum(map(sum, self.confusion))

    @property
    def dry_run(self) -> bool:
        """Whether `train --dry-run` wrote the folder (a few batches of a small slice: a smoke test)."""
        return bool(self.summary.get("dry_run", False))


def write_metrics(folder: Path, metrics: list[EpochMetrics]) -> None:
    with _atomic(folder / METRICS_FILE) as tmp, tmp.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(METRIC_COLUMNS)
        for m in metrics:
            writer.writerow([m.epoch, *(_fmt(getattr(m, c)) for c in METRIC_COLUMNS[1:])])


def write_confusion(folder: Path, confusion: list[list[int]]) -> None:
    with _atomic(folder / CONFUSION_FILE) as tmp, tmp.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["true\\predicted", *range(N_CLASSES)])
        for digit, row in enumerate(confusion):
            writer.writerow([digit, *row])


def write_digits(folder: Path, images, labels) -> None:
    """test_digits.csv from the first SAMPLE_DIGITS images ((N, 28, 28) uint8 array) and labels of the test set."""
    with _atomic(folder / DIGITS_FILE) as tmp, tmp.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["index", "label", *(f"px{k}" for k in range(IMAGE_SIZE * IMAGE_SIZE))])
        for index, (image, label) in enumerate(zip(images[:SAMPLE_DIGITS], labels[:SAMPLE_DIGITS])):
            writer.writerow([index, int(label), *(int(v) for v in image.reshape(-1))])


def write_json(path: Path, data: object) -> None:
    with _atomic(path) as tmp:
        tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def layers_as_records(layers: tuple[Layer, ...]) -> list[dict]:
    return [{**asdict(layer), "output_size": layer.output_size, "params": layer.params} for layer in layers]


def read_run(folder: Path) -> RunFiles:
    """Read a run folder back; RunFolderError names the missing or damaged file."""
    folder = Path(folder)
    if not folder.is_dir():
        raise RunFolderError(f"CNN run folder {folder} not found: train first with `backprop-sheet train --out {folder}`")
    return RunFiles(
        folder=folder,
        metrics=_read_metrics(folder / METRICS_FILE),
        confusion=_read_confusion(folder / CONFUSION_FILE),
        layers=_read_layers(folder / ARCHITECTURE_FILE),
        summary=_read_summary(folder / SUMMARY_FILE),
    )


def read_digit(folder: Path, index: int) -> Digit:
    """Test image `index` of test_digits.csv; RunFolderError when the file is missing or damaged, or
    holds no image `index` (the message names the range there is)."""
    path = Path(folder) / DIGITS_FILE
    if not path.is_file():
        raise RunFolderError(f"{path} not found: the CNN Forward sheet shows one of its test images; "
                             "a run trained before that sheet existed lacks it, train it again")
    rows = _csv_rows(path)
    count = len(rows) - 1
    if not 0 <= index < count:
        raise RunFolderError(
            f"--cnn-digit {index}: out of range; {path} holds the first {count} test images, 0 to {count - 1}"
            if count > 0 else f"{path}: no test images"
        )
    row = rows[1 + index]
    try:
        values = [int(v) for v in row]
        if len(values) != 2 + IMAGE_SIZE * IMAGE_SIZE or values[0] != index or not 0 <= values[1] < N_CLASSES:
            raise ValueError
        if not all(0 <= v <= 255 for v in values[2:]):
            raise ValueError
    except ValueError:
        raise RunFolderError(
            f"{path}, line {index + 2}: expected index {index}, a label 0-9 and {IMAGE_SIZE * IMAGE_SIZE} "
            "intensities 0-255"
        ) from None
    pixels = tuple(tuple(values[2 + r * IMAGE_SIZE : 2 + (r + 1) * IMAGE_SIZE]) for r in range(IMAGE_SIZE))
    return Digit(index, values[1], pixels)


def _read_metrics(path: Path) -> tuple[EpochMetrics, ...]:
    rows = _csv_rows(path)
    if not rows or tuple(rows[0]) != METRIC_COLUMNS or len(rows) < 2:
        raise RunFolderError(f"{path}: expected a header {','.join(METRIC_COLUMNS)} and at least one epoch")
    metrics = []
    for line, row in enumerate(rows[1:], start=2):
        try:
            values = [float(v) for v in row]
            if len(values) != len(METRIC_COLUMNS) or not all(math.isfinite(v) for v in values):
                raise ValueError
        except ValueError:
            raise RunFolderError(f"{path}, line {line}: expected {len(METRIC_COLUMNS)} numbers") from None
        metrics.append(EpochMetrics(int(values[0]), *values[1:]))
    return tuple(metrics)


def _read_confusion(path: Path) -> tuple[tuple[int, ...], ...]:
    rows = _csv_rows(path)
    try:
        matrix = tuple(tuple(int(v) for v in row[1:]) for row in rows[1:])
    except ValueError:
        matrix = ()
    if len(matrix) != N_CLASSES or any(len(r) != N_CLASSES or min(r) < 0 for r in matrix):
        raise RunFolderError(f"{path}: expected a header row and 10 rows of 10 non-negative counts")
    return matrix


def _read_layers(path: Path) -> tuple[Layer, ...]:
    records = _json(path)
    names = [f.name for f in fields(Layer)]
    try:
        layers = tuple(Layer(**{n: r[n] for n in names}) for r in records)
    except (TypeError, KeyError):
        raise RunFolderError(f"{path}: expected a list of layers with the keys {', '.join(names)}") from None
    if not layers:
        raise RunFolderError(f"{path}: no layers")
    return layers


def _read_summary(path: Path) -> dict:
    summary = _json(path)
    if not isinstance(summary, dict) or "parameters" not in summary:
        raise RunFolderError(f"{path}: expected an object with the key 'parameters'")
    return summary


def _csv_rows(path: Path) -> list[list[str]]:
    try:
        with path.open(newline="", encoding="utf-8") as f:
            return [row for row in csv.reader(f) if row]
    except FileNotFoundError:
        raise RunFolderError(f"{path} not found: the run folder is incomplete (did the training finish?)") from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise RunFolderError(f"{path}: cannot read it ({exc})") from None


def _json(path: Path) -> object:
    try:
        return json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise RunFolderError(f"{path} not found: the run folder is incomplete (did the training finish?)") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RunFolderError(f"{path}: not valid JSON ({exc})") from None


def _fmt(value: float) -> str:
    """8 significant digits: plenty for metrics, and a spreadsheet keeps them exactly (it keeps 15)."""
    return format(float(value), ".8g")


class _atomic:
    """`with _atomic(path) as tmp:` write tmp; on success it replaces path, on failure it is removed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.tmp = path.with_name(f".{path.name}.tmp")

    def __enter__(self) -> Path:
        return self.tmp

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.tmp.replace(self.path)
        else:
            self.tmp.unlink(missing_ok=True)
