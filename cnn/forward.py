"""The trained model of a run folder, on one digit: predict() and the layer-by-layer forward pass.

    predict(run_dir, pixels)       the 10 probabilities PyTorch gives for a 28 × 28 image of raw 0–255 intensities
    forward_pass(run_dir, digit)   every layer's parameters and output for test image `digit` (the CNN Forward sheet)

Both run the model of model.pt in eval mode (BatchNorm uses its running statistics, Dropout does nothing) and
in float64, the precision of a spreadsheet. The model is built from architecture.json with the same layer plan
as training (cnn.config.layer_plan) and must match model.pt exactly, or RunFolderError says what differs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from cnn.config import IMAGE_SIZE, Layer, model_from_layers
from cnn.data import MEAN, STD
from cnn.model import Net
from cnn.runfolder import MODEL_FILE, Digit, read_digit, read_run
from network.errors import ConfigError, RunFolderError


@dataclass(frozen=True)
class BatchNorm:
    """One BatchNorm's evaluation parameters, per channel: y = (x − mean)/√(var + eps)·gamma + beta."""

    mean: np.ndarray
    var: np.ndarray
    gamma: np.ndarray
    beta: np.ndarray
    eps: float


@dataclass(frozen=True, eq=False)
class LayerPass:
    """One layer of the plan with its trained parameters (float64 copies) and its output on the digit.

    output is (channels, size, size): after BatchNorm and ReLU for a 3×3 convolution; the maps of a max-pool;
    (channels, 1, 1) for gap; the 10 logits as (10, 1, 1) for the head.
    """

    layer: Layer
    weight: np.ndarray | None  # a convolution's (c_out, c_in, k, k) kernels
    bias: np.ndarray | None  # the head's (10,) biases
    batchnorm: BatchNorm | None
    output: np.ndarray


@dataclass(frozen=True, eq=False)
class ForwardPass:
    """The whole pass on one test image: input, normalisation, every layer, the softmax."""

    digit: Digit
    mean: float  # normalisation: x = (pixel/255 − mean)/std
    std: float
    normalised: np.ndarray  # (28, 28)
    layers: tuple[LayerPass, ...]
    exps: np.ndarray  # (10,) e^(z − max z): the stable softmax's numerators
    probabilities: np.ndarray  # (10,)

    @property
    def logits(self) -> np.ndarray:
        return self.layers[-1].output.reshape(-1)


def predict(run_dir: str | Path, pixels) -> np.ndarray:
    """The 10 probabilities (digits 0–9) of the run's model for `pixels`, a 28 × 28 array of raw intensities
    0 (paper) to 255 (ink), normalised as in training. ValueError for another shape; RunFolderError as in
    load_model()."""
    image = np.asarray(pixels, dtype=np.float64)
    if image.shape != (IMAGE_SIZE, IMAGE_SIZE):
        raise ValueError(f"pixels must be a {IMAGE_SIZE} × {IMAGE_SIZE} array, not {image.shape}")
    net = load_model(run_dir)
    with torch.inference_mode():
        logits = net(_normalise(image)[None, None])
    return torch.softmax(logits[0], dim=0).numpy()


