"""The general NumPy reference (network/reference.py) against oracles that share no code with it.

- torch.autograd (float64) on the same networks, written the way a PyTorch user would: matrix products,
  torch's activations and its loss functions, one optimiser step per iteration, one learning rate at a time;
- central finite differences of E_total, computed by a plain-Python forward pass written below;
- the classic network (era-s6, mazur): the same Network under the classic sheets' columns;
- XOR's truth table, which templates/networks/xor.toml must learn.
"""

from __future__ import annotations

import itertools
import math
import time

import numpy as np
import pytest

import network
from network import reference
from conftest import need_torch
from network import layout
from excelgen.errors import TemplateError
from network import load_network
from network.names import Kind

HIDDEN = ("sigmoid", "tanh", "relu", "linear")
OUTPUTS = (  # (output activation, loss, how many outputs it allows)
    ("sigmoid", "half-squared-error", range(1, 5)),
    ("tanh", "half-squared-error", range(1, 5)),
    ("relu", "half-squared-error", range(1, 5)),
    ("linear", "half-squared-error", range(1, 5)),
    ("softmax", "half-squared-error", range(2, 5)),
    ("softmax", "cross-entropy", range(2, 5)),
    ("sigmoid", "cross-entropy", range(1, 2)),
)


def random_template(seed: int, updates: int = 50) -> dict:
    """A network drawn at random: 1-3 hidden layers of 1-4 neurons, 1-4 inputs, every output/loss pairing,
    1-8 examples, trained or fixed biases (given or not), two learning rates."""
    rng = np.random.default_rng(seed)
    output, loss, widths = OUTPUTS[seed % len(OUTPUTS)]  # every pairing, in turn
    hidden = [int(n) for n in rng.integers(1, 5, size=rng.integers(0, 4))]
    layers = [int(rng.integers(1, 5)), *hidden, int(rng.choice(list(widths)))]
    n_out, n_examples = layers[-1], int(rng.integers(1, 9))
    examples = []
    for _ in range(n_examples):
        if output == "softmax" and loss == "cross-entropy":
            targets = rng.dirichlet(np.ones(n_out))  # a distribution
        elif output == "softmax" or loss == "cross-entropy":
            targets = rng.uniform(0, 1, n_out)
        else:
            targets = rng.uniform(-1, 1, n_out)
        examples.append({"inputs": rng.uniform(-1, 1, layers[0]).tolist(), "targets": targets.tolist()})
    template = {
        "name": f"random-{seed}",
        "iterations": updates,
        "learning_rates": sorted(rng.uniform(0.02, 0.3, 2).tolist()),
        "layers": layers,
        "activations": [str(rng.choice(HIDDEN)) for _ in hidden] + [output],
        "loss": loss,
        "train_biases": bool(rng.integers(2)),
        "examples": examples,
        "weights": [rng.uniform(-1, 1, (n, m)).tolist() for m, n in zip(layers, layers[1:])],
    }
    if rng.integers(3):  # now and then no biases at all
        template["biases"] = [rng.uniform(-0.5, 0.5, n).tolist() for n in layers[1:]]
    return template


RANDOM = [pytest.param(seed, id=f"random-{seed}") for seed in range(35)]


def test_the_random_networks_cover_every_choice():
    nets = [network.parse_network(random_template(seed)) for seed in range(35)]
    assert {f for n in nets for f in n.activations} == {"sigmoid", "tanh", "relu", "linear", "softmax"}
    assert {(n.activations[-1], n.loss) for n in nets} == {(f, loss) for f, loss, _ in OUTPUTS}
    assert {len(n.examples) for n in nets} >= {1, 8} and {n.train_biases for n in nets} == {True, False}
    assert {len(n.layers) for n in nets} == {2, 3, 4, 5}


# ---------------------------------------------------------------- torch.autograd


