"""The CNN itself, built layer by layer from the plan in cnn.config (so the workbook and the model agree)."""

from __future__ import annotations

import copy

import torch
from torch import nn

from cnn.config import ModelConfig, layer_plan


class Net(nn.Module):
    """Blocks of 3×3 conv → BatchNorm → ReLU; max-pools between blocks; Dropout after each max-pool and
    before the global average pooling; then a 1×1 conv head.

    Dropout sits on the pooled (small) maps rather than after every convolution: on a CPU, drawing a
    random mask for every activation of the 26×26 maps costs a fifth of the training time.
    """

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        plan = layer_plan(config)
        for layer in plan[:-2]:  # everything before gap and head
            if layer.kind == "maxpool":
                layers += [nn.MaxPool2d(layer.kernel, layer.stride), nn.Dropout(config.dropout)]
                continue
            layers += [
                nn.Conv2d(layer.channels_in, layer.channels_out, layer.kernel, layer.stride, layer.padding, bias=False),
                nn.BatchNorm2d(layer.channels_out),
                nn.ReLU(inplace=True),
            ]
        layers.append(nn.Dropout(config.dropout))
        self.features = nn.Sequential(*layers)
        self.gap = nn.AdaptiveAvgPool2d(1)
        head = plan[-1]
        self.head = nn.Conv2d(head.channels_in, head.channels_out, 1, bias=head.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, 1, 28, 28) normalised images -> (B, 10) logits."""
        return self.head(self.gap(self.features(x))).flatten(1)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


class WeightAverage:
    """An exponential moving average of a model's weights and BatchNorm statistics, for evaluation.

    The decay warms up as min(decay, (1 + n) / (10 + n)) after n updates, so the early average is not
    dominated by the random initial weights.
    """

    def __init__(self, model: nn.Module, decay: float) -> None:
        self.model = copy.deepcopy(model).eval()
        for p in self.model.parameters():
            p.requires_grad_(False)
        self.decay = decay
        self.updates = 0
        pairs = [(a, b) for a, b in zip(self.model.state_dict().values(), model.state_dict().values())]
        self._floats = [(a, b) for a, b in pairs if a.is_floating_point()]
        self._counters = [(a, b) for a, b in pairs if not a.is_floating_point()]

    @torch.no_grad()
    def update(self) -> None:
        self.updates += 1
        decay = min(self.decay, (1 + self.updates) / (10 + self.updates))
        averaged, live = zip(*self._floats)
        torch._foreach_lerp_(list(averaged), list(live), 1 - decay)
        for a, b in self._counters:
            a.copy_(b)
