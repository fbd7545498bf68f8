"""CNN configurations: built-in models within their budgets, bad values and broken shapes refused."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from cnn.config import builtin_configs, layer_plan, load_config, parameter_count, parse_config, with_overrides
from backprop_sheet.cli import cli
from excelgen.errors import ConfigError

BUDGETS = {"8k": 8_000, "20k": 20_000}


def _data(**model) -> dict:
    return {"name": "t", "model": {"blocks": [[8], [8, 8]], "padding": [0, 0], "dropout": 0.1, **model}}


def test_builtin_configs_are_the_two_models():
    assert builtin_configs() == sorted(BUDGETS)


@pytest.mark.parametrize("name, budget", BUDGETS.items())
def test_builtin_model_within_budget(name, budget):
    config = load_config(name)
    assert parameter_count(config.model) < budget
    assert config.training.epochs <= 15
    assert config.model.dropout > 0  # the course's constraints: Dropout, and GAP instead of a big FC layer
    assert [layer.kind for layer in layer_plan(config.model)][-2:] == ["gap", "conv"]


@pytest.mark.parametrize(
    "model, layer",
    [
        # 28 -> 26, pool 13, then 11, 9, 7, 5, 3, 1 and -1
        ({"blocks": [[8], [8] * 7]}, "conv8"),
        # 28 -> 26, pool 13, 13, pool 6, 6, pool 3, 3, pool 1, 1, pool 0
        ({"blocks": [[8]] * 6, "padding": [0, 1, 1, 1, 1, 1]}, "pool5"),
    ],
)
def test_shape_breaking_config_names_the_layer(model, layer):
    with pytest.raises(ConfigError, match=rf"layer {layer} \("):
        parse_config(_data(**model))


def test_padding_keeps_a_config_that_would_shrink_too_far():
    config = parse_config(_data(blocks=[[8], [8] * 7], padding=[0, 1]))
    assert layer_plan(config.model)[-3].output_size == 13


@pytest.mark.parametrize(
    "data, key",
    [
        (_data(dropout=1.5), "model.dropout"),
        (_data(dropout="lots"), "model.dropout"),
        (_data(blocks=[]), "model.blocks"),
        (_data(blocks=[[8], [0]]), "model.blocks"),
        (_data(padding=[0]), "model.padding"),
        (_data(width=3), "model.width"),
        ({**_data(), "training": {"epochs": 0}}, "training.epochs"),
        ({**_data(), "training": {"lr": float("nan")}}, "training.lr"),
        ({**_data(), "training": {"scheduler": "cosine"}}, "training.scheduler"),
        ({**_data(), "augment": {"rotation": -1}}, "augment.rotation"),
        ({**_data(), "augment": {"crop_scale": 2}}, "augment.crop_scale"),
    ],
)
def test_bad_value_names_the_key(data, key):
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        parse_config(data)


def test_overrides_are_validated_as_flags():
    config = load_config("8k")
    assert with_overrides(config, epochs=3, seed=7).training.epochs == 3
    with pytest.raises(ConfigError, match="--batch-size"):
        with_overrides(config, batch_size=0)


def test_cli_refuses_a_shape_breaking_config_before_training(tmp_path):
    path = tmp_path / "deep.toml"
    path.write_text("[model]\nblocks = [[16], [16, 16, 16, 16, 16, 16, 16]]\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["train", "--config", str(path), "--data-dir", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert "layer conv8" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize("args, message", [
    (["--model", "huge"], "unknown CNN model 'huge'"),
    (["--config", "missing.toml"], "CNN model file missing.toml not found"),
    (["--epochs", "0"], "--epochs must be between 1"),
])
def test_cli_bad_flags_are_one_line_errors(args, message):
    result = CliRunner().invoke(cli, ["train", *args])
    assert result.exit_code == 2
    assert message in result.output
    assert result.output.count("\n") == 1


def test_the_docs_example_config_is_valid():
    """The TOML example in docs/train.md parses, as the 8k model."""
    import re
    import tomllib
    from pathlib import Path

    page = (Path(__file__).resolve().parents[1] / "docs" / "train.md").read_text(encoding="utf-8")
    example = re.search(r"```toml\n(.*?)```", page, re.S).group(1)
    config = parse_config(tomllib.loads(example), "docs/train.md")
    builtin = load_config("8k")
    assert (config.model, config.training, config.augment) == (builtin.model, builtin.training, builtin.augment)