def torch_training(template: dict, rate: float):
    """(E_total before each update, the weights and biases before each update) by torch.autograd, one rate."""
    need_torch()
    import torch

    f64 = torch.float64
    x = torch.tensor([e["inputs"] for e in template["examples"]], dtype=f64)  # (examples, inputs)
    t = torch.tensor([e["targets"] for e in template["examples"]], dtype=f64)
    ws = [torch.tensor(m, dtype=f64, requires_grad=True) for m in template["weights"]]
    given = template.get("biases") or [[0.0] * n for n in template["layers"][1:]]
    bs = [torch.tensor(b, dtype=f64, requires_grad=template["train_biases"]) for b in given]
    acts = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu, "linear": lambda z: z}
    params = ws + (bs if template["train_biases"] else [])
    optimiser = torch.optim.SGD(params, lr=rate)
    losses, snapshots = [], []
    for _ in range(template["iterations"] + 1):
        a, z = x, None
        for f, w, b in zip(template["activations"], ws, bs):
            z = a @ w.T + b
            a = torch.softmax(z, dim=1) if f == "softmax" else acts[f](z)
        if template["loss"] == "half-squared-error":
            loss = (0.5 * (t - a) ** 2).sum(dim=1).mean()
        elif template["activations"][-1] == "softmax":
            loss = torch.nn.functional.cross_entropy(z, t)  # probability targets, mean over the examples
        else:
            loss = torch.nn.functional.binary_cross_entropy_with_logits(z, t)
        losses.append(loss.item())
        snapshots.append([p.detach().numpy().copy() for p in ws + bs])
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    return np.array(losses), snapshots


@pytest.mark.parametrize("seed", RANDOM)
def test_training_matches_torch_autograd(seed):
    template = random_template(seed)
    net = network.parse_network(template)
    columns = net.columns()
    rows = np.stack(list(network.iteration_rows(net)), axis=2)  # (rates, columns, iterations + 1)
    by = {c.header: rows[:, i, :] for i, c in enumerate(columns)}
    for r, rate in enumerate(net.learning_rates):
        losses, snapshots = torch_training(template, rate)
        np.testing.assert_allclose(by["E_total"][r], losses, rtol=1e-9, atol=1e-300)
        for c in columns:
            if c.kind == Kind.WEIGHT:
                expected = [s[c.layer - 1][c.neuron - 1, c.source - 1] for s in snapshots]
            elif c.kind == Kind.BIAS:
                expected = [s[len(net.activations) + c.layer - 1][c.neuron - 1] for s in snapshots]
            else:
                continue
            np.testing.assert_allclose(by[c.header][r], expected, rtol=1e-9, atol=1e-12, err_msg=c.header)


# ---------------------------------------------------------------- finite differences


def plain_e_total(template: dict, weights: list, biases: list) -> float:
    """E_total in plain Python floats and math: a loop per neuron, the textbook formulas."""
    act = {"sigmoid": lambda z: 1 / (1 + math.exp(-z)), "tanh": math.tanh, "relu": lambda z: max(z, 0.0),
           "linear": lambda z: z}
    total = 0.0
    for ex in template["examples"]:
        a = list(ex["inputs"])
        for f, w, b in zip(template["activations"], weights, biases):
            z = [sum(wjk * ak for wjk, ak in zip(row, a)) + bj for row, bj in zip(w, b)]
            if f == "softmax":
                m = max(z)
                s = sum(math.exp(v - m) for v in z)
                a = [math.exp(v - m) / s for v in z]
            else:
                a = [act[f](v) for v in z]
        t = ex["targets"]
        if template["loss"] == "half-squared-error":
            total += sum(0.5 * (tj - aj) ** 2 for tj, aj in zip(t, a))
        elif template["activations"][-1] == "softmax":
            total += -sum(tj * math.log(aj) for tj, aj in zip(t, a))
        else:
            total += -(t[0] * math.log(a[0]) + (1 - t[0]) * math.log(1 - a[0]))
    return total / len(template["examples"])


FD_SEEDS = [0, 1, 2, 4, 5, 6, 9]  # every output/loss pairing; no relu whose z sits on its kink (checked below)


