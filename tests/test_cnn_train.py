"""`backprop-sheet train --dry-run` end to end on a slice of the real MNIST files: the run folder."""

from __future__ import annotations

import csv
import json

import pytest
from click.testing import CliRunner

from cnn.config import load_config, parameter_count
from cnn.runfolder import METRIC_COLUMNS, read_run
from conftest import need_torch
from backprop_sheet.cli import cli


def test_dry_run_writes_the_whole_run_folder(cnn_run):
    assert sorted(p.name for p in cnn_run.iterdir()) == [
        "architecture.json", "confusion.csv", "metrics.csv", "model.pt", "summary.json", "test_digits.csv",
    ]
    assert not cnn_run.with_name(cnn_run.name + ".partial").exists()

    with (cnn_run / "metrics.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert tuple(rows[0]) == METRIC_COLUMNS
    assert [int(r["epoch"]) for r in rows] == [1, 2]
    for row in rows:
        assert 0 <= float(row["test_accuracy"]) <= 100 and float(row["train_loss"]) > 0
        assert float(row["images_per_s"]) > 0 and float(row["seconds"]) > 0

    summary = json.loads((cnn_run / "summary.json").read_text())
    assert summary["model"] == "8k" and summary["seed"] == 1 and summary["device"] == "cpu"
    assert summary["parameters"] == parameter_count(load_config("8k").model)
    assert summary["dry_run"] is True and summary["torch_version"]

    run = read_run(cnn_run)
    assert sum(map(sum, run.confusion)) == 500  # the dry run's test slice
    assert 100 * sum(run.confusion[d][d] for d in range(10)) / 500 == pytest.approx(run.metrics[-1].test_accuracy)


def test_model_pt_is_a_state_dict_that_loads_with_weights_only(cnn_run):
    need_torch()
    import torch

    from cnn.model import Net

    state = torch.load(cnn_run / "model.pt", weights_only=True)
    net = Net(load_config("8k").model)
    net.load_state_dict(state)  # strict: every key, every shape
    assert net.eval()(torch.zeros(1, 1, 28, 28)).shape == (1, 10)


def test_an_existing_run_is_kept_without_force(cnn_run, mnist_dir):
    before = (cnn_run / "metrics.csv").read_bytes()
    result = CliRunner().invoke(cli, ["train", "--data-dir", str(mnist_dir), "--dry-run", "--out", str(cnn_run)])
    assert result.exit_code == 2
    assert "already holds a training run" in result.output and "--force" in result.output
    assert (cnn_run / "metrics.csv").read_bytes() == before


def test_same_seed_same_metrics(cnn_run, mnist_dir, tmp_path):
    """Seeded weights, shuffling and augmentation: a second dry run gives the same losses."""
    out = tmp_path / "again"
    args = ["train", "--data-dir", str(mnist_dir), "--dry-run", "--threads", "1", "--quiet", "--out", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    first, second = read_run(cnn_run).metrics, read_run(out).metrics
    assert [m.train_loss for m in first] == pytest.approx([m.train_loss for m in second], rel=1e-4)
    assert [m.test_accuracy for m in first] == [m.test_accuracy for m in second]


def test_unavailable_device_is_a_one_line_error(mnist_dir, tmp_path):
    need_torch()
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    result = CliRunner().invoke(cli, ["train", "--data-dir", str(mnist_dir), "--device", "cuda", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert result.output == "Error: --device cuda: no such device on this machine; use --device cpu or auto\n"


def test_the_run_folder_keeps_the_first_100_test_images(cnn_run, mnist_dir):
    from cnn.data import load_mnist
    from cnn.runfolder import SAMPLE_DIGITS, read_digit

    test = load_mnist(mnist_dir, train=False)
    for index in (0, 57, SAMPLE_DIGITS - 1):
        digit = read_digit(cnn_run, index)
        assert digit.index == index and digit.label == test.labels[index].item()
        assert digit.pixels == tuple(map(tuple, test.images[index].tolist()))
