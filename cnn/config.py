"""The CNN configuration: model shape, training schedule and augmentation, from a TOML file.

Everything here is plain Python (no torch), so the shapes of a configuration can be checked,
and its layers listed for the workbook, before torch is even imported.

A model is a list of *blocks* of 3×3 convolutions (each followed by BatchNorm and ReLU); a 2×2
max-pool sits between consecutive blocks, Dropout after each max-pool and after the last block; then
global average pooling and a 1×1 convolution to the 10 classes replace a big fully connected layer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path

from network.errors import ConfigError
from network.tomlfile import read_toml

DEFAULT_MODEL = "8k"
IMAGE_SIZE = 28
N_CLASSES = 10
SCHEDULERS = ("onecycle", "step")


@dataclass(frozen=True)
class ModelConfig:
    """The network: 3×3 convolution widths per block, their padding, and the dropout rate."""

    blocks: tuple[tuple[int, ...], ...]  # e.g. ((16,), (16, 16, 16)): conv widths, max-pool between blocks
    padding: tuple[int, ...]  # padding of the 3×3 convolutions, one value per block
    dropout: float  # after each max-pool and before the global average pooling


@dataclass(frozen=True)
class TrainConfig:
    """The optimiser and schedule: SGD with Nesterov momentum, OneCycle or Step learning rate."""

    epochs: int
    batch_size: int
    lr: float  # OneCycle: the peak rate; Step: the starting rate
    momentum: float
    weight_decay: float
    scheduler: str  # "onecycle" or "step"
    step_size: int  # Step scheduler: epochs between decays
    gamma: float  # Step scheduler: factor per decay
    ema_decay: float  # exponential moving average of the weights used for evaluation; 0 turns it off
    seed: int


@dataclass(frozen=True)
class AugmentConfig:
    """Random affine transform applied per training image: rotation, shift, crop-and-resize."""

    rotation: float  # degrees, uniform in ±rotation
    shift: float  # fraction of the image size, uniform in ±shift along each axis
    crop_scale: float  # 1.0: off; s < 1: crop a random square of side in [s, 1] and resize it to 28×28


@dataclass(frozen=True)
class CnnConfig:
    """A whole CNN configuration, as a template under templates/cnn-*.toml describes it."""

    name: str
    description: str
    model: ModelConfig
    training: TrainConfig
    augment: AugmentConfig


@dataclass(frozen=True)
class Layer:
    """One shape-changing layer, as the CNN Architecture sheet lists it.

    kind is "conv" (a convolution, with BatchNorm when batchnorm is True), "maxpool" or "gap"
    (global average pooling: a kernel as large as its input). Sizes are the side of a square map.
    """

    name: str
    kind: str
    kernel: int
    stride: int
    padding: int
    channels_in: int
    channels_out: int
    bias: bool
    batchnorm: bool
    input_size: int

    @property
    def output_size(self) -> int:
        return (self.input_size + 2 * self.padding - self.kernel) // self.stride + 1

    @property
    def params(self) -> int:
        if self.kind != "conv":
            return 0
        weights = self.kernel * self.kernel * self.channels_in * self.channels_out
        return weights + self.channels_out * (int(self.bias) + 2 * int(self.batchnorm))


def builtin_configs() -> list[str]:
    """Names of the CNN configurations shipped with the package (templates/cnn-NAME.toml)."""
    files = resources.files("templates")
    names = (p.name for p in files.iterdir())
    return sorted(n[len("cnn-") : -len(".toml")] for n in names if n.startswith("cnn-") and n.endswith(".toml"))


def load_config(name_or_path: str | Path = DEFAULT_MODEL) -> CnnConfig:
    """Load a built-in configuration by name (`8k`, `20k`) or a TOML file by path; validate it."""
    builtin = {name: f"cnn-{name}.toml" for name in builtin_configs()}
    data, source = read_toml(str(name_or_path), builtin, "CNN model", ConfigError)
    return parse_config(data, source)


def parse_config(data: dict, source: str = "config") -> CnnConfig:
    """Validate parsed TOML; every error names the key. The shapes are checked too (see layer_plan)."""
    _no_unknown(data, {"name", "description", "model", "training", "augment"}, source, "")
    model_data = _table(data, "model", source)
    train_data = _table(data, "training", source)
    augment_data = _table(data, "augment", source)
    _no_unknown(model_data, {"blocks", "padding", "dropout"}, source, "model.")
    _no_unknown(train_data, set(TrainConfig.__dataclass_fields__), source, "training.")
    _no_unknown(augment_data, set(AugmentConfig.__dataclass_fields__), source, "augment.")

    blocks = _blocks(model_data.get("blocks"), f"{source}: model.blocks")
    padding = model_data.get("padding", [0] * len(blocks))
    if not isinstance(padding, list) or len(padding) != len(blocks):
        raise ConfigError(f"{source}: model.padding must list one value per block ({len(blocks)})")
    config = CnnConfig(
        name=str(data.get("name", Path(source).stem)),
        description=str(data.get("description", "")),
        model=ModelConfig(
            blocks=blocks,
            padding=tuple(_int(p, f"{source}: model.padding", 0, 2) for p in padding),
            dropout=_number(model_data.get("dropout", 0.0), f"{source}: model.dropout", 0.0, 0.9),
        ),
        training=_training(train_data, source),
        augment=AugmentConfig(
            rotation=_number(augment_data.get("rotation", 0.0), f"{source}: augment.rotation", 0.0, 180.0),
            shift=_number(augment_data.get("shift", 0.0), f"{source}: augment.shift", 0.0, 0.5),
            crop_scale=_number(augment_data.get("crop_scale", 1.0), f"{source}: augment.crop_scale", 0.3, 1.0),
        ),
    )
    layer_plan(config.model)
    return config


def with_overrides(config: CnnConfig, **overrides: object) -> CnnConfig:
    """The config with command-line values (epochs, batch_size, lr, seed, dropout, scheduler) applied.

    None means "not given". Values are validated as if they came from the TOML file.
    """
    training = {k: v for k, v in overrides.items() if v is not None and k in TrainConfig.__dataclass_fields__}
    merged = {**config.training.__dict__, **training}
    new = replace(config, training=_training(merged, "command line", flag_style=True))
    if overrides.get("dropout") is not None:
        dropout = _number(overrides["dropout"], "--dropout", 0.0, 0.9)
        new = replace(new, model=replace(new.model, dropout=dropout))
    return new


def layer_plan(model: ModelConfig) -> tuple[Layer, ...]:
    """The shape-changing layers of the model, in order; ConfigError names the first that does not fit.

    conv1, conv2, … are the 3×3 convolutions (BatchNorm and ReLU after each), pool1, … the 2×2
    max-pools between blocks, gap the global average pooling, head the final 1×1 convolution.
    """
    layers: list[Layer] = []
    size, channels, n_conv = IMAGE_SIZE, 1, 0
    for b, (widths, pad) in enumerate(zip(model.blocks, model.padding), start=1):
        if b > 1:
            layers.append(_fit(Layer(f"pool{b - 1}", "maxpool", 2, 2, 0, channels, channels, False, False, size)))
            size = layers[-1].output_size
        for width in widths:
            n_conv += 1
            layers.append(_fit(Layer(f"conv{n_conv}", "conv", 3, 1, pad, channels, width, False, True, size)))
            size, channels = layers[-1].output_size, width
    layers.append(Layer("gap", "gap", size, 1, 0, channels, channels, False, False, size))
    layers.append(Layer("head", "conv", 1, 1, 0, channels, N_CLASSES, True, False, 1))
    return tuple(layers)


def model_from_layers(layers: tuple[Layer, ...]) -> ModelConfig:
    """The ModelConfig whose layer_plan is `layers` (as a run folder's architecture.json lists them).

    The inverse of layer_plan; dropout is 0 (it does nothing at evaluation). ConfigError when no model
    of this module has these layers (a layer list edited by hand, or one of another shape).
    """
    blocks: list[list[int]] = [[]]
    padding: list[int] = []
    for layer in layers[:-2]:  # everything before gap and head
        if layer.kind == "maxpool":
            blocks.append([])
        elif layer.kind == "conv":
            if not blocks[-1]:
                padding.append(layer.padding)
            blocks[-1].append(layer.channels_out)
    if all(blocks) and len(padding) == len(blocks):
        model = ModelConfig(tuple(map(tuple, blocks)), tuple(padding), dropout=0.0)
        if layer_plan(model) == tuple(layers):
            return model
    raise ConfigError(
        "these layers are not a model of blocks of 3×3 convolutions with BatchNorm and ReLU, 2×2 max-pools "
        "between blocks, global average pooling and a 1×1 convolution to the 10 digits"
    )


def receptive_fields(layers: tuple[Layer, ...]) -> tuple[tuple[int, int], ...]:
    """(jump, receptive field) after each layer, from j = r = 1 at the input.

    j_out = j_in · s (distance in input pixels between neighbouring outputs) and
    r_out = r_in + (k − 1) · j_in (input pixels one output sees).
    """
    jump, field, out = 1, 1, []
    for layer in layers:
        jump, field = jump * layer.stride, field + (layer.kernel - 1) * jump
        out.append((jump, field))
    return tuple(out)


def parameter_count(model: ModelConfig) -> int:
    """Trainable parameters, counted the way PyTorch counts them (conv weights, biases, BN γ and β)."""
    return sum(layer.params for layer in layer_plan(model))


def _fit(layer: Layer) -> Layer:
    if layer.output_size < 1:
        raise ConfigError(
            f"layer {layer.name} ({layer.kind} {layer.kernel}×{layer.kernel}, padding {layer.padding}) gets a "
            f"{layer.input_size}×{layer.input_size} input and would output "
            f"{layer.output_size}×{layer.output_size}; remove a convolution, add padding or move a max-pool"
        )
    return layer


def _training(data: dict, source: str, flag_style: bool = False) -> TrainConfig:
    def key(name: str) -> str:
        return f"--{name.replace('_', '-')}" if flag_style else f"{source}: training.{name}"

    scheduler = data.get("scheduler", "onecycle")
    if scheduler not in SCHEDULERS:
        raise ConfigError(f"{key('scheduler')} must be one of {', '.join(SCHEDULERS)}, not {scheduler!r}")
    return TrainConfig(
        epochs=_int(data.get("epochs", 15), key("epochs"), 1, 1000),
        batch_size=_int(data.get("batch_size", 128), key("batch_size"), 1, 60_000),
        lr=_number(data.get("lr", 0.1), key("lr"), 1e-6, 10.0),
        momentum=_number(data.get("momentum", 0.9), key("momentum"), 0.0, 0.999),
        weight_decay=_number(data.get("weight_decay", 0.0), key("weight_decay"), 0.0, 0.1),
        scheduler=scheduler,
        step_size=_int(data.get("step_size", 5), key("step_size"), 1, 1000),
        gamma=_number(data.get("gamma", 0.1), key("gamma"), 1e-6, 1.0),
        ema_decay=_number(data.get("ema_decay", 0.0), key("ema_decay"), 0.0, 0.99999),
        seed=_int(data.get("seed", 1), key("seed"), 0, 2**32 - 1),
    )


def _table(data: dict, name: str, source: str) -> dict:
    table = data.get(name, {})
    if not isinstance(table, dict):
        raise ConfigError(f"{source}: [{name}] must be a table")
    return table


def _no_unknown(data: dict, allowed: set[str], source: str, prefix: str) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ConfigError(f"{source}: unknown key {prefix}{unknown[0]}; allowed: {', '.join(sorted(allowed))}")


def _blocks(value: object, key: str) -> tuple[tuple[int, ...], ...]:
    ok = isinstance(value, list) and value and all(isinstance(b, list) and b for b in value)
    if not ok:
        raise ConfigError(f"{key} must be a list of blocks, each a list of channel widths, e.g. [[16], [16, 16]]")
    return tuple(tuple(_int(w, key, 1, 1024) for w in block) for block in value)  # type: ignore[union-attr]


def _int(value: object, key: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{key} must be a whole number, not {value!r}")
    if not low <= value <= high:
        raise ConfigError(f"{key} must be between {low} and {high}, not {value}")
    return value


def _number(value: object, key: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ConfigError(f"{key} must be a finite number, not {value!r}")
    if not low <= value <= high:
        raise ConfigError(f"{key} must be between {low} and {high}, not {value}")
    return float(value)