@pytest.mark.parametrize("seed", FD_SEEDS)
def test_gradients_match_central_finite_differences(seed):
    template = random_template(seed, updates=1) | {"train_biases": True}
    net = network.parse_network(template)
    weights = [[list(row) for row in m] for m in net.weights]
    biases = [list(b) for b in net.biases]
    row = next(network.iteration_rows(net))[0]  # iteration 0, the first learning rate
    h = 1e-6
    checked = 0
    for i, c in enumerate(net.columns()):
        if c.kind not in (Kind.GRAD_WEIGHT, Kind.GRAD_BIAS):
            continue
        def shifted(d: float) -> float:
            w = [[list(r) for r in m] for m in weights]
            b = [list(v) for v in biases]
            if c.kind == Kind.GRAD_WEIGHT:
                w[c.layer - 1][c.neuron - 1][c.source - 1] += d
            else:
                b[c.layer - 1][c.neuron - 1] += d
            return plain_e_total(template, w, b)
        numeric = (shifted(h) - shifted(-h)) / (2 * h)
        assert row[i] == pytest.approx(numeric, rel=1e-6, abs=1e-8), c.header
        checked += 1
    assert checked == sum(a * b + b for a, b in zip(net.layers, net.layers[1:]))


def test_the_finite_difference_networks_stay_off_relus_kink():
    for seed in FD_SEEDS:
        net = network.parse_network(random_template(seed, updates=1) | {"train_biases": True})
        row = next(network.iteration_rows(net))[0]
        for i, c in enumerate(net.columns()):
            if c.kind == Kind.Z and net.activations[c.layer - 1] == "relu":
                assert abs(row[i]) > 1e-3, (seed, c.header)


def test_plain_e_total_agrees_with_the_reference_at_iteration_0():
    for seed in FD_SEEDS:
        template = random_template(seed, updates=1)
        net = network.parse_network(template)
        e_total = network.trajectory(net)["E_total"][0, 0]
        assert e_total == pytest.approx(plain_e_total(template, net.weights, net.biases), rel=1e-12)


# ---------------------------------------------------------------- the classic network


@pytest.mark.parametrize("template", ["era-s6", "mazur"])
def test_the_classic_template_is_one_network_with_the_sheets_columns(template):
    """The classic sheets and verify read the same Network (their saved values are pinned in test_classic_pinned.py,
    the reference on it is checked against torch and Mazur's figures in test_reference.py)."""
    net = network.load_network(template)
    assert net == load_network(template) and net.classic
    assert [c.header for c in net.columns()] == list(layout.HEADERS)
    assert list(network.trajectory(net)) == list(layout.HEADERS)


# ---------------------------------------------------------------- the shipped templates


def test_xor_learns_the_truth_table():
    net = network.load_network("xor")
    final = network.trajectory(net)
    best = int(np.argmin(final["E_total"][:, -1]))
    outputs = [final[f"a_2_1[e{e}]"][best, -1] for e in range(1, 5)]
    truth = [int(a) != int(b) for (a, b) in itertools.product((0, 1), repeat=2)]
    assert [ex.inputs for ex in net.examples] == [(0, 0), (0, 1), (1, 0), (1, 1)]
    assert [round(o) for o in outputs] == truth
    assert all(abs(o - t) < 0.1 for o, t in zip(outputs, truth))  # clearly, not just on the right side of 0.5


def test_softmax_template_learns_its_classes():
    net = network.load_network("softmax")
    final = network.trajectory(net)
    best = int(np.argmin(final["E_total"][:, -1]))
    for e, ex in enumerate(net.examples, start=1):
        probabilities = [final[f"a_2_{j}[e{e}]"][best, -1] for j in (1, 2, 3)]
        assert sum(probabilities) == pytest.approx(1, abs=1e-12)
        assert int(np.argmax(probabilities)) == ex.targets.index(1) and max(probabilities) > 0.9


# ---------------------------------------------------------------- numerics and the loop


def test_softmax_subtracts_the_max():
    template = {"iterations": 1, "learning_rates": [0.1], "layers": [1, 2], "activations": ["softmax"],
                "loss": "cross-entropy", "examples": [{"inputs": [1.0], "targets": [1, 0]}],
                "weights": [[[1000.0], [990.0]]]}  # e^1000 overflows a float
    row = dict(zip((c.header for c in network.parse_network(template).columns()),
                   next(network.iteration_rows(network.parse_network(template)))[0]))
    assert row["a_1_1"] == pytest.approx(1 / (1 + math.exp(-10)), rel=1e-14)
    assert row["a_1_2"] == pytest.approx(math.exp(-10) / (1 + math.exp(-10)), rel=1e-12)
    assert row["δ_1_2"] == pytest.approx(row["a_1_2"], rel=1e-15)  # δ = a − t, t = 0