def forward_pass(run_dir: str | Path, digit: int) -> ForwardPass:
    """Test image `digit` of the run folder's test_digits.csv through every layer of the run's model."""
    image = read_digit(Path(run_dir), digit)
    layers, net = _load(Path(run_dir))
    x = _normalise(np.asarray(image.pixels, dtype=np.float64))
    passes = []
    with torch.inference_mode():
        outputs = iter(_feature_outputs(net, x[None, None]))
        convs = iter(m for m in net.features if isinstance(m, nn.Conv2d))
        norms = iter(m for m in net.features if isinstance(m, nn.BatchNorm2d))
        for layer in layers[:-2]:
            out = next(outputs)
            if layer.kind == "conv":
                passes.append(LayerPass(layer, _array(next(convs).weight), None, _batchnorm(next(norms)), out))
            else:
                passes.append(LayerPass(layer, None, None, None, out))
        features = torch.as_tensor(passes[-1].output)[None]
        pooled = net.gap(features)
        logits = net.head(pooled)
        gap, head = layers[-2:]
        passes.append(LayerPass(gap, None, None, None, _array(pooled[0])))
        passes.append(LayerPass(head, _array(net.head.weight), _array(net.head.bias), None, _array(logits[0])))
        z = logits.reshape(-1)
        exps = torch.exp(z - z.max())
        probabilities = torch.softmax(z, dim=0)
    for p in passes:
        expected = (p.layer.channels_out, p.layer.output_size, p.layer.output_size)
        assert p.output.shape == expected, (p.layer.name, p.output.shape, expected)
    return ForwardPass(image, MEAN, STD, _array(x), tuple(passes), _array(exps), _array(probabilities))


def load_model(run_dir: str | Path) -> Net:
    """The run's Net with the weights of model.pt, in eval mode and float64.

    RunFolderError when the folder or a file is missing or damaged, when architecture.json does not describe
    a model of cnn.model, or when model.pt does not match it (a missing or extra tensor, another shape).
    """
    return _load(Path(run_dir))[1]


def _load(run_dir: Path) -> tuple[tuple[Layer, ...], Net]:
    """The layers of architecture.json and the model built from them with the weights of model.pt."""
    layers = read_run(run_dir).layers
    try:
        config = model_from_layers(layers)
    except ConfigError as exc:
        raise RunFolderError(f"{run_dir / 'architecture.json'}: {exc}") from None
    path = run_dir / MODEL_FILE
    if not path.is_file():
        raise RunFolderError(f"{path} not found: the run folder is incomplete (did the training finish?)")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many kinds (pickle, zip, RuntimeError) for a damaged file
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise RunFolderError(f"{path}: cannot load it ({reason})") from None
    net = Net(config)
    _check_matches(state, net.state_dict(), path)
    net.load_state_dict(state)
    return layers, net.double().eval()


def _check_matches(state: object, expected: dict, path: Path) -> None:
    """RunFolderError naming the first tensor in which model.pt and the architecture differ."""
    where = f"{path} does not match architecture.json"
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise RunFolderError(f"{path}: expected a state_dict (names -> tensors), as `backprop-sheet train` saves it")
    for name, tensor in expected.items():
        if name not in state:
            raise RunFolderError(f"{where}: it lacks {name} {tuple(tensor.shape)}")
        if tuple(state[name].shape) != tuple(tensor.shape):
            raise RunFolderError(
                f"{where}: {name} is {tuple(state[name].shape)} there, {tuple(tensor.shape)} by the architecture"
            )
    extra = sorted(set(state) - set(expected))
    if extra:
        raise RunFolderError(f"{where}: it holds {extra[0]} {tuple(state[extra[0]].shape)}, which the architecture lacks")


def _feature_outputs(net: Net, x: torch.Tensor) -> list[np.ndarray]:
    """The output of each convolution (after its BatchNorm and ReLU) and of each max-pool, in order."""
    outputs = []
    for module in net.features:
        x = module(x)
        if isinstance(module, (nn.ReLU, nn.MaxPool2d)):
            outputs.append(_array(x[0]))
    return outputs


def _batchnorm(bn: nn.BatchNorm2d) -> BatchNorm:
    return BatchNorm(_array(bn.running_mean), _array(bn.running_var), _array(bn.weight), _array(bn.bias), bn.eps)


def _normalise(image: np.ndarray) -> torch.Tensor:
    """Raw intensities -> the network's input, (x/255 − MEAN)/STD in float64 (cnn.data.normalise's constants)."""
    return (torch.as_tensor(image, dtype=torch.float64) / 255 - MEAN) / STD


def _array(t: torch.Tensor) -> np.ndarray:
    return t.detach().to(torch.float64).numpy().copy()
