"""The PyTorch model against its plan: parameter counts, output shapes, feature-map sizes."""

from __future__ import annotations

import pytest

from cnn.config import load_config, layer_plan, parameter_count
from conftest import need_torch

BUDGETS = {"8k": 8_000, "20k": 20_000}


@pytest.fixture(scope="module")
def torch():
    need_torch()
    import torch

    return torch


@pytest.mark.parametrize("name, budget", BUDGETS.items())
def test_pytorch_counts_what_the_plan_counts_within_budget(torch, name, budget):
    from cnn.model import Net

    config = load_config(name)
    net = Net(config.model)
    counted = sum(p.numel() for p in net.parameters() if p.requires_grad)
    assert counted == parameter_count(config.model)
    assert counted < budget
    kinds = {type(m).__name__ for m in net.modules()}
    assert {"BatchNorm2d", "Dropout", "AdaptiveAvgPool2d"} <= kinds
    assert "Linear" not in kinds


@pytest.mark.parametrize("name", BUDGETS)
@pytest.mark.parametrize("batch", [1, 5])
def test_output_shape_is_ten_logits_per_image(torch, name, batch):
    from cnn.model import Net

    net = Net(load_config(name).model).eval()
    assert net(torch.zeros(batch, 1, 28, 28)).shape == (batch, 10)


@pytest.mark.parametrize("name", BUDGETS)
def test_feature_maps_have_the_planned_sizes(torch, name):
    from cnn.model import Net

    config = load_config(name)
    net = Net(config.model).eval()
    shapes = []
    for module in net.modules():
        if isinstance(module, (torch.nn.Conv2d, torch.nn.MaxPool2d, torch.nn.AdaptiveAvgPool2d)):
            module.register_forward_hook(lambda m, i, out: shapes.append(tuple(out.shape[1:])))
    net(torch.zeros(2, 1, 28, 28))
    planned = [(layer.channels_out, layer.output_size, layer.output_size) for layer in layer_plan(config.model)]
    assert shapes == planned


def test_weight_average_warms_up_then_decays(torch):
    from cnn.model import WeightAverage

    live = torch.nn.Linear(1, 1, bias=False)
    torch.nn.init.zeros_(live.weight)
    average = WeightAverage(live, decay=0.999)
    with torch.no_grad():
        live.weight.fill_(1.0)
    average.update()  # first update: decay (1 + 1) / (10 + 1) = 2/11, so the average moves 9/11 of the way
    assert average.model.weight.item() == pytest.approx(9 / 11)
