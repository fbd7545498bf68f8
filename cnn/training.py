"""Train the CNN on MNIST and write the run folder: the flow of pytorch/examples' mnist, CPU-first.

run() loads the data, builds the model, then for each epoch trains (train_epoch) and evaluates
(evaluate) the exponential moving average of the weights, and writes the run folder (cnn.runfolder)
into OUT.partial, which replaces OUT only when the run has finished: a failed or stopped run loses nothing
and leaves no OUT.partial.
"""

from __future__ import annotations

import platform
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from cnn import runfolder
from cnn.config import N_CLASSES, CnnConfig, layer_plan
from cnn.data import Mnist, load_mnist, test_batches, train_batches
from cnn.model import Net, WeightAverage, count_parameters
from cnn.runfolder import EpochMetrics
from network.errors import ConfigError
from network.stopping import final_step, stop_point

DRY_RUN_BATCHES = 4
DRY_RUN_TEST_IMAGES = 500
DRY_RUN_EPOCHS = 2


@dataclass(frozen=True)
class RunOptions:
    """Where and how to run, as opposed to what to train (CnnConfig)."""

    data_dir: Path
    out: Path
    device: str = "auto"  # auto, cpu, cuda, mps
    threads: int | None = None
    download: bool = False
    dry_run: bool = False  # a few batches of a small slice, DRY_RUN_EPOCHS epochs: a smoke test
    progress: bool = True  # a tqdm bar per epoch


@dataclass(frozen=True)
class RunResult:
    folder: Path
    metrics: tuple[EpochMetrics, ...]
    parameters: int
    seconds: float


def run(
    config: CnnConfig, options: RunOptions, on_epoch: Callable[[EpochMetrics], None] = lambda m: None
) -> RunResult:
    """Train and evaluate; write metrics.csv after every epoch, the rest of the run folder at the end."""
    torch.set_flush_denormal(True)  # tiny gradients as 0 while training: faster on CPUs
    try:
        return _train_and_evaluate(config, options, on_epoch)
    finally:  # the process's other arithmetic (a workbook's reference, in a notebook) keeps IEEE's subnormal numbers
        torch.set_flush_denormal(False)


def _train_and_evaluate(config: CnnConfig, options: RunOptions, on_epoch: Callable[[EpochMetrics], None]) -> RunResult:
    started = time.perf_counter()
    device = pick_device(options.device)
    if options.threads:
        torch.set_num_threads(options.threads)
    train_data = load_mnist(options.data_dir, train=True, download=options.download)
    test_data = load_mnist(options.data_dir, train=False, download=options.download)
    epochs = config.training.epochs
    if options.dry_run:
        train_data = train_data.head(DRY_RUN_BATCHES * config.training.batch_size)
        test_data = test_data.head(DRY_RUN_TEST_IMAGES)
        epochs = min(epochs, DRY_RUN_EPOCHS)
    train_data, test_data = train_data.to(device), test_data.to(device)

    torch.manual_seed(config.training.seed)
    generator = torch.Generator().manual_seed(config.training.seed)
    model = Net(config.model).to(device)
    average = WeightAverage(model, config.training.ema_decay) if config.training.ema_decay > 0 else None
    optimizer, scheduler, per_batch = _optimiser(model, config, epochs, len(train_data))
    work = _fresh_folder(options.out)
    try:
        metrics: list[EpochMetrics] = []
        for epoch in range(1, epochs + 1):
            epoch_start = time.perf_counter()
            batches = train_batches(train_data, config.training.batch_size, config.augment, generator)
            bar = _progress(options.progress, epoch, epochs, len(train_data))
            train_loss, train_accuracy = train_epoch(
                model, batches, optimizer, scheduler if per_batch else None, average, bar
            )
            train_seconds = time.perf_counter() - epoch_start
            lr = optimizer.param_groups[0]["lr"]
            if not per_batch:
                scheduler.step()
            evaluated = average.model if average else model
            test_loss, test_accuracy, confusion = evaluate(evaluated, test_data)
            seconds = time.perf_counter() - epoch_start
            metrics.append(
                EpochMetrics(
                    epoch, lr, train_loss, train_accuracy, test_loss, test_accuracy, seconds, len(train_data) / train_seconds
                )
            )
            runfolder.write_metrics(work, metrics)
            on_epoch(metrics[-1])

        total = time.perf_counter() - started
        evaluated = average.model if average else model
        parameters = count_parameters(model)
        torch.save(evaluated.state_dict(), work / runfolder.MODEL_FILE)
        runfolder.write_confusion(work, confusion)
        runfolder.write_digits(work, test_data.images.cpu().numpy(), test_data.labels.cpu().numpy())
        runfolder.write_json(work / runfolder.ARCHITECTURE_FILE, runfolder.layers_as_records(layer_plan(config.model)))
        summary = _summary(config, options, device, epochs, parameters, total, metrics[-1], averaged=average is not None)
        runfolder.write_json(work / runfolder.SUMMARY_FILE, summary)
        with final_step():  # the last safe point; a stop during the two renames waits until they are done
            _replace_folder(work, options.out)
    except BaseException:  # a failure, Ctrl-C or a stop at a safe point: no OUT.partial is left behind
        shutil.rmtree(work, ignore_errors=True)
        raise
    return RunResult(options.out, tuple(metrics), parameters, total)


