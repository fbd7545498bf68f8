"""MNIST loading from torchvision's raw layout, clear errors for missing or damaged files, batch augmentation."""

from __future__ import annotations

import hashlib
import shutil

import pytest
from click.testing import CliRunner

from conftest import need_torch
from backprop_sheet.cli import cli
from excelgen.errors import DatasetError


@pytest.fixture(scope="module")
def torch():
    need_torch()
    import torch

    return torch


def test_reads_the_real_files(torch, mnist_dir):
    from cnn.data import load_mnist

    test = load_mnist(mnist_dir, train=False)
    assert test.images.shape == (10_000, 28, 28) and test.images.dtype == torch.uint8
    assert test.labels.shape == (10_000,) and test.labels.dtype == torch.int64
    # Published facts about the MNIST test set: the first three labels, and how many of each digit.
    assert test.labels[:3].tolist() == [7, 2, 1]
    assert torch.bincount(test.labels).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_files_match_the_md5sums_beside_them(mnist_dir):
    """The IDX files the tests read are the original ones (MD5SUMS, when present, lists them)."""
    sums = mnist_dir / "MNIST" / "raw" / "MD5SUMS"
    if not sums.is_file():
        pytest.skip("no MD5SUMS beside the MNIST files")
    for line in sums.read_text().splitlines():
        digest, name = line.split()
        if name.startswith("t10k"):  # the small ones: enough to catch a swapped or damaged copy
            assert hashlib.md5((sums.parent / name).read_bytes()).hexdigest() == digest


def test_missing_data_folder_is_exit_2_with_where_and_how(tmp_path):
    result = CliRunner().invoke(cli, ["train", "--data-dir", str(tmp_path / "data"), "--out", str(tmp_path / "run")])
    assert result.exit_code == 2, result.output
    assert result.output.startswith("Error: MNIST file ")
    assert str(tmp_path / "data" / "MNIST" / "raw") in result.output
    assert "--download" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "run").exists()


def test_data_dir_defaults_to_backprop_sheet_mnist(tmp_path, monkeypatch):
    """Without --data-dir, train reads the folder $BACKPROP_SHEET_MNIST names, as the notebook does (else ./data)."""
    monkeypatch.setenv("BACKPROP_SHEET_MNIST", str(tmp_path / "elsewhere"))
    result = CliRunner().invoke(cli, ["train", "--out", str(tmp_path / "run")])
    assert result.exit_code == 2, result.output
    assert str(tmp_path / "elsewhere" / "MNIST" / "raw") in result.output
    monkeypatch.delenv("BACKPROP_SHEET_MNIST")
    help_text = CliRunner().invoke(cli, ["train", "--help"]).output
    assert "BACKPROP_SHEET_MNIST" in help_text and "default: data" in help_text


def test_damaged_file_is_a_dataset_error(torch, mnist_dir, tmp_path):
    from cnn.data import load_mnist

    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for name in ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        shutil.copy(mnist_dir / "MNIST" / "raw" / name, raw / name)
    images = raw / "t10k-images-idx3-ubyte"
    images.write_bytes(images.read_bytes()[:-100])
    with pytest.raises(DatasetError, match="truncated"):
        load_mnist(tmp_path, train=False)
    (raw / "t10k-labels-idx1-ubyte").write_bytes(b"not an idx file")
    images.unlink()
    shutil.copy(mnist_dir / "MNIST" / "raw" / "t10k-images-idx3-ubyte", images)
    with pytest.raises(DatasetError, match="not the MNIST file expected"):
        load_mnist(tmp_path, train=False)


def test_normalised_batches_have_the_published_mean_and_std(torch, mnist_dir):
    from cnn.data import load_mnist, test_batches

    images = torch.cat([x for x, _ in test_batches(load_mnist(mnist_dir, train=False))])
    # 0.1307 and 0.3081 are the training set's statistics; the test set's are within 0.01.
    assert images.mean().item() == pytest.approx(0.0, abs=0.02)
    assert images.std().item() == pytest.approx(1.0, abs=0.02)


def test_augmentation_off_is_the_identity_and_on_moves_pixels(torch, mnist_dir):
    from cnn.config import AugmentConfig
    from cnn.data import load_mnist, random_affine

    batch = load_mnist(mnist_dir, train=False).images[:64].unsqueeze(1).float() / 255
    generator = torch.Generator().manual_seed(0)
    assert torch.equal(random_affine(batch, AugmentConfig(0.0, 0.0, 1.0), generator), batch)
    moved = random_affine(batch, AugmentConfig(7.0, 0.1, 0.9), generator)
    assert moved.shape == batch.shape
    per_image_change = (moved - batch).abs().flatten(1).sum(1)
    assert bool((per_image_change > 0).all())  # every image gets its own transform
    # ink is roughly preserved: a small rotation and shift keep the digit inside the frame
    assert moved.sum().item() == pytest.approx(batch.sum().item() / 0.95**2, rel=0.15)


