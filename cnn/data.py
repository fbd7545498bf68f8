"""MNIST on a CPU, fast: the whole dataset as one uint8 tensor, augmented a whole batch at a time.

The files are torchvision's layout, `DATA_DIR/MNIST/raw/*-ubyte`. They are read here directly
(the IDX format is a short header and raw bytes); `download=True` lets torchvision fetch them.
Instead of a per-sample PIL DataLoader, each training batch is rotated, shifted (and optionally
cropped and resized) with one `affine_grid`/`grid_sample` call: one random affine matrix per image.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from cnn.config import IMAGE_SIZE, AugmentConfig
from network.errors import DatasetError

MEAN, STD = 0.1307, 0.3081
FILES = {
    True: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", 60_000),
    False: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", 10_000),
}
# The MD5 of each original raw file (as torchvision unpacks them; the MD5SUMS published beside them agrees)
MD5 = {
    "train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
    "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
    "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
    "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637",
}
SUMS_FILE = "MD5SUMS"  # `md5sum` lines (digest, two spaces, name), where someone left one beside the files


@dataclass(frozen=True)
class Mnist:
    """One split of MNIST: images (N, 28, 28) uint8 and labels (N,) int64, on one device."""

    images: torch.Tensor
    labels: torch.Tensor

    def __len__(self) -> int:
        return len(self.labels)

    def head(self, n: int) -> Mnist:
        """The first n examples (for --dry-run and tests)."""
        return Mnist(self.images[:n], self.labels[:n])

    def to(self, device: torch.device) -> Mnist:
        return Mnist(self.images.to(device), self.labels.to(device))


def raw_folder(data_dir: Path) -> Path:
    return Path(data_dir) / "MNIST" / "raw"


def load_mnist(data_dir: Path, train: bool, download: bool = False) -> Mnist:
    """Read one split from DATA_DIR/MNIST/raw; with download=True, fetch missing files first."""
    folder = raw_folder(data_dir)
    images_name, labels_name, count = FILES[train]
    missing = [n for n in (images_name, labels_name) if not (folder / n).is_file()]
    if missing and download:
        _download(Path(data_dir), train)
        missing = [n for n in (images_name, labels_name) if not (folder / n).is_file()]
    if missing:
        raise DatasetError(
            f"MNIST file {folder / missing[0]} not found: put the four *-ubyte files of MNIST in {folder}, "
            f"or add --download to fetch them (needs internet)"
        )
    images = _read_idx(folder / images_name, magic=2051, shape=(count, IMAGE_SIZE, IMAGE_SIZE))
    labels = _read_idx(folder / labels_name, magic=2049, shape=(count,))
    for name, data in ((images_name, images), (labels_name, labels)):
        _check_md5(folder / name, data)
    if labels.max() > 9:
        raise DatasetError(f"{folder / labels_name}: labels above 9; the file is damaged, delete it and --download")
    return Mnist(torch.from_numpy(images), torch.from_numpy(labels.astype(np.int64)))


def normalise(images: torch.Tensor) -> torch.Tensor:
    """uint8 (N, 28, 28) or float in [0, 1] (N, 1, 28, 28) -> float (N, 1, 28, 28), mean 0.1307, std 0.3081."""
    if images.dtype == torch.uint8:
        images = images.unsqueeze(1).float().div_(255)
    return images.sub_(MEAN).div_(STD)


def train_batches(
    data: Mnist, batch_size: int, augment: AugmentConfig, generator: torch.Generator
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """One epoch of shuffled, augmented, normalised batches (x: (B, 1, 28, 28) float, y: (B,) int64)."""
    order = torch.randperm(len(data), generator=generator).to(data.labels.device)
    for start in range(0, len(data), batch_size):
        index = order[start : start + batch_size]
        images = data.images[index].unsqueeze(1).float().div_(255)
        yield normalise(random_affine(images, augment, generator)), data.labels[index]


def test_batches(data: Mnist, batch_size: int = 1000) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """The split in order, normalised, without augmentation."""
    for start in range(0, len(data), batch_size):
        yield normalise(data.images[start : start + batch_size]), data.labels[start : start + batch_size]


def random_affine(images: torch.Tensor, augment: AugmentConfig, generator: torch.Generator) -> torch.Tensor:
    """Rotate, shift and zoom each image of a (B, 1, H, W) batch by its own random amount."""
    if augment.rotation == 0 and augment.shift == 0 and augment.crop_scale == 1:
        return images
    n = images.shape[0]

    def uniform(low: float, high: float) -> torch.Tensor:
        return torch.rand(n, generator=generator).mul_(high - low).add_(low)

    return affine_warp(
        images,
        degrees=uniform(-augment.rotation, augment.rotation),
        scale=uniform(augment.crop_scale, 1.0),
        shift_x=uniform(-augment.shift, augment.shift),
        shift_y=uniform(-augment.shift, augment.shift),
    )


def affine_warp(
    images: torch.Tensor, degrees: torch.Tensor, scale: torch.Tensor, shift_x: torch.Tensor, shift_y: torch.Tensor
) -> torch.Tensor:
    """Warp each image of a (B, 1, H, W) batch by its own affine map, in one grid_sample call.

    Image b is rotated by degrees[b] (counter-clockwise as displayed), its central square of side
    scale[b] is stretched over the whole image (crop and resize), and it is moved right by shift_x[b]
    and down by shift_y[b] image widths. Pixels from outside the image are 0 (background).
    affine_grid maps each output position to the input position it samples, in coordinates where the
    image spans [-1, 1]: so the matrix is the inverse map, and one image width is 2.
    """
    angle = -degrees * (math.pi / 180)  # y points down on screen: a displayed counter-clockwise turn
    cos, sin = torch.cos(angle) * scale, torch.sin(angle) * scale
    tx, ty = -2 * shift_x, -2 * shift_y
    theta = torch.stack([cos, sin, cos * tx + sin * ty, -sin, cos, -sin * tx + cos * ty], dim=1)
    theta = theta.view(-1, 2, 3).to(images.device, images.dtype)
    grid = F.affine_grid(theta, list(images.shape), align_corners=False)
    return F.grid_sample(images, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def _check_md5(path: Path, data: np.ndarray) -> None:
    """The file's bytes against MD5 and against the MD5SUMS beside it, where there is one: a flipped pixel must not
    train silently. `data` is the file's content after its header (read once); the header is re-read here."""
    header = path.read_bytes()[: 4 + 4 * data.ndim]
    digest = hashlib.md5(header + data.tobytes()).hexdigest()
    expected = {MD5[path.name]} | set(_listed_sums(path.parent).get(path.name, ()))
    wrong = sorted(expected - {digest})
    if wrong:
        raise DatasetError(
            f"{path}: damaged (its MD5 is {digest}, the original's {wrong[0]}); delete it and run with --download, "
            f"or copy the original file again"
        )


