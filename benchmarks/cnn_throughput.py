"""Training images/s: backprop-sheet's batch pipeline against a plain per-sample DataLoader, side by side.

    python benchmarks/cnn_throughput.py --data-dir ../shared/data --threads 2

Both train the same model (same optimiser, same batch size) on the same augmentation
(rotation ±7°, shift ±5 %, from the configuration) for the same number of batches, one after the other in one run:
- batch: the whole training set as one uint8 tensor, each batch augmented with one
  affine_grid/grid_sample call (cnn.data.train_batches), as `backprop-sheet train` does;
- dataloader: torchvision.datasets.MNIST with PIL transforms per sample (RandomRotation,
  RandomAffine, ToTensor, Normalize) through torch.utils.data.DataLoader.
Each measurement runs in a fresh Python process (`--only batch|dataloader`), as `backprop-sheet train`
would: importing torchvision alone slows PyTorch's CPU kernels here by about a fifth, and the batch
pipeline never imports it. The two pipelines alternate `--rounds` times and the best rate of each counts.
Prints images/s of each, the ratio (target: ≥ 2×) and the 15-epoch time the batch pipeline implies
(target: under 5 minutes on a 2-core laptop CPU).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from cnn.config import load_config
from cnn.data import MEAN, STD, load_mnist, train_batches
from cnn.model import Net

PIPELINES = ("batch (affine_grid)", "dataloader (PIL)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--model", default="8k", help="built-in configuration name or TOML path")
    parser.add_argument("--batches", type=int, default=300, help="timed batches per pipeline")
    parser.add_argument("--warmup", type=int, default=20, help="untimed batches first")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=0, help="DataLoader worker processes")
    parser.add_argument("--rounds", type=int, default=2, help="alternating measurements of each pipeline")
    parser.add_argument("--only", choices=("batch", "dataloader"), help=argparse.SUPPRESS)  # one measurement
    args = parser.parse_args()
    if args.only:
        print(_measure(args))
        return

    config = load_config(args.model)
    print(f"model {config.name}, batch size {config.training.batch_size}, {args.batches} timed batches each, "
          f"{args.threads} threads, DataLoader workers {args.workers}, best of {args.rounds} alternating runs")
    rates: dict[str, list[float]] = {name: [] for name in PIPELINES}
    for _ in range(args.rounds):
        for name, only in zip(PIPELINES, ("batch", "dataloader")):
            out = subprocess.run([sys.executable, __file__, *sys.argv[1:], "--only", only],
                                 check=True, capture_output=True, text=True).stdout
            rates[name].append(float(out.split()[-1]))
    for name, values in rates.items():
        print(f"  {name:22s} {max(values):8.0f} training images/s  (runs: {', '.join(f'{v:.0f}' for v in values)})")
    ours_rate, plain_rate = (max(v) for v in rates.values())
    print(f"ratio: {ours_rate / plain_rate:.2f}x (target >= 2x)")
    epoch = 60_000 / ours_rate
    print(f"15 epochs at this rate: {15 * epoch / 60:.1f} min of training (target < 5 min, evaluation adds ~5 %)")


def _measure(args) -> float:
    """Training images/s of one pipeline, in this (fresh) process."""
    torch.set_num_threads(args.threads)
    torch.set_flush_denormal(True)
    config = load_config(args.model)
    batch_size = config.training.batch_size
    if args.only == "batch":
        train = load_mnist(args.data_dir, train=True)
        generator = torch.Generator().manual_seed(0)

        def batches():
            while True:
                yield from train_batches(train, batch_size, config.augment, generator)
    else:
        from torch.utils.data import DataLoader
        from torchvision import datasets, transforms

        shift = config.augment.shift
        plain = datasets.MNIST(
            str(args.data_dir),
            train=True,
            download=False,
            transform=transforms.Compose([
                transforms.RandomRotation(config.augment.rotation),
                transforms.RandomAffine(0, translate=(shift, shift)),
                transforms.ToTensor(),
                transforms.Normalize((MEAN,), (STD,)),
            ]),
        )

        def batches():
            while True:
                yield from DataLoader(plain, batch_size=batch_size, shuffle=True, num_workers=args.workers)

    return _images_per_s(config, batches(), args.batches, args.warmup)


def _images_per_s(config, batches, timed: int, warmup: int) -> float:
    torch.manual_seed(0)
    model = Net(config.model).train()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, nesterov=True)
    seen = 0
    for i, (x, y) in enumerate(batches):
        if i == warmup:
            started, seen = time.perf_counter(), 0
        if i == warmup + timed:
            return seen / (time.perf_counter() - started)
        loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        seen += len(y)
    raise RuntimeError("ran out of batches")


if __name__ == "__main__":
    main()