def train_epoch(
    model: nn.Module,
    batches,
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler | None,
    average: WeightAverage | None,
    bar=None,
) -> tuple[float, float]:
    """One pass over the batches; returns the mean training loss and the training accuracy in %."""
    model.train()
    loss_sum = torch.zeros(())
    correct = torch.zeros((), dtype=torch.long)
    seen = 0
    started = time.perf_counter()
    for step, (x, y) in enumerate(batches, start=1):
        stop_point()  # a safe point: a stop asked for by a signal ends the run here (network/stopping.py)
        logits = model(x)
        loss = F.cross_entropy(logits, y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        if average is not None:
            average.update()
        with torch.no_grad():
            loss_sum += loss.detach().cpu() * len(y)
            correct += (logits.argmax(1) == y).sum().cpu()
        seen += len(y)
        if bar is not None:
            bar.update(len(y))
            if step % 20 == 0:  # .item() waits for the device: not every batch
                rate = seen / (time.perf_counter() - started)
                bar.set_postfix(loss=f"{loss.item():.3f}", acc=f"{100 * correct.item() / seen:.2f}%", img_s=f"{rate:.0f}")
    if bar is not None:
        bar.close()
    return loss_sum.item() / seen, 100.0 * correct.item() / seen


@torch.inference_mode()
def evaluate(model: nn.Module, data: Mnist) -> tuple[float, float, list[list[int]]]:
    """Mean test loss, test accuracy in % and the confusion matrix (row: true digit, column: predicted)."""
    model.eval()
    loss_sum = 0.0
    counts = torch.zeros(N_CLASSES * N_CLASSES, dtype=torch.long)
    for x, y in test_batches(data):
        logits = model(x)
        loss_sum += F.cross_entropy(logits, y, reduction="sum").item()
        counts += torch.bincount((y * N_CLASSES + logits.argmax(1)).cpu(), minlength=N_CLASSES * N_CLASSES)
    confusion = counts.view(N_CLASSES, N_CLASSES)
    return loss_sum / len(data), 100.0 * confusion.trace().item() / len(data), confusion.tolist()


def _summary(config: CnnConfig, options: RunOptions, device: torch.device, epochs: int, parameters: int,
             seconds: float, last: EpochMetrics, averaged: bool) -> dict:
    return {
        "model": config.name,
        "parameters": parameters,
        "seed": config.training.seed,
        "epochs": epochs,
        "dry_run": options.dry_run,
        "device": str(device),
        "threads": torch.get_num_threads(),
        "torch_version": torch.__version__,
        "python_version": platform.python_version(),
        "seconds": round(seconds, 3),
        "last_test_accuracy": last.test_accuracy,
        "evaluated_weights": "exponential moving average" if averaged else "last",
        "model_pt": "state_dict of the evaluated weights",
        "config": asdict(config),
    }


def pick_device(name: str) -> torch.device:
    """auto: CUDA, else Apple's MPS, else the CPU; a named device that is not there is a ConfigError."""
    cuda, mps = torch.cuda.is_available(), torch.backends.mps.is_available()
    if name == "auto":
        return torch.device("cuda" if cuda else "mps" if mps else "cpu")
    if (name == "cuda" and not cuda) or (name == "mps" and not mps):
        raise ConfigError(f"--device {name}: no such device on this machine; use --device cpu or auto")
    return torch.device(name)


def _optimiser(model: nn.Module, config: CnnConfig, epochs: int, n_train: int):
    t = config.training
    optimizer = torch.optim.SGD(
        model.parameters(), lr=t.lr, momentum=t.momentum, nesterov=t.momentum > 0, weight_decay=t.weight_decay
    )
    if t.scheduler == "onecycle":
        steps = epochs * -(-n_train // t.batch_size)
        return optimizer, torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=t.lr, total_steps=steps), True
    return optimizer, torch.optim.lr_scheduler.StepLR(optimizer, step_size=t.step_size, gamma=t.gamma), False


def _fresh_folder(out: Path) -> Path:
    """OUT.partial, empty: the run is written there and only replaces OUT once it has finished."""
    work = out.with_name(out.name + ".partial")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    return work


def _replace_folder(work: Path, out: Path) -> None:
    old = out.with_name(out.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if out.exists():
        out.rename(old)
    work.rename(out)
    shutil.rmtree(old, ignore_errors=True)


def _progress(enabled: bool, epoch: int, epochs: int, total: int):
    if not enabled:
        return None
    from tqdm.auto import tqdm  # a widget in Jupyter and Colab, text in a terminal

    return tqdm(total=total, desc=f"epoch {epoch}/{epochs}", unit="img", leave=False, dynamic_ncols=True)