def _listed_sums(folder: Path) -> dict[str, list[str]]:
    """name -> the digests MD5SUMS in `folder` lists for it (none without the file)."""
    try:
        text = (folder / SUMS_FILE).read_text("utf-8", errors="replace")
    except OSError:
        return {}
    sums: dict[str, list[str]] = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2 and len(parts[0]) == 32:
            sums.setdefault(parts[1].lstrip("*"), []).append(parts[0].lower())
    return sums


def _read_idx(path: Path, magic: int, shape: tuple[int, ...]) -> np.ndarray:
    """An IDX file (big-endian magic, dimensions, then unsigned bytes) as a uint8 array of `shape`."""
    header_size = 4 + 4 * len(shape)
    raw = path.read_bytes()
    header = np.frombuffer(raw[:header_size], dtype=">u4") if len(raw) >= header_size else np.array([])
    if len(header) == 0 or header[0] != magic or tuple(int(d) for d in header[1:]) != shape:
        raise DatasetError(
            f"{path}: not the MNIST file expected here (header {header.tolist()}, expected magic {magic} and "
            f"shape {list(shape)}); delete it and run with --download, or copy the original file"
        )
    data = np.frombuffer(raw, dtype=np.uint8, offset=header_size)
    if data.size != math.prod(shape):
        raise DatasetError(f"{path}: truncated ({data.size} of {math.prod(shape)} bytes); copy or download it again")
    return data.reshape(shape).copy()


def _download(data_dir: Path, train: bool) -> None:
    from torchvision.datasets import MNIST

    try:
        MNIST(root=str(data_dir), train=train, download=True)
    except (OSError, RuntimeError) as exc:
        raise DatasetError(
            f"could not download MNIST into {raw_folder(data_dir)} ({exc}); check the internet connection, or "
            f"copy the four *-ubyte files there yourself"
        ) from None