def _one(torch, value):
    return torch.tensor([float(value)])


@pytest.mark.parametrize("degrees, shift_x, shift_y, expected", [
    (0, 2 / 28, 0, "right 2"),  # a shift of 2/28 of the width is exactly 2 pixels
    (0, 0, -3 / 28, "up 3"),
    (90, 0, 0, "rot90"),  # pixel centres map onto pixel centres: exact
    (-90, 0, 0, "rot270"),
])
def test_affine_warp_against_exact_integer_moves(torch, mnist_dir, degrees, shift_x, shift_y, expected):
    """Oracles: slicing for whole-pixel shifts, torch.rot90 (counter-clockwise as displayed) for quarter turns."""
    from cnn.data import affine_warp, load_mnist

    image = load_mnist(mnist_dir, train=False).images[:1].unsqueeze(1).float() / 255
    oracle = torch.zeros_like(image)
    if expected == "right 2":
        oracle[..., :, 2:] = image[..., :, :-2]
    elif expected == "up 3":
        oracle[..., :-3, :] = image[..., 3:, :]
    else:
        oracle = torch.rot90(image, 1 if expected == "rot90" else 3, dims=(2, 3))
    moved = affine_warp(image, _one(torch, degrees), _one(torch, 1), _one(torch, shift_x), _one(torch, shift_y))
    torch.testing.assert_close(moved, oracle, atol=1e-5, rtol=0)


def test_crop_scale_half_doubles_distances_from_the_centre(torch):
    from cnn.data import affine_warp

    image = torch.zeros(1, 1, 28, 28)
    image[0, 0, 12, 12] = 1.0  # 1.5 pixels up-left of the centre (13.5, 13.5) ...
    zoomed = affine_warp(image, _one(torch, 0), _one(torch, 0.5), _one(torch, 0), _one(torch, 0))
    assert (zoomed[0, 0] > 0.2).nonzero().tolist() == [[10, 10], [10, 11], [11, 10], [11, 11]]  # ... now 3 pixels


def test_download_goes_through_torchvision_into_data_dir(torch, mnist_dir, tmp_path, monkeypatch):
    """--download hands the folder to torchvision's MNIST downloader (stood in for here: no internet in CI)."""
    import torchvision.datasets

    from cnn.data import FILES, load_mnist

    calls = []

    class Downloader:
        def __init__(self, root, train, download):
            calls.append((root, train, download))
            raw = tmp_path / "MNIST" / "raw"
            raw.mkdir(parents=True, exist_ok=True)
            for name in FILES[train][:2]:
                shutil.copy(mnist_dir / "MNIST" / "raw" / name, raw / name)

    monkeypatch.setattr(torchvision.datasets, "MNIST", Downloader)
    assert len(load_mnist(tmp_path, train=False, download=True)) == 10_000
    assert calls == [(str(tmp_path), False, True)]
    load_mnist(tmp_path, train=False, download=True)  # files there now: no second download
    assert len(calls) == 1


def test_failed_download_is_a_dataset_error(torch, tmp_path, monkeypatch):
    import urllib.error

    import torchvision.datasets

    from cnn.data import load_mnist

    def offline(root, train, download):
        raise urllib.error.URLError("no route to host")

    monkeypatch.setattr(torchvision.datasets, "MNIST", offline)
    with pytest.raises(DatasetError, match="could not download MNIST into .*copy the four"):
        load_mnist(tmp_path, train=True, download=True)


def test_a_flipped_pixel_byte_is_a_dataset_error_naming_the_file(torch, mnist_dir, tmp_path):
    """The header and the size are right, so only the checksum can tell: training on it must not start."""
    from cnn.data import load_mnist

    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for name in ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        shutil.copy(mnist_dir / "MNIST" / "raw" / name, raw / name)
    images = raw / "t10k-images-idx3-ubyte"
    data = bytearray(images.read_bytes())
    data[16 + 28 * 14 + 14] ^= 0x01  # one pixel near the middle of the first image
    images.write_bytes(bytes(data))
    with pytest.raises(DatasetError) as caught:
        load_mnist(tmp_path, train=False)
    message = str(caught.value)
    assert message.startswith(f"{images}: damaged") and "--download" in message and "\n" not in message