@pytest.mark.parametrize("z, derivative", [(-0.5, 0.0), (0.0, 0.0), (0.5, 1.0)])
def test_relu_derivative_is_one_above_zero_else_zero(z, derivative):
    template = {"iterations": 1, "learning_rates": [0.1], "layers": [1, 1], "activations": ["relu"],
                "examples": [{"inputs": [1.0], "targets": [-1.0]}], "weights": [[[z]]]}
    net = network.parse_network(template)
    row = dict(zip((c.header for c in net.columns()), next(network.iteration_rows(net))[0]))
    assert row["δ_1_1"] == (max(z, 0.0) - (-1.0)) * derivative  # δ = (a − t) · relu'(z)


def test_rows_stream_one_iteration_at_a_time():
    net = network.load_network("xor").with_options(iterations=100_000)
    start = time.perf_counter()
    rows = network.iteration_rows(net)
    first = [next(rows) for _ in range(3)]
    assert time.perf_counter() - start < 5  # not the 100,000 iterations first
    assert [r.shape for r in first] == [(3, len(net.columns()))] * 3
    assert [r[0, 0] for r in first] == [0.0, 1.0, 2.0]


def test_a_learning_rate_far_too_large_is_a_template_error():
    net = network.load_network("xor").with_options(learning_rates=(1e300,))
    with pytest.raises(TemplateError, match=r"the weights overflow at iteration \d+ with learning rates \[1e\+300\]"):
        list(network.iteration_rows(net))


def _read(c, k, p, f, g) -> np.ndarray:
    """A column's values (one per learning rate) read field by field from iteration k's arrays."""
    l, j, s, e = c.layer, c.neuron, c.source, c.example
    return {
        Kind.ITERATION: lambda: np.full(f.E_total.shape, float(k)),
        Kind.WEIGHT: lambda: p.w[l - 1][:, j - 1, s - 1],
        Kind.BIAS: lambda: p.b[l - 1][:, j - 1],
        Kind.Z: lambda: f.z[l - 1][:, e - 1, j - 1],
        Kind.A: lambda: f.a[l - 1][:, e - 1, j - 1],
        Kind.ERROR: lambda: f.errors[:, e - 1, j - 1],
        Kind.LOSS: lambda: f.E[:, e - 1],
        Kind.E_TOTAL: lambda: f.E_total,
        Kind.DE_DA: lambda: g.dE_da[l - 1][:, e - 1, j - 1],
        Kind.DELTA: lambda: g.delta[l - 1][:, e - 1, j - 1],
        Kind.GRAD_WEIGHT: lambda: g.dw[l - 1][:, j - 1, s - 1],
        Kind.GRAD_BIAS: lambda: g.db[l - 1][:, j - 1],
    }[c.kind]()


@pytest.mark.parametrize("template", [*(f"random-{seed}" for seed in range(0, 35, 3)), "mazur", "softmax"])
def test_every_column_holds_its_own_quantity(template):
    """iteration_rows() picks all the columns out of an iteration's arrays in one step: each column must get
    exactly the quantity it names (the classic mazur has the ERROR and DE_DA columns too)."""
    if template.startswith("random-"):
        net = network.parse_network(random_template(int(template[7:]), updates=3))
    else:
        net = network.load_network(template).with_options(iterations=3)
    lr = np.asarray(net.learning_rates, dtype=float)
    p = reference.initial_params(net)
    for k, row in enumerate(network.iteration_rows(net)):
        f = reference.forward(net, p)
        g = reference.backward(net, p, f)
        for i, c in enumerate(net.columns()):
            np.testing.assert_array_equal(row[:, i], _read(c, k, p, f, g), err_msg=f"{c.header}, iteration {k}")
        p = reference.step(net, p, g, lr)
    assert k == 3


@pytest.mark.parametrize("seed", range(0, 35, 5))
def test_learning_rates_side_by_side_equal_each_alone(seed):
    net = network.parse_network(random_template(seed, updates=10))
    together = network.trajectory(net)
    for r, rate in enumerate(net.learning_rates):
        alone = network.trajectory(net.with_options(learning_rates=(rate,)))
        for header, values in alone.items():
            np.testing.assert_array_equal(together[header][r], values[0], err_msg=header)
